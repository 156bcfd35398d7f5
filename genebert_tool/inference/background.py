"""A model's background calibration (``background.json``, written by ``genebert calibrate``).

For each output the score threshold at each false-positive rate of a log-spaced grid (1 .. 1e-4),
measured on random windows of the model's train region: ``fpr(output, p)`` is the fraction of
background windows (or bases, for per-base models) scoring >= p, interpolated log-linearly between
grid points and floored at 1 / n_background. ``default_threshold`` = the threshold at FPR 1 %.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["BACKGROUND_FILE", "FPR_GRID", "Background"]

BACKGROUND_FILE = "background.json"
FPR_GRID = np.unique(np.concatenate([np.logspace(0, -4, 81), [0.5, 0.1, 0.05, 0.01, 0.005, 0.001]]))[::-1]


class Background:
    """A model's ``background.json``: ``fpr(output, p)`` and ``threshold(output, fpr)``."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.grid = np.asarray(data["fpr_grid"], np.float64)
        self.outputs = data["outputs"]

    @classmethod
    def load(cls, model_dir: str | os.PathLike) -> "Background | None":
        """The model directory's calibration, or None when it has none."""
        path = Path(model_dir) / BACKGROUND_FILE
        if not path.is_file():
            return None
        try:
            return cls(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError) as exc:
            from genebert_tool.errors import ModelError

            raise ModelError(f"{path}: unreadable background calibration ({exc})") from exc

    def fpr(self, output: str, p: np.ndarray) -> np.ndarray:
        """Background FPR of scores ``p`` (>= 1 / n_background; 1.0 below the lowest threshold)."""
        t = np.asarray(self.outputs[output]["thresholds"], np.float64)  # ascending as FPR descends
        p = np.asarray(p, np.float64)
        # log-linear between grid points; below the lowest threshold every background window is above
        logf = np.interp(p, t, np.log10(self.grid), left=0.0, right=np.log10(self.grid[-1]))
        return np.maximum(10.0 ** logf, 1.0 / self.data["n_background"])

    def threshold(self, output: str, fpr: float) -> float:
        t = np.asarray(self.outputs[output]["thresholds"], np.float64)
        return float(np.interp(-np.log10(fpr), -np.log10(self.grid), t))

    def default_threshold(self, output: str) -> float:
        return float(self.outputs[output]["default_threshold"])
