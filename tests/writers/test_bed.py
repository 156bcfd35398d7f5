"""BED-family writers: scored-BED header and rows, BED6 score range, bedGraph."""

from __future__ import annotations

import numpy as np
import pytest

from genebert_tool.writers.bed import Bed6Writer, BedGraphWriter, ScoredBedWriter


def test_scored_bed_header_and_rows(tmp_path):
    path = tmp_path / "o.bed"
    with ScoredBedWriter(path, ["chrom", "start", "end", "p"], comments=["genebert x", "#model y"]) as w:
        w.write_row(("chr2", 1, 5, np.float32(0.123456)))
        w.write_row(("chr2", 7, 9, None))
    assert path.read_text().splitlines() == ["#genebert x", "#model y", "#chrom\tstart\tend\tp",
                                             "chr2\t1\t5\t0.1235", "chr2\t7\t9\t."]


def test_bed6_and_bedgraph(tmp_path):
    with Bed6Writer(tmp_path / "v.bed", track_line="track name=x useScore=1") as w:
        w.write("chr2", 0, 10, "r1", 1000, "+")
        with pytest.raises(ValueError, match="0-1000"):
            w.write("chr2", 0, 10, "r1", 1001, "+")
    assert (tmp_path / "v.bed").read_text().splitlines() == ["track name=x useScore=1", "chr2\t0\t10\tr1\t1000\t+"]
    with BedGraphWriter(tmp_path / "v.bedGraph") as w:
        w.add("chr2", np.array([0, 5]), np.array([5, 9]), np.array([0.5, 0.25]))
    assert (tmp_path / "v.bedGraph").read_text().splitlines() == ["chr2\t0\t5\t0.5000", "chr2\t5\t9\t0.2500"]
