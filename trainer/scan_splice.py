"""The splice half of the genome scan: every base of every transcript wholly inside the regions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.labels import SPLICE_LABELS

__all__ = ["splice_scan"]


def _per_class_metrics(y: np.ndarray, p: np.ndarray, cls: int, threshold: float | None) -> dict:
    from sklearn.metrics import average_precision_score

    pos = y == cls
    k = int(pos.sum())
    top = np.argpartition(-p, k - 1)[:k] if k else np.zeros(0, int)
    out = {"n_sites": k, "top_k": float(pos[top].mean()) if k else float("nan"),
           "auprc": float(average_precision_score(pos, p))}
    if threshold is not None:
        out["fpr_at_0.5"] = float((p[~pos] >= threshold).mean())
        out["called_at_0.5"] = int((p >= threshold).sum())
    return out


def splice_scan(model, genomes, regions, truth, *, baselines=True, batch_size=32, log=None):
    from genebert_tool.genome.annotation import read_transcripts, splice_sites
    from genebert_tool.genome.sequences import reverse_complement
    from genebert_tool.inference.splice import SpliceScanner
    from trainer.calibration import Background
    from trainer.splice_token import _site_table

    log = log or (lambda _t: None)
    scanner = SpliceScanner.from_pretrained(model)
    transcripts = [t for f in truth for t in read_transcripts(f)]
    inside = [t for t in transcripts if any(t.chrom == r.chrom and r.start <= t.start and t.end <= r.end for r in regions)]
    inside = [t for t in inside if len(t.exons) > 1]
    if not inside:
        raise InputError(f"no multi-exon transcript of {', '.join(truth)} lies wholly inside "
                         f"{', '.join(map(str, regions))}")
    table = _site_table(transcripts)
    ys, ps, seqs = [], [], []
    for tx in inside:
        fetch = lambda lo, hi, c=tx.chrom: genomes.fetch(c, lo, hi)  # noqa: E731
        p = scanner.score(fetch, tx.start, tx.end, strand=tx.strand, batch_size=batch_size)
        sites = table[(tx.chrom, tx.strand)]
        y = np.array([sites.get(pos, 0) for pos in range(tx.start, tx.end)], np.int64)
        seq = genomes.fetch(tx.chrom, tx.start, tx.end)
        if tx.strand == "-":  # transcript orientation, as SpliceAI reports
            p, y, seq = p[::-1], y[::-1], reverse_complement(seq)
        ys.append(y); ps.append(p); seqs.append(seq)
    y = np.concatenate(ys)
    p = np.concatenate(ps)
    log(f"scan: {len(inside)} transcripts, {len(y)} bases, {(y == 1).sum()} donors, {(y == 2).sum()} acceptors")
    scores = {"genebert": p}
    if baselines:
        from trainer.genome_data import GenomeDataSettings
        from trainer.scan_baselines import SplicePwm
        from trainer.splice_token import build_splice_windows

        ft = json.loads((Path(scanner.model_dir) / "finetune_config.json").read_text())
        train, _dev, _rec = build_splice_windows(GenomeDataSettings(**ft["genome"]), context_bp=scanner.context_bp,
                                                 seed=ft.get("seed", 0))
        pwm = SplicePwm().fit(train["seqs"], train["labels"], scanner.context_bp)
        scores["splice_pwm"] = np.concatenate([pwm.score(s) for s in seqs])
    background = Background.load(scanner.model_dir)
    metrics = {"n_transcripts": len(inside), "n_bases": int(len(y)), "outputs": {}}
    sites = list(SPLICE_LABELS[1:])  # donor = class 1, acceptor = class 2 (0 = neither)
    for j, name in enumerate(sites):
        cls = SPLICE_LABELS.index(name)
        entry = {}
        for method, s in scores.items():
            entry[method] = _per_class_metrics(y, s[:, j], cls, 0.5 if method == "genebert" else None)
            if method == "genebert" and background is not None:
                t = background.default_threshold(name)
                entry[method].update(default_threshold=t, fpr_at_default=float((s[y != cls, j] >= t).mean()))
        metrics["outputs"][name] = entry
    curves = {"outputs": sites, "labels": [(y == SPLICE_LABELS.index(n)).astype(int) for n in sites],
              "scores": scores}
    first = int(np.argmax([(yy > 0).sum() for yy in ys]))
    off = sum(len(yy) for yy in ys[:first])
    sl = slice(off, off + len(ys[first]))
    locus = {"chroms": np.array([inside[first].chrom] * len(ys[first])), "title": inside[first].name,
             "starts": np.arange(len(ys[first])), "tile": 1, "output": "donor+acceptor", "y": y[sl],
             "tracks": {m: s[sl].max(axis=1) for m, s in scores.items()}}
    return metrics, curves, locus
