"""From records to model input windows. Pure coordinate arithmetic plus sequence slicing.

Conventions (0-based half-open everywhere):

* **Centred window.** An interval ``[a, b)`` is scored with the ``L``-bp window
  ``[m - L//2, m - L//2 + L)`` where ``m = (a + b) // 2`` -- the one rule of
  ``genebert_tool.genome.windows``, shared with training. Windows past a sequence end are padded
  with ``N`` (the tokenizer maps N k-mers to UNK).
* **Tiles.** ``--tile W --step S`` cuts ``[a, b)`` into ``[a + i*S, a + i*S + W)`` while the tile fits;
  when ``(b - a - W)`` is not a multiple of ``S`` one last tile ``[b - W, b)`` is added so the
  whole region is covered. A region shorter than ``W`` gives one tile, the region itself.
* **Variants.** See :func:`split_variant_flank`.
"""

from __future__ import annotations

from collections.abc import Iterator

from genebert_tool.genome.sequences import reverse_complement  # re-exported: annotate code imports it from here
from genebert_tool.genome.windows import centred_window, stranded_window  # re-exported, as above

def slice_padded(sequence: str, start: int, end: int) -> str:
    """``sequence[start:end]`` upper-cased, with ``N`` for indices outside ``[0, len(sequence))``."""
    n = len(sequence)
    left = max(0, -start)
    right = max(0, end - max(n, start))
    core = sequence[max(0, start) : min(n, end)] if end > 0 and start < n else ""
    return ("N" * left + core.upper() + "N" * right)[: max(0, end - start)]


def iter_tiles(start: int, end: int, tile: int, step: int) -> Iterator[tuple[int, int]]:
    """Tiles of ``tile`` bp every ``step`` bp covering ``[start, end)`` (see module docstring)."""
    if tile <= 0 or step <= 0:
        raise ValueError(f"--tile and --step must be positive (got {tile}, {step})")
    if end - start <= tile:
        yield start, end
        return
    pos = start
    last = start
    while pos + tile <= end:
        yield pos, pos + tile
        last = pos
        pos += step
    if last + tile < end:
        yield end - tile, end


def variant_flank_request(start: int, ref: str, length: int, distance: int = 0) -> tuple[int, int]:
    """The genome interval :func:`split_variant_flank` needs: ``length + distance`` bp either side of REF."""
    return start - length - distance, start + len(ref) + length + distance


def split_variant_flank(
    flank: str, ref_len: int, alt: str, length: int, offset: int = 0, distance: int = 0, strand: str = "+"
) -> tuple[str, str]:
    """Reference and alternate ``length``-bp windows for the variant ``ref -> alt`` at ``start``.

    ``flank`` is the genome sequence of ``variant_flank_request(start, ref, length, distance)``
    (fetched once per variant, N-padded past contig ends). Both windows are built the same way, by
    substitution, so SNVs, MNVs and indels share one rule: ``full = left + allele + right`` with
    ``left = genome[start - length - distance : start]`` and ``right`` the bases after REF; the window
    is the ``length``-bp slice of ``full`` centred on the allele (allele centre = its first base +
    ``len(allele)//2``, placed at index ``length//2``). For an SNV the two windows differ in the
    centre base only; an insertion pushes flanking bases out of both ends, a deletion pulls more
    flank in. An allele longer than the window is cut to its centre. The reference allele is read
    from the genome (the VCF's REF was checked against it by the reader).
    ``offset`` (``|offset| <= distance``) moves both window centres by that many bases from the
    allele centres -- the same genomic position on both alleles for bases outside the allele.
    ``strand="-"``: both windows are reverse-complemented, centred the same way in that orientation
    (allele centre at index ``length//2``).

    Returns ``(ref_window, alt_window)``, each exactly ``length`` characters, upper case.
    """
    if abs(offset) > distance:
        raise ValueError(f"|offset| {offset} > distance {distance}")
    pad = length + distance
    left, ref_genome, right = flank[:pad], flank[pad : pad + ref_len], flank[pad + ref_len :]
    minus = strand == "-"

    def _centre(allele: str) -> str:
        full = left + allele + right
        if not minus:
            lo = pad + len(allele) // 2 + offset - length // 2
            return full[lo : lo + length]
        # forward index of the allele centre / window centre seen from the minus strand
        lo = pad + (len(allele) - 1 - len(allele) // 2) - offset - (length - 1 - length // 2)
        return reverse_complement(full[lo : lo + length])

    return _centre(ref_genome), _centre(alt.upper())
