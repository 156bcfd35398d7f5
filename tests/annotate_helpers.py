"""Shared helpers for the annotate/writers tests: tiny random task models and a GC-content stub.

Not a test module. The tiny models are real ``GeneBertForSequenceClassification`` objects saved
with ``save_pretrained`` (round trip through ``Predictor.from_pretrained``); the stub predictor
has the ``Predictor`` interface and scores a window by its G+C fraction, so expected values can
be computed independently from the genome.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TINY = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, kmer=3,
            max_seq_len=128, max_position_embeddings=128)

TINY_TASKS = {
    "promoter": dict(task="promoter", label_names=["non_promoter", "promoter"],
                     problem_type="single_label_classification", window_bp=70),
    "tfbs": dict(task="tfbs", label_names=["MA0139.1_CTCF", "MA0491.1_JUND", "MA0079.3_SP1"],
                 problem_type="multi_label_classification", window_bp=101),
    "splice": dict(task="splice", label_names=["neither", "donor", "acceptor"],
                   problem_type="single_label_classification", window_bp=60),
}


def build_tiny_models(root: Path) -> dict[str, Path]:
    """Save one tiny random model per task under ``root``; returns task -> directory."""
    import torch

    import genebert_tool.model  # noqa: F401 - torchvision shim before transformers
    from genebert_tool.genome.tokenizer import KmerTokenizer
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.modeling import GeneBertForSequenceClassification

    torch.set_num_threads(1)
    out = {}
    for i, (task, fields) in enumerate(TINY_TASKS.items()):
        torch.manual_seed(i)
        config = named_config("tiny", **TINY, **fields, model_name=f"tiny-{task}", model_version="test")
        model = GeneBertForSequenceClassification(config)
        path = root / f"tiny-{task}"
        model.save_pretrained(path)
        KmerTokenizer(TINY["kmer"]).save_pretrained(path)
        out[task] = path
    return out


class GcPredictor:
    """``Predictor`` look-alike: output ``gc`` = G+C fraction of the window, ``at`` = 1 - gc (sigmoid-style)."""

    def __init__(self, window_bp: int = 50, task: str = "tfbs", outputs: tuple[str, ...] = ("gc", "at")) -> None:
        self.window_bp = window_bp
        self.task = task
        self.output_names = list(outputs)
        self.model_name = f"gc-stub-{task}"
        self.model_version = "0"
        self.multi_label = True
        self.calls = 0

    def predict(self, sequences, *, batch_size: int = 64) -> np.ndarray:
        self.calls += 1
        gc = np.array([(s.count("G") + s.count("C")) / len(s) for s in sequences], dtype=np.float32)
        cols = [gc, 1.0 - gc, gc * 0.5][: len(self.output_names)]
        return np.stack(cols, axis=1)


def gc_models(window_bp: int = 50, *, splice: bool = False, per_position: bool = False):
    """``ScoringModel`` list around ``GcPredictor`` (a TFBS-like one, plus a splice-like one)."""
    from genebert_tool.annotate.models import ScoringModel, name_columns

    predictors = [GcPredictor(window_bp, "tfbs")]
    if splice:
        predictors.append(GcPredictor(window_bp // 2 or 1, "splice", ("donor", "acceptor")))
    models = [
        ScoringModel(predictor=p, name=p.model_name, version="0", task=p.task, keep=list(range(len(p.output_names))),
                     outputs=list(p.output_names), window_bp=p.window_bp,
                     per_position=per_position and p.task == "splice")
        for p in predictors
    ]
    name_columns(models)
    return models


def gc_fraction(seq: str) -> float:
    seq = seq.upper()
    return (seq.count("G") + seq.count("C")) / len(seq)


def build_token_splice_model(path: Path, *, seed: int = 1) -> Path:
    """A tiny random per-base splice model (classifier_head "token", 50-bp windows scoring their central 30
    bases) saved under ``path``, loadable by ``Predictor.from_pretrained`` / ``SpliceScanner``."""
    import torch

    from genebert_tool.genome.tokenizer import KmerTokenizer
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.token_classification import GeneBertForTokenClassification

    torch.manual_seed(seed)
    cfg = named_config("tiny", kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=64, task="splice", label_names=["neither", "donor", "acceptor"],
                       problem_type="single_label_classification", window_bp=50, max_seq_len=50,
                       classifier_head="token", context_bp=10)
    GeneBertForTokenClassification(cfg).eval().save_pretrained(path, safe_serialization=True)
    KmerTokenizer(3).save_pretrained(path)
    return Path(path)
