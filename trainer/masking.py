"""Masked genome modelling (MGM) masks, made on the fly for every batch. numpy only.

Why spans: overlapping k-mers share k-1 bases with each neighbour, so a single masked k-mer can be
read off its two neighbours and the model would learn nothing. Like DNABERT, we mask runs of
``span`` (default k) contiguous k-mer tokens. The rate is exact per sequence:
``round(rate * n_real)`` tokens are chosen (the last span is cut to hit the count), where n_real
counts only real k-mer tokens — [CLS]/[SEP]/[PAD] (and [UNK]) are never masked or scored.

Of the chosen tokens (BERT's 80/10/10, decided per token): 80% become [MASK], 10% a random k-mer,
10% stay unchanged. ``labels`` holds the original id at chosen positions and -100 elsewhere, so the
model scores only masked positions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mask_tokens"]

from genebert_tool.labels import IGNORE_INDEX  # noqa: E402


def mask_tokens(
    input_ids: np.ndarray,
    *,
    rate: float,
    span: int,
    rng: np.random.Generator,
    mask_id: int = 4,
    first_kmer_id: int = 5,
    vocab_size: int,
    mask_frac: float = 0.8,
    random_frac: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Mask ``input_ids`` (batch, seq_len) int64 with contiguous spans.

    Returns ``(masked_ids, labels)``, both (batch, seq_len) int64; the input is not modified.
    Tokens with id < ``first_kmer_id`` (specials, [UNK]) are never chosen. Spans never extend onto
    a special token: only real k-mer positions inside a span are masked.
    """
    if not 0.0 < rate < 1.0:
        raise ValueError(f"mask rate must be in (0, 1), got {rate}")
    if span < 1:
        raise ValueError(f"span must be >= 1, got {span}")
    ids = np.asarray(input_ids, dtype=np.int64)
    masked = ids.copy()
    labels = np.full_like(ids, IGNORE_INDEX)
    real = ids >= first_kmer_id
    chosen = np.zeros_like(real)
    for row in range(ids.shape[0]):  # one loop per sequence, a few spans each
        positions = np.flatnonzero(real[row])
        n_target = int(round(rate * positions.size))
        if n_target == 0:
            continue
        picked = np.zeros(ids.shape[1], dtype=bool)
        n_picked = 0
        # span starts drawn among real positions; a few extra draws per round keeps this short
        while n_picked < n_target:
            n_draw = max(1, (n_target - n_picked) // span + 1)
            for start in rng.choice(positions, size=n_draw):
                window = np.arange(start, min(start + span, ids.shape[1]))
                new = window[real[row, window] & ~picked[window]]
                new = new[: n_target - n_picked]
                picked[new] = True
                n_picked += new.size
                if n_picked >= n_target:
                    break
        chosen[row] = picked
    labels[chosen] = ids[chosen]
    draw = rng.random(ids.shape)
    to_mask = chosen & (draw < mask_frac)
    to_random = chosen & (draw >= mask_frac) & (draw < mask_frac + random_frac)
    masked[to_mask] = mask_id
    masked[to_random] = rng.integers(first_kmer_id, vocab_size, size=int(to_random.sum()))
    return masked, labels
