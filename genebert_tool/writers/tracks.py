"""The track formats ``genebert annotate --tracks`` writes, one registry entry each.

A new browser format is one :func:`register_track_format` call here: ``--tracks`` accepts its name,
the output guard plans its files (``annotate.outputs.planned_outputs``) and ``annotate.regions``
opens and fills one writer per output column. File name: ``PREFIX.<column><suffix>``.

Two kinds, by what the writer is given:

* ``signal``: values along the genome from the track spool, already sorted and non-overlapping
  (``annotate.tracks``): ``writer.add(chrom, starts (n,), ends (n,), values (n,))``. ``values`` says
  which: ``"probability"`` (the model's output) or ``"bgfpr"`` (``-log10`` background FPR; only
  for the columns of calibrated models);
* ``rows``: one line per scored row, ``writer.write(chrom, start, end, name, score, strand)`` with
  ``score = row_scores(probabilities)`` (BED6: ``round(1000 p)`` in 0..1000).

``text`` formats are joined by ``genebert gather`` like tables (header of the first piece, rows of
all); bigWigs are rebuilt from the pieces' intervals (``annotate.gather``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genebert_tool.formats.schema import FPR_SUFFIX

__all__ = ["TRACK_FORMATS", "TrackFormat", "register_track_format", "track_formats"]


@dataclass(frozen=True)
class TrackFormat:
    """One ``--tracks`` choice. ``open(path, column=, chrom_sizes=, comments=)`` returns a writer that is
    a context manager (commit on success, abort on error)."""

    name: str
    suffix: str
    kind: str  # "signal" | "rows"
    open: Callable[..., Any]
    values: str = "probability"  # signal formats: "probability" | "bgfpr"
    text: bool = True
    row_scores: Callable[[np.ndarray], np.ndarray] | None = None  # rows formats: probabilities -> written scores
    help: str = ""


TRACK_FORMATS: dict[str, TrackFormat] = {}


def register_track_format(fmt: TrackFormat) -> TrackFormat:
    """Add ``fmt`` to :data:`TRACK_FORMATS` (a name may be registered once)."""
    if fmt.name in TRACK_FORMATS:
        raise ValueError(f"track format {fmt.name!r} is already registered")
    if fmt.kind not in ("signal", "rows") or (fmt.kind == "rows") != (fmt.row_scores is not None):
        raise ValueError(f"track format {fmt.name!r}: kind {fmt.kind!r} needs row_scores exactly for 'rows'")
    TRACK_FORMATS[fmt.name] = fmt
    return fmt


def track_formats(names: Sequence[str], kind: str | None = None) -> list[TrackFormat]:
    """The registered formats named in ``names`` (registry order), of ``kind`` when given."""
    return [f for f in TRACK_FORMATS.values() if f.name in names and (kind is None or f.kind == kind)]


def _bigwig(path, *, column, chrom_sizes, comments):
    from genebert_tool.writers.bigwig import BigWigWriter

    return BigWigWriter(path, chrom_sizes)


def _bedgraph(path, *, column, chrom_sizes, comments):
    from genebert_tool.writers.bed import BedGraphWriter

    return BedGraphWriter(path, comments=comments, track_line=f'track type=bedGraph name="{column}"')


def _bed6(path, *, column, chrom_sizes, comments):
    from genebert_tool.writers.bed import Bed6Writer

    return Bed6Writer(path, comments=comments,
                      track_line=f'track name="{column}" description="genebert {column}" useScore=1')


def bed_scores(probabilities: np.ndarray) -> np.ndarray:
    """BED scores 0..1000: ``round(1000 p)`` of probabilities clipped to [0, 1] (int64, same shape)."""
    return np.rint(np.clip(probabilities, 0.0, 1.0) * 1000).astype(np.int64)


register_track_format(TrackFormat("bigwig", ".bw", "signal", _bigwig, text=False,
                                  help="bigWig per output"))
register_track_format(TrackFormat("bedgraph", ".bedGraph", "signal", _bedgraph,
                                  help="bedGraph per output, 4 decimals"))
register_track_format(TrackFormat("bed6", ".bed", "rows", _bed6, row_scores=bed_scores,
                                  help="BED6 view per output, score = round(1000 p), useScore=1"))
register_track_format(TrackFormat("bgfpr", FPR_SUFFIX + ".bw", "signal", _bigwig, values="bgfpr", text=False,
                                  help="-log10 background FPR bigWig per output of a calibrated model"))
