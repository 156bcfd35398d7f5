"""--region / --regions / --shard (annotate.restrict) and the progress log (annotate.progress,
annotate.estimate), on the real hg38 chr2 piece with the GC stub and tiny models."""

from __future__ import annotations

from pathlib import Path

import pysam
import pytest
from click.testing import CliRunner

from annotate_helpers import build_token_splice_model, gc_models
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.annotate.progress import ProgressLog
from genebert_tool.annotate.restrict import Restriction, parse_shard
from genebert_tool.cli import main
from genebert_tool.errors import InputError

STARTS = list(range(50_000, 2_300_000, 25_000))


def _rows(path: Path) -> list[str]:
    return [ln for ln in Path(path).read_text().splitlines() if ln and not ln.startswith(("#", "track"))]


@pytest.fixture
def bed(tmp_path) -> Path:
    path = tmp_path / "r.bed"
    path.write_text("".join(f"chr2\t{s}\t{s + 120}\tr{i}\n" for i, s in enumerate(STARTS)))
    return path


def _annotate(bed, genome, out, **kw):
    return annotate(AnnotateOptions(input=str(bed), output=str(out), genome=str(genome), task="tfbs", **kw),
                    models=gc_models(50))


def test_shards_partition_every_position_once_in_genome_order():
    contigs = [("a", 0, 1000), ("b", 500, 1200), ("c", 0, 1)]  # b starts at a --genome-offset
    shards = [Restriction(contigs, lambda c: c if c in "abc" else None, shard=(k, 4)) for k in range(1, 5)]
    owner = [[k for k, r in enumerate(shards) if r.keep(c, p)] for c, lo, hi in contigs for p in range(lo, hi)]
    assert all(len(o) == 1 for o in owner)
    flat = [o[0] for o in owner]
    assert flat == sorted(flat) and set(flat) == {0, 1, 2, 3}  # consecutive pieces, in genome order
    assert [r.keep("unknown", 5) for r in shards] == [False, False, False, True]  # unplaced: the last shard


def test_bed_shards_concatenate_to_the_whole_run(bed, hg38_chr2, tmp_path):
    whole = _annotate(bed, hg38_chr2, tmp_path / "all")
    parts = [_annotate(bed, hg38_chr2, tmp_path / f"s{k}", shard=f"{k}/3") for k in (1, 2, 3)]
    assert sum(p.scored for p in parts) == whole.scored == len(STARTS) and all(p.scored for p in parts)
    assert sum((_rows(tmp_path / f"s{k}.bed") for k in (1, 2, 3)), []) == _rows(tmp_path / "all.bed")
    assert sum((_rows(tmp_path / f"s{k}.gc.bed") for k in (1, 2, 3)), []) == _rows(tmp_path / "all.gc.bed")
    assert any("shard=2/3" in ln for ln in (tmp_path / "s2.bed").read_text().splitlines() if ln.startswith("#"))


def test_regions_keep_rows_starting_inside_and_bed_equals_repeated_region(bed, hg38_chr2, tmp_path):
    _annotate(bed, hg38_chr2, tmp_path / "a", regions=("chr2:100000-200,000", "chr2:1000000-1050001"))
    got = [int(r.split("\t")[1]) for r in _rows(tmp_path / "a.bed")]
    assert got == [s for s in STARTS if 100_000 <= s < 200_000 or 1_000_000 <= s < 1_050_001]
    regions = tmp_path / "regions.bed"
    regions.write_text("chr2\t100000\t200000\nchr2\t1000000\t1050001\n")
    _annotate(bed, hg38_chr2, tmp_path / "b", regions_bed=str(regions))
    assert _rows(tmp_path / "b.bed") == _rows(tmp_path / "a.bed")
    # shards of the regions split the regions' bases, not the genome's
    parts = [_annotate(bed, hg38_chr2, tmp_path / f"r{k}", regions_bed=str(regions), shard=f"{k}/2") for k in (1, 2)]
    # 150,001 region bases: shard 1 = the first half, chr2:100000-175001 (rows at 100k..175k), shard 2 the rest
    assert [p.scored for p in parts] == [4, 3]
    assert _rows(tmp_path / "r1.bed") + _rows(tmp_path / "r2.bed") == _rows(tmp_path / "a.bed")


def test_vcf_shards_concatenate_and_unplaced_records_go_to_the_last(hg38_chr2, tmp_path):
    genome = pysam.FastaFile(str(hg38_chr2))
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr2>", "##contig=<ID=chrUn>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for i, pos in enumerate(range(100_001, 2_300_001, 100_000)):
        ref = genome.fetch("chr2", pos - 1, pos).upper()
        lines.append(f"chr2\t{pos}\tv{i}\t{ref}\t{'A' if ref != 'A' else 'C'}\t.\t.\t.")
    lines.append("chrUn\t10\tu\tA\tC\t.\t.\t.")
    vcf = tmp_path / "v.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    _annotate(vcf, hg38_chr2, tmp_path / "all")
    for k in (1, 2):
        _annotate(vcf, hg38_chr2, tmp_path / f"s{k}", shard=f"{k}/2")

    def records(path):
        with pysam.VariantFile(str(path)) as vf:
            return [str(r) for r in vf]

    s1, s2 = records(tmp_path / "s1.vcf.gz"), records(tmp_path / "s2.vcf.gz")
    assert s1 and s2 and s1 + s2 == records(tmp_path / "all.vcf.gz")
    assert s2[-1].startswith("chrUn") and not any(r.startswith("chrUn") for r in s1)


def test_a_shard_without_work_writes_valid_empty_outputs(hg38_chr2, tmp_path):
    bed = tmp_path / "one.bed"
    bed.write_text("chr2\t100\t200\tx\n")
    summary = _annotate(bed, hg38_chr2, tmp_path / "e", shard="2/2")
    assert summary.scored == 0 and summary.records == 0
    text = (tmp_path / "e.bed").read_text().splitlines()
    assert text[-1] == "#chrom\tstart\tend\tname\tgc\tat" and not _rows(tmp_path / "e.bed")
    assert (tmp_path / "e.rejected.tsv").read_text().startswith("source")
    vcf = tmp_path / "v.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr2\t150\t.\tA\tC\t.\t.\t.\n")
    _annotate(vcf, hg38_chr2, tmp_path / "ev", shard="2/2")
    with pysam.VariantFile(str(tmp_path / "ev.vcf.gz")) as vf:
        assert "GENEBERT" in vf.header.info and not list(vf)


@pytest.mark.parametrize("kw, message", [
    ({"regions": ("chr2:2300000-2400000",)}, "leaves the sequence of chr2"),
    ({"regions": ("chr9:1-100",)}, "contig 'chr9' is not in the genome"),
    ({"regions": ("chr2:100-300", "chr2:200-400")}, "regions overlap: chr2:100-300"),
    ({"regions": ("chr2:300-100",)}, "empty region"),
    ({"regions": ("chr2-100-200",)}, "expected CHROM:START-END"),
    ({"shard": "3/2"}, "K must be between 1 and N"),
    ({"shard": "0/2"}, "K must be between 1 and N"),
    ({"shard": "half"}, "expected K/N"),
    ({"log_every": -1}, "--log-every"),
])
def test_bad_restrictions_are_clear_errors(bed, hg38_chr2, tmp_path, kw, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        _annotate(bed, hg38_chr2, tmp_path / "x", **kw)
    assert not list(tmp_path.glob("x.*"))


def test_overlapping_regions_in_a_bed_name_the_lines(bed, hg38_chr2, tmp_path):
    regions = tmp_path / "regions.bed"
    regions.write_text("chr2\t100\t300\nchr2\t1000\t2000\nchr2\t250\t400\n")
    with pytest.raises(InputError, match=r"regions overlap: chr2:100-300 \(.*regions.bed:1\) and chr2:250-400 "
                                         r"\(.*regions.bed:3\)"):
        _annotate(bed, hg38_chr2, tmp_path / "x", regions_bed=str(regions))


def test_cli_region_and_shard_on_fasta_input(tmp_path):
    fa = tmp_path / "s.fa"
    fa.write_text(">a\n" + "ACGT" * 100 + "\n>b\n" + "GGCA" * 50 + "\n")
    from annotate_helpers import build_tiny_models

    tiny = build_tiny_models(tmp_path / "m")
    args = ["annotate", str(fa), "--task", "promoter", "--model", str(tiny["promoter"]), "--tile", "100", "-q"]
    result = CliRunner().invoke(main, [*args, "--region", "a:100-300", "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert [r.split("\t")[:3] for r in _rows(tmp_path / "r.tsv")][1:] == [["a", "100", "200"], ["a", "200", "300"]]
    bad = CliRunner().invoke(main, [*args, "--region", "b:0-999", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "leaves the sequence of b (0-200)" in bad.output and "Traceback" not in bad.output


def test_progress_lines_give_done_total_and_eta():
    now = [0.0]
    lines: list[str] = []
    log = ProgressLog(lines.append, 100, every=2.0, clock=lambda: now[0])
    now[0] = 1.0
    log.update(10, 5)  # the first chunk logs at once
    now[0] = 2.5
    log.update(10, 5)  # less than 2 s since the last line
    now[0] = 4.0
    log.update(30, 5)
    assert len(lines) == 2
    assert lines[0].startswith("genebert annotate: 10/100 model windows (10.0%), 5 records, 10.0 windows/s")
    assert lines[0].endswith("ETA 0:09") and "50/100 model windows (50.0%)" in lines[1]


def test_cli_logs_progress_and_the_per_base_estimate_when_stderr_is_not_a_terminal(hg38_chr2, tmp_path):
    model = build_token_splice_model(tmp_path / "splice")
    bed = tmp_path / "genes.bed"
    bed.write_text("chr2\t1860000\t1863000\tg1\t0\t+\nchr2\t1870000\t1871500\tg2\t0\t.\n")
    result = CliRunner().invoke(main, ["annotate", str(bed), "--task", "splice", "--model", str(model),
                                       "--genome", str(hg38_chr2), "--tracks", "none", "--log-every", "0.000001",
                                       "--batch-size", "64",
                                       "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    # 3000 bases on + (100 forwards of 30 scored bases) + 1500 on both strands (2 x 50)
    assert "per-base splice over 4,500 bases = 200 model forwards" in result.output
    progress = [ln for ln in result.output.splitlines() if "model windows (" in ln]
    assert progress and progress[-1].startswith("genebert annotate: 4500/4500 model windows (100.0%), 2 records")
    assert "ETA" in progress[0]
    assert parse_shard("2/5") == (2, 5)


@pytest.mark.parametrize("extra, message", [
    (["--shard", "3/2"], "--shard 3/2: K must be between 1 and N (got K=3, N=2)"),
    (["--region", "chr2:2300000-2400000"], "leaves the sequence of chr2"),
    (["--region", "chr2:100-300", "--region", "chr2:200-400"], "regions overlap: chr2:100-300"),
])
def test_cli_bad_restrictions_are_one_line(bed, hg38_chr2, tmp_path, extra, message):
    result = CliRunner().invoke(main, ["annotate", str(bed), "--genome", str(hg38_chr2), "--task", "tfbs", *extra,
                                       "-q", "-o", str(tmp_path / "x")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and message in result.output
    assert not list(tmp_path.glob("x.*"))
