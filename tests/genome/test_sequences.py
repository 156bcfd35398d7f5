"""Labelled-sequence readers and iter_fasta, on real data and broken inputs."""

from __future__ import annotations

import gzip
import io
import sys
from collections import Counter

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.sequences import (
    ACCEPTOR,
    DONOR,
    NEITHER,
    SPLICE_LABELS,
    clean_sequence,
    iter_fasta,
    kmers_to_sequence,
    read_deepbind,
    read_dnabert_tsv,
    read_gue_csv,
    read_labelled,
    read_uci_splice,
)


def write(tmp_path, name, text):
    p = tmp_path / name
    data = text.encode()
    p.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return p


def test_splice_label_constants():
    assert SPLICE_LABELS[NEITHER] == "neither"
    assert SPLICE_LABELS[DONOR] == "donor"
    assert SPLICE_LABELS[ACCEPTOR] == "acceptor"


def test_clean_sequence():
    assert clean_sequence("acgtNRYk\n") == "ACGTNRYK"
    for bad, char in (("ACG1T", "'1'"), ("AC-GT", "'-'"), ("ACGT*", r"'\*'"), ("AC GT", "' '")):
        with pytest.raises(ValueError, match=char):
            clean_sequence(bad)
    with pytest.raises(ValueError, match="empty"):
        clean_sequence("  ")


def test_kmers_to_sequence():
    assert kmers_to_sequence(["ACG", "CGT", "GTT"]) == "ACGTT"
    with pytest.raises(ValueError, match="do not overlap"):
        kmers_to_sequence(["ACG", "GGT"])
    with pytest.raises(ValueError, match="length"):
        kmers_to_sequence(["ACG", "CGTA"])


# -- GUE CSV ----------------------------------------------------------------------------------


def test_gue_csv_small(tmp_path):
    p = write(tmp_path, "dev.csv", "sequence,label\r\nacgtN,1\r\nTTTT,0\r\n")
    rows = list(read_gue_csv(p))
    assert [(r.sequence, r.label, r.line, r.name) for r in rows] == [("ACGTN", 1, 2, "dev:2"), ("TTTT", 0, 3, "dev:3")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("seq,lab\nACGT,1\n", r"dev\.csv:1: expected header"),
        ("sequence,label\nACGT,1\nACGT\n", r"dev\.csv:3: truncated line"),
        ("sequence,label\nACGT,one\n", r"dev\.csv:2: label is not an integer: 'one'"),
        ("sequence,label\nAC9T,1\n", r"dev\.csv:2: invalid character '9'"),
        ("sequence,label\nACGT,1,2\n", r"dev\.csv:2: expected 2 columns"),
        ("sequence,label\n", r"dev\.csv: no records"),
        ("", r"dev\.csv: no records"),
    ],
)
def test_gue_csv_broken(tmp_path, text, match):
    p = write(tmp_path, "dev.csv", text)
    with pytest.raises(InputError, match=match):
        list(read_gue_csv(p))


def test_gue_csv_is_lazy(tmp_path):
    p = write(tmp_path, "dev.csv", "sequence,label\nACGT,1\nAC#T,0\n")
    it = read_gue_csv(p)
    assert next(it).sequence == "ACGT"  # the bad line 3 is only reached on the next step
    with pytest.raises(InputError, match=":3:"):
        next(it)


def test_real_gue_prom_core_all_dev(real_data):
    rows = list(read_gue_csv(real_data / "promoter" / "gue_prom" / "prom_core_all" / "dev.csv.gz"))
    labels = Counter(r.label for r in rows)
    assert len(rows) == 5920 and labels == {1: 2979, 0: 2941}  # SOURCES.md 2
    assert {len(r.sequence) for r in rows} == {70}


def test_real_gue_tf_and_splice_dev(real_data):
    for i in range(5):
        rows = list(read_gue_csv(real_data / "tfbs" / "gue_tf" / str(i) / "dev.csv.gz"))
        assert len(rows) == 1000 and {len(r.sequence) for r in rows} == {101}
    splice = list(read_gue_csv(real_data / "splice" / "gue_splice" / "dev.csv.gz"))
    assert len(splice) == 4562
    assert Counter(r.label for r in splice) == {0: 1001, 1: 987, 2: 2574}  # SOURCES.md 3b
    # label 1 = donor: GT at 200-201 in most rows (974 of 987)
    donors = [r for r in splice if r.label == 1]
    assert sum(r.sequence[200:202] == "GT" for r in donors) == 974


# -- DeepBind ---------------------------------------------------------------------------------


def test_deepbind_broken(tmp_path):
    head = "FoldID\tEventID\tseq\tBound\n"
    with pytest.raises(InputError, match=r"x\.seq:1: expected header"):
        list(read_deepbind(write(tmp_path, "x.seq", "A\tB\n")))
    with pytest.raises(InputError, match=r"x\.seq:3: truncated line"):
        list(read_deepbind(write(tmp_path, "x.seq", head + "A\tseq_1\tACGT\t1\nA\tseq_2\tACGT\n")))
    with pytest.raises(InputError, match=r"x\.seq\.gz:2: invalid character"):
        list(read_deepbind(write(tmp_path, "x.seq.gz", head + "A\tseq_1\tAC.T\t1\n")))


def test_real_deepbind(real_data):
    folder = real_data / "tfbs" / "deepbind_encode"
    ac = list(read_deepbind(folder / "MYC_H1-hESC_c-Myc_Stanford_AC.seq.gz"))
    assert len(ac) == 4051 and {r.label for r in ac} == {1}  # AC = positives only
    assert ac[0].name == "seq_00001_peak" and ac[0].line == 2
    b = list(read_deepbind(folder / "MYC_H1-hESC_c-Myc_Stanford_B.seq.gz"))
    assert Counter(r.label for r in b) == {1: 500, 0: 500}
    assert all(r.name.endswith("_shuf") for r in b if r.label == 0)
    assert {len(r.sequence) for r in ac + b} == {101}


def test_real_deepbind_all_ac_files_are_positive(real_data):
    files = sorted((real_data / "tfbs" / "deepbind_encode").glob("*_AC.seq.gz"))
    assert len(files) == 25
    for f in files:
        assert {r.label for r in read_deepbind(f)} == {1}, f


# -- UCI splice -------------------------------------------------------------------------------


def test_real_uci_splice(real_data):
    rows = list(read_uci_splice(real_data / "splice" / "uci" / "splice.data.gz"))
    assert len(rows) == 3190
    assert Counter(SPLICE_LABELS[r.label] for r in rows) == {"donor": 767, "acceptor": 768, "neither": 1655}
    assert {len(r.sequence) for r in rows} == {60}
    assert rows[0].name == "ATRINS-DONOR-521"
    ambiguous = [r for r in rows if set(r.sequence) - set("ACGT")]
    assert len(ambiguous) == 15  # SOURCES.md 3a: kept, not dropped
    assert set("".join(r.sequence for r in ambiguous)) - set("ACGT") <= set("NDRS")
    # EI = donor: GT at 0-based 30-31 in 759 of 767 rows
    assert sum(r.sequence[30:32] == "GT" for r in rows if r.label == DONOR) == 759


def test_uci_broken(tmp_path):
    with pytest.raises(InputError, match=r"s\.data:2: unknown class 'XX'"):
        list(read_uci_splice(write(tmp_path, "s.data", "EI, A, ACGT\nXX, B, ACGT\n")))
    with pytest.raises(InputError, match=r"s\.data:1: truncated line"):
        list(read_uci_splice(write(tmp_path, "s.data", "EI, A\n")))
    with pytest.raises(InputError, match=r"s\.data:1: invalid character '5'"):
        list(read_uci_splice(write(tmp_path, "s.data", "N, A, AC5T\n")))


# -- DNABERT TSV ------------------------------------------------------------------------------


def test_real_dnabert_tsv(real_data):
    rows = list(read_dnabert_tsv(real_data / "tfbs" / "dnabert_sample" / "dev.tsv.gz"))
    assert len(rows) == 1000 and Counter(r.label for r in rows) == {0: 500, 1: 500}
    assert {len(r.sequence) for r in rows} == {101}
    raw = gzip.open(real_data / "tfbs" / "dnabert_sample" / "dev.tsv.gz", "rt").readlines()[1]
    kmers = raw.split("\t")[0].split()
    assert rows[0].sequence[:6] == kmers[0] and rows[0].sequence[-6:] == kmers[-1]


def test_dnabert_broken(tmp_path):
    with pytest.raises(InputError, match=r"d\.tsv:2: k-mers 1 and 2 do not overlap"):
        list(read_dnabert_tsv(write(tmp_path, "d.tsv", "sequence\tlabel\r\nACGTAC AAAAAA\t1\r\n")))


# -- FASTA ------------------------------------------------------------------------------------


def test_iter_fasta_fixture(tests_data):
    recs = list(iter_fasta(tests_data / "genome" / "tiny.fa"))
    assert recs == [("chr1", "ACGTACGTNNACGTACGTACGGCC"), ("2", "TTTTGGGGCCCCAAAA")]


def test_iter_fasta_gz_crlf_stdin(tmp_path, monkeypatch):
    p = write(tmp_path, "s.fa.gz", ">a x\r\nacgt\r\nRY\r\n\r\n>b\r\nGG\r\n")
    assert list(iter_fasta(p)) == [("a", "ACGTRY"), ("b", "GG")]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b">s\nAC\n")))
    assert list(iter_fasta("-")) == [("s", "AC")]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("ACGT\n>a\nAC\n", r"s\.fa:1: sequence before the first '>'"),
        (">\nACGT\n", r"s\.fa:1: FASTA header without a name"),
        (">a\n>b\nAC\n", r"s\.fa:1: record 'a' has no sequence"),
        (">a\nAC\n>b\n", r"s\.fa:3: record 'b' has no sequence"),
        (">a\nACGT\nAC!T\n", r"s\.fa:3: invalid character '!'"),
        ("", r"s\.fa: no records"),
        ("\n\n", r"s\.fa: no records"),
    ],
)
def test_iter_fasta_broken(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        list(iter_fasta(write(tmp_path, "s.fa", text)))


def test_read_labelled_dispatch(tmp_path):
    p = write(tmp_path, "t.csv.gz", "sequence,label\nACGT,1\n")
    assert next(read_labelled(p)).label == 1
    with pytest.raises(InputError, match="cannot tell the format"):
        read_labelled(tmp_path / "x.parquet")
