"""The browser's data layer: tracks read from files, asked for one locus at one resolution.

Nothing here imports Textual or torch, so it can be tested (and reused) without a terminal.

* :class:`SignalTrack` - a bigWig. Never read whole: each view asks pyBigWig for ``n_cols`` bin
  means (``bw.stats(..., nBins=n_cols)``), which libBigWig answers from the zoom levels.
* :class:`FeatureTrack` - BED / BED3..12 / narrowPeak / GTF, held in memory sorted per contig
  (these are annotation outputs and gene lists, small next to a bigWig), for the side table,
  feature-name look-up and next/previous jumps.
* :class:`VariantTrack` - a VCF annotated by ``genebert annotate``: the ``GENEBERT`` INFO field
  (``ALLELE|OUTPUT|REF|ALT|DELTA`` entries, comma-separated) and ``GENEBERT_SKIP`` reasons.
* :class:`SequenceTrack` - a FASTA, fetched only at base level.

:class:`TrackSet` holds the loaded tracks; :meth:`TrackSet.view` returns what to draw for a
:class:`~genebert_tool.tui.locus.Locus` at ``n_cols`` columns. Coordinates are 0-based half-open.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import normalize_chrom
from genebert_tool.tui.locus import POINT_WIDTH, Locus

BED_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "thickStart", "thickEnd",
               "itemRgb", "blockCount", "blockSizes", "blockStarts")
NARROWPEAK_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "signalValue",
                      "pValue", "qValue", "peak")
GTF_COLUMNS = ("seqname", "source", "feature", "start", "end", "score", "strand", "frame",
               "attribute")

_BIGWIG_MAGIC = (0x888FFC26).to_bytes(4, "little")
_SIGNAL_SUFFIXES = (".bw", ".bigwig")
_FEATURE_SUFFIXES = (".bed", ".narrowpeak", ".broadpeak", ".gtf", ".gff", ".gff3")
_VARIANT_SUFFIXES = (".vcf", ".bcf")
_FASTA_SUFFIXES = (".fa", ".fasta", ".fna")


# ---- records ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GeneBertDelta:
    """One entry of the ``GENEBERT`` INFO field: ``ALLELE|OUTPUT|REF|ALT|DELTA``.

    ``ref`` / ``alt`` are the model's scores for the reference and alternative sequence;
    ``delta = alt - ref``.
    """

    allele: str
    output: str
    ref: float | None
    alt: float | None
    delta: float | None


@dataclass(frozen=True, slots=True)
class Item:
    """One feature, peak or variant: a row of the side table and a block on a track.

    ``columns`` are (column name, text) pairs - every column of the source record, for the detail
    panel. ``score`` is what the table sorts by: the BED score column (the first numeric extra
    column when that is missing; for annotate's scored BED the largest output), or for a variant
    GENEBERT_RISK (else the GENEBERT delta of largest magnitude), the ALT with most effect.
    """

    track: str
    kind: str  # "feature" or "variant"
    chrom: str
    start: int
    end: int
    name: str
    score: float | None = None
    strand: str = "."
    columns: tuple[tuple[str, str], ...] = ()
    deltas: tuple[GeneBertDelta, ...] = ()
    skips: tuple[tuple[str, str], ...] = ()

    @property
    def centre2(self) -> int:
        """Twice the centre (an integer, so that ordering by centre is exact)."""
        return self.start + self.end

    @property
    def order_key(self) -> tuple:
        """Position along a contig for next/previous: centre, then extent, track and name."""
        return (self.start + self.end, self.start, self.end, self.track, self.name)

    def locus(self, contig_length: int | None = None) -> Locus:
        """The view that shows this item: its extent, or ``POINT_WIDTH`` bp centred on it."""
        if self.end - self.start >= POINT_WIDTH:
            return Locus(self.chrom, self.start, self.end).clamp(contig_length)
        start = (self.start + self.end - POINT_WIDTH) // 2
        return Locus(self.chrom, start, start + POINT_WIDTH).clamp(contig_length)


@dataclass(frozen=True, slots=True)
class SignalView:
    """bigWig means for one view: ``values[i]`` (None = no data) covers column ``i``."""

    track: str
    values: tuple[float | None, ...]
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class FeatureView:
    """The items of one feature or variant track that overlap the view."""

    track: str
    kind: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class SequenceView:
    """The reference sequence of the view (only at base level, else ``sequence`` is None)."""

    track: str
    sequence: str | None


TrackView = SignalView | FeatureView | SequenceView


# ---- tracks -----------------------------------------------------------------------------------


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if not path.is_file():
        raise InputError("not a regular file", path=str(path))
    if not os.access(path, os.R_OK):
        raise InputError("permission denied", path=str(path))


class SignalTrack:
    """A bigWig, read per view through its zoom levels."""

    kind = "signal"

    def __init__(self, path: str | os.PathLike) -> None:
        import pyBigWig

        self.path = Path(path)
        self.name = self.path.name
        _check_readable(self.path)
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

    def signal(self, locus: Locus, n_cols: int) -> SignalView:
        """Mean signal in ``n_cols`` equal bins over ``locus`` (None where there is no data)."""
        values: list[float | None] = [None] * n_cols
        chrom = normalize_chrom(locus.chrom, self.contigs)
        if chrom is not None and n_cols > 0:
            length = self.contigs[chrom]
            start, end = max(0, locus.start), min(locus.end, length)
            if end > start:
                with self._lock:
                    stats = self._bw.stats(chrom, start, end, type="mean", nBins=n_cols)
                # Columns past the contig end stay empty: map the bins onto the view's columns.
                first = (start - locus.start) * n_cols // locus.width
                last = math.ceil((end - locus.start) * n_cols / locus.width)
                span = max(1, last - first)
                for col in range(first, min(last, n_cols)):
                    values[col] = stats[(col - first) * n_cols // span]
        present = [v for v in values if v is not None and math.isfinite(v)]
        low = min([0.0, *present])
        high = max([0.0, *present])
        if high == low:
            high = low + 1.0
        return SignalView(self.name, tuple(values), low, high)

    def close(self) -> None:
        self._bw.close()


class _ItemIndex:
    """Items sorted per contig, with overlap queries and next/previous by centre."""

    def __init__(self, items: Iterable[Item]) -> None:
        by_chrom: dict[str, list[Item]] = {}
        for item in items:
            by_chrom.setdefault(item.chrom, []).append(item)
        self.by_chrom = {c: sorted(v, key=lambda i: (i.start, i.end)) for c, v in by_chrom.items()}
        self._starts = {c: [i.start for i in v] for c, v in self.by_chrom.items()}
        self._max_len = {c: max(i.end - i.start for i in v) for c, v in self.by_chrom.items()}
        self._by_centre = {c: sorted(v, key=lambda i: i.order_key) for c, v in self.by_chrom.items()}
        self._keys = {c: [i.order_key for i in v] for c, v in self._by_centre.items()}
        self._names: dict[str, Item] = {}
        for items_ in self.by_chrom.values():
            for item in items_:
                self._names.setdefault(item.name.casefold(), item)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_chrom.values())

    def __iter__(self) -> Iterator[Item]:
        for items in self.by_chrom.values():
            yield from items

    def overlapping(self, chrom: str, start: int, end: int) -> list[Item]:
        items = self.by_chrom.get(chrom)
        if not items:
            return []
        starts = self._starts[chrom]
        lo = bisect.bisect_left(starts, start - self._max_len[chrom])
        hi = bisect.bisect_left(starts, end)
        return [i for i in items[lo:hi] if i.end > start]

    def find(self, name: str) -> Item | None:
        return self._names.get(name.casefold())

    def after(self, chrom: str, key: tuple) -> Item | None:
        """The first item on ``chrom`` whose :attr:`Item.order_key` is greater than ``key``."""
        items = self._by_centre.get(chrom)
        if not items:
            return None
        idx = bisect.bisect_right(self._keys[chrom], key)
        return items[idx] if idx < len(items) else None

    def before(self, chrom: str, key: tuple) -> Item | None:
        """The last item on ``chrom`` whose :attr:`Item.order_key` is less than ``key``."""
        items = self._by_centre.get(chrom)
        if not items:
            return None
        idx = bisect.bisect_left(self._keys[chrom], key)
        return items[idx - 1] if idx > 0 else None

    def first(self, chrom: str) -> Item | None:
        items = self._by_centre.get(chrom)
        return items[0] if items else None

    def last(self, chrom: str) -> Item | None:
        items = self._by_centre.get(chrom)
        return items[-1] if items else None


class FeatureTrack:
    """BED (3 to 12 columns), narrowPeak or GTF features, in memory."""

    kind = "feature"

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.name = self.path.name
        _check_readable(self.path)
        self.skipped = 0  # malformed lines left out (reported by the app as a warning)
        stem = self.name.lower().removesuffix(".gz")
        if stem.endswith((".gtf", ".gff", ".gff3")):
            items = list(self._read_gtf())
        else:
            items = list(self._read_bed(narrowpeak=stem.endswith((".narrowpeak", ".broadpeak"))))
        if not items:
            raise InputError("no features found", path=str(path))
        self.index = _ItemIndex(items)
        # No lengths in a BED: the furthest feature end is a lower bound.
        self.contigs: dict[str, int | None] = {c: None for c in self.index.by_chrom}

    def _read_bed(self, *, narrowpeak: bool) -> Iterator[Item]:
        """BED rows. With a ``#chrom start end ...`` header (``genebert annotate``'s scored BED:
        the input columns, then one column per model output) the header names the columns, the
        name comes from a ``name`` (or ``region``) column, and the score is the largest output."""
        header = _comment_header(self.path)
        # A headed table's 4th-6th columns need not be BED name/score/strand (BED3 input +
        # outputs): only chrom/start/end are read as BED then.
        for region in _iter_regions(self.path, self, bed_semantics=header is None):
            fields = region.fields
            names = header or _bed_names(fields, narrowpeak)
            cols = tuple((names[k] if k < len(names) else f"column{k + 1}", v) for k, v in enumerate(fields))
            label = f"{region.chrom}:{region.start + 1}-{region.end}"
            if header is None:
                name, strand, score = region.name or label, region.strand, region.score
                if score is None:
                    score = next((f for f in map(_float, fields[6:]) if f is not None), None)
            else:
                named = dict(cols)
                name = named.get("name") or named.get("region") or label
                strand = named.get("strand", ".")
                outputs = [_float(v) for n, v in cols if not _is_input_column(n)]
                outputs = [v for v in outputs if v is not None]
                score = max(outputs) if outputs else _float(named.get("score", ""))
            yield Item(self.name, "feature", region.chrom, region.start, region.end, name, score, strand, cols)

    def _read_gtf(self) -> Iterator[Item]:
        from genebert_tool.genome.io import open_text

        genes_only: bool | None = None
        with open_text(self.path) as fh:
            lines = list(enumerate(fh, start=1))
        genes_only = any(len(p) > 2 and p[2] == "gene" for p in (ln.split("\t", 3) for _, ln in lines))
        for lineno, line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) != 9:
                self.skipped += 1
                continue
            if genes_only and parts[2] != "gene":
                continue
            try:
                start, end = int(parts[3]) - 1, int(parts[4])
            except ValueError:
                self.skipped += 1
                continue
            attrs = _gtf_attributes(parts[8])
            name = (attrs.get("gene_name") or attrs.get("Name") or attrs.get("transcript_name")
                    or attrs.get("gene_id") or attrs.get("ID") or f"{parts[0]}:{start + 1}-{end}")
            cols = tuple(zip(GTF_COLUMNS[:8], parts[:8])) + tuple(attrs.items())
            yield Item(self.name, "feature", parts[0], start, end, name, _float(parts[5]),
                       parts[6], cols)


class VariantTrack:
    """A VCF (plain, bgzipped or BCF), with ``GENEBERT`` deltas and ``GENEBERT_SKIP`` reasons."""

    kind = "variant"

    def __init__(self, path: str | os.PathLike) -> None:
        import pysam

        self.path = Path(path)
        self.name = self.path.name
        _check_readable(self.path)
        # htslib reports (e.g. "could not retrieve index file") would scribble over the screen.
        verbosity = pysam.set_verbosity(0)
        try:
            with pysam.VariantFile(str(self.path)) as vf:
                self.contigs: dict[str, int | None] = {c: vf.header.contigs[c].length for c in vf.header.contigs}
                items = [self._item(rec) for rec in vf]
        except (ValueError, OSError) as exc:
            raise InputError(f"cannot read VCF: {exc}", path=str(path)) from exc
        finally:
            pysam.set_verbosity(verbosity)
        self.skipped = 0
        for item in items:
            self.contigs.setdefault(item.chrom, None)
        self.index = _ItemIndex(items)

    def _item(self, rec) -> Item:
        deltas = tuple(parse_genebert_info(_info(rec, "GENEBERT")))
        skips = tuple(parse_skip_info(_info(rec, "GENEBERT_SKIP")))
        # GENEBERT_RISK (one per ALT) is annotate's own pick of the delta that matters; without
        # it, the delta of largest magnitude.
        risks = [r for r in map(_float, _info(rec, "GENEBERT_RISK")) if r is not None]
        scored = [d.delta for d in deltas if d.delta is not None]
        score = max(risks or scored, key=abs) if (risks or scored) else None
        alts = ",".join(rec.alts or ())
        cols = [("CHROM", rec.chrom), ("POS", str(rec.pos)), ("ID", rec.id or "."), ("REF", rec.ref),
                ("ALT", alts or "."), ("QUAL", "." if rec.qual is None else f"{rec.qual:g}"),
                ("FILTER", ";".join(rec.filter.keys()) or ".")]
        for key in rec.info.keys():
            if key not in ("GENEBERT", "GENEBERT_SKIP"):
                cols.append((key, _info_text(rec.info[key])))
        for d in deltas:
            cols.append((f"{d.output} {d.allele}", f"ref {_fmt(d.ref)}  alt {_fmt(d.alt)}  delta {_fmt(d.delta)}"))
        for alt, reason in skips:
            cols.append((f"skipped {alt}", reason))
        name = rec.id or f"{rec.chrom}:{rec.pos}{rec.ref}>{alts}"
        return Item(self.name, "variant", rec.chrom, rec.start, rec.stop, name, score, ".",
                    tuple(cols), deltas, skips)


class SequenceTrack:
    """The reference FASTA, through :class:`genebert_tool.genome.fasta.Genome` (pyfaidx)."""

    kind = "sequence"

    def __init__(self, path: str | os.PathLike, *, offsets: dict[str, int] | None = None) -> None:
        """``offsets`` place a FASTA piece on its chromosome (``{"chr22": 32_000_000}``)."""
        self.path = Path(path)
        self.name = self.path.name
        _check_readable(self.path)
        try:
            from genebert_tool.genome.fasta import Genome
        except ImportError:  # the genome package is written alongside; pyfaidx does the same job
            Genome = None
        try:
            if Genome is not None:
                self._genome = Genome(self.path, offsets=offsets)
                self.contigs: dict[str, int | None] = dict(self._genome.contigs)
                self._fetch = self._genome.fetch
            else:
                import pyfaidx

                if offsets:
                    raise InputError("FASTA offsets need genebert_tool.genome.fasta", path=str(path))

                fasta = pyfaidx.Fasta(str(self.path), sequence_always_upper=True)
                self.contigs = {k: len(v) for k, v in fasta.items()}
                self._fetch = lambda c, s, e: _pad_fetch(fasta, self.contigs, c, s, e)
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


Track = SignalTrack | FeatureTrack | VariantTrack | SequenceTrack


def open_track(path: str | os.PathLike) -> Track:
    """Open ``path`` as the track its extension names (.bw/.bigWig, .bed/.narrowPeak/.gtf
    (+.gz), .vcf/.vcf.gz/.bcf, .fa/.fasta (+.gz)). Raises InputError for a missing, unreadable
    or malformed file, or an unknown extension."""
    p = Path(path)
    low = p.name.lower()
    stem = low.removesuffix(".gz").removesuffix(".bgz")
    if low.endswith(_SIGNAL_SUFFIXES):
        return SignalTrack(p)
    if stem.endswith(_FEATURE_SUFFIXES):
        return FeatureTrack(p)
    if stem.endswith(_VARIANT_SUFFIXES):
        return VariantTrack(p)
    if stem.endswith(_FASTA_SUFFIXES):
        return SequenceTrack(p)
    raise InputError(
        "unknown track type (expected .bw, .bed, .narrowPeak, .gtf, .vcf[.gz], .fa[.gz])", path=str(p)
    )


# ---- the set of loaded tracks -------------------------------------------------------------------


@dataclass
class TrackSet:
    """The loaded tracks, in display order, and queries across them."""

    tracks: list[Track] = field(default_factory=list)

    def add(self, track: Track) -> None:
        self.tracks.append(track)

    @property
    def contigs(self) -> dict[str, int | None]:
        """Contig -> length over all tracks (the longest known; None when no file knows it)."""
        merged: dict[str, int | None] = {}
        for track in sorted(self.tracks, key=lambda t: t.kind != "sequence"):  # FASTA order first
            for name, length in track.contigs.items():
                known = normalize_chrom(name, merged) or name
                old = merged.get(known)
                merged[known] = max(length, old) if (length is not None and old is not None) else (length or old)
        for track in self._indexed():
            for chrom, items in track.index.by_chrom.items():
                known = normalize_chrom(chrom, merged) or chrom
                if merged.get(known) is None:
                    merged[known] = None
        return merged

    def length(self, chrom: str) -> int | None:
        return self.contigs.get(chrom)

    def _indexed(self) -> list[FeatureTrack | VariantTrack]:
        return [t for t in self.tracks if t.kind in ("feature", "variant")]

    def items(self) -> list[Item]:
        """Every feature and variant of every track (the side table's rows)."""
        return [item for track in self._indexed() for item in track.index]

    def find(self, name: str) -> Item | None:
        """The first feature or variant named ``name`` (case-insensitive), in track order."""
        for track in self._indexed():
            item = track.index.find(name)
            if item is not None:
                return item
        return None

    def find_locus(self, name: str) -> Locus | None:
        item = self.find(name)
        return None if item is None else item.locus()

    def next_item(self, locus: Locus, *, reverse: bool = False, after: Item | None = None) -> Item | None:
        """The nearest item (over all feature/variant tracks) right of the view's centre (left
        with ``reverse``), continuing onto the following contigs in contig order.

        With ``after`` (the item the view was opened on) the search starts from that item
        instead, so items with (nearly) the same centre are visited one by one, not skipped.
        """
        order = list(self.contigs)
        indexed = self._indexed()
        chrom = after.chrom if after is not None else locus.chrom
        pos = order.index(chrom) if chrom in order else 0
        if after is not None:
            key = after.order_key
        else:
            centre2 = locus.start + locus.end
            # (c,) sorts before every key with centre c; (c, inf) after every one.
            key = (centre2,) if reverse else (centre2, math.inf)
        candidates = order[pos::-1] if reverse else order[pos:]
        for k, contig in enumerate(candidates):
            found = []
            for track in indexed:
                tchrom = normalize_chrom(contig, track.index.by_chrom) or contig
                if k == 0:
                    item = track.index.before(tchrom, key) if reverse else track.index.after(tchrom, key)
                else:
                    item = track.index.last(tchrom) if reverse else track.index.first(tchrom)
                if item is not None:
                    found.append(item)
            if found:
                return (max if reverse else min)(found, key=lambda i: i.order_key)
        return None

    def view(self, locus: Locus, n_cols: int) -> list[TrackView]:
        """What to draw for ``locus`` over ``n_cols`` columns, one entry per track, in order.

        The sequence is fetched only at base level (``locus.width <= n_cols``).
        """
        views: list[TrackView] = []
        for track in self.tracks:
            if track.kind == "signal":
                views.append(track.signal(locus, n_cols))
            elif track.kind == "sequence":
                views.append(SequenceView(track.name, track.sequence(locus) if locus.width <= n_cols else None))
            else:
                chrom = normalize_chrom(locus.chrom, track.index.by_chrom) or locus.chrom
                items = track.index.overlapping(chrom, locus.start, locus.end)
                views.append(FeatureView(track.name, track.kind, tuple(items)))
        return views


# ---- helpers ----------------------------------------------------------------------------------


def parse_genebert_info(entries: Iterable[str]) -> Iterator[GeneBertDelta]:
    """Parse ``ALLELE|OUTPUT|REF|ALT|DELTA`` entries (``.`` or a malformed number -> None)."""
    for entry in entries:
        parts = entry.split("|")
        if len(parts) != 5:
            continue
        yield GeneBertDelta(parts[0], parts[1], _float(parts[2]), _float(parts[3]), _float(parts[4]))


def parse_skip_info(entries: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``GENEBERT_SKIP`` entries as (allele, reason); an entry without ``|`` applies to all."""
    for entry in entries:
        allele, sep, reason = entry.partition("|")
        yield (allele, reason) if sep else (".", allele)


def _info(rec, key: str) -> list[str]:
    if key not in rec.header.info or key not in rec.info:
        return []
    value = rec.info[key]
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (tuple, list)):
        return [str(v) for v in value if v is not None]
    return str(value).split(",")


def _info_text(value) -> str:
    """An INFO value as text; floats (float32 inside pysam) to 6 significant digits."""
    if isinstance(value, (tuple, list)):
        return ",".join(map(_info_text, value))
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _fmt(value: float | None) -> str:
    return "." if value is None else f"{value:.4g}"


def _gtf_attributes(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for part in text.strip().rstrip(";").split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" in part and " " not in part.split("=", 1)[0]:  # GFF3 key=value
            key, _, value = part.partition("=")
        else:
            key, _, value = part.partition(" ")
        attrs.setdefault(key, value.strip().strip('"'))
    return attrs


def _bed_names(fields: tuple[str, ...], narrowpeak: bool) -> tuple[str, ...]:
    """Standard column names where the columns look standard, ``columnN`` past that."""
    if narrowpeak:
        return NARROWPEAK_COLUMNS
    # BED6+N files (extra columns of any kind) are common: thickStart must be a number.
    if len(fields) > 6 and not fields[6].isdigit():
        return BED_COLUMNS[:6]
    return BED_COLUMNS


def _comment_header(path: Path) -> tuple[str, ...] | None:
    """Column names from the last ``#chrom<TAB>start<TAB>end...`` line before the first record."""
    from genebert_tool.genome.io import open_text

    header = None
    with open_text(path) as fh:
        for line in fh:
            if line.startswith(("track", "browser")):
                continue
            if not line.startswith("#"):
                break
            names = line.lstrip("#").rstrip("\r\n").split("\t")
            if len(names) >= 3:
                header = tuple(n.strip() for n in names)
    return header


_INPUT_COLUMNS = frozenset(BED_COLUMNS + NARROWPEAK_COLUMNS + ("region",))


def _is_input_column(name: str) -> bool:
    """Columns an input BED brings (named or ``colN``), as opposed to model outputs."""
    return name in _INPUT_COLUMNS or re.fullmatch(r"col(umn)?\d+", name) is not None


def _iter_regions(path: Path, owner: FeatureTrack, *, bed_semantics: bool = True):
    """Regions from the genome package's BED reader (``bed_semantics``) or, for a table with a
    header, from its first three columns; malformed lines are counted in ``owner.skipped``."""
    from genebert_tool.genome.intervals import RejectLog

    try:
        from genebert_tool.genome.bed import iter_bed
    except ImportError:  # pragma: no cover - written alongside; the reader below stands in
        iter_bed = _iter_bed_minimal
    rejects = RejectLog()
    yield from (iter_bed if bed_semantics else _iter_bed_minimal)(str(path), rejects=rejects)
    owner.skipped += len(rejects)


def _iter_bed_minimal(source: str, *, rejects):
    """chrom, start, end (and the raw fields) of each data line; nothing else is interpreted."""
    from genebert_tool.genome.intervals import Region
    from genebert_tool.genome.io import open_text

    with open_text(source) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = tuple(line.rstrip("\r\n").split("\t"))
            try:
                start, end = int(fields[1]), int(fields[2])
                if end < start or start < 0:
                    raise ValueError(f"bad interval {start}-{end}")
            except (IndexError, ValueError) as exc:
                rejects.add(source, lineno, str(exc), line.rstrip("\r\n"))
                continue
            yield Region(fields[0], start, end, None, None, ".", fields, lineno)


def _pad_fetch(fasta, contigs: dict[str, int | None], chrom: str, start: int, end: int) -> str:
    length = contigs[chrom] or 0
    left = max(0, -start)
    lo, hi = max(0, start), min(end, length)
    body = str(fasta[chrom][lo:hi]) if hi > lo else ""
    return "N" * left + body + "N" * max(0, end - start - left - len(body))
