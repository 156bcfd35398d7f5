"""trainer/pretrain.py: exact kill-and-resume, loadable outputs, ablations, the CLI, DDP on CPU (batches:
test_loop.py; the config: test_config.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from genebert_tool.genome.tokenizer import KmerTokenizer
from trainer.pretrain import pretrain
from trainer_helpers import SMALL_MODEL, corpus_dir, pretrain_cfg as _cfg  # noqa: F401  (corpus_dir: a fixture)


def _losses(run: Path) -> np.ndarray:
    rows = list(csv.DictReader(open(run / "loss_curve.csv")))
    return np.array([[float(r[k]) for k in ("step", "loss", "loss_mgm", "loss_ngsp", "loss_srm")] for r in rows])


def test_kill_and_resume_reproduces_the_loss_curve(corpus_dir, tmp_path):
    cfg = _cfg(max_steps=6, checkpoint_interval=3)
    straight = pretrain(cfg, corpus_dir, tmp_path / "straight")
    # "kill" after step 5: the work after the step-3 checkpoint is lost and redone on resume
    pretrain(cfg, corpus_dir, tmp_path / "resumed", stop_after_step=5)
    assert not (tmp_path / "resumed" / "final").exists()
    resumed = pretrain(cfg, corpus_dir, tmp_path / "resumed", resume=True)
    assert resumed["resumed_from"].endswith("checkpoint-3") and resumed["start_step"] == 3
    a, b = _losses(tmp_path / "straight"), _losses(tmp_path / "resumed")
    assert a.shape == b.shape == (6, 5)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert straight["steps"] == resumed["steps"] == 6
    # final weights identical too
    from safetensors.torch import load_file

    wa = load_file(tmp_path / "straight" / "final" / "model.safetensors")
    wb = load_file(tmp_path / "resumed" / "final" / "model.safetensors")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_outputs_load_and_loss_falls(corpus_dir, tmp_path):
    from genebert_tool.model import GeneBertForPreTraining

    cfg = _cfg(max_steps=20, checkpoint_interval=8, lr=3e-3, keep_checkpoints=1)
    summary = pretrain(cfg, corpus_dir, tmp_path / "run")
    run = tmp_path / "run"
    for d in ("final", "checkpoint-16"):
        model = GeneBertForPreTraining.from_pretrained(run / d)
        assert (run / d / "tokenizer.json").exists() and (run / d / "model.safetensors").exists()
        assert KmerTokenizer.from_pretrained(run / d).k == 6
    assert not (run / "checkpoint-8").exists()  # pruned: keep_checkpoints=1
    assert model.config.n_tfs == 4 and "MA0139.1" in model.config.motif_ids  # CTCF
    state = torch.load(run / "checkpoint-16" / "trainer_state.pt", weights_only=True)
    assert state["step"] == 16 and "optimizer" in state
    assert (run / "loss_curve.png").stat().st_size > 1000
    header = (run / "loss_curve.csv").read_text().splitlines()[0].split(",")
    assert header[:6] == ["step", "loss", "loss_mgm", "loss_ngsp", "loss_srm", "lr"] and "tokens_per_s" in header
    losses = _losses(run)[:, 1]
    assert losses[-4:].mean() < losses[:4].mean() - 0.1
    assert summary["tokens"] > 0 and json.loads((run / "summary.json").read_text())["steps"] == 20


def test_ablation_switches_pass_through(corpus_dir, tmp_path):
    from genebert_tool.model import GeneBertForPreTraining

    pretrain(_cfg(max_steps=2, use_srm=False, use_ngsp=False, lambda_srm=0.3), corpus_dir, tmp_path / "r")
    rows = list(csv.DictReader(open(tmp_path / "r" / "loss_curve.csv")))
    assert rows[0]["loss_srm"] == "nan" and rows[0]["loss_ngsp"] == "nan" and float(rows[0]["loss_mgm"]) > 0
    config = GeneBertForPreTraining.from_pretrained(tmp_path / "r" / "final").config
    assert (config.use_srm, config.use_ngsp, config.use_mgm, config.lambda_srm) == (False, False, True, 0.3)


def test_cli_prepare_and_pretrain_on_real_data(real_data, tmp_path):
    from genebert_tool.cli import main

    ac = next((real_data / "tfbs" / "deepbind_encode").glob("MYC_H1-hESC*_AC.seq.gz"))
    runner = CliRunner()
    res = runner.invoke(main, ["prepare", "--deepbind", str(ac), "-o", str(tmp_path / "c"), "--region-len", "12",
                               "--tfs", "MYC,CTCF", "--max-samples-per-cell-type", "20"])
    assert res.exit_code == 0, res.output
    index = json.loads((tmp_path / "c" / "index.json").read_text())
    assert index["mode"] == "groups" and index["n_samples"] == 20
    res = runner.invoke(main, ["prepare", "--deepbind", str(ac).replace("_AC", "_B"), "-o", str(tmp_path / "x")])
    assert res.exit_code != 0 and "test folds" in res.output
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"model_overrides": SMALL_MODEL, "batch_size": 4, "effective_batch_size": 4,
                               "max_steps": 3, "log_interval": 1, "checkpoint_interval": 0, "num_threads": 1}))
    res = runner.invoke(main, ["pretrain", "--config", str(cfg), "--data", str(tmp_path / "c"),
                               "-o", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "run" / "final" / "config.json").exists()
    res = runner.invoke(main, ["pretrain", "--config", str(cfg), "--data", str(tmp_path / "run"),
                               "-o", str(tmp_path / "run2")])
    assert res.exit_code != 0 and "not a prepared corpus" in res.output


@pytest.mark.slow
def test_torchrun_ddp_two_ranks_on_cpu(corpus_dir, tmp_path):
    import shutil
    import subprocess
    import sys

    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun not installed next to this python")
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"model_overrides": SMALL_MODEL, "batch_size": 4, "effective_batch_size": 8,
                               "max_steps": 4, "log_interval": 1, "checkpoint_interval": 2, "num_threads": 1,
                               "device": "cpu"}))
    cmd = [str(torchrun), "--nproc_per_node", "2", "-m", "genebert_tool.cli", "pretrain", "--config", str(cfg),
           "--data", str(corpus_dir), "-o", str(tmp_path / "run")]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["grad_accum_steps"] == 1 and summary["steps"] == 4
    # resume across ranks from the step-2 checkpoint after removing final/
    shutil.rmtree(tmp_path / "run" / "final")
    res = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["start_step"] == 2
