"""Training and dev examples drawn from a real genome: positives from truth files, negatives from the
genomic background of the same split part.

``build_genome_data(task, settings, split)`` returns ``(train, dev, record)`` for the fine-tuning loop.
Every window lies wholly inside one part of the ``GenomeSplit`` (train or dev) and none touches the
hidden test region (``check_allowed`` on each); sequence is read only from the parts' intervals.

Negatives, per part (the counts are settings):

* ``random``: uniform positions with at most ``max_n_fraction`` N;
* ``gc``: drawn from a random pool so their GC histogram matches the positives' (10 bins);
* ``hard``: task-specific -- CpG-rich windows (CpG o/e >= 0.6, GC >= 0.5) away from any TSS for
  ``promoter``; accessible regions (``hard_negatives`` BED/narrowPeak centres, e.g. ATAC peaks, REMO
  elements) for ``tfbs`` (labelled by the same rule as everything else, so accessible-but-unbound
  regions become negatives of every TF they do not bind).

Labels follow one rule per task, the same for every window (a "negative" near a site is labelled by it):

* promoter: 1 if a TSS lies within ``pos_radius`` of the window centre, -100 (ignored) up to
  ``ignore_radius``, else 0;
* tfbs: per experiment (``TF_cell``), 1 if a summit lies within ``pos_radius`` of the centre, -100 up to
  ``ignore_radius``, else 0.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.annotation import read_summits, read_tss
from genebert_tool.genome.bed import parse_bed_line
from genebert_tool.genome.io import iter_lines
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.windows import centred_window
from trainer.datasets import TaskData
from trainer.genome_split import DEFAULT_SPLIT, GenomeSplit, Interval, check_allowed
from trainer.metrics import IGNORE_INDEX

__all__ = ["GenomeDataSettings", "GenomeParts", "build_genome_data", "resolve_data_path", "experiment_name",
           "gc_content", "cpg_oe"]

_ASCII = np.frombuffer(b"ACGT", dtype=np.uint8)


def resolve_data_path(path: str) -> str:
    """``$GENEBERT_DATA/...`` (or ``${GENEBERT_DATA}``) -> the shared data directory; others unchanged."""
    if "GENEBERT_DATA" in path:
        from genebert_tool.datadir import data_dir

        path = path.replace("${GENEBERT_DATA}", str(data_dir())).replace("$GENEBERT_DATA", str(data_dir()))
    return path


def _expand(patterns: list[str]) -> list[str]:
    out = []
    for pattern in patterns:
        pattern = resolve_data_path(pattern)
        hits = sorted(glob.glob(pattern)) if any(ch in pattern for ch in "*?[") else [pattern]
        if not hits:
            raise InputError("no file matches", path=pattern)
        for hit in hits:
            if not Path(hit).exists():
                raise InputError("file not found", path=hit)
        out.extend(hits)
    return out


_DREAM = re.compile(r"encode_dream\.(?P<cell>[^.]+)\.(?P<tf>[^.]+)\.")


def experiment_name(path: str) -> str:
    """``encode_dream.K562.CTCF.hg38_chr22.narrowPeak`` -> ``CTCF_K562``; other files: their stem."""
    m = _DREAM.search(Path(path).name)
    if m:
        return f"{m['tf']}_{m['cell']}"
    return Path(path).name.split(".")[0]


@dataclass
class GenomeDataSettings:
    """Where the examples come from (saved with the model in ``finetune_config.json`` under ``genome``)."""

    fasta: list[str] = field(default_factory=list)
    truth: list[str] = field(default_factory=list)
    hard_negatives: list[str] = field(default_factory=list)
    window_bp: int = 300
    pos_radius: int = 100
    ignore_radius: int = 500
    jitter_bp: int = 50
    copies_per_site: int = 2
    n_random: int = 10000
    n_gc: int = 5000
    n_hard: int = 3000
    dev_scale: float = 0.3
    max_dev_windows: int | None = None  # seeded subsample of the dev windows (dev scoring time)
    max_n_fraction: float = 0.05
    exclude_names: list[str] = field(default_factory=list)  # TFBS experiments to leave out (regex)


def gc_content(seqs: list[str]) -> np.ndarray:
    return np.array([(s.count("G") + s.count("C")) / max(1, len(s) - s.count("N")) for s in seqs], np.float64)


def cpg_oe(seqs: list[str]) -> np.ndarray:
    """CpG observed/expected (Gardiner-Garden & Frommer): CG * L / (C * G)."""
    out = np.zeros(len(seqs))
    for i, s in enumerate(seqs):
        c, g = s.count("C"), s.count("G")
        out[i] = s.count("CG") * len(s) / (c * g) if c and g else 0.0
    return out


class GenomeParts:
    """The sequence of each split part, read once (never outside the parts' intervals)."""

    def __init__(self, fastas: list[str], split: GenomeSplit) -> None:
        self.genomes = [Genome(p) for p in fastas]
        self.split = split
        self.seq: dict[Interval, str] = {}
        for part in ("train", "dev"):
            for iv in getattr(split, part):
                genome = next((g for g in self.genomes if iv.chrom in g), None)
                if genome is None:
                    continue
                end = min(iv.end if iv.end is not None else genome.length(iv.chrom), genome.length(iv.chrom))
                check_allowed(iv.chrom, iv.start, end, what=f"{part} interval")
                self.seq[iv] = genome.fetch(iv.chrom, iv.start, end)
        if not any(iv in self.seq for iv in split.train):
            raise InputError(f"none of the train intervals ({', '.join(map(str, split.train))}) is in the FASTA(s) "
                             f"{', '.join(fastas)}")

    def intervals(self, part: str) -> list[Interval]:
        return [iv for iv in getattr(self.split, part) if iv in self.seq]

    def window(self, iv: Interval, centre: int, width: int) -> str | None:
        """Bases of the window centred on ``centre`` (``genome.windows``, annotate's rule for the 1-bp
        row ``[c, c+1)``: ``[c - w//2, c - w//2 + w)``), or None when it leaves the interval."""
        lo, hi = centred_window(centre, centre + 1, width)
        if lo < iv.start or hi > iv.start + len(self.seq[iv]):
            return None
        return self.seq[iv][lo - iv.start : hi - iv.start]

    def random_centres(self, part: str, n: int, width: int, rng: np.random.Generator, max_n: float) -> list[tuple[Interval, int, str]]:
        ivs = self.intervals(part)
        sizes = np.array([len(self.seq[iv]) for iv in ivs], dtype=np.float64)
        out: list[tuple[Interval, int, str]] = []
        tries = 0
        while len(out) < n and tries < 50 * max(n, 1):
            tries += 1
            iv = ivs[rng.choice(len(ivs), p=sizes / sizes.sum())]
            c = iv.start + width // 2 + int(rng.integers(0, max(1, len(self.seq[iv]) - width)))
            s = self.window(iv, c, width)
            if s is not None and s.count("N") <= max_n * width:
                out.append((iv, c, s))
        return out


def _part_of_site(parts: GenomeParts, part: str, chrom: str, pos: int, width: int) -> Interval | None:
    for iv in parts.intervals(part):
        if iv.contains(chrom, *centred_window(pos, pos + 1, width)):
            return iv
    return None


def _nearest_distance(sorted_pos: np.ndarray, x: np.ndarray) -> np.ndarray:
    if len(sorted_pos) == 0:
        return np.full(len(x), np.iinfo(np.int64).max // 4)
    i = np.searchsorted(sorted_pos, x)
    left = np.abs(x - sorted_pos[np.clip(i - 1, 0, len(sorted_pos) - 1)])
    right = np.abs(sorted_pos[np.clip(i, 0, len(sorted_pos) - 1)] - x)
    return np.minimum(left, right)


def _label(sites: dict[str, np.ndarray], chroms: list[str], centres: np.ndarray, s: GenomeDataSettings) -> np.ndarray:
    dist = np.full(len(centres), np.iinfo(np.int64).max // 4)
    for chrom in set(chroms):
        rows = np.array([c == chrom for c in chroms])
        dist[rows] = _nearest_distance(sites.get(chrom, np.zeros(0, np.int64)), centres[rows])
    return np.where(dist <= s.pos_radius, 1, np.where(dist <= s.ignore_radius, IGNORE_INDEX, 0)).astype(np.int64)


def _gc_matched(pool: list, pool_gc: np.ndarray, target_gc: np.ndarray, n: int, rng) -> list:
    bins = np.linspace(0, 1, 11)
    want = np.histogram(target_gc, bins)[0].astype(np.float64)
    want = np.round(want / max(1, want.sum()) * n).astype(int)
    which = np.clip(np.digitize(pool_gc, bins) - 1, 0, 9)
    picked = []
    for b in range(10):
        idx = np.flatnonzero(which == b)
        if len(idx):
            picked.extend(rng.choice(idx, size=min(want[b], len(idx)), replace=False).tolist())
    return [pool[i] for i in picked]


def _centres_of(files: list[str]) -> dict[str, list[int]]:
    """Interval centres of BED3+ files, reading only chrom/start/end (REMO and other BED3+ tables put
    non-BED values in columns 5-6)."""
    out: dict[str, list[int]] = {}
    for f in files:
        for lineno, text in iter_lines(f):
            if not text.strip() or text.startswith(("#", "track", "browser")):
                continue
            try:
                r = parse_bed_line("\t".join(text.split("\t")[:3]), lineno)
            except ValueError as exc:
                raise InputError(str(exc), path=f, line=lineno) from None
            out.setdefault(r.chrom, []).append((r.start + r.end) // 2)
    return out


def _part_examples(task: str, part: str, parts: GenomeParts, sites: list[dict[str, np.ndarray]], names: list[str],
                   s: GenomeDataSettings, rng: np.random.Generator) -> tuple[list[str], np.ndarray, list[str], dict]:
    scale = 1.0 if part == "train" else s.dev_scale
    w = s.window_bp
    picked: list[tuple[Interval, int, str, str]] = []  # interval, centre, sequence, kind
    # positives: every site of the part, jittered copies
    n_sites = 0
    for exp_sites in sites:
        for chrom, positions in exp_sites.items():
            for pos in positions:
                iv = _part_of_site(parts, part, chrom, int(pos), w + 2 * s.jitter_bp)
                if iv is None:
                    continue
                n_sites += 1
                for _ in range(s.copies_per_site if part == "train" else 1):
                    c = int(pos) + (int(rng.integers(-s.jitter_bp, s.jitter_bp + 1)) if part == "train" else 0)
                    seq = parts.window(iv, c, w)
                    if seq is not None and seq.count("N") <= s.max_n_fraction * w:
                        picked.append((iv, c, seq, "site"))
    if not picked:
        raise InputError(f"no truth site lies in the {part} region ({', '.join(map(str, parts.intervals(part)))})")
    pos_gc = gc_content([p[2] for p in picked])
    picked += [(*r, "random") for r in parts.random_centres(part, int(s.n_random * scale), w, rng, s.max_n_fraction)]
    pool = parts.random_centres(part, int(max(s.n_gc, s.n_hard) * scale * 6), w, rng, s.max_n_fraction)
    pool_seqs = [p[2] for p in pool]
    picked += [(*r, "gc") for r in _gc_matched(pool, gc_content(pool_seqs), pos_gc, int(s.n_gc * scale), rng)]
    if task == "promoter":
        gc, oe = gc_content(pool_seqs), cpg_oe(pool_seqs)
        rich = [pool[i] for i in np.flatnonzero((gc >= 0.5) & (oe >= 0.6))]
        rng.shuffle(rich)
        picked += [(*r, "hard") for r in rich[: int(s.n_hard * scale)]]
    elif s.hard_negatives:
        centres = _centres_of(_expand(s.hard_negatives))
        cand = []
        for chrom, cs in centres.items():
            for c in cs:
                iv = _part_of_site(parts, part, chrom, c, w)
                if iv is not None:
                    seq = parts.window(iv, c, w)
                    if seq is not None and seq.count("N") <= s.max_n_fraction * w:
                        cand.append((iv, c, seq))
        order = rng.permutation(len(cand))[: int(s.n_hard * scale)]
        picked += [(*cand[i], "hard") for i in order]
    for iv, c, _, _ in picked:
        check_allowed(iv.chrom, *centred_window(c, c + 1, w))
    chroms = [p[0].chrom for p in picked]
    centres = np.array([p[1] for p in picked], dtype=np.int64)
    labels = np.stack([_label(es, chroms, centres, s) for es in sites], axis=1)
    kinds = [p[3] for p in picked]
    counts = {k: kinds.count(k) for k in ("site", "random", "gc", "hard")}
    counts["truth_sites_in_part"] = n_sites
    counts["positive_labels"] = int((labels == 1).sum())
    names_out = [f"{p[0].chrom}:{'-'.join(map(str, centred_window(p[1], p[1] + 1, w)))}|{p[3]}" for p in picked]
    return [p[2] for p in picked], labels, names_out, counts


def build_genome_data(task: str, settings: GenomeDataSettings, *, seed: int = 0,
                      split: GenomeSplit = DEFAULT_SPLIT) -> tuple[TaskData, TaskData, dict]:
    """(train, dev, split record) of windows sampled from the genome (see the module docstring)."""
    if task not in ("promoter", "tfbs"):
        raise InputError(f"genome sampling of sequence-level windows supports promoter and tfbs, not {task!r} "
                         "(splice is trained per base: trainer.splice_token)")
    s = settings
    fastas = _expand(s.fasta)
    truth = _expand(s.truth)
    if s.exclude_names:
        truth = [t for t in truth if not any(re.search(p, experiment_name(t)) for p in s.exclude_names)]
    parts = GenomeParts(fastas, split)
    contigs = {iv.chrom for iv in parts.seq}
    if task == "promoter":
        merged: dict[str, list[int]] = {}
        for t in truth:
            for chrom, pos in read_tss(t, contigs=None).items():
                merged.setdefault(chrom, []).extend(pos.tolist())
        sites = [{c: np.unique(np.array(v, np.int64)) for c, v in merged.items() if c in contigs}]
        names = ["promoter"]
    else:
        sites, names = [], []
        for t in truth:
            sites.append({c: v for c, v in read_summits(t).items() if c in contigs})
            names.append(experiment_name(t))
        if len(set(names)) != len(names):
            raise InputError(f"two truth files give the same output name: {sorted(n for n in names if names.count(n) > 1)}")
    record = {"task": task, **split.to_json(), "fasta": fastas, "truth": truth, "hard_negatives": s.hard_negatives,
              "seed": seed, "window_bp": s.window_bp, "label_rule": {"pos_radius": s.pos_radius,
                                                                      "ignore_radius": s.ignore_radius}}
    data = {}
    for i, part in enumerate(("train", "dev")):
        rng = np.random.default_rng([seed, i])
        seqs, labels, row_names, counts = _part_examples(task, part, parts, sites, names, s, rng)
        if part == "dev" and s.max_dev_windows and len(seqs) > s.max_dev_windows:
            keep = np.sort(rng.choice(len(seqs), size=s.max_dev_windows, replace=False))
            seqs, labels, row_names = [seqs[i] for i in keep], labels[keep], [row_names[i] for i in keep]
            counts["subsampled_to"] = int(s.max_dev_windows)
        if labels.shape[1] == 1:
            labels = labels[:, 0]
        data[part] = TaskData(task, seqs, labels, names, row_names, [part] * len(seqs), [0] * len(seqs),
                              f"genome {part}: {', '.join(map(str, parts.intervals(part)))}")
        record[f"{part}_counts"] = counts
    return data["train"], data["dev"], record
