"""Inference with a fine-tuned GeneBERT task model: DNA strings in, class probabilities out.

``Predictor.from_pretrained(dir_or_name)`` loads a task model directory (config.json +
model.safetensors + tokenizer.json) or a registered name (sha256-verified, see
``genebert_tool.pretrained``). ``predict`` tokenizes to ``config.max_seq_len`` tokens (longer inputs
are truncated at the 3' end), builds the ``(n_regions, n_tfs)`` motif-score matrix of each sequence
itself when the model was trained with ``modality="seq+region"``, and returns probabilities:
softmax over classes for single-label models, an independent sigmoid per output for multi-label ones.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from genebert_tool.errors import ModelError
from genebert_tool.genome.tokenizer import TOKENIZER_FILE, KmerTokenizer
from genebert_tool.model.configuration import GeneBertConfig
from genebert_tool.model.modeling import GeneBertForSequenceClassification

__all__ = ["Predictor", "resolve_device"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"--device {device}: {exc}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ModelError(f"--device {device}: CUDA is not available on this machine (use --device cpu or auto)")
    return resolved


def check_weights_file(path: Path) -> str:
    """Hex sha256 of a ``model.safetensors`` after checking that it is a whole safetensors file;
    ``ModelError`` in one line for an empty, truncated or garbage file."""
    from safetensors import SafetensorError, safe_open

    from genebert_tool.pretrained import sha256_file

    try:
        with safe_open(str(path), framework="pt") as fh:
            fh.keys()
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{path}: not a readable safetensors file (damaged or truncated?): {exc}") from None
    return sha256_file(path)


def check_finite(model: torch.nn.Module, where: Path | None) -> None:
    """``ModelError`` naming the first parameter holding NaN or infinity: such a model scores nothing."""
    for name, param in model.named_parameters():
        if not torch.isfinite(param).all():
            raise ModelError(f"{where}: weight {name} holds NaN or infinite values")


@contextlib.contextmanager
def _quiet_loading():
    """transformers' "Loading weights" bar only when stderr is a terminal (house rule for bars)."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    if was_enabled and not sys.stderr.isatty():
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _shape_mismatch(model_dir: Path, config: GeneBertConfig) -> str | None:
    """The first tensor whose shape in ``model.safetensors`` differs from what ``config.json`` builds."""
    from safetensors import safe_open

    try:
        expected = {k: tuple(v.shape) for k, v in GeneBertForSequenceClassification(config).state_dict().items()}
        with safe_open(str(model_dir / "model.safetensors"), framework="pt") as fh:
            for key in fh.keys():
                shape = tuple(fh.get_slice(key).get_shape())
                if key in expected and expected[key] != shape:
                    return (f"tensor {key} has shape {list(shape)} in model.safetensors but config.json needs "
                            f"{list(expected[key])}")
    except Exception:  # noqa: BLE001 - only a better message is at stake; the caller has one already
        return None
    return None


class Predictor:
    """A loaded task model. Attributes: ``config``, ``tokenizer``, ``model``, ``device``,
    ``output_names`` (one per probability column), ``window_bp``, ``task``, ``model_name``,
    ``model_version``, ``model_dir``."""

    def __init__(
        self,
        model: GeneBertForSequenceClassification,
        tokenizer: KmerTokenizer,
        *,
        device: str | torch.device = "auto",
        model_dir: Path | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
    ) -> None:
        config: GeneBertConfig = model.config
        if tokenizer.k != config.kmer:
            raise ModelError(f"{model_dir}: tokenizer k={tokenizer.k} but the model was built for k={config.kmer}")
        self.config = config
        self.tokenizer = tokenizer
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.model_dir = model_dir
        self.task = config.task
        self.window_bp = int(config.window_bp)
        self.output_names = list(config.label_names) or [f"label_{i}" for i in range(config.num_labels)]
        self.model_name = model_name or config.model_name or (model_dir.name if model_dir else "genebert")
        self.model_version = model_version or config.model_version or "unversioned"
        self.multi_label = config.problem_type == "multi_label_classification"
        self.weights_sha256: str | None = None  # of the model.safetensors loaded (from_pretrained sets it)
        self._motifs = None

    @classmethod
    def from_pretrained(cls, dir_or_name: str | os.PathLike, *, device: str | torch.device = "auto") -> "Predictor":
        """Load a task model directory or registered model name; ``ModelError`` if it is not one."""
        from genebert_tool.pretrained import list_models, resolve_model

        device = resolve_device(device)  # before loading: a missing CUDA is one line, not an assertion
        model_dir = resolve_model(dir_or_name)
        entry = {} if Path(dir_or_name).is_dir() else list_models().get(str(dir_or_name), {})
        for required in ("config.json", "model.safetensors", TOKENIZER_FILE):
            if not (model_dir / required).is_file():
                raise ModelError(f"{model_dir}: not a GeneBERT task model directory ({required} is missing)")
        try:
            config = GeneBertConfig.from_pretrained(model_dir)
        except (OSError, ValueError, TypeError) as exc:
            raise ModelError(f"{model_dir / 'config.json'}: {exc}") from exc
        if config.task is None:
            raise ModelError(f"{model_dir}: a pre-training backbone (config.task is null), not a task model")
        if getattr(config, "classifier_head", "sequence") == "token":
            return _token_predictor(dir_or_name, model_dir, config, entry, device)
        from safetensors import SafetensorError

        sha256 = check_weights_file(model_dir / "model.safetensors")
        try:
            with _quiet_loading():
                model = GeneBertForSequenceClassification.from_pretrained(model_dir, config=config,
                                                                          use_safetensors=True)
            tokenizer = KmerTokenizer.from_pretrained(model_dir)
        except (OSError, ValueError, RuntimeError, KeyError, SafetensorError) as exc:
            # transformers says "see the above report" about a report it did not print at our verbosity
            why = _shape_mismatch(model_dir, config) or (str(exc).splitlines()[0] if str(exc) else repr(exc))
            raise ModelError(f"{model_dir}: cannot load model: {why}") from None
        check_finite(model, model_dir / "model.safetensors")
        name = None if Path(dir_or_name).is_dir() else str(dir_or_name)
        predictor = cls(model, tokenizer, device=device, model_dir=model_dir, model_name=name,
                        model_version=entry.get("version"))
        predictor.weights_sha256 = sha256
        return predictor

    @property
    def modality(self) -> str:
        return self.config.modality

    def _motif_set(self):
        if self._motifs is None:
            from genebert_tool.motifs.region_matrix import select_motifs  # lazy: scanning is only for seq+region

            self._motifs = select_motifs(self.config.jaspar_release, self.config.motif_ids, self.config.n_tfs,
                                         source=str(self.model_dir))
        return self._motifs

    def region_matrix(self, sequences: Sequence[str]) -> np.ndarray:
        """Motif-score matrices ``(n, n_regions, n_tfs)`` float32 for single sequences (each cut into
        ``n_regions`` equal chunks, see ``motifs.region_matrix.sequence_region_matrix``)."""
        from genebert_tool.motifs.region_matrix import sequence_region_matrix

        scan_device = "cuda" if self.device.type == "cuda" else "cpu"  # scan where the model runs
        return sequence_region_matrix(list(sequences), self._motif_set(), n_regions=self.config.n_regions,
                                      device=scan_device)

    def _autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    @torch.inference_mode()
    def predict(self, sequences: Sequence[str], *, batch_size: int = 64, region=None) -> np.ndarray:
        """Probabilities ``(n, len(output_names))`` float32, rows in input order. Models trained with
        ``strand_average`` return the mean over each sequence and its reverse complement.

        ``region``: precomputed ``(n, n_regions, n_tfs)`` motif matrices for ``seq+region`` models (with
        ``strand_average``: a pair ``(forward, reverse)``), e.g. fine-tuning's cached ones; None = scan
        each sequence here."""
        if isinstance(sequences, str):
            raise TypeError("predict takes a list of sequences, not one string")
        n_out = len(self.output_names)
        if len(sequences) == 0:
            return np.zeros((0, n_out), dtype=np.float32)
        both = getattr(self.config, "strand_average", False)
        fwd_region, rev_region = (region if region is not None else (None, None)) if both else (region, None)
        probs = self._predict_strand(sequences, batch_size, fwd_region)
        if both:
            from genebert_tool.genome.sequences import reverse_complement

            reverse = self._predict_strand([reverse_complement(s) for s in sequences], batch_size, rev_region)
            probs = (probs + reverse) / 2
        return probs

    def _predict_strand(self, sequences: Sequence[str], batch_size: int, matrices=None) -> np.ndarray:
        self.model.eval()
        chunks = []
        for start in range(0, len(sequences), batch_size):
            batch = list(sequences[start : start + batch_size])
            enc = self.tokenizer.encode_batch(batch, max_len=self.config.max_seq_len)
            inputs = {key: torch.from_numpy(value).to(self.device) for key, value in enc.items()}
            region = None
            if self.modality == "seq+region":
                # a copy: a cached matrix is a read-only memmap, and torch wants writable arrays
                mats = self.region_matrix(batch) if matrices is None else np.array(matrices[start : start + batch_size],
                                                                                   np.float32)
                region = torch.from_numpy(mats).to(self.device)
            with self._autocast():
                logits = self.model(**inputs, region_matrix=region).logits.float()
            probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
            chunks.append(probs.cpu().numpy().astype(np.float32))
        return np.concatenate(chunks)

    def __repr__(self) -> str:
        return (f"Predictor(model_name={self.model_name!r}, version={self.model_version!r}, task={self.task!r}, "
                f"outputs={self.output_names}, device={self.device})")


def _token_predictor(dir_or_name, model_dir: Path, config: GeneBertConfig, entry: dict, device):
    """A per-base (``classifier_head == "token"``) model: the same checks, then a ``SplicePredictor``."""
    from genebert_tool.inference.splice import SplicePredictor
    from genebert_tool.model.token_classification import GeneBertForTokenClassification

    sha256 = check_weights_file(model_dir / "model.safetensors")
    try:
        with _quiet_loading():
            model = GeneBertForTokenClassification.from_pretrained(model_dir, config=config, use_safetensors=True)
        tokenizer = KmerTokenizer.from_pretrained(model_dir)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ModelError(f"{model_dir}: cannot load model: {str(exc).splitlines()[0] if str(exc) else repr(exc)}") from None
    check_finite(model, model_dir / "model.safetensors")
    model = model.to(device).eval()
    name = None if Path(dir_or_name).is_dir() else str(dir_or_name)
    predictor = SplicePredictor(model, tokenizer, model_dir=model_dir, model_name=name,
                                model_version=entry.get("version"))
    predictor.weights_sha256 = sha256
    return predictor
