"""Shared helpers for the annotate/writers tests: tiny random task models and a GC-content stub.

Not a test module. The tiny models come from ``genebert_tool.tiny_models`` (real models saved with
``save_pretrained``; also the ``tiny_models`` / ``tiny_model`` fixtures of conftest.py); the stub predictor
has the ``Predictor`` interface and scores a window by its G+C fraction, so expected values can
be computed independently from the genome.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from genebert_tool.tiny_models import TINY, TINY_TASKS, build_tiny_models  # noqa: F401  (re-exported)


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


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    header, rows = None, []
    for line in Path(path).read_text().splitlines():
        if line.startswith("#chrom") or line.startswith("name\t"):
            header = line.lstrip("#").split("\t")
        elif line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return header, rows


def window(chr2, start, end, length, strand="+"):
    """Forward-strand bases of the window; on '-' the window whose reverse complement is centred."""
    if strand == "-":
        lo = end - (end - start) // 2 + length // 2 - length
    else:
        lo = (start + end) // 2 - length // 2
    seq = chr2[max(lo, 0) : lo + length]
    return "N" * max(0, -lo) + seq


class CentreBase:
    """Strand-sensitive stub: ``centre_a`` = 1 if the window's centre base is A, ``frac_a`` = A fraction."""

    def __init__(self, window_bp, task="splice"):
        self.window_bp, self.task = window_bp, task
        self.output_names = ["centre_a", "frac_a"]
        self.model_name, self.model_version, self.multi_label = "centre-stub", "0", True

    def predict(self, sequences, *, batch_size=64):
        c = self.window_bp // 2
        return np.array([[float(s[c] == "A"), s.count("A") / len(s)] for s in sequences], dtype=np.float32)


def centre_models(window_bp, per_position):
    from genebert_tool.annotate.models import ScoringModel, name_columns

    p = CentreBase(window_bp, "splice" if per_position else "tfbs")
    models = [ScoringModel(predictor=p, name=p.model_name, version="0", task=p.task, keep=[0, 1],
                           outputs=list(p.output_names), window_bp=window_bp, per_position=per_position)]
    name_columns(models)
    return models
