"""The variant-risk classifier (``trainer/risk.py``, ``trainer/risk_labels.py``,
``annotate/risk_classifier.py``): mechanics only.

The genome is a seeded random sequence; labels are a deterministic function of what the task
models' deltas can see (a GC-content stub: a G/C-gaining SNV raises its output), so the classifier
must separate them, and the same variants with shuffled labels must not. No real variant gets a
made-up label: the shared data has ClinVar labels only on hg19 and no hg19 FASTA, so the real-data
tests check the label parsing and the error a genome mismatch gives.
"""

from __future__ import annotations

import csv
import gzip
import json

import numpy as np
import pysam
import pytest

from annotate_helpers import gc_models
from risk_helpers import HEADER, _cli, _labelled_rows, _snvs, _write_vcf, genome_fa, registry  # noqa: F401
from genebert_tool.annotate.models import default_models
from genebert_tool.annotate.risk_classifier import RiskClassifier, RiskFeatures
from genebert_tool.errors import InputError, ModelError
from genebert_tool.genome.fasta import Genome
from trainer.risk import MIN_PER_CLASS, fit_risk_classifier, train_risk
from trainer.risk_labels import parse_label, read_labelled_variants

@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


# ------------------------------------------------------------------------------------ labels
@pytest.mark.parametrize("value,label", [
    (("Pathogenic",), 1), ("Likely_pathogenic", 1), (("Pathogenic/Likely_pathogenic",), 1), ("likely pathogenic", 1),
    (("Benign",), 0), ("Likely_benign", 0), (("Benign/Likely_benign",), 0), ("1", 1), (0, 0), ("0", 0),
    ("Likely pathogenic;Pathogenic;not provided", 1), ("Benign;not provided", 0),
])
def test_clinvar_labels_that_train(value, label):
    assert parse_label(value) == (label, None)


@pytest.mark.parametrize("value,code", [
    (None, "LABEL_MISSING"), (".", "LABEL_MISSING"), ("not_provided", "LABEL_MISSING"),
    ("Uncertain_significance", "LABEL_VUS"), ("Conflicting_interpretations_of_pathogenicity", "LABEL_CONFLICTING"),
    ("Pathogenic;Uncertain significance", "LABEL_CONFLICTING"), ("Benign/Pathogenic", "LABEL_CONFLICTING"),
    ("drug_response", "LABEL_OTHER"), ("Pathogenic|risk_factor", "LABEL_OTHER"), ("2", "LABEL_OTHER"),
])
def test_other_labels_are_reasons(value, code):
    label, why = parse_label(value)
    assert label is None and why.startswith(code + ":")


# ----------------------------------------------------------------------------- classifier
def test_signal_is_learned_and_shuffled_labels_are_not(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 240)
    y = np.array([s[3] for s in snvs])
    assert 40 < y.sum() < 200
    vcf = _write_vcf(tmp_path / "l.vcf", _labelled_rows(snvs, y))
    data = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50))
    assert len(data.labels) == 240 and not data.rejects
    assert data.features.names[:2] == ["gc.delta", "at.delta"] and data.features.values.shape == (240, 4)
    _, metrics, oof = fit_risk_classifier(data.features, data.labels, seed=0)
    assert metrics["auc"] > 0.95 and metrics["mcc"] > 0.8 and metrics["n"] == 240
    shuffled = np.random.default_rng(3).permutation(data.labels)
    _, control, _ = fit_risk_classifier(data.features, shuffled, seed=0)
    assert abs(control["auc"] - 0.5) < 0.12, control["auc"]
    assert control["pr_auc"] < metrics["pr_auc"] - 0.3


def test_too_few_or_one_class_is_refused(genome_fa):
    rng = np.random.default_rng(0)
    x = RiskFeatures(rng.normal(size=(40, 2)), ["a.delta", "a.abs_delta"], [])
    few = np.array([1] * (MIN_PER_CLASS - 1) + [0] * 31)
    with pytest.raises(InputError, match=r"9 pathogenic, 31 benign \(at least 10 of each"):
        fit_risk_classifier(x, few)
    with pytest.raises(InputError, match="all 40 are benign"):
        fit_risk_classifier(x, np.zeros(40, dtype=int))


def test_rejects_outputs_and_json_round_trip(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 120, seed=1)
    rows = _labelled_rows(snvs, [s[3] for s in snvs])
    p, r, a, _ = snvs[0]
    wrong_ref = next(b for b in "ACGT" if b != r)
    bad = [
        f"chr1\t{p + 1}\tvus\tN\tA\t.\t.\tCLNSIG=Uncertain_significance",  # N in REF matches any base
        f"chr1\t{p + 2}\tnolabel\tN\tA\t.\t.\t.",
        f"chr1\t{p}\tmismatch\t{wrong_ref}\t{r}\t.\t.\tCLNSIG=Pathogenic",
        f"chr1\t{p + 3}\tmulti\tN\tA,C\t.\t.\tCLNSIG=Benign",
        f"chr1\t{p + 4}\tsym\tN\t<DEL>\t.\t.\tCLNSIG=Pathogenic",
        f"chr9\t100\tcontig\tA\tG\t.\t.\tCLNSIG=Benign",
        f"chr1\t{p}\tdup\t{r}\t{a}\t.\t.\tCLNSIG=Benign",
        f"chr1\t{p + 5}\tconflict\tN\tA\t.\t.\tCLNSIG=Conflicting_interpretations_of_pathogenicity",
    ]
    vcf = _write_vcf(tmp_path / "l.vcf.gz", rows[:1] + bad + rows[1:])
    summary = train_risk(vcf, genome_fa, tmp_path / "out", models=gc_models(50), seed=1)
    out = tmp_path / "out"
    for name in ("risk_classifier.json", "cv_metrics.json", "rejects.tsv", "oof_predictions.tsv", "roc.png", "pr.png"):
        assert (out / name).is_file(), name
    with open(out / "rejects.tsv") as fh:
        rejects = list(csv.DictReader(fh, delimiter="\t"))
    got = {int(r["line"]): r["reason"].split(":")[0] for r in rejects}
    first = HEADER.count("\n") + 2  # the first bad row follows one good row
    assert got == {first: "LABEL_VUS", first + 1: "LABEL_MISSING", first + 2: "REF_MISMATCH",
                   first + 3: "MULTI_ALLELIC", first + 4: "SYMBOLIC_ALT", first + 5: "CONTIG_NOT_IN_GENOME",
                   first + 6: "DUPLICATE_VARIANT", first + 7: "LABEL_CONFLICTING"}
    assert all(r["source"] == str(vcf) for r in rejects)
    assert summary["n_train"] == 120 and summary["n_rejected"] == 8 and summary["n_records"] == 128

    saved = json.loads((out / "risk_classifier.json").read_text())
    assert saved["feature_names"] == ["gc.delta", "at.delta", "gc.abs_delta", "at.abs_delta"]
    assert saved["task_models"][0]["name"] == "gc-stub-tfbs" and saved["task_models"][0]["version"] == "0"
    assert saved["label_mapping"]["info_field"] == "CLNSIG" and "cv_metrics" in saved
    assert saved["cv_metrics"] == json.loads((out / "cv_metrics.json").read_text())
    assert not list(out.glob("*.pkl"))

    data = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50))
    trained, _, _ = fit_risk_classifier(data.features, data.labels, seed=1)
    loaded = RiskClassifier.from_dir(out)
    np.testing.assert_array_equal(loaded.predict_proba(data.features), trained.predict_proba(data.features))
    from trainer.risk import _pipeline  # the saved numbers reproduce scikit-learn's own fit

    reference = _pipeline(loaded.c).fit(data.features.values, data.labels)
    np.testing.assert_allclose(loaded.predict_proba(data.features),
                               reference.predict_proba(data.features.values)[:, 1], atol=1e-9)


def test_other_task_models_are_refused(genome_fa, tmp_path):
    snvs = _snvs(genome_fa, 60, seed=2)
    vcf = _write_vcf(tmp_path / "l.vcf", _labelled_rows(snvs, [i % 2 for i in range(60)]))
    data = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50))
    clf, _, _ = fit_risk_classifier(data.features, data.labels)
    newer = [{**m, "version": "1"} for m in data.features.models]
    with pytest.raises(ModelError, match="gc-stub-tfbs 0, but these come from gc-stub-tfbs 1"):
        clf.predict_proba(RiskFeatures(data.features.values, data.features.names, newer))
    wider = [{**m, "window_bp": 80} for m in data.features.models]
    with pytest.raises(ModelError, match="window_bp 50 vs 80"):
        clf.predict_proba(RiskFeatures(data.features.values, data.features.names, wider))
    other = read_labelled_variants(vcf, Genome(genome_fa), gc_models(50, splice=True))
    with pytest.raises(ModelError, match="use the same task models"):
        clf.predict_proba(other.features)


def test_genome_without_the_variants_contig_names_file_and_line(genome_fa, tmp_path):
    rows = [f"chr9\t{100 + i}\tv{i}\tA\tG\t.\t.\tCLNSIG={'Pathogenic' if i % 2 else 'Benign'}" for i in range(30)]
    vcf = _write_vcf(tmp_path / "l.vcf", rows)
    with pytest.raises(InputError) as info:
        train_risk(vcf, genome_fa, tmp_path / "out", models=gc_models(50))
    text = str(info.value)
    assert f"first CONTIG_NOT_IN_GENOME at {vcf}:{HEADER.count(chr(10)) + 1}" in text
    assert "0 usable of 30 records (30 with a usable CLNSIG label)" in text and "genome build" in text
    assert not (tmp_path / "out" / "risk_classifier.json").exists()
    assert len((tmp_path / "out" / "rejects.tsv").read_text().splitlines()) == 31


# --------------------------------------------------------------------------------------- CLI
def test_cli_finetune_risk_then_annotate_with_it(genome_fa, registry, tmp_path, monkeypatch):
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(registry))
    snvs = _snvs(genome_fa, 80, seed=4)
    vcf = _write_vcf(tmp_path / "l.vcf.gz", _labelled_rows(snvs, [s[3] for s in snvs])
                     + [f"chr1\t{snvs[-1][0] + 1}\tvus\tN\tA\t.\t.\tCLNSIG=Uncertain_significance"])
    result, text = _cli("finetune-risk", "--train", vcf, "--fasta", genome_fa, "-o", tmp_path / "risk")
    assert result.exit_code == 0, text
    assert "80 labelled variants" in text and "1 rejected" in text and "cv auc=" in text
    saved = json.loads((tmp_path / "risk" / "risk_classifier.json").read_text())
    names = [m["name"] for m in saved["task_models"]]
    assert names == default_models("all")
    manifest = json.loads((registry / "manifest.json").read_text())["models"]
    for m in saved["task_models"]:
        assert m["version"] == "0-test" and m["sha256_source"] == "registry"
        assert m["sha256"]["model.safetensors"] == manifest[m["name"]]["sha256"]["model.safetensors"]
    assert len(saved["feature_names"]) == 2 * (1 + 3 + 2)  # promoter, 3 TFs, donor/acceptor

    result, text = _cli("annotate", vcf, "--task", "risk", "--genome", genome_fa, "--risk-model", tmp_path / "risk",
                        "-q", "-o", tmp_path / "ann")
    assert result.exit_code == 0, text
    with pysam.VariantFile(str(tmp_path / "ann.vcf.gz")) as vf:
        assert "GENEBERT_RISK_P" in vf.header.info
        records = list(vf)
    p = np.array([r.info["GENEBERT_RISK_P"][0] for r in records[:-1]])
    oof = [ln.split("\t") for ln in (tmp_path / "risk" / "oof_predictions.tsv").read_text().splitlines()[1:]]
    assert len(p) == len(oof) == 80 and ((p >= 0) & (p <= 1)).all()
    assert records[-1].info["GENEBERT_RISK_P"][0] is not None  # annotate scores any variant, labelled or not
    from genebert_tool.annotate.models import load_models  # the same features, recomputed unrounded

    data = read_labelled_variants(vcf, Genome(genome_fa), load_models("risk", per_position_splice=False))
    want = RiskClassifier.from_dir(tmp_path / "risk").predict_proba(data.features)
    np.testing.assert_allclose(p, want, atol=6e-5)  # INFO values have 4 decimals

    result, text = _cli("annotate", vcf, "--task", "tfbs", "--genome", genome_fa, "--risk-model", tmp_path / "risk",
                        "-o", tmp_path / "ann2")
    assert result.exit_code == 1 and "use the same task models" in text
    assert not (tmp_path / "ann2.vcf.gz").exists()


@pytest.mark.parametrize("command,args,message", [
    ("finetune-risk", ["--train", "x.vcf"], "Missing option '--fasta'"),
    ("finetune-risk", ["--fasta", "g.fa"], "Missing option '--train'"),
    ("finetune", ["--task", "promoter", "--train", "x.csv", "--fasta", "g.fa"], "No such option '--fasta'"),
    ("finetune", ["--task", "promoter", "--train", "x.csv", "--label-field", "LAB"], "No such option '--label-field'"),
    ("finetune", ["--task", "splice", "--train", "x.csv", "--model", "m"], "No such option '--model'"),
    ("finetune-risk", ["--train", "x.vcf", "--fasta", "g.fa", "--dev", "d.vcf"], "No such option '--dev'"),
    ("finetune-risk", ["--train", "x.vcf", "--fasta", "g.fa", "--base", "genebert-tiny"], "No such option '--base'"),
    ("finetune-risk", ["--train", "a.vcf", "--train", "b.vcf", "--fasta", "g.fa", "--fasta", "h.fa", "--fasta", "i.fa"],
     "one --fasta for all --train VCFs or one per --train"),
    ("finetune", ["--task", "risk", "--train", "x.vcf"], "--task risk is now its own command: genebert finetune-risk"),
])
def test_cli_options_that_belong_to_the_other_command(command, args, message, tmp_path):
    result, text = _cli(command, *args, "-o", tmp_path / "o")
    assert result.exit_code == 2 and message in text, text


# --------------------------------------------------------------------------------- real data
def test_real_clinvar_significance_groups_as_documented(real_data):
    """SOURCES.md section 5: the 195 donor rows group into 58 P/LP, 58 B/LB and 79 others."""
    with gzip.open(real_data / "variants" / "clinvar_chr22_donor_annotated.hg19.csv.gz", "rt") as fh:
        rows = list(csv.DictReader(fh))
    labels = [parse_label(r["ClinicalSignificance"])[0] for r in rows]
    assert (labels.count(1), labels.count(0), labels.count(None)) == (58, 58, 79)


def test_real_clinvar_vcf_against_the_hg38_piece_is_refused_clearly(real_data, hg38_chr2, tmp_path):
    """The real hg19 ClinVar VCF, its real labels joined by ID from the CSV; no hg19 FASTA exists here,
    so with the hg38 chr2 piece nothing can be scored, and the error says where and why."""
    with gzip.open(real_data / "variants" / "clinvar_chr22_donor_annotated.hg19.csv.gz", "rt") as fh:
        significance = {r[""]: r["ClinicalSignificance"] for r in csv.DictReader(fh)}
    src = real_data / "variants" / "clinvar_donor_acceptor_chr22.hg19.vcf.gz"
    lines = []
    with gzip.open(src, "rt") as fh:
        for line in fh:
            if line.startswith("#CHROM"):
                lines.append('##INFO=<ID=CLNSIG,Number=.,Type=String,Description="ClinicalSignificance">\n')
            elif not line.startswith("#"):
                f = line.rstrip("\n").split("\t")
                if f[2] in significance:  # VCF-safe: ClinVar's own '_' and '/' spellings
                    f[7] = "CLNSIG=" + significance[f[2]].replace(" ", "_").replace(";", "/")
                line = "\t".join(f) + "\n"
            lines.append(line)
    vcf = tmp_path / "clinvar_labelled.vcf"
    vcf.write_text("".join(lines))
    with pytest.raises(InputError) as info:
        train_risk(vcf, hg38_chr2, tmp_path / "out", models=gc_models(50))
    text = str(info.value)
    # 116 = the 58 P/LP + 58 B/LB donor rows; the acceptor rows have no label here (hold-out set)
    assert "0 usable of 419 records (116 with a usable CLNSIG label)" in text
    assert "CONTIG_NOT_IN_GENOME 418, ALT_EQUALS_REF 1" in text  # one upstream record has ALT = REF
    assert f"first CONTIG_NOT_IN_GENOME at {vcf}:" in text and "genome build" in text
