"""The genebert risk classifier beside simple baselines on ClinVar GRCh38, same variants, same CV folds.

Variants: ClinVar 2020-08-03 P/LP (1) vs B/LB (0) of the chr22 train region and the chr2 piece
(``variants/clinvar_20200803.hg38_{chr22,chr2_piece}.vcf.gz``, 8g of the data sources), read by
``trainer.risk_labels.read_labelled_sets`` -- the reader ``genebert finetune-risk`` uses, so the
same labels and the same rejects. A record at chr22 >= 38,000,000 (the hidden test region) stops
the run (``--holdout``), and the usable variants are checked again before any fit.

Every method is the same fit on its own features: standardise + L2 logistic regression, C chosen
inside each outer fold by inner k-fold log-loss (``trainer.risk.nested_cv``), on the **same outer
folds** (``trainer.risk.outer_folds``: seeded stratified k-fold, a function of the labels only).
Reported per method: nested-CV AUROC, PR-AUC (average precision) and MCC at 0.5 of the out-of-fold
probabilities, a 95% bootstrap interval of the AUROC, and for one-number baselines the AUROC of the
raw number too (no fit; larger = more pathogenic). Methods:

* ``genebert risk classifier``: exactly ``finetune-risk --annotation``'s features -- every task-model
  output's ALT - REF delta and |delta|, plus the four ``annotation.*`` features of
  ``genebert_tool.annotate.risk_annotation`` from the GENCODE v24 canonical transcripts (SpliceAI's
  annotation); its numbers must equal that command's ``cv_metrics.json``;
* ``genebert deltas only``: the deltas without the annotation (the features of genebert-risk 0.2.0);
* ``<model> max|dALT-REF|``: one task model alone, the largest |ALT - REF| over its outputs;
* ``exon-boundary distance``: bases from the variant to the nearest annotated splice site
  (``GeneAnnotation.splice_distance``: SpliceAI's convention, donor = last exon base, acceptor =
  first exon base; 0 = the variant covers it), GENCODE v24 canonical transcripts and, second row,
  every Ensembl 111 transcript (chr22; the chr2 piece keeps the canonical ones); fitted on
  log1p(distance) (the classifier's ``annotation.log1p_splice_distance``);
* ``variant class``: SNV or not, inside an exon or not, and their product (the classifier's other
  three ``annotation.*`` features);
* ``... + Ensembl 111 distance (reference)``: the classifier's features plus the second distance
  (what the earlier "genebert + annotation" reference row used; not shipped: annotate takes one
  annotation).

Writes ``--out-dir``/``result.json``, ``variants.tsv`` (per variant: label, fold, annotation
features, every method's out-of-fold probability; read by ``benchmarks/spliceai_clinvar.py``),
``roc.png`` and ``pr.png``; ``--card DIR`` also writes ``DIR/MODEL_CARD.md`` for a classifier
trained by ``finetune-risk`` on these variants (``examples/train_risk.sh``).

    python benchmarks/risk_clinvar.py                          # shipped task models, ~2 min on 2 cores
    python benchmarks/risk_clinvar.py --model DIR --model DIR --model DIR --out-dir runs/x
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_PAIRS = (("variants/clinvar_20200803.hg38_chr22.vcf.gz", "genome/hg38_chr22.fa.gz"),
                 ("variants/clinvar_20200803.hg38_chr2_piece.vcf.gz", "genome/hg38_chr2_1-2333275.fa.gz"))
CANONICAL_BEDS = ("annotation/spliceai_canonical_gencode24.hg38_chr22.bed",
                  "annotation/spliceai_canonical_gencode24.hg38_chr2_piece.bed")
ENSEMBL_BEDS = ("annotation/ensembl111_transcripts.hg38_chr22.bed",
                "annotation/spliceai_canonical_gencode24.hg38_chr2_piece.bed")
HOLDOUT = ("chr22", 38_000_000, None)  # the hidden test region: never read for training or selection
SPLICE_REGION_BP = 50
CLASSIFIER = "genebert risk classifier"
DELTAS_ONLY = "genebert deltas only (genebert-risk 0.2.0 features)"
REFERENCE = "genebert risk classifier + Ensembl 111 distance (reference, not shipped)"
#: SpliceAI 1.3.1 on 790 of the 881 variants, from the recorded run of benchmarks/spliceai_clinvar.py
#: (docs/risk.md, commit 44d33a7; its score cache is not on every machine): AUROC all / splice region.
#: ``reference_*``: the "genebert + annotation" row of that run, whose features are REFERENCE's (same
#: columns, same folds: its 881-variant metrics reproduce to 4 decimals), on the same 790 / 503 variants.
RECORDED_SPLICEAI = {"n_variants": 790, "n_pathogenic": 158, "n_splice_region": 503, "auroc_all": 0.6638,
                     "auroc_splice_region": 0.6878, "pr_auc_all": 0.4973, "pr_auc_splice_region": 0.5822,
                     "reference_auroc_all": 0.7888, "reference_auroc_splice_region": 0.7953,
                     "reference_881": {"auroc": 0.7837, "pr_auc": 0.6588, "mcc": 0.5706},
                     "source": "docs/risk.md, commit 44d33a7"}
N_BOOT = 1000


def data_root(arg: str | None) -> Path:
    return Path(arg or os.environ.get("GENEBERT_DATA") or "/work/shared/data")


# ------------------------------------------------------------------------------ variants
def read_variants(pairs, models, annotation=None):
    """``trainer.risk_labels.read_labelled_sets`` over ``(vcf, fasta)`` pairs with the hold-out guard (and the
    ``GeneAnnotation``'s features, as ``finetune-risk --annotation``); checks again that no usable
    variant is in the hold-out region."""
    from genebert_tool.genome.fasta import Genome
    from trainer.risk_labels import read_labelled_sets

    genomes = [Genome(f) for _, f in pairs]
    try:
        data = read_labelled_sets([(v, g) for (v, _), g in zip(pairs, genomes)], models, holdout=[HOLDOUT],
                                  annotation=annotation)
    finally:
        for g in genomes:
            g.close()
    for key in data.keys:
        chrom, pos, ref = _split_key(key)[:3]
        if chrom == HOLDOUT[0] and pos - 1 + len(ref) > HOLDOUT[1]:
            raise SystemExit(f"{key} is in the hold-out region {HOLDOUT}")
    return data


def _split_key(key: str) -> tuple[str, int, str, str]:
    """``chr22:123 A>C`` -> ``("chr22", 123, "A", "C")`` (1-based pos, the VCF's own alleles)."""
    where, alleles = key.split(" ")
    chrom, pos = where.rsplit(":", 1)
    ref, alt = alleles.split(">")
    return chrom, int(pos), ref, alt


class _Allele(NamedTuple):
    """A variant as ``annotate_variants`` reads it, from a key (0-based ``start``)."""

    chrom: str
    start: int
    ref: str
    alt: str


def alleles(keys) -> list[_Allele]:
    return [_Allele(c, pos - 1, ref, alt) for c, pos, ref, alt in map(_split_key, keys)]


# ------------------------------------------------------------------------------- metrics
def rank_metrics(y: np.ndarray, score: np.ndarray) -> dict:
    """AUROC and PR-AUC (average precision) of a raw score (larger = class 1); NaN with one class."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return {"auroc": float("nan"), "pr_auc": float("nan"), "n": int(len(y)), "n_pos": int(y.sum())}
    return {"auroc": float(roc_auc_score(y, score)), "pr_auc": float(average_precision_score(y, score)),
            "n": int(len(y)), "n_pos": int(y.sum())}


def bootstrap_auroc(y: np.ndarray, score: np.ndarray, *, n_boot: int = N_BOOT, seed: int = 0) -> list[float]:
    """95% percentile interval of the AUROC over variant resamples (stratified by class)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    vals = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        vals.append(roc_auc_score(y[idx], score[idx]))
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


def evaluate_methods(methods: dict[str, tuple[np.ndarray, np.ndarray | None]], y: np.ndarray, fold_of: np.ndarray,
                     *, folds: int, seed: int) -> tuple[dict, dict[str, np.ndarray]]:
    """``methods``: name -> (features ``(n, k)``, raw score ``(n,)`` or None). Same folds for all."""
    from sklearn.metrics import matthews_corrcoef
    from threadpoolctl import threadpool_limits

    from trainer.metrics import compute_metrics
    from trainer.risk import nested_cv

    results, oofs = {}, {}
    with threadpool_limits(limits=1):
        for name, (x, raw) in methods.items():
            cv = nested_cv(x, y, fold_of, folds=folds, seed=seed)
            oof = cv.oof
            m = compute_metrics(y, oof, task="promoter", allow_one_class=True)
            results[name] = {"auroc": m["auc"], "pr_auc": m["pr_auc"], "mcc": m["mcc"], "n_features": int(x.shape[1]),
                             "mcc_cv_threshold": float(matthews_corrcoef(y, cv.calls)),
                             "threshold_per_fold": cv.threshold_per_fold,
                             "auroc_95ci": bootstrap_auroc(y, oof, seed=seed), "c_per_fold": cv.c_per_fold}
            if raw is not None:
                results[name]["raw"] = rank_metrics(y, raw)
            oofs[name] = oof
    return results, oofs


# ----------------------------------------------------------------------------- the card
def card(args, result: dict) -> Path:
    """``--card``: MODEL_CARD.md for ``--risk-run``'s classifier from this benchmark's ``result``."""
    if not args.risk_run:
        raise SystemExit("--card needs --risk-run (the classifier the card describes)")
    from trainer.risk import RiskClassifier, risk_version

    clf = RiskClassifier.from_dir(args.risk_run)
    cv = clf.cv_metrics
    if abs(cv["auc"] - result["methods"][CLASSIFIER]["auroc"]) > 1e-9:
        raise SystemExit(f"{args.risk_run}: its cv auc differs from the benchmark's classifier row: rerun the benchmark")
    result = dict(result, risk_version=risk_version(clf))
    versions = {m["version"] for m in result["task_models"]}
    result["task_model_note"] = (
        "Trained on the 0.3.0 task models (trained from the genome)." if versions == {"0.3.0"} else
        f"**Trained on the default task models ({', '.join(sorted(versions))})**, not the genome-trained 0.3.0 "
        f"ones (not the defaults). The classifier's version ({result['risk_version']}) is its own, not its task "
        "models'.")
    if args.spliceai_result and Path(args.spliceai_result).is_file():
        sp = json.loads(Path(args.spliceai_result).read_text())
        if sp.get("risk_dir_result_sha") not in (None, _sha(Path(args.out_dir) / "variants.tsv")):
            raise SystemExit(f"{args.spliceai_result} was made from another variants.tsv: rerun spliceai_clinvar.py "
                             f"--risk-dir {args.out_dir}")
        result["spliceai"] = sp
    else:  # no score cache here: the card quotes the recorded SpliceAI run and says so
        result["recorded_spliceai"] = RECORDED_SPLICEAI
    from benchmarks.risk_card import write_card

    path = write_card(Path(args.card), result, clf.to_json(), command=args.command)
    print(f"wrote {path}")
    return path


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="shared data root (default $GENEBERT_DATA or /work/shared/data)")
    ap.add_argument("--model", action="append", default=[], help="task model NAME|DIR (repeatable; default shipped 3)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", default="runs/risk_clinvar")
    ap.add_argument("--risk-run", default=None, help="a finetune-risk directory: check its cv_metrics match")
    ap.add_argument("--card", default=None, metavar="DIR", help="write DIR/MODEL_CARD.md (with --risk-run)")
    ap.add_argument("--spliceai-result", default=None, help="spliceai_clinvar.py result.json to add to the card")
    ap.add_argument("--command", default="examples/train_risk.sh", help="the reproduce line of the card")
    ap.add_argument("--card-only", action="store_true", help="write --card from --out-dir/result.json, no re-run")
    args = ap.parse_args(argv)
    if args.card_only:
        card(args, json.loads((Path(args.out_dir) / "result.json").read_text()))
        return 0

    from genebert_tool.annotate.models import load_models
    from genebert_tool.annotate.risk_annotation import ANNOTATION_FEATURES, annotate_variants
    from genebert_tool.genome.gene_annotation import read_gene_annotation
    from trainer.risk import outer_folds

    root = data_root(args.data)
    pairs = [(root / v, root / f) for v, f in DEFAULT_PAIRS]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    canonical = read_gene_annotation([root / b for b in CANONICAL_BEDS])
    ensembl = read_gene_annotation([root / b for b in ENSEMBL_BEDS])
    models = load_models("risk", tuple(args.model), device="cpu", per_position_splice=False, splice_distance=0)
    t0 = time.perf_counter()
    data = read_variants(pairs, models, canonical)
    score_s = time.perf_counter() - t0
    y = data.labels
    fold_of = outer_folds(y, folds=args.folds, seed=args.seed)
    print(f"{len(y)} variants ({y.sum()} P/LP, {len(y) - y.sum()} B/LB), {len(data.rejects)} rejected; "
          f"scored in {score_s:.1f} s ({len(y) / score_s:.1f} variants/s)", file=sys.stderr)

    x_all = data.features.values  # exactly finetune-risk --annotation's features: deltas, |deltas|, annotation.*
    col_model = [m["name"] for m in data.features.models for _ in m["columns"]]
    ncols = len(col_model)
    abs_d = x_all[:, ncols:2 * ncols]
    ann_x = x_all[:, 2 * ncols:]
    assert data.features.names[2 * ncols:] == list(ANNOTATION_FEATURES)
    ann, ann_e = data.annotation, annotate_variants(ensembl, alleles(data.keys))
    dist_c, dist_e = ann.splice_distance.astype(np.float64), ann_e.splice_distance.astype(np.float64)
    ensembl_x = ann_e.features()[:, :1]  # its log1p distance
    methods: dict[str, tuple[np.ndarray, np.ndarray | None]] = {CLASSIFIER: (x_all, None),
                                                               DELTAS_ONLY: (x_all[:, :2 * ncols], None)}
    max_abs = {}
    for m in data.features.models:
        cols = [j for j in range(ncols) if col_model[j] == m["name"]]
        max_abs[m["name"]] = abs_d[:, cols].max(axis=1)
        methods[f"{m['name']} {m['version']} max|dALT-REF|"] = (max_abs[m["name"]][:, None], max_abs[m["name"]])
    combined = abs_d.max(axis=1)
    methods["max|dALT-REF| over all outputs (|GENEBERT_RISK|)"] = (combined[:, None], combined)
    methods["exon-boundary distance (GENCODE v24 canonical)"] = (ann_x[:, :1], -dist_c)
    methods["exon-boundary distance (Ensembl 111 all transcripts)"] = (ensembl_x, -dist_e)
    methods["variant class (SNV/indel x in exon)"] = (ann_x[:, 1:], None)
    methods[REFERENCE] = (np.concatenate([x_all, ensembl_x], axis=1), None)
    results, oofs = evaluate_methods(methods, y, fold_of, folds=args.folds, seed=args.seed)

    subset = dist_c <= SPLICE_REGION_BP
    for name in results:
        results[name]["splice_region"] = rank_metrics(y[subset], oofs[name][subset])
    from collections import Counter

    result = {
        "n": int(len(y)), "n_pathogenic": int(y.sum()), "n_rejected": len(data.rejects),
        "reject_counts": dict(Counter(r.reason.split(":", 1)[0] for r in data.rejects).most_common()),
        "folds": args.folds, "seed": args.seed, "fold_sizes": np.bincount(fold_of).tolist(),
        "task_models": [{k: m[k] for k in ("name", "version", "window_bp", "weights_sha256")}
                        for m in data.features.models],
        "annotation": [s.to_json() for s in canonical.sources],
        "n_no_transcripts": int(ann.no_transcripts.sum()),
        "splice_region_bp": SPLICE_REGION_BP, "n_splice_region": int(subset.sum()),
        "n_splice_region_pathogenic": int(y[subset].sum()),
        "genebert_scoring": {"score_s": score_s, "variants_per_s": len(y) / score_s},
        "protocol": "standardise + L2 logistic regression per method, C chosen inside each outer fold "
                    "(trainer.risk.nested_cv), the same outer folds for every method",
        "methods": results,
    }
    if args.risk_run:  # the shipped classifier's own CV must be the row above, not a lucky re-run
        cv = json.loads((Path(args.risk_run) / "cv_metrics.json").read_text())
        mine = results[CLASSIFIER]
        if abs(cv["auc"] - mine["auroc"]) > 1e-9 or abs(cv["pr_auc"] - mine["pr_auc"]) > 1e-9:
            raise SystemExit(f"{args.risk_run}: cv_metrics (auc {cv['auc']:.6f}) differ from this run's classifier "
                             f"row (auroc {mine['auroc']:.6f}): not the same variants, models or folds")
        result["risk_run"] = str(args.risk_run)
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")

    from trainer.report import write_curves

    write_curves({k: (y, v) for k, v in oofs.items()}, out,
                 title=f"ClinVar train region: {len(y)} variants, {args.folds}-fold nested CV, same folds")
    with open(out / "variants.tsv", "w") as fh:
        cols = ["variant", "chrom", "pos", "ref", "alt", "label", "fold", "source", "line", "splice_distance",
                "splice_distance_ensembl", "in_exon", "not_snv"] + [f"max_abs_delta.{k}" for k in max_abs] \
            + [f"oof.{k}" for k in oofs]
        fh.write("\t".join(cols) + "\n")
        for i, key in enumerate(data.keys):
            chrom, pos, ref, alt = _split_key(key)
            row = [key, chrom, pos, ref, alt, int(y[i]), int(fold_of[i]), Path(data.files[i]).name, data.lines[i],
                   int(dist_c[i]), int(dist_e[i]), int(ann.in_exon[i]), int(ann.not_snv[i])]
            row += [f"{max_abs[k][i]:.6f}" for k in max_abs] + [f"{oofs[k][i]:.6f}" for k in oofs]
            fh.write("\t".join(map(str, row)) + "\n")

    print(f"\n{len(y)} ClinVar variants ({y.sum()} P/LP); {args.folds}-fold nested CV, same folds for every method; "
          f"task models: {', '.join(m['name'] + ' ' + m['version'] for m in data.features.models)}")
    print(f"{'method':56s} {'AUROC':>7s} {'95% CI':>15s} {'PR-AUC':>7s} {'MCC':>7s} {'MCC@cut':>7s} {'raw AUROC':>9s} "
          f"{'AUROC<=50bp':>11s}")
    for name, r in results.items():
        raw = f"{r['raw']['auroc']:9.4f}" if "raw" in r else f"{'':9s}"
        ci = f"[{r['auroc_95ci'][0]:.3f},{r['auroc_95ci'][1]:.3f}]"
        print(f"{name:56s} {r['auroc']:7.4f} {ci:>15s} {r['pr_auc']:7.4f} {r['mcc']:7.4f} {r['mcc_cv_threshold']:7.4f} {raw} "
              f"{r['splice_region']['auroc']:11.4f}")
    print(f"splice-region subset (<= {SPLICE_REGION_BP} bp of a canonical exon boundary): {subset.sum()} variants "
          f"({y[subset].sum()} P/LP); wrote {out / 'result.json'}, variants.tsv, roc.png, pr.png")

    if args.card:
        card(args, result)
    return 0


def load_variant_table(path: str | os.PathLike) -> list[dict]:
    """``variants.tsv`` rows as dicts (strings)."""
    lines = Path(path).read_text().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:]]


if __name__ == "__main__":
    sys.exit(main())
