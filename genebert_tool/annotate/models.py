"""Which models a run uses, which of their outputs become columns, and batched scoring.

Output selection: a single-label (softmax) model's background class carries no information the
other classes do not (probabilities sum to 1), so it is dropped: a label named like
``neither``/``negative``/``non_promoter``/``0``, or, for a two-class model without such a name,
class 0. Multi-label (sigmoid) models keep every output. ``--tf`` then restricts TFBS outputs.

Column names: with one model, its output names; with several, ``<task>.<output>`` (or
``<model>.<output>`` when two models share a task), and just ``<task>`` when the output is named
like the task. Names are made file-name safe (``[A-Za-z0-9_.-]``), because each becomes a
bigWig file name and a VCF INFO sub-field.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genebert_tool.annotate.formats import safe_track_name
from genebert_tool.errors import InputError, ModelError
from genebert_tool.tasks import annotate_tasks, get_task, task_names

MODEL_TASKS = task_names()  # one model each
TASKS = annotate_tasks()  # + the run modes risk and all (genebert_tool.tasks.RUN_MODES)
BACKGROUND_LABELS = frozenset(
    {"neither", "negative", "non_promoter", "nonpromoter", "non-promoter", "not_promoter", "background",
     "none", "not_bound", "unbound", "no", "0", "false", "other"}
)


@dataclass
class ScoringModel:
    """One loaded model and the outputs it contributes. ``predictor`` follows ``inference.predictor.Predictor``."""

    predictor: Any
    name: str
    version: str
    task: str
    keep: list[int]
    outputs: list[str]
    columns: list[str] = field(default_factory=list)
    window_bp: int = 0
    per_position: bool = False
    scan_distance: int = 0  # VCF, splice models: windows at offsets -d..d around the variant
    sha256: str = "."  # of the weights file loaded; "." for models not loaded from a file (stubs)
    background: Any = None  # inference.background.Background from the model's background.json, or None

    def fpr(self, probs: np.ndarray) -> np.ndarray:
        """Background FPR of ``(n, len(columns))`` probabilities, same shape (float64); needs ``background``."""
        probs = np.asarray(probs)
        out = np.zeros(probs.shape, dtype=np.float64)
        for j, name in enumerate(self.outputs):
            out[:, j] = self.background.fpr(name, probs[:, j])
        return out

    def score(self, sequences: Sequence[str], *, batch_size: int = 256) -> np.ndarray:
        """Probabilities of the kept outputs, ``(len(sequences), len(columns))`` float32.

        ``ModelError`` when the model returns NaN or infinity (damaged weights): a probability that
        is not a number must stop the run, not become a ``.`` in the output.
        """
        if not sequences:
            return np.zeros((0, len(self.keep)), dtype=np.float32)
        probs = np.asarray(self.predictor.predict(list(sequences), batch_size=batch_size), dtype=np.float32)
        if not np.isfinite(probs).all():
            bad = int(np.flatnonzero(~np.isfinite(probs).all(axis=1))[0])
            raise ModelError(f"model {self.name} {self.version} returned a non-finite score (NaN or infinity) for "
                             f"window {bad + 1} of a batch: its weights are damaged (sha256 {self.sha256})")
        return probs[:, self.keep]

    def describe(self) -> str:
        """``name=... version=... task=... window_bp=... sha256=... outputs=a,b`` for output headers."""
        return (f"name={self.name} version={self.version} task={self.task} window_bp={self.window_bp} "
                f"sha256={self.sha256} outputs={','.join(self.columns)}")


def default_models(task: str) -> list[str]:
    """The shipped model names a task uses by default (``TaskSpec.default_model``; ``all`` and ``risk``: every task's)."""
    if task in MODEL_TASKS:
        return [get_task(task).default_model]
    if task in ("all", "risk"):
        return [get_task(t).default_model for t in MODEL_TASKS]
    raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")


def select_outputs(output_names: Sequence[str], multi_label: bool) -> list[int]:
    """Indices of the outputs worth reporting (module docstring)."""
    names = list(output_names)
    if multi_label or len(names) < 2:
        return list(range(len(names)))
    keep = [i for i, n in enumerate(names) if n.strip().lower() not in BACKGROUND_LABELS]
    if len(keep) == len(names) and len(names) == 2:
        keep = [1]
    return keep or list(range(len(names)))


def filter_tfs(outputs: Sequence[str], keep: Sequence[int], tfs: Sequence[str], model: str) -> list[int]:
    """Restrict ``keep`` to outputs naming one of ``tfs`` (case-insensitive; ``MA0139.1_CTCF`` matches
    ``CTCF`` and ``MA0139.1``). ``InputError`` listing the choices when nothing matches."""
    wanted = {t.strip().lower() for t in tfs if t.strip()}
    chosen = []
    matched: set[str] = set()
    for i in keep:
        name = outputs[i].lower()
        parts = set(re.split(r"[_:|/ ]+", name)) | {name}
        if wanted & parts:
            chosen.append(i)
            matched |= wanted & parts
    missing = sorted(wanted - matched)
    if missing:  # a TF silently dropped would look like a TF that was scored and found nothing
        available = ", ".join(outputs[i] for i in keep)
        raise InputError(f"--tf {', '.join(missing)}: no such output in model {model} (outputs: {available})")
    return chosen


def _readable_bp(predictor: Any) -> int | None:
    """The longest sequence a model sees whole: (max_seq_len - [CLS] - [SEP]) k-mers."""
    config = getattr(predictor, "config", None)
    if config is None or not getattr(config, "max_seq_len", None):
        return None
    return int(config.max_seq_len) - 2 + int(config.kmer) - 1


def name_columns(models: list[ScoringModel]) -> None:
    """Fill ``model.columns`` for every model (module docstring), unique across the run."""
    tasks = [m.task for m in models]
    seen: set[str] = set()
    for m in models:
        prefix = m.task if tasks.count(m.task) == 1 else safe_track_name(m.name)
        cols = []
        for out in m.outputs:
            if len(models) == 1:
                col = out
            elif out.lower() == m.task.lower():
                col = prefix
            else:
                col = f"{prefix}.{out}"
            col = safe_track_name(col)
            base, k = col, 2
            while col in seen:
                col, k = f"{base}_{k}", k + 1
            seen.add(col)
            cols.append(col)
        m.columns = cols


def load_models(
    task: str,
    model_refs: Sequence[str] = (),
    *,
    device: str = "auto",
    context_bp: int | None = None,
    tfs: Sequence[str] = (),
    per_position_splice: bool = True,
    splice_distance: int = 0,
) -> list[ScoringModel]:
    """Load the models for ``task`` (``model_refs``: names or directories; empty -> the shipped defaults).

    ``per_position_splice``: splice models score one window per position (BED/FASTA input) rather
    than one centred window (VCF); ``splice_distance``: for VCF input, splice models also score
    windows centred up to that many bases either side of the variant. Raises ``ModelError`` when a model is missing or its task does
    not fit ``task``.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    refs = list(model_refs)
    defaulted = not refs
    if defaulted:
        refs = default_models(task)
    if task in MODEL_TASKS and len(refs) > 1:
        raise InputError(f"--task {task} takes one --model (got {len(refs)}); use --task all for several")
    _quiet_transformers()
    from genebert_tool.inference.predictor import Predictor

    models: list[ScoringModel] = []
    for ref in refs:
        try:
            predictor = Predictor.from_pretrained(ref, device=device)
        except ModelError as exc:
            if defaulted:
                raise ModelError(
                    f"default model for --task {task} is not available: {exc}. Shipped models live in "
                    "pretrained/ (pass --model DIR to use another)"
                ) from exc
            raise
        model_task = predictor.task or task
        if task in MODEL_TASKS and model_task != task:
            raise ModelError(f"model {ref} was trained for task {model_task!r}, not {task!r}")
        multi = getattr(predictor, "multi_label", False)
        keep = select_outputs(predictor.output_names, multi)
        if tfs and model_task == "tfbs":
            keep = filter_tfs(predictor.output_names, keep, tfs, str(ref))
        window = int(context_bp or predictor.window_bp or 0)
        if window <= 0:
            raise ModelError(f"model {ref} does not record its window_bp; pass --context-bp")
        k = int(getattr(getattr(predictor, "config", None), "kmer", 1) or 1)
        if window < k:
            what = "--context-bp" if context_bp else "its window_bp"
            raise InputError(f"model {ref} reads {k}-mers, but {what} is {window}: a window needs at least {k} bp")
        readable = _readable_bp(predictor)
        if readable is not None and window > readable:
            # the tokenizer would cut the window's 3' end: the scored base would no longer be centred
            what = "--context-bp" if context_bp else "its window_bp"
            raise InputError(f"model {ref} reads at most {readable} bp ({predictor.config.max_seq_len} tokens of "
                             f"{predictor.config.kmer}-mers), but {what} is {window}")
        models.append(
            ScoringModel(
                predictor=predictor,
                name=str(predictor.model_name),
                version=str(predictor.model_version),
                task=model_task,
                keep=keep,
                outputs=[predictor.output_names[i] for i in keep],
                window_bp=window,
                per_position=per_position_splice and model_task == "splice",
                scan_distance=splice_distance if model_task == "splice" and not per_position_splice else 0,
                sha256=getattr(predictor, "weights_sha256", None) or ".",
                background=load_background(getattr(predictor, "model_dir", None),
                                           [predictor.output_names[i] for i in keep]),
            )
        )
    if tfs and not any(m.task == "tfbs" for m in models):
        raise InputError("--tf restricts TFBS outputs, but no TFBS model is used (--task tfbs or all)")
    name_columns(models)
    return models


def load_background(model_dir, outputs: Sequence[str]):
    """The model directory's ``background.json`` (``inference.background.Background``), or None when it has
    none; ``ModelError`` when it does not cover every output the run reports."""
    if model_dir is None:
        return None
    from genebert_tool.inference.background import BACKGROUND_FILE, Background

    background = Background.load(model_dir)
    if background is None:
        return None
    missing = [o for o in outputs if o not in background.outputs]
    if missing:
        raise ModelError(f"{os.path.join(model_dir, BACKGROUND_FILE)}: no calibration for output(s) "
                         f"{', '.join(missing)} (has {', '.join(background.outputs) or 'none'}); "
                         "re-run genebert calibrate")
    return background


def _quiet_transformers() -> None:
    """transformers prints weight-loading progress bars; annotate has its own."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import genebert_tool.model  # noqa: F401 - the torchvision shim must run before transformers
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers is a hard dependency
        pass
