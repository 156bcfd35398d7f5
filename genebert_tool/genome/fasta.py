"""Reference genome access through pyfaidx.

``Genome`` reads plain, bgzipped and plain-gzipped FASTA. Plain gzip cannot be random-accessed,
so such a file is decompressed **once** into a cache directory (``$GENEBERT_CACHE``, default
``~/.cache/genebert``), keyed by the file's absolute path, mtime and size, and written atomically.
The ``.fai`` (and ``.gzi``) index is built in the constructor, i.e. in the main process; the
pyfaidx handle itself is opened lazily in each process (fork safety: pyfaidx#211).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import zlib
from collections.abc import Iterable
from pathlib import Path

from genebert_tool.datadir import cache_dir  # re-exported: the one cache-directory rule
from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import normalize_chrom
from genebert_tool.genome.io import atomic_write, sniff_compression


def parse_offsets(specs: Iterable[str] | None) -> dict[str, int]:
    """Parse ``["chr22=32000000", ...]`` (the CLI's ``--genome-offset``) into ``{"chr22": 32000000}``.

    An offset says where index 0 of that FASTA record sits on the real chromosome, so a FASTA
    piece can be addressed with real coordinates.
    """
    offsets: dict[str, int] = {}
    for spec in specs or ():
        name, sep, value = spec.partition("=")
        name = name.strip()
        value = value.strip().replace("_", "").replace(",", "")
        if not sep or not name or not value.isdigit():
            raise InputError(f"bad genome offset {spec!r}: expected CHROM=NON_NEGATIVE_INTEGER, e.g. chr22=32000000")
        offsets[name] = int(value)
    return offsets


def _cache_key(path: Path) -> str:
    st = path.stat()
    ident = f"{path.resolve()}\0{st.st_mtime_ns}\0{st.st_size}".encode()
    return hashlib.sha256(ident).hexdigest()[:16]


def _decompressed_copy(path: Path) -> Path:
    """Decompress a plain-gzip FASTA once into the cache; later calls reuse the copy."""
    name = path.name.removesuffix(".gz")
    target = cache_dir() / f"{name}.{_cache_key(path)}.fa"
    if target.exists():
        return target
    try:  # atomic (concurrent processes race harmlessly), 0644-style so other users share the cache
        with atomic_write(target, "wb") as out, gzip.open(path, "rb") as src:
            shutil.copyfileobj(src, out, length=1 << 20)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"corrupt or truncated gzip FASTA ({exc})", path=str(path)) from None
    return target


class Genome:
    """A reference FASTA addressed with 0-based half-open coordinates.

    ``offsets={"chr22": 32_000_000}`` declares that the FASTA record ``chr22`` starts at
    chr22:32,000,000 (0-based), so ``fetch("chr22", 32_000_100, 32_000_200)`` returns FASTA
    bases [100, 200) of that record. Sequences are returned uppercase (soft-masking dropped);
    positions outside the stored sequence (negative, before the offset, past the end) read as N.
    Plain-gzip FASTA is decompressed once into ``$GENEBERT_CACHE`` (default ``~/.cache/genebert``).

    Usable as a context manager; picklable (each process reopens the file itself).
    """

    def __init__(self, path: str | os.PathLike, *, offsets: dict[str, int] | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("FASTA file not found", path=str(path))
        kind = sniff_compression(self.path)
        self.compression = kind
        self._fasta_path = _decompressed_copy(self.path) if kind == "gzip" else self.path
        self._index_kwargs = self._index_locations(kind)
        self._fasta = None
        self._pid: int | None = None
        fasta = self._open()  # builds .fai/.gzi here, in the main process
        self._lengths = {name: int(len(rec)) for name, rec in fasta.faidx.index.items()}
        self.close()
        if not self._lengths:
            raise InputError("no sequences (is this a FASTA file?)", path=str(path))
        offsets = dict(offsets or {})
        unknown = [c for c in offsets if normalize_chrom(c, self._lengths) is None]
        if unknown:
            raise InputError(f"offset given for contig(s) not in the FASTA: {', '.join(unknown)}", path=str(path))
        self.offsets = {normalize_chrom(c, self._lengths): int(o) for c, o in offsets.items()}
        if any(o < 0 for o in self.offsets.values()):
            raise InputError("genome offsets must be >= 0", path=str(path))
        self._ends = {name: self.offsets.get(name, 0) + n for name, n in self._lengths.items()}
        self._resolved: dict[str, str | None] = {}

    # -- index / handle management -------------------------------------------------------------

    def _index_locations(self, kind: str) -> dict[str, str]:
        """Where the .fai/.gzi live: next to the FASTA if present or writable, else in the cache."""
        fai = Path(str(self._fasta_path) + ".fai")
        gzi = Path(str(self._fasta_path) + ".gzi")
        mtime = self._fasta_path.stat().st_mtime

        def current(index: Path) -> bool:  # pyfaidx rebuilds (writes) a stale index
            return index.exists() and index.stat().st_mtime >= mtime

        have = current(fai) and (kind != "bgzf" or current(gzi))
        if have or os.access(self._fasta_path.parent, os.W_OK):
            return {}
        base = cache_dir() / f"{self._fasta_path.name}.{_cache_key(self._fasta_path)}"
        out = {"indexname": f"{base}.fai"}
        if kind == "bgzf":
            out["gzi_indexname"] = f"{base}.gzi"
        return out

    def _open(self):
        if self._fasta is not None and self._pid == os.getpid():
            return self._fasta
        import pyfaidx

        try:
            self._fasta = pyfaidx.Fasta(
                str(self._fasta_path),
                as_raw=True,
                sequence_always_upper=True,
                rebuild=True,
                **self._index_kwargs,
            )
        except pyfaidx.FastaIndexingError as exc:
            raise InputError(f"cannot index FASTA: {exc}", path=str(self.path)) from None
        except pyfaidx.UnsupportedCompressionFormat as exc:
            raise InputError(f"unsupported compression: {exc}", path=str(self.path)) from None
        except ValueError as exc:  # duplicate record names, bad .fai lines
            raise InputError(f"cannot read FASTA index: {exc}", path=str(self.path)) from None
        self._pid = os.getpid()
        return self._fasta

    def close(self) -> None:
        """Close the pyfaidx handle (it reopens on the next fetch)."""
        if self._fasta is not None and self._pid == os.getpid():
            self._fasta.close()
        self._fasta = None
        self._pid = None

    def __enter__(self) -> Genome:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_fasta"] = None
        state["_pid"] = None
        return state

    def __repr__(self) -> str:
        return f"Genome({str(self.path)!r}, contigs={len(self._lengths)})"

    # -- queries ---------------------------------------------------------------------------------

    @property
    def contigs(self) -> dict[str, int]:
        """Contig name -> length in genome coordinates (offset + stored length), in FASTA order."""
        return dict(self._ends)

    def length(self, chrom: str) -> int:
        """End of ``chrom`` in genome coordinates (offset + stored length); ``InputError`` if unknown."""
        name = self.resolve(chrom)
        if name is None:
            raise InputError(f"contig {chrom!r} not in genome", path=str(self.path))
        return self._ends[name]

    def start(self, chrom: str) -> int:
        """First stored position of ``chrom`` (its offset, usually 0); ``InputError`` if unknown."""
        name = self.resolve(chrom)
        if name is None:
            raise InputError(f"contig {chrom!r} not in genome", path=str(self.path))
        return self.offsets.get(name, 0)

    def resolve(self, chrom: str) -> str | None:
        """The FASTA's name for ``chrom`` (``2`` -> ``chr2`` etc.), or None if the genome lacks it."""
        try:
            return self._resolved[chrom]
        except KeyError:
            name = normalize_chrom(chrom, self._lengths)
            self._resolved[chrom] = name
            return name

    def __contains__(self, chrom: object) -> bool:
        return isinstance(chrom, str) and self.resolve(chrom) is not None

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Bases ``[start, end)`` of ``chrom`` in genome coordinates, uppercase, N-padded.

        Returns exactly ``end - start`` characters. Raises ``InputError`` for an unknown contig
        and ``ValueError`` when ``start > end``.
        """
        if start > end:
            raise ValueError(f"fetch: start ({start}) > end ({end})")
        name = self.resolve(chrom)
        if name is None:
            known = ", ".join(list(self._lengths)[:5]) + (", ..." if len(self._lengths) > 5 else "")
            raise InputError(f"contig {chrom!r} not in genome (has {known})", path=str(self.path))
        offset = self.offsets.get(name, 0)
        length = self._lengths[name]
        lo = min(max(start - offset, 0), length)
        hi = max(min(end - offset, length), lo)
        if hi <= lo:  # the window lies wholly outside the stored sequence
            return "N" * (end - start)
        seq = self._open()[name][lo:hi]
        return "N" * (lo + offset - start) + seq + "N" * (end - (hi + offset))
