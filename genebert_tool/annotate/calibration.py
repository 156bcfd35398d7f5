"""Background FPR beside each probability, for models with a ``background.json`` (``genebert calibrate``).

The FPR of a probability p of output o is the fraction of the model's background sample (random
windows of its train region, or every base of them for per-base splice models) scoring >= p
(``inference.background.Background.fpr``): 0.01 means one background window in a hundred scores as
high. Where the tables put it (column names from ``formats.schema``):

* BED / FASTA tables: column ``X.bgfpr`` right after each probability column ``X`` of a calibrated
  model; a row scored by a splice model per position carries the FPR of its maximum (per base).
* VCF: INFO ``GENEBERT_BGFPR=ALLELE|OUTPUT|REF|ALT,...``, one entry per ``GENEBERT`` entry of a
  calibrated output (a separate key, so the five-field ``GENEBERT`` layout stays as it is).

Models without a ``background.json`` get no FPR columns or entries; the header says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from genebert_tool.annotate.models import ScoringModel
from genebert_tool.formats import schema


def _blocks(models: Sequence[ScoringModel], values: np.ndarray):
    off = 0
    for m in models:
        k = len(m.columns)
        yield m, values[:, off : off + k]
        off += k


def table_columns(models: Sequence[ScoringModel], names: Sequence[str]) -> list[str]:
    """Score column names (``names``: one per model column, in model order) with ``X.bgfpr`` after
    each column of a calibrated model."""
    out: list[str] = []
    it = iter(names)
    for m in models:
        for _ in m.columns:
            name = next(it)
            out.append(name)
            if m.background is not None:
                out.append(schema.fpr_column(name))
    return out


def table_cells(models: Sequence[ScoringModel], values: np.ndarray) -> list[list]:
    """Per row of ``values`` ``(n_rows, n_columns)``: the probabilities (floats) with the formatted
    FPR string after each calibrated one, in :func:`table_columns` order."""
    columns: list[list] = []
    for m, block in _blocks(models, values):
        fpr = m.fpr(block) if m.background is not None else None
        for j in range(block.shape[1]):
            columns.append(block[:, j].tolist())
            if fpr is not None:
                columns.append([schema.format_fpr(x) for x in fpr[:, j].tolist()])
    return [list(row) for row in zip(*columns)] if columns else [[] for _ in range(len(values))]


def fpr_pairs(models: Sequence[ScoringModel], ref: np.ndarray, alt: np.ndarray):
    """``(column index, ref FPR, alt FPR)`` arrays for every calibrated column (VCF: ``(n_variants,)`` each)."""
    out = []
    off = 0
    for m in models:
        k = len(m.columns)
        if m.background is not None:
            fr, fa = m.fpr(ref[:, off : off + k]), m.fpr(alt[:, off : off + k])
            out += [(off + j, fr[:, j], fa[:, j]) for j in range(k)]
        off += k
    return out


def _describe(m: ScoringModel) -> str:
    bg = m.background
    unit = bg.data.get("unit", "window")
    thresholds = ", ".join(f"{c}={bg.default_threshold(o):.4f}" for c, o in zip(m.columns, m.outputs))
    return (f"background of random {unit}s of its train region, n={bg.data['n_background']}; default "
            f"threshold (FPR 1%): {thresholds}")


def header_comments(models: Sequence[ScoringModel]) -> list[str]:
    """``#`` comment lines for BED/TSV tables: what ``X.bgfpr`` means, per model its default thresholds,
    or that it has no calibration."""
    lines = []
    if any(m.background is not None for m in models):
        lines.append("X.bgfpr = background false-positive rate of probability X: the fraction of the model's "
                     "background sample scoring >= X (per base for per-position splice rows: the FPR of the row "
                     "maximum); 1/n_background at the top")
    for m in models:
        if m.background is None:
            lines.append(f"calibration {m.name}: none (no background.json in the model directory): no .bgfpr "
                         f"columns for {', '.join(m.columns)}")
        else:
            lines.append(f"calibration {m.name}: {_describe(m)}")
    return lines


def vcf_header_lines(models: Sequence[ScoringModel]) -> list[str]:
    """The ``##INFO`` line of ``GENEBERT_BGFPR`` (when any model is calibrated) and one
    ``##genebert_background`` line per model."""
    lines = []
    if any(m.background is not None for m in models):
        lines.append(
            f'##INFO=<ID={schema.INFO_BGFPR},Number=.,Type=String,Description="GeneBERT background false-positive '
            "rate of the REF and ALT probabilities of the GENEBERT entry with the same ALLELE and OUTPUT: the "
            "fraction of the model's background sample (random windows of its train region; see "
            f"##{schema.META_BACKGROUND}) scoring at least as high. Only outputs of calibrated models. Format: "
            f'{"|".join(schema.FPR_FIELDS)}">')
    for m in models:
        if m.background is None:
            lines.append(f'##{schema.META_BACKGROUND}=<ID="{m.name}",Calibrated="no">')
        else:
            bg = m.background
            thresholds = "|".join(f"{c}:{bg.default_threshold(o):.4f}" for c, o in zip(m.columns, m.outputs))
            lines.append(f'##{schema.META_BACKGROUND}=<ID="{m.name}",Calibrated="yes",Unit="{bg.data.get("unit", "window")}",'
                         f'NBackground={bg.data["n_background"]},DefaultThresholdFpr=0.01,'
                         f'DefaultThresholds="{thresholds}">')
    return lines
