"""Downstream task data sets: GUE CSV, DeepBind ChIP-seq (.seq.gz), UCI splice junctions.

Everything is turned into one record type, :class:`TaskData` (sequences + labels + output names),
which the fine-tuning loop and ``genebert evaluate`` consume. The rules that keep evaluation honest
live here, in one place:

* **DeepBind ``_B`` files are test folds.** :func:`load_finetune_data` refuses them for training
  and for model selection (dev); only ``evaluate`` may read them.
* **DeepBind ``_AC`` files hold positives only.** Each positive gets one negative made by an
  Altschul–Erickson dinucleotide shuffle of itself (``trainer.shuffle``), as DeepBind did. A
  seeded fraction of the positives (and *their* shuffles) is held out as dev, so no dev negative is
  a shuffle of a training positive. Positives may be subsampled (``max_positives``) to fit a CPU
  budget; the subsample is seeded too.
* **Multi-task TFBS:** one output per experiment, named ``TF_CellLine`` (``CTCFL_K562``); an
  example from experiment e is labelled 0/1 in column e and ``-100`` (ignored) elsewhere.
* **UCI splice** has no official split: a deterministic stratified train/dev/test split by seed
  (:func:`split_stratified`), recorded as line numbers in ``split.json`` next to the model.
* **GUE splice** labels (0 acceptor, 1 donor, 2 non-site) are remapped to genebert's
  (0 neither, 1 donor, 2 acceptor) so one model reads both sources.

Random streams are derived from ``(seed, crc32(experiment name))`` so adding an experiment does not
change the negatives or splits of another.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.sequences import (
    SPLICE_LABELS,
    LabelledSequence,
    read_deepbind,
    read_dnabert_tsv,
    read_gue_csv,
    read_uci_splice,
)
from trainer.metrics import IGNORE_INDEX, TASKS
from trainer.shuffle import dinucleotide_shuffle

__all__ = [
    "DataSettings",
    "TaskData",
    "center_crop",
    "deepbind_experiment",
    "deepbind_output_name",
    "deepbind_with_negatives",
    "file_split_record",
    "is_deepbind_test_fold",
    "load_finetune_data",
    "load_labelled",
    "multitask_deepbind",
    "split_stratified",
]

# GUE splice "reconstructed": 0 acceptor, 1 donor, 2 non-site -> ours 0 neither, 1 donor, 2 acceptor
_GUE_SPLICE_TO_OURS = {0: 2, 1: 1, 2: 0}


@dataclass
class TaskData:
    """A labelled data set for one task.

    ``labels`` is int64 (n,) for single-output tasks (binary 0/1, or splice 0/1/2) and
    (n, n_outputs) for multi-task TFBS, with ``-100`` where an example is unlabelled for an output.
    ``output_names``: binary -> one name (the positive class, e.g. ``"promoter"`` or
    ``"CTCFL_K562"``); splice -> ``SPLICE_LABELS``; multi-task -> one name per experiment.
    """

    task: str
    sequences: list[str]
    labels: np.ndarray
    output_names: list[str]
    names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    description: str = ""

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; expected one of {', '.join(TASKS)}")
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if len(self.labels) != len(self.sequences):
            raise ValueError(f"{len(self.sequences)} sequences but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def multitask(self) -> bool:
        return self.labels.ndim == 2

    def subset(self, index: Sequence[int] | np.ndarray, *, description: str | None = None) -> "TaskData":
        idx = np.asarray(index, dtype=np.int64)
        pick = lambda xs: [xs[i] for i in idx] if xs else []  # noqa: E731
        return TaskData(
            self.task,
            pick(self.sequences),
            self.labels[idx],
            list(self.output_names),
            pick(self.names),
            pick(self.sources),
            pick(self.lines),
            self.description if description is None else description,
        )

    def class_counts(self) -> dict:
        """Per-class counts (per output for multi-task), ignoring -100."""
        if not self.multitask:
            vals, cnt = np.unique(self.labels, return_counts=True)
            return {int(v): int(c) for v, c in zip(vals, cnt)}
        out = {}
        for j, name in enumerate(self.output_names):
            col = self.labels[:, j]
            col = col[col != IGNORE_INDEX]
            out[name] = {"0": int((col == 0).sum()), "1": int((col == 1).sum())}
        return out


def concat(parts: Sequence[TaskData], *, description: str = "") -> TaskData:
    """Concatenate data sets of the same task and outputs."""
    first = parts[0]
    return TaskData(
        first.task,
        [s for p in parts for s in p.sequences],
        np.concatenate([p.labels for p in parts]),
        list(first.output_names),
        [s for p in parts for s in p.names],
        [s for p in parts for s in p.sources],
        [s for p in parts for s in p.lines],
        description,
    )


# ------------------------------------------------------------------ file kinds
def _basename(path: str | Path) -> str:
    return Path(str(path)).name


def is_deepbind(path: str | Path) -> bool:
    return _basename(path).removesuffix(".gz").endswith(".seq")


def is_deepbind_test_fold(path: str | Path) -> bool:
    """True for DeepBind ``*_B.seq(.gz)`` files (fold B: the test fold)."""
    return _basename(path).removesuffix(".gz").removesuffix(".seq").endswith("_B")


def deepbind_experiment(path: str | Path) -> str:
    """``TF_CellLine_Antibody_Lab`` from a DeepBind file name (the published-AUC table key)."""
    stem = _basename(path).removesuffix(".gz").removesuffix(".seq")
    for fold in ("_AC", "_B"):
        if stem.endswith(fold):
            return stem[: -len(fold)]
    raise InputError("not a DeepBind file name (expected TF_CellLine_Antibody_Lab_{AC|B}.seq.gz)", path=str(path))


def deepbind_output_name(path: str | Path) -> str:
    """Output name ``TF_CellLine`` (e.g. ``CTCFL_K562``) from a DeepBind file name."""
    parts = deepbind_experiment(path).split("_")
    if len(parts) < 2:
        raise InputError("cannot read TF and cell line from the DeepBind file name", path=str(path))
    return f"{parts[0]}_{parts[1]}"


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(key.encode())])


def _from_records(task: str, records: Sequence[LabelledSequence], output_names: list[str], description: str) -> TaskData:
    if not records:
        raise InputError(f"no records for {description}")
    return TaskData(
        task,
        [r.sequence for r in records],
        np.array([r.label for r in records], dtype=np.int64),
        output_names,
        [r.name for r in records],
        [r.source for r in records],
        [r.line for r in records],
        description,
    )


# ------------------------------------------------------------------ plain labelled files
def _default_output_names(task: str, path: str | Path) -> list[str]:
    if task == "splice":
        return list(SPLICE_LABELS)
    if task == "tfbs" and is_deepbind(path):
        return [deepbind_output_name(path)]
    return [task]


def load_labelled(task: str, path: str | Path) -> TaskData:
    """A file that carries its own labels: GUE CSV, DeepBind ``_B``, UCI splice, DNABERT TSV.

    Splice CSV (GUE) labels are remapped to genebert's (0 neither, 1 donor, 2 acceptor). DeepBind
    ``_AC`` files hold positives only: use :func:`deepbind_with_negatives` for them.
    """
    name = _basename(path).removesuffix(".gz")
    if name.endswith(".seq"):
        if not is_deepbind_test_fold(path):
            raise InputError(
                "a DeepBind _AC file holds positives only; its negatives are made by dinucleotide "
                "shuffling (use deepbind_with_negatives / genebert finetune)",
                path=str(path),
            )
        records = list(read_deepbind(path))
    elif name.endswith(".data"):
        if task != "splice":
            raise InputError(f"a UCI splice file cannot be used for task {task!r}", path=str(path))
        records = list(read_uci_splice(path))
    elif name.endswith(".tsv"):
        records = list(read_dnabert_tsv(path))
    elif name.endswith(".csv"):
        records = list(read_gue_csv(path))
        if task == "splice":
            bad = [r for r in records if r.label not in _GUE_SPLICE_TO_OURS]
            if bad:
                raise InputError(f"GUE splice label {bad[0].label} is not 0, 1 or 2", path=bad[0].source, line=bad[0].line)
            records = [
                LabelledSequence(r.name, r.sequence, _GUE_SPLICE_TO_OURS[r.label], r.source, r.line) for r in records
            ]
    else:
        raise InputError("cannot tell the format from the name (expected .csv, .seq, .tsv or .data, optionally .gz)", path=str(path))
    n_classes = 3 if task == "splice" else 2
    bad = [r for r in records if not 0 <= r.label < n_classes]
    if bad:
        raise InputError(f"label {bad[0].label} is outside 0..{n_classes - 1} for task {task!r}", path=bad[0].source, line=bad[0].line)
    return _from_records(task, records, _default_output_names(task, path), f"{name} ({len(records)} rows)")


# ------------------------------------------------------------------ DeepBind _AC + shuffled negatives
def deepbind_with_negatives(
    path: str | Path,
    *,
    seed: int = 0,
    part: str = "all",
    dev_fraction: float = 0.1,
    max_positives: int | None = None,
) -> TaskData:
    """Positives of a DeepBind ``_AC`` file plus one dinucleotide-shuffled negative per positive.

    ``part``: ``"train"``, ``"dev"`` (a seeded ``dev_fraction`` of the positives, disjoint from
    train) or ``"all"``. ``max_positives`` subsamples the positives of the chosen part (seeded).
    Labels (n,) in {0, 1}; negatives are named ``<EventID>_shuf``. Rows are positives then their
    negatives in the same order.
    """
    if is_deepbind_test_fold(path):
        raise InputError("DeepBind _B files are test folds: never train or tune on them", path=str(path))
    if part not in ("train", "dev", "all"):
        raise ValueError(f"part must be train, dev or all, got {part!r}")
    experiment = deepbind_experiment(path)
    records = list(read_deepbind(path))
    negatives_in_file = [r for r in records if r.label != 1]
    if negatives_in_file:
        r = negatives_in_file[0]
        raise InputError("expected only bound (1) rows in a DeepBind _AC file", path=r.source, line=r.line)
    order = _rng(seed, "split:" + experiment).permutation(len(records))
    n_dev = int(round(dev_fraction * len(records))) if part != "all" else 0
    chosen = {"dev": order[:n_dev], "train": order[n_dev:], "all": order}[part]
    chosen = np.sort(chosen)  # file order inside a part: easier to read, same content
    if max_positives is not None and len(chosen) > max_positives:
        sub = _rng(seed, f"subsample:{part}:" + experiment).choice(len(chosen), size=max_positives, replace=False)
        chosen = np.sort(chosen[sub])
    positives = [records[i] for i in chosen]
    shuffle_rng = _rng(seed, f"shuffle:{part}:" + experiment)
    negatives = [
        LabelledSequence(r.name + "_shuf", dinucleotide_shuffle(r.sequence, shuffle_rng), 0, r.source, r.line)
        for r in positives
    ]
    desc = (
        f"{_basename(path)} part={part} seed={seed} dev_fraction={dev_fraction}: "
        f"{len(positives)} positives + {len(negatives)} dinucleotide-shuffled negatives"
    )
    return _from_records("tfbs", positives + negatives, [deepbind_output_name(path)], desc)


def multitask_deepbind(
    paths: Sequence[str | Path],
    *,
    seed: int = 0,
    part: str = "all",
    dev_fraction: float = 0.1,
    max_positives: int | None = None,
) -> TaskData:
    """One multi-task TFBS data set over several DeepBind files (``_AC`` with shuffled negatives,
    or ``_B`` as they are — the latter only for evaluation).

    Labels (n, n_experiments): 0/1 in the column of the example's experiment, -100 elsewhere.
    Output names ``TF_CellLine``, in the order of ``paths``; duplicates are an error.
    """
    names = [deepbind_output_name(p) for p in paths]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"two DeepBind files map to the same output name(s): {', '.join(dupes)}")
    parts = []
    for j, path in enumerate(paths):
        if is_deepbind_test_fold(path):
            single = load_labelled("tfbs", path)
        else:
            single = deepbind_with_negatives(path, seed=seed, part=part, dev_fraction=dev_fraction, max_positives=max_positives)
        labels = np.full((len(single), len(paths)), IGNORE_INDEX, dtype=np.int64)
        labels[:, j] = single.labels
        single.labels = labels
        single.output_names = names
        parts.append(single)
    desc = f"multi-task DeepBind over {len(paths)} experiments, part={part}, seed={seed}"
    return concat(parts, description=desc)


# ------------------------------------------------------------------ splits
def split_stratified(
    labels: np.ndarray, *, seed: int, fractions: Sequence[float] = (0.8, 0.1, 0.1)
) -> list[np.ndarray]:
    """Deterministic stratified split of row indices into len(fractions) parts.

    Within each class the rows are permuted with ``default_rng([seed, class])`` and cut at the
    cumulative fractions (rounded), so each part keeps the class balance. Returns sorted index
    arrays; ``labels`` (n,).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError("split_stratified needs (n,) labels")
    if abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"split fractions must sum to 1, got {list(fractions)}")
    parts: list[list[int]] = [[] for _ in fractions]
    bounds = np.cumsum(fractions)
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        rows = rows[np.random.default_rng([int(seed), int(cls) + 1000]).permutation(len(rows))]
        cuts = [0] + [int(round(b * len(rows))) for b in bounds]
        cuts[-1] = len(rows)
        for i in range(len(fractions)):
            parts[i].extend(rows[cuts[i] : cuts[i + 1]].tolist())
    return [np.array(sorted(p), dtype=np.int64) for p in parts]


# ------------------------------------------------------------------ what finetune reads
@dataclass
class DataSettings:
    """How training data is built from files (saved with the model in ``finetune_config.json``)."""

    seed: int = 0
    dev_fraction: float = 0.1
    test_fraction: float = 0.1
    max_positives: int | None = None
    max_dev_positives: int | None = None


def load_finetune_data(
    task: str,
    train: Sequence[str | Path],
    dev: Sequence[str | Path] = (),
    settings: DataSettings | None = None,
) -> tuple[TaskData, TaskData, dict]:
    """Build (train, dev, split record) for ``genebert finetune``.

    * ``tfbs`` with DeepBind ``_AC`` files: one file -> a binary model, several -> a multi-task
      model; dev = the held-out fraction of each ``_AC`` file (``--dev`` must then be empty).
    * UCI splice (``.data``) without ``dev``: a stratified train/dev/test split by seed; the test
      rows are recorded in the split record and never read here.
    * Any other labelled file without ``dev``: a stratified train/dev split of ``train``.
    * Several non-DeepBind train files are concatenated.

    DeepBind ``_B`` files are refused in ``train`` and in ``dev``. The split record (JSON-able)
    names the files, the seed and — for UCI splice — the 1-based line numbers of each part.
    """
    s = settings or DataSettings()
    train = [str(p) for p in train]
    dev = [str(p) for p in dev]
    if not train:
        raise InputError("no training file given")
    for p in train + dev:
        if is_deepbind(p) and is_deepbind_test_fold(p):
            raise InputError(
                "DeepBind _B files are test folds (reported against the published AUCs): never train "
                "or select a model on them; use `genebert evaluate` on them instead",
                path=p,
            )
    for p in train + dev:
        if not Path(p).exists():
            raise InputError("file not found", path=p)
    record: dict = {"task": task, "train_files": train, "dev_files": dev, "seed": s.seed}

    if all(is_deepbind(p) for p in train):
        if task != "tfbs":
            raise InputError(f"DeepBind files are TFBS data, not {task!r}", path=train[0])
        if dev:
            raise InputError("DeepBind training uses a held-out part of each _AC file as dev; do not pass --dev")
        kw = dict(seed=s.seed, dev_fraction=s.dev_fraction, max_positives=s.max_positives)
        if len(train) == 1:
            tr = deepbind_with_negatives(train[0], part="train", **kw)
            dv = deepbind_with_negatives(train[0], part="dev", **{**kw, "max_positives": s.max_dev_positives})
        else:
            tr = multitask_deepbind(train, part="train", **kw)
            dv = multitask_deepbind(train, part="dev", **{**kw, "max_positives": s.max_dev_positives})
        record.update(kind="deepbind_ac", dev_fraction=s.dev_fraction, max_positives=s.max_positives,
                      max_dev_positives=s.max_dev_positives,
                      negatives="one Altschul-Erickson dinucleotide shuffle per positive")
        return tr, dv, record
    if any(is_deepbind(p) for p in train):
        raise InputError("do not mix DeepBind files with other formats in one training run")

    if dev:
        full = concat([load_labelled(task, p) for p in train], description=" + ".join(_basename(p) for p in train))
        dv = concat([load_labelled(task, p) for p in dev], description=" + ".join(_basename(p) for p in dev))
        record.update(kind="files")
        return full, dv, record
    # no --dev: each file is split on its own (UCI splice: train/dev/test; others: train/dev), so a
    # file's held-out rows stay held out whatever it is trained with
    parts = []
    for path in train:
        full = load_labelled(task, path)
        tr_i, dv_i, file_record = _split_file(full, path, s)
        parts.append((full.subset(tr_i, description=f"{full.description} [train part, seed {s.seed}]"),
                      full.subset(dv_i, description=f"{full.description} [dev part, seed {s.seed}]")))
        if len(train) == 1:
            record.update(file_record)
        else:
            record.setdefault("per_file", {})[path] = file_record
    if len(train) > 1:
        record["kind"] = "per_file"
    if len(parts) == 1:
        return parts[0][0], parts[0][1], record
    return (
        concat([p[0] for p in parts], description=" + ".join(p[0].description for p in parts)),
        concat([p[1] for p in parts], description=" + ".join(p[1].description for p in parts)),
        record,
    )


def _split_file(full: TaskData, path: str, s: DataSettings) -> tuple[np.ndarray, np.ndarray, dict]:
    """(train rows, dev rows, split record) of one labelled file: UCI splice gets a stratified
    train/dev/test split (the test lines are recorded, never returned), any other file train/dev."""
    if _basename(path).removesuffix(".gz").endswith(".data"):
        fr = (1 - s.dev_fraction - s.test_fraction, s.dev_fraction, s.test_fraction)
        tr_i, dv_i, te_i = split_stratified(full.labels, seed=s.seed, fractions=fr)
        lines = {k: [full.lines[i] for i in v] for k, v in (("train", tr_i), ("dev", dv_i), ("test", te_i))}
        return tr_i, dv_i, {"kind": "stratified_train_dev_test", "fractions": list(fr), "lines": lines}
    fr = (1 - s.dev_fraction, s.dev_fraction)
    tr_i, dv_i = split_stratified(full.labels, seed=s.seed, fractions=fr)
    return tr_i, dv_i, {"kind": "stratified_train_dev", "fractions": list(fr), "lines": {"dev": [full.lines[i] for i in dv_i]}}


def center_crop(sequences: Sequence[str], window: int) -> list[str]:
    """Centre ``window`` bases of every sequence longer than ``window`` (others unchanged).

    Why: task models are trained on anchored windows (UCI splice: site at the centre of 60 bp;
    GUE splice: at the centre of 400 bp), so a longer input is cut around its centre, not at its
    3' end. For an odd excess the extra base is dropped on the right: start = (len - window) // 2.
    """
    if not window:
        return list(sequences)
    out = []
    for s in sequences:
        if len(s) > window:
            start = (len(s) - window) // 2
            s = s[start : start + window]
        out.append(s)
    return out


def file_split_record(split_record: dict | None, path: str | Path) -> dict | None:
    """The part of a split record that describes ``path`` (matched by file name): the record itself
    for a one-file split, the file's entry of a ``per_file`` split, else None."""
    if not split_record:
        return None
    if split_record.get("kind") == "per_file":
        for name, entry in split_record.get("per_file", {}).items():
            if _basename(name) == _basename(path):
                return entry
        return None
    files = split_record.get("train_files", [])
    return split_record if any(_basename(f) == _basename(path) for f in files) or not files else None


def select_split(data: TaskData, split_record: dict | None, part: str) -> TaskData:
    """Rows of ``data`` (read from the file a split record was made on) in ``part`` of that split.

    ``part == "all"`` returns ``data`` unchanged. Rows are matched by (1-based) source line.
    """
    if part == "all":
        return data
    if split_record and split_record.get("kind") == "per_file":
        split_record = file_split_record(split_record, data.sources[0] if data.sources else "")
    if not split_record or "lines" not in split_record or part not in split_record["lines"]:
        raise InputError(f"the model records no {part!r} split for this data (use --split all)")
    wanted = set(split_record["lines"][part])
    idx = [i for i, line in enumerate(data.lines) if line in wanted]
    if len(idx) != len(wanted):
        raise InputError(
            f"the {part!r} split names {len(wanted)} lines but only {len(idx)} were found: not the file the model was trained on?"
        )
    return data.subset(idx, description=f"{data.description} [{part} part of the recorded split]")
