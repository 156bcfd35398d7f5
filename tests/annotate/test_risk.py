"""Combined risk: signed max-|delta| over outputs."""

from __future__ import annotations

import numpy as np
import pytest

from genebert_tool.annotate.risk import combined_risk, deltas


def test_deltas_and_signed_max():
    ref = np.array([[0.1, 0.5, 0.9], [0.5, 0.5, 0.5]], dtype=np.float32)
    alt = np.array([[0.3, 0.1, 0.95], [0.5, 0.5, 0.5]], dtype=np.float32)
    d = deltas(ref, alt)
    assert d == pytest.approx(alt - ref)
    risk, index = combined_risk(d)
    assert risk[0] == pytest.approx(-0.4) and index[0] == 1  # the loss (-0.4) beats the gain (+0.2)
    assert risk[1] == 0 and index[1] == 0  # ties: first output


def test_random_against_definition():
    rng = np.random.default_rng(1)
    d = rng.uniform(-1, 1, (50, 7)).astype(np.float32)
    risk, index = combined_risk(d)
    for i in range(50):
        j = int(np.argmax(np.abs(d[i])))
        assert index[i] == j and risk[i] == d[i, j]
        assert abs(risk[i]) == np.abs(d[i]).max()


def test_shape_errors():
    with pytest.raises(ValueError):
        deltas(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError):
        combined_risk(np.zeros((3, 0)))
