"""The task registry: one ``TaskSpec`` per downstream task, registered by name (as timm registers models).

Every place that needs to know what a task *is* reads its spec here: the model config (which tasks a
head may be trained for), fine-tuning (problem type, label names, the dev metric that selects the
checkpoint, whether reverse-complement augmentation is allowed), metrics (number of classes),
baselines (which ones run, whether they pool both strands), the shipped default model of
``annotate``/``explain``, and the CLI's ``--task`` choices. Adding a task is one ``register_task``
call plus a data loader (README, "Adding a task").

No heavy imports: the CLI reads the choices before any command runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from genebert_tool.labels import SPLICE_LABELS

__all__ = [
    "MULTI_LABEL",
    "RUN_MODES",
    "SINGLE_LABEL",
    "TaskSpec",
    "annotate_tasks",
    "get_task",
    "register_task",
    "task_names",
]

MULTI_LABEL = "multi_label_classification"  # one sigmoid per output (binary tasks, multi-task TFBS)
SINGLE_LABEL = "single_label_classification"  # one softmax over ``labels``
_PROBLEM_TYPES = (MULTI_LABEL, SINGLE_LABEL)
_SELECTION_METRICS = ("mcc", "auc", "accuracy", "pr_auc")


@dataclass(frozen=True)
class TaskSpec:
    """What a task is, independent of any data file or model.

    ``labels``: single-label tasks: the classes in output order (``labels[0]`` = background);
    multi-label tasks: the default output names (a data file may name its own, e.g. one per
    DeepBind experiment). ``selection_metric``: the dev metric that picks the fine-tuned checkpoint
    (a config's ``selection`` overrides it). ``strand_symmetric``: the label holds on either strand
    (TF binding), so baselines pool both strands and merge reverse-complement k-mers.
    ``reverse_complement``: reverse-complement augmentation/averaging is allowed (False when the
    labels change meaning on the other strand: donor/acceptor). ``baselines``: the
    ``trainer.baselines`` names fitted beside the model. ``default_model``: the registered
    (``pretrained/manifest.json``) model ``annotate`` uses when no ``--model`` is given.
    """

    name: str
    labels: tuple[str, ...]
    problem_type: str
    selection_metric: str
    strand_symmetric: bool
    reverse_complement: bool
    baselines: tuple[str, ...]
    default_model: str
    description: str = ""

    def __post_init__(self) -> None:
        if self.problem_type not in _PROBLEM_TYPES:
            raise ValueError(f"task {self.name!r}: problem_type must be one of {_PROBLEM_TYPES}")
        if self.selection_metric not in _SELECTION_METRICS:
            raise ValueError(f"task {self.name!r}: selection_metric must be one of {_SELECTION_METRICS}")
        if not self.labels or (self.single_label and len(self.labels) < 2):
            raise ValueError(f"task {self.name!r}: needs labels (a single-label task at least two classes)")

    @property
    def single_label(self) -> bool:
        """True for a softmax over ``labels`` (splice), False for one sigmoid per output."""
        return self.problem_type == SINGLE_LABEL

    @property
    def n_classes(self) -> int:
        """Classes a metric ranks: ``len(labels)`` for softmax tasks, 2 (binary) per sigmoid output."""
        return len(self.labels) if self.single_label else 2


_REGISTRY: dict[str, TaskSpec] = {}


def register_task(spec: TaskSpec) -> TaskSpec:
    """Add ``spec`` to the registry (a name may be registered once); returns it."""
    if spec.name in _REGISTRY:
        raise ValueError(f"task {spec.name!r} is already registered")
    _REGISTRY[spec.name] = spec
    return spec


def get_task(name: str) -> TaskSpec:
    """The spec of task ``name``; ``ValueError`` naming the registered tasks otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; expected one of {', '.join(_REGISTRY)}") from None


def task_names() -> tuple[str, ...]:
    """Registered task names, in registration order (the order of ``--task`` choices and of ``all``)."""
    return tuple(_REGISTRY)


#: ``annotate``/``explain`` modes that use several task models: ``all`` = every task's model;
#: ``risk`` = all + the variant classifier (VCF only; not an ``explain`` mode).
RUN_MODES = ("risk", "all")


def annotate_tasks() -> tuple[str, ...]:
    """``genebert annotate --task`` choices: every registered task, then the run modes."""
    return (*task_names(), *RUN_MODES)


register_task(TaskSpec(
    name="promoter",
    labels=("promoter",),
    problem_type=MULTI_LABEL,
    selection_metric="mcc",
    strand_symmetric=False,  # a core promoter has an orientation: the baselines keep where a motif sits
    reverse_complement=True,
    baselines=("cnn", "kmer_lr"),
    default_model="genebert-promoter-genome",
    description="promoter vs background window (GUE prom_300_*, GENCODE TSS windows)",
))
register_task(TaskSpec(
    name="tfbs",
    labels=("tfbs",),
    problem_type=MULTI_LABEL,
    selection_metric="auc",  # DeepBind and the paper report ROC-AUC for TF binding
    strand_symmetric=True,
    reverse_complement=True,
    baselines=("cnn", "kmer_lr", "best_pwm"),
    default_model="genebert-tfbs-genome",
    description="TF-bound vs unbound window, one output per ChIP-seq experiment (DeepBind, GUE tf)",
))
register_task(TaskSpec(
    name="splice",
    labels=SPLICE_LABELS,
    problem_type=SINGLE_LABEL,
    selection_metric="mcc",
    strand_symmetric=False,
    reverse_complement=False,  # donor and acceptor swap meaning on the other strand
    baselines=("cnn", "kmer_lr"),
    default_model="genebert-splice-genome",
    description="neither / donor / acceptor at the window centre (UCI splice, GUE splice, GENCODE sites)",
))
