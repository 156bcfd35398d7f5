"""``genebert finetune-risk``: a variant-risk classifier trained on labelled variants.

Reads top to bottom: cross-validation -> final fit -> save -> register. The labelled variants and
their features come from ``trainer.risk_labels`` (the label rule, the hold-out guard, the reader):

* **Features**: the per-output ALT - REF deltas of the task models and their absolute values
  (``genebert_tool.annotate.risk_classifier``), scored by ``annotate.variants.score_variants`` --
  the windows ``genebert annotate`` uses, so a classifier trained here scores annotate's deltas --
  and, with ``annotation`` (BED12 transcripts), the four ``annotation.*`` features of
  ``genebert_tool.annotate.risk_annotation`` (splice-site distance, SNV or not, in an exon or not).
* **Classifier**: standardisation + L2 logistic regression. ``C`` is chosen from ``C_GRID`` by
  seeded stratified k-fold cross-validation (held-out log-loss) on the training variants only.
  The reported CV metrics (AUC, PR-AUC = average precision, MCC at 0.5 and at the chosen cut) come from out-of-fold
  predictions of a *nested* cross-validation -- each outer fold chooses its own C on its own
  training part -- so the choice of C does not flatter them. The saved model is refit on all
  usable variants with the C chosen on all of them.
* **Call cut**: ``threshold`` = the MCC-maximising cut of inner out-of-fold probabilities
  (``mcc_threshold``), chosen inside each outer fold for ``mcc_at_cv_threshold`` and on all variants
  for the saved classifier (``decision_threshold``; annotate's header gives it).
* **Refusals**: one class only, or fewer than ``MIN_PER_CLASS`` variants of a class.

Outputs in ``out_dir``: ``risk_classifier.json`` (JSON only, no pickle; written last),
``cv_metrics.json``, ``rejects.tsv`` (``source line reason record``; also written when the run is
refused), ``oof_predictions.tsv`` and ``roc.png`` / ``pr.png`` of the out-of-fold predictions.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genebert_tool.annotate.models import ScoringModel
from genebert_tool.annotate.risk_annotation import annotation_provenance
from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures
from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import normalize_chrom
from trainer.risk_labels import LABEL_FIELD, LabelledSet, format_region, label_mapping, read_labelled_sets

__all__ = ["C_GRID", "DEFAULT_FOLDS", "MIN_PER_CLASS", "RiskClassifier", "RiskFeatures", "fit_risk_classifier",
           "NestedCV", "mcc_threshold", "nested_cv", "outer_folds", "register_risk_classifier", "risk_version", "train_risk"]

MIN_PER_CLASS = 10
C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
DEFAULT_FOLDS = 5
_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json")


# ------------------------------------------------------------------------------ classifier
def _pipeline(c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))  # L2 is the default penalty


def _inner_cv(y: np.ndarray, *, folds: int, seed: int):
    """The inner splitter both C and the call cut are chosen with: seeded stratified k-fold."""
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(n_splits=min(folds, int(np.bincount(y).min())), shuffle=True, random_state=seed)


def _choose_c(x: np.ndarray, y: np.ndarray, *, folds: int, seed: int, c_grid: Sequence[float]) -> float:
    """The C with the lowest stratified k-fold held-out log-loss (ties: the smaller C, i.e. more shrinkage)."""
    from sklearn.model_selection import cross_val_score

    cv = _inner_cv(y, folds=folds, seed=seed)
    losses = [-cross_val_score(_pipeline(c), x, y, cv=cv, scoring="neg_log_loss").mean() for c in c_grid]
    return float(c_grid[int(np.argmin(losses))])


def outer_folds(labels: np.ndarray, *, folds: int = DEFAULT_FOLDS, seed: int = 0) -> np.ndarray:
    """The outer CV fold of every variant, ``(n,)`` int in ``[0, folds)``: seeded stratified k-fold.

    Depends only on the labels, the fold count and the seed, so a benchmark that scores other
    features of the same variants gets the same folds the classifier's reported metrics used.
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels, dtype=np.int64)
    fold_of = np.full(len(y), -1, dtype=np.int64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, test_idx) in enumerate(splitter.split(np.zeros((len(y), 1)), y)):
        fold_of[test_idx] = k
    return fold_of


def mcc_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The cut ``t`` that maximises the MCC of the calls ``p >= t`` on ``(y, p)`` (both ``(n,)``).

    Candidates are the midpoints between consecutive distinct probabilities (plus 0.5); ties go to the
    candidate nearest 0.5, so a flat MCC keeps the usual cut. Used on *inner* out-of-fold predictions
    only: the cut a fold applies never saw that fold. One sort: the confusion counts of every cut at once."""
    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    u = np.unique(p)
    cands = np.unique(np.concatenate([(u[1:] + u[:-1]) / 2, [0.5]]))
    pos, neg = np.sort(p[y == 1]), np.sort(p[y == 0])
    tp = (len(pos) - np.searchsorted(pos, cands, side="left")).astype(np.float64)  # positives with p >= t
    fp = (len(neg) - np.searchsorted(neg, cands, side="left")).astype(np.float64)
    fn, tn = len(pos) - tp, len(neg) - fp
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    called = tp + fp
    scores = np.where((called > 0) & (called < len(y)),
                      np.divide(tp * tn - fp * fn, den, out=np.zeros_like(den), where=den > 0), -1.0)
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    return float(cands[best[np.argmin(np.abs(cands[best] - 0.5))]])


def _inner_threshold(x: np.ndarray, y: np.ndarray, c: float, *, folds: int, seed: int) -> float:
    """``mcc_threshold`` of the stratified k-fold out-of-fold predictions of ``_pipeline(c)`` on ``(x, y)``."""
    from sklearn.model_selection import cross_val_predict

    return mcc_threshold(y, cross_val_predict(_pipeline(c), x, y, cv=_inner_cv(y, folds=folds, seed=seed),
                                              method="predict_proba")[:, 1])


@dataclass
class NestedCV:
    """Out-of-fold results of ``nested_cv``: ``oof`` ``(n,)`` P(class 1); per outer fold the chosen C and
    the MCC-maximising cut of its inner predictions; ``calls`` ``(n,)`` bool = ``oof >= cut of its fold``."""

    oof: np.ndarray
    c_per_fold: list[float]
    threshold_per_fold: list[float]
    calls: np.ndarray


def nested_cv(x: np.ndarray, y: np.ndarray, fold_of: np.ndarray, *, folds: int = DEFAULT_FOLDS, seed: int = 0,
              c_grid: Sequence[float] = C_GRID) -> NestedCV:
    """Standardise + L2 logistic regression on ``x`` ``(n, n_features)``, nested: for each outer fold in
    ``fold_of`` ``(n,)``, C is chosen on the other folds only (inner k-fold held-out log-loss), the fit on
    them predicts the fold, and the call cut is the MCC-maximising one of the inner out-of-fold predictions
    (``mcc_threshold``), so neither C nor the cut saw the fold they are scored on."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    oof = np.full(len(y), np.nan, dtype=np.float64)
    calls = np.zeros(len(y), dtype=bool)
    c_per_fold, t_per_fold = [], []
    for k in range(int(fold_of.max()) + 1):
        train_idx, test_idx = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
        c = _choose_c(x[train_idx], y[train_idx], folds=folds, seed=seed, c_grid=c_grid)
        t = _inner_threshold(x[train_idx], y[train_idx], c, folds=folds, seed=seed)
        oof[test_idx] = _pipeline(c).fit(x[train_idx], y[train_idx]).predict_proba(x[test_idx])[:, 1]
        calls[test_idx] = oof[test_idx] >= t
        c_per_fold.append(c)
        t_per_fold.append(t)
    return NestedCV(oof, c_per_fold, t_per_fold, calls)


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
        cv = nested_cv(x, y, outer_folds(y, folds=folds, seed=seed), folds=folds, seed=seed, c_grid=c_grid)
        c = _choose_c(x, y, folds=folds, seed=seed, c_grid=c_grid)
        threshold = _inner_threshold(x, y, c, folds=folds, seed=seed)
        pipe = _pipeline(c).fit(x, y)
    from sklearn.metrics import matthews_corrcoef

    oof = cv.oof
    metrics = compute_metrics(y, oof, task="promoter", allow_one_class=True)  # the binary-task definitions
    metrics.update(task="risk", one_class_predictions=len(np.unique(oof >= 0.5)) < 2, folds=folds, seed=seed,
                   protocol="nested stratified k-fold: out-of-fold predictions, C chosen inside each outer fold "
                            "by inner k-fold held-out log-loss",
                   c_grid=[float(v) for v in c_grid], c_per_fold=cv.c_per_fold, c_final=c,
                   mcc_at_cv_threshold=float(matthews_corrcoef(y, cv.calls)),
                   threshold_per_fold=cv.threshold_per_fold, threshold_final=threshold,
                   threshold_rule="per outer fold, the MCC-maximising cut of the inner k-fold out-of-fold "
                                  "probabilities (trainer.risk.mcc_threshold); mcc is at 0.5")
    scaler, lr = pipe[0], pipe[-1]
    classifier = RiskClassifier(
        coef=lr.coef_[0].astype(np.float64), intercept=float(lr.intercept_[0]), mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64), feature_names=list(features.names), models=list(features.models),
        both_strands=features.both_strands, c=c, cv_metrics=metrics, threshold=threshold,
        annotation=None if features.annotation_files is None else annotation_provenance(features.annotation_files),
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


def _pair_files(train: Sequence[str | os.PathLike], fasta: Sequence[str | os.PathLike]) -> list[tuple]:
    """``(vcf, fasta)`` per training VCF: one FASTA for all, or one per VCF in order."""
    if len(fasta) == 1:
        return [(t, fasta[0]) for t in train]
    if len(fasta) != len(train):
        raise InputError(f"give one --fasta for all --train VCFs or one per --train in order "
                         f"(got {len(train)} VCFs, {len(fasta)} FASTAs)")
    return list(zip(train, fasta))


def _as_list(value) -> list:
    return [value] if isinstance(value, (str, os.PathLike)) else list(value)


def train_risk(
    train: str | os.PathLike | Sequence[str | os.PathLike],
    fasta: str | os.PathLike | Sequence[str | os.PathLike],
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
    holdout: Sequence[tuple[str, int, int | None]] = (),
    annotation: Sequence[str | os.PathLike] = (),
    version: str | None = None,
) -> dict:
    """Train, cross-validate and save a risk classifier (module docstring); returns a summary dict.

    ``train``: one labelled VCF or several; ``fasta``: one FASTA for all of them or one per VCF
    (e.g. a chr22 VCF on the chr22 FASTA and a chr2-piece VCF on the piece). ``genome_offsets``
    apply to whichever FASTA has the contig. ``holdout``: regions no training record may touch
    (``InputError`` naming the record). ``model_refs``: task model names or directories (empty:
    the shipped promoter, TFBS and splice models); ``models`` (already loaded) overrides them --
    tests pass stubs here. ``annotation``: BED12 transcript files (merged; e.g. one per FASTA) whose
    ``annotation.*`` features are added; a variant on a contig none of them annotates gets the
    no-transcript distance and is counted (``n_no_transcripts``). ``version``: the classifier's own
    version (recorded; ``register_risk_classifier`` uses it), default: its task models' version.
    """
    from genebert_tool import __version__
    from genebert_tool.annotate.models import load_models
    from genebert_tool.genome.fasta import Genome
    from genebert_tool.genome.gene_annotation import read_gene_annotation
    from genebert_tool.genome.io import atomic_write, display_name
    from trainer.report import write_curves

    train_list, fasta_list = _as_list(train), _as_list(fasta)
    source = ", ".join(display_name(t) for t in train_list)
    out = Path(out_dir)
    for t in [*train_list, *annotation]:  # before the models and the genome index: fail fast
        if not Path(t).is_file():
            raise InputError("file not found", path=display_name(t))
    genes = read_gene_annotation(annotation) if annotation else None
    pairs = _pair_files(train_list, fasta_list)
    genomes: dict[str, Genome] = {}
    offsets = dict(genome_offsets or {})
    try:
        for f in dict.fromkeys(str(f) for f in fasta_list):
            if offsets and len(fasta_list) > 1:  # each offset goes to the FASTA that has its contig
                contigs = Genome(f).contigs
                mine = {c: o for c, o in offsets.items() if normalize_chrom(c, contigs) is not None}
            else:
                mine = offsets
            genomes[f] = Genome(f, offsets=mine or None)
        unused = [c for c in offsets if all(normalize_chrom(c, g.contigs) is None for g in genomes.values())]
        if unused:
            raise InputError(f"--genome-offset for contig(s) in no --fasta: {', '.join(unused)}")
        if models is None:
            models = load_models("risk", model_refs, device=device, per_position_splice=False, splice_distance=0)
        data = read_labelled_sets([(t, genomes[str(f)]) for t, f in pairs], models, label_field=label_field,
                                  batch_size=batch_size, holdout=holdout, annotation=genes)
    finally:
        for g in genomes.values():
            g.close()
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
    n_no_tx = int(data.annotation.no_transcripts.sum()) if data.annotation is not None else 0
    if genes is not None:
        metrics["n_no_transcripts"] = n_no_tx
    classifier.models = [dict(zip(("sha256", "sha256_source"), _model_sha256(model)), **identity)
                         for identity, model in zip(classifier.models, models)]
    classifier.label_mapping = label_mapping(label_field)
    classifier.extra = {"genebert_version": __version__, "train": [str(t) for t in train_list],
                        "fasta": [str(f) for f in fasta_list], "genome_offsets": offsets,
                        "holdout": [format_region(*r) for r in holdout], "n_train": int(len(data.labels)),
                        "n_per_class": counts.astype(int).tolist(), **({"version": version} if version else {}),
                        "note": "P(pathogenic) under the training set's class balance; see cv_metrics for how well "
                                "it separates held-out variants of the same data set"}

    with atomic_write(out / "cv_metrics.json") as fh:
        json.dump(metrics, fh, indent=2)
        fh.write("\n")
    with atomic_write(out / "oof_predictions.tsv") as fh:
        fh.write("source\tline\tvariant\tlabel\tfold\toof_probability\n")
        for row in zip(data.files, data.lines, data.keys, data.labels, outer_folds(data.labels, folds=folds, seed=seed),
                       oof):
            fh.write("\t".join(map(str, row[:-1])) + f"\t{row[-1]:.6f}\n")
    curves = write_curves({"risk classifier (out-of-fold)": (data.labels, oof)}, out,
                          title=f"{len(data.labels)} variants, {folds}-fold nested CV")
    path = classifier.save(out)  # last: a directory with risk_classifier.json is a finished run
    warnings = []
    if n_no_tx:
        contigs = sorted({k.split(":")[0] for k, m in zip(data.keys, data.annotation.no_transcripts) if m})
        warnings.append(f"{n_no_tx} training variants lie on contigs no --annotation file annotates "
                        f"({', '.join(contigs[:5])}): splice distance set to the no-transcript cap")
    if metrics["one_class_predictions"]:
        warnings.append("the out-of-fold predictions are one class at threshold 0.5: MCC is 0; the features "
                        "may not separate these labels")
    return {"out_dir": str(out), "classifier": str(path), "n_train": int(len(data.labels)),
            "n_per_class": counts.astype(int).tolist(), "n_records": data.n_records, "n_rejected": len(data.rejects),
            "reject_counts": dict(Counter(r.reason.split(":", 1)[0] for r in data.rejects).most_common()),
            "n_no_transcripts": n_no_tx, "cv_metrics": metrics, "outputs": [str(path), str(out / "cv_metrics.json"), str(rejects_file),
                                               str(out / "oof_predictions.tsv"), *map(str, curves)],
            "warnings": warnings}


#: What a shipped risk classifier directory holds (no rejects or per-variant predictions of the data).
SHIPPED_FILES = ("risk_classifier.json", "cv_metrics.json", "roc.png", "pr.png", "MODEL_CARD.md")


def risk_version(classifier: RiskClassifier) -> str:
    """The classifier's version: the one it was trained as (``finetune-risk --version``), else its task
    models' version when they agree, else their versions joined with ``+``."""
    if classifier.extra.get("version"):
        return str(classifier.extra["version"])
    versions = list(dict.fromkeys(str(m.get("version")) for m in classifier.models))
    return versions[0] if len(versions) == 1 else "+".join(versions)


def register_risk_classifier(run_dir: str | os.PathLike, name: str, *, root: str | os.PathLike | None = None) -> dict:
    """Copy the ``SHIPPED_FILES`` of a ``train_risk`` directory to ``<registry>/<name>`` and register
    them (``genebert_tool.pretrained.register_model``, task ``risk``); returns the manifest entry."""
    import shutil

    from genebert_tool.pretrained import pretrained_root, register_model

    run = Path(run_dir)
    classifier = RiskClassifier.from_dir(run)  # refuses a directory without a (valid) classifier
    target = (Path(root) if root else pretrained_root()) / name
    if target.resolve() != run.resolve():
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for f in SHIPPED_FILES:
            if (run / f).is_file():
                shutil.copy2(run / f, target / f)
    return register_model(target, name, "risk", risk_version(classifier), root=root)

