"""SpliceAI 1.3.1 beside the genebert risk classifier on the same ClinVar GRCh38 train-region variants.

The variants are exactly the ones ``benchmarks/risk_clinvar.py`` (and ``finetune-risk``)
trains on: ClinVar 2020-08-03 P/LP vs B/LB of the chr22 train region and the chr2 piece, read by
``trainer.risk_labels.read_labelled_sets`` (same label rule, same rejects; a record at chr22 >= 38,000,000,
the hidden test region, stops the run, and no SpliceAI context window reaches it either).

SpliceAI scores each variant as ``spliceai`` 1.3.1's ``get_delta_scores`` does (distance 50,
no masking): for every GENCODE v24 canonical transcript containing the variant (SpliceAI's own
annotation, ``annotation/spliceai_canonical_gencode24.*.bed``), REF and ALT windows of 10,101 bases
(5,050 each side, bases beyond the transcript ends read as N), the 5 models averaged, minus-strand
genes on the reverse complement, deletions re-aligned with zeros and insertions max-collapsed;
``DS = max(DS_AG, DS_AL, DS_DG, DS_DL)`` and the variant's score is the max over its transcripts.
Variants SpliceAI does not score (outside every transcript, REF and ALT both longer than 1 base,
deletions > 100 bases) get 0, and their number is printed. The network is fully convolutional, so
REF windows with no N padding are read from one long per-strand track of merged windows (same
numbers, less recomputed flank); every ALT is its own window. SpliceAI runs in its own venv
(``.cache/spliceai-venv``, as ``benchmarks/splice_vs_spliceai.py`` builds it) through
``benchmarks/_spliceai_child.py``; its scores are cached in ``--out-dir`` (``--rescore`` redoes them).

genebert: the risk classifier's out-of-fold probability (nested CV, from ``risk_clinvar.py``'s
``variants.tsv``) and genebert-splice's max |ALT - REF| alone. AUROC and PR-AUC on all variants and
on the splice-region subset (within 50 bp of a canonical exon boundary, ``risk_clinvar.py``'s
definition). Variants/s: variants / wall time of scoring only (genebert: the three task models on
every variant, timed here in this process; SpliceAI: the child's scoring time, model load excluded),
with CPU-s beside it.

    python benchmarks/risk_clinvar.py                  # first: variants.tsv with the classifier's OOF
    python benchmarks/spliceai_clinvar.py              # ~20-40 min of SpliceAI on 2 shared cores
    python benchmarks/spliceai_clinvar.py --max-variants 40    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.risk_clinvar import (  # noqa: E402
    DEFAULT_PAIRS, HOLDOUT, SPLICE_REGION_BP, data_root, load_variant_table, read_variants, rank_metrics,
)

CHILD = REPO / "benchmarks" / "_spliceai_child.py"
DIST = 50  # SpliceAI's default -D
COV = 2 * DIST + 1
CONTEXT = 10_000
WID = CONTEXT + COV  # 10,101
CANONICAL = ("annotation/spliceai_canonical_gencode24.hg38_chr22.bed",
             "annotation/spliceai_canonical_gencode24.hg38_chr2_piece.bed")
_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def transcripts_at(transcripts: list, chrom: str, pos1: int) -> list:
    """SpliceAI's ``get_name_and_strand``: transcripts with tx_start + 1 <= pos <= tx_end (1-based pos)."""
    return [t for t in transcripts if t.chrom == chrom and t.start + 1 <= pos1 <= t.end]


def plan_variant(chrom: str, pos1: int, ref: str, alt: str, transcripts: list) -> tuple[list[dict], str | None]:
    """The (strand, padding) windows SpliceAI scores for one variant, or ``([], why not)``."""
    if len(ref) > 1 and len(alt) > 1:
        return [], "REF and ALT both longer than 1 base"
    if len(ref) > 2 * DIST:
        return [], f"deletion longer than {2 * DIST} bases"
    hits = transcripts_at(transcripts, chrom, pos1)
    if not hits:
        return [], "in no canonical transcript"
    plans = {}
    for t in hits:
        # get_pos_data: tx_start (1-based) - pos, tx_end - pos; bases outside the transcript read as N
        pad = (max(WID // 2 + (t.start + 1) - pos1, 0), max(WID // 2 - (t.end - pos1), 0))
        plans[(t.strand, pad)] = {"strand": t.strand, "pad": pad}
    return list(plans.values()), None


def build_requests(variants: list[tuple[str, int, str, str]], fetch, transcripts: list):
    """Sequences for the child and how to read each variant's scores back.

    ``variants``: ``(chrom, pos1, ref, alt)``; ``fetch(chrom, start, end)`` -> uppercase bases.
    Returns ``(sequences, jobs, tracks, why_not)``: ``jobs[i]`` lists per scored window
    ``(strand, ref_source, alt_seq_index)``, where ``ref_source`` is ``("seq", index)`` or
    ``("track", strand_key, offset)`` into the merged REF tracks ``tracks``.
    """
    seqs: list[str] = []
    jobs: list[list] = []
    why_not: list[str | None] = []
    shared: dict[tuple[str, str], list[int]] = {}  # (chrom, strand) -> variant starts needing a shared REF
    for chrom, pos1, ref, alt in variants:
        plans, why = plan_variant(chrom, pos1, ref, alt, transcripts)
        why_not.append(why)
        p0 = pos1 - 1
        if chrom == HOLDOUT[0] and p0 + WID // 2 + 1 > HOLDOUT[1]:
            raise SystemExit(f"{chrom}:{pos1}: SpliceAI's window would read the hold-out region")
        window = fetch(chrom, p0 - WID // 2, p0 + WID // 2 + 1)
        if window[WID // 2: WID // 2 + len(ref)] != ref.upper():
            raise SystemExit(f"{chrom}:{pos1} {ref}>{alt}: REF does not match the FASTA")
        mine = []
        for plan in plans:
            left, right = plan["pad"]
            x_ref = "N" * left + window[left: WID - right] + "N" * right
            x_alt = x_ref[: WID // 2] + alt.upper() + x_ref[WID // 2 + len(ref):]
            if plan["strand"] == "-":
                x_alt = revcomp(x_alt)
            seqs.append(x_alt)
            alt_index = len(seqs) - 1
            if left or right:
                seqs.append(revcomp(x_ref) if plan["strand"] == "-" else x_ref)
                ref_source = ("seq", len(seqs) - 1)
            else:
                shared.setdefault((chrom, plan["strand"]), []).append(p0)
                ref_source = ("track", (chrom, plan["strand"]), p0)
            mine.append((plan["strand"], ref_source, alt_index))
        jobs.append(mine)
    # merged REF tracks: cores [p0 - 50, p0 + 51) of shared windows, merged when within 2 x flank
    tracks = {}
    for key, starts in shared.items():
        chrom, strand = key
        starts = sorted(set(starts))
        runs, a, b = [], starts[0] - DIST, starts[0] + DIST + 1
        for s in starts[1:]:
            if s - DIST <= b + CONTEXT:  # recomputing a gap is cheaper than another 10 kb of flank
                b = s + DIST + 1
            else:
                runs.append((a, b))
                a, b = s - DIST, s + DIST + 1
        runs.append((a, b))
        entries = []
        for a, b in runs:
            seq = fetch(chrom, a - CONTEXT // 2, b + CONTEXT // 2)
            seqs.append(revcomp(seq) if strand == "-" else seq)
            entries.append((a, b, len(seqs) - 1))
        tracks[key] = entries
    return seqs, jobs, tracks, why_not


def run_child(seqs: list[str], *, python: Path, threads: int, chunk: int = 40_000) -> tuple[list[np.ndarray], dict]:
    """Score every sequence in the SpliceAI venv: per sequence ``(core, 2)`` (donor, acceptor) in the
    sequence's own orientation, and the child's timing JSON."""
    with tempfile.TemporaryDirectory(prefix="spliceai_clinvar_") as tmp:
        tmp = Path(tmp)
        (tmp / "seqs.txt").write_text("\n".join(seqs) + "\n")
        cmd = [str(python), str(CHILD), "--seqs", str(tmp / "seqs.txt"), "--out", str(tmp / "out.npy"),
               "--timing", str(tmp / "timing.json"), "--context", str(CONTEXT), "--chunk", str(chunk),
               "--threads", str(threads)]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH="")
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"SpliceAI child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        flat = np.load(tmp / "out.npy")
        timing = json.loads((tmp / "timing.json").read_text())
    out, k = [], 0
    for s in seqs:
        n = len(s) - CONTEXT
        out.append(flat[k: k + n])
        k += n
    if k != len(flat):
        raise SystemExit(f"SpliceAI child returned {len(flat)} positions, expected {k}")
    return out, timing


def delta_score(y_ref: np.ndarray, y_alt: np.ndarray, ref_len: int, alt_len: int) -> float:
    """``max(DS_AG, DS_AL, DS_DG, DS_DL)`` of one window pair, arrays ``(n, 2)`` (donor, acceptor) in
    genome order; ALT re-aligned as ``spliceai.utils.get_delta_scores`` does."""
    if ref_len > 1 and alt_len == 1:
        del_len = ref_len - alt_len
        y_alt = np.concatenate([y_alt[: COV // 2 + alt_len], np.zeros((del_len, 2)), y_alt[COV // 2 + alt_len:]])
    elif ref_len == 1 and alt_len > 1:
        y_alt = np.concatenate([y_alt[: COV // 2], y_alt[COV // 2: COV // 2 + alt_len].max(axis=0)[None],
                                y_alt[COV // 2 + alt_len:]])
    if y_alt.shape != y_ref.shape:
        raise ValueError(f"aligned ALT {y_alt.shape} vs REF {y_ref.shape}")
    d = y_alt - y_ref
    return float(max(d.max(), (-d).max()))  # gains (max ALT-REF) and losses (max REF-ALT), both classes


def spliceai_scores(variants, genomes: dict, transcripts: list, *, python: Path, threads: int) -> tuple[np.ndarray, list, dict]:
    def fetch(chrom, start, end):
        return genomes[chrom].fetch(chrom, start, end)

    seqs, jobs, tracks, why_not = build_requests(variants, fetch, transcripts)
    outs, timing = run_child(seqs, python=python, threads=threads) if seqs else ([], {"score_s": 0.0})
    scores = np.zeros(len(variants))
    for i, ((chrom, pos1, ref, alt), mine) in enumerate(zip(variants, jobs)):
        best = 0.0
        for strand, ref_source, alt_index in mine:
            y_alt = outs[alt_index]
            if ref_source[0] == "seq":
                y_ref = outs[ref_source[1]]
            else:
                _, key, p0 = ref_source
                a, b, idx = next(e for e in tracks[key] if e[0] <= p0 - DIST and p0 + DIST + 1 <= e[1])
                track = outs[idx][::-1] if strand == "-" else outs[idx]  # -> genome order
                y_ref = track[p0 - DIST - a: p0 + DIST + 1 - a]
                y_ref = y_ref[::-1] if strand == "-" else y_ref  # back to the ALT's orientation
            if strand == "-":  # genome order for the re-alignment (as spliceai flips y back)
                y_ref, y_alt = y_ref[::-1], y_alt[::-1]
            best = max(best, delta_score(np.asarray(y_ref, float), np.asarray(y_alt, float), len(ref), len(alt)))
        scores[i] = best
    timing["n_sequences"] = len(seqs)
    timing["n_bases_in"] = int(sum(len(s) for s in seqs))
    return scores, why_not, timing


def paired_bootstrap(y: np.ndarray, a: np.ndarray, b: np.ndarray, *, n_boot: int = 1000, seed: int = 0) -> dict:
    """AUROC(a) - AUROC(b) on the same variants and its 95% interval over stratified variant resamples."""
    from sklearn.metrics import roc_auc_score

    if len(np.unique(y)) < 2:
        return {"diff": float("nan"), "ci95": [float("nan")] * 2}
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    diffs = []
    for _ in range(n_boot):
        i = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        diffs.append(roc_auc_score(y[i], a[i]) - roc_auc_score(y[i], b[i]))
    return {"diff": float(roc_auc_score(y, a) - roc_auc_score(y, b)),
            "ci95": [float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))]}


def time_genebert(pairs, model_refs) -> dict:
    """Wall and CPU seconds of scoring the labelled variants with the three task models (load excluded)."""
    from genebert_tool.annotate.models import load_models

    models = load_models("risk", tuple(model_refs), device="cpu", per_position_splice=False, splice_distance=0)
    t0, c0 = time.perf_counter(), time.process_time()
    data = read_variants(pairs, models)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    import torch

    return {"n_variants": len(data.labels), "score_s": wall, "score_cpu_s": cpu, "torch_threads": torch.get_num_threads(),
            "models": [f"{m.name} {m.version}" for m in models]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="shared data root (default $GENEBERT_DATA or /work/shared/data)")
    ap.add_argument("--risk-dir", default="runs/risk_clinvar", help="risk_clinvar.py's --out-dir (variants.tsv)")
    ap.add_argument("--out-dir", default="runs/spliceai_clinvar")
    ap.add_argument("--spliceai-venv", default=str(REPO / ".cache" / "spliceai-venv"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", action="append", default=[], help="genebert task models to time (default shipped)")
    ap.add_argument("--max-variants", type=int, default=None, help="score only the first N (a quick look)")
    ap.add_argument("--rescore", action="store_true", help="ignore cached SpliceAI scores")
    ap.add_argument("--result-name", default="result.json", help="file name of the result JSON in --out-dir")
    ap.add_argument("--order", choices=("random", "splice-first"), default="random",
                    help="which variants SpliceAI scores first (matters for a run stopped early)")
    ap.add_argument("--batch", type=int, default=100, help="variants per SpliceAI child run (cache appended per batch)")
    ap.add_argument("--skip-genebert-timing", action="store_true")
    ap.add_argument("--scored-only", action="store_true",
                    help="report only on the variants already in the cache (a run stopped early; says so)")
    args = ap.parse_args(argv)

    root = data_root(args.data)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = load_variant_table(Path(args.risk_dir) / "variants.tsv")
    n_all = len(table)
    if args.max_variants:
        table = table[: args.max_variants]
    if args.scored_only and (out / "spliceai_scores.tsv").is_file():  # report on what a stopped run scored
        done = {ln.split("\t", 1)[0] for ln in (out / "spliceai_scores.tsv").read_text().splitlines()[1:]}
        table = [r for r in table if r["variant"] in done]
        args.skip_scoring = True
    variants = [(r["chrom"], int(r["pos"]), r["ref"], r["alt"]) for r in table]
    labels = np.array([int(r["label"]) for r in table])
    cache = out / "spliceai_scores.tsv"
    cached = {}
    if args.rescore:
        cache.unlink(missing_ok=True)
        (out / "spliceai_timing.json").unlink(missing_ok=True)
    if cache.is_file():
        for line in cache.read_text().splitlines()[1:]:
            key, score, why = line.split("\t")
            cached[key] = (float(score), None if why == "." else why)
    keys = [r["variant"] for r in table]
    timing_file = out / "spliceai_timing.json"
    timing = json.loads(timing_file.read_text()) if timing_file.is_file() and cached else \
        {"score_s": 0.0, "score_cpu_s": 0.0, "load_s": 0.0, "n_sequences": 0, "n_bases_in": 0, "n_variants": 0}
    todo = [i for i, k in enumerate(keys) if k not in cached]
    # a seeded random order (or splice-region variants first): a run stopped early has scored a random
    # sample of the variants, not one block of the genome (--scored-only reports on it)
    near = np.array([float(r["splice_distance"]) <= SPLICE_REGION_BP for r in table])
    rank = np.random.default_rng(0).permutation(len(table))
    todo.sort(key=lambda i: ((not near[i]) if args.order == "splice-first" else 0, rank[i]))
    if todo and getattr(args, "skip_scoring", False):
        raise SystemExit("--scored-only: nothing to report")
    if todo:
        from genebert_tool.genome.annotation import read_transcripts
        from genebert_tool.genome.fasta import Genome

        transcripts = [t for bed in CANONICAL for t in read_transcripts(root / bed)]
        genomes = {}
        for _, fasta in DEFAULT_PAIRS:
            g = Genome(root / fasta)
            for c in g.contigs:
                genomes[c] = g
        python = Path(args.spliceai_venv) / "bin" / "python"
        if not python.is_file():
            raise SystemExit(f"{python}: no SpliceAI venv (run benchmarks/splice_vs_spliceai.py once to build it)")
        if not cache.is_file() or not cached:
            cache.write_text("variant\tspliceai_ds\tnot_scored\n")
        for b in range(0, len(todo), args.batch):
            idx = todo[b: b + args.batch]
            print(f"SpliceAI 1.3.1: variants {b + 1}-{b + len(idx)} of {len(todo)} to score ({args.threads} threads)",
                  file=sys.stderr, flush=True)
            s, w, t = spliceai_scores([variants[i] for i in idx], genomes, transcripts, python=python,
                                      threads=args.threads)
            with open(cache, "a") as fh:  # appended per batch: an interrupted run resumes where it stopped
                for i, si, wi in zip(idx, s, w):
                    fh.write(f"{keys[i]}\t{si:.6f}\t{wi or '.'}\n")
                    cached[keys[i]] = (float(si), wi)
            for k in ("score_s", "score_cpu_s", "load_s", "n_sequences", "n_bases_in"):
                timing[k] = timing.get(k, 0) + t.get(k, 0)
            timing["n_variants"] = timing.get("n_variants", 0) + len(idx)
            timing.update({k: t.get(k) for k in ("threads", "tensorflow", "keras", "chunk", "context")})
            timing_file.write_text(json.dumps(timing, indent=2) + "\n")
    else:
        print(f"SpliceAI scores from {cache} (--rescore to redo)", file=sys.stderr)
    scores = np.array([cached[k][0] for k in keys])
    why_not = [cached[k][1] for k in keys]

    subset = np.array([float(r["splice_distance"]) <= SPLICE_REGION_BP for r in table])
    methods = {
        "SpliceAI 1.3.1 (max DS)": scores,
        "genebert risk classifier (nested-CV OOF)": np.array([float(r["oof.genebert risk classifier"]) for r in table]),
    }
    # the splice model's raw delta: whichever max_abs_delta column names a splice model (genebert-splice,
    # genebert-splice-genome, ...); a KeyError here once lost a finished 881-variant run
    splice_cols = [c for c in (table[0] if table else ()) if c.startswith("max_abs_delta.") and "splice" in c]
    for col in splice_cols:
        methods[f"{col[len('max_abs_delta.'):]} max|dALT-REF| alone"] = np.array([float(r[col]) for r in table])
    for col in table[0] if table else ():  # risk_clinvar.py's other methods, out-of-fold, on the same variants
        if col.startswith("oof.") and col != "oof.genebert risk classifier":
            methods[f"{col[4:]} (nested-CV OOF)"] = np.array([float(r[col]) for r in table])
    from benchmarks.risk_clinvar import _sha

    results = {"partial": len(table) < n_all, "n_variants_in_risk_benchmark": n_all, "n_variants": len(table), "risk_dir_result_sha": _sha(Path(args.risk_dir) / "variants.tsv"), "n_pathogenic": int(labels.sum()),
               "n_splice_region": int(subset.sum()), "n_splice_region_pathogenic": int(labels[subset].sum()),
               "splice_region_bp": SPLICE_REGION_BP,
               "spliceai_not_scored": {w: why_not.count(w) for w in sorted(set(why_not) - {None})},
               "metrics": {}, "speed": {}}
    for name, s in methods.items():
        results["metrics"][name] = {"all": rank_metrics(labels, s), "splice_region": rank_metrics(labels[subset], s[subset])}
    ours = methods["genebert risk classifier (nested-CV OOF)"]
    results["auroc_difference_classifier_minus_spliceai"] = {
        part: paired_bootstrap(labels[m], ours[m], scores[m]) for part, m in (("all", np.ones(len(labels), bool)),
                                                                             ("splice_region", subset))}
    n = len(table)
    n_timed = timing["n_variants"]  # variants scored in the timed runs (a resumed run adds its batches)
    results["speed"]["SpliceAI 1.3.1"] = {"variants_per_s": n_timed / timing["score_s"],
                                          "variants_per_cpu_s": n_timed / timing["score_cpu_s"], "n_timed": n_timed,
                                          **{k: timing.get(k) for k in ("score_s", "score_cpu_s", "load_s", "threads",
                                                                        "n_sequences", "n_bases_in", "tensorflow")}}
    if not args.skip_genebert_timing:
        pairs = [(root / v, root / f) for v, f in DEFAULT_PAIRS]
        g = time_genebert(pairs, args.model)
        # the timing pass scores every labelled variant; scale to its own count
        results["speed"]["genebert (3 task models)"] = {"variants_per_s": g["n_variants"] / g["score_s"],
                                                        "variants_per_cpu_s": g["n_variants"] / g["score_cpu_s"], **g}
    sp = results["speed"]
    if len(sp) == 2:
        results["speed"]["ratio_genebert_over_spliceai"] = (sp["genebert (3 task models)"]["variants_per_s"]
                                                             / sp["SpliceAI 1.3.1"]["variants_per_s"])
    (out / args.result_name).write_text(json.dumps(results, indent=2) + "\n")

    if results["partial"]:
        print(f"\nPARTIAL: SpliceAI has scored {n} of the {n_all} variants (a seeded random order); every method "
              "below is on exactly these")
    print(f"\n{n} variants ({labels.sum()} P/LP); splice-region subset (<= {SPLICE_REGION_BP} bp of a canonical exon "
          f"boundary): {subset.sum()} ({labels[subset].sum()} P/LP). SpliceAI did not score: "
          f"{results['spliceai_not_scored'] or 'none'} (score 0)")
    print(f"{'method':64s} {'AUROC all':>9s} {'PR-AUC all':>10s} {'AUROC splice':>12s} {'PR-AUC splice':>13s}")
    for name, m in results["metrics"].items():
        a, s = m["all"], m["splice_region"]
        print(f"{name:64s} {a['auroc']:9.4f} {a['pr_auc']:10.4f} {s['auroc']:12.4f} {s['pr_auc']:13.4f}")
    for part, d in results["auroc_difference_classifier_minus_spliceai"].items():
        print(f"AUROC classifier - SpliceAI, {part}: {d['diff']:+.4f} [95% CI {d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]")
    for name, v in sp.items():
        if isinstance(v, dict):
            print(f"{name:28s} {v['variants_per_s']:10.2f} variants/s  {v['variants_per_cpu_s']:10.2f} variants/CPU-s")
    if "ratio_genebert_over_spliceai" in sp:
        print(f"genebert / SpliceAI variants/s: {sp['ratio_genebert_over_spliceai']:.1f}x")
    print(f"wrote {out / args.result_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
