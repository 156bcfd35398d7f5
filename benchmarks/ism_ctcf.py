"""Do ISM peaks fall on the CTCF motif? genebert-tfbs in-silico mutagenesis on real CTCF ChIP peaks.

For the strongest ``--peaks`` CTCF peaks of ``chip/encode_dream.<CELL>.CTCF.hg38_chr22.narrowPeak``
in the chr22 **train region** (window end < 38,000,000; the hidden test region is never read), the
200 bases around each summit are mutated (``annotate.explain.ism``: per base, the largest |ALT -
REF| over its 3 SNVs) for the TFBS model's CTCF output (``CTCF_<CELL>`` where the model has it, as the
default ``genebert-tfbs-genome`` does; else another ``CTCF*``, else ``CTCFL*``: CTCFL binds the same core
motif). The JASPAR CTCF matrix (MA0139.1) gives each window's best hit (19 bp, either
strand). Reported: the fraction of each peak's top-``k`` ISM bases inside the hit, against the same
fraction for the hit moved to every other position of the window (chance), the mean ISM inside vs
outside the hit, and a PNG of the mean ISM profile aligned on the hit.

    python benchmarks/ism_ctcf.py                       # 25 peaks, a few minutes on 2 shared cores
    python benchmarks/ism_ctcf.py --model DIR --peaks 50
    python benchmarks/ism_ctcf.py --min-start 30000000   # dev-region peaks only (chr22:30-38 Mb)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

HOLDOUT_START = 38_000_000
HALF = 100


def read_peaks(path: Path, n: int, min_start: int = 0) -> list[tuple[str, int, float]]:
    """``(chrom, summit, signal)`` of the ``n`` strongest peaks whose window stays in the train region
    (and starts at or after ``min_start``)."""
    rows = []
    for line in path.read_text().splitlines():
        f = line.split("\t")
        if len(f) < 10 or f[0] != "chr22":
            continue
        start, summit = int(f[1]), int(f[9])
        pos = start + summit if summit >= 0 else (start + int(f[2])) // 2
        if pos + HALF < HOLDOUT_START and pos - HALF >= min_start:
            rows.append((f[0], pos, float(f[6])))
    rows.sort(key=lambda r: -r[2])
    return rows[:n]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--cell", default="A549")
    ap.add_argument("--model", default="genebert-tfbs-genome")
    ap.add_argument("--peaks", type=int, default=25)
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--min-start", type=int, default=0,
                    help="only peaks whose window starts here or later (30000000: the TFBS model's dev region, "
                         "peaks it was not trained on)")
    ap.add_argument("--out-dir", default="runs/ism_ctcf")
    args = ap.parse_args(argv)

    from benchmarks.risk_clinvar import data_root
    from genebert_tool.annotate.explain import ism
    from genebert_tool.annotate.models import load_models
    from genebert_tool.genome.fasta import Genome
    from genebert_tool.motifs.jaspar import load_motifs
    from genebert_tool.motifs.scan import window_scores

    root = data_root(args.data)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    peaks = read_peaks(root / "chip" / f"encode_dream.{args.cell}.CTCF.hg38_chr22.narrowPeak", args.peaks,
                       args.min_start)
    genome = Genome(root / "genome" / "hg38_chr22.fa.gz")
    (model,) = load_models("tfbs", (args.model,), device="cpu", per_position_splice=False)
    # the peaks' own cell line first (genebert-tfbs-genome: CTCF_<cell>), else any CTCF, else CTCFL
    names = [c for c in model.columns if c.upper() == f"CTCF_{args.cell}".upper()] or \
        [c for c in model.columns if c.upper().startswith("CTCF_")] or \
        [c for c in model.columns if c.upper().startswith("CTCF")]
    if not names:
        raise SystemExit(f"{model.name} {model.version} has no CTCF/CTCFL output: {model.columns}")
    col = model.columns.index(names[0])
    motif = load_motifs(tf_names=["MA0139.1"])
    width = int(motif.lengths[0])
    inside, chance, ism_in, ism_out, profiles = [], [], [], [], []
    for chrom, pos, _ in peaks:
        a, b = pos - HALF, pos + HALF
        values, _ = ism(genome, chrom, a, b, [model])
        v = np.nan_to_num(values[:, col], nan=0.0)
        scores = window_scores(genome.fetch(chrom, a, b), motif)[:, 0, :]  # (2 strands, n_windows)
        hit = int(np.argmax(scores.max(axis=0)))
        top = np.argsort(-v)[: args.top_k]
        inside.append(float(np.mean((top >= hit) & (top < hit + width))))
        chance.append(float(np.mean([np.mean((top >= s) & (top < s + width)) for s in range(len(v) - width + 1)])))
        mask = np.zeros(len(v), bool)
        mask[hit: hit + width] = True
        ism_in.append(float(v[mask].mean()))
        ism_out.append(float(v[~mask].mean()))
        prof = np.full(140, np.nan)
        lo = hit - 50
        for i in range(140):
            if 0 <= lo + i < len(v):
                prof[i] = v[lo + i]
        profiles.append(prof)
    result = {
        "cell": args.cell, "model": f"{model.name} {model.version}", "output": names[0], "motif": "JASPAR MA0139.1",
        "n_peaks": len(peaks), "min_start": args.min_start, "window_bp": 2 * HALF, "top_k": args.top_k,
        "top_k_in_hit": float(np.mean(inside)), "top_k_in_hit_chance": float(np.mean(chance)),
        "enrichment": float(np.mean(inside) / max(np.mean(chance), 1e-9)),
        "peaks_with_a_top_base_in_hit": int(sum(x > 0 for x in inside)),
        "mean_ism_in_hit": float(np.mean(ism_in)), "mean_ism_outside": float(np.mean(ism_out)),
    }
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=110)
    x = np.arange(-50, 90)
    ax.plot(x, np.nanmean(np.array(profiles), axis=0), color="tab:blue", label=f"mean ISM, {names[0]}")
    ax.axvspan(0, width, color="tab:orange", alpha=0.25, label="best CTCF PWM hit (MA0139.1)")
    ax.set_xlabel("bases from the hit start")
    ax.set_ylabel("max |ALT-REF|")
    ax.set_title(f"{model.name} {model.version} ISM on {len(peaks)} {args.cell} CTCF peaks (chr22 train region)",
                 fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "ism_ctcf.png")
    plt.close(fig)
    print(json.dumps(result, indent=2))
    print(f"wrote {out / 'result.json'}, {out / 'ism_ctcf.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
