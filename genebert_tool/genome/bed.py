"""Streaming BED reader (BED3 to BED12, narrowPeak and other BED3+ files; plain, gzip or stdin).

Every record is validated: integer coordinates, ``0 <= start < end``, a numeric or ``.`` score, a
strand of ``+``/``-``/``.``, and -- with a ``Genome`` -- a contig the genome knows and an end within
that contig. Columns beyond the sixth are kept verbatim in ``Region.fields`` and not interpreted,
because BED12 blocks, narrowPeak summits and ad-hoc BED3+ extras share those positions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from genebert_tool.errors import InputError
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.intervals import Region, RejectLog
from genebert_tool.genome.io import display_name, iter_lines

_SKIP_PREFIXES = ("#", "track", "browser")
_STRANDS = frozenset("+-.")


_INT = re.compile(r"-?[0-9]+")


def _parse_int(text: str, what: str) -> int:
    # Python's int() also takes '1_000', '+100' and non-ASCII digits; BED has plain digits only
    if not _INT.fullmatch(text):
        raise ValueError(f"{what} is not an integer: {text!r}")
    return int(text)


def parse_bed_line(text: str, lineno: int = 0, genome: Genome | None = None) -> Region:
    """Parse one BED data line into a ``Region``; raises ``ValueError`` (no file name) if invalid."""
    fields = text.split("\t") if "\t" in text else text.split()
    if len(fields) < 3:
        raise ValueError(f"truncated line: expected at least 3 columns (chrom, start, end), got {len(fields)}")
    chrom, start_s, end_s = fields[0].strip(), fields[1].strip(), fields[2].strip()
    if not chrom:
        raise ValueError("empty chromosome name")
    start = _parse_int(start_s, "start")
    end = _parse_int(end_s, "end")
    if start < 0:
        raise ValueError(f"negative start ({start})")
    if start > end:
        raise ValueError(f"start ({start}) > end ({end})")
    if start == end:
        raise ValueError(f"zero-length interval ({start}-{end})")
    name = fields[3].strip() if len(fields) > 3 else None
    if name in ("", "."):
        name = None
    score: float | None = None
    if len(fields) > 4 and fields[4].strip() not in ("", "."):
        try:
            score = float(fields[4])
        except ValueError:
            raise ValueError(f"score is not a number: {fields[4]!r}") from None
    strand = (fields[5].strip() if len(fields) > 5 else ".") or "."  # an empty strand field is "no strand"
    if strand not in _STRANDS:
        raise ValueError(f"strand must be '+', '-' or '.', got {strand!r}")
    if genome is not None:
        resolved = genome.resolve(chrom)
        if resolved is None:
            raise ValueError(f"contig {chrom!r} not in genome")
        length = genome.length(resolved)
        if end > length:
            raise ValueError(f"end ({end}) beyond the end of {resolved} (length {length})")
        first = genome.start(resolved)
        if start < first:  # the VCF reader rejects these positions too (OUTSIDE_GENOME_SEQUENCE)
            raise ValueError(f"start ({start}) outside the genome sequence: the FASTA holds {resolved} from "
                             f"{first} (--genome-offset)")
        chrom = resolved
    return Region(chrom, start, end, name, score, strand, tuple(fields), lineno)


def iter_bed(
    source: str | os.PathLike,
    *,
    genome: Genome | None = None,
    rejects: RejectLog | None = None,
    max_records: int | None = None,
) -> Iterator[Region]:
    """Yield one ``Region`` per BED data line of ``source`` (a path, ``.gz``, or ``-`` for stdin).

    Blank, ``#``, ``track`` and ``browser`` lines are skipped; CRLF line ends are accepted. With
    ``genome``, chromosome names are normalised to the FASTA's names (``2`` -> ``chr2``) and
    unknown contigs or ends past the contig are invalid. An invalid record raises
    ``InputError`` (file:line: reason) when ``rejects`` is None, otherwise it is added to
    ``rejects`` and skipped -- a line that is not UTF-8 text too. ``max_records``: stop after that
    many data lines, valid or not. A file without any data line raises ``InputError("no records")``.
    """
    name = display_name(source)
    n_data = 0

    def bad_line(lineno: int, reason: str, text: str) -> None:
        nonlocal n_data
        if max_records is not None and n_data >= max_records:
            return
        n_data += 1
        rejects.add(name, lineno, reason, text)  # type: ignore[union-attr]

    for lineno, text in iter_lines(source, on_bad_line=None if rejects is None else bad_line):
        stripped = text.strip()
        if not stripped or stripped.startswith(_SKIP_PREFIXES):
            continue
        if max_records is not None and n_data >= max_records:
            return
        n_data += 1
        try:
            region = parse_bed_line(text, lineno, genome)
        except ValueError as exc:
            reason = str(exc)
            if n_data == 1 and "is not an integer" in reason:
                reason += " (a column-header line? BED headers must start with '#')"
            if rejects is None:
                raise InputError(reason, path=name, line=lineno) from None
            rejects.add(name, lineno, reason, text)
            continue
        yield region
    if n_data == 0:
        raise InputError("no records (empty BED file)", path=name)
