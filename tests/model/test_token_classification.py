"""Per-base (token) classifier: features, loss masking, gradients and the save/load round trip."""

from __future__ import annotations

import pytest
import torch

from genebert_tool.genome.tokenizer import KmerTokenizer
from genebert_tool.model.configuration import named_config
from genebert_tool.model.token_classification import GeneBertForTokenClassification, per_base_mean


def _config(**kw):
    base = dict(kmer=3, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                task="splice", label_names=["neither", "donor", "acceptor"],
                problem_type="single_label_classification", window_bp=60, max_seq_len=60,
                classifier_head="token", context_bp=10)
    return named_config("tiny", **{**base, **kw})


@pytest.mark.parametrize("k", [3, 6])
def test_per_base_mean_is_the_mean_of_covering_kmers(k):
    tokens = torch.randn(2, 20 - k + 1, 5)
    got = per_base_mean(tokens, k)
    assert got.shape == (2, 20, 5)
    for i in range(20):
        covering = [t for t in range(tokens.shape[1]) if t <= i <= t + k - 1]
        assert torch.allclose(got[:, i], tokens[:, covering].mean(1), atol=1e-6)


def _batch(n=4, length=60):
    g = torch.Generator().manual_seed(0)
    seqs = ["".join("ACGT"[i] for i in torch.randint(0, 4, (length,), generator=g)) for _ in range(n)]
    enc = KmerTokenizer(3).encode_batch(seqs, max_len=length - 3 + 3)
    return {k: torch.from_numpy(v) for k, v in enc.items()}


def test_forward_shapes_and_masked_loss():
    torch.manual_seed(0)
    model = GeneBertForTokenClassification(_config())
    enc = _batch()
    out = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
    assert out.logits.shape == (4, 40, 3) and out.loss is None
    labels = torch.full((4, 40), -100)
    labels[:, 5] = 1
    loss = model(enc["input_ids"], enc["attention_mask"], labels=labels).loss
    expected = torch.nn.functional.cross_entropy(out.logits[:, 5].float(), torch.ones(4, dtype=torch.long))
    model.eval()
    assert torch.isfinite(loss)
    with torch.no_grad():
        eval_logits = model(enc["input_ids"], enc["attention_mask"]).logits
        eval_loss = model(enc["input_ids"], enc["attention_mask"], labels=labels).loss
    assert torch.allclose(eval_loss, torch.nn.functional.cross_entropy(eval_logits[:, 5], torch.ones(4, dtype=torch.long)))
    assert expected.shape == ()


def test_every_parameter_gets_a_gradient_and_wrong_length_is_refused():
    model = GeneBertForTokenClassification(_config())
    enc = _batch()
    labels = torch.randint(0, 3, (4, 40))
    model(enc["input_ids"], enc["attention_mask"], labels=labels).loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None
               and not any(part in n for part in ("pooler", "token_type", "seq_projection"))]  # SRM-only parts
    assert not missing
    with pytest.raises(ValueError, match="tokens for a 60-bp window"):
        model(enc["input_ids"][:, :-1])


def test_save_load_round_trip(tmp_path):
    model = GeneBertForTokenClassification(_config()).eval()
    model.save_pretrained(tmp_path, safe_serialization=True)
    again = GeneBertForTokenClassification.from_pretrained(tmp_path, use_safetensors=True).eval()
    enc = _batch()
    with torch.no_grad():
        assert torch.equal(model(enc["input_ids"]).logits, again(enc["input_ids"]).logits)
    assert again.config.classifier_head == "token" and again.config.context_bp == 10


def test_config_refuses_context_that_leaves_nothing():
    with pytest.raises(ValueError, match="leaves no scored base"):
        _config(context_bp=30)
