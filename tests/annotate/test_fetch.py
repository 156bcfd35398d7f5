"""annotate/fetch.py: genome windows fetched in the main process or by --workers N spawned processes are
the same bases, N-padded past the contig ends, in request order."""

from __future__ import annotations

from annotate_helpers import gc_models
from genebert_tool.annotate.fetch import WindowFetcher
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.genome.fasta import Genome


def test_workers_fetch_what_the_genome_gives(hg38_chr2):
    requests = [("chr2", s, s + 120) for s in range(-60, 2_000_000, 20_000)] + [("chr2", 2_333_200, 2_333_400)]
    with Genome(hg38_chr2) as genome:
        want = [genome.fetch(c, s, e) for c, s, e in requests]
        for workers in (0, 2):
            with WindowFetcher(genome, workers) as fetcher:
                assert fetcher.fetch_many(requests) == want
    assert want[0].startswith("N" * 60) and want[-1].endswith("N" * 125) and all(len(w) in (120, 200) for w in want)


def test_workers_give_identical_output(hg38_chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("".join(f"chr2\t{s}\t{s + 150}\tr{s}\n" for s in range(100_000, 300_000, 1_000)))
    outs = []
    for workers in (0, 2):  # chunks of 100 windows: >= 64, so the worker pool does the fetching
        opts = AnnotateOptions(input=str(bed), output=str(tmp_path / f"w{workers}"), genome=str(hg38_chr2),
                               task="tfbs", workers=workers, chunk_windows=100, tracks=())
        annotate(opts, models=gc_models(60))
        outs.append((tmp_path / f"w{workers}.bed").read_text())
    assert outs[0] == outs[1] and len(outs[0].splitlines()) > 200
