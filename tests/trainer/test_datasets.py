"""trainer.datasets on the real shared files: counts, labels, negatives, splits, refusals."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from genebert_tool.errors import InputError
from trainer.datasets import deepbind_output_name, deepbind_with_negatives, load_labelled, multitask_deepbind
from trainer.splits import DataSettings, load_finetune_data, select_split, split_stratified
from trainer.shuffle import dinucleotide_counts

CTCFL = "tfbs/deepbind_encode/CTCFL_K562_CTCFL_(SC-98982)_HudsonAlpha_{}.seq.gz"
MYC = "tfbs/deepbind_encode/MYC_H1-hESC_c-Myc_Stanford_{}.seq.gz"


def test_gue_promoter_counts(real_data: Path):
    d = load_labelled("promoter", real_data / "promoter/gue_prom/prom_core_tata/train.csv.gz")
    assert len(d) == 4904 - 37  # 37 rows lie in the hidden test region (split table)
    assert d.class_counts() == {0: 2455 - 22, 1: 2449 - 15}
    assert {len(s) for s in d.sequences} == {70}
    assert d.output_names == ["promoter"]


def test_uci_splice_labels_and_split(real_data: Path):
    path = real_data / "splice/uci/splice.data.gz"
    full = load_labelled("splice", path)
    assert len(full) == 3190 - 10  # 10 N rows lie in the hidden test region (split table)
    assert full.class_counts() == {0: 1655 - 10, 1: 767, 2: 768}  # N, EI (donor), IE (acceptor)
    donors = [s for s, y in zip(full.sequences, full.labels) if y == 1]
    assert sum(s[30:32] == "GT" for s in donors) == 759  # SOURCES.md's check of the EI = donor mapping

    tr, dv, rec = load_finetune_data("splice", [path], settings=DataSettings(seed=0))
    parts = rec["lines"]
    assert len(parts["train"]) + len(parts["dev"]) + len(parts["test"]) == 3190 - 10
    assert not set(parts["train"]) & set(parts["test"]) and not set(parts["dev"]) & set(parts["test"])
    assert len(tr) == len(parts["train"]) and len(dv) == len(parts["dev"])
    # stratified over all 3190 rows (the hidden ones are dropped after the cut): each class keeps its
    # share in dev within one example
    for cls, count in {0: 1655, 1: 767, 2: 768}.items():
        assert abs(dv.class_counts()[cls] - 0.1 * count) <= 1
    # deterministic by seed, different for another seed
    _, _, rec2 = load_finetune_data("splice", [path], settings=DataSettings(seed=0))
    _, _, rec3 = load_finetune_data("splice", [path], settings=DataSettings(seed=1))
    assert rec2["lines"] == parts and rec3["lines"]["test"] != parts["test"]
    test = select_split(full, rec, "test")
    assert len(test) == len(parts["test"])


def test_gue_splice_labels_remapped(real_data: Path):
    d = load_labelled("splice", real_data / "splice/gue_splice/dev.csv.gz")
    assert d.class_counts() == {0: 2574 - 20, 1: 987 - 7, 2: 1001 - 7}  # less the 34 test-region rows
    donor_gt = np.mean([s[200:202] == "GT" for s, y in zip(d.sequences, d.labels) if y == 1])
    acceptor_ag = np.mean([s[198:200] == "AG" for s, y in zip(d.sequences, d.labels) if y == 2])
    assert donor_gt > 0.95 and acceptor_ag > 0.95


def test_deepbind_b_fold_as_is(real_data: Path):
    d = load_labelled("tfbs", real_data / CTCFL.format("B"))
    assert len(d) == 1000 - 2 and d.class_counts() == {0: 500, 1: 500 - 2}  # 2 positives in the test region
    assert d.output_names == ["CTCFL_K562"]


def test_deepbind_ac_negatives_are_dinucleotide_shuffles(real_data: Path):
    path = real_data / MYC.format("AC")
    train = deepbind_with_negatives(path, part="train", seed=0, dev_fraction=0.1)
    dev = deepbind_with_negatives(path, part="dev", seed=0, dev_fraction=0.1)
    n_pos = 4051 - 44  # 44 positives lie in the hidden test region (8 of them in the dev cut)
    assert train.class_counts()[1] + dev.class_counts()[1] == n_pos
    assert dev.class_counts() == {0: round(0.1 * 4051) - 8, 1: round(0.1 * 4051) - 8}
    # train and dev positives are disjoint, and every negative is a shuffle of a positive in the same part
    assert not {n for n, y in zip(train.names, train.labels) if y == 1} & {n for n, y in zip(dev.names, dev.labels) if y == 1}
    k = dev.class_counts()[1]
    for pos, neg in zip(dev.sequences[:k], dev.sequences[k:]):
        assert dinucleotide_counts(neg) == dinucleotide_counts(pos)
    assert sum(p != n for p, n in zip(dev.sequences[:k], dev.sequences[k:])) == k
    again = deepbind_with_negatives(path, part="dev", seed=0, dev_fraction=0.1)
    assert again.sequences == dev.sequences  # deterministic
    sub = deepbind_with_negatives(path, part="train", seed=0, max_positives=100)
    assert sub.class_counts() == {0: 100, 1: 100}


def test_multitask_labels(real_data: Path):
    paths = [real_data / CTCFL.format("AC"), real_data / MYC.format("AC")]
    d = multitask_deepbind(paths, part="dev", seed=0, max_positives=50)
    assert d.output_names == ["CTCFL_K562", "MYC_H1-hESC"]
    assert d.labels.shape == (200, 2)
    rows_ctcfl = d.labels[:, 0] != -100
    assert rows_ctcfl.sum() == 100 and (d.labels[rows_ctcfl, 1] == -100).all()
    assert Counter(d.labels[rows_ctcfl, 0].tolist()) == {0: 50, 1: 50}


def test_test_folds_refused_for_training(real_data: Path):
    b = real_data / CTCFL.format("B")
    with pytest.raises(InputError, match="test fold"):
        load_finetune_data("tfbs", [b])
    with pytest.raises(InputError, match="test fold"):
        load_finetune_data("tfbs", [real_data / CTCFL.format("AC")], [b])
    with pytest.raises(InputError, match="test fold"):
        deepbind_with_negatives(b)


def test_output_name_from_file_name():
    assert deepbind_output_name("x/GATA3_SH-SY5Y_GATA3_(SC-269)_USC_AC.seq.gz") == "GATA3_SH-SY5Y"
    assert deepbind_output_name("SERBP1_H1-hESC_HudsonAlpha_B.seq.gz") == "SERBP1_H1-hESC"


def test_split_stratified_partition():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 20)
    parts = split_stratified(labels, seed=3, fractions=(0.8, 0.1, 0.1))
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(100))
    assert Counter(labels[parts[1]].tolist()) == {0: 5, 1: 3, 2: 2}


def test_several_files_are_split_each_on_its_own(tmp_path):
    """UCI keeps its train/dev/test split (test never returned) when trained together with a GUE file;
    select_split finds each file's own part of a per-file record."""
    from trainer.datasets import load_labelled
    from trainer.splits import file_split_record, load_finetune_data, select_split

    rng = np.random.default_rng(0)
    uci = tmp_path / "splice.data"
    with open(uci, "w") as fh:
        for i in range(60):
            cls = ("EI", "IE", "N")[i % 3]
            fh.write(f"{cls}, SEQ{i}, {''.join(rng.choice(list('ACGT'), 60))}\n")
    gue = tmp_path / "gue.csv"
    with open(gue, "w") as fh:
        fh.write("sequence,label\n")
        for i in range(40):
            fh.write(f"{''.join(rng.choice(list('ACGT'), 100))},{i % 3}\n")
    train, dev, record = load_finetune_data("splice", [str(uci), str(gue)])
    assert record["kind"] == "per_file"
    uci_rec = file_split_record(record, uci)
    gue_rec = file_split_record(record, gue)
    assert uci_rec["kind"] == "stratified_train_dev_test" and gue_rec["kind"] == "stratified_train_dev"
    test_lines = set(uci_rec["lines"]["test"])
    assert len(test_lines) == 6
    used = {(src, line) for src, line in zip(train.sources + dev.sources, train.lines + dev.lines)}
    assert not any((str(uci), line) in used for line in test_lines)
    assert len(train) + len(dev) == 60 - 6 + 40
    test_part = select_split(load_labelled("splice", str(uci)), record, "test")
    assert sorted(test_part.lines) == sorted(test_lines)
    assert len(select_split(load_labelled("splice", str(gue)), record, "dev")) == len(gue_rec["lines"]["dev"])
