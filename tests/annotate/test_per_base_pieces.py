"""Per-base splice scoring of a long row in pieces (``annotate.regions.SPAN_PIECE_WINDOWS``): the same bytes
as one pass over the whole row, on every strand and ``--step``, with the pieces' windows counted once."""

from __future__ import annotations

import random

import pysam
import pytest

from annotate_helpers import build_token_splice_model
from genebert_tool.annotate import regions
from genebert_tool.annotate.models import load_models
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("pieces")
    rng = random.Random(5)
    seq = "".join(rng.choice("ACGT") for _ in range(6000))
    seq = seq[:2500] + "N" * 120 + seq[2620:]  # a gap: two stretches in one row
    fa = d / "g.fa"
    fa.write_text(">c1\n" + "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)) + "\n")
    pysam.faidx(str(fa))
    return d, fa, build_token_splice_model(d / "model")


@pytest.mark.parametrize("strand,step", [("+", 1), ("-", 1), (".", 1), ("+", 7)])
def test_pieces_give_the_bytes_of_one_pass(setup, tmp_path, monkeypatch, strand, step):
    d, fa, model = setup
    bed = tmp_path / "r.bed"
    bed.write_text(f"c1\t13\t5987\tr\t0\t{strand}\n")
    out = {}
    for name, n in (("whole", 10**6), ("pieces", 3)):  # 3 windows of 30 scored bases per piece
        monkeypatch.setattr(regions, "SPAN_PIECE_WINDOWS", n)
        models = load_models("splice", [str(model)], device="cpu", per_position_splice=True)
        summary = annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / name), genome=str(fa), task="splice",
                                           step=step, tracks=("bedgraph", "bed6")), models=models)
        files = sorted(p.name.split(".", 1)[1] for p in tmp_path.glob(f"{name}.*"))
        out[name] = (summary.windows, files, {f: (tmp_path / f"{name}.{f}").read_bytes() for f in files})
    assert out["whole"][0] == out["pieces"][0] > 0
    assert out["whole"][1] == out["pieces"][1] and any(f.lower().endswith(".bedgraph") for f in out["whole"][1]), out["whole"][1]
    for f in out["whole"][1]:
        assert out["whole"][2][f] == out["pieces"][2][f], f
