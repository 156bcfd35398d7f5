"""trainer/loop.py: pre-training batches -- NGSP pairs (half true next samples, region matrix of A) and
per-rank sharding -- on the small real corpus."""

from __future__ import annotations

import numpy as np

from genebert_tool.genome.tokenizer import KmerTokenizer
from trainer.corpus import Corpus
from trainer.loop import PretrainBatches
from trainer_helpers import corpus_dir, pretrain_cfg as _cfg  # noqa: F401  (corpus_dir: a fixture)


def test_ngsp_pairs_balanced_and_true_next(corpus_dir):
    corpus = Corpus(corpus_dir)
    tok = KmerTokenizer(6)
    cfg = _cfg(batch_size=16, effective_batch_size=16)
    batches = PretrainBatches(corpus, cfg, tokenizer=tok, max_len=3 + 2 * 10 * 7)
    labels, n_checked = [], 0
    for step in range(25):
        batch = batches.next_batch(step, 0)
        ids, tt, lab = batch["mlm_labels"], batch["token_type_ids"], batch["ngsp_labels"]
        # undo the masking to recover the input tokens
        orig = np.where(ids != -100, ids, batch["input_ids"])
        for row in range(len(lab)):
            seg_b = orig[row][(tt[row] == 1)][:-1]  # B [SEP]
            seg_a = orig[row][1 : 1 + 70]
            anchors = [a for a in range(len(corpus)) if np.array_equal(corpus.tokens(a).ravel(), seg_a)]
            assert anchors, "segment A is not a corpus sample"
            a = anchors[0]
            is_next = np.array_equal(seg_b, corpus.tokens(int(corpus.next[a])).ravel())
            assert bool(lab[row]) == is_next  # label 1 = B really is the next sample
            if lab[row]:
                assert corpus.cell_type(int(corpus.next[a])) == corpus.cell_type(a)
            n_checked += 1
        labels += list(lab)
    assert n_checked == 400
    assert abs(np.mean(labels) - 0.5) < 0.08
    # the region matrix is sample A's
    np.testing.assert_array_equal(batch["region_matrix"].shape, (16, 10, 4))


def test_batches_shard_across_ranks(corpus_dir):
    corpus = Corpus(corpus_dir)
    tok = KmerTokenizer(6)
    cfg = _cfg(batch_size=4, effective_batch_size=8)
    seen = []
    for rank in range(2):
        b = PretrainBatches(corpus, cfg, tokenizer=tok, max_len=143, rank=rank, world_size=2)
        seen.append(set(b._rank_order().tolist()))
    assert not seen[0] & seen[1] and len(seen[0]) == len(seen[1])
    assert seen[0] | seen[1] <= set(corpus.anchors.tolist())
