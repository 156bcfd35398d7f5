"""Old benchmarks (GUE promoter dev, DeepBind ``_B``, UCI splice) on the genome-trained task models.

Report only (issue 10 item 6): nothing here trains, tunes or selects anything; the DeepBind ``_B``
files are test folds. Every file is read through ``trainer.datasets.load_labelled``, which drops the
rows listed in ``split/shared_rows_in_chr22_test_region.tsv`` (hidden test region chr22 >= 38 Mb);
each metrics.json says how many (``test_region_rows_dropped``). ``examples/old_benchmarks_genome_models.sh``
runs ``genebert evaluate`` for what it can score, and this script for the rest:

``promoter-padded``
    ``genebert evaluate`` feeds a GUE 70-bp sequence to the 300-bp genebert-promoter-genome as it is
    (shorter inputs are not padded; the tokenizer pads with [PAD] tokens that attention and the mean
    pooling skip). This sub-command scores the same rows with the sequence N-padded to the model's
    window, centred (``genome.windows.centre_fit``, annotate's rule), as a sensitivity check.

``tfbs-b``
    ``genebert evaluate --output NAME`` refuses genebert-tfbs-genome on the ``_B`` files: at the fixed
    0.5 threshold it calls every 101-bp sequence unbound (its outputs are calibrated on genome
    background, where 0.5 is far above the 1 %-FPR thresholds of ``background.json``), and evaluate
    refuses a one-class predictor. This sub-command scores the same rows by evaluate's own path
    (``load_labelled``, ``Predictor.predict`` on the sequence as it is, ``evaluate_predictions``) with
    one-class predictions allowed, so AUROC and PR-AUC (threshold-free) are evaluate's numbers; it adds
    accuracy and MCC at each output's ``background.json`` default threshold (FPR 1 % on train-region
    genome windows: fixed before, and independent of, these rows). Each mapped experiment is scored
    with its ``TFBS_MAPPING`` output, and all 25 with ``max`` over the outputs.

``splice-uci``
    A UCI row is 60 bp in transcript orientation, junction between bases 29 and 30 (0-based): a donor
    (EI) is labelled at its last exon base, 29 (GT at 30-31); an acceptor (IE) at its first exon base,
    30 (AG at 28-29), the label rule genebert-splice-genome was trained with. ``genebert evaluate``
    scores a per-base model at the centre base of each input (base 30 after N-padding to 800 bp) and
    takes the maximum over both strands: right for acceptors, one base off for donors, and the reverse
    strand is not the UCI orientation. This sub-command N-pads each row, centred, to the 800-bp window
    (370 N either side, so the model's 200-bp context each side is all N), runs the forward strand
    only, and reads P(donor) at base 29 and P(acceptor) at base 30. Three-class scores for the
    card's metrics: ``[(1 - p_d)(1 - p_a), p_d, p_a]``, normalised (two detectors, taken as
    independent); per-class AUROC/AUPRC use p_d and p_a as they are. The 0.2.0 model
    (genebert-splice, 60-bp softmax) is scored on the same rows for comparison. Rows: all UCI rows
    (the genome model never saw UCI) and the 319-row test part of genebert-splice's recorded split
    (the only rows 0.2.0 was not trained or selected on).

``summary``
    Collects the metrics.json files under ``--root`` into ``summary.json`` and ``summary.md``.

    python benchmarks/old_bench_genome.py splice-uci --data $GENEBERT_DATA/splice/uci/splice.data.gz -o runs/old_bench/splice/honest
    python benchmarks/old_bench_genome.py summary --root runs/old_bench
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: DeepBind ``_B`` experiment -> genebert-tfbs-genome output, and why. Rule, fixed before scoring:
#: the same TF_cell; else the same TF in another cell (several: the one with the most peaks in its
#: ENCODE-DREAM training file, chip/encode_dream.CELL.TF.hg38_chr22.narrowPeak); else none.
TFBS_MAPPING = {
    "ARID3A_HepG2": ("ARID3A_HepG2", "same TF_cell"),
    "ARID3A_K562": ("ARID3A_HepG2", "same TF, other cell (only ARID3A output)"),
    "CTCFL_K562": (None, "no CTCFL output (CTCF is a paralog, not the same TF)"),
    "ELK1_GM12878": (None, "no ELK1 output"),
    "FOXA1_HepG2": ("FOXA1_HepG2", "same TF_cell"),
    "FOXM1_GM12878": (None, "no FOXM1 output"),
    "GABPA_GM12878": ("GABPA_GM12878", "same TF_cell"),
    "GATA3_SH-SY5Y": ("GATA3_A549", "same TF, other cell (only GATA3 output)"),
    "MYC_H1-hESC": ("MYC_K562", "same TF, other cell (K562: 649 train peaks; MCF-7 361, HeLa-S3 134, A549 73)"),
    "REST_GM12878": ("REST_H1-hESC", "same TF, other cell (H1-hESC: 223 train peaks; HepG2 125, HeLa-S3 119, "
                                     "Panc1 107, MCF-7 106)"),
    "SERBP1_H1-hESC": (None, "no SERBP1 output"),
    "SP1_GM12878": (None, "no SP1 output"),
    "SRF_H1-hESC": ("SRF_H1-hESC", "same TF_cell"),
    "SUZ12_H1-hESC": (None, "no SUZ12 output"),
    "TAF1_H1-hESC": ("TAF1_H1-hESC", "same TF_cell"),
    "TAF7_H1-hESC": (None, "no TAF7 output"),
    "TBP_H1-hESC": (None, "no TBP output"),
    "TCF12_H1-hESC": ("TCF12_H1-hESC", "same TF_cell"),
    "TEAD4_H1-hESC": ("TEAD4_H1-hESC", "same TF_cell"),
    "USF1_H1-hESC": (None, "no USF1 output"),
    "USF1_HepG2": (None, "no USF1 output"),
    "USF2_H1-hESC": (None, "no USF2 output"),
    "YY1_H1-hESC": ("YY1_H1-hESC", "same TF_cell"),
    "ZBTB7A_HepG2": (None, "no ZBTB7A output"),
    "ZNF143_H1-hESC": ("ZNF143_H1-hESC", "same TF_cell"),
}


def _dump(obj: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n")


def cmd_mapping(args) -> None:
    """Print ``<experiment> <output>`` for every mapped experiment (the shell script loops over it)."""
    for exp, (output, _) in sorted(TFBS_MAPPING.items()):
        if output:
            print(exp, output)


def cmd_promoter_padded(args) -> None:
    from genebert_tool.genome.windows import centre_fit
    from genebert_tool.inference.predictor import Predictor
    from trainer.datasets import load_labelled, test_region_counts
    from trainer.metrics import compute_metrics

    pred = Predictor.from_pretrained(args.model, device="cpu")
    d = load_labelled("promoter", args.data)
    seqs = [centre_fit(s, pred.window_bp) for s in d.sequences]
    p = pred.predict(seqs, batch_size=256)[:, 0]
    m = compute_metrics(d.labels, p, task="promoter", allow_one_class=True)  # N-padded: may be all one class
    _dump({**m, "model_name": pred.model_name, "model_version": pred.model_version, "data": [args.data],
           "input": f"each sequence N-padded, centred, to the model's {pred.window_bp}-bp window",
           "test_region_rows_dropped": test_region_counts([d])}, Path(args.out))
    print(f"{pred.model_name} N-padded to {pred.window_bp}: n={m['n']} auc={m['auc']:.4f} pr_auc={m['pr_auc']:.4f} "
          f"mcc={m['mcc']:.4f} acc={m['accuracy']:.4f}")


def cmd_tfbs_b(args) -> None:
    import glob

    from sklearn import metrics as skm

    from genebert_tool.inference.predictor import Predictor
    from trainer.datasets import deepbind_output_name, load_labelled
    from trainer.evaluate import _predict, evaluate_predictions
    from trainer.datasets import test_region_counts

    pred = Predictor.from_pretrained(args.model, device="cpu")
    bg = json.loads((pred.model_dir / "background.json").read_text())["outputs"]
    files = sorted(glob.glob(args.data))
    out_root = Path(args.out)
    max_sets, max_probs = [], []
    for path in files:
        exp = deepbind_output_name(path)
        d = load_labelled("tfbs", path)
        probs, _ = _predict(pred, [d], 256)
        max_sets.append(d)
        max_probs.append(probs[0])
        output = TFBS_MAPPING.get(exp, (None, ""))[0]
        if not output:
            continue
        m, _ = evaluate_predictions("tfbs", [d], probs, pred.output_names, allow_one_class=True, output=output)
        y, s = d.labels.reshape(len(d.labels), -1)[:, 0], probs[0][:, pred.output_names.index(output)]
        keep = y != -100
        thr = float(bg[output]["default_threshold"])
        yhat = (s[keep] >= thr).astype(int)
        m.update({"model_name": pred.model_name, "model_version": pred.model_version, "data": [path],
                  "scored_output": output, "mapping": TFBS_MAPPING[exp][1],
                  "at_default_threshold": {"threshold": thr, "source": "background.json default (FPR 1 %)",
                                           "accuracy": float(skm.accuracy_score(y[keep], yhat)),
                                           "mcc": float(skm.matthews_corrcoef(y[keep], yhat))},
                  "test_region_rows_dropped": test_region_counts([d]),
                  "note": "DeepBind _B files are test folds: reported for comparison, never used for selection"})
        _dump(m, out_root / "genebert-tfbs-genome" / exp)
        print(f"{exp} -> {output}: n={m['n']} auc={m['auc']:.4f} pr_auc={m['pr_auc']:.4f} "
              f"mcc@0.5={m['mcc']:.4f} mcc@default={m['at_default_threshold']['mcc']:.4f}")
    m, _ = evaluate_predictions("tfbs", max_sets, max_probs, pred.output_names, allow_one_class=True, output="max")
    m.update({"model_name": pred.model_name, "model_version": pred.model_version, "data": files,
              "scored_output": "max", "test_region_rows_dropped": test_region_counts(max_sets)})
    _dump(m, out_root / "genebert-tfbs-genome-max")
    print(f"max over outputs, {len(files)} experiments: n={m['n']} mean auc={m['auc']:.4f} pr_auc={m['pr_auc']:.4f}")


def _binary(y, s) -> dict:
    from sklearn import metrics as skm

    return {"auroc": float(skm.roc_auc_score(y, s)), "auprc": float(skm.average_precision_score(y, s)),
            "n_pos": int(np.sum(y))}


def _splice_metrics(y: np.ndarray, three: np.ndarray, p_donor: np.ndarray, p_acceptor: np.ndarray) -> dict:
    from trainer.metrics import compute_metrics

    m = compute_metrics(y, three, task="splice", allow_one_class=True)
    m["donor_vs_rest"] = _binary(y == 1, p_donor)
    m["acceptor_vs_rest"] = _binary(y == 2, p_acceptor)
    return m


def cmd_splice_uci(args) -> None:
    from genebert_tool.genome.windows import centre_fit
    from genebert_tool.inference.predictor import Predictor
    from genebert_tool.inference.splice import score_windows
    from trainer.datasets import load_labelled, test_region_counts
    from trainer.splits import select_split

    d = load_labelled("splice", args.data)
    old = Predictor.from_pretrained(args.old_model, device="cpu")
    record = json.loads((old.model_dir / "split.json").read_text())
    test = select_split(load_labelled("splice", args.data), record, "test")
    test_lines = set(test.lines)
    in_test = np.array([line in test_lines for line in d.lines])

    gen = Predictor.from_pretrained(args.model, device="cpu")  # a SplicePredictor (per-base model)
    if not getattr(gen, "per_base", False):
        raise SystemExit(f"{args.model}: not a per-base splice model")
    lengths = {len(s) for s in d.sequences}
    if lengths != {60}:
        raise SystemExit(f"UCI rows should all be 60 bp, got lengths {sorted(lengths)}")
    windows = [centre_fit(s, gen.window_bp) for s in d.sequences]  # UCI base 30 -> window index window_bp // 2
    offset = gen.window_bp // 2 - 30 - gen.context_bp  # scored index of UCI base 0
    probs = score_windows(gen.model, gen.tokenizer, windows, batch_size=args.batch_size)  # (n, n_scored, 3)
    names = list(gen.output_names)
    i_n, i_d, i_a = names.index("neither"), names.index("donor"), names.index("acceptor")
    p_d = probs[:, offset + 29, i_d].astype(np.float64)
    p_a = probs[:, offset + 30, i_a].astype(np.float64)
    three = np.stack([(1 - p_d) * (1 - p_a), p_d, p_a], axis=1)
    three /= three.sum(axis=1, keepdims=True)
    # evaluate's own readout, for the record: centre base (30), max over both strands
    evaluate_readout = gen.predict(d.sequences, batch_size=args.batch_size)
    # where along the 60 bp the model puts its peak, per true class (a diagnostic, nothing is chosen by it)
    profile = {cls: {"mean_p_donor_by_base": probs[d.labels == c, offset:offset + 60, i_d].mean(0).round(4).tolist(),
                     "mean_p_acceptor_by_base": probs[d.labels == c, offset:offset + 60, i_a].mean(0).round(4).tolist()}
               for c, cls in enumerate(("neither", "donor", "acceptor"))}

    y = d.labels
    p_old = old.predict(d.sequences, batch_size=256)
    o_n, o_d, o_a = (list(old.output_names).index(k) for k in ("neither", "donor", "acceptor"))
    p_old = p_old[:, [o_n, o_d, o_a]]
    out = {
        "data": [args.data],
        "model_name": gen.model_name, "model_version": gen.model_version,
        "readout": ("forward strand only; each 60-bp row N-padded, centred, to the 800-bp window (370 N each "
                    "side); P(donor) at UCI base 29 (last exon base), P(acceptor) at base 30 (first exon base); "
                    "3-class scores [(1-p_d)(1-p_a), p_d, p_a] normalised"),
        "test_region_rows_dropped": test_region_counts([d]),
        "test_part": {"rows": int(in_test.sum()), "of": "genebert-splice 0.2.0 split.json lines['test']",
                      "test_region_rows_dropped": test_region_counts([test])},
        "genome_model": {
            "all_rows": _splice_metrics(y, three, p_d, p_a),
            "test_part": _splice_metrics(y[in_test], three[in_test], p_d[in_test], p_a[in_test]),
        },
        "genome_model_evaluate_readout": {
            "readout": "genebert evaluate's: centre base (UCI base 30) of the N-padded window, max over both strands",
            "all_rows": _splice_metrics(y, evaluate_readout[:, [i_n, i_d, i_a]], evaluate_readout[:, i_d],
                                        evaluate_readout[:, i_a]),
        },
        "old_model": {"name": old.model_name, "version": old.model_version,
                      "test_part": _splice_metrics(y[in_test], p_old[in_test], p_old[in_test, 1], p_old[in_test, 2])},
        "profile_all_rows": profile,
    }
    _dump(out, Path(args.out))
    for key, m in (("genome all", out["genome_model"]["all_rows"]), ("genome test", out["genome_model"]["test_part"]),
                   ("genome all (evaluate readout)", out["genome_model_evaluate_readout"]["all_rows"]),
                   ("0.2.0 test", out["old_model"]["test_part"])):
        print(f"{key}: n={m['n']} acc={m['accuracy']:.4f} mcc={m['mcc']:.4f} auc={m['auc']:.4f} "
              f"top_k={m['top_k_accuracy']:.4f} donor auroc={m['donor_vs_rest']['auroc']:.4f} "
              f"acceptor auroc={m['acceptor_vs_rest']['auroc']:.4f}")


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.4f}"


def cmd_summary(args) -> None:
    from trainer.report import published_deepbind_aucs

    root = Path(args.root)
    summary: dict = {}
    lines = ["# Old benchmarks on the genome-trained models (report only)", ""]

    # promoter
    pg, po, pp = (_load(root / "promoter" / n / "metrics.json")
                  for n in ("genebert-promoter-genome", "genebert-promoter", "genebert-promoter-genome-padded"))
    summary["promoter"] = {"genome": pg, "old": po, "genome_padded": pp}
    lines += ["## GUE prom_core_all dev (promoter)", "",
              "| model | n | AUROC | PR-AUC | MCC | accuracy | dropped (test region) |", "|---|---|---|---|---|---|---|"]
    for label, m in (("genebert-promoter-genome 0.3.0 (evaluate: 70 bp as is)", pg),
                     ("genebert-promoter-genome 0.3.0 (N-padded to 300 bp)", pp), ("genebert-promoter 0.2.0", po)):
        if m:
            lines.append(f"| {label} | {m['n']} | {_fmt(m['auc'])} | {_fmt(m['pr_auc'])} | {_fmt(m['mcc'])} | "
                         f"{_fmt(m['accuracy'])} | {m['test_region_rows_dropped']['rows']} |")
    lines.append("")

    # tfbs
    published = published_deepbind_aucs()
    old = _load(root / "tfbs" / "genebert-tfbs" / "metrics.json")
    gmax = _load(root / "tfbs" / "genebert-tfbs-genome-max" / "metrics.json")
    rows, mapped = [], {}
    old_per = (old or {}).get("per_output", {})
    max_per = (gmax or {}).get("per_output", {})
    for exp, (output, why) in sorted(TFBS_MAPPING.items()):
        m = _load(root / "tfbs" / "genebert-tfbs-genome" / exp / "metrics.json") if output else None
        pub = next((v for k, v in published.items() if k.startswith(exp + "_")), None)
        rec = {"output": output, "why": why, "genome_auc": m and m["auc"], "genome_pr_auc": m and m["pr_auc"],
               "genome_mcc": m and m["mcc"], "genome_accuracy": m and m["accuracy"],
               "genome_max_auc": max_per.get(exp, {}).get("auc"),
               "old_auc": old_per.get(exp, {}).get("auc"), "old_pr_auc": old_per.get(exp, {}).get("pr_auc"),
               "old_mcc": old_per.get(exp, {}).get("mcc"), "old_accuracy": old_per.get(exp, {}).get("accuracy"),
               "published_DeepBind": pub and pub.get("DeepBind"),
               "n": m and m["n"], "dropped": m and m["test_region_rows_dropped"]["rows"]}
        mapped[exp] = rec
        rows.append(rec)

    def mean(key, recs):
        vals = [r[key] for r in recs if r[key] is not None]
        return (float(np.mean(vals)), len(vals)) if vals else (None, 0)

    groups = {"same TF_cell": [r for r in rows if r["why"] == "same TF_cell"],
              "mapped (same TF_cell or same TF other cell)": [r for r in rows if r["output"]],
              "all 25 experiments": rows}
    tf_summary = {}
    lines += ["## DeepBind `_B` test folds (tfbs; report only)", "",
              "Mapping (fixed before scoring): same TF_cell, else same TF in another cell (most training peaks), "
              "else no matching output. `max` = the largest of the 107 outputs (TF-agnostic).", "",
              "| experiments | n exp | genome AUROC | 0.2.0 AUROC (same exps) | genome PR-AUC | 0.2.0 PR-AUC | "
              "genome MCC | 0.2.0 MCC | genome `max` AUROC | published DeepBind |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for gname, recs in groups.items():
        scored = [r for r in recs if r["genome_auc"] is not None] if gname != "all 25 experiments" else recs
        g = {k: mean(k, scored) for k in ("genome_auc", "old_auc", "genome_pr_auc", "old_pr_auc", "genome_mcc",
                                          "old_mcc", "genome_max_auc", "published_DeepBind")}
        tf_summary[gname] = {k: v[0] for k, v in g.items()} | {"n_experiments": len(scored),
                                                                "n_published": g["published_DeepBind"][1]}
        lines.append(f"| {gname} | {len(scored)} | {_fmt(g['genome_auc'][0])} | {_fmt(g['old_auc'][0])} | "
                     f"{_fmt(g['genome_pr_auc'][0])} | {_fmt(g['old_pr_auc'][0])} | {_fmt(g['genome_mcc'][0])} | "
                     f"{_fmt(g['old_mcc'][0])} | {_fmt(g['genome_max_auc'][0])} | "
                     f"{_fmt(g['published_DeepBind'][0])} (n={g['published_DeepBind'][1]}) |")
    lines += ["", "| experiment | genome output | genome AUROC | 0.2.0 AUROC | genome `max` AUROC | published DeepBind |",
              "|---|---|---|---|---|---|"]
    for exp, r in sorted(mapped.items()):
        lines.append(f"| {exp} | {r['output'] or 'no matching output'} | {_fmt(r['genome_auc'])} | "
                     f"{_fmt(r['old_auc'])} | {_fmt(r['genome_max_auc'])} | {_fmt(r['published_DeepBind'])} |")
    lines.append("")
    summary["tfbs"] = {"per_experiment": mapped, "means": tf_summary,
                       "old_overall": old and {k: old.get(k) for k in ("auc", "pr_auc", "mcc", "accuracy", "n",
                                                                      "published_mean")},
                       "genome_max_overall": gmax and {k: gmax.get(k) for k in ("auc", "pr_auc", "mcc", "accuracy",
                                                                               "n", "published_mean")},
                       "dropped_old": old and old["test_region_rows_dropped"]["rows"],
                       "dropped_genome_max": gmax and gmax["test_region_rows_dropped"]["rows"]}

    # splice
    sh = _load(root / "splice" / "honest" / "metrics.json")
    se = _load(root / "splice" / "genebert-splice-genome-evaluate" / "metrics.json")
    so = _load(root / "splice" / "genebert-splice-test" / "metrics.json")
    summary["splice"] = {"honest": sh, "genome_evaluate": se, "old_evaluate_test": so}
    lines += ["## UCI splice (3 classes)", "",
              "| model, rows | n | accuracy | MCC | AUROC (ovr macro) | top-k | donor AUROC | acceptor AUROC |",
              "|---|---|---|---|---|---|---|---|"]
    if sh:
        for label, m in (("genome 0.3.0, forward, donor@29/acceptor@30, UCI test part", sh["genome_model"]["test_part"]),
                         ("genome 0.3.0, forward, donor@29/acceptor@30, all UCI rows", sh["genome_model"]["all_rows"]),
                         ("genome 0.3.0, evaluate readout (centre base, both strands), all rows",
                          sh["genome_model_evaluate_readout"]["all_rows"]),
                         ("genebert-splice 0.2.0, UCI test part", sh["old_model"]["test_part"])):
            lines.append(f"| {label} | {m['n']} | {_fmt(m['accuracy'])} | {_fmt(m['mcc'])} | {_fmt(m['auc'])} | "
                         f"{_fmt(m['top_k_accuracy'])} | {_fmt(m['donor_vs_rest']['auroc'])} | "
                         f"{_fmt(m['acceptor_vs_rest']['auroc'])} |")
    if so:
        lines.append(f"| genebert-splice 0.2.0, `genebert evaluate --split test` | {so['n']} | {_fmt(so['accuracy'])} | "
                     f"{_fmt(so['mcc'])} | {_fmt(so['auc'])} | {_fmt(so.get('top_k_accuracy'))} | | |")
    if se:
        lines.append(f"| genome 0.3.0, `genebert evaluate` (all rows) | {se['n']} | {_fmt(se['accuracy'])} | "
                     f"{_fmt(se['mcc'])} | {_fmt(se['auc'])} | {_fmt(se.get('top_k_accuracy'))} | | |")
    lines.append("")
    (root / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True, default=float) + "\n")
    (root / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("mapping", help="print the DeepBind experiment -> output mapping").set_defaults(fn=cmd_mapping)
    p = sub.add_parser("promoter-padded")
    p.add_argument("--model", default="genebert-promoter-genome")
    p.add_argument("--data", required=True)
    p.add_argument("-o", "--out", required=True)
    p.set_defaults(fn=cmd_promoter_padded)
    t = sub.add_parser("tfbs-b")
    t.add_argument("--model", default="genebert-tfbs-genome")
    t.add_argument("--data", required=True, help="quoted glob of the _B files")
    t.add_argument("-o", "--out", required=True, help="runs/old_bench/tfbs")
    t.set_defaults(fn=cmd_tfbs_b)
    s = sub.add_parser("splice-uci")
    s.add_argument("--model", default="genebert-splice-genome")
    s.add_argument("--old-model", default="genebert-splice")
    s.add_argument("--data", required=True)
    s.add_argument("--batch-size", type=int, default=32)
    s.add_argument("-o", "--out", required=True)
    s.set_defaults(fn=cmd_splice_uci)
    m = sub.add_parser("summary")
    m.add_argument("--root", default="runs/old_bench")
    m.set_defaults(fn=cmd_summary)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    args.fn(args)


if __name__ == "__main__":
    main()
