"""annotate/regions.py: BED and FASTA rows (windows, tiles, strands, per-position splice, tracks) with a
GC-content stub model on the real hg38 chr2 piece.

The stub scores a window by its G+C fraction, so every expected value is recomputed here
independently from the FASTA (pyfaidx) and compared with what the pipeline wrote.
"""

from __future__ import annotations

import gzip

import numpy as np
import pyBigWig
import pytest

from annotate_helpers import gc_fraction, gc_models
from annotate_helpers import centre_models as _centre_models, read_table as _read_table, window as _window
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate


def _nearest_centre_value(regions, scores, base):
    best = None
    for (s, e), v in zip(regions, scores):
        if s <= base < e:
            c = (s + e) / 2
            key = (abs(base + 0.5 - c), c, s, e)
            if best is None or key < best[0]:
                best = (key, v)
    return best[1]


def test_bed_scores_and_bigwig_match_the_genome(real_data, hg38_chr2, chr2, tmp_path):
    src = real_data / "regions" / "all_elements.hg38_windows.bed"  # overlapping rows included
    lines = [ln for ln in src.read_text().splitlines() if ln.startswith("chr2\t")][:120]
    bed = tmp_path / "elements.bed"
    bed.write_text("\n".join(lines) + "\n")
    opts = AnnotateOptions(input=str(bed), output=str(tmp_path / "out"), genome=str(hg38_chr2), task="tfbs",
                           chunk_windows=32)
    summary = annotate(opts, models=gc_models(50))
    assert summary.records == summary.scored == 120 and not summary.rejects
    header, rows = _read_table(tmp_path / "out.bed")
    assert header[:8] == ["chrom", "start", "end", "name", "score", "strand", "thickStart", "thickEnd"][: len(header[:8])]
    assert header[-2:] == ["tfbs.gc", "tfbs.at"] or header[-2:] == ["gc", "at"]
    assert [r[:3] for r in rows] == [ln.split("\t")[:3] for ln in lines]  # input order, columns kept
    regions = [(int(r[1]), int(r[2])) for r in rows]
    assert {r[5] for r in rows} == {".", "+", "-"}
    expected = [gc_fraction(_window(chr2, int(r[1]), int(r[2]), 50, r[5])) for r in rows]
    got = [float(r[-2]) for r in rows]
    assert got == pytest.approx(expected, abs=6e-5)
    assert [float(r[-1]) for r in rows] == pytest.approx([1 - x for x in expected], abs=6e-5)
    # bigWig: header from the FASTA index, each region's centre base follows the nearest-centre rule
    gc_col = header[-2]
    bw = pyBigWig.open(str(tmp_path / f"out.{gc_col}.bw"))
    assert bw.chroms() == {"chr2": 2333275}
    assert bw.header()["nLevels"] >= 1  # zoom levels written
    intervals = bw.intervals("chr2")
    starts = np.array([i[0] for i in intervals])
    ends = np.array([i[1] for i in intervals])
    assert np.all(ends > starts) and np.all(starts[1:] >= ends[:-1])
    for s, e in regions:
        b = (s + e) // 2
        want = _nearest_centre_value(regions, expected, b)
        assert bw.values("chr2", b, b + 1)[0] == pytest.approx(want, abs=1e-6)
    covered = set()
    for s, e in regions:
        covered.update(range(s, e))
    assert int(bw.header()["nBasesCovered"]) == len(covered)
    bw.close()
    # BED6 view: score = round(1000 p)
    bed6 = [ln.split("\t") for ln in (tmp_path / f"out.{gc_col}.bed").read_text().splitlines()
            if not ln.startswith(("#", "track"))]
    assert [int(r[4]) for r in bed6] == [int(np.rint(x * 1000)) for x in expected]
    assert (tmp_path / "out.rejected.tsv").read_text().splitlines() == ["source\tline\treason\trecord"]


def test_tiles_bigwig_uses_nearest_centre(hg38_chr2, chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1860000\t1860400\tr1\nchr2\t1000000\t1000095\tr2\n")
    opts = AnnotateOptions(input=str(bed), output=str(tmp_path / "t"), genome=str(hg38_chr2), task="tfbs",
                           tile=100, step=50)
    annotate(opts, models=gc_models(40))
    header, rows = _read_table(tmp_path / "t.bed")
    assert header[:4] == ["chrom", "start", "end", "region"]
    tiles = [(int(r[1]), int(r[2])) for r in rows]
    assert tiles[:7] == [(1860000 + 50 * i, 1860100 + 50 * i) for i in range(7)]
    assert tiles[7] == (1000000, 1000095) and rows[7][3] == "r2"
    values = [gc_fraction(_window(chr2, s, e, 40)) for s, e in tiles]
    assert [float(r[4]) for r in rows] == pytest.approx(values, abs=6e-5)
    bw = pyBigWig.open(str(tmp_path / "t.gc.bw"))
    track = bw.values("chr2", 1860000, 1860400)
    for b in range(1860000, 1860400):
        assert track[b - 1860000] == pytest.approx(_nearest_centre_value(tiles[:7], values[:7], b), abs=1e-6)
    bw.close()


def test_splice_positions_track_and_region_max(hg38_chr2, chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1860150\t1860190\tpe\t0\t-\n")
    models = gc_models(30, splice=True, per_position=True)
    opts = AnnotateOptions(input=str(bed), output=str(tmp_path / "s"), genome=str(hg38_chr2), task="all",
                           chunk_windows=16)
    summary = annotate(opts, models=models)
    assert summary.windows == 1 + 40
    per_pos = [gc_fraction(_window(chr2, p, p + 1, 15)) for p in range(1860150, 1860190)]
    header, rows = _read_table(tmp_path / "s.bed")
    assert header[-2:] == ["splice.donor", "splice.acceptor"]
    assert float(rows[0][-2]) == pytest.approx(max(per_pos), abs=6e-5)
    bw = pyBigWig.open(str(tmp_path / "s.splice.donor.bw"))
    assert bw.values("chr2", 1860150, 1860190) == pytest.approx(per_pos, abs=1e-6)
    bw.close()


def test_fasta_tsv_and_tile_tracks(chr2, tmp_path):
    seqs = {"a": chr2[264600:265100], "b": chr2[1860000:1860230].lower(), "c": "ACGTNACGT"}
    fa = tmp_path / "s.fa.gz"
    with gzip.open(fa, "wt", newline="") as fh:
        for name, seq in seqs.items():
            fh.write(f">{name} desc\r\n" + "\r\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)) + "\r\n")
    annotate(AnnotateOptions(input=str(fa), output=str(tmp_path / "f"), task="tfbs"), models=gc_models(50))
    header, rows = _read_table(tmp_path / "f.tsv")
    assert header == ["name", "start", "end", "gc", "at"]
    assert [r[0] for r in rows] == ["a", "b", "c"]
    for r in rows:
        seq = seqs[r[0]].upper()
        lo = len(seq) // 2 - 25
        win = "N" * max(0, -lo) + seq[max(0, lo) : lo + 50]
        win += "N" * (50 - len(win))
        assert float(r[3]) == pytest.approx(gc_fraction(win), abs=6e-5)
    assert not list(tmp_path.glob("f.*.bw"))  # no tracks without --tile
    annotate(AnnotateOptions(input=str(fa), output=str(tmp_path / "g"), task="tfbs", tile=100, step=100),
             models=gc_models(50))
    bw = pyBigWig.open(str(tmp_path / "g.gc.bw"))
    assert bw.chroms() == {"a": 500, "b": 230, "c": 9}
    header, rows = _read_table(tmp_path / "g.tsv")
    assert [(r[0], r[1], r[2]) for r in rows][5:8] == [("b", "0", "100"), ("b", "100", "200"), ("b", "130", "230")]
    for r in rows:  # the last tile overlaps the one before: each tile owns at least its centre base
        centre = (int(r[1]) + int(r[2])) // 2
        assert bw.values(r[0], centre, centre + 1)[0] == pytest.approx(float(r[3]), abs=6e-5)
    bw.close()


def test_unsorted_bed_gives_sorted_tracks_in_fasta_order(hg38_chr2, chr2, tmp_path):
    starts = [50_000, 10_000, 30_000, 20_000, 40_000]
    bed = tmp_path / "u.bed"
    bed.write_text("".join(f"chr2\t{s}\t{s + 300}\n" for s in starts))
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "uo"), genome=str(hg38_chr2), task="tfbs"),
             models=gc_models(100))  # not -o u: that would overwrite u.bed (refused)
    _, rows = _read_table(tmp_path / "uo.bed")
    assert [int(r[1]) for r in rows] == starts  # the table keeps input order
    bw = pyBigWig.open(str(tmp_path / "uo.gc.bw"))
    got = bw.intervals("chr2")
    assert [i[0] for i in got] == sorted(starts)
    for s, e, v in got:
        assert v == pytest.approx(gc_fraction(_window(chr2, s, e, 100)), abs=1e-6)
    bw.close()


@pytest.mark.parametrize("window_bp", [20, 21])
def test_minus_strand_rows_are_reverse_complemented(hg38_chr2, chr2, tmp_path, window_bp):
    bed = tmp_path / "in.bed"  # not s.bed: -o s would overwrite it (refused)
    bed.write_text("chr2\t1860150\t1860190\tm\t0\t-\nchr2\t1860150\t1860190\tp\t0\t+\n")
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "s"), genome=str(hg38_chr2), task="splice"),
             models=_centre_models(window_bp, per_position=True))
    bw = pyBigWig.open(str(tmp_path / "s.centre_a.bw"))
    track = bw.values("chr2", 1860150, 1860190)
    bw.close()
    # overlapping identical rows: the first (minus) row owns every base; on '-', centre A <=> genome T
    assert track == [float(chr2[p] == "T") for p in range(1860150, 1860190)]
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "r"), genome=str(hg38_chr2), task="tfbs"),
             models=_centre_models(window_bp, per_position=False))
    _, rows = _read_table(tmp_path / "r.bed")
    minus = _window(chr2, 1860150, 1860190, window_bp, "-")
    plus = _window(chr2, 1860150, 1860190, window_bp, "+")
    assert float(rows[0][-1]) == pytest.approx(minus.count("T") / window_bp, abs=6e-5)
    assert float(rows[1][-1]) == pytest.approx(plus.count("A") / window_bp, abs=6e-5)
    assert float(rows[0][-2]) == float(minus[window_bp - 1 - window_bp // 2] == "T")
