"""GeneBERT model: configuration, sequence (BERT) and region (timm) encoders, heads, losses.

Importing this package applies the torchvision shim (see ``genebert_tool._compat``) before
anything imports timm or transformers.
"""

from genebert_tool._compat import ensure_torchvision_importable

ensure_torchvision_importable()
