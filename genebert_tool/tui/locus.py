"""Loci for the browser: parsing what the user types, and moving the view.

Coordinates: a :class:`Locus` is **0-based half-open** inside (``start`` is the first base shown,
``end`` one past the last), like BED and pyBigWig. What the user types and what the locus box
shows are **1-based inclusive**, like UCSC and IGV: ``chr2:1,000,001-1,050,000`` is
``Locus("chr2", 1_000_000, 1_050_000)``, 50,000 bp.

Accepted forms (commas and spaces inside numbers are ignored):

* ``chr2:1,000,001-1,050,000`` - the bases 1,000,001 to 1,050,000 (1-based, inclusive);
* ``chr2:1,234,567`` - :data:`POINT_WIDTH` bases centred on base 1,234,567 (1-based);
* ``chr2`` - the whole contig (needs its length);
* a feature name (``MYT1L``) - that feature's extent, looked up by the caller's ``find`` callable.

This module imports neither Textual nor torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from genebert_tool.genome.intervals import normalize_chrom

#: Width (bp) of the view opened by a ``chr:pos`` locus: base level, the position in the middle.
POINT_WIDTH = 41
#: The narrowest view zoom-in allows (bp).
MIN_WIDTH = 20


class LocusError(ValueError):
    """The text in the locus box is not a locus the loaded files know."""


@dataclass(frozen=True, slots=True)
class Locus:
    """``[start, end)`` on ``chrom``, 0-based half-open."""

    chrom: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise LocusError(f"empty locus {self.chrom}:{self.start}-{self.end}")

    @property
    def width(self) -> int:
        return self.end - self.start

    def display(self) -> str:
        """The 1-based inclusive form shown in the locus box: ``chr2:1,000,001-1,050,000``."""
        return f"{self.chrom}:{self.start + 1:,}-{self.end:,}"

    def __str__(self) -> str:
        return self.display()

    def clamp(self, length: int | None) -> Locus:
        """Shift (keeping the width when it fits) so the locus lies inside ``[0, length)``."""
        start, end = self.start, self.end
        if start < 0:
            start, end = 0, end - start
        if length is not None and end > length:
            start, end = max(0, start - (end - length)), length
        return Locus(self.chrom, start, max(end, start + 1))

    def pan(self, bp: int, length: int | None = None) -> Locus:
        """Move right by ``bp`` (left when negative), keeping the width, clamped to the contig."""
        return Locus(self.chrom, self.start + bp, self.end + bp).clamp(length)

    def zoom(self, factor: float, length: int | None = None, *, min_width: int = MIN_WIDTH) -> Locus:
        """Scale the width by ``factor`` (< 1 zooms in) about the centre, clamped to the contig."""
        width = max(min_width, int(round(self.width * factor)))
        if length is not None:
            width = min(width, length)
        centre2 = self.start + self.end  # twice the centre: stays an integer
        start = (centre2 - width) // 2
        return Locus(self.chrom, start, start + width).clamp(length)


_NUMBER = r"[0-9][0-9,_ ]*"
_RANGE = re.compile(rf"^(?P<chrom>[^:\s]+):(?P<start>{_NUMBER})(?:\s*[-–]\s*(?P<end>{_NUMBER}))?$")


def _int(text: str) -> int:
    return int(re.sub(r"[,_ ]", "", text))


def parse_locus(
    text: str,
    *,
    contigs: Mapping[str, int | None],
    find: Callable[[str], Locus | None] | None = None,
) -> Locus:
    """Parse what the user typed into a :class:`Locus` (see the module docstring for the forms).

    ``contigs`` maps contig names to lengths (None when unknown); chromosome names go through
    :func:`normalize_chrom`, so ``2`` finds ``chr2``. ``find`` looks up a feature name.
    Raises :class:`LocusError` with a message for the user when the text is not a locus.
    """
    text = text.strip()
    if not text:
        raise LocusError("type a locus: chr:start-end, chr:pos, chr or a feature name")
    match = _RANGE.match(text)
    if match:
        chrom = _contig(match["chrom"], contigs)
        length = contigs.get(chrom)
        first = _int(match["start"])
        if first < 1:
            raise LocusError(f"{text}: positions are 1-based (the first base is 1)")
        if match["end"] is None:
            half = POINT_WIDTH // 2
            _check_inside(text, first, length)
            return Locus(chrom, first - 1 - half, first - 1 - half + POINT_WIDTH).clamp(length)
        last = _int(match["end"])
        if last < first:
            raise LocusError(f"{text}: end ({last:,}) is before start ({first:,})")
        _check_inside(text, first, length)
        return Locus(chrom, first - 1, min(last, length) if length else last)
    if ":" not in text:
        chrom = normalize_chrom(text, contigs)
        if chrom is not None:
            length = contigs.get(chrom)
            if not length:
                raise LocusError(f"{text}: length of {chrom} unknown; give chr:start-end")
            return Locus(chrom, 0, length)
        if find is not None:
            found = find(text)
            if found is not None:
                return found.clamp(contigs.get(found.chrom))
        raise LocusError(f"{text}: not a contig or a feature name in the loaded files")
    raise LocusError(f"{text}: not a locus (use chr:start-end, chr:pos, chr or a feature name)")


def _contig(name: str, contigs: Mapping[str, int | None]) -> str:
    chrom = normalize_chrom(name, contigs)
    if chrom is None:
        known = ", ".join(list(contigs)[:5]) or "none loaded"
        raise LocusError(f"unknown contig {name!r} (known: {known})")
    return chrom


def _check_inside(text: str, first: int, length: int | None) -> None:
    if length is not None and first > length:
        raise LocusError(f"{text}: start ({first:,}) is past the contig end ({length:,})")
