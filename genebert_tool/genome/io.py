"""Text I/O shared by every reader and writer.

``open_text`` understands ``-`` (stdin/stdout) and gzip/BGZF (sniffed from the magic bytes when
reading, chosen by the ``.gz``/``.bgz`` suffix when writing). ``iter_lines`` turns the usual
failures of real files (truncated gzip, binary junk, CRLF) into either accepted input or an
``InputError`` naming the file and line. ``atomic_write`` makes every output all-or-nothing.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from genebert_tool.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


class _KeepOpen(io.RawIOBase):
    """A raw stream over someone else's handle (stdin/stdout) whose ``close`` leaves it open.

    A handle the caller passed in is the caller's: closing our wrapper must not close stdout.
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def readable(self) -> bool:
        return self._fh.readable()

    def writable(self) -> bool:
        return self._fh.writable()

    def readinto(self, buffer) -> int:  # type: ignore[override]
        read = getattr(self._fh, "read1", self._fh.read)
        data = read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def write(self, data) -> int:  # type: ignore[override]
        return self._fh.write(data)

    def flush(self) -> None:
        if not self.closed:
            self._fh.flush()


def display_name(source: str | os.PathLike | None) -> str:
    """How a source is named in messages: ``<stdin>`` for ``-``, else the path as given."""
    if source is None or str(source) == "-":
        return "<stdin>"
    return str(source)


def _stdin_bytes() -> IO[bytes]:
    buf = getattr(sys.stdin, "buffer", None)
    if buf is None:  # a text-only stdin (tests replacing sys.stdin with StringIO)
        return io.BufferedReader(io.BytesIO(sys.stdin.read().encode()))  # type: ignore[arg-type]
    return io.BufferedReader(_KeepOpen(buf))


def _stdout_bytes() -> IO[bytes]:
    buf = getattr(sys.stdout, "buffer", None)
    if buf is None:
        raise InputError("stdout has no binary buffer", path="<stdout>")
    sys.stdout.flush()
    return io.BufferedWriter(_KeepOpen(buf))


def open_text(path_or_dash: str | os.PathLike, mode: str = "rt") -> IO:
    """Open a file for reading or writing, transparently handling ``-`` and compression.

    Modes: ``rt``/``r``, ``rb``, ``wt``/``w``, ``wb``. Reading: gzip/BGZF is recognised by its magic
    bytes, whatever the suffix. Writing: ``.gz`` writes gzip, ``.bgz`` writes BGZF (via pysam), ``-``
    writes to stdout (closing the returned handle leaves stdout open). Text is UTF-8; universal
    newlines are *not* applied, so callers see ``\\r\\n`` and strip it (``iter_lines`` does).
    A missing or unreadable file raises ``InputError``.
    """
    if mode in ("r", "rt", "rb"):
        binary = _open_read_binary(path_or_dash)
        if mode == "rb":
            return binary
        return io.TextIOWrapper(binary, encoding="utf-8", newline="")
    if mode in ("w", "wt", "wb"):
        binary = _open_write_binary(path_or_dash)
        if mode == "wb":
            return binary
        return io.TextIOWrapper(binary, encoding="utf-8", newline="")
    raise ValueError(f"open_text: unsupported mode {mode!r}")


def _open_read_binary(source: str | os.PathLike) -> IO[bytes]:
    if str(source) == "-":
        raw: IO[bytes] = _stdin_bytes()
    else:
        path = Path(source)
        if path.is_dir():
            raise InputError("is a directory, not a file", path=str(source))
        try:
            raw = open(path, "rb")  # noqa: SIM115 - returned to the caller
        except FileNotFoundError:
            raise InputError("file not found", path=str(source)) from None
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror or exc}", path=str(source)) from None
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if head == GZIP_MAGIC:
        gz = gzip.GzipFile(fileobj=raw, mode="rb")
        gz.myfileobj = raw  # so closing the gzip reader closes the file too
        return gz  # type: ignore[return-value]
    return raw


def _open_write_binary(dest: str | os.PathLike) -> IO[bytes]:
    if str(dest) == "-":
        return _stdout_bytes()
    name = str(dest)
    if name.endswith(".bgz"):
        from pysam import BGZFile  # BGZF so the output can be tabix/faidx indexed

        return BGZFile(name, "wb")  # type: ignore[return-value]
    if name.endswith(".gz"):
        return gzip.open(name, "wb")  # type: ignore[return-value]
    return open(name, "wb")  # noqa: SIM115


def sniff_compression(path: str | os.PathLike) -> str:
    """``'bgzf'``, ``'gzip'`` (plain, not block-compressed) or ``'plain'``, from the magic bytes."""
    with open(path, "rb") as fh:
        head = fh.read(18)
    if head[:2] != GZIP_MAGIC:
        return "plain"
    # BGZF = gzip with FEXTRA and a 'BC' subfield (SAM spec, section 4.1).
    if len(head) >= 14 and head[3] & 4 and head[12:14] == b"BC":
        return "bgzf"
    return "gzip"


def iter_lines(
    source: str | os.PathLike, *, on_bad_line: Callable[[int, str, str], None] | None = None
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line, 1-based, with ``\\n``/``\\r\\n`` removed.

    Decoding happens line by line so a bad byte is reported at its own line. A UTF-8 byte-order
    mark at the start of the file is dropped. A corrupt or truncated gzip stream raises
    ``InputError`` naming the file and line; so do non-UTF-8 bytes and NUL bytes, unless
    ``on_bad_line(line_number, reason, text)`` is given: then it is called (``text`` with the bad
    bytes shown as ``\\xNN``) and the line is skipped, so one bad record need not end the run.
    """
    name = display_name(source)
    lineno = 0
    with _open_read_binary(source) as fh:
        try:
            for lineno, raw in enumerate(fh, start=1):  # noqa: B007 - used after the loop
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    text = raw.decode("utf-8")
                    reason = "NUL byte in text (binary file?)" if "\x00" in text else None
                except UnicodeDecodeError:
                    reason = "not UTF-8 text (binary file?)"
                if reason is not None:
                    if on_bad_line is None:
                        raise InputError(reason, path=name, line=lineno)
                    shown = raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00").rstrip("\r\n")
                    on_bad_line(lineno, reason, shown)
                    continue
                yield lineno, text.rstrip("\r\n")
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(
                f"corrupt or truncated gzip data after line {lineno} ({exc})", path=name, line=lineno + 1
            ) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_beside(target: str | os.PathLike, suffix: str = ".tmp", *, directory: bool = False) -> str:
    """A new hidden temporary file (or directory) named after ``target``, in ``target``'s directory.

    Files get the permissions of any new file (``0666 & ~umask``, not mkstemp's 0600). A directory
    that cannot be written raises ``InputError`` naming that directory, not the temporary name.
    """
    target = Path(target)
    where = target.parent if str(target.parent) else Path(".")
    try:
        if directory:
            return tempfile.mkdtemp(prefix=f".{target.name}-", dir=where)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=where)
    except OSError as exc:
        raise InputError(f"cannot write in directory {where}: {exc.strerror or exc}", path=str(target)) from None
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    return tmp


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wt") -> Iterator[IO]:
    """Write ``path`` all-or-nothing: a temp file in the same directory, then ``os.replace``.

    On an exception the temp file is removed and ``path`` is left untouched. ``-`` writes to
    stdout directly (no atomicity possible). Compression follows ``path``'s suffix as in
    ``open_text``.
    """
    if str(path) == "-":
        fh = open_text("-", mode)
        try:
            yield fh
        finally:
            fh.close()
        return
    target = Path(path)
    suffix = "".join(target.suffixes[-1:])  # keep .gz/.bgz so open_text compresses the temp file
    tmp = temp_beside(target, f".tmp{suffix}")
    try:
        fh = open_text(tmp, mode)
        try:
            yield fh
        finally:
            fh.close()
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
