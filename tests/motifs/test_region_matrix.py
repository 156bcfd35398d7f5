"""Region matrices: on-disk cache keyed by content, and per-chunk matrices of single sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import genebert_tool.motifs.region_matrix as region_matrix
from genebert_tool.motifs.jaspar import load_motifs
from genebert_tool.motifs.region_matrix import build_region_matrix, matrix_key, sequence_region_matrix
from genebert_tool.motifs.scan import encode, max_scores

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def motifs():
    return load_motifs(tf_names=["CTCF", "SP1", "MA0004.1", "MA0138.2", "GATA1::TAL1", "RUNX1"])


@pytest.fixture(scope="module")
def sequences(hg38_chr2):
    from genebert_tool.genome.fasta import Genome

    with Genome(hg38_chr2) as genome:
        return [genome.fetch("chr2", start, start + 400) for start in range(676_000, 680_000, 400)]


def test_build_region_matrix_without_cache(motifs, sequences):
    matrix = build_region_matrix(sequences, motifs)
    assert matrix.shape == (len(sequences), 10, len(motifs)) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, sequence_region_matrix(sequences, motifs))


def test_cache_is_written_and_reused(motifs, sequences, tmp_path, monkeypatch):
    first = build_region_matrix(sequences, motifs, cache_dir=tmp_path)
    files = list(tmp_path.glob("region_matrix.*.npy"))
    assert len(files) == 1 and matrix_key(sequences, motifs) in files[0].name

    def no_scan(*args, **kwargs):
        raise AssertionError("cache miss: the matrix was recomputed")

    monkeypatch.setattr(region_matrix, "chunk_max_scores", no_scan)
    np.testing.assert_array_equal(build_region_matrix(sequences, motifs, cache_dir=tmp_path), first)
    # other sequences, another n_regions or another release miss the cache
    with pytest.raises(AssertionError, match="cache miss"):
        build_region_matrix(sequences[:-1], motifs, cache_dir=tmp_path)
    with pytest.raises(AssertionError, match="cache miss"):
        build_region_matrix(sequences, motifs, 5, cache_dir=tmp_path)
    with pytest.raises(AssertionError, match="cache miss"):
        build_region_matrix(sequences, load_motifs("JASPAR2020", tf_names=["CTCF"]), cache_dir=tmp_path)


def test_corrupt_cache_file_is_recomputed(motifs, sequences, tmp_path):
    path = tmp_path / f"region_matrix.{matrix_key(sequences, motifs)}.npy"
    path.write_bytes(b"not an npy")
    matrix = build_region_matrix(sequences, motifs, cache_dir=tmp_path)
    np.testing.assert_array_equal(matrix, sequence_region_matrix(sequences, motifs))
    np.testing.assert_array_equal(np.load(path), matrix)


def test_select_motifs_is_the_models_column_order():
    from genebert_tool.errors import ModelError
    from genebert_tool.motifs.region_matrix import select_motifs

    ids = ["MA0139.1", "MA0079.3"]
    motifs = select_motifs("JASPAR2018", ids, 2)
    assert motifs.ids == ids and motifs.release == "JASPAR2018"
    assert len(select_motifs("JASPAR2018")) == 579
    with pytest.raises(ModelError, match="expects 3 motifs"):
        select_motifs("JASPAR2018", ids, 3, source="m")


def test_key_depends_on_content(motifs, sequences):
    key = matrix_key(sequences, motifs)
    assert key == matrix_key(list(sequences), motifs)
    assert key == matrix_key([s.lower() for s in sequences], motifs)  # scanning ignores case
    assert key != matrix_key(sequences[::-1], motifs)
    assert key != matrix_key(sequences, motifs.subset([0, 1]))
    assert matrix_key(["AC", "GT"], motifs) != matrix_key(["ACG", "T"], motifs)
    assert key != matrix_key(sequences, motifs, n_regions=5)


def test_sequence_region_matrix_shape_and_cover(motifs, sequences):
    batch = sequence_region_matrix(sequences[:3], motifs)
    assert batch.shape == (3, 10, len(motifs)) and batch.dtype == np.float32
    assert np.isfinite(batch).all()
    np.testing.assert_array_equal(batch.max(axis=1), max_scores(sequences[:3], motifs))
    assert sequence_region_matrix(sequences[:2], motifs, n_regions=4).shape == (2, 4, len(motifs))


def _brute_force_chunks(seq: str, motifs, n_regions: int) -> np.ndarray:
    """The documented semantics, one window at a time (N and bases past the end count 0)."""
    codes = encode(seq)
    n = len(codes)
    max_len = int(motifs.lengths.max())
    bounds = [c * n // n_regions for c in range(n_regions + 1)]
    out = np.empty((n_regions, len(motifs)), dtype=np.float64)
    for m, pwm in enumerate(motifs.pwms):
        length = pwm.shape[0]

        def score(start, weights):
            return sum(weights[j, codes[start + j]] for j in range(length) if start + j < n and codes[start + j] < 4)

        for c in range(n_regions):
            lo, hi = bounds[c], bounds[c + 1]
            piece_len = min(hi + max_len - 1, n) - lo
            k = max(min(hi - lo, piece_len - length + 1), 1)
            out[c, m] = max(max(score(s, pwm), score(s, pwm[::-1, ::-1])) for s in range(lo, lo + k))
    return out


@pytest.mark.parametrize("length", [45, 120])
def test_sequence_region_matrix_matches_definition_on_short_sequences(motifs, sequences, length):
    seq = sequences[0][:length]  # chunks of 4-12 bp: the last chunks are shorter than CTCF
    got = sequence_region_matrix([seq], motifs)[0]
    np.testing.assert_allclose(got, _brute_force_chunks(seq, motifs, 10), atol=1e-4)
