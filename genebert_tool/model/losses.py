"""Losses of the GeneBERT pre-training objectives."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["info_nce", "similarity_logits"]


def similarity_logits(seq_emb: torch.Tensor, reg_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Scaled cosine similarities ``(batch, batch)``: row i = sequence i against every region.

    ``seq_emb`` and ``reg_emb`` are ``(batch, dim)``; ``logit_scale`` is the log of the inverse
    temperature (a scalar tensor), applied as ``exp(logit_scale)``.
    """
    seq = F.normalize(seq_emb.float(), dim=-1)
    reg = F.normalize(reg_emb.float(), dim=-1)
    return logit_scale.float().exp() * seq @ reg.t()


def info_nce(seq_emb: torch.Tensor, reg_emb: torch.Tensor, logit_scale: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE (CLIP) loss of the sequence-region matching objective (paper Eq. 3).

    ``seq_emb``, ``reg_emb``: ``(batch, dim)``, pair i is (sequence i, region i); ``logit_scale``: scalar
    log inverse temperature. Returns the mean of the sequence->region and region->sequence
    cross-entropies over the ``batch`` correct pairs against the ``batch * (batch - 1)`` false ones.
    """
    if seq_emb.shape != reg_emb.shape or seq_emb.dim() != 2:
        raise ValueError(f"embeddings must both be (batch, dim), got {tuple(seq_emb.shape)} and {tuple(reg_emb.shape)}")
    logits = similarity_logits(seq_emb, reg_emb, logit_scale)
    target = torch.arange(logits.shape[0], device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))
