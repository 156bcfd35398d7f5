"""``genebert explain`` / ``annotate.explain``: in-silico mutagenesis peaks on the bases a model reads.

A stub "motif detector" (1 when GATTACA lies in the central 21 bases of its window) on a seeded
random genome with one planted GATTACA: every SNV of a motif base destroys it (|delta| = 1), so the
ISM track is 1 on those 7 bases and ~0 elsewhere; a model that ignores the motif gives 0 there.
"""

from __future__ import annotations

import numpy as np
import pyBigWig
import pytest

from genebert_tool.annotate.explain import ism, plot_ism, write_ism_bigwigs
from genebert_tool.annotate.models import ScoringModel
from genebert_tool.genome.fasta import Genome
from risk_helpers import _cli, genome_fa, registry  # noqa: F401

MOTIF = "GATTACA"
PLANT = 5_000


class MotifPredictor:
    model_name, task, window_bp, output_names = "motif-stub", "tfbs", 41, ("motif",)

    def __init__(self, motif: str = MOTIF):
        self.motif = motif

    def predict(self, seqs, batch_size=256):
        mid = [s[10:31] for s in seqs]
        return np.array([[1.0 if self.motif in m else 0.0] for m in mid], dtype=np.float32)


def _model(motif=MOTIF):
    p = MotifPredictor(motif)
    return ScoringModel(predictor=p, name=p.model_name, version="0", task="tfbs", keep=[0], outputs=["motif"],
                        columns=["motif"], window_bp=p.window_bp)


@pytest.fixture()
def planted(tmp_path):
    rng = np.random.default_rng(11)
    seq = list("".join(rng.choice(list("ACGT"), 10_000)))
    seq[PLANT:PLANT + len(MOTIF)] = MOTIF
    seq[5_100:5_105] = "NNNNN"
    text = "".join(seq)
    assert text.count(MOTIF) == 1
    path = tmp_path / "g.fa"
    path.write_text(">chr1\n" + "\n".join(text[i:i + 60] for i in range(0, len(text), 60)) + "\n")
    return path


def test_ism_peaks_on_the_motif_bases(planted, tmp_path):
    genome = Genome(planted)
    values, columns = ism(genome, "chr1", 4_950, 5_110, [_model()])
    assert columns == ["motif"] and values.shape == (160, 1)
    on = values[PLANT - 4_950: PLANT - 4_950 + len(MOTIF), 0]
    assert (on == 1.0).all()
    off = np.delete(values[:, 0], np.arange(PLANT - 4_950, PLANT - 4_950 + len(MOTIF)))
    assert np.nanmean(off) < 0.05  # near-miss bases may create a second copy; nearly all are 0
    assert np.isnan(values[150:155, 0]).all() and not np.isnan(values[:150, 0]).any()  # N bases: no value
    control, _ = ism(genome, "chr1", 4_950, 5_110, [_model("CCCCCCCCCC")])
    assert (control[PLANT - 4_950: PLANT - 4_950 + len(MOTIF), 0] == 0).all()

    paths = write_ism_bigwigs(str(tmp_path / "ism"), "chr1", 4_950, values, columns, list(genome.contigs.items()))
    bw = pyBigWig.open(str(paths[0]))
    assert bw.values("chr1", PLANT, PLANT + len(MOTIF)) == [1.0] * len(MOTIF)
    assert len(bw.intervals("chr1")) == 155  # the 5 N bases have no entry
    bw.close()
    assert plot_ism(tmp_path / "ism.png", "chr1", 4_950, values, columns).stat().st_size > 1000


def test_cli_explain_writes_a_track_per_output(genome_fa, registry, tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(registry))
    result, text = _cli("explain", "--region", "chr1:1000-1040", "--genome", genome_fa, "--task", "promoter",
                        "-o", tmp_path / "x")
    assert result.exit_code == 0, text
    bws = sorted(tmp_path.glob("x.*.ism.bw"))
    assert len(bws) >= 1 and (tmp_path / "x.ism.png").is_file()
    bw = pyBigWig.open(str(bws[0]))
    vals = bw.values("chr1", 1000, 1040)
    assert len(vals) == 40 and all(v >= 0 for v in vals) and max(vals) > 0
    bw.close()
    result, text = _cli("explain", "--region", "chr1:1000-", "--genome", genome_fa, "-o", tmp_path / "y")
    assert result.exit_code == 2 and "needs an END" in text
    result, text = _cli("explain", "--region", "chr7:10-20", "--genome", genome_fa, "-o", tmp_path / "y")
    assert result.exit_code == 2 and "not in" in text
