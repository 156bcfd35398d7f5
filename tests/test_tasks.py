"""genebert_tool.tasks: the task registry is the one list of tasks, and every reader follows it."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from genebert_tool import tasks
from genebert_tool.labels import SPLICE_LABELS
from genebert_tool.tasks import MULTI_LABEL, SINGLE_LABEL, TaskSpec, get_task, register_task, task_names


@contextmanager
def _registered(spec: TaskSpec):
    """Register ``spec`` for the duration of a test (the registry is process-wide)."""
    register_task(spec)
    try:
        yield spec
    finally:
        tasks._REGISTRY.pop(spec.name, None)


ENHANCER = TaskSpec(name="enhancer", labels=("enhancer",), problem_type=MULTI_LABEL, selection_metric="auc",
                    strand_symmetric=True, reverse_complement=True, baselines=("cnn", "kmer_lr"),
                    default_model="genebert-enhancer")


def test_registered_tasks_in_order():
    assert task_names() == ("promoter", "tfbs", "splice")
    assert tasks.annotate_tasks() == ("promoter", "tfbs", "splice", "risk", "all")
    assert get_task("splice").labels == SPLICE_LABELS and get_task("splice").n_classes == 3
    assert get_task("tfbs").n_classes == 2 and not get_task("tfbs").single_label


def test_unknown_and_duplicate_names_are_refused():
    with pytest.raises(ValueError, match="unknown task 'enhancer'; expected one of promoter, tfbs, splice"):
        get_task("enhancer")
    with pytest.raises(ValueError, match="already registered"):
        register_task(get_task("promoter"))
    with pytest.raises(ValueError, match="problem_type"):
        TaskSpec("x", ("a",), "regression", "auc", False, False, (), "m")
    with pytest.raises(ValueError, match="at least two classes"):
        TaskSpec("x", ("a",), SINGLE_LABEL, "mcc", False, False, (), "m")


@pytest.mark.parametrize("name", task_names())
def test_shipped_default_model_matches_its_spec(name):
    """The spec's default model is shipped, trained for this task, with the spec's head."""
    from genebert_tool.pretrained import DEFAULT_MODELS, model_entry, resolve_model

    spec = get_task(name)
    assert DEFAULT_MODELS[name] == spec.default_model
    assert model_entry(spec.default_model)["task"] == name
    config = json.loads((resolve_model(spec.default_model) / "config.json").read_text())
    assert config["task"] == name and config["problem_type"] == spec.problem_type
    if spec.single_label:
        assert tuple(config["label_names"]) == spec.labels


@pytest.mark.parametrize("name", task_names())
def test_readers_follow_the_spec(name):
    from trainer.baselines import make_baseline
    from trainer.finetune import FinetuneConfig

    spec = get_task(name)
    assert FinetuneConfig(task=name).selection_metric == spec.selection_metric
    assert make_baseline("kmer_lr", name).canonical == spec.strand_symmetric
    cfg = FinetuneConfig(task=name, reverse_complement=True)
    if spec.reverse_complement:
        cfg.validate()
    else:
        with pytest.raises(ValueError, match="strand-specific"):
            cfg.validate()


def test_a_new_task_is_one_registration():
    """Registering a spec is enough for the model config, fine-tuning settings, metrics and CLI choices."""
    from genebert_tool.model.configuration import GeneBertConfig
    from trainer.finetune import FinetuneConfig
    from trainer.metrics import compute_metrics

    with pytest.raises(ValueError, match="task must be None or one of"):
        GeneBertConfig(task="enhancer")
    with _registered(ENHANCER):
        assert GeneBertConfig(task="enhancer").task == "enhancer"
        cfg = FinetuneConfig(task="enhancer")
        cfg.validate()
        assert cfg.selection_metric == "auc"
        assert compute_metrics([0, 1, 0, 1], [0.1, 0.9, 0.4, 0.6], task="enhancer")["auc"] == 1.0
        assert "enhancer" in tasks.annotate_tasks()
    assert "enhancer" not in task_names()


def test_cli_choices_come_from_the_registry():
    from genebert_tool.cli import main

    def choices(command: str) -> tuple[str, ...]:
        return tuple(next(p for p in main.commands[command].params if p.name == "task").type.choices)

    assert choices("annotate") == tasks.annotate_tasks()
    assert choices("evaluate") == task_names()
    assert choices("explain") == (*task_names(), "all")
    assert set(task_names()) <= set(choices("finetune"))
    result = CliRunner().invoke(main, ["evaluate", "--model", "x", "--task", "enhancer"])
    assert result.exit_code == 2 and "'enhancer' is not one of 'promoter', 'tfbs', 'splice'" in result.output
