"""Background calibration: each output's score distribution on genomic background of the train part.

``calibrate(model_dir)`` scores random windows of the model's own train region (tile models: windows
of its ``window_bp``; per-base splice models: every scored base of random windows, both strands'
maximum as ``annotate`` reports it) and writes ``background.json`` into the model directory: for each
output the score threshold at each false-positive rate of a log-spaced grid (1 .. 1e-4), so
``fpr(p)`` = the fraction of background windows scoring >= p. ``default_threshold`` of an output is
its threshold at FPR 1 %.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["BACKGROUND_FILE", "FPR_GRID", "Background", "calibrate", "thresholds_from_scores"]

from genebert_tool.inference.background import BACKGROUND_FILE, FPR_GRID, Background
from genebert_tool.labels import SPLICE_LABELS


def thresholds_from_scores(scores: np.ndarray) -> list[float]:
    """Threshold t(f) for each f in ``FPR_GRID``: the (1 - f) quantile of the background scores."""
    s = np.sort(np.asarray(scores, np.float64))
    n = len(s)
    out = []
    for f in FPR_GRID:
        k = min(n - 1, max(0, int(np.ceil((1 - f) * n)) - 1))
        out.append(float(s[k]))
    return out


def calibrate(model_dir: str | os.PathLike, *, n_windows: int = 20000, seed: int = 0, batch_size: int = 128,
              log=None) -> dict:
    """Score background windows of the model's train region and write ``background.json``."""
    from trainer.genome_data import GenomeDataSettings, GenomeParts, _expand
    from trainer.genome_split import DEFAULT_SPLIT

    model_dir = Path(model_dir)
    ft = json.loads((model_dir / "finetune_config.json").read_text())
    if not ft.get("genome"):
        raise ValueError(f"{model_dir}: not a genome-trained model (finetune_config.json has no 'genome')")
    settings = GenomeDataSettings(**ft["genome"])
    parts = GenomeParts(_expand(settings.fasta), DEFAULT_SPLIT)
    rng = np.random.default_rng([seed, 7])
    cfg = json.loads((model_dir / "config.json").read_text())
    w = int(cfg["window_bp"])
    windows = parts.random_centres("train", n_windows, w, rng, 0.05)
    seqs = [s for _, _, s in windows]
    if cfg.get("classifier_head") == "token":
        from genebert_tool.genome.sequences import reverse_complement
        from genebert_tool.inference.splice import SpliceScanner, score_windows

        sc = SpliceScanner.from_pretrained(model_dir)
        fwd = score_windows(sc.model, sc.tokenizer, seqs, batch_size=batch_size)[:, :, sc.columns]
        rev = score_windows(sc.model, sc.tokenizer, [reverse_complement(s) for s in seqs],
                            batch_size=batch_size)[:, ::-1][:, :, sc.columns]
        scores = np.maximum(fwd, rev).reshape(-1, 2)
        names = list(SPLICE_LABELS[1:])  # sc.columns: donor, acceptor
        unit = "base"
    else:
        from genebert_tool.inference.predictor import Predictor

        pred = Predictor.from_pretrained(model_dir, device="cpu")
        scores = pred.predict(seqs, batch_size=batch_size)
        names = list(pred.output_names)
        unit = "window"
    data = {"fpr_grid": FPR_GRID.tolist(), "n_background": int(len(scores)), "unit": unit, "window_bp": w,
            "region": [str(iv) for iv in parts.intervals("train")], "seed": seed,
            "rule": "fpr(p) = fraction of background scores >= p; default_threshold = threshold at FPR 0.01",
            "outputs": {}}
    for j, name in enumerate(names):
        t = thresholds_from_scores(scores[:, j])
        data["outputs"][name] = {"thresholds": t, "default_threshold": t[int(np.argmin(np.abs(FPR_GRID - 0.01)))],
                                 "threshold_fpr_0.001": t[int(np.argmin(np.abs(FPR_GRID - 0.001)))],
                                 "fraction_above_0.5": float((scores[:, j] >= 0.5).mean())}
    from genebert_tool.genome.io import atomic_write

    with atomic_write(model_dir / BACKGROUND_FILE) as handle:
        json.dump(data, handle, indent=1)
    from genebert_tool.pretrained import CHECKSUM_FILE, write_checksums

    if (model_dir / CHECKSUM_FILE).exists():  # the directory's checksums now cover background.json
        write_checksums(model_dir)
    return data
