"""Records the data layer hands to the widgets: items (features, peaks, variants) and the
per-track views of one locus. No Textual, no torch, no file access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from genebert_tool.formats.schema import ScoreEntry, parse_number, parse_score_entries, parse_skip_entries
from genebert_tool.tui.locus import POINT_WIDTH, Locus



#: One ``GENEBERT`` INFO entry (``ALLELE|OUTPUT|REF|ALT|DELTA``), as the schema defines it.
GeneBertDelta = ScoreEntry


@dataclass(frozen=True, slots=True)
class Item:
    """One feature, peak or variant: a row of the side table and a block on a track.

    ``columns`` are (column name, text) pairs - every column of the source record, for the detail
    panel. ``score`` is what the table sorts by: the BED score column (None when it is ``.``; for
    annotate's scored BED the largest output), or for a variant GENEBERT_RISK (else the GENEBERT
    delta of largest magnitude), the ALT with most effect. ``score_of`` says which: ``score``,
    ``CTCFL_K562 (max of 25 outputs)``, ``promoter (GENEBERT_RISK)``.

    ``blocks`` are the exons ``[(start, end), ...]`` (absolute, 0-based half-open) of a BED12 or
    GTF feature, empty for a feature in one piece. ``colour`` is an itemRgb / useScore colour
    (a Rich colour string) or None for the track's own.
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
    score_of: str = ""
    blocks: tuple[tuple[int, int], ...] = ()
    colour: str | None = None
    line: int = 0

    @property
    def centre2(self) -> int:
        """Twice the centre (an integer, so that ordering by centre is exact)."""
        return self.start + self.end

    @property
    def order_key(self) -> tuple:
        """Position along a contig for next/previous: start, then end, track and name."""
        return (self.start, self.end, self.track, self.name)

    def centred(self, width: int, contig_length: int | None = None) -> Locus:
        """A ``width``-bp view centred on this item (next/previous keep the zoom)."""
        start = (self.start + self.end - width) // 2
        return Locus(self.chrom, start, start + width).clamp(contig_length)

    def locus(self, contig_length: int | None = None) -> Locus:
        """The view that shows this item: its extent, or ``POINT_WIDTH`` bp centred on it."""
        if self.end - self.start >= POINT_WIDTH:
            return Locus(self.chrom, self.start, self.end).clamp(contig_length)
        start = (self.start + self.end - POINT_WIDTH) // 2
        return Locus(self.chrom, start, start + POINT_WIDTH).clamp(contig_length)


@dataclass(frozen=True, slots=True)
class SignalView:
    """bigWig (or bedGraph) values for one view: ``values[i]`` (None = no data) is the ``stat``
    (``max``, ``mean`` or ``min``) of the bases under column ``i``; ``low``/``high`` the y range
    (shared by the tracks of one ``group`` when grouped)."""

    track: str
    values: tuple[float | None, ...]
    low: float
    high: float
    stat: str = "mean"
    group: str = ""
    grouped: bool = False


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
    note: str = ""  # e.g. the part of the view past the end of the FASTA


TrackView = SignalView | FeatureView | SequenceView


def parse_genebert_info(entries: Iterable[str]) -> Iterator[GeneBertDelta]:
    """Parse ``ALLELE|OUTPUT|REF|ALT|DELTA`` entries (``.`` or a malformed number -> None)."""
    return parse_score_entries(entries)


def parse_skip_info(entries: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``GENEBERT_SKIP`` entries as (allele, reason); an entry without ``|`` applies to all."""
    return parse_skip_entries(entries)


def to_float(text: str | None) -> float | None:
    return parse_number(text)


def fmt_score(value: float | None) -> str:
    return "." if value is None else f"{value:.4g}"
