"""How much work a run has, from a quick pre-pass over the input (parsed as text, nothing scored):
the total for the progress log's ETA, and the bases a per-base splice model will score.

Counts are upper bounds: lines the real reader rejects count too. stdin cannot be read twice: None.
"""

from __future__ import annotations

from dataclasses import dataclass

from genebert_tool.annotate.windows import iter_tiles


@dataclass
class Work:
    windows: int = 0  # the pipeline's cost units (``runner.cost``), summed over rows
    per_base_bases: int = 0  # bases scored by per-base (token) splice models
    per_base_forwards: int = 0  # their forward passes (one per n_scored bases and strand)


def _row_spans(options, fmt: str) -> list[tuple[str, int, int, str]] | None:
    """``(chrom, start, end, strand)`` per output row (tiles with ``--tile``), or None for stdin."""
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
            spans += [(chrom, s, e, strand) for s, e in iter_tiles(start, end, options.tile,
                                                                     options.step or options.tile)]
        else:
            spans.append((chrom, start, end, strand))
    return spans


def region_work(runner) -> Work | None:
    """BED/FASTA: the windows of every row ``runner`` (a ``RegionRunner``) would score."""
    from genebert_tool.annotate.regions import Row

    spans = _row_spans(runner.options, runner.fmt)
    if spans is None:
        return None
    keep = runner.restriction
    work = Work()
    per_base = [m for m in runner.pos_models if getattr(m.predictor, "per_base", False)]
    for chrom, start, end, strand in spans:
        if keep is not None and not keep.keep(chrom, start):
            continue
        work.windows += runner.cost(Row(chrom, start, end, "", strand, ()))
        for m in per_base:
            n = end - start
            work.per_base_bases += n
            work.per_base_forwards += -(-n // m.predictor.n_scored) * (1 if strand in "+-" and strand else 2)
    return work


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
