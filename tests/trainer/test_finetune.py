"""trainer.finetune end to end on a tiny model: a loadable directory, multi-task, refusal, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from genebert_tool.cli import main
from trainer.finetune import FinetuneConfig, finetune
from trainer.metrics import OneClassPredictionError
from trainer_helpers import TINY, tiny_cfg as _tiny_cfg, toy_csv as _toy_csv, toy_deepbind as _toy_deepbind


def test_finetune_writes_loadable_model(tmp_path: Path):
    from genebert_tool.inference.predictor import Predictor

    train = _toy_csv(tmp_path / "train.csv", 400, 0)
    dev = _toy_csv(tmp_path / "dev.csv", 100, 1)
    out = tmp_path / "model"
    summary = finetune(_tiny_cfg("promoter"), [train], [dev], out)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "finetune_config.json", "split.json",
                 "dev_metrics.json", "train_log.jsonl"):
        assert (out / name).is_file(), name
    assert summary["dev_metrics"]["n"] == 100
    assert summary["dev_metrics"]["auc"] > 0.8  # the motif is trivial to find
    pred = Predictor.from_pretrained(out, device="cpu")
    assert pred.task == "promoter" and pred.output_names == ["promoter"] and pred.window_bp == 40
    probs = pred.predict(["A" * 40, "C" * 15 + "TATAAAAG" + "G" * 17])
    assert probs.shape == (2, 1) and ((probs >= 0) & (probs <= 1)).all()
    saved = json.loads((out / "finetune_config.json").read_text())
    assert saved["model_overrides"]["kmer"] == 3 and saved["seed"] == 0
    events = [json.loads(line)["event"] for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert events[0] == "start" and events[-1] == "done" and "eval" in events


def test_finetune_is_deterministic(tmp_path: Path):
    train = _toy_csv(tmp_path / "train.csv", 400, 0)
    dev = _toy_csv(tmp_path / "dev.csv", 100, 1)
    a = finetune(_tiny_cfg("promoter"), [train], [dev], tmp_path / "a")
    b = finetune(_tiny_cfg("promoter"), [train], [dev], tmp_path / "b")
    assert a["dev_metrics"]["auc"] == b["dev_metrics"]["auc"]
    assert (tmp_path / "a/model.safetensors").read_bytes() == (tmp_path / "b/model.safetensors").read_bytes()


def test_one_class_model_is_refused_and_not_saved(tmp_path: Path):
    train = _toy_csv(tmp_path / "train.csv", 200, 0, only_positive=True)  # learns "always 1"
    dev = _toy_csv(tmp_path / "dev.csv", 60, 1)
    out = tmp_path / "model"
    with pytest.raises(OneClassPredictionError, match="refusing"):
        finetune(_tiny_cfg("promoter", max_steps=30, eval_every=10), [train], [dev], out)
    assert not (out / "model.safetensors").exists() and not (out / "config.json").exists()


def test_multitask_tfbs_with_shuffled_negatives(tmp_path: Path):
    from genebert_tool.inference.predictor import Predictor

    files = [
        _toy_deepbind(tmp_path / "TFA_K562_TFA_(x)_Lab_AC.seq.gz", 200, 0, "GGGCGGGGC"),
        _toy_deepbind(tmp_path / "TFB_HepG2_TFB_Lab_AC.seq.gz", 200, 1, "TTGCGCAA"),
    ]
    out = tmp_path / "tfbs"
    s = finetune(_tiny_cfg("tfbs", max_steps=60, eval_every=30, dev_fraction=0.2), files, [], out)
    assert s["selection_metric"] == "auc"
    assert set(s["dev_metrics"]["per_output"]) == {"TFA_K562", "TFB_HepG2"}
    assert s["dev_metrics"]["auc"] > 0.7
    pred = Predictor.from_pretrained(out, device="cpu")
    assert pred.output_names == ["TFA_K562", "TFB_HepG2"] and pred.multi_label
    split = json.loads((out / "split.json").read_text())
    assert split["kind"] == "deepbind_ac" and split["dev_fraction"] == 0.2


def test_cli_finetune_and_refusal_of_test_folds(tmp_path: Path, real_data: Path):
    train = _toy_csv(tmp_path / "train.csv", 300, 0)
    dev = _toy_csv(tmp_path / "dev.csv", 100, 1)
    cfg = tmp_path / "ft.json"
    cfg.write_text(json.dumps(dict(model_overrides=TINY, max_steps=30, eval_every=15, warmup_steps=3, lr=3e-3, batch_size=32)))
    runner = CliRunner()
    res = runner.invoke(main, ["finetune", "--task", "promoter", "--config", str(cfg), "--train", str(train),
                               "--dev", str(dev), "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "m" / "model.safetensors").is_file()

    b_fold = real_data / "tfbs/deepbind_encode/CTCFL_K562_CTCFL_(SC-98982)_HudsonAlpha_B.seq.gz"
    res = runner.invoke(main, ["finetune", "--task", "tfbs", "--config", str(cfg), "--train", str(b_fold),
                               "-o", str(tmp_path / "bad")])
    assert res.exit_code == 1 and "test fold" in res.output
    res = runner.invoke(main, ["finetune", "--task", "tfbs", "--train", str(tmp_path / "none_*.seq.gz"), "-o", str(tmp_path / "x")])
    assert res.exit_code != 0 and "no file matches" in res.output


def test_config_rejects_unknown_settings(tmp_path: Path):
    from genebert_tool.errors import InputError

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"learning_rate": 1e-3}))
    with pytest.raises(InputError, match="learning_rate"):
        FinetuneConfig.from_json(bad)


def test_seq_plus_region_modality_uses_cached_motif_matrices(tmp_path: Path):
    from genebert_tool.inference.predictor import Predictor
    from genebert_tool.motifs.jaspar import load_motifs

    ids = load_motifs().ids[:3]
    train = _toy_csv(tmp_path / "train.csv", 200, 0)
    dev = _toy_csv(tmp_path / "dev.csv", 60, 1)
    overrides = dict(TINY, n_tfs=3, motif_ids=ids, region_embed_dim=12, region_num_heads=[1, 2])
    cache = tmp_path / "cache"
    cfg = _tiny_cfg("promoter", modality="seq+region", model_overrides=overrides, region_cache_dir=str(cache))
    finetune(cfg, [train], [dev], tmp_path / "m")
    assert len(list(cache.glob("region_*.npy"))) == 2  # train and dev, computed once each
    pred = Predictor.from_pretrained(tmp_path / "m", device="cpu")
    assert pred.modality == "seq+region"
    assert pred.predict(["ACGT" * 10]).shape == (1, 1)
    assert any(k.startswith("genebert.region_encoder") for k in pred.model.state_dict())


def test_base_accepts_head_overrides_only(tmp_path: Path):
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.modeling import GeneBertForPreTraining

    backbone = tmp_path / "backbone"
    GeneBertForPreTraining(named_config("tiny", **TINY)).save_pretrained(backbone)
    train = _toy_csv(tmp_path / "train.csv", 200, 0)
    dev = _toy_csv(tmp_path / "dev.csv", 60, 1)
    cfg = _tiny_cfg("promoter", base=str(backbone),
                    model_overrides={"classifier_pooling": "mean"})
    finetune(cfg, [train], [dev], tmp_path / "mean")
    saved = json.loads((tmp_path / "mean" / "config.json").read_text())
    assert saved["classifier_pooling"] == "mean" and saved["kmer"] == 3
    from genebert_tool.errors import GeneBertError

    bad = _tiny_cfg("promoter", base=str(backbone), max_steps=4, model_overrides={"kmer": 4})
    with pytest.raises(GeneBertError, match="kmer"):
        finetune(bad, [train], [dev], tmp_path / "bad")


def test_reverse_complement_training_gives_a_strand_symmetric_model(tmp_path: Path):
    from genebert_tool.genome.sequences import reverse_complement
    from genebert_tool.inference.predictor import Predictor
    from trainer.finetune import score_sequences

    train = _toy_csv(tmp_path / "train.csv", 400, 0, motif="GATTACAG")
    dev = _toy_csv(tmp_path / "dev.csv", 100, 1, motif="GATTACAG")
    out = tmp_path / "rc"
    summary = finetune(_tiny_cfg("tfbs", reverse_complement=True), [train], [dev], out)
    assert summary["dev_metrics"]["auc"] > 0.8
    saved = json.loads((out / "config.json").read_text())
    assert saved["strand_average"] is True
    seqs = ["ACGTTGCAGATTACAGTTTTACGCGATATATCGCGCATGC", "TTTTTTTTTTGGGGGGGGGGCCCCCAAAAATTTTTGGGGG"]
    rc = [reverse_complement(s) for s in seqs]
    pred = Predictor.from_pretrained(out, device="cpu")
    assert np.allclose(pred.predict(seqs), pred.predict(rc), atol=1e-6)
    model, tok = pred.model, pred.tokenizer  # the loaded model, scored by finetune's dev path
    a = score_sequences(model, tok, seqs, max_len=40)
    assert np.allclose(a, score_sequences(model, tok, rc, max_len=40), atol=1e-6)
    assert np.allclose(a, pred.predict(seqs), atol=1e-5)
    model.config.strand_average = False  # one strand only: no longer symmetric
    assert not np.allclose(score_sequences(model, tok, seqs, max_len=40), score_sequences(model, tok, rc, max_len=40))
    with pytest.raises(ValueError, match="strand"):
        FinetuneConfig(task="splice", reverse_complement=True).validate()


def test_crop_bp_centre_crops_training_and_sets_the_window(tmp_path: Path):
    train = _toy_csv(tmp_path / "train.csv", 300, 0)  # motif at 15..23 of 40 bp: inside the centre 30
    dev = _toy_csv(tmp_path / "dev.csv", 100, 1)
    out = tmp_path / "crop"
    summary = finetune(_tiny_cfg("promoter", crop_bp=30), [train], [dev], out)
    saved = json.loads((out / "config.json").read_text())
    assert saved["window_bp"] == 30 and saved["max_seq_len"] == 30 - 3 + 1 + 2
    assert json.loads((out / "split.json").read_text())["crop_bp"] == 30
    assert summary["dev_metrics"]["auc"] > 0.8
    with pytest.raises(ValueError, match="crop_bp"):
        FinetuneConfig(task="promoter", crop_bp=0).validate()


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[2] / "examples").glob("finetune_*.json")), ids=lambda p: p.name)
def test_example_configs_load_and_validate(path: Path):
    cfg = FinetuneConfig.from_json(path)
    cfg.validate()
    # seed 0 everywhere, except a second stage that draws new windows with a new seed (said in its _comment)
    stage2_new_windows = {"finetune_splice_genome_conv_stage2.json"}
    assert cfg.model_name and cfg.seed == (1 if path.name in stage2_new_windows else 0)


def test_base_without_safetensors_is_refused(tmp_path):
    """A backbone directory holding only a pickle is never unpickled: one clear error."""
    import torch

    from genebert_tool.errors import GeneBertError
    from trainer.finetune import FinetuneConfig
    from trainer.task_model import build_task_model
    from trainer.datasets import TaskData

    base = tmp_path / "pickled"
    base.mkdir()
    (base / "config.json").write_text('{"model_type": "genebert"}')
    torch.save({"x": torch.zeros(1)}, base / "pytorch_model.bin")
    data = TaskData("promoter", ["ACGT" * 10], [1], ["promoter"])
    with pytest.raises(GeneBertError, match="no model.safetensors"):
        build_task_model(FinetuneConfig(task="promoter", base=str(base)), data, 40, 40)
