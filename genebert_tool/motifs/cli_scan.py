"""``genebert motifs scan`` / ``genebert motifs list`` as library functions (cli.py only parses).

Output of ``scan_to_file``:

* the affinity matrix, one row per input region or sequence: TSV (``#`` header lines naming the
  genebert version, JASPAR release, pseudocount and background, then a table whose first column
  ``region`` holds the BED name or ``chrom:start-end`` / the FASTA record name and one column per
  motif ``MATRIXID_TF``), or ``.npz`` (``matrix``, ``rows``, ``columns``, ``release``,
  ``pseudocount``, ``background``, ``genebert_version``) when the output name ends in ``.npz``;
* optionally every window scoring ``>= threshold`` bits as BED6 (chrom, start, end, TF name,
  score in bits, strand), in genome coordinates for BED input and sequence coordinates (chrom =
  record name) for FASTA input. Overlapping input regions report shared hits once per region.

Both files are written atomically: on any error neither is left behind half-written.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import IO, Iterator, Sequence

import numpy as np

from genebert_tool import __version__
from genebert_tool.errors import InputError
from genebert_tool.formats.schema import format_score
from genebert_tool.motifs.jaspar import DEFAULT_RELEASE, MotifSet, load_motifs
from genebert_tool.motifs.scan import iter_hits, max_scores

BED_SUFFIXES = (".bed", ".narrowpeak", ".broadpeak", ".bedgraph")
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas", ".seq")
BATCH = 512  # records scanned per max_scores call


@dataclass
class ScanSummary:
    n_records: int
    n_motifs: int
    n_hits: int | None  # None without a threshold
    release: str


@dataclass
class _Record:
    label: str  # row name
    chrom: str  # for hits
    offset: int  # genome coordinate of the sequence's first base
    sequence: str


def detect_format(source: str | os.PathLike, fmt: str | None) -> str:
    """``"bed"`` or ``"fasta"``: ``fmt`` if given, else from the file name (``.gz`` ignored)."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in ("bed", "fasta"):
            raise ValueError(f"unknown input format {fmt!r} (bed or fasta)")
        return fmt
    if str(source) == "-":
        raise ValueError("reading stdin ('-') needs --format bed|fasta")
    name = str(source).lower().removesuffix(".gz").removesuffix(".bgz")
    if name.endswith(BED_SUFFIXES):
        return "bed"
    if name.endswith(FASTA_SUFFIXES):
        return "fasta"
    raise InputError(
        "cannot tell BED from FASTA by the file name; pass --format bed|fasta", path=str(source)
    )


def _records(source: str | os.PathLike, fmt: str, genome) -> Iterator[_Record]:
    if fmt == "bed":
        from genebert_tool.genome.bed import iter_bed

        if genome is None:
            raise ValueError("BED input needs a genome FASTA (--genome)")
        for region in iter_bed(source, genome=genome):
            yield _Record(region.label, region.chrom, region.start, genome.fetch(region.chrom, region.start, region.end))
    else:
        from genebert_tool.genome.sequences import iter_fasta

        if genome is not None:
            raise ValueError("--genome is only used with BED input; FASTA input carries its own sequences")
        for name, sequence in iter_fasta(source):
            yield _Record(name, name, 0, sequence)


def _batches(records: Iterator[_Record], size: int) -> Iterator[list[_Record]]:
    batch: list[_Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def header_lines(motifs: MotifSet, source: str | os.PathLike) -> list[str]:
    """The ``#`` lines opening a matrix TSV."""
    pseudo = "sqrt(N)*background per cell (JASPAR)" if motifs.pseudocount == "sqrt" else f"{motifs.pseudocount} per cell"
    background = ",".join(f"{b}:{p:g}" for b, p in zip("ACGT", motifs.background))
    return [
        f"# genebert {__version__} motifs scan",
        f"# input: {source}",
        f"# jaspar_release: {motifs.release} (CORE, vertebrates, latest version of each matrix); motifs: {len(motifs)}",
        f"# pseudocount: {pseudo}; background: {background}; log base 2",
        "# value: maximum log-odds score (bits) over all windows on both strands; N counts 0",
    ]


def scan_to_file(
    source: str | os.PathLike,
    output: str | os.PathLike,
    *,
    genome_path: str | os.PathLike | None = None,
    offsets: dict[str, int] | None = None,
    fmt: str | None = None,
    release: str = DEFAULT_RELEASE,
    tf_names: Sequence[str] | None = None,
    threshold: float | None = None,
    hits_out: str | os.PathLike | None = None,
    progress: bool | None = None,
) -> ScanSummary:
    """Scan a BED (with ``genome_path``) or FASTA file with JASPAR motifs; write the affinity
    matrix to ``output`` (TSV, or ``.npz``) and, with ``threshold`` and ``hits_out``, the hits as BED6.

    Raises ``InputError`` (file:line) for malformed input and ``ValueError`` for bad options.
    """
    from tqdm import tqdm

    from genebert_tool.genome.io import atomic_write

    if (threshold is None) != (hits_out is None):
        raise ValueError("--threshold and --hits-out go together")
    fmt = detect_format(source, fmt)
    motifs = load_motifs(release, tf_names=list(tf_names) if tf_names else None)
    genome = None
    if genome_path is not None:
        from genebert_tool.genome.fasta import Genome

        genome = Genome(genome_path, offsets=offsets)
    as_npz = str(output).lower().endswith(".npz")
    if as_npz and str(output) == "-":
        raise ValueError("cannot write .npz to stdout")
    show = sys.stderr.isatty() if progress is None else progress

    rows: list[str] = []
    blocks: list[np.ndarray] = []
    n_records = 0
    n_hits = 0
    with contextlib.ExitStack() as stack:
        table: IO | None = None
        if not as_npz:
            table = stack.enter_context(atomic_write(output))
            table.write("\n".join(header_lines(motifs, source)) + "\n")
            table.write("\t".join(["region", *motifs.columns]) + "\n")
        hits: IO | None = stack.enter_context(atomic_write(hits_out)) if hits_out is not None else None
        bar = stack.enter_context(tqdm(unit=" regions", disable=not show, file=sys.stderr))
        for batch in _batches(_records(source, fmt, genome), BATCH):
            matrix = max_scores([r.sequence for r in batch], motifs)
            n_records += len(batch)
            bar.update(len(batch))
            if table is not None:
                for record, values in zip(batch, matrix):
                    table.write(record.label + "\t" + "\t".join(map(format_score, values.tolist())) + "\n")
            else:
                rows.extend(r.label for r in batch)
                blocks.append(matrix)
            if hits is not None:
                for record in batch:
                    for hit in iter_hits(record.sequence, motifs, threshold):
                        n_hits += 1
                        hits.write(
                            f"{record.chrom}\t{record.offset + hit.start}\t{record.offset + hit.end}\t"
                            f"{motifs.names[hit.motif_index]}\t{hit.score:.3f}\t{hit.strand}\n"
                        )
        if as_npz:
            matrix = np.concatenate(blocks) if blocks else np.zeros((0, len(motifs)), np.float32)
            with atomic_write(output, "wb") as fh:
                np.savez(
                    fh,
                    matrix=matrix,
                    rows=np.array(rows),
                    columns=np.array(motifs.columns),
                    release=np.array(motifs.release),
                    pseudocount=np.array(str(motifs.pseudocount)),
                    background=np.array(motifs.background),
                    genebert_version=np.array(__version__),
                )
    return ScanSummary(n_records, len(motifs), n_hits if hits_out is not None else None, motifs.release)


def write_motif_list(out: IO, release: str = DEFAULT_RELEASE) -> int:
    """Write a TSV of the release's CORE vertebrate motifs (column, matrix_id, name, length); return the count."""
    motifs = load_motifs(release)
    out.write(f"# {motifs.release} CORE vertebrates, latest versions: {len(motifs)} motifs\n")
    out.write("column\tmatrix_id\tname\tlength\n")
    for column, motif_id, name, length in zip(motifs.columns, motifs.ids, motifs.names, motifs.lengths):
        out.write(f"{column}\t{motif_id}\t{name}\t{length}\n")
    return len(motifs)
