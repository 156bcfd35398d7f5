"""examples/gpu/pretrain_h200.sh: its CPU dry run (GENEBERT_GPU_DRY_RUN=1, 2 steps) writes a loadable
checkpoint, the log and mfu.json, on a small real corpus (K562 peaks called on the chr22 train region)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trainer.corpus import prepare_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_gpu_script_dry_run(real_data, tmp_path):
    corpus = tmp_path / "corpus"
    prepare_corpus(corpus, genome=real_data / "genome/hg38_chr22.fa.gz",
                   signal={"K562": str(real_data / "accessibility/acc.K562.hg38_chr22.bw")},
                   include=[("chr22", 17_000_000, 30_000_000)], region_len=100, tf_names=["CTCF", "SP1"], seed=0)
    env = {**os.environ, "GENEBERT_GPU_DRY_RUN": "1", "GENEBERT": str(Path(sys.executable).parent / "genebert"),
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "OMP_NUM_THREADS": "1"}
    out = tmp_path / "out"
    res = subprocess.run(["bash", str(ROOT / "examples/gpu/pretrain_h200.sh"), str(out), str(corpus)],
                         env=env, capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]
    mfu = json.loads((out / "mfu.json").read_text())
    assert mfu["steps"] == 2 and mfu["tokens_per_s"] > 0 and 0 < mfu["mfu"] < 1
    assert (out / "run/final/config.json").exists() and (out / "pretrain.log").stat().st_size > 0
    assert "over 16 MiB" not in res.stdout
