"""Predictor: loads task model directories / registered names and returns probabilities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genebert_tool.errors import ModelError
from genebert_tool.genome.tokenizer import KmerTokenizer
from genebert_tool.model.configuration import named_config
from genebert_tool.model.modeling import GeneBertForPreTraining, GeneBertForSequenceClassification
from genebert_tool.inference.predictor import Predictor, resolve_device
from genebert_tool.pretrained import register_model

torch.set_num_threads(1)

TINY = dict(kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=64, max_seq_len=40, projection_dim=16, region_embed_dim=12,
            region_depths=[1, 1], region_num_heads=[1, 2], region_image_size=16)
SEQS = ["ACGTTGCAAGGCTTACGATCGATCGGATCGATTACG" * 2, "NNNNACGTRYAC", "GATTACA", "TTTTTTTTTTTTTTTTTTTTTTTTT"]


def save_task_model(path, **overrides):
    torch.manual_seed(0)
    config = named_config("tiny", **{**TINY, **overrides})
    model = GeneBertForSequenceClassification(config)
    model.save_pretrained(path)
    KmerTokenizer(config.kmer).save_pretrained(path)
    return model.eval(), path


def test_single_label_probabilities(tmp_path):
    model, path = save_task_model(tmp_path / "splice", task="splice", label_names=["neither", "donor", "acceptor"],
                                  problem_type="single_label_classification", window_bp=60)
    predictor = Predictor.from_pretrained(path, device="cpu")
    assert predictor.output_names == ["neither", "donor", "acceptor"]
    assert (predictor.task, predictor.window_bp, predictor.model_name) == ("splice", 60, "splice")
    probs = predictor.predict(SEQS, batch_size=3)
    assert probs.shape == (4, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    enc = KmerTokenizer(3).encode_batch(SEQS, max_len=40)
    with torch.no_grad():
        logits = model(**{k: torch.from_numpy(v) for k, v in enc.items()}).logits
    np.testing.assert_allclose(probs, torch.softmax(logits, -1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(predictor.predict(SEQS[::-1], batch_size=64), probs[::-1], rtol=1e-5, atol=1e-6)
    assert predictor.predict([]).shape == (0, 3)


def test_multi_label_sigmoid(tmp_path):
    model, path = save_task_model(tmp_path / "tfbs", task="tfbs", label_names=["CTCF", "REST"],
                                  problem_type="multi_label_classification")
    probs = Predictor.from_pretrained(path, device="cpu").predict(SEQS)
    enc = KmerTokenizer(3).encode_batch(SEQS, max_len=40)
    with torch.no_grad():
        logits = model(**{k: torch.from_numpy(v) for k, v in enc.items()}).logits
    np.testing.assert_allclose(probs, torch.sigmoid(logits).numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(probs.sum(axis=1), 1.0)


def test_registered_name(tmp_path, monkeypatch):
    root = tmp_path / "pretrained"
    root.mkdir()
    monkeypatch.setenv("GENEBERT_PRETRAINED", str(root))
    _, path = save_task_model(tmp_path / "run", task="promoter", num_labels=2)
    register_model(path, "genebert-promoter", "promoter", "0.3.0")
    predictor = Predictor.from_pretrained("genebert-promoter", device="cpu")
    assert (predictor.model_name, predictor.model_version) == ("genebert-promoter", "0.3.0")
    assert predictor.output_names == ["label_0", "label_1"]
    (root / "genebert-promoter" / "model.safetensors").write_bytes(b"corrupt")
    with pytest.raises(ModelError, match="sha256"):
        Predictor.from_pretrained("genebert-promoter", device="cpu")


def test_rejects_backbone_and_incomplete_dirs(tmp_path):
    backbone = GeneBertForPreTraining(named_config("tiny", **TINY))
    backbone.save_pretrained(tmp_path / "backbone")
    KmerTokenizer(3).save_pretrained(tmp_path / "backbone")
    with pytest.raises(ModelError, match="backbone"):
        Predictor.from_pretrained(tmp_path / "backbone", device="cpu")
    _, path = save_task_model(tmp_path / "task", task="promoter", num_labels=2)
    (path / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json"):
        Predictor.from_pretrained(path, device="cpu")
    with pytest.raises(ModelError, match="unknown model"):
        Predictor.from_pretrained(tmp_path / "does-not-exist", device="cpu")


def test_seq_region_builds_motif_matrix(tmp_path):
    pytest.importorskip("genebert_tool.motifs.region_matrix")
    motif_ids = ["MA0139.1", "MA0002.2", "MA0003.3"]
    _, path = save_task_model(tmp_path / "tfbs", task="tfbs", num_labels=2, modality="seq+region",
                              n_tfs=3, motif_ids=motif_ids)
    predictor = Predictor.from_pretrained(path, device="cpu")
    matrix = predictor.region_matrix(SEQS[:2])
    assert matrix.shape == (2, 10, 3)
    probs = predictor.predict(SEQS)
    assert probs.shape == (4, 2) and np.isfinite(probs).all()


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.gpu
def test_cuda_bf16_matches_cpu(tmp_path):
    _, path = save_task_model(tmp_path / "splice", task="splice", num_labels=3)
    cpu = Predictor.from_pretrained(path, device="cpu").predict(SEQS)
    gpu_predictor = Predictor.from_pretrained(path, device="auto")
    assert gpu_predictor.device.type == "cuda"
    np.testing.assert_allclose(gpu_predictor.predict(SEQS), cpu, atol=2e-2)  # bf16 autocast
