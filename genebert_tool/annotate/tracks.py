"""Genome-browser tracks: collect scored intervals, then hand them out sorted and non-overlapping.

bigWig and bedGraph need, per chromosome in header order, sorted intervals that do not overlap.
Scored rows do not come that way: BED inputs may be unsorted, regions may overlap, and tiles
overlap whenever ``--step < --tile``. :class:`TrackSpool` stores entries on disk per chromosome
(so memory does not grow with the input) and :func:`resolve_overlaps` turns them into a
partition.

Overlap rule ("nearest centre"): every base covered by one or more scored intervals takes the
score of the covering interval whose centre ``(start + end) / 2`` is nearest to the base centre
``b + 0.5``. A base exactly half-way between two centres goes to the smaller centre; among
intervals with the same centre the first by ``(start, end, input order)`` wins. For tiles of
width W and step S < W this gives each tile the ``S`` central bases it is most representative of
(the first and last tile also keep their outer ends). Bases covered by no interval get no entry
(bigWig "no data", not 0). Non-overlapping inputs pass through unchanged.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from genebert_tool.genome.io import temp_beside

_FLUSH_ROWS = 65536


def resolve_overlaps(
    starts: np.ndarray, ends: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partition sorted intervals by the nearest-centre rule (module docstring).

    ``starts``/``ends``: ``(n,)`` int64, sorted by ``(start, end)``; ``values``: ``(n, k)`` float32.
    Returns ``(starts, ends, values)`` of ``m`` non-overlapping, non-empty intervals in order.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    values = np.asarray(values, dtype=np.float32).reshape(len(starts), -1)
    keep = ends > starts
    if not keep.all():
        starts, ends, values = starts[keep], ends[keep], values[keep]
    n = len(starts)
    if n <= 1:
        return starts, ends, values
    running_end = np.maximum.accumulate(ends)
    new_comp = np.ones(n, dtype=bool)
    new_comp[1:] = running_end[:-1] <= starts[1:]
    if new_comp.all():
        return starts, ends, values
    comp_start = np.flatnonzero(new_comp)
    comp_end = np.append(comp_start[1:], n)
    multi = np.flatnonzero(comp_end - comp_start > 1)
    out_s: list[np.ndarray] = []
    out_e: list[np.ndarray] = []
    out_v: list[np.ndarray] = []
    prev = 0
    for c in multi:
        i0, i1 = int(comp_start[c]), int(comp_end[c])
        if i0 > prev:  # a run of isolated intervals: copied as is
            out_s.append(starts[prev:i0])
            out_e.append(ends[prev:i0])
            out_v.append(values[prev:i0])
        ps, pe, owner = _sweep(starts[i0:i1], ends[i0:i1])
        out_s.append(ps)
        out_e.append(pe)
        out_v.append(values[i0:i1][owner])
        prev = i1
    if prev < n:
        out_s.append(starts[prev:])
        out_e.append(ends[prev:])
        out_v.append(values[prev:])
    return np.concatenate(out_s), np.concatenate(out_e), np.concatenate(out_v)


def _sweep(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest-centre partition of one connected group of overlapping intervals."""
    centres2 = starts + ends  # twice the centre: integer arithmetic, no rounding questions
    points = np.unique(np.concatenate([starts, ends]))
    order_by_start = np.lexsort((np.arange(len(starts)), ends, starts))
    active: list[int] = []
    nxt = 0
    pieces: list[tuple[int, int, int]] = []
    for x0, x1 in zip(points[:-1].tolist(), points[1:].tolist()):
        active = [i for i in active if ends[i] > x0]
        while nxt < len(order_by_start) and starts[order_by_start[nxt]] <= x0:
            active.append(int(order_by_start[nxt]))
            nxt += 1
        if not active:
            continue
        owners = sorted(active, key=lambda i: (centres2[i], starts[i], ends[i], i))
        dedup = [owners[0]]
        for i in owners[1:]:
            if centres2[i] != centres2[dedup[-1]]:
                dedup.append(i)
        lo = x0
        for k, owner in enumerate(dedup):
            if k + 1 < len(dedup):
                # base b goes right when b + 0.5 > (ca + cb) / 2, i.e. 4b + 2 > ca2 + cb2
                s = int(centres2[owner] + centres2[dedup[k + 1]])
                cut = (s - 2) // 4 + 1
            else:
                cut = x1
            hi = min(max(cut, lo), x1)
            if hi > lo:
                if pieces and pieces[-1][2] == owner and pieces[-1][1] == lo:
                    pieces[-1] = (pieces[-1][0], hi, owner)
                else:
                    pieces.append((lo, hi, owner))
                lo = hi
    arr = np.asarray(pieces, dtype=np.int64).reshape(-1, 3)
    return arr[:, 0], arr[:, 1], arr[:, 2]


class TrackSpool:
    """Scored intervals for ``n_tracks`` tracks, spooled to disk per chromosome.

    ``add`` appends entries in any order; ``iter_resolved`` yields, per chromosome in
    ``chrom_order``, blocks of ``(starts (m,), ends (m,), values (m, n_tracks))`` that are sorted
    and non-overlapping across the whole chromosome. Memory: entries added in sorted order per
    chromosome are streamed from disk in blocks; an unsorted chromosome is loaded once to be sorted
    (20 + 4 * n_tracks bytes per entry).
    """

    def __init__(self, n_tracks: int, workdir: str | os.PathLike | None = None) -> None:
        self.n_tracks = n_tracks
        self.dtype = np.dtype([("start", "<i8"), ("end", "<i8"), ("order", "<i8"), ("v", "<f4", (n_tracks,))])
        self._dir = Path(temp_beside(Path(workdir or tempfile.gettempdir()) / "genebert-tracks", directory=True))
        self._buffers: dict[str, list[np.ndarray]] = {}
        self._buffered: dict[str, int] = {}
        self._files: dict[str, Path] = {}
        self._last: dict[str, tuple[int, int]] = {}
        self._sorted: dict[str, bool] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, chrom: str, starts: Sequence[int], ends: Sequence[int], values: np.ndarray) -> None:
        """Add ``len(starts)`` entries on ``chrom``; ``values`` is ``(len(starts), n_tracks)``."""
        starts = np.asarray(starts, dtype=np.int64).reshape(-1)
        n = len(starts)
        if n == 0:
            return
        rec = np.empty(n, dtype=self.dtype)
        rec["start"] = starts
        rec["end"] = np.asarray(ends, dtype=np.int64).reshape(-1)
        rec["order"] = np.arange(self._count, self._count + n)
        rec["v"] = np.asarray(values, dtype=np.float32).reshape(n, self.n_tracks)
        self._count += n
        prev = self._last.get(chrom)
        key_s = starts if prev is None else np.concatenate([[prev[0]], starts])
        key_e = rec["end"] if prev is None else np.concatenate([[prev[1]], rec["end"]])
        ds = np.diff(key_s)
        ok = bool(np.all((ds > 0) | ((ds == 0) & (np.diff(key_e) >= 0))))
        self._sorted[chrom] = self._sorted.get(chrom, True) and ok
        self._last[chrom] = (int(starts[-1]), int(rec["end"][-1]))
        self._buffers.setdefault(chrom, []).append(rec)
        self._buffered[chrom] = self._buffered.get(chrom, 0) + n
        if self._buffered[chrom] >= _FLUSH_ROWS:
            self._flush(chrom)

    def _flush(self, chrom: str) -> None:
        parts = self._buffers.get(chrom)
        if not parts:
            return
        path = self._files.setdefault(chrom, self._dir / f"{len(self._files)}.bin")
        with open(path, "ab") as fh:
            for part in parts:
                part.tofile(fh)
        self._buffers[chrom] = []
        self._buffered[chrom] = 0

    def chroms(self) -> list[str]:
        """Chromosomes that received entries, in first-seen order."""
        return list(self._sorted)

    def iter_resolved(
        self, chrom_order: Sequence[str], *, block: int = _FLUSH_ROWS
    ) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        """Yield ``(chrom, starts, ends, values)`` blocks, chromosomes in ``chrom_order``.

        A chromosome that has entries but is missing from ``chrom_order`` raises ``ValueError``.
        """
        missing = [c for c in self._sorted if c not in set(chrom_order)]
        if missing:
            raise ValueError(f"track entries on chromosomes missing from the header: {missing[:5]}")
        for chrom in chrom_order:
            if chrom not in self._sorted:
                continue
            self._flush(chrom)
            if self._sorted[chrom]:
                yield from self._resolve_blocks(chrom, self._read_blocks(self._files[chrom], block))
            else:
                data = np.fromfile(self._files[chrom], dtype=self.dtype)
                data = data[np.lexsort((data["order"], data["end"], data["start"]))]
                yield from self._resolve_blocks(chrom, (data[i : i + block] for i in range(0, len(data), block)))

    def _read_blocks(self, path: Path, block: int) -> Iterator[np.ndarray]:
        # plain reads rather than a memmap: mapped pages would count towards the RSS
        with open(path, "rb") as fh:
            while True:
                part = np.fromfile(fh, dtype=self.dtype, count=block)
                if len(part) == 0:
                    return
                yield part

    def _resolve_blocks(self, chrom: str, blocks: Iterator[np.ndarray]):
        carry = np.empty(0, dtype=self.dtype)
        for part in blocks:
            chunk = np.concatenate([carry, part])
            # cut where nothing before the cut reaches past the next start: later blocks start at
            # or after it (sorted), so the part before the cut is final
            running_end = np.maximum.accumulate(chunk["end"])
            safe = np.flatnonzero(running_end[:-1] <= chunk["start"][1:])
            if len(safe) == 0:
                carry = chunk
                continue
            cut = int(safe[-1]) + 1
            carry = chunk[cut:]
            s, e, v = resolve_overlaps(chunk["start"][:cut], chunk["end"][:cut], chunk["v"][:cut])
            if len(s):
                yield chrom, s, e, v
        if len(carry):
            s, e, v = resolve_overlaps(carry["start"], carry["end"], carry["v"])
            if len(s):
                yield chrom, s, e, v

    def close(self) -> None:
        """Delete the spool directory."""
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> TrackSpool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

