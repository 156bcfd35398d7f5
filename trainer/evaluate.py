"""``genebert evaluate``: score a task model on labelled data; write metrics, a report and curves.

Outputs in ``out_dir``:

* ``metrics.json`` — at least ``n, accuracy, precision, recall, f1, auc, pr_auc, mcc`` (splice adds
  ``top_k_accuracy``; definitions in ``trainer.metrics``), plus the model name/version, the data
  files and the split used. Several DeepBind files give ``per_output`` metrics (one per
  experiment) and the top-level keys are their unweighted mean; ``_B`` (test-fold) files also get
  the published DeepBind AUC of the same experiment (``published``) for comparison.
* ``report.md`` — the same numbers as a readable table.
* ``roc.png`` and ``pr.png`` — ROC and precision-recall curves (matplotlib, Agg backend): one curve
  per experiment for TFBS, one-vs-rest per class for splice.

With ``baselines=True`` the non-GeneBERT baselines (``trainer.baselines``) are trained on the rows
the model was trained on (the recorded train part of its training files, or ``baselines_train``) and
scored on exactly the rows the model was scored on: ``metrics["baselines"]`` is ``{name: metrics}``,
or ``{output: {name: metrics}}`` for several DeepBind evaluation files (one fit per experiment).

With ``ablations=True`` the model's own fine-tuning is re-run with one thing changed (no
pre-training, the other modality, a backbone pre-trained without the SRM loss; see
``trainer.ablations``), each arm saved under ``ablations/<name>/`` and scored on exactly the rows
the model was scored on: ``metrics["ablations"]`` is ``{name: metrics or the reason it was not run}``.

Predictions come from ``Predictor`` (the same code path ``genebert annotate`` uses). A model that
predicts one class for every input is refused (``OneClassPredictionError``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError, ModelError
from genebert_tool.genome.windows import centre_crop_all
from genebert_tool.tasks import get_task
from trainer.datasets import (
    TaskData,
    deepbind_experiment,
    deepbind_output_name,
    deepbind_with_negatives,
    is_deepbind,
    is_deepbind_test_fold,
    load_labelled,
    test_region_counts,
)
from trainer.metrics import METRIC_KEYS, compute_metrics
from trainer.report import published_deepbind_aucs, write_curves, write_report
from trainer.splits import file_split_record, select_split

__all__ = ["baseline_training_data", "evaluate_model", "evaluate_predictions"]


# ------------------------------------------------------------------ evaluation
def _output_scores(p: np.ndarray, output_names: list[str], wanted: str, where: str, output: str | None) -> np.ndarray:
    """The column of ``p`` scored against one data set's labels: ``output`` when given (an output
    name, or "max" for the largest probability over outputs), else the output named like the data
    set (one-output models: their only output)."""
    if output == "max":
        return p.max(axis=1)
    if output is not None:
        if output not in output_names:
            raise ModelError(f"--output {output!r} is not an output of the model (outputs: {', '.join(output_names)}, or max)")
        return p[:, output_names.index(output)]
    if len(output_names) == 1:
        return p[:, 0]
    if wanted in output_names:
        return p[:, output_names.index(wanted)]
    raise ModelError(f"{where}: the model has no output {wanted!r} (outputs: {', '.join(output_names)}); "
                     "choose one with --output NAME, or --output max")


def _recorded_split(model_dir: Path | None) -> tuple[dict | None, dict]:
    if model_dir is None:
        return None, {}
    split = json.loads((model_dir / "split.json").read_text()) if (model_dir / "split.json").is_file() else None
    cfg = json.loads((model_dir / "finetune_config.json").read_text()) if (model_dir / "finetune_config.json").is_file() else {}
    return split, cfg


def evaluate_predictions(task: str, datasets: list[TaskData], probs: list[np.ndarray], output_names: list[str], *,
                         allow_one_class: bool = False, output: str | None = None) -> tuple[dict, dict]:
    """Metrics + curves for per-file predictions. ``probs[i]``: (n_i, n_model_outputs).

    Returns (metrics dict, curves dict for ``write_curves``)."""
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    spec = get_task(task)
    if spec.single_label:  # one softmax: metrics over classes, a curve per class
        data = datasets[0]
        p = np.concatenate(probs)
        y = np.concatenate([d.labels for d in datasets])
        m = compute_metrics(y, p, task=task, allow_one_class=allow_one_class)
        for c, name in enumerate(spec.labels):
            curves[name] = ((y == c).astype(int), p[:, c])
        m["data_description"] = data.description
        return m, curves
    per: dict[str, dict] = {}
    for d, p in zip(datasets, probs):
        name = d.output_names[0]
        scores = _output_scores(p, output_names, name, d.description, output)
        m = compute_metrics(d.labels, scores, task=task, allow_one_class=allow_one_class)
        m["data_description"] = d.description
        per[name] = m
        curves[name] = (d.labels, scores)
    if len(per) == 1:
        return next(iter(per.values())), curves
    mean = {k: float(np.mean([m[k] for m in per.values()])) for k in METRIC_KEYS if k != "n"}
    mean["n"] = int(sum(m["n"] for m in per.values()))
    return {**mean, "averaging": "unweighted mean over experiments", "per_output": per}, curves


def evaluate_model(
    model_dir: str | os.PathLike,
    task: str,
    data: str | os.PathLike | Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    split: str = "all",
    batch_size: int = 256,
    baselines: bool = False,
    baselines_train: Sequence[str | os.PathLike] | None = None,
    cnn_options: dict | None = None,
    ablations: bool = False,
    no_srm_base: str | None = None,
    ablation_time_budget_s: float | None = None,
    log: Callable[[str], None] | None = None,
    output: str | None = None,
) -> dict:
    """Evaluate a task model (directory or registered name) on labelled files; write the outputs.

    ``data``: one file or several. GUE CSV / DNABERT TSV / UCI ``.data`` / DeepBind ``_B`` carry
    their labels. DeepBind ``_AC`` files get dinucleotide-shuffled negatives with the seed the model
    was trained with; ``split="dev"`` then scores exactly the held-out dev positives (and their
    shuffles). For UCI splice, ``split`` in ``train|dev|test`` picks the rows of the model's
    recorded split (``split.json``). Returns the metrics dict written to ``metrics.json``.

    ``baselines``: also fit and score the baselines (see the module docstring); ``baselines_train``
    overrides their training files (DeepBind ``_B`` files are refused); ``cnn_options`` go to
    ``trainer.cnn.CnnBaseline`` (e.g. ``{"epochs": 2}``).

    ``ablations``: also re-run the model's recorded fine-tuning once per ablation (see the module
    docstring); ``no_srm_base`` is the backbone pre-trained with ``use_srm=False`` for the
    ``no-srm`` arm (skipped, and reported so, without one); ``ablation_time_budget_s`` replaces each
    arm's recorded ``time_budget_s``. ``log`` receives one line per step of that work (the CLI
    sends them to stderr).

    ``output``: score this output of a multi-output model against every data set (e.g. a TF without
    its own output: ``CTCFL_K562`` for a CTCF set), or "max" (largest probability over outputs);
    default: the output named like each data set.
    """
    from genebert_tool.inference.predictor import Predictor

    files = [str(data)] if isinstance(data, (str, os.PathLike)) else [str(p) for p in data]
    if not files:
        raise InputError("no data file given")
    if baselines_train is not None:
        baselines_train = [str(p) for p in baselines_train]
        _check_baseline_files(baselines_train)  # before the model loads: a refused file costs nothing
    predictor = Predictor.from_pretrained(model_dir, device="cpu")
    if predictor.task != task:
        raise ModelError(f"{model_dir}: a {predictor.task!r} model, not a {task!r} model")
    split_record, ft_cfg = _recorded_split(predictor.model_dir)
    seed = int(ft_cfg.get("seed", 0))
    plan = None
    if ablations:  # checked before anything is scored or trained: a bad option costs nothing
        from trainer.ablations import plan_ablations

        if predictor.model_dir is None:
            raise InputError(f"cannot re-run ablations: {model_dir} is not a model directory")
        plan = plan_ablations(predictor.model_dir, task, no_srm_base=no_srm_base, time_budget_s=ablation_time_budget_s)

    datasets: list[TaskData] = []
    for path in files:
        if not Path(path).exists():
            raise InputError("file not found", path=path)
        if is_deepbind(path) and not is_deepbind_test_fold(path):
            if split == "test":
                raise InputError("a DeepBind _AC file has no test part; the test fold is the _B file", path=path)
            datasets.append(deepbind_with_negatives(path, seed=seed, part=split if split in ("train", "dev") else "all",
                                                    dev_fraction=float(ft_cfg.get("dev_fraction", 0.1))))
        else:
            d = load_labelled(task, path)
            if split != "all":
                same_file = split_record and any(Path(f).name == Path(path).name for f in split_record.get("train_files", []))
                d = select_split(d, split_record if same_file else None, split)
            datasets.append(d)
    if task != "tfbs" and len(datasets) > 1:
        datasets = [_concat_same(datasets)]

    probs, cropped = _predict(predictor, datasets, batch_size)
    if output is not None and get_task(task).single_label:
        raise InputError(f"--output applies to models with one sigmoid per output, not to {task}")
    metrics, curves = evaluate_predictions(task, datasets, probs, predictor.output_names, output=output)
    if output is not None:
        metrics["scored_output"] = output
    window = int(predictor.window_bp or 0)
    header = {
        "model": str(model_dir),
        "model_name": predictor.model_name,
        "model_version": predictor.model_version,
        "task": task,
        "modality": predictor.modality,
        "data": files,
        "split": split,
    }
    if cropped:
        header["input_crop"] = f"inputs longer than the model's window ({window} bp) were centre-cropped to it"
    # hidden-test-region rows (chr22 >= 38 Mb) are not ours to score: the loaders left them out
    metrics = {**header, **metrics, "test_region_rows_dropped": test_region_counts(datasets)}
    if task == "tfbs" and any(is_deepbind(p) and is_deepbind_test_fold(p) for p in files):
        published = published_deepbind_aucs()
        pub = {}
        for path, d in zip(files, datasets):
            if is_deepbind(path) and deepbind_experiment(path) in published:
                pub[deepbind_output_name(path)] = {"experiment": deepbind_experiment(path), **published[deepbind_experiment(path)]}
        if pub:
            metrics["published"] = pub
            per = metrics.get("per_output") or {datasets[0].output_names[0]: metrics}
            ours = [per[n]["auc"] for n in pub if n in per]
            metrics["published_mean"] = {
                "n_experiments": len(ours),
                "ours": float(np.mean(ours)),
                "DeepBind": float(np.mean([pub[n]["DeepBind"] for n in pub if n in per])),
                "DeepBind*": float(np.mean([pub[n]["DeepBind*"] for n in pub if n in per])),
            }
            metrics["note"] = "DeepBind _B files are test folds: reported for comparison, never used for selection"
    if baselines:
        train_files = baselines_train or list((split_record or {}).get("train_files", []))
        wanted = {d.output_names[0] for d in datasets}
        if train_files and all(is_deepbind(p) for p in train_files) and any(deepbind_output_name(p) in wanted for p in train_files):
            train_files = [p for p in train_files if deepbind_output_name(p) in wanted]  # fit only what is scored
        # the recorded split applies to an override too: the model's own file never leaks its test rows
        train_sets = baseline_training_data(task, train_files, split_record, ft_cfg)
        metrics["baselines"] = _score_baselines(task, datasets, train_sets, seed=seed, cnn_options=cnn_options)
        metrics["baselines_train"] = "; ".join(f"{d.description}: {len(d)} rows" for d in train_sets.values())
        metrics["baselines_train_test_region_rows_dropped"] = test_region_counts(list(train_sets.values()))
    if plan is not None:
        from trainer.ablations import run_ablations

        def score(arm_dir: Path) -> tuple[dict, dict]:
            # the model's scoring path: Predictor, centre crop to the arm's window, same metric function
            arm = Predictor.from_pretrained(arm_dir, device="cpu")
            return evaluate_predictions(task, datasets, _predict(arm, datasets, batch_size)[0], arm.output_names,
                                        output=output)

        log = log or (lambda _: None)
        log(plan.describe())
        metrics["ablations"], arm_curves = run_ablations(plan, out_dir, score, log=log)
        metrics["ablation_setup"] = {"train_files": plan.train_files, "dev_files": plan.dev_files,
                                     "time_budget_s": plan.time_budget_s, "runs": len(plan.runs),
                                     "model_training": plan.model_training}
        if len(curves) == 1:  # one binary output: the arms' curves fit in the same plot
            for name, c in arm_curves.items():
                curves.update({f"{label} [{name}]": yc for label, yc in c.items()})
    write_curves(curves, out_dir, title=f"{predictor.model_name} ({task})")
    write_report(metrics, out_dir)
    return metrics


def _predict(predictor, datasets: list[TaskData], batch_size: int) -> tuple[list[np.ndarray], bool]:
    """Per-file probabilities ``(n_i, n_outputs)`` of ``predictor`` on its window-centred inputs, and
    whether any input was longer than the window (and so centre-cropped)."""
    window = int(predictor.window_bp or 0)
    cropped = any(len(x) > window for d in datasets for x in d.sequences) if window else False
    return [predictor.predict(centre_crop_all(d.sequences, window), batch_size=batch_size) for d in datasets], cropped


# ------------------------------------------------------------------ baselines on the same split
@dataclass(frozen=True)
class _Row:
    sequence: str
    label: int


def _rows(data: TaskData) -> list[_Row]:
    return [_Row(s, int(y)) for s, y in zip(data.sequences, data.labels)]


def _check_baseline_files(files: Sequence[str]) -> None:
    if not files:
        raise InputError("no baseline training file: the model records none (split.json); pass --baselines-train")
    for path in files:
        if is_deepbind(path) and is_deepbind_test_fold(path):
            raise InputError("DeepBind _B files are test folds: never train baselines on them", path=path)
        if not Path(path).exists():
            raise InputError("file not found", path=path)
    if any(is_deepbind(p) for p in files) and not all(is_deepbind(p) for p in files):
        raise InputError("do not mix DeepBind files with other formats as baseline training data")


def baseline_training_data(task: str, files: Sequence[str], split_record: dict | None, ft_cfg: dict) -> dict[str, TaskData]:
    """Training rows for the baselines: ``{output name: TaskData}`` (one entry unless DeepBind).

    DeepBind ``_AC`` files give their recorded train part (positives + shuffles, the model's seed and
    dev fraction), one entry per experiment. Other files give the train rows of ``split_record`` when
    it was made on them (UCI splice: ``lines["train"]``; a train/dev split: every row not in dev),
    else all rows, concatenated into one entry keyed ``""``.

    Rows of shared files in the hidden test region are never among them (the loaders drop them, also
    when an older split record names them); each entry's ``dropped`` says how many per file.
    """
    files = [str(p) for p in files]
    _check_baseline_files(files)
    rec = {**ft_cfg, **(split_record or {})}  # the split record is what the model's data was built with
    if all(is_deepbind(p) for p in files):
        kw = dict(seed=int(rec.get("seed", 0)), dev_fraction=float(rec.get("dev_fraction", 0.1)),
                  max_positives=rec.get("max_positives"))
        return {deepbind_output_name(p): deepbind_with_negatives(p, part="train", **kw) for p in files}
    recorded = {Path(f).name for f in (split_record or {}).get("train_files", [])}
    parts = []
    for path in files:
        d = load_labelled(task, path)
        own = file_split_record(split_record, path) if Path(path).name in recorded else None
        lines = (own or {}).get("lines", {})
        if "train" in lines:
            d = select_split(d, own, "train")
        elif "dev" in lines:  # train/dev split: train = every row the model did not hold out
            held_out = set(lines["dev"])
            d = d.subset([i for i, line in enumerate(d.lines) if line not in held_out],
                         description=f"{d.description} [train part of the recorded split]")
        parts.append(d)
    if len(parts) == 1:
        return {"": parts[0]}
    from trainer.datasets import concat

    return {"": concat(parts, description=" + ".join(d.description for d in parts))}


def _score_baselines(task: str, datasets: list[TaskData], train_sets: dict[str, TaskData], *, seed: int,
                     cnn_options: dict | None) -> dict:
    """Fit on ``train_sets`` and score every evaluation set; flat for one set, per output for several."""
    from trainer.baselines import fit_baselines

    def run(train: TaskData, test: TaskData) -> dict:
        if train.multitask or test.multitask:
            raise InputError(f"{test.description}: baselines need single-output data, one file per experiment")
        fitted = fit_baselines(task, _rows(train), _rows(test), seed=seed, cnn_options=cnn_options)
        return {name: r.metrics for name, r in fitted.items()}

    if len(datasets) == 1 and len(train_sets) == 1:
        return run(next(iter(train_sets.values())), datasets[0])
    out = {}
    for test in datasets:
        output = test.output_names[0]
        train = train_sets.get(output, train_sets.get(""))
        if train is None:
            raise InputError(f"no baseline training data for {output!r} (training experiments: {', '.join(train_sets)})")
        out[output] = run(train, test)
    return out


def _concat_same(datasets: list[TaskData]) -> TaskData:
    from trainer.datasets import concat

    return concat(datasets, description=" + ".join(d.description for d in datasets))
