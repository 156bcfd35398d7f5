"""What an evaluation writes and compares against: ``metrics.json``, ``report.md``, ROC/PR curves, and
the published DeepBind AUCs (the DeepBind paper's supplementary ENCODE table).

Used by ``genebert evaluate`` (``trainer.evaluate``), the risk classifier (``trainer.risk``) and the
quality benchmark (``benchmarks/quality.py``), so each number is read and written in one place.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.io import atomic_write
from trainer.metrics import METRIC_KEYS

__all__ = ["PUBLISHED_AUCS", "published_deepbind_aucs", "write_curves", "write_report"]

PUBLISHED_AUCS = "tfbs/deepbind_published_aucs_encode.csv"


def published_deepbind_aucs(path: str | os.PathLike | None = None) -> dict[str, dict[str, float]]:
    """``{TF_CellLine_Antibody_Lab: {"DeepBind": auc, "DeepBind*": auc}}`` from the DeepBind paper's
    supplementary ENCODE table (shared data ``tfbs/deepbind_published_aucs_encode.csv``)."""
    if path is None:
        from genebert_tool.datadir import data_file

        path = data_file(PUBLISHED_AUCS)
    out: dict[str, dict[str, float]] = {}
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    header_row = next((i for i, r in enumerate(rows) if "TF_CellLine_Antibody_Lab" in r), None)
    if header_row is None:
        raise InputError("no TF_CellLine_Antibody_Lab header", path=str(path))
    header = rows[header_row]
    c_name = header.index("TF_CellLine_Antibody_Lab")
    c_db, c_dbs = header.index("DeepBind"), header.index("DeepBind*")
    for r in rows[header_row + 1 :]:
        if len(r) <= max(c_db, c_dbs) or not r[c_name].strip():
            continue
        try:
            out[r[c_name].strip()] = {"DeepBind": float(r[c_db]), "DeepBind*": float(r[c_dbs])}
        except ValueError:
            continue
    return out


def write_curves(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    out_dir: str | os.PathLike,
    *,
    title: str = "",
) -> list[Path]:
    """ROC (``roc.png``) and PR (``pr.png``) plots, one curve per entry of ``curves``.

    ``curves``: label -> (y_true (n,) in {0,1}, y_score (n,)). Returns the two paths.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import auc as area, average_precision_score, precision_recall_curve, roc_curve

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    many = len(curves) > 6
    paths = []
    for kind in ("roc", "pr"):
        fig, ax = plt.subplots(figsize=(6.4, 5.6) if many else (5.2, 4.6), dpi=110)
        for label, (yt, ys) in curves.items():
            if kind == "roc":
                fpr, tpr, _ = roc_curve(yt, ys)
                ax.plot(fpr, tpr, lw=1 if many else 1.6, label=f"{label} (AUC {area(fpr, tpr):.3f})")
            else:
                prec, rec, _ = precision_recall_curve(yt, ys)
                ax.step(rec, prec, where="post", lw=1 if many else 1.6,
                        label=f"{label} (AP {average_precision_score(yt, ys):.3f})")
        if kind == "roc":
            ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
            ax.set_xlabel("false positive rate")
            ax.set_ylabel("true positive rate")
        else:
            ax.set_xlabel("recall")
            ax.set_ylabel("precision")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.set_title(f"{'ROC' if kind == 'roc' else 'Precision-recall'}{': ' + title if title else ''}", fontsize=9)
        ax.legend(fontsize=5 if many else 7, loc="lower right" if kind == "roc" else "lower left", ncol=2 if many else 1)
        fig.tight_layout()
        path = out / f"{kind}.png"
        with atomic_write(path, "wb") as fh:
            fig.savefig(fh, format="png")
        plt.close(fig)
        paths.append(path)
    return paths


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def write_report(metrics: dict, out_dir: str | os.PathLike) -> Path:
    """``metrics.json`` and ``report.md`` from a metrics dict (as returned by ``evaluate_model``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "metrics.json") as fh:
        fh.write(json.dumps(metrics, indent=2, sort_keys=False, default=float) + "\n")

    lines = [f"# Evaluation: {metrics.get('model_name', '?')} on {metrics.get('task', '?')}", ""]
    for key in ("model", "model_version", "task", "data", "split", "note"):
        if key in metrics:
            value = metrics[key]
            lines.append(f"- **{key}**: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    lines += ["", "| metric | value |", "|---|---|"]
    keys = list(METRIC_KEYS) + [k for k in ("top_k_accuracy", "top2_accuracy") if k in metrics]
    lines += [f"| {k} | {_fmt(metrics[k])} |" for k in keys if k in metrics]
    if "averaging" in metrics:
        lines += ["", f"Averaging: {metrics['averaging']}."]
    if "top_k_accuracy_per_class" in metrics:
        lines += ["", "SpliceAI top-k accuracy per class: " + ", ".join(
            f"{c} {v:.4f}" for c, v in metrics["top_k_accuracy_per_class"].items())]
    per = metrics.get("per_output")
    if per:
        lines += ["", "## Per experiment", ""]
        has_pub = "published" in metrics
        head = "| output | n | accuracy | auc | pr_auc | mcc |" + (" published DeepBind AUC | Δ AUC |" if has_pub else "")
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for name, m in per.items():
            row = f"| {name} | {m['n']} | {m['accuracy']:.4f} | {m['auc']:.4f} | {m['pr_auc']:.4f} | {m['mcc']:.4f} |"
            if has_pub:
                pub = metrics["published"].get(name)
                row += f" {pub['DeepBind']:.4f} | {m['auc'] - pub['DeepBind']:+.4f} |" if pub else " – | – |"
            lines.append(row)
        if "published_mean" in metrics:
            pm = metrics["published_mean"]
            lines += ["", f"Mean AUC over the {pm['n_experiments']} experiments with a published number: "
                          f"ours {pm['ours']:.4f}, DeepBind {pm['DeepBind']:.4f}, DeepBind* {pm['DeepBind*']:.4f}."]
    if metrics.get("baselines"):
        lines += _baseline_table(metrics)
    if metrics.get("ablations"):
        lines += _ablation_table(metrics)
    lines += ["", "Curves: `roc.png`, `pr.png`. Threshold 0.5 (binary) / argmax (multi-class).", ""]
    path = out / "report.md"
    with atomic_write(path) as fh:
        fh.write("\n".join(lines))
    return path


def _baseline_table(metrics: dict) -> list[str]:
    """report.md rows: the model's own numbers next to each baseline's, per output when nested."""
    base = metrics["baselines"]
    nested = isinstance(next(iter(base.values())), dict) and "n" not in next(iter(base.values()))
    per = metrics.get("per_output") or {}
    lines = ["", "## Baselines (same evaluation rows)", ""]
    if "baselines_train" in metrics:
        lines += [f"Trained on: {metrics['baselines_train']}.", ""]
    head = "| output | method | n | accuracy | auc | pr_auc | mcc |" if nested else "| method | n | accuracy | auc | pr_auc | mcc |"
    lines += [head, "|" + "---|" * (head.count("|") - 1)]
    row = lambda m: f"{m['n']} | {m['accuracy']:.4f} | {m['auc']:.4f} | {m['pr_auc']:.4f} | {m['mcc']:.4f} |"  # noqa: E731
    model = metrics.get("model_name", "model")
    if nested:
        for output, by_name in base.items():
            if output in per:
                lines.append(f"| {output} | {model} | {row(per[output])}")
            lines += [f"| {output} | {name} | {row(m)}" for name, m in by_name.items()]
    else:
        lines.append(f"| {model} | {row(metrics)}")
        lines += [f"| {name} | {row(m)}" for name, m in base.items()]
    return lines


def _ablation_table(metrics: dict) -> list[str]:
    """report.md rows: the model, then each ablation arm (or why it was not run), on the same rows."""
    setup = metrics.get("ablation_setup", {})
    trained = setup.get("model_training", {})
    key = trained.get("selection_metric") or next(
        (r["dev"]["selection_metric"] for r in metrics["ablations"].values() if "dev" in r), "mcc")
    budget = setup.get("time_budget_s")
    lines = ["", "## Ablations (same evaluation rows)", "",
             "Each arm re-runs the model's own fine-tuning (`finetune_config.json`) on its recorded train/dev "
             f"files with one thing changed; time budget per run: {f'{budget:g} s' if budget else 'none'}. "
             "Models under `ablations/<name>/`.", "",
             f"| arm | changed | n | accuracy | auc | pr_auc | mcc | dev {key} | steps | stop |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    dev = lambda v: f"{v:.4f}" if isinstance(v, float) else "–"  # noqa: E731
    row = lambda m: f"{m['n']} | {m['accuracy']:.4f} | {m['auc']:.4f} | {m['pr_auc']:.4f} | {m['mcc']:.4f}"  # noqa: E731
    lines.append(f"| {metrics.get('model_name', 'model')} | – | {row(metrics)} | {dev(trained.get('dev'))} | "
                 f"{trained.get('steps_run', '–')} | {trained.get('stop_reason', '–')} |")
    for name, r in metrics["ablations"].items():
        if "n" in r:
            lines.append(f"| {name} | {r['changed']} | {row(r)} | {dev(r['dev'].get(key))} | {r['steps_run']} | {r['stop_reason']} |")
        else:
            why = "same as the model: " + r["reason"] if r.get("same_as_model") else (
                f"skipped: {r['skipped']}" if "skipped" in r else f"failed: {r.get('failed', '?')}")
            lines.append(f"| {name} | {r['changed']} | – | – | – | – | – | – | – | {why} |")
    return lines
