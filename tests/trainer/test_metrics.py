"""trainer.metrics: values equal scikit-learn's on small known examples; refusals."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from genebert_tool.errors import GeneBertError, InputError
from trainer.metrics import (
    METRIC_KEYS,
    OneClassPredictionError,
    compute_metrics,
    compute_multitask_metrics,
    spliceai_top_k_accuracy,
)

Y_BIN = np.array([0, 0, 1, 1, 1, 0, 1, 0])
S_BIN = np.array([0.1, 0.6, 0.8, 0.4, 0.9, 0.2, 0.7, 0.3])


def test_binary_matches_sklearn():
    m = compute_metrics(Y_BIN, S_BIN, task="promoter")
    pred = (S_BIN >= 0.5).astype(int)
    assert set(METRIC_KEYS) <= set(m)
    assert m["n"] == 8
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(Y_BIN, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(Y_BIN, pred))
    assert m["recall"] == pytest.approx(skm.recall_score(Y_BIN, pred))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(Y_BIN, pred))
    assert m["auc"] == pytest.approx(skm.roc_auc_score(Y_BIN, S_BIN))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(Y_BIN, S_BIN))
    # hand-checked: one FP (0.6) and one FN (0.4) -> accuracy 6/8, MCC 0.5
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["mcc"] == pytest.approx(0.5)


def test_binary_two_column_scores_equal_one_column():
    two = np.stack([1 - S_BIN, S_BIN], axis=1)
    assert compute_metrics(Y_BIN, two, task="tfbs")["auc"] == compute_metrics(Y_BIN, S_BIN, task="tfbs")["auc"]


def test_ignore_index_rows_dropped():
    y = np.concatenate([Y_BIN, [-100, -100]])
    s = np.concatenate([S_BIN, [0.99, 0.01]])
    assert compute_metrics(y, s, task="tfbs")["n"] == 8


def test_one_class_predictor_refused():
    with pytest.raises(OneClassPredictionError, match="predicts class 1"):
        compute_metrics(Y_BIN, np.full(8, 0.9), task="promoter")
    assert issubclass(OneClassPredictionError, GeneBertError)
    m = compute_metrics(Y_BIN, np.full(8, 0.9), task="promoter", allow_one_class=True)
    assert m["recall"] == 1.0


def test_single_class_labels_rejected():
    with pytest.raises(InputError, match="both classes"):
        compute_metrics(np.ones(4, int), [0.1, 0.9, 0.2, 0.8], task="tfbs")


def test_splice_multiclass_matches_sklearn():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 0, 1, 2])
    rng = np.random.default_rng(3)
    s = rng.random((10, 3))
    s[np.arange(10), y] += 0.6  # mostly right
    s[3] = [0.1, 0.8, 0.1]  # one mistake
    s = s / s.sum(axis=1, keepdims=True)
    m = compute_metrics(y, s, task="splice")
    pred = s.argmax(1)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred, average="macro"))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, pred))
    assert m["auc"] == pytest.approx(skm.roc_auc_score(y, s, multi_class="ovr", average="macro"))
    ap = np.mean([skm.average_precision_score(y == c, s[:, c]) for c in range(3)])
    assert m["pr_auc"] == pytest.approx(ap)
    assert "top_k_accuracy" in m and 0.0 <= m["top_k_accuracy"] <= 1.0


def test_spliceai_top_k_by_hand():
    y = np.array([1, 1, 0, 2, 0])
    s = np.array(
        [[0.1, 0.9, 0.0], [0.5, 0.2, 0.3], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.9, 0.0, 0.1]]
    )
    # donor: k=2, top-2 donor scores are rows 0 (donor) and 2 (neither) -> 0.5; acceptor: 1/1
    assert spliceai_top_k_accuracy(y, s) == {1: 0.5, 2: 1.0}
    m = compute_metrics(y, s, task="splice")
    assert m["top_k_accuracy"] == pytest.approx(0.75)


def test_multitask_means_and_skips():
    y = np.full((8, 2), -100)
    y[:, 0] = Y_BIN
    y[:4, 1] = [1, 1, 1, 1]  # only one class labelled for output 1
    s = np.stack([S_BIN, S_BIN], axis=1)
    m = compute_multitask_metrics(y, s, ["A_K562", "B_HepG2"])
    assert list(m["per_output"]) == ["A_K562"]
    assert "B_HepG2" in m["skipped"]
    assert m["mean"]["auc"] == pytest.approx(skm.roc_auc_score(Y_BIN, S_BIN))


def test_unknown_task():
    with pytest.raises(ValueError, match="unknown task"):
        compute_metrics(Y_BIN, S_BIN, task="risk")


def test_multitask_one_class_output_named():
    y = np.stack([Y_BIN, Y_BIN], axis=1)
    s = np.stack([S_BIN, np.full(8, 0.8)], axis=1)
    with pytest.raises(OneClassPredictionError, match="output 'B_HepG2'"):
        compute_multitask_metrics(y, s, ["A_K562", "B_HepG2"])


def test_multitask_rare_output_below_threshold_is_kept_but_all_one_class_is_refused():
    y = np.stack([Y_BIN, Y_BIN], axis=1)
    rare = np.linspace(0.01, 0.3, 8)  # ranks, but never reaches 0.5 (a TF bound in 1 % of the genome)
    m = compute_multitask_metrics(y, np.stack([S_BIN, rare], axis=1), ["A_K562", "B_HepG2"])
    assert m["one_class_at_0.5"] == ["B_HepG2"] and "B_HepG2" in m["per_output"]
    with pytest.raises(OneClassPredictionError, match="every one of the 2 outputs"):
        compute_multitask_metrics(y, np.stack([rare, rare[::-1]], axis=1), ["A_K562", "B_HepG2"])


def test_average_precision_columns_matches_sklearn_with_ties_and_ignored_rows():
    from sklearn.metrics import average_precision_score

    from trainer.metrics import average_precision_columns

    rng = np.random.default_rng(0)
    score = np.round(rng.normal(size=300), 1)  # many ties
    y = (rng.random((300, 4)) < [[0.05, 0.3, 0.5, 0.0]]).astype(int)
    keep = rng.random((300, 4)) > 0.2
    got = average_precision_columns(score, y, keep)
    for j in range(3):
        assert got[j] == pytest.approx(average_precision_score(y[keep[:, j], j], score[keep[:, j]]), abs=1e-12)
    assert np.isnan(got[3])
