"""Feature and variant tracks: BED / narrowPeak / GTF and VCF files, held in memory per contig.

These are annotation outputs and gene lists, small next to a bigWig: the side table lists them,
names are looked up in them, and ``n``/``p`` walk them. Coordinates are 0-based half-open.
No Textual, no torch.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.tui.records import Item, fmt_score, parse_genebert_info, parse_skip_info, to_float

BED_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "thickStart", "thickEnd",
               "itemRgb", "blockCount", "blockSizes", "blockStarts")
NARROWPEAK_COLUMNS = ("chrom", "start", "end", "name", "score", "strand", "signalValue",
                      "pValue", "qValue", "peak")
GTF_COLUMNS = ("seqname", "source", "feature", "start", "end", "score", "strand", "frame",
               "attribute")


def check_readable(path: Path) -> None:
    """Raise InputError (not an OSError from deep inside a C library) for a file we cannot open."""
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if not path.is_file():
        raise InputError("not a regular file", path=str(path))
    if not os.access(path, os.R_OK):
        raise InputError("permission denied", path=str(path))


class ItemIndex:
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
        check_readable(self.path)
        self.skipped = 0  # malformed lines left out (reported by the app as a warning)
        stem = self.name.lower().removesuffix(".gz")
        if stem.endswith((".gtf", ".gff", ".gff3")):
            items = list(self._read_gtf())
        else:
            items = list(self._read_bed(narrowpeak=stem.endswith((".narrowpeak", ".broadpeak"))))
        if not items:
            raise InputError("no features found", path=str(path))
        self.index = ItemIndex(items)
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
                    score = next((f for f in map(to_float, fields[6:]) if f is not None), None)
            else:
                named = dict(cols)
                name = named.get("name") or named.get("region") or label
                strand = named.get("strand", ".")
                outputs = [to_float(v) for n, v in cols if not _is_input_column(n)]
                outputs = [v for v in outputs if v is not None]
                score = max(outputs) if outputs else to_float(named.get("score", ""))
            yield Item(self.name, "feature", region.chrom, region.start, region.end, name, score, strand, cols)

    def _read_gtf(self) -> Iterator[Item]:
        from genebert_tool.genome.io import open_text

        # A GTF with gene records is drawn as genes (not every exon and transcript).
        with open_text(self.path) as fh:
            genes_only = any(line.split("\t", 3)[2:3] == ["gene"] for line in fh)
        with open_text(self.path) as fh:
            for line in fh:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\r\n").split("\t")
                if len(parts) != 9:
                    self.skipped += 1
                    continue
                if genes_only and parts[2] != "gene":
                    continue
                try:  # GTF is 1-based inclusive
                    start, end = int(parts[3]) - 1, int(parts[4])
                except ValueError:
                    self.skipped += 1
                    continue
                attrs = _gtf_attributes(parts[8])
                name = (attrs.get("gene_name") or attrs.get("Name") or attrs.get("transcript_name")
                        or attrs.get("gene_id") or attrs.get("ID") or f"{parts[0]}:{start + 1}-{end}")
                cols = tuple(zip(GTF_COLUMNS[:8], parts[:8])) + tuple(attrs.items())
                yield Item(self.name, "feature", parts[0], start, end, name, to_float(parts[5]), parts[6], cols)


class VariantTrack:
    """A VCF (plain, bgzipped or BCF), with ``GENEBERT`` deltas and ``GENEBERT_SKIP`` reasons."""

    kind = "variant"

    def __init__(self, path: str | os.PathLike) -> None:
        import pysam

        self.path = Path(path)
        self.name = self.path.name
        check_readable(self.path)
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
        self.index = ItemIndex(items)

    def _item(self, rec) -> Item:
        deltas = tuple(parse_genebert_info(_info(rec, "GENEBERT")))
        skips = tuple(parse_skip_info(_info(rec, "GENEBERT_SKIP")))
        # GENEBERT_RISK (one per ALT) is annotate's own pick of the delta that matters; without
        # it, the delta of largest magnitude.
        risks = [r for r in map(to_float, _info(rec, "GENEBERT_RISK")) if r is not None]
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
            cols.append((f"{d.output} {d.allele}", f"ref {fmt_score(d.ref)}  alt {fmt_score(d.alt)}  delta {fmt_score(d.delta)}"))
        for alt, reason in skips:
            cols.append((f"skipped {alt}", reason))
        name = rec.id or f"{rec.chrom}:{rec.pos}{rec.ref}>{alts}"
        return Item(self.name, "variant", rec.chrom, rec.start, rec.stop, name, score, ".",
                    tuple(cols), deltas, skips)


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
