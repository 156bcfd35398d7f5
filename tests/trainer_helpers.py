"""Helpers shared by the trainer/ tests: a tiny fine-tuning config and toy CSVs, planted-motif sequences,
the small real pre-training corpus and its config. Not a test module."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from trainer.config import TrainConfig
from trainer.corpus import deepbind_groups, prepare_corpus
from trainer.finetune import FinetuneConfig


TINY = dict(kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, projection_dim=16)


def tiny_cfg(task: str, **kw) -> FinetuneConfig:
    base = dict(task=task, model_overrides=dict(TINY), max_steps=40, eval_every=20, warmup_steps=4,
                batch_size=32, lr=3e-3, eval_batch_size=128)
    return FinetuneConfig(**{**base, **kw})


def toy_csv(path: Path, n: int, seed: int, *, motif: str = "TATAAAAG", only_positive: bool = False) -> Path:
    """Separable toy data: positives carry ``motif`` at a fixed place, negatives are random."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as fh:
        fh.write("sequence,label\n")
        for i in range(n):
            label = 1 if only_positive else i % 2
            s = list(rng.choice(list("ACGT"), size=40))
            if label:
                s[15 : 15 + len(motif)] = list(motif)
            fh.write(f"{''.join(s)},{label}\n")
    return path


def toy_deepbind(path: Path, n: int, seed: int, motif: str) -> Path:
    """A DeepBind-format _AC file (positives only) whose positives carry ``motif`` twice."""
    rng = np.random.default_rng(seed)
    with gzip.open(path, "wt") as fh:
        fh.write("FoldID\tEventID\tseq\tBound\n")
        for i in range(n):
            s = list(rng.choice(list("ACGT"), size=50))
            s[5 : 5 + len(motif)] = list(motif)
            s[30 : 30 + len(motif)] = list(motif)
            fh.write(f"A\tseq_{i:05d}_peak\t{''.join(s)}\t1\n")
    return path


# CTCF core consensus (JASPAR MA0139.1 best match); planted in either orientation.
CTCF_SITE = "CCGCGNGGNGGCAG".replace("N", "T")


def revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def planted(n: int, length: int = 60, seed: int = 0, site: str = CTCF_SITE):
    """Half the sequences carry ``site`` (random strand and offset); labels 1 for those."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for i in range(n):
        s = "".join(rng.choice(list("ACGT"), length))
        y = i % 2
        if y:
            motif = site if rng.random() < 0.5 else revcomp(site)
            at = int(rng.integers(0, length - len(motif)))
            s = s[:at] + motif + s[at + len(motif) :]
        seqs.append(s)
        labels.append(y)
    return seqs, np.array(labels)


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


SMALL_MODEL = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64,
               "max_position_embeddings": 160, "projection_dim": 16}


@pytest.fixture(scope="session")
def corpus_dir(real_data, tmp_path_factory) -> Path:
    groups = deepbind_groups([real_data / "tfbs" / "deepbind_encode"])
    keep = {n: p for n, p in groups.items() if n.startswith(("MYC_H1", "REST_GM", "GABPA_GM"))}
    out = tmp_path_factory.mktemp("corpus") / "c"
    prepare_corpus(out, groups=keep, tf_names=["CTCF", "MYC", "REST", "GABPA"], region_len=12,
                   max_samples_per_cell_type=40, shard_size=32, seed=0)
    return out


def pretrain_cfg(**kw) -> TrainConfig:
    base = dict(model="tiny", model_overrides=SMALL_MODEL, batch_size=4, effective_batch_size=8, max_steps=8,
                warmup_steps=2, lr=2e-3, log_interval=1, checkpoint_interval=4, num_threads=1, seed=5,
                device="cpu")
    return TrainConfig(**{**base, **kw})
