"""``genebert finetune --task risk``: a variant-risk classifier trained on labelled variants.

Reads top to bottom: labels -> features -> cross-validation -> final fit -> save.

* **Labels** come from one INFO key of a VCF (``--label-field``, default ``CLNSIG``), read with
  ClinVar's conventions (:func:`parse_label`): Pathogenic / Likely_pathogenic (and the two
  together) -> 1; Benign / Likely_benign (and together) -> 0; an explicit ``0``/``1`` is taken as
  is. Everything else -- VUS, conflicting, drug response, a missing value -- is not trained on
  and goes to ``rejects.tsv`` with its reason, as does every record the annotate skip rules skip
  (symbolic/breakend ALT, REF mismatch, contig not in the FASTA, ...), a multi-allelic record
  (the label belongs to the record, not to one of its ALTs) and a repeated variant.
* **Features**: the per-output ALT - REF deltas of the task models and their absolute values
  (``genebert_tool.annotate.risk_classifier``), scored by ``annotate.variants.score_variants`` --
  the windows ``genebert annotate`` uses, so a classifier trained here scores annotate's deltas.
* **Classifier**: standardisation + L2 logistic regression. ``C`` is chosen from ``C_GRID`` by
  seeded stratified k-fold cross-validation (held-out log-loss) on the training variants only.
  The reported CV metrics (AUC, PR-AUC = average precision, MCC at 0.5) come from out-of-fold
  predictions of a *nested* cross-validation -- each outer fold chooses its own C on its own
  training part -- so the choice of C does not flatter them. The saved model is refit on all
  usable variants with the C chosen on all of them.
* **Refusals**: one class only, or fewer than ``MIN_PER_CLASS`` variants of a class.

Outputs in ``out_dir``: ``risk_classifier.json`` (JSON only, no pickle; written last),
``cv_metrics.json``, ``rejects.tsv`` (``source line reason record``; also written when the run is
refused), ``oof_predictions.tsv`` and ``roc.png`` / ``pr.png`` of the out-of-fold predictions.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genebert_tool.annotate.models import ScoringModel
from genebert_tool.annotate.risk import deltas
from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures, risk_features
from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import RejectLog

__all__ = ["C_GRID", "MIN_PER_CLASS", "LabelledSet", "RiskClassifier", "RiskFeatures", "fit_risk_classifier",
           "label_mapping", "parse_label", "read_labelled_variants", "train_risk"]

LABEL_FIELD = "CLNSIG"
POSITIVE_TERMS = ("pathogenic", "likely_pathogenic")
NEGATIVE_TERMS = ("benign", "likely_benign")
UNCERTAIN_TERMS = ("uncertain_significance",)
CONFLICTING_TERMS = ("conflicting_interpretations_of_pathogenicity", "conflicting_classifications_of_pathogenicity")
IGNORED_TERMS = ("not_provided",)  # a submission without a classification sides with no one
MIN_PER_CLASS = 10
C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
DEFAULT_FOLDS = 5
_CHUNK_VARIANTS = 512
_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json")


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


def read_labelled_variants(
    vcf_path: str | os.PathLike,
    genome,
    models: Sequence[ScoringModel],
    *,
    label_field: str = LABEL_FIELD,
    batch_size: int = 256,
) -> LabelledSet:
    """Stream ``vcf_path`` (plain or gzip VCF/BCF), keep the usable labelled variants and score them.

    ``genome``: a ``Genome``. Variants are scored in chunks of ``_CHUNK_VARIANTS`` while reading, so
    memory holds the feature matrix, not the VCF. Every record not used is in ``rejects``.
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
    seen: dict[str, int] = {}
    chunks: list[np.ndarray] = []
    pending: list = []
    fetcher = WindowFetcher(genome, 0)

    def flush() -> None:
        ref, alt = score_variants(pending, list(models), fetcher.fetch_many, batch_size=batch_size)
        chunks.append(deltas(ref, alt))
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
                rejects.add(name, site.line, f"DUPLICATE_VARIANT: same variant as line {seen[key]}", shown)
                continue
            seen[key] = site.line
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
    return LabelledSet(risk_features(delta, models), np.asarray(labels, dtype=np.int64), keys, lines, rejects,
                       n_records, n_labelled, in_header)


# ------------------------------------------------------------------------------ classifier
def _pipeline(c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))  # L2 is the default penalty


def _choose_c(x: np.ndarray, y: np.ndarray, *, folds: int, seed: int, c_grid: Sequence[float]) -> float:
    """The C with the lowest stratified k-fold held-out log-loss (ties: the smaller C, i.e. more shrinkage)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    cv = StratifiedKFold(n_splits=min(folds, int(np.bincount(y).min())), shuffle=True, random_state=seed)
    losses = [-cross_val_score(_pipeline(c), x, y, cv=cv, scoring="neg_log_loss").mean() for c in c_grid]
    return float(c_grid[int(np.argmin(losses))])


def fit_risk_classifier(
    features: RiskFeatures,
    labels: np.ndarray,
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    c_grid: Sequence[float] = C_GRID,
    source: str = "training variants",
) -> tuple[RiskClassifier, dict, np.ndarray]:
    """Nested-CV metrics and the final fit (module docstring).

    ``features.values`` ``(n, n_features)``, ``labels`` ``(n,)`` in {0, 1}. Returns the classifier,
    the CV metrics dict and the out-of-fold probabilities ``(n,)``. ``InputError`` for one class
    only or fewer than ``MIN_PER_CLASS`` of a class.
    """
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    from trainer.metrics import compute_metrics

    x = np.asarray(features.values, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(y, minlength=2)
    if len(y) == 0 or (counts > 0).sum() < 2:
        which = "none" if len(y) == 0 else f"all {len(y)} are {'pathogenic (1)' if counts[1] else 'benign (0)'}"
        raise InputError(f"a classifier needs both pathogenic and benign variants; of the usable labelled variants "
                         f"{which}", path=source)
    if counts.min() < MIN_PER_CLASS:
        raise InputError(f"too few labelled variants to train and cross-validate: {counts[1]} pathogenic, "
                         f"{counts[0]} benign (at least {MIN_PER_CLASS} of each needed)", path=source)
    if folds < 2 or folds > counts.min():
        raise InputError(f"--cv-folds must be between 2 and the smaller class size ({counts.min()}), got {folds}")
    with threadpool_limits(limits=1):  # tiny fits: thread pools only add overhead on a shared machine
        outer = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        oof = np.zeros(len(y), dtype=np.float64)
        c_per_fold = []
        for train_idx, test_idx in outer.split(x, y):
            c = _choose_c(x[train_idx], y[train_idx], folds=folds, seed=seed, c_grid=c_grid)
            oof[test_idx] = _pipeline(c).fit(x[train_idx], y[train_idx]).predict_proba(x[test_idx])[:, 1]
            c_per_fold.append(c)
        c = _choose_c(x, y, folds=folds, seed=seed, c_grid=c_grid)
        pipe = _pipeline(c).fit(x, y)
    metrics = compute_metrics(y, oof, task="promoter", allow_one_class=True)  # the binary-task definitions
    metrics.update(task="risk", one_class_predictions=len(np.unique(oof >= 0.5)) < 2, folds=folds, seed=seed,
                   protocol="nested stratified k-fold: out-of-fold predictions, C chosen inside each outer fold "
                            "by inner k-fold held-out log-loss",
                   c_grid=[float(v) for v in c_grid], c_per_fold=c_per_fold, c_final=c)
    scaler, lr = pipe[0], pipe[-1]
    classifier = RiskClassifier(
        coef=lr.coef_[0].astype(np.float64), intercept=float(lr.intercept_[0]), mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64), feature_names=list(features.names), models=list(features.models),
        both_strands=features.both_strands, c=c, cv_metrics=metrics,
    )
    return classifier, metrics, oof


# -------------------------------------------------------------------------------- training
def _model_sha256(model: ScoringModel) -> tuple[dict[str, str] | None, str | None]:
    """sha256 of the model's config/weights/tokenizer: from the registry for a registered model,
    computed from its directory otherwise; ``(None, None)`` for a model without files (a test stub)."""
    from genebert_tool.pretrained import list_models, pretrained_root, sha256_file

    model_dir = getattr(model.predictor, "model_dir", None)
    if model_dir is None:
        return None, None
    entry = list_models().get(model.name)
    if entry is not None and Path(model_dir).resolve() == (pretrained_root() / entry["path"]).resolve():
        return {k: v for k, v in entry.get("sha256", {}).items() if k in _MODEL_FILES}, "registry"
    return {f: sha256_file(Path(model_dir) / f) for f in _MODEL_FILES if (Path(model_dir) / f).is_file()}, "computed"


def _refusal(data: LabelledSet, source: str, label_field: str, rejects_file: Path) -> str:
    """Why so few variants were usable: the reject reasons, the first line of the commonest one."""
    codes = Counter(r.reason.split(":", 1)[0] for r in data.rejects)
    parts = [f"{len(data.labels)} usable of {data.n_records} records ({data.n_labelled} with a usable {label_field} "
             "label); rejected: "
             + (", ".join(f"{c} {n}" for c, n in codes.most_common()) or "none")]
    if codes:
        top = codes.most_common(1)[0][0]
        first = next(r for r in data.rejects if r.reason.startswith(top))
        parts.append(f"first {top} at {first.source}:{first.line} ({first.record}: {first.reason})")
        if top in ("CONTIG_NOT_IN_GENOME", "REF_MISMATCH", "OUTSIDE_GENOME_SEQUENCE"):
            parts.append("is --fasta the genome build of the VCF?")
    if not data.label_field_in_header:
        parts.append(f"the VCF header defines no INFO/{label_field} (--label-field?)")
    parts.append(f"see {rejects_file}")
    return "; ".join(parts)


def train_risk(
    train: str | os.PathLike,
    fasta: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    model_refs: Sequence[str] = (),
    label_field: str = LABEL_FIELD,
    genome_offsets: dict[str, int] | None = None,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    device: str = "auto",
    batch_size: int = 256,
    models: list[ScoringModel] | None = None,
) -> dict:
    """Train, cross-validate and save a risk classifier (module docstring); returns a summary dict.

    ``model_refs``: task model names or directories (empty: the shipped promoter, TFBS and splice
    models); ``models`` (already loaded) overrides them -- tests pass stubs here.
    """
    from genebert_tool import __version__
    from genebert_tool.annotate.models import load_models
    from genebert_tool.genome.fasta import Genome
    from genebert_tool.genome.io import atomic_write, display_name
    from trainer.evaluate import write_curves

    source = display_name(train)
    out = Path(out_dir)
    if not Path(train).is_file():  # before the models and the genome index: fail fast
        raise InputError("file not found", path=source)
    genome = Genome(fasta, offsets=genome_offsets)
    if models is None:
        models = load_models("risk", model_refs, device=device, per_position_splice=False, splice_distance=0)
    try:
        data = read_labelled_variants(train, genome, models, label_field=label_field, batch_size=batch_size)
    finally:
        genome.close()
    out.mkdir(parents=True, exist_ok=True)
    rejects_file = out / "rejects.tsv"
    data.rejects.write_tsv(rejects_file)  # also on refusal: it says why
    counts = np.bincount(data.labels, minlength=2)
    if counts.min() < MIN_PER_CLASS:
        what = "only one class among the usable labelled variants" if counts.min() == 0 and counts.max() else \
            "too few usable labelled variants"
        raise InputError(f"{what} ({counts[1]} pathogenic, {counts[0]} benign; at least {MIN_PER_CLASS} of each "
                         f"needed): {_refusal(data, source, label_field, rejects_file)}", path=source)
    classifier, metrics, oof = fit_risk_classifier(data.features, data.labels, folds=folds, seed=seed, source=source)
    metrics["n_rejected"] = len(data.rejects)
    metrics["n_records"] = data.n_records
    classifier.models = [dict(zip(("sha256", "sha256_source"), _model_sha256(model)), **identity)
                         for identity, model in zip(classifier.models, models)]
    classifier.label_mapping = label_mapping(label_field)
    classifier.extra = {"genebert_version": __version__, "train": str(train), "fasta": str(fasta),
                        "genome_offsets": dict(genome_offsets or {}), "n_train": int(len(data.labels)),
                        "n_per_class": counts.astype(int).tolist(),
                        "note": "P(pathogenic) under the training set's class balance; see cv_metrics for how well "
                                "it separates held-out variants of the same data set"}

    with atomic_write(out / "cv_metrics.json") as fh:
        json.dump(metrics, fh, indent=2)
        fh.write("\n")
    with atomic_write(out / "oof_predictions.tsv") as fh:
        fh.write("line\tvariant\tlabel\toof_probability\n")
        for line, key, label, p in zip(data.lines, data.keys, data.labels, oof):
            fh.write(f"{line}\t{key}\t{label}\t{p:.6f}\n")
    curves = write_curves({"risk classifier (out-of-fold)": (data.labels, oof)}, out,
                          title=f"{len(data.labels)} variants, {folds}-fold nested CV")
    path = classifier.save(out)  # last: a directory with risk_classifier.json is a finished run
    warnings = []
    if metrics["one_class_predictions"]:
        warnings.append("the out-of-fold predictions are one class at threshold 0.5: MCC is 0; the features "
                        "may not separate these labels")
    return {"out_dir": str(out), "classifier": str(path), "n_train": int(len(data.labels)),
            "n_per_class": counts.astype(int).tolist(), "n_records": data.n_records, "n_rejected": len(data.rejects),
            "reject_counts": dict(Counter(r.reason.split(":", 1)[0] for r in data.rejects).most_common()),
            "cv_metrics": metrics, "outputs": [str(path), str(out / "cv_metrics.json"), str(rejects_file),
                                               str(out / "oof_predictions.tsv"), *map(str, curves)],
            "warnings": warnings}
