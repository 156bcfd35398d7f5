"""Variant effect scores: per-output deltas and the combined GENEBERT_RISK score.

Definition (copied into the README)
-----------------------------------
For one ALT allele, every selected output ``o`` of every model used in the run (promoter,
TFBS and splice-site probabilities) is scored on the reference window and on the alternate
window built by substitution (``genebert_tool.annotate.windows.split_variant_flank``):

    delta_o = P_o(ALT window) - P_o(REF window)            (each in [-1, 1])

The combined risk score is the largest absolute change, keeping its sign:

    GENEBERT_RISK = delta_{o*},   o* = argmax_o |delta_o|

so it lies in [-1, 1]; ``|GENEBERT_RISK|`` says how strongly the allele changes *some* predicted
regulatory or splicing property, the sign says whether that property is gained (+) or lost (-),
and ``GENEBERT_RISK_OUTPUT`` names the output ``o*``. Ties go to the first output in column
order. It is a model-derived effect size, not a calibrated probability of pathogenicity.
"""

from __future__ import annotations

import numpy as np


def deltas(ref_probs: np.ndarray, alt_probs: np.ndarray) -> np.ndarray:
    """``alt - ref`` per output. Both inputs and the result are ``(n_alleles, n_outputs)`` float32."""
    ref_probs = np.asarray(ref_probs, dtype=np.float32)
    alt_probs = np.asarray(alt_probs, dtype=np.float32)
    if ref_probs.shape != alt_probs.shape:
        raise ValueError(f"ref/alt shapes differ: {ref_probs.shape} vs {alt_probs.shape}")
    return alt_probs - ref_probs


def combined_risk(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed max-|delta| over outputs (see module docstring).

    ``delta``: ``(n_alleles, n_outputs)``. Returns ``(risk, index)``: ``risk`` ``(n_alleles,)``
    float32 in [-1, 1] and ``index`` ``(n_alleles,)`` int64, the column ``o*`` it came from.
    """
    delta = np.asarray(delta, dtype=np.float32)
    if delta.ndim != 2 or delta.shape[1] == 0:
        raise ValueError(f"delta must be (n_alleles, n_outputs>0), got {delta.shape}")
    index = np.argmax(np.abs(delta), axis=1)
    risk = delta[np.arange(delta.shape[0]), index]
    return risk.astype(np.float32), index.astype(np.int64)
