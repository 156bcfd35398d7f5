"""Genomic intervals, chromosome-name normalisation and the reject log.

Coordinates are 0-based half-open everywhere (BED convention).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from genebert_tool.genome.io import atomic_write


@dataclass(frozen=True, slots=True)
class Region:
    """One interval ``[start, end)`` on ``chrom``.

    ``fields`` keeps every original column of the source line so writers can echo them back;
    ``line`` is the 1-based source line (0 when the region was not read from a file).
    """

    chrom: str
    start: int
    end: int
    name: str | None = None
    score: float | None = None
    strand: str = "."
    fields: tuple[str, ...] = ()
    line: int = 0

    @property
    def label(self) -> str:
        """The name, or ``chrom:start-end`` when the region has none."""
        return self.name if self.name else f"{self.chrom}:{self.start}-{self.end}"

    def __len__(self) -> int:
        return self.end - self.start


_MITO = ("chrM", "MT", "M", "chrMT")


def normalize_chrom(name: str, contigs: Collection[str]) -> str | None:
    """Map ``name`` onto one of ``contigs``; None when nothing matches.

    Tried in order: the exact name, the name with ``chr`` removed (``str.removeprefix``, never
    ``strip``), the name with ``chr`` added, and the mitochondrial aliases M / MT / chrM.
    """
    if name in contigs:
        return name
    bare = name.removeprefix("chr")
    candidates = [bare, "chr" + bare]
    if bare in ("M", "MT"):
        candidates.extend(_MITO)
    for cand in candidates:
        if cand in contigs:
            return cand
    return None


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape_field(text: str) -> str:
    """A TSV field that holds no tab or line break: ``\\`` ``TAB`` ``CR`` ``LF`` -> ``\\\\`` ``\\t`` ``\\r`` ``\\n``."""
    return text.translate(_ESCAPES)


@dataclass
class Reject:
    """One input record that was skipped, and why."""

    source: str
    line: int
    reason: str
    record: str


class RejectLog:
    """Collects skipped records so a run can continue and report them at the end."""

    def __init__(self) -> None:
        self._rejects: list[Reject] = []

    def add(self, source: str, line: int, reason: str, record: str) -> None:
        self._rejects.append(Reject(str(source), int(line), reason, record))

    def __len__(self) -> int:
        return len(self._rejects)

    def __iter__(self) -> Iterator[Reject]:
        return iter(self._rejects)

    def __bool__(self) -> bool:
        return bool(self._rejects)

    def counts(self) -> dict[str, int]:
        """Number of rejects per reason, most frequent first."""
        return dict(Counter(r.reason for r in self._rejects).most_common())

    def write_tsv(self, path: str | Path) -> None:
        """Write ``source, line, reason, record`` (with a header row) atomically.

        Every row has exactly four tab-separated fields, for ``cut``/``awk -F'\\t'`` as much as for
        a TSV reader: a backslash, tab, CR or LF inside a field is written as ``\\\\``, ``\\t``,
        ``\\r``, ``\\n`` (the record keeps the tabs of a BED line that way), nothing is quoted.
        """
        with atomic_write(path) as fh:
            fh.write("source\tline\treason\trecord\n")
            for r in self._rejects:
                fh.write("\t".join(escape_field(str(v)) for v in (r.source, r.line, r.reason, r.record)) + "\n")
