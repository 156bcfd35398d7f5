"""How much work a run has, from a quick pre-pass over the input (parsed as text, nothing scored):
the total for the progress log's ETA, and the bases a per-base splice model will score.

Counts are upper bounds: lines the real reader rejects count too. Assembly gaps (``annotate.gaps``) are
taken out as the run takes them out for BED input with ``--genome`` (tiles wholly inside a gap, per-base
positions inside one); FASTA input counts them. stdin cannot be read twice: None.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from genebert_tool.annotate.windows import iter_tiles


#: a per-base splice run with at least this many model forwards gets a timed estimate before it starts
ESTIMATE_MIN_FORWARDS = 20_000


@dataclass
class Work:
    windows: int = 0  # the pipeline's cost units (``runner.cost``), summed over rows
    per_base_bases: int = 0  # bases scored by per-position splice models (every --step-th base of a row)
    per_base_forwards: int = 0  # their forward passes (token heads: one per n_scored bases and strand;
    #                             window models: one per scored base)
    forwards_by_model: dict[int, int] = field(default_factory=dict)  # index in runner.pos_models -> forwards


def _row_spans(options, fmt: str) -> list[list[tuple[str, int, int, str]]] | None:
    """Per input record, ``(chrom, start, end, strand)`` of each output row (tiles with ``--tile``), or None
    for stdin."""
    if options.input == "-":
        return None
    spans: list[tuple[str, int, int, str]] = []
    if fmt == "fasta":
        from genebert_tool.annotate.restrict import fasta_contigs

        records = [(name, 0, n, ".") for name, _, n in fasta_contigs(options.input)]
    else:
        from genebert_tool.genome.io import open_text

        records = []
        with open_text(options.input) as fh:
            for line in fh:
                f = line.rstrip("\r\n").split("\t")
                if len(f) < 3 or line.startswith(("#", "track", "browser")):
                    continue
                try:
                    records.append((f[0], int(f[1]), int(f[2]), f[5] if len(f) > 5 else "."))
                except ValueError:
                    continue
                if options.max_records and len(records) >= options.max_records:
                    break
    for chrom, start, end, strand in records:
        if options.tile:
            spans.append([(chrom, s, e, strand) for s, e in iter_tiles(start, end, options.tile,
                                                                         options.step or options.tile)])
        else:
            spans.append([(chrom, start, end, strand)])
    return spans


def _gap_filter(runner, rows: list[tuple[str, int, int, str]]):
    """``rows`` of one record less the tiles inside a gap, and the record's gaps (None: not looked for)."""
    if not rows or runner.fmt != "bed" or runner.options.score_gaps or not (runner.options.tile or runner.pos_models):
        return rows, None
    from genebert_tool.annotate.gaps import find_gaps

    chrom = rows[0][0]
    if runner.genome.resolve(chrom) is None:  # the reader rejects it
        return [], None
    gaps = find_gaps(lambda a, b: runner.genome.fetch(chrom, a, b), min(r[1] for r in rows), max(r[2] for r in rows))
    if not len(gaps):
        return rows, None
    inside = gaps.covers([r[1] for r in rows], [r[2] for r in rows])
    if not runner.options.tile and inside.any():
        return [], None
    return [r for r, gap in zip(rows, inside.tolist()) if not gap], gaps


def region_work(runner) -> Work | None:
    """BED/FASTA: the windows of every row ``runner`` (a ``RegionRunner``) would score."""
    from genebert_tool.annotate.regions import Row

    spans = _row_spans(runner.options, runner.fmt)
    if spans is None:
        return None
    keep = runner.restriction
    work = Work()
    for record in spans:
        rows, gaps = _gap_filter(runner, [r for r in record if keep is None or keep.keep(r[0], r[1])])
        for chrom, start, end, strand in rows:
            row = Row(chrom, start, end, "", strand, ())
            work.windows += runner.cost(row)
            if not runner.pos_models:
                continue
            n_in_gaps = gaps.overlap(start, end) if gaps is not None else 0
            if n_in_gaps == end - start:
                n_in_gaps = 0  # a tile with no position outside a gap scores them all
            for i, m in enumerate(runner.pos_models):
                if getattr(m.predictor, "per_base", False):  # a token head: one forward per n_scored bases
                    n = end - start - n_in_gaps
                    forwards = -(-n // m.predictor.n_scored) * (1 if strand in "+-" and strand else 2)
                else:  # one window per scored position
                    n = forwards = len(range(start, end, runner.pos_step)) - (n_in_gaps // runner.pos_step)
                work.per_base_bases += n
                work.per_base_forwards += forwards
                work.forwards_by_model[i] = work.forwards_by_model.get(i, 0) + forwards
    return work


def timed_estimate(models: Sequence, work: Work, *, batch_size: int, n: int = 64,
                   clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """``(seconds, forwards per second)`` the per-position forwards of ``work`` will take, from one timed
    batch of ``n`` windows per model (after a warm-up batch) on this machine and device. ``models``:
    the runner's per-position models, indexed as ``work.forwards_by_model``."""
    seconds, forwards = 0.0, 0
    for i, count in work.forwards_by_model.items():
        m = models[i]
        window = "ACGT" * (m.window_bp // 4 + 1)
        seqs = [window[j % 4 : j % 4 + m.window_bp] for j in range(n)]
        m.score(seqs[:4], batch_size=batch_size)  # warm-up: first-call allocations are not the rate
        t0 = clock()
        m.score(seqs, batch_size=batch_size)
        per_forward = max(clock() - t0, 1e-9) / n
        seconds += count * per_forward
        forwards += count
    return seconds, (forwards / seconds if seconds > 0 else 0.0)


def variant_work(runner) -> Work | None:
    """VCF: ALT alleles of every record in the run's part times the windows per ALT."""
    options = runner.options
    if options.input == "-" or options.input.endswith(".bcf"):
        return None
    from genebert_tool.genome.io import open_text

    keep = runner.restriction
    work = Work()
    n = 0
    with open_text(options.input) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.split("\t", 5)
            if len(f) < 5:
                continue
            n += 1
            if options.max_records and n > options.max_records:
                break
            try:
                pos = int(f[1]) - 1
            except ValueError:
                continue
            if keep is None or keep.keep(f[0], pos):
                work.windows += runner.per_variant * (f[4].count(",") + 1)
    return work
