"""trainer.ablations via ``evaluate --ablations``: each arm changes one thing and is scored on the model's rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

from genebert_tool.cli import main
from genebert_tool.errors import InputError
from trainer.ablations import NEEDS_NO_SRM_BASE, plan_ablations
from trainer.evaluate import evaluate_model
from trainer.report import write_report
from trainer.finetune import finetune

from trainer_helpers import TINY, tiny_cfg as _tiny_cfg, toy_csv as _toy_csv

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict[str, Path]:
    """A tiny backbone (3 motifs, so seq+region is cheap), a no-SRM twin, toy data, and a promoter
    model fine-tuned from the backbone."""
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.modeling import GeneBertForPreTraining
    from genebert_tool.motifs.jaspar import load_motifs

    tmp = tmp_path_factory.mktemp("ablations")
    arch = dict(TINY, n_tfs=3, motif_ids=load_motifs().ids[:3], region_embed_dim=12, region_num_heads=[1, 2])
    torch.manual_seed(0)
    GeneBertForPreTraining(named_config("tiny", **arch)).save_pretrained(tmp / "backbone")
    torch.manual_seed(1)
    GeneBertForPreTraining(named_config("tiny", **arch, use_srm=False)).save_pretrained(tmp / "backbone_no_srm")
    paths = {
        "tmp": tmp,
        "train": _toy_csv(tmp / "train.csv", 200, 0),
        "dev": _toy_csv(tmp / "dev.csv", 60, 1),
        "test": _toy_csv(tmp / "test.csv", 80, 2),
        "backbone": tmp / "backbone",
        "no_srm": tmp / "backbone_no_srm",
        "model": tmp / "model",
    }
    cfg = _tiny_cfg("promoter", base=str(paths["backbone"]), model_overrides={"classifier_pooling": "mean"},
                    max_steps=30, eval_every=15, region_cache_dir=str(tmp / "cache"))
    finetune(cfg, [paths["train"]], [paths["dev"]], paths["model"])
    return paths


def test_each_arm_changes_one_thing_and_is_scored_on_the_same_rows(setup, tmp_path: Path):
    lines: list[str] = []
    m = evaluate_model(setup["model"], "promoter", setup["test"], tmp_path / "ev", ablations=True,
                       no_srm_base=str(setup["no_srm"]), log=lines.append)
    saved = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert list(saved["ablations"]) == ["no-pretrain", "modality=seq+region", "no-srm"]
    model_cfg = json.loads((setup["model"] / "config.json").read_text())
    model_weights = load_file(setup["model"] / "model.safetensors")
    for name, r in saved["ablations"].items():
        assert r["n"] == m["n"] == 80, name  # the evaluated model's rows, nothing else
        assert {"auc", "mcc", "steps_run", "stop_reason"} <= set(r) and r["dev"]["n"] == 60, name
        assert (tmp_path / "ev" / "ablations" / name / "model.safetensors").is_file(), name

    arm = tmp_path / "ev" / "ablations"
    no_pre_cfg = json.loads((arm / "no-pretrain" / "config.json").read_text())
    for key in ("kmer", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                "max_position_embeddings", "n_tfs", "motif_ids", "classifier_pooling"):
        assert no_pre_cfg[key] == model_cfg[key], key
    assert json.loads((arm / "no-pretrain" / "finetune_config.json").read_text())["base"] is None
    no_pre_weights = load_file(arm / "no-pretrain" / "model.safetensors")
    assert set(no_pre_weights) == set(model_weights)
    emb = "genebert.embeddings.word_embeddings.weight"
    emb = emb if emb in model_weights else next(k for k in model_weights if "word_embeddings" in k)
    assert not torch.equal(no_pre_weights[emb], model_weights[emb])  # trained from scratch, not the backbone

    assert json.loads((arm / "modality=seq+region" / "config.json").read_text())["modality"] == "seq+region"
    assert model_cfg["modality"] == "seq"
    ft = json.loads((arm / "no-srm" / "finetune_config.json").read_text())
    assert ft["base"] == str(setup["no_srm"]) and ft["modality"] == "seq"
    assert ft["model_overrides"] == {"classifier_pooling": "mean"} and ft["max_steps"] == 30  # the model's own settings

    assert any("3 fine-tuning run(s)" in line and "no time budget" in line for line in lines), lines
    report = (tmp_path / "ev" / "report.md").read_text()
    assert "## Ablations" in report and "| no-pretrain | base=None" in report
    assert f"{saved['ablations']['no-srm']['mcc']:.4f}" in report


def test_cli_ablations_reports_skipped_no_srm(setup, tmp_path: Path):
    out = tmp_path / "cli"
    res = CliRunner().invoke(main, ["evaluate", "--model", str(setup["model"]), "--task", "promoter", "--data",
                                    str(setup["test"]), "--ablations", "--ablation-budget", "600", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "2 fine-tuning run(s)" in res.output and "time budget 600 s" in res.output
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["ablations"]["no-srm"] == {"changed": "base=<no-SRM backbone>", "skipped": NEEDS_NO_SRM_BASE}
    assert json.loads((out / "ablations" / "no-pretrain" / "finetune_config.json").read_text())["time_budget_s"] == 600
    assert f"skipped: {NEEDS_NO_SRM_BASE}" in (out / "report.md").read_text()
    assert not (out / "ablations" / "no-srm").exists()


def test_plan_for_a_model_without_base(setup, tmp_path: Path):
    scratch = tmp_path / "scratch"  # the same directory as if fine-tuned with base=None (planning reads no weights)
    shutil.copytree(setup["model"], scratch)
    ft = json.loads((scratch / "finetune_config.json").read_text())
    (scratch / "finetune_config.json").write_text(json.dumps({**ft, "base": None, "modality": "seq+region"}))
    plan = plan_ablations(scratch, "promoter", no_srm_base=str(setup["no_srm"]), time_budget_s=5)
    arms = {a.name: a for a in plan.arms}
    assert list(arms) == ["no-pretrain", "modality=seq", "no-srm"]
    assert arms["no-pretrain"].cfg is None and arms["no-pretrain"].record["same_as_model"] is True
    assert arms["no-srm"].cfg is None and "not applicable" in arms["no-srm"].record["skipped"]
    assert arms["modality=seq"].cfg.modality == "seq" and arms["modality=seq"].cfg.time_budget_s == 5
    assert [a.name for a in plan.runs] == ["modality=seq"] and "1 fine-tuning run(s)" in plan.describe()


def test_refusals(setup, tmp_path: Path):
    bare = tmp_path / "bare"
    shutil.copytree(setup["model"], bare)
    (bare / "finetune_config.json").unlink()
    (bare / "SHA256SUMS").unlink()  # a hand-edited directory: no checksums to verify against
    with pytest.raises(InputError, match="cannot re-run ablations: .* records no fine-tuning settings"):
        evaluate_model(bare, "promoter", setup["test"], tmp_path / "x", ablations=True)
    assert not (tmp_path / "x" / "metrics.json").exists()
    with pytest.raises(InputError, match="use_srm=true"):
        plan_ablations(setup["model"], "promoter", no_srm_base=str(setup["backbone"]))
    res = CliRunner().invoke(main, ["evaluate", "--model", str(setup["model"]), "--task", "promoter", "--data",
                                    str(setup["test"]), "--no-srm-base", str(setup["no_srm"]), "-o", str(tmp_path / "y")])
    assert res.exit_code != 0 and "need --ablations" in res.output


def test_report_says_why_an_arm_was_not_run(tmp_path: Path):
    scores = dict(n=10, accuracy=0.9, auc=0.95, pr_auc=0.9, mcc=0.8)
    metrics = {"model_name": "toy", "task": "promoter", **scores, "ablations": {
        "no-pretrain": {"changed": "base=None", "same_as_model": True, "reason": "fine-tuned without a base"},
        "modality=seq+region": {"changed": "modality=seq+region", "failed": "predicts class 0 for all 60 inputs"},
        "no-srm": {"changed": "base=<no-SRM backbone>", "skipped": NEEDS_NO_SRM_BASE}}}
    report = write_report(metrics, tmp_path).read_text()
    assert "same as the model: fine-tuned without a base" in report
    assert "failed: predicts class 0" in report and f"skipped: {NEEDS_NO_SRM_BASE}" in report
    assert json.loads((tmp_path / "metrics.json").read_text())["ablations"]["no-srm"]["skipped"] == NEEDS_NO_SRM_BASE
