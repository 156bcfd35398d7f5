"""Region encoder: the ONE place that builds a timm model (Swin, ViT or DeiT), always from scratch.

``build_region_encoder`` takes explicit arguments (no ``**kwargs`` threading) and returns a timm
backbone with ``num_classes=0``, so its ``forward`` gives pooled features ``(batch, num_features)``.
``RegionEncoder`` adds the step that turns a ``(batch, n_regions, n_tfs)`` motif-score matrix into
the encoder's 1-channel image (bilinear resize, or zero padding for native patching; see
``GeneBertConfig``), or, for ``region_encoder="tokens"``, into one token per region
(:class:`RegionTokenEncoder`).
"""

from __future__ import annotations

from collections.abc import Sequence

import genebert_tool.model  # noqa: F401  (torchvision shim before timm)
import torch
import torch.nn.functional as F
from timm.models.deit import VisionTransformerDistilled
from timm.models.swin_transformer import SwinTransformer
from timm.models.vision_transformer import Block, VisionTransformer
from torch import nn

from genebert_tool.model.configuration import GeneBertConfig, region_input_size

__all__ = ["build_region_encoder", "RegionEncoder", "RegionTokenEncoder"]

_Size = int | tuple[int, int]


def build_region_encoder(
    kind: str,
    *,
    embed_dim: int,
    depths: Sequence[int],
    num_heads: Sequence[int],
    window_size: int,
    patch_size: _Size,
    image_size: _Size,
    in_chans: int = 1,
    drop_path_rate: float = 0.0,
) -> nn.Module:
    """A timm region encoder with random weights (``pretrained=False``) and no classifier head.

    ``kind``: "swin" (``depths``/``num_heads`` per stage, ``window_size``), "vit" or "deit" (one stage
    of ``sum(depths)`` blocks with ``num_heads[0]`` heads; DeiT adds the distillation token and pools
    ``(cls + dist) / 2``). ``image_size`` and ``patch_size`` may be ``(height, width)`` tuples.
    Input ``(batch, in_chans, H, W)`` -> pooled features ``(batch, model.num_features)``.
    """
    if kind == "swin":
        return SwinTransformer(
            img_size=image_size, patch_size=patch_size, in_chans=in_chans, num_classes=0,
            embed_dim=embed_dim, depths=tuple(depths), num_heads=tuple(num_heads),
            window_size=window_size, drop_path_rate=drop_path_rate,
        )
    if kind in ("vit", "deit"):
        cls = VisionTransformerDistilled if kind == "deit" else VisionTransformer
        return cls(
            img_size=image_size, patch_size=patch_size, in_chans=in_chans, num_classes=0,
            embed_dim=embed_dim, depth=int(sum(depths)), num_heads=int(num_heads[0]),
            global_pool="token", drop_path_rate=drop_path_rate,
        )
    raise ValueError(f"unknown region encoder {kind!r}; choose swin, vit or deit")


class RegionTokenEncoder(nn.Module):
    """One token per region: ``(batch, n_regions, n_tfs)`` -> ``(batch, embed_dim)``.

    A linear map of each region's motif scores (one weight column per motif, so motif identity is
    kept, unlike an image resize that averages neighbouring motif columns), a learned position
    embedding per region, ``depth`` timm ViT blocks, a final LayerNorm and the mean over regions.
    """

    def __init__(self, n_regions: int, n_tfs: int, *, embed_dim: int, depth: int, num_heads: int,
                 drop_path_rate: float = 0.0) -> None:
        super().__init__()
        self.proj = nn.Linear(n_tfs, embed_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, n_regions, embed_dim))
        rates = torch.linspace(0, drop_path_rate, max(depth, 1)).tolist()
        self.blocks = nn.Sequential(*[
            Block(embed_dim, num_heads, mlp_ratio=4.0, qkv_bias=True, drop_path=rates[i]) for i in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dim)
        self.num_features = embed_dim
        nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def forward(self, matrix: torch.Tensor) -> torch.Tensor:
        x = self.proj(matrix) + self.pos_embed
        return self.norm(self.blocks(x)).mean(dim=1)


class RegionEncoder(nn.Module):
    """Motif-score matrix ``(batch, n_regions, n_tfs)`` -> pooled features ``(batch, num_features)``."""

    def __init__(self, config: GeneBertConfig) -> None:
        super().__init__()
        self.mode = "tokens" if config.region_encoder == "tokens" else config.region_input
        self.n_regions, self.n_tfs = config.n_regions, config.n_tfs
        if self.mode == "tokens":
            self.image_size = None
            self.backbone = RegionTokenEncoder(
                self.n_regions, self.n_tfs, embed_dim=config.region_embed_dim, depth=int(sum(config.region_depths)),
                num_heads=int(config.region_num_heads[0]), drop_path_rate=config.region_drop_path_rate)
        else:
            self.image_size, patch = region_input_size(config)
            self.backbone = build_region_encoder(
                config.region_encoder,
                embed_dim=config.region_embed_dim,
                depths=config.region_depths,
                num_heads=config.region_num_heads,
                window_size=config.region_window_size,
                patch_size=patch,
                image_size=self.image_size,
                in_chans=1,
                drop_path_rate=config.region_drop_path_rate,
            )
        mean, std = getattr(config, "region_input_mean", None), getattr(config, "region_input_std", None)
        self.standardise = mean is not None and std is not None
        if self.standardise:
            if len(mean) != self.n_tfs or len(std) != self.n_tfs:
                raise ValueError(f"region_input_mean/std need {self.n_tfs} values, got {len(mean)}/{len(std)}")
            self.register_buffer("input_mean", torch.tensor(mean, dtype=torch.float32))
            self.register_buffer("input_std", torch.tensor(std, dtype=torch.float32).clamp_min(1e-3))
        self.num_features = int(self.backbone.num_features)

    def to_image(self, region_matrix: torch.Tensor) -> torch.Tensor:
        """``(batch, n_regions, n_tfs)`` -> ``(batch, 1, H, W)`` as configured (resize or zero pad)."""
        if region_matrix.dim() != 3 or tuple(region_matrix.shape[1:]) != (self.n_regions, self.n_tfs):
            raise ValueError(
                f"region_matrix must have shape (batch, {self.n_regions}, {self.n_tfs}), "
                f"got {tuple(region_matrix.shape)}"
            )
        if self.mode == "tokens":
            raise ValueError("region_encoder 'tokens' takes the matrix itself, not an image")
        image = region_matrix.unsqueeze(1).float()
        if self.mode == "resize":
            return F.interpolate(image, size=self.image_size, mode="bilinear", align_corners=False)
        h, w = self.image_size
        return F.pad(image, (0, w - self.n_tfs, 0, h - self.n_regions))

    def forward(self, region_matrix: torch.Tensor) -> torch.Tensor:
        """``(batch, n_regions, n_tfs)`` -> ``(batch, num_features)``."""
        if self.standardise:
            region_matrix = (region_matrix.float() - self.input_mean) / self.input_std
        if self.mode == "tokens":
            if region_matrix.dim() != 3 or tuple(region_matrix.shape[1:]) != (self.n_regions, self.n_tfs):
                raise ValueError(
                    f"region_matrix must have shape (batch, {self.n_regions}, {self.n_tfs}), "
                    f"got {tuple(region_matrix.shape)}"
                )
            return self.backbone(region_matrix.to(self.backbone.proj.weight.dtype))
        image = self.to_image(region_matrix).to(self.backbone.patch_embed.proj.weight.dtype)
        return self.backbone(image)
