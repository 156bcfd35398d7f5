"""BED-family writers: scored BED (input columns + score columns), BED6 views, bedGraph.

They compute nothing: callers pass the rows, the 0-1000 BED scores and the resolved (sorted,
non-overlapping) bedGraph intervals. All are written atomically (see ``writers.tsv``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from genebert_tool.formats.schema import format_score
from genebert_tool.writers.tsv import TableWriter


class ScoredBedWriter(TableWriter):
    """``PREFIX.bed``: ``#`` comment lines, a ``#chrom  start  end ...`` header naming every column, rows."""

    def __init__(self, path: str | os.PathLike, columns: Sequence[str], *, comments: Sequence[str] = ()) -> None:
        super().__init__(path, comments=comments, columns=columns, header_prefix="#")


class Bed6Writer(TableWriter):
    """A BED6 view of one output for genome browsers: chrom, start, end, name, score (0-1000), strand.

    ``track_line`` (e.g. ``track name=... useScore=1``) is written first when given.
    """

    def __init__(self, path: str | os.PathLike, *, track_line: str | None = None, comments: Sequence[str] = ()) -> None:
        super().__init__(path, comments=comments)
        if track_line:
            self._fh.write(track_line + "\n")

    def write(self, chrom: str, start: int, end: int, name: str, score: int, strand: str) -> None:
        """One BED6 line; ``score`` must already be an integer in [0, 1000]."""
        if not 0 <= int(score) <= 1000:
            raise ValueError(f"{self.path}: BED score {score} outside 0-1000")
        self._fh.write(f"{chrom}\t{start}\t{end}\t{name}\t{int(score)}\t{strand}\n")
        self.n_rows += 1


class BedGraphWriter(TableWriter):
    """bedGraph: ``chrom  start  end  value`` for sorted, non-overlapping intervals."""

    def __init__(self, path: str | os.PathLike, *, track_line: str | None = None, comments: Sequence[str] = ()) -> None:
        super().__init__(path, comments=comments)
        if track_line:
            self._fh.write(track_line + "\n")

    def add(self, chrom: str, starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> None:
        """Write a block of intervals (``(n,)`` arrays) on ``chrom``."""
        lines = [
            f"{chrom}\t{s}\t{e}\t{format_score(v)}\n"
            for s, e, v in zip(np.asarray(starts).tolist(), np.asarray(ends).tolist(), np.asarray(values).tolist())
        ]
        self._fh.writelines(lines)
        self.n_rows += len(lines)
