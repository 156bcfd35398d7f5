"""The files a fine-tuning run writes beside its model: names, JSON and the JSON-lines log.

One module so that ``finetune``, ``splice_token`` and ``ablations`` (which re-reads a run) agree on
the names, and so that neither loop has to import the other.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from genebert_tool.genome.io import atomic_write

__all__ = ["FINETUNE_CONFIG_FILE", "SPLIT_FILE", "json_default", "log_event", "write_json"]

FINETUNE_CONFIG_FILE = "finetune_config.json"
SPLIT_FILE = "split.json"


def json_default(obj):
    """``json.dumps(default=...)`` for NumPy scalars and arrays."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj)}")


def write_json(path: Path, data) -> None:
    """Write ``data`` as indented JSON, all-or-nothing (``genome.io.atomic_write``)."""
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, indent=2, default=json_default) + "\n")


def log_event(handle, record: dict) -> None:
    """Append one JSON line to an open ``train_log.jsonl`` and flush (a killed run keeps its log)."""
    handle.write(json.dumps(record, default=json_default) + "\n")
    handle.flush()
