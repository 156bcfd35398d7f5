"""Background FPR beside each probability (annotate.calibration): BED/TSV ``X.bgfpr`` columns, VCF
``GENEBERT_BGFPR``, headers; for a GC stub, a tiny saved promoter model and a per-base splice model,
each with a ``background.json`` made from its own scores on random sequence by ``thresholds_from_scores``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyBigWig
import pysam
import pytest
import torch
from click.testing import CliRunner

from annotate_helpers import build_tiny_models, build_token_splice_model, gc_fraction, gc_models
from genebert_tool.annotate.pipeline import AnnotateOptions, annotate
from genebert_tool.cli import main
from genebert_tool.formats import schema
from genebert_tool.inference.background import BACKGROUND_FILE, FPR_GRID, Background

_RNG = np.random.default_rng(11)


def _background_data(scores: dict[str, np.ndarray], unit: str = "window") -> dict:
    from trainer.calibration import thresholds_from_scores

    outputs = {}
    for name, s in scores.items():
        t = thresholds_from_scores(s)
        outputs[name] = {"thresholds": t, "default_threshold": t[int(np.argmin(np.abs(FPR_GRID - 0.01)))]}
    n = len(next(iter(scores.values())))
    return {"fpr_grid": FPR_GRID.tolist(), "n_background": n, "unit": unit, "outputs": outputs}


def _write_background(model_dir: Path, scores: dict[str, np.ndarray], unit: str = "window") -> Background:
    (Path(model_dir) / BACKGROUND_FILE).write_text(json.dumps(_background_data(scores, unit)))
    return Background.load(model_dir)


def _random_seqs(n: int, length: int) -> list[str]:
    return ["".join(_RNG.choice(list("ACGT"), length)) for _ in range(n)]


def _table(path):
    header, rows, comments = None, [], []
    for line in Path(path).read_text().splitlines():
        if line.startswith("#chrom") or line.startswith("name\t"):
            header = line.lstrip("#").split("\t")
        elif line.startswith("#"):
            comments.append(line)
        elif line and not line.startswith("track"):
            rows.append(line.split("\t"))
    return header, rows, comments


def _run(args):
    result = CliRunner().invoke(main, ["annotate", *map(str, args)])
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.set_num_threads(1)
    return build_tiny_models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def promoter_bg(tiny):
    """The tiny promoter model with a background.json of its own scores on 400 random windows."""
    from genebert_tool.inference.predictor import Predictor

    pred = Predictor.from_pretrained(tiny["promoter"], device="cpu")
    scores = pred.predict(_random_seqs(400, pred.window_bp))[:, 1]
    assert scores.std() > 0  # else every FPR would be the same and the test would show nothing
    return pred, _write_background(tiny["promoter"], {"promoter": scores})


def test_bed_fpr_columns_follow_each_probability_for_a_gc_stub(hg38_chr2, tmp_path):
    import pyfaidx

    models = gc_models(50)
    bg = Background(_background_data({"gc": _RNG.beta(4, 6, 5000), "at": _RNG.beta(6, 4, 5000)}))
    models[0].background = bg
    bed = tmp_path / "r.bed"
    starts = list(range(1_000_000, 1_040_000, 400))
    bed.write_text("".join(f"chr2\t{s}\t{s + 100}\tr{i}\n" for i, s in enumerate(starts)))
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "o"), genome=str(hg38_chr2), task="tfbs"),
             models=models)
    header, rows, comments = _table(tmp_path / "o.bed")
    assert header == ["chrom", "start", "end", "name", "gc", "gc.bgfpr", "at", "at.bgfpr"]
    fa = pyfaidx.Fasta(str(hg38_chr2), as_raw=True, sequence_always_upper=True)
    gc = np.array([gc_fraction(fa["chr2"][s + 50 - 25 : s + 50 + 25]) for s in starts], np.float32)
    fa.close()
    assert [float(r[4]) for r in rows] == pytest.approx(gc.tolist(), abs=6e-5)
    assert [r[5] for r in rows] == [schema.format_fpr(x) for x in bg.fpr("gc", gc)]
    assert [r[7] for r in rows] == [schema.format_fpr(x) for x in bg.fpr("at", 1 - gc)]
    assert len({r[5] for r in rows}) > 10  # the FPRs vary with the scores
    thr = f"gc={bg.default_threshold('gc'):.4f}, at={bg.default_threshold('at'):.4f}"
    assert any("calibration gc-stub-tfbs:" in c and thr in c and "n=5000" in c for c in comments)
    assert any(c.startswith("#X.bgfpr = background false-positive rate") for c in comments)


def test_uncalibrated_model_gets_no_fpr_columns_and_a_header_note(hg38_chr2, tmp_path):
    bed = tmp_path / "r.bed"
    bed.write_text("chr2\t1000000\t1000100\n")
    annotate(AnnotateOptions(input=str(bed), output=str(tmp_path / "o"), genome=str(hg38_chr2), task="tfbs"),
             models=gc_models(50))
    header, _, comments = _table(tmp_path / "o.bed")
    assert header == ["chrom", "start", "end", "gc", "at"]
    assert any("calibration gc-stub-tfbs: none (no background.json" in c for c in comments)


def test_fasta_tsv_fpr_equals_background_fpr_of_the_model_probabilities(promoter_bg, tiny, tmp_path):
    pred, bg = promoter_bg
    seqs = _random_seqs(12, pred.window_bp)
    fa = tmp_path / "s.fa"
    fa.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    _run([fa, "--task", "promoter", "--model", tiny["promoter"], "-o", tmp_path / "p", "--device", "cpu"])
    header, rows, comments = _table(tmp_path / "p.tsv")
    assert header == ["name", "start", "end", "promoter", "promoter.bgfpr"]
    p = pred.predict(seqs)[:, 1]
    assert [float(r[3]) for r in rows] == pytest.approx(p.tolist(), abs=6e-5)
    got = np.array([float(r[4]) for r in rows])
    np.testing.assert_allclose(got, bg.fpr("promoter", p), rtol=6e-3)  # 3 significant digits
    assert any(f"promoter={bg.default_threshold('promoter'):.4f}" in c for c in comments)


def test_vcf_bgfpr_entries_match_the_genebert_entries(promoter_bg, tiny, hg38_chr2, tmp_path):
    from genebert_tool.annotate.fetch import WindowFetcher
    from genebert_tool.annotate.models import load_models
    from genebert_tool.annotate.variants import score_variants
    from genebert_tool.genome import vcf as vcf_reader
    from genebert_tool.genome.fasta import Genome

    _, bg = promoter_bg
    genome = Genome(str(hg38_chr2))
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr2,length=2333275>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for i, pos in enumerate(range(1_500_001, 1_500_001 + 40 * 300, 300)):
        ref = genome.fetch("chr2", pos - 1, pos)
        alt = "A" if ref != "A" else "G"
        lines.append(f"chr2\t{pos}\tv{i}\t{ref}\t{alt}\t.\t.\t.")
    vcf = tmp_path / "v.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    _run([vcf, "--task", "promoter", "--model", tiny["promoter"], "--genome", hg38_chr2, "-o", tmp_path / "v",
          "--device", "cpu"])
    out = pysam.VariantFile(str(tmp_path / "v.vcf.gz"))
    assert "Format: ALLELE|OUTPUT|REF|ALT" in out.header.info[schema.INFO_BGFPR].description
    meta = [str(r) for r in out.header.records if r.key == "genebert_background"]
    assert len(meta) == 1 and f"promoter:{bg.default_threshold('promoter'):.4f}" in meta[0]
    records = list(out)
    # expected: score_variants on the same models and genome, then Background.fpr
    models = load_models("promoter", [str(tiny["promoter"])], device="cpu", per_position_splice=False)
    vf = vcf_reader.open_vcf(str(vcf), name="v.vcf")
    variants = [v for site in vcf_reader.iter_vcf(vf, genome, name="v.vcf") for v in site.variants]
    with WindowFetcher(genome, 0) as fetcher:
        p_ref, p_alt = score_variants(variants, models, fetcher.fetch_many)
    vf.close()
    genome.close()
    assert len(records) == len(variants) == 40
    for rec, r, a in zip(records, p_ref[:, 0], p_alt[:, 0]):
        (entry,) = rec.info[schema.INFO_BGFPR]
        allele, output, f_ref, f_alt = entry.split("|")
        assert (allele, output) == (rec.alts[0], "promoter")
        np.testing.assert_allclose([float(f_ref), float(f_alt)], bg.fpr("promoter", np.array([r, a])), rtol=6e-3)
        (score,) = schema.parse_score_entries(rec.info[schema.INFO_SCORES])
        assert score.ref == pytest.approx(float(r), abs=6e-5)


def test_background_without_an_output_of_the_model_is_a_clear_error(tiny, tmp_path):
    import shutil

    model = tmp_path / "m"
    shutil.copytree(tiny["promoter"], model)
    _write_background(model, {"something_else": _RNG.random(100)})
    fa = tmp_path / "s.fa"
    fa.write_text(">a\n" + _random_seqs(1, 70)[0] + "\n")
    result = CliRunner().invoke(main, ["annotate", str(fa), "--task", "promoter", "--model", str(model),
                                       "-o", str(tmp_path / "p")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "background.json: no calibration for output(s) promoter" in result.output


def test_per_base_splice_rows_carry_the_fpr_of_their_maximum(hg38_chr2, tmp_path):
    from genebert_tool.inference.splice import SpliceScanner, score_positions

    path = build_token_splice_model(tmp_path / "splice_model")
    scanner = SpliceScanner.from_pretrained(path)
    background = _random_seqs(1, 3000)[0]
    per_base = scanner.score(lambda lo, hi: background[max(lo, 0):max(hi, 0)].ljust(hi - lo, "N"), 0, 3000)
    bg = _write_background(path, {"donor": per_base[:, 0], "acceptor": per_base[:, 1]}, unit="base")
    bed = tmp_path / "genes.bed"
    spans = [(1860000, 1860120, "+"), (1870000, 1870090, "-"), (1880000, 1880060, ".")]
    bed.write_text("".join(f"chr2\t{s}\t{e}\tg{i}\t0\t{st}\n" for i, (s, e, st) in enumerate(spans)))
    _run([bed, "--task", "splice", "--model", path, "--genome", hg38_chr2, "-o", tmp_path / "sp",
          "--tracks", "bigwig,bgfpr"])
    header, rows, comments = _table(tmp_path / "sp.bed")
    assert header[-4:] == ["donor", "donor.bgfpr", "acceptor", "acceptor.bgfpr"]
    for (s, e, st), row in zip(spans, rows):
        scores = score_positions(scanner, str(hg38_chr2), "chr2", s, e, strand=st)
        best = scores.max(axis=0)
        with pyBigWig.open(str(tmp_path / "sp.acceptor.bgfpr.bw")) as bw:  # -log10 FPR per base
            track = np.array(bw.values("chr2", s, e))
        np.testing.assert_allclose(track, -np.log10(bg.fpr("acceptor", scores[:, 1])), rtol=1e-4, atol=1e-5)
        assert [float(row[-4]), float(row[-2])] == pytest.approx(best.tolist(), abs=6e-5)
        np.testing.assert_allclose([float(row[-3]), float(row[-1])],
                                   [bg.fpr("donor", best[:1])[0], bg.fpr("acceptor", best[1:])[0]], rtol=6e-3)
    assert any("random bases" in c for c in comments)
