"""The one centring rule: which ``L`` bases a model reads for an interval or a longer sequence.

**Rule** (0-based half-open): the ``L``-bp window centred on ``[a, b)`` is ``[m - L//2, m - L//2 + L)``
with ``m = (a + b) // 2``. So a 1-bp interval ``[p, p+1)`` puts base ``p`` at index ``L//2``, an
interval of exactly ``L`` bp is its own window, and when the excess ``(b - a) - L`` is odd the extra
base goes to the *left* of the window (for 400 bp in and 61 bp out: bases ``[170, 231)``).

Everything that centres reads it from here: ``annotate`` (BED rows, tiles, FASTA records),
fine-tuning's ``crop_bp`` and ``evaluate``'s crop to the model window (:func:`centre_crop`),
genome-sampled training windows (``trainer/genome_data.py``, ``trainer/splice_token.py``), the
genome scan's tiles and the per-base splice scanner's fitting of other lengths
(:func:`centre_fit`). Minus-strand rows use :func:`stranded_window`, the mirror image, so a row reads
the same bases relative to its own orientation.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["centre_crop", "centre_crop_all", "centre_fit", "centred_window", "stranded_window"]


def centred_window(start: int, end: int, length: int) -> tuple[int, int]:
    """``(lo, lo + length)``: the ``length``-bp window centred on ``[start, end)`` (module docstring).

    May extend past either end of ``[start, end)`` (and of the sequence): callers pad with ``N``.
    """
    if length <= 0:
        raise ValueError(f"window length must be positive, got {length}")
    lo = (start + end) // 2 - length // 2
    return lo, lo + length


def stranded_window(start: int, end: int, length: int, strand: str = "+") -> tuple[int, int]:
    """The genome interval of the window centred on ``[start, end)`` as read on ``strand``.

    ``+``/``.``: :func:`centred_window`. ``-``: the window whose *reverse complement* is centred by the
    same rule in transcript orientation (for ``[p, p+1)``, base p lands at index ``length//2`` of the
    reverse-complemented window), i.e. ``[lo, lo + length)`` with
    ``lo = end - (end - start)//2 + length//2 - length``. The caller reverse-complements the sequence.
    """
    if strand != "-":
        return centred_window(start, end, length)
    if length <= 0:
        raise ValueError(f"window length must be positive, got {length}")
    lo = end - (end - start) // 2 + length // 2 - length
    return lo, lo + length


def centre_crop(sequence: str, length: int) -> str:
    """The centred ``length`` bases of a longer ``sequence`` (the rule on ``[0, len)``); shorter or
    equal sequences are returned unchanged (models read shorter inputs as they are)."""
    if len(sequence) <= length:
        return sequence
    lo, hi = centred_window(0, len(sequence), length)
    return sequence[lo:hi]


def centre_crop_all(sequences: Sequence[str], length: int | None) -> list[str]:
    """:func:`centre_crop` of every sequence; ``length`` None or 0 keeps them all as they are."""
    if not length:
        return list(sequences)
    return [centre_crop(s, length) for s in sequences]


def centre_fit(sequence: str, length: int) -> str:
    """Exactly ``length`` bases: a longer ``sequence`` centre-cropped, a shorter one N-padded on both
    sides by the same rule (its centre base lands at index ``length//2``)."""
    lo, hi = centred_window(0, len(sequence), length)
    left, right = max(0, -lo), max(0, hi - len(sequence))
    return "N" * left + sequence[max(0, lo) : min(len(sequence), hi)] + "N" * right
