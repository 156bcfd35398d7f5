"""trainer.shuffle: exact doublet counts, ends kept, differs from input, deterministic, uniform-ish."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from trainer.shuffle import dinucleotide_counts, dinucleotide_shuffle

# A real DeepBind CTCFL_K562 positive (first row of the _AC file).
CTCFL_PEAK = (
    "AGGTCCGGGTCTCAGGCTTGGGGCTGTACCGCCCGCCCGCCAGGGGCCCGCGCCGGCCGCTCGCTTCGCCAGCCACTCTTAGTCCGCCAGCGCGTGCGGCG"
)


@pytest.mark.parametrize("seed", range(20))
def test_preserves_exact_dinucleotide_counts(seed):
    rng = np.random.default_rng(seed)
    shuffled = dinucleotide_shuffle(CTCFL_PEAK, rng)
    assert len(shuffled) == len(CTCFL_PEAK)
    assert dinucleotide_counts(shuffled) == dinucleotide_counts(CTCFL_PEAK)
    assert Counter(shuffled) == Counter(CTCFL_PEAK)
    assert shuffled[0] == CTCFL_PEAK[0] and shuffled[-1] == CTCFL_PEAK[-1]
    assert shuffled != CTCFL_PEAK


def test_random_sequences_with_n_and_iupac():
    rng = np.random.default_rng(0)
    for _ in range(200):
        length = int(rng.integers(3, 60))
        seq = "".join(rng.choice(list("ACGTNR"), size=length, p=[0.3, 0.2, 0.2, 0.26, 0.02, 0.02]))
        out = dinucleotide_shuffle(seq, rng)
        assert dinucleotide_counts(out) == dinucleotide_counts(seq), seq


def test_deterministic_given_seed():
    a = dinucleotide_shuffle(CTCFL_PEAK, np.random.default_rng(7))
    b = dinucleotide_shuffle(CTCFL_PEAK, np.random.default_rng(7))
    c = dinucleotide_shuffle(CTCFL_PEAK, np.random.default_rng(8))
    assert a == b and a != c


def test_not_a_mononucleotide_shuffle():
    """A plain shuffle of ACACAC...GTGTGT would destroy the doublets; ours keeps them."""
    seq = "AC" * 20 + "GT" * 20
    out = dinucleotide_shuffle(seq, np.random.default_rng(1))
    assert dinucleotide_counts(out) == dinucleotide_counts(seq)


def test_uniform_over_the_arrangements():
    """'ACAGA' -> doublets AC CA AG GA: the Eulerian walks from A to A are ACAGA and AGACA only."""
    rng = np.random.default_rng(0)
    seen = Counter(dinucleotide_shuffle("ACAGA", rng) for _ in range(2000))
    assert set(seen) == {"ACAGA", "AGACA"}
    assert abs(seen["ACAGA"] - 1000) < 120  # binomial sd ~22


def test_short_and_degenerate_inputs():
    rng = np.random.default_rng(0)
    assert dinucleotide_shuffle("", rng) == ""
    assert dinucleotide_shuffle("AC", rng) == "AC"
    assert dinucleotide_shuffle("AAAA", rng) == "AAAA"
