"""``genebert annotate`` end to end (CliRunner) with tiny random task models on real data,
and the bad inputs users actually have: each gives a message or a recorded reject, never a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyBigWig
import pysam
import pytest
from click.testing import CliRunner

from genebert_tool.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(args, input=None):
    result = CliRunner().invoke(main, ["annotate", *map(str, args)], input=input)
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text, text
    return result, text


def _table(path):
    header, rows = None, []
    for line in Path(path).read_text().splitlines():
        if line.startswith("#chrom") or line.startswith("name\t"):
            header = line.lstrip("#").split("\t")
        elif line and not line.startswith(("#", "track")):
            rows.append(line.split("\t"))
    return header, rows


def test_bed_to_bed_and_bigwig_on_real_regions(real_data, hg38_chr2, tiny_models, tmp_path):
    src = real_data / "regions" / "encode_rampage_rpeaks.hg38_windows.bed"  # chr2 and chr22 rows
    result, text = _run([src, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"],
                         "--tf", "CTCF,SP1", "-o", tmp_path / "rp"])
    assert result.exit_code == 0, text
    assert "54 records read, 42 scored, 12 rejected" in text
    header, rows = _table(tmp_path / "rp.bed")
    assert header[-2:] == ["MA0139.1_CTCF", "MA0079.3_SP1"] and len(header) == 12 + 2
    src_rows = [ln.split("\t") for ln in src.read_text().splitlines() if ln.startswith("chr2\t")]
    assert [r[:12] for r in rows] == src_rows
    lines = (tmp_path / "rp.bed").read_text().splitlines()
    assert any("name=" in ln and "version=test" in ln and "task=tfbs" in ln for ln in lines if ln.startswith("#model"))
    assert any(f"genome={hg38_chr2}" in ln for ln in lines if ln.startswith("#genebert"))
    rejected = (tmp_path / "rp.rejected.tsv").read_text().splitlines()[1:]
    assert len(rejected) == 12 and all("chr22" in r and "not in genome" in r for r in rejected)
    for col in ("MA0139.1_CTCF", "MA0079.3_SP1"):
        bw = pyBigWig.open(str(tmp_path / f"rp.{col}.bw"))
        assert list(bw.chroms()) == ["chr2"]
        j = header.index(col)
        regions = [(int(r[1]), int(r[2]), float(r[j])) for r in rows]
        for s, e, v in regions:
            covering = [(abs((s + e) // 2 + 0.5 - (a + b) / 2), w) for a, b, w in regions if a <= (s + e) // 2 < b]
            want = min(covering)[1]
            assert bw.values("chr2", (s + e) // 2, (s + e) // 2 + 1)[0] == pytest.approx(want, abs=6e-5)
        bw.close()
    assert not list(tmp_path.glob("rp.MA0491*"))  # --tf restricted the outputs


def test_all_tasks_with_tiles_and_splice_positions(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "pe.bed"
    bed.write_text("chr2\t1860151\t1860261\tMYT1L_PE\t0\t-\n")
    result, text = _run([bed, "--genome", hg38_chr2, "--task", "all", "--model", tiny_models["promoter"], "--model",
                         tiny_models["tfbs"], "--model", tiny_models["splice"], "--tile", "50", "--step", "25",
                         "--tracks", "bigwig,bedgraph", "-o", tmp_path / "a"])
    assert result.exit_code == 0, text
    header, rows = _table(tmp_path / "a.bed")
    assert header[4:] == ["promoter", "tfbs.MA0139.1_CTCF", "tfbs.MA0491.1_JUND", "tfbs.MA0079.3_SP1",
                          "splice.donor", "splice.acceptor"]
    assert [(int(r[1]), int(r[2])) for r in rows] == [(1860151, 1860201), (1860176, 1860226), (1860201, 1860251),
                                                      (1860211, 1860261)]
    bw = pyBigWig.open(str(tmp_path / "a.splice.donor.bw"))
    per_base = np.array(bw.values("chr2", 1860151, 1860261))
    assert not np.isnan(per_base).any()  # one value per position
    for r in rows:
        s, e = int(r[1]), int(r[2])
        assert float(r[-2]) == pytest.approx(per_base[s - 1860151 : e - 1860151].max(), abs=6e-5)
    bw.close()
    assert (tmp_path / "a.promoter.bedGraph").exists() and not list(tmp_path.glob("a.*.bed6"))


def test_fasta_to_tsv_and_tiled_bigwig(hg38_chr2, tiny_models, tmp_path):
    import pyfaidx

    chrom = pyfaidx.Fasta(str(hg38_chr2), as_raw=True)["chr2"]
    fa = tmp_path / "seqs.fa"
    fa.write_text(f">tss_region\n{chrom[264600:265000]}\n>exon\n{chrom[1792270:1792514]}\n")
    result, text = _run([fa, "--task", "promoter", "--model", tiny_models["promoter"], "-o", tmp_path / "f"])
    assert result.exit_code == 0, text
    header, rows = _table(tmp_path / "f.tsv")
    assert header == ["name", "start", "end", "promoter"]
    assert [(r[0], r[2]) for r in rows] == [("tss_region", "400"), ("exon", "244")]
    result, text = _run([fa, "--task", "promoter", "--model", tiny_models["promoter"], "--tile", "100", "-o", tmp_path / "t"])
    assert result.exit_code == 0, text
    bw = pyBigWig.open(str(tmp_path / "t.promoter.bw"))
    assert bw.chroms() == {"tss_region": 400, "exon": 244}
    _, rows = _table(tmp_path / "t.tsv")
    for name, s, e, v in rows:
        c = (int(s) + int(e)) // 2
        assert bw.values(name, c, c + 1)[0] == pytest.approx(float(v), abs=6e-5)
    bw.close()


def test_vcf_examples_every_record_present_and_skips_explained(hg38_chr2, tiny_models, tmp_path):
    src = EXAMPLES / "variants.vcf"
    result, text = _run([src, "--genome", hg38_chr2, "--task", "risk", "--model", tiny_models["promoter"], "--model",
                         tiny_models["tfbs"], "--model", tiny_models["splice"], "--splice-distance", "10",
                         "--risk-model", "none",  # the shipped genebert-risk refuses other task models
                         "-o", tmp_path / "v.vcf.gz"])
    assert result.exit_code == 0, text
    assert (tmp_path / "v.vcf.gz.tbi").exists()
    out = pysam.VariantFile(str(tmp_path / "v.vcf.gz"))
    for key in ("GENEBERT", "GENEBERT_RISK", "GENEBERT_RISK_OUTPUT", "GENEBERT_SKIP"):
        assert key in out.header.info
    assert any(r.key == "genebert_model" for r in out.header.records)
    records = list(out)
    inp = list(pysam.VariantFile(str(src)))
    assert [(r.chrom, r.pos, r.ref, r.alts) for r in records] == [(r.chrom, r.pos, r.ref, r.alts) for r in inp]
    n_outputs = 6
    reasons = {}
    for rec in records:
        skipped = {e.split("|")[0]: e.split("|")[1] for e in rec.info.get("GENEBERT_SKIP", ())}
        reasons.update({rec.id: skipped})
        risks = rec.info.get("GENEBERT_RISK", (None,) * len(rec.alts))
        scored = [e.split("|")[0] for e in rec.info.get("GENEBERT", ())]
        for alt, risk in zip(rec.alts, risks):
            assert (alt in skipped) != (risk is not None), (rec.id, alt)  # scored xor explained
            if risk is not None:
                assert scored.count(alt) == n_outputs and -1 <= risk <= 1
    assert reasons["ref_mismatch"] == {"T": "REF_MISMATCH"}
    assert reasons["contig_not_in_genome"] == {"G": "CONTIG_NOT_IN_GENOME"}
    assert reasons["symbolic"] == {"<DEL>": "SYMBOLIC_ALT"}
    assert reasons["poison_exon_snv_and_star"] == {"*": "SPANNING_DELETION"}
    assert reasons["multiallelic_snv"] == {} and reasons["insertion"] == {} and reasons["deletion"] == {}
    rejected = (tmp_path / "v.rejected.tsv").read_text().splitlines()[1:]
    assert len(rejected) == 4 and all(r.split("\t")[1].isdigit() for r in rejected)


def test_vcf_strict_stops_at_the_first_skip(hg38_chr2, tiny_models, tmp_path):
    result, text = _run([EXAMPLES / "variants.vcf", "--genome", hg38_chr2, "--task", "tfbs", "--model",
                         tiny_models["tfbs"], "--strict", "-o", tmp_path / "s"])
    assert result.exit_code == 1 and "variants.vcf:14: REF_MISMATCH" in text
    assert list(tmp_path.iterdir()) == []


def test_vcf_stdin_to_stdout(hg38_chr2, tiny_models):
    text_in = (EXAMPLES / "variants.vcf").read_text()
    result = CliRunner().invoke(main, ["annotate", "-", "--format", "vcf", "--genome", str(hg38_chr2), "--task",
                                       "tfbs", "--model", str(tiny_models["tfbs"]), "-o", "-", "-q"], input=text_in)
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.stdout.splitlines() if not ln.startswith("#")]
    assert len(lines) == sum(1 for ln in text_in.splitlines() if not ln.startswith("#"))
    assert lines[0].split("\t")[7].startswith("GENEBERT=A|MA0139.1_CTCF|")


# ---- bad inputs --------------------------------------------------------------------------------


def _bed_args(bed, hg38_chr2, tiny_models, out):
    return [bed, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"], "-o", out, "-q"]


def test_malformed_line_rejected_or_fatal_with_strict(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "bad.bed"
    bed.write_text("chr2\t100\t200\nchr2\tten\t300\nchr2\t400\t500\n")
    result, text = _run(_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "o"))
    assert result.exit_code == 0, text
    rejected = (tmp_path / "o.rejected.tsv").read_text().splitlines()[1:]
    assert len(rejected) == 1 and rejected[0].split("\t")[1] == "2" and "not an integer" in rejected[0]
    result, text = _run([*_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "s"), "--strict"])
    assert result.exit_code == 1 and "bad.bed:2" in text and "start is not an integer" in text
    assert not list(tmp_path.glob("s.*"))


def test_unknown_contigs_only_is_an_error(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "chr7.bed"
    bed.write_text("chr7\t100\t200\nchrX\t5\t50\n")
    result, text = _run(_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "o"))
    assert result.exit_code == 1 and "no record could be scored" in text and "not in genome" in text
    assert len((tmp_path / "o.rejected.tsv").read_text().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.glob("o.*")) == ["o.rejected.tsv"]  # no header-only outputs


def test_chr_prefix_mismatch_is_resolved(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "nochr.bed"
    bed.write_text("2\t1000\t1100\tr1\n")
    result, text = _run(_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "o"))
    assert result.exit_code == 0, text
    _, rows = _table(tmp_path / "o.bed")
    assert rows[0][0] == "2"  # input column kept
    bw = pyBigWig.open(str(tmp_path / "o.MA0139.1_CTCF.bw"))
    assert bw.values("chr2", 1050, 1051)[0] == pytest.approx(float(rows[0][4]), abs=6e-5)  # track on FASTA name
    bw.close()


@pytest.mark.parametrize("content", ["", "# only a comment\ntrack name=x\n"])
def test_empty_input(hg38_chr2, tiny_models, tmp_path, content):
    bed = tmp_path / "empty.bed"
    bed.write_text(content)
    result, text = _run(_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "o"))
    assert result.exit_code == 1 and "no records" in text
    assert not list(tmp_path.glob("o.*"))


def test_gzip_and_crlf_inputs(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "r.bed.gz"
    with gzip.open(bed, "wt", newline="") as fh:
        fh.write("chr2\t1000\t1100\ta\r\nchr2\t2000\t2100\tb\r\n")
    result, text = _run(_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "o"))
    assert result.exit_code == 0, text
    _, rows = _table(tmp_path / "o.bed")
    assert [r[3] for r in rows] == ["a", "b"]  # no stray \r in names
    broken = tmp_path / "t.bed.gz"
    broken.write_bytes(bed.read_bytes()[:-12])
    result, text = _run(_bed_args(broken, hg38_chr2, tiny_models, tmp_path / "b"))
    assert result.exit_code == 1 and "gzip" in text


def test_stdin_narrowpeak(hg38_chr2, tiny_models, tmp_path):
    peaks = "chr2\t1000\t1200\tp1\t500\t.\t3.5\t-1\t-1\t100\nchr2\t5000\t5300\tp2\t900\t.\t7.1\t-1\t-1\t150\n"
    result, text = _run(["-", "--format", "bed", "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"],
                         "-o", tmp_path / "p"], input=peaks)
    assert result.exit_code == 0, text
    header, rows = _table(tmp_path / "p.bed")
    assert header[:6] == ["chrom", "start", "end", "name", "score", "strand"] and len(rows) == 2
    (tmp_path / "x.narrowPeak").write_text(peaks)
    result, text = _run([tmp_path / "x.narrowPeak", "--genome", hg38_chr2, "--task", "tfbs", "--model",
                         tiny_models["tfbs"], "-o", tmp_path / "n"])
    header, rows = _table(tmp_path / "n.bed")
    assert header[6:10] == ["signalValue", "pValue", "qValue", "peak"]


def test_binary_input_is_a_clear_error(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "binary.bed"
    bed.write_bytes(b"chr2\t1\t5\n\x00\xff\xfe\x01garbage\n")
    result, text = _run([*_bed_args(bed, hg38_chr2, tiny_models, tmp_path / "o"), "--strict"])
    assert result.exit_code == 1 and "binary.bed:2" in text


def test_usage_errors(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1000\t1100\n")
    cases = [
        ([bed, "--task", "tfbs", "--model", tiny_models["tfbs"], "-o", tmp_path / "o"], "--genome"),
        ([bed, "--genome", hg38_chr2, "--task", "risk", "-o", tmp_path / "o"], "needs VCF"),
        (["-", "--genome", hg38_chr2, "-o", tmp_path / "o"], "--format"),
        ([tmp_path / "r.txt", "--genome", hg38_chr2, "-o", tmp_path / "o"], "--format"),
        ([bed, "--genome", hg38_chr2, "--task", "tfbs", "--model", tmp_path / "nope", "-o", tmp_path / "o"],
         "nope"),
        ([bed, "--genome", hg38_chr2, "--task", "promoter", "--model", tiny_models["tfbs"], "-o", tmp_path / "o"],
         "trained for task 'tfbs'"),
        ([bed, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"], "--tf", "FOXA1",
          "-o", tmp_path / "o"], "no such output"),
        ([bed, "--genome", tmp_path / "missing.fa", "--model", tiny_models["tfbs"], "--task", "tfbs", "-o",
          tmp_path / "o"], "not found"),
        ([bed, "--genome", hg38_chr2, "--model", tiny_models["tfbs"], "--task", "tfbs", "-o", tmp_path / "no" / "o"],
         "does not exist"),
        ([bed, "--genome", hg38_chr2, "--model", tiny_models["tfbs"], "--task", "tfbs", "--tile", "0", "-o",
          tmp_path / "o"], "positive"),
        ([bed, "--genome", hg38_chr2, "--model", tiny_models["tfbs"], "--task", "tfbs", "--context-bp", "500", "-o",
          tmp_path / "o"], "reads at most 128 bp"),
        ([bed, "--genome", hg38_chr2, "--model", tiny_models["splice"], "--task", "splice", "--splice-distance", "5", "-o",
          tmp_path / "o"], "applies to VCF"),
    ]
    for args, message in cases:
        result, text = _run(args)
        assert result.exit_code != 0 and message in text, (args, text)


def test_missing_default_model_fails_clearly(hg38_chr2, tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(tmp_path))  # an empty registry
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1000\t1100\n")
    result, text = _run([bed, "--genome", hg38_chr2, "--task", "tfbs", "-o", tmp_path / "o"])
    assert result.exit_code == 1 and "default model for --task tfbs is not available" in text


def test_malformed_vcf_record(hg38_chr2, tiny_models, tmp_path):
    vcf = tmp_path / "bad.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "chr2\t1000\t.\tA\tG\t.\t.\t.\nchr2\tx\n")
    result, text = _run([vcf, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"], "-o", tmp_path / "o"])
    assert result.exit_code == 1 and "bad.vcf:4" in text
    assert not list(tmp_path.glob("o.*"))


def test_chr22_piece_with_genome_offset(real_data, tiny_models, tmp_path):
    src = real_data / "regions" / "encode_rampage_rpeaks.hg38_windows.bed"
    bed = tmp_path / "chr22.bed"
    bed.write_text("".join(ln + "\n" for ln in src.read_text().splitlines() if ln.startswith("chr22\t")))
    piece = real_data / "genome" / "hg38_chr22_32000000_32300000.fa.gz"
    result, text = _run([bed, "--genome", piece, "--genome-offset", "chr22=32000000", "--task", "tfbs",
                         "--model", tiny_models["tfbs"], "-o", tmp_path / "c"])
    assert result.exit_code == 0, text
    _, rows = _table(tmp_path / "c.bed")
    assert len(rows) == 12
    bw = pyBigWig.open(str(tmp_path / "c.MA0139.1_CTCF.bw"))
    assert bw.chroms() == {"chr22": 32_300_000}  # offset + stored length, real coordinates
    s, e = int(rows[0][1]), int(rows[0][2])
    assert bw.values("chr22", (s + e) // 2, (s + e) // 2 + 1)[0] == pytest.approx(float(rows[0][12]), abs=6e-5)
    bw.close()
    result, text = _run([bed, "--genome", piece, "--task", "tfbs", "--model", tiny_models["tfbs"], "-o", tmp_path / "d"])
    assert result.exit_code == 1 and "beyond the end of chr22" in text  # without the offset: a clear reject


def test_header_only_vcf_passes_through(hg38_chr2, tiny_models, tmp_path):
    vcf = tmp_path / "empty.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    result, text = _run([vcf, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"], "-o", tmp_path / "o"])
    assert result.exit_code == 0 and "no records" in text
    assert list(pysam.VariantFile(str(tmp_path / "o.vcf.gz"))) == []
    empty = tmp_path / "zero.vcf"
    empty.write_text("")
    result, text = _run([empty, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"], "-o",
                         tmp_path / "z"])
    assert result.exit_code == 1 and "zero.vcf" in text


@pytest.mark.gpu
def test_cuda_bf16_matches_cpu(hg38_chr2, tiny_models, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("".join(f"chr2\t{s}\t{s + 200}\n" for s in range(264000, 266000, 100)))
    for device in ("cpu", "cuda"):
        result, text = _run([bed, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny_models["tfbs"], "--device",
                             device, "--tracks", "none", "-o", tmp_path / device])
        assert result.exit_code == 0, text
    cpu = np.array([[float(x) for x in r[3:]] for r in _table(tmp_path / "cpu.bed")[1]])
    gpu = np.array([[float(x) for x in r[3:]] for r in _table(tmp_path / "cuda.bed")[1]])
    assert np.abs(cpu - gpu).max() < 2e-2  # bf16 autocast on GPU


@pytest.mark.slow
def test_demo_script_with_a_registry_of_tiny_models(hg38_chr2, tiny_models, tmp_path):
    """examples/demo.sh end to end, the tiny models registered under the default names."""
    import os
    import shutil
    import subprocess

    from genebert_tool.pretrained import register_model

    registry = tmp_path / "registry"
    registry.mkdir()
    for task, path in tiny_models.items():  # under the former and the current default names
        for name in (f"genebert-{task}", f"genebert-{task}-genome"):
            register_model(path, name, task, "0-test", root=registry)
    genebert = shutil.which("genebert") or str(Path(__import__("sys").executable).parent / "genebert")
    env = {**os.environ, "GENEBERT_PRETRAINED": str(registry), "DEMO_OUT": str(tmp_path / "demo"),
           "GENEBERT_DATA": str(hg38_chr2.parent.parent)}
    out = subprocess.run(["bash", str(EXAMPLES / "demo.sh"), genebert], capture_output=True, text=True, env=env,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    assert "demo: done" in out.stdout and ".bw" in out.stdout
    assert len(list((tmp_path / "demo").glob("*.bw"))) == 6
    env["GENEBERT_PRETRAINED"] = str(tmp_path)  # no registry: a clear failure
    out = subprocess.run(["bash", str(EXAMPLES / "demo.sh"), genebert], capture_output=True, text=True, env=env,
                         timeout=600)
    assert out.returncode != 0 and "default model for --task tfbs is not available" in out.stderr
    assert "Traceback" not in out.stderr
