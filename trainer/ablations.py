"""Ablations for ``genebert evaluate --ablations``: the model's own fine-tuning, one thing changed.

Every arm re-runs ``trainer.finetune.finetune`` with the evaluated model's recorded settings
(``finetune_config.json``) on its recorded train/dev files (``split.json``), so data, split, seed,
schedule and budget are the model's; exactly one thing differs:

* ``no-pretrain``: ``base=None`` and a random init of the same architecture (every architecture
  field of the model's ``config.json`` becomes a ``model_overrides`` entry). A model fine-tuned
  without a base *is* this arm: recorded as ``{"same_as_model": true}``, nothing is retrained.
* ``modality=seq`` / ``modality=seq+region``: the other modality than the model's.
* ``no-srm``: ``base=no_srm_base``, a backbone pre-trained with ``use_srm=False``. Without one the
  arm is recorded as skipped (never silently left out); without a base it does not apply.

``plan_ablations`` reads and checks everything and trains nothing, so a bad option costs nothing.
``run_ablations`` trains each arm into ``<out>/ablations/<name>/`` (a normal model directory) and
scores it with the caller's function, so the arms are scored exactly like the model.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from genebert_tool.errors import InputError
from trainer.finetune import FinetuneConfig, finetune
from trainer.run_files import FINETUNE_CONFIG_FILE, SPLIT_FILE
from trainer.metrics import OneClassPredictionError

__all__ = ["Ablation", "AblationPlan", "architecture_overrides", "plan_ablations", "run_ablations"]

NEEDS_NO_SRM_BASE = "needs --no-srm-base (a backbone pre-trained with use_srm=false)"
# config.json fields that describe the task head / data, not the network: finetune sets them itself
_TASK_FIELDS = ("task", "label_names", "modality", "window_bp", "max_seq_len", "model_name", "model_version",
                "vocab_size")
# pre-training objectives: a no-SRM backbone differs from the model's base in these by design
_OBJECTIVE_FIELDS = ("use_mgm", "use_ngsp", "use_srm", "lambda_srm", "init_temperature")


@dataclass(frozen=True)
class Ablation:
    """One arm. ``cfg`` is None when it is not trained; ``record`` then says why (and is the result)."""

    name: str
    changed: str
    cfg: FinetuneConfig | None = None
    record: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AblationPlan:
    """The arms in report order, the recorded files they train on, and the model's own training summary."""

    arms: list[Ablation]
    train_files: list[str]
    dev_files: list[str]
    time_budget_s: float | None
    model_training: dict

    @property
    def runs(self) -> list[Ablation]:
        return [a for a in self.arms if a.cfg is not None]

    def describe(self) -> str:
        """One line for stderr: how many fine-tuning runs, and how long each may take."""
        names = ", ".join(a.name for a in self.runs) or "none"
        skipped = [a.name for a in self.arms if a.cfg is None]
        line = f"ablations: {len(self.runs)} fine-tuning run(s) ({names})"
        if self.runs:
            line += f", each with {_budget(self.runs[0].cfg)}"
        if skipped:
            line += f"; not run: {', '.join(skipped)}"
        return line


def architecture_overrides(config: dict) -> dict:
    """Every ``GeneBertConfig`` field of a saved ``config.json`` that shapes the network (sequence and
    region encoders, projection, dropouts, pooling): with them ``named_config`` rebuilds the same
    architecture, randomly initialised."""
    from transformers import PretrainedConfig

    from genebert_tool.model.configuration import GeneBertConfig

    inherited = {f.name for f in dataclasses.fields(PretrainedConfig)}
    own = [f.name for f in dataclasses.fields(GeneBertConfig) if f.name not in inherited]
    return {k: config[k] for k in own if k in config and k not in _TASK_FIELDS}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", path=str(path)) from exc


def _budget(cfg: FinetuneConfig) -> str:
    if cfg.time_budget_s is not None:
        return f"time budget {cfg.time_budget_s:g} s"
    limit = f"max_steps={cfg.max_steps}" if cfg.max_steps else f"max_epochs={cfg.max_epochs:g}"
    return f"no time budget ({limit}; --ablation-budget caps it)"


def _no_srm_backbone(no_srm_base: str, model_config: dict, model_overrides: dict) -> dict:
    """Check ``no_srm_base`` is a backbone pre-trained without SRM; return the architecture fields in
    which it differs from the evaluated model (``{field: [model, no_srm_base]}``), for the record."""
    from genebert_tool.pretrained import resolve_model

    base_dir = resolve_model(no_srm_base)
    path = base_dir / "config.json"
    if not path.is_file():
        raise InputError("--no-srm-base: not a GeneBERT backbone directory (config.json is missing)", path=str(base_dir))
    base = _read_json(path)
    if base.get("task"):
        raise InputError(f"--no-srm-base: a {base['task']!r} task model, not a pre-training backbone", path=str(base_dir))
    if base.get("use_srm", True):
        raise InputError("--no-srm-base: this backbone was pre-trained with use_srm=true; the no-srm ablation "
                         "needs one pre-trained without the SRM loss (use_srm=false)", path=str(base_dir))
    ours, theirs = architecture_overrides(model_config), architecture_overrides(base)
    skip = set(_OBJECTIVE_FIELDS) | set(model_overrides)  # head overrides are re-applied on top of it
    return {k: [ours[k], theirs.get(k)] for k in ours if k not in skip and ours[k] != theirs.get(k)}


def plan_ablations(
    model_dir: str | os.PathLike,
    task: str,
    *,
    no_srm_base: str | None = None,
    time_budget_s: float | None = None,
) -> AblationPlan:
    """The arms for the model in ``model_dir`` (a resolved directory), checked but not trained.

    ``time_budget_s`` replaces the recorded ``time_budget_s`` of every arm. Raises ``InputError``
    when the directory records no fine-tuning settings or its recorded files are gone.
    """
    model_dir = Path(model_dir)
    missing = [n for n in (FINETUNE_CONFIG_FILE, SPLIT_FILE) if not (model_dir / n).is_file()]
    if missing:
        raise InputError(f"cannot re-run ablations: {model_dir} records no fine-tuning settings "
                         f"({', '.join(missing)} missing; it was not written by `genebert finetune`)")
    if time_budget_s is not None and not time_budget_s > 0:
        raise ValueError(f"the ablation time budget must be > 0 s, got {time_budget_s}")
    cfg = FinetuneConfig.from_json(model_dir / FINETUNE_CONFIG_FILE)
    cfg.validate()
    if cfg.task != task:
        raise InputError(f"cannot re-run ablations: the model was fine-tuned for {cfg.task!r}, not {task!r}",
                         path=str(model_dir / FINETUNE_CONFIG_FILE))
    split = _read_json(model_dir / SPLIT_FILE)
    train_files = [str(p) for p in split.get("train_files") or []]
    dev_files = [str(p) for p in split.get("dev_files") or []]
    if not train_files:
        raise InputError("cannot re-run ablations: the split records no training files", path=str(model_dir / SPLIT_FILE))
    for path in train_files + dev_files:
        if not Path(path).exists():
            raise InputError("cannot re-run ablations: the model's recorded training/dev file is missing", path=path)
    model_config = _read_json(model_dir / "config.json")
    if time_budget_s is not None:
        cfg.time_budget_s = float(time_budget_s)
    stem = cfg.model_name or model_config.get("model_name") or model_dir.name

    def arm(name: str, changed: str, **change) -> Ablation:
        return Ablation(name, changed, dataclasses.replace(cfg, model_name=f"{stem}-ablation-{name}", **change))

    arms: list[Ablation] = []
    if cfg.base:
        arms.append(arm("no-pretrain", f"base=None (random init of the same architecture; the model: base={cfg.base})",
                        base=None, model_overrides={**architecture_overrides(model_config), **cfg.model_overrides}))
    else:
        arms.append(Ablation("no-pretrain", "base=None", record={
            "same_as_model": True, "reason": "the model itself was fine-tuned without a pre-trained base"}))
    other = "seq" if cfg.modality == "seq+region" else "seq+region"
    arms.append(arm(f"modality={other}", f"modality={other} (the model: {cfg.modality})", modality=other))
    if not cfg.base:
        arms.append(Ablation("no-srm", "base=<no-SRM backbone>", record={
            "skipped": "not applicable: the model was fine-tuned without a pre-trained base, so there is no SRM loss to remove"}))
    elif no_srm_base is None:
        arms.append(Ablation("no-srm", "base=<no-SRM backbone>", record={"skipped": NEEDS_NO_SRM_BASE}))
    else:
        differs = _no_srm_backbone(no_srm_base, model_config, cfg.model_overrides)
        a = arm("no-srm", f"base={no_srm_base} (pre-trained with use_srm=false; the model: base={cfg.base})", base=no_srm_base)
        arms.append(dataclasses.replace(a, record={"architecture_differs": differs}) if differs else a)

    summary_path = model_dir / "dev_metrics.json"
    training = {}
    if summary_path.is_file():
        s = _read_json(summary_path)
        key = s.get("selection_metric", cfg.selection_metric)
        training = {"selection_metric": key, "dev": (s.get("dev_metrics") or {}).get(key),
                    "steps_run": s.get("steps_run"), "stop_reason": s.get("stop_reason")}
    return AblationPlan(arms, train_files, dev_files, cfg.time_budget_s, training)


def run_ablations(
    plan: AblationPlan,
    out_dir: str | os.PathLike,
    score: Callable[[Path], tuple[dict, dict]],
    *,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[dict, dict]:
    """Train every arm of ``plan`` under ``out_dir/ablations/<name>/`` and score it.

    ``score(model_dir) -> (metrics, curves)`` is the caller's scoring of a model directory on its
    evaluation rows. Returns ``({name: result}, {name: curves})``: a result is the arm's metrics
    plus ``changed``, ``dev`` (its selection metric on its dev rows), ``steps_run``, ``best_step``,
    ``stop_reason``, ``elapsed_s`` and ``model_dir``; or the plan's record for an arm not run; or
    ``{"failed": reason}`` when the arm's model predicts a single class (refused, like any model).
    """
    results: dict[str, dict] = {}
    curves: dict[str, dict] = {}
    runs = plan.runs
    for arm in plan.arms:
        if arm.cfg is None:
            results[arm.name] = {"changed": arm.changed, **arm.record}
            log(f"ablation {arm.name}: {arm.record.get('skipped') or arm.record.get('reason')}")
            continue
        where = Path(out_dir) / "ablations" / arm.name
        log(f"ablation {runs.index(arm) + 1}/{len(runs)} {arm.name}: fine-tuning ({arm.changed}), "
            f"{_budget(arm.cfg)} -> {where}")
        if arm.record.get("architecture_differs"):
            log(f"  warning: the no-SRM backbone differs from the model in {', '.join(arm.record['architecture_differs'])}")
        try:
            summary = finetune(arm.cfg, plan.train_files, plan.dev_files, where)
            metrics, arm_curves = score(where)
        except OneClassPredictionError as exc:
            results[arm.name] = {"changed": arm.changed, "failed": str(exc), "model_dir": str(where), **arm.record}
            log(f"ablation {arm.name}: failed: {exc}")
            continue
        key = summary["selection_metric"]
        metrics.pop("data_description", None)
        results[arm.name] = {
            "changed": arm.changed,
            **metrics,
            "dev": {"selection_metric": key, key: summary["dev_metrics"][key], "n": summary["n_dev"]},
            "steps_run": summary["steps_run"],
            "best_step": summary["best_step"],
            "stop_reason": summary["stop_reason"],
            "elapsed_s": summary["elapsed_s"],
            "base": arm.cfg.base,
            "modality": arm.cfg.modality,
            "model_dir": str(where),
            **arm.record,
        }
        curves[arm.name] = arm_curves
        log(f"ablation {arm.name}: {summary['steps_run']} steps ({summary['stop_reason']}), "
            f"dev {key}={summary['dev_metrics'][key]:.4f}; n={metrics['n']} auc={metrics['auc']:.4f} mcc={metrics['mcc']:.4f}")
    return results, curves
