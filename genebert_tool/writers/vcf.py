"""VCF writer in the spirit of SpliceAI's annotator: every input record passes through, with
genebert INFO fields appended and the INFO format documented in the header.

The writer computes nothing: it receives the input header text, the extra ``##`` lines, each
record's VCF text and the INFO values to append (already formatted). ``.vcf.gz``/``.bgz`` is
written as BGZF and tabix-indexed (``.tbi``; an unsorted input cannot be indexed, which is reported
through ``index_error``); ``.bcf`` is not offered; ``-`` writes plain VCF to stdout. Files are
written under a temporary name and renamed on ``close()`` (the index first, then the VCF).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from genebert_tool.genome.io import temp_beside
from genebert_tool.writers._base import CommitOrAbort

_INFO_FORBIDDEN = str.maketrans({";": "_", "=": "_", " ": "_", ",": "_", "\t": "_"})


def info_safe(text: str) -> str:
    """An INFO value with the characters VCF forbids there (``; = , space tab``) replaced by ``_``."""
    return str(text).translate(_INFO_FORBIDDEN)


def _meta_key(line: str) -> str:
    """``##INFO=<ID=X,...`` -> ``INFO/X``; ``##key=...`` -> ``key``."""
    key, _, value = line[2:].partition("=")
    if value.startswith("<ID="):
        return f"{key}/{value[4:].split(',', 1)[0].rstrip('>')}"
    return key


class VcfWriter(CommitOrAbort):
    """Write a VCF: the input header plus ``extra_header_lines``, then records with appended INFO.

    ``own_info``: INFO keys this writer owns (``GENEBERT`` ...): re-annotating an annotated VCF
    replaces them -- their values in every record and their ``##INFO`` lines -- instead of adding
    a second copy. Header lines with the same key as an extra line (``##genebert=``,
    ``##genebert_model=``) are replaced too. Everything else passes through as given.
    """

    def __init__(self, path: str | os.PathLike, header_text: str, extra_header_lines: Sequence[str],
                 *, own_info: Sequence[str] = (), own_meta: Sequence[str] = ()) -> None:
        self.path = str(path)
        self._own_info = frozenset(own_info)
        self.bgzip = self.path.endswith((".gz", ".bgz"))
        self.index_error: str | None = None
        self.n_records = 0
        lines = [line for line in header_text.splitlines() if line]
        if not lines or not lines[-1].startswith("#CHROM"):
            raise ValueError("VCF header text must end with the #CHROM line")
        for line in extra_header_lines:
            if not line.startswith("##"):
                raise ValueError(f"extra header line must start with '##': {line!r}")
        replaced = {_meta_key(x) for x in extra_header_lines if not x.startswith("##INFO=")}
        replaced |= {f"INFO/{k}" for k in self._own_info} | set(own_meta)
        lines = [x for x in lines[:-1] if not (x.startswith("##") and _meta_key(x) in replaced)] + lines[-1:]
        if self.path == "-":
            self._tmp = None
            self._fh = sys.stdout
        else:
            target = Path(self.path)
            tmp = temp_beside(target, ".tmp.gz")  # 0644-style permissions, like every other output
            self._tmp = tmp
            if self.bgzip:
                import pysam

                self._fh = pysam.BGZFile(tmp, "wb")
            else:
                self._fh = open(tmp, "wb")  # noqa: SIM115 - closed in close()/abort()
        self._write("\n".join(lines[:-1] + list(extra_header_lines) + lines[-1:]) + "\n")

    def _write(self, text: str) -> None:
        if self._fh is sys.stdout:
            self._fh.write(text)
        else:
            self._fh.write(text.encode())

    def write(self, record_text: str, info: Sequence[tuple[str, str | None]]) -> None:
        """Write one record (its VCF line) with ``info`` ``(key, value)`` pairs appended to column 8.

        ``value`` None means a flag; pairs with an empty string value are left out.
        """
        fields = record_text.rstrip("\r\n").split("\t")
        if len(fields) < 8:
            raise ValueError(f"not a VCF record line: {record_text[:80]!r}")
        extra = [k if v is None else f"{k}={v}" for k, v in info if v != ""]
        base = fields[7]
        if self._own_info and base not in ("", "."):
            kept = [kv for kv in base.split(";") if kv.split("=", 1)[0] not in self._own_info]
            base = ";".join(kept) if kept else "."
            if extra or kept != fields[7].split(";"):
                fields[7] = base
        if extra:
            fields[7] = ";".join(([] if base in ("", ".") else [base]) + extra)
        self._write("\t".join(fields) + "\n")
        self.n_records += 1

    def close(self) -> None:
        """Finish the file; bgzipped output is tabix-indexed before both are moved into place."""
        if self._tmp is None:
            if self._fh is sys.stdout:
                sys.stdout.flush()
            self._fh = None
            return
        self._fh.close()
        tmp, self._tmp = self._tmp, None
        tbi = f"{self.path}.tbi"
        if self.bgzip:
            import pysam

            from genebert_tool.genome.vcf import quiet_htslib

            try:
                with quiet_htslib():
                    pysam.tabix_index(tmp, preset="vcf", force=True)
            except (OSError, ValueError) as exc:  # name the output, not the temporary file
                self.index_error = (str(exc) or type(exc).__name__).replace(tmp, self.path)
            if self.index_error is None:
                os.replace(f"{tmp}.tbi", tbi)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{tmp}.tbi")
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tbi)  # a stale index of an older file would now be wrong
        os.replace(tmp, self.path)

    def abort(self) -> None:
        """Drop the partial output."""
        if self._tmp is None:
            return
        with contextlib.suppress(Exception):
            self._fh.close()
        for p in (self._tmp, f"{self._tmp}.tbi"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p)
        self._tmp = None

