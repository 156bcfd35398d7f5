"""How fine-tuning data is split, and how a recorded split is found again.

* :func:`split_stratified` -- the deterministic stratified split (per class, seeded);
* :func:`load_finetune_data` -- ``genebert finetune``'s (train, dev, split record): DeepBind ``_AC``
  held-out parts, UCI splice train/dev/test, any other file train/dev, or the ``--dev`` files;
  DeepBind ``_B`` test folds are refused (``trainer.datasets`` states the rules);
* :func:`file_split_record` and :func:`select_split` -- ``evaluate --split dev|test`` (and the
  baselines' training rows) read a model's ``split.json`` back, matched by source line.

Seeded splits are drawn over *all* rows of a file and hidden-test-region rows removed from each
part afterwards (``trainer.datasets.hidden_rows``), so every other row keeps its part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from trainer.datasets import (
    HiddenRows,
    TaskData,
    _basename,
    _dropped_entry,
    _load_all_rows,
    _test_region_record,
    concat,
    deepbind_with_negatives,
    is_deepbind,
    is_deepbind_test_fold,
    load_labelled,
    multitask_deepbind,
)

__all__ = ["DataSettings", "file_split_record", "load_finetune_data", "select_split", "split_stratified"]


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

    Rows in the hidden test region are in no part (:func:`hidden_rows`); seeded splits are drawn
    over all rows first, so the other rows keep the parts they had before the rule. The record's
    ``test_region`` says how many were dropped per file and part, and why (the table's reasons).
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
                      negatives="one Altschul-Erickson dinucleotide shuffle per positive",
                      test_region=_test_region_record(train, [("train", tr.dropped), ("dev", dv.dropped)]))
        return tr, dv, record
    if any(is_deepbind(p) for p in train):
        raise InputError("do not mix DeepBind files with other formats in one training run")

    if dev:
        full = concat([load_labelled(task, p) for p in train], description=" + ".join(_basename(p) for p in train))
        dv = concat([load_labelled(task, p) for p in dev], description=" + ".join(_basename(p) for p in dev))
        record.update(kind="files", test_region=_test_region_record(train + dev, [("train", full.dropped),
                                                                                  ("dev", dv.dropped)]))
        return full, dv, record
    # no --dev: each file is split on its own (UCI splice: train/dev/test; others: train/dev), so a
    # file's held-out rows stay held out whatever it is trained with
    parts, dropped_parts = [], []
    for path in train:
        full, hidden_m, hidden = _load_all_rows(task, path)
        tr_i, dv_i, file_record, dropped = _split_file(full, path, s, hidden_m, hidden)
        n_hidden = int(hidden_m.sum())
        note = f"; {n_hidden} test-region rows dropped" if n_hidden else ""
        tr = full.subset(tr_i, description=f"{full.description} [train part, seed {s.seed}{note}]")
        dv = full.subset(dv_i, description=f"{full.description} [dev part, seed {s.seed}{note}]")
        tr.dropped, dv.dropped = dropped.get("train", {}), dropped.get("dev", {})
        parts.append((tr, dv))
        dropped_parts += list(dropped.items())
        if len(train) == 1:
            record.update(file_record)
        else:
            record.setdefault("per_file", {})[path] = file_record
    if len(train) > 1:
        record["kind"] = "per_file"
    record["test_region"] = _test_region_record(train, dropped_parts)
    if len(parts) == 1:
        return parts[0][0], parts[0][1], record
    return (
        concat([p[0] for p in parts], description=" + ".join(p[0].description for p in parts)),
        concat([p[1] for p in parts], description=" + ".join(p[1].description for p in parts)),
        record,
    )


def _split_file(
    full: TaskData, path: str, s: DataSettings, hidden_m: np.ndarray | None = None, hidden: HiddenRows | None = None
) -> tuple[np.ndarray, np.ndarray, dict, dict[str, dict]]:
    """(train rows, dev rows, split record, {part: dropped}) of one labelled file: UCI splice gets a
    stratified train/dev/test split (the test lines are recorded, never returned), any other file
    train/dev. The split is drawn over every row of ``full``; rows where ``hidden_m`` (n,) is True
    (the hidden test region) are then removed from each part and from its recorded lines."""
    hidden_m = np.zeros(len(full), dtype=bool) if hidden_m is None else hidden_m
    dropped: dict[str, dict] = {}

    def keep(part: str, idx: np.ndarray) -> np.ndarray:
        dropped[part] = _dropped_entry(hidden, [full.lines[i] for i in idx[hidden_m[idx]]])
        return idx[~hidden_m[idx]]

    if _basename(path).removesuffix(".gz").endswith(".data"):
        fr = (1 - s.dev_fraction - s.test_fraction, s.dev_fraction, s.test_fraction)
        tr_i, dv_i, te_i = (keep(k, v) for k, v in zip(("train", "dev", "test"),
                                                        split_stratified(full.labels, seed=s.seed, fractions=fr)))
        lines = {k: [full.lines[i] for i in v] for k, v in (("train", tr_i), ("dev", dv_i), ("test", te_i))}
        return tr_i, dv_i, {"kind": "stratified_train_dev_test", "fractions": list(fr), "lines": lines}, dropped
    fr = (1 - s.dev_fraction, s.dev_fraction)
    tr_i, dv_i = (keep(k, v) for k, v in zip(("train", "dev"), split_stratified(full.labels, seed=s.seed, fractions=fr)))
    return (tr_i, dv_i, {"kind": "stratified_train_dev", "fractions": list(fr), "lines": {"dev": [full.lines[i] for i in dv_i]}},
            dropped)


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

    ``part == "all"`` returns ``data`` unchanged. Rows are matched by (1-based) source line. Lines
    that ``data`` dropped as hidden-test-region rows are not looked for (a record made before the
    rule may name them); the result's ``dropped`` counts those of this part.
    """
    if part == "all":
        return data
    if split_record and split_record.get("kind") == "per_file":
        split_record = file_split_record(split_record, data.sources[0] if data.sources else "")
    if not split_record or "lines" not in split_record or part not in split_record["lines"]:
        raise InputError(f"the model records no {part!r} split for this data (use --split all)")
    wanted = set(split_record["lines"][part])
    dropped = {key: {**e, "lines": sorted(wanted & set(e["lines"]))} for key, e in data.dropped.items()}
    for e in dropped.values():
        e["rows"] = len(e["lines"])
    wanted -= {line for e in dropped.values() for line in e["lines"]}
    idx = [i for i, line in enumerate(data.lines) if line in wanted]
    if len(idx) != len(wanted):
        raise InputError(
            f"the {part!r} split names {len(wanted)} lines but only {len(idx)} were found: not the file the model was trained on?"
        )
    out = data.subset(idx, description=f"{data.description} [{part} part of the recorded split]")
    out.dropped = dropped
    return out
