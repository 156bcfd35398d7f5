"""A bedGraph signal track (``chrom start end value``, as ``genebert annotate --tracks bedgraph``
writes it), held in memory per contig and summarised per column like a bigWig. No Textual."""

from __future__ import annotations

import bisect
import os
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.tui.features import check_readable
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.records import SignalView
from genebert_tool.tui.signal import binned, signal_group, signal_view
from genebert_tool.genome.intervals import normalize_chrom


class BedGraphTrack:
    """Intervals with values; ``signal`` gives max / mean / min per column, None where no data."""

    kind = "signal"

    def __init__(self, path: str | os.PathLike) -> None:
        from genebert_tool.genome.io import open_text

        self.path = Path(path)
        self.name = self.path.name
        check_readable(self.path)
        rows: dict[str, list[tuple[int, int, float]]] = {}
        self.skipped = 0
        first_bad: tuple[int, str] | None = None
        with open_text(self.path) as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                parts = line.split()
                try:
                    chrom, start, end, value = parts[0], int(parts[1]), int(parts[2]), float(parts[3])
                    if end <= start or start < 0:
                        raise ValueError(f"bad interval {parts[1]}-{parts[2]}")
                except (IndexError, ValueError) as exc:
                    self.skipped += 1
                    first_bad = first_bad or (lineno, str(exc))
                    continue
                rows.setdefault(chrom, []).append((start, end, value))
        if not rows:
            if first_bad:
                raise InputError(f"no bedGraph intervals: {first_bad[1]}", path=str(path), line=first_bad[0])
            raise InputError("no bedGraph intervals", path=str(path))
        self._rows = {c: sorted(v) for c, v in rows.items()}
        self._starts = {c: [r[0] for r in v] for c, v in self._rows.items()}
        self._max_len = {c: max(e - s for s, e, _ in v) for c, v in self._rows.items()}
        values = [v for r in self._rows.values() for _, _, v in r]
        self.stat = "max" if 0.0 <= min(values) and max(values) <= 1.0 else "mean"
        self.group = signal_group(self.name)
        self.contigs: dict[str, int | None] = {c: max(e for _, e, _ in v) for c, v in self._rows.items()}

    def signal(self, locus: Locus, n_cols: int, stat: str | None = None) -> SignalView:
        stat = stat or self.stat
        chrom = normalize_chrom(locus.chrom, self._rows)

        def read(start: int, end: int, n_bins: int) -> list[float | None]:
            return _bin_stats(self._rows[chrom], self._starts[chrom], self._max_len[chrom], start, end, n_bins, stat)

        length = (self.contigs[chrom] or 0) if chrom is not None else 0
        return signal_view(self.name, binned(locus, n_cols, length, read), stat, self.group)


def _bin_stats(rows, starts, max_len, start: int, end: int, n_bins: int, stat: str) -> list[float | None]:
    """``stat`` of the intervals over ``n_bins`` equal bins of ``[start, end)``; a mean is over the
    bases with data (as libBigWig's)."""
    width = end - start
    best: list[float | None] = [None] * n_bins
    sums, covered = [0.0] * n_bins, [0] * n_bins
    lo = bisect.bisect_left(starts, start - max_len)
    hi = bisect.bisect_left(starts, end)
    for s, e, v in rows[lo:hi]:
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        # One bin either side: the overlap test below decides (bin edges are floored).
        b0 = max(0, (s - start) * n_bins // width - 1)
        b1 = min(n_bins - 1, (e - 1 - start) * n_bins // width + 1)
        for b in range(b0, b1 + 1):
            bs = start + b * width // n_bins
            be = start + (b + 1) * width // n_bins
            overlap = min(e, be) - max(s, bs)
            if overlap <= 0:
                continue
            sums[b] += v * overlap
            covered[b] += overlap
            old = best[b]
            if old is None or (v > old if stat == "max" else v < old):
                best[b] = v
    if stat == "mean":
        return [sums[b] / covered[b] if covered[b] else None for b in range(n_bins)]
    return best
