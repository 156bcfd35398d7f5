"""The one place that makes ``timm`` and ``transformers`` importable beside a CPU-only torch.

Why this exists: ``timm`` depends on ``torchvision``; PyPI serves ``torchvision==0.28.0`` as a
CUDA build. Beside the CPU wheel ``torch==2.13.0+cpu`` its compiled extension (``torchvision/_C.so``)
fails to load, so the op schemas ``torchvision::nms`` and ``torchvision::qnms`` are never defined,
and ``torchvision/_meta_registrations.py`` raises ``RuntimeError: operator torchvision::nms does not
exist`` at import. That breaks ``import timm`` and even ``from transformers import
BertForPreTraining`` (transformers imports torchvision when it is installed).

genebert uses no torchvision operator, so we only need the import to succeed: when (and only
when) torchvision's extension cannot be loaded, we define the two missing schemas with
``torch.library`` so the fake-kernel registrations find them. Where torchvision's extension loads
(a matching CUDA torch on a GPU machine), nothing is changed.

``ensure_torchvision_importable()`` is called by ``genebert_tool.model`` (before it imports timm or
transformers), by ``trainer`` and by ``tests/conftest.py``. Nothing else may import timm or
transformers first.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_DONE = False
# Kept alive for the life of the process: dropping the Library object would drop its schemas.
_LIBRARY = None

_MISSING_SCHEMAS = (
    "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
)


def ensure_torchvision_importable() -> bool:
    """Define the torchvision op schemas if torchvision's C extension cannot load.

    Returns True when the shim was applied, False when it was not needed (no torchvision,
    or its extension loads). Idempotent.
    """
    global _DONE, _LIBRARY
    if _DONE:
        return _LIBRARY is not None
    _DONE = True
    spec = importlib.util.find_spec("torchvision")
    if spec is None or spec.origin is None:
        return False
    import torch

    ext = next(Path(spec.origin).parent.glob("_C*.so"), None)
    if ext is not None:
        try:
            torch.ops.load_library(str(ext))
            return False
        except (OSError, RuntimeError):
            pass  # mismatched build: fall through and define the schemas ourselves
    if hasattr(torch.ops.torchvision, "nms"):
        return False
    _LIBRARY = torch.library.Library("torchvision", "DEF")
    for schema in _MISSING_SCHEMAS:
        _LIBRARY.define(schema)
    return True
