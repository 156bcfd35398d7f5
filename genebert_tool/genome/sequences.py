"""Readers for labelled-sequence data sets and FASTA.

Formats (see shared/data/SOURCES.md):

* GUE CSV ``sequence,label`` (promoter, TF-binding and splice tasks of DNABERT-2's GUE).
* DeepBind ``.seq`` TSV ``FoldID EventID seq Bound``.
* UCI splice-junction ``class, name, sequence`` (EI = donor, IE = acceptor, N = neither).
* DNABERT fine-tuning TSV ``sequence<TAB>label`` with the sequence written as overlapping k-mers.
* FASTA.

All readers are lazy generators, accept ``.gz`` and ``-`` (stdin), accept CRLF, uppercase the
sequence, read RNA ``U`` as ``T`` and keep IUPAC ambiguity codes (the tokenizer maps them to ``[UNK]``). Anything else --
digits, punctuation, a missing column, a non-integer label -- raises ``InputError`` naming the file
and line. A file without any record raises ``InputError("no records")``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.genome.io import display_name, iter_lines

#: IUPAC nucleotide codes (uppercase). Gaps ('-', '.') and '*' are not sequence.
IUPAC = frozenset("ACGTNRYSWKMBDHVU")

NEITHER, DONOR, ACCEPTOR = 0, 1, 2
from genebert_tool.labels import SPLICE_LABELS  # noqa: E402  (re-exported)
_UCI_CLASSES = {"N": NEITHER, "EI": DONOR, "IE": ACCEPTOR}

_COMPLEMENT = str.maketrans("ACGTUNRYKMSWBDHVacgtunrykmswbdhv", "TGCAANYRMKSWVHDBtgcaanyrmkswvhdb")


def reverse_complement(seq: str) -> str:
    """Reverse complement, IUPAC-aware (R<->Y, K<->M, B<->V, D<->H; S, W, N unchanged; U -> A)."""
    return seq.translate(_COMPLEMENT)[::-1]


@dataclass(frozen=True)
class LabelledSequence:
    """One labelled sequence; ``line`` is the 1-based line in ``source``."""

    name: str
    sequence: str
    label: int
    source: str
    line: int


def clean_sequence(text: str) -> str:
    """Uppercase ``text``, read RNA ``U`` as ``T``, and check it only holds IUPAC nucleotide codes;
    ``ValueError`` otherwise."""
    seq = text.strip().upper()
    if not seq:
        raise ValueError("empty sequence")
    if not IUPAC.issuperset(seq):
        pos, char = next((i, c) for i, c in enumerate(seq) if c not in IUPAC)
        raise ValueError(f"invalid character {char!r} at sequence position {pos} (expected IUPAC nucleotide codes)")
    return seq.replace("U", "T")  # the models were trained on DNA: uracil pairs like thymine


def _parse_label(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"label is not an integer: {text.strip()!r}") from None


def _records(
    source: str | os.PathLike,
    *,
    sep: str | None,
    header: tuple[str, ...] | None,
    min_fields: int,
) -> Iterator[tuple[int, list[str]]]:
    """Split data lines into fields, check the header, count records; blank lines are skipped."""
    name = display_name(source)
    seen_header = header is None
    n = 0
    for lineno, text in iter_lines(source):
        if not text.strip():
            continue
        fields = text.split(sep)
        if not seen_header:
            got = tuple(f.strip() for f in fields)
            if got[: len(header)] != header:
                raise InputError(f"expected header {sep.join(header)!r}, got {text!r}", path=name, line=lineno)
            seen_header = True
            continue
        if len(fields) < min_fields:
            raise InputError(
                f"truncated line: expected {min_fields} columns, got {len(fields)}", path=name, line=lineno
            )
        n += 1
        yield lineno, fields
    if n == 0:
        raise InputError("no records", path=name)


def _labelled(
    source: str | os.PathLike, lineno: int, name: str, seq: str, label: str
) -> LabelledSequence:
    where = display_name(source)
    try:
        return LabelledSequence(name, clean_sequence(seq), _parse_label(label), where, lineno)
    except ValueError as exc:
        raise InputError(str(exc), path=where, line=lineno) from None


def read_gue_csv(path: str | os.PathLike) -> Iterator[LabelledSequence]:
    """GUE ``sequence,label`` CSV. ``name`` is ``<file stem>:<line>``."""
    stem = Path(str(path)).name.split(".")[0] if str(path) != "-" else "stdin"
    for lineno, fields in _records(path, sep=",", header=("sequence", "label"), min_fields=2):
        if len(fields) != 2:
            raise InputError(f"expected 2 columns (sequence,label), got {len(fields)}", path=display_name(path), line=lineno)
        yield _labelled(path, lineno, f"{stem}:{lineno}", fields[0], fields[1])


def read_deepbind(path: str | os.PathLike) -> Iterator[LabelledSequence]:
    """DeepBind ``FoldID EventID seq Bound`` TSV; ``label`` = Bound, ``name`` = EventID."""
    for lineno, fields in _records(path, sep="\t", header=("FoldID", "EventID", "seq", "Bound"), min_fields=4):
        yield _labelled(path, lineno, fields[1].strip(), fields[2], fields[3])


def read_uci_splice(path: str | os.PathLike) -> Iterator[LabelledSequence]:
    """UCI splice-junction data: label 0 = neither (N), 1 = donor (EI), 2 = acceptor (IE).

    The class names follow the data, not section 3(b) of the upstream names file (which swaps
    them): EI rows carry GT at positions 30-31, IE rows AG at 28-29. Ambiguity codes are kept.
    """
    where = display_name(path)
    for lineno, fields in _records(path, sep=",", header=None, min_fields=3):
        cls = fields[0].strip()
        if cls not in _UCI_CLASSES:
            raise InputError(f"unknown class {cls!r} (expected EI, IE or N)", path=where, line=lineno)
        try:
            seq = clean_sequence(fields[2])
        except ValueError as exc:
            raise InputError(str(exc), path=where, line=lineno) from None
        yield LabelledSequence(fields[1].strip(), seq, _UCI_CLASSES[cls], where, lineno)


def kmers_to_sequence(kmers: list[str]) -> str:
    """Join overlapping k-mers (``ACGTAC CGTACG ...``) back into the plain sequence."""
    if not kmers:
        raise ValueError("empty k-mer list")
    k = len(kmers[0])
    for i, (a, b) in enumerate(zip(kmers, kmers[1:])):
        if len(b) != k:
            raise ValueError(f"k-mer {i + 2} has length {len(b)}, expected {k}")
        if a[1:] != b[:-1]:
            raise ValueError(f"k-mers {i + 1} and {i + 2} do not overlap ({a!r}, {b!r})")
    return kmers[0] + "".join(km[-1] for km in kmers[1:])


def read_dnabert_tsv(path: str | os.PathLike) -> Iterator[LabelledSequence]:
    """DNABERT fine-tuning TSV (``sequence<TAB>label``, sequence as space-separated k-mers)."""
    stem = Path(str(path)).name.split(".")[0] if str(path) != "-" else "stdin"
    where = display_name(path)
    for lineno, fields in _records(path, sep="\t", header=("sequence", "label"), min_fields=2):
        try:
            seq = kmers_to_sequence(fields[0].split())
        except ValueError as exc:
            raise InputError(str(exc), path=where, line=lineno) from None
        yield _labelled(path, lineno, f"{stem}:{lineno}", seq, fields[1])


def iter_fasta(source: str | os.PathLike) -> Iterator[tuple[str, str]]:
    """Yield ``(name, sequence)`` per FASTA record; name = first word of the header.

    Sequences are uppercased (soft-masking dropped), ``U`` read as ``T``, and must hold IUPAC codes
    only; any bad record raises ``InputError``. One record is held in memory at a time.
    """
    for _, name, seq in iter_fasta_records(source):
        yield name, seq


def iter_fasta_records(
    source: str | os.PathLike, *, rejects=None, max_records: int | None = None
) -> Iterator[tuple[int, str, str]]:
    """Yield ``(header_line, name, sequence)`` per FASTA record (``header_line`` 1-based).

    A bad record -- a header without a name, no sequence, a character that is not an IUPAC code
    (``-``, digits), a line that is not UTF-8 -- raises ``InputError`` naming file and line when
    ``rejects`` (a ``RejectLog``) is None; otherwise it is added there (at its header line, with
    the line of the fault in the reason) and skipped. ``max_records``: stop after that many
    records, valid or not. Text before the first ``>`` is not FASTA: always an error.
    """
    where = display_name(source)
    state = {"name": None, "line": 0, "chunks": [], "bad": None, "n": 0}

    def fail(reason: str, line: int) -> None:
        if rejects is None:
            raise InputError(reason, path=where, line=line)
        if state["bad"] is None:
            state["bad"] = f"{reason} (line {line})" if line != state["line"] else reason

    def finish() -> tuple[int, str, str] | None:
        if state["name"] is None and state["bad"] is None:
            return None
        state["n"] += 1
        if state["bad"] is None and not state["chunks"]:
            fail(f"record {state['name']!r} has no sequence", state["line"])
        if state["bad"] is not None:
            rejects.add(where, state["line"], state["bad"], f">{state['name'] or ''}")
            return None
        return state["line"], state["name"], "".join(state["chunks"])

    def bad_line(lineno: int, reason: str, text: str) -> None:
        if state["name"] is None:  # before the first header: not a FASTA file at all
            raise InputError(reason, path=where, line=lineno)
        fail(reason, lineno)

    for lineno, text in iter_lines(source, on_bad_line=None if rejects is None else bad_line):
        line = text.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            done = finish()
            if done is not None:
                yield done
            if max_records is not None and state["n"] >= max_records:
                return
            words = line[1:].split()
            state.update(name=words[0] if words else None, line=lineno, chunks=[], bad=None)
            if not words:
                state["name"] = ""
                fail("FASTA header without a name", lineno)
            continue
        if state["name"] is None:
            raise InputError("sequence before the first '>' header (is this FASTA?)", path=where, line=lineno)
        if state["bad"] is not None:
            continue
        try:
            state["chunks"].append(clean_sequence(line))
        except ValueError as exc:
            fail(str(exc), lineno)
    done = finish()
    if done is not None:
        yield done
    if state["n"] == 0:
        raise InputError("no records", path=where)


def read_labelled(path: str | os.PathLike) -> Iterator[LabelledSequence]:
    """Pick the reader from the file name: ``.seq`` DeepBind, ``.data`` UCI, ``.tsv`` DNABERT, ``.csv`` GUE."""
    name = Path(str(path)).name.removesuffix(".gz")
    for suffix, reader in ((".seq", read_deepbind), (".data", read_uci_splice), (".tsv", read_dnabert_tsv), (".csv", read_gue_csv)):
        if name.endswith(suffix):
            return reader(path)
    raise InputError("cannot tell the format from the name (expected .csv, .seq, .tsv or .data, optionally .gz)", path=str(path))
