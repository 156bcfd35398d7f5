"""The browser's data layer: tracks read from files, asked for one locus at one resolution.

Nothing here (nor in :mod:`~genebert_tool.tui.records`, :mod:`~genebert_tool.tui.tracks`,
:mod:`~genebert_tool.tui.features`, :mod:`~genebert_tool.tui.locus`) imports Textual or torch,
so it can be tested and reused without a terminal.

* :class:`SignalTrack` - a bigWig, read per view through its zoom levels, never whole.
* :class:`FeatureTrack` - BED / BED3..12 / narrowPeak / GTF (and ``genebert annotate``'s scored BED).
* :class:`VariantTrack` - a VCF annotated by ``genebert annotate``: the ``GENEBERT`` INFO field
  (``ALLELE|OUTPUT|REF|ALT|DELTA`` entries, comma-separated), ``GENEBERT_RISK`` and
  ``GENEBERT_SKIP`` reasons.
* :class:`SequenceTrack` - a FASTA, fetched only at base level.

:class:`TrackSet` holds the loaded tracks; :meth:`TrackSet.view` returns what to draw for a
:class:`~genebert_tool.tui.locus.Locus` at ``n_cols`` columns. Coordinates are 0-based half-open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from genebert_tool.genome.intervals import normalize_chrom
from genebert_tool.tui.features import FeatureTrack, VariantTrack
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.records import (
    FeatureView,
    GeneBertDelta,
    Item,
    SequenceView,
    SignalView,
    TrackView,
    parse_genebert_info,
    parse_skip_info,
)
from genebert_tool.tui.tracks import SequenceTrack, SignalTrack, Track, open_track

__all__ = [
    "FeatureTrack", "FeatureView", "GeneBertDelta", "Item", "SequenceTrack", "SequenceView", "SignalTrack",
    "SignalView", "Track", "TrackSet", "TrackView", "VariantTrack", "open_track", "parse_genebert_info",
    "parse_skip_info",
]



@dataclass
class TrackSet:
    """The loaded tracks, in display order, and queries across them."""

    tracks: list[Track] = field(default_factory=list)

    def add(self, track: Track) -> None:
        self.tracks.append(track)

    @property
    def contigs(self) -> dict[str, int | None]:
        """Contig -> length over all tracks (the longest known; None when no file knows it)."""
        merged: dict[str, int | None] = {}
        for track in sorted(self.tracks, key=lambda t: t.kind != "sequence"):  # FASTA order first
            for name, length in track.contigs.items():
                known = normalize_chrom(name, merged) or name
                old = merged.get(known)
                merged[known] = max(length, old) if (length is not None and old is not None) else (length or old)
        for track in self._indexed():
            for chrom, items in track.index.by_chrom.items():
                known = normalize_chrom(chrom, merged) or chrom
                if merged.get(known) is None:
                    merged[known] = None
        return merged

    def length(self, chrom: str) -> int | None:
        return self.contigs.get(chrom)

    def _indexed(self) -> list[FeatureTrack | VariantTrack]:
        return [t for t in self.tracks if t.kind in ("feature", "variant")]

    def items(self) -> list[Item]:
        """Every feature and variant of every track (the side table's rows)."""
        return [item for track in self._indexed() for item in track.index]

    def find(self, name: str) -> Item | None:
        """The first feature or variant named ``name`` (case-insensitive), in track order."""
        for track in self._indexed():
            item = track.index.find(name)
            if item is not None:
                return item
        return None

    def find_locus(self, name: str) -> Locus | None:
        item = self.find(name)
        return None if item is None else item.locus()

    def next_item(self, locus: Locus, *, reverse: bool = False, after: Item | None = None) -> Item | None:
        """The nearest item (over all feature/variant tracks) right of the view's centre (left
        with ``reverse``), continuing onto the following contigs in contig order.

        With ``after`` (the item the view was opened on) the search starts from that item
        instead, so items with (nearly) the same centre are visited one by one, not skipped.
        """
        order = list(self.contigs)
        indexed = self._indexed()
        chrom = after.chrom if after is not None else locus.chrom
        pos = order.index(chrom) if chrom in order else 0
        if after is not None:
            key = after.order_key
        else:
            centre2 = locus.start + locus.end
            # (c,) sorts before every key with centre c; (c, inf) after every one.
            key = (centre2,) if reverse else (centre2, math.inf)
        candidates = order[pos::-1] if reverse else order[pos:]
        for k, contig in enumerate(candidates):
            found = []
            for track in indexed:
                tchrom = normalize_chrom(contig, track.index.by_chrom) or contig
                if k == 0:
                    item = track.index.before(tchrom, key) if reverse else track.index.after(tchrom, key)
                else:
                    item = track.index.last(tchrom) if reverse else track.index.first(tchrom)
                if item is not None:
                    found.append(item)
            if found:
                return (max if reverse else min)(found, key=lambda i: i.order_key)
        return None

    def view(self, locus: Locus, n_cols: int) -> list[TrackView]:
        """What to draw for ``locus`` over ``n_cols`` columns, one entry per track, in order.

        The sequence is fetched only at base level (``locus.width <= n_cols``).
        """
        views: list[TrackView] = []
        for track in self.tracks:
            if track.kind == "signal":
                views.append(track.signal(locus, n_cols))
            elif track.kind == "sequence":
                views.append(SequenceView(track.name, track.sequence(locus) if locus.width <= n_cols else None))
            else:
                chrom = normalize_chrom(locus.chrom, track.index.by_chrom) or locus.chrom
                items = track.index.overlapping(chrom, locus.start, locus.end)
                views.append(FeatureView(track.name, track.kind, tuple(items)))
        return views
