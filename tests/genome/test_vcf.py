"""iter_vcf / open_vcf: per-ALT variants, skip reasons, REF check, malformed records, stdin."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from collections import Counter

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.vcf import (
    SKIP_BREAKEND,
    SKIP_NO_ALT,
    SKIP_NO_CONTIG,
    SKIP_OUTSIDE,
    SKIP_REF_MISMATCH,
    SKIP_STAR,
    SKIP_SYMBOLIC,
    Variant,
    iter_vcf,
    open_vcf,
)

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=chr1,length=24>\n"
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
# tiny.fa chr1 = ACGTACGTNNACGTACGTACGGCC


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    return private_cache


def write_vcf(tmp_path, body, name="v.vcf", header=HEADER):
    p = tmp_path / name
    text = (header + body).encode()
    p.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
    return p


def test_one_variant_per_alt_and_skips(tmp_path, tiny_genome):
    body = (
        "chr1\t2\trs1\tC\tT,<DEL>,*,G\t.\t.\t.\n"  # SNVs kept, symbolic and '*' skipped
        "chr1\t3\t.\tgt\tG\t.\t.\t.\n"  # deletion, lowercase REF accepted
        "chr1\t5\t.\tA\tATTG,CC\t.\t.\t.\n"  # insertion, MNV-like complex allele
        "chr1\t6\tbnd\tC\tC[chr1:10[,C.\t.\t.\t.\n"  # breakends
        "chr1\t7\t.\tG\t.\t.\t.\t.\n"  # no ALT
    )
    sites = list(iter_vcf(write_vcf(tmp_path, body), tiny_genome))
    assert len(sites) == 5
    s1 = sites[0]
    assert s1.variants == [
        Variant("chr1", 1, "C", "T", 1, "rs1", 4),
        Variant("chr1", 1, "C", "G", 4, "rs1", 4),
    ]
    assert s1.skips == [("<DEL>", SKIP_SYMBOLIC), ("*", SKIP_STAR)]
    assert s1.record.pos == 2  # the pysam record travels with the site for writers
    (deletion,) = sites[1].variants
    assert (deletion.start, deletion.ref, deletion.alt, deletion.end, deletion.line) == (2, "GT", "G", 4, 5)
    assert [(v.ref, v.alt, v.allele_index) for v in sites[2].variants] == [("A", "ATTG", 1), ("A", "CC", 2)]
    assert sites[3].variants == [] and [r for _, r in sites[3].skips] == [SKIP_BREAKEND, SKIP_BREAKEND]
    assert sites[4].skips == [(".", SKIP_NO_ALT)]


def test_ref_mismatch_is_a_skip_not_an_error(tmp_path, tiny_genome):
    sites = list(iter_vcf(write_vcf(tmp_path, "chr1\t1\t.\tG\tT,C\t.\t.\t.\nchr1\t1\t.\tA\tT\t.\t.\t.\n"), tiny_genome))
    assert sites[0].variants == []
    assert sites[0].skips == [("T", SKIP_REF_MISMATCH), ("C", SKIP_REF_MISMATCH)]
    assert len(sites[1].variants) == 1


def test_contig_resolution_and_missing_contig(tmp_path, tiny_genome):
    header = "##fileformat=VCFv4.2\n##contig=<ID=1>\n##contig=<ID=chr9>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    p = write_vcf(tmp_path, "1\t2\t.\tC\tA\t.\t.\t.\nchr9\t5\t.\tA\tT,G\t.\t.\t.\n", header=header)
    a, b = iter_vcf(p, tiny_genome)
    assert a.variants[0].chrom == "chr1"  # FASTA's name
    assert b.variants == [] and b.skips == [("T", SKIP_NO_CONTIG), ("G", SKIP_NO_CONTIG)]


def test_outside_genome_and_offsets(tmp_path, tests_data):
    fa = tmp_path / "tiny.fa"
    shutil.copy(tests_data / "genome" / "tiny.fa", fa)
    g = Genome(fa, offsets={"chr1": 100})
    header = HEADER.replace("length=24", "length=1000")
    p = write_vcf(tmp_path, "chr1\t50\t.\tA\tT\t.\t.\t.\nchr1\t102\t.\tC\tT\t.\t.\t.\nchr1\t124\t.\tCC\tT\t.\t.\t.\n", header=header)
    before, inside, past = iter_vcf(p, g)
    assert before.skips == [("T", SKIP_OUTSIDE)]
    assert inside.variants[0].start == 101 and inside.variants[0].ref == "C"
    assert past.skips == [("T", SKIP_OUTSIDE)]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("chr1\tX\t.\tG\tT\t.\t.\t.\n", r"v\.vcf:5: malformed VCF record 2: POS is not a positive integer: 'X'"),
        ("chr1\t5\n", r"v\.vcf:5: malformed VCF record 2: truncated line"),
    ],
)
def test_malformed_record_names_file_and_line(tmp_path, tiny_genome, bad, match):
    p = write_vcf(tmp_path, "chr1\t2\t.\tC\tT\t.\t.\t.\n" + bad)
    it = iter_vcf(p, tiny_genome)
    assert next(it).variants  # the good first record still comes out
    with pytest.raises(InputError, match=match):
        next(it)


def test_gzip_and_crlf(tmp_path, tiny_genome):
    p = write_vcf(tmp_path, "chr1\t2\t.\tC\tT\t.\t.\t.\r\n", name="v.vcf.gz", header=HEADER.replace("\n", "\r\n"))
    (site,) = iter_vcf(p, tiny_genome)
    assert site.variants[0].alt == "T" and site.line == 4


@pytest.mark.parametrize("content", [b"", b"chr1\t2\t.\tC\tT\t.\t.\t.\n", b"\x1f\x8b\x08\x00garbage"])
def test_not_a_vcf(tmp_path, tiny_genome, content):
    p = tmp_path / "bad.vcf"
    p.write_bytes(content)
    with pytest.raises(InputError, match=r"bad\.vcf: (not a readable VCF|corrupt or truncated gzip)"):
        list(iter_vcf(p, tiny_genome))


def test_truncated_plain_gzip_vcf(tmp_path, tiny_genome):
    body = "".join(f"chr1\t{i % 20 + 1}\t.\tN\tA\t.\t.\t.\n" for i in range(20000))
    data = gzip.compress((HEADER + body).encode())
    p = tmp_path / "cut.vcf.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.vcf\.gz:\d+: (corrupt or truncated gzip|malformed VCF record)"):
        list(iter_vcf(p, tiny_genome))


def test_bgzipped_vcf(tmp_path, tiny_genome):
    pysam = pytest.importorskip("pysam")
    plain = write_vcf(tmp_path, "chr1\t2\t.\tC\tT\t.\t.\t.\n")
    bgz = tmp_path / "v.vcf.gz"
    pysam.tabix_compress(str(plain), str(bgz))
    (site,) = iter_vcf(bgz, tiny_genome)
    assert site.line == 4 and site.variants[0].alt == "T"


def test_missing_vcf(tmp_path, tiny_genome):
    with pytest.raises(InputError, match="file not found"):
        open_vcf(tmp_path / "none.vcf")


def test_header_only_vcf_yields_nothing(tmp_path, tiny_genome):
    assert list(iter_vcf(write_vcf(tmp_path, ""), tiny_genome)) == []


def test_open_handle_stays_open(tmp_path, tiny_genome):
    vf = open_vcf(write_vcf(tmp_path, "chr1\t2\t.\tC\tT\t.\t.\t.\n"))
    assert "chr1" in vf.header.contigs
    assert len(list(iter_vcf(vf, tiny_genome))) == 1
    assert vf.is_open


def test_stdin(tmp_path, tiny_genome):
    p = write_vcf(tmp_path, "chr1\t2\t.\tC\tT\t.\t.\t.\nchr1\t3\t.\tG\tA\t.\t.\t.\n")
    code = (
        "import sys; from genebert_tool.genome.fasta import Genome; from genebert_tool.genome.vcf import iter_vcf;"
        f"g = Genome({str(tiny_genome.path)!r});"
        "print([(v.start, v.alt) for s in iter_vcf('-', g) for v in s.variants])"
    )
    out = subprocess.run([sys.executable, "-c", code], stdin=p.open("rb"), capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[(1, 'T'), (2, 'A')]"


# -- real data ------------------------------------------------------------------------------


def test_real_vcfs_against_hg38_chr22_piece(real_data):
    """The VCFs are hg19 and no hg19 FASTA exists here, so against the hg38 chr22 piece every
    record must be consumed, with every ALT skipped for a stated reason or kept after a REF check."""
    genome = Genome(real_data / "genome" / "hg38_chr22_32000000_32300000.fa.gz", offsets={"chr22": 32_000_000})
    variants = real_data / "variants"
    expected = {
        "clinvar_donor_acceptor_chr22.hg19.vcf.gz": 419,
        "dbsnp_chr22_29108009.hg19.vcf.gz": 85,
        "spliceai_example_input.hg19.vcf": 10,
    }
    for name, n in expected.items():
        sites = list(iter_vcf(variants / name, genome))
        assert len(sites) == n, name
        for site in sites:
            assert len(site.variants) + len(site.skips) == len(site.record.alts or ("."))
            for v in site.variants:  # anything kept really matches the genome
                assert genome.fetch(v.chrom, v.start, v.end) == v.ref
        reasons = Counter(r for s in sites for _, r in s.skips)
        if name.startswith("spliceai"):
            assert set(reasons) == {SKIP_NO_CONTIG}  # contigs 1..X vs chr22 only
        if name.startswith("dbsnp"):  # contig '22' resolves to chr22, but 29.1 Mb lies before the piece
            assert reasons[SKIP_OUTSIDE] == sum(len(s.record.alts or ".") for s in sites)
    # line numbers point at the records
    first = next(iter_vcf(variants / "spliceai_example_input.hg19.vcf", genome))
    lines = (variants / "spliceai_example_input.hg19.vcf").read_text().splitlines()
    assert lines[first.line - 1].startswith(f"{first.record.chrom}\t{first.record.pos}\t")


def test_real_ref_check_on_chr2(tmp_path, hg38_chr2, real_data):
    """REFs taken from the real genome pass; the same sites with a wrong REF are skipped."""
    g = Genome(hg38_chr2)
    positions = [1_860_161, 1_860_200, 2_000_000]
    header = "##fileformat=VCFv4.2\n##contig=<ID=2>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    body = ""
    for pos0 in positions:
        ref = g.fetch("chr2", pos0, pos0 + 2)
        other = {"A": "C", "C": "G", "G": "T", "T": "A"}[ref[0]]
        body += f"2\t{pos0 + 1}\tok\t{ref.lower()}\t{ref[0]}\t.\t.\t.\n"
        body += f"2\t{pos0 + 1}\tbad\t{other}{ref[1]}\t{ref[0]}\t.\t.\t.\n"
    sites = list(iter_vcf(write_vcf(tmp_path, body, header=header), g))
    assert [bool(s.variants) for s in sites] == [True, False] * 3
    assert all(s.skips == [(s.record.alts[0], SKIP_REF_MISMATCH)] for s in sites[1::2])
