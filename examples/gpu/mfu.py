"""Model-FLOP utilisation of a finished `genebert pretrain` run: analytic model FLOPs per token times the
run's logged tokens/s, over the device's peak (H100/H200: 989 TFLOP/s dense bf16; CPU: the fp32 matmul
peak measured here, as in benchmarks/train_throughput.py).

FLOPs per token = 6 * N_bert_nonembedding + 12 * n_layers * seq_len * hidden (attention, fwd + bwd)
+ 6 * hidden * vocab * mask_rate (MGM decoder at masked positions); the region encoder (one small image
per sample, < 2 % here) is left out, so the MFU is a slight underestimate.

    python examples/gpu/mfu.py RUN_DIR [-o mfu.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

H200_BF16_DENSE = 989e12


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("-o", "--output", type=Path)
    a = ap.parse_args()
    summary = json.loads((a.run_dir / "summary.json").read_text())
    cfg = json.loads((a.run_dir / "final" / "config.json").read_text())
    rows = list(csv.DictReader(open(a.run_dir / "loss_curve.csv")))
    steady = rows[len(rows) // 5 :] or rows
    tps = statistics.median(float(r["tokens_per_s"]) for r in steady)
    mask = statistics.mean(float(r["mask_rate"]) for r in steady)
    h, layers, inter = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"]
    n_nonemb = layers * (4 * h * h + 2 * h * inter)
    seq = summary["max_len"]
    vocab = cfg.get("vocab_size") or 4 ** cfg["kmer"] + 5
    per_token = 6 * n_nonemb + 12 * layers * seq * h + 6 * h * vocab * mask
    hw = summary.get("hardware", "")
    if "cuda" in summary.get("device", ""):
        peak, peak_src = H200_BF16_DENSE, "H200 dense bf16 (989 TFLOP/s)"
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
        from train_throughput import matmul_peak

        peak, peak_src = matmul_peak(), "fp32 2048^3 matmul measured now"
    res = {"run": str(a.run_dir), "hardware": hw, "device": summary.get("device"), "tokens_per_s": tps,
           "flops_per_token": per_token, "model_flops_per_s": tps * per_token, "peak_flops_per_s": peak,
           "peak": peak_src, "mfu": tps * per_token / peak, "world_size": summary.get("world_size"),
           "steps": summary.get("steps"), "n_params": summary.get("n_params"), "seq_len": seq}
    text = json.dumps(res, indent=2)
    if a.output:
        a.output.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
