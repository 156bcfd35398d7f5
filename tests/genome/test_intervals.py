"""Region, normalize_chrom and RejectLog."""

from __future__ import annotations


import pytest

from genebert_tool.genome.intervals import Region, RejectLog, normalize_chrom


def test_region_label_and_len():
    assert Region("chr2", 10, 20).label == "chr2:10-20"
    assert Region("chr2", 10, 20, name="MYT1L_PE").label == "MYT1L_PE"
    assert len(Region("chr2", 10, 25)) == 15


def test_region_is_frozen():
    r = Region("chr1", 0, 5)
    with pytest.raises(AttributeError):
        r.start = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "contigs", "expected"),
    [
        ("chr2", {"chr2", "chr22"}, "chr2"),
        ("2", {"chr2", "chr22"}, "chr2"),
        ("chr22", {"22", "2"}, "22"),
        ("chrX", {"chr1"}, None),
        ("MT", {"chrM"}, "chrM"),
        ("chrM", {"MT"}, "MT"),
        ("M", {"chrM"}, "chrM"),
        # removeprefix, not strip: 'chr' characters inside the name survive
        ("chrchr1", {"chr1"}, "chr1"),
        ("rhc1", {"1"}, None),
    ],
)
def test_normalize_chrom(name, contigs, expected):
    assert normalize_chrom(name, contigs) == expected


def test_normalize_chrom_prefers_exact_match():
    assert normalize_chrom("2", {"2", "chr2"}) == "2"
    assert normalize_chrom("chr2", {"2", "chr2"}) == "chr2"


def test_reject_log_counts_and_tsv(tmp_path):
    log = RejectLog()
    assert len(log) == 0 and not log
    log.add("a.bed", 3, "start (5) > end (4)", "chr1\t5\t4")
    log.add("a.bed", 7, "zero-length interval (4-4)", "chr1\t4\t4")
    log.add("b.bed", 1, "start (5) > end (4)", "chr1\t5\t4")
    assert len(log) == 3
    assert log.counts() == {"start (5) > end (4)": 2, "zero-length interval (4-4)": 1}
    assert [r.line for r in log] == [3, 7, 1]
    out = tmp_path / "rejects.tsv"
    log.write_tsv(out)
    rows = [line.split("\t") for line in out.read_text().splitlines()]  # what awk -F'\t' and cut see
    assert rows[0] == ["source", "line", "reason", "record"]
    assert rows[1] == ["a.bed", "3", "start (5) > end (4)", "chr1\\t5\\t4"]  # tabs escaped: 4 fields per row
    assert {len(r) for r in rows} == {4}
    assert len(rows) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["rejects.tsv"]  # no temp file left behind
