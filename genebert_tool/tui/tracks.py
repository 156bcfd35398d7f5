"""Signal and sequence tracks (bigWig, bedGraph, FASTA), and :func:`open_track`, which picks the
track class from a file's extension. No Textual, no torch.

A bigWig is never read whole: each view asks pyBigWig for one statistic per column
(``bw.stats(chrom, start, end, type=stat, nBins=n)``), which libBigWig answers from the file's zoom
levels. ``stat`` is ``max`` by default for probability tracks (every value in [0, 1], as
``genebert annotate`` writes) so that a one-base peak is not averaged away, ``mean`` otherwise.
At base level (fewer bases than columns) there is one bin per base, drawn over all its columns.
A FASTA is fetched only at base level.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import normalize_chrom
from genebert_tool.tui.features import FeatureTrack, VariantTrack, check_readable
from genebert_tool.tui.locus import Locus
from genebert_tool.tui.bedgraph import BedGraphTrack
from genebert_tool.tui.records import SignalView
from genebert_tool.tui.signal import binned, signal_group, signal_view

_BIGWIG_MAGIC = (0x888FFC26).to_bytes(4, "little")
_SIGNAL_SUFFIXES = (".bw", ".bigwig")
_BEDGRAPH_SUFFIXES = (".bedgraph", ".bdg")
_FEATURE_SUFFIXES = (".bed", ".narrowpeak", ".broadpeak", ".gtf", ".gff", ".gff3")
_VARIANT_SUFFIXES = (".vcf", ".bcf")
_FASTA_SUFFIXES = (".fa", ".fasta", ".fna")


class SignalTrack:
    """A bigWig, read per view through its zoom levels."""

    kind = "signal"

    def __init__(self, path: str | os.PathLike) -> None:
        import pyBigWig

        self.path = Path(path)
        self.name = self.path.name
        check_readable(self.path)
        with open(self.path, "rb") as fh:
            # libBigWig prints to stderr on a bad file, which would scribble over the terminal.
            if fh.read(4) != _BIGWIG_MAGIC:
                raise InputError("not a bigWig file (bad magic number)", path=str(path))
        try:
            self._bw = pyBigWig.open(str(self.path))
        except RuntimeError as exc:
            raise InputError(f"cannot open bigWig: {exc}", path=str(path)) from exc
        self.contigs: dict[str, int] = dict(self._bw.chroms())
        # One libBigWig handle is not safe to share between threads.
        self._lock = threading.Lock()
        header = self._bw.header()
        self.stat = "max" if 0.0 <= header.get("minVal", -1) and header.get("maxVal", 2) <= 1.0 else "mean"
        self.group = signal_group(self.name)

    def signal(self, locus: Locus, n_cols: int, stat: str | None = None) -> SignalView:
        """``stat`` (default :attr:`stat`) per column over ``locus`` (None where there is no data)."""
        stat = stat or self.stat
        chrom = normalize_chrom(locus.chrom, self.contigs)

        def read(start: int, end: int, n_bins: int) -> list[float | None]:
            with self._lock:
                return self._bw.stats(chrom, start, end, type=stat, nBins=n_bins)

        length = self.contigs[chrom] if chrom is not None else 0
        values = binned(locus, n_cols, length, read)
        return signal_view(self.name, values, stat, self.group)

    def close(self) -> None:
        self._bw.close()


class SequenceTrack:
    """The reference FASTA, through :class:`genebert_tool.genome.fasta.Genome` (pyfaidx)."""

    kind = "sequence"

    def __init__(self, path: str | os.PathLike, *, offsets: dict[str, int] | None = None) -> None:
        """``offsets`` place a FASTA piece on its chromosome (``{"chr22": 32_000_000}``)."""
        self.path = Path(path)
        self.name = self.path.name
        check_readable(self.path)
        from genebert_tool.genome.fasta import Genome

        try:
            self._genome = Genome(self.path, offsets=offsets)
            self.contigs: dict[str, int | None] = dict(self._genome.contigs)
            self._fetch = self._genome.fetch
        except InputError:
            raise
        except Exception as exc:  # pyfaidx raises many types for bad files
            raise InputError(f"cannot read FASTA: {exc}", path=str(path)) from exc
        self._lock = threading.Lock()

    def sequence(self, locus: Locus) -> str | None:
        chrom = normalize_chrom(locus.chrom, self.contigs)
        if chrom is None:
            return None
        with self._lock:
            return self._fetch(chrom, locus.start, locus.end)

    def note(self, locus: Locus) -> str:
        """Why (part of) the view has no bases: an unknown contig, or past the FASTA's end."""
        chrom = normalize_chrom(locus.chrom, self.contigs)
        if chrom is None:
            return f"{locus.chrom} is not in {self.name}"
        length = self.contigs.get(chrom)
        if length is not None and locus.end > length:
            return f"N past the end of {self.name} ({chrom} ends at {length:,})"
        start = getattr(getattr(self, "_genome", None), "offsets", {}).get(chrom, 0)
        if locus.start < start:
            return f"N before the start of {self.name} ({chrom} starts at {start + 1:,})"
        return ""


Track = SignalTrack | BedGraphTrack | FeatureTrack | VariantTrack | SequenceTrack


def open_track(path: str | os.PathLike) -> Track:
    """Open ``path`` as the track its extension names (.bw/.bigWig, .bed/.narrowPeak/.gtf
    (+.gz), .vcf/.vcf.gz/.bcf, .fa/.fasta (+.gz)). Raises InputError for a missing, unreadable
    or malformed file, or an unknown extension."""
    p = Path(path)
    low = p.name.lower()
    stem = low.removesuffix(".gz").removesuffix(".bgz")
    if low.endswith(_SIGNAL_SUFFIXES):
        return SignalTrack(p)
    if stem.endswith(_BEDGRAPH_SUFFIXES):
        return BedGraphTrack(p)
    if stem.endswith(_FEATURE_SUFFIXES):
        return FeatureTrack(p)
    if stem.endswith(_VARIANT_SUFFIXES):
        return VariantTrack(p)
    if stem.endswith(_FASTA_SUFFIXES):
        return SequenceTrack(p)
    raise InputError(
        "unknown track type (expected .bw, .bedGraph, .bed, .narrowPeak, .gtf, .vcf[.gz], .fa[.gz])", path=str(p)
    )

