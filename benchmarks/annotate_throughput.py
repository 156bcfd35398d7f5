"""Throughput and memory of ``genebert annotate`` on CPU.

Prints, for the shipped default models (or tiny random models when they are absent -- it says so):

* regions/s (BED, task tfbs and promoter, real chr2 regions; splice = one window per base of each
  region) and variants/s (VCF, task risk = all three
  models, random SNVs on the chr2 piece with the genome's REF), each next to the time a pure chain of
  the same matrix multiplications needs (same shapes: batch, padded tokens, hidden, heads,
  intermediate, layers; same threads; measured in this run). The ratio says how much of the run is
  not model arithmetic (reading, windowing, tokenizing, writing, framework overhead).
* peak RSS (``ru_maxrss`` of a fresh subprocess) for 10k and 1M BED records streamed through the
  whole pipeline (reader -> windows -> a micro model -> BED + BED6 + bigWig writers), with the RSS
  right after start-up as the baseline. Memory must stay flat: the 1M run should not need much more
  than the 10k run. The 1M run takes minutes on one busy core (``--rss-sizes`` to change).

Usage: python benchmarks/annotate_throughput.py [--regions 1000] [--variants 300] [--threads 1]
       [--rss-sizes 10000,1000000] [--skip-rss]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MICRO = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, kmer=3,
             max_seq_len=16, max_position_embeddings=16)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _save_random_model(root: Path, task: str, sizes: dict | None, window_bp: int | None = None) -> Path:
    from genebert_tool.tiny_models import save_tiny_model

    extra = {"window_bp": window_bp} if window_bp else {}
    return save_tiny_model(root / f"bench-{task}", task, sizes=sizes, model_name=f"bench-{task}",
                           model_version="random", **extra)


def _model_refs(tmp: Path) -> tuple[dict[str, str], str]:
    """The shipped default model per task, or a tiny random one where it is absent (said so)."""
    from genebert_tool.errors import ModelError
    from genebert_tool.pretrained import DEFAULT_MODELS, resolve_model

    refs, notes = {}, []
    for task in ("promoter", "tfbs", "splice"):
        try:
            refs[task] = str(resolve_model(DEFAULT_MODELS[task]))
            notes.append(f"{task}: shipped {DEFAULT_MODELS[task]}")
        except ModelError:
            refs[task] = str(_save_random_model(tmp, task, None))  # tiny_models.TINY
            notes.append(f"{task}: tiny random model (shipped {DEFAULT_MODELS[task]} absent)")
    return refs, "; ".join(notes)


def forward_plan(config, n_windows: int) -> tuple[int, int]:
    """``(forwards, convolutions per forward)`` the model runs for ``n_windows`` windows: two forwards per
    window for a strand-averaged model; two convolutions per residual unit of a conv head, else none."""
    conv = getattr(config, "classifier_pooling", "") == "conv_max" or (
        getattr(config, "classifier_head", "") == "token" and getattr(config, "token_head", "") == "conv")
    forwards = n_windows * (2 if getattr(config, "strand_average", False) else 1)
    return forwards, (2 * len(config.conv_dilations) if conv else 0)


def forward_batch(config, batch_size: int) -> int:
    """Windows per forward the pipeline runs: a per-base (token-head) model's forwards are capped by
    ``inference.splice.windows_per_forward`` (its attention budget), tile models take ``batch_size``."""
    if getattr(config, "classifier_head", "") == "token":
        from genebert_tool.inference.splice import windows_per_forward

        return windows_per_forward(batch_size, config.max_seq_len)
    return batch_size


def matmul_seconds(config, n_windows: int, batch_size: int, repeats: int = 1) -> float:
    """Time the matrix multiplications of ``n_windows`` BERT forwards alone (random float32 data).

    Per layer: Q, K, V, attention output (H x H), scores (T x d x T per head), context (T x T x d per
    head), FFN up (H x I) and down (I x H); then pooler (H x H) and classifier. T = the padded token
    length the predictor feeds (config.max_seq_len). A convolutional head (``classifier_pooling="conv_max"``
    or ``token_head="conv"``) adds its convolutions as im2col matmuls: the 1x1 projection (H x C) and
    two (C*k x C) per residual unit. A strand-averaged model (``strand_average``) runs every window twice.
    Batches are the pipeline's (``forward_batch``).
    """
    import torch

    batch_size = forward_batch(config, batch_size)

    H, I, L = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    heads, T = config.num_attention_heads, config.max_seq_len
    d = H // heads
    gen = torch.Generator().manual_seed(0)
    w_h = [torch.randn(H, H, generator=gen) for _ in range(4)]
    w_up, w_down = torch.randn(H, I, generator=gen), torch.randn(I, H, generator=gen)
    w_cls = torch.randn(H, max(2, config.num_labels), generator=gen)
    n_windows, n_conv = forward_plan(config, n_windows)
    conv = n_conv > 0
    if conv:
        C, ck = config.conv_channels, config.conv_kernel
        w_proj = torch.randn(H, C, generator=gen)
        w_conv = torch.randn(C * ck, C, generator=gen)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with torch.inference_mode():
            for lo in range(0, n_windows, batch_size):
                b = min(batch_size, n_windows - lo)
                x = torch.randn(b * T, H, generator=gen)
                for _ in range(L):
                    q, k, v = x @ w_h[0], x @ w_h[1], x @ w_h[2]
                    q = q.view(b, T, heads, d).transpose(1, 2)
                    k = k.view(b, T, heads, d).transpose(1, 2)
                    v = v.view(b, T, heads, d).transpose(1, 2)
                    ctx = (q @ k.transpose(-1, -2)) @ v
                    x = ctx.transpose(1, 2).reshape(b * T, H) @ w_h[3]
                    x = (x @ w_up) @ w_down
                pooled = x.view(b, T, H)[:, 0] @ w_h[3]
                _ = pooled @ w_cls
                if conv:  # im2col columns stand in for the k shifted copies (their gathering is not timed)
                    h = x @ w_proj
                    cols = torch.empty(b * T, C * ck).normal_(generator=gen) if lo == 0 or cols.shape[0] != b * T else cols
                    for _ in range(n_conv):
                        h = cols @ w_conv
        best = min(best, time.perf_counter() - start)
    return best


def _real_regions(n: int, path: Path) -> None:
    from genebert_tool.datadir import data_file

    rows = [ln for ln in data_file("regions/all_elements.hg38_windows.bed").read_text().splitlines()
            if ln.startswith("chr2\t")]
    with open(path, "w") as fh:
        for i in range(n):
            fh.write(rows[i % len(rows)] + "\n")


def _random_snvs(n: int, path: Path, genome_path: str) -> None:
    import pyfaidx

    rng = random.Random(0)
    chrom = pyfaidx.Fasta(genome_path, as_raw=True, sequence_always_upper=True)["chr2"]
    sites = []
    while len(sites) < n:
        pos = rng.randrange(1000, 2_330_000)
        ref = chrom[pos - 1]
        if ref in "ACGT":
            sites.append((pos, ref, rng.choice([b for b in "ACGT" if b != ref])))
    with open(path, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n##contig=<ID=chr2,length=242193529>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for pos, ref, alt in sorted(set(sites)):
            fh.write(f"chr2\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\n")


def throughput(args, tmp: Path) -> list[tuple]:
    from genebert_tool.annotate.models import load_models
    from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
    from genebert_tool.datadir import data_file

    genome = str(data_file("genome/hg38_chr2_1-2333275.fa.gz"))
    refs, source = _model_refs(tmp)
    print(f"# models: {source}; torch threads: {args.threads}; batch size {args.batch_size}", flush=True)
    bed, vcf = tmp / "regions.bed", tmp / "variants.vcf"
    _real_regions(args.regions, bed)
    splice_bed = tmp / "splice.bed"  # per-position scoring: one window per base, so fewer regions
    _real_regions(max(1, args.regions // 20), splice_bed)
    _random_snvs(args.variants, vcf, genome)
    rows = []
    runs = (("tfbs", bed, "regions"), ("promoter", bed, "regions"), ("splice", splice_bed, "regions"),
            ("risk", vcf, "variants"))
    for task, inp, unit in runs:
        task_refs = [refs["promoter"], refs["tfbs"], refs["splice"]] if task == "risk" else [refs[task]]
        models = load_models(task, task_refs, device="cpu", per_position_splice=task == "splice")
        opts = AnnotateOptions(input=str(inp), output=str(tmp / f"out_{task}"), genome=genome, task=task,
                               device="cpu", batch_size=args.batch_size, progress=False)
        start = time.perf_counter()
        summary = annotate(opts, models=models)
        seconds = time.perf_counter() - start
        mm = 0.0
        for m in models:
            per_model_windows = summary.windows // len(models)
            mm += matmul_seconds(m.predictor.config, per_model_windows, args.batch_size)
        names = "+".join(f"{m.name}(H{m.predictor.config.hidden_size}xL{m.predictor.config.num_hidden_layers},"
                         f"T{m.predictor.config.max_seq_len})" for m in models)
        rows.append((task, unit, summary.records, summary.windows, seconds, summary.records / seconds, mm, names))
    return rows


def rss_child(n: int, tracks: tuple[str, ...]) -> None:
    """Run inside a fresh process: stream ``n`` generated BED records through the pipeline."""
    import torch

    torch.set_num_threads(1)
    from genebert_tool.annotate.models import load_models
    from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
    from genebert_tool.datadir import data_file

    genome = str(data_file("genome/hg38_chr2_1-2333275.fa.gz"))
    with tempfile.TemporaryDirectory(prefix="genebert-rss-") as d:
        tmp = Path(d)
        model = _save_random_model(tmp, "tfbs", MICRO, window_bp=16)
        models = load_models("tfbs", [str(model)], device="cpu", per_position_splice=False)
        bed = tmp / "gen.bed"
        with open(bed, "w") as fh:  # sorted, non-overlapping 2-bp regions across the chr2 piece
            for i in range(n):
                s = 1000 + (2 * i) % 2_330_000
                fh.write(f"chr2\t{s}\t{s + 2}\tr{i}\n")
        baseline = _maxrss_mb()
        opts = AnnotateOptions(input=str(bed), output=str(tmp / "o"), genome=genome, task="tfbs", device="cpu",
                               batch_size=1024, chunk_windows=4096, progress=False, tracks=tracks)
        start = time.perf_counter()
        summary = annotate(opts, models=models)
        seconds = time.perf_counter() - start
        print(json.dumps({"n": n, "scored": summary.scored, "seconds": seconds, "baseline_mb": baseline,
                          "maxrss_mb": _maxrss_mb(), "bigwig_mb": sum(p.stat().st_size for p in tmp.glob("o.*.bw")) / 2**20}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", type=int, default=1000)
    parser.add_argument("--variants", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rss-sizes", default="10000,1000000")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--rss-tracks", default="bigwig,bed6", help="track outputs of the RSS runs")
    parser.add_argument("--rss-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child is not None:
        rss_child(args.rss_child, tuple(t for t in args.rss_tracks.split(",") if t))
        return
    import torch

    torch.set_num_threads(args.threads)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if not args.skip_throughput:
        with tempfile.TemporaryDirectory(prefix="genebert-bench-") as d:
            rows = throughput(args, Path(d))
        print("\n| task | input | records | model windows | wall s | records/s | matmul-only s | wall / matmul | models |")
        print("|---|---|---|---|---|---|---|---|---|")
        for task, unit, n, w, s, rate, mm, names in rows:
            print(f"| {task} | {unit} | {n} | {w} | {s:.2f} | {rate:.1f} | {mm:.2f} | {s / mm if mm else float('nan'):.1f}x"
                  f" | {names} |")
    if not args.skip_rss:
        print(f"\n(tracks: {args.rss_tracks})")
        print("\n| BED records | wall s | records/s | RSS after start-up MiB | peak RSS MiB | bigWig MiB |")
        print("|---|---|---|---|---|---|")
        for n in (int(x) for x in args.rss_sizes.split(",")):
            out = subprocess.run([sys.executable, __file__, "--rss-child", str(n), "--rss-tracks", args.rss_tracks],
                                 capture_output=True, text=True, cwd=REPO)
            if out.returncode != 0:
                print(f"| {n} | failed: {out.stderr.strip().splitlines()[-1:]} |||||")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {n} | {r['seconds']:.1f} | {n / r['seconds']:.0f} | {r['baseline_mb']:.0f} | "
                  f"{r['maxrss_mb']:.0f} | {r['bigwig_mb']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
