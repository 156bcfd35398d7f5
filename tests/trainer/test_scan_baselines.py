"""Genome-scan baselines: the best JASPAR PWM per output."""

from __future__ import annotations

import math

import numpy as np

from trainer.metrics import IGNORE_INDEX
from trainer.scan_baselines import BestPwmPerOutput

CTCF_SITE = "CCACCAGGGGGCGC"  # a strong CTCF (MA0139.1) match


def test_best_pwm_per_output_finds_the_planted_motif():
    rng = np.random.default_rng(0)
    seqs, labels = [], []
    for i in range(60):
        s = list("".join(rng.choice(list("ACGT"), 80)))
        if i % 3 == 0:
            at = int(rng.integers(0, 80 - len(CTCF_SITE)))
            s[at : at + len(CTCF_SITE)] = CTCF_SITE
        seqs.append("".join(s))
        labels.append([int(i % 3 == 0), IGNORE_INDEX if i % 2 else 0])  # output 2: one class only
    pwm = BestPwmPerOutput().fit(seqs, np.array(labels))
    assert pwm.motif_of(0).split("_", 1)[1] in {"CTCF", "CTCFL"}
    assert pwm.train_ap[0] > 0.9
    assert math.isnan(pwm.train_ap[1])
    scores = pwm.score(seqs)
    assert scores.shape == (60, 2)
    assert scores[::3, 0].min() > np.delete(scores[:, 0], np.arange(0, 60, 3)).mean()
