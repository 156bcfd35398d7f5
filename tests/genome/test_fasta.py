"""Genome: pyfaidx access, offsets, N padding, gzip cache, fork safety."""

from __future__ import annotations

import gzip
import multiprocessing
import pickle

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.fasta import Genome, parse_offsets

TINY_CHR1 = "ACGTACGTNNACGTACGTACGGCC"  # tiny.fa chr1, uppercased
TINY_2 = "TTTTGGGGCCCCAAAA"


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    return private_cache


def test_contigs_order_and_lengths(tiny_fa):
    g = Genome(tiny_fa)
    assert list(g.contigs) == ["chr1", "2"]
    assert g.contigs == {"chr1": len(TINY_CHR1), "2": len(TINY_2)}
    assert (tiny_fa.parent / "tiny.fa.fai").exists()  # built in the constructor


def test_fetch_uppercases_soft_masked(tiny_fa):
    with Genome(tiny_fa) as g:
        assert g.fetch("chr1", 0, 24) == TINY_CHR1
        assert g.fetch("chr1", 4, 8) == "ACGT"  # lowercase 'acgt' in the file


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (-3, 2, "NNNAC"),
        (20, 28, "GGCCNNNN"),
        (30, 33, "NNN"),
        (-5, -1, "NNNN"),
        (-2, 26, "NN" + TINY_CHR1 + "NN"),
        (5, 5, ""),
    ],
)
def test_fetch_pads_with_n(tiny_fa, start, end, expected):
    g = Genome(tiny_fa)
    seq = g.fetch("chr1", start, end)
    assert seq == expected
    assert len(seq) == end - start


def test_fetch_resolves_chr_prefix(tiny_fa):
    g = Genome(tiny_fa)
    assert g.resolve("1") == "chr1" and g.resolve("chr2") == "2" and g.resolve("chr3") is None
    assert g.fetch("chr2", 0, 4) == "TTTT"
    assert "1" in g and "X" not in g


def test_fetch_errors(tiny_fa):
    g = Genome(tiny_fa)
    with pytest.raises(InputError, match="'chrX' not in genome"):
        g.fetch("chrX", 0, 1)
    with pytest.raises(ValueError, match="start"):
        g.fetch("chr1", 5, 4)


def test_offsets(tiny_fa):
    g = Genome(tiny_fa, offsets={"1": 1000})  # normalised like any chromosome name
    assert g.offsets == {"chr1": 1000}
    assert g.contigs["chr1"] == 1000 + len(TINY_CHR1)
    assert g.fetch("chr1", 1000, 1004) == "ACGT"
    assert g.fetch("chr1", 998, 1002) == "NNAC"
    assert g.fetch("chr1", 0, 3) == "NNN"
    with pytest.raises(InputError, match="not in the FASTA"):
        Genome(tiny_fa, offsets={"chr9": 5})


def test_parse_offsets():
    assert parse_offsets(["chr22=32000000", "chrX=32_000"]) == {"chr22": 32_000_000, "chrX": 32000}
    assert parse_offsets(None) == {}
    for bad in ("chr22", "chr22=", "=5", "chr22=-5", "chr22=1e6"):
        with pytest.raises(InputError, match="bad genome offset"):
            parse_offsets([bad])


def test_plain_gzip_is_decompressed_once_into_cache(tiny_fa, tmp_path):
    gz = tmp_path / "plain.fa.gz"
    gz.write_bytes(gzip.compress(tiny_fa.read_bytes()))
    g = Genome(gz)
    assert g.compression == "gzip"
    assert g.fetch("2", 0, 16) == TINY_2
    cached = sorted((tmp_path / "cache").glob("plain.fa.*.fa"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    Genome(gz).fetch("chr1", 0, 4)
    assert sorted((tmp_path / "cache").glob("plain.fa.*.fa")) == cached
    assert cached[0].stat().st_mtime_ns == mtime  # reused, not rewritten


def test_bgzip_fasta(tiny_fa, tmp_path):
    pysam = pytest.importorskip("pysam")
    bgz = tmp_path / "tiny.fa.gz"
    pysam.tabix_compress(str(tiny_fa), str(bgz))
    g = Genome(bgz)
    assert g.compression == "bgzf"
    assert g.fetch("chr1", 0, 24) == TINY_CHR1
    assert (tmp_path / "tiny.fa.gz.fai").exists()


def test_truncated_plain_gzip_fasta(tiny_fa, tmp_path):
    data = gzip.compress(tiny_fa.read_bytes() * 200)
    gz = tmp_path / "cut.fa.gz"
    gz.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        Genome(gz)
    assert not list((tmp_path / "cache").glob("*.tmp"))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (">a\nACGT\nACGTACGT\nAC\n", "index"),  # ragged line lengths cannot be indexed
        (">a\nACGT\n>a\nACGT\n", "index|uplicate"),
        ("", "no sequences|index"),
    ],
)
def test_malformed_fasta(tmp_path, content, match):
    p = tmp_path / "bad.fa"
    p.write_text(content)
    with pytest.raises(InputError, match=match):
        Genome(p).fetch("a", 0, 4)


def test_missing_fasta(tmp_path):
    with pytest.raises(InputError, match="not found"):
        Genome(tmp_path / "none.fa")


def _fetch_in_child(g):
    return g.fetch("chr1", 0, 8)


def test_fork_safety_and_pickle(tiny_fa):
    g = Genome(tiny_fa)
    g.fetch("chr1", 0, 1)  # open a handle in the parent first
    g2 = pickle.loads(pickle.dumps(g))
    assert g2.fetch("chr1", 0, 8) == "ACGTACGT"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        assert pool.map(_fetch_in_child, [g] * 4) == ["ACGTACGT"] * 4


def test_unwritable_directory_puts_index_in_cache(tiny_fa, tmp_path, monkeypatch):
    # Simulated with os.access: chmod does not stop root, who may run the tests.
    import genebert_tool.genome.fasta as fasta_mod

    monkeypatch.setattr(fasta_mod.os, "access", lambda path, mode: False)
    g = Genome(tiny_fa)
    assert g.fetch("2", 0, 4) == "TTTT"
    assert not (tmp_path / "tiny.fa.fai").exists()
    assert len(list((tmp_path / "cache").glob("tiny.fa.*.fai"))) == 1


def test_length_and_start(tiny_fa):
    g = Genome(tiny_fa, offsets={"chr1": 50})
    assert (g.start("1"), g.length("1")) == (50, 74)
    assert (g.start("2"), g.length("chr2")) == (0, 16)
    with pytest.raises(InputError, match="not in genome"):
        g.length("chrY")


# -- real data ------------------------------------------------------------------------------


def test_real_chr2_piece(hg38_chr2, real_data):
    g = Genome(hg38_chr2)
    assert g.compression == "bgzf"
    assert g.contigs == {"chr2": 2_333_275}
    # The MYT1L MANE transcript is on the minus strand: its first (3'-most, genomic-leftmost)
    # exon block ends the gene; the 5' end (right) has the last exon. Check stop/start codons
    # at thickStart/thickEnd from the BED12 itself rather than hard-coding bases.
    row = (real_data / "genome" / "hg38_MYT1L_MANE_AND_PE.bed").read_text().splitlines()[0].split("\t")
    thick_start, thick_end = int(row[6]), int(row[7])
    rc = str.maketrans("ACGT", "TGCA")
    start_codon = g.fetch("chr2", thick_end - 3, thick_end).translate(rc)[::-1]
    stop_codon = g.fetch("chr2", thick_start, thick_start + 3).translate(rc)[::-1]
    assert start_codon == "ATG"
    assert stop_codon in {"TAA", "TAG", "TGA"}
    whole = g.fetch("chr2", 0, 2_333_275 + 10)
    assert whole.endswith("N" * 10) and whole.isupper()


def test_real_chr22_offset(real_data):
    path = real_data / "genome" / "hg38_chr22_32000000_32300000.fa.gz"
    raw = gzip.decompress(path.read_bytes()).decode().split("\n", 1)[1].replace("\n", "")
    g = Genome(path, offsets={"chr22": 32_000_000})
    assert g.compression == "gzip"
    assert g.contigs == {"chr22": 32_300_000}
    assert g.fetch("chr22", 32_000_100, 32_000_200) == raw[100:200].upper()
    assert g.fetch("22", 32_299_990, 32_300_010) == raw[-10:].upper() + "N" * 10
    assert g.fetch("chr22", 31_999_998, 32_000_002) == "NN" + raw[:2].upper()
