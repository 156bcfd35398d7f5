"""Seed, optimiser and learning-rate schedule shared by every fine-tuning loop.

``finetune`` (sequence heads) and ``splice_token`` (per-base head) both read these, so the two loops
cannot drift apart on which parameters skip weight decay or how the schedule decays.
"""

from __future__ import annotations

import math
import random

import numpy as np

__all__ = ["build_optimizer", "lr_at", "set_seed"]


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) from one integer."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def lr_at(step: int, total: int, cfg) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio * lr`` at ``total``.

    ``cfg`` is any object with ``lr``, ``warmup_steps`` and ``min_lr_ratio`` (``FinetuneConfig``).
    """
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps))
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def build_optimizer(model, cfg):
    """AdamW with weight decay on matrices only (biases, LayerNorm and other norm weights excluded);
    the one rule for every fine-tuning loop. ``cfg`` has ``lr`` and ``weight_decay``."""
    import torch

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "norm" in name.lower() else decay).append(p)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr
    )
