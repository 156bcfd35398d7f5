"""docs/genome_scan.md: the dev-region genome scans of the shipped models beside their baselines.

    python examples/genome_scan_summary.py PROMOTER_SCAN TFBS_SCAN SPLICE_SCAN > docs/genome_scan.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _f(v):
    return f"{v:.3f}" if isinstance(v, float) else "—"


def main() -> None:
    prom, tfbs, splice = (json.loads((Path(p) / "metrics.json").read_text()) for p in sys.argv[1:4])
    out = ["# Genome scans of the shipped models (dev region, chr22:30–38 Mb)", "",
           "Produced by `examples/ship_genome_models.sh` (`genebert evaluate --scan`); the hidden test region "
           "chr22 ≥ 38 Mb decides the final numbers and is never read here. Targets from issue 10 in the last column.", ""]
    p = prom["outputs"]["promoter"]
    out += [f"## Promoter: {prom['n_tiles']:,} tiles of {prom['tile_bp']} bp, positive = a GENCODE v24 TSS within "
            f"{prom['radius_bp']} bp ({p['genebert']['n_pos']:,} tiles)", "",
            "| method | AUROC | AUPRC | precision at recall 0.5 | background FPR at 0.5 | FPR at default (train FPR 1 %) |",
            "|---|---|---|---|---|---|"]
    for m, r in p.items():
        out.append(f"| {m} | {_f(r['auroc'])} | {_f(r['auprc'])} | {_f(r['precision_at_recall_0.5'])} | "
                   f"{_f(r.get('fpr_at_0.5'))} | {_f(r.get('fpr_at_default'))} |")
    out += ["", "Target: AUROC ≥ 0.95, background FPR ≤ 1 % at the default threshold.", ""]
    n = len(tfbs["outputs"])
    out += [f"## TFBS: {tfbs['n_tiles']:,} tiles of {tfbs['tile_bp']} bp, {n} ENCODE-DREAM experiments (`TF_cell`), "
            "positive = a summit of that experiment in the tile", "",
            "| method | mean AUROC | mean AUPRC | mean precision at recall 0.5 | mean FPR at 0.5 | mean FPR at default |"
            " outputs with AUPRC below GeneBERT's |", "|---|---|---|---|---|---|---|"]
    for m, r in tfbs["mean"].items():
        below = sum(tfbs["outputs"][o]["genebert"]["auprc"] > tfbs["outputs"][o][m]["auprc"] for o in tfbs["outputs"]) \
            if m != "genebert" else None
        out.append(f"| {m} | {_f(r['auroc'])} | {_f(r['auprc'])} | {_f(r['precision_at_recall_0.5'])} | "
                   f"{_f(r.get('fpr_at_0.5'))} | {_f(r.get('fpr_at_default'))} | {'' if below is None else f'{below}/{n}'} |")
    ctcf = [o for o in tfbs["outputs"] if o.startswith("CTCF_")]
    if ctcf:
        out += ["", "CTCF (the paper's TFBS task): " + "; ".join(
            f"{o} AUPRC {_f(tfbs['outputs'][o]['genebert']['auprc'])} (PWM {_f(tfbs['outputs'][o].get('best_pwm', {}).get('auprc'))}, "
            f"CNN {_f(tfbs['outputs'][o].get('cnn', {}).get('auprc'))})" for o in ctcf)]
    out += ["", "Target: mean AUPRC above the best PWM and the CNN, background FPR ≤ 1 % at the default threshold.", ""]
    out += [f"## Splice: every base of {splice['n_transcripts']} dev transcripts ({splice['n_bases']:,} bases), "
            "SpliceAI's labels", "", "| class | method | top-k | AUPRC | FPR at 0.5 | FPR at default |", "|---|---|---|---|---|---|"]
    for cls, entry in splice["outputs"].items():
        for m, r in entry.items():
            out.append(f"| {cls} ({r['n_sites']}) | {m} | {_f(r['top_k'])} | {_f(r['auprc'])} | {_f(r.get('fpr_at_0.5'))} | "
                       f"{_f(r.get('fpr_at_default'))} |")
    out += ["", "Target: top-k ≥ 0.8 for donors and acceptors. SpliceAI 1.3.1 on 5 of these genes: see "
            "[splice_benchmark.md](splice_benchmark.md).", ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
