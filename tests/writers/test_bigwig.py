"""bigWig writer: header order, zoom levels, validation instead of broken files, atomicity."""

from __future__ import annotations

import numpy as np
import pyBigWig
import pytest

from genebert_tool.writers.bigwig import BigWigWriter

SIZES = [("chr2", 10_000), ("chr1", 5_000)]


def test_round_trip_in_header_order(tmp_path):
    path = tmp_path / "t.bw"
    with BigWigWriter(path, SIZES) as w:
        w.add("chr2", np.array([0, 10]), np.array([10, 25]), np.array([0.5, 0.25]))
        w.add("chr2", np.array([100]), np.array([101]), np.array([1.0]))
        w.add("chr1", np.array([7]), np.array([9]), np.array([0.125]))
    bw = pyBigWig.open(str(path))
    assert list(bw.chroms().items()) == SIZES
    assert bw.intervals("chr2") == ((0, 10, 0.5), (10, 25, 0.25), (100, 101, 1.0))
    assert bw.intervals("chr1") == ((7, 9, 0.125),)
    assert bw.header()["nLevels"] >= 1
    bw.close()


@pytest.mark.parametrize(
    "chrom,starts,ends,match",
    [
        ("chr3", [0], [1], "not in the bigWig header"),
        ("chr2", [5], [5], "zero-length"),
        ("chr2", [0, 5], [10, 20], "overlapping"),
        ("chr2", [9_990], [10_001], "outside"),
    ],
)
def test_invalid_entries_raise_and_leave_no_file(tmp_path, chrom, starts, ends, match):
    path = tmp_path / "bad.bw"
    with pytest.raises(ValueError, match=match):
        with BigWigWriter(path, SIZES) as w:
            w.add(chrom, np.array(starts), np.array(ends), np.ones(len(starts)))
    assert list(tmp_path.iterdir()) == []


def test_chromosome_order_and_continuation(tmp_path):
    w = BigWigWriter(tmp_path / "o.bw", SIZES)
    w.add("chr1", np.array([0]), np.array([5]), np.array([1.0]))
    with pytest.raises(ValueError, match="header order"):
        w.add("chr2", np.array([0]), np.array([5]), np.array([1.0]))
    w.abort()
    w = BigWigWriter(tmp_path / "o.bw", SIZES)
    w.add("chr2", np.array([10]), np.array([20]), np.array([1.0]))
    with pytest.raises(ValueError, match="overlapping"):
        w.add("chr2", np.array([15]), np.array([30]), np.array([1.0]))
    w.abort()
    assert list(tmp_path.iterdir()) == []


def test_nothing_visible_until_close(tmp_path):
    path = tmp_path / "late.bw"
    w = BigWigWriter(path, SIZES)
    w.add("chr2", np.array([0]), np.array([5]), np.array([0.5]))
    assert not path.exists()
    w.close()
    assert path.exists() and [p.name for p in tmp_path.iterdir()] == ["late.bw"]
