"""Tiny random task models: the ones tests, benchmarks and examples build when no trained model is needed.

Real ``GeneBertForSequenceClassification`` objects, saved with ``save_pretrained`` next to their
tokenizer, so they load through ``Predictor.from_pretrained`` like any shipped model. One place, so a
test fixture (``tests/conftest.py``: ``tiny_models``, ``tiny_model``) and a benchmark's stand-in for an
absent shipped model are the same model.
"""

from __future__ import annotations

from pathlib import Path

from genebert_tool.labels import SPLICE_LABELS

__all__ = ["TINY", "TINY_TASKS", "build_tiny_models", "save_tiny_model"]

#: architecture of a tiny model (``named_config("tiny")`` overrides): one layer, 32 hidden units
TINY = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, kmer=3,
            max_seq_len=128, max_position_embeddings=128)

#: per task: the head fields (labels, problem type, window) of its tiny model
TINY_TASKS = {
    "promoter": dict(task="promoter", label_names=["non_promoter", "promoter"],
                     problem_type="single_label_classification", window_bp=70),
    "tfbs": dict(task="tfbs", label_names=["MA0139.1_CTCF", "MA0491.1_JUND", "MA0079.3_SP1"],
                 problem_type="multi_label_classification", window_bp=101),
    "splice": dict(task="splice", label_names=list(SPLICE_LABELS),
                   problem_type="single_label_classification", window_bp=60),
}


def save_tiny_model(path: str | Path, task: str, *, sizes: dict | None = None, seed: int = 0,
                    model_name: str | None = None, model_version: str = "test", **fields) -> Path:
    """Save a seeded tiny random ``task`` model (``TINY_TASKS[task]`` head, ``sizes`` or ``TINY``
    architecture, ``fields`` overriding either) and its tokenizer under ``path``; returns ``path``."""
    import torch

    import genebert_tool.model  # noqa: F401 - torchvision shim before transformers
    from genebert_tool.genome.tokenizer import KmerTokenizer
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.modeling import GeneBertForSequenceClassification

    sizes = dict(TINY if sizes is None else sizes)
    torch.manual_seed(seed)
    config = named_config("tiny", **{**sizes, **TINY_TASKS[task], **fields},
                          model_name=model_name or f"tiny-{task}", model_version=model_version)
    path = Path(path)
    GeneBertForSequenceClassification(config).save_pretrained(path)
    KmerTokenizer(config.kmer).save_pretrained(path)
    return path


def build_tiny_models(root: str | Path, *, sizes: dict | None = None) -> dict[str, Path]:
    """One tiny random model per task under ``root/tiny-<task>`` (seeded 0, 1, 2 in task order)."""
    return {task: save_tiny_model(Path(root) / f"tiny-{task}", task, sizes=sizes, seed=i)
            for i, task in enumerate(TINY_TASKS)}
