"""Checkpoints: RNG round trip, atomic model dirs that from_pretrained loads, weights_only state."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from genebert_tool.genome.tokenizer import KmerTokenizer
from trainer.checkpoint import (STATE_FILE, latest_checkpoint, load_trainer_state, prune_checkpoints, rng_state,
                                save_checkpoint, set_rng_state)


@pytest.fixture()
def tiny_model():
    from genebert_tool.model import GeneBertForPreTraining, named_config

    torch.manual_seed(0)
    cfg = named_config("tiny", hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                       n_tfs=4, use_srm=False)
    return GeneBertForPreTraining(cfg)


def test_rng_round_trip():
    torch.manual_seed(1), np.random.seed(1), random.seed(1)
    state = rng_state()
    a = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(99), np.random.seed(99), random.seed(99)
    set_rng_state(state)
    b = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


def test_checkpoint_dir_loads_and_state_is_weights_only(tiny_model, tmp_path):
    from genebert_tool.model import GeneBertForPreTraining

    opt = torch.optim.AdamW(tiny_model.parameters(), lr=1e-3)
    tiny_model(torch.randint(5, 100, (2, 12)), mlm_labels=torch.randint(5, 100, (2, 12))).loss.backward()
    opt.step()
    state = {"step": 7, "optimizer": opt.state_dict(), "data_position": {"epoch": 0, "cursor": 14},
             "rng": [rng_state()]}
    path = save_checkpoint(tmp_path / "checkpoint-7", model=tiny_model, tokenizer=KmerTokenizer(6),
                           train_config={"lr": 1e-3}, trainer_state=state)
    assert {p.name for p in path.iterdir()} >= {"config.json", "model.safetensors", "tokenizer.json",
                                                "train_config.json", STATE_FILE}
    assert not list(tmp_path.glob(".*tmp"))
    loaded = GeneBertForPreTraining.from_pretrained(path)
    for (name, p), q in zip(tiny_model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(p, q), name
    back = load_trainer_state(path)  # torch.load(weights_only=True) inside
    assert back["step"] == 7 and back["data_position"]["cursor"] == 14
    opt2 = torch.optim.AdamW(loaded.parameters(), lr=1e-3)
    opt2.load_state_dict(back["optimizer"])
    # an arbitrary pickled object is refused by weights_only loading
    torch.save({"step": 1, "evil": object()}, path / STATE_FILE)
    with pytest.raises(Exception):
        load_trainer_state(path)


def test_latest_and_prune(tiny_model, tmp_path):
    tok = KmerTokenizer(6)
    for step in (5, 10, 20):
        save_checkpoint(tmp_path / f"checkpoint-{step}", model=tiny_model, tokenizer=tok, train_config={},
                        trainer_state={"step": step})
    (tmp_path / "checkpoint-30").mkdir()  # an incomplete directory (no trainer state) is ignored
    assert latest_checkpoint(tmp_path).name == "checkpoint-20"
    prune_checkpoints(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint-20", "checkpoint-30"]
    assert latest_checkpoint(tmp_path / "missing") is None
