"""trainer/cnn.py: one-hot encoding (N = all zeros) and the DeepBind-like CNN's strand symmetry."""

from __future__ import annotations

import numpy as np

from trainer.cnn import CnnBaseline, one_hot
from trainer_helpers import one_thread  # noqa: F401  (autouse fixture)
from trainer_helpers import planted as _planted, revcomp as _revcomp


def test_one_hot_and_reverse_complement_invariance():
    x = one_hot(["ACGTN"], 6)
    assert x.shape == (1, 4, 6)
    np.testing.assert_array_equal(x[0].argmax(0)[:4], [0, 1, 2, 3])
    assert x[0, :, 4:].sum() == 0
    model = CnnBaseline(n_filters=4, width=5, epochs=1, seed=0)
    seqs, y = _planted(40, length=30)
    model.fit(seqs, y)
    p = model.predict_proba(seqs[:5])
    p_rc = model.predict_proba([_revcomp(s) for s in seqs[:5]])
    np.testing.assert_allclose(p, p_rc, rtol=1e-5, atol=1e-6)
