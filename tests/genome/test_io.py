"""open_text, iter_lines and atomic_write."""

from __future__ import annotations

import gzip
import io
import sys

import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.io import atomic_write, display_name, iter_lines, open_text, sniff_compression


def test_open_text_plain_and_gzip_by_magic(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text("x\ny\n")
    gz = tmp_path / "b.txt.gz"
    gz.write_bytes(gzip.compress(b"x\ny\n"))
    hidden = tmp_path / "c.txt"  # gzip without the suffix is still recognised
    hidden.write_bytes(gzip.compress(b"x\ny\n"))
    for path in (plain, gz, hidden):
        with open_text(path) as fh:
            assert fh.read() == "x\ny\n"


def test_iter_lines_strips_crlf_and_numbers_lines(tmp_path):
    p = tmp_path / "crlf.txt"
    p.write_bytes(b"a\r\nb\r\n\r\nc")
    assert list(iter_lines(p)) == [(1, "a"), (2, "b"), (3, ""), (4, "c")]


def test_iter_lines_truncated_gzip(tmp_path):
    data = gzip.compress(("chr1\t0\t10\n" * 5000).encode())
    p = tmp_path / "cut.bed.gz"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.bed\.gz:\d+: corrupt or truncated gzip"):
        list(iter_lines(p))


def test_iter_lines_corrupt_gzip(tmp_path):
    p = tmp_path / "bad.gz"
    p.write_bytes(b"\x1f\x8b" + b"\x00garbage-not-deflate" * 10)
    with pytest.raises(InputError, match="bad.gz"):
        list(iter_lines(p))


def test_iter_lines_binary_reports_line(tmp_path):
    p = tmp_path / "bin.txt"
    p.write_bytes(b"ok\n\xff\xfe\x00\n")
    with pytest.raises(InputError, match=r"bin\.txt:2: not UTF-8"):
        list(iter_lines(p))


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        list(iter_lines(tmp_path / "nope.bed"))
    with pytest.raises(InputError, match="directory"):
        list(iter_lines(tmp_path))


def test_stdin_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(b"l1\r\nl2\n"))))
    assert list(iter_lines("-")) == [(1, "l1"), (2, "l2")]
    assert not sys.stdin.closed  # the caller's handle stays open


def test_stdout_dash_is_not_closed(monkeypatch):
    buf = io.BytesIO()
    fake = io.TextIOWrapper(buf)
    monkeypatch.setattr(sys, "stdout", fake)
    with open_text("-", "wt") as fh:
        fh.write("hello\n")
    assert not fake.closed
    assert buf.getvalue() == b"hello\n"


def test_atomic_write_success_and_compression(tmp_path):
    out = tmp_path / "o.txt.gz"
    with atomic_write(out) as fh:
        fh.write("abc\n")
    assert gzip.decompress(out.read_bytes()) == b"abc\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.txt.gz"]


def test_atomic_write_bgzf(tmp_path):
    out = tmp_path / "o.bed.bgz"
    with atomic_write(out) as fh:
        fh.write("chr1\t0\t1\n")
    raw = out.read_bytes()
    assert raw[12:14] == b"BC"  # BGZF extra subfield
    assert list(iter_lines(out)) == [(1, "chr1\t0\t1")]


def test_atomic_write_error_keeps_old_file(tmp_path):
    out = tmp_path / "o.txt"
    out.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_write(out) as fh:
            fh.write("partial")
            raise RuntimeError("boom")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["o.txt"]


def test_open_text_bad_mode(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        open_text(tmp_path / "x", "a")


def test_sniff_compression_and_display_name(tmp_path):
    pysam = pytest.importorskip("pysam")
    plain = tmp_path / "a.txt"
    plain.write_text("hello\n" * 10)
    gz = tmp_path / "a.txt.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    pysam.tabix_compress(str(plain), str(tmp_path / "b.txt.gz"))
    assert sniff_compression(plain) == "plain"
    assert sniff_compression(gz) == "gzip"
    assert sniff_compression(tmp_path / "b.txt.gz") == "bgzf"
    assert display_name("-") == "<stdin>" and display_name(plain) == str(plain)
