"""Input format from the file name; --format override; stdin."""

from __future__ import annotations

import pytest

from genebert_tool.annotate.formats import detect_format, safe_track_name
from genebert_tool.errors import InputError


@pytest.mark.parametrize(
    "name,fmt",
    [("a.bed", "bed"), ("a.bed.gz", "bed"), ("x/peaks.narrowPeak", "bed"), ("p.narrowPeak.gz", "bed"),
     ("v.vcf", "vcf"), ("v.vcf.gz", "vcf"), ("v.vcf.bgz", "vcf"), ("v.bcf", "vcf"), ("s.fa", "fasta"),
     ("s.FASTA.gz", "fasta"), ("s.fna", "fasta")],
)
def test_from_suffix(name, fmt):
    assert detect_format(name) == fmt


def test_override_and_errors():
    assert detect_format("whatever.txt", "BED") == "bed"
    assert detect_format("-", "vcf") == "vcf"
    with pytest.raises(InputError, match="needs --format"):
        detect_format("-")
    with pytest.raises(InputError, match="use --format"):
        detect_format("regions.txt")
    with pytest.raises(InputError, match="unknown --format"):
        detect_format("a.bed", "gff")


def test_safe_track_name():
    assert safe_track_name("MA0139.1_CTCF") == "MA0139.1_CTCF"
    assert safe_track_name("a b/c;d") == "a_b_c_d"
    assert safe_track_name("///") == "output"
