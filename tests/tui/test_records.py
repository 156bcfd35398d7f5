"""tui/records.py: the browser's record types and the parsers of genebert's INFO entries and numbers."""

from __future__ import annotations

from genebert_tool.formats import schema
from genebert_tool.tui.records import fmt_score, parse_genebert_info, parse_skip_info, to_float


def test_parse_genebert_info_tolerates_missing_numbers():
    [entry] = parse_genebert_info(["A|promoter|.|0.5|."])
    assert (entry.ref, entry.alt, entry.delta) == (None, 0.5, None)
    assert list(parse_genebert_info(["garbage"])) == []


def test_skip_entries_and_numbers_read_what_annotate_writes():
    written = [schema.format_skip_entry("<DEL>", "SYMBOLIC_ALT"), "NO_ALT"]
    assert list(parse_skip_info(written)) == [("<DEL>", "SYMBOLIC_ALT"), (".", "NO_ALT")]
    assert to_float(schema.format_score(-1e-9)) == 0.0 and to_float(".") is None and to_float("NA") is None
    assert fmt_score(None) == schema.MISSING and to_float(fmt_score(0.25)) == 0.25
