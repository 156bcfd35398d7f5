"""PWM scanning: equality with Biopython on real chr2 sequence, both strands, N handling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from Bio.motifs import jaspar as bio_jaspar
from pyjaspar import jaspardb

from genebert_tool.motifs.jaspar import load_motifs
from genebert_tool.motifs.scan import (
    MotifHit,
    chunk_max_scores,
    encode,
    iter_hits,
    max_scores,
    window_scores,
)

torch.set_num_threads(1)

# 20 real motifs of different lengths (6..21 bp), CTCF among them
MOTIF_IDS = [
    "MA0139.1", "MA0079.3", "MA0002.2", "MA0003.3", "MA0004.1", "MA0006.1", "MA0019.1", "MA0025.1",
    "MA0030.1", "MA0052.3", "MA0077.1", "MA0093.2", "MA0102.3", "MA0105.4", "MA0112.3", "MA0138.2",
    "MA0140.2", "MA0478.1", "MA0506.1", "MA0528.1",
]


@pytest.fixture(scope="module")
def motifs():
    return load_motifs(tf_names=MOTIF_IDS)


@pytest.fixture(scope="module")
def bio_pssms(motifs):
    db = jaspardb(release=motifs.release)
    out = []
    for motif_id in motifs.ids:
        motif = db.fetch_motif_by_id(motif_id)
        motif.background = {b: 0.25 for b in "ACGT"}
        motif.pseudocounts = bio_jaspar.calculate_pseudocounts(motif)
        out.append(motif.pssm)
    return out


@pytest.fixture(scope="module")
def chr2_windows(hg38_chr2):
    """N-free windows of varied length from the real hg38 chr2 piece (soft-masked case kept)."""
    from pyfaidx import Fasta

    fasta = Fasta(str(hg38_chr2), sequence_always_upper=False)
    rng = np.random.default_rng(7)
    windows = []
    while len(windows) < 30:
        start = int(rng.integers(0, 2_300_000))
        seq = str(fasta["chr2"][start : start + int(rng.integers(25, 700))])
        if "N" not in seq.upper():
            windows.append(seq)
    fasta.close()
    assert any(c.islower() for w in windows for c in w)
    return windows


def test_motif_lengths_span_buckets(motifs):
    assert len(motifs) == 20 and "MA0139.1_CTCF" in motifs.columns
    assert motifs.lengths.max() - motifs.lengths.min() >= 8


def test_window_scores_equal_biopython_both_strands(motifs, bio_pssms, chr2_windows):
    for seq in chr2_windows[:10]:
        ours = window_scores(seq, motifs)
        for m, pssm in enumerate(bio_pssms):
            fwd = np.atleast_1d(pssm.calculate(seq))
            rev = np.atleast_1d(pssm.reverse_complement().calculate(seq))
            np.testing.assert_allclose(ours[0, m, : len(fwd)], fwd, atol=1e-4)
            np.testing.assert_allclose(ours[1, m, : len(rev)], rev, atol=1e-4)
            assert np.isneginf(ours[:, m, len(fwd) :]).all()  # windows that do not fit this motif


def test_max_scores_equal_biopython(motifs, bio_pssms, chr2_windows):
    ours = max_scores(chr2_windows, motifs)
    assert ours.shape == (len(chr2_windows), len(motifs)) and ours.dtype == np.float32
    expected = np.array(
        [
            [max(np.max(pssm.calculate(seq)), np.max(pssm.reverse_complement().calculate(seq))) for pssm in bio_pssms]
            for seq in chr2_windows
        ]
    )
    np.testing.assert_allclose(ours, expected, atol=1e-4)


def test_small_batches_split_long_sequences_identically(motifs, chr2_windows):
    long_seq = "".join(chr2_windows)
    whole = max_scores([long_seq, chr2_windows[0]], motifs)
    pieces = max_scores([long_seq, chr2_windows[0]], motifs, batch_size=97)
    np.testing.assert_array_equal(whole, pieces)


def test_reverse_strand_site_is_found(motifs):
    ctcf = motifs.columns.index("MA0139.1_CTCF")
    pwm = motifs.pwms[ctcf]
    consensus = "".join("ACGT"[i] for i in pwm.argmax(1))
    revcomp = consensus[::-1].translate(str.maketrans("ACGT", "TGCA"))
    rng = np.random.default_rng(1)
    background = "".join(rng.choice(list("ACGT"), 300))
    planted = background[:137] + revcomp + background[137 + len(revcomp) :]
    best = float(pwm.max(1).sum())
    assert max_scores([planted], motifs)[0, ctcf] == pytest.approx(best, abs=1e-4)
    assert window_scores(planted, motifs)[0, ctcf].max() < best - 5  # not on the forward strand
    hits = [h for h in iter_hits(planted, motifs, best - 1e-3) if h.motif_index == ctcf]
    assert hits == [MotifHit(137, 137 + len(revcomp), ctcf, hits[0].score, "-")]
    assert hits[0].score == pytest.approx(best, abs=1e-4)


def test_n_contributes_zero(motifs):
    ctcf = motifs.columns.index("MA0139.1_CTCF")
    pwm = motifs.pwms[ctcf].astype(np.float64)
    seq = "ACGTTGCANNACGTGGCCAGCAGGTGGCGCTAGGA"
    codes = encode(seq)
    scores = window_scores(seq, motifs)[0, ctcf]
    for start in range(len(seq) - len(pwm) + 1):
        expected = sum(pwm[j, codes[start + j]] for j in range(len(pwm)) if codes[start + j] < 4)
        assert scores[start] == pytest.approx(expected, abs=1e-4)
    assert np.all(max_scores(["N" * 50, "RYKMN" * 10], motifs) == 0)


def test_short_sequence_gets_one_padded_window(motifs):
    ctcf = motifs.columns.index("MA0139.1_CTCF")
    pwm = motifs.pwms[ctcf]
    seq = "CCGCGNGGNGGCAG"  # 14 bp < 19 bp
    expected = max(
        sum(pwm[j, c] for j, c in enumerate(encode(seq)) if c < 4),
        sum(pwm[::-1, ::-1][j, c] for j, c in enumerate(encode(seq)) if c < 4),
    )
    got = max_scores([seq, ""], motifs)
    assert got[0, ctcf] == pytest.approx(expected, abs=1e-4)
    assert np.isfinite(got).all() and np.all(got[1] == 0)


def test_case_is_ignored(motifs, chr2_windows):
    seqs = chr2_windows[:5]
    np.testing.assert_array_equal(max_scores(seqs, motifs), max_scores([s.upper() for s in seqs], motifs))


def test_chunk_max_scores_cover_the_sequence(motifs, chr2_windows):
    seqs = [s for s in chr2_windows if len(s) >= 300][:4]
    chunks = chunk_max_scores(seqs, motifs, 10)
    assert chunks.shape == (len(seqs), 10, len(motifs))
    np.testing.assert_array_equal(chunks.max(axis=1), max_scores(seqs, motifs))
    # chunk c holds the windows starting in [c n // 10, (c + 1) n // 10)
    seq = seqs[0]
    full = window_scores(seq, motifs).max(axis=0)  # (motifs, windows)
    for c in (0, 4, 9):
        lo, hi = c * len(seq) // 10, (c + 1) * len(seq) // 10
        np.testing.assert_allclose(chunks[0, c], full[:, lo:hi].max(axis=1), atol=1e-5)


def test_iter_hits_match_window_scores(motifs, chr2_windows):
    seq = chr2_windows[3]
    scores = window_scores(seq, motifs)
    hits = list(iter_hits(seq, motifs, 6.0, block=50))
    assert len(hits) == int((scores >= 6.0).sum()) > 0
    assert [h.start for h in hits] == sorted(h.start for h in hits)
    for hit in hits:
        strand = 0 if hit.strand == "+" else 1
        assert hit.end - hit.start == motifs.lengths[hit.motif_index]
        assert hit.end <= len(seq)
        assert scores[strand, hit.motif_index, hit.start] == pytest.approx(hit.score)


def test_empty_inputs(motifs):
    assert max_scores([], motifs).shape == (0, len(motifs))
    assert max_scores(["ACGT"], motifs.subset([])).shape == (1, 0)
    assert list(iter_hits("", motifs, 0.0)) == []


def test_unavailable_device_is_a_clear_error(motifs):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match="CUDA"):
        max_scores(["ACGT"], motifs, device="cuda")


@pytest.mark.gpu
def test_cuda_equals_cpu(motifs, chr2_windows):
    np.testing.assert_allclose(
        max_scores(chr2_windows, motifs, device="cuda"), max_scores(chr2_windows, motifs), atol=1e-4
    )
    np.testing.assert_allclose(
        chunk_max_scores(chr2_windows[:5], motifs, 10, device="cuda"), chunk_max_scores(chr2_windows[:5], motifs, 10), atol=1e-4
    )


def test_torch_segment_max_equals_numpy():
    """The reduction used off the CPU (GPU) agrees with the CPU one, empty segments included."""
    from genebert_tool.motifs.scan import _segment_max_numpy, _segment_max_torch

    y = np.random.default_rng(0).normal(size=(50, 6)).astype(np.float32)
    starts, ends = np.array([0, 10, 10, 30]), np.array([7, 10, 25, 49])
    expected = _segment_max_numpy(y, starts, ends)
    assert np.isneginf(expected[1]).all()
    np.testing.assert_array_equal(_segment_max_torch(torch.from_numpy(y), starts, ends), expected)
