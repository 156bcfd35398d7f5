"""MGM masking: exact rate over real k-mers, 80/10/10, spans, specials never touched."""

from __future__ import annotations

import numpy as np
import pytest

from genebert_tool.genome.tokenizer import KmerTokenizer
from trainer.config import TrainConfig
from trainer.masking import IGNORE_INDEX, mask_tokens

TOK = KmerTokenizer(6)


def _batch(rng: np.random.Generator, n: int = 64, max_len: int = 503) -> np.ndarray:
    """[CLS] a [SEP] b [SEP] [PAD]... with a few [UNK]s, variable lengths."""
    ids = np.full((n, max_len), TOK.pad_id, dtype=np.int64)
    for row in range(n):
        la, lb = rng.integers(50, 240, size=2)
        a = rng.integers(TOK.n_special, TOK.vocab_size, size=la)
        b = rng.integers(TOK.n_special, TOK.vocab_size, size=lb)
        a[rng.integers(0, la, size=3)] = TOK.unk_id
        seq = np.concatenate([[TOK.cls_id], a, [TOK.sep_id], b, [TOK.sep_id]])
        ids[row, : len(seq)] = seq
    return ids


@pytest.mark.parametrize("rate", [0.15, 0.20])
def test_rate_is_exact_per_sequence_and_only_real_kmers(rate):
    rng = np.random.default_rng(0)
    ids = _batch(rng)
    masked, labels = mask_tokens(ids, rate=rate, span=6, rng=rng, vocab_size=TOK.vocab_size)
    chosen = labels != IGNORE_INDEX
    real = ids >= TOK.n_special
    assert not (chosen & ~real).any(), "a special/[UNK]/[PAD] position was chosen"
    np.testing.assert_array_equal(chosen.sum(1), np.round(rate * real.sum(1)).astype(int))
    # specials, [UNK] and padding are never changed
    np.testing.assert_array_equal(masked[~real], ids[~real])
    np.testing.assert_array_equal(labels[chosen], ids[chosen])
    assert ids.shape == masked.shape == labels.shape and ids is not masked


def test_80_10_10_split():
    rng = np.random.default_rng(1)
    ids = _batch(rng, n=256)
    masked, labels = mask_tokens(ids, rate=0.15, span=6, rng=rng, vocab_size=TOK.vocab_size)
    chosen = labels != IGNORE_INDEX
    n = chosen.sum()
    frac_mask = (masked[chosen] == TOK.mask_id).sum() / n
    frac_same = (masked[chosen] == ids[chosen]).sum() / n
    frac_random = 1 - frac_mask - frac_same
    assert n > 10_000
    assert abs(frac_mask - 0.8) < 0.015
    assert abs(frac_same - 0.1) < 0.012
    assert abs(frac_random - 0.1) < 0.012
    rand_ids = masked[chosen & (masked != TOK.mask_id) & (masked != ids)]
    assert rand_ids.min() >= TOK.n_special and rand_ids.max() < TOK.vocab_size  # random k-mers, never specials


def test_masks_contiguous_spans_of_k():
    rng = np.random.default_rng(2)
    ids = np.full((32, 400), 100, dtype=np.int64)
    ids[:, 0], ids[:, -1] = TOK.cls_id, TOK.sep_id
    _, labels = mask_tokens(ids, rate=0.15, span=6, rng=rng, vocab_size=TOK.vocab_size)
    chosen = labels != IGNORE_INDEX
    run_lengths = []
    for row in chosen:
        edges = np.diff(np.concatenate([[0], row.astype(int), [0]]))
        run_lengths += list(np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1))
    run_lengths = np.array(run_lengths)
    # at most one truncated span per sequence; every other run is >= k (overlapping spans merge)
    assert (run_lengths < 6).sum() <= len(chosen)
    assert np.mean(run_lengths >= 6) > 0.8


def test_span_never_crosses_specials():
    rng = np.random.default_rng(3)
    # alternating real and special tokens: a span can only ever mask the real ones inside it
    ids = np.where(np.arange(300) % 4 == 0, TOK.sep_id, 50)[None, :].repeat(8, 0)
    masked, labels = mask_tokens(ids, rate=0.2, span=6, rng=rng, vocab_size=TOK.vocab_size)
    assert (labels[ids == TOK.sep_id] == IGNORE_INDEX).all()
    assert (masked[ids == TOK.sep_id] == TOK.sep_id).all()


def test_deterministic_for_a_seed():
    ids = _batch(np.random.default_rng(4), n=8)
    a = mask_tokens(ids, rate=0.15, span=6, rng=np.random.default_rng(9), vocab_size=TOK.vocab_size)
    b = mask_tokens(ids, rate=0.15, span=6, rng=np.random.default_rng(9), vocab_size=TOK.vocab_size)
    c = mask_tokens(ids, rate=0.15, span=6, rng=np.random.default_rng(10), vocab_size=TOK.vocab_size)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[1], c[1])


def test_bad_rate_rejected():
    with pytest.raises(ValueError):
        mask_tokens(np.zeros((1, 4), dtype=np.int64), rate=0.0, span=6, rng=np.random.default_rng(),
                    vocab_size=TOK.vocab_size)


def test_schedule_switches_to_20_percent_for_the_last_sixth():
    cfg = TrainConfig(max_steps=120)
    assert cfg.mask_prob_at(0) == 0.15 and cfg.mask_prob_at(99) == 0.15  # paper: 15% for 100k of 120k
    assert cfg.mask_prob_at(100) == 0.20 and cfg.mask_prob_at(119) == 0.20
