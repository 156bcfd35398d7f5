"""A gene annotation as splice sites and exons per contig, for variant features (no models).

``read_gene_annotation(paths)`` reads BED12 transcripts (``genome.annotation.read_transcripts``:
blocks checked, errors name file and line, ``.gz`` read) and keeps, per contig:

* the **splice-site bases**, sorted and unique, in SpliceAI's convention
  (``genome.annotation.splice_sites``): the donor is the last exon base before an intron and the
  acceptor the first exon base after it, in transcript orientation. The outer ends of the first and
  last exon are not splice sites (a single-exon transcript has none);
* the **exons** as merged, sorted ``[start, end)`` intervals.

Several files are merged (contig by contig), so one annotation can cover a chr22 FASTA and a chr2
piece. ``sources`` records each file's name, sha256 and transcript count (provenance for the risk
classifier and the VCF header).

A variant's changed bases (:func:`changed_span`): ``[start, start + len(REF))``, without the first
base when REF is longer than one base and ALT starts with the same base (the VCF padding base of a
deletion ``AT>A``, which changes the ``T``); an insertion ``A>AT`` keeps its one REF base.

A contig without any transcript in the annotation has no splice site: :meth:`GeneAnnotation.splice_distance`
returns ``None`` there and the caller decides (the risk classifier uses :data:`NO_TRANSCRIPTS_DISTANCE`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genebert_tool.genome.annotation import read_transcripts, splice_sites
from genebert_tool.genome.intervals import normalize_chrom

__all__ = ["NO_TRANSCRIPTS_DISTANCE", "AnnotationSource", "GeneAnnotation", "changed_span", "read_gene_annotation"]

#: The splice distance the risk classifier uses on a contig with no annotated transcript: farther
#: than any real distance on a human chromosome arm (log1p = 16.1), so "no splice site known".
NO_TRANSCRIPTS_DISTANCE = 10_000_000


@dataclass(frozen=True)
class AnnotationSource:
    """One BED12 file of an annotation: its file name (no directory: provenance that travels), the
    sha256 of its bytes and the transcripts read."""

    name: str
    sha256: str
    n_transcripts: int

    def to_json(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "n_transcripts": self.n_transcripts}


@dataclass
class GeneAnnotation:
    """Splice-site bases ``sites[contig]`` ``(n_sites,)`` int64 sorted unique, and merged exons
    ``exons[contig]`` ``(n_exons, 2)`` int64 sorted ``[start, end)``; 0-based."""

    sites: dict[str, np.ndarray]
    exons: dict[str, np.ndarray]
    sources: list[AnnotationSource] = field(default_factory=list)

    @property
    def contigs(self) -> list[str]:
        return sorted(set(self.sites) | set(self.exons))

    def resolve(self, chrom: str) -> str | None:
        """The annotation's name for ``chrom`` (``22`` -> ``chr22``), None if it has no transcript there."""
        return normalize_chrom(chrom, self.exons)

    def splice_distance(self, chrom: str, start: int, end: int) -> int | None:
        """Bases from ``[start, end)`` to the nearest splice-site base: 0 when it covers one, ``start - p``
        for a site ``p`` before it, ``p - end + 1`` for one after it. ``None`` on a contig without
        transcripts; :data:`NO_TRANSCRIPTS_DISTANCE` on one whose transcripts are all single-exon."""
        contig = self.resolve(chrom)
        if contig is None:
            return None
        s = self.sites.get(contig)
        if s is None or not len(s):
            return NO_TRANSCRIPTS_DISTANCE
        i = int(np.searchsorted(s, start))  # s[i] is the first site >= start
        best = NO_TRANSCRIPTS_DISTANCE
        if i < len(s):
            best = 0 if s[i] < end else int(s[i]) - end + 1
        if i > 0:
            best = min(best, start - int(s[i - 1]))
        return best

    def in_exon(self, chrom: str, start: int, end: int) -> bool:
        """Whether ``[start, end)`` overlaps an exon (False on a contig without transcripts)."""
        contig = self.resolve(chrom)
        if contig is None:
            return False
        ex = self.exons[contig]
        # merged exons are disjoint and sorted, so the last one starting before ``end`` reaches farthest
        i = int(np.searchsorted(ex[:, 0], end)) - 1
        return i >= 0 and int(ex[i, 1]) > start


def changed_span(start: int, ref: str, alt: str) -> tuple[int, int]:
    """The changed bases ``[start, end)`` of a VCF allele at 0-based ``start`` (module docstring); never
    empty."""
    end = start + len(ref)
    if len(ref) > 1 and len(alt) >= 1 and ref[0] == alt[0]:
        start += 1
        end = max(end, start + 1)
    return start, end


def _sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _merge(intervals: list[tuple[int, int]]) -> np.ndarray:
    merged: list[list[int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.asarray(merged, dtype=np.int64).reshape(-1, 2)


def read_gene_annotation(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> GeneAnnotation:
    """Read BED12 transcript files (plain or ``.gz``) into one :class:`GeneAnnotation` (module docstring).

    ``InputError`` naming the file and line for a row that is not a valid BED12 transcript (fewer than
    12 columns, blockCount/blockSizes/blockStarts disagreeing or not integers, a block outside the
    transcript, overlapping blocks, no strand) and for a file without transcripts."""
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    sites: dict[str, set[int]] = {}
    exons: dict[str, list[tuple[int, int]]] = {}
    sources = []
    for path in paths:
        transcripts = read_transcripts(path)
        for tx in transcripts:
            donors, acceptors = splice_sites(tx)
            sites.setdefault(tx.chrom, set()).update(donors + acceptors)
            exons.setdefault(tx.chrom, []).extend(tx.exons)
        sources.append(AnnotationSource(Path(path).name, _sha256(path), len(transcripts)))
    return GeneAnnotation({c: np.array(sorted(s), dtype=np.int64) for c, s in sites.items()},
                          {c: _merge(e) for c, e in exons.items()}, sources)
