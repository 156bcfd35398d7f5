"""Writing what the browser shows: the features and variants of a view as TSV. No Textual."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from genebert_tool.tui.locus import Locus
from genebert_tool.tui.records import Item

COLUMNS = ("track", "kind", "name", "chrom", "start", "end", "strand", "score", "score_of")


def view_file_name(locus: Locus, suffix: str) -> str:
    """``genebert-view_chr2_1860101-1860310.tsv``: the view, 1-based inclusive."""
    return f"genebert-view_{locus.chrom}_{locus.start + 1}-{locus.end}{suffix}"


def write_items_tsv(items: Iterable[Item], locus: Locus, path: Path) -> int:
    """Write one row per item (positions 1-based inclusive, as the browser shows them) after a
    ``#`` line naming the view; returns the number of rows."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write(f"# genebert browse view {locus.display()} (positions 1-based, inclusive)\n")
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        for item in items:
            score = "." if item.score is None else f"{item.score:.6g}"
            writer.writerow((item.track, item.kind, item.name, item.chrom, item.start + 1, item.end, item.strand,
                             score, item.score_of or "."))
            n += 1
    return n
