"""Pre-training corpus: samples of 10 consecutive accessible regions per cell type, sharded on disk.

Two modes, recorded in ``index.json`` as ``mode``:

* ``"regions"`` (the paper): a genome FASTA plus accessible regions per cell type — one BED per cell
  type, a BED with a cell-type column (comma-separated names; ``.`` = unknown, skipped), or a
  regions x cell-types binary matrix (Descartes-style: a BED of regions and a TSV whose header names
  the cell types, one 0/1 row per BED row, an optional leading ``region``/``name``/``id`` column).
  Within a cell type, regions are deduplicated and sorted in genome order (FASTA contig order,
  start, end) and cut into runs of ``n_regions`` consecutive regions; a run never crosses a
  chromosome and an incomplete run at a chromosome's end is dropped.
* ``"groups"``: labelled sequences without coordinates (the DeepBind ``_AC`` ChIP-seq peak sets,
  one "cell type" per TF x cell line file); ``n_regions`` consecutive sequences of a file (file
  order) form a sample. ``_B`` files are DeepBind's test folds and are refused.

Each region is centred and trimmed (or N-padded) to ``region_len`` bp by the one window rule
(``genebert_tool.genome.windows``: regions mode reads ``centred_window`` of the region from the genome,
groups mode cuts or pads each sequence with ``centre_fit``) and tokenised *separately*
(``region_len - k + 1`` overlapping k-mers per region), so no k-mer spans the junction of two
regions. Its motif affinity is the JASPAR max log-odds score over that same ``region_len`` window
(``genebert_tool.motifs.max_scores``), so the region matrix describes what the sequence encoder sees.

On-disk layout (``out_dir``)::

    spec.json                     the parameters; a rerun with other parameters is refused
    shard-00000.tokens.npy        (n, n_regions, tokens_per_region) int16 k-mer ids
    shard-00000.motifs.npy        (n, n_regions, n_tfs) float16 max log-odds
    shard-00000.cell_type.npy     (n,) int32 index into index.json "cell_types"
    shard-00000.coords.npy        (n, n_regions, 3) int64 [chrom index, start, end] of the original
                                  region; groups mode: [-1, line, line + 1] (1-based source line)
    shard-00000.next.npy          (n,) int64 global index of the true next sample, -1 if none
    shard-00000.json              written last: its presence marks the shard complete
    index.json                    written at the end: shards, cell types, counts, motif columns
    rejects.tsv                   BED lines that were skipped (regions mode), if any

Memory is bounded by one cell type's coordinates (or one group file's sequences) plus one shard.
Sample order, shard contents and the optional per-cell-type cap (a contiguous block at a seeded
offset) depend only on the inputs and ``seed``. An interrupted ``prepare`` resumes: complete
shards are skipped without recomputing their motif scans; every file is written atomically.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.io import atomic_write
from genebert_tool.genome.tokenizer import KmerTokenizer
from genebert_tool.genome.windows import centre_fit, centred_window
from genebert_tool.motifs.jaspar import DEFAULT_RELEASE

__all__ = [
    "CorpusSpec", "prepare_corpus", "Corpus", "deepbind_groups", "parse_named_paths",
]

FORMAT_VERSION = 1
_SHARD_ARRAYS = ("tokens", "motifs", "cell_type", "coords", "next")


@dataclass
class CorpusSpec:
    """Everything that determines the corpus content (saved as ``spec.json``)."""

    mode: str                      # "regions" | "groups"
    sources: dict[str, Any]        # what was read (paths, per-cell-type files)
    k: int = 6
    region_len: int = 30           # bp per region after centring/trimming
    n_regions: int = 10
    shard_size: int = 1024         # samples per shard
    seed: int = 0
    jaspar_release: str = DEFAULT_RELEASE
    tf_names: list[str] | None = None
    max_samples_per_cell_type: int | None = None
    offsets: dict[str, int] = field(default_factory=dict)
    include: list[list] | None = None  # [[chrom, start, end], ...]: keep only regions inside these
    cell_type_sep: str = ","           # separator of the --cell-type-column names (REMO: ";")
    format_version: int = FORMAT_VERSION

    @property
    def tokens_per_region(self) -> int:
        return self.region_len - self.k + 1

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------- helpers
def parse_named_paths(specs: Iterable[str], *, option: str, allow_repeat: bool = False) -> dict[str, Any]:
    """``["K562=a.bed", ...]`` -> ``{"K562": "a.bed"}`` (order kept). With ``allow_repeat`` a name may
    come back (``K562=a.bed K562=b.bed``) and the values are lists of paths (their regions are united)."""
    out: dict[str, Any] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        name, path = name.strip(), path.strip()
        if not sep or not name or not path:
            raise InputError(f"{option} expects NAME=FILE, got {spec!r}")
        if allow_repeat:
            out.setdefault(name, []).append(path)
        elif name in out:
            raise InputError(f"{option}: name {name!r} given twice")
        else:
            out[name] = path
    return out


def deepbind_groups(paths: Iterable[str | os.PathLike]) -> dict[str, str]:
    """Map DeepBind ``*_AC.seq.gz`` files (or directories holding them) to group names.

    The name is the file name without ``_AC.seq.gz`` (TF_CellLine_Antibody_Lab). ``_B`` files are
    DeepBind's held-out test folds: naming one explicitly is an error, and directories contribute
    only their ``_AC`` files.
    """
    out: dict[str, str] = {}
    for entry in paths:
        entry = Path(entry)
        files = sorted(entry.glob("*_AC.seq*")) if entry.is_dir() else [entry]
        for f in files:
            stem = f.name.removesuffix(".gz").removesuffix(".seq")
            if stem.endswith("_B"):
                raise InputError("DeepBind _B files are test folds and must not be used for pre-training", path=str(f))
            out[stem.removesuffix("_AC")] = str(f)
    if not out:
        raise InputError(f"no DeepBind _AC files found in {', '.join(map(str, paths))}")
    return out


def _block(n_samples: int, cap: int | None, seed: int, name: str) -> tuple[int, int]:
    """The [first, last) sample range kept for one cell type: all, or ``cap`` from a seeded offset."""
    if cap is None or n_samples <= cap:
        return 0, n_samples
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    first = int(rng.integers(0, n_samples - cap + 1))
    return first, first + cap


# ---------------------------------------------------------------------------------- sources
# A source yields, per cell type, lists of n_regions "items"; an item is (sequence, coords).
def _regions_by_cell_type(
    spec: CorpusSpec, genome, *, peaks: dict[str, str] | None, regions_bed: str | None,
    matrix: str | None, cell_type_column: int | None, rejects,
) -> dict[str, list[tuple[int, int, int]]]:
    from genebert_tool.genome.bed import iter_bed

    contig_order = {name: i for i, name in enumerate(genome.contigs)}
    per_type: dict[str, set[tuple[int, int, int]]] = {}
    allowed = _region_filter(spec, genome)

    def kept(path, rejects_log):
        for r in iter_bed(path, genome=genome, rejects=rejects_log):
            reason = allowed(r.chrom, r.start, r.end)
            if reason is None:
                yield r
            elif rejects is not None:
                rejects.add(str(path), r.line, reason, f"{r.chrom}\t{r.start}\t{r.end}")

    if peaks:
        for name, paths in peaks.items():
            per_type[name] = {(contig_order[r.chrom], r.start, r.end)
                              for path in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)
                              for r in kept(path, rejects)}
    if regions_bed and cell_type_column:  # may be combined with peaks: more cell types
        col = cell_type_column - 1
        for r in kept(regions_bed, rejects):
            if col >= len(r.fields):
                raise InputError(f"no column {cell_type_column} (line has {len(r.fields)})", path=regions_bed, line=r.line)
            for name in r.fields[col].split(spec.cell_type_sep):
                name = name.strip()
                if name and name != ".":
                    per_type.setdefault(name, set()).add((contig_order[r.chrom], r.start, r.end))
    elif regions_bed and matrix:
        from genebert_tool.genome.io import open_text

        with open_text(matrix) as fh:
            header = fh.readline().rstrip("\r\n").split("\t")
            has_id = header[0].strip().lower() in ("region", "name", "id", "")
            names = header[1:] if has_id else header
            if not names:
                raise InputError("matrix header names no cell types", path=matrix, line=1)
            for name in names:
                per_type.setdefault(name, set())
            bed_iter = iter_bed(regions_bed, genome=genome, rejects=None)
            for lineno, text in enumerate(fh, start=2):
                row = text.rstrip("\r\n").split("\t")
                values = row[1:] if has_id else row
                if len(values) != len(names):
                    raise InputError(f"expected {len(names)} values, got {len(values)}", path=matrix, line=lineno)
                try:
                    r = next(bed_iter)
                except StopIteration:
                    raise InputError("matrix has more rows than the regions BED", path=matrix, line=lineno) from None
                key = (contig_order[r.chrom], r.start, r.end)
                reason = allowed(r.chrom, r.start, r.end)
                if reason is not None:
                    rejects.add(str(regions_bed), r.line, reason, f"{r.chrom}\t{r.start}\t{r.end}")
                    continue
                for name, value in zip(names, values):
                    try:
                        on = float(value) != 0.0  # pseudo-bulk counts binarised, as in the paper
                    except ValueError:
                        raise InputError(f"not a number: {value!r}", path=matrix, line=lineno) from None
                    if on:
                        per_type[name].add(key)
            if next(bed_iter, None) is not None:
                raise InputError("regions BED has more rows than the matrix", path=regions_bed)
    elif not peaks:
        raise InputError("regions mode needs --peaks NAME=FILE, or --regions with --matrix or --cell-type-column")
    return {name: sorted(keys) for name, keys in per_type.items()}


def _region_filter(spec: CorpusSpec, genome):
    """``allowed(chrom, start, end)`` -> None to keep a region, else the reject reason. The window
    actually read (``region_len`` bp about the centre) must lie inside the contig, inside an
    ``include`` interval when given, and never touch the hidden test region (chr22 >= 38 Mb)."""
    from trainer.genome_split import TEST_REGION

    half = spec.region_len // 2
    include = [tuple(x) for x in spec.include] if spec.include else None

    def allowed(chrom: str, start: int, end: int) -> str | None:
        lo = (start + end) // 2 - half
        hi = lo + spec.region_len
        if TEST_REGION.overlaps(chrom, lo, hi):
            return f"in the hidden test region {TEST_REGION} (never used for pre-training)"
        if lo < 0 or hi > genome.length(chrom):
            return f"the {spec.region_len}-bp window about the centre leaves the contig"
        if include is not None and not any(c == chrom and s <= lo and hi <= e for c, s, e in include):
            return "outside --region"
        return None

    return allowed


def _runs(regions: list[tuple[int, int, int]], n: int) -> list[list[tuple[int, int, int]]]:
    """Cut genome-sorted regions into runs of n that never cross a chromosome."""
    runs: list[list[tuple[int, int, int]]] = []
    i = 0
    while i < len(regions):
        j = i
        while j < len(regions) and regions[j][0] == regions[i][0]:
            j += 1
        runs.extend(regions[s : s + n] for s in range(i, j - n + 1, n))
        i = j
    return runs


# A "sample plan" entry: (cell type id, list of (sequence, (chrom, start, end)), has_next)
_Sample = tuple[int, list[tuple[str, tuple[int, int, int]]], bool]


def _iter_region_samples(spec: CorpusSpec, genome, per_type, chroms: list[str]) -> Iterator[_Sample]:
    for ct, name in enumerate(per_type):
        runs = _runs(per_type[name], spec.n_regions)
        first, last = _block(len(runs), spec.max_samples_per_cell_type, spec.seed, name)
        for s in range(first, last):
            items = []
            for chrom_i, start, end in runs[s]:
                seq = genome.fetch(chroms[chrom_i], *centred_window(start, end, spec.region_len))
                items.append((seq, (chrom_i, start, end)))
            has_next = s + 1 < last and runs[s + 1][0][0] == runs[s][0][0]
            yield ct, items, has_next


def _iter_group_samples(spec: CorpusSpec, groups: dict[str, str]) -> Iterator[_Sample]:
    from genebert_tool.genome.sequences import iter_fasta, read_labelled

    for ct, (name, path) in enumerate(groups.items()):
        lower = str(path).lower().removesuffix(".gz")
        if lower.endswith((".fa", ".fasta", ".fna")):
            records = [(seq, i + 1) for i, (_, seq) in enumerate(iter_fasta(path))]
        else:
            records = [(r.sequence, r.line) for r in read_labelled(path)]
        n_samples = len(records) // spec.n_regions
        first, last = _block(n_samples, spec.max_samples_per_cell_type, spec.seed, name)
        for s in range(first, last):
            chunk = records[s * spec.n_regions : (s + 1) * spec.n_regions]
            items = [(centre_fit(seq, spec.region_len), (-1, line, line + 1)) for seq, line in chunk]
            yield ct, items, s + 1 < last


# ---------------------------------------------------------------------------------- writing
def _shard_stem(out: Path, shard: int) -> Path:
    return out / f"shard-{shard:05d}"


def _shard_done(out: Path, shard: int, digest: str) -> dict | None:
    meta_path = _shard_stem(out, shard).with_suffix(".json")
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("spec") != digest:
        return None
    if not all(_shard_stem(out, shard).with_name(f"shard-{shard:05d}.{a}.npy").exists() for a in _SHARD_ARRAYS):
        return None
    return meta


def _save_npy_atomic(path: Path, array: np.ndarray) -> None:
    with atomic_write(path, "wb") as fh:
        np.save(fh, array, allow_pickle=False)


def _write_json_atomic(path: Path, data: dict) -> None:
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, indent=1) + "\n")


def _write_shard(out: Path, shard: int, first: int, buf: list[_Sample], spec: CorpusSpec,
                 tokenizer: KmerTokenizer, motifs, digest: str) -> dict:
    from genebert_tool.motifs.scan import max_scores

    n, r, t = len(buf), spec.n_regions, spec.tokens_per_region
    seqs = [seq for _, items, _ in buf for seq, _ in items]
    tokens = np.stack([tokenizer.encode(s) for s in seqs]).reshape(n, r, t)
    scores = np.asarray(max_scores(seqs, motifs), dtype=np.float32).reshape(n, r, len(motifs))
    arrays = {
        "tokens": tokens.astype(np.int16),
        "motifs": scores.astype(np.float16),
        "cell_type": np.array([ct for ct, _, _ in buf], dtype=np.int32),
        "coords": np.array([[c for _, c in items] for _, items, _ in buf], dtype=np.int64).reshape(n, r, 3),
        "next": np.array([first + i + 1 if has_next else -1 for i, (_, _, has_next) in enumerate(buf)],
                         dtype=np.int64),
    }
    stem = _shard_stem(out, shard)
    for name, array in arrays.items():
        _save_npy_atomic(stem.with_name(f"{stem.name}.{name}.npy"), array)
    meta = {"shard": shard, "first": first, "n_samples": n, "spec": digest}
    _write_json_atomic(stem.with_suffix(".json"), meta)  # last: marks the shard complete
    return meta


def prepare_corpus(
    out_dir: str | os.PathLike,
    *,
    genome: str | os.PathLike | None = None,
    peaks: dict[str, str | list[str]] | None = None,
    regions_bed: str | None = None,
    matrix: str | None = None,
    cell_type_column: int | None = None,
    groups: dict[str, str] | None = None,
    k: int = 6,
    region_len: int = 30,
    n_regions: int = 10,
    shard_size: int = 1024,
    seed: int = 0,
    jaspar_release: str = DEFAULT_RELEASE,
    tf_names: list[str] | None = None,
    max_samples_per_cell_type: int | None = None,
    offsets: dict[str, int] | None = None,
    signal: dict[str, str] | None = None,
    peak_cutoff: float | str = "p90",
    peak_min_length: int = 100,
    peak_max_gap: int = 50,
    include: list[tuple[str, int, int]] | None = None,
    cell_type_sep: str = ",",
    progress: bool | None = None,
) -> dict:
    """Build (or resume) a corpus in ``out_dir`` and return its index (also written to index.json).

    Regions mode: ``genome`` plus ``peaks`` ({cell type: BED or list of BEDs, united}) or ``regions_bed`` with ``matrix`` or
    ``cell_type_column`` (1-based). Groups mode: ``groups`` ({name: labelled-sequence file}).
    ``tf_names`` restricts the motif columns (default: all CORE vertebrate motifs of the release).
    ``signal`` ({cell type: bigWig}) calls peaks per track with ``trainer.peaks.call_signal_peaks``
    (MACS3 bdgpeakcall; ``peak_*`` are its cutoff, min length and max gap) into ``out_dir/peaks/``
    and uses them like ``peaks``. ``include`` keeps only regions inside these intervals (the rest go
    to rejects.tsv); a region in the hidden test region (chr22 >= 38 Mb) is always rejected.
    """
    from genebert_tool.genome.intervals import RejectLog
    from genebert_tool.motifs.jaspar import load_motifs

    if (groups is None) == (genome is None):
        raise InputError("give either a genome (regions mode) or groups of sequences (groups mode)")
    if region_len < k:
        raise ValueError(f"region_len ({region_len}) must be >= k ({k})")
    mode = "groups" if groups is not None else "regions"
    sources: dict[str, Any] = (
        {"groups": dict(groups)} if groups is not None else
        {"genome": str(genome), "peaks": {n: p if isinstance(p, str) else list(map(str, p))
                                          for n, p in (peaks or {}).items()}, "regions": regions_bed, "matrix": matrix,
         "cell_type_column": cell_type_column,
         "signal": {n: str(p) for n, p in (signal or {}).items()},
         "peak_caller": ({"cutoff": str(peak_cutoff), "min_length": peak_min_length, "max_gap": peak_max_gap}
                         if signal else None)}
    )
    spec = CorpusSpec(mode=mode, sources=sources, k=k, region_len=region_len, n_regions=n_regions,
                      shard_size=shard_size, seed=seed, jaspar_release=jaspar_release,
                      tf_names=list(tf_names) if tf_names else None,
                      max_samples_per_cell_type=max_samples_per_cell_type, offsets=dict(offsets or {}),
                      include=[[c, int(a), int(b)] for c, a, b in include] if include else None,
                      cell_type_sep=cell_type_sep)
    digest = spec.digest()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec_path = out / "spec.json"
    if spec_path.exists():
        old = json.loads(spec_path.read_text())
        if old.get("digest") != digest:
            raise InputError("corpus directory was built with other parameters; use a new directory",
                             path=str(spec_path))
    else:
        _write_json_atomic(spec_path, {"digest": digest, **asdict(spec)})

    tokenizer = KmerTokenizer(k)
    motifs = load_motifs(jaspar_release, tf_names=tf_names) if tf_names else load_motifs(jaspar_release)
    rejects = RejectLog()
    chroms: list[str] = []
    if mode == "regions":
        from genebert_tool.genome.fasta import Genome

        gen = Genome(genome, offsets=offsets or None)
        chroms = list(gen.contigs)
        peak_calls = {}
        if signal:
            from trainer.peaks import call_signal_peaks

            peaks = {n: ([p] if isinstance(p, (str, os.PathLike)) else list(p)) for n, p in (peaks or {}).items()}
            (out / "peaks").mkdir(exist_ok=True)
            for name, bw in signal.items():
                bed = out / "peaks" / f"{name}.bed"
                peak_calls[name] = dict(call_signal_peaks(
                    bw, bed, contig_lengths=dict(gen.contigs), cutoff=peak_cutoff, min_length=peak_min_length,
                    max_gap=peak_max_gap))
                peaks.setdefault(name, []).append(str(bed))
        per_type = _regions_by_cell_type(spec, gen, peaks=peaks, regions_bed=regions_bed, matrix=matrix,
                                         cell_type_column=cell_type_column, rejects=rejects)
        cell_types = list(per_type)
        samples = _iter_region_samples(spec, gen, per_type, chroms)
    else:
        cell_types = list(groups)
        samples = _iter_group_samples(spec, groups)

    try:
        from tqdm import tqdm

        bar = tqdm(desc="prepare", unit="sample", file=sys.stderr,
                   disable=(not sys.stderr.isatty()) if progress is None else not progress)
    except ImportError:  # pragma: no cover
        bar = None
    shards: list[dict] = []
    counts = [0] * len(cell_types)
    buf: list[_Sample] = []
    total = 0
    skipped = 0

    def flush() -> None:
        nonlocal skipped
        shard = len(shards)
        first = total - len(buf)
        meta = _shard_done(out, shard, digest)
        if meta is None:
            meta = _write_shard(out, shard, first, buf, spec, tokenizer, motifs, digest)
        else:
            skipped += 1
        shards.append(meta)
        buf.clear()

    for sample in samples:
        buf.append(sample)
        counts[sample[0]] += 1
        total += 1
        if bar is not None:
            bar.update(1)
        if len(buf) == shard_size:
            flush()
    if buf:
        flush()
    if bar is not None:
        bar.close()
    if total == 0:
        raise InputError(f"no sample of {n_regions} consecutive regions could be formed from the inputs")
    if len(rejects):
        rejects.write_tsv(out / "rejects.tsv")
    index = {
        "format_version": FORMAT_VERSION,
        "mode": mode,
        "spec": digest,
        "n_samples": total,
        "n_regions": n_regions,
        "k": k,
        "region_len": region_len,
        "tokens_per_region": spec.tokens_per_region,
        "jaspar_release": jaspar_release,
        "motif_columns": list(motifs.columns),
        "motif_ids": list(motifs.ids),
        "n_tfs": len(motifs),
        "cell_types": cell_types,
        "samples_per_cell_type": dict(zip(cell_types, counts)),
        "n_with_next": None,  # filled below
        "chroms": chroms,
        "shards": [{"shard": m["shard"], "first": m["first"], "n_samples": m["n_samples"]} for m in shards],
        "shards_skipped_on_resume": skipped,
        "rejects": len(rejects),
        "rejects_by_reason": rejects.counts(),
        "peak_calls": peak_calls if mode == "regions" else {},
        "regions_per_cell_type": ({n: len(v) for n, v in per_type.items()} if mode == "regions" else None),
        "tokens": int(total * n_regions * spec.tokens_per_region),
        "seed": seed,
        "sources": sources,
    }
    corpus = Corpus(out, index=index)
    index["n_with_next"] = int(len(corpus.anchors))
    _write_json_atomic(out / "index.json", index)
    return index


# ---------------------------------------------------------------------------------- reading
class Corpus:
    """Read-only view of a prepared corpus; shard arrays are memory-mapped lazily."""

    def __init__(self, path: str | os.PathLike, *, index: dict | None = None) -> None:
        self.path = Path(path)
        if index is None:
            index_path = self.path / "index.json"
            if not index_path.exists():
                raise InputError("not a prepared corpus (no index.json; run `genebert prepare`)", path=str(self.path))
            index = json.loads(index_path.read_text())
        self.index = index
        self._starts = [s["first"] for s in index["shards"]]
        self._arrays: dict[tuple[int, str], np.ndarray] = {}
        self.n_regions = int(index["n_regions"])
        self.tokens_per_region = int(index["tokens_per_region"])
        self.n_tfs = int(index["n_tfs"])
        nxt = self.array_all("next")
        self.next = nxt
        self.anchors = np.flatnonzero(nxt >= 0)  # samples that have a true next sample

    def __len__(self) -> int:
        return int(self.index["n_samples"])

    @property
    def mode(self) -> str:
        return self.index["mode"]

    def _array(self, shard: int, name: str) -> np.ndarray:
        key = (shard, name)
        if key not in self._arrays:
            self._arrays[key] = np.load(self.path / f"shard-{shard:05d}.{name}.npy", mmap_mode="r")
        return self._arrays[key]

    def array_all(self, name: str) -> np.ndarray:
        """One small per-sample array (``cell_type`` or ``next``) concatenated over shards."""
        if not self.index["shards"]:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.asarray(self._array(s["shard"], name)) for s in self.index["shards"]])

    def _locate(self, i: int) -> tuple[int, int]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        shard = bisect.bisect_right(self._starts, i) - 1
        return self.index["shards"][shard]["shard"], i - self._starts[shard]

    def tokens(self, i: int) -> np.ndarray:
        """k-mer ids of sample ``i``: (n_regions, tokens_per_region) int64."""
        shard, j = self._locate(i)
        return np.asarray(self._array(shard, "tokens")[j], dtype=np.int64)

    def motifs(self, i: int) -> np.ndarray:
        """Region matrix of sample ``i``: (n_regions, n_tfs) float32."""
        shard, j = self._locate(i)
        return np.asarray(self._array(shard, "motifs")[j], dtype=np.float32)

    def coords(self, i: int) -> np.ndarray:
        shard, j = self._locate(i)
        return np.asarray(self._array(shard, "coords")[j])

    def cell_type(self, i: int) -> int:
        shard, j = self._locate(i)
        return int(self._array(shard, "cell_type")[j])
