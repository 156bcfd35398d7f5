"""GeneBERT model: configuration, sequence (BERT) and region (timm) encoders, heads, losses.

Importing this package applies the torchvision shim (see ``genebert_tool._compat``) before
anything imports timm or transformers.
"""

from genebert_tool._compat import ensure_torchvision_importable

ensure_torchvision_importable()

# Public names, imported lazily so that ``import genebert_tool.model`` (the shim) stays cheap.
_EXPORTS = {
    "GeneBertConfig": "configuration",
    "named_config": "configuration",
    "GeneBertModel": "modeling",
    "GeneBertForPreTraining": "modeling",
    "GeneBertForSequenceClassification": "modeling",
    "build_region_encoder": "region_encoder",
    "info_nce": "losses",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
