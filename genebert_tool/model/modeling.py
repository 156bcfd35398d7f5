"""GeneBERT models: the multi-modal backbone, the pre-training model and the sequence classifier.

``GeneBertModel`` = BERT over k-mer tokens (with segment embeddings) + an optional timm region
encoder over the ``(n_regions, n_tfs)`` motif-score matrix, each followed by a projection into the
shared ``projection_dim`` space. ``GeneBertForPreTraining`` adds the three paper objectives (MGM,
NGSP, sequence-region matching); ``GeneBertForSequenceClassification`` adds a classifier. Both store
the backbone as ``self.genebert`` (``base_model_prefix``), so a classifier loads a pre-training
checkpoint with ``from_pretrained`` and the backbone weights map one to one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import genebert_tool.model  # noqa: F401  (torchvision shim before transformers/timm)
import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertConfig, BertModel, PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from genebert_tool.genome.tokenizer import KmerTokenizer
from genebert_tool.model.configuration import N_SPECIAL_TOKENS, GeneBertConfig
from genebert_tool.model.conv_head import ConvHead
from genebert_tool.model.losses import info_nce, similarity_logits
from genebert_tool.model.region_encoder import RegionEncoder

__all__ = [
    "GeneBertPreTrainedModel",
    "GeneBertModel",
    "GeneBertForPreTraining",
    "GeneBertForSequenceClassification",
    "GeneBertModelOutput",
    "GeneBertPreTrainingOutput",
    "GeneBertClassifierOutput",
    "MAX_LOGIT_SCALE",
]

MAX_LOGIT_SCALE = math.log(100.0)  # CLIP's clamp: temperature never below 0.01
from genebert_tool.labels import IGNORE_INDEX  # noqa: E402


@dataclass
class GeneBertModelOutput(ModelOutput):
    """``last_hidden_state`` (batch, seq_len, hidden); ``pooler_output`` (batch, hidden), the pooled
    [CLS]; ``sequence_embedding`` (batch, projection_dim); ``region_embedding`` (batch, projection_dim)
    or None when no region matrix was given or the model has no region encoder."""

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    sequence_embedding: torch.Tensor | None = None
    region_embedding: torch.Tensor | None = None


@dataclass
class GeneBertPreTrainingOutput(ModelOutput):
    """``loss`` (scalar) = use_mgm*L_mgm + use_ngsp*L_ngsp + lambda_srm*use_srm*L_srm, None when neither
    ``mlm_labels`` nor ``ngsp_labels`` was given; the components are None when not computed.
    ``mlm_logits`` (n_masked, vocab_size): only at masked positions, in row-major (batch, position)
    order; ``ngsp_logits`` (batch, 2); ``logits_per_sequence`` (batch, batch) scaled cosine
    similarities (row = sequence, column = region), None without a region matrix."""

    loss: torch.Tensor | None = None
    loss_mgm: torch.Tensor | None = None
    loss_ngsp: torch.Tensor | None = None
    loss_srm: torch.Tensor | None = None
    mlm_logits: torch.Tensor | None = None
    ngsp_logits: torch.Tensor | None = None
    logits_per_sequence: torch.Tensor | None = None


@dataclass
class GeneBertClassifierOutput(ModelOutput):
    """``loss`` (scalar, None without labels) and ``logits`` (batch, num_labels)."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None


def _bert_config(config: GeneBertConfig) -> BertConfig:
    return BertConfig(
        vocab_size=config.vocab_size,
        hidden_size=config.hidden_size,
        num_hidden_layers=config.num_hidden_layers,
        num_attention_heads=config.num_attention_heads,
        intermediate_size=config.intermediate_size,
        hidden_act=config.hidden_act,
        hidden_dropout_prob=config.hidden_dropout_prob,
        attention_probs_dropout_prob=config.attention_probs_dropout_prob,
        max_position_embeddings=config.max_position_embeddings,
        type_vocab_size=config.type_vocab_size,
        initializer_range=config.initializer_range,
        layer_norm_eps=config.layer_norm_eps,
        pad_token_id=config.pad_token_id,
        attn_implementation=config.attn_implementation_name,
    )


def factorised_kmer_rows(k: int, dim: int, std: float) -> torch.Tensor:
    """``(4**k, dim)`` embedding rows, one per k-mer in the tokenizer's lexicographic ACGT order: the row of
    b_1..b_k is ``sum_p B[p, b_p]`` with ``B ~ N(0, std / sqrt(k))`` of shape ``(k, 4, dim)`` (so each row has
    std ``std``, as BERT's init). Two k-mers differing at one base differ by one term of k."""
    basis = torch.randn(k, 4, dim) * (std / math.sqrt(k))
    index = torch.arange(4**k)
    digits = torch.stack([(index // 4 ** (k - 1 - p)) % 4 for p in range(k)], dim=1)  # (4**k, k), b_1 first
    return basis[torch.arange(k), digits].sum(dim=1)


class GeneBertPreTrainedModel(PreTrainedModel):
    """Weight initialisation and ``save_pretrained`` / ``from_pretrained`` for every GeneBERT model."""

    config_class = GeneBertConfig
    base_model_prefix = "genebert"
    supports_gradient_checkpointing = False
    _supports_sdpa = True

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)  # Linear/Embedding ~ N(0, initializer_range), norms = 1/0
        if hasattr(module, "position_ids") and hasattr(module, "word_embeddings"):
            # BertEmbeddings' non-persistent buffers are not in checkpoints: rebuild them here
            init.copy_(module.position_ids, torch.arange(module.position_ids.shape[-1]).expand((1, -1)))
            init.zeros_(module.token_type_ids)
        if hasattr(module, "init_non_persistent_buffers"):
            # timm Swin's relative-position index and shift masks, for the same reason
            module.init_non_persistent_buffers()
        backbone = module if isinstance(module, GeneBertModel) else getattr(module, "genebert", None)
        if isinstance(backbone, GeneBertModel) and self.config.kmer_embedding_init == "factorised":
            # here, not at BertEmbeddings: the inner BertModel is a PreTrainedModel that initialises its own
            # submodules (BERT's N(0, initializer_range)); this runs on the GeneBERT model holding it
            weight = backbone.bert.embeddings.word_embeddings.weight
            rows = weight.detach().clone()
            rows[N_SPECIAL_TOKENS:] = factorised_kmer_rows(self.config.kmer, weight.shape[1],
                                                           self.config.initializer_range).to(rows)
            init.copy_(weight, rows)  # a no-op for weights loaded from a checkpoint (flagged initialised)
        if isinstance(module, GeneBertForPreTraining):
            init.constant_(module.logit_scale, math.log(1.0 / self.config.init_temperature))
        if isinstance(module, MaskedGenomeHead):
            init.zeros_(module.bias)
        if isinstance(module, MotifSkip):  # starts as the model without it
            init.zeros_(module.weight)
            init.zeros_(module.bias)


class GeneBertModel(GeneBertPreTrainedModel):
    """BERT sequence encoder + optional region encoder + projections into the shared space.

    ``with_region`` (default: ``config.modality == "seq+region"``, or ``config.use_srm`` for a backbone
    with ``task=None``) decides whether the region encoder and its projection are built.
    """

    def __init__(self, config: GeneBertConfig, with_region: bool | None = None) -> None:
        super().__init__(config)
        if with_region is None:
            with_region = config.modality == "seq+region" or (config.task is None and config.use_srm)
        self.bert = BertModel(_bert_config(config), add_pooling_layer=True)
        self.seq_projection = nn.Linear(config.hidden_size, config.projection_dim, bias=False)
        if with_region:
            self.region_encoder = RegionEncoder(config)
            self.region_projection = nn.Linear(self.region_encoder.num_features, config.projection_dim, bias=False)
        else:
            self.region_encoder = None
            self.region_projection = None
        self.post_init()

    @property
    def has_region_encoder(self) -> bool:
        return self.region_encoder is not None

    def get_input_embeddings(self) -> nn.Embedding:
        return self.bert.embeddings.word_embeddings

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        region_matrix: torch.Tensor | None = None,
    ) -> GeneBertModelOutput:
        """``input_ids``/``attention_mask``/``token_type_ids``: (batch, seq_len) int64;
        ``region_matrix``: (batch, n_regions, n_tfs) float or None."""
        if attention_mask is None:
            attention_mask = (input_ids != self.config.pad_token_id).long()
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        pooled = out.pooler_output
        if self.config.pretrain_pooling == "mean":  # segment a only: the region matrix describes it
            sequence_embedding = self.seq_projection(
                masked_mean(out.last_hidden_state, attention_mask * (token_type_ids == 0)))
        else:
            sequence_embedding = self.seq_projection(pooled)
        region_embedding = None
        if region_matrix is not None:
            if self.region_encoder is None:
                raise ValueError("this model has no region encoder (modality='seq'); pass region_matrix=None")
            region_embedding = self.region_projection(self.region_encoder(region_matrix))
        return GeneBertModelOutput(
            last_hidden_state=out.last_hidden_state,
            pooler_output=pooled,
            sequence_embedding=sequence_embedding,
            region_embedding=region_embedding,
        )


def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``hidden`` (batch, seq_len, dim) over positions where ``mask`` (batch, seq_len) is nonzero."""
    weights = mask.to(hidden.dtype).unsqueeze(-1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


class MaskedGenomeHead(nn.Module):
    """BERT's MLM transform (dense, GELU, LayerNorm) + a decoder sharing the k-mer embedding matrix."""

    def __init__(self, config: GeneBertConfig, embeddings: nn.Embedding) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self._embeddings = [embeddings]  # a list so the shared weight is not registered twice

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """(n, hidden) -> (n, vocab_size) logits."""
        h = self.LayerNorm(F.gelu(self.dense(hidden)))
        return F.linear(h, self._embeddings[0].weight, self.bias)


class GeneBertForPreTraining(GeneBertPreTrainedModel):
    """Backbone + MGM head (masked positions only) + NGSP head + sequence-region matching (InfoNCE)."""

    def __init__(self, config: GeneBertConfig) -> None:
        super().__init__(config)
        self.genebert = GeneBertModel(config, with_region=config.use_srm)
        self.mgm_head = MaskedGenomeHead(config, self.genebert.bert.embeddings.word_embeddings)
        # "mean": [CLS] + |mean_a - mean_b| + mean_a * mean_b (segment comparison features)
        self.ngsp_head = nn.Linear(config.hidden_size * (3 if config.pretrain_pooling == "mean" else 1), 2)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.init_temperature)))
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        region_matrix: torch.Tensor | None = None,
        mlm_labels: torch.Tensor | None = None,
        ngsp_labels: torch.Tensor | None = None,
    ) -> GeneBertPreTrainingOutput:
        """``mlm_labels`` (batch, seq_len): the original token at masked positions, -100 elsewhere;
        ``ngsp_labels`` (batch,): 1 = segment b follows a, 0 = random (-100 ignored).
        Without ``mlm_labels`` the MGM logits are computed where ``input_ids == [MASK]``."""
        cfg = self.config
        if not self.genebert.has_region_encoder:
            region_matrix = None  # use_srm=False: sequence-only pre-training ignores the region modality
        out = self.genebert(input_ids, attention_mask, token_type_ids, region_matrix)
        # Scoring only masked positions skips the (n_tokens x vocab) decoder for ~85% of the tokens.
        selected = (mlm_labels != IGNORE_INDEX) if mlm_labels is not None else (input_ids == KmerTokenizer.mask_id)
        mlm_logits = self.mgm_head(out.last_hidden_state[selected])
        ngsp_features = out.pooler_output
        if cfg.pretrain_pooling == "mean":
            if attention_mask is None:
                attention_mask = (input_ids != cfg.pad_token_id).long()
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            mean_a = masked_mean(out.last_hidden_state, attention_mask * (token_type_ids == 0))
            mean_b = masked_mean(out.last_hidden_state, attention_mask * (token_type_ids == 1))
            ngsp_features = torch.cat([ngsp_features, (mean_a - mean_b).abs(), mean_a * mean_b], dim=-1)
        ngsp_logits = self.ngsp_head(ngsp_features)

        loss_mgm = loss_ngsp = loss_srm = logits_per_sequence = None
        if mlm_labels is not None and cfg.use_mgm:
            targets = mlm_labels[selected]
            # no masked token in the batch: a zero that still depends on the graph
            loss_mgm = F.cross_entropy(mlm_logits.float(), targets) if targets.numel() else mlm_logits.sum() * 0.0
        if ngsp_labels is not None and cfg.use_ngsp:
            loss_ngsp = F.cross_entropy(ngsp_logits.float(), ngsp_labels, ignore_index=IGNORE_INDEX)
        if out.region_embedding is not None and cfg.use_srm:
            scale = self.logit_scale.clamp(max=MAX_LOGIT_SCALE)
            logits_per_sequence = similarity_logits(out.sequence_embedding, out.region_embedding, scale)
            loss_srm = info_nce(out.sequence_embedding, out.region_embedding, scale)

        loss = None
        if mlm_labels is not None or ngsp_labels is not None:
            terms = [t for t in (loss_mgm, loss_ngsp) if t is not None]
            if loss_srm is not None:
                terms.append(cfg.lambda_srm * loss_srm)
            loss = torch.stack(terms).sum() if terms else None
        return GeneBertPreTrainingOutput(
            loss=loss, loss_mgm=loss_mgm, loss_ngsp=loss_ngsp, loss_srm=loss_srm,
            mlm_logits=mlm_logits, ngsp_logits=ngsp_logits, logits_per_sequence=logits_per_sequence,
        )


MOTIF_SKIP_SCALE = 10.0  # bits: a strong motif hit scores ~10-25, the best chance hit in 200 bp ~5-10


class MotifSkip(nn.Linear):
    """``config.motif_skip``: motif best scores -> logits (its own class so ``_init_weights`` zeroes it)."""


class GeneBertForSequenceClassification(GeneBertPreTrainedModel):
    """Backbone + dropout + linear classifier on the pooled sequence (``config.classifier_pooling``:
    BERT's [CLS] pooler, the mean over non-padding tokens, or ``conv_max``: a convolutional head over the
    token states and the maximum over non-padding tokens), concatenated with the projected region
    embedding when ``config.modality == "seq+region"``.
    ``config.motif_skip`` adds a zero-initialised linear map of each motif's best score in the window
    (``region_matrix.amax(1)``, clipped at 0, / ``MOTIF_SKIP_SCALE``) to the logits.

    ``problem_type`` "single_label_classification" (softmax cross-entropy, labels (batch,) int64,
    -100 ignored) or "multi_label_classification" (BCE with logits, labels (batch, num_labels) with
    -100 entries ignored per output).
    """

    def __init__(self, config: GeneBertConfig) -> None:
        super().__init__(config)
        if config.problem_type is None:
            config.problem_type = "single_label_classification"
        self.with_region = config.modality == "seq+region"
        self.genebert = GeneBertModel(config, with_region=self.with_region)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.conv_head = None
        if config.classifier_pooling == "conv_max":
            self.conv_head = ConvHead(config)
        seq_width = config.conv_channels if self.conv_head is not None else config.hidden_size
        width = seq_width + (config.projection_dim if self.with_region else 0)
        self.classifier = nn.Linear(width, config.num_labels)
        self.motif_skip = MotifSkip(config.n_tfs, config.num_labels) if config.motif_skip else None
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        region_matrix: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> GeneBertClassifierOutput:
        """Inputs as ``GeneBertModel.forward``; returns logits (batch, num_labels)."""
        if self.with_region and region_matrix is None:
            raise ValueError("modality 'seq+region' needs region_matrix (batch, n_regions, n_tfs)")
        out = self.genebert(input_ids, attention_mask, token_type_ids, region_matrix if self.with_region else None)
        if self.config.classifier_pooling == "mean":
            hidden = out.last_hidden_state
            features = hidden.mean(dim=1) if attention_mask is None else masked_mean(hidden, attention_mask)
        elif self.conv_head is not None:  # conv_max: padding is zeroed before the convolutions, -inf before the max
            hidden = out.last_hidden_state
            keep = None if attention_mask is None else attention_mask.to(torch.bool)
            conv = self.conv_head(hidden, keep)
            features = (conv if keep is None else conv.masked_fill(~keep.unsqueeze(-1), float("-inf"))).amax(dim=1)
        else:
            features = out.pooler_output
        if self.with_region:
            features = torch.cat([features, out.region_embedding], dim=-1)
        logits = self.classifier(self.dropout(features))
        if self.motif_skip is not None:  # each motif's best hit in the window, bits >= 0, scaled to ~1
            best = region_matrix.to(logits.dtype).amax(dim=1).clamp(min=0) / MOTIF_SKIP_SCALE
            logits = logits + self.motif_skip(best)
        loss = None
        if labels is not None:
            if self.config.problem_type == "multi_label_classification":
                keep = labels != IGNORE_INDEX
                per = F.binary_cross_entropy_with_logits(
                    logits.float(), labels.clamp(min=0).to(torch.float32), reduction="none"
                )
                loss = (per * keep).sum() / keep.sum().clamp(min=1)
            else:
                loss = F.cross_entropy(logits.float(), labels.long(), ignore_index=IGNORE_INDEX)
        return GeneBertClassifierOutput(loss=loss, logits=logits)
