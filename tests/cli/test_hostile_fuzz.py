"""Property-based tests (hypothesis) over the BED, FASTA and VCF readers and the annotate pipeline:
whatever the input, a run either scores records and rejects the rest so that the two add up to the
records in the input, or stops with one ``InputError`` line -- never another exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from annotate_helpers import gc_models
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.errors import InputError

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JUNK = st.binary(max_size=30)
TEXT = st.text(alphabet="ACGTUN-x_+.,;#> \t\r\ufeff\x00é0123456789chr", max_size=30)


def _mostly(common, rare, ratio: int):
    """``common`` ``ratio`` times as often as ``rare`` (``one_of`` with repeats would not weigh them)."""
    return st.integers(0, ratio).flatmap(lambda i: rare if i == 0 else common)


def _decodable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _lines(data: bytes) -> list[bytes]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.rstrip(b"\r") for p in parts]


def _run(tmp_path, name: str, data: bytes, **kw):
    path = tmp_path / name
    path.write_bytes(data)
    out = tmp_path / "out"
    try:
        summary = annotate(AnnotateOptions(input=str(path), output=str(out), tracks=("bigwig", "bed6"), **kw),
                        models=gc_models(6))
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).strip(), repr(str(exc))
        _event("one-line error" + (": " + exc.reason[:90] if __import__("os").environ.get("FUZZ_WHY") else ""))
        return None
    _event("scored" if summary.scored and not summary.rejects else "scored + rejected" if summary.scored else "none")
    return summary


def _event(what: str) -> None:
    """Label the example (``--hypothesis-show-statistics`` shows how often each outcome is reached)."""
    try:
        event(what)
    except InvalidArgument:  # outside a @given test
        pass


valid_bed = st.builds(lambda c, s, n, rest: f"{c}\t{s}\t{s + n}{rest}".encode(),
              st.sampled_from(["chr1", "1", "2", "chr2", "chrZ"]), st.integers(0, 16), st.integers(-1, 8),
              st.sampled_from(["", "\tname", "\tn\t5\t-", "\tn\t.\t+\textra", "\tn\tx\t?", "\tn\t0\t"]))
bed_line = _mostly(valid_bed, st.one_of(TEXT.map(str.encode), JUNK), 3)


@SETTINGS
@given(lines=st.lists(bed_line, max_size=12))
def test_bed_input_adds_up(tiny_fa, tmp_path_factory, lines):
    tmp = tmp_path_factory.mktemp("bed")
    data = b"\n".join(lines) + b"\n"
    summary = _run(tmp, "f.bed", data, genome=str(tiny_fa))
    expected = 0
    for raw in _lines(data):
        text = _decodable(raw)
        if text is None or (text.strip() and not text.strip().startswith(("#", "track", "browser"))):
            expected += 1
    if summary is not None:
        assert summary.records == summary.scored + len(summary.rejects) == expected


fasta_record = st.builds(
    lambda head, seqs: b"\n".join([head] + seqs),
    st.one_of(st.sampled_from([b">a", b">b desc", b">", b"> ", b">a"]), TEXT.map(lambda t: (">" + t).encode())),
    st.lists(st.one_of(st.sampled_from([b"ACGT", b"acgu", b"NNRY", b"AC-GT", b"", b";c"]), JUNK), max_size=3),
)


@SETTINGS
@given(records=st.lists(fasta_record, max_size=6), lead=st.sampled_from([b"", b"\n", b"ACGT\n"]))
def test_fasta_input_adds_up(tmp_path_factory, records, lead):
    tmp = tmp_path_factory.mktemp("fa")
    data = lead + b"\n".join(records) + b"\n"
    summary = _run(tmp, "f.fa", data, tile=4)
    headers = sum(1 for raw in _lines(data) if (t := _decodable(raw)) is not None and t.strip().startswith(">"))
    if summary is not None:
        assert summary.records == summary.scored + len(summary.rejects) == headers


VCF_HEADER = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=24>\n##contig=<ID=2,length=16>\n" \
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
allele = st.one_of(st.sampled_from(["A", "C", "G", "T", "N", "AC", "<DEL>", "*", ".", "A[chr1:3[", "ACGTACGT"]),
                   st.text(alphabet="ACGTNx", min_size=1, max_size=4))
CHR1 = "ACGTACGTNNACGTACGTACGGCC"  # tests/data/genome/tiny.fa, record chr1, uppercased


def _vcf_line(chrom: str, pos: int, ref: str | None, alts: list[str], info: str) -> str:
    ref = ref if ref is not None else (CHR1[pos - 1] if pos <= len(CHR1) else "A")  # None: the genome's base
    return f"{chrom}\t{pos}\t.\t{ref}\t{','.join(alts)}\t.\t.\t{info}"


valid_vcf = st.builds(_vcf_line, st.sampled_from(["chr1", "chr1", "1", "2", "chrZ"]), st.integers(1, 30),
                      st.one_of(st.none(), st.none(), allele), st.lists(allele, min_size=1, max_size=3),
                      st.sampled_from([".", "GENEBERT=old", "DP=3;GENEBERT_RISK=0.5", "X"]))
vcf_record = _mostly(valid_vcf, TEXT, 12)  # a junk line ends a VCF run: keep them rare


@SETTINGS
@given(records=st.lists(vcf_record, max_size=8))
def test_vcf_input_adds_up(tiny_fa, tmp_path_factory, records):
    tmp = tmp_path_factory.mktemp("vcf")
    data = (VCF_HEADER + "".join(r + "\n" for r in records)).encode()
    summary = _run(tmp, "f.vcf", data, genome=str(tiny_fa))
    if summary is not None:
        assert summary.records == summary.rows == len(records)
        assert summary.alleles == summary.alleles_scored + len(summary.rejects)
        assert (tmp / "out.vcf.gz").exists()


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\xff\xfe\x00\x01", b"#only a comment\n"])
def test_degenerate_files_are_one_line_errors(tiny_fa, tmp_path, data):
    for name in ("f.bed", "f.fa", "f.vcf"):
        assert _run(tmp_path, name, data, genome=None if name == "f.fa" else str(tiny_fa)) is None
