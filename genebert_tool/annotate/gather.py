"""``genebert gather``: join the outputs of ``genebert annotate`` runs over pieces of one input
(``--shard K/N``, or ``--region`` per contig) into the outputs one run over the whole input writes.

Pieces are output prefixes, in genome order (shard 1..N, contigs in genome order). Per file suffix:

* tables (``.bed``, ``.tsv``, ``.rejected.tsv``, BED6 ``.<output>.bed``, ``.<output>.bedGraph``):
  the first piece's header lines (``#`` comments, ``track`` line, the column line), then every
  piece's rows in piece order;
* ``.vcf.gz``: the first piece's header, every piece's records, BGZF + tabix (pysam; the same
  writer as ``annotate``, so bcftools is not needed);
* bigWigs (``.<output>.bw``, ``.<output>.bgfpr.bw``): rebuilt once with ``writers.bigwig`` from the
  pieces' intervals -- their bigWigs (exact float32 values) where every piece with data has one,
  else their bedGraphs (values as written there: 4 decimals). A piece without rows writes no track,
  and adds nothing.

Headers must agree: piece headers may differ only in the scatter fields of the run line
(``shard=K/N``; ``region=...`` when scattered by contig), which the gathered header leaves out, so a
gather of a genome-sorted input is byte for byte the unsharded run. Pieces made with different
models, versions or weights (sha256) are refused, as is any other header difference, a piece
missing a table, and tracks of neighbouring pieces that overlap (rows straddling a shard boundary,
e.g. tiles with ``--step < --tile``: the nearest-centre rule needs the rows, not the pieces' tracks).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.writers.tracks import TRACK_FORMATS

#: Text outputs joined as tables: the scored table and every text track format (BED6, bedGraph).
_TABLE_SUFFIXES = (".bed", ".tsv", *sorted({f.suffix for f in TRACK_FORMATS.values() if f.text}))
_COLUMN_LINE = (".tsv",)  # tables whose column header is a plain (not ``#``) line
_BLOCK = 1 << 20  # bases of a bigWig read at a time (flat memory on per-base tracks)


@dataclass
class GatherSummary:
    pieces: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # suffix -> data rows / records written
    outputs: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = ", ".join(f"{s}: {n}" for s, n in self.rows.items())
        return [f"genebert gather: {self.pieces} pieces -> {len(self.outputs)} files ({counts})",
                "wrote: " + ", ".join(self.outputs)]


def piece_files(prefix: str) -> dict[str, Path]:
    """``suffix -> path`` of the files ``annotate -o prefix`` wrote (``.vcf.gz.tbi`` and locks left out)."""
    base = Path(prefix)
    if not base.parent.is_dir():
        raise InputError("directory not found (gather piece)", path=prefix)
    found = {}
    for p in sorted(base.parent.glob(base.name + ".*")):
        suffix = p.name[len(base.name):]
        if p.is_file() and not suffix.endswith((".tbi", ".lock")) and ".tmp" not in suffix:
            found[suffix] = p
    if not found:
        raise InputError("no annotate outputs with this prefix", path=prefix)
    return found


def _normalise_run_line(line: str, keys: Sequence[str]) -> str:
    for key in keys:
        line = re.sub(rf" {re.escape(key)}=\S+", "", line)
    return line


def _split_table(path: Path, suffix: str) -> tuple[list[str], Iterator[str]]:
    """(header lines, an iterator over the data lines) of a genebert table."""
    fh = open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by the generator / caller
    header: list[str] = []
    first = None
    for line in fh:
        if line.startswith(("#", "track ", "browser ")):
            header.append(line)
            continue
        first = line
        break
    if first is not None and (suffix.endswith(_COLUMN_LINE)):
        header.append(first)
        first = None

    def rows() -> Iterator[str]:
        with fh:
            if first is not None:
                yield first
            yield from fh

    return header, rows()


def _vcf_header(path: Path) -> list[str]:
    import pysam

    with pysam.BGZFile(str(path), "rb") as fh:
        lines = []
        for raw in fh:
            line = raw.decode().rstrip("\r\n")  # BGZFile yields lines without their newline
            if not line.startswith("#"):
                break
            lines.append(line + "\n")
    return lines


def _vcf_records(path: Path) -> Iterator[str]:
    import pysam

    with pysam.BGZFile(str(path), "rb") as fh:
        for raw in fh:
            if not raw.startswith(b"#"):
                yield raw.decode()


def _model_lines(header: Sequence[str]) -> list[str]:
    return [ln.strip() for ln in header if ln.startswith(("#model ", "##genebert_model="))]


def check_headers(headers: Sequence[list[str]], pieces: Sequence[str], what: str, keys: Sequence[str]) -> list[str]:
    """The shared header (scatter fields dropped); ``InputError`` naming the first difference."""
    norm = [[_normalise_run_line(ln, keys) if ln.startswith("#genebert annotate ") else ln for ln in h]
            for h in headers]
    for i in range(1, len(norm)):
        if norm[i] == norm[0]:
            continue
        m0, mi = _model_lines(norm[0]), _model_lines(norm[i])
        if m0 != mi:
            a = next((x for x in m0 if x not in mi), "(none)")
            b = next((x for x in mi if x not in m0), "(none)")
            raise InputError(f"pieces were made with different models (name, version or sha256 of the weights): "
                             f"{pieces[0]}{what} has {a!r}, {pieces[i]}{what} has {b!r}; gather only pieces of "
                             "one run")
        n = next((j for j, (x, y) in enumerate(zip(norm[0], norm[i])) if x != y), min(len(norm[0]), len(norm[i])))
        a = norm[0][n].strip() if n < len(norm[0]) else "(end of header)"
        b = norm[i][n].strip() if n < len(norm[i]) else "(end of header)"
        raise InputError(f"piece headers differ at header line {n + 1}: {pieces[0]}{what} has {a!r}, "
                         f"{pieces[i]}{what} has {b!r}; gather only pieces of one run")
    return norm[0]


def _gather_table(pieces, files, suffix, out: Path, keys) -> int:
    from genebert_tool.genome.io import atomic_write

    splits = [_split_table(f[suffix], suffix) for f in files]
    try:
        header = check_headers([h for h, _ in splits], pieces, suffix, keys)
        n = 0
        with atomic_write(out, "wt") as fh:
            fh.writelines(header)
            for _, rows in splits:
                for line in rows:
                    fh.write(line)
                    n += 1
        return n
    finally:
        for _, rows in splits:
            rows.close()


def _gather_vcf(pieces, files, suffix, out: Path) -> tuple[int, str | None]:
    from genebert_tool.writers.vcf import VcfWriter

    header = check_headers([_vcf_header(f[suffix]) for f in files], pieces, suffix, ())
    n = 0
    with VcfWriter(out, "".join(header), []) as writer:
        for f in files:
            for line in _vcf_records(f[suffix]):
                writer.write(line, [])
                n += 1
    return n, writer.index_error


def _bigwig_intervals(path: Path, chroms: Sequence[str]) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    import pyBigWig

    bw = pyBigWig.open(str(path))
    try:
        sizes = bw.chroms()
        for chrom in chroms:
            if chrom not in sizes:
                continue
            for lo in range(0, sizes[chrom], _BLOCK):
                iv = bw.intervals(chrom, lo, min(lo + _BLOCK, sizes[chrom])) or ()
                iv = [x for x in iv if x[0] >= lo]  # an interval crossing lo came with the previous block
                if iv:
                    a = np.asarray(iv, dtype=np.float64)
                    yield chrom, a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2]
    finally:
        bw.close()


def _bedgraph_intervals(path: Path, chroms: Sequence[str]) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    _, rows = _split_table(path, ".bedGraph")
    with contextlib.closing(rows):
        chrom, buf = None, []
        for line in rows:
            c, s, e, v = line.rstrip("\n").split("\t")[:4]
            if c != chrom or len(buf) >= 65536:
                if buf:
                    a = np.asarray(buf, dtype=np.float64)
                    yield chrom, a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2]
                chrom, buf = c, []
            buf.append((int(s), int(e), float(v)))
        if buf:
            a = np.asarray(buf, dtype=np.float64)
            yield chrom, a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2]


def _bigwig_sizes(path: Path) -> list[tuple[str, int]]:
    import pyBigWig

    bw = pyBigWig.open(str(path))
    try:
        return list(bw.chroms().items())
    finally:
        bw.close()


def _gather_bigwig(pieces, files, name: str, out: Path, chrom_sizes) -> int:
    """``name`` = ``.<output>`` (or ``.<output>.bgfpr``): rebuild ``out`` from the pieces' tracks."""
    from genebert_tool.writers.bigwig import BigWigWriter

    bw_suffix, bg_suffix = name + ".bw", name + ".bedGraph"
    with_data = [(p, f) for p, f in zip(pieces, files) if bw_suffix in f or bg_suffix in f]
    exact = all(bw_suffix in f for _, f in with_data)
    source = next((f[bw_suffix] for _, f in with_data if bw_suffix in f), None)
    if source is not None:  # the header annotate wrote (its genome, offsets and all)
        chrom_sizes = _bigwig_sizes(source)
    elif chrom_sizes is None:
        raise InputError(f"{bg_suffix}: the pieces have bedGraphs but no bigWig to take chromosome sizes from: "
                         "pass --genome FASTA")
    order = [c for c, _ in chrom_sizes]
    last: dict[str, tuple[int, str]] = {}
    n = 0
    with BigWigWriter(out, chrom_sizes) as writer:
        for piece, f in with_data:
            blocks = _bigwig_intervals(f[bw_suffix], order) if exact else _bedgraph_intervals(f[bg_suffix], order)
            for chrom, s, e, v in blocks:
                prev = last.get(chrom)
                if prev is not None and prev[1] != piece and s[0] < prev[0]:
                    raise InputError(f"tracks of pieces {prev[1]} and {piece} overlap on {chrom} at {int(s[0])} "
                                     "(rows straddle the piece boundary, e.g. tiles with --step < --tile): scatter "
                                     "by contig, or use --step >= --tile")
                if prev is not None and order.index(chrom) < max(order.index(c) for c in last):
                    raise InputError(f"{piece}{bw_suffix}: chromosome {chrom} after a later one: give the pieces "
                                     "in genome order")
                writer.add(chrom, s, e, v)
                last[chrom] = (int(e[-1]), piece)
                n += len(s)
    return n


def gather(pieces: Sequence[str], output: str, *, genome: str | None = None,
           scatter_keys: Sequence[str] = ("shard",)) -> GatherSummary:
    """Join the outputs of ``annotate`` runs with prefixes ``pieces`` (in genome order) into ``output``
    (a prefix); see the module docstring. ``genome``: chromosome sizes for bigWigs rebuilt from
    bedGraphs alone; ``scatter_keys``: run-line fields in which pieces may differ."""
    from genebert_tool.annotate.options import output_prefix

    if not pieces:
        raise InputError("gather needs at least one piece")
    prefix = output_prefix(output)
    files = [piece_files(p) for p in pieces]
    if any(os.path.abspath(prefix) == os.path.abspath(p) for p in pieces):
        raise InputError("the output prefix is one of the pieces", path=output)
    if not Path(prefix).parent.is_dir():
        raise InputError(f"output directory {Path(prefix).parent} does not exist", path=output)
    chrom_sizes = None
    if genome:
        from genebert_tool.genome.fasta import Genome

        g = Genome(genome)
        try:
            chrom_sizes = list(g.contigs.items())
        finally:
            g.close()
    suffixes = sorted({s for f in files for s in f})
    tracks = sorted({s[: -len(".bw")] for s in suffixes if s.endswith(".bw")}
                    | {s[: -len(".bedGraph")] for s in suffixes if s.endswith(".bedGraph")})
    summary = GatherSummary(pieces=len(pieces))
    for suffix in suffixes:
        is_track = suffix.endswith((".bw", ".bedGraph"))
        missing = [p for p, f in zip(pieces, files) if suffix not in f]
        if missing and not is_track:  # an empty piece still writes every table; it writes no tracks
            raise InputError(f"piece {missing[0]} has no {missing[0]}{suffix} (other pieces have one): "
                             "gather only complete pieces of one run")
    for suffix in suffixes:
        out = Path(prefix + suffix)
        if suffix.endswith(".bw"):
            continue
        if suffix.endswith(".vcf.gz"):
            summary.rows[suffix], error = _gather_vcf(pieces, files, suffix, out)
            summary.outputs.append(str(out))
            if error is None:
                summary.outputs.append(f"{out}.tbi")
        elif suffix.endswith(_TABLE_SUFFIXES):
            have = [(p, f) for p, f in zip(pieces, files) if suffix in f]
            summary.rows[suffix] = _gather_table([p for p, _ in have], [f for _, f in have], suffix, out, scatter_keys)
            summary.outputs.append(str(out))
        else:
            raise InputError(f"{pieces[0]}{suffix}: not a file genebert annotate writes; cannot gather it")
    for name in tracks:
        summary.rows[name + ".bw"] = _gather_bigwig(pieces, files, name, Path(prefix + name + ".bw"), chrom_sizes)
        summary.outputs.append(prefix + name + ".bw")
    return summary
