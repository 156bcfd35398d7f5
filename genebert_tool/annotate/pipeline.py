"""``genebert annotate``: records -> windows -> batches -> models -> scored records -> writers.

One entry point, :func:`annotate`, picks the input format's runner -- ``regions.RegionRunner``
(BED and FASTA) or ``variants.VariantRunner`` (VCF) -- and drives it: the runner yields records,
the pipeline cuts them into chunks of about ``chunk_windows`` model windows (:func:`chunked`; the
predictor splits a chunk into ``batch_size`` batches) and hands each chunk back to be scored and
written. Everything streams: text outputs are written row by row, and track entries are spooled to disk per
chromosome (``annotate.tracks``). Output order follows input order. Every output file is written
under a temporary name and renamed only when the run succeeds.

Failure semantics: a malformed file, a missing genome/model or (with ``--strict``) any rejected
record raises before any output appears. Otherwise rejected records are listed in
``PREFIX.rejected.tsv`` and the run succeeds -- unless not a single record could be scored, which
raises ``InputError`` after writing ``PREFIX.rejected.tsv`` (and, for VCF input, the pass-through
VCF whose GENEBERT_SKIP fields say why).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from genebert_tool.annotate.formats import detect_format
from genebert_tool.annotate.models import TASKS, ScoringModel, load_models
from genebert_tool.annotate.options import (
    AnnotateOptions,
    AnnotateSummary,
    output_prefix,
    rejects_path,
)
from genebert_tool.annotate.outputs import PrefixLock, check_outputs, planned_outputs, read_files, resolve_prefix
from genebert_tool.errors import InputError
from genebert_tool.writers.tracks import TRACK_FORMATS

T = TypeVar("T")


def chunked(items: Iterable[T], budget: int, cost: Callable[[T], int]) -> Iterator[list[T]]:
    """Consecutive lists of ``items`` whose summed ``cost`` reaches ``budget`` (the last may be less).

    An item is never split, so one costly item makes a chunk of its own; order is kept.
    """
    chunk: list[T] = []
    total = 0
    for item in items:
        chunk.append(item)
        total += cost(item)
        if total >= budget:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def validate(options: AnnotateOptions) -> str:
    """Check option combinations; returns the input format. Raises ``InputError`` with the fix."""
    fmt = detect_format(options.input, options.format)
    if options.input != "-" and not os.path.isfile(options.input):  # before any model loads
        raise InputError("is a directory, not a file" if os.path.isdir(options.input) else "file not found",
                         path=options.input)
    if options.task not in TASKS:
        raise InputError(f"unknown --task {options.task!r} (choose from {', '.join(TASKS)})")
    if fmt in ("bed", "vcf") and not options.genome:
        raise InputError(f"{fmt.upper()} input needs the reference genome: pass --genome FASTA")
    if options.task == "risk" and fmt != "vcf":
        raise InputError("--task risk scores variants: it needs VCF input")
    if fmt == "vcf" and options.tile:
        raise InputError("--tile applies to BED and FASTA input, not VCF")
    for name in ("tile", "step", "context_bp", "batch_size", "chunk_windows"):
        value = getattr(options, name)
        if value is not None and value <= 0:
            raise InputError(f"--{name.replace('_', '-')} must be positive (got {value})")
    if options.splice_distance < 0:
        raise InputError(f"--splice-distance must be >= 0 (got {options.splice_distance})")
    if options.splice_distance and fmt != "vcf":
        raise InputError("--splice-distance applies to VCF input (BED/FASTA splice scoring is per position already)")
    if options.risk_model and fmt != "vcf":
        raise InputError("--risk-model scores variants: it needs VCF input")
    if options.annotation and not options.risk_model:
        raise InputError("--annotation feeds the risk classifier's features: it needs a risk classifier "
                         "(--task risk or --risk-model)")
    for path in options.annotation:
        if not os.path.isfile(path):
            raise InputError("file not found (--annotation)", path=path)
    if options.both_strands and fmt != "vcf":
        raise InputError("--both-strands applies to VCF input (BED rows use their strand column)")
    if options.max_records is not None and options.max_records <= 0:
        raise InputError(f"--max-records must be positive (got {options.max_records})")
    if options.workers < 0:
        raise InputError(f"--workers must be >= 0 (got {options.workers})")
    if options.log_every < 0:
        raise InputError(f"--log-every must be >= 0 seconds (got {options.log_every})")
    from genebert_tool.annotate.restrict import parse_region, parse_shard

    parse_shard(options.shard)
    for spec in options.regions:
        parse_region(spec)
    if options.regions_bed and not os.path.isfile(options.regions_bed):
        raise InputError("file not found (--regions)", path=options.regions_bed)
    if fmt == "fasta" and options.input == "-" and (options.regions or options.regions_bed or options.shard):
        raise InputError("--region/--regions/--shard with FASTA input need a file, not stdin")
    unknown = [t for t in options.tracks if t not in TRACK_FORMATS]
    if unknown:
        raise InputError(f"unknown track format(s) {unknown} (choose from {', '.join(TRACK_FORMATS)})")
    if options.output == "-" and fmt != "vcf":
        raise InputError("-o - (stdout) is only for VCF output; BED/FASTA runs write several files: give a prefix")
    if options.output != "-":
        parent = Path(output_prefix(options.output)).parent
        if not parent.is_dir():
            raise InputError(f"output directory {parent} does not exist", path=options.output)
        if not os.access(parent, os.W_OK):
            raise InputError(f"output directory {parent} is not writable", path=options.output)
    return fmt


def annotate(options: AnnotateOptions, *, models: list[ScoringModel] | None = None,
             log: Callable[[str], None] | None = None) -> AnnotateSummary:
    """Run one annotation; see the module docstring. ``models`` (already loaded) overrides
    ``options.models``/``options.task`` model loading -- tests and benchmarks pass stubs here.
    ``log``: where progress lines go (``annotate.progress``; the CLI: stderr); None = silent."""
    options = dataclasses.replace(options, output=resolve_prefix(options.output, options.input))
    fmt = validate(options)
    prefix = output_prefix(options.output)
    reads = read_files(options.input, options.genome,
                       ([options.risk_model] if options.risk_model else []) + list(options.annotation))
    reads += [options.regions_bed] if options.regions_bed else []
    check_outputs(planned_outputs(prefix, fmt), reads)
    with PrefixLock(prefix):
        return _annotate(options, fmt, models, log)


def _annotate(options: AnnotateOptions, fmt: str, models: list[ScoringModel] | None, log) -> AnnotateSummary:
    from genebert_tool.annotate.restrict import build_restriction

    genome = None
    if options.genome:  # before the models: a bad genome path should fail fast
        from genebert_tool.genome.fasta import Genome, parse_offsets

        genome = Genome(options.genome, offsets=parse_offsets(options.genome_offsets))
    restriction = build_restriction(fmt, options.input, genome, options.regions, options.regions_bed,
                                    options.shard)
    if models is None:
        models = load_models(
            options.task,
            options.models,
            device=options.device,
            context_bp=options.context_bp,
            tfs=options.tfs,
            per_position_splice=fmt != "vcf",
            splice_distance=options.splice_distance,
        )
    model_dirs = [getattr(m.predictor, "model_dir", None) for m in models]
    check_outputs(planned_outputs(output_prefix(options.output), fmt, [c for m in models for c in m.columns]),
                  read_files(options.input, options.genome,
                             [d for d in model_dirs if d] + [options.risk_model, *options.annotation]))
    summary = AnnotateSummary(input=options.input, format=fmt, task=options.task)
    summary.models = [f"{m.name} {m.version} ({m.task}, {m.window_bp} bp: {', '.join(m.columns)})" for m in models]
    started = time.perf_counter()  # the rate in the summary excludes model loading
    try:
        if fmt == "vcf":
            from genebert_tool.annotate.variants import VariantRunner

            runner = VariantRunner(options, models, genome, summary, restriction)
        else:
            from genebert_tool.annotate.regions import RegionRunner

            runner = RegionRunner(options, fmt, models, genome, summary, restriction)
        progress = _progress(options, fmt, runner, log)
        with runner:
            for chunk in chunked(runner.items(), options.chunk_windows, runner.cost):
                runner.process(chunk)
                if progress is not None:
                    progress.update(sum(map(runner.cost, chunk)), len(chunk))
            runner.finish()
    finally:
        if genome is not None:
            genome.close()
    summary.seconds = time.perf_counter() - started
    if summary.records > 0 and summary.scored == 0 and restriction is None:  # a shard may have no work
        reasons = list(summary.rejects.counts())
        shown = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
        raise InputError(
            f"no record could be scored ({len(summary.rejects)} rejected: {shown or 'no reason recorded'}); "
            f"see {rejects_path(options) or 'the summary'}",
            path=options.input,
        )
    return summary


def _progress(options: AnnotateOptions, fmt: str, runner, log):
    """A ``ProgressLog`` when stderr is not a terminal (else tqdm shows progress), after logging the size
    of a per-base splice run; None without ``log``."""
    if log is None or not options.progress:
        return None
    from genebert_tool.annotate import estimate
    from genebert_tool.annotate.progress import ProgressLog, format_duration

    work = estimate.variant_work(runner) if fmt == "vcf" else estimate.region_work(runner)
    if work is not None and work.per_base_bases:
        line = (f"genebert annotate: per-base splice over {work.per_base_bases:,} bases = "
                f"{work.per_base_forwards:,} model forwards")
        if work.per_base_forwards >= estimate.ESTIMATE_MIN_FORWARDS:  # a long run: say how long, before it starts
            seconds, rate = estimate.timed_estimate(runner.pos_models, work, batch_size=options.batch_size)
            line += (f"; estimated {format_duration(seconds)} at {rate:,.0f} forwards/s (a timed batch on this "
                     "machine; the progress log refines it)")
        else:
            line += "; the first progress line gives the ETA"
        log(line)
    if options.log_every <= 0 or sys.stderr.isatty():
        return None
    return ProgressLog(log, None if work is None else work.windows, every=options.log_every)
