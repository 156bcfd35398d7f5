"""Inference outside model/: turning sequences or genome intervals into probabilities.

``splice``: the per-base splice scanner (one forward pass per window scores every central base).
"""
