"""``benchmarks/risk_clinvar.py`` and ``benchmarks/spliceai_clinvar.py``: annotation features, same
folds for every method, and SpliceAI's variant scoring (windows, strands, indel re-alignment, the
shared REF tracks) against a direct re-implementation with a fake local "network"."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import spliceai_clinvar as sa
from benchmarks.risk_clinvar import _split_key, alleles, evaluate_methods
from genebert_tool.genome.annotation import Transcript
from trainer.risk import outer_folds


def _bed12(path, rows):
    lines = []
    for chrom, strand, exons in rows:
        start, end = exons[0][0], exons[-1][1]
        sizes = ",".join(str(b - a) for a, b in exons)
        starts = ",".join(str(a - start) for a, _ in exons)
        lines.append(f"{chrom}\t{start}\t{end}\ttx\t0\t{strand}\t{start}\t{end}\t0\t{len(exons)}\t{sizes}\t{starts}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_benchmark_uses_the_classifiers_annotation_definition(tmp_path):
    """No copy of the distance / class rule in the benchmark: its keys go through the library's own
    ``annotate_variants`` (the unit tests of the rule are in test_gene_annotation / test_risk_annotation)."""
    from genebert_tool.annotate.risk_annotation import annotate_variants
    from genebert_tool.genome.gene_annotation import read_gene_annotation

    bed = _bed12(tmp_path / "t.bed", [("chr1", "+", [(100, 200), (300, 400), (500, 600)])])
    ann = annotate_variants(read_gene_annotation(bed), alleles(["chr1:200 A>G", "chr1:200 AT>A", "chr1:251 C>T"]))
    # 1-based 200 = 0-based 199 (the donor); the deletion's change starts after its padding base
    assert ann.splice_distance.tolist() == [0, 1, 50]
    assert ann.not_snv.tolist() == [0, 1, 0] and ann.in_exon.tolist() == [1, 0, 0]
    assert _split_key("chr22:17085084 G>C") == ("chr22", 17085084, "G", "C")
    import benchmarks.risk_clinvar as bench

    assert not hasattr(bench, "SpliceSiteIndex") and not hasattr(bench, "annotation_features")


def test_every_method_gets_the_same_outer_folds():
    rng = np.random.default_rng(0)
    y = np.array([1] * 30 + [0] * 90)
    folds = outer_folds(y, folds=5, seed=0)
    assert sorted(np.bincount(folds)) == [24] * 5 and all((y[folds == k] == 1).sum() == 6 for k in range(5))
    assert np.array_equal(folds, outer_folds(rng.permutation(120) * 0 + y, folds=5, seed=0))
    signal = y + rng.normal(scale=0.7, size=120)
    res, oofs = evaluate_methods({"signal": (signal[:, None], signal), "noise": (rng.normal(size=(120, 1)), None)},
                                 y, folds, folds=5, seed=0)
    assert res["signal"]["auroc"] > 0.8 and abs(res["noise"]["auroc"] - 0.5) < 0.2
    assert res["signal"]["raw"]["auroc"] > 0.8 and "raw" not in res["noise"]
    lo, hi = res["signal"]["auroc_95ci"]
    assert lo < res["signal"]["auroc"] < hi and not np.isnan(oofs["noise"]).any()


# ---------------------------------------------------------------------------------- SpliceAI
def _fake_child(seqs, *, python=None, threads=1, chunk=40_000):
    """A local, fully convolutional stand-in: per core base (donor, acceptor) from the 7 bases around it
    in the sequence's own orientation (donor ~ G count, acceptor ~ A count, so strands differ)."""
    outs = []
    for s in seqs:
        core = len(s) - sa.CONTEXT
        arr = np.frombuffer(s.encode(), dtype=np.uint8)
        g = np.convolve(arr == ord("G"), np.ones(7), "same")[sa.CONTEXT // 2: sa.CONTEXT // 2 + core]
        a = np.convolve(arr == ord("A"), np.ones(7), "same")[sa.CONTEXT // 2: sa.CONTEXT // 2 + core]
        outs.append(np.stack([g, a], axis=1) / 7.0)
    return outs, {"score_s": 1.0, "score_cpu_s": 1.0}


def _direct(seq: str, tx, pos1: int, ref: str, alt: str) -> float:
    """``spliceai.utils.get_delta_scores`` for one transcript, written out directly with the fake model."""
    wid, cov = sa.WID, sa.COV
    window = seq[pos1 - wid // 2 - 1: pos1 + wid // 2]
    pad = [max(wid // 2 + tx.start + 1 - pos1, 0), max(wid // 2 - tx.end + pos1, 0)]
    x_ref = "N" * pad[0] + window[pad[0]: wid - pad[1]] + "N" * pad[1]
    x_alt = x_ref[: wid // 2] + alt + x_ref[wid // 2 + len(ref):]
    if tx.strand == "-":
        x_ref, x_alt = sa.revcomp(x_ref), sa.revcomp(x_alt)
    (y_ref, y_alt), _ = _fake_child([x_ref, x_alt])
    if tx.strand == "-":
        y_ref, y_alt = y_ref[::-1], y_alt[::-1]
    ref_len, alt_len = len(ref), len(alt)
    if ref_len > 1 and alt_len == 1:
        y_alt = np.concatenate([y_alt[: cov // 2 + alt_len], np.zeros((ref_len - alt_len, 2)), y_alt[cov // 2 + alt_len:]])
    elif ref_len == 1 and alt_len > 1:
        y_alt = np.concatenate([y_alt[: cov // 2], y_alt[cov // 2: cov // 2 + alt_len].max(0)[None],
                                y_alt[cov // 2 + alt_len:]])
    return float(max((y_alt - y_ref).max(), (y_ref - y_alt).max()))


def test_spliceai_variant_scores_match_a_direct_implementation(monkeypatch):
    rng = np.random.default_rng(5)
    seq = "".join(rng.choice(list("ACGT"), 60_000))
    # a + gene, a - gene overlapping it, and one whose end is near a variant (N padding, own REF window)
    txs = [Transcript("chr1", 8_000, 40_000, "p", "+", ((8_000, 40_000),)),
           Transcript("chr1", 20_000, 52_000, "m", "-", ((20_000, 52_000),)),
           Transcript("chr1", 30_000, 31_000, "short", "+", ((30_000, 31_000),))]
    variants = []
    for pos1 in (9_000, 9_030, 12_000, 25_000, 30_500, 45_000, 45_070):
        ref = seq[pos1 - 1]
        variants.append(("chr1", pos1, ref, "G" if ref != "G" else "A"))
    variants.append(("chr1", 26_000, seq[25_999:26_004], seq[25_999]))  # 4-base deletion
    variants.append(("chr1", 26_500, seq[26_499], seq[26_499] + "TTG"))  # insertion
    variants.append(("chr1", 27_000, seq[26_999:27_001], "GC" if seq[26_999:27_001] != "GC" else "AT"))  # MNV
    variants.append(("chr1", 2_000, seq[1_999], "N" if seq[1_999] != "N" else "A"))  # in no transcript

    monkeypatch.setattr(sa, "run_child", _fake_child)
    scores, why_not, _ = sa.spliceai_scores(variants, {"chr1": _Seq(seq)}, txs, python=None, threads=1)
    for (chrom, pos1, ref, alt), got, why in zip(variants, scores, why_not):
        hits = sa.transcripts_at(txs, chrom, pos1)
        if why:
            assert got == 0.0
            continue
        want = max(_direct(seq, t, pos1, ref, alt) for t in hits)
        assert got == pytest.approx(want, abs=1e-9), (pos1, ref, alt)
    assert why_not[-2] == "REF and ALT both longer than 1 base" and why_not[-1] == "in no canonical transcript"
    assert sum(s > 0 for s in scores) >= 6  # the fake model sees the changes: not a vacuous comparison


class _Seq:
    def __init__(self, seq):
        self.seq = seq

    def fetch(self, chrom, start, end):
        left = "N" * max(0, -start)
        return left + self.seq[max(start, 0): end] + "N" * max(0, end - len(self.seq))


def test_spliceai_window_never_reads_the_holdout_region(monkeypatch):
    monkeypatch.setattr(sa, "run_child", _fake_child)
    tx = Transcript("chr22", 37_990_000, 37_999_990, "t", "+", ((37_990_000, 37_999_990),))
    with pytest.raises(SystemExit, match="hold-out"):
        sa.build_requests([("chr22", 37_996_000, "A", "G")], lambda c, s, e: "A" * (e - s), [tx])


@pytest.mark.slow
def test_spliceai_scores_equal_the_spliceai_package(real_data, tmp_path):
    """The benchmark's SpliceAI scores of real ClinVar variants (both strands, a deletion, an insertion)
    equal ``spliceai.utils.get_delta_scores`` run on them in the SpliceAI venv (2-decimal output)."""
    import gzip
    import subprocess

    from genebert_tool.genome.annotation import read_transcripts
    from genebert_tool.genome.fasta import Genome

    python = sa.REPO / ".cache" / "spliceai-venv" / "bin" / "python"
    if not python.is_file():
        pytest.skip("no SpliceAI venv (.cache/spliceai-venv; benchmarks/splice_vs_spliceai.py builds it)")
    variants = [("chr22", 19177119, "CCTTGTTCCCG", "C"), ("chr22", 18078404, "G", "GC"),
                ("chr22", 19878134, "G", "A"), ("chr22", 17188449, "T", "C")]
    fa = real_data / "genome" / "hg38_chr22.fa.gz"
    plain = tmp_path / "chr22.fa"  # the venv's pyfaidx reads BGZF only with BioPython: give it plain FASTA
    with gzip.open(fa, "rt") as src, open(plain, "w") as dst:
        dst.write(src.read())
    text = "".join(f"{c} {p} {r} {a}\n" for c, p, r, a in variants)
    proc = subprocess.run([str(python), str(sa.REPO / "benchmarks" / "_spliceai_check_child.py"), str(plain)],
                          input=text, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin",
                                                                            "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    package = {ln.split("\t")[0]: float(ln.split("\t")[1]) for ln in proc.stdout.splitlines() if "\t" in ln}
    transcripts = read_transcripts(real_data / "annotation" / "spliceai_canonical_gencode24.hg38_chr22.bed")
    ours, why_not, _ = sa.spliceai_scores(variants, {"chr22": Genome(fa)}, transcripts, python=python, threads=2)
    assert why_not == [None] * 4
    for (c, p, r, a), got in zip(variants, ours):
        assert abs(got - package[f"{c}:{p} {r}>{a}"]) <= 0.005 + 1e-9, (p, got, package)
    assert max(ours) > 0.9 and min(ours) < 0.5  # a real splice-disrupting deletion and weaker ones
