"""Genome-scan evaluation: region parsing, metrics, bad truth, and a real scan through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from genebert_tool.cli import main
from genebert_tool.errors import InputError
from trainer.genome_scan import Genomes, ScanRegion, parse_regions, scan_metrics, tile_starts


@pytest.fixture
def genomes(tiny_fa):
    return Genomes([str(tiny_fa)])


def test_regions_are_validated(genomes, tmp_path):
    assert parse_regions(["chr1:0-20"], None, genomes) == [ScanRegion("chr1", 0, 20)]
    for spec, message in [("chr1:0-25", "leaves the FASTA sequence"), ("chrZ:0-5", "in none of the FASTA"),
                          ("chr1-0-5", "bad region"), ("chr1:5-5", "empty region")]:
        with pytest.raises(InputError, match=message):
            parse_regions([spec], None, genomes)
    with pytest.raises(InputError, match="regions overlap"):
        parse_regions(["chr1:0-10", "chr1:5-15"], None, genomes)
    bed = tmp_path / "r.bed"
    bed.write_text("chr1\t0\t10\nchr1\t8\t12\n")
    with pytest.raises(InputError, match=r"r\.bed:2\)"):
        parse_regions([], str(bed), genomes)
    with pytest.raises(InputError, match="needs --region"):
        parse_regions([], None, genomes)


def test_tiles_and_metrics():
    assert tile_starts(ScanRegion("c", 100, 450), 100, 100).tolist() == [100, 200, 300]
    y = np.array([0, 0, 1, 1, 0, 0, 0, 0])
    s = np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.6, 0.1, 0.0])
    m = scan_metrics(y, s, threshold=0.5, calibrated=0.7)
    assert m["auroc"] == 1.0 and m["auprc"] == 1.0 and m["precision_at_recall_0.5"] == 1.0
    assert m["fpr_at_0.5"] == pytest.approx(1 / 6) and m["fpr_at_default"] == 0.0 and m["prevalence"] == 0.25
    with pytest.raises(InputError, match="needs positives and negatives"):
        scan_metrics(np.zeros(5, int), np.arange(5.0))


def test_truth_on_other_contigs_is_a_clear_error(real_data, hg38_chr2, tmp_path):
    result = CliRunner().invoke(main, [
        "evaluate", "--scan", "--model", "genebert-promoter", "--task", "promoter", "--fasta", str(hg38_chr2),
        "--region", "chr2:1000000-1010000", "--truth", str(real_data / "annotation/gencode_v24_tss.hg38_chr22.bed"),
        "--no-baselines", "-o", str(tmp_path / "scan")])
    assert result.exit_code == 1
    assert "no truth entry on chr2" in result.output and "Traceback" not in result.output


def test_scan_options_need_scan(tmp_path):
    result = CliRunner().invoke(main, ["evaluate", "--model", "genebert-promoter", "--task", "promoter",
                                       "--region", "chr2:1-5", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "only with --scan" in result.output


def test_real_promoter_scan_writes_metrics_and_figures(real_data, tmp_path):
    """100 kb of the chr22 dev region (7 GENCODE TSSs) scanned by the shipped promoter model."""
    out = tmp_path / "scan"
    result = CliRunner().invoke(main, [
        "evaluate", "--scan", "--model", "genebert-promoter", "--task", "promoter",
        "--fasta", str(real_data / "genome/hg38_chr22.fa.gz"), "--region", "chr22:30000000-30100000",
        "--truth", str(real_data / "annotation/gencode_v24_tss.hg38_chr22.bed"), "--no-baselines", "-o", str(out)])
    assert result.exit_code == 0, result.output
    m = json.loads((out / "metrics.json").read_text())
    r = m["outputs"]["promoter"]["genebert"]
    assert m["n_tiles"] == 1000 and r["n"] == 1000 and 3 <= r["n_pos"] <= 21  # 7 TSSs, 100 bp radius
    assert 0.0 <= r["auroc"] <= 1.0 and "fpr_at_0.5" in r
    assert (out / "pr.png").stat().st_size > 1000 and (out / "locus.png").stat().st_size > 1000
    assert "| genebert |" in (out / "report.md").read_text()
