"""Training the risk classifier on several VCFs, the hold-out guard, pinned task-model weights,
registering a classifier and ``annotate --task risk`` using the registered one by default.

Synthetic variants on a seeded random genome with the GC-stub task models of
``annotate_helpers``; the real ClinVar GRCh38 files are read only for their labels and rejects.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pysam
import pytest

from annotate_helpers import gc_models
from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures
from genebert_tool.errors import InputError, ModelError
from genebert_tool.genome.fasta import Genome
from risk_helpers import _cli, _labelled_rows, _snvs, _write_vcf, genome_fa, registry  # noqa: F401
from trainer.risk import fit_risk_classifier, train_risk
from trainer.risk_labels import parse_region, read_labelled_sets, read_labelled_variants


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


def test_parse_region():
    assert parse_region("chr22:38000000-") == ("chr22", 38_000_000, None)
    assert parse_region("chr22:38,000,000-39,000,000") == ("chr22", 38_000_000, 39_000_000)
    for bad in ("chr22", "chr22:5-5", "chr22:x-"):
        with pytest.raises(InputError):
            parse_region(bad)


def test_a_record_in_the_holdout_stops_training(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 40, seed=3)
    vcf = _write_vcf(tmp_path / "l.vcf", _labelled_rows(snvs, [i % 2 for i in range(40)]))
    cut = snvs[30][0] - 1  # 0-based position of the 31st variant: it and every later one are held out
    with pytest.raises(InputError, match=rf"lies in the hold-out region chr1:{cut}-") as info:
        train_risk(vcf, genome_fa, tmp_path / "o", models=gc_models(50), holdout=[("chr1", cut, None)])
    assert info.value.line == 4 + 31  # header lines + the 31st record
    assert not (tmp_path / "o" / "risk_classifier.json").exists()
    # just before it: trains
    s = train_risk(vcf, genome_fa, tmp_path / "o2", models=gc_models(50), holdout=[("chr1", snvs[-1][0], None)])
    assert s["n_train"] == 40


def test_two_vcfs_two_fastas_and_a_variant_repeated_across_files(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 80, seed=5)
    y = [s[3] for s in snvs]
    rows = _labelled_rows(snvs, y)
    a = _write_vcf(tmp_path / "a.vcf", rows[:50])
    b = _write_vcf(tmp_path / "b.vcf.gz", rows[50:] + [rows[0]])  # rows[0] again: a duplicate of a.vcf
    other_fa = tmp_path / "copy.fa"
    shutil.copy(genome_fa, other_fa)
    s = train_risk([a, b], [genome_fa, other_fa], tmp_path / "o", models=gc_models(50))
    assert s["n_train"] == 80 and s["reject_counts"] == {"DUPLICATE_VARIANT": 1}
    rejects = (tmp_path / "o" / "rejects.tsv").read_text().splitlines()
    assert len(rejects) == 2 and f"same variant as {a}:5" in rejects[1] and rejects[1].startswith(str(b))
    oof = [ln.split("\t") for ln in (tmp_path / "o" / "oof_predictions.tsv").read_text().splitlines()]
    assert oof[0] == ["source", "line", "variant", "label", "fold", "oof_probability"]
    assert Counter(r[0] for r in oof[1:]) == {str(a): 50, str(b): 30}
    assert sorted(Counter(r[4] for r in oof[1:]).values()) == [16] * 5
    with pytest.raises(InputError, match="one --fasta for all --train VCFs or one per --train"):
        train_risk([a, b], [genome_fa, other_fa, other_fa], tmp_path / "o3", models=gc_models(50))


def test_same_name_and_version_but_other_weights_is_refused(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 60, seed=2)
    vcf = _write_vcf(tmp_path / "l.vcf", _labelled_rows(snvs, [s[3] for s in snvs]))
    data = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50))
    clf, _, _ = fit_risk_classifier(data.features, data.labels)
    pinned = [{**m, "sha256": {"model.safetensors": "a" * 64}} for m in clf.models]
    clf.models = pinned
    same = [{**m, "weights_sha256": "a" * 64} for m in data.features.models]
    clf.predict_proba(RiskFeatures(data.features.values, data.features.names, same))  # same weights: fine
    other = [{**m, "weights_sha256": "b" * 64} for m in data.features.models]
    with pytest.raises(ModelError, match="other weights than in training.*--risk-model none"):
        clf.predict_proba(RiskFeatures(data.features.values, data.features.names, other))
    # a stub without weights ("."), as in tests, is not refused for that
    clf.predict_proba(data.features)


def test_register_ships_only_the_classifier_files_and_annotate_uses_it_by_default(genome_fa, registry, tmp_path,
                                                                                   monkeypatch):
    root = tmp_path / "registry"
    shutil.copytree(registry, root)
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(root))
    snvs = _snvs(genome_fa, 80, seed=4)
    vcf = _write_vcf(tmp_path / "l.vcf.gz", _labelled_rows(snvs, [s[3] for s in snvs]))
    result, text = _cli("finetune-risk", "--train", vcf, "--fasta", genome_fa, "--register",
                        "genebert-risk", "-o", tmp_path / "risk")
    assert result.exit_code == 0, text
    assert "registered genebert-risk 0-test" in text
    entry = json.loads((root / "manifest.json").read_text())["models"]["genebert-risk"]
    assert entry["task"] == "risk" and entry["version"] == "0-test"
    assert sorted(entry["sha256"]) == ["cv_metrics.json", "pr.png", "risk_classifier.json", "roc.png"]
    assert not (root / "genebert-risk" / "rejects.tsv").exists()

    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "-q", "-o", tmp_path / "ann")
    assert result.exit_code == 0, text
    with pysam.VariantFile(str(tmp_path / "ann.vcf.gz")) as vf:
        assert "GENEBERT_RISK_P" in vf.header.info
        assert any("genebert-risk" in str(r) for r in vf.header.records if r.key == "genebert_risk_model")
        p = [r.info["GENEBERT_RISK_P"][0] for r in vf]
    want = RiskClassifier.from_dir(root / "genebert-risk")
    assert len(p) == 80 and want.extra["n_train"] == 80

    # --task all does not add it; --risk-model none turns it off; another setting is refused before output
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", "none", "-q",
                        "-o", tmp_path / "none")
    assert result.exit_code == 0, text
    with pysam.VariantFile(str(tmp_path / "none.vcf.gz")) as vf:
        assert "GENEBERT_RISK_P" not in vf.header.info
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--splice-distance", "3", "-q",
                        "-o", tmp_path / "other")
    assert result.exit_code == 1 and "scan_distance 0 vs 3" in text and "--risk-model none" in text, text
    assert not (tmp_path / "other.vcf.gz").exists()

    # the registered files are checked: a changed classifier file is refused by name
    (root / "genebert-risk" / "risk_classifier.json").write_text(
        (root / "genebert-risk" / "risk_classifier.json").read_text().replace('"C": ', '"C":  '))
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "-q", "-o", tmp_path / "bad")
    assert result.exit_code == 1 and "sha256 mismatch" in text and "risk_classifier.json" in text, text


def test_no_registered_classifier_means_no_risk_p(genome_fa, registry, tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(registry))  # the tiny task models, no genebert-risk
    snvs = _snvs(genome_fa, 5, seed=9)
    vcf = _write_vcf(tmp_path / "l.vcf", _labelled_rows(snvs, [1, 0, 1, 0, 1]))
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "-q", "-o", tmp_path / "a")
    assert result.exit_code == 0, text
    with pysam.VariantFile(str(tmp_path / "a.vcf.gz")) as vf:
        assert "GENEBERT_RISK_P" not in vf.header.info
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", "genebert-nope",
                        "-q", "-o", tmp_path / "b")
    assert result.exit_code == 1 and "unknown model 'genebert-nope'" in text


# --------------------------------------------------------------------------------- real data
def test_real_clinvar_grch38_labels_and_rejects(real_data):
    """The shared ClinVar GRCh38 files: train region only; P/LP and B/LB used, VUS and the record
    without CLNSIG rejected with their reasons (stub task models: the labels do not depend on them)."""
    pairs = [(real_data / "variants/clinvar_20200803.hg38_chr22.vcf.gz", real_data / "genome/hg38_chr22.fa.gz"),
             (real_data / "variants/clinvar_20200803.hg38_chr2_piece.vcf.gz",
              real_data / "genome/hg38_chr2_1-2333275.fa.gz")]
    for vcf, _ in pairs:
        with pysam.VariantFile(str(vcf)) as vf:
            assert all(not (r.chrom == "chr22" and r.stop > 38_000_000) for r in vf), "hold-out record in the file"
    data = read_labelled_sets([(v, Genome(f)) for v, f in pairs], gc_models(50), holdout=[("chr22", 38_000_000, None)])
    assert data.n_records == 1518 + 28
    assert (int(data.labels.sum()), int((data.labels == 0).sum())) == (173 + 4, 680 + 24)  # data sources 8g
    codes = Counter(r.reason.split(":", 1)[0] for r in data.rejects)
    assert codes == {"LABEL_VUS": 664, "LABEL_MISSING": 1}
    assert all("Uncertain_significance" in r.reason for r in data.rejects if r.reason.startswith("LABEL_VUS"))
    assert len(data.keys) + len(data.rejects) == data.n_records and len(set(data.keys)) == len(data.keys)
    assert np.isfinite(data.features.values).all()
