"""benchmarks/quality.py end to end on one DeepBind experiment and the UCI splice set (small caps,
~10 s on a shared 2-core CPU)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "quality.py"


def _load():
    spec = importlib.util.spec_from_file_location("quality_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_published_deepbind_table_matches_stems(real_data):
    q = _load()
    published = q.published_deepbind_aucs(real_data / "tfbs" / "deepbind_published_aucs_encode.csv")
    assert len(published) > 400
    assert published["CTCF_A549_CTCF_UW"] == pytest.approx(0.98582)
    stems = q.deepbind_experiments(real_data / "tfbs" / "deepbind_encode", None)
    assert len(stems) == 25
    assert sum(s in published for s in stems) >= 20


def test_quality_end_to_end_small(real_data, tmp_path):
    import torch

    threads = torch.get_num_threads()
    q = _load()
    try:
        report = q.main(["--experiments", "MYC_H1", "--max-train", "200", "--sections", "deepbind,splice",
                         "--epochs", "3", "--out-dir", str(tmp_path)])
    finally:
        torch.set_num_threads(threads)
    rows = report["deepbind"]["rows"]
    assert [r["experiment"] for r in rows] == ["MYC_H1-hESC_c-Myc_Stanford"]
    row = rows[0]
    assert row["n_train_pos"] == 200 and row["n_test"] == 1000 - 4  # 4 _B rows lie in the hidden test region
    assert row["published_deepbind_auc"] == pytest.approx(0.85509)
    for name in ("cnn", "kmer_lr", "best_pwm"):
        assert 0.0 <= row[name] <= 1.0
    assert row["kmer_lr"] > 0.6  # k-mers separate MYC peaks from shuffles even with 400 rows
    md = (tmp_path / "quality.md").read_text()
    assert "MYC_H1-hESC_c-Myc_Stanford" in md and "0.855" in md
    assert json.loads((tmp_path / "quality.json").read_text())["splice"]["rows"][0]["n_test"] == 319 - 2  # less 2 test-region rows
    assert (tmp_path / "quality_deepbind.png").stat().st_size > 1000


def test_render_only_and_genebert_only_keep_baseline_numbers(real_data, tmp_path):
    """Re-rendering and refreshing the GeneBERT columns never retrain or change a baseline number."""
    import torch

    threads = torch.get_num_threads()
    q = _load()
    try:
        first = q.main(["--sections", "splice", "--epochs", "1", "--baselines", "kmer_lr", "--out-dir", str(tmp_path)])
        again = q.main(["--genebert-only", "--sections", "splice", "--out-dir", str(tmp_path)])
        rendered = q.main(["--render-only", "--out-dir", str(tmp_path)])
    finally:
        torch.set_num_threads(threads)
    for report in (again, rendered):
        assert report["splice"]["rows"][0]["kmer_lr"] == first["splice"]["rows"][0]["kmer_lr"]
    assert "GeneBERT column only" in (tmp_path / "quality.md").read_text()
