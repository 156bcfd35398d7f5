"""Hostile BED/FASTA/VCF inputs (issue 13 items 4, 6, 10, 11, 12): bad records become rejects, positions
outside a genome piece are rejected alike in BED and VCF, RNA is read as DNA, every reject row has four
fields, counts say what they count, and the manifest cannot point outside the registry."""

from __future__ import annotations

import json

import pytest

from annotate_helpers import GcPredictor, gc_models
from genebert_tool.annotate.models import ScoringModel, name_columns
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.errors import InputError, ModelError
from genebert_tool.genome.bed import iter_bed, parse_bed_line
from genebert_tool.genome.intervals import RejectLog
from genebert_tool.genome.sequences import iter_fasta, iter_fasta_records

PIECE = "genome/hg38_chr22_32000000_32300000.fa.gz"


class SeenPredictor(GcPredictor):
    """Records every window it is asked to score."""

    def __init__(self, window_bp: int) -> None:
        super().__init__(window_bp)
        self.seen: list[str] = []

    def predict(self, sequences, *, batch_size=64):
        self.seen.extend(sequences)
        return super().predict(sequences, batch_size=batch_size)


def _models(predictor) -> list[ScoringModel]:
    models = [ScoringModel(predictor=predictor, name="seen", version="0", task="tfbs", keep=[0, 1],
                           outputs=["gc", "at"], window_bp=predictor.window_bp)]
    name_columns(models)
    return models


def test_bed_regions_before_a_genome_offset_are_rejected_like_vcf(real_data, tmp_path, private_cache):
    bed = tmp_path / "c22.bed"
    bed.write_text("chr22\t31999000\t31999200\tbefore\nchr22\t31999950\t32000050\tstraddles\n"
                   "chr22\t32100000\t32100200\tinside\n")
    vcf = tmp_path / "c22.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr22>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "chr22\t31999100\tbefore\tN\tA\t.\t.\t.\n")
    predictor = SeenPredictor(50)
    common = dict(genome=str(real_data / PIECE), genome_offsets=("chr22=32000000",))
    summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "b"), **common), models=_models(predictor))
    assert summary.scored == 1 and [r.line for r in summary.rejects] == [1, 2]
    assert all("outside the genome sequence" in r.reason for r in summary.rejects)
    assert predictor.seen and not any(set(s) == {"N"} for s in predictor.seen)  # no all-N window was scored
    with pytest.raises(InputError, match="OUTSIDE_GENOME_SEQUENCE"):  # the VCF rule, for comparison
        annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "v"), **common), models=gc_models(50))


def test_rna_u_is_read_as_t(tmp_path):
    fa = tmp_path / "rna.fa"
    fa.write_text(">r\nACGUUAGCU\n>d\nACGTTAGCT\n")
    assert list(iter_fasta(fa)) == [("r", "ACGTTAGCT"), ("d", "ACGTTAGCT")]
    predictor = SeenPredictor(9)
    annotate(AnnotateOptions(input=str(fa), output=str(tmp_path / "o"), tracks=()), models=_models(predictor))
    assert predictor.seen == ["ACGTTAGCT", "ACGTTAGCT"]


BAD_FASTA = b">good1\nACGTACGTAC\n>empty\n>gap\nACGT-ACGT\n>\nACGTAC\n>bytes\nAC\xff\xfeGT\n>good2\nGGGCCC\n"


def test_bad_fasta_records_are_rejects_not_the_end_of_the_run(tmp_path):
    fa = tmp_path / "bad.fa"
    fa.write_bytes(BAD_FASTA)
    rejects = RejectLog()
    got = list(iter_fasta_records(fa, rejects=rejects))
    assert [(line, name) for line, name, _ in got] == [(1, "good1"), (10, "good2")]
    assert [(r.line, r.record) for r in rejects] == [(3, ">empty"), (4, ">gap"), (6, ">"), (8, ">bytes")]
    assert "invalid character '-'" in list(rejects)[1].reason and "line 5" in list(rejects)[1].reason
    summary = annotate(AnnotateOptions(input=str(fa), output=str(tmp_path / "o"), tracks=()), models=gc_models(4))
    assert (summary.records, summary.scored, len(summary.rejects)) == (6, 2, 4)
    with pytest.raises(InputError, match=r"bad\.fa:3: record 'empty' has no sequence"):
        annotate(AnnotateOptions(input=str(fa), output=str(tmp_path / "s"), tracks=(), strict=True),
                 models=gc_models(4))


def test_fasta_duplicate_names_are_rejected_at_their_header_line(tmp_path):
    fa = tmp_path / "dup.fa"
    fa.write_text(">a\nACGTACGT\n>b\nACGT\n>a\nGGGG\n")
    summary = annotate(AnnotateOptions(input=str(fa), output=str(tmp_path / "o"), tile=4), models=gc_models(4))
    (reject,) = list(summary.rejects)
    assert reject.line == 5 and "duplicate" in reject.reason


def test_non_utf8_bed_name_is_one_reject(hg38_chr2, tmp_path):
    bed = tmp_path / "n.bed"
    bed.write_bytes(b"chr2\t1000\t1100\tok\nchr2\t2000\t2100\tna\xefve\xff\nchr2\t3000\t3100\tok2\n")
    summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "o"), genome=str(hg38_chr2),
                                       tracks=()), models=gc_models(50))
    assert summary.scored == 2 and [(r.line, r.reason) for r in summary.rejects] == [(2, "not UTF-8 text (binary file?)")]
    rows = [ln.split("\t") for ln in (tmp_path / "o.rejected.tsv").read_text().splitlines()]
    assert rows[1][3] == "chr2\\t2000\\t2100\\tna\\\\xefve\\\\xff"  # bad bytes shown as \xNN, backslash escaped
    with pytest.raises(InputError, match=r"n\.bed:2: not UTF-8"):
        list(iter_bed(bed))


def test_rejected_tsv_has_four_fields_on_every_row(real_data, hg38_chr2, tmp_path):
    src = real_data / "regions" / "encode_rampage_rpeaks.hg38_windows.bed"  # 12 columns; chr22 rows rejected
    summary = annotate(AnnotateOptions(input=str(src), output=str(tmp_path / "o"), genome=str(hg38_chr2),
                                       tracks=()), models=gc_models(50))
    assert len(summary.rejects) == 12
    rows = [ln.split("\t") for ln in (tmp_path / "o.rejected.tsv").read_text().splitlines()]
    assert {len(r) for r in rows} == {4} and len(rows) == 13
    originals = [ln for ln in src.read_text().splitlines() if ln.startswith("chr22\t")]
    assert [r[3].replace("\\t", "\t") for r in rows[1:]] == originals


def test_vcf_summary_counts_records_and_alleles_apart(real_data, hg38_chr2, tmp_path):
    lines = [ln for ln in __import__("gzip").open(real_data / "variants/clinvar_20200803.hg38_chr2_piece.vcf.gz",
                                                   "rt").read().splitlines()]
    header = [ln for ln in lines if ln.startswith("#")]
    body = [ln.split("\t") for ln in lines if not ln.startswith("#")][:6]
    body[0][4] = body[0][4] + ",<DEL>,*"  # one record, three ALTs: one scored, two rejected
    vcf = tmp_path / "m.vcf"
    vcf.write_text("\n".join(header + ["\t".join(f) for f in body]) + "\n")
    summary = annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "o"), genome=str(hg38_chr2)),
                       models=gc_models(50))
    assert (summary.records, summary.scored, summary.alleles, summary.alleles_scored, len(summary.rejects)) == \
        (6, 6, 8, 6, 2)
    assert "6 records read, 6 scored; 8 ALT alleles read, 6 scored, 2 rejected" in summary.lines()[0]
    limited = annotate(AnnotateOptions(input=str(vcf), output=str(tmp_path / "l"), genome=str(hg38_chr2),
                                       max_records=2), models=gc_models(50))
    assert limited.records == 2


@pytest.mark.parametrize("line, match", [
    ("chr2\t1_000\t2000", "start is not an integer: '1_000'"),
    ("chr2\t+100\t2000", "start is not an integer: '\\+100'"),
    ("chr2\t100\t２００", "end is not an integer"),
])
def test_bed_coordinates_are_plain_digits(line, match):
    with pytest.raises(ValueError, match=match):
        parse_bed_line(line)


def test_bed_empty_strand_and_bom(tmp_path, hg38_chr2):
    bed = tmp_path / "bom.bed"
    bed.write_bytes("\ufeffchr2\t100\t200\tx\t0\t\nchr2\t300\t400\ty\t0\t-\n".encode())
    regions = list(iter_bed(bed))
    assert [(r.chrom, r.strand) for r in regions] == [("chr2", "."), ("chr2", "-")]


def test_manifest_path_is_confined_to_the_registry(tmp_path):
    from genebert_tool.pretrained import resolve_model

    root = tmp_path / "registry"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    root.mkdir()
    for path in ("../elsewhere", str(outside), ""):
        (root / "manifest.json").write_text(json.dumps({"models": {"m": {"path": path, "sha256": {}}}}))
        with pytest.raises(ModelError, match="outside the registry"):
            resolve_model("m", root=root)
