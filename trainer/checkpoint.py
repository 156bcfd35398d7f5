"""Checkpoints that resume exactly and load with ``from_pretrained``.

A checkpoint directory (``RUN/checkpoint-STEP/`` or ``RUN/final/``) holds:

* ``config.json`` + ``model.safetensors`` (``save_pretrained``) + ``tokenizer.json`` — a complete model
  directory, so fine-tuning can start from any checkpoint;
* ``train_config.json`` — the TrainConfig it was trained with;
* ``trainer_state.pt`` — optimiser, scheduler, step, data position and the torch / CUDA / numpy /
  python RNG states. Only tensors, numbers, strings, lists and dicts are stored, and it is read with
  ``torch.load(weights_only=True)``: nothing arbitrary is ever unpickled.

Each directory is written under a temporary name and renamed into place, so a crash never leaves a
half-written checkpoint that ``latest_checkpoint`` would pick.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["save_checkpoint", "load_trainer_state", "latest_checkpoint", "rng_state", "set_rng_state",
           "prune_checkpoints"]

STATE_FILE = "trainer_state.pt"
_CKPT_RE = re.compile(r"^checkpoint-(\d+)$")


def rng_state() -> dict[str, Any]:
    """All RNG states as weights_only-loadable objects (tensors, ints, lists)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    py_version, py_state, py_gauss = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": py_version, "state": list(py_state), "gauss": py_gauss},
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    npst = state["numpy"]
    np.random.set_state((npst["kind"], npst["keys"].numpy().astype(np.uint32), npst["pos"],
                         npst["has_gauss"], npst["cached_gaussian"]))
    py = state["python"]
    random.setstate((py["version"], tuple(py["state"]), py["gauss"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    directory: str | os.PathLike,
    *,
    model,
    tokenizer,
    train_config: dict[str, Any],
    trainer_state: dict[str, Any] | None,
    max_shard_mb: int | None = None,
) -> Path:
    """Write a model directory (+ trainer state when given) atomically; return its path."""
    directory = Path(directory)
    tmp = directory.with_name("." + directory.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    if not sys.stderr.isatty():  # transformers' "Writing model shards" bar would litter logs
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    model.save_pretrained(tmp, **({"max_shard_size": f"{int(max_shard_mb)}MB"} if max_shard_mb else {}))
    tokenizer.save_pretrained(tmp)
    (tmp / "train_config.json").write_text(json.dumps(train_config, indent=2) + "\n")
    if trainer_state is not None:
        torch.save(trainer_state, tmp / STATE_FILE)
    if directory.exists():  # e.g. "final" rewritten by a resumed run
        old = directory.with_name("." + directory.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old)
    else:
        os.replace(tmp, directory)
    return directory


def load_trainer_state(directory: str | os.PathLike) -> dict[str, Any]:
    """Read ``trainer_state.pt`` without unpickling arbitrary objects."""
    return torch.load(Path(directory) / STATE_FILE, map_location="cpu", weights_only=True)


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The ``checkpoint-STEP`` directory with the highest STEP that has a trainer state, if any."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in run_dir.iterdir()
             if (m := _CKPT_RE.match(p.name)) and (p / STATE_FILE).exists()]
    return max(found)[1] if found else None


def prune_checkpoints(run_dir: str | os.PathLike, keep: int) -> None:
    """Delete all but the newest ``keep`` checkpoint-STEP directories (keep <= 0: keep all)."""
    if keep <= 0:
        return
    run_dir = Path(run_dir)
    found = sorted((int(m.group(1)), p) for p in run_dir.iterdir() if (m := _CKPT_RE.match(p.name)))
    for _, path in found[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
