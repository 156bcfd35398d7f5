"""Window arithmetic: centring, tiling, N padding, variant windows by substitution."""

from __future__ import annotations

import pytest

from genebert_tool.annotate.windows import (
    centred_window,
    iter_tiles,
    slice_padded,
    split_variant_flank,
    variant_flank_request,
)

GENOME = "ACGTACGTTTGGCCAAGGTTCCAAACCCGGGTTTAAACCCGGGT" * 3


def fetch(chrom, start, end):
    return slice_padded(GENOME, start, end)


@pytest.mark.parametrize("start,end,length", [(10, 20, 6), (10, 21, 6), (10, 11, 7), (5, 105, 100), (0, 3, 10)])
def test_centred_window_length_and_centre(start, end, length):
    lo, hi = centred_window(start, end, length)
    assert hi - lo == length
    mid = (start + end) // 2
    assert lo + length // 2 == mid


def test_window_of_exact_length_is_the_interval():
    assert centred_window(100, 200, 100) == (100, 200)
    assert centred_window(7, 8, 5) == (5, 10)  # position 7 at index 5//2 == 2


def test_slice_padded_pads_both_ends():
    assert slice_padded("acgt", -2, 6) == "NNACGTNN"
    assert slice_padded("ACGT", 5, 8) == "NNN"
    assert slice_padded("ACGT", -5, -1) == "NNNN"
    assert slice_padded("ACGT", 1, 3) == "CG"


@pytest.mark.parametrize("start,end,tile,step", [(0, 100, 10, 10), (0, 105, 10, 5), (3, 50, 20, 7), (0, 5, 10, 5)])
def test_tiles_cover_region(start, end, tile, step):
    tiles = list(iter_tiles(start, end, tile, step))
    covered = set()
    for a, b in tiles:
        assert start <= a < b <= end
        assert b - a == min(tile, end - start)
        covered.update(range(a, b))
    assert covered == set(range(start, end))
    assert tiles == sorted(tiles)


def test_bad_tile_and_step():
    with pytest.raises(ValueError):
        list(iter_tiles(0, 10, 0, 1))


def variant_windows(start: int, ref: str, alt: str, length: int) -> tuple[str, str]:
    """The pipeline's path (``variants.score_variants``): one flank fetch, then the split."""
    return split_variant_flank(fetch("x", *variant_flank_request(start, ref, length)), len(ref), alt, length)


def test_snv_windows_differ_only_at_centre():
    ref, alt = variant_windows(40, GENOME[40], "A" if GENOME[40] != "A" else "C", 21)
    assert len(ref) == len(alt) == 21
    assert ref == GENOME[30:51]
    diff = [i for i in range(21) if ref[i] != alt[i]]
    assert diff == [10]


def test_insertion_and_deletion_are_recentred():
    start, length = 50, 20
    ref_allele = GENOME[start]
    ins = ref_allele + "GGGG"
    ref, alt = variant_windows(start, ref_allele, ins, length)
    full = GENOME[start - length : start] + ins + GENOME[start + 1 : start + 1 + length]
    centre = length + len(ins) // 2
    assert alt == full[centre - length // 2 : centre - length // 2 + length]
    assert "GGGG" in alt and len(alt) == length
    dele = GENOME[start : start + 6]
    ref, alt = variant_windows(start, dele, dele[0], length)
    assert ref == GENOME[start + 3 - 10 : start + 3 + 10]
    assert alt == (GENOME[start - length : start + 1] + GENOME[start + 6 : start + 6 + length])[
        length - 10 : length + 10]


def test_allele_longer_than_window_is_cut_to_its_centre():
    alt = "A" * 10 + "C" * 10 + "G" * 10
    ref, win = variant_windows(20, GENOME[20], alt, 10)
    assert win == alt[10:20]


def test_flank_request_and_split_agree_with_fetch():
    lo, hi = variant_flank_request(30, "AC", 8)
    assert (lo, hi) == (22, 40)
    ref, alt = split_variant_flank(fetch("x", lo, hi), 2, "t", 8)
    assert ref == GENOME[27:35] and len(alt) == 8 and alt.isupper()


def test_variant_near_sequence_start_is_n_padded():
    ref, alt = variant_windows(1, GENOME[1], "T", 11)
    assert ref.startswith("NNNN") and len(ref) == 11


@pytest.mark.parametrize("ref_len,alt", [(1, "T"), (6, "A"), (1, "AGGGGG")])
def test_offset_windows_match_an_independent_construction(ref_len, alt):
    start, length, dist = 60, 15, 6
    ref = GENOME[start : start + ref_len]
    alt = ref[0] + alt[1:] if len(alt) > 1 else alt
    flank = fetch("x", *variant_flank_request(start, ref, length, dist))
    alt_genome = GENOME[:start] + alt + GENOME[start + ref_len :]
    for o in range(-dist, dist + 1):
        r, a = split_variant_flank(flank, ref_len, alt, length, o, dist)
        c_ref, c_alt = start + ref_len // 2 + o, start + len(alt) // 2 + o
        assert r == GENOME[c_ref - length // 2 : c_ref - length // 2 + length]
        assert a == alt_genome[c_alt - length // 2 : c_alt - length // 2 + length]
    with pytest.raises(ValueError):
        split_variant_flank(flank, ref_len, alt, length, dist + 1, dist)


def test_reverse_complement_iupac():
    from genebert_tool.annotate.windows import reverse_complement

    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("RYKMSWBDHV") == "BDHVWSKMRY"


@pytest.mark.parametrize("length", [7, 8])
def test_stranded_window_centres_in_transcript_orientation(length):
    from genebert_tool.annotate.windows import reverse_complement, stranded_window

    for p in (20, 21):
        lo, hi = stranded_window(p, p + 1, length, "-")
        assert hi - lo == length
        assert reverse_complement(fetch("x", lo, hi))[length // 2] == reverse_complement(GENOME[p])
    assert stranded_window(10, 20, length, "+") == centred_window(10, 20, length)
    lo, hi = stranded_window(10, 20, length, "-")  # transcript index 5 of [10, 20) is genome base 14
    assert 20 - 1 - 5 - lo == length - 1 - length // 2


def test_minus_strand_variant_windows():
    start, length = 30, 8
    flank = fetch("x", *variant_flank_request(start, "G", length))
    ref, alt = split_variant_flank(flank, 1, "T", length, strand="-")
    assert ref[length // 2] == "C" and alt[length // 2] == "A"
    assert [i for i in range(length) if ref[i] != alt[i]] == [length // 2]
