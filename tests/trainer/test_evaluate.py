"""trainer.evaluate: metrics.json keys, report.md, ROC/PR PNGs; splice split; published AUC table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from genebert_tool.cli import main
from genebert_tool.errors import ModelError
from trainer.evaluate import evaluate_model
from trainer.report import published_deepbind_aucs, write_curves, write_report
from trainer.finetune import FinetuneConfig, finetune
from trainer.metrics import METRIC_KEYS
from trainer_helpers import TINY, toy_deepbind as _toy_deepbind

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _toy_splice(path: Path, n: int, seed: int) -> Path:
    """UCI-format toy splice file: donors carry GT at 20-21, acceptors AG at 18-19, neither neither."""
    rng = np.random.default_rng(seed)
    classes = ["N", "EI", "IE"]
    with open(path, "w") as fh:
        for i in range(n):
            cls = classes[i % 3]
            s = list(rng.choice(list("AC"), size=40))  # no G/T: only the planted site has GT/AG
            if cls == "EI":
                s[20:22] = ["G", "T"]
                s[22:26] = list("AAGT")
            elif cls == "IE":
                s[18:20] = ["A", "G"]
                s[10:18] = list("TTTTTTTT")
            fh.write(f"{cls},  TOY-{i},   {''.join(s)}\n")
    return path


@pytest.fixture(scope="module")
def splice_model(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("splice")
    data = _toy_splice(tmp / "toy_splice.data", 600, 0)
    cfg = FinetuneConfig(task="splice", model_overrides=dict(TINY), max_steps=60, eval_every=30, warmup_steps=4,
                         batch_size=32, lr=3e-3, eval_batch_size=128)
    finetune(cfg, [data], [], tmp / "model")
    return tmp / "model", data


def test_evaluate_splice_writes_everything(splice_model, tmp_path: Path):
    model, data = splice_model
    m = evaluate_model(model, "splice", data, tmp_path / "ev", split="test")
    saved = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    for key in (*METRIC_KEYS, "top_k_accuracy", "model_name", "model_version", "split"):
        assert key in saved, key
    assert saved == json.loads(json.dumps(m))
    split = json.loads((model / "split.json").read_text())
    assert m["n"] == len(split["lines"]["test"]) and m["split"] == "test"
    assert m["accuracy"] > 0.6
    for png in ("roc.png", "pr.png"):
        assert (tmp_path / "ev" / png).read_bytes()[:8] == PNG_MAGIC
    report = (tmp_path / "ev" / "report.md").read_text()
    assert "top_k_accuracy" in report and f"{m['mcc']:.4f}" in report


def test_evaluate_cli_and_wrong_task(splice_model, tmp_path: Path):
    model, data = splice_model
    res = CliRunner().invoke(main, ["evaluate", "--model", str(model), "--task", "splice", "--data", str(data),
                                    "--split", "dev", "-o", str(tmp_path / "cli")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cli" / "metrics.json").is_file()
    with pytest.raises(ModelError, match="not a 'promoter' model"):
        evaluate_model(model, "promoter", data, tmp_path / "x")


def test_published_deepbind_aucs(real_data: Path):
    pub = published_deepbind_aucs()
    assert pub["CTCFL_K562_CTCFL_(SC-98982)_HudsonAlpha"] == {"DeepBind": 0.97344, "DeepBind*": 0.98674}
    assert pub["CTCF_A549_CTCF_UW"]["DeepBind"] == pytest.approx(0.98582)
    assert len(pub) >= 500


def test_write_curves_and_report_for_baselines(tmp_path: Path):
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.2, 0.7, 0.4, 0.9, 0.3, 0.1])
    paths = write_curves({"toy": (y, s)}, tmp_path)
    assert [p.name for p in paths] == ["roc.png", "pr.png"]
    assert all(p.read_bytes()[:8] == PNG_MAGIC for p in paths)
    write_report({"model_name": "baseline", "task": "tfbs", "n": 6, "accuracy": 0.5, "auc": 0.9}, tmp_path)
    assert json.loads((tmp_path / "metrics.json").read_text())["auc"] == 0.9
    assert "| auc | 0.9000 |" in (tmp_path / "report.md").read_text()


def test_evaluate_with_baselines_same_rows(splice_model, tmp_path: Path):
    model, data = splice_model
    m = evaluate_model(model, "splice", data, tmp_path / "bl", split="test", baselines=True, cnn_options={"epochs": 2})
    saved = json.loads((tmp_path / "bl" / "metrics.json").read_text())
    assert set(saved["baselines"]) == {"cnn", "kmer_lr"}
    for name, b in saved["baselines"].items():
        assert {"auc", "mcc"} <= set(b), name
        assert b["n"] == m["n"] == len(json.loads((model / "split.json").read_text())["lines"]["test"])
    assert "train part of the recorded split" in saved["baselines_train"]
    report = (tmp_path / "bl" / "report.md").read_text()
    assert "## Baselines" in report and f"| kmer_lr | {m['n']} |" in report


def test_evaluate_baselines_refuses_b_fold(splice_model, tmp_path: Path):
    model, data = splice_model
    b_fold = tmp_path / "CTCF_K562_CTCF_UW_B.seq.gz"
    b_fold.write_bytes(b"")
    res = CliRunner().invoke(main, ["evaluate", "--model", str(model), "--task", "splice", "--data", str(data),
                                    "--split", "test", "--baselines", "--baselines-train", str(b_fold),
                                    "-o", str(tmp_path / "refused")])
    assert res.exit_code != 0 and "test fold" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "refused" / "metrics.json").exists()


def test_output_option_scores_a_chosen_column_of_a_multitask_model(tmp_path: Path):
    """A data set without its own output (a GUE CSV, another TF) needs --output NAME or max."""
    files = [
        _toy_deepbind(tmp_path / "TFA_K562_TFA_(x)_Lab_AC.seq.gz", 200, 0, "GGGCGGGGC"),
        _toy_deepbind(tmp_path / "TFB_HepG2_TFB_Lab_AC.seq.gz", 200, 1, "TTGCGCAA"),
    ]
    cfg = FinetuneConfig(task="tfbs", model_overrides=dict(TINY), max_steps=60, eval_every=30, warmup_steps=4,
                         batch_size=32, lr=3e-3, eval_batch_size=128, dev_fraction=0.2)
    finetune(cfg, files, [], tmp_path / "mt")
    # a test fold of a TF the model has no output for, bound sites carrying TFB's motif
    import gzip

    from trainer.shuffle import dinucleotide_shuffle

    rng = np.random.default_rng(5)
    other = tmp_path / "TFC_GM12878_TFC_Lab_B.seq.gz"
    with gzip.open(other, "wt") as fh:
        fh.write("FoldID\tEventID\tseq\tBound\n")
        for i in range(60):
            seq = list(rng.choice(list("ACGT"), size=50))
            seq[5:13] = seq[30:38] = list("TTGCGCAA")
            seq = "".join(seq)
            fh.write(f"B\tseq_{i:05d}_peak\t{seq}\t1\n")
            fh.write(f"B\tseq_{i:05d}_shuf\t{dinucleotide_shuffle(seq, rng)}\t0\n")
    with pytest.raises(ModelError, match="--output"):
        evaluate_model(tmp_path / "mt", "tfbs", other, tmp_path / "e0")
    b = evaluate_model(tmp_path / "mt", "tfbs", other, tmp_path / "eb", output="TFB_HepG2")
    a = evaluate_model(tmp_path / "mt", "tfbs", other, tmp_path / "ea", output="TFA_K562")
    assert b["scored_output"] == "TFB_HepG2" and b["n"] == 120
    assert b["auc"] > 0.8 and b["auc"] > a["auc"] + 0.1  # the right TF's output finds its motif
    from trainer.evaluate import _output_scores

    p = np.array([[0.1, 0.7], [0.9, 0.2]])
    assert _output_scores(p, ["TFA_K562", "TFB_HepG2"], "x", "w", "max").tolist() == [0.7, 0.9]
    with pytest.raises(ModelError, match="not an output"):
        evaluate_model(tmp_path / "mt", "tfbs", other, tmp_path / "ex", output="CTCF_A549")
    res = CliRunner().invoke(main, ["evaluate", "--model", str(tmp_path / "mt"), "--task", "tfbs", "--data", str(other),
                                    "--output", "TFB_HepG2", "-o", str(tmp_path / "ecli")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "ecli" / "metrics.json").read_text())["scored_output"] == "TFB_HepG2"
