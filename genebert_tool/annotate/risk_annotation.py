"""The risk classifier's annotation features: where a variant lies relative to annotated exons.

One definition, used by ``trainer.risk`` (training), ``annotate --risk-model`` (scoring) and
``benchmarks/risk_clinvar.py`` (the distance and variant-class baselines). Per ALT, from a
``genome.gene_annotation.GeneAnnotation`` (BED12 transcripts, e.g. SpliceAI's GENCODE v24
canonical set) and the allele's changed bases (``changed_span``):

* ``annotation.log1p_splice_distance`` = log(1 + d), d = bases to the nearest splice-site base
  (SpliceAI's convention; 0 when the change covers one). A contig without annotated transcripts
  gets d = ``NO_TRANSCRIPTS_DISTANCE`` (10,000,000: "no splice site known", log1p = 16.1) and is
  counted (``VariantAnnotation.no_transcripts``) so the caller can say so;
* ``annotation.not_snv`` = 1 unless REF and ALT are both one base (indels and MNVs);
* ``annotation.in_exon`` = 1 when the change overlaps an annotated exon;
* ``annotation.not_snv_in_exon`` = their product (an indel in an exon: frameshift or in-frame loss).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from genebert_tool.genome.gene_annotation import NO_TRANSCRIPTS_DISTANCE, GeneAnnotation, changed_span

ANNOTATION_FEATURES = ("annotation.log1p_splice_distance", "annotation.not_snv", "annotation.in_exon",
                       "annotation.not_snv_in_exon")
DEFINITION = ("per ALT, changed bases = REF span minus a shared first (padding) base when REF is longer than one "
              "base: log1p_splice_distance = log(1 + bases to the nearest splice-site base of the annotation "
              "(donor = last exon base, acceptor = first exon base, transcript strand; 0 when covered); "
              f"{NO_TRANSCRIPTS_DISTANCE} on a contig without transcripts); not_snv = REF and ALT not both one base; "
              "in_exon = the change overlaps an exon; not_snv_in_exon = not_snv * in_exon")


@dataclass(frozen=True)
class VariantAnnotation:
    """Per variant ``(n,)``: ``splice_distance`` int64 (the cap on a contig without transcripts),
    ``in_exon``, ``not_snv`` and ``no_transcripts`` (contig absent from the annotation) as bool."""

    splice_distance: np.ndarray
    in_exon: np.ndarray
    not_snv: np.ndarray
    no_transcripts: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence[VariantAnnotation]) -> VariantAnnotation:
        """The parts' variants one after the other."""
        return cls(*(np.concatenate([getattr(p, k) for p in parts]) if parts else np.zeros(0, dtype)
                     for k, dtype in (("splice_distance", np.int64), ("in_exon", bool), ("not_snv", bool),
                                      ("no_transcripts", bool))))

    def features(self) -> np.ndarray:
        """``(n, 4)`` float64 in ``ANNOTATION_FEATURES`` order."""
        not_snv, in_exon = self.not_snv.astype(np.float64), self.in_exon.astype(np.float64)
        return np.stack([np.log1p(self.splice_distance.astype(np.float64)), not_snv, in_exon, not_snv * in_exon],
                        axis=1).reshape(-1, len(ANNOTATION_FEATURES))


def annotate_variants(annotation: GeneAnnotation, variants: Iterable) -> VariantAnnotation:
    """``variants``: objects with ``chrom``, ``start`` (0-based), ``ref`` and ``alt`` (``genome.vcf.Variant``)."""
    dist, exon, not_snv, missing = [], [], [], []
    for v in variants:
        start, end = changed_span(v.start, v.ref, v.alt)
        d = annotation.splice_distance(v.chrom, start, end)
        missing.append(d is None)
        dist.append(NO_TRANSCRIPTS_DISTANCE if d is None else d)
        exon.append(annotation.in_exon(v.chrom, start, end))
        not_snv.append(not (len(v.ref) == len(v.alt) == 1))
    return VariantAnnotation(np.asarray(dist, dtype=np.int64), np.asarray(exon, dtype=bool),
                             np.asarray(not_snv, dtype=bool), np.asarray(missing, dtype=bool))


def annotation_provenance(files: Sequence[dict]) -> dict:
    """What a classifier records about the annotation it was trained with: the features, their
    definition and the files (``AnnotationSource.to_json``: name, sha256, transcripts)."""
    return {"features": list(ANNOTATION_FEATURES), "definition": DEFINITION,
            "no_transcripts_distance": NO_TRANSCRIPTS_DISTANCE, "files": [dict(f) for f in files]}


def annotation_files(annotation: GeneAnnotation) -> list[dict]:
    """``annotation.sources`` as JSON (``RiskFeatures.annotation_files``)."""
    return [s.to_json() for s in annotation.sources]
