"""Per-base classification: one forward pass scores every base of a window (splice sites).

Base ``i`` of a window of ``L`` bases is covered by the k-mer tokens ``max(0, i-k+1) .. min(i, L-k)``;
its feature is the mean of their last hidden states (a running-sum trick, no loop), followed by
dropout and a linear layer to ``num_labels`` classes (``token_head="linear"``), or, with
``token_head="conv"``, SpliceAI-style residual units (batch norm, GELU, dilated 1-D convolution, twice)
over the per-base features of the whole window before that layer. Only the central
``L - 2 * context_bp`` bases are scored; the flanks are context. Inputs are fixed-length windows (no padding): ``L`` =
``config.window_bp`` and the token sequence is ``[CLS] k-mers [SEP]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import genebert_tool.model  # noqa: F401  (torchvision shim before transformers/timm)
import torch
import torch.nn.functional as F
from torch import nn
from transformers.utils import ModelOutput

from genebert_tool.model.configuration import GeneBertConfig
from genebert_tool.model.conv_head import ConvHead
from genebert_tool.model.modeling import IGNORE_INDEX, GeneBertModel, GeneBertPreTrainedModel

__all__ = ["GeneBertForTokenClassification", "GeneBertTokenClassifierOutput", "per_base_mean"]


@dataclass
class GeneBertTokenClassifierOutput(ModelOutput):
    """``logits`` (batch, n_scored, num_labels) for the central bases; ``loss`` only with labels."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None


def per_base_mean(tokens: torch.Tensor, k: int) -> torch.Tensor:
    """(batch, L-k+1, h) k-mer token states -> (batch, L, h): for each base the mean over the tokens
    whose k-mer contains it."""
    b, n, h = tokens.shape
    length = n + k - 1
    csum = F.pad(tokens.cumsum(dim=1), (0, 0, 1, 0))  # csum[:, t] = sum of tokens[:, :t]
    base = torch.arange(length, device=tokens.device)
    hi = (base + 1).clamp(max=n)  # tokens t < hi cover base i when t >= i - k + 1
    lo = (base - k + 1).clamp(min=0)
    count = (hi - lo).to(tokens.dtype).view(1, length, 1)
    return (csum[:, hi] - csum[:, lo]) / count


class GeneBertForTokenClassification(GeneBertPreTrainedModel):
    """Backbone + per-base classifier (softmax over ``label_names``, e.g. neither / donor / acceptor).

    ``labels`` (batch, n_scored) int64 class per scored base, -100 ignored. ``class_weights``
    (num_labels,) reweights the cross-entropy (rare sites)."""

    def __init__(self, config: GeneBertConfig) -> None:
        super().__init__(config)
        if config.modality != "seq":
            raise ValueError("per-base models are sequence-only (modality 'seq')")
        self.genebert = GeneBertModel(config, with_region=False)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.conv_head = ConvHead(config) if config.token_head == "conv" else None
        width = config.conv_channels if self.conv_head is not None else config.hidden_size
        self.classifier = nn.Linear(width, config.num_labels)
        self.post_init()

    @property
    def n_scored(self) -> int:
        return self.config.window_bp - 2 * self.config.context_bp

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        class_weights: torch.Tensor | None = None,
    ) -> GeneBertTokenClassifierOutput:
        """``input_ids`` (batch, L-k+3) for windows of ``L = config.window_bp`` bases."""
        cfg = self.config
        n_tok = cfg.window_bp - cfg.kmer + 1
        if input_ids.shape[1] != n_tok + 2:
            raise ValueError(f"expected {n_tok + 2} tokens for a {cfg.window_bp}-bp window, got {input_ids.shape[1]}")
        out = self.genebert(input_ids, attention_mask, token_type_ids, None)
        per_base = per_base_mean(out.last_hidden_state[:, 1 : 1 + n_tok], cfg.kmer)
        if self.conv_head is not None:  # the convolutions read the whole window, context included
            per_base = self.conv_head(per_base)
        scored = per_base[:, cfg.context_bp : cfg.window_bp - cfg.context_bp]
        logits = self.classifier(self.dropout(scored))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits.float().reshape(-1, cfg.num_labels), labels.reshape(-1).long(),
                                   weight=class_weights, ignore_index=IGNORE_INDEX)
        return GeneBertTokenClassifierOutput(loss=loss, logits=logits)
