"""info_nce against a brute-force double loop over the batch."""

from __future__ import annotations

import math

import pytest
import torch

from genebert_tool.model.losses import info_nce


def brute_force_info_nce(seq, reg, logit_scale):
    b = seq.shape[0]
    scale = math.exp(float(logit_scale))
    sim = [[0.0] * b for _ in range(b)]
    for i in range(b):
        for j in range(b):
            s, r = seq[i].tolist(), reg[j].tolist()
            dot = sum(x * y for x, y in zip(s, r))
            sim[i][j] = scale * dot / (math.sqrt(sum(x * x for x in s)) * math.sqrt(sum(y * y for y in r)))
    seq_to_reg = sum(-sim[i][i] + math.log(sum(math.exp(sim[i][j]) for j in range(b))) for i in range(b)) / b
    reg_to_seq = sum(-sim[i][i] + math.log(sum(math.exp(sim[j][i]) for j in range(b))) for i in range(b)) / b
    return 0.5 * (seq_to_reg + reg_to_seq)


@pytest.mark.parametrize("batch,dim,temperature", [(2, 3, 1.0), (5, 8, 0.07), (7, 4, 0.5)])
def test_info_nce_matches_double_loop(batch, dim, temperature):
    g = torch.Generator().manual_seed(batch)
    seq = torch.randn(batch, dim, generator=g, dtype=torch.float64)
    reg = torch.randn(batch, dim, generator=g, dtype=torch.float64)
    scale = torch.tensor(math.log(1 / temperature))
    got = info_nce(seq, reg, scale)
    assert got.item() == pytest.approx(brute_force_info_nce(seq, reg, scale), rel=1e-5)


def test_info_nce_symmetric_in_modalities_and_small_when_aligned():
    g = torch.Generator().manual_seed(0)
    seq, reg = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    scale = torch.tensor(2.0)
    assert info_nce(seq, reg, scale).item() == pytest.approx(info_nce(reg, seq, scale).item(), rel=1e-6)
    aligned = info_nce(seq, seq, torch.tensor(math.log(100.0)))
    assert aligned.item() < 0.05  # matched pairs, sharp temperature: near zero
    with pytest.raises(ValueError):
        info_nce(seq, reg[:3], scale)
