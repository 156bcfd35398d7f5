"""Dev metrics of a pre-trained backbone on a held-out corpus, each beside its chance level.

* **MGM**: cross-entropy and top-1 accuracy over the masked k-mers, against two chance levels:
  uniform over the 4^k k-mers (ln 4^k) and the corpus' own k-mer frequencies (the unigram
  entropy of the dev tokens: what a model that only learnt k-mer frequencies would get).
* **NGSP**: accuracy of is-next vs random on balanced pairs (chance 0.5).
* **SRM**: in-batch retrieval: for each sequence, is its own region matrix the most similar of the
  batch (top-1, chance 1/batch), in both directions.

Batches come from ``trainer.loop.PretrainBatches`` over the dev corpus with a fixed seed, so two
models are scored on the same masks, pairs and batches.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np
import torch

from genebert_tool.labels import IGNORE_INDEX
from trainer.config import TrainConfig
from trainer.corpus import Corpus
from trainer.loop import PretrainBatches

__all__ = ["evaluate_pretraining"]


@torch.no_grad()
def evaluate_pretraining(model_dir: str | os.PathLike, corpus_dir: str | os.PathLike, *, n_batches: int = 20,
                         batch_size: int = 16, seed: int = 0, mask_prob: float = 0.15) -> dict:
    """Score the backbone in ``model_dir`` on ``n_batches`` batches of the corpus in ``corpus_dir``."""
    from genebert_tool.genome.tokenizer import KmerTokenizer
    from genebert_tool.model import GeneBertForPreTraining

    model = GeneBertForPreTraining.from_pretrained(str(model_dir), use_safetensors=True).eval()
    cfgm = model.config
    corpus = Corpus(corpus_dir)
    tok = KmerTokenizer(int(corpus.index["k"]))
    n_regions, tpr = int(corpus.index["n_regions"]), int(corpus.index["tokens_per_region"])
    max_len = 2 * n_regions * tpr + 3
    cfg = replace(TrainConfig(), batch_size=batch_size, effective_batch_size=batch_size, seed=seed,
                  mask_prob=mask_prob, mask_prob_final=mask_prob, use_mgm=True, use_ngsp=cfgm.use_ngsp,
                  use_srm=cfgm.use_srm)
    batches = PretrainBatches(corpus, cfg, tokenizer=tok, max_len=max_len)
    n_batches = min(n_batches, max(1, batches.per_rank // batch_size))
    mgm_loss = mgm_hits = mgm_n = 0.0
    ngsp_hits = ngsp_n = 0
    srm_hits = srm_hits_t = srm_n = 0
    for b in range(n_batches):
        batch = {k: torch.from_numpy(v) for k, v in batches.next_batch(step=b, micro=0).items()}
        out = model(**batch)
        labels = batch["mlm_labels"][batch["mlm_labels"] != IGNORE_INDEX]
        if out.mlm_logits is not None and len(labels):
            logits = out.mlm_logits.float()
            mgm_loss += float(torch.nn.functional.cross_entropy(logits, labels, reduction="sum"))
            mgm_hits += float((logits.argmax(-1) == labels).sum())
            mgm_n += len(labels)
        if out.ngsp_logits is not None and "ngsp_labels" in batch:
            ngsp_hits += int((out.ngsp_logits.argmax(-1) == batch["ngsp_labels"]).sum())
            ngsp_n += len(batch["ngsp_labels"])
        if out.logits_per_sequence is not None:
            sim = out.logits_per_sequence.float()
            target = torch.arange(len(sim))
            srm_hits += int((sim.argmax(1) == target).sum())
            srm_hits_t += int((sim.argmax(0) == target).sum())
            srm_n += len(sim)
    # unigram chance: entropy of the dev corpus' k-mer frequencies
    toks = corpus.array_all("tokens").reshape(-1)
    toks = toks[toks >= tok.n_special].astype(np.int64)
    freq = np.bincount(toks).astype(np.float64)
    freq = freq[freq > 0] / freq.sum()
    unigram = float(-(freq * np.log(freq)).sum())
    uniform = math.log(4 ** int(corpus.index["k"]))
    res = {
        "corpus": str(corpus_dir), "n_batches": n_batches, "batch_size": batch_size, "seed": seed,
        "mask_prob": mask_prob,
        "mgm_loss": mgm_loss / mgm_n if mgm_n else None,
        "mgm_accuracy": mgm_hits / mgm_n if mgm_n else None,
        "mgm_chance_loss_uniform": uniform, "mgm_chance_loss_unigram": unigram,
        "mgm_chance_accuracy": 1.0 / 4 ** int(corpus.index["k"]),
        "mgm_masked_tokens": int(mgm_n),
        "ngsp_accuracy": ngsp_hits / ngsp_n if ngsp_n else None, "ngsp_chance": 0.5, "ngsp_pairs": ngsp_n,
        "srm_top1_seq_to_region": srm_hits / srm_n if srm_n else None,
        "srm_top1_region_to_seq": srm_hits_t / srm_n if srm_n else None,
        "srm_chance": 1.0 / batch_size,
    }
    if res["mgm_loss"] is not None:
        res["mgm_loss_over_uniform_chance"] = res["mgm_loss"] / uniform
        res["mgm_loss_over_unigram_chance"] = res["mgm_loss"] / unigram
    if res["srm_top1_seq_to_region"] is not None:
        res["srm_top1_over_chance"] = res["srm_top1_seq_to_region"] * batch_size
    return res
