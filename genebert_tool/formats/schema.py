"""One place for the layout of genebert's outputs: the VCF INFO fields and the scored-BED columns.

``genebert annotate`` writes these and ``genebert browse`` reads them back; both should take the
field names, the entry layout and the number format from here. Standard library only.

VCF INFO (see the ``##INFO`` lines annotate writes):

* ``GENEBERT=ALLELE|OUTPUT|REF|ALT|DELTA,...`` - one entry per scored ALT and output;
* ``GENEBERT_RISK`` (Number=A) - per ALT, the DELTA of largest magnitude; ``GENEBERT_RISK_OUTPUT``
  (Number=A) - the output it comes from; ``.`` = not scored;
* ``GENEBERT_SKIP=ALLELE|REASON,...`` - ALTs not scored;
* ``GENEBERT_BGFPR=ALLELE|OUTPUT|REF|ALT,...`` - for outputs of calibrated models (a
  ``background.json`` in the model directory), the background FPR of the REF and ALT probabilities
  of the ``GENEBERT`` entry with the same ALLELE and OUTPUT (:func:`format_fpr`);
* ``GENEBERT_MOTIF=ALLELE|MOTIF|REF_SCORE|ALT_SCORE,...`` - JASPAR motifs whose best hit overlapping
  the allele the ALT creates or destroys, with both best scores in bits (:func:`format_motif_entry`;
  the rule is ``annotate.motif_effects``).

Scored BED (``PREFIX.bed``): ``#`` comment lines, then a ``#chrom<TAB>start<TAB>end...`` header
naming every column: the input's columns (:data:`BED_COLUMNS` names, ``colN`` past them, or
:data:`NARROWPEAK_COLUMNS`), then one column per model output; an output whose name clashes with an
input column is written ``genebert.<name>``. Scores are written with :func:`format_score`. A calibrated
model's probability column ``X`` is followed by ``X.bgfpr`` (:func:`fpr_column`): the probability's
background false-positive rate, written with :func:`format_fpr`. FASTA input gives ``PREFIX.tsv`` with
the same score columns after ``name start end``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MISSING = "."

INFO_SCORES = "GENEBERT"
INFO_RISK = "GENEBERT_RISK"
INFO_RISK_OUTPUT = "GENEBERT_RISK_OUTPUT"
INFO_RISK_P = "GENEBERT_RISK_P"
INFO_SKIP = "GENEBERT_SKIP"
INFO_BGFPR = "GENEBERT_BGFPR"
INFO_MOTIF = "GENEBERT_MOTIF"
#: ``##KEY=<...>`` header lines: the run, one per model, the risk classifier, one calibration line per model.
META_RUN = "genebert"
META_MODEL = "genebert_model"
META_RISK_MODEL = "genebert_risk_model"
META_BACKGROUND = "genebert_background"
#: One ``##genebert_annotation=<File,Sha256,Transcripts>`` line per gene-annotation file a run read.
META_ANNOTATION = "genebert_annotation"
#: Fields of one ``GENEBERT`` entry, in order.
SCORE_FIELDS = ("ALLELE", "OUTPUT", "REF", "ALT", "DELTA")
#: Fields of one ``GENEBERT_BGFPR`` entry, in order.
FPR_FIELDS = ("ALLELE", "OUTPUT", "REF", "ALT")
#: Fields of one ``GENEBERT_MOTIF`` entry, in order (scores: log2-odds bits, two decimals).
MOTIF_FIELDS = ("ALLELE", "MOTIF", "REF_SCORE", "ALT_SCORE")
#: Suffix of the column holding the background FPR of the probability column before it.
FPR_SUFFIX = ".bgfpr"

BED_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "thickStart", "thickEnd",
               "itemRgb", "blockCount", "blockSizes", "blockStarts")
NARROWPEAK_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "signalValue",
                      "pValue", "qValue", "peak")
#: Leading columns of a ``--tile`` scored BED and of the FASTA table (``PREFIX.tsv``).
TILE_COLUMNS = ("chrom", "start", "end", "region")
TSV_COLUMNS = ("name", "start", "end")
#: Prefix of an output column whose name clashes with an input column.
OUTPUT_CLASH_PREFIX = "genebert."
_INPUT_COLUMNS = frozenset(BED_COLUMNS + NARROWPEAK_COLUMNS + TILE_COLUMNS + TSV_COLUMNS)
_COLN = re.compile(r"col(umn)?\d+")


@dataclass(frozen=True, slots=True)
class ScoreEntry:
    """One ``GENEBERT`` entry: the model's ``ref`` and ``alt`` scores and ``delta = alt - ref``."""

    allele: str
    output: str
    ref: float | None
    alt: float | None
    delta: float | None


@dataclass(frozen=True, slots=True)
class MotifEntry:
    """One ``GENEBERT_MOTIF`` entry: the best hit of ``motif`` on the REF and on the ALT allele, in bits."""

    allele: str
    motif: str
    ref: float | None
    alt: float | None

    @property
    def change(self) -> str:
        """``destroyed`` (REF scores higher), ``created`` or ``.`` (a score missing)."""
        if self.ref is None or self.alt is None:
            return MISSING
        return "destroyed" if self.ref > self.alt else "created"


def format_fixed(value: float | None, decimals: int) -> str:
    """``value`` to ``decimals`` decimals, ``.`` for no value, and never a negative zero (``-0.0000``:
    a tiny negative rounded) -- the one number rule of every genebert table, track and INFO field."""
    if value is None or not math.isfinite(value):
        return MISSING
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def format_score(value: float | None) -> str:
    """A probability or delta: :func:`format_fixed` to four decimals."""
    return format_fixed(value, 4)


def format_fpr(value: float | None) -> str:
    """A background FPR in (0, 1] to three significant digits (``0.0123``, ``5e-05``, ``1``); ``.`` for none."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{float(value):.3g}"


def fpr_column(column: str) -> str:
    """The name of the FPR column written after probability column ``column``."""
    return column + FPR_SUFFIX


def is_fpr_column(name: str) -> bool:
    """Whether a scored-table column holds a background FPR (not a probability)."""
    return name.endswith(FPR_SUFFIX)


def parse_number(text: str | None) -> float | None:
    """A finite float, or None for ``.``, empty, ``NA`` or anything that is not a number."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def format_score_entry(entry: ScoreEntry) -> str:
    """``ALLELE|OUTPUT|REF|ALT|DELTA``."""
    return "|".join((entry.allele, entry.output, format_score(entry.ref), format_score(entry.alt),
                     format_score(entry.delta)))


def format_fpr_entry(allele: str, output: str, ref: float | None, alt: float | None) -> str:
    """``ALLELE|OUTPUT|REF|ALT`` of FPRs."""
    return "|".join((allele, output, format_fpr(ref), format_fpr(alt)))


def format_motif_entry(entry: MotifEntry) -> str:
    """``ALLELE|MOTIF|REF_SCORE|ALT_SCORE`` (motif scores in bits to two decimals)."""
    return "|".join((entry.allele, entry.motif, format_fixed(entry.ref, 2), format_fixed(entry.alt, 2)))


def format_skip_entry(allele: str, reason: str) -> str:
    """``ALLELE|REASON`` of one ``GENEBERT_SKIP`` entry (:func:`parse_skip_entries` reads it back)."""
    return f"{allele}|{reason}"


def parse_motif_entries(entries: Iterable[str]) -> Iterator[MotifEntry]:
    """Parse ``GENEBERT_MOTIF`` entries; entries without four fields are left out."""
    for entry in entries:
        parts = entry.split("|")
        if len(parts) == len(MOTIF_FIELDS):
            yield MotifEntry(parts[0], parts[1], parse_number(parts[2]), parse_number(parts[3]))


def parse_score_entries(entries: Iterable[str]) -> Iterator[ScoreEntry]:
    """Parse ``ALLELE|OUTPUT|REF|ALT|DELTA`` entries (``.`` or a malformed number -> None);
    entries without five fields are left out."""
    for entry in entries:
        parts = entry.split("|")
        if len(parts) != len(SCORE_FIELDS):
            continue
        yield ScoreEntry(parts[0], parts[1], parse_number(parts[2]), parse_number(parts[3]),
                         parse_number(parts[4]))


def parse_skip_entries(entries: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``GENEBERT_SKIP`` entries as (allele, reason); an entry without ``|`` applies to all ALTs."""
    for entry in entries:
        allele, sep, reason = entry.partition("|")
        yield (allele, reason) if sep else (MISSING, allele)


def input_column_names(n: int, narrowpeak: bool = False) -> list[str]:
    """Names of a scored BED's first ``n`` (input) columns: :data:`NARROWPEAK_COLUMNS` for a 10-column
    narrowPeak, else :data:`BED_COLUMNS`, ``colN`` past the known ones."""
    known = NARROWPEAK_COLUMNS if narrowpeak and n == len(NARROWPEAK_COLUMNS) else BED_COLUMNS
    return [known[i] if i < len(known) else f"col{i + 1}" for i in range(n)]


def output_columns(input_columns: Iterable[str], outputs: Iterable[str]) -> list[str]:
    """Scored-table names of model ``outputs``: ``genebert.<name>`` where a name clashes with an input column."""
    taken = set(input_columns)
    return [OUTPUT_CLASH_PREFIX + o if o in taken else o for o in outputs]


def is_input_column(name: str) -> bool:
    """Whether a scored-BED column came from the input (named, ``colN``) rather than a model."""
    return name in _INPUT_COLUMNS or _COLN.fullmatch(name) is not None


def output_name(column: str) -> str:
    """The model output a scored-BED column holds (``genebert.score`` -> ``score``)."""
    return column.removeprefix(OUTPUT_CLASH_PREFIX)
