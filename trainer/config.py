"""Training settings: one dataclass, loaded from JSON, saved with every checkpoint.

Model hyper-parameters live in ``GeneBertConfig`` (``model`` names a variant of
``genebert_tool.model.named_config``; ``model_overrides`` changes single fields). Everything about
*how* to train lives here. Unknown JSON keys are an error, so a typo cannot silently fall back to a
default.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genebert_tool.errors import InputError
from genebert_tool.genome.io import atomic_write

_COMMENT_KEYS = frozenset({"_comment", "comment"})  # notes in a config file, not settings

__all__ = ["TrainConfig", "load_config"]


@dataclass
class TrainConfig:
    # ---- model
    model: str = "tiny"                      # named_config variant: tiny | small | paper
    model_overrides: dict[str, Any] = field(default_factory=dict)
    init_from: str | None = None             # start from a saved backbone directory instead
    # ---- objectives (ablations; copied into GeneBertConfig)
    use_mgm: bool = True
    use_ngsp: bool = True
    use_srm: bool = True
    lambda_srm: float = 0.5                  # paper: L = L_mgm + L_ngsp + 0.5 * L_srm
    # ---- batch: micro-batch per rank, accumulated to effective_batch_size over all ranks
    batch_size: int = 8
    effective_batch_size: int = 8            # paper: 2000
    max_len: int | None = None               # None: [CLS] A [SEP] B [SEP] of the corpus, checked <= model max
    # ---- optimiser / schedule (paper: lr 4e-4 with warm-up, 120k steps)
    max_steps: int = 1000
    max_minutes: float | None = None         # stop early (and checkpoint) after this wall time
    lr: float = 4e-4
    min_lr: float = 0.0                      # linear decay from lr to min_lr after warm-up
    warmup_steps: int = 100
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.98
    eps: float = 1e-6
    grad_clip: float = 1.0                   # 0 disables clipping
    # ---- masked genome modelling
    mask_prob: float = 0.15                  # paper: 15% of k-mers ...
    mask_prob_final: float = 0.20            # ... and 20% in the last sixth of the steps (100k + 20k)
    final_mask_fraction: float = 1.0 / 6.0
    mask_span: int | None = None             # None: k (DNABERT masks k contiguous overlapping k-mers)
    # ---- runtime
    seed: int = 1337
    device: str = "auto"                     # auto | cpu | cuda
    dtype: str = "auto"                      # auto (bf16 on GPU, fp32 on CPU) | bf16 | fp32
    num_threads: int | None = None           # torch.set_num_threads on CPU
    compile: bool = False
    log_interval: int = 10
    checkpoint_interval: int = 200           # steps; 0 = only at the end
    checkpoint_minutes: float | None = None  # also checkpoint every this many minutes
    keep_checkpoints: int = 3                # newest N checkpoint-STEP dirs kept (0 = all)
    max_shard_mb: int | None = None          # split model.safetensors into shards of at most this many MB

    def __post_init__(self) -> None:
        problems = []
        if self.batch_size < 1:
            problems.append("batch_size must be >= 1")
        if self.effective_batch_size < self.batch_size:
            problems.append("effective_batch_size must be >= batch_size")
        if self.max_steps < 1:
            problems.append("max_steps must be >= 1")
        if not 0 < self.mask_prob < 1 or not 0 < self.mask_prob_final < 1:
            problems.append("mask_prob and mask_prob_final must be in (0, 1)")
        if self.dtype not in ("auto", "bf16", "fp32"):
            problems.append(f"dtype must be auto|bf16|fp32, got {self.dtype!r}")
        if not (self.use_mgm or self.use_ngsp or self.use_srm):
            problems.append("at least one of use_mgm/use_ngsp/use_srm must be true")
        if problems:
            raise ValueError("invalid training config: " + "; ".join(problems))

    def grad_accum_steps(self, world_size: int = 1) -> int:
        """Micro-steps per optimiser step so that batch_size * world_size * accum == effective."""
        per_step = self.batch_size * world_size
        if self.effective_batch_size % per_step:
            raise ValueError(
                f"effective_batch_size {self.effective_batch_size} is not a multiple of "
                f"batch_size {self.batch_size} x world_size {world_size}"
            )
        return self.effective_batch_size // per_step

    def mask_prob_at(self, step: int) -> float:
        """The MGM masking rate for optimiser step ``step`` (0-based)."""
        switch = int(round(self.max_steps * (1.0 - self.final_mask_fraction)))
        return self.mask_prob if step < switch else self.mask_prob_final

    def lr_at(self, step: int) -> float:
        """Linear warm-up to ``lr`` over warmup_steps, then linear decay to ``min_lr`` at max_steps."""
        if self.warmup_steps > 0 and step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        span = max(1, self.max_steps - self.warmup_steps)
        frac = min(1.0, (step - self.warmup_steps) / span)
        return self.lr + frac * (self.min_lr - self.lr)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: str | os.PathLike) -> None:
        with atomic_write(path) as fh:
            fh.write(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<dict>") -> "TrainConfig":
        return config_from_dict(cls, data, source=source, what="training config")


def load_config(path: str | os.PathLike, **overrides: Any) -> TrainConfig:
    """Read a TrainConfig from a JSON file; ``overrides`` (not None) replace single keys."""
    data = read_json_object(path, "training config")
    data.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.from_dict(data, source=str(path))


def read_json_object(path: str | os.PathLike, what: str) -> dict[str, Any]:
    """The JSON object in ``path`` (a ``what``: "training config", "fine-tuning config"); ``InputError``
    naming the file (and line) for an unreadable file, bad JSON or anything but an object. One reader for
    the pre-training and the fine-tuning configs."""
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{what}: not valid JSON: {exc.msg}", path=str(path), line=exc.lineno) from exc
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", path=str(path)) from exc
    if not isinstance(data, dict):
        raise InputError(f"a {what} must be a JSON object", path=str(path))
    return data


def config_from_dict(cls, data: dict[str, Any], *, source: str, what: str):
    """``cls(**data)`` for a config dataclass: ``_comment``/``comment`` keys are notes and dropped, any
    other key that is not a field is refused (``InputError`` listing them), so a typo never passes silently."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names - _COMMENT_KEYS)
    if unknown:
        raise InputError(f"unknown {what} key(s): {', '.join(unknown)}", path=source)
    return cls(**{k: v for k, v in data.items() if k in names})
