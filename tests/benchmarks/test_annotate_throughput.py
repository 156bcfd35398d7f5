"""``benchmarks/annotate_throughput.matmul_seconds``: the matmul-only floor counts what the model runs -- both
strands of a strand-averaged model and the convolutions of a conv head (``forward_plan``) -- and runs for
every shipped layout."""

from __future__ import annotations

import pytest
import torch

from benchmarks.annotate_throughput import forward_batch, forward_plan, matmul_seconds
from genebert_tool.model.configuration import named_config

torch.set_num_threads(1)
SMALL = dict(kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
             max_position_embeddings=128, max_seq_len=128, conv_channels=32, conv_kernel=11,
             conv_dilations=[1, 1, 4, 4, 4, 4, 4, 4])


def _best(config, n=256, batch=64, repeats=3):
    return matmul_seconds(config, n, batch, repeats=repeats)


@pytest.mark.parametrize("layout", [dict(), dict(classifier_pooling="conv_max"), dict(strand_average=True),
                                    dict(task="splice", label_names=["neither", "donor", "acceptor"],
                                         classifier_head="token", token_head="conv", window_bp=120, context_bp=10)])
def test_every_layout_runs(layout):
    assert _best(named_config("tiny", **SMALL, **layout), n=8, batch=8, repeats=1) > 0


def test_the_plan_counts_both_strands_and_the_conv_head():
    assert forward_plan(named_config("tiny", **SMALL), 100) == (100, 0)
    assert forward_plan(named_config("tiny", **SMALL, strand_average=True), 100) == (200, 0)
    assert forward_plan(named_config("tiny", **SMALL, classifier_pooling="conv_max"), 100) == (100, 16)
    token = named_config("tiny", **SMALL, task="splice", label_names=["neither", "donor", "acceptor"],
                         classifier_head="token", token_head="conv", window_bp=120, context_bp=10)
    assert forward_plan(token, 7) == (7, 16)
    assert forward_plan(named_config("tiny", **{**SMALL, "conv_dilations": [1, 4]}, classifier_pooling="conv_max"),
                        1) == (1, 4)


def test_per_base_forwards_are_batched_as_the_pipeline_batches_them():
    from genebert_tool.inference.splice import windows_per_forward

    tile = named_config("tiny", **SMALL)
    token = named_config("tiny", **{**SMALL, "max_seq_len": 802, "max_position_embeddings": 1024}, classifier_head="token")
    assert forward_batch(tile, 256) == 256
    assert forward_batch(token, 256) == windows_per_forward(256, 802) == 64
