"""trainer/config.py: the pre-training TrainConfig (JSON, unknown keys, gradient accumulation, lr schedule)."""

from __future__ import annotations

import json

import pytest

from trainer.config import TrainConfig, load_config


def test_config_json_and_unknown_keys(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"batch_size": 4, "effective_batch_size": 2000}))
    with pytest.raises(ValueError, match="multiple"):
        load_config(path).grad_accum_steps(world_size=3)
    assert load_config(path).grad_accum_steps() == 500  # the paper's batch of 2000
    path.write_text(json.dumps({"batch_sise": 4}))
    with pytest.raises(ValueError, match="batch_sise"):
        load_config(path)
    cfg = TrainConfig(lr=1e-3, warmup_steps=10, max_steps=110, min_lr=0.0)
    assert cfg.lr_at(0) == pytest.approx(1e-4) and cfg.lr_at(9) == pytest.approx(1e-3)
    assert cfg.lr_at(60) == pytest.approx(5e-4) and cfg.lr_at(110) == pytest.approx(0.0)


def test_save_is_atomic_and_round_trips(tmp_path):
    cfg = TrainConfig(lr=1e-3, warmup_steps=10, max_steps=110, seed=7)
    cfg.save(tmp_path / "train_config.json")
    assert [p.name for p in tmp_path.iterdir()] == ["train_config.json"]  # no temporary file left
    assert load_config(tmp_path / "train_config.json") == cfg


def test_one_reader_for_the_pretraining_and_finetuning_configs(tmp_path):
    from genebert_tool.errors import InputError
    from trainer.finetune import FinetuneConfig

    path = tmp_path / "c.json"
    for read, ok in ((load_config, {"batch_size": 4}), (FinetuneConfig.from_json, {"task": "promoter"})):
        path.write_text(json.dumps({"_comment": "a note, not a setting", **ok}))
        read(path)
        path.write_text('{"batch_size": 4,\n "lr": }')
        with pytest.raises(InputError, match=r"c\.json:2: .*not valid JSON"):
            read(path)
        path.write_text("[1, 2]")
        with pytest.raises(InputError, match="must be a JSON object"):
            read(path)
        path.write_text(json.dumps({"typo_key": 1}))
        with pytest.raises(InputError, match="unknown .* key.*typo_key"):
            read(path)
