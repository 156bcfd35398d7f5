"""Labelled variants for ``genebert finetune-risk``: the label rule, the hold-out guard, the reader.

* **Labels** come from one INFO key of a VCF (default ``CLNSIG``), read with ClinVar's conventions
  (:func:`parse_label`): Pathogenic / Likely_pathogenic (and the two together) -> 1; Benign /
  Likely_benign (and together) -> 0; an explicit ``0``/``1`` is taken as is. Everything else -- VUS,
  conflicting, drug response, a missing value -- is not trained on and goes to the rejects with its
  reason, as does every record the annotate skip rules skip (symbolic/breakend ALT, REF mismatch,
  contig not in the FASTA, ...), a multi-allelic record (the label belongs to the record, not to one
  of its ALTs) and a repeated variant.
* **Hold-out**: a record touching a hold-out region (:func:`parse_region`, e.g. ``chr22:38000000-``)
  is an ``InputError``, not a reject: the file is the wrong split.
* **Features**: the usable variants are scored while reading (``annotate.variants.score_variants``,
  the windows ``genebert annotate`` uses) into a :class:`LabelledSet`.

Training (cross-validation, the final fit, saving) lives in ``trainer.risk``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from genebert_tool.annotate.models import ScoringModel
from genebert_tool.annotate.risk import deltas
from genebert_tool.annotate.risk_annotation import VariantAnnotation, annotate_variants, annotation_files
from genebert_tool.annotate.risk_classifier import RiskFeatures, risk_features
from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import RejectLog, normalize_chrom

__all__ = ["LABEL_FIELD", "LabelledSet", "format_region", "label_mapping", "parse_label", "parse_region",
           "read_labelled_sets", "read_labelled_variants"]

LABEL_FIELD = "CLNSIG"
POSITIVE_TERMS = ("pathogenic", "likely_pathogenic")
NEGATIVE_TERMS = ("benign", "likely_benign")
UNCERTAIN_TERMS = ("uncertain_significance",)
CONFLICTING_TERMS = ("conflicting_interpretations_of_pathogenicity", "conflicting_classifications_of_pathogenicity")
IGNORED_TERMS = ("not_provided",)  # a submission without a classification sides with no one
_CHUNK_VARIANTS = 512


# ---------------------------------------------------------------------------------- labels
def label_mapping(label_field: str = LABEL_FIELD) -> dict:
    """The label rule, as stored in ``risk_classifier.json``."""
    return {
        "info_field": label_field,
        "1": "Pathogenic, Likely_pathogenic, Pathogenic/Likely_pathogenic, or 1",
        "0": "Benign, Likely_benign, Benign/Likely_benign, or 0",
        "rule": "case-insensitive, spaces read as '_'; terms split on '/', ';' and ','; 'not_provided' terms are "
                "ignored; the remaining terms must all be P/LP (-> 1) or all B/LB (-> 0); anything else "
                "(uncertain, conflicting, other, missing) is not trained on and goes to rejects.tsv",
    }


def parse_label(value: object, *, label_field: str = LABEL_FIELD) -> tuple[int | None, str | None]:
    """``(1 | 0, None)`` for a usable label, ``(None, "LABEL_<KIND>: ...")`` otherwise (module docstring).

    ``value``: the INFO value as pysam returns it (``None``, a string, a number or a tuple of them).
    """
    if isinstance(value, tuple):
        value = ",".join("" if v is None else str(v) for v in value)
    if value is None or isinstance(value, bool) or str(value).strip() in ("", "."):
        return None, f"LABEL_MISSING: no {label_field} value"
    text = str(value).strip()
    if re.fullmatch(r"[01](\.0+)?", text):
        return int(float(text)), None
    terms = [t.strip("_") for t in re.split(r"[/;,]", text.lower().replace(" ", "_")) if t.strip("_")]
    known = [t for t in terms if t not in IGNORED_TERMS]
    shown = f"{label_field}={text}"
    if not known:
        return None, f"LABEL_MISSING: {shown}"
    if all(t in POSITIVE_TERMS for t in known):
        return 1, None
    if all(t in NEGATIVE_TERMS for t in known):
        return 0, None
    # P/B terms beside anything else (the other side, uncertain): the submitters disagree
    if any(t in POSITIVE_TERMS + NEGATIVE_TERMS + CONFLICTING_TERMS for t in known):
        return None, f"LABEL_CONFLICTING: {shown}"
    if any(t in UNCERTAIN_TERMS for t in known):
        return None, f"LABEL_VUS: {shown}"
    return None, f"LABEL_OTHER: {shown} is neither pathogenic nor benign"


def parse_region(spec: str) -> tuple[str, int, int | None]:
    """``chr22:38000000-`` (to the end) or ``chr22:38000000-39000000`` -> ``(chrom, start, end)``,
    0-based half-open with the numbers read as 0-based starts / exclusive ends (``38,000,000`` ok)."""
    m = re.fullmatch(r"\s*([^:\s]+):([\d,]+)-([\d,]*)\s*", spec)
    if not m:
        raise InputError(f"region {spec!r} is not CHROM:START-[END] (e.g. chr22:38000000-)")
    start, end = int(m[2].replace(",", "")), int(m[3].replace(",", "")) if m[3] else None
    if end is not None and end <= start:
        raise InputError(f"region {spec!r}: END must be greater than START")
    return m[1], start, end


def format_region(chrom: str, start: int, end: int | None) -> str:
    return f"{chrom}:{start}-{'' if end is None else end}"


# -------------------------------------------------------------------------------- features
@dataclass
class LabelledSet:
    """Usable labelled variants: ``features`` ``(n, n_features)``, ``labels`` ``(n,)`` int64 in {0, 1},
    and per row ``keys`` (``chrom:pos ref>alt``, 1-based pos) and ``lines`` (1-based VCF lines)."""

    features: RiskFeatures
    labels: np.ndarray
    keys: list[str]
    lines: list[int]
    rejects: RejectLog
    n_records: int
    n_labelled: int  # records with a usable label, whether or not they could be scored
    label_field_in_header: bool
    files: list[str] = field(default_factory=list)  # per row: the VCF it came from (display name)
    annotation: VariantAnnotation | None = None  # per row, with an annotation: distance, exon, class


def read_labelled_variants(
    vcf_path: str | os.PathLike,
    genome,
    models: Sequence[ScoringModel],
    *,
    label_field: str = LABEL_FIELD,
    batch_size: int = 256,
    holdout: Sequence[tuple[str, int, int | None]] = (),
    seen: dict[str, str] | None = None,
    annotation=None,
) -> LabelledSet:
    """Stream ``vcf_path`` (plain or gzip VCF/BCF), keep the usable labelled variants and score them.

    ``genome``: a ``Genome``. Variants are scored in chunks of ``_CHUNK_VARIANTS`` while reading, so
    memory holds the feature matrix, not the VCF. Every record not used is in ``rejects``.
    ``holdout``: ``(chrom, start, end or None)`` regions (0-based half-open) that must not be trained
    on: a record touching one is an ``InputError`` (the file is the wrong split), not a reject.
    ``seen``: variant key -> ``file:line`` shared across files, so a variant repeated in another
    file is a ``DUPLICATE_VARIANT`` too. ``annotation``: a ``genome.gene_annotation.GeneAnnotation``
    whose ``annotation.*`` features are added (None: deltas only).
    """
    from genebert_tool.annotate.fetch import WindowFetcher
    from genebert_tool.annotate.variants import score_variants, skip_code
    from genebert_tool.genome import vcf as vcf_reader
    from genebert_tool.genome.io import display_name

    name = display_name(vcf_path)
    rejects = RejectLog()
    labels: list[int] = []
    keys: list[str] = []
    lines: list[int] = []
    seen = {} if seen is None else seen
    chunks: list[np.ndarray] = []
    annotated: list[VariantAnnotation] = []
    pending: list = []
    fetcher = WindowFetcher(genome, 0)

    def flush() -> None:
        ref, alt = score_variants(pending, list(models), fetcher.fetch_many, batch_size=batch_size)
        chunks.append(deltas(ref, alt))
        if annotation is not None:
            annotated.append(annotate_variants(annotation, pending))
        pending.clear()

    vf = vcf_reader.open_vcf(vcf_path)
    n_records = n_labelled = 0
    try:
        in_header = label_field in vf.header.info
        for site in vcf_reader.iter_vcf(vf, genome):
            n_records += 1
            record = site.record
            alts = record.alts or ()
            shown = f"{record.chrom}:{record.pos} {record.ref}>{','.join(alts) or '.'}"
            for chrom, start, end in holdout:
                if normalize_chrom(record.chrom, (chrom,)) == chrom and record.stop > start \
                        and (end is None or record.start < end):
                    raise InputError(f"{shown} lies in the hold-out region {format_region(chrom, start, end)}: "
                                     "hold-out variants must not be trained on (is this the test split?)",
                                     path=name, line=site.line)
            value = record.info[label_field] if label_field in record.info else None
            label, why = parse_label(value, label_field=label_field)
            n_labelled += why is None
            if len(alts) > 1:
                rejects.add(name, site.line, f"MULTI_ALLELIC: {len(alts)} ALTs share one {label_field} label", shown)
                continue
            if site.skips:
                reason = site.skips[0][1]
                rejects.add(name, site.line, f"{skip_code(reason)}: {reason}", shown)
                continue
            if why is not None:
                rejects.add(name, site.line, why, shown)
                continue
            variant = site.variants[0]
            key = f"{variant.chrom}:{variant.start + 1} {variant.ref}>{variant.alt}"
            if key in seen:
                rejects.add(name, site.line, f"DUPLICATE_VARIANT: same variant as {seen[key]}", shown)
                continue
            seen[key] = f"{name}:{site.line}"
            pending.append(variant)
            labels.append(label)
            keys.append(key)
            lines.append(site.line)
            if len(pending) >= _CHUNK_VARIANTS:
                flush()
        if pending:
            flush()
    finally:
        vf.close()
        fetcher.close()
    delta = np.concatenate(chunks) if chunks else np.zeros((0, sum(len(m.columns) for m in models)), np.float32)
    where = None if annotation is None else VariantAnnotation.concat(annotated)
    features = risk_features(delta, models, annotation=where,
                             annotation_files=annotation_files(annotation) if annotation is not None else ())
    return LabelledSet(features, np.asarray(labels, dtype=np.int64), keys, lines, rejects,
                       n_records, n_labelled, in_header, [name] * len(keys), where)


def read_labelled_sets(
    pairs: Sequence[tuple[str | os.PathLike, object]],
    models: Sequence[ScoringModel],
    *,
    label_field: str = LABEL_FIELD,
    batch_size: int = 256,
    holdout: Sequence[tuple[str, int, int | None]] = (),
    annotation=None,
) -> LabelledSet:
    """:func:`read_labelled_variants` over several ``(vcf_path, genome)`` pairs, rows in file order;
    a variant repeated in a later file is a ``DUPLICATE_VARIANT`` reject. ``label_field_in_header``
    is True only if every file's header defines the label key."""
    seen: dict[str, str] = {}
    parts = [read_labelled_variants(vcf, genome, models, label_field=label_field, batch_size=batch_size,
                                    holdout=holdout, seen=seen, annotation=annotation) for vcf, genome in pairs]
    if len(parts) == 1:
        return parts[0]
    rejects = RejectLog()
    for part in parts:
        for r in part.rejects:
            rejects.add(r.source, r.line, r.reason, r.record)
    first = parts[0].features
    features = RiskFeatures(np.concatenate([p.features.values for p in parts]), first.names, first.models,
                            first.both_strands, first.annotation_files)
    where = None if annotation is None else VariantAnnotation.concat([p.annotation for p in parts])
    return LabelledSet(features, np.concatenate([p.labels for p in parts]), [k for p in parts for k in p.keys],
                       [n for p in parts for n in p.lines], rejects, sum(p.n_records for p in parts),
                       sum(p.n_labelled for p in parts), all(p.label_field_in_header for p in parts),
                       [f for p in parts for f in p.files], where)
