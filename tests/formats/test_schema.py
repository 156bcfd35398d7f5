"""formats.schema: what annotate writes is what the browser's parsers read back."""

from __future__ import annotations

import math

import pytest

from genebert_tool.formats import schema


def test_score_and_fpr_number_formats():
    assert schema.format_score(-1e-9) == "0.0000" and schema.format_score(-0.25) == "-0.2500"
    assert schema.format_score(None) == schema.format_score(math.nan) == schema.format_score(math.inf) == "."
    assert schema.format_fpr(0.0123456) == "0.0123" and schema.format_fpr(5e-05) == "5e-05"
    assert schema.format_fpr(1.0) == "1" and schema.format_fpr(None) == "."
    assert schema.parse_number(schema.format_fpr(5e-05)) == pytest.approx(5e-05)
    # one negative-zero rule for every decimals count (scores: 4, motif bits: 2)
    assert schema.format_fixed(-0.004, 2) == "0.00" and schema.format_fixed(-0.006, 2) == "-0.01"
    assert schema.format_fixed(-0.0, 4) == "0.0000" and schema.format_fixed(-10.0, 1) == "-10.0"


def test_skip_entry_round_trip():
    text = ",".join([schema.format_skip_entry("<DEL>", "SYMBOLIC_ALT"), "NO_ALT"])
    assert list(schema.parse_skip_entries(text.split(","))) == [("<DEL>", "SYMBOLIC_ALT"), (".", "NO_ALT")]


def test_score_entry_round_trip():
    entry = schema.ScoreEntry("A", "promoter", 0.25, 0.5, 0.25)
    text = schema.format_score_entry(entry)
    assert text == "A|promoter|0.2500|0.5000|0.2500"
    assert list(schema.parse_score_entries([text])) == [entry]
    assert schema.format_fpr_entry("A", "promoter", 0.01, 1e-4).split("|") == ["A", "promoter", "0.01", "0.0001"]
    assert len(schema.FPR_FIELDS) == 4 and schema.SCORE_FIELDS[:4] == schema.FPR_FIELDS


@pytest.mark.parametrize("n, narrowpeak, expected", [
    (3, False, ["chrom", "start", "end"]),
    (14, False, [*schema.BED_COLUMNS, "col13", "col14"]),
    (10, True, list(schema.NARROWPEAK_COLUMNS)),
    (6, True, list(schema.BED_COLUMNS[:6])),  # a narrowPeak name but BED6 content
])
def test_input_column_names(n, narrowpeak, expected):
    names = schema.input_column_names(n, narrowpeak)
    assert names == expected and all(schema.is_input_column(c) for c in names)


def test_output_columns_clash_prefix_and_fpr_columns_read_back():
    lead = schema.input_column_names(6)
    cols = schema.output_columns(lead, ["score", "CTCF"])
    assert cols == ["genebert.score", "CTCF"]
    assert [schema.output_name(c) for c in cols] == ["score", "CTCF"]
    assert not any(schema.is_input_column(c) for c in cols)
    fpr = schema.fpr_column(cols[0])
    assert fpr == "genebert.score.bgfpr" and schema.is_fpr_column(fpr) and not schema.is_fpr_column(cols[1])
