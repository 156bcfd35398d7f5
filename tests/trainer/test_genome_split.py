"""The hidden test region (chr22 >= 38 Mb) is never read by genome-sampled training."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from genebert_tool.errors import InputError
from trainer.genome_split import DEFAULT_SPLIT, TEST_REGION, GenomeSplit, Interval, check_allowed, in_test_region

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_COORD = re.compile(r"^(?P<chrom>[^:]+):(?P<start>\d+)-(?P<end>\d+)\|")


def test_test_region_boundaries():
    assert TEST_REGION == Interval("chr22", 38_000_000, None)
    assert in_test_region("chr22", 37_999_999, 38_000_000 + 1)
    assert not in_test_region("chr22", 37_999_000, 38_000_000)  # half-open: ends at the cut
    assert in_test_region("chr22", 50_000_000, 50_000_100)
    assert not in_test_region("chr2", 38_000_000, 39_000_000)
    with pytest.raises(InputError, match="hidden test region"):
        check_allowed("chr22", 37_999_950, 38_000_050)


def test_parts_are_disjoint_and_never_test():
    s = DEFAULT_SPLIT
    assert s.part_of("chr22", 20_000_000, 20_000_300) == "train"
    assert s.part_of("chr22", 31_000_000, 31_000_300) == "dev"
    assert s.part_of("chr22", 29_999_900, 30_000_100) is None  # spans train/dev: in no part
    assert s.part_of("chr22", 40_000_000, 40_000_300) == "test"
    assert s.part_of("chr2", 100, 400) == "train"
    record = s.to_json()
    assert record["test_region"] == "chr22:38000000-end" and record["dev_regions"] == ["chr22:30000000-38000000"]


def _windows_of(names):
    for name in names:
        m = _COORD.match(name)
        assert m, name
        yield m["chrom"], int(m["start"]), int(m["end"]), name.split("|")[1]


def _small(settings: dict, **extra) -> dict:
    return {**settings, "n_random": 300, "n_gc": 200, "n_hard": 200, "copies_per_site": 1, **extra}


@pytest.mark.parametrize("recipe", ["finetune_promoter_genome.json"])
def test_shipped_tile_recipe_never_touches_test_region(real_data, recipe):
    """Every train and dev window of the shipped recipe lies in its part; none reaches chr22 >= 38 Mb."""
    from trainer.genome_data import GenomeDataSettings, GenomeParts, _expand, build_genome_data

    cfg = json.loads((EXAMPLES / recipe).read_text())
    settings = GenomeDataSettings(**_small(cfg["genome"]))
    parts = GenomeParts(_expand(settings.fasta), DEFAULT_SPLIT)
    for iv, seq in parts.seq.items():  # sequence itself is read only from the train/dev intervals
        assert not in_test_region(iv.chrom, iv.start, iv.start + len(seq))
    train, dev, record = build_genome_data(cfg["task"], settings, seed=0)
    for part, data in (("train", train), ("dev", dev)):
        for chrom, start, end, _kind in _windows_of(data.names):
            assert not in_test_region(chrom, start, end)
            assert DEFAULT_SPLIT.part_of(chrom, start, end) == part
    assert record["test_region"] == "chr22:38000000-end"
    assert record["train_counts"]["site"] > 1000 and record["dev_counts"]["site"] > 300
    # labels follow the TSS rule: every site window is a positive, random windows are mostly negative
    kinds = np.array([n.split("|")[1] for n in train.names])
    assert (train.labels[kinds == "site"] == 1).all()
    assert (train.labels[kinds == "random"] == 0).mean() > 0.9


@pytest.mark.slow
def test_shipped_tfbs_recipe_never_touches_test_region(real_data):
    from trainer.genome_data import GenomeDataSettings, build_genome_data

    cfg = json.loads((EXAMPLES / "finetune_tfbs_genome.json").read_text())
    train, dev, record = build_genome_data("tfbs", GenomeDataSettings(**_small(cfg["genome"])), seed=0)
    assert "CTCF_K562" in train.output_names and not any("relaxed" in n for n in train.output_names)
    for part, data in (("train", train), ("dev", dev)):
        for chrom, start, end, _ in _windows_of(data.names):
            assert DEFAULT_SPLIT.part_of(chrom, start, end) == part


def test_shipped_splice_recipe_never_touches_test_region(real_data):
    from trainer.genome_data import GenomeDataSettings
    from trainer.splice_token import build_splice_windows

    cfg = json.loads((EXAMPLES / "finetune_splice_genome.json").read_text())
    train, dev, record = build_splice_windows(GenomeDataSettings(**cfg["genome"]), context_bp=200, seed=0,
                                              n_gene=50, n_intergenic=20)
    assert record["train_counts"]["genes"] > 150 and record["dev_counts"]["genes"] > 50
    # in transcript orientation every donor label sits before GT (or GC), every acceptor after AG
    donors = acceptors = good_d = good_a = 0
    for seq, lab in zip(train["seqs"], train["labels"]):
        for j in np.flatnonzero(lab == 1):
            donors += 1
            good_d += seq[200 + j + 1 : 200 + j + 3] in ("GT", "GC")
        for j in np.flatnonzero(lab == 2):
            acceptors += 1
            good_a += seq[200 + j - 2 : 200 + j] == "AG"
    assert donors > 1000 and good_d / donors > 0.97 and good_a / acceptors > 0.97


def test_a_split_reaching_the_test_region_is_refused(real_data):
    from trainer.genome_data import GenomeParts

    bad = GenomeSplit(train=(Interval("chr22", 0, 30_000_000),), dev=(Interval("chr22", 30_000_000, 39_000_000),))
    with pytest.raises(InputError, match="hidden test region"):
        GenomeParts([str(real_data / "genome" / "hg38_chr22.fa.gz")], bad)


def test_per_base_splice_training_runs_and_saves_a_loadable_scanner(real_data, tmp_path):
    """finetune_splice_token end to end on real genes (a few steps of a very small model)."""
    from trainer.finetune import FinetuneConfig, finetune

    cfg = json.loads((EXAMPLES / "finetune_splice_genome.json").read_text())
    cfg["genome"].update(window_bp=300, max_dev_windows=20, dev_scale=0.02)
    ft = FinetuneConfig(**{**cfg, "max_steps": 3, "eval_every": 3, "time_budget_s": None, "batch_size": 4,
                           "model_overrides": {"kmer": 3, "context_bp": 50, "hidden_size": 32, "num_hidden_layers": 1,
                                               "num_attention_heads": 2, "intermediate_size": 64}})
    summary = finetune(ft, [], [], tmp_path / "m")
    assert summary["steps_run"] == 3 and 0.0 <= summary["dev_metrics"]["top_k_donor"] <= 1.0
    from genebert_tool.inference.splice import score_positions

    probs = score_positions(str(tmp_path / "m"), str(real_data / "genome/hg38_chr2_1-2333275.fa.gz"), "chr2",
                            1860000, 1860450, strand="+")
    assert probs.shape == (450, 2) and np.isfinite(probs).all()
    split = json.loads((tmp_path / "m" / "split.json").read_text())
    assert split["test_region"] == "chr22:38000000-end" and (tmp_path / "m" / "SHA256SUMS").is_file()
