"""BED and FASTA input: one output row per region / record, or per tile with ``--tile``.

Per row, every region-level model scores one window centred on the row; a splice model scores
one window centred on each position of the row (every ``--step`` bases, default 1) and the row
gets the maximum over positions, while the per-position values become the splice tracks. Rows on
the ``-`` strand (BED column 6) are scored on the reverse complement, centred the same way in that
orientation (``windows.stranded_window``); ``+`` and ``.`` rows and FASTA records on the sequence
as given.

Outputs (``-o PREFIX``):

* BED input: ``PREFIX.bed`` -- the input columns, then one column per output (``#`` header line
  naming every column; with ``--tile``: ``chrom, start, end, region`` of each tile instead);
  ``PREFIX.<output>.bed`` -- BED6 view per output, score = round(1000 * p);
  ``PREFIX.<output>.bw`` (and ``.bedGraph`` with ``--tracks bedgraph``) -- one track per output.
* FASTA input: ``PREFIX.tsv`` (``name, start, end`` + outputs; one row per record, or per tile),
  plus tracks along each sequence with ``--tile`` (and for splice models, always).
* ``PREFIX.rejected.tsv``: every record not scored, with its line and reason.

Models with a ``background.json`` add an ``<output>.bgfpr`` column after each probability column
of the table, and ``--tracks bgfpr`` ``-log10`` FPR bigWigs (``annotate.calibration``).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from genebert_tool.annotate import calibration
from genebert_tool.annotate.gaps import MIN_GAP, Gaps, find_gaps
from genebert_tool.annotate.models import ScoringModel
from genebert_tool.annotate.options import (
    AnnotateOptions,
    AnnotateSummary,
    header_comments,
    output_prefix,
    progress_bar,
    rejects_path,
)
from genebert_tool.annotate.restrict import Restriction
from genebert_tool.annotate.tracks import TrackSpool
from genebert_tool.annotate.windows import iter_tiles, reverse_complement, slice_padded
from genebert_tool.genome.windows import stranded_window
from genebert_tool.errors import InputError, ModelError
from genebert_tool.formats import schema
from genebert_tool.genome.intervals import RejectLog
from genebert_tool.genome.io import display_name
from genebert_tool.writers.tracks import track_formats


@dataclass(slots=True)
class Row:
    """One output row: the interval scored, its label, and the leading output columns."""

    chrom: str
    start: int
    end: int
    label: str
    strand: str
    lead: tuple
    seq: str | None = None  # FASTA rows: the whole record the row lies on
    gaps: Gaps | None = None  # assembly gaps over the record's scored span (annotate.gaps), if looked for


class _Counter:
    def __init__(self) -> None:
        self.n = 0
        self.first_lead = 0  # columns of the first BED record read (kept or not): an empty shard's header


def _rejects(options: AnnotateOptions, summary: AnnotateSummary, restriction: Restriction | None):
    """Where the reader puts rejects: nowhere (fatal) with --strict; a scratch log in a shard that does not
    report them (the last shard does, so shards' rejects add up to the unsharded run's)."""
    if options.strict:
        return None
    return summary.rejects if restriction is None or restriction.owns_unplaced else RejectLog()


def _kept(rows: list[Row], restriction: Restriction | None) -> list[Row]:
    return rows if restriction is None else [r for r in rows if restriction.keep(r.chrom, r.start)]


def _without_gaps(rows: list[Row], fetch, summary: AnnotateSummary, tiled: bool) -> list[Row] | None:
    """``rows`` (one record's, on one contig) less the tiles wholly inside an assembly gap, each row told the
    gaps of the span (``annotate.gaps``); None when nothing is left to score (a reject): an untiled record
    wholly inside a gap, or a record all of whose tiles are."""
    if not rows:
        return rows
    gaps = find_gaps(fetch, min(r.start for r in rows), max(r.end for r in rows))
    if len(gaps):
        inside = gaps.covers([r.start for r in rows], [r.end for r in rows])
        if inside.any():
            if not tiled or inside.all():
                return None
            summary.gap_tiles += int(inside.sum())
            rows = [r for r, gap in zip(rows, inside.tolist()) if not gap]
        for r in rows:
            r.gaps = gaps
    return rows


def _gap_reject(options: AnnotateOptions, summary: AnnotateSummary, restriction, name: str, line: int, text: str):
    reason = f"inside an assembly gap (a run of >= {MIN_GAP} bases with no A/C/G/T): not scored; --score-gaps scores it"
    if options.strict:
        raise InputError(reason, path=name, line=line)
    log = _rejects(options, summary, restriction)
    if log is not None:
        log.add(name, line, reason, text)


def _bed_rows(options: AnnotateOptions, genome, summary: AnnotateSummary, counter: _Counter, bar,
              restriction: Restriction | None = None, gap_check: bool = False) -> Iterator[Row]:
    from genebert_tool.genome.bed import iter_bed

    name = display_name(options.input)
    regions = iter_bed(options.input, genome=genome, rejects=_rejects(options, summary, restriction),
                       max_records=options.max_records)  # counts every record read, valid or not
    n_cols = None
    for region in regions:
        bar.update(1)
        counter.first_lead = counter.first_lead or len(region.fields)
        if n_cols is None:
            n_cols = len(region.fields)
        elif len(region.fields) != n_cols:
            reason = f"{len(region.fields)} columns but the first record has {n_cols} (one output layout is needed)"
            if options.strict:
                raise InputError(reason, path=name, line=region.line)
            summary.rejects.add(name, region.line, reason, "\t".join(region.fields))
            continue
        if options.tile:
            rows = [Row(region.chrom, ts, te, f"{region.chrom}:{ts}-{te}", region.strand,
                        (region.fields[0], ts, te, region.label))
                    for ts, te in iter_tiles(region.start, region.end, options.tile, options.step or options.tile)]
        else:
            rows = [Row(region.chrom, region.start, region.end, region.label, region.strand, region.fields)]
        rows = _kept(rows, restriction)
        if rows and gap_check:
            rows = _without_gaps(rows, lambda a, b, c=region.chrom: genome.fetch(c, a, b), summary, bool(options.tile))
            if rows is None:
                _gap_reject(options, summary, restriction, name, region.line, "\t".join(region.fields))
                continue
        if rows:  # a record outside --region/--shard is neither scored nor counted
            counter.n += 1
            yield from rows


def _fasta_rows(options: AnnotateOptions, summary: AnnotateSummary, counter: _Counter, bar,
                sizes: list[tuple[str, int]], unique: bool, restriction: Restriction | None = None,
                gap_check: bool = False) -> Iterator[Row]:
    from genebert_tool.genome.sequences import iter_fasta_records

    name = display_name(options.input)
    seen: set[str] = set()
    records = iter_fasta_records(options.input, rejects=_rejects(options, summary, restriction),
                                 max_records=options.max_records)
    for line, record_name, seq in records:
        bar.update(1)
        if unique:
            if record_name in seen:
                reason = f"duplicate sequence name {record_name!r} (tracks need unique names)"
                if options.strict:
                    raise InputError(reason, path=name, line=line)
                summary.rejects.add(name, line, reason, f">{record_name}")
                continue
            seen.add(record_name)
        sizes.append((record_name, len(seq)))
        if options.tile:
            rows = [Row(record_name, ts, te, f"{record_name}:{ts}-{te}", ".", (record_name, ts, te), seq)
                    for ts, te in iter_tiles(0, len(seq), options.tile, options.step or options.tile)]
        else:
            rows = [Row(record_name, 0, len(seq), record_name, ".", (record_name, 0, len(seq)), seq)]
        rows = _kept(rows, restriction)
        if rows and gap_check:
            rows = _without_gaps(rows, lambda a, b, q=seq: slice_padded(q, a, b), summary, bool(options.tile))
            if rows is None:
                _gap_reject(options, summary, restriction, name, line, f">{record_name}")
                continue
        if rows:
            counter.n += 1
            yield from rows


Fetch = Callable[[list[tuple[Row, int, int]]], list[str]]


def score_rows(
    rows: list[Row],
    models: list[ScoringModel],
    fetch: Fetch,
    *,
    step: int = 1,
    batch_size: int = 256,
    piece: int = 2048,
    position_spools: list[TrackSpool] | None = None,
) -> tuple[np.ndarray, int, int]:
    """Scores ``(len(rows), n_columns)`` float32 for one chunk of rows, the number of windows, and the number
    of positions not scored because they lie in an assembly gap (``Row.gaps``).

    Region-level models: one centred window per row. Per-position (splice) models: one window per
    position (every ``step`` bases, less those inside the row's gaps, unless that leaves none),
    ``piece`` windows at a time; the row value is the maximum and each position's values go to the
    model's spool in ``position_spools`` (same order as the per-position models), when given.
    """
    n_cols = sum(len(m.columns) for m in models)
    values = np.zeros((len(rows), n_cols), dtype=np.float32)
    windows = skipped = 0
    off = 0
    pos_models = [m for m in models if m.per_position]
    for m in models:
        k, length = len(m.columns), m.window_bp
        if not m.per_position:
            requests = [(r, *stranded_window(r.start, r.end, length, r.strand)) for r in rows]
            seqs = [reverse_complement(s) if r.strand == "-" else s for r, s in zip(rows, fetch(requests))]
            values[:, off : off + k] = m.score(seqs, batch_size=batch_size)
            windows += len(requests)
        else:
            spool = position_spools[pos_models.index(m)] if position_spools else None
            row_pos = [_scored_positions(r, step) for r in rows]
            skipped = sum(len(range(r.start, r.end, step)) - len(p) for r, p in zip(rows, row_pos))
            row_idx = np.repeat(np.arange(len(rows)), [len(p) for p in row_pos])
            pos = np.concatenate(row_pos)
            best = np.full((len(rows), k), -np.inf, dtype=np.float32)
            if getattr(m.predictor, "per_base", False):  # a per-base head: one pass per span, no window per base
                windows += _score_spans(m, rows, row_idx, pos, fetch, best, spool, batch_size, step)
                values[:, off : off + k] = best
                off += k
                continue
            for a in range(0, len(pos), piece):
                ri, pp = row_idx[a : a + piece], pos[a : a + piece]
                runs = np.flatnonzero(np.r_[True, ri[1:] != ri[:-1]])
                bounds = np.r_[runs, len(ri)]
                # one fetch per row run, sliced per position: far cheaper than one fetch per window
                shifts = [stranded_window(0, 1, length, rows[ri[s]].strand)[0] for s in bounds[:-1]]
                spans = fetch([(rows[ri[s]], int(pp[s]) + sh, int(pp[e - 1]) + sh + length)
                               for s, e, sh in zip(bounds[:-1], bounds[1:], shifts)])
                seqs: list[str] = []
                for (s, e), span in zip(zip(bounds[:-1], bounds[1:]), spans):
                    base = int(pp[s])
                    cut = [span[p - base : p - base + length] for p in pp[s:e].tolist()]
                    seqs.extend(map(reverse_complement, cut) if rows[ri[s]].strand == "-" else cut)
                scores = m.score(seqs, batch_size=batch_size)
                windows += len(seqs)
                reduced = np.maximum.reduceat(scores, runs, axis=0)
                best[ri[runs]] = np.maximum(best[ri[runs]], reduced)
                if spool is not None:
                    for s, e in zip(bounds[:-1], bounds[1:]):
                        spool.add(rows[ri[s]].chrom, pp[s:e], pp[s:e] + 1, scores[s:e])
            values[:, off : off + k] = best
        off += k
    return values, windows, skipped


def _scored_positions(row: Row, step: int) -> np.ndarray:
    """The row's positions (every ``step`` bases) outside its gaps; all of them if none is outside."""
    pos = np.arange(row.start, row.end, step, dtype=np.int64)
    if row.gaps is not None and len(row.gaps):
        outside = pos[~row.gaps.contains(pos)]
        if len(outside):
            return outside
    return pos


#: a per-base model scores a long stretch in pieces of this many windows (a multiple of its scored bases, so
#: the windows are the ones one pass over the whole stretch would take: identical scores), so memory stays
#: flat on a chromosome-long row: 512 windows of 400 scored bases = 204,800 bases per piece
SPAN_PIECE_WINDOWS = 512


def _score_spans(m: ScoringModel, rows, row_idx, pos, fetch, best, spool, batch_size, step: int = 1) -> int:
    """Per-base model: score each row's span (``score_span``) piece by piece, keep its ``--step`` positions."""
    n_windows = 0
    piece = m.predictor.n_scored * SPAN_PIECE_WINDOWS
    for i in np.unique(row_idx):
        r = rows[int(i)]
        pp_all = pos[row_idx == i]
        fetch_one = lambda a, b, row=r: fetch([(row, a, b)])[0]  # noqa: E731
        # one pass per stretch between gaps (positions a gap took out leave a jump of more than --step)
        cuts = np.flatnonzero(np.diff(pp_all) > step) + 1
        for stretch in np.split(pp_all, cuts):
            first, last = int(stretch[0]), int(stretch[-1]) + 1
            bounds = np.searchsorted(stretch, np.arange(first, last + piece, piece))  # stretch is sorted
            for j, lo in enumerate(range(first, last, piece)):
                hi = min(last, lo + piece)
                pp = stretch[bounds[j] : bounds[j + 1]]
                if not len(pp):
                    continue
                full = m.predictor.score_span(fetch_one, lo, hi, strand=r.strand if r.strand in "+-" else ".",
                                              batch_size=min(batch_size, 64))
                n_windows += -(-(hi - lo) // m.predictor.n_scored)
                scores = np.ascontiguousarray(full[pp - lo][:, m.keep], dtype=np.float32)
                if not np.isfinite(scores).all():
                    raise ModelError(f"model {m.name} {m.version} returned a non-finite score (NaN or infinity): its "
                                     f"weights are damaged (sha256 {m.sha256})")
                best[int(i)] = np.maximum(best[int(i)], scores.max(axis=0))
                if spool is not None:
                    spool.add(r.chrom, pp, pp + 1, scores)
    return n_windows


class RegionRunner:
    """Annotate a BED or FASTA input (module docstring) for ``pipeline.annotate``, which drives it:
    ``with runner: for chunk in chunked(runner.items(), budget, runner.cost): runner.process(chunk)``,
    then ``runner.finish()`` inside the ``with``. Fills ``summary``."""

    def __init__(self, options: AnnotateOptions, fmt: str, models: list[ScoringModel], genome,
                 summary: AnnotateSummary, restriction: Restriction | None = None) -> None:
        self.options, self.fmt, self.models, self.genome, self.summary = options, fmt, models, genome, summary
        self.restriction = restriction
        self.prefix = output_prefix(options.output)
        self.pos_step = 1 if options.tile else (options.step or 1)  # --step is the tile step when tiling
        self.region_models = [m for m in models if not m.per_position]
        self.pos_models = [m for m in models if m.per_position]
        self.columns = [c for m in models for c in m.columns]
        self.region_columns = [c for m in self.region_models for c in m.columns]
        want_tracks = bool(track_formats(options.tracks, "signal"))
        self.region_tracks = want_tracks and bool(self.region_models) and (fmt == "bed" or bool(options.tile))
        self.pos_tracks = want_tracks and bool(self.pos_models)
        self.comments = header_comments(options, fmt, models)
        self.fasta_sizes: list[tuple[str, int]] = []
        self.counter = _Counter()
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> RegionRunner:
        from pathlib import Path

        from genebert_tool.annotate.fetch import WindowFetcher

        options, stack = self.options, self._stack.__enter__()
        try:
            self.bar = stack.enter_context(progress_bar(options, "records"))
            if self.fmt == "bed":
                fetcher = stack.enter_context(WindowFetcher(self.genome, options.workers))
                self.fetch = lambda requests: fetcher.fetch_many([(r.chrom, s, e) for r, s, e in requests])
            else:
                self.fetch = lambda requests: [slice_padded(r.seq, s, e) for r, s, e in requests]
            workdir = Path(self.prefix).parent
            self.region_spool = (stack.enter_context(TrackSpool(len(self.region_columns), workdir))
                                 if self.region_tracks else None)
            self.pos_spools = ([stack.enter_context(TrackSpool(len(m.columns), workdir)) for m in self.pos_models]
                               if self.pos_tracks else [])
            self.table = None
            self.row_tracks = []  # (format, one writer per column): BED input only
            for f in track_formats(options.tracks, "rows") if self.fmt == "bed" else []:
                writers = [stack.enter_context(f.open(f"{self.prefix}.{col}{f.suffix}", column=col, chrom_sizes=None,
                                                      comments=self.comments)) for col in self.columns]
                self.row_tracks.append((f, writers))
                self.summary.outputs += [str(w.path) for w in writers]
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc) -> bool | None:
        return self._stack.__exit__(*exc)

    def items(self) -> Iterator[Row]:
        """The output rows, in input order (records, or tiles of records)."""
        gap_check = not self.options.score_gaps and bool(self.options.tile or self.pos_models)
        if self.fmt == "bed":
            return _bed_rows(self.options, self.genome, self.summary, self.counter, self.bar, self.restriction,
                             gap_check=gap_check)
        unique = self.region_tracks or self.pos_tracks
        return _fasta_rows(self.options, self.summary, self.counter, self.bar, self.fasta_sizes, unique=unique,
                           restriction=self.restriction, gap_check=gap_check)

    def cost(self, row: Row) -> int:
        """Model windows the row needs."""
        return len(self.region_models) + len(self.pos_models) * len(range(row.start, row.end, self.pos_step))

    def process(self, chunk: list[Row]) -> None:
        """Score one chunk of rows and write it to every output."""
        from genebert_tool.writers.bed import ScoredBedWriter
        from genebert_tool.writers.tsv import TsvWriter

        options = self.options
        values, n_windows, n_gap = score_rows(chunk, self.models, self.fetch, step=self.pos_step,
                                              batch_size=options.batch_size, piece=options.chunk_windows,
                                              position_spools=self.pos_spools or None)
        self.summary.windows += n_windows
        self.summary.gap_bases += n_gap
        if self.table is None:
            self.table = _open_table(options, self.fmt, self.prefix, chunk[0], self.models,
                                     self.comments + calibration.header_comments(self.models),
                                     ScoredBedWriter, TsvWriter)
            self._stack.enter_context(self.table)
        for row, cells in zip(chunk, calibration.table_cells(self.models, values)):
            self.table.write_row((*row.lead, *cells))
        for f, writers in self.row_tracks:
            scores = f.row_scores(values)
            for j, w in enumerate(writers):
                for i, row in enumerate(chunk):
                    w.write(row.chrom, row.start, row.end, row.label, int(scores[i, j]), row.strand)
        if self.region_spool is not None:
            region_values = _region_part(values, self.models)
            for chrom, idx in _chrom_runs(chunk):
                self.region_spool.add(chrom, [chunk[i].start for i in idx], [chunk[i].end for i in idx],
                                      region_values[idx])
        self.summary.rows += len(chunk)

    def finish(self) -> None:
        """After the last chunk, inside the ``with``: counts, tracks and the rejects file."""
        summary, n = self.summary, self.counter.n
        summary.scored = n
        summary.records = n + len(summary.rejects)
        if n == 0 and self.restriction is not None:  # a region/shard without work: valid empty outputs
            from genebert_tool.writers.bed import ScoredBedWriter
            from genebert_tool.writers.tsv import TsvWriter

            if self.table is None:
                lead = tuple(range(self.counter.first_lead or 3))
                self.table = _open_table(self.options, self.fmt, self.prefix, Row("", 0, 0, "", ".", lead),
                                         self.models, self.comments + calibration.header_comments(self.models),
                                         ScoredBedWriter, TsvWriter)
                self._stack.enter_context(self.table)
        elif n == 0:  # every record rejected: no header-only outputs (the caller raises)
            for _, writers in self.row_tracks:
                for w in writers:
                    w.abort()
            summary.outputs.clear()
        if self.table is not None:
            summary.outputs.insert(0, str(self.table.path))
        # tracks: chromosome sizes from the FASTA index (BED) or the records (FASTA), in that order
        chrom_sizes = list(self.genome.contigs.items()) if self.fmt == "bed" else self.fasta_sizes
        track_sets = []
        if self.region_spool is not None:
            track_sets.append((self.region_spool, self.region_models))
        track_sets += [(sp, [m]) for sp, m in zip(self.pos_spools, self.pos_models)]
        for spool, models in track_sets:
            if len(spool) and n:
                summary.outputs += _write_tracks(spool, models, chrom_sizes, self.prefix, self.options.tracks,
                                                 self.comments)
        if "bgfpr" in self.options.tracks and not any(m.background is not None for m in self.models):
            summary.warnings.append("--tracks bgfpr: no model used has a background.json (genebert calibrate), "
                                    "so no -log10 FPR tracks were written")
        path = rejects_path(self.options)
        if path is not None:
            summary.rejects.write_tsv(path)
            summary.outputs.append(path)


def _region_part(values: np.ndarray, models: list[ScoringModel]) -> np.ndarray:
    """The columns of region-level models, in model order."""
    cols, off = [], 0
    for m in models:
        if not m.per_position:
            cols.extend(range(off, off + len(m.columns)))
        off += len(m.columns)
    return values[:, cols]


def _chrom_runs(chunk: list[Row]) -> Iterator[tuple[str, list[int]]]:
    for chrom, group in itertools.groupby(range(len(chunk)), key=lambda i: chunk[i].chrom):
        yield chrom, list(group)


def _open_table(options, fmt, prefix, first: Row, models, comments, bed_writer, tsv_writer):
    columns = [c for m in models for c in m.columns]
    if fmt == "fasta":
        return tsv_writer(f"{prefix}.tsv", [*schema.TSV_COLUMNS, *calibration.table_columns(models, columns)],
                          comments=comments)
    if options.tile:
        lead = list(schema.TILE_COLUMNS)
    else:
        lead = schema.input_column_names(len(first.lead), "narrowpeak" in options.input.lower())
    cols = schema.output_columns(lead, columns)
    return bed_writer(f"{prefix}.bed", [*lead, *calibration.table_columns(models, cols)], comments=comments)


def _write_tracks(spool: TrackSpool, models: list[ScoringModel], chrom_sizes, prefix: str, formats,
                  comments) -> list[str]:
    """One writer per column of ``models`` (the spool's columns, in order) for each ``signal`` format in
    ``formats`` (``writers.tracks``); ``bgfpr`` formats only for calibrated columns, with ``-log10`` FPR
    values. Returns the paths written, format by format."""
    columns = [c for m in models for c in m.columns]
    flat = [(m, i) for m in models for i in range(len(m.columns))]  # (model, its column) per spool column
    order = [c for c, _ in chrom_sizes]
    with contextlib.ExitStack() as stack:
        targets = []  # (writer, spool column, model or None for probabilities)
        for f in track_formats(formats, "signal"):
            for j, (m, _) in enumerate(flat):
                if f.values == "bgfpr" and m.background is None:
                    continue
                w = stack.enter_context(f.open(f"{prefix}.{columns[j]}{f.suffix}", column=columns[j],
                                               chrom_sizes=chrom_sizes, comments=comments))
                targets.append((w, j, m if f.values == "bgfpr" else None))
        for chrom, s, e, v in spool.iter_resolved(order):
            for w, j, m in targets:
                w.add(chrom, s, e, v[:, j] if m is None else -np.log10(m.background.fpr(m.outputs[flat[j][1]], v[:, j])))
        written = [str(w.path) for w, _, _ in targets]
    return written
