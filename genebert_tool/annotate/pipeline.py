"""``genebert annotate``: records -> windows -> batches -> models -> scored records -> writers.

One entry point, :func:`annotate`, dispatches on the input format to ``regions.run`` (BED and
FASTA) or ``variants.run`` (VCF). Everything streams: readers yield records, rows are scored in
chunks of about ``chunk_windows`` model windows (split into ``batch_size`` batches by the
predictor), text outputs are written row by row, and track entries are spooled to disk per
chromosome (``annotate.tracks``). Output order follows input order. Every output file is written
under a temporary name and renamed only when the run succeeds.

Failure semantics: a malformed file, a missing genome/model or (with ``--strict``) any rejected
record raises before any output appears. Otherwise rejected records are listed in
``PREFIX.rejected.tsv`` and the run succeeds -- unless not a single record could be scored, which
raises ``InputError`` after writing ``PREFIX.rejected.tsv`` (and, for VCF input, the pass-through
VCF whose GENEBERT_SKIP fields say why).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from genebert_tool.annotate.formats import detect_format
from genebert_tool.annotate.models import TASKS, ScoringModel, load_models
from genebert_tool.errors import InputError
from genebert_tool.genome.intervals import RejectLog

TRACK_FORMATS = ("bigwig", "bedgraph", "bed6")
_PREFIX_SUFFIXES = (".vcf.gz", ".vcf.bgz", ".vcf", ".bed.gz", ".bed", ".tsv", ".bw")


@dataclass
class AnnotateOptions:
    """Everything ``genebert annotate`` accepts (see the CLI help for each)."""

    input: str
    output: str
    task: str = "all"
    models: tuple[str, ...] = ()
    genome: str | None = None
    genome_offsets: tuple[str, ...] = ()
    format: str | None = None
    context_bp: int | None = None
    tile: int | None = None
    step: int | None = None
    tfs: tuple[str, ...] = ()
    splice_distance: int = 0
    both_strands: bool = False
    batch_size: int = 256
    chunk_windows: int = 2048
    workers: int = 0
    device: str = "auto"
    strict: bool = False
    max_records: int | None = None
    tracks: tuple[str, ...] = ("bigwig", "bed6")
    progress: bool = True
    risk_model: str | None = None  # VCF: a `finetune --task risk` directory -> INFO GENEBERT_RISK_P


@dataclass
class AnnotateSummary:
    """What a run did; ``cli.py`` prints it to stderr."""

    input: str
    format: str
    task: str
    models: list[str] = field(default_factory=list)
    records: int = 0
    scored: int = 0
    rows: int = 0
    windows: int = 0
    rejects: RejectLog = field(default_factory=RejectLog)
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        out = [
            f"genebert annotate: {self.input} ({self.format}, task {self.task}): {self.records} records read, "
            f"{self.scored} scored, {len(self.rejects)} rejected; {self.windows} model windows in "
            f"{self.seconds:.1f} s ({rate:.1f} records/s)",
            f"models: {'; '.join(self.models)}",
        ]
        if self.rejects:
            reasons = ", ".join(f"{r}: {n}" for r, n in list(self.rejects.counts().items())[:8])
            out.append(f"rejected: {reasons}")
        out.extend(f"warning: {w}" for w in self.warnings)
        if self.outputs:
            out.append("wrote: " + ", ".join(self.outputs))
        return out


def output_prefix(output: str) -> str:
    """``-o`` as a prefix: a known suffix (``.vcf.gz``, ``.bed`` ...) is dropped so ``-o out.vcf.gz``
    does not become ``out.vcf.gz.vcf.gz``."""
    for suffix in _PREFIX_SUFFIXES:
        if output.endswith(suffix) and len(output) > len(suffix):
            return output[: -len(suffix)]
    return output


def validate(options: AnnotateOptions) -> str:
    """Check option combinations; returns the input format. Raises ``InputError`` with the fix."""
    fmt = detect_format(options.input, options.format)
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
    if options.both_strands and fmt != "vcf":
        raise InputError("--both-strands applies to VCF input (BED rows use their strand column)")
    if options.max_records is not None and options.max_records <= 0:
        raise InputError(f"--max-records must be positive (got {options.max_records})")
    if options.workers < 0:
        raise InputError(f"--workers must be >= 0 (got {options.workers})")
    unknown = [t for t in options.tracks if t not in TRACK_FORMATS]
    if unknown:
        raise InputError(f"unknown track format(s) {unknown} (choose from {', '.join(TRACK_FORMATS)})")
    if options.output == "-" and fmt != "vcf":
        raise InputError("-o - (stdout) is only for VCF output; BED/FASTA runs write several files: give a prefix")
    if options.output != "-":
        parent = Path(output_prefix(options.output)).parent
        if not parent.is_dir():
            raise InputError(f"output directory {parent} does not exist", path=options.output)
    return fmt


def annotate(options: AnnotateOptions, *, models: list[ScoringModel] | None = None) -> AnnotateSummary:
    """Run one annotation; see the module docstring. ``models`` (already loaded) overrides
    ``options.models``/``options.task`` model loading -- tests and benchmarks pass stubs here."""
    fmt = validate(options)
    genome = None
    if options.genome:  # before the models: a bad genome path should fail fast
        from genebert_tool.genome.fasta import Genome, parse_offsets

        genome = Genome(options.genome, offsets=parse_offsets(options.genome_offsets))
    if models is None:
        _quiet_transformers()
        models = load_models(
            options.task,
            options.models,
            device=options.device,
            context_bp=options.context_bp,
            tfs=options.tfs,
            per_position_splice=fmt != "vcf",
            splice_distance=options.splice_distance,
        )
    summary = AnnotateSummary(input=options.input, format=fmt, task=options.task)
    summary.models = [f"{m.name} {m.version} ({m.task}, {m.window_bp} bp: {', '.join(m.columns)})" for m in models]
    started = time.perf_counter()  # the rate in the summary excludes model loading
    try:
        if fmt == "vcf":
            from genebert_tool.annotate import variants

            variants.run(options, models, genome, summary)
        else:
            from genebert_tool.annotate import regions

            regions.run(options, fmt, models, genome, summary)
    finally:
        if genome is not None:
            genome.close()
    summary.seconds = time.perf_counter() - started
    if summary.records > 0 and summary.scored == 0:
        reasons = list(summary.rejects.counts())
        shown = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
        raise InputError(
            f"no record could be scored ({len(summary.rejects)} rejected: {shown or 'no reason recorded'}); "
            f"see {rejects_path(options) or 'the summary'}",
            path=options.input,
        )
    return summary


def rejects_path(options: AnnotateOptions) -> str | None:
    """``PREFIX.rejected.tsv``, or None when writing to stdout."""
    if options.output == "-":
        return None
    return output_prefix(options.output) + ".rejected.tsv"


def header_comments(options: AnnotateOptions, fmt: str, models: list[ScoringModel]) -> list[str]:
    """Provenance lines for every text output (each becomes a ``#`` comment)."""
    from genebert_tool import __version__

    run = (
        f"genebert annotate version={__version__} task={options.task} input={options.input} format={fmt} "
        f"genome={options.genome or '.'}"
    )
    if options.genome_offsets:
        run += f" genome_offset={','.join(options.genome_offsets)}"
    if options.tile:
        run += f" tile={options.tile} step={options.step or options.tile}"
    elif options.step:
        run += f" step={options.step}"
    lines = [run]
    lines += [f"model {m.describe()}" for m in models]
    lines.append(
        "scores are model probabilities in [0, 1] for a window of window_bp bases centred on each row "
        "(splice: maximum over one window per position); coordinates 0-based half-open"
    )
    return lines


def progress_bar(options: AnnotateOptions, unit: str):
    """A tqdm counter on stderr, silent unless stderr is a terminal and progress is wanted."""
    from tqdm import tqdm

    enabled = options.progress and sys.stderr.isatty()
    return tqdm(total=options.max_records, unit=unit, disable=not enabled, file=sys.stderr, dynamic_ncols=True)


def _quiet_transformers() -> None:
    """transformers prints weight-loading progress bars; annotate has its own."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        import genebert_tool.model  # noqa: F401 - the torchvision shim must run before transformers
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover - transformers is a hard dependency
        pass
