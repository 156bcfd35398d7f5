"""Variants/s of ``genebert annotate --task risk`` on the whole shared ClinVar chr22 file, next to SpliceAI's.

Issue 12 item 4 (target: >= 100x SpliceAI's variants/s on CPU). Each configuration is one fresh
``genebert annotate`` command on ``variants/clinvar_20200803.hg38_chr22.vcf.gz`` (1,518 records, all
in the chr22 train region < 38,000,000 -- checked here) against ``genome/hg38_chr22.fa.gz``:

* ``shipped``      -- ``--task risk`` as it ships: the genome-trained defaults genebert-promoter-genome
                      (300-bp windows) / -tfbs-genome (200 bp) / -splice-genome (800 bp) 0.3.0, the
                      genebert-risk classifier (``GENEBERT_RISK_P``; with ``--annotation`` SpliceAI's
                      canonical chr22 transcripts) and ``GENEBERT_MOTIF`` over all 579 JASPAR motifs;
* ``no-motifs``    -- the same with ``--motifs none`` (what the motif field costs);
* ``models-0.2``   -- the benchmark-trained genebert-promoter (70 bp) / -tfbs (101 bp) / -splice (60 bp)
                      0.2.0 in their place, ``--risk-model none`` (genebert-risk pins the defaults):
                      what the shorter windows of the former defaults cost.

Reported per run: ALT alleles scored, scoring seconds (the summary line's time, which excludes model
loading), variants/s on it, the whole command's wall time and CPU seconds (``RUSAGE_CHILDREN``, loading
included); the same command on one record measures start-up + loading CPU, and variants per scoring
CPU-second = (scored - 1) / (CPU - that). ``--max-records N`` times the first N records
and says so (the rate is then extrapolated to the whole file).

SpliceAI 1.3.1 (5 models, 10,101-base windows, GENCODE v24 canonical transcripts, distance 50) is not
rerun here: its rate comes from ``runs/spliceai_clinvar/result.json`` when that exists
(``benchmarks/spliceai_clinvar.py``), otherwise from the numbers that script measured on the same
kind of machine (2 shared cores) for 790 of these variants, recorded in docs/risk.md (commit 44d33a7).

Usage: nice -n 19 python benchmarks/risk_throughput.py [--max-records N] [--threads 1]
       [--configs shipped,no-motifs,models-0.2] [-o runs/risk_throughput]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TEST_REGION = ("chr22", 38_000_000)
CONFIGS = {
    "shipped": [],
    "no-motifs": ["--motifs", "none"],
    "models-0.2": ["--model", "genebert-promoter", "--model", "genebert-tfbs", "--model", "genebert-splice",
                   "--risk-model", "none"],
}
#: genebert-risk (>= 0.3.0) reads a gene annotation: configurations that use it get this one (SpliceAI's)
ANNOTATION = "annotation/spliceai_canonical_gencode24.hg38_chr22.bed"
# benchmarks/spliceai_clinvar.py as measured on 790 of these variants (docs/risk.md, commit 44d33a7)
SPLICEAI_RECORDED = {"variants_per_s": 0.24, "variants_per_cpu_s": 0.31, "n_timed": 790, "threads": 2,
                     "source": "docs/risk.md (benchmarks/spliceai_clinvar.py, 790 ClinVar variants, 2 TF threads; "
                               "not rerun: its venv and cache are absent on this machine)"}
_SUMMARY = re.compile(r"(\d+) ALT alleles read, (\d+) scored, \d+ rejected; (\d+) model windows in ([\d.]+) s")


def check_train_region(vcf: Path) -> int:
    """Records of ``vcf``; fails on any record in the hidden test region (chr22 >= 38,000,000)."""
    import pysam

    n = 0
    with pysam.VariantFile(str(vcf)) as vf:
        for rec in vf:
            if rec.chrom == TEST_REGION[0] and rec.stop > TEST_REGION[1]:
                raise SystemExit(f"{vcf}: {rec.chrom}:{rec.pos} lies in the test region; refusing to read it")
            n += 1
    return n


def run_one(name: str, extra: list[str], vcf: Path, genome: Path, out_dir: Path, threads: int,
            max_records: int | None) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [str(Path(sys.executable).with_name("genebert")), "annotate", str(vcf), "--task", "risk", "--genome",
           str(genome), "--log-every", "0", "-o", str(out_dir / name), *extra]
    if max_records:
        cmd += ["--max-records", str(max_records)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{name}: genebert annotate failed:\n{proc.stderr[-3000:]}")
    m = _SUMMARY.search(proc.stderr)
    if m is None:
        raise SystemExit(f"{name}: no summary line in:\n{proc.stderr[-3000:]}")
    alleles, scored, windows, score_s = int(m[1]), int(m[2]), int(m[3]), float(m[4])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    models = next((line.removeprefix("models: ") for line in proc.stderr.splitlines() if line.startswith("models: ")), "")
    return {"command": " ".join(cmd[1:]), "alt_alleles": alleles, "scored": scored, "model_windows": windows,
            "score_s": score_s, "variants_per_s": scored / score_s, "command_wall_s": wall, "command_cpu_s": cpu,
            "variants_per_s_whole_command": scored / wall, "variants_per_cpu_s_whole_command": scored / cpu,
            "threads": threads, "models": models}


def motif_field_stats(vcf: Path) -> dict:
    """How many motifs GENEBERT_MOTIF lists per scored ALT in an annotated VCF (SNVs and the rest)."""
    import numpy as np
    import pysam

    from genebert_tool.formats import schema

    counts: dict[str, list[int]] = {"snv": [], "other": []}
    ctcf = 0
    with pysam.VariantFile(str(vcf)) as vf:
        for rec in vf:
            entries = list(schema.parse_motif_entries(rec.info.get(schema.INFO_MOTIF, ()))) \
                if schema.INFO_MOTIF in rec.header.info else []
            for alt in rec.alts or ():
                mine = [e for e in entries if e.allele == alt]
                counts["snv" if len(alt) == len(rec.ref) == 1 else "other"].append(len(mine))
                ctcf += any(e.motif.endswith("_CTCF") for e in mine)
    out = {}
    for kind, c in counts.items():
        a = np.array(c)
        out[kind] = {"n": len(a), "with_any": int((a > 0).sum()), "median": float(np.median(a)) if len(a) else 0.0,
                     "mean": float(a.mean()) if len(a) else 0.0}
    out["alts_with_ctcf"] = ctcf
    return out


def spliceai_rate() -> dict:
    path = REPO / "runs" / "spliceai_clinvar" / "result.json"
    if path.exists():
        speed = json.loads(path.read_text()).get("speed", {}).get("SpliceAI 1.3.1")
        if speed:
            return {**speed, "source": str(path.relative_to(REPO))}
    return dict(SPLICEAI_RECORDED)


def main(argv: list[str] | None = None) -> int:
    from genebert_tool.datadir import data_dir

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-records", type=int, default=None, help="time only the first N records (extrapolated)")
    ap.add_argument("--threads", type=int, default=1, help="torch / OpenMP threads of each annotate run")
    ap.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated subset of {', '.join(CONFIGS)}")
    ap.add_argument("-o", "--out", default=str(REPO / "runs" / "risk_throughput"))
    args = ap.parse_args(argv)
    data = data_dir()
    vcf = data / "variants" / "clinvar_20200803.hg38_chr22.vcf.gz"
    genome = data / "genome" / "hg38_chr22.fa.gz"
    n_records = check_train_region(vcf)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"vcf": str(vcf.relative_to(data)), "records_in_file": n_records, "max_records": args.max_records,
               "load_average_before": os.getloadavg(), "runs": {}}
    spliceai = spliceai_rate()
    results["spliceai"] = spliceai
    for name in args.configs.split(","):
        if True:  # outputs kept: OUT/<config>.vcf.gz
            extra = CONFIGS[name] + ([] if "--risk-model" in CONFIGS[name] else ["--annotation", str(data / ANNOTATION)])
            r = run_one(name, extra, vcf, genome, out, args.threads, args.max_records)
            # the same command on 1 record: start-up + model loading, subtracted for a scoring CPU time
            base = run_one(name + ".startup", extra, vcf, genome, out, args.threads, 1)
            r["startup_cpu_s"] = base["command_cpu_s"]
            r["score_cpu_s"] = max(r["command_cpu_s"] - base["command_cpu_s"], 1e-9)
            r["variants_per_cpu_s"] = (r["scored"] - base["scored"]) / r["score_cpu_s"]
            r["ratio_over_spliceai_per_cpu_s"] = r["variants_per_cpu_s"] / spliceai["variants_per_cpu_s"]
            r["ratio_over_spliceai"] = r["variants_per_s"] / spliceai["variants_per_s"]
            if args.max_records:
                r["extrapolated_whole_file_s"] = r["score_s"] * n_records / max(r["alt_alleles"], 1)
            results["runs"][name] = r
            print(f"{name:13s} {r['scored']:5d} variants in {r['score_s']:7.1f} s scoring = {r['variants_per_s']:7.2f} "
                  f"variants/s ({r['ratio_over_spliceai']:.0f}x SpliceAI); whole command {r['command_wall_s']:.1f} s wall, "
                  f"{r['command_cpu_s']:.1f} CPU-s ({r['startup_cpu_s']:.1f} of them start-up + loading); "
                  f"{r['variants_per_cpu_s']:.2f} variants per scoring CPU-s ({r['ratio_over_spliceai_per_cpu_s']:.0f}x)",
                  flush=True)
    shipped = out / "shipped.vcf.gz"
    if "shipped" in results["runs"] and shipped.exists():
        results["motif_field"] = motif_field_stats(shipped)
        print("GENEBERT_MOTIF:", json.dumps(results["motif_field"]))
    results["load_average_after"] = os.getloadavg()
    print(f"SpliceAI 1.3.1: {spliceai['variants_per_s']:.2f} variants/s, {spliceai['variants_per_cpu_s']:.2f} "
          f"variants/CPU-s ({spliceai['source']})")
    (out / "result.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out / 'result.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
