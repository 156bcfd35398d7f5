"""Hostile model directories and options (issue 13 items 3 and 4): damaged weights, a missing CUDA,
NaN weights, --tf names the model lacks, windows shorter than a k-mer -- each a one-line error -- and
the sha256 of the weights actually loaded in every output header."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from annotate_helpers import GcPredictor, build_tiny_models
from genebert_tool.annotate.models import ScoringModel
from genebert_tool.cli import main
from genebert_tool.errors import ModelError
from genebert_tool.pretrained import write_checksums


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.set_num_threads(1)
    return build_tiny_models(tmp_path_factory.mktemp("models"))


@pytest.fixture
def bed(tmp_path):
    path = tmp_path / "in.bed"
    path.write_text("chr2\t1860151\t1860261\tMYT1L_PE\t0\t-\nchr2\t1000000\t1000100\tr2\t0\t+\n")
    return path


def _copy(model, tmp_path, name="m"):
    target = tmp_path / name
    shutil.copytree(model, target)
    return target


def _annotate(*args):
    result = CliRunner().invoke(main, ["annotate", *map(str, args)])
    return result, result.output  # click >= 8.2: stdout and stderr together


def _one_line_error(result, text, *needles):
    assert result.exit_code == 1, text
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not an escaped exception
    errors = [ln for ln in text.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in text, text
    for needle in needles:
        assert needle in errors[0], errors[0]


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_damaged_safetensors_is_one_line(tiny, bed, hg38_chr2, tmp_path, damage):
    model = _copy(tiny["promoter"], tmp_path)
    weights = model / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                         "garbage": bytes(range(256)) * 40}[damage])
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "o")
    _one_line_error(result, text, "model.safetensors", "safetensors")
    assert not list(tmp_path.glob("o*"))


def test_pickle_only_directory_is_refused(tiny, bed, hg38_chr2, tmp_path):
    model = _copy(tiny["promoter"], tmp_path)
    (model / "model.safetensors").unlink()
    torch.save({"w": torch.zeros(2)}, model / "pytorch_model.bin")
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "o")
    _one_line_error(result, text, "model.safetensors is missing")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_device_cuda_without_cuda(tiny, bed, hg38_chr2, tmp_path):
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", tiny["promoter"],
                             "--device", "cuda", "-o", tmp_path / "o")
    _one_line_error(result, text, "CUDA is not available")


def _flip_a_weight(model):
    weights = model / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-4] ^= 0x01  # the lowest mantissa byte of the last float32: a finite, slightly different weight
    weights.write_bytes(bytes(data))


def test_flipped_weights_are_refused_by_the_checksum_file(tiny, bed, hg38_chr2, tmp_path):
    model = _copy(tiny["promoter"], tmp_path)
    write_checksums(model)
    _flip_a_weight(model)
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "o")
    _one_line_error(result, text, "model.safetensors", "does not match", "SHA256SUMS")


def test_headers_record_the_sha256_of_the_weights_loaded(tiny, bed, hg38_chr2, real_data, tmp_path):
    model = _copy(tiny["promoter"], tmp_path)
    _flip_a_weight(model)  # no checksum file: it loads, and the header says which weights it was
    digest = hashlib.sha256((model / "model.safetensors").read_bytes()).hexdigest()
    original = hashlib.sha256((tiny["promoter"] / "model.safetensors").read_bytes()).hexdigest()
    assert digest != original
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "b")
    assert result.exit_code == 0, text
    for out in ("b.bed", "b.rejected.tsv", "b.promoter.bed"):
        if out.endswith(".bed"):
            head = [ln for ln in (tmp_path / out).read_text().splitlines() if ln.startswith("#model")]
            assert head and all(f"sha256={digest}" in ln for ln in head), (out, head)
    vcf = real_data / "variants" / "clinvar_20200803.hg38_chr2_piece.vcf.gz"
    result, text = _annotate(vcf, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "v")
    assert result.exit_code == 0, text
    import pysam

    with pysam.VariantFile(str(tmp_path / "v.vcf.gz")) as vf:
        (rec,) = [r for r in vf.header.records if r.key == "genebert_model"]
        assert rec["Sha256"].strip('"') == digest


def test_nan_weights_fail(tiny, bed, hg38_chr2, tmp_path):
    from safetensors.torch import load_file, save_file

    model = _copy(tiny["promoter"], tmp_path)
    tensors = load_file(model / "model.safetensors")
    name = sorted(tensors)[0]
    tensors[name] = torch.full_like(tensors[name], float("nan"))
    save_file(tensors, model / "model.safetensors", metadata={"format": "pt"})
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "o")
    _one_line_error(result, text, "NaN")
    assert not list(tmp_path.glob("o*"))


def test_non_finite_scores_stop_the_run():
    class NanPredictor(GcPredictor):
        def predict(self, sequences, *, batch_size=64):
            out = super().predict(sequences, batch_size=batch_size)
            if len(out) > 1:
                out[1, 0] = np.nan
            return out

    m = ScoringModel(predictor=NanPredictor(10), name="nan", version="0", task="tfbs", keep=[0, 1],
                     outputs=["gc", "at"], columns=["gc", "at"], window_bp=10)
    assert m.score(["ACGTACGTAC"]).shape == (1, 2)  # one window: row 1 does not exist, nothing to flag
    with pytest.raises(ModelError, match="non-finite score .* window 2"):
        m.score(["ACGTACGTAC", "GGGGGGGGGG", "AAAAAAAAAA"])


def test_tf_names_the_model_lacks_are_an_error(tiny, bed, hg38_chr2, tmp_path):
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "tfbs", "--model", tiny["tfbs"],
                             "--tf", "CTCF,NOSUCHTF", "-o", tmp_path / "o")
    _one_line_error(result, text, "NOSUCHTF".lower(), "MA0139.1_CTCF", "MA0079.3_SP1")


def test_context_shorter_than_a_kmer_is_refused(tiny, bed, hg38_chr2, tmp_path):
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", tiny["promoter"],
                             "--context-bp", "2", "-o", tmp_path / "o")
    _one_line_error(result, text, "3-mers", "--context-bp is 2")
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", tiny["promoter"],
                             "--context-bp", "3", "-o", tmp_path / "o")
    assert result.exit_code == 0, text


def test_weights_that_do_not_fit_the_config_say_which_tensor(tiny, bed, hg38_chr2, tmp_path):
    """transformers' own message points at a report it does not print ("see the above report")."""
    import json

    model = _copy(tiny["promoter"], tmp_path)
    config = json.loads((model / "config.json").read_text())
    config["intermediate_size"] = 48  # the saved weights have 64
    (model / "config.json").write_text(json.dumps(config))
    result, text = _annotate(bed, "--genome", hg38_chr2, "--task", "promoter", "--model", model, "-o", tmp_path / "o")
    _one_line_error(result, text, "shape", "config.json")
    assert "above report" not in text
