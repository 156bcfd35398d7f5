"""Training code for genebert: corpus building, pre-training, fine-tuning, evaluation.

``trainer`` imports ``genebert_tool``; only ``genebert_tool/cli.py`` imports ``trainer`` back.
"""

from genebert_tool._compat import ensure_torchvision_importable

ensure_torchvision_importable()
