"""JASPAR loading: counts from pyjaspar, log-odds as in Biopython, selection, releases."""

from __future__ import annotations

import numpy as np
import pytest
from Bio.motifs import jaspar as bio_jaspar
from pyjaspar import jaspardb

from genebert_tool.motifs.jaspar import (
    BACKGROUND,
    DEFAULT_RELEASE,
    MotifSet,
    counts_to_log_odds,
    load_motifs,
)


def _bio_pssm(motif_id: str, release: str = "JASPAR2018", pseudocounts=None):
    motif = jaspardb(release=release).fetch_motif_by_id(motif_id)
    motif.background = dict(zip("ACGT", BACKGROUND))
    motif.pseudocounts = bio_jaspar.calculate_pseudocounts(motif) if pseudocounts is None else pseudocounts
    pssm = motif.pssm
    return np.array([[pssm[b][j] for b in "ACGT"] for j in range(motif.length)])


def test_default_release_is_the_papers():
    assert DEFAULT_RELEASE == "JASPAR2018"


def test_jaspar2018_core_vertebrates_latest_versions():
    motifs = load_motifs()
    assert motifs.release == "JASPAR2018"
    assert len(motifs) == 579
    assert len(set(motifs.ids)) == 579
    base_ids = [i.split(".")[0] for i in motifs.ids]
    assert len(set(base_ids)) == 579, "only the latest version of each matrix"
    assert "MA0139.1" in motifs.ids
    assert motifs.columns[motifs.ids.index("MA0139.1")] == "MA0139.1_CTCF"
    for pwm in motifs.pwms:
        assert pwm.dtype == np.float32 and pwm.ndim == 2 and pwm.shape[1] == 4
        assert np.isfinite(pwm).all()
    assert motifs.pseudocount == "sqrt" and motifs.background == (0.25, 0.25, 0.25, 0.25)
    assert motifs.lengths.min() >= 5 and motifs.lengths.max() <= 30


@pytest.mark.parametrize("motif_id", ["MA0139.1", "MA0079.3", "MA0002.2", "MA0466.2"])
def test_log_odds_equal_biopython_jaspar_convention(motif_id):
    motifs = load_motifs(tf_names=[motif_id])
    np.testing.assert_allclose(motifs.pwms[0], _bio_pssm(motif_id), atol=1e-5)


def test_fixed_pseudocount_equals_biopython():
    motifs = load_motifs(tf_names=["MA0139.1"], pseudocount=0.8)
    assert motifs.pseudocount == 0.8
    np.testing.assert_allclose(motifs.pwms[0], _bio_pssm("MA0139.1", pseudocounts=0.8), atol=1e-5)
    # a different convention gives different numbers (the choice matters and is recorded)
    assert not np.allclose(motifs.pwms[0], load_motifs(tf_names=["MA0139.1"]).pwms[0], atol=1e-3)


def test_counts_to_log_odds_formula():
    counts = np.array([[10, 0, 0, 0], [1, 1, 1, 7]])
    got = counts_to_log_odds(counts, 1.0)
    expected = np.log2((counts + 1.0) / (counts.sum(1, keepdims=True) + 4.0) / 0.25)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    with pytest.raises(ValueError):
        counts_to_log_odds(counts, "laplace")


def test_select_by_name_id_and_order():
    motifs = load_motifs()
    sub = motifs.select(["sp1", "MA0139.1", "MA0004", "CTCF"])
    assert sub.ids == ["MA0079.3", "MA0139.1", "MA0004.1"]  # CTCF already selected via its ID
    assert sub.names[0] == "SP1" and sub.release == motifs.release
    assert load_motifs(tf_names=["CTCF", "SP1"]).columns == ["MA0139.1_CTCF", "MA0079.3_SP1"]
    with pytest.raises(ValueError, match="NOT_A_TF"):
        motifs.select(["CTCF", "NOT_A_TF"])


def test_release_is_selectable_and_recorded():
    newer = load_motifs("JASPAR2020")
    assert newer.release == "JASPAR2020"
    assert len(newer) != 579
    assert newer.columns[newer.ids.index("MA0139.1")] == "MA0139.1_CTCF"
    with pytest.raises(ValueError, match="JASPAR1999"):
        load_motifs("JASPAR1999")


def test_loading_is_cached_and_returns_independent_sets():
    first = load_motifs()
    second = load_motifs()
    assert first is not second and first.pwms[0] is second.pwms[0]
    with pytest.raises(ValueError):
        first.pwms[0][0, 0] = 1.0  # shared arrays are read-only


def test_motifset_validates_shapes():
    with pytest.raises(ValueError):
        MotifSet("x", ["a"], ["A"], [np.zeros((3, 5), np.float32)])
    with pytest.raises(ValueError):
        MotifSet("x", ["a", "b"], ["A"], [np.zeros((3, 4), np.float32)])
