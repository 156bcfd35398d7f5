"""Label conventions shared by data loaders, models, training and evaluation (no heavy imports).

``IGNORE_INDEX``: a label that is not scored (PyTorch's cross-entropy default, transformers' convention).
``SPLICE_LABELS``: the splice classes, in model output order.
"""

IGNORE_INDEX = -100
SPLICE_LABELS = ("neither", "donor", "acceptor")
