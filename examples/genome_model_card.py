"""Write MODEL_CARD.md for a genome-trained model from the files its runs wrote (no number typed by hand).

    python examples/genome_model_card.py MODEL_DIR --scan SCAN_DIR [--bench NAME=EVAL_DIR ...] [--note TEXT]

Reads MODEL_DIR's config.json, finetune_config.json, split.json, dev_metrics.json, background.json and
the scan's metrics.json (``genebert evaluate --scan``), and each benchmark's metrics.json
(``genebert evaluate --data``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _f(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else ("—" if v is None else str(v))


def _scan_table(scan: dict) -> list[str]:
    lines = []
    keys = ["auroc", "auprc", "precision_at_recall_0.5", "fpr_at_0.5", "fpr_at_default", "top_k"]
    if "mean" in scan and len(scan["outputs"]) > 3:
        lines += [f"Mean over {len(scan['outputs'])} outputs `TF_cell` (per-output numbers: the scan's metrics.json):", "",
                  "| method | " + " | ".join(k for k in keys if k != "top_k") + " |", "|---|" + "---|" * (len(keys) - 1)]
        for method, r in scan["mean"].items():
            lines.append(f"| {method} | " + " | ".join(_f(r.get(k)) for k in keys if k != "top_k") + " |")
        wins = {m: sum(scan["outputs"][o]["genebert"]["auprc"] > scan["outputs"][o][m]["auprc"] for o in scan["outputs"])
                for m in next(iter(scan["outputs"].values())) if m != "genebert"}
        lines += ["", "Outputs where GeneBERT's AUPRC is above the baseline's: " +
                  ", ".join(f"{m} {w}/{len(scan['outputs'])}" for m, w in wins.items()), ""]
        return lines
    for output, entry in scan["outputs"].items():
        present = [k for k in keys if any(k in r for r in entry.values())]
        lines += [f"**{output}**", "", "| method | " + " | ".join(present) + " |", "|---|" + "---|" * len(present)]
        for method, r in entry.items():
            lines.append(f"| {method} | " + " | ".join(_f(r.get(k)) for k in present) + " |")
        lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--scan", required=True)
    ap.add_argument("--scan-command", default="")
    ap.add_argument("--bench", action="append", default=[], metavar="NAME=DIR")
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--name", default=None, help="registered name (default: config.json model_name)")
    args = ap.parse_args()
    d = Path(args.model_dir)
    cfg = json.loads((d / "config.json").read_text())
    ft = json.loads((d / "finetune_config.json").read_text())
    split = json.loads((d / "split.json").read_text())
    dev = json.loads((d / "dev_metrics.json").read_text())
    scan = json.loads((Path(args.scan) / "metrics.json").read_text())
    bg = json.loads((d / "background.json").read_text()) if (d / "background.json").exists() else None
    name, version = args.name or cfg.get("model_name"), cfg.get("model_version")
    out = [f"# {name} {version}", "",
           f"Task `{cfg['task']}`, {'per-base (token) head' if cfg.get('classifier_head') == 'token' else 'one score per window'}, "
           f"window {cfg['window_bp']} bp" + (f" (scores the central {cfg['window_bp'] - 2 * cfg['context_bp']} bases, "
                                            f"{cfg['context_bp']} bp context each side)" if cfg.get('classifier_head') == 'token' else "")
           + f", {cfg['kmer']}-mers, hidden {cfg['hidden_size']} x {cfg['num_hidden_layers']} layers, "
           f"outputs: {', '.join(cfg['label_names'][:8])}{' ...' if len(cfg['label_names']) > 8 else ''} "
           f"({len(cfg['label_names'])}). Base: {ft.get('base') or 'random init'}.", "",
           "## Data and split (trained against the genome)", "",
           f"- Train: {', '.join(split['train_regions'])}; dev (selection): {', '.join(split['dev_regions'])}; "
           f"hidden test region {split['test_region']} never read (sequence included).",
           f"- Truth: {', '.join(Path(t).name for t in split['truth'][:6])}{' ...' if len(split['truth']) > 6 else ''} "
           f"({len(split['truth'])} files).",
           f"- Windows: train {json.dumps(split.get('train_counts'))}; dev {json.dumps(split.get('dev_counts'))}.",
           f"- Label rule: {json.dumps(split.get('label_rule'))}.", "",
           "## Recipe", "", "```json", json.dumps(ft, indent=1), "```", "",
           f"Best step {dev.get('best_step')} of {dev.get('steps_run')} ({dev.get('stop_reason')}), "
           f"{dev.get('elapsed_s', 0) / 60:.0f} min on 1 CPU thread (shared 2-core machine).", "",
           "Dev windows (selection): " + ", ".join(f"{k} {_f(v)}" for k, v in dev["dev_metrics"].items()
                                                 if k in ("auc", "pr_auc", "mcc", "top_k_donor", "top_k_acceptor",
                                                          "pr_auc_donor", "pr_auc_acceptor")), "",
           f"## Genome scan, dev region {', '.join(scan['regions'])}", ""]
    if args.scan_command:
        out += ["```", args.scan_command, "```", ""]
    out += _scan_table(scan)
    out += ["Figures: `scan_pr.png`, `scan_locus.png`.", ""]
    if bg:
        out += ["## Calibration (`background.json`)", "",
                f"{bg['n_background']:,} background {bg['unit']}s of the train region. Thresholds (p at background FPR):", "",
                "| output | FPR 1 % (default) | FPR 0.1 % | background p ≥ 0.5 |", "|---|---|---|---|"]
        for o, e in list(bg["outputs"].items())[:12]:
            out.append(f"| {o} | {e['default_threshold']:.4f} | {e['threshold_fpr_0.001']:.4f} | {e['fraction_above_0.5']:.2%} |")
        if len(bg["outputs"]) > 12:
            out.append(f"| ... {len(bg['outputs']) - 12} more in background.json | | | |")
        out.append("")
    if args.bench:
        out += ["## Older benchmarks, re-measured (reported whatever they are)", ""]
        for spec in args.bench:
            label, _, path = spec.partition("=")
            m = json.loads((Path(path) / "metrics.json").read_text())
            out.append(f"- {label}: n={m.get('n')} auc={_f(m.get('auc'))} pr_auc={_f(m.get('pr_auc'))} "
                       f"mcc={_f(m.get('mcc'))} accuracy={_f(m.get('accuracy'))}")
        out.append("")
    if args.note:
        out += ["## Notes", ""] + [f"- {n}" for n in args.note] + [""]
    (d / "MODEL_CARD.md").write_text("\n".join(out))


if __name__ == "__main__":
    main()
