"""SpliceScanner: tiling a genome interval, strand handling, and the background calibration reader."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genebert_tool.genome.sequences import reverse_complement
from genebert_tool.genome.tokenizer import KmerTokenizer
from genebert_tool.inference.background import FPR_GRID, Background
from genebert_tool.inference.splice import SpliceScanner, score_windows
from genebert_tool.model.configuration import named_config
from genebert_tool.model.token_classification import GeneBertForTokenClassification


@pytest.fixture(scope="module")
def scanner(tmp_path_factory):
    torch.manual_seed(1)
    cfg = named_config("tiny", kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=64, task="splice", label_names=["neither", "donor", "acceptor"],
                       problem_type="single_label_classification", window_bp=50, max_seq_len=50,
                       classifier_head="token", context_bp=10)
    model = GeneBertForTokenClassification(cfg).eval()
    path = tmp_path_factory.mktemp("splice_model")
    model.save_pretrained(path, safe_serialization=True)
    KmerTokenizer(3).save_pretrained(path)
    return SpliceScanner.from_pretrained(path)


_RNG = np.random.default_rng(0)
GENOME = "".join(_RNG.choice(list("ACGT"), 500))


def _fetch(lo, hi):
    return "".join(GENOME[i] if 0 <= i < len(GENOME) else "N" for i in range(lo, hi))


def test_forward_strand_equals_window_scores(scanner):
    got = scanner.score(_fetch, 100, 190, strand="+")
    assert got.shape == (90, 2)
    # base 100..129 is the first window's scored part: window [90, 140)
    direct = score_windows(scanner.model, scanner.tokenizer, [_fetch(90, 140)])[0][:, scanner.columns]
    np.testing.assert_allclose(got[:30], direct, atol=1e-6)


def test_minus_strand_is_the_reverse_complement_mapped_back(scanner):
    minus = scanner.score(_fetch, 100, 160, strand="-")
    window = reverse_complement(_fetch(90, 140))  # scored bases 100..129, in transcript orientation
    direct = score_windows(scanner.model, scanner.tokenizer, [window])[0][:, scanner.columns]
    np.testing.assert_allclose(minus[:30], direct[::-1], atol=1e-6)
    both = scanner.score(_fetch, 100, 160, strand=".")
    np.testing.assert_allclose(both, np.maximum(minus, scanner.score(_fetch, 100, 160, strand="+")), atol=1e-6)


def test_large_batches_are_split_and_give_the_same_scores(scanner, monkeypatch):
    import genebert_tool.inference.splice as splice

    windows = [_fetch(i, i + 50) for i in range(0, 200, 7)]  # 29 windows
    one_batch = score_windows(scanner.model, scanner.tokenizer, windows, batch_size=256)
    assert splice.windows_per_forward(256, 802) == 64 and splice.windows_per_forward(256, 5002) == 1
    monkeypatch.setattr(splice, "ATTENTION_BUDGET", 4 * 50**2)  # 50-bp windows, k=3: 48 + 2 tokens
    sizes = []
    hook = scanner.model.register_forward_pre_hook(lambda m, args: sizes.append(args[0].shape[0]))
    try:
        capped = score_windows(scanner.model, scanner.tokenizer, windows, batch_size=256)
    finally:
        hook.remove()
    assert sizes == [4] * 7 + [1]
    np.testing.assert_allclose(capped, one_batch, atol=1e-6)


def test_edges_are_n_padded_and_bad_strand_refused(scanner):
    assert scanner.score(_fetch, 0, 7).shape == (7, 2)
    assert scanner.score(_fetch, 10, 10).shape == (0, 2)
    with pytest.raises(ValueError, match="strand"):
        scanner.score(_fetch, 0, 10, strand="x")


def test_background_fpr_matches_the_empirical_rate():
    from trainer.calibration import thresholds_from_scores

    scores = np.random.default_rng(3).beta(0.5, 5, 20000)
    bg = Background({"fpr_grid": FPR_GRID.tolist(), "n_background": len(scores),
                     "outputs": {"x": {"thresholds": thresholds_from_scores(scores), "default_threshold": 0.0}}})
    for p in (0.01, 0.05, 0.2, 0.5):
        empirical = (scores >= p).mean()
        assert bg.fpr("x", np.array([p]))[0] == pytest.approx(empirical, rel=0.15, abs=2e-4)
    fpr = bg.fpr("x", np.linspace(0, 1, 50))
    assert (np.diff(fpr) <= 1e-12).all() and fpr.min() >= 1 / len(scores)
    assert (scores >= bg.threshold("x", 0.01)).mean() == pytest.approx(0.01, rel=0.15)


def test_annotate_uses_one_pass_per_span_and_matches_the_scanner(real_data, hg38_chr2, tmp_path, scanner):
    """annotate --task splice with a per-base model: its bigWig equals score_positions base for base."""
    import pyBigWig
    from click.testing import CliRunner

    from genebert_tool.cli import main
    from genebert_tool.inference.splice import score_positions

    bed = tmp_path / "genes.bed"
    bed.write_text("chr2\t1860000\t1860300\tg\t0\t+\n")
    result = CliRunner().invoke(main, ["annotate", str(bed), "--task", "splice", "--model", str(scanner.model_dir),
                                       "--genome", str(hg38_chr2), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with pyBigWig.open(str(tmp_path / "out.donor.bw")) as bw:
        track = np.array(bw.values("chr2", 1860000, 1860300), np.float32)
    expected = score_positions(scanner, str(hg38_chr2), "chr2", 1860000, 1860300, strand="+")[:, 0]
    np.testing.assert_allclose(track, expected, atol=1e-5)
    assert "10 model windows" in result.output  # 300 bases / 30 scored per window: 10 forwards, not 300
