"""Genome-scan evaluation: score real genome sequence the way ``annotate`` will, against real truth.

``genome_scan(model, task, fastas, regions, truth, out_dir)`` tiles each region (tile tasks) or walks
every base of each gene inside it (splice), labels the tiles from the truth, scores the model and the
baselines on the same tiles in the same run, and writes ``metrics.json``, ``report.md``, ``pr.png``
and ``locus.png``.

* promoter: tiles of ``tile`` bp every ``step``; positive when a TSS lies within ``radius`` (100) bp
  of the tile; the model reads its own window centred on the tile; baselines CpG o/e and GC of that
  window, and a CNN trained on the model's own genome training windows.
* tfbs: tiles as above (default 200/200); per output ``TF_cell`` with a truth file, positive when one
  of its summits lies in the tile; baselines the best JASPAR PWM per output and a multi-label CNN,
  both trained on the model's genome training windows.
* splice: every base of each BED12 transcript wholly inside a region, in transcript orientation;
  donor/acceptor labels by SpliceAI's convention; SpliceAI's top-k per class over all scanned bases,
  AUPRC; baseline a donor/acceptor PWM learnt from the training sites.

Reported per output: AUROC, AUPRC, prevalence, precision at recall 0.5, and the background FPR (the
fraction of negative tiles called) at p >= 0.5 and at the model's calibrated default threshold
(``background.json``, FPR 1 % on the train region) when it has one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.windows import centred_window
from genebert_tool.motifs.jaspar import DEFAULT_RELEASE
from genebert_tool.tasks import get_task
from trainer.metrics import IGNORE_INDEX

__all__ = ["ScanRegion", "parse_regions", "tile_starts", "scan_metrics", "genome_scan"]

_REGION = re.compile(r"^(?P<chrom>[^:]+):(?P<start>[\d,_]+)-(?P<end>[\d,_]+)$")


@dataclass(frozen=True)
class ScanRegion:
    chrom: str
    start: int
    end: int

    def __str__(self) -> str:
        return f"{self.chrom}:{self.start}-{self.end}"


class Genomes:
    """Several FASTAs addressed by contig."""

    def __init__(self, paths: Sequence[str]) -> None:
        if not paths:
            raise InputError("a genome scan needs --fasta")
        self.genomes = [Genome(p) for p in paths]

    def of(self, chrom: str) -> Genome | None:
        return next((g for g in self.genomes if chrom in g), None)

    def fetch(self, chrom: str, start: int, end: int) -> str:
        return self.of(chrom).fetch(chrom, start, end)

    def contigs(self) -> set[str]:
        return {c for g in self.genomes for c in g.contigs}


def parse_regions(specs: Sequence[str], bed: str | None, genomes: Genomes) -> list[ScanRegion]:
    """``chr:start-end`` strings (0-based half-open) and/or a BED of regions; each must lie inside its
    FASTA contig, and regions must not overlap."""
    regions: list[tuple[ScanRegion, str]] = []
    for spec in specs:
        m = _REGION.match(spec.strip())
        if not m:
            raise InputError(f"bad region {spec!r}: expected CHROM:START-END, e.g. chr22:30000000-38000000")
        regions.append((ScanRegion(m["chrom"], int(re.sub("[,_]", "", m["start"])),
                                   int(re.sub("[,_]", "", m["end"]))), f"--region {spec}"))
    if bed:
        from genebert_tool.genome.bed import iter_bed

        for r in iter_bed(bed):
            regions.append((ScanRegion(r.chrom, r.start, r.end), f"{bed}:{r.line}"))
    if not regions:
        raise InputError("a genome scan needs --region CHROM:START-END or --regions BED")
    for region, where in regions:
        g = genomes.of(region.chrom)
        if g is None:
            raise InputError(f"{where}: contig {region.chrom!r} is in none of the FASTA files")
        if region.start >= region.end:
            raise InputError(f"{where}: empty region {region}")
        lo, hi = g.start(region.chrom), g.length(region.chrom)
        if region.start < lo or region.end > hi:
            raise InputError(f"{where}: region {region} leaves the FASTA sequence of {region.chrom} ({lo}-{hi})")
    ordered = sorted(regions, key=lambda x: (x[0].chrom, x[0].start))
    for (a, wa), (b, wb) in zip(ordered, ordered[1:]):
        if a.chrom == b.chrom and b.start < a.end:
            raise InputError(f"regions overlap: {a} ({wa}) and {b} ({wb})")
    return [r for r, _ in regions]


def tile_starts(region: ScanRegion, tile: int, step: int) -> np.ndarray:
    """Tile starts covering ``region`` every ``step`` bp (tiles that would pass the end are dropped)."""
    return np.arange(region.start, region.end - tile + 1, step, dtype=np.int64)


def scan_metrics(y: np.ndarray, score: np.ndarray, *, threshold: float | None = 0.5,
                 calibrated: float | None = None) -> dict:
    """AUROC, AUPRC, prevalence, precision at recall 0.5 and background FPR at thresholds."""
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

    y = np.asarray(y)
    keep = y != IGNORE_INDEX
    y, score = y[keep].astype(int), np.asarray(score, np.float64)[keep]
    if y.min() == y.max():
        raise InputError(f"all {len(y)} scanned tiles have label {y[0]}: a genome scan needs positives and negatives")
    precision, recall, _ = precision_recall_curve(y, score)
    out = {"n": int(len(y)), "n_pos": int(y.sum()), "prevalence": float(y.mean()),
           "auroc": float(roc_auc_score(y, score)), "auprc": float(average_precision_score(y, score)),
           "precision_at_recall_0.5": float(precision[recall >= 0.5].max())}
    neg = score[y == 0]
    if threshold is not None:
        out["fpr_at_0.5"] = float((neg >= threshold).mean())
        out["called_at_0.5"] = float((score >= threshold).mean())
        out["recall_at_0.5"] = float((score[y == 1] >= threshold).mean())
    if calibrated is not None:
        out["default_threshold"] = float(calibrated)
        out["fpr_at_default"] = float((neg >= calibrated).mean())
        out["recall_at_default"] = float((score[y == 1] >= calibrated).mean())
    return out


def _nearest(sorted_pos: np.ndarray, x: np.ndarray) -> np.ndarray:
    if len(sorted_pos) == 0:
        return np.full(len(x), 1 << 40)
    i = np.searchsorted(sorted_pos, x)
    a = np.abs(x - sorted_pos[np.clip(i - 1, 0, len(sorted_pos) - 1)])
    b = np.abs(sorted_pos[np.clip(i, 0, len(sorted_pos) - 1)] - x)
    return np.minimum(a, b)


def _in_tile(sorted_pos: np.ndarray, starts: np.ndarray, tile: int) -> np.ndarray:
    return (np.searchsorted(sorted_pos, starts + tile) - np.searchsorted(sorted_pos, starts)) > 0


def _tiles(regions, genomes: Genomes, tile: int, step: int, window: int, max_n: float):
    """(chroms, starts, model windows) of every tile with at most ``max_n`` N in its tile."""
    chroms, starts, windows, skipped = [], [], [], 0
    for region in regions:
        for s in tile_starts(region, tile, step):
            lo, hi = centred_window(int(s), int(s) + tile, window)  # annotate's window for this tile
            seq = genomes.fetch(region.chrom, lo, hi)
            inside = int(s) - lo  # where the tile starts inside the model window
            tile_seq = seq[inside : inside + tile] if 0 <= inside and inside + tile <= window else \
                genomes.fetch(region.chrom, int(s), int(s) + tile)
            if tile_seq.count("N") > max_n * tile:
                skipped += 1
                continue
            chroms.append(region.chrom)
            starts.append(int(s))
            windows.append(seq)
    return chroms, np.asarray(starts, np.int64), windows, skipped


def _truth_check(by_chrom: dict, regions, path: str) -> None:
    wanted = {r.chrom for r in regions}
    if not any(c in wanted and len(v) for c, v in by_chrom.items()):
        raise InputError(f"no truth entry on {', '.join(sorted(wanted))} (the file has {', '.join(sorted(by_chrom))})",
                         path=path)


def genome_scan(model: str, task: str, fastas: Sequence[str], regions: Sequence[str], truth: Sequence[str],
                out_dir: str | os.PathLike, *, regions_bed: str | None = None, tile: int | None = None,
                step: int | None = None, radius: int = 100, baselines: bool = True, batch_size: int = 128,
                max_n: float = 0.1, log: Callable[[str], None] | None = None) -> dict:
    """Run the scan and write the report files; returns the metrics dict (also ``metrics.json``)."""
    from trainer.scan_report import write_scan_report

    log = log or (lambda _t: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    genomes = Genomes(list(fastas))
    scan_regions = parse_regions(list(regions), regions_bed, genomes)
    if not truth:
        raise InputError("a genome scan needs --truth (TSS BED, narrowPeak files, or BED12 transcripts)")
    if task == "splice":
        from trainer.scan_splice import splice_scan

        metrics, curves, locus = splice_scan(model, genomes, scan_regions, list(truth), baselines=baselines,
                                             batch_size=batch_size, log=log)
    elif task in ("promoter", "tfbs"):
        metrics, curves, locus = _tile_scan(model, task, genomes, scan_regions, list(truth), tile, step, radius,
                                            baselines, batch_size, max_n, log)
    else:
        raise InputError(f"genome scan supports promoter, tfbs and splice, not {task!r}")
    metrics.update(model=str(model), task=task, fasta=list(fastas), regions=[str(r) for r in scan_regions],
                   truth=list(truth))
    write_scan_report(metrics, curves, locus, out)
    return metrics


def _tile_scan(model, task, genomes, regions, truth, tile, step, radius, baselines, batch_size, max_n, log):
    from genebert_tool.genome.annotation import read_summits, read_tss
    from genebert_tool.inference.predictor import Predictor
    from trainer.calibration import Background
    from trainer.genome_data import experiment_name

    pred = Predictor.from_pretrained(model, device="cpu")
    window = int(pred.config.window_bp)
    tile = tile or (100 if task == "promoter" else 200)
    step = step or tile
    chroms, starts, windows, skipped = _tiles(regions, genomes, tile, step, window, max_n)
    if not windows:
        raise InputError(f"no tile with at most {max_n:.0%} N in {', '.join(map(str, regions))}")
    log(f"scan: {len(windows)} tiles of {tile} bp (step {step}; {skipped} skipped for N), model window {window} bp")
    chrom_arr = np.asarray(chroms)
    outputs, labels = [], []
    if task == "promoter":
        tss: dict[str, list] = {}
        for t in truth:
            got = read_tss(t)
            _truth_check(got, regions, t)
            for c, v in got.items():
                tss.setdefault(c, []).extend(v.tolist())
        y = np.zeros(len(starts), np.int64)
        for c in set(chroms):
            rows = chrom_arr == c
            pos = np.unique(np.asarray(tss.get(c, []), np.int64))
            # within `radius` of the tile [s, s + tile): a TSS in [s - radius, s + tile + radius)
            y[rows] = _in_tile(pos, starts[rows] - radius, tile + 2 * radius)
        outputs, labels = ["promoter"], [y]
    else:
        names = list(pred.output_names)
        for t in truth:
            name = experiment_name(t)
            if name not in names:
                log(f"scan: {t}: no model output {name!r}; skipped")
                continue
            summits = read_summits(t)
            _truth_check(summits, regions, t)
            y = np.zeros(len(starts), np.int64)
            for c in set(chroms):
                rows = chrom_arr == c
                y[rows] = _in_tile(summits.get(c, np.zeros(0, np.int64)), starts[rows], tile)
            if y.sum() == 0:
                log(f"scan: {name}: no summit in the scanned tiles; skipped")
                continue
            outputs.append(name)
            labels.append(y)
        if not outputs:
            raise InputError("none of the --truth files matches a model output with a summit in the regions "
                             f"(outputs are named like {names[0]})")
    probs_all = pred.predict(windows, batch_size=batch_size)
    col = {n: i for i, n in enumerate(pred.output_names)}
    background = Background.load(pred.model_dir) if pred.model_dir else None
    scores = {"genebert": np.stack([probs_all[:, col[o]] for o in outputs], axis=1)}
    pwm_motifs = None
    if task == "promoter":  # composition baselines cost nothing: always on the same windows
        from trainer.scan_baselines import composition_scores

        scores.update({k: v[:, None] for k, v in composition_scores(windows).items()})
    if baselines:
        scores.update(_tile_baselines(task, pred.model_dir, outputs, windows, log))
        pwm_motifs = scores.pop("_pwm_motifs", None)
    metrics = {"tile_bp": tile, "step_bp": step, "window_bp": window, "radius_bp": radius if task == "promoter" else None,
               "n_tiles": len(windows), "tiles_skipped_for_N": skipped, "outputs": {}}
    for j, o in enumerate(outputs):
        entry = {}
        for method, s in scores.items():
            cal = background.default_threshold(o) if (method == "genebert" and background and o in background.outputs) else None
            entry[method] = scan_metrics(labels[j], s[:, j], threshold=0.5 if method in ("genebert", "cnn") else None,
                                         calibrated=cal)
        if pwm_motifs:
            entry["best_pwm"]["motif"] = pwm_motifs[j]
        metrics["outputs"][o] = entry
    metrics["mean"] = {m: {k: float(np.mean([metrics["outputs"][o][m][k] for o in outputs]))
                           for k in metrics["outputs"][outputs[0]][m] if k not in ("n", "n_pos", "motif")}
                       for m in scores}
    best = max(range(len(outputs)), key=lambda j: labels[j].sum())
    curves = {"outputs": outputs, "labels": labels, "scores": scores}
    locus = {"chroms": chrom_arr, "starts": starts, "tile": tile, "output": outputs[best], "y": labels[best],
             "tracks": {m: s[:, best] for m, s in scores.items()}}
    return metrics, curves, locus


def _tile_baselines(task, model_dir, outputs, windows, log) -> dict[str, np.ndarray]:
    from trainer.genome_data import GenomeDataSettings, build_genome_data
    from trainer.scan_baselines import BestPwmPerOutput, MultiLabelCnn

    out = {}
    ft_path = Path(model_dir) / "finetune_config.json" if model_dir else None
    if not ft_path or not ft_path.is_file() or not json.loads(ft_path.read_text()).get("genome"):
        log("scan: the model was not trained from the genome; trained baselines (PWM, CNN) skipped")
        return out
    ft = json.loads(ft_path.read_text())
    train, _dev, _rec = build_genome_data(task, GenomeDataSettings(**ft["genome"]), seed=ft.get("seed", 0))
    idx = [train.output_names.index(o) for o in outputs]
    y = train.labels.reshape(len(train), -1)[:, idx]
    log(f"scan: baselines trained on the model's {len(train)} genome training windows")
    spec = get_task(task)
    cnn = MultiLabelCnn(seed=0, both_strands=spec.strand_symmetric).fit(train.sequences, y)
    out["cnn"] = cnn.score(windows)
    if "best_pwm" in spec.baselines:
        pwm = BestPwmPerOutput(ft.get("jaspar_release", DEFAULT_RELEASE)).fit(train.sequences, y)
        out["best_pwm"] = pwm.score(windows)
        out["_pwm_motifs"] = [pwm.motif_of(j) for j in range(len(outputs))]
    return out
