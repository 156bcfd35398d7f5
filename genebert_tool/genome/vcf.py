"""Streaming VCF reader (pysam): one ``VcfSite`` per record, one ``Variant`` per scorable ALT.

Positions come from pysam's 0-based ``record.start``. Chromosome names are mapped onto the FASTA's
names with ``Genome.resolve`` (``22`` -> ``chr22``). ALTs that cannot be scored are kept in
``VcfSite.skips`` as ``(alt, reason)`` so writers can still echo the record: symbolic alleles
(``<DEL>``), breakends, the spanning deletion ``*``, a REF that disagrees with the genome, a contig
the genome lacks, or a position outside the stored sequence. Indels and MNVs are kept.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from genebert_tool.errors import InputError
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.io import display_name, iter_lines, sniff_compression

if TYPE_CHECKING:  # pysam is imported lazily so `genebert --help` stays fast
    import pysam

#: Skip reasons (stable strings, so they can be counted and documented in output headers).
SKIP_NO_ALT = "no ALT allele"
SKIP_SYMBOLIC = "symbolic ALT"
SKIP_BREAKEND = "breakend ALT"
SKIP_STAR = "spanning deletion '*'"
SKIP_BAD_ALLELE = "allele has non-ACGTN characters"
SKIP_SAME = "ALT equals REF"
SKIP_NO_CONTIG = "contig not in genome"
SKIP_OUTSIDE = "position outside the genome sequence"
SKIP_REF_MISMATCH = "REF does not match genome"

_BASES = frozenset("ACGTN")


@dataclass(frozen=True)
class Variant:
    """One REF>ALT allele. ``start`` is 0-based (pysam ``record.start``); REF/ALT are uppercase.

    ``allele_index`` is the 1-based ALT index in the record; ``line`` the 1-based line in the VCF
    (for BCF or stdin, the line assuming the header as pysam reports it).
    """

    chrom: str
    start: int
    ref: str
    alt: str
    allele_index: int
    id: str | None
    line: int

    @property
    def end(self) -> int:
        """0-based exclusive end of the REF allele."""
        return self.start + len(self.ref)


@dataclass
class VcfSite:
    """One VCF record with its scorable ``variants`` and its unscorable ALTs ``skips``.

    ``skips`` holds ``(alt, reason)`` pairs, reasons being the ``SKIP_*`` constants; ``line`` is the
    record's 1-based line in the VCF.
    """

    record: pysam.VariantRecord
    variants: list[Variant] = field(default_factory=list)
    skips: list[tuple[str, str]] = field(default_factory=list)
    line: int = 0
    text: str | None = None  # the record's line as written in a text VCF (None for BCF)


class _GunzipPump:
    """Feeds a plain-gzip file to htslib through a pipe.

    htslib cannot open a plain-gzip (non-BGZF) VCF from a path (it tries to seek), but it reads one
    from a stream, so a thread decompresses into a pipe. A decompression error is kept and
    re-raised by ``iter_vcf`` once htslib sees the stream end.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.error: str | None = None
        read_fd, self._write_fd = os.pipe()
        self.reader = os.fdopen(read_fd, "rb")
        self._thread = threading.Thread(target=self._run, name=f"gunzip:{path}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        out = os.fdopen(self._write_fd, "wb")
        try:
            with gzip.open(self.path, "rb") as src:
                while chunk := src.read(1 << 16):
                    out.write(chunk)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            # set before the pipe closes, so the reader sees the error together with the EOF
            self.error = f"corrupt or truncated gzip data ({exc})"
        except OSError:  # the reader closed the pipe early (iteration stopped): nothing to report
            pass
        finally:
            with contextlib.suppress(OSError):
                out.close()


# VariantFiles opened through a pump, by id, with the file itself (a strong reference, so the id
# cannot be reused by another object): gives their real path (for line numbers) and the pump.
# VariantFile supports no weak references.
_PUMPED: dict[int, tuple[object, _GunzipPump]] = {}


def _pump_of(vf: pysam.VariantFile) -> _GunzipPump | None:
    entry = _PUMPED.get(id(vf))
    return entry[1] if entry is not None and entry[0] is vf else None


@contextlib.contextmanager
def quiet_htslib():
    """No ``[E::...]``/``[W::...]`` lines from htslib on stderr: every failure becomes our own message."""
    import pysam

    previous = pysam.set_verbosity(0)
    try:
        yield
    finally:
        pysam.set_verbosity(previous)


def _gzip_damage(path: str | os.PathLike) -> str | None:
    """Why a (b)gzip file cannot be decompressed to its end, or None when it can."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        return f"corrupt or truncated gzip data ({exc})"
    return None


def open_vcf(source: str | os.PathLike, *, name: str | None = None) -> pysam.VariantFile:
    """Open a VCF/BCF (plain, bgzipped, plain-gzipped, or ``-`` for stdin) with pysam.

    Raises ``InputError`` (naming ``name``, default the path) when the file is missing, damaged or
    not VCF/BCF.
    """
    import pysam

    name = name or display_name(source)
    pump = None
    compression = "plain"
    if str(source) != "-":
        if not os.path.isfile(source):
            raise InputError("file not found", path=name)
        compression = sniff_compression(source)
        if compression == "gzip":
            pump = _GunzipPump(str(source))
    try:
        with quiet_htslib():
            vf = pysam.VariantFile(pump.reader if pump else str(source))
    except (ValueError, OSError) as exc:
        if pump is not None:
            pump.reader.close()
            if pump.error:
                raise InputError(pump.error, path=name) from None
        damage = _gzip_damage(source) if compression != "plain" else None
        if damage:
            raise InputError(damage, path=name) from None
        raise InputError(f"not a readable VCF/BCF file (missing '##fileformat' header?): {exc}", path=name) from None
    if pump is not None:
        pump.reader.close()  # htslib holds its own duplicate; closing the VariantFile ends the pump
        _PUMPED[id(vf)] = (vf, pump)
    return vf


def _real_path(vf: pysam.VariantFile) -> str | None:
    """The file behind ``vf`` when it is a regular text VCF, else None (stdin, BCF)."""
    pump = _pump_of(vf)
    if pump is not None:
        return pump.path
    filename = vf.filename.decode() if isinstance(vf.filename, bytes) else vf.filename
    if isinstance(filename, str) and filename != "-" and not vf.is_bcf and os.path.isfile(filename):
        return filename
    return None


def _header_lines(vf: pysam.VariantFile) -> int:
    """Number of header lines in the file, to turn record numbers into line numbers."""
    path = _real_path(vf)
    if path is not None:
        n = 0
        for _, text in iter_lines(path):
            if not text.startswith("#"):
                break
            n += 1
        return n
    # htslib adds a ##FILTER=<ID=PASS> line when the file has none; the count is then 1 too high
    return len(str(vf.header).splitlines())


def raw_header(vf: pysam.VariantFile) -> str | None:
    """The header exactly as the text VCF behind ``vf`` writes it (htslib's ``str(vf.header)`` adds a
    ``##FILTER=<ID=PASS>`` line and may reorder), or None for BCF."""
    path = _real_path(vf)
    if path is None:
        return None
    lines = []
    for _, text in iter_lines(path):
        if not text.startswith("#"):
            break
        lines.append(text)
    return "\n".join(lines) + "\n" if lines and lines[-1].startswith("#CHROM") else None


def _record_texts(vf: pysam.VariantFile, n_header: int) -> Iterator[str | None]:
    """The data lines of the text VCF behind ``vf``, in order (blank lines skipped); Nones for BCF."""
    path = _real_path(vf)
    if path is None:
        while True:
            yield None
    lines = iter_lines(path)
    try:
        for _ in range(n_header):
            next(lines, None)
        for _, text in lines:
            if text.strip():
                yield text
    except InputError:  # a damaged file: htslib's own read reports it, with the right name
        pass
    finally:
        lines.close()
    while True:
        yield None


def _same_record(text: str | None, record: pysam.VariantRecord) -> str | None:
    """``text`` if it is ``record``'s line (CHROM and POS agree), else None."""
    if text is None:
        return None
    fields = text.split("\t", 2)
    return text if len(fields) > 2 and fields[0] == record.chrom and fields[1] == str(record.pos) else None


def _diagnose(vf: pysam.VariantFile, line: int) -> str | None:
    """Why htslib rejected a record (it only says 'truncated file'): re-read that line ourselves."""
    filename = _real_path(vf)
    if filename is None:
        return None
    try:
        text = next((t for i, t in iter_lines(filename) if i == line), None)
    except InputError as exc:
        return exc.reason
    if text is None:
        return None
    fields = text.split("\t")
    if len(fields) < 8:
        return f"truncated line: expected at least 8 tab-separated columns, got {len(fields)}"
    if not fields[1].isdigit():
        return f"POS is not a positive integer: {fields[1]!r}"
    if not fields[3] or fields[3] == ".":
        return "missing REF"
    return None


def _classify_alt(alt: str, ref: str) -> str | None:
    """The skip reason for an ALT that cannot be scored, or None if it is a sequence allele."""
    if alt == "*":
        return SKIP_STAR
    if alt.startswith("<"):
        return SKIP_SYMBOLIC
    if "[" in alt or "]" in alt or (len(alt) > 1 and (alt.startswith(".") or alt.endswith("."))):
        return SKIP_BREAKEND
    if alt in ("", "."):
        return SKIP_NO_ALT
    if not _BASES.issuperset(alt.upper()):
        return SKIP_BAD_ALLELE
    if alt.upper() == ref:
        return SKIP_SAME
    return None


def _ref_matches(ref: str, genome_seq: str) -> bool:
    """Case-insensitive REF check; an N in the VCF's REF matches any base."""
    return len(ref) == len(genome_seq) and all(r == g or r == "N" for r, g in zip(ref, genome_seq))


def _site(record: pysam.VariantRecord, genome: Genome, line: int) -> VcfSite:
    site = VcfSite(record, line=line)
    alts = record.alts or ()
    if not alts:
        site.skips.append((".", SKIP_NO_ALT))
        return site
    ref = (record.ref or "").upper()
    chrom = genome.resolve(record.chrom)
    site_reason: str | None = None
    if chrom is None:
        site_reason = SKIP_NO_CONTIG
    elif not ref or not _BASES.issuperset(ref):
        site_reason = SKIP_BAD_ALLELE
    else:
        if record.start < genome.start(chrom) or record.start + len(ref) > genome.length(chrom):
            site_reason = SKIP_OUTSIDE
        elif not _ref_matches(ref, genome.fetch(chrom, record.start, record.start + len(ref))):
            site_reason = SKIP_REF_MISMATCH
    for index, alt in enumerate(alts, start=1):
        reason = _classify_alt(alt, ref) or site_reason
        if reason is not None:
            site.skips.append((alt, reason))
            continue
        site.variants.append(Variant(chrom, record.start, ref, alt.upper(), index, record.id, line))  # type: ignore[arg-type]
    return site


def _file_name(vf: pysam.VariantFile) -> str:
    path = _real_path(vf)
    if path is not None:
        return path
    filename = vf.filename.decode() if isinstance(vf.filename, bytes) else vf.filename
    return display_name(filename if isinstance(filename, str) and filename else "-")


def iter_vcf(source: str | os.PathLike | pysam.VariantFile, genome: Genome, *,
             name: str | None = None) -> Iterator[VcfSite]:
    """Yield one ``VcfSite`` per VCF record, in file order, streaming, with the record's own text.

    ``source`` is a path, ``-`` (stdin) or a ``pysam.VariantFile`` from ``open_vcf`` (left open:
    a handle the caller passed in is the caller's). ``name``: how messages name the file (default:
    its path). A record htslib cannot parse raises ``InputError`` naming the file and line.
    """
    import pysam

    owned = not isinstance(source, pysam.VariantFile)
    vf = open_vcf(source) if owned else source
    name = name or (display_name(source) if owned else _file_name(vf))
    pump = _pump_of(vf)
    try:
        n_header = _header_lines(vf)
        texts = _record_texts(vf, n_header)
        n = 0
        records = iter(vf)
        while True:
            try:
                with quiet_htslib():
                    record = next(records)
            except StopIteration:
                break
            except (OSError, ValueError) as exc:
                line = n_header + n + 1
                if pump is not None and pump.error:
                    raise InputError(pump.error, path=name, line=line) from None
                reason = _diagnose(vf, line) or f"htslib could not parse it: {exc or type(exc).__name__}"
                raise InputError(f"malformed VCF record {n + 1}: {reason}", path=name, line=line) from None
            n += 1
            site = _site(record, genome, n_header + n)
            site.text = _same_record(next(texts), record)
            yield site
        if pump is not None and pump.error:  # htslib may take a cut stream for a clean end
            raise InputError(pump.error, path=name, line=n_header + n + 1)
    finally:
        texts.close()
        if owned:
            _PUMPED.pop(id(vf), None)
            vf.close()

