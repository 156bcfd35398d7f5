"""GeneBertConfig: named variants, derived fields, validation, JSON round trip, region input layout."""

from __future__ import annotations

import pytest

from genebert_tool.model.configuration import GeneBertConfig, named_config, region_input_size


def test_named_configs():
    tiny, small, paper = (named_config(n) for n in ("tiny", "small", "paper"))
    assert tiny.kmer == 6 and tiny.vocab_size == 4**6 + 5
    assert (paper.hidden_size, paper.num_hidden_layers, paper.num_attention_heads) == (768, 12, 12)
    assert paper.region_encoder == "swin" and paper.region_depths == [2, 2, 18, 2] and paper.region_embed_dim == 128
    assert paper.region_input == "resize" and paper.region_image_size == 224
    assert tiny.hidden_size < small.hidden_size < paper.hidden_size
    assert tiny.n_regions == 10 and tiny.jaspar_release == "JASPAR2018"
    assert (tiny.lambda_srm, tiny.init_temperature) == (0.5, 0.07)
    assert named_config("tiny", kmer=4).vocab_size == 4**4 + 5
    with pytest.raises(ValueError):
        named_config("huge")


@pytest.mark.parametrize(
    "overrides",
    [dict(kmer=7), dict(region_encoder="resnet"), dict(region_input="crop"), dict(modality="region"),
     dict(hidden_size=130), dict(n_tfs=3, motif_ids=["a", "b"]), dict(task="enhancer"),
     dict(region_depths=[2, 2, 2]), dict(max_seq_len=1024)],
)
def test_validation(overrides):
    with pytest.raises(ValueError):
        named_config("tiny", **overrides)


def test_json_round_trip(tmp_path):
    config = named_config(
        "tiny", task="tfbs", label_names=["unbound", "bound"], modality="seq+region",
        problem_type="single_label_classification", window_bp=101, motif_ids=["MA0139.1", "MA0002.2"], n_tfs=2,
    )
    assert config.num_labels == 2 and config.id2label == {0: "unbound", 1: "bound"}
    config.save_pretrained(tmp_path)
    loaded = GeneBertConfig.from_pretrained(tmp_path)
    for key in ("task", "label_names", "modality", "problem_type", "window_bp", "motif_ids", "n_tfs",
                "region_depths", "region_num_heads", "vocab_size", "num_labels"):
        assert getattr(loaded, key) == getattr(config, key), key


def test_region_input_layouts():
    """How the (n_regions=10, n_tfs) matrix becomes the encoder's image.

    resize: a square region_image_size image with square patches (the paper: bilinear to 224).
    native: no resampling; rows/cols padded so Swin's patch grid survives every 2x patch merge.
    """
    resize = named_config("tiny", region_encoder="swin")
    assert region_input_size(resize) == ((32, 32), (4, 4))
    native = named_config("tiny", region_encoder="swin", region_input="native", n_tfs=579, region_native_patch=[2, 8])
    (h, w), (ph, pw) = region_input_size(native)
    assert (ph, pw) == (2, 8)
    assert h >= 10 and w >= 579 and h % (2 * ph) == 0 and w % (2 * pw) == 0  # 2 stages -> one merge
    assert (h, w) == (12, 592)
    vit = named_config("tiny", region_input="native", region_encoder="vit", n_tfs=579)
    assert region_input_size(vit) == ((10, 584), (2, 8))


def test_motif_columns_reduce_to_matrix_ids():
    config = named_config("tiny", motif_ids=["MA0139.1_CTCF", "MA0002.2", "MA0003.3_TFAP2A"], n_tfs=3)
    assert config.motif_ids == ["MA0139.1", "MA0002.2", "MA0003.3"]


def test_from_pretrained_overrides_rebuild_derived_fields(tmp_path):
    named_config("tiny").save_pretrained(tmp_path / "backbone")
    config = GeneBertConfig.from_pretrained(
        tmp_path / "backbone", task="splice", label_names=["neither", "donor", "acceptor"],
        motif_ids=["MA0139.1_CTCF"], n_tfs=1,
    )
    assert config.num_labels == 3 and config.id2label == {0: "neither", 1: "donor", 2: "acceptor"}
    assert config.motif_ids == ["MA0139.1"] and config.task == "splice"
    config.save_pretrained(tmp_path / "task")
    relabelled = GeneBertConfig.from_pretrained(tmp_path / "task", num_labels=2)
    assert relabelled.num_labels == 2 and relabelled.label_names == []
    with pytest.raises(ValueError):
        GeneBertConfig.from_pretrained(tmp_path / "backbone", region_input="crop")
    with pytest.raises(ValueError):
        GeneBertConfig.from_pretrained(tmp_path / "backbone", label_names=["a", "b"], num_labels=3)


def test_default_jaspar_release_is_the_pinned_one():
    """model/ may not import motifs/ (tests/test_import_graph.py), so the config repeats the release;
    this keeps the two equal, with the motif count of that release."""
    from genebert_tool.motifs.jaspar import DEFAULT_RELEASE, load_motifs

    config = GeneBertConfig()
    assert config.jaspar_release == DEFAULT_RELEASE
    assert config.n_tfs == len(load_motifs(DEFAULT_RELEASE).pwms)
