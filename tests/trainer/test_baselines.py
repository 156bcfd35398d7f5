"""Mechanics of the baselines: each learns a planted motif above chance and not shuffled labels."""

from __future__ import annotations

import numpy as np
import pytest

from trainer.baselines import (
    BestPwmBaseline,
    KmerLogisticBaseline,
    fit_baselines,
    kmer_spectrum,
    run_baselines,
)
from trainer.cnn import CnnBaseline
from trainer_helpers import planted as _planted, revcomp as _revcomp
from trainer_helpers import one_thread  # noqa: F401  (autouse fixture)


def _auc(model, train, test, labels_train):
    from sklearn.metrics import roc_auc_score

    model.fit(train[0], labels_train)
    return roc_auc_score(test[1], model.predict_proba(test[0])[:, 1])


def test_kmer_spectrum_counts_and_canonical_columns():
    x = kmer_spectrum(["ACGTN", "AAAA"], ks=(1, 2)).toarray()
    assert x.shape == (2, 4 + 16)
    np.testing.assert_allclose(x[0, :4], [0.25, 0.25, 0.25, 0.25])  # N is skipped
    np.testing.assert_allclose(x[1, :4], [1, 0, 0, 0])
    np.testing.assert_allclose(x[0, 4:].sum(), 1.0)  # AC, CG, GT; GT-N is not a valid 2-mer
    c = kmer_spectrum(["ACGT"], ks=(1, 2), canonical=True).toarray()
    assert c.shape == (1, 2 + 10)  # A/T, C/G; 10 canonical 2-mers
    np.testing.assert_allclose(c[0, :2], [0.5, 0.5])
    # a sequence and its reverse complement give identical canonical features
    s = "ACGGTTAGCCATNAGGA"
    np.testing.assert_allclose(kmer_spectrum([s], canonical=True).toarray(),
                               kmer_spectrum([_revcomp(s)], canonical=True).toarray(), rtol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda: KmerLogisticBaseline(canonical=True),
        lambda: CnnBaseline(n_filters=16, width=16, epochs=15, patience=3, seed=0),
    ],
    ids=["kmer_lr", "cnn"],
)
def test_learns_planted_motif_not_shuffled_labels(make):
    train = _planted(600, seed=1)
    test = _planted(300, seed=2)
    assert _auc(make(), train, test, train[1]) > 0.8
    shuffled = np.random.default_rng(3).permutation(train[1])
    assert abs(_auc(make(), train, test, shuffled) - 0.5) < 0.12


def test_best_pwm_picks_the_planted_tf():
    from genebert_tool.motifs.jaspar import load_motifs

    motifs = load_motifs("JASPAR2018")
    # a small candidate set keeps the test fast; CTCF must win over unrelated motifs
    keep = [i for i, n in enumerate(motifs.names) if n.upper() in {"CTCF", "GATA1", "SP1", "FOXA1", "MYC", "REST", "TBP"}]
    assert any(motifs.names[i].upper() == "CTCF" for i in keep)
    subset = motifs.subset(keep)
    ctcf = next(i for i in keep if motifs.names[i].upper() == "CTCF")
    consensus = "".join("ACGT"[j] for j in np.asarray(motifs.pwms[ctcf]).argmax(axis=1))
    train, test = _planted(200, seed=4, site=consensus), _planted(200, seed=5, site=consensus)
    model = BestPwmBaseline(subset)
    auc = _auc(model, train, test, train[1])
    assert model.motif_name.upper() == "CTCF"
    assert auc > 0.9 and model.train_auc > 0.9
    # With shuffled labels no motif separates the training set (selection is not learning, so the
    # test AUC of whichever motif wins by chance says nothing; the training AUC does).
    shuffled = np.random.default_rng(6).permutation(train[1])
    assert BestPwmBaseline(subset).fit(train[0], shuffled).train_auc < 0.65


def test_run_baselines_contract_and_splice_three_classes():
    from genebert_tool.genome.sequences import LabelledSequence

    seqs, y = _planted(100, length=40, seed=7)
    rows = [LabelledSequence(f"s{i}", s, int(v), "synthetic", i + 1) for i, (s, v) in enumerate(zip(seqs, y))]
    out = run_baselines("promoter", rows[:70], rows[70:], seed=0)
    assert set(out) == {"cnn", "kmer_lr"}
    assert {"auc", "mcc", "accuracy", "n"} <= set(out["kmer_lr"])
    assert out["kmer_lr"]["n"] == 30
    # three classes: two different planted sites
    a, _ = _planted(300, seed=8, site="GGTAAGTCC")
    b, _ = _planted(300, seed=9, site="TTTCAGGTA")
    rng = np.random.default_rng(10)
    labels = rng.integers(0, 3, 300)
    mixed = [(a[2 * i + 1] if lab == 1 else b[2 * i + 1] if lab == 2 else a[2 * i]) for i, lab in enumerate(labels[:150])]
    rows3 = [LabelledSequence(f"m{i}", s, int(lab), "synthetic", i + 1) for i, (s, lab) in enumerate(zip(mixed, labels[:150]))]
    res = fit_baselines("splice", rows3[:100], rows3[100:], names=["kmer_lr"])
    assert res["kmer_lr"].proba.shape == (50, 3)
    assert res["kmer_lr"].metrics["accuracy"] > 0.5  # chance is ~0.33


def test_tiny_training_sets_still_split_for_dev():
    from trainer.cnn import dev_split

    y = np.array([0, 1] * 5)
    fit_idx, dev_idx = dev_split(y, 0.1, seed=0)
    assert sorted(np.concatenate([fit_idx, dev_idx]).tolist()) == list(range(10))
    assert set(y[dev_idx]) == {0, 1}  # one row per class at least
    seqs, labels = _planted(10, length=30)
    assert KmerLogisticBaseline().fit(seqs, labels).predict_proba(seqs).shape == (10, 2)
