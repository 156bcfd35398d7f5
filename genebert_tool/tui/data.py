"""The browser's data layer: tracks read from files, asked for one locus at one resolution.

Nothing here (nor in :mod:`~genebert_tool.tui.records`, :mod:`~genebert_tool.tui.tracks`,
:mod:`~genebert_tool.tui.features`, :mod:`~genebert_tool.tui.locus`) imports Textual or torch,
so it can be tested and reused without a terminal.

* :class:`SignalTrack` - a bigWig, read per view through its zoom levels, never whole;
  :class:`BedGraphTrack` - a bedGraph, in memory, summarised the same way.
* :class:`FeatureTrack` - BED / BED3..12 / narrowPeak / GTF (and ``genebert annotate``'s scored BED),
  with BED12 / GTF exons as blocks.
* :class:`VariantTrack` - a VCF annotated by ``genebert annotate``: the ``GENEBERT`` INFO field
  (``ALLELE|OUTPUT|REF|ALT|DELTA`` entries, comma-separated), ``GENEBERT_RISK`` and
  ``GENEBERT_SKIP`` reasons.
* :class:`SequenceTrack` - a FASTA, fetched only at base level.

:class:`TrackSet` holds the loaded tracks; :meth:`TrackSet.view` returns what to draw for a
:class:`~genebert_tool.tui.locus.Locus` at ``n_cols`` columns. Coordinates are 0-based half-open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

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
from genebert_tool.tui.bedgraph import BedGraphTrack
from genebert_tool.tui.tracks import SequenceTrack, SignalTrack, Track, open_track

__all__ = [
    "BedGraphTrack", "FeatureTrack", "FeatureView", "GeneBertDelta", "Item", "SequenceTrack", "SequenceView", "SignalTrack",
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

    def starting_with(self, prefix: str, limit: int = 20) -> list[Item]:
        """Items (one per name, over all tracks) whose names start with ``prefix``, by name."""
        found: dict[str, Item] = {}
        for track in self._indexed():
            for item in track.index.starting_with(prefix, limit):
                found.setdefault(item.name.casefold(), item)
        return [found[k] for k in sorted(found)][:limit]

    def find_locus(self, name: str) -> Locus | None:
        item = self.find(name)
        return None if item is None else item.locus()

    def next_item(self, locus: Locus, *, reverse: bool = False, after: Item | None = None,
                  track: str | None = None) -> Item | None:
        """The item (over all feature/variant tracks, or only the track named ``track``) that
        starts next right of the view's centre (left with ``reverse``), continuing onto the
        following contigs in contig order.

        With ``after`` (the item the view was moved to) the search starts from that item
        instead, so items starting at the same base are visited one by one, not skipped.
        """
        order = list(self.contigs)
        indexed = [t for t in self._indexed() if track is None or t.name == track]
        chrom = after.chrom if after is not None else locus.chrom
        pos = order.index(chrom) if chrom in order else 0
        if after is not None:
            key = after.order_key
        else:
            centre = (locus.start + locus.end) // 2
            # (c,) sorts before every key starting at c; (c, inf) after every one.
            key = (centre,) if reverse else (centre, math.inf)
        candidates = order[pos::-1] if reverse else order[pos:]
        for k, contig in enumerate(candidates):
            found = []
            for t in indexed:
                tchrom = normalize_chrom(contig, t.index.by_chrom) or contig
                if k == 0:
                    item = t.index.before(tchrom, key) if reverse else t.index.after(tchrom, key)
                else:
                    item = t.index.last(tchrom) if reverse else t.index.first(tchrom)
                if item is not None:
                    found.append(item)
            if found:
                return (max if reverse else min)(found, key=lambda i: i.order_key)
        return None

    def view(self, locus: Locus, n_cols: int, *, grouped: bool = False) -> list[TrackView]:
        """What to draw for ``locus`` over ``n_cols`` columns, one entry per track, in order.

        The sequence is fetched only at base level (``locus.width <= n_cols``). With ``grouped``
        the signal tracks of one group (one model run) share one y range.
        """
        views: list[TrackView] = []
        for track in self.tracks:
            if track.kind == "signal":
                views.append(track.signal(locus, n_cols))
            elif track.kind == "sequence":
                base_level = locus.width <= n_cols
                views.append(SequenceView(track.name, track.sequence(locus) if base_level else None,
                                          track.note(locus) if base_level else ""))
            else:
                chrom = normalize_chrom(locus.chrom, track.index.by_chrom) or locus.chrom
                items = track.index.overlapping(chrom, locus.start, locus.end)
                views.append(FeatureView(track.name, track.kind, tuple(items)))
        if grouped:
            views = _group_ranges(views)
        return views


def _group_ranges(views: list[TrackView]) -> list[TrackView]:
    """Signal views of one group get the group's lowest low and highest high."""
    ranges: dict[str, tuple[float, float]] = {}
    for v in views:
        if isinstance(v, SignalView):
            low, high = ranges.get(v.group, (v.low, v.high))
            ranges[v.group] = (min(low, v.low), max(high, v.high))
    return [replace(v, low=ranges[v.group][0], high=ranges[v.group][1], grouped=True)
            if isinstance(v, SignalView) else v for v in views]
