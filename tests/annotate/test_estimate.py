"""annotate.estimate: the size of a per-base splice run and, before a long one starts, its timed estimate
(real hg38 chr2 piece, GC stub models)."""

from __future__ import annotations

import itertools

from annotate_helpers import gc_models
from genebert_tool.annotate import estimate
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate


def test_a_long_per_position_splice_run_prints_its_time_estimate_first(hg38_chr2, tmp_path):
    bed = tmp_path / "gene.bed"
    bed.write_text("chr2\t1000000\t1030000\tg\t0\t+\nchr2\t1100000\t1100100\th\t0\t+\n")
    lines: list[str] = []
    models = gc_models(50, splice=True, per_position=True)  # a window-per-base splice stub
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "o"), genome=str(hg38_chr2), task="all",
                             tracks=(), log_every=0), models=models, log=lines.append)
    first = lines[0]
    assert first.startswith("genebert annotate: per-base splice over 30,100 bases = 30,100 model forwards; "
                            "estimated ")
    assert "forwards/s (a timed batch on this machine" in first


def test_a_short_run_gets_no_timed_batch(hg38_chr2, tmp_path):
    bed = tmp_path / "gene.bed"
    bed.write_text("chr2\t1000000\t1000500\tg\t0\t+\n")
    lines: list[str] = []
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "o"), genome=str(hg38_chr2), task="all",
                             tracks=(), log_every=0), models=gc_models(50, splice=True, per_position=True),
             log=lines.append)
    assert lines == ["genebert annotate: per-base splice over 500 bases = 500 model forwards; the first progress "
                     "line gives the ETA"]
    assert estimate.ESTIMATE_MIN_FORWARDS > 500


def test_timed_estimate_scales_the_timed_batch_to_the_run():
    models = gc_models(50, splice=True, per_position=True)
    work = estimate.Work(per_base_forwards=6400, forwards_by_model={1: 6400})
    ticks = itertools.count(0.0, 0.5)  # each clock reading 0.5 s later: one timed batch = 0.5 s for 64 windows
    seconds, rate = estimate.timed_estimate(models, work, batch_size=64, n=64, clock=lambda: next(ticks))
    assert seconds == 50.0 and rate == 128.0


def test_the_estimate_leaves_out_what_the_gap_rule_leaves_out(hg38_chr2, tmp_path):
    """chr2:0-10,000 is N: a splice record over chr2:9,000-11,000 scores 1,000 positions, and tiles inside the
    gap are not counted in the progress total (the run's own counts are the reference)."""
    bed = tmp_path / "gene.bed"
    bed.write_text("chr2\t9000\t11000\tg\t0\t+\n")
    lines: list[str] = []
    summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "o"), genome=str(hg38_chr2), task="all",
                                       tracks=(), log_every=0), models=gc_models(50, splice=True, per_position=True),
                       log=lines.append)
    assert summary.gap_bases == 1000
    assert lines[0].startswith("genebert annotate: per-base splice over 1,000 bases = 1,000 model forwards")
    from genebert_tool.annotate.regions import RegionRunner
    from genebert_tool.genome.fasta import Genome

    opts = AnnotateOptions(input=str(bed), output=str(tmp_path / "t"), genome=str(hg38_chr2), task="tfbs",
                           tile=100, step=100)
    runner = RegionRunner(opts, "bed", gc_models(50), Genome(hg38_chr2), summary)
    assert estimate.region_work(runner).windows == 10  # 20 tiles, 10 of them inside the gap
    runner.options = AnnotateOptions(**{**opts.__dict__, "score_gaps": True})
    assert estimate.region_work(runner).windows == 20
