"""Per-base splice scoring: SpliceAI 1.3.1 beside genebert's per-base splice model, in one run.

Both tools score every base of the same genes (SpliceAI canonical transcripts, GENCODE v24, in the
chr22 dev region 30,000,000-38,000,000 -- never at or past 38,000,000, the hidden test region;
optionally the MYT1L MANE transcript over chr2:1,801,000-1,980,500). Printed side by side and written
to ``--out-json`` (+ a PNG of both tracks over one gene with the true sites marked):

* top-k accuracy per class (SpliceAI's definition: with k true donors among the scored bases, the
  fraction of the k highest-scoring bases that are donors; same for acceptors), pooled over genes;
* AUPRC per class (every scored base one row, one class against the rest);
* positions/s = scored bases / wall time of scoring only (model load and one warm-up call are timed
  apart and reported as ``load s``), and the ratio genebert / SpliceAI. The tools run one after the
  other with the same thread count; on a CPU shared with other jobs wall time swings with their load,
  so positions per CPU-second (process CPU time of scoring, all threads) is printed beside it.

Labels follow SpliceAI: donor = last exon base before an intron, acceptor = first exon base after it,
in transcript orientation (``genebert_tool.genome.annotation.splice_sites``).

SpliceAI runs in its own venv (``--spliceai-venv``, created on first use: ``spliceai==1.3.1`` and
``tensorflow-cpu==2.21.0`` from PyPI; never a genebert dependency) through ``_spliceai_child.py``:
the 5 models averaged, 10,000 bp of context (5,000 each side, N-padded), minus-strand genes scored
on the reverse complement and mapped back. The network is fully convolutional and crops its flanks,
so a block of up to ``--spliceai-chunk`` scored bases gives the same scores as SpliceAI's 5,000-base
training blocks while recomputing less flank: the default (40,000) is its fastest setting measured.
genebert runs in this process through ``genebert_tool.inference.splice.score_positions``.

    python benchmarks/splice_vs_spliceai.py                       # 5 dev genes (91 kb), ~2 min on 2 cores
    python benchmarks/splice_vs_spliceai.py --genes 12 --max-bases 250000 --model DIR
    python benchmarks/splice_vs_spliceai.py --myt1l --genes 0     # MYT1L only (179,500 bases)
    python benchmarks/splice_vs_spliceai.py --skip-genebert       # SpliceAI half only
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from genebert_tool.genome.fasta import Genome  # noqa: E402  (plain FASTA access, no torch)
from genebert_tool.labels import SPLICE_LABELS  # noqa: E402

CHILD = Path(__file__).resolve().parent / "_spliceai_child.py"
SPLICEAI_PINS = ("spliceai==1.3.1", "tensorflow-cpu==2.21.0")
SPLICEAI_CONTEXT = 10_000  # SpliceAI-10k: 5,000 bases each side of every scored base
DEV_CHROM, DEV_START, DEV_END = "chr22", 30_000_000, 38_000_000
TEST_REGION_START = 38_000_000  # chr22 >= this is the hidden test region: no base of it is ever read
MYT1L_REGION = ("chr2", 1_801_000, 1_980_500)  # the 18 MYT1L introns of issue 10's measurement
CHR22_FASTA = "genome/hg38_chr22.fa.gz"
CHR22_BED = "annotation/spliceai_canonical_gencode24.hg38_chr22.bed"
CHR2_FASTA = "genome/hg38_chr2_1-2333275.fa.gz"
MYT1L_BED = "genome/hg38_MYT1L_MANE_AND_PE.bed"
CLASSES = {name: i for i, name in enumerate(SPLICE_LABELS) if i}  # label values: donor 1, acceptor 2 (0 = neither)
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


# -- targets and labels (pure) -------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One scored interval ``[start, end)`` of one transcript, with its sites inside it (genome coords)."""

    name: str
    fasta: str  # key into the run's genomes
    chrom: str
    start: int
    end: int
    strand: str
    donors: tuple[int, ...]
    acceptors: tuple[int, ...]
    exons: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    def __len__(self) -> int:
        return self.end - self.start

    def labels(self) -> np.ndarray:
        return label_vector(self.start, self.end, self.donors, self.acceptors)


def label_vector(start: int, end: int, donors, acceptors) -> np.ndarray:
    """(end - start,) int8 in genome orientation: 1 = donor, 2 = acceptor, 0 = neither.

    Sites outside ``[start, end)`` are an error: a target keeps only the sites it scores.
    """
    y = np.zeros(end - start, dtype=np.int8)
    for value, sites in ((CLASSES["donor"], donors), (CLASSES["acceptor"], acceptors)):
        pos = np.asarray(list(sites), dtype=np.int64)
        if len(pos) and (pos.min() < start or pos.max() >= end):
            raise ValueError(f"splice site outside the scored interval [{start}, {end})")
        if np.any(y[pos - start] != 0):
            raise ValueError("a base is labelled both donor and acceptor")
        y[pos - start] = value
    return y


def reverse_complement(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def to_genome_orientation(probs: np.ndarray, strand: str) -> np.ndarray:
    """Per-base scores of a sequence read in transcript orientation -> genome orientation.

    On ``-`` the tool scored the reverse complement, so its i-th base is genome base ``end - 1 - i``:
    reversing the rows maps it back. probs: (n, 2) = (donor, acceptor); the columns keep their meaning.
    """
    if strand not in "+-" or not strand:
        raise ValueError(f"strand must be + or -, got {strand!r}")
    return probs[::-1].copy() if strand == "-" else probs


def check_outside_test_region(chrom: str, start: int, end: int) -> None:
    """Refuse any read of chr22 at or beyond 38,000,000 (the hidden test region)."""
    if chrom.removeprefix("chr") == "22" and end > TEST_REGION_START:
        raise ValueError(f"{chrom}:{start}-{end} reaches the hidden test region (chr22 >= {TEST_REGION_START:,})")


def transcript_target(tx, fasta: str, *, start: int | None = None, end: int | None = None) -> Target:
    """A ``Target`` for a BED12 transcript over ``[start, end)`` (default: the whole transcript)."""
    from genebert_tool.genome.annotation import splice_sites

    lo = tx.start if start is None else start
    hi = tx.end if end is None else end
    donors, acceptors = splice_sites(tx)
    keep = lambda sites: tuple(sorted(p for p in sites if lo <= p < hi))  # noqa: E731
    return Target(tx.name.split("|")[0], fasta, tx.chrom, lo, hi, tx.strand, keep(donors), keep(acceptors),
                  tuple(tx.exons))


def select_dev_genes(transcripts, *, n: int, max_bases: int, max_gene_bp: int, margin: int,
                     names: list[str] | None = None) -> list:
    """Multi-exon chr22 transcripts wholly inside the dev region with ``margin`` bases to spare.

    ``names`` picks genes by name; otherwise ``n`` are taken evenly spread over the region (sorted by
    start, deterministic), skipping genes longer than ``max_gene_bp``, until ``max_bases`` is reached.
    """
    ok = [t for t in transcripts
          if t.chrom.removeprefix("chr") == "22" and len(t.exons) >= 2
          and t.start - margin >= DEV_START and t.end + margin <= DEV_END]
    ok.sort(key=lambda t: (t.start, t.end, t.name))
    if names:
        by_name = {t.name.split("|")[0]: t for t in ok}
        missing = [g for g in names if g not in by_name]
        if missing:
            raise ValueError(f"not multi-exon dev-region genes (chr22:{DEV_START:,}-{DEV_END:,} with "
                             f"{margin:,} bp margin): {', '.join(missing)}")
        return [by_name[g] for g in names]
    pool = [t for t in ok if t.end - t.start <= max_gene_bp]
    if n <= 0 or not pool:
        return []
    idx = np.unique(np.linspace(0, len(pool) - 1, min(n, len(pool))).round().astype(int))
    chosen, total = [], 0
    for i in idx:
        size = pool[i].end - pool[i].start
        if chosen and total + size > max_bases:
            continue
        chosen.append(pool[i])
        total += size
    return chosen


# -- metrics (pure) ------------------------------------------------------------------------------

def tool_metrics(y_true: np.ndarray, probs: np.ndarray) -> dict:
    """Top-k accuracy and AUPRC per class over pooled bases. y_true (n,), probs (n, 2) (donor, acceptor)."""
    from sklearn.metrics import average_precision_score

    from trainer.metrics import spliceai_top_k_accuracy

    scores = np.zeros((len(y_true), 3), dtype=np.float64)
    scores[:, 1:] = probs
    scores[:, 0] = 1.0 - probs.sum(axis=1)
    top_k = spliceai_top_k_accuracy(y_true, scores, classes=tuple(CLASSES.values()))
    out = {}
    for name, c in CLASSES.items():
        k = int((y_true == c).sum())
        col = probs[:, c - 1]
        out[name] = {
            "n_sites": k,
            "top_k": top_k.get(c, float("nan")),
            "top_k_hits": int(round(top_k.get(c, 0.0) * k)),
            "auprc": float(average_precision_score(y_true == c, col)) if k else float("nan"),
            "n_above_0.5": int((col > 0.5).sum()),
        }
    return out


# -- SpliceAI in its own venv --------------------------------------------------------------------

def ensure_spliceai_venv(venv: Path) -> Path:
    """The venv's python, creating the venv and installing SpliceAI + tensorflow-cpu on first use."""
    py = venv / "bin" / "python"
    marker = venv / ".genebert-spliceai-ok"
    if py.exists() and marker.exists() and marker.read_text().strip() == " ".join(SPLICEAI_PINS):
        return py
    print(f"creating the SpliceAI venv at {venv} ({' '.join(SPLICEAI_PINS)}) ...", file=sys.stderr, flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", *SPLICEAI_PINS], check=True)
    subprocess.run([str(py), "-c", "import spliceai, tensorflow, keras"], check=True)
    marker.write_text(" ".join(SPLICEAI_PINS) + "\n")
    return py


class DevOnlyGenome(Genome):
    """A ``Genome`` whose every read is checked against the hidden test region (both tools read it)."""

    def fetch(self, chrom: str, start: int, end: int) -> str:
        check_outside_test_region(chrom, start, end)
        return super().fetch(chrom, start, end)


def flanked_sequence(genome, target: Target, flank: int) -> str:
    """Target bases with ``flank`` on each side, N-padded, in transcript orientation."""
    lo, hi = target.start - flank, target.end + flank
    check_outside_test_region(target.chrom, lo, hi)
    seq = genome.fetch(target.chrom, lo, hi)
    return reverse_complement(seq) if target.strand == "-" else seq


def run_spliceai(targets: list[Target], genomes: dict, *, python: Path, threads: int, chunk: int,
                 batch_size: int) -> tuple[list[np.ndarray], dict]:
    """Per-target (len, 2) donor/acceptor in genome orientation, and the child's timings."""
    with tempfile.TemporaryDirectory(prefix="spliceai-bench-") as tmp:
        tmp = Path(tmp)
        with open(tmp / "seqs.txt", "w") as fh:
            for t in targets:
                fh.write(flanked_sequence(genomes[t.fasta], t, SPLICEAI_CONTEXT // 2) + "\n")
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "TF_CPP_MIN_LOG_LEVEL": "2",
               "CUDA_VISIBLE_DEVICES": ""}
        env.pop("PYTHONPATH", None)  # the child sees only its own venv
        cmd = [str(python), str(CHILD), "--seqs", str(tmp / "seqs.txt"), "--out", str(tmp / "probs.npy"),
               "--timing", str(tmp / "timing.json"), "--context", str(SPLICEAI_CONTEXT), "--chunk", str(chunk),
               "--batch-size", str(batch_size), "--threads", str(threads)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"SpliceAI child failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        flat = np.load(tmp / "probs.npy")
        timing = json.loads((tmp / "timing.json").read_text())
    timing["subprocess_wall_s"] = wall
    if len(flat) != sum(len(t) for t in targets):
        raise RuntimeError(f"SpliceAI child returned {len(flat)} positions, expected {sum(len(t) for t in targets)}")
    out, pos = [], 0
    for t in targets:
        out.append(to_genome_orientation(flat[pos: pos + len(t)], t.strand))
        pos += len(t)
    return out, timing


# -- genebert in this process --------------------------------------------------------------------

def run_genebert(targets: list[Target], genomes: dict, *, model: str, threads: int,
                 batch_size: int) -> tuple[list[np.ndarray], dict]:
    """Per-target (len, 2) donor/acceptor from ``genebert_tool.inference.splice.score_positions``."""
    import torch

    import genebert_tool.model  # noqa: F401  (torchvision shim before transformers)
    from genebert_tool.inference import splice as gsplice

    torch.set_num_threads(threads)
    params = inspect.signature(gsplice.score_positions).parameters
    t0 = time.perf_counter()
    handle = _load_genebert(gsplice, model)
    # one tiny call so lazy set-up (tokenizer, first-call allocations) is not counted as scoring
    t = targets[0]
    warm = _call_genebert(gsplice.score_positions, params, handle, genomes[t.fasta], t, t.start,
                          min(t.start + 16, t.end), batch_size)
    load_s = time.perf_counter() - t0
    if warm.shape != (min(16, len(t)), 2):
        raise RuntimeError(f"score_positions returned shape {warm.shape}, expected ({min(16, len(t))}, 2)")
    out = []
    t1, c1 = time.perf_counter(), time.process_time()
    for t in targets:
        check_outside_test_region(t.chrom, t.start - SPLICEAI_CONTEXT // 2, t.end + SPLICEAI_CONTEXT // 2)
        probs = _call_genebert(gsplice.score_positions, params, handle, genomes[t.fasta], t, t.start, t.end,
                               batch_size)
        out.append(np.asarray(probs, dtype=np.float32))
    score_s, score_cpu_s = time.perf_counter() - t1, time.process_time() - c1
    info = {"load_s": load_s, "score_s": score_s, "score_cpu_s": score_cpu_s, "n_positions": int(sum(len(t) for t in targets)),
            "threads": threads, "batch_size": batch_size, "torch": torch.__version__,
            "passes_strand": "strand" in params, "model": str(model)}
    info.update(_genebert_model_info(gsplice, handle))
    return out, info


def _load_genebert(gsplice, model: str):
    """A loaded scanner when the module offers one (so loading is timed once), else the name/dir
    (``score_positions`` then loads it itself on every call, and that counts as scoring)."""
    scanner = getattr(gsplice, "SpliceScanner", None)
    if scanner is not None and hasattr(scanner, "from_pretrained"):
        return scanner.from_pretrained(model)
    return model


def _call_genebert(score, params, handle, genome, t: Target, start: int, end: int, batch_size: int):
    kwargs = {}
    if "batch_size" in params:
        kwargs["batch_size"] = batch_size
    if "strand" in params:
        kwargs["strand"] = t.strand
    return score(handle, genome, t.chrom, start, end, **kwargs)


def _genebert_model_info(gsplice, handle) -> dict:
    config = getattr(getattr(handle, "model", None), "config", None)
    info = {}
    for key in ("model_name", "model_version", "window_bp", "context_bp", "kmer", "hidden_size",
                "num_hidden_layers"):
        value = getattr(config, key, None)
        if isinstance(value, (str, int, float)):
            info[key] = value
    if getattr(handle, "model_dir", None) is not None:
        info["model_dir"] = str(handle.model_dir)
    return info


# -- output --------------------------------------------------------------------------------------

def format_table(report: dict) -> str:
    tools = report["tools"]
    names = [n for n in ("spliceai", "genebert") if n in tools]
    heads = {n: _tool_label(n, tools[n]["timing"])[:23] for n in names}
    rows = []
    for cls in CLASSES:
        rows.append((f"top-k {cls}", [f"{tools[n]['metrics'][cls]['top_k']:.3f} "
                                      f"({tools[n]['metrics'][cls]['top_k_hits']}/{tools[n]['metrics'][cls]['n_sites']})"
                                      for n in names], None))
    for cls in CLASSES:
        rows.append((f"AUPRC {cls}", [f"{tools[n]['metrics'][cls]['auprc']:.3f}" for n in names], None))
    for cls in CLASSES:
        rows.append((f"bases {cls} p>0.5", [str(tools[n]["metrics"][cls]["n_above_0.5"]) for n in names], None))
    rows.append(("positions/s", [f"{tools[n]['positions_per_s']:.0f}" for n in names],
                 f"{report['ratio_positions_per_s']:.2f}x" if report.get("ratio_positions_per_s") else None))
    rows.append(("positions/CPU-s", [f"{tools[n]['positions_per_cpu_s']:.0f}" for n in names],
                 f"{report['ratio_positions_per_cpu_s']:.2f}x" if report.get("ratio_positions_per_cpu_s") else None))
    rows.append(("scoring s (wall)", [f"{tools[n]['timing']['score_s']:.1f}" for n in names], None))
    rows.append(("scoring CPU-s", [f"{tools[n]['timing']['score_cpu_s']:.1f}" for n in names], None))
    rows.append(("load s (+warm-up)", [f"{tools[n]['timing']['load_s']:.1f}" for n in names], None))
    width = 25
    lines = [f"{'':<22}" + "".join(f"{heads[n]:>{width}}" for n in names)
             + (f"{'genebert/SpliceAI':>{width}}" if len(names) == 2 else "")]
    for label, values, ratio in rows:
        lines.append(f"{label:<22}" + "".join(f"{v:>{width}}" for v in values)
                     + (f"{ratio:>{width}}" if ratio and len(names) == 2 else ""))
    return "\n".join(lines)


def _tool_label(tool: str, timing: dict) -> str:
    if tool == "spliceai":
        return "SpliceAI 1.3.1"
    name = timing.get("model_name") or "genebert"
    if not name.startswith("genebert"):
        name = f"genebert {name}"
    return " ".join(x for x in (name, timing.get("model_version")) if x)


def plot_gene(path: Path, target: Target, tracks: dict[str, np.ndarray]) -> None:
    """Donor (up) and acceptor (down) tracks per tool over one gene, true sites as dotted lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.arange(target.start, target.end)
    fig, axes = plt.subplots(len(tracks) + 1, 1, figsize=(12, 1.2 + 2.0 * len(tracks)), sharex=True,
                             gridspec_kw={"height_ratios": [0.4] + [1] * len(tracks)})
    axes[0].hlines(0, target.start, target.end, color="0.4", lw=1)
    for a, b in target.exons:
        if b > target.start and a < target.end:
            axes[0].add_patch(plt.Rectangle((a, -0.4), b - a, 0.8, color="0.2"))
    axes[0].set_ylim(-1, 1)
    axes[0].set_yticks([])
    axes[0].set_title(f"{target.name} {target.chrom}:{target.start:,}-{target.end:,} ({target.strand})  "
                      f"{len(target.donors)} donors, {len(target.acceptors)} acceptors")
    for ax, (label, probs) in zip(axes[1:], tracks.items()):
        for p in target.donors:
            ax.axvline(p, color="tab:red", ls=":", lw=0.8)
        for p in target.acceptors:
            ax.axvline(p, color="tab:blue", ls=":", lw=0.8)
        ax.plot(x, probs[:, 0], color="tab:red", lw=0.8, label="donor")
        ax.plot(x, -probs[:, 1], color="tab:blue", lw=0.8, label="acceptor (down)")
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel(label)
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    axes[-1].ticklabel_format(axis="x", style="plain", useOffset=False)
    axes[-1].set_xlabel(f"{target.chrom} position (dotted: annotated sites)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- main ----------------------------------------------------------------------------------------

def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--genes", type=int, default=6, help="dev-region chr22 genes to score (default 6)")
    ap.add_argument("--gene", action="append", default=[], help="pick a dev gene by name (repeatable)")
    ap.add_argument("--max-bases", type=int, default=100_000, help="cap on the chr22 bases scored")
    ap.add_argument("--max-gene-bp", type=int, default=30_000, help="skip longer genes when picking")
    ap.add_argument("--myt1l", action="store_true", help="add MYT1L over chr2:1,801,000-1,980,500")
    ap.add_argument("--model", default="genebert-splice", help="genebert splice model: registered name or dir")
    ap.add_argument("--skip-genebert", action="store_true")
    ap.add_argument("--skip-spliceai", action="store_true")
    ap.add_argument("--spliceai-venv", type=Path, default=REPO / ".cache" / "spliceai-venv")
    ap.add_argument("--spliceai-chunk", type=int, default=40_000,
                    help="most scored bases per SpliceAI block (default 40,000: same scores as SpliceAI's "
                         "5,000-base training blocks, 1.7x fewer CPU-s)")
    ap.add_argument("--spliceai-batch", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64, help="genebert batch size")
    ap.add_argument("--threads", type=int, default=2, help="threads for each tool (run one after the other)")
    ap.add_argument("--plot-gene", default=None, help="gene for the PNG (default: the one with most introns)")
    ap.add_argument("--out-json", type=Path, default=REPO / "runs" / "splice_vs_spliceai" / "result.json")
    ap.add_argument("--data", type=Path, default=None, help="shared data dir (default GENEBERT_DATA)")
    return ap.parse_args(argv)


def build_targets(args, data: Path) -> list[Target]:
    from genebert_tool.genome.annotation import read_transcripts

    targets = []
    if args.genes > 0 or args.gene:
        txs = read_transcripts(data / CHR22_BED)
        genes = select_dev_genes(txs, n=args.genes, max_bases=args.max_bases, max_gene_bp=args.max_gene_bp,
                                 margin=SPLICEAI_CONTEXT // 2, names=args.gene or None)
        targets += [transcript_target(t, "chr22") for t in genes]
    if args.myt1l:
        chrom, lo, hi = MYT1L_REGION
        mane = _read_bed12_rows(data / MYT1L_BED)
        if not mane or mane[0].chrom != chrom:
            raise SystemExit(f"no multi-exon {chrom} transcript in {data / MYT1L_BED}")
        targets.append(replace(transcript_target(mane[0], "chr2", start=lo, end=hi), name="MYT1L"))
    for t in targets:  # the hidden test region is never read, context included
        check_outside_test_region(t.chrom, t.start - SPLICEAI_CONTEXT // 2, t.end + SPLICEAI_CONTEXT // 2)
        assert not (t.chrom == "chr22" and t.end + SPLICEAI_CONTEXT // 2 > TEST_REGION_START)
    if not targets:
        raise SystemExit("no genes selected (--genes 0 without --myt1l or --gene)")
    return targets


def _read_bed12_rows(path: Path) -> list:
    """The stranded multi-exon BED12 rows of a file that also holds other rows (the MYT1L file has a
    strandless 1-block peak row that ``read_transcripts`` rightly refuses)."""
    from genebert_tool.genome.annotation import read_transcripts

    rows = [line for line in path.read_text().splitlines()
            if len(f := line.split("\t")) >= 12 and f[5] in ("+", "-") and int(f[9]) > 1]
    with tempfile.NamedTemporaryFile("w", suffix=".bed") as tmp:
        tmp.write("\n".join(rows) + "\n")
        tmp.flush()
        return read_transcripts(tmp.name)


def main(argv=None) -> dict:
    args = parse_args(argv)
    from genebert_tool.datadir import data_dir

    data = args.data or data_dir()
    targets = build_targets(args, data)
    genomes = {}
    if any(t.fasta == "chr22" for t in targets):
        genomes["chr22"] = DevOnlyGenome(data / CHR22_FASTA)
    if any(t.fasta == "chr2" for t in targets):
        genomes["chr2"] = DevOnlyGenome(data / CHR2_FASTA)
    y_true = np.concatenate([t.labels() for t in targets])
    n = len(y_true)
    print(f"{len(targets)} genes, {n:,} bases, {int((y_true == 1).sum())} donors, "
          f"{int((y_true == 2).sum())} acceptors; threads {args.threads}", file=sys.stderr, flush=True)

    results: dict[str, tuple[list[np.ndarray], dict]] = {}
    if not args.skip_spliceai:
        python = ensure_spliceai_venv(args.spliceai_venv)
        results["spliceai"] = run_spliceai(targets, genomes, python=python, threads=args.threads,
                                           chunk=args.spliceai_chunk, batch_size=args.spliceai_batch)
        print(f"SpliceAI done in {results['spliceai'][1]['score_s']:.1f} s", file=sys.stderr, flush=True)
    if not args.skip_genebert:
        results["genebert"] = run_genebert(targets, genomes, model=args.model, threads=args.threads,
                                           batch_size=args.batch_size)
        print(f"genebert done in {results['genebert'][1]['score_s']:.1f} s", file=sys.stderr, flush=True)
    if not results:
        raise SystemExit("both tools skipped: nothing to compare")

    report = {
        "command": " ".join(["python benchmarks/splice_vs_spliceai.py", *(sys.argv[1:] if argv is None else argv)]),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "host": f"{platform.machine()} {os.cpu_count()} CPUs (shared)",
        "threads": args.threads,
        "n_positions": n,
        "genes": [{"name": t.name, "chrom": t.chrom, "start": t.start, "end": t.end, "strand": t.strand,
                   "donors": len(t.donors), "acceptors": len(t.acceptors)} for t in targets],
        "tools": {},
    }
    for name, (per_target, timing) in results.items():
        probs = np.concatenate(per_target)
        if probs.shape != (n, 2):
            raise RuntimeError(f"{name}: scores of shape {probs.shape}, expected ({n}, 2)")
        report["tools"][name] = {"metrics": tool_metrics(y_true, probs), "timing": timing,
                                 "positions_per_s": n / timing["score_s"],
                                 "positions_per_cpu_s": n / timing["score_cpu_s"]}
    if len(report["tools"]) == 2:
        gb, sa = report["tools"]["genebert"], report["tools"]["spliceai"]
        report["ratio_positions_per_s"] = gb["positions_per_s"] / sa["positions_per_s"]
        report["ratio_positions_per_cpu_s"] = gb["positions_per_cpu_s"] / sa["positions_per_cpu_s"]
    table = format_table(report)
    report["table"] = table
    print(table)

    args.out_json.parent.mkdir(parents=True, exist_ok=True)
    args.out_json.write_text(json.dumps(report, indent=2) + "\n")
    pick = next((t for t in targets if t.name == args.plot_gene), None) or max(
        targets, key=lambda t: (len(t.donors) + len(t.acceptors), -len(t)))
    i = targets.index(pick)
    png = args.out_json.with_suffix(".png")
    plot_gene(png, pick, {_tool_label(k, v[1]): v[0][i] for k, v in results.items()})
    print(f"wrote {args.out_json} and {png}", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
