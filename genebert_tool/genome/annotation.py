"""Truth sets on a genome: TSSs, ChIP-seq summits and splice sites from BED / narrowPeak / BED12.

Plain bioinformatics (no models). Each reader validates its file through ``iter_bed`` (file:line
errors) and returns sorted positions per contig, restricted to the contigs asked for:

* ``read_tss``: the 1-bp TSS rows of a BED (the base ``start``), with strand.
* ``read_summits``: narrowPeak summits ``start + column 10`` (the peak centre when column 10 is -1
  or missing).
* ``read_splice_sites``: SpliceAI's convention from BED12 transcripts: the **donor** is the last
  exon base before an intron and the **acceptor** the first exon base after it, in transcript
  orientation (minus-strand transcripts flip which genomic side is which).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.bed import iter_bed

__all__ = ["Transcript", "read_tss", "read_summits", "read_transcripts", "splice_sites", "read_splice_sites"]


def _sorted(by_chrom: dict[str, list[int]]) -> dict[str, np.ndarray]:
    return {c: np.unique(np.asarray(v, dtype=np.int64)) for c, v in by_chrom.items()}


def _check_nonempty(result: dict, path, what: str) -> None:
    if not any(len(v) for v in result.values()):
        raise InputError(f"no {what} found", path=str(path))


def read_tss(path: str | os.PathLike, *, contigs=None) -> dict[str, np.ndarray]:
    """Contig -> sorted unique TSS positions (0-based) from a TSS BED (one row per TSS; the
    position is ``start`` for 1-bp rows, and the strand-aware 5' end for longer rows)."""
    by_chrom: dict[str, list[int]] = defaultdict(list)
    for region in iter_bed(path):
        if contigs is not None and region.chrom not in contigs:
            continue
        pos = region.end - 1 if (region.strand == "-" and len(region) > 1) else region.start
        by_chrom[region.chrom].append(pos)
    out = _sorted(by_chrom)
    _check_nonempty(out, path, "TSS")
    return out


def read_summits(path: str | os.PathLike, *, contigs=None) -> dict[str, np.ndarray]:
    """Contig -> sorted unique summit positions of a narrowPeak file (overlapping peaks allowed:
    ChIP-seq peak sets have them; each summit counts once)."""
    by_chrom: dict[str, list[int]] = defaultdict(list)
    for region in iter_bed(path):
        if contigs is not None and region.chrom not in contigs:
            continue
        offset = -1
        if len(region.fields) >= 10:
            try:
                offset = int(region.fields[9])
            except ValueError:
                raise InputError(f"narrowPeak column 10 (summit) is not an integer: {region.fields[9]!r}",
                                 path=str(path), line=region.line) from None
        if offset >= len(region):
            raise InputError(f"summit offset {offset} outside the peak ({len(region)} bp)", path=str(path),
                             line=region.line)
        by_chrom[region.chrom].append(region.start + offset if offset >= 0 else (region.start + region.end) // 2)
    out = _sorted(by_chrom)
    _check_nonempty(out, path, "peaks")
    return out


@dataclass(frozen=True)
class Transcript:
    """A BED12 transcript: exons as sorted ``(start, end)`` genome intervals."""

    chrom: str
    start: int
    end: int
    name: str
    strand: str
    exons: tuple[tuple[int, int], ...]
    line: int = 0

    def introns(self) -> list[tuple[int, int]]:
        return [(a[1], b[0]) for a, b in zip(self.exons[:-1], self.exons[1:])]


def read_transcripts(path: str | os.PathLike, *, contigs=None) -> list[Transcript]:
    """BED12 rows as ``Transcript``s (blocks checked: inside the row, sorted, non-overlapping)."""
    out = []
    for region in iter_bed(path):
        if contigs is not None and region.chrom not in contigs:
            continue
        where = dict(path=str(path), line=region.line)
        if len(region.fields) < 12:
            raise InputError(f"BED12 needed for exon structure, got {len(region.fields)} columns", **where)
        if region.strand not in "+-" or region.strand == "":
            raise InputError(f"transcript strand must be + or -, got {region.strand!r}", **where)
        try:
            n = int(region.fields[9])
            sizes = [int(x) for x in region.fields[10].rstrip(",").split(",")]
            starts = [int(x) for x in region.fields[11].rstrip(",").split(",")]
        except ValueError:
            raise InputError("blockCount/blockSizes/blockStarts are not integers", **where) from None
        if not (n == len(sizes) == len(starts)) or n < 1:
            raise InputError(f"blockCount {n} does not match {len(sizes)} sizes / {len(starts)} starts", **where)
        for k, (s, z) in enumerate(zip(starts, sizes), start=1):
            if z <= 0:
                raise InputError(f"block {k}: blockSize {z} is not positive", **where)
            if s < 0 or s + z > len(region):
                raise InputError(f"block {k} ({region.start + s}-{region.start + s + z}) lies outside the "
                                 f"transcript {region.chrom}:{region.start}-{region.end}", **where)
        exons = tuple((region.start + s, region.start + s + z) for s, z in zip(starts, sizes))
        for (a0, a1), (b0, b1) in zip(exons[:-1], exons[1:]):
            if b0 < a1:
                raise InputError("exon blocks overlap or are unsorted", **where)
        if exons[0][0] != region.start or exons[-1][1] != region.end:
            raise InputError("first/last block does not reach chromStart/chromEnd", **where)
        out.append(Transcript(region.chrom, region.start, region.end, region.name or f"line{region.line}",
                              region.strand, exons, region.line))
    if not out:
        raise InputError("no transcripts found", path=str(path))
    return out


def splice_sites(transcript: Transcript) -> tuple[list[int], list[int]]:
    """(donors, acceptors) of one transcript, 0-based genome positions (SpliceAI's convention)."""
    donors, acceptors = [], []
    for left_end, right_start in transcript.introns():
        last_left, first_right = left_end - 1, right_start  # exon bases flanking the intron
        if transcript.strand == "+":
            donors.append(last_left)
            acceptors.append(first_right)
        else:
            donors.append(first_right)
            acceptors.append(last_left)
    return donors, acceptors


def read_splice_sites(path: str | os.PathLike, *, contigs=None) -> dict[str, dict[str, np.ndarray]]:
    """Contig -> {"donor": positions, "acceptor": positions} over every transcript of a BED12."""
    donors: dict[str, list[int]] = defaultdict(list)
    acceptors: dict[str, list[int]] = defaultdict(list)
    for tx in read_transcripts(path, contigs=contigs):
        d, a = splice_sites(tx)
        donors[tx.chrom].extend(d)
        acceptors[tx.chrom].extend(a)
    d_sorted, a_sorted = _sorted(donors), _sorted(acceptors)
    return {c: {"donor": d_sorted.get(c, np.zeros(0, np.int64)), "acceptor": a_sorted.get(c, np.zeros(0, np.int64))}
            for c in set(d_sorted) | set(a_sorted)}
