"""Compare TFBS genome scans on the same tiles: per-output AUPRC of candidate models against a reference
scan's model, best JASPAR PWM and CNN (``metrics.json`` of ``genebert evaluate --scan --task tfbs``).

Prints a Markdown table of the means over outputs, the CTCF rows, and how many outputs each candidate wins
against the PWM and the CNN; ``-o`` also writes the numbers as JSON. The scans must share their tiles
(same region, tile and step; checked).

    python examples/compare_tfbs_scans.py docs/genome_scan/tfbs_conv_metrics.json \\
        runs/scan/tfbs_region_tiny/metrics.json runs/scan/tfbs_region_chr22/metrics.json [-o out.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

KEYS = ("auroc", "auprc", "precision_at_recall_0.5", "fpr_at_default", "recall_at_default")


def load(path: str) -> dict:
    d = json.loads(Path(path).read_text())
    if d.get("task") != "tfbs":
        raise SystemExit(f"{path}: not a TFBS scan (task {d.get('task')!r})")
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference", help="scan metrics.json with the best_pwm and cnn baselines")
    ap.add_argument("candidates", nargs="+", help="scan metrics.json of other models (--no-baselines is fine)")
    ap.add_argument("-o", "--output", default=None)
    args = ap.parse_args()
    ref = load(args.reference)
    tiles = {k: ref[k] for k in ("tile_bp", "step_bp", "n_tiles", "regions")}
    names = sorted(ref["outputs"])
    rows = {"reference model": {n: ref["outputs"][n]["genebert"] for n in names},
            "best JASPAR PWM": {n: ref["outputs"][n]["best_pwm"] for n in names},
            "CNN": {n: ref["outputs"][n]["cnn"] for n in names}}
    labels = {"reference model": f"{ref['model']} (reference)"}
    for path in args.candidates:
        d = load(path)
        got = {k: d[k] for k in tiles}
        if got != tiles:
            raise SystemExit(f"{path}: tiles differ from the reference's ({got} vs {tiles})")
        if sorted(d["outputs"]) != names:
            raise SystemExit(f"{path}: outputs differ from the reference's")
        rows[path] = {n: d["outputs"][n]["genebert"] for n in names}
        labels[path] = d["model"]
    result = {"tiles": tiles, "mean": {}, "ctcf": {}, "wins": {}}
    print(f"{tiles['n_tiles']:,} tiles of {tiles['tile_bp']} bp, {len(names)} outputs\n")
    print("| method | " + " | ".join(KEYS) + " | AUPRC > PWM | AUPRC > CNN |")
    print("|---" * (len(KEYS) + 3) + "|")
    pwm = np.array([rows["best JASPAR PWM"][n]["auprc"] for n in names])
    cnn = np.array([rows["CNN"][n]["auprc"] for n in names])
    for key, per in rows.items():
        mean = {k: float(np.mean([per[n][k] for n in names])) for k in KEYS if k in per[names[0]]}
        ap_ = np.array([per[n]["auprc"] for n in names])
        wins = {"pwm": int((ap_ > pwm).sum()), "cnn": int((ap_ > cnn).sum())}
        result["mean"][labels.get(key, key)] = mean
        result["wins"][labels.get(key, key)] = wins
        cells = [f"{mean[k]:.4f}" if k in mean else "" for k in KEYS]
        won = [f"{wins['pwm']} / {len(names)}", f"{wins['cnn']} / {len(names)}"] if key not in ("best JASPAR PWM", "CNN") else ["", ""]
        print(f"| {labels.get(key, key)} | " + " | ".join(cells + won) + " |")
    ctcf = [n for n in names if n.upper().startswith("CTCF_")]
    print("\nCTCF AUPRC:\n\n| output | " + " | ".join(labels.get(k, k) for k in rows) + " |")
    print("|---" * (len(rows) + 1) + "|")
    for n in ctcf:
        result["ctcf"][n] = {labels.get(k, k): rows[k][n]["auprc"] for k in rows}
        print(f"| {n} | " + " | ".join(f"{rows[k][n]['auprc']:.3f}" for k in rows) + " |")
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
