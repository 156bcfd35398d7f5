"""Locus parsing (1-based inclusive outside, 0-based half-open inside) and view arithmetic."""

from __future__ import annotations

import pytest

from genebert_tool.tui.locus import POINT_WIDTH, Locus, LocusError, parse_locus

CONTIGS = {"chr2": 2_333_275, "chr22": None}


def _find(name: str) -> Locus | None:
    return {"myt1l": Locus("chr2", 1_789_112, 2_331_260)}.get(name.casefold())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("chr2:1,000,001-1,050,000", Locus("chr2", 1_000_000, 1_050_000)),
        ("chr2:1000001-1050000", Locus("chr2", 1_000_000, 1_050_000)),
        ("  chr2:1,000,001 - 1,050,000 ", Locus("chr2", 1_000_000, 1_050_000)),
        ("2:1-10", Locus("chr2", 0, 10)),  # "2" normalised onto the loaded "chr2"
        ("chr2:5-5", Locus("chr2", 4, 5)),  # one base
        ("chr2:2,333,000-9,999,999", Locus("chr2", 2_332_999, 2_333_275)),  # clipped to the contig
        ("chr2", Locus("chr2", 0, 2_333_275)),
        ("MYT1L", Locus("chr2", 1_789_112, 2_331_260)),
        ("myt1l", Locus("chr2", 1_789_112, 2_331_260)),
    ],
)
def test_parse_forms(text, expected):
    assert parse_locus(text, contigs=CONTIGS, find=_find) == expected


def test_parse_point_centres_the_base():
    locus = parse_locus("chr2:1,234,567", contigs=CONTIGS, find=_find)
    assert locus.width == POINT_WIDTH
    # Base 1,234,567 (1-based) is index 1,234,566: it sits in the middle of the view.
    assert locus.start + POINT_WIDTH // 2 == 1_234_566
    assert locus == Locus("chr2", 1_234_566 - POINT_WIDTH // 2, 1_234_566 - POINT_WIDTH // 2 + POINT_WIDTH)


def test_point_near_contig_start_is_clamped():
    assert parse_locus("chr2:3", contigs=CONTIGS) == Locus("chr2", 0, POINT_WIDTH)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "type a locus"),
        ("chr2:5-1", "before start"),
        ("chr2:0-10", "1-based"),
        ("chrX:1-100", "unknown contig"),
        ("chr2:3,000,000-3,000,010", "past the contig end"),
        ("NOSUCHGENE", "not a contig or a feature"),
        ("chr2:abc-def", "not a locus"),
        ("chr22", "length of chr22 unknown"),
    ],
)
def test_parse_rejects_bad_input(text, message):
    with pytest.raises(LocusError, match=message):
        parse_locus(text, contigs=CONTIGS, find=_find)


def test_display_is_one_based_inclusive_and_round_trips():
    locus = Locus("chr2", 1_000_000, 1_050_000)
    assert locus.display() == "chr2:1,000,001-1,050,000"
    assert parse_locus(locus.display(), contigs=CONTIGS) == locus


def test_pan_and_zoom_exact():
    locus = Locus("chr2", 1_000_000, 1_050_000)
    assert locus.pan(5_000) == Locus("chr2", 1_005_000, 1_055_000)
    assert locus.pan(-5_000) == Locus("chr2", 995_000, 1_045_000)
    assert locus.zoom(0.5) == Locus("chr2", 1_012_500, 1_037_500)
    assert locus.zoom(2.0) == Locus("chr2", 975_000, 1_075_000)


def test_pan_and_zoom_stay_inside_the_contig():
    length = 2_333_275
    assert Locus("chr2", 1_000, 11_000).pan(-50_000, length) == Locus("chr2", 0, 10_000)
    assert Locus("chr2", 2_300_000, 2_330_000).pan(50_000, length) == Locus("chr2", 2_303_275, length)
    assert Locus("chr2", 0, 2_000_000).zoom(4.0, length) == Locus("chr2", 0, length)
    assert Locus("chr2", 100, 140).zoom(0.01).width == 20  # MIN_WIDTH


def test_empty_locus_is_an_error():
    with pytest.raises(LocusError):
        Locus("chr2", 10, 10)
