"""Pure parts of benchmarks/splice_vs_spliceai.py and its SpliceAI child (no venv, no TensorFlow)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from genebert_tool.genome.annotation import Transcript

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load("splice_vs_spliceai_bench", "splice_vs_spliceai.py")


@pytest.fixture(scope="module")
def child():
    return _load("spliceai_child_bench", "_spliceai_child.py")


# exons [100, 110), [150, 160), [200, 210) on chr22 (well inside the dev region's shape, offsets small)
EXONS = ((100, 110), (150, 160), (200, 210))


def _tx(strand: str) -> Transcript:
    return Transcript("chr22", 100, 210, "TOY|x", strand, EXONS)


def test_labels_plus_strand(bench):
    t = bench.transcript_target(_tx("+"), "toy")
    assert (t.name, t.donors, t.acceptors) == ("TOY", (109, 159), (150, 200))
    y = t.labels()
    assert y.shape == (110,) and y.dtype == np.int8
    assert sorted(np.flatnonzero(y == 1) + 100) == [109, 159]
    assert sorted(np.flatnonzero(y == 2) + 100) == [150, 200]
    assert (y != 0).sum() == 4


def test_labels_minus_strand_swap_sides(bench):
    t = bench.transcript_target(_tx("-"), "toy")
    # transcript orientation runs right to left: the donor is the first base right of the intron
    assert t.donors == (150, 200) and t.acceptors == (109, 159)


def test_target_keeps_only_sites_inside_its_interval(bench):
    t = bench.transcript_target(_tx("+"), "toy", start=140, end=205)
    assert t.donors == (159,) and t.acceptors == (150, 200)
    assert len(t.labels()) == 65


def test_label_vector_rejects_sites_outside(bench):
    with pytest.raises(ValueError, match="outside"):
        bench.label_vector(10, 20, [25], [])


def test_reverse_complement_maps_back(bench):
    genome = "ACGTTGCAAN"
    rc = bench.reverse_complement(genome)
    assert rc == "NTTGCAACGT"
    # a tool scoring the reverse complement gives row i to genome base len - 1 - i
    scores_rc = np.stack([np.arange(10), 100 + np.arange(10)], axis=1).astype(np.float32)
    back = bench.to_genome_orientation(scores_rc, "-")
    assert back[0].tolist() == [9, 109] and back[9].tolist() == [0, 100]
    assert bench.to_genome_orientation(scores_rc, "+") is scores_rc
    # an A in the genome is a T on the reverse strand at the mirrored row
    assert all(bench.reverse_complement(rc)[i] == genome[i] for i in range(10))
    with pytest.raises(ValueError):
        bench.to_genome_orientation(scores_rc, ".")


def test_top_k_on_toy_array(bench):
    y = np.array([0, 1, 0, 2, 0, 1, 0, 2])
    probs = np.zeros((8, 2), np.float32)
    probs[[1, 2], 0] = [0.9, 0.8]  # donors ranked: true site 1, then false base 2; true site 5 scores 0
    probs[[3, 7], 1] = [0.7, 0.6]  # both acceptors on top
    m = bench.tool_metrics(y, probs)
    assert m["donor"]["n_sites"] == 2 and m["donor"]["top_k"] == 0.5 and m["donor"]["top_k_hits"] == 1
    assert m["acceptor"]["top_k"] == 1.0 and m["acceptor"]["auprc"] == pytest.approx(1.0)
    assert m["donor"]["n_above_0.5"] == 2


def test_test_region_is_refused(bench):
    bench.check_outside_test_region("chr22", 37_990_000, 38_000_000)
    bench.check_outside_test_region("chr2", 39_000_000, 40_000_000)
    for chrom in ("chr22", "22"):
        with pytest.raises(ValueError, match="hidden test region"):
            bench.check_outside_test_region(chrom, 37_999_000, 38_000_001)


def test_dev_gene_selection_keeps_margin(bench):
    def tx(name, start, end):
        return Transcript("chr22", start, end, name, "+", ((start, start + 10), (end - 10, end)))

    txs = [tx("EARLY", 29_999_000, 30_010_000), tx("A", 30_100_000, 30_110_000), tx("B", 31_000_000, 31_020_000),
           tx("EDGE", 37_990_000, 37_997_000), tx("LATE", 38_000_100, 38_010_000)]
    picked = bench.select_dev_genes(txs, n=10, max_bases=10**9, max_gene_bp=10**6, margin=5_000)
    assert [t.name for t in picked] == ["A", "B"]
    assert [t.name for t in bench.select_dev_genes(txs, n=10, max_bases=15_000, max_gene_bp=10**6,
                                                   margin=5_000)] == ["A"]
    with pytest.raises(ValueError, match="LATE"):
        bench.select_dev_genes(txs, n=1, max_bases=1, max_gene_bp=1, margin=5_000, names=["LATE"])


def test_child_one_hot_and_blocks(child):
    x = child.one_hot("ACGTNa")
    assert x.shape == (6, 4)
    assert x.argmax(1)[:4].tolist() == [0, 1, 2, 3] and x[4].sum() == 0 and x[5].tolist() == [1, 0, 0, 0]
    seq = "A" * 4 + "C" * 7 + "G" * 4  # 4 bp flank each side, 7 core bases
    b = child.blocks(seq, context=8, chunk=5)  # 2 blocks of 4 scored bases, not 2 of 5
    assert [len(s) for s in b] == [12, 12]
    assert b[0] == seq[:12] and b[1] == seq[4:] + "N"
    assert child.blocks(seq, context=8, chunk=100) == [seq]
