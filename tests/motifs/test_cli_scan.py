"""`genebert motifs scan` / `genebert motifs list` on the real chr2 piece, and broken inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from genebert_tool.cli import main
from genebert_tool.motifs.jaspar import load_motifs
from genebert_tool.motifs.scan import window_scores

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def pls_bed(real_data):
    return real_data / "regions" / "encode_ccre_PLS.K562.hg38_windows.bed"


def _read_tsv(path):
    lines = path.read_text().splitlines()
    comments = [line for line in lines if line.startswith("#")]
    table = [line.split("\t") for line in lines if not line.startswith("#")]
    return comments, table[0], table[1:]


def test_scan_bed_with_tf_selection_and_hits(pls_bed, hg38_chr2, tmp_path):
    out, hits = tmp_path / "out.tsv", tmp_path / "hits.bed"
    result = CliRunner().invoke(
        main,
        ["motifs", "scan", str(pls_bed), "--genome", str(hg38_chr2), "--tf", "CTCF", "--tf", "SP1",
         "-o", str(out), "--threshold", "9", "--hits-out", str(hits)],
    )
    assert result.exit_code == 0, result.output
    comments, header, rows = _read_tsv(out)
    assert any("JASPAR2018" in c for c in comments) and any("pseudocount" in c and "background" in c for c in comments)
    assert any("genebert" in c for c in comments)
    assert header == ["region", "MA0139.1_CTCF", "MA0079.3_SP1"]
    assert len(rows) == 6
    bed_names = [line.split("\t")[3] for line in pls_bed.read_text().splitlines()]
    assert [r[0] for r in rows] == bed_names
    values = np.array([[float(v) for v in r[1:]] for r in rows])
    assert np.isfinite(values).all()
    # the two CTCF-bound promoters (ENCODE label "PLS,CTCF-bound") have the best CTCF sites
    labels = [line.split("\t")[9] for line in pls_bed.read_text().splitlines()]
    bound = [i for i, label in enumerate(labels) if "CTCF-bound" in label]
    assert set(np.argsort(values[:, 0])[-2:]) == set(bound)

    regions = [line.split("\t") for line in pls_bed.read_text().splitlines()]
    from genebert_tool.genome.fasta import Genome

    motifs = load_motifs(tf_names=["CTCF", "SP1"])
    n_hits = 0
    with Genome(hg38_chr2) as genome:
        for line in hits.read_text().splitlines():
            chrom, start, end, name, score, strand = line.split("\t")
            start, end, score = int(start), int(end), float(score)
            n_hits += 1
            assert chrom == "chr2" and name in ("CTCF", "SP1") and strand in "+-" and score >= 9
            m = 0 if name == "CTCF" else 1
            assert end - start == motifs.lengths[m]
            region = next(r for r in regions if int(r[1]) <= start and end <= int(r[2]))
            # the reported score is the score of that window in the genome
            window = window_scores(genome.fetch(chrom, start, end), motifs)
            assert window[0 if strand == "+" else 1, m, 0] == pytest.approx(score, abs=1e-3)
            assert score <= values[regions.index(region), m] + 1e-3
    assert n_hits > 0
    assert f"{n_hits} hits" in result.output


def test_scan_npz_all_motifs(pls_bed, hg38_chr2, tmp_path):
    out = tmp_path / "m.npz"
    result = CliRunner().invoke(main, ["motifs", "scan", str(pls_bed), "--genome", str(hg38_chr2), "-o", str(out)])
    assert result.exit_code == 0, result.output
    with np.load(out) as data:
        assert data["matrix"].shape == (6, 579)
        assert list(data["rows"])[0] == "EH38E1966657"
        assert "MA0139.1_CTCF" in list(data["columns"]) and str(data["release"]) == "JASPAR2018"


def test_scan_fasta_file_and_stdin(tmp_path):
    fasta = tmp_path / "seqs.fa"
    fasta.write_text(">a\nACGTCCGCGNGGNGGCAGCAGCCACGT\n>b\nTTTTTTTTTT\nAAAAAGGGGG\n")
    out = tmp_path / "x.tsv"
    runner = CliRunner()
    result = runner.invoke(main, ["motifs", "scan", str(fasta), "--tf", "CTCF", "-o", str(out)])
    assert result.exit_code == 0, result.output
    _, header, rows = _read_tsv(out)
    assert header == ["region", "MA0139.1_CTCF"] and [r[0] for r in rows] == ["a", "b"]
    result = runner.invoke(main, ["motifs", "scan", "-", "--format", "fasta", "--tf", "CTCF", "-o", "-"],
                           input=fasta.read_text())
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.stdout.splitlines() if not line.startswith("#")] == ["region", "a", "b"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tf", "NOT_A_TF"], "NOT_A_TF"),
        (["--release", "JASPAR1999"], "JASPAR1999"),
        (["--threshold", "5"], "--hits-out"),
    ],
)
def test_bad_options_are_clean_errors(tmp_path, args, message):
    fasta = tmp_path / "s.fa"
    fasta.write_text(">a\nACGT\n")
    out = tmp_path / "o.tsv"
    result = CliRunner().invoke(main, ["motifs", "scan", str(fasta), "-o", str(out), *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_broken_bed_names_file_and_line(hg38_chr2, tmp_path):
    bed = tmp_path / "broken.bed"
    bed.write_text("chr2\t1000\t1500\tok\nchr2\tten\t2000\tbad\n")
    out = tmp_path / "o.tsv"
    result = CliRunner().invoke(main, ["motifs", "scan", str(bed), "--genome", str(hg38_chr2), "-o", str(out)])
    assert result.exit_code != 0
    assert "broken.bed:2" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists() and not list(tmp_path.glob(".o.tsv*"))  # atomic: nothing half-written


def test_bed_without_genome_and_unknown_format(tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1000\t1500\n")
    result = CliRunner().invoke(main, ["motifs", "scan", str(bed), "-o", str(tmp_path / "o.tsv")])
    assert result.exit_code != 0 and "--genome" in result.output
    odd = tmp_path / "r.txt"
    odd.write_text("chr2\t1000\t1500\n")
    result = CliRunner().invoke(main, ["motifs", "scan", str(odd), "-o", str(tmp_path / "o.tsv")])
    assert result.exit_code != 0 and "--format" in result.output and "Traceback" not in result.output


def test_motifs_list():
    result = CliRunner().invoke(main, ["motifs", "list"])
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    assert lines[0] == "column\tmatrix_id\tname\tlength"
    assert len(lines) == 1 + 579
    assert "MA0139.1_CTCF\tMA0139.1\tCTCF\t19" in lines
    newer = CliRunner().invoke(main, ["motifs", "list", "--release", "JASPAR2020"])
    assert newer.exit_code == 0 and "JASPAR2020" in newer.stdout
