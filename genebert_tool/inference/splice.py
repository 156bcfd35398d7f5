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

from genebert_tool.genome.windows import centre_fit
from genebert_tool.labels import SPLICE_LABELS

__all__ = ["SpliceScanner", "SplicePredictor", "score_positions", "score_windows"]


#: attention scores per head held by one forward pass at most (windows x tokens^2): attention holds
#: batch x heads x tokens^2 floats, so long windows get smaller batches. 64 windows of the 800-bp
#: genebert-splice-genome (802 tokens; 0.66 GB at 4 heads); annotate's batch of 256 ran ~30 % slower there
ATTENTION_BUDGET = 64 * 802**2


def windows_per_forward(batch_size: int, n_tokens: int) -> int:
    """``batch_size`` capped so that windows x ``n_tokens``^2 stays within ``ATTENTION_BUDGET`` (>= 1)."""
    return max(1, min(batch_size, ATTENTION_BUDGET // (n_tokens * n_tokens)))


def score_windows(model, tokenizer, sequences: list[str], *, batch_size: int = 32) -> np.ndarray:
    """(n, n_scored, num_labels) float32 softmax probabilities for windows of exactly ``window_bp`` bases
    (``batch_size`` windows per forward, fewer where ``ATTENTION_BUDGET`` asks)."""
    import torch

    cfg = model.config
    n_tok = cfg.window_bp - cfg.kmer + 1
    batch_size = windows_per_forward(batch_size, n_tok + 2)
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
        self.columns = [names.index(n) for n in SPLICE_LABELS[1:]]  # donor, acceptor

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
        probs = score_windows(self.model, self.tokenizer, seqs, batch_size=batch_size)
        if reverse:
            probs = probs[:, ::-1]
        return probs.reshape(-1, probs.shape[-1])[:length]

    def score_all(self, fetch, start: int, end: int, *, strand: str = ".", batch_size: int = 32) -> np.ndarray:
        """(end - start, num_labels) probabilities of every class (``config.label_names`` order)."""
        if strand not in ("+", "-", "."):
            raise ValueError(f"strand must be '+', '-' or '.', got {strand!r}")
        if end <= start:
            return np.zeros((0, self.model.config.num_labels), np.float32)
        if strand in ("+", "-"):
            return self._strand(fetch, start, end, strand == "-", batch_size)
        return np.maximum(self._strand(fetch, start, end, False, batch_size),
                          self._strand(fetch, start, end, True, batch_size))

    def score(self, fetch, start: int, end: int, *, strand: str = ".", batch_size: int = 32) -> np.ndarray:
        """(end - start, 2) donor/acceptor probabilities; ``fetch(lo, hi)`` returns bases [lo, hi), N-padded."""
        return self.score_all(fetch, start, end, strand=strand, batch_size=batch_size)[:, self.columns]


class SplicePredictor(SpliceScanner):
    """A per-base splice model behind ``Predictor``'s interface, for ``annotate``: ``predict`` scores
    the centre base of each window (both strands, the maximum: windows carry no strand), and
    ``score_span`` scores every base of a span in one pass per ``n_scored`` bases."""

    per_base = True

    def __init__(self, model, tokenizer, *, model_dir=None, model_name=None, model_version=None) -> None:
        super().__init__(model, tokenizer, model_dir=model_dir)
        cfg = model.config
        self.config = cfg
        self.device = next(model.parameters()).device
        self.task = cfg.task
        self.output_names = list(cfg.label_names)
        self.multi_label = False
        self.modality = "seq"
        self.model_name = model_name or cfg.model_name or (model_dir.name if model_dir else "genebert")
        self.model_version = model_version or cfg.model_version or "unversioned"
        self.weights_sha256: str | None = None

    def predict(self, sequences, *, batch_size: int = 32) -> np.ndarray:
        """(n, num_labels): each window of ``window_bp`` bases scored at its centre base."""
        from genebert_tool.genome.sequences import reverse_complement

        seqs = [self._fit_window(s) for s in sequences]
        if not seqs:
            return np.zeros((0, len(self.output_names)), np.float32)
        centre = self.window_bp // 2 - self.context_bp
        fwd = score_windows(self.model, self.tokenizer, seqs, batch_size=batch_size)[:, centre]
        rev_centre = self.n_scored - 1 - centre
        rev = score_windows(self.model, self.tokenizer, [reverse_complement(s) for s in seqs],
                            batch_size=batch_size)[:, rev_centre]
        return np.maximum(fwd, rev)

    def _fit_window(self, seq: str) -> str:
        """A sequence of another length centred in (N-padded) or cut to ``window_bp`` bases, keeping
        its centre base at the window's centre (``genome.windows.centre_fit``, annotate's rule)."""
        return seq if len(seq) == self.window_bp else centre_fit(seq, self.window_bp)

    def score_span(self, fetch, start: int, end: int, *, strand: str = ".", batch_size: int = 32) -> np.ndarray:
        return self.score_all(fetch, start, end, strand=strand, batch_size=batch_size)


def score_positions(model, genome, chrom: str, start: int, end: int, *, strand: str = ".",
                    batch_size: int = 32) -> np.ndarray:
    """(end - start, 2) float32 donor/acceptor probabilities per base of ``chrom:[start, end)``.

    ``model``: a ``SpliceScanner``, a model directory or a registered name; ``genome``: a
    ``genebert_tool.genome.fasta.Genome`` (or a FASTA path)."""
    from genebert_tool.genome.fasta import Genome

    scanner = model if isinstance(model, SpliceScanner) else SpliceScanner.from_pretrained(model)
    g = genome if isinstance(genome, Genome) else Genome(genome)
    return scanner.score(lambda lo, hi: g.fetch(chrom, lo, hi), start, end, strand=strand, batch_size=batch_size)
