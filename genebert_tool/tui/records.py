"""Records the data layer hands to the widgets: items (features, peaks, variants) and the
per-track views of one locus. No Textual, no torch, no file access."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from genebert_tool.tui.locus import POINT_WIDTH, Locus



@dataclass(frozen=True, slots=True)
class GeneBertDelta:
    """One entry of the ``GENEBERT`` INFO field: ``ALLELE|OUTPUT|REF|ALT|DELTA``.

    ``ref`` / ``alt`` are the model's scores for the reference and alternative sequence;
    ``delta = alt - ref``.
    """

    allele: str
    output: str
    ref: float | None
    alt: float | None
    delta: float | None


@dataclass(frozen=True, slots=True)
class Item:
    """One feature, peak or variant: a row of the side table and a block on a track.

    ``columns`` are (column name, text) pairs - every column of the source record, for the detail
    panel. ``score`` is what the table sorts by: the BED score column (the first numeric extra
    column when that is missing; for annotate's scored BED the largest output), or for a variant
    GENEBERT_RISK (else the GENEBERT delta of largest magnitude), the ALT with most effect.
    """

    track: str
    kind: str  # "feature" or "variant"
    chrom: str
    start: int
    end: int
    name: str
    score: float | None = None
    strand: str = "."
    columns: tuple[tuple[str, str], ...] = ()
    deltas: tuple[GeneBertDelta, ...] = ()
    skips: tuple[tuple[str, str], ...] = ()

    @property
    def centre2(self) -> int:
        """Twice the centre (an integer, so that ordering by centre is exact)."""
        return self.start + self.end

    @property
    def order_key(self) -> tuple:
        """Position along a contig for next/previous: centre, then extent, track and name."""
        return (self.start + self.end, self.start, self.end, self.track, self.name)

    def locus(self, contig_length: int | None = None) -> Locus:
        """The view that shows this item: its extent, or ``POINT_WIDTH`` bp centred on it."""
        if self.end - self.start >= POINT_WIDTH:
            return Locus(self.chrom, self.start, self.end).clamp(contig_length)
        start = (self.start + self.end - POINT_WIDTH) // 2
        return Locus(self.chrom, start, start + POINT_WIDTH).clamp(contig_length)


@dataclass(frozen=True, slots=True)
class SignalView:
    """bigWig means for one view: ``values[i]`` (None = no data) covers column ``i``."""

    track: str
    values: tuple[float | None, ...]
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class FeatureView:
    """The items of one feature or variant track that overlap the view."""

    track: str
    kind: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class SequenceView:
    """The reference sequence of the view (only at base level, else ``sequence`` is None)."""

    track: str
    sequence: str | None


TrackView = SignalView | FeatureView | SequenceView


def parse_genebert_info(entries: Iterable[str]) -> Iterator[GeneBertDelta]:
    """Parse ``ALLELE|OUTPUT|REF|ALT|DELTA`` entries (``.`` or a malformed number -> None)."""
    for entry in entries:
        parts = entry.split("|")
        if len(parts) != 5:
            continue
        yield GeneBertDelta(parts[0], parts[1], to_float(parts[2]), to_float(parts[3]), to_float(parts[4]))


def parse_skip_info(entries: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``GENEBERT_SKIP`` entries as (allele, reason); an entry without ``|`` applies to all."""
    for entry in entries:
        allele, sep, reason = entry.partition("|")
        yield (allele, reason) if sep else (".", allele)


def to_float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def fmt_score(value: float | None) -> str:
    return "." if value is None else f"{value:.4g}"
