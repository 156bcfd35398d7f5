"""Hostile VCF cases (issue 13 items 2, 5, 10): records pass through as written, re-annotation replaces
genebert's own fields, and every message names the real file and line, on the real ClinVar chr2 piece."""

from __future__ import annotations

import gzip
import io
import sys

import pysam
import pytest

from annotate_helpers import gc_models
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.annotate.variants import OWN_INFO
from genebert_tool.errors import InputError

PIECE = "variants/clinvar_20200803.hg38_chr2_piece.vcf.gz"


def _clinvar(real_data) -> tuple[list[str], list[str]]:
    lines = gzip.open(real_data / PIECE, "rt").read().splitlines()
    return [x for x in lines if x.startswith("#")], [x for x in lines if not x.startswith("#")]


@pytest.fixture
def odd_vcf(real_data, tmp_path):
    """Real ClinVar records with values htslib would rewrite: a long QUAL, long and padded floats, a FORMAT
    column with a bare GT, and no ##FILTER=<ID=PASS> line."""
    header, records = _clinvar(real_data)
    header = [h for h in header if not h.startswith("#CHROM")]
    header += ['##INFO=<ID=AF,Number=A,Type=Float,Description="test">',
               '##INFO=<ID=DP2,Number=1,Type=Float,Description="test">',
               '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
               '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
               "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"]
    body = []
    for i, rec in enumerate(records[:10]):
        f = rec.split("\t")
        f[5] = "12345678.9" if i % 2 else "50.00"
        f[7] = f"AF=0.1234567891;DP2=50.00;{f[7]}"
        body.append("\t".join(f + ["GT", "0/0"]))
    path = tmp_path / "odd.vcf"
    path.write_text("\n".join(header + body) + "\n")
    return path, header, body


def _data_lines(path) -> list[str]:
    return [x for x in gzip.open(path, "rt").read().splitlines() if not x.startswith("#")]


def _strip_own(line: str) -> str:
    f = line.split("\t")
    f[7] = ";".join(kv for kv in f[7].split(";") if kv.split("=")[0] not in OWN_INFO) or "."
    return "\t".join(f)


def test_records_pass_through_byte_for_byte(odd_vcf, hg38_chr2, tmp_path):
    path, header, body = odd_vcf
    annotate(AnnotateOptions(input=str(path), output=str(tmp_path / "o"), genome=str(hg38_chr2)), models=gc_models(50))
    out = _data_lines(tmp_path / "o.vcf.gz")
    assert [_strip_own(x) for x in out] == body  # QUAL 12345678.9, AF 0.1234567891, 50.00, 0/0 all kept
    assert all("GENEBERT=" in x for x in out)
    out_header = [x for x in gzip.open(tmp_path / "o.vcf.gz", "rt").read().splitlines() if x.startswith("#")]
    assert not any(x.startswith("##FILTER=<ID=PASS") for x in out_header)
    assert [x for x in out_header if not x.startswith(("##INFO=<ID=GENEBERT", "##genebert"))] == header


def test_re_annotating_replaces_genebert_fields_and_header_lines(odd_vcf, hg38_chr2, tmp_path):
    path, _, body = odd_vcf
    annotate(AnnotateOptions(input=str(path), output=str(tmp_path / "a"), genome=str(hg38_chr2)), models=gc_models(50))
    annotate(AnnotateOptions(input=str(tmp_path / "a.vcf.gz"), output=str(tmp_path / "b"), genome=str(hg38_chr2)),
             models=gc_models(80))  # another window: other values
    text = gzip.open(tmp_path / "b.vcf.gz", "rt").read()
    for key in ("##INFO=<ID=GENEBERT,", "##INFO=<ID=GENEBERT_RISK,", "##genebert=<", "##genebert_model=<"):
        assert text.count(key) == 1, key
    for line in _data_lines(tmp_path / "b.vcf.gz"):
        keys = [kv.split("=")[0] for kv in line.split("\t")[7].split(";")]
        assert len(keys) == len(set(keys)), line
    assert [_strip_own(x) for x in _data_lines(tmp_path / "b.vcf.gz")] == body
    annotate(AnnotateOptions(input=str(path), output=str(tmp_path / "c"), genome=str(hg38_chr2)), models=gc_models(80))
    values = {}
    for name in "abc":
        with pysam.VariantFile(str(tmp_path / f"{name}.vcf.gz")) as vf:
            values[name] = [(r.info["GENEBERT"], r.info["GENEBERT_RISK"]) for r in vf]
    assert values["b"] == values["c"] != values["a"]  # the reader sees this run's values, as on a fresh file


def test_stdin_reject_lines_are_the_real_lines(real_data, hg38_chr2, tmp_path, monkeypatch):
    header, records = _clinvar(real_data)
    bad = records[2].split("\t")
    bad[3] = next(b for b in "ACGT" if b not in (bad[3], bad[4]))  # a REF that disagrees with the genome
    text = "\n".join(header + records[:2] + ["\t".join(bad)] + records[3:6]) + "\n"
    want = len(header) + 3  # 1-based line of the bad record
    assert text.splitlines()[want - 1] == "\t".join(bad)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    summary = annotate(AnnotateOptions(input="-", format="vcf", output=str(tmp_path / "s"), genome=str(hg38_chr2)),
                       models=gc_models(50))
    (reject,) = list(summary.rejects)
    assert (reject.source, reject.line) == ("<stdin>", want) and "REF_MISMATCH" in reject.reason
    assert _strip_own(_data_lines(tmp_path / "s.vcf.gz")[2]) == "\t".join(bad)


def test_bad_bcf_is_named_by_its_path(real_data, hg38_chr2, tmp_path):
    bcf = tmp_path / "calls.bcf"
    with pysam.VariantFile(str(real_data / PIECE)) as src, pysam.VariantFile(str(bcf), "wb", header=src.header) as out:
        for rec in src:
            out.write(rec)
    data = bcf.read_bytes()
    bcf.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError) as err:
        annotate(AnnotateOptions(input=str(bcf), output=str(tmp_path / "o"), genome=str(hg38_chr2)),
                 models=gc_models(50))
    assert str(err.value).startswith(str(bcf)) and "<stdin>" not in str(err.value)


def test_truncated_bgzip_vcf_says_truncated(real_data, hg38_chr2, tmp_path, capfd):
    data = (real_data / PIECE).read_bytes()
    for cut in (200, len(data) // 2):
        cut_path = tmp_path / f"cut{cut}.vcf.gz"
        cut_path.write_bytes(data[:cut])
        with pytest.raises(InputError) as err:
            annotate(AnnotateOptions(input=str(cut_path), output=str(tmp_path / "o"), genome=str(hg38_chr2)),
                     models=gc_models(50))
        assert "truncated" in str(err.value) and "##fileformat" not in str(err.value), str(err.value)
    assert "[E::" not in capfd.readouterr().err


def test_unsorted_warning_names_the_output_and_htslib_stays_quiet(real_data, hg38_chr2, tmp_path, capfd):
    header, records = _clinvar(real_data)
    path = tmp_path / "unsorted.vcf.gz"
    with pysam.BGZFile(str(path), "wb") as fh:  # bgzipped, no .tbi beside it
        fh.write(("\n".join(header + records[5:10] + records[:5]) + "\n").encode())
    summary = annotate(AnnotateOptions(input=str(path), output=str(tmp_path / "u"), genome=str(hg38_chr2)),
                       models=gc_models(50))
    (warning,) = summary.warnings
    assert str(tmp_path / "u.vcf.gz") in warning and ".tmp" not in warning
    err = capfd.readouterr().err
    assert "[E::" not in err and "[W::" not in err, err
