"""The risk classifier's call cut (``trainer.risk.mcc_threshold``, ``nested_cv``): synthetic features."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef

from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures
from genebert_tool.errors import ModelError
from trainer.risk import fit_risk_classifier, mcc_threshold, nested_cv, outer_folds


def test_the_cut_maximises_mcc_over_every_possible_cut():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.2).astype(int)
    p = np.clip(0.15 + 0.25 * y + rng.normal(0, 0.12, 300), 0.001, 0.999)  # calibrated low: 0.5 calls too few
    t = mcc_threshold(y, p)
    best = max(matthews_corrcoef(y, p >= c) for c in np.unique(p))
    assert matthews_corrcoef(y, p >= t) == pytest.approx(best)
    assert t < 0.45 and matthews_corrcoef(y, p >= t) > matthews_corrcoef(y, p >= 0.5) + 0.1


def test_a_flat_mcc_keeps_the_usual_cut():
    y = np.array([0, 0, 1, 1])
    assert mcc_threshold(y, np.array([0.1, 0.2, 0.8, 0.9])) == pytest.approx(0.5)  # every cut in (0.2, 0.8) is perfect


def test_each_fold_is_cut_by_a_threshold_chosen_without_it():
    rng = np.random.default_rng(1)
    n = 200
    y = (rng.random(n) < 0.25).astype(int)
    x = np.column_stack([y + rng.normal(0, 1.0, n), rng.normal(size=n)])
    folds = outer_folds(y, folds=4, seed=0)
    cv = nested_cv(x, y, folds, folds=4, seed=0, c_grid=(1.0,))
    assert len(cv.threshold_per_fold) == 4 and len(set(cv.threshold_per_fold)) > 1
    for k, t in enumerate(cv.threshold_per_fold):
        assert (cv.calls[folds == k] == (cv.oof[folds == k] >= t)).all()
    # labels of fold 0 flipped: its own cut and predictions cannot move, the others' do
    y2 = y.copy()
    y2[folds == 0] = 1 - y2[folds == 0]
    cv2 = nested_cv(x, y2, folds, folds=4, seed=0, c_grid=(1.0,))
    assert cv2.threshold_per_fold[1:] != cv.threshold_per_fold[1:]
    assert cv.c_per_fold == [1.0] * 4


def test_the_cut_is_saved_reported_and_checked(tmp_path):
    rng = np.random.default_rng(2)
    n = 240
    y = (rng.random(n) < 0.2).astype(int)
    feats = RiskFeatures(np.column_stack([y + rng.normal(0, 1.2, n), rng.normal(size=n)]),
                         ["a.delta", "a.abs_delta"], [])
    clf, metrics, oof = fit_risk_classifier(feats, y, seed=0)
    assert 0 < clf.threshold < 1 and metrics["threshold_final"] == clf.threshold
    assert len(metrics["threshold_per_fold"]) == 5 and -1 <= metrics["mcc_at_cv_threshold"] <= 1
    path = clf.save(tmp_path)
    data = json.loads(path.read_text())
    assert data["decision_threshold"] == clf.threshold
    assert RiskClassifier.from_dir(tmp_path).threshold == clf.threshold
    del data["decision_threshold"]  # a classifier written before the cut existed reads as 0.5
    assert RiskClassifier.from_json(data).threshold == 0.5
    for bad in (0.0, 1.5, "x"):
        with pytest.raises(ModelError, match="decision_threshold|could not convert"):
            RiskClassifier.from_json({**data, "decision_threshold": bad})
