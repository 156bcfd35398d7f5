"""Classification metrics for the downstream tasks, all computed with scikit-learn.

One function, :func:`compute_metrics`, serves every task and every caller (fine-tuning model
selection, ``genebert evaluate``, ``trainer/baselines.py``, ``benchmarks/quality.py``), so that a
GeneBERT number and a baseline number in the same table always mean the same thing.

Conventions
-----------
* Binary tasks (``promoter``, ``tfbs``): ``y_true`` (n,) in {0, 1}; ``y_score`` (n,) probability of
  the positive class, or (n, 2) class probabilities (column 1 is used). The decision threshold is
  0.5. ``auc`` is ROC-AUC, ``pr_auc`` is average precision (step-wise area under the PR curve,
  sklearn's ``average_precision_score``), ``precision``/``recall``/``f1`` are for the positive class.
* Multi-class (``splice``: 0 neither, 1 donor, 2 acceptor): ``y_score`` (n, n_classes); the
  prediction is the argmax. ``precision``/``recall``/``f1`` are sklearn macro averages; ``auc`` is
  one-vs-rest macro ROC-AUC (``roc_auc_score(multi_class="ovr", average="macro")``); ``pr_auc`` is
  the macro mean of one-vs-rest average precision; ``mcc`` is sklearn's multi-class MCC.
  ``top_k_accuracy`` follows SpliceAI (Jaganathan et al. 2019), as in the GeneBERT paper's splice
  table: for each site class (donor, acceptor) with k true sites, the fraction of the k
  highest-scored sequences that are true sites of that class; the reported value is the mean
  over the site classes (also given per class). ``top2_accuracy`` is sklearn's
  ``top_k_accuracy_score(k=2)`` for comparison.
* ``mcc``/``precision``/... are fractions in [0, 1] (or [-1, 1] for MCC). DNABERT-2 reports MCC x 100.

A model that predicts a single class for every input is refused: :class:`OneClassPredictionError`
(a :class:`~genebert_tool.errors.GeneBertError`) unless ``allow_one_class=True``, because every
threshold metric of such a model is meaningless and it must never be reported or shipped.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from genebert_tool.errors import GeneBertError, InputError
from genebert_tool.tasks import get_task

__all__ = [
    "IGNORE_INDEX",
    "METRIC_KEYS",
    "OneClassPredictionError",
    "average_precision_columns",
    "compute_metrics",
    "compute_multitask_metrics",
    "predict_labels",
    "spliceai_top_k_accuracy",
]

from genebert_tool.labels import IGNORE_INDEX, SPLICE_LABELS  # noqa: E402
#: Keys every metrics dict has (splice adds ``top_k_accuracy`` and per-class entries).
METRIC_KEYS = ("n", "accuracy", "precision", "recall", "f1", "auc", "pr_auc", "mcc")
_SPLICE_SITE_CLASSES = {i: name for i, name in enumerate(SPLICE_LABELS) if i}  # 0 = neither


class OneClassPredictionError(GeneBertError):
    """The model predicts the same class for every input: refused for reporting and saving."""


def _as_arrays(y_true, y_score) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be 1-D (n,), got shape {y_true.shape}")
    if len(y_true) != len(y_score):
        raise ValueError(f"y_true has {len(y_true)} rows but y_score has {len(y_score)}")
    if len(y_true) == 0:
        raise ValueError("no examples to score")
    if not np.isfinite(y_score).all():
        raise ValueError("y_score contains NaN or infinite values")
    return y_true.astype(np.int64), y_score


def _binary_scores(y_score: np.ndarray) -> np.ndarray:
    """(n,) positive-class probability from (n,), (n, 1) or (n, 2) scores."""
    if y_score.ndim == 2 and y_score.shape[1] == 2:
        return y_score[:, 1]
    if y_score.ndim == 2 and y_score.shape[1] == 1:
        return y_score[:, 0]
    if y_score.ndim == 1:
        return y_score
    raise ValueError(f"binary task needs y_score of shape (n,) or (n, 2), got {y_score.shape}")


def predict_labels(y_score, *, task: str) -> np.ndarray:
    """Hard predictions: threshold 0.5 for binary tasks, argmax for splice. Returns int64 (n,)."""
    y_score = np.asarray(y_score, dtype=np.float64)
    if _n_classes(task) == 2:
        return (_binary_scores(y_score) >= 0.5).astype(np.int64)
    return np.argmax(y_score, axis=1).astype(np.int64)


def _n_classes(task: str) -> int:
    return get_task(task).n_classes  # ValueError naming the registered tasks for an unknown one


def average_precision_columns(score: np.ndarray, labels: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    """Average precision of one score against many binary label columns at once, exactly as
    ``sklearn.metrics.average_precision_score`` per column (tied scores form one threshold).

    ``score`` (n,), ``labels`` (n, J) 0/1, ``keep`` (n, J) bool (rows that count for each column;
    default all). Returns (J,) float64, NaN for a column without positives. One sort instead of J,
    for choosing the best of hundreds of motifs for each of a hundred outputs (the per-call masking
    is O(n J) like the cumulative sums, so callers need not precompute it)."""
    score = np.asarray(score, np.float64)
    y = np.asarray(labels, np.float64).reshape(len(score), -1)
    k = np.ones_like(y, bool) if keep is None else np.asarray(keep, bool).reshape(y.shape)
    order = np.argsort(-score, kind="stable")
    s = score[order]
    pos = (y * k)[order]
    neg = ((1.0 - y) * k)[order]
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # last row of each group of tied scores
    tp = np.cumsum(pos, axis=0)[ends]
    fp = np.cumsum(neg, axis=0)[ends]
    n_pos = tp[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = tp / n_pos
    d_recall = np.diff(np.vstack([np.zeros((1, y.shape[1])), recall]), axis=0)
    ap = (d_recall * precision).sum(axis=0)
    return np.where(n_pos > 0, ap, np.nan)


def spliceai_top_k_accuracy(y_true, y_score, *, classes: Sequence[int] = (1, 2)) -> dict[int, float]:
    """SpliceAI top-k accuracy per site class.

    For class c with k = #(y_true == c): the fraction of the k rows with the highest score for c
    that truly are c. ``y_true`` (n,), ``y_score`` (n, n_classes). Classes absent from ``y_true``
    are left out of the result.
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    out: dict[int, float] = {}
    for c in classes:
        k = int((y_true == c).sum())
        if k == 0:
            continue
        # stable sort so ties are broken by input order, deterministically
        top = np.argsort(-y_score[:, c], kind="stable")[:k]
        out[c] = float((y_true[top] == c).mean())
    return out


def compute_metrics(y_true, y_score, *, task: str, allow_one_class: bool = False) -> dict:
    """Metrics for one output of a task model (see the module docstring for definitions).

    y_true: (n,) int labels (rows labelled ``IGNORE_INDEX`` = -100 are dropped first).
    y_score: (n,) or (n, 2) for binary tasks; (n, 3) class probabilities for ``splice``.
    Returns a JSON-serialisable dict with at least ``METRIC_KEYS`` plus ``n_per_class``,
    ``predicted_per_class`` and ``threshold`` (binary) — and ``top_k_accuracy`` for splice.

    Raises ``InputError`` when ``y_true`` holds a single class (AUC undefined) or labels outside
    the task's classes, and ``OneClassPredictionError`` when every prediction is the same class
    (unless ``allow_one_class``).
    """
    from sklearn import metrics as skm

    n_classes = _n_classes(task)
    y_true, y_score = _as_arrays(y_true, y_score)
    keep = y_true != IGNORE_INDEX
    y_true, y_score = y_true[keep], y_score[keep]
    if len(y_true) == 0:
        raise ValueError("every label is the ignore index (-100): nothing to score")
    bad = sorted(set(np.unique(y_true).tolist()) - set(range(n_classes)))
    if bad:
        raise InputError(f"task {task!r} has classes 0..{n_classes - 1}, but labels include {bad}")
    present = np.unique(y_true)
    if len(present) < 2:
        raise InputError(
            f"all {len(y_true)} labels are class {int(present[0])}: ROC/PR metrics need both classes"
        )
    y_pred = predict_labels(y_score, task=task)
    predicted = np.unique(y_pred)
    if len(predicted) < 2 and not allow_one_class:
        raise OneClassPredictionError(
            f"the model predicts class {int(predicted[0])} for all {len(y_pred)} inputs of task "
            f"{task!r}; refusing to report or save a one-class predictor (train longer, check the "
            "labels and the learning rate)"
        )

    out: dict = {"task": task, "n": int(len(y_true))}
    out["n_per_class"] = np.bincount(y_true, minlength=n_classes).astype(int).tolist()
    out["predicted_per_class"] = np.bincount(y_pred, minlength=n_classes).astype(int).tolist()
    out["accuracy"] = float(skm.accuracy_score(y_true, y_pred))
    out["mcc"] = float(skm.matthews_corrcoef(y_true, y_pred))
    if n_classes == 2:
        pos = _binary_scores(y_score)
        out["threshold"] = 0.5
        out["precision"] = float(skm.precision_score(y_true, y_pred, zero_division=0))
        out["recall"] = float(skm.recall_score(y_true, y_pred, zero_division=0))
        out["f1"] = float(skm.f1_score(y_true, y_pred, zero_division=0))
        out["auc"] = float(skm.roc_auc_score(y_true, pos))
        out["pr_auc"] = float(skm.average_precision_score(y_true, pos))
        return out

    if y_score.ndim != 2 or y_score.shape[1] != n_classes:
        raise ValueError(f"task {task!r} needs y_score of shape (n, {n_classes}), got {y_score.shape}")
    labels = list(range(n_classes))
    out["averaging"] = "macro (precision/recall/f1/pr_auc), one-vs-rest macro (auc)"
    out["precision"] = float(skm.precision_score(y_true, y_pred, average="macro", labels=labels, zero_division=0))
    out["recall"] = float(skm.recall_score(y_true, y_pred, average="macro", labels=labels, zero_division=0))
    out["f1"] = float(skm.f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0))
    # roc_auc_score(ovr) needs rows summing to 1; normalise defensively (softmax output already does).
    prob = y_score / np.clip(y_score.sum(axis=1, keepdims=True), 1e-12, None)
    if len(present) == n_classes:
        out["auc"] = float(skm.roc_auc_score(y_true, prob, multi_class="ovr", average="macro", labels=labels))
    else:  # a class missing from y_true: average over the classes present
        out["auc"] = float(np.mean([skm.roc_auc_score(y_true == c, prob[:, c]) for c in present]))
    per_class_ap = {int(c): float(skm.average_precision_score(y_true == c, prob[:, c])) for c in present}
    out["pr_auc"] = float(np.mean(list(per_class_ap.values())))
    out["pr_auc_per_class"] = {str(c): v for c, v in per_class_ap.items()}
    if task == "splice":
        topk = spliceai_top_k_accuracy(y_true, prob, classes=tuple(_SPLICE_SITE_CLASSES))
        out["top_k_accuracy_per_class"] = {_SPLICE_SITE_CLASSES[c]: v for c, v in topk.items()}
        out["top_k_accuracy"] = float(np.mean(list(topk.values()))) if topk else float("nan")
        out["top2_accuracy"] = float(skm.top_k_accuracy_score(y_true, prob, k=2, labels=labels))
    return out


def compute_multitask_metrics(
    y_true,
    y_score,
    output_names: Sequence[str],
    *,
    task: str = "tfbs",
    allow_one_class: bool = False,
) -> dict:
    """Per-output binary metrics for a multi-task model plus their unweighted means.

    y_true: (n, n_outputs) with -100 where an example is not labelled for an output.
    y_score: (n, n_outputs) positive-class probabilities.
    Returns ``{"per_output": {name: metrics}, "mean": {key: mean over outputs}, "n_outputs": int}``.
    Outputs with no labelled example, or only one labelled class, are listed in ``skipped``. Unless
    ``allow_one_class``, a constant output, or every output predicting one class at 0.5, raises
    ``OneClassPredictionError``; single outputs predicting one class (rare TFs) are listed in
    ``one_class_at_0.5``.
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.shape != y_score.shape or y_true.ndim != 2 or y_true.shape[1] != len(output_names):
        raise ValueError(
            f"multi-task metrics need y_true and y_score of shape (n, {len(output_names)}); "
            f"got {y_true.shape} and {y_score.shape}"
        )
    per_output: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    one_class: list[str] = []
    for j, name in enumerate(output_names):
        col = y_true[:, j]
        labelled = col != IGNORE_INDEX
        if len(np.unique(col[labelled])) < 2:
            skipped[name] = "fewer than two labelled classes"
            continue
        # A rare output (a TF bound in 1 % of genome windows) may rightly stay below 0.5 everywhere; what
        # makes a multi-task model useless is a constant output or every output predicting one class.
        if not allow_one_class and np.ptp(y_score[labelled, j]) < 1e-6:
            raise OneClassPredictionError(f"output {name!r}: the same score for all {int(labelled.sum())} inputs; "
                                          "refusing to report or save a constant predictor")
        per_output[name] = compute_metrics(col, y_score[:, j], task=task, allow_one_class=True)
        if len(np.unique(predict_labels(y_score[labelled, j], task=task))) < 2:
            one_class.append(name)
    if not per_output:
        raise InputError("no output of the multi-task model has labelled examples of both classes")
    if not allow_one_class and len(one_class) == len(per_output):
        raise OneClassPredictionError(f"every one of the {len(per_output)} outputs predicts a single class at 0.5 "
                                      "for all inputs; refusing to report or save a one-class predictor")
    mean = {k: float(np.mean([m[k] for m in per_output.values()])) for k in METRIC_KEYS if k != "n"}
    mean["n"] = int(sum(m["n"] for m in per_output.values()))
    return {"task": task, "n_outputs": len(per_output), "per_output": per_output, "mean": mean, "skipped": skipped,
            "one_class_at_0.5": one_class}
