"""genebert gather (annotate.gather): pieces of a sharded run join into the bytes of one run; pieces of
different runs, models or weights are refused. Real hg38 chr2 piece, GC stub models (no torch)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotate_helpers import gc_models
from genebert_tool.annotate.gather import gather
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.cli import main
from genebert_tool.errors import InputError

STARTS = list(range(50_000, 2_300_000, 40_000))
TRACKS = ("bigwig", "bedgraph", "bed6")


@pytest.fixture
def bed(tmp_path) -> Path:
    path = tmp_path / "r.bed"
    path.write_text("".join(f"chr2\t{s}\t{s + 150}\tr{i}\n" for i, s in enumerate(STARTS)))
    return path


def _run(inp, genome, out, models=None, **kw):
    opts = AnnotateOptions(input=str(inp), output=str(out), genome=str(genome), task="tfbs", tracks=TRACKS, **kw)
    return annotate(opts, models=models or gc_models(50))


def _same_files(a: Path, b: Path) -> list[str]:
    names = sorted(p.name[len(a.name):] for p in a.parent.glob(a.name + ".*"))
    assert names == sorted(p.name[len(b.name):] for p in b.parent.glob(b.name + ".*"))
    for suffix in names:
        assert Path(str(a) + suffix).read_bytes() == Path(str(b) + suffix).read_bytes(), suffix
    return names


def test_three_bed_shards_gather_to_the_bytes_of_one_run(bed, hg38_chr2, tmp_path):
    _run(bed, hg38_chr2, tmp_path / "whole")
    for k in (1, 2, 3):
        _run(bed, hg38_chr2, tmp_path / f"s{k}", shard=f"{k}/3")
    summary = gather([str(tmp_path / f"s{k}") for k in (1, 2, 3)], str(tmp_path / "g"))
    names = _same_files(tmp_path / "whole", tmp_path / "g")
    assert ".gc.bw" in names and ".at.bedGraph" in names and summary.rows[".bed"] == len(STARTS)


def test_a_piece_without_work_adds_nothing(bed, hg38_chr2, tmp_path):
    one = tmp_path / "one.bed"
    one.write_text(bed.read_text().splitlines()[0] + "\n")  # at 50,000: all in shard 1 of 2
    _run(one, hg38_chr2, tmp_path / "whole")
    for k in (1, 2):
        _run(one, hg38_chr2, tmp_path / f"s{k}", shard=f"{k}/2")
    assert not list(tmp_path.glob("s2.*.bw"))  # the empty shard writes no track
    gather([str(tmp_path / "s1"), str(tmp_path / "s2")], str(tmp_path / "g"))
    _same_files(tmp_path / "whole", tmp_path / "g")


def test_pieces_from_other_weights_are_refused_in_one_line(bed, hg38_chr2, tmp_path):
    _run(bed, hg38_chr2, tmp_path / "s1", shard="1/2")
    other = [dataclasses.replace(m, sha256="f" * 64) for m in gc_models(50)]
    _run(bed, hg38_chr2, tmp_path / "s2", models=other, shard="2/2")
    with pytest.raises(InputError, match=r"different models \(name, version or sha256.*sha256=ffff"):
        gather([str(tmp_path / "s1"), str(tmp_path / "s2")], str(tmp_path / "g"))
    assert not list(tmp_path.glob("g.*"))
    result = CliRunner().invoke(main, ["gather", str(tmp_path / "s1"), str(tmp_path / "s2"), "-o", str(tmp_path / "g")])
    assert result.exit_code == 1 and "different models" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_pieces_of_other_runs_and_incomplete_pieces_are_refused(bed, hg38_chr2, tmp_path):
    _run(bed, hg38_chr2, tmp_path / "s1", shard="1/2")
    _run(bed, hg38_chr2, tmp_path / "s2", shard="2/2", tile=50)
    with pytest.raises(InputError, match="piece headers differ at header line 1"):
        gather([str(tmp_path / "s1"), str(tmp_path / "s2")], str(tmp_path / "g"))
    _run(bed, hg38_chr2, tmp_path / "t2", shard="2/2")
    (tmp_path / "t2.rejected.tsv").unlink()
    with pytest.raises(InputError, match=r"has no .*t2\.rejected\.tsv"):
        gather([str(tmp_path / "s1"), str(tmp_path / "t2")], str(tmp_path / "g"))
    with pytest.raises(InputError, match="no annotate outputs"):
        gather([str(tmp_path / "nothing")], str(tmp_path / "g"))
    with pytest.raises(InputError, match="the output prefix is one of the pieces"):
        gather([str(tmp_path / "s1")], str(tmp_path / "s1"))


def test_tracks_overlapping_across_pieces_are_refused(hg38_chr2, tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("chr2\t1166000\t1167400\tx\n")  # tiles of 200 every 100 bp straddle the shard boundary
    for k in (1, 2):
        _run(bed, hg38_chr2, tmp_path / f"s{k}", shard=f"{k}/2", tile=200, step=100)
    with pytest.raises(InputError, match="overlap on chr2"):
        gather([str(tmp_path / "s1"), str(tmp_path / "s2")], str(tmp_path / "g"))


def test_bigwigs_from_bedgraph_only_pieces_need_sizes(bed, hg38_chr2, tmp_path):
    for k in (1, 2):
        annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / f"s{k}"), genome=str(hg38_chr2), task="tfbs",
                                 tracks=("bedgraph",), shard=f"{k}/2"), models=gc_models(50))
    pieces = [str(tmp_path / "s1"), str(tmp_path / "s2")]
    with pytest.raises(InputError, match="pass --genome FASTA"):
        gather(pieces, str(tmp_path / "g"))
    gather(pieces, str(tmp_path / "g"), genome=str(hg38_chr2))
    import pyBigWig

    bw = pyBigWig.open(str(tmp_path / "g.gc.bw"))
    rows = [ln.split("\t") for ln in (tmp_path / "g.gc.bedGraph").read_text().splitlines()
            if not ln.startswith(("#", "track"))]
    got = bw.intervals("chr2")
    assert len(got) == len(rows) and all(abs(v - float(r[3])) < 1e-6 and s == int(r[1]) for (s, _, v), r in zip(got, rows))
