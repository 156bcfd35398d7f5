"""bigWig writer (pyBigWig), deepTools ``writeBedGraph`` style.

``addHeader(chrom_sizes, maxZooms=10)`` once, then entries per chromosome in header order, added in
blocks. The writer computes nothing: entries must already be sorted and non-overlapping
(``genebert_tool.annotate.tracks`` resolves overlaps); anything else raises ``ValueError`` instead
of producing a file that browsers reject. The file is written under a temporary name in the
same directory and renamed on ``close()``, so a killed run leaves no complete-looking ``.bw``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from genebert_tool.genome.io import temp_beside
from genebert_tool.writers._base import CommitOrAbort


class BigWigWriter(CommitOrAbort):
    """Write one bigWig track. ``chrom_sizes``: ``[(name, length), ...]`` in the genome's order."""

    def __init__(self, path: str | os.PathLike, chrom_sizes: Sequence[tuple[str, int]]) -> None:
        import pyBigWig

        self.path = Path(path)
        self._order = {name: i for i, (name, _) in enumerate(chrom_sizes)}
        self._sizes = dict(chrom_sizes)
        if not self._sizes:
            raise ValueError(f"{self.path}: a bigWig needs at least one chromosome in its header")
        tmp = temp_beside(self.path, ".tmp")  # 0644-style permissions, like every other output
        self._tmp = tmp
        self._bw = pyBigWig.open(tmp, "w")
        if self._bw is None:
            os.unlink(tmp)
            raise OSError(f"{self.path}: pyBigWig could not open the file for writing")
        self._bw.addHeader([(str(c), int(n)) for c, n in chrom_sizes], maxZooms=10)
        self._chrom_idx = -1
        self._last_end = 0
        self.n_entries = 0

    def add(self, chrom: str, starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> None:
        """Add sorted, non-overlapping, non-empty intervals ``[starts[i], ends[i])`` on ``chrom``.

        ``starts``/``ends``: ``(n,)`` ints; ``values``: ``(n,)`` floats. Chromosomes must come in
        header order, and within one chromosome blocks must continue after the previous one.
        """
        if chrom not in self._order:
            raise ValueError(f"{self.path}: chromosome {chrom!r} is not in the bigWig header")
        idx = self._order[chrom]
        if idx < self._chrom_idx:
            raise ValueError(f"{self.path}: chromosome {chrom!r} comes after a later one in header order")
        if idx != self._chrom_idx:
            self._chrom_idx, self._last_end = idx, 0
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        n = len(starts)
        if n == 0:
            return
        if not (len(ends) == n == len(values)):
            raise ValueError(f"{self.path}: starts/ends/values lengths differ")
        if np.any(ends <= starts):
            raise ValueError(f"{self.path}: zero-length or inverted interval on {chrom}")
        if starts[0] < self._last_end or np.any(starts[1:] < ends[:-1]):
            raise ValueError(f"{self.path}: unsorted or overlapping intervals on {chrom}")
        if ends[-1] > self._sizes[chrom] or starts[0] < 0:
            raise ValueError(f"{self.path}: interval outside {chrom} (length {self._sizes[chrom]})")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{self.path}: non-finite value on {chrom}")
        self._bw.addEntries([chrom] * n, starts.tolist(), ends=ends.tolist(), values=values.tolist())
        self._last_end = int(ends[-1])
        self.n_entries += n

    def close(self) -> None:
        """Finish the file (zoom levels are computed here) and move it into place."""
        if self._bw is None:
            return
        self._bw.close()
        self._bw = None
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the partial file."""
        if self._bw is not None:
            with contextlib.suppress(Exception):
                self._bw.close()
            self._bw = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)

