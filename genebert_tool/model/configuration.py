"""GeneBERT configuration: the one place every model hyper-parameter lives.

``GeneBertConfig`` is a transformers ``PretrainedConfig`` (a keyword-only dataclass in
transformers 5), so it is saved as ``config.json`` beside the weights and read back by
``from_pretrained``. Named variants come from ``named_config("tiny" | "small" | "paper", **overrides)``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import field
from typing import Any

from transformers import PretrainedConfig

from genebert_tool.tasks import task_names

__all__ = ["GeneBertConfig", "named_config", "NAMED_CONFIGS", "region_input_size"]

REGION_ENCODERS = ("swin", "vit", "deit", "tokens")
REGION_INPUTS = ("resize", "native")
MODALITIES = ("seq", "seq+region")
POOLINGS = ("cls", "mean")
CLASSIFIER_POOLINGS = (*POOLINGS, "conv_max")
PROBLEM_TYPES = (None, "single_label_classification", "multi_label_classification")
N_SPECIAL_TOKENS = 5
KMER_EMBEDDING_INITS = ("random", "factorised")
_MATRIX_COLUMN = re.compile(r"^([A-Z]{2}\d{4}\.\d+)_.*$")


class GeneBertConfig(PretrainedConfig):
    r"""Hyper-parameters of a GeneBERT model (defaults = the ``tiny`` variant).

    Sequence encoder (BERT over overlapping k-mers): ``kmer`` (3..6), ``vocab_size`` (= 4**kmer + 5;
    derived when left at 0), ``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``,
    ``intermediate_size``, ``max_position_embeddings``, ``type_vocab_size`` (segments, 2 for NGSP pairs),
    dropouts, ``initializer_range``, ``layer_norm_eps``, ``attn_implementation_name`` ("sdpa" or "eager"),
    ``kmer_embedding_init``: "random" (every k-mer row ~ N(0, initializer_range), BERT's init) or
    "factorised" (row of k-mer b_1..b_k = sum_p B[p, b_p] with B ~ N(0, initializer_range / sqrt(k)): k-mers
    that share bases start close, and because the masked-genome decoder is tied to these rows its first
    logits are a sum of per-position base scores). Only the starting point differs; the rows train freely.

    Region modality: a pre-training sample is ``n_regions`` (10) consecutive accessible regions; each
    region is summarised by one max motif score per TF, so the region input is a matrix of shape
    ``(batch, n_regions, n_tfs)``. ``jaspar_release`` and ``motif_ids`` (JASPAR matrix IDs such as
    "MA0139.1"; ``MotifSet.columns`` names like "MA0139.1_CTCF" are reduced to the ID; empty = every
    CORE vertebrate motif of the release, in ``load_motifs`` order) pin which TFs the columns are.

    How the ``(n_regions, n_tfs)`` matrix becomes the region encoder's input (``region_input``):

    * ``"resize"`` (the paper): the matrix is treated as a 1-channel image ``(1, n_regions, n_tfs)`` and
      bilinearly resized to ``(region_image_size, region_image_size)``; the encoder patches it with
      square ``region_patch_size`` patches. The paper fed it to an ImageNet Swin-B at 224/384 this way.
    * ``"native"``: no resampling. Rows and columns are zero-padded to multiples of
      ``region_native_patch[i] * 2**(n_stages-1)`` (Swin merges patches ``n_stages-1`` times; ViT/DeiT
      need only the patch multiple) and the encoder is built for that non-square ``img_size=(H, W)``
      with ``(rows, cols)`` patches (timm accepts tuples for both). Every TF column keeps its own
      pixels, at the cost of more tokens. See ``region_input_size``.

    ``region_encoder`` is ``"tokens"`` (the default, below), ``"swin"`` (the paper), ``"vit"`` or ``"deit"``
    (timm, always ``pretrained=False``):
    ``region_embed_dim``, ``region_depths``, ``region_num_heads`` (per stage for Swin; ViT/DeiT use
    ``sum(region_depths)`` blocks and ``region_num_heads[0]`` heads), ``region_window_size`` (Swin).
    ``"tokens"`` is not an image model: each of the ``n_regions`` rows becomes one token (a linear map of
    its ``n_tfs`` motif scores, so every motif keeps its own weights, plus a learned region-position
    embedding) and ``sum(region_depths)`` timm transformer blocks mix them; ``region_input`` is unused.
    It is the default because it learns sequence-region matching best: on the chr22 corpora, with the
    same fixed sequence side, dev in-batch top-1 0.844 vs 0.319 (Swin, resize) and 0.270 (Swin, native),
    chance 0.0625 (``benchmarks/srm_region_encoders.py``, docs/pretraining.md).

    Pre-training: ``projection_dim`` (shared space of the sequence-region matching), ``init_temperature``
    (CLIP's 0.07; the learnable logit scale starts at log(1/T) and is clamped to <= log 100),
    ``lambda_srm`` (0.5, the paper's λ), switches ``use_mgm``, ``use_ngsp``, ``use_srm``.
    ``pretrain_pooling``: "cls" (the paper: the SRM sequence embedding and the NGSP head both read BERT's
    pooled [CLS]) or "mean" (the SRM sequence embedding is the mean of segment a's last hidden states,
    and the NGSP head reads [CLS] concatenated with |mean_a - mean_b| and mean_a * mean_b).

    Task fields (fine-tuned models): ``task`` (None for a backbone, or "promoter" / "tfbs" / "splice"),
    ``num_labels``, ``label_names``, ``problem_type`` ("single_label_classification" or
    "multi_label_classification"), ``modality`` ("seq" or "seq+region": the classifier also sees the
    projected region embedding), ``window_bp`` (input length in bp the task model was trained on),
    ``max_seq_len`` (tokens incl. [CLS]/[SEP]), ``classifier_dropout``, ``classifier_pooling`` ("cls":
    BERT's pooler over [CLS], as in the paper; "mean": the mean of the last hidden states over the
    non-padding tokens; "conv_max": ``ConvHead`` over the token states, then the maximum over non-padding
    tokens), ``token_head`` of per-base models ("linear" or "conv"), ``conv_channels``, ``conv_kernel``,
    ``conv_dilations`` (the convolutional head of both), ``strand_average`` (strand-symmetric tasks such
    as TF binding: a probability is the mean over the sequence and its reverse complement),
    ``model_name``, ``model_version``.
    """

    model_type = "genebert"

    # sequence encoder
    kmer: int = 6
    vocab_size: int = 0
    hidden_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    intermediate_size: int = 512
    hidden_act: str = "gelu"
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    attn_implementation_name: str = "sdpa"
    kmer_embedding_init: str = "random"
    pad_token_id: int = 0  # KmerTokenizer.pad_id
    # region modality
    n_regions: int = 10
    n_tfs: int = 579  # JASPAR2018 CORE vertebrates, latest versions
    jaspar_release: str = "JASPAR2018"  # = motifs.jaspar.DEFAULT_RELEASE; model/ imports no JASPAR code (tests/test_configuration.py ties them)
    motif_ids: list[str] = field(default_factory=list)
    region_encoder: str = "tokens"  # benchmarks/srm_region_encoders.py: 13.5x chance vs Swin resize 5.1x, native 4.3x
    region_input: str = "resize"
    region_image_size: int = 32
    region_patch_size: int = 4
    region_native_patch: list[int] = field(default_factory=lambda: [2, 8])
    region_embed_dim: int = 48
    region_depths: list[int] = field(default_factory=lambda: [2, 2])
    region_num_heads: list[int] = field(default_factory=lambda: [3, 6])
    region_window_size: int = 4
    region_drop_path_rate: float = 0.0
    # per-TF standardisation of the motif matrix before the encoder: (x - mean) / std per column, stats of
    # the pre-training corpus (each motif's max log-odds has its own offset and spread; without it the
    # between-sample signal is a small ripple on fixed column offsets and the encoder collapses). None: raw.
    region_input_mean: list[float] | None = None
    region_input_std: list[float] | None = None
    # pre-training objectives
    projection_dim: int = 128
    init_temperature: float = 0.07
    lambda_srm: float = 0.5
    use_mgm: bool = True
    use_ngsp: bool = True
    use_srm: bool = True
    # task model
    task: str | None = None
    label_names: list[str] = field(default_factory=list)
    modality: str = "seq"
    window_bp: int = 0
    max_seq_len: int = 512
    classifier_dropout: float | None = None
    classifier_pooling: str = "cls"
    pretrain_pooling: str = "cls"
    strand_average: bool = False
    # "sequence": one prediction per window; "token": one per base (GeneBertForTokenClassification),
    # scored on the window's central window_bp - 2 * context_bp bases
    classifier_head: str = "sequence"
    context_bp: int = 0
    # per-base head of a "token" model: "linear" (one linear layer on each base's feature) or "conv"
    # (model/conv_head.py: SpliceAI-style residual units of dilated 1-D convolutions over the per-base
    # features of the whole window, then the linear layer). conv_* also shape classifier_pooling="conv_max".
    token_head: str = "linear"
    conv_channels: int = 64
    conv_kernel: int = 11
    conv_dilations: list[int] = field(default_factory=lambda: [1, 1, 4, 4])
    # seq+region classifiers: also a linear map of each motif's best score in the window (max over the
    # n_regions rows, bits, clipped at 0, / MOTIF_SKIP_SCALE) straight to the logits, zero-initialised, so motif
    # identity reaches every output without the region encoder (Swin's resize averages ~18 motif columns a pixel)
    motif_skip: bool = False
    model_name: str = ""
    model_version: str = ""

    def __post_init__(self, **kwargs: Any) -> None:
        if self.label_names:
            # label names decide the label count: rebuild id2label before the base class derives num_labels
            wanted = kwargs.get("num_labels")
            if wanted is not None and wanted != len(self.label_names):
                raise ValueError(f"{len(self.label_names)} label_names but num_labels={wanted}")
            kwargs.pop("num_labels", None)
            self.id2label = dict(enumerate(self.label_names))
            self.label2id = {name: i for i, name in self.id2label.items()}
        super().__post_init__(**kwargs)
        if not self.vocab_size:
            self.vocab_size = 4**self.kmer + N_SPECIAL_TOKENS
        # accept MotifSet.columns ("MA0139.1_CTCF") as well as matrix IDs; keep the IDs, which
        # MotifSet.select matches exactly
        self.motif_ids = [_MATRIX_COLUMN.sub(r"\1", str(m)) for m in self.motif_ids]
        self.label_names = list(self.label_names)
        self.region_depths = [int(d) for d in self.region_depths]
        self.region_num_heads = [int(h) for h in self.region_num_heads]
        self.region_native_patch = [int(p) for p in self.region_native_patch]
        self.validate()

    @classmethod
    def from_dict(cls, config_dict: dict[str, Any], **kwargs: Any) -> "GeneBertConfig":
        """As ``PretrainedConfig.from_dict``, but GeneBERT fields passed as keyword arguments (e.g.
        ``from_pretrained(backbone_dir, task="splice", label_names=[...])``) go through the constructor,
        so derived fields (``num_labels``, ``id2label``, matrix IDs) are rebuilt and validated."""
        config_dict = dict(config_dict)
        own = {f.name for f in dataclasses.fields(cls)} - {f.name for f in dataclasses.fields(PretrainedConfig)}
        moved = {key for key in kwargs if key in own}
        for key in moved:
            config_dict[key] = kwargs.pop(key)
        if "label_names" in moved or "num_labels" in kwargs:
            config_dict.pop("id2label", None)  # the saved label map belongs to the old head
            config_dict.pop("label2id", None)
        if "num_labels" in kwargs and "label_names" not in moved:
            if len(config_dict.get("label_names") or []) != kwargs["num_labels"]:
                config_dict["label_names"] = []
        return super().from_dict(config_dict, **kwargs)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first inconsistent field."""
        if not 3 <= self.kmer <= 6:
            raise ValueError(f"kmer must be in 3..6, got {self.kmer}")
        if self.vocab_size != 4**self.kmer + N_SPECIAL_TOKENS:
            raise ValueError(f"vocab_size={self.vocab_size} does not match kmer={self.kmer}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        if self.kmer_embedding_init not in KMER_EMBEDDING_INITS:
            raise ValueError(f"kmer_embedding_init must be one of {KMER_EMBEDDING_INITS}, got {self.kmer_embedding_init!r}")
        if self.region_encoder not in REGION_ENCODERS:
            raise ValueError(f"region_encoder must be one of {REGION_ENCODERS}, got {self.region_encoder!r}")
        if self.region_input not in REGION_INPUTS:
            raise ValueError(f"region_input must be one of {REGION_INPUTS}, got {self.region_input!r}")
        if self.modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {self.modality!r}")
        if self.pretrain_pooling not in POOLINGS:
            raise ValueError(f"pretrain_pooling must be one of {POOLINGS}, got {self.pretrain_pooling!r}")
        if self.classifier_pooling not in CLASSIFIER_POOLINGS:
            raise ValueError(f"classifier_pooling must be one of {CLASSIFIER_POOLINGS}, got {self.classifier_pooling!r}")
        if self.classifier_head not in ("sequence", "token"):
            raise ValueError(f"classifier_head must be 'sequence' or 'token', got {self.classifier_head!r}")
        if self.token_head not in ("linear", "conv"):
            raise ValueError(f"token_head must be 'linear' or 'conv', got {self.token_head!r}")
        if self.motif_skip and (self.modality != "seq+region" or self.classifier_head != "sequence"):
            raise ValueError("motif_skip needs modality 'seq+region' and a sequence-level head (classifier_head 'sequence')")
        if self.conv_kernel % 2 == 0 or self.conv_kernel < 1:
            raise ValueError(f"conv_kernel must be odd and positive, got {self.conv_kernel}")
        if self.context_bp < 0 or (self.window_bp and 2 * self.context_bp >= self.window_bp):
            raise ValueError(f"context_bp={self.context_bp} leaves no scored base in window_bp={self.window_bp}")
        if self.task is not None and self.task not in task_names():  # None = a pre-training backbone
            raise ValueError(f"task must be None or one of {task_names()}, got {self.task!r}")
        if self.problem_type not in PROBLEM_TYPES:
            raise ValueError(f"problem_type must be one of {PROBLEM_TYPES}, got {self.problem_type!r}")
        if len(self.region_depths) != len(self.region_num_heads):
            raise ValueError("region_depths and region_num_heads need one entry per stage")
        if len(self.region_native_patch) != 2:
            raise ValueError("region_native_patch is [rows, cols]")
        if self.motif_ids and len(self.motif_ids) != self.n_tfs:
            raise ValueError(f"{len(self.motif_ids)} motif_ids but n_tfs={self.n_tfs}")
        if self.label_names and len(self.label_names) != self.num_labels:
            raise ValueError(f"{len(self.label_names)} label_names but num_labels={self.num_labels}")
        if self.max_seq_len > self.max_position_embeddings:
            raise ValueError("max_seq_len exceeds max_position_embeddings")

    @property
    def region_feature_dim(self) -> int:
        """Width of the pooled region-encoder features."""
        if self.region_encoder == "swin":
            return self.region_embed_dim * 2 ** (len(self.region_depths) - 1)
        return self.region_embed_dim


def region_input_size(config: GeneBertConfig) -> tuple[tuple[int, int], tuple[int, int]]:
    """``(img_size, patch_size)`` the region encoder is built for, each ``(height, width)``.

    ``resize``: ``((S, S), (P, P))`` with S = region_image_size, P = region_patch_size.
    ``native``: height = n_regions and width = n_tfs, each rounded up to a multiple of
    patch * 2**(n_stages - 1) for Swin (patch merging halves the grid per stage) or of the patch for
    ViT/DeiT; patch = region_native_patch.
    """
    if config.region_input == "resize":
        s, p = config.region_image_size, config.region_patch_size
        return (s, s), (p, p)
    ph, pw = config.region_native_patch
    merge = 2 ** (len(config.region_depths) - 1) if config.region_encoder == "swin" else 1
    mh, mw = ph * merge, pw * merge
    return (math.ceil(config.n_regions / mh) * mh, math.ceil(config.n_tfs / mw) * mw), (ph, pw)


NAMED_CONFIGS: dict[str, dict[str, Any]] = {
    # CPU-trainable: 2 x 128 BERT over 6-mers, the "tokens" region encoder (10 region tokens, 4 blocks of
    # width 48). With region_encoder="swin": a 2-stage Swin on a 32 x 32 resized region image (64 tokens;
    # "native" on 10 x 579 would be ~6 x 74 = 444 tokens, so resize is the cheaper image layout).
    # No attention dropout: on CPU a dropout mask forces the unfused SDPA path and halves training
    # throughput (benchmarks/train_throughput.py: 52% vs 23% MFU). The shipped genebert-tiny
    # backbone was trained with 0.1 and keeps that value in its own config.json.
    "tiny": dict(attention_probs_dropout_prob=0.0),
    "small": dict(
        hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024,
        region_embed_dim=64, region_depths=[2, 2, 2], region_num_heads=[2, 4, 8], region_window_size=4,
        region_image_size=64, projection_dim=256,
    ),
    # The paper: BERT-base (12 x 768) over 6-mers + Swin-B (ImageNet 224 layout), bilinear resize.
    "paper": dict(
        hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        region_encoder="swin", region_input="resize", region_image_size=224, region_patch_size=4,
        region_embed_dim=128, region_depths=[2, 2, 18, 2], region_num_heads=[4, 8, 16, 32],
        region_window_size=7, region_drop_path_rate=0.1, projection_dim=512,
    ),
}


def named_config(name: str, **overrides: Any) -> GeneBertConfig:
    """A named variant ("tiny", "small", "paper") with field overrides."""
    try:
        base = NAMED_CONFIGS[name]
    except KeyError:
        raise ValueError(f"unknown config {name!r}; choose from {sorted(NAMED_CONFIGS)}") from None
    return GeneBertConfig(**{**base, **overrides})
