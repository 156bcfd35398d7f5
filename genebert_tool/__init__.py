"""genebert: multi-modal (sequence + motif-region) pre-training for the regulatory genome.

This package is kept import-light on purpose: importing it must not import torch, timm
or transformers, so that ``genebert --help`` answers in well under a second.
"""

__version__ = "0.1.0"
