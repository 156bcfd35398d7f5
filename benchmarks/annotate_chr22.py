"""Whole-chromosome ``genebert annotate``: hg38 chr22 (train region) for promoter and TFBS tiles and
per-base splice tracks, each task in a fresh process.

Prints, per task, side by side: bases covered, model windows, wall seconds (the whole run: reading,
windowing, scoring, writing the table, BED6 and bigWig), positions (bases) per second, peak RSS of
the process, its RSS sampled every 2 s over the run (at 25 / 50 / 75 / 100 % of the wall time: flat
memory shows as a flat row), and the time the model's matrix multiplications alone need for the same
windows (``annotate_throughput.matmul_seconds``: same shapes and batch, random data, measured in this
run), then the extrapolation of the wall time to 38 Mb (the train region) and 50.8 Mb (all of chr22) at the
measured rate.

Only chr22 [0, 38,000,000) may be read (the rest is the hidden test region): every slice must end at
or before 37,900,000, so that no sequence at or past 38 Mb is fetched or even decompressed (a window
reaches window_bp / 2 past its row, a BGZF block holds ~65 kb). The whole train region therefore means
chr22:0-37,900,000 here. Do not run the whole region on a shared machine: ``--region`` / ``--max-bp``
take a slice (``--splice-max-bp`` a shorter one for the per-base splice run). The models are each
task's default (``genebert-promoter-genome`` on 100-bp tiles, ``genebert-tfbs-genome`` on 200-bp
tiles -- the tiles of their genome scans -- and the one-pass per-base ``genebert-splice-genome``).

Usage: python benchmarks/annotate_chr22.py [--region chr22:30000000-31000000] [--max-bp N]
       [--splice-max-bp N] [--tasks promoter,tfbs,splice] [--threads 1] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

LIMIT = 37_900_000  # train region [0, 38 Mb) less a margin no window or BGZF block crosses
TRAIN_BP, CHR22_BP = 38_000_000, 50_818_468
#: tiles per task (tile, step): those of the default models' genome scans (docs/genome_scan.md)
TILES = {"promoter": (100, 100), "tfbs": (200, 200)}
RSS_EVERY_S = 2.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """RSS of this process every ``RSS_EVERY_S`` seconds on a daemon thread: ``(elapsed s, MiB)``."""

    def __init__(self) -> None:
        import threading

        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            self.samples.append((time.perf_counter() - self._t0, _rss_mb()))

    def stop(self) -> list[tuple[float, float]]:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter() - self._t0, _rss_mb()))
        return self.samples


def rss_at_fractions(samples: list[tuple[float, float]], fractions=(0.25, 0.5, 0.75, 1.0)) -> list[float]:
    """The RSS sample nearest each fraction of the run's length (MiB)."""
    end = samples[-1][0]
    return [min(samples, key=lambda s: abs(s[0] - f * end))[1] for f in fractions]


def parse_region(spec: str) -> tuple[str, int, int]:
    chrom, _, span = spec.replace(",", "").partition(":")
    start, _, end = span.partition("-")
    start, end = int(start), int(end)
    if chrom != "chr22" or not 0 <= start < end <= LIMIT:
        raise SystemExit(f"--region {spec}: must lie in chr22:0-{LIMIT:,} (chr22 >= 38 Mb is the hidden test region)")
    return chrom, start, end


def child(task: str, chrom: str, start: int, end: int, threads: int, batch_size: int) -> None:
    """In a fresh process: annotate ``chrom:start-end`` for one task; print a JSON line."""
    import torch

    torch.set_num_threads(threads)
    from annotate_throughput import matmul_seconds

    from genebert_tool.annotate.models import load_models
    from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
    from genebert_tool.datadir import data_file

    genome = str(data_file("genome/hg38_chr22.fa.gz"))
    models = load_models(task, [], device="cpu", per_position_splice=True)
    with tempfile.TemporaryDirectory(prefix="genebert-chr22-") as d:
        bed = Path(d) / "slice.bed"
        bed.write_text(f"{chrom}\t{start}\t{end}\tslice\t0\t+\n")  # splice: + strand, one window per base
        tile, step = TILES.get(task, (None, None))
        opts = AnnotateOptions(input=str(bed), output=str(Path(d) / "out"), genome=genome, task=task,
                               device="cpu", batch_size=batch_size, tile=tile, step=step, progress=False)
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        sampler = RssSampler()
        summary = annotate(opts, models=models)
        wall = time.perf_counter() - t0
        rss = rss_at_fractions(sampler.stop())
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sizes = {p.name: p.stat().st_size for p in Path(d).glob("out.*")}
    mm = sum(matmul_seconds(m.predictor.config, summary.windows // len(models), batch_size) for m in models)
    print(json.dumps({"task": task, "bases": end - start, "rows": summary.rows, "windows": summary.windows,
                      "wall_s": wall, "matmul_s": mm, "baseline_mb": baseline, "maxrss_mb": maxrss, "rss_quartiles_mb": rss,
                      "models": [f"{m.name} {m.version}" for m in models], "output_bytes": sum(sizes.values())}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", default=f"chr22:0-{LIMIT}", help="slice of chr22:0-37,900,000")
    parser.add_argument("--max-bp", type=int, default=None, help="cut the region to its first N bases")
    parser.add_argument("--splice-max-bp", type=int, default=None, help="a shorter slice for per-base splice")
    parser.add_argument("--tasks", default="promoter,tfbs,splice")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    chrom, start, end = parse_region(args.region)
    if args.max_bp:
        end = min(end, start + args.max_bp)
    if args.child:
        child(args.child, chrom, start, end, args.threads, args.batch_size)
        return
    env = dict(os.environ, TRANSFORMERS_VERBOSITY="error", OMP_NUM_THREADS=str(args.threads))
    results = []
    for task in args.tasks.split(","):
        t_end = min(end, start + args.splice_max_bp) if task == "splice" and args.splice_max_bp else end
        cmd = [sys.executable, __file__, "--child", task, "--region", f"{chrom}:{start}-{t_end}",
               "--threads", str(args.threads), "--batch-size", str(args.batch_size)]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env)
        if out.returncode != 0:
            print(f"# {task}: failed: {out.stderr.strip().splitlines()[-3:]}", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["region"] = f"{chrom}:{start}-{t_end}"
        results.append(r)
        print("# " + json.dumps(r), flush=True)
    print(f"\n(torch threads {args.threads}, batch size {args.batch_size}; tiles: promoter {TILES['promoter']}, "
          f"tfbs {TILES['tfbs']} (tile, step); splice: per base, + strand; RSS sampled every {RSS_EVERY_S:g} s)")
    print("\n| task | region | bases | model windows | wall s | positions/s | matmul-only s | wall / matmul | "
          "peak RSS MiB | RSS at 25/50/75/100 % MiB | 38 Mb extrapolated | 50.8 Mb extrapolated |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    total38 = total50 = 0.0
    for r in results:
        rate = r["bases"] / r["wall_s"]
        total38 += TRAIN_BP / rate
        total50 += CHR22_BP / rate
        print(f"| {r['task']} | {r['region']} | {r['bases']:,} | {r['windows']:,} | {r['wall_s']:.1f} | {rate:,.0f} | "
              f"{r['matmul_s']:.1f} | {r['wall_s'] / r['matmul_s']:.1f}x | {r['maxrss_mb']:.0f} | "
              f"{' / '.join(f'{v:.0f}' for v in r['rss_quartiles_mb'])} | "
              f"{TRAIN_BP / rate / 60:,.1f} min | {CHR22_BP / rate / 60:,.1f} min |")
    if results:
        print(f"\nall tasks run: 38 Mb {total38 / 60:,.1f} min, 50.8 Mb {total50 / 60:,.1f} min "
              "(extrapolated at the measured rates; target: all three tasks over chr22 in <= 30 min on 2 cores)")


if __name__ == "__main__":
    main()
