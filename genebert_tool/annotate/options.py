"""What ``genebert annotate`` is asked (``AnnotateOptions``), what it did (``AnnotateSummary``), and the
names and headers every output shares. Imported by the pipeline and by each format's runner, and
importing neither: no import circle.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from genebert_tool.annotate.gaps import MIN_GAP
from genebert_tool.genome.intervals import RejectLog

if TYPE_CHECKING:
    from genebert_tool.annotate.models import ScoringModel

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
    risk_model: str | None = None  # VCF: a `finetune-risk` directory -> INFO GENEBERT_RISK_P
    annotation: tuple[str, ...] = ()  # VCF: BED12 transcripts for a risk classifier's annotation.* features
    regions: tuple[str, ...] = ()  # --region chr:start-end (0-based half-open), see annotate.restrict
    regions_bed: str | None = None  # --regions BED
    shard: str | None = None  # --shard K/N
    log_every: float = 30.0  # seconds between progress lines when stderr is not a terminal (0: none)
    motifs: str = "all"  # VCF INFO GENEBERT_MOTIF: "all" JASPAR motifs, "none" (off) or NAME,NAME (annotate.motif_effects)
    motif_pvalue: float = 1e-4  # a best hit must cross the score random sequence reaches with this p-value
    motif_min_delta: float = 2.0  # and |ALT - REF| of the best-hit scores in bits
    score_gaps: bool = False  # also score tiles/positions inside assembly gaps (annotate.gaps)


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
    alleles: int = 0  # VCF: ALT alleles read (rejects are counted per allele)
    alleles_scored: int = 0
    rejects: RejectLog = field(default_factory=RejectLog)
    gap_tiles: int = 0  # tiles wholly inside an assembly gap: not scored, no row (annotate.gaps)
    gap_bases: int = 0  # per-base positions inside a gap: not scored, no track value
    outputs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        if self.format == "vcf":  # a record holds several ALTs; a reject is one ALT
            counts = (f"{self.records} records read, {self.scored} scored; {self.alleles} ALT alleles read, "
                      f"{self.alleles_scored} scored, {len(self.rejects)} rejected")
        else:
            counts = f"{self.records} records read, {self.scored} scored, {len(self.rejects)} rejected"
        out = [
            f"genebert annotate: {self.input} ({self.format}, task {self.task}): {counts}; {self.windows} model "
            f"windows in {self.seconds:.1f} s ({rate:.1f} records/s)",
            f"models: {'; '.join(self.models)}",
        ]
        if self.gap_tiles or self.gap_bases:
            out.append(f"assembly gaps (runs of >= {MIN_GAP} bases with no A/C/G/T) not scored: {self.gap_tiles} tiles, "
                       f"{self.gap_bases} per-base positions (--score-gaps scores them)")
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
    if options.regions:
        run += f" region={','.join(options.regions)}"
    if options.regions_bed:
        run += f" regions={options.regions_bed}"
    if options.shard:
        run += f" shard={options.shard}"
    lines = [run]
    lines += [f"model {m.describe()}" for m in models]
    lines.append(
        "scores are model probabilities in [0, 1] for a window of window_bp bases centred on each row "
        "(splice: maximum over one window per position); coordinates 0-based half-open"
    )
    if not options.score_gaps and fmt != "vcf":
        lines.append(f"tiles wholly inside an assembly gap (a run of >= {MIN_GAP} bases with no A/C/G/T) have no row, and "
                     "per-base tracks no value inside one: not scored (--score-gaps scores them)")
    return lines


def progress_bar(options: AnnotateOptions, unit: str):
    """A tqdm counter on stderr, silent unless stderr is a terminal and progress is wanted."""
    from tqdm import tqdm

    enabled = options.progress and sys.stderr.isatty()
    return tqdm(total=options.max_records, unit=unit, disable=not enabled, file=sys.stderr, dynamic_ncols=True)
