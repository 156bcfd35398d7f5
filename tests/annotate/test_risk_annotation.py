"""The risk classifier's annotation features (``annotate/risk_annotation.py``): their values, training
with them (``finetune-risk --annotation``), the JSON (format 2, version-1 files read as "no
annotation"), ``annotate --task risk --annotation`` and its usage errors, and the real ClinVar files.

Synthetic variants on the seeded random genome of ``risk_helpers`` with GC-stub task models:
the labels depend on whether a variant lies in an annotated exon, which the deltas cannot see.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pysam
import pytest

from annotate_helpers import gc_models
from genebert_tool.annotate.risk_annotation import ANNOTATION_FEATURES, annotate_variants
from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures
from genebert_tool.errors import ModelError
from genebert_tool.genome.fasta import Genome
from genebert_tool.genome.gene_annotation import NO_TRANSCRIPTS_DISTANCE, read_gene_annotation
from genebert_tool.genome.vcf import Variant
from risk_helpers import _cli, _labelled_rows, _snvs, _write_vcf, genome_fa, registry  # noqa: F401
from trainer.risk import train_risk
from trainer.risk_labels import read_labelled_variants

EXONS = [(k * 1000, k * 1000 + 200) for k in range(1, 19)]  # one + strand transcript over chr1


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


def _annotation_bed(path, chrom="chr1"):
    start, end = EXONS[0][0], EXONS[-1][1]
    sizes = ",".join(str(b - a) for a, b in EXONS)
    starts = ",".join(str(a - start) for a, _ in EXONS)
    path.write_text(f"{chrom}\t{start}\t{end}\tg\t0\t+\t{start}\t{end}\t0\t{len(EXONS)}\t{sizes}\t{starts}\n")
    return path


def _in_exon(pos1: int) -> int:
    return int(any(a <= pos1 - 1 < b for a, b in EXONS))


def _v(chrom, start, ref, alt):
    return Variant(chrom, start, ref, alt, 1, None, 0)


def test_feature_values(tmp_path):
    ann = read_gene_annotation(_annotation_bed(tmp_path / "a.bed"))
    where = annotate_variants(ann, [_v("chr1", 1199, "A", "G"), _v("chr1", 1249, "AT", "A"), _v("chr1", 1150, "C", "T"),
                                    _v("chr1", 1198, "ACG", "A"), _v("chr9", 5, "A", "C")])
    assert where.splice_distance.tolist() == [0, 51, 49, 0, NO_TRANSCRIPTS_DISTANCE]  # donor 1199; AT>A changes 1250
    assert where.no_transcripts.tolist() == [0, 0, 0, 0, 1]
    x = where.features()
    assert x.shape == (5, len(ANNOTATION_FEATURES))
    np.testing.assert_allclose(x[:, 0], np.log1p([0, 51, 49, 0, NO_TRANSCRIPTS_DISTANCE]))
    assert x[:, 1].tolist() == [0, 1, 0, 1, 0] and x[:, 2].tolist() == [1, 0, 1, 1, 0]
    assert x[:, 3].tolist() == [0, 0, 0, 1, 0]


def test_training_with_an_annotation_learns_what_the_deltas_cannot(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 300, seed=11)
    y = np.array([_in_exon(p) for p, *_ in snvs])
    assert 25 < y.sum() < 100
    vcf = _write_vcf(tmp_path / "l.vcf", _labelled_rows(snvs, y))
    bed = _annotation_bed(tmp_path / "genes.bed")
    s = train_risk(vcf, genome_fa, tmp_path / "with", models=gc_models(50), annotation=[bed], version="9.9.9")
    plain = train_risk(vcf, genome_fa, tmp_path / "without", models=gc_models(50))
    assert s["cv_metrics"]["auc"] > 0.95 and plain["cv_metrics"]["auc"] < 0.7
    assert s["n_no_transcripts"] == 0 and s["cv_metrics"]["n_no_transcripts"] == 0
    saved = json.loads((tmp_path / "with" / "risk_classifier.json").read_text())
    assert saved["format_version"] == 2 and saved["feature_names"][-4:] == list(ANNOTATION_FEATURES)
    import hashlib

    assert saved["annotation"]["files"] == [{"name": bed.name, "sha256": hashlib.sha256(bed.read_bytes()).hexdigest(),
                                             "n_transcripts": 1}]
    assert saved["version"] == "9.9.9"
    clf = RiskClassifier.from_dir(tmp_path / "with")
    assert clf.needs_annotation and not RiskClassifier.from_dir(tmp_path / "without").needs_annotation
    from trainer.risk import risk_version

    assert risk_version(clf) == "9.9.9"

    # the classifier refuses features without the annotation, and a plain one refuses them with it
    data = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50))
    with pytest.raises(ModelError, match="uses a gene annotation.*--annotation BED12.*--risk-model none"):
        clf.predict_proba(data.features)
    annotated = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50), annotation=read_gene_annotation(bed))
    assert clf.predict_proba(annotated.features).shape == (300,)
    with pytest.raises(ModelError, match="uses no gene annotation"):
        RiskClassifier.from_dir(tmp_path / "without").predict_proba(annotated.features)

    # an annotation missing the variants' contig: distance capped, counted, warned about
    other = train_risk(vcf, genome_fa, tmp_path / "elsewhere", models=gc_models(50),
                       annotation=[_annotation_bed(tmp_path / "chr5.bed", "chr5")])
    assert other["n_no_transcripts"] == 300 and "300 training variants lie on contigs" in other["warnings"][0]


def test_json_versions(genome_fa, tmp_path):
    rng = np.random.default_rng(0)
    x = RiskFeatures(rng.normal(size=(60, 2)), ["a.delta", "a.abs_delta"], [])
    from trainer.risk import fit_risk_classifier

    clf, _, _ = fit_risk_classifier(x, np.array([0, 1] * 30))
    data = clf.to_json()
    assert data["format_version"] == 2 and data["annotation"] is None
    v1 = {k: v for k, v in data.items() if k != "annotation"}
    v1["format_version"] = 1  # what genebert-risk 0.2.0 shipped: read as "no annotation features"
    assert not RiskClassifier.from_json(v1).needs_annotation
    with pytest.raises(ModelError, match="format_version 3; this genebert reads 1, 2"):
        RiskClassifier.from_json({**data, "format_version": 3})
    with pytest.raises(ModelError, match="annotation.features must be"):
        RiskClassifier.from_json({**data, "annotation": {"features": ["annotation.gc"]}})


def test_cli_annotation_is_needed_declared_and_counted(genome_fa, registry, tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(registry))
    snvs = _snvs(genome_fa, 80, seed=12)
    vcf = _write_vcf(tmp_path / "l.vcf.gz", _labelled_rows(snvs, [_in_exon(p) or i % 7 == 0 for i, (p, *_) in
                                                                    enumerate(snvs)]))
    bed = _annotation_bed(tmp_path / "genes.bed")
    result, text = _cli("finetune-risk", "--train", vcf, "--fasta", genome_fa, "--annotation", bed, "-o",
                        tmp_path / "risk")
    assert result.exit_code == 0, text
    assert "annotation features from 1 file(s); 0 variants on contigs without annotated transcripts" in text

    risk = tmp_path / "risk"
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", risk, "-o",
                        tmp_path / "no")
    assert result.exit_code == 2 and "uses a gene annotation: pass --annotation BED12 (it was trained with " \
        f"{bed.name}), or --risk-model none" in text, text
    assert not (tmp_path / "no.vcf.gz").exists()
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", "none",
                        "--annotation", bed, "-o", tmp_path / "none")
    assert result.exit_code == 2 and "--annotation is read by the risk classifier only" in text, text
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", "none", "-q",
                        "-o", tmp_path / "none")
    assert result.exit_code == 0, text

    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", risk,
                        "--annotation", bed, "-q", "-o", tmp_path / "ann")
    assert result.exit_code == 0, text
    with pysam.VariantFile(str(tmp_path / "ann.vcf.gz")) as vf:
        meta = {r.key: {k: v.strip('"') for k, v in r.items()} for r in vf.header.records
                if r.key.startswith("genebert_")}
        p = np.array([r.info["GENEBERT_RISK_P"][0] for r in vf])
    import hashlib

    sha = hashlib.sha256(bed.read_bytes()).hexdigest()
    assert meta["genebert_annotation"]["File"] == bed.name and meta["genebert_annotation"]["Sha256"] == sha
    assert sha in meta["genebert_risk_model"]["TrainedAnnotation"]
    assert meta["genebert_risk_model"]["Sha256"] == hashlib.sha256((risk / "risk_classifier.json").read_bytes()).hexdigest()
    from genebert_tool.annotate.models import load_models

    data = read_labelled_variants(vcf, Genome(genome_fa), load_models("risk", per_position_splice=False),
                                  annotation=read_gene_annotation(bed))
    np.testing.assert_allclose(p, RiskClassifier.from_dir(risk).predict_proba(data.features), atol=6e-5)

    # an annotation without the VCF's contig: scored with the cap, counted in the summary
    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", risk,
                        "--annotation", _annotation_bed(tmp_path / "chr5.bed", "chr5"), "-o", tmp_path / "cap")
    assert result.exit_code == 0, text
    assert "80 ALTs on contigs without transcripts in --annotation (chr1 80)" in text
    assert "not the annotation the risk classifier was trained with" in text


def test_real_clinvar_annotation_features(real_data):
    """The shared ClinVar GRCh38 files with SpliceAI's canonical annotation of both pieces: the splice-region
    subset docs/risk.md reports (565 within 50 bp, 134 P/LP), every variant on an annotated contig."""
    pairs = [(real_data / "variants/clinvar_20200803.hg38_chr22.vcf.gz", real_data / "genome/hg38_chr22.fa.gz"),
             (real_data / "variants/clinvar_20200803.hg38_chr2_piece.vcf.gz",
              real_data / "genome/hg38_chr2_1-2333275.fa.gz")]
    ann = read_gene_annotation([real_data / "annotation/spliceai_canonical_gencode24.hg38_chr22.bed",
                                real_data / "annotation/spliceai_canonical_gencode24.hg38_chr2_piece.bed"])
    from trainer.risk_labels import read_labelled_sets

    data = read_labelled_sets([(v, Genome(f)) for v, f in pairs], gc_models(50), holdout=[("chr22", 38_000_000, None)],
                              annotation=ann)
    where, y = data.annotation, data.labels
    assert len(y) == 881 and not where.no_transcripts.any()
    near = where.splice_distance <= 50
    assert (int(near.sum()), int(y[near].sum())) == (565, 134)
    assert data.features.names[-4:] == list(ANNOTATION_FEATURES) and np.isfinite(data.features.values).all()
    assert Counter(zip(where.not_snv.tolist(), where.in_exon.tolist()))  # both classes present
    assert where.in_exon.any() and where.not_snv.any()
