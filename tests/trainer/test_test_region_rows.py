"""Rows of the older shared files that lie in the hidden test region (chr22 >= 38 Mb) never reach
training, selection or scoring: the loaders of trainer.datasets, trainer.evaluate's baseline data and
benchmarks/quality.py drop exactly the rows of split/shared_rows_in_chr22_test_region.tsv.

The table's ``row`` is 0-based among a file's data records (header not counted); see
``trainer.datasets.HiddenRows``.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

import trainer.datasets as ds
import trainer.splits as sp
from genebert_tool.errors import InputError
from genebert_tool.genome.sequences import read_labelled

REPO = Path(__file__).resolve().parents[2]
UCI = "splice/uci/splice.data.gz"
GUE_SPLICE = "splice/gue_splice/dev.csv.gz"
TATA = "promoter/gue_prom/prom_core_tata/{}.csv.gz"
MYC = "tfbs/deepbind_encode/MYC_H1-hESC_c-Myc_Stanford_{}.seq.gz"
SERBP1_B = "tfbs/deepbind_encode/SERBP1_H1-hESC_HudsonAlpha_B.seq.gz"
_UCI_CLASS = {0: "N", 1: "EI", 2: "IE"}


def _table(real_data: Path) -> dict[str, dict[int, str]]:
    """file -> {row: label}, read here independently of the code under test."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    with open(real_data / ds.TEST_REGION_TABLE, newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            out[rec["file"]][int(rec["row"])] = rec["label"]
    return out


def _raw_label(rel: str, label: int) -> str:
    return _UCI_CLASS[label] if rel.endswith(".data.gz") else str(label)


def _load(real_data: Path, rel: str) -> ds.TaskData:
    """What a training/evaluation run reads from one file: all of it, hidden rows dropped."""
    path = real_data / rel
    if rel.endswith("_AC.seq.gz"):
        return ds.deepbind_with_negatives(path, part="all")
    task = "splice" if rel.startswith("splice/") else "promoter" if rel.startswith("promoter/") else "tfbs"
    return ds.load_labelled(task, path)


def _check_file(real_data: Path, rel: str, table_rows: dict[int, str]) -> None:
    raw = list(read_labelled(real_data / rel))
    data = _load(real_data, rel)
    entry = data.dropped[rel]
    # the count per file is the table's, and the dropped rows are the table's rows
    assert entry["rows"] == entry["table_rows"] == len(table_rows), rel
    by_line = {r.line: (i, r) for i, r in enumerate(raw)}
    dropped_rows = {by_line[line][0] for line in entry["lines"]}
    assert dropped_rows == set(table_rows), rel
    # each dropped row's own label is the table's label for it
    for line in entry["lines"]:
        i, r = by_line[line]
        assert _raw_label(rel, r.label) == table_rows[i], (rel, i)
    # nothing else was dropped, and no kept sequence is a table row's sequence
    n_pos = int((data.labels == 1).sum()) if rel.endswith("_AC.seq.gz") else len(data)
    assert n_pos == len(raw) - len(table_rows), rel
    hidden_seqs = {raw[i].sequence for i in table_rows}
    assert not hidden_seqs & set(data.sequences), rel


def _sequence_files(real_data: Path) -> list[str]:
    """The sequence files of the table (not the JUND intervals or the ClinVar variants)."""
    return sorted(f for f in _table(real_data)
                  if not f.startswith("variants/") and f.endswith((".csv.gz", ".seq.gz", ".data.gz", "dev.tsv.gz")))


# ------------------------------------------------------------------ every file of the table
@pytest.mark.slow
def test_every_sequence_file_drops_exactly_the_tables_rows(real_data: Path):
    table = _table(real_data)
    files = _sequence_files(real_data)
    assert len(files) == 68  # GUE prom 6, GUE tf 10, GUE splice 1, UCI 1, DNABERT 1, DeepBind 25 _AC + 24 _B
    for rel in files:
        _check_file(real_data, rel, table[rel])


def test_table_covers_the_file_kinds_we_load(real_data: Path):
    """Each kind of sequence file the loaders read is in the table, with the documented reason."""
    table = _table(real_data)
    kinds = {f.split("/")[0] + "/" + f.split("/")[1] for f in _sequence_files(real_data)}
    assert kinds == {"promoter/gue_prom", "splice/gue_splice", "splice/uci", "tfbs/deepbind_encode",
                     "tfbs/dnabert_sample", "tfbs/gue_tf"}
    assert sum(len(table[f]) for f in _sequence_files(real_data)) == 6577  # SOURCES.md section 8k


@pytest.mark.parametrize("rel", [UCI, GUE_SPLICE, TATA.format("dev"), TATA.format("train"), MYC.format("B"),
                                 MYC.format("AC"), SERBP1_B, "tfbs/dnabert_sample/dev.tsv.gz", "tfbs/gue_tf/0/dev.csv.gz"])
def test_one_file_of_each_kind_drops_exactly_the_tables_rows(real_data: Path, rel: str):
    _check_file(real_data, rel, _table(real_data)[rel])


def test_row_convention_is_zero_based_data_rows(real_data: Path):
    """Row r of the table is the (r+1)-th data record; the 1-based reading disagrees with the labels."""
    table = _table(real_data)[GUE_SPLICE]
    raw = list(read_labelled(real_data / GUE_SPLICE))
    assert 0 in _table(real_data)["tfbs/dnabert_sample/dev.tsv.gz"]  # a row 0 exists: not 1-based
    assert all(str(raw[r].label) == lab for r, lab in table.items())
    assert sum(str(raw[r - 1].label) == lab for r, lab in table.items()) < len(table)
    assert all(raw[r].line == r + 2 for r in table)  # header on line 1


# ------------------------------------------------------------------ training, selection, evaluation
def test_finetune_data_and_split_record_leave_out_the_hidden_rows(real_data: Path):
    uci = real_data / UCI
    table = _table(real_data)[UCI]
    raw = list(read_labelled(uci))
    hidden_lines = {raw[r].line for r in table}
    tr, dv, rec = sp.load_finetune_data("splice", [uci])
    assert not hidden_lines & set(tr.lines + dv.lines)
    assert not hidden_lines & {line for part in rec["lines"].values() for line in part}
    entry = rec["test_region"]["files"][UCI]
    assert entry["rows"] == sum(entry["by_part"].values()) == len(table) == 10
    assert entry["reasons"] == {"exact_sequence_in_hg38_chr22>=38000000": 10}
    assert rec["test_region"]["region"] == "chr22:38000000-end"
    # the split is drawn over all rows first: every other row keeps the part it had before the rule
    before = sp.split_stratified(np.array([r.label for r in raw]), seed=0, fractions=(0.8, 0.1, 0.1))
    for part, idx in zip(("train", "dev", "test"), before):
        assert rec["lines"][part] == [raw[i].line for i in idx if raw[i].line not in hidden_lines]
        assert entry["by_part"][part] == sum(raw[i].line in hidden_lines for i in idx)


def test_deepbind_training_parts_and_multitask(real_data: Path):
    table = _table(real_data)
    ac = [real_data / MYC.format("AC"), real_data / "tfbs/deepbind_encode/SRF_H1-hESC_SRF_HudsonAlpha_AC.seq.gz"]
    tr, dv, rec = sp.load_finetune_data("tfbs", ac)
    for path in ac:
        rel = ds.shared_file_key(path)
        raw = list(read_labelled(path))
        hidden = {raw[r].sequence for r in table[rel]}
        assert not hidden & set(tr.sequences + dv.sequences)
        entry = rec["test_region"]["files"][rel]
        assert entry["rows"] == entry["by_part"]["train"] + entry["by_part"]["dev"] == len(table[rel])
    # dev positives are the same cut as before the rule, less the hidden ones
    dev = ds.deepbind_with_negatives(ac[0], part="dev")
    n_dev_hidden = dev.dropped[MYC.format("AC")]["rows"]
    assert dev.class_counts() == {0: 405 - n_dev_hidden, 1: 405 - n_dev_hidden}
    train = ds.deepbind_with_negatives(ac[0], part="train")
    assert train.class_counts()[1] == 4051 - 405 - (len(table[MYC.format("AC")]) - n_dev_hidden)
    # the max_positives subsample is drawn after the drop, so it is full
    assert ds.deepbind_with_negatives(ac[0], part="train", max_positives=3000).class_counts() == {0: 3000, 1: 3000}


def test_explicit_dev_files_are_filtered_too(real_data: Path):
    tr, dv, rec = sp.load_finetune_data("promoter", [real_data / TATA.format("train")], [real_data / TATA.format("dev")])
    assert len(tr) == 4904 - 37 and len(dv) == 613 - 3
    assert rec["test_region"]["files"][TATA.format("dev")]["by_part"] == {"dev": 3}
    assert rec["test_region"]["rows"] == 40


def test_evaluation_split_from_an_older_record_skips_hidden_lines(real_data: Path):
    """A split.json written before the rule (the shipped 0.2.0 models) may name hidden rows."""
    raw = list(read_labelled(real_data / UCI))
    parts = sp.split_stratified(np.array([r.label for r in raw]), seed=0, fractions=(0.8, 0.1, 0.1))
    old = {"task": "splice", "train_files": [str(real_data / UCI)], "kind": "stratified_train_dev_test",
           "lines": {k: [raw[i].line for i in p] for k, p in zip(("train", "dev", "test"), parts)}}
    test = sp.select_split(ds.load_labelled("splice", real_data / UCI), old, "test")
    assert len(test) == 319 - 2 and test.dropped[UCI]["rows"] == 2
    assert ds.test_region_counts([test])["rows"] == 2

    from trainer.evaluate import baseline_training_data

    base = baseline_training_data("splice", [str(real_data / UCI)], old, {})[""]
    hidden = {raw[r].line for r in _table(real_data)[UCI]}
    assert len(base) == 2552 - 8 and not hidden & set(base.lines)


def test_quality_benchmark_drops_hidden_rows(real_data: Path):
    spec = importlib.util.spec_from_file_location("quality_bench_tr", REPO / "benchmarks" / "quality.py")
    q = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(q)
    test, hidden_lines = q._splice_test_rows(real_data, 0)
    assert len(test) == 317 and len(hidden_lines) == 10 and not hidden_lines & {r.line for r in test}
    dropped: list = []
    kept = q._allowed(list(read_labelled(real_data / MYC.format("B"))), real_data / MYC.format("B"), dropped)
    assert len(kept) == 1000 - 4 and q._test_region_counts(dropped)["files"][MYC.format("B")]["rows"] == 4


# ------------------------------------------------------------------ where the rule applies
def test_files_outside_the_data_dir_are_not_filtered(tmp_path: Path):
    f = tmp_path / "x.csv"
    f.write_text("sequence,label\nACGTACGT,1\nTTTTACGA,0\n")
    d = ds.load_labelled("promoter", f)
    assert len(d) == 2 and d.dropped == {} and ds.hidden_rows(f) is None


def test_data_dir_without_the_table_is_an_error(tmp_path: Path, monkeypatch):
    (tmp_path / "promoter").mkdir()
    f = tmp_path / "promoter" / "x.csv"
    f.write_text("sequence,label\nACGTACGT,1\n")
    monkeypatch.setenv("GENEBERT_DATA", str(tmp_path))
    with pytest.raises(InputError, match="hidden-test-region rows"):
        ds.load_labelled("promoter", f)


def test_table_row_beyond_the_file_is_an_error(tmp_path: Path, monkeypatch):
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "shared_rows_in_chr22_test_region.tsv").write_text(
        "file\trow\tlabel\treason\nx.csv\t0\t1\tr\nx.csv\t5\t1\tr\n")
    f = tmp_path / "x.csv"
    f.write_text("sequence,label\nACGTACGT,1\nTTTTACGA,0\n")
    monkeypatch.setenv("GENEBERT_DATA", str(tmp_path))
    with pytest.raises(InputError, match="names row 5"):
        ds.load_labelled("promoter", f)
    (tmp_path / "split" / "shared_rows_in_chr22_test_region.tsv").write_text(
        "file\trow\tlabel\treason\nx.csv\t0\t1\tr\n")
    d = ds.load_labelled("promoter", f)
    assert d.sequences == ["TTTTACGA"] and ds.dropped_summary(d.dropped) == {
        "x.csv": {"rows": 1, "table_rows": 1, "reasons": {"r": 1}}}


def test_missing_data_dir_fails_under_ci(tmp_path: Path):
    env = {**os.environ, "CI": "true", "GENEBERT_DATA": str(tmp_path / "missing")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
                           "-k", "test_row_convention_is_zero_based_data_rows"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "missing under CI" in proc.stdout + proc.stderr
