"""Pre-training corpus on real data: groups (DeepBind _AC) and regions (hg38 chr2) modes,
determinism for a seed, resume after interruption, and the three ways of naming cell types."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from genebert_tool.errors import InputError
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.sequences import read_deepbind
from genebert_tool.genome.tokenizer import KmerTokenizer
from trainer import corpus as corpus_mod
from genebert_tool.genome.windows import centre_fit
from trainer.corpus import Corpus, deepbind_groups, prepare_corpus

TFS = ["CTCF", "GATA1", "SPI1", "MYC"]
DEEPBIND = "tfbs/deepbind_encode"


def _groups(real_data: Path) -> dict[str, str]:
    allg = deepbind_groups([real_data / DEEPBIND])
    names = [n for n in allg if n.startswith(("MYC_H1-hESC", "REST_GM12878"))]
    return {n: allg[n] for n in names}


def _arrays(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.glob("shard-*.npy"))}


def test_deepbind_groups_only_ac(real_data):
    groups = deepbind_groups([real_data / DEEPBIND])
    assert len(groups) == 25 and all(p.endswith("_AC.seq.gz") for p in groups.values())
    b_file = next((real_data / DEEPBIND).glob("*_B.seq.gz"))
    with pytest.raises(InputError, match="test folds"):
        deepbind_groups([b_file])


def test_groups_mode_on_deepbind(real_data, tmp_path):
    groups = _groups(real_data)
    index = prepare_corpus(tmp_path / "c", groups=groups, tf_names=TFS, region_len=20,
                           max_samples_per_cell_type=12, shard_size=7, seed=3)
    c = Corpus(tmp_path / "c")
    assert index["mode"] == "groups" and len(c) == 24 and len(index["shards"]) == 4
    assert index["n_tfs"] == 4 and len(index["motif_columns"]) == 4
    tok = KmerTokenizer(6)
    first_group = next(iter(groups.values()))
    records = {r.line: r.sequence for r in read_deepbind(first_group)}
    for i in (0, 5, 11):
        coords = c.coords(i)
        assert (coords[:, 0] == -1).all()
        lines = coords[:, 1]
        np.testing.assert_array_equal(np.diff(lines), 1)  # 10 consecutive sequences of the file
        tokens = c.tokens(i)
        assert tokens.shape == (10, 15) and c.motifs(i).shape == (10, 4)
        for r in range(10):  # each region = its centred 20 bp, tokenised on its own
            np.testing.assert_array_equal(tokens[r], tok.encode(centre_fit(records[int(lines[r])], 20)))
    # the true next sample is the next 10 lines of the same file; the last of a group has none
    assert c.next[11] == -1 and c.next[23] == -1
    for i in range(11):
        assert c.next[i] == i + 1 and c.coords(i + 1)[0, 1] == c.coords(i)[-1, 1] + 1
        assert c.cell_type(i) == c.cell_type(i + 1) == 0


def test_motif_columns_are_real_max_scores(real_data, tmp_path):
    from genebert_tool.motifs.jaspar import load_motifs
    from genebert_tool.motifs.scan import max_scores

    groups = dict(list(_groups(real_data).items())[:1])
    prepare_corpus(tmp_path / "c", groups=groups, tf_names=TFS, region_len=30, max_samples_per_cell_type=2)
    c = Corpus(tmp_path / "c")
    records = {r.line: r.sequence for r in read_deepbind(next(iter(groups.values())))}
    seqs = [centre_fit(records[int(line)], 30) for line in c.coords(1)[:, 1]]
    expected = max_scores(seqs, load_motifs("JASPAR2018", tf_names=TFS))
    np.testing.assert_allclose(c.motifs(1), expected, atol=0.02, rtol=2e-3)  # stored as float16


def test_regions_mode_on_hg38_chr2(real_data, hg38_chr2, tmp_path):
    bed = real_data / "regions" / "all_elements.hg38_windows.bed"
    index = prepare_corpus(tmp_path / "c", genome=hg38_chr2, regions_bed=str(bed), cell_type_column=8,
                           tf_names=TFS, region_len=24, shard_size=8)
    c = Corpus(tmp_path / "c")
    assert index["mode"] == "regions" and index["chroms"] == ["chr2"]
    assert {"K562", "GM12878", "multi_tissue_consensus"} <= set(index["cell_types"])
    assert "." not in index["cell_types"]
    assert index["rejects"] > 0 and (tmp_path / "c" / "rejects.tsv").exists()  # chr22 rows: not in this FASTA
    tok = KmerTokenizer(6)
    genome = Genome(hg38_chr2)
    for i in range(len(c)):
        coords = c.coords(i)
        starts = coords[:, 1]
        assert (coords[:, 0] == 0).all() and (np.diff(starts) >= 0).all()  # genome order in one chromosome
        centre = (int(coords[3, 1]) + int(coords[3, 2])) // 2
        np.testing.assert_array_equal(c.tokens(i)[3], tok.encode(genome.fetch("chr2", centre - 12, centre + 12)))
        j = int(c.next[i])
        if j >= 0:  # next sample: same cell type, continues right after in genome order
            assert c.cell_type(j) == c.cell_type(i) and c.coords(j)[0, 1] >= coords[-1, 1]
    counts = index["samples_per_cell_type"]
    bed_rows = [line.split("\t") for line in bed.read_text().splitlines() if line.startswith("chr2\t")]
    k562 = {(r[1], r[2]) for r in bed_rows if "K562" in r[7].strip().split(",")}
    assert counts["K562"] == len(k562) // 10


def test_matrix_and_peaks_modes_agree_with_column_mode(real_data, hg38_chr2, tmp_path):
    bed = real_data / "regions" / "all_elements.hg38_windows.bed"
    rows = [line.split("\t") for line in bed.read_text().splitlines() if line.startswith("chr2\t")]
    cells = ["GM12878", "K562"]
    # Descartes-style: a BED of regions and a regions x cell-types 0/1 matrix
    (tmp_path / "regions.bed").write_text("".join("\t".join(r[:3]) + "\n" for r in rows))
    matrix = "region\t" + "\t".join(cells) + "\n" + "".join(
        f"r{i}\t" + "\t".join("1" if c in r[7].split(",") else "0" for c in cells) + "\n" for i, r in enumerate(rows))
    (tmp_path / "m.tsv").write_text(matrix)
    a = prepare_corpus(tmp_path / "a", genome=hg38_chr2, regions_bed=str(tmp_path / "regions.bed"),
                       matrix=str(tmp_path / "m.tsv"), tf_names=TFS, region_len=24)
    # one BED per cell type
    peaks = {}
    for c in cells:
        path = tmp_path / f"{c}.bed.gz"
        with gzip.open(path, "wt") as fh:
            fh.writelines("\t".join(r[:3]) + "\n" for r in rows if c in r[7].split(","))
        peaks[c] = str(path)
    b = prepare_corpus(tmp_path / "b", genome=hg38_chr2, peaks=peaks, tf_names=TFS, region_len=24)
    assert a["samples_per_cell_type"] == b["samples_per_cell_type"]
    assert a["samples_per_cell_type"]["K562"] >= 7
    assert _arrays(tmp_path / "a") == _arrays(tmp_path / "b")


def test_deterministic_for_a_seed(real_data, tmp_path):
    groups = _groups(real_data)
    kw = dict(groups=groups, tf_names=TFS[:2], region_len=16, max_samples_per_cell_type=5, shard_size=4)
    prepare_corpus(tmp_path / "a", seed=7, **kw)
    prepare_corpus(tmp_path / "b", seed=7, **kw)
    prepare_corpus(tmp_path / "c", seed=8, **kw)
    assert _arrays(tmp_path / "a") == _arrays(tmp_path / "b")
    assert _arrays(tmp_path / "a") != _arrays(tmp_path / "c")  # another seed, another block per group


def test_resumes_after_interruption(real_data, tmp_path, monkeypatch):
    groups = _groups(real_data)
    kw = dict(groups=groups, tf_names=TFS[:2], region_len=16, max_samples_per_cell_type=6, shard_size=3)
    prepare_corpus(tmp_path / "clean", **kw)

    real_write = corpus_mod._write_shard
    calls = []

    def crash_on_third(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:
            raise KeyboardInterrupt("simulated kill")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(corpus_mod, "_write_shard", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        prepare_corpus(tmp_path / "resumed", **kw)
    assert not (tmp_path / "resumed" / "index.json").exists()
    monkeypatch.setattr(corpus_mod, "_write_shard", real_write)
    index = prepare_corpus(tmp_path / "resumed", **kw)
    assert index["shards_skipped_on_resume"] == 2
    assert _arrays(tmp_path / "clean") == _arrays(tmp_path / "resumed")
    clean = json.loads((tmp_path / "clean" / "index.json").read_text())
    assert clean["n_samples"] == index["n_samples"] == 12


def test_other_parameters_refused_in_same_directory(real_data, tmp_path):
    groups = dict(list(_groups(real_data).items())[:1])
    prepare_corpus(tmp_path / "c", groups=groups, tf_names=TFS[:1], region_len=16, max_samples_per_cell_type=2)
    with pytest.raises(InputError, match="other parameters"):
        prepare_corpus(tmp_path / "c", groups=groups, tf_names=TFS[:1], region_len=18, max_samples_per_cell_type=2)


def test_groups_mode_cuts_by_the_window_rule(tmp_path):
    """An even-length sequence cut to an odd region_len gives its extra base to the left, as annotate
    does (genome/windows.py); shorter ones are N-padded by the same rule."""
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(9)] + ["ACGTACGTACGTA"]
    fasta = tmp_path / "g.fa"
    fasta.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    prepare_corpus(tmp_path / "c", groups={"g": str(fasta)}, tf_names=TFS[:1], region_len=21)
    c = Corpus(tmp_path / "c")
    tok = KmerTokenizer(6)
    assert centre_fit(seqs[0], 21) == seqs[0][10:31]  # excess 19: 10 bases left out on the left, 9 on the right
    assert centre_fit(seqs[9], 21) == "NNNN" + seqs[9] + "NNNN"
    for r, seq in enumerate(seqs):
        np.testing.assert_array_equal(c.tokens(0)[r], tok.encode(centre_fit(seq, 21)))


def test_parse_named_paths():
    from trainer.corpus import parse_named_paths

    assert parse_named_paths(["a=x.bed", "b=y.bed"], option="--peaks") == {"a": "x.bed", "b": "y.bed"}
    assert parse_named_paths(["a=x.bed", "a=z.bed"], option="--peaks", allow_repeat=True) == {"a": ["x.bed", "z.bed"]}
    with pytest.raises(InputError, match="twice"):
        parse_named_paths(["a=x", "a=y"], option="--groups")
    with pytest.raises(InputError, match="NAME=FILE"):
        parse_named_paths(["x.bed"], option="--peaks")


def test_per_cell_encode_files_united(real_data, hg38_chr2, tmp_path):
    regions = real_data / "regions"
    peaks = {"K562": [str(regions / f) for f in ("encode_ccre_PLS.K562.hg38_windows.bed",
                                                 "encode_cage_peaks_TPM1.K562.hg38_windows.bed",
                                                 "encode_whg_starr_seq_ENCFF908UFR.hg38_windows.bed")]}
    index = prepare_corpus(tmp_path / "c", genome=hg38_chr2, peaks=peaks, tf_names=TFS, region_len=24)
    assert index["cell_types"] == ["K562"] and index["samples_per_cell_type"]["K562"] >= 6
