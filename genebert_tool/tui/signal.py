"""Per-column statistics of a signal track (bigWig or bedGraph) over one view. No Textual."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from genebert_tool.tui.locus import Locus
from genebert_tool.tui.records import SignalView

#: Per-column statistics, in the order the ``w`` key cycles through them.
STATS = ("max", "mean", "min")


def binned(locus: Locus, n_cols: int, length: int,
           read: Callable[[int, int, int], list[float | None]]) -> tuple[float | None, ...]:
    """Column values of ``locus`` from ``read(start, end, n_bins)`` over the part inside
    ``[0, length)``: columns past the contig end stay None, and with fewer bases than columns
    each base's value fills every column it covers."""
    values: list[float | None] = [None] * n_cols
    start, end = max(0, locus.start), min(locus.end, length)
    if end > start and n_cols > 0:
        first = (start - locus.start) * n_cols // locus.width
        last = min(n_cols, math.ceil((end - locus.start) * n_cols / locus.width))
        span = max(1, last - first)
        n_bins = max(1, min(span, end - start))
        stats = read(start, end, n_bins)
        for col in range(first, last):
            values[col] = stats[(col - first) * n_bins // span]
    return tuple(None if v is None or not math.isfinite(v) else v for v in values)


def signal_view(name: str, values: tuple[float | None, ...], stat: str, group: str) -> SignalView:
    present = [v for v in values if v is not None]
    low = min([0.0, *present])
    high = max([0.0, *present])
    if high == low:
        high = low + 1.0
    return SignalView(name, values, low, high, stat, group)


def signal_group(name: str) -> str:
    """Tracks of one model run share a prefix: ``myt1l.splice.donor.bw`` and
    ``myt1l.splice.acceptor.bw`` are group ``myt1l.splice`` (annotate's ``PREFIX.<output>.bw``)."""
    stem = re.sub(r"\.(bw|bigwig|bedgraph|bdg)(\.gz)?$", "", name, flags=re.IGNORECASE)
    return stem.rsplit(".", 1)[0] if "." in stem else stem


