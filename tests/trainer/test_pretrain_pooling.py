"""The per-region token encoder and mean-pooled pre-training features (issue 11, item 3)."""

from __future__ import annotations

import pytest
import torch

from genebert_tool.model import GeneBertForPreTraining, named_config
from genebert_tool.model.region_encoder import RegionEncoder

torch.set_num_threads(1)

SMALL = dict(n_tfs=21, region_embed_dim=12, region_depths=[1, 1], region_num_heads=[2, 2])


def test_token_encoder_keeps_each_motif_column():
    """One token per region; changing one motif column of one region changes the features, and the
    output width is region_embed_dim."""
    config = named_config("tiny", region_encoder="tokens", **SMALL)
    encoder = RegionEncoder(config).eval()
    assert encoder.num_features == config.region_feature_dim == 12
    matrix = torch.randn(3, 10, 21)
    out = encoder(matrix)
    assert out.shape == (3, 12) and torch.isfinite(out).all()
    bumped = matrix.clone()
    bumped[0, 4, 17] += 3.0
    again = encoder(bumped)
    assert not torch.allclose(again[0], out[0]) and torch.allclose(again[1:], out[1:])
    with pytest.raises(ValueError, match="region_matrix"):
        encoder(torch.randn(2, 10, 20))
    with pytest.raises(ValueError, match="tokens"):
        encoder.to_image(matrix)


def _batch(n=4, length=40):
    ids = torch.randint(5, 69, (n, length))  # kmer=3: 64 k-mers after 5 specials
    ids[:, 0] = 2
    token_type = torch.zeros_like(ids)
    token_type[:, length // 2 :] = 1
    return ids, token_type


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_pretrain_pooling_losses_and_save_load(pooling, tmp_path):
    config = named_config("tiny", kmer=3, pretrain_pooling=pooling, region_encoder="tokens", **SMALL)
    model = GeneBertForPreTraining(config).eval()
    ids, tt = _batch()
    region = torch.randn(4, 10, 21)
    out = model(ids, token_type_ids=tt, region_matrix=region, ngsp_labels=torch.tensor([0, 1, 0, 1]))
    assert torch.isfinite(out.loss) and out.ngsp_logits.shape == (4, 2)
    width = model.ngsp_head.in_features
    assert width == (3 * config.hidden_size if pooling == "mean" else config.hidden_size)
    model.save_pretrained(tmp_path)
    loaded = GeneBertForPreTraining.from_pretrained(tmp_path, use_safetensors=True).eval()
    assert loaded.config.pretrain_pooling == pooling and loaded.config.region_encoder == "tokens"
    again = loaded(ids, token_type_ids=tt, region_matrix=region, ngsp_labels=torch.tensor([0, 1, 0, 1]))
    assert torch.allclose(again.loss, out.loss, atol=1e-5)


def test_mean_pooled_sequence_embedding_reads_segment_a_only():
    """With pretrain_pooling="mean" the SRM sequence embedding is the projected mean of segment a's
    (token_type 0) last hidden states; with "cls" it is the projected pooled [CLS]."""
    for pooling in ("mean", "cls"):
        config = named_config("tiny", kmer=3, pretrain_pooling=pooling, **SMALL)
        bert = GeneBertForPreTraining(config).eval().genebert
        ids, tt = _batch(2)
        out = bert(ids, token_type_ids=tt)
        a = out.last_hidden_state[:, :20].mean(dim=1)
        expected = bert.seq_projection(a if pooling == "mean" else out.pooler_output)
        assert torch.allclose(out.sequence_embedding, expected, atol=1e-5)
        everything = bert.seq_projection(out.last_hidden_state.mean(dim=1))
        assert not torch.allclose(out.sequence_embedding, everything, atol=1e-3)
    with pytest.raises(ValueError, match="pretrain_pooling"):
        named_config("tiny", pretrain_pooling="max")
