"""iter_bed: formats, validation, genome checks, rejects, real BED files."""

from __future__ import annotations

import gzip
import io
import sys

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.bed import iter_bed
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.intervals import RejectLog


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    return private_cache


def write(tmp_path, text, name="x.bed"):
    p = tmp_path / name
    p.write_bytes(text.encode())
    return p


def test_fixture_bed(tests_data):
    regions = list(iter_bed(tests_data / "genome" / "tiny.bed"))
    assert [(r.chrom, r.start, r.end) for r in regions] == [("chr1", 0, 10), ("chr1", 20, 24), ("2", 4, 8)]
    first, last, bed3 = regions
    assert (first.name, first.score, first.strand, first.line) == ("first", 5.0, "+", 4)
    assert (last.score, last.strand) == (None, "-")
    assert (bed3.name, bed3.score, bed3.strand, bed3.fields) == (None, None, ".", ("2", "4", "8"))


def test_genome_normalises_names(tests_data, tiny_genome):
    regions = list(iter_bed(tests_data / "genome" / "tiny.bed", genome=tiny_genome))
    assert [r.chrom for r in regions] == ["chr1", "chr1", "2"]
    assert tiny_genome.fetch(regions[2].chrom, regions[2].start, regions[2].end) == "GGGG"


def test_crlf_gzip_and_narrowpeak(tmp_path):
    text = "chr1\t10\t20\tpeak1\t1000\t.\t5.2\t-1\t3.1\t4\r\nchr1\t30\t40\tpeak2\t800\t+\t2.0\t-1\t1.0\t5\r\n"
    p = tmp_path / "peaks.narrowPeak.gz"
    p.write_bytes(gzip.compress(text.encode()))
    regions = list(iter_bed(p))
    assert [r.name for r in regions] == ["peak1", "peak2"]
    assert regions[0].fields[9] == "4"  # summit kept verbatim, no '\r'
    assert regions[1].strand == "+" and regions[1].score == 800.0


def test_bed12_fields_kept(tmp_path):
    p = write(tmp_path, "chr1\t0\t20\ttx\t0\t-\t2\t18\t0\t2\t5,5,\t0,15,\n")
    (r,) = iter_bed(p)
    assert len(r.fields) == 12 and r.fields[10] == "5,5,"


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"chr1\t1\t2\n")))
    (r,) = iter_bed("-")
    assert (r.chrom, r.start, r.end) == ("chr1", 1, 2)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("chr1\t10", "truncated line"),
        ("chr1\tten\t20", "start is not an integer: 'ten'"),
        ("chr1\t10\t20.5", "end is not an integer"),
        ("chr1\t-1\t20", "negative start"),
        ("chr1\t30\t20", r"start \(30\) > end \(20\)"),
        ("chr1\t20\t20", "zero-length interval"),
        ("chr1\t10\t20\tn\thigh", "score is not a number: 'high'"),
        ("chr1\t10\t20\tn\t0\tx", "strand must be"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, line, reason):
    p = write(tmp_path, f"# header\nchr1\t0\t5\n{line}\nchr1\t0\t5\n")
    with pytest.raises(InputError, match=rf"x\.bed:3: {reason}"):
        list(iter_bed(p))


def test_genome_checks(tmp_path, tiny_genome):
    p = write(tmp_path, "chrX\t0\t5\nchr1\t20\t25\n1\t0\t24\n")
    with pytest.raises(InputError, match=r"x\.bed:1: contig 'chrX' not in genome"):
        list(iter_bed(p, genome=tiny_genome))
    rejects = RejectLog()
    regions = list(iter_bed(p, genome=tiny_genome, rejects=rejects))
    assert [(r.chrom, r.start, r.end) for r in regions] == [("chr1", 0, 24)]
    assert [(j.line, j.reason) for j in rejects] == [
        (1, "contig 'chrX' not in genome"),
        (2, "end (25) beyond the end of chr1 (length 24)"),
    ]
    assert rejects.counts() == {"contig 'chrX' not in genome": 1, "end (25) beyond the end of chr1 (length 24)": 1}
    assert next(iter(rejects)).record == "chrX\t0\t5"


def test_rejects_collects_and_continues(tmp_path):
    p = write(tmp_path, "chr1\t0\t5\nchr1\t9\t3\nchr1\t5\nchr1\t7\t9\n")
    rejects = RejectLog()
    assert [r.start for r in iter_bed(p, rejects=rejects)] == [0, 7]
    assert [j.line for j in rejects] == [2, 3]


@pytest.mark.parametrize("content", ["", "\n\n", "track name=x\n# only comments\n"])
def test_empty_file(tmp_path, content):
    p = write(tmp_path, content)
    with pytest.raises(InputError, match=r"x\.bed: no records"):
        list(iter_bed(p))


def test_truncated_gzip_bed(tmp_path):
    data = gzip.compress(("chr1\t0\t10\n" * 20000).encode())
    p = tmp_path / "cut.bed.gz"
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="cut.bed.gz.*truncated"):
        list(iter_bed(p))


def test_header_line_hint(tmp_path):
    p = write(tmp_path, "chrom\tstart\tend\nchr1\t0\t5\n")
    with pytest.raises(InputError, match=r"x\.bed:1: start is not an integer: 'start' \(a column-header line"):
        list(iter_bed(p))
    rejects = RejectLog()
    assert len(list(iter_bed(p, rejects=rejects))) == 1 and len(rejects) == 1


def test_space_separated_bed(tmp_path):
    p = write(tmp_path, "chr1 0 5 a\n")
    assert next(iter_bed(p)).name == "a"


# -- real data ------------------------------------------------------------------------------


def test_real_regions_split_between_pieces(real_data, hg38_chr2):
    chr2 = Genome(hg38_chr2)
    chr22 = Genome(real_data / "genome" / "hg38_chr22_32000000_32300000.fa.gz", offsets={"chr22": 32_000_000})
    path = real_data / "regions" / "genomic_benchmarks.hg38_windows.bed"
    assert len(list(iter_bed(path))) == 657
    on2, on22 = RejectLog(), RejectLog()
    n2 = sum(1 for _ in iter_bed(path, genome=chr2, rejects=on2))
    n22 = sum(1 for _ in iter_bed(path, genome=chr22, rejects=on22))
    assert (n2, n22) == (566, 91)  # SOURCES.md 7a
    assert on2.counts() == {"contig 'chr22' not in genome": 91}
    # "No interval contains an N in our FASTA pieces" (SOURCES.md 7)
    for genome, rejects in ((chr2, on2), (chr22, on22)):
        for r in iter_bed(path, genome=genome, rejects=RejectLog()):
            seq = genome.fetch(r.chrom, r.start, r.end)
            assert len(seq) == len(r) and "N" not in seq, r


def test_real_all_region_files_parse(real_data):
    files = sorted((real_data / "regions").glob("*.bed")) + [real_data / "genome" / "hg38_MYT1L_MANE_AND_PE.bed"]
    assert len(files) >= 10
    for f in files:
        regions = list(iter_bed(f))
        assert regions and all(r.start < r.end for r in regions), f


def test_real_myt1l_poison_exon(real_data, hg38_chr2):
    g = Genome(hg38_chr2)
    rows = list(iter_bed(real_data / "genome" / "hg38_MYT1L_MANE_AND_PE.bed", genome=g))
    assert [r.name for r in rows] == ["ENST00000647738.2", "MYT1L_PE"]
    tx, pe = rows
    assert (tx.start, tx.end, tx.strand) == (1_789_112, 2_331_275, "-")
    assert (pe.start, pe.end, pe.score) == (1_860_161, 1_860_251, None)
    # A minus-strand exon read on the plus strand: its donor GT lies to the left (as AC) and its
    # acceptor AG to the right (as CT).
    assert g.fetch("chr2", pe.start - 2, pe.start) == "AC"
    assert g.fetch("chr2", pe.end, pe.end + 2) == "CT"
