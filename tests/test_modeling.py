"""GeneBERT models: shapes, gradients, overfitting, save/load round trips, backbone transfer."""

from __future__ import annotations

import pytest
import torch

from genebert_tool.model.configuration import named_config
from genebert_tool.model.modeling import GeneBertForPreTraining, GeneBertForSequenceClassification

torch.set_num_threads(1)

N_TFS = 20
TINY = dict(
    kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
    max_position_embeddings=64, max_seq_len=64, projection_dim=16, n_tfs=N_TFS,
    region_embed_dim=12, region_depths=[1, 1], region_num_heads=[1, 2], region_window_size=4,
    region_image_size=16, region_patch_size=4, region_native_patch=[2, 4],
    hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
)


def tiny_config(**overrides):
    return named_config("tiny", **{**TINY, **overrides})


def make_batch(config, batch=4, length=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, config.vocab_size, (batch, length), generator=g)
    ids[:, 0] = 2
    ids[:, -1] = 3
    labels = torch.full((batch, length), -100)
    labels[:, 3] = ids[:, 3]
    labels[:, 7] = ids[:, 7]
    ids[:, [3, 7]] = 4
    token_type = torch.zeros_like(ids)
    token_type[:, length // 2 :] = 1
    return dict(
        input_ids=ids,
        attention_mask=torch.ones_like(ids),
        token_type_ids=token_type,
        region_matrix=torch.randn(batch, config.n_regions, config.n_tfs, generator=g),
        mlm_labels=labels,
        ngsp_labels=torch.arange(batch) % 2,
    )


def test_pretraining_smoke():
    config = tiny_config()
    model = GeneBertForPreTraining(config)
    batch = make_batch(config)
    out = model(**batch)
    assert out.mlm_logits.shape == (8, config.vocab_size)  # 2 masked positions x 4 sequences
    assert out.ngsp_logits.shape == (4, 2)
    assert out.logits_per_sequence.shape == (4, 4)
    expected = out.loss_mgm + out.loss_ngsp + config.lambda_srm * out.loss_srm
    assert torch.allclose(out.loss, expected)
    no_labels = model(batch["input_ids"], region_matrix=batch["region_matrix"])
    assert no_labels.loss is None


def test_classifier_smoke():
    config = tiny_config(num_labels=3, task="splice", modality="seq+region")
    model = GeneBertForSequenceClassification(config)
    batch = make_batch(config)
    out = model(batch["input_ids"], region_matrix=batch["region_matrix"], labels=torch.tensor([0, 1, 2, -100]))
    assert out.logits.shape == (4, 3)
    assert out.loss is not None and torch.isfinite(out.loss)
