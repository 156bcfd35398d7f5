"""Genome-scan report files: metrics.json, report.md, pr.png (per output, all methods) and locus.png."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["write_scan_report"]


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(type(obj))


def _fmt(v) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else (f"{v:.4f}" if isinstance(v, float) else str(v))


def write_scan_report(metrics: dict, curves: dict, locus: dict, out: Path) -> None:
    from genebert_tool.genome.io import atomic_write

    with atomic_write(out / "metrics.json") as handle:
        json.dump(metrics, handle, indent=2, default=_json_default)
    lines = [f"# Genome scan: {metrics['model']} ({metrics['task']})", "",
             f"Regions: {', '.join(metrics['regions'])}", f"Truth: {', '.join(metrics['truth'])}", ""]
    keys = ["auroc", "auprc", "precision_at_recall_0.5", "fpr_at_0.5", "fpr_at_default", "top_k", "prevalence"]
    for output, entry in metrics["outputs"].items():
        present = [k for k in keys if any(k in r for r in entry.values())]
        lines += [f"## {output}", "", "| method | " + " | ".join(present) + " |",
                  "|---|" + "---|" * len(present)]
        for method, r in entry.items():
            label = method + (f" ({r['motif']})" if "motif" in r else "")
            lines.append(f"| {label} | " + " | ".join(_fmt(r.get(k)) for k in present) + " |")
        lines.append("")
    if "mean" in metrics:
        lines += ["## Mean over outputs", ""]
        for method, r in metrics["mean"].items():
            lines.append(f"- {method}: " + ", ".join(f"{k} {_fmt(v)}" for k, v in r.items()))
        lines.append("")
    with atomic_write(out / "report.md") as handle:
        handle.write("\n".join(lines) + "\n")
    _plot_pr(curves, out / "pr.png", metrics)
    _plot_locus(locus, out / "locus.png")


def _plot_pr(curves: dict, path: Path, metrics: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    outputs = curves["outputs"]
    shown = outputs if len(outputs) <= 6 else sorted(outputs, key=lambda o: -int(np.sum(curves["labels"][outputs.index(o)])))[:6]
    fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 4), squeeze=False)
    for ax, o in zip(axes[0], shown):
        j = outputs.index(o)
        for method, s in curves["scores"].items():
            p, r, _ = precision_recall_curve(curves["labels"][j], s[:, j])
            ap = metrics["outputs"][o][method]["auprc"]
            ax.plot(r, p, label=f"{method} (AP {ap:.3f})", lw=1.2)
        ax.axhline(float(np.mean(curves["labels"][j])), color="grey", lw=0.8, ls=":")
        ax.set(title=o, xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
        ax.legend(fontsize=7)
    fig.suptitle(f"{metrics['task']} genome scan, {', '.join(metrics['regions'])}", fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def _plot_locus(locus: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    y = np.asarray(locus["y"])
    n = len(y)
    width = min(n, 1000 if locus["tile"] > 1 else 20000)
    dens = np.convolve((y > 0).astype(float), np.ones(width), mode="valid") if n > width else np.array([y.sum()])
    lo = int(np.argmax(dens)) if n > width else 0
    sl = slice(lo, lo + width)
    x = np.asarray(locus["starts"])[sl]
    tracks = locus["tracks"]
    fig, axes = plt.subplots(len(tracks) + 1, 1, figsize=(11, 1.4 * (len(tracks) + 1)), sharex=True)
    for ax, (method, s) in zip(axes, tracks.items()):
        ax.plot(x, np.asarray(s)[sl], lw=0.7)
        ax.set_ylabel(method, fontsize=8)
    axes[-1].vlines(x[y[sl] > 0], 0, 1, color="crimson", lw=0.8)
    axes[-1].set_ylabel("truth", fontsize=8)
    axes[-1].set_yticks([])
    chrom = str(locus["chroms"][lo]) if len(locus["chroms"]) else ""
    axes[0].set_title(f"{locus.get('title', chrom)}: {locus['output']} ({'tile start' if locus['tile'] > 1 else 'base'})",
                      fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
