"""The convolutional head: per-base splice models (token_head="conv") and conv_max sequence pooling."""

from __future__ import annotations

import pytest
import torch

from genebert_tool.genome.tokenizer import KmerTokenizer
from genebert_tool.model.configuration import named_config
from genebert_tool.model.conv_head import ConvHead
from genebert_tool.model.modeling import GeneBertForSequenceClassification
from genebert_tool.model.token_classification import GeneBertForTokenClassification

SMALL = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
             conv_channels=16, conv_kernel=5, conv_dilations=[1, 2])


def _perturb_norms(model):
    """Non-trivial running statistics, so that padding would leak through BN(0) != 0 if not zeroed."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g))
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=g))


def test_receptive_field_is_as_documented():
    cfg = named_config("tiny", **SMALL)
    head = ConvHead(cfg).eval()
    x = torch.zeros(1, 61, 32)
    x[0, 30] = 1.0
    with torch.no_grad():
        delta = (head(x) - head(torch.zeros_like(x))).abs().sum(-1)[0]
    reach = 2 * (5 - 1) * (1 + 2) // 2  # (1 + 2 * (k-1) * sum(d)) wide, centred
    touched = torch.nonzero(delta > 0).flatten()
    assert touched.min() == 30 - reach and touched.max() == 30 + reach


def test_conv_max_ignores_padding_exactly():
    torch.manual_seed(0)
    cfg = named_config("tiny", **SMALL, task="tfbs", label_names=["a", "b"],
                       problem_type="multi_label_classification", classifier_pooling="conv_max")
    model = GeneBertForSequenceClassification(cfg)
    _perturb_norms(model)
    model.eval()
    ids = torch.randint(5, 100, (2, 40))
    mask = torch.ones_like(ids)
    ids[1, 25:], mask[1, 25:] = 0, 0
    with torch.no_grad():
        padded = model(ids, mask).logits[1]
        alone = model(ids[1:, :25], mask[1:, :25]).logits[0]
    assert torch.allclose(padded, alone, atol=1e-5)


def test_conv_max_learns_a_motif_and_round_trips(tmp_path):
    """A planted 6-mer anywhere in the window is found by the max over positions."""
    torch.manual_seed(0)
    cfg = named_config("tiny", **SMALL, kmer=3, task="tfbs", label_names=["bound"],
                       problem_type="multi_label_classification", classifier_pooling="conv_max")
    model = GeneBertForSequenceClassification(cfg)
    g = torch.Generator().manual_seed(0)
    seqs, ys = [], []
    for i in range(64):
        s = ["ACGT"[j] for j in torch.randint(0, 4, (50,), generator=g)]
        if i % 2:
            at = int(torch.randint(0, 44, (1,), generator=g))
            s[at : at + 6] = list("CCGCGG")
        seqs.append("".join(s))
        ys.append([float(i % 2)])
    enc = KmerTokenizer(3).encode_batch(seqs, max_len=50)
    ids, mask = torch.from_numpy(enc["input_ids"]), torch.from_numpy(enc["attention_mask"])
    y = torch.tensor(ys)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(60):
        loss = model(ids, mask, labels=y).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        p = torch.sigmoid(model(ids, mask).logits[:, 0])
    assert float(p[1::2].min()) > float(p[::2].max())
    model.save_pretrained(tmp_path, safe_serialization=True)
    again = GeneBertForSequenceClassification.from_pretrained(str(tmp_path), use_safetensors=True).eval()
    with torch.no_grad():
        assert torch.allclose(again(ids, mask).logits, model(ids, mask).logits, atol=1e-6)


def test_conv_token_head_learns_a_site_position():
    """Per base: label 1 on the G of every GT in the scored part; the conv head separates it."""
    torch.manual_seed(0)
    cfg = named_config("tiny", **SMALL, kmer=3, task="splice", label_names=["neither", "donor", "acceptor"],
                       problem_type="single_label_classification", window_bp=60, max_seq_len=60,
                       classifier_head="token", context_bp=10, token_head="conv")
    model = GeneBertForTokenClassification(cfg)
    g = torch.Generator().manual_seed(0)
    seqs = ["".join("ACGT"[j] for j in torch.randint(0, 4, (60,), generator=g)) for _ in range(32)]
    labels = torch.zeros(32, 40, dtype=torch.long)
    for i, s in enumerate(seqs):
        for j in range(40):
            if s[10 + j : 12 + j] == "GT":
                labels[i, j] = 1
    enc = KmerTokenizer(3).encode_batch(seqs, max_len=60)
    ids = torch.from_numpy(enc["input_ids"])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(80):
        loss = model(ids, labels=labels, class_weights=torch.tensor([1.0, 5.0, 5.0])).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        p = model(ids).logits.softmax(-1)[..., 1]
    assert float(p[labels == 1].min()) > float(p[labels == 0].max())


@pytest.mark.parametrize("bad", [dict(token_head="lstm"), dict(conv_kernel=4), dict(classifier_pooling="max")])
def test_bad_head_settings_are_refused(bad):
    with pytest.raises(ValueError):
        named_config("tiny", **bad)
