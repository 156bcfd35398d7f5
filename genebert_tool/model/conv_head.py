"""A convolutional head over per-position BERT features (SpliceAI's residual units).

Used by per-base models (``token_head="conv"``: per-base features, then a linear layer per base) and by
sequence classifiers (``classifier_pooling="conv_max"``: token features, then the maximum over
positions, as a motif scanner takes its best hit). Dilated convolutions see exact positions and learn
local motifs in a few hundred steps; attention over overlapping k-mers learns them slowly on a CPU
budget (docs/genome_scan.md).
"""

from __future__ import annotations

import torch
from torch import nn

from genebert_tool.model.configuration import GeneBertConfig

__all__ = ["ConvHead"]


class _ResidualUnit(nn.Module):
    """SpliceAI's residual unit: (BN, GELU, dilated conv) x 2 plus the input; length-preserving.
    ``keep`` (batch, 1, L) zeroes padding before each convolution, so padded and unpadded inputs agree."""

    def __init__(self, channels: int, kernel: int, dilation: int) -> None:
        super().__init__()
        pad = dilation * (kernel - 1) // 2
        self.norm1, self.norm2 = nn.BatchNorm1d(channels), nn.BatchNorm1d(channels)
        self.conv1 = nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=pad)
        self.conv2 = nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=pad)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        h = self.act(self.norm1(x))
        h = self.conv1(h if keep is None else h * keep)
        h = self.act(self.norm2(h))
        h = self.conv2(h if keep is None else h * keep)
        return x + h


class ConvHead(nn.Module):
    """(batch, L, hidden) per-position features -> (batch, L, ``conv_channels``): a 1x1 projection,
    residual units with ``config.conv_dilations``, and a final BN + GELU. Receptive field
    ``1 + 2 * (conv_kernel - 1) * sum(conv_dilations)`` positions. ``keep`` (batch, L) marks real
    positions (padding is zeroed before every convolution; its outputs are meaningless)."""

    def __init__(self, config: GeneBertConfig) -> None:
        super().__init__()
        c = config.conv_channels
        self.proj = nn.Conv1d(config.hidden_size, c, 1)
        self.units = nn.ModuleList(_ResidualUnit(c, config.conv_kernel, d) for d in config.conv_dilations)
        self.norm = nn.BatchNorm1d(c)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        k = None if keep is None else keep.unsqueeze(1).to(x.dtype)
        h = self.proj(x.transpose(1, 2))
        for unit in self.units:
            h = unit(h, k)
        return self.act(self.norm(h)).transpose(1, 2)
