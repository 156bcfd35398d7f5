"""Where the TFBS model's background FPR comes from: FPR at the calibrated default threshold by GC content.

Scores the calibration windows of ``genebert calibrate`` (the same seeded 10,000 random 200-bp windows of the
train region, so the overall FPR is 1 % by construction) and the 10,000 aligned 200-bp tiles of the dev scan
(chr22:30-32 Mb), and prints, per GC bin, the fraction of windows at or above each output's default threshold
(mean over outputs), plus the train background reweighted to the dev tiles' GC composition. Dev tiles include
the ~0.37 % positives per output (the scan's FPR counts negatives only). Nothing at chr22 >= 38 Mb is read.

    python examples/tfbs_fpr_by_gc.py [MODEL_DIR] [-o docs/genome_scan/tfbs_fpr_by_gc.json]   (~6 min, 1 thread)
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

EDGES = (0.0, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 1.01)
DEV = ("chr22", 30_000_000, 32_000_000)


def gc(s: str) -> float:
    return (s.count("G") + s.count("C")) / max(1, len(s) - s.count("N"))


def main() -> None:
    import pysam
    import torch

    from genebert_tool.inference.predictor import Predictor
    from trainer.genome_data import GenomeDataSettings, GenomeParts, _expand
    from trainer.genome_split import DEFAULT_SPLIT

    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default="pretrained/genebert-tfbs-genome")
    ap.add_argument("-o", "--output", default="docs/genome_scan/tfbs_fpr_by_gc.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    md = Path(args.model)
    bg = json.loads((md / "background.json").read_text())
    ft = json.loads((md / "finetune_config.json").read_text())
    parts = GenomeParts(_expand(GenomeDataSettings(**ft["genome"]).fasta), DEFAULT_SPLIT)
    w = int(bg["window_bp"])
    train = [s for _, _, s in parts.random_centres("train", bg["n_background"], w, np.random.default_rng([bg["seed"], 7]), 0.05)]
    data = Path(os.environ.get("GENEBERT_DATA", "../shared/data"))
    fa = pysam.FastaFile(str(data / "genome/hg38_chr22.fa.gz"))
    dev = [fa.fetch(DEV[0], p, p + w).upper() for p in range(DEV[1], DEV[2], w)]
    pred = Predictor.from_pretrained(md, device="cpu")
    t = np.array([bg["outputs"][n]["default_threshold"] for n in pred.output_names])
    (sb, sd) = (pred.predict(x, batch_size=128) >= t for x in (train, dev))
    gb, gd = np.array([gc(s) for s in train]), np.array([gc(s) for s in dev])
    rows, weight = [], np.zeros(len(gb))
    for lo, hi in zip(EDGES[:-1], EDGES[1:]):
        mb, mdv = (gb >= lo) & (gb < hi), (gd >= lo) & (gd < hi)
        weight[mb] = mdv.mean() / max(mb.mean(), 1e-12)
        rows.append({"gc": [lo, hi], "train_n": int(mb.sum()), "train_fpr": float(sb[mb].mean()),
                     "dev_n": int(mdv.sum()), "dev_rate": float(sd[mdv].mean())})
        print(f"GC [{lo:.2f},{hi:.2f})  train n={mb.sum():5d} FPR {sb[mb].mean():.4f}   dev n={mdv.sum():5d} "
              f"called {sd[mdv].mean():.4f}")
    out = {"model": str(md), "train_fpr": float(sb.mean()), "dev_called": float(sd.mean()),
           "train_fpr_reweighted_to_dev_gc": float((sb * weight[:, None]).sum(0).mean() / weight.sum()),
           "train_gc_mean": float(gb.mean()), "dev_gc_mean": float(gd.mean()), "bins": rows,
           "dev_region": f"{DEV[0]}:{DEV[1]}-{DEV[2]}", "note": "dev rate includes positives (~0.37 % per output)"}
    print({k: v for k, v in out.items() if k != "bins"})
    Path(args.output).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
