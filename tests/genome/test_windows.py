"""genebert_tool.genome.windows: one centring rule, and training and annotation read the same bases."""

from __future__ import annotations

import random

import numpy as np
import pytest

from genebert_tool.genome.windows import centre_crop, centre_crop_all, centre_fit, centred_window, stranded_window

rng = random.Random(0)
GENOME = "".join(rng.choice("ACGT") for _ in range(3000))


def test_the_rule():
    assert centred_window(100, 200, 100) == (100, 200)  # an interval of exactly L bp is its own window
    assert centred_window(7, 8, 5) == (5, 10)  # base 7 at index 5 // 2
    assert centred_window(0, 400, 61) == (170, 231)  # odd excess: the extra base on the left
    assert centred_window(0, 401, 60) == (170, 230)
    assert stranded_window(10, 20, 7, "+") == centred_window(10, 20, 7)
    with pytest.raises(ValueError, match="positive"):
        centred_window(0, 10, 0)


@pytest.mark.parametrize("n", [1, 2, 59, 60, 61, 62, 400, 401])
@pytest.mark.parametrize("length", [1, 2, 60, 61])
def test_crop_and_fit_follow_the_rule(n, length):
    seq = GENOME[:n]
    lo, hi = centred_window(0, n, length)
    fitted = centre_fit(seq, length)
    assert len(fitted) == length
    for i, base in enumerate(fitted):  # index i of the window is base lo + i, N outside the sequence
        assert base == (seq[lo + i] if 0 <= lo + i < n else "N")
    assert centre_crop(seq, length) == (fitted if n > length else seq)
    assert centre_crop_all([seq, seq], length) == [centre_crop(seq, length)] * 2
    assert centre_crop_all([seq], None) == [seq]


class _Recorder:
    """``Predictor`` look-alike that records every window it is given."""

    def __init__(self, window_bp: int) -> None:
        self.window_bp, self.task, self.output_names = window_bp, "tfbs", ["x"]
        self.model_name, self.model_version, self.multi_label = "recorder", "0", True
        self.seen: list[str] = []

    def predict(self, sequences, *, batch_size: int = 64) -> np.ndarray:
        self.seen.extend(sequences)
        return np.full((len(sequences), 1), 0.5, dtype=np.float32)


def _annotate(tmp_path, input_path, window_bp: int, **options) -> list[str]:
    from genebert_tool.annotate.models import ScoringModel, name_columns
    from genebert_tool.annotate.options import AnnotateOptions
    from genebert_tool.annotate.pipeline import annotate

    rec = _Recorder(window_bp)
    models = [ScoringModel(predictor=rec, name="recorder", version="0", task="tfbs", keep=[0], outputs=["x"],
                           window_bp=window_bp)]
    name_columns(models)
    out = tmp_path / f"out{len(list(tmp_path.glob('out*.tsv')) + list(tmp_path.glob('out*.bed')))}"
    annotate(AnnotateOptions(input=str(input_path), output=str(out), task="tfbs", progress=False, tracks=(),
                             **options), models=models)
    return rec.seen


@pytest.mark.parametrize("n, window", [(400, 61), (400, 60), (401, 61), (61, 61)])
def test_evaluate_and_finetune_crop_what_annotate_scores(tmp_path, n, window):
    """A labelled sequence longer than the model window: ``finetune``'s ``crop_bp`` and ``evaluate``'s
    crop (both ``centre_crop_all``) give the bases annotate scores for the same sequence as a FASTA record."""
    seq = GENOME[:n]
    fasta = tmp_path / "rec.fa"
    fasta.write_text(f">rec\n{seq}\n")
    assert _annotate(tmp_path, fasta, window) == centre_crop_all([seq], window)


def test_genome_training_windows_are_annotate_windows(tmp_path):
    """A training window sampled around genome position c (``trainer/genome_data.py``) holds the bases
    annotate scores for the BED row ``[c, c+1)``, and a genome-scan tile's model window those of the tile row."""
    from genebert_tool.genome.fasta import Genome
    from trainer.genome_data import GenomeParts
    from trainer.genome_scan import _tiles
    from trainer.genome_split import GenomeSplit, Interval

    fasta = tmp_path / "g.fa"
    fasta.write_text(">chrT\n" + "\n".join(GENOME[i : i + 60] for i in range(0, len(GENOME), 60)) + "\n")
    Genome(str(fasta))  # build the .fai in the main process
    train, dev = Interval("chrT", 0, 2000), Interval("chrT", 2000, None)
    parts = GenomeParts([str(fasta)], GenomeSplit(train=(train,), dev=(dev,)))
    centres = [500, 777, 1234]
    bed = tmp_path / "c.bed"
    bed.write_text("".join(f"chrT\t{c}\t{c + 1}\n" for c in centres))
    for window in (60, 61):
        training = [parts.window(train, c, window) for c in centres]
        assert _annotate(tmp_path, bed, window, genome=str(fasta)) == training

    class _Genomes:  # trainer.genome_scan.Genomes' fetch over this one FASTA
        def __init__(self):
            self.g = Genome(str(fasta))

        def fetch(self, chrom, start, end):
            return self.g.fetch(chrom, start, end)

    tile_bed = tmp_path / "t.bed"
    tile_bed.write_text("chrT\t300\t400\nchrT\t400\t500\n")
    _chroms, starts, windows, _skipped = _tiles([Interval("chrT", 300, 500)], _Genomes(), 100, 100, 61, 1.0)
    assert list(starts) == [300, 400]
    assert _annotate(tmp_path, tile_bed, 61, genome=str(fasta)) == list(windows)
