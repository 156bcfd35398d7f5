"""The timm region encoder: every kind and input layout gives pooled features of the right width."""

from __future__ import annotations

import pytest
import torch

from genebert_tool.model.configuration import named_config
from genebert_tool.model.region_encoder import RegionEncoder, build_region_encoder

torch.set_num_threads(1)

SMALL = dict(n_tfs=21, region_embed_dim=12, region_depths=[1, 1], region_num_heads=[1, 2], region_window_size=4,
             region_image_size=16, region_patch_size=4, region_native_patch=[2, 4])


@pytest.mark.parametrize("kind", ["swin", "vit", "deit"])
@pytest.mark.parametrize("region_input", ["resize", "native"])
def test_region_encoder_shapes(kind, region_input):
    config = named_config("tiny", region_encoder=kind, region_input=region_input, **SMALL)
    encoder = RegionEncoder(config)
    assert encoder.num_features == config.region_feature_dim
    matrix = torch.randn(3, 10, 21)
    image = encoder.to_image(matrix)
    assert tuple(image.shape[2:]) == encoder.image_size
    if region_input == "native":  # no resampling: the matrix is the top-left corner, zeros elsewhere
        assert torch.equal(image[:, 0, :10, :21], matrix)
        assert not image[:, 0, 10:, :].any() and not image[:, 0, :, 21:].any()
    else:
        assert tuple(image.shape[2:]) == (16, 16)
    features = encoder(matrix)
    assert features.shape == (3, config.region_feature_dim)
    assert torch.isfinite(features).all()


def test_region_encoder_rejects_wrong_shape():
    encoder = RegionEncoder(named_config("tiny", **SMALL))
    with pytest.raises(ValueError, match="region_matrix"):
        encoder(torch.randn(2, 10, 20))


def test_build_region_encoder_explicit_arguments():
    model = build_region_encoder("swin", embed_dim=12, depths=(1, 1), num_heads=(1, 2), window_size=4,
                                 patch_size=(2, 4), image_size=(12, 24), in_chans=1)
    assert model(torch.randn(2, 1, 12, 24)).shape == (2, 24)
    with pytest.raises(ValueError):
        build_region_encoder("resnet", embed_dim=12, depths=(1,), num_heads=(1,), window_size=4,
                             patch_size=4, image_size=16)


def test_region_input_standardisation_saved_and_applied(tmp_path):
    """Per-TF (x - mean) / std from the config is applied before the encoder and survives save/load."""
    import torch

    from genebert_tool.model import GeneBertForPreTraining, named_config

    mean, std = [1.0, 2, 3, 4, 5], [1.0, 1, 2, 2, 3]
    m = GeneBertForPreTraining(named_config("tiny", n_tfs=5, region_input_mean=mean, region_input_std=std)).eval()
    raw = GeneBertForPreTraining(named_config("tiny", n_tfs=5)).eval()
    raw.genebert.region_encoder.backbone.load_state_dict(m.genebert.region_encoder.backbone.state_dict())
    x = torch.randn(2, 10, 5) * 3 + 2
    with torch.no_grad():
        a = m.genebert.region_encoder(x)
        b = raw.genebert.region_encoder((x - torch.tensor(mean)) / torch.tensor(std))
    torch.testing.assert_close(a, b)
    m.save_pretrained(tmp_path)
    m2 = GeneBertForPreTraining.from_pretrained(tmp_path, use_safetensors=True).eval()
    with torch.no_grad():
        torch.testing.assert_close(m2.genebert.region_encoder(x), a)
