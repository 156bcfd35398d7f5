"""Per-base splice-site scores along a genome interval with a token-level GeneBERT model.

A model with ``classifier_head == "token"`` reads windows of ``window_bp`` bases and scores the central
``n_scored = window_bp - 2 * context_bp`` of them in one forward pass. ``score_positions`` tiles an
interval with windows every ``n_scored`` bases (N-padded past contig ends, so the first and last
bases get full context) and returns ``(end - start, 2)`` donor / acceptor probabilities.

The model reads sequence in transcript orientation (as SpliceAI does): ``strand="+"`` scores the
forward sequence, ``"-"`` the reverse complement (mapped back to genome order), and ``"."`` (unknown
strand, e.g. a BED region) the maximum of both per base and class.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["SpliceScanner", "score_positions", "score_windows"]


def score_windows(model, tokenizer, sequences: list[str], *, batch_size: int = 32) -> np.ndarray:
    """(n, n_scored, num_labels) float32 softmax probabilities for windows of exactly ``window_bp`` bases."""
    import torch

    cfg = model.config
    n_tok = cfg.window_bp - cfg.kmer + 1
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(sequences), batch_size):
            batch = sequences[i : i + batch_size]
            if any(len(s) != cfg.window_bp for s in batch):
                raise ValueError(f"every window must be {cfg.window_bp} bp")
            enc = tokenizer.encode_batch(list(batch), max_len=n_tok + 2)
            logits = model(torch.from_numpy(enc["input_ids"]), torch.from_numpy(enc["attention_mask"]),
                           torch.from_numpy(enc["token_type_ids"])).logits
            out.append(torch.softmax(logits.float(), dim=-1).numpy())
    if not out:
        return np.zeros((0, cfg.window_bp - 2 * cfg.context_bp, cfg.num_labels), np.float32)
    return np.concatenate(out).astype(np.float32)


class SpliceScanner:
    """A loaded token-level splice model (``from_pretrained``: directory or registered name)."""

    def __init__(self, model, tokenizer, *, model_dir: Path | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.model_dir = model_dir
        cfg = model.config
        self.window_bp = cfg.window_bp
        self.context_bp = cfg.context_bp
        self.n_scored = cfg.window_bp - 2 * cfg.context_bp
        names = list(cfg.label_names)
        self.columns = [names.index("donor"), names.index("acceptor")]

    @classmethod
    def from_pretrained(cls, dir_or_name: str | os.PathLike) -> "SpliceScanner":
        from genebert_tool.errors import ModelError
        from genebert_tool.genome.tokenizer import KmerTokenizer
        from genebert_tool.model.configuration import GeneBertConfig
        from genebert_tool.model.token_classification import GeneBertForTokenClassification
        from genebert_tool.pretrained import resolve_model

        model_dir = resolve_model(dir_or_name)
        config = GeneBertConfig.from_pretrained(model_dir)
        if config.classifier_head != "token":
            raise ModelError(f"{model_dir}: not a per-base (classifier_head 'token') model")
        model = GeneBertForTokenClassification.from_pretrained(model_dir, config=config, use_safetensors=True)
        return cls(model, KmerTokenizer.from_pretrained(model_dir), model_dir=model_dir)

    def _strand(self, fetch, start: int, end: int, reverse: bool, batch_size: int) -> np.ndarray:
        from genebert_tool.genome.sequences import reverse_complement

        length = end - start
        n_win = max(1, -(-length // self.n_scored))
        seqs = []
        for w in range(n_win):
            lo = start + w * self.n_scored - self.context_bp  # scored bases [lo + context, lo + context + n_scored)
            seqs.append(fetch(lo, lo + self.window_bp))
        if reverse:
            # in transcript orientation the last window comes first; scored bases map back reversed
            seqs = [reverse_complement(s) for s in seqs]
        probs = score_windows(self.model, self.tokenizer, seqs, batch_size=batch_size)[:, :, self.columns]
        if reverse:
            probs = probs[:, ::-1]
        return probs.reshape(-1, 2)[:length]

    def score(self, fetch, start: int, end: int, *, strand: str = ".", batch_size: int = 32) -> np.ndarray:
        """(end - start, 2) donor/acceptor probabilities; ``fetch(lo, hi)`` returns bases [lo, hi), N-padded."""
        if strand not in ("+", "-", "."):
            raise ValueError(f"strand must be '+', '-' or '.', got {strand!r}")
        if end <= start:
            return np.zeros((0, 2), np.float32)
        if strand == "+":
            return self._strand(fetch, start, end, False, batch_size)
        if strand == "-":
            return self._strand(fetch, start, end, True, batch_size)
        return np.maximum(self._strand(fetch, start, end, False, batch_size),
                          self._strand(fetch, start, end, True, batch_size))


def score_positions(model, genome, chrom: str, start: int, end: int, *, strand: str = ".",
                    batch_size: int = 32) -> np.ndarray:
    """(end - start, 2) float32 donor/acceptor probabilities per base of ``chrom:[start, end)``.

    ``model``: a ``SpliceScanner``, a model directory or a registered name; ``genome``: a
    ``genebert_tool.genome.fasta.Genome`` (or a FASTA path)."""
    from genebert_tool.genome.fasta import Genome

    scanner = model if isinstance(model, SpliceScanner) else SpliceScanner.from_pretrained(model)
    g = genome if isinstance(genome, Genome) else Genome(genome)
    return scanner.score(lambda lo, hi: g.fetch(chrom, lo, hi), start, end, strand=strand, batch_size=batch_size)
