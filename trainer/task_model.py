"""Building the model a fine-tuning run trains: a fresh task model, or a pre-trained backbone with a new head.

Shared by ``trainer.finetune`` (sequence-level heads) and ``trainer.splice_token`` (the per-base head), which
both take ``base`` through :func:`safetensors_base`: a registered name or a directory, loaded from safetensors
only (a pickled checkpoint is never unpickled).
"""

from __future__ import annotations

from pathlib import Path

from genebert_tool.errors import GeneBertError
from genebert_tool.tasks import get_task
from trainer.datasets import TaskData

__all__ = ["HEAD_OVERRIDES", "build_task_model", "label_names_for", "safetensors_base"]


def safetensors_base(name_or_dir: str) -> Path:
    """The model directory of ``base`` (``pretrained.resolve_model``); ``GeneBertError`` unless it holds
    ``model.safetensors``."""
    from genebert_tool.pretrained import resolve_model

    base_dir = resolve_model(name_or_dir)
    if not (base_dir / "model.safetensors").is_file():
        raise GeneBertError(f"{base_dir}: no model.safetensors (pickled checkpoints are not loaded)")
    return base_dir


def label_names_for(task: str, train: TaskData) -> list[str]:
    spec = get_task(task)
    return list(spec.labels) if spec.single_label else list(train.output_names)


def build_task_model(cfg, train: TaskData, window_bp: int, max_len: int):
    """A ``GeneBertForSequenceClassification`` and its tokenizer for ``finetune``: a fresh ``named_config``
    model, or ``cfg.base`` (a registered name or directory, safetensors only) with a new head; only the
    :data:`HEAD_OVERRIDES` of ``cfg.model_overrides`` may change a backbone. ``cfg``: a ``FinetuneConfig``."""
    from genebert_tool.genome.tokenizer import KmerTokenizer
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.modeling import GeneBertForSequenceClassification

    label_names = label_names_for(cfg.task, train)
    task_fields = dict(
        task=cfg.task,
        num_labels=len(label_names),
        label_names=label_names,
        problem_type=get_task(cfg.task).problem_type,
        modality=cfg.modality,
        window_bp=window_bp,
        max_seq_len=max_len,
        model_name=cfg.model_name,
        model_version=cfg.model_version,
    )
    if cfg.base:
        # from_pretrained: config kwargs override the backbone's config; the classifier head is new
        head_overrides = _head_overrides(cfg.model_overrides)
        base_dir = safetensors_base(cfg.base)
        model = GeneBertForSequenceClassification.from_pretrained(str(base_dir), use_safetensors=True,
                                                                  **{**head_overrides, **task_fields})
        try:
            tokenizer = KmerTokenizer.from_pretrained(base_dir)
        except FileNotFoundError:
            tokenizer = KmerTokenizer(model.config.kmer)
    else:
        config = named_config(cfg.model_config, **{**cfg.model_overrides, **task_fields})
        model = GeneBertForSequenceClassification(config)
        tokenizer = KmerTokenizer(config.kmer)
    if tokenizer.k != model.config.kmer:
        raise GeneBertError(f"tokenizer k={tokenizer.k} but model kmer={model.config.kmer}")
    if max_len > model.config.max_position_embeddings:
        raise GeneBertError(f"inputs need {max_len} tokens but the model has {model.config.max_position_embeddings} positions")
    return model, tokenizer


# settings that may change on top of a pre-trained backbone (the rest of its architecture is fixed)
HEAD_OVERRIDES = ("classifier_pooling", "classifier_dropout", "hidden_dropout_prob", "attention_probs_dropout_prob",
                  "conv_channels", "conv_kernel", "conv_dilations", "motif_skip")


def _head_overrides(overrides: dict | None) -> dict:
    """``model_overrides`` allowed with ``base``; architecture fields raise (they would not match the
    backbone's weights)."""
    overrides = dict(overrides or {})
    bad = sorted(set(overrides) - set(HEAD_OVERRIDES))
    if bad:
        raise GeneBertError(
            f"model_overrides {', '.join(bad)} cannot change a pre-trained backbone; with 'base' only "
            f"{', '.join(HEAD_OVERRIDES)} may be set"
        )
    return overrides
