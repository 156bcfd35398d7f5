"""Feature and variant tracks: BED / narrowPeak / GTF and VCF files, held in memory per contig.

These are annotation outputs and gene lists, small next to a bigWig: the side table lists them,
names are looked up in them, and ``n``/``p`` walk them. Coordinates are 0-based half-open.
No Textual, no torch.
"""

from __future__ import annotations

import bisect
import os
import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path

from genebert_tool.errors import InputError
from genebert_tool.formats import schema
from genebert_tool.formats.schema import BED_COLUMNS, NARROWPEAK_COLUMNS
from genebert_tool.tui.records import Item, fmt_score, parse_genebert_info, parse_skip_info, to_float

def check_readable(path: Path) -> None:
    """Raise InputError (not an OSError from deep inside a C library) for a file we cannot open."""
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if not path.is_file():
        raise InputError("not a regular file", path=str(path))
    if not os.access(path, os.R_OK):
        raise InputError("permission denied", path=str(path))


class ItemIndex:
    """Items sorted per contig, with overlap queries and next/previous by start."""

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
        self._sorted_names = sorted(self._names)

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

    def starting_with(self, prefix: str, limit: int = 20) -> list[Item]:
        """Up to ``limit`` items whose names start with ``prefix`` (case-insensitive), by name."""
        key = prefix.casefold()
        lo = bisect.bisect_left(self._sorted_names, key)
        found = []
        for name in self._sorted_names[lo : lo + limit]:
            if not name.startswith(key):
                break
            found.append(self._names[name])
        return found

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
        self.first_reject: tuple[int, str] | None = None  # (line, reason) of the first one
        stem = self.name.lower().removesuffix(".gz")
        if stem.endswith((".gtf", ".gff", ".gff3")):
            from genebert_tool.tui.gtf import read_gtf

            items = list(read_gtf(self.path, self))
        else:
            items = list(self._read_bed(narrowpeak=stem.endswith((".narrowpeak", ".broadpeak"))))
        if not items:
            if self.first_reject is not None:
                line, reason = self.first_reject
                raise InputError(f"no features found: {self.skipped:,} malformed line(s), the first: {reason}",
                                 path=str(path), line=line)
            raise InputError("no features found", path=str(path))
        self.index = ItemIndex(items)
        # No lengths in a BED: the furthest feature end is a lower bound.
        self.contigs: dict[str, int | None] = {c: None for c in self.index.by_chrom}

    def reject(self, line: int, reason: str) -> None:
        self.skipped += 1
        if self.first_reject is None:
            self.first_reject = (line, reason)

    def _read_bed(self, *, narrowpeak: bool) -> Iterator[Item]:
        """BED rows. With a ``#chrom start end ...`` header (``genebert annotate``'s scored BED:
        the input columns, then one column per model output) the header names the columns, the
        name comes from a ``name`` (or ``region``) column, and the score is the largest output.
        A ``.`` score is no score. ``useScore=1`` on the track line shades blocks by score, and an
        ``r,g,b`` itemRgb colours them."""
        header, track_line = _preamble(self.path)
        use_score = track_line.get("useScore") == "1"
        # A headed table's 4th-6th columns need not be BED name/score/strand (BED3 input +
        # outputs): only chrom/start/end are read as BED then.
        for region in _iter_regions(self.path, self, bed_semantics=header is None):
            fields = region.fields
            names = header or _bed_names(fields, narrowpeak)
            cols = tuple((names[k] if k < len(names) else f"column{k + 1}", v) for k, v in enumerate(fields))
            label = f"{region.chrom}:{region.start + 1}-{region.end}"
            named = dict(cols)
            if header is None:
                name, strand, score = region.name or label, region.strand, region.score
                score_of = "score" if score is not None else ""
            else:
                name = named.get("name") or named.get("region") or label
                strand = named.get("strand", ".")
                outputs = [(schema.output_name(n), to_float(v)) for n, v in cols
                           if not schema.is_input_column(n) and not schema.is_fpr_column(n)]  # FPRs are not scores
                outputs = [(n, v) for n, v in outputs if v is not None]
                if outputs:
                    best, score = max(outputs, key=lambda o: o[1])
                    score_of = best if len(outputs) == 1 else f"{best} (max of {len(outputs)} outputs)"
                else:
                    score, score_of = to_float(named.get("score")), "score"
            colour = _rgb(named.get("itemRgb")) or (_shade(score) if use_score else None)
            blocks = _blocks(region.start, region.end, named) if len(fields) >= 12 else ()
            yield Item(self.name, "feature", region.chrom, region.start, region.end, name, score, strand, cols,
                       score_of=score_of, blocks=blocks, colour=colour, line=region.line)


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
        deltas = tuple(parse_genebert_info(_info(rec, schema.INFO_SCORES)))
        skips = tuple(parse_skip_info(e for e in _info(rec, schema.INFO_SKIP) if e != schema.MISSING))
        # GENEBERT_RISK (one per ALT) is annotate's own pick of the delta that matters; without
        # it, the delta of largest magnitude.
        risk_outputs = _info(rec, schema.INFO_RISK_OUTPUT)
        risks = [(r, risk_outputs[k] if k < len(risk_outputs) else "")
                 for k, r in enumerate(map(to_float, _info(rec, schema.INFO_RISK))) if r is not None]
        scored = [(d.delta, d.output) for d in deltas if d.delta is not None]
        score, of = max(risks or scored, key=lambda s: abs(s[0])) if (risks or scored) else (None, "")
        score_of = "" if score is None else (f"{of} (GENEBERT_RISK)" if risks else f"{of} (largest delta)")
        alts = ",".join(rec.alts or ())
        cols = [("CHROM", rec.chrom), ("POS", str(rec.pos)), ("ID", rec.id or "."), ("REF", rec.ref),
                ("ALT", alts or "."), ("QUAL", "." if rec.qual is None else f"{rec.qual:g}"),
                ("FILTER", ";".join(rec.filter.keys()) or ".")]
        for key in rec.info.keys():
            if key not in (schema.INFO_SCORES, schema.INFO_SKIP, schema.INFO_MOTIF):
                cols.append((key, _info_text(rec.info[key])))
        for d in deltas:
            cols.append((f"{d.output} {d.allele}", f"ref {fmt_score(d.ref)}  alt {fmt_score(d.alt)}  delta {fmt_score(d.delta)}"))
        for m in schema.parse_motif_entries(_info(rec, schema.INFO_MOTIF)):  # motifs the ALT creates/destroys
            cols.append((f"motif {m.motif} {m.allele}",
                         f"{m.change}  ref {fmt_score(m.ref)}  alt {fmt_score(m.alt)} bits"))
        for alt, reason in skips:
            cols.append((f"skipped {alt}", reason))
        name = rec.id or f"{rec.chrom}:{rec.pos}{rec.ref}>{alts}"
        return Item(self.name, "variant", rec.chrom, rec.start, rec.stop, name, score, ".",
                    tuple(cols), deltas, skips, score_of=score_of)


def _info(rec, key: str) -> list[str]:
    if key not in rec.header.info or key not in rec.info:
        return []
    value = rec.info[key]
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (tuple, list)):
        return [schema.MISSING if v is None else str(v) for v in value]
    return str(value).split(",")


def _info_text(value) -> str:
    """An INFO value as text; floats (float32 inside pysam) to 6 significant digits, ``.`` for a
    missing value (pysam gives None for the ``.`` of a Number=A list)."""
    if value is None:
        return schema.MISSING
    if isinstance(value, (tuple, list)):
        return ",".join(map(_info_text, value))
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _bed_names(fields: tuple[str, ...], narrowpeak: bool) -> tuple[str, ...]:
    """Standard column names where the columns look standard, ``columnN`` past that."""
    if narrowpeak:
        return NARROWPEAK_COLUMNS
    # BED6+N files (extra columns of any kind) are common: thickStart must be a number.
    if len(fields) > 6 and not fields[6].isdigit():
        return BED_COLUMNS[:6]
    return BED_COLUMNS


def _preamble(path: Path) -> tuple[tuple[str, ...] | None, dict[str, str]]:
    """Column names from the last ``#chrom<TAB>start<TAB>end...`` line before the first record,
    and the ``key=value`` settings of a ``track`` line."""
    from genebert_tool.genome.io import open_text

    header, track = None, {}
    with open_text(path) as fh:
        for line in fh:
            if line.startswith("track"):
                try:
                    words = shlex.split(line)
                except ValueError:
                    words = line.split()
                track = dict(w.split("=", 1) for w in words[1:] if "=" in w)
                continue
            if line.startswith("browser"):
                continue
            if not line.startswith("#"):
                break
            names = line.lstrip("#").rstrip("\r\n").split("\t")
            if len(names) >= 3:
                header = tuple(n.strip() for n in names)
    return header, track


def _rgb(text: str | None) -> str | None:
    """An itemRgb ``r,g,b`` as a Rich colour (None for ``0``, ``.`` or anything else)."""
    parts = (text or "").split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        return None
    r, g, b = (min(255, int(p)) for p in parts)
    return f"rgb({r},{g},{b})"


def _shade(score: float | None) -> str | None:
    """useScore=1: a grey whose brightness grows with the score (0-1000), as on UCSC's scale
    (there darker on white, here brighter on a dark terminal)."""
    if score is None:
        return None
    level = 70 + round(185 * min(max(score, 0.0), 1000.0) / 1000.0)
    return f"rgb({level},{level},{level})"


def _blocks(start: int, end: int, named: dict[str, str]) -> tuple[tuple[int, int], ...]:
    """BED12 exons as absolute ``(start, end)``; () when there is one block or the columns do not
    describe blocks inside the feature."""
    try:
        count = int(named.get("blockCount", ""))
        sizes = [int(x) for x in named.get("blockSizes", "").strip(",").split(",")]
        starts = [int(x) for x in named.get("blockStarts", "").strip(",").split(",")]
    except ValueError:
        return ()
    if count < 2 or len(sizes) != count or len(starts) != count:
        return ()
    blocks = tuple(sorted((start + s, start + s + z) for s, z in zip(starts, sizes)))
    if any(b0 < start or b1 > end or b1 <= b0 for b0, b1 in blocks):
        return ()
    return blocks


def _iter_regions(path: Path, owner: FeatureTrack, *, bed_semantics: bool = True):
    """Regions from the genome package's BED reader (``bed_semantics``) or, for a table with a
    header, from its first three columns; malformed lines are counted in ``owner.skipped``."""
    from genebert_tool.genome.bed import iter_bed
    from genebert_tool.genome.intervals import RejectLog

    rejects = RejectLog()
    yield from (iter_bed if bed_semantics else _iter_bed_minimal)(str(path), rejects=rejects)
    for reject in rejects:
        owner.reject(reject.line, reject.reason)


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
