"""Downstream task data sets: GUE CSV, DeepBind ChIP-seq (.seq.gz), UCI splice junctions.

Everything is turned into one record type, :class:`TaskData` (sequences + labels + output names),
which the fine-tuning loop and ``genebert evaluate`` consume. The rules that keep evaluation honest
live here, in one place:

* **DeepBind ``_B`` files are test folds.** ``trainer.splits.load_finetune_data`` refuses them for training
  and for model selection (dev); only ``evaluate`` may read them.
* **DeepBind ``_AC`` files hold positives only.** Each positive gets one negative made by an
  Altschul–Erickson dinucleotide shuffle of itself (``trainer.shuffle``), as DeepBind did. A
  seeded fraction of the positives (and *their* shuffles) is held out as dev, so no dev negative is
  a shuffle of a training positive. Positives may be subsampled (``max_positives``) to fit a CPU
  budget; the subsample is seeded too.
* **Multi-task TFBS:** one output per experiment, named ``TF_CellLine`` (``CTCFL_K562``); an
  example from experiment e is labelled 0/1 in column e and ``-100`` (ignored) elsewhere.
* **UCI splice** has no official split: a deterministic stratified train/dev/test split by seed
  (``trainer.splits.split_stratified``), recorded as line numbers in ``split.json`` next to the model.
* **GUE splice** labels (0 acceptor, 1 donor, 2 non-site) are remapped to genebert's
  (0 neither, 1 donor, 2 acceptor) so one model reads both sources.
* **The hidden test region** (``trainer.genome_split.TEST_REGION``, chr22 >= 38,000,000): rows of the
  shared files that lie in it (``split/shared_rows_in_chr22_test_region.tsv``, see
  :func:`hidden_rows`) are dropped by every loader here -- for training, selection and evaluation
  alike -- when the file lives under the data directory. Seeded splits are drawn over *all* rows of a
  file first and the hidden rows are removed from each part afterwards, so every other row keeps the
  part it had before the rule. Each :class:`TaskData` says what it dropped (``dropped``) and the
  split record carries it (``test_region``).

Random streams are derived from ``(seed, crc32(experiment name))`` so adding an experiment does not
change the negatives or splits of another.
"""

from __future__ import annotations

import csv
import functools
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from genebert_tool.datadir import data_dir
from genebert_tool.errors import InputError
from genebert_tool.genome.sequences import (
    LabelledSequence,
    read_deepbind,
    read_dnabert_tsv,
    read_gue_csv,
    read_uci_splice,
)
from genebert_tool.tasks import get_task, task_names
from trainer.genome_split import TEST_REGION, test_region_rows
from trainer.metrics import IGNORE_INDEX
from trainer.shuffle import dinucleotide_shuffle

__all__ = [
    "HiddenRows",
    "TEST_REGION_TABLE",
    "TaskData",
    "deepbind_experiment",
    "deepbind_output_name",
    "deepbind_with_negatives",
    "drop_hidden_rows",
    "dropped_summary",
    "hidden_rows",
    "is_deepbind_test_fold",
    "load_labelled",
    "multitask_deepbind",
    "test_region_counts",
]

# GUE splice "reconstructed": 0 acceptor, 1 donor, 2 non-site -> ours 0 neither, 1 donor, 2 acceptor
_GUE_SPLICE_TO_OURS = {0: 2, 1: 1, 2: 0}


@dataclass
class TaskData:
    """A labelled data set for one task.

    ``labels`` is int64 (n,) for single-output tasks (binary 0/1, or splice 0/1/2) and
    (n, n_outputs) for multi-task TFBS, with ``-100`` where an example is unlabelled for an output.
    ``output_names``: binary -> one name (the positive class, e.g. ``"promoter"`` or
    ``"CTCFL_K562"``); single-label tasks (splice) -> ``TaskSpec.labels``; multi-task -> one name per experiment.
    ``dropped``: hidden-test-region rows left out of this data set, per shared file (relative to the
    data dir): ``{"rows": n, "table_rows": n in the table, "reasons": {reason: n}, "lines": [...]}``
    (``lines``: their 1-based source lines).
    """

    task: str
    sequences: list[str]
    labels: np.ndarray
    output_names: list[str]
    names: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    description: str = ""
    dropped: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.task not in task_names():
            raise ValueError(f"unknown task {self.task!r}; expected one of {', '.join(task_names())}")
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
            dict(self.dropped),
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
        _merge_dropped(p.dropped for p in parts),
    )


# ------------------------------------------------------------------ the hidden test region
#: The table of shared rows that lie in the hidden test region, relative to the data dir.
TEST_REGION_TABLE = "split/shared_rows_in_chr22_test_region.tsv"

_T = TypeVar("_T")


@dataclass(frozen=True)
class HiddenRows:
    """Rows of one shared file that lie in the hidden test region.

    ``file`` is relative to the data dir (as the table names it). ``rows`` are the table's row
    numbers: **0-based among the file's data records, header lines not counted** -- the index of a
    record in the order its reader yields it. Checked on the real files (every listed row's label
    equals the table's ``label``, and every sampled listed sequence occurs verbatim in hg38
    chr22 >= 38,000,000, while the 1-based reading fails both checks):

    * GUE CSV / DNABERT TSV (``sequence,label`` header) and DeepBind ``.seq`` (``FoldID EventID seq
      Bound`` header): row r is source line r + 2.
    * UCI ``splice.data`` and the JUND ``.hg19.tsv`` intervals (no header): row r is line r + 1.
    * ClinVar donor ``.csv`` (one header line): row r is the r-th record after the header; ClinVar
      ``.vcf``: the r-th record after the ``#`` header lines.

    ``reasons``: the table's ``reason`` counts for the file.
    """

    file: str
    rows: frozenset[int]
    reasons: dict[str, int]


@functools.lru_cache(maxsize=4)
def _read_table(table: str, _mtime_ns: int) -> tuple[dict[str, set[int]], dict[str, dict[str, int]]]:
    rows = test_region_rows(table)
    reasons: dict[str, Counter] = {}
    with open(table, newline="") as handle:
        for rec in csv.DictReader(handle, delimiter="\t"):
            reasons.setdefault(rec["file"], Counter())[rec["reason"]] += 1
    return rows, {k: dict(v) for k, v in reasons.items()}


def shared_file_key(path: str | Path) -> str | None:
    """``path`` relative to the data dir (``genebert_tool.datadir.data_dir``), POSIX-style, or None
    when it does not live there (or there is no data dir)."""
    if str(path) == "-":
        return None
    root = data_dir(required=False)
    if root is None:
        return None
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def hidden_rows(path: str | Path) -> HiddenRows | None:
    """The hidden-test-region rows of ``path``, or None when ``path`` is not under the data dir.

    A file under the data dir without an entry in the table gets an empty ``rows``. A data dir
    without the table is an error: the rule cannot be checked, so nothing is loaded.
    """
    key = shared_file_key(path)
    if key is None:
        return None
    table = data_dir() / TEST_REGION_TABLE
    if not table.is_file():
        raise InputError(f"the table of hidden-test-region rows ({TEST_REGION_TABLE}) is missing from the data dir; "
                         f"cannot drop the rows of {key} that lie in {TEST_REGION}", path=str(table))
    rows, reasons = _read_table(str(table), table.stat().st_mtime_ns)
    return HiddenRows(key, frozenset(rows.get(key, ())), dict(reasons.get(key, {})))


def hidden_mask(n_records: int, path: str | Path) -> tuple[np.ndarray, HiddenRows | None]:
    """(bool (n_records,) -- True for a row in the hidden test region, its ``HiddenRows``).

    ``n_records``: how many data records the file holds (all of them, in file order)."""
    hidden = hidden_rows(path)
    mask = np.zeros(n_records, dtype=bool)
    if hidden is None or not hidden.rows:
        return mask, hidden
    top = max(hidden.rows)
    if top >= n_records:
        raise InputError(f"{TEST_REGION_TABLE} names row {top} (0-based) but the file has {n_records} data rows: "
                         "not the file the table was made for?", path=str(path))
    mask[np.fromiter(hidden.rows, dtype=np.int64)] = True
    return mask, hidden


def drop_hidden_rows(records: Sequence[_T], path: str | Path) -> tuple[list[_T], dict]:
    """``records`` (every data record of ``path``, in file order) without its hidden-test-region rows,
    and the ``dropped`` entry describing them (``{}`` when ``path`` is not under the data dir).

    For readers outside this module (benchmarks) that hold plain records; records with a ``line``
    attribute get their lines listed."""
    mask, hidden = hidden_mask(len(records), path)
    kept = [r for r, m in zip(records, mask) if not m]
    lines = [int(getattr(r, "line", -1)) for r, m in zip(records, mask) if m]
    return kept, _dropped_entry(hidden, lines)


def _dropped_entry(hidden: HiddenRows | None, lines: Sequence[int]) -> dict:
    if hidden is None:
        return {}
    return {hidden.file: {"rows": len(lines), "table_rows": len(hidden.rows), "reasons": dict(hidden.reasons),
                          "lines": sorted(int(x) for x in lines)}}


def _merge_dropped(entries) -> dict:
    out: dict = {}
    for entry in entries:
        for key, e in entry.items():
            if key not in out:
                out[key] = {**e, "lines": list(e.get("lines", []))}
            else:  # two parts of one file: count each dropped line once
                lines = sorted(set(out[key]["lines"]) | set(e.get("lines", [])))
                out[key].update(rows=len(lines), lines=lines)
    return out


def dropped_summary(dropped: dict) -> dict:
    """A ``dropped`` mapping for split.json / metrics.json: counts and reasons, no line lists."""
    return {key: {k: v for k, v in e.items() if k != "lines"} for key, e in sorted(dropped.items())}


def test_region_counts(datasets: Sequence[TaskData] | Sequence[dict]) -> dict:
    """For metrics.json: the hidden-test-region rows left out of the given data sets (or their
    ``dropped`` mappings), per shared file: ``{"region", "table", "rows", "files": {file: {...}}}``."""
    merged = _merge_dropped(d if isinstance(d, dict) else d.dropped for d in datasets)
    files = dropped_summary(merged)
    return {"region": str(TEST_REGION), "table": TEST_REGION_TABLE, "rows": sum(f["rows"] for f in files.values()),
            "files": files}


def _test_region_record(files: Sequence[str], parts: Sequence[tuple[str, dict]]) -> dict:
    """The split record's ``test_region`` entry: per shared file, the rows dropped from each part.

    ``parts``: (part name, ``dropped`` mapping) pairs, e.g. ``("train", train_data.dropped)``."""
    out: dict = {"region": str(TEST_REGION), "table": TEST_REGION_TABLE, "files": {}, "not_under_data_dir": []}
    for path in files:
        if shared_file_key(path) is None:
            out["not_under_data_dir"].append(str(path))
    for part, dropped in parts:
        for key, e in dropped.items():
            f = out["files"].setdefault(key, {"rows": 0, "by_part": {}, "table_rows": e["table_rows"],
                                              "reasons": e["reasons"]})
            f["by_part"][part] = f["by_part"].get(part, 0) + e["rows"]
            f["rows"] += e["rows"]
    out["rows"] = sum(f["rows"] for f in out["files"].values())
    return out


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
    if task == "tfbs" and is_deepbind(path):  # one output per DeepBind experiment
        return [deepbind_output_name(path)]
    return list(get_task(task).labels)


def load_labelled(task: str, path: str | Path) -> TaskData:
    """A file that carries its own labels: GUE CSV, DeepBind ``_B``, UCI splice, DNABERT TSV.

    Splice CSV (GUE) labels are remapped to genebert's (0 neither, 1 donor, 2 acceptor). DeepBind
    ``_AC`` files hold positives only: use :func:`deepbind_with_negatives` for them. Rows in the
    hidden test region (:func:`hidden_rows`) are left out and listed in ``dropped``.
    """
    full, mask, hidden = _load_all_rows(task, path)
    if hidden is None:
        return full
    out = full.subset(np.flatnonzero(~mask))
    out.dropped = _dropped_entry(hidden, [full.lines[i] for i in np.flatnonzero(mask)])
    if mask.any():
        out.description = (f"{_basename(path).removesuffix('.gz')} ({len(out)} of {len(full)} rows; "
                           f"{int(mask.sum())} in the hidden test region dropped)")
    return out


def _load_all_rows(task: str, path: str | Path) -> tuple[TaskData, np.ndarray, HiddenRows | None]:
    """Every row of a labelled file (hidden ones included), the hidden-row mask (n,) and its
    ``HiddenRows`` (None outside the data dir): for splits drawn over the whole file."""
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
    n_classes = get_task(task).n_classes
    bad = [r for r in records if not 0 <= r.label < n_classes]
    if bad:
        raise InputError(f"label {bad[0].label} is outside 0..{n_classes - 1} for task {task!r}", path=bad[0].source, line=bad[0].line)
    data = _from_records(task, records, _default_output_names(task, path), f"{name} ({len(records)} rows)")
    mask, hidden = hidden_mask(len(records), path)
    return data, mask, hidden


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

    Positives in the hidden test region (:func:`hidden_rows`) are dropped from the chosen part after
    the train/dev cut (drawn over all rows, so every other row keeps its part) and before the
    ``max_positives`` subsample; ``dropped`` lists them.
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
    hidden_m, hidden = hidden_mask(len(records), path)
    dropped = _dropped_entry(hidden, [records[i].line for i in chosen[hidden_m[chosen]]])
    chosen = chosen[~hidden_m[chosen]]
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
    n_dropped = next(iter(dropped.values()), {}).get("rows", 0)
    if n_dropped:
        desc += f" ({n_dropped} test-region positives dropped)"
    out = _from_records("tfbs", positives + negatives, [deepbind_output_name(path)], desc)
    out.dropped = dropped
    return out


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
