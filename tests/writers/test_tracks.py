"""writers.tracks: the --tracks registry. A format registered there is accepted, planned and written."""

from __future__ import annotations

import numpy as np
import pytest

from annotate_helpers import gc_models
from genebert_tool.annotate.outputs import planned_outputs
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.errors import InputError
from genebert_tool.writers import tracks
from genebert_tool.writers.bed import BedGraphWriter
from genebert_tool.writers.tracks import TRACK_FORMATS, TrackFormat, bed_scores, register_track_format


def test_registry_names_suffixes_and_planned_outputs():
    assert list(TRACK_FORMATS) == ["bigwig", "bedgraph", "bed6", "bgfpr"]
    assert [f.suffix for f in TRACK_FORMATS.values()] == [".bw", ".bedGraph", ".bed", ".bgfpr.bw"]
    planned = planned_outputs("out/run", "bed", ["p"])
    assert all(f"out/run.p{f.suffix}" in planned for f in TRACK_FORMATS.values())
    with pytest.raises(ValueError, match="already registered"):
        register_track_format(TRACK_FORMATS["bed6"])
    with pytest.raises(ValueError, match="row_scores"):
        register_track_format(TrackFormat("x", ".x", "rows", TRACK_FORMATS["bed6"].open))


def test_bed_scores_round_and_clip():
    p = np.array([[0.0, 0.0004, 0.0006], [0.5, 1.0, 1.2]], dtype=np.float32)
    assert bed_scores(p).tolist() == [[0, 0, 1], [500, 1000, 1000]]


def _plain_values(path, *, column, chrom_sizes, comments):  # a new text signal format: chrom start end value
    return BedGraphWriter(path, comments=comments)


def test_a_registered_format_is_one_place(hg38_chr2, tmp_path, monkeypatch):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1860000\t1860400\tr1\nchr2\t1000000\t1000095\tr2\n")
    opts = dict(input=str(bed), genome=str(hg38_chr2), task="tfbs", tile=100, step=50)
    with pytest.raises(InputError, match="unknown track format"):
        annotate(AnnotateOptions(output=str(tmp_path / "a"), tracks=("values",), **opts), models=gc_models(40))
    monkeypatch.setitem(tracks.TRACK_FORMATS, "values", TrackFormat("values", ".values.txt", "signal", _plain_values))
    annotate(AnnotateOptions(output=str(tmp_path / "b"), tracks=("values", "bedgraph"), **opts), models=gc_models(40))
    for col in ("gc", "at"):
        got = (tmp_path / f"b.{col}.values.txt").read_text().splitlines()
        want = [ln for ln in (tmp_path / f"b.{col}.bedGraph").read_text().splitlines() if not ln.startswith("track")]
        assert got == want and len(got) > 8  # the same resolved intervals as the bedGraph, without a track line
    assert not list(tmp_path.glob("b.*.bw"))  # only the formats asked for
