"""Which TSSs the promoter model finds: dev-scan AUROC per GENCODE biotype, beside CpG o/e and GC.

The tiles of `genebert evaluate --scan --task promoter --region chr22:30000000-38000000` (100-bp tiles, step
100, at most 10 % N, the model's centred window; positive = a TSS within 100 bp, genome_scan's rule). Scoring all
80,000 tiles costs ~25 min on one thread, so this scores every positive tile and a seeded random 12,000 of the
negative tiles (AUROC does not depend on the negatives' count; AUPRC would, and is not reported). Per biotype
group, positives = tiles within 100 bp of a TSS of that group; negatives = the sampled tiles near no TSS at all
(tiles near only other groups' TSSs are left out of that group's AUROC). The biotype is column 9 of the
GENCODE TSS BED. Nothing at chr22 >= 38 Mb is read.

    python examples/promoter_scan_by_biotype.py [MODEL] [-o docs/genome_scan/promoter_by_biotype.json]
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

GROUPS = {"protein_coding": ("protein_coding",), "lncRNA": ("lincRNA", "antisense", "sense_intronic",
          "sense_overlapping", "processed_transcript", "3prime_overlapping_ncRNA", "bidirectional_promoter_lncRNA",
          "macro_lncRNA"), "pseudogene": None, "small RNA (sn/sno/mi/misc/sca/rRNA, scaRNA)": ("snRNA", "snoRNA",
          "miRNA", "misc_RNA", "rRNA", "scaRNA", "vaultRNA", "ribozyme", "sRNA")}


def group_of(biotype: str) -> str:
    for g, members in GROUPS.items():
        if (members is None and "pseudogene" in biotype) or (members and biotype in members):
            return g
    return "other"


def main() -> None:
    import torch
    from sklearn.metrics import roc_auc_score

    from genebert_tool.inference.predictor import Predictor
    from trainer.genome_scan import Genomes, _in_tile, _tiles, parse_regions
    from trainer.scan_baselines import composition_scores

    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default="pretrained/genebert-promoter-genome")
    ap.add_argument("-o", "--output", default="docs/genome_scan/promoter_by_biotype.json")
    ap.add_argument("--negatives", type=int, default=12000)
    ap.add_argument("--save-scores", default=None, help="also write the scored tiles (start, label, group flags, scores) as .npz")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = Path(os.environ.get("GENEBERT_DATA", "../shared/data"))
    genomes = Genomes([str(data / "genome/hg38_chr22.fa.gz")])
    regions = parse_regions(["chr22:30000000-38000000"], None, genomes)
    pred = Predictor.from_pretrained(args.model, device="cpu")
    window = int(pred.config.window_bp)
    chroms, starts, windows, skipped = _tiles(regions, genomes, 100, 100, window, 0.1)
    by_group: dict[str, list[int]] = defaultdict(list)
    for line in open(data / "annotation/gencode_v24_tss.hg38_chr22.bed"):
        f = line.rstrip("\n").split("\t")
        if 30_000_000 <= int(f[1]) < 38_000_000:
            by_group[group_of(f[8])].append(int(f[1]))
    near = {g: _in_tile(np.unique(np.asarray(p, np.int64)), starts - 100, 300) for g, p in by_group.items()}
    any_tss = np.logical_or.reduce(list(near.values()))
    rng = np.random.default_rng(0)
    neg = rng.choice(np.flatnonzero(~any_tss), size=min(args.negatives, int((~any_tss).sum())), replace=False)
    keep = np.union1d(np.flatnonzero(any_tss), neg)
    seqs = [windows[i] for i in keep]
    print(f"{len(windows)} tiles ({skipped} skipped for N), {int(any_tss.sum())} positive; scoring {len(keep)}")
    scores = {"genebert": pred.predict(seqs, batch_size=128)[:, 0], **composition_scores(seqs)}
    is_neg = ~any_tss[keep]
    out = {"model": args.model, "region": "chr22:30000000-38000000", "n_tiles": len(windows),
           "n_negatives_sampled": int(is_neg.sum()), "groups": {}}
    rows = [("all TSSs", any_tss[keep])] + [(g, near[g][keep]) for g in GROUPS if g in near] + \
        ([("other", near["other"][keep])] if "other" in near else [])
    print(f"{'group':48s} {'TSSs':>5s} {'tiles':>6s} " + " ".join(f"{m:>9s}" for m in scores))
    for g, pos in rows:
        sel = pos | is_neg
        y = pos[sel].astype(int)
        aucs = {m: float(roc_auc_score(y, s[sel])) for m, s in scores.items()}
        n_tss = sum(len(v) for v in by_group.values()) if g == "all TSSs" else len(by_group[g])
        out["groups"][g] = {"n_tss": n_tss, "n_positive_tiles": int(y.sum()), "auroc": aucs}
        print(f"{g:48s} {n_tss:5d} {int(y.sum()):6d} " + " ".join(f"{aucs[m]:9.4f}" for m in scores))
    Path(args.output).write_text(json.dumps(out, indent=1) + "\n")
    if args.save_scores:
        np.savez(args.save_scores, starts=starts[keep], positive=any_tss[keep],
                 **{f"near.{g}": v[keep] for g, v in near.items()}, **{f"score.{m}": v for m, v in scores.items()})


if __name__ == "__main__":
    main()
