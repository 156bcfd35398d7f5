"""annotate/gaps.py: assembly gaps are found exactly (against a regex reference) and not scored -- no row for
a tile inside one, no track value for a per-base position inside one, a reject for a record with nothing
else -- on the real hg38 chr2 piece, whose first 10,000 bases are N (its only gap)."""

from __future__ import annotations

import random
import re

import numpy as np
import pyBigWig
import pytest

from annotate_helpers import build_token_splice_model, gc_fraction, gc_models
from annotate_helpers import read_table as _read_table, window as _window
from genebert_tool.annotate.gaps import MIN_GAP, find_gaps
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.errors import InputError

GAP_END = 10_000  # hg38 chr2 starts with 10,000 N


def _reference(seq: str, start: int, end: int, min_gap: int = MIN_GAP) -> list[tuple[int, int]]:
    runs = [(m.start(), m.end()) for m in re.finditer("[^ACGTacgt]+", seq) if m.end() - m.start() >= min_gap]
    return [(max(s, start), min(e, end)) for s, e in runs if e > start and s < end]


@pytest.mark.parametrize("seed", range(6))
def test_find_gaps_matches_a_regex_reference(seed):
    rng = random.Random(seed)
    pieces = []
    for _ in range(40):
        kind = rng.random()
        n = rng.choice([1, 3, 49, 50, 51, 120, 7])
        pieces.append("".join(rng.choice("NNRY" if kind < 0.5 else "ACGTacgt") for _ in range(n)))
    seq = "".join(pieces)
    fetch = lambda a, b: ("N" * max(0, -a) + seq[max(0, a) : max(0, b)]).ljust(b - a, "N")  # noqa: E731
    pad = 10 * MIN_GAP  # the sequence as fetch sees it: N past both ends
    for _ in range(10):
        start = rng.randrange(0, len(seq) - 1)
        end = rng.randrange(start + 1, len(seq) + 1)
        gaps = find_gaps(fetch, start, end, chunk=rng.choice([7, 50, 333, 10_000]))
        expected = [(s - pad, e - pad) for s, e in _reference(fetch(-pad, len(seq) + pad), start + pad, end + pad)]
        assert list(zip(gaps.starts.tolist(), gaps.ends.tolist())) == expected

def test_a_run_is_measured_whole_across_the_span_edge_and_short_runs_are_not_gaps():
    seq = "ACGT" * 30 + "N" * 60 + "acgt" * 30 + "N" * 49 + "ACGT" * 30
    fetch = lambda a, b: ("N" * max(0, -a) + seq[max(0, a) : max(0, b)]).ljust(b - a, "N")  # noqa: E731
    gaps = find_gaps(fetch, 170, 300)  # only 10 of the 60 N lie in the span: still a gap; the 49-run is not
    assert list(zip(gaps.starts.tolist(), gaps.ends.tolist())) == [(170, 180)]
    assert gaps.covers([170, 170, 175], [180, 181, 178]).tolist() == [True, False, True]
    assert gaps.contains([169, 170, 179, 180]).tolist() == [False, True, True, False]
    assert gaps.overlap(0, 1000) == 10 and gaps.overlap(175, 176) == 1 and gaps.overlap(180, 300) == 0
    assert not len(find_gaps(fetch, 180, 300))  # lowercase (soft-masked) bases are sequence


def test_tiles_inside_the_gap_have_no_row_and_no_track_value(real_data, hg38_chr2, chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t9000\t11500\tedge\n")
    out = tmp_path / "t"
    summary = annotate(AnnotateOptions(input=str(bed), output=str(out), genome=str(hg38_chr2), task="tfbs",
                                       tile=100, step=50), models=gc_models(40))
    every = [(s, s + 100) for s in range(9000, 11401, 50)]
    inside = [(s, e) for s, e in every if e <= GAP_END]
    header, rows = _read_table(tmp_path / "t.bed")
    tiles = [(int(r[1]), int(r[2])) for r in rows]
    assert tiles == [t for t in every if t not in inside] and tiles[0] == (9950, 10050)
    assert summary.gap_tiles == len(inside) == 19 and summary.scored == 1 and not summary.rejects
    assert [float(r[4]) for r in rows] == pytest.approx([gc_fraction(_window(chr2, s, e, 40)) for s, e in tiles],
                                                        abs=6e-5)
    comments = [ln for ln in (tmp_path / "t.bed").read_text().splitlines() if ln.startswith("#")]
    assert any("wholly inside an assembly gap" in ln for ln in comments)
    assert any("assembly gaps" in line and "19 tiles" in line for line in summary.lines())
    bw = pyBigWig.open(str(tmp_path / "t.gc.bw"))
    assert all(e <= 9950 or s >= 9950 for s, e, _ in bw.intervals("chr2"))
    assert not bw.intervals("chr2", 9000, 9950)  # nothing over the gap tiles
    bw.close()
    # --score-gaps: every tile again
    again = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "u"), genome=str(hg38_chr2), task="tfbs",
                                     tile=100, step=50, score_gaps=True), models=gc_models(40))
    assert [(int(r[1]), int(r[2])) for r in _read_table(tmp_path / "u.bed")[1]] == every and again.gap_tiles == 0


def test_a_record_with_nothing_outside_a_gap_is_rejected_with_its_reason(real_data, hg38_chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t100\t5000\tall_gap_tiled\nchr2\t20000\t20300\tfine\n")
    summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "t"), genome=str(hg38_chr2), task="tfbs",
                                       tile=100), models=gc_models(40))
    assert summary.records == 2 and summary.scored == 1 and len(summary.rejects) == 1
    rejected = (tmp_path / "t.rejected.tsv").read_text()
    assert "all_gap_tiled" in rejected and "assembly gap" in rejected
    # untiled per-position (splice) record wholly in the gap: rejected too; a region-level-only record is scored
    bed.write_text("chr2\t2000\t2040\tin_gap\t0\t+\n")
    with pytest.raises(InputError, match="1 rejected: inside an assembly gap"):  # nothing left: an error, as always
        annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "s"), genome=str(hg38_chr2), task="all"),
                 models=gc_models(30, splice=True, per_position=True))
    assert "in_gap" in (tmp_path / "s.rejected.tsv").read_text()
    summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "p"), genome=str(hg38_chr2), task="tfbs"),
                       models=gc_models(30))
    assert summary.scored == 1 and not summary.rejects


@pytest.mark.parametrize("per_base", [False, True])
def test_per_base_positions_inside_the_gap_get_no_value(real_data, hg38_chr2, chr2, tmp_path, per_base):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t9900\t10100\tedge\t0\t+\n")
    if per_base:
        from genebert_tool.annotate.models import load_models

        model_dir = build_token_splice_model(tmp_path / "splice_model")
        models = load_models("splice", [str(model_dir)], device="cpu", per_position_splice=True)
    else:
        models = gc_models(30, splice=True, per_position=True)
    summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "s"), genome=str(hg38_chr2), task="splice",
                                       chunk_windows=64), models=models)
    assert summary.gap_bases == 100 and summary.scored == 1
    bw = pyBigWig.open(str(tmp_path / ("s.donor.bw" if per_base else "s.splice.donor.bw")))
    vals = np.array(bw.values("chr2", 9900, 10100))
    bw.close()
    assert np.isnan(vals[:100]).all() and np.isfinite(vals[100:]).all()
    if not per_base:
        expected = [gc_fraction(_window(chr2, p, p + 1, 15)) for p in range(GAP_END, 10100)]
        assert vals[100:] == pytest.approx(expected, abs=1e-6)
        assert float(_read_table(tmp_path / "s.bed")[1][0][-2]) == pytest.approx(max(expected), abs=6e-5)
