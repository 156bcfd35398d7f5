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


@pytest.fixture(scope="module")
def tiny_pretraining_model(tmp_path_factory):
    """A tiny pre-training model, its save_pretrained directory and the reloaded copy (both eval)."""
    torch.manual_seed(0)
    model = GeneBertForPreTraining(tiny_config()).eval()
    directory = tmp_path_factory.mktemp("tiny_pretraining_model")
    model.save_pretrained(directory)
    reloaded = GeneBertForPreTraining.from_pretrained(directory).eval()
    return model, directory, reloaded


def test_save_pretrained_round_trip_identical(tiny_pretraining_model):
    model, directory, reloaded = tiny_pretraining_model
    assert sorted(p.name for p in directory.iterdir()) == ["config.json", "model.safetensors"]
    batch = make_batch(model.config, seed=3)
    with torch.no_grad():
        a, b = model(**batch), reloaded(**batch)
    for key in ("loss", "loss_mgm", "loss_ngsp", "loss_srm", "mlm_logits", "ngsp_logits", "logits_per_sequence"):
        assert torch.equal(getattr(a, key), getattr(b, key)), key
    # the MGM decoder still shares the k-mer embedding matrix after loading
    assert reloaded.mgm_head._embeddings[0].weight is reloaded.genebert.bert.embeddings.word_embeddings.weight


def test_mlm_logits_only_at_masked_positions(tiny_pretraining_model):
    model = tiny_pretraining_model[0]
    batch = make_batch(model.config, seed=4)
    with torch.no_grad():
        out = model(**batch)
        hidden = model.genebert(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]).last_hidden_state
        full = model.mgm_head(hidden.reshape(-1, hidden.shape[-1])).reshape(*hidden.shape[:2], -1)
        without_labels = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    masked = batch["mlm_labels"] != -100
    assert out.mlm_logits.shape == (int(masked.sum()), model.config.vocab_size)
    assert torch.allclose(out.mlm_logits, full[masked], atol=1e-5)
    assert torch.allclose(without_labels.mlm_logits, out.mlm_logits, atol=1e-5)  # found via [MASK] ids
    assert without_labels.loss is None and without_labels.logits_per_sequence is None


@pytest.mark.parametrize("kind", ["swin", "vit", "deit"])
@pytest.mark.parametrize("region_input", ["resize", "native"])
def test_every_parameter_gets_a_gradient(kind, region_input):
    torch.manual_seed(0)
    model = GeneBertForPreTraining(tiny_config(region_encoder=kind, region_input=region_input))
    model(**make_batch(model.config)).loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and (p.grad is None or not p.grad.any())]
    assert not missing, missing


def test_loss_switches():
    config = tiny_config(use_ngsp=False, use_srm=False, lambda_srm=0.0)
    model = GeneBertForPreTraining(config)
    assert not model.genebert.has_region_encoder
    out = model(**make_batch(config))  # the region matrix is ignored without a region encoder
    assert out.loss_ngsp is None and out.loss_srm is None and out.logits_per_sequence is None
    assert torch.equal(out.loss, out.loss_mgm)


@pytest.mark.parametrize(
    "objectives,batch_size,lr,steps",
    [({}, 4, 1e-2, 50),
     (dict(use_mgm=False, use_ngsp=False, region_encoder="swin"), 8, 3e-3, 100),
     (dict(use_mgm=False, use_ngsp=False, region_encoder="tokens", pretrain_pooling="mean"), 8, 3e-3, 100)],
    ids=["all-objectives", "srm-only-swin-cls", "srm-only-tokens-mean"],
)
def test_one_batch_can_be_overfit(objectives, batch_size, lr, steps):
    # [CLS] embeddings of a freshly initialised BERT are nearly identical (cosine ~ 1 - 1e-6), so the
    # matching loss needs more steps than MGM/NGSP to leave log(batch); hence its own cases: the paper's
    # Swin + [CLS], and the token region encoder with the mean-pooled sequence embedding (the chr22 recipe).
    torch.manual_seed(0)
    config = tiny_config(**objectives)
    model = GeneBertForPreTraining(config).train()
    batch = make_batch(config, batch=batch_size, seed=1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    losses = []
    for _ in range(steps):
        loss = model(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0], losses[:: steps // 5]


def test_classifier_loads_backbone_from_pretraining_dir(tiny_pretraining_model):
    pretrain, directory, _ = tiny_pretraining_model
    for modality in ("seq", "seq+region"):
        clf = GeneBertForSequenceClassification.from_pretrained(
            directory, num_labels=3, task="splice", modality=modality
        )
        source = dict(pretrain.genebert.named_parameters())
        loaded = dict(clf.genebert.named_parameters())
        assert loaded, modality
        for name, param in loaded.items():
            assert torch.equal(param, source[name]), (modality, name)
        assert clf.genebert.has_region_encoder == (modality == "seq+region")
    named = GeneBertForSequenceClassification.from_pretrained(
        directory, task="splice", label_names=["neither", "donor", "acceptor"]
    )
    assert named.classifier.out_features == 3 and named.config.id2label[1] == "donor"


def test_classifier_multi_label_ignores_minus_100():
    torch.manual_seed(0)
    config = tiny_config(num_labels=3, task="tfbs", problem_type="multi_label_classification")
    model = GeneBertForSequenceClassification(config).eval()
    ids = make_batch(config)["input_ids"]
    labels = torch.tensor([[1, 0, -100], [0, 1, 1], [-100, -100, -100], [1, 1, 0]])
    out = model(ids, labels=labels)
    keep = labels != -100
    expected = torch.nn.functional.binary_cross_entropy_with_logits(out.logits[keep], labels[keep].float())
    assert torch.allclose(out.loss, expected)
    changed = labels.clone()
    changed[2] = torch.tensor([1, 0, 1])
    assert not torch.allclose(model(ids, labels=changed).loss, out.loss)
    assert model(ids).loss is None


def test_seq_region_classifier_needs_region_matrix():
    config = tiny_config(num_labels=2, task="promoter", modality="seq+region")
    model = GeneBertForSequenceClassification(config)
    with pytest.raises(ValueError, match="region_matrix"):
        model(make_batch(config)["input_ids"])


@pytest.mark.slow
def test_paper_config_builds_and_runs():
    """BERT-base over 6-mers + Swin-B on the 224 x 224 resized region image (the paper's layout)."""
    config = named_config("paper")
    model = GeneBertForPreTraining(config).eval()
    n_params = sum(p.numel() for p in model.parameters())
    assert 150e6 < n_params < 250e6  # BERT-base (~86M + 4101-token vocab) + Swin-B (~87M)
    batch = make_batch(config, batch=2, length=16)
    with torch.no_grad():
        out = model(**batch)
    assert out.logits_per_sequence.shape == (2, 2) and torch.isfinite(out.loss)


def test_padding_does_not_change_outputs(tiny_pretraining_model):
    """The attention mask reaches BERT's (sdpa) attention: [PAD] tokens are invisible."""
    from genebert_tool.genome.tokenizer import KmerTokenizer

    model = tiny_pretraining_model[0]
    tok = KmerTokenizer(model.config.kmer)
    seqs = ["ACGTTGCAAGGCTTACG", "GATTACAGATTACAGATTACAGATTACA"]
    short = {k: torch.from_numpy(v) for k, v in tok.encode_batch(seqs, max_len=30).items()}
    long = {k: torch.from_numpy(v) for k, v in tok.encode_batch(seqs, max_len=60).items()}
    with torch.no_grad():
        a, b = model.genebert(**short), model.genebert(**long)
        no_mask = model.genebert(long["input_ids"], torch.ones_like(long["input_ids"]))
    assert torch.allclose(a.pooler_output, b.pooler_output, atol=1e-5)
    assert torch.allclose(a.last_hidden_state, b.last_hidden_state[:, :30], atol=1e-5)
    # control: attending to the padding does change the token states
    assert (a.last_hidden_state - no_mask.last_hidden_state[:, :30]).abs().max() > 1e-3


def test_small_config_builds_and_runs():
    config = named_config("small", n_tfs=N_TFS)
    model = GeneBertForPreTraining(config).eval()
    with torch.no_grad():
        out = model(**make_batch(config, batch=2, length=16))
    assert out.logits_per_sequence.shape == (2, 2) and torch.isfinite(out.loss)


def test_mean_pooling_ignores_padding_and_differs_from_cls():
    torch.manual_seed(0)
    config = tiny_config(num_labels=2, task="promoter", classifier_pooling="mean")
    model = GeneBertForSequenceClassification(config).eval()
    ids = make_batch(config, batch=2)["input_ids"]
    mask = torch.ones_like(ids)
    padded = ids.clone()
    padded[:, -5:] = 0
    mask[:, -5:] = 0
    with torch.no_grad():
        a = model(padded, attention_mask=mask).logits
        other = padded.clone()
        other[:, -5:] = 7  # different content under the mask must not matter
        b = model(other, attention_mask=mask).logits
        hidden = model.genebert(padded, mask).last_hidden_state[:, :-5].mean(dim=1)
        expected = model.classifier(hidden)
    assert torch.allclose(a, b, atol=1e-5)
    assert torch.allclose(a, expected, atol=1e-5)
    cls = GeneBertForSequenceClassification(tiny_config(num_labels=2, task="promoter")).eval()
    cls.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert not torch.allclose(cls(padded, attention_mask=mask).logits, a)


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="classifier_pooling"):
        tiny_config(classifier_pooling="max")


def test_factorised_kmer_embedding_init_is_additive_per_base(tmp_path):
    """Row(kmer) = sum_p B[p, base_p]: the difference made by one base does not depend on the other bases,
    the rows keep BERT's std, special tokens keep their own init, and a reload does not re-initialise."""
    torch.manual_seed(0)
    model = GeneBertForPreTraining(tiny_config(kmer_embedding_init="factorised", hidden_size=64))
    rows = model.genebert.bert.embeddings.word_embeddings.weight.detach().clone()
    kmer = lambda s: 5 + int("".join("ACGT".index(b).__str__() for b in s), 4)  # noqa: E731  lexicographic ACGT
    # A->G at the middle base, in two different contexts, moves the row by the same vector
    torch.testing.assert_close(rows[kmer("AAA")] - rows[kmer("AGA")], rows[kmer("CAT")] - rows[kmer("CGT")])
    assert not torch.allclose(rows[kmer("AAA")] - rows[kmer("AGA")], rows[kmer("AAA")] - rows[kmer("AAG")])
    assert 0.015 < rows[5:].std().item() < 0.025
    random_model = GeneBertForPreTraining(tiny_config(hidden_size=64))
    plain = random_model.genebert.bert.embeddings.word_embeddings.weight.detach()
    assert not torch.allclose(plain[kmer("AAA")] - plain[kmer("AGA")], plain[kmer("CAT")] - plain[kmer("CGT")], atol=1e-3)
    # one-base neighbours start closer than unrelated k-mers (the point of the init)
    near = torch.nn.functional.cosine_similarity(rows[kmer("ACG")], rows[kmer("ACT")], dim=0)
    far = torch.nn.functional.cosine_similarity(rows[kmer("ACG")], rows[kmer("TGA")], dim=0)
    assert near > 0.4 and near > far + 0.2
    # trained rows survive save/load: from_pretrained must not run the factorised init over them
    with torch.no_grad():
        model.genebert.bert.embeddings.word_embeddings.weight.add_(1.0)
    model.save_pretrained(tmp_path)
    reloaded = GeneBertForPreTraining.from_pretrained(tmp_path, use_safetensors=True)
    assert reloaded.config.kmer_embedding_init == "factorised"
    assert torch.equal(reloaded.genebert.bert.embeddings.word_embeddings.weight, rows + 1.0)


def test_unknown_kmer_embedding_init_is_refused():
    with pytest.raises(ValueError, match="kmer_embedding_init"):
        tiny_config(kmer_embedding_init="sinusoidal")


def test_motif_skip_starts_at_zero_then_learns_the_motif_and_round_trips(tiny_pretraining_model, tmp_path):
    """motif_skip: zero at first (the same logits as without it, from a backbone or fresh), gradients reach it,
    it fits a label carried by one motif column's best score alone, and trained weights survive save/load."""
    _, directory, _ = tiny_pretraining_model
    kw = dict(num_labels=2, task="tfbs", modality="seq+region", problem_type="multi_label_classification")
    plain = GeneBertForSequenceClassification.from_pretrained(directory, **kw).eval()
    skip = GeneBertForSequenceClassification.from_pretrained(directory, motif_skip=True, **kw).eval()
    assert skip.motif_skip is not None and not skip.motif_skip.weight.any() and not skip.motif_skip.bias.any()
    skip.classifier.load_state_dict(plain.classifier.state_dict())  # the new heads differ by their random init
    batch = make_batch(skip.config, batch=8)
    same = dict(input_ids=batch["input_ids"], region_matrix=batch["region_matrix"] * 8)
    assert torch.allclose(skip(**same).logits, plain(**same).logits, atol=1e-6)
    assert not GeneBertForSequenceClassification(tiny_config(**kw)).motif_skip  # off by default
    # the label is "motif 3 has a hit of >= 12 bits somewhere in the window"; the sequence carries nothing
    g = torch.Generator().manual_seed(1)
    region = torch.randn(64, 10, N_TFS, generator=g) * 3
    hit = torch.rand(64, generator=g) < 0.5
    region[hit, torch.randint(0, 10, (int(hit.sum()),), generator=g), 3] = 15.0
    labels = torch.stack([hit, ~hit], 1).long()
    ids = make_batch(skip.config, batch=64)["input_ids"]
    opt = torch.optim.Adam(skip.motif_skip.parameters(), lr=0.05)
    skip.train()
    for _ in range(150):
        loss = skip(ids, region_matrix=region, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    skip.eval()
    with torch.no_grad():
        acc = ((skip(ids, region_matrix=region).logits[:, 0] > skip(ids, region_matrix=region).logits[:, 1]) == hit)
    assert acc.float().mean() > 0.95
    assert skip.motif_skip.weight[0].abs().argmax() == 3
    skip.save_pretrained(tmp_path / "skip")
    back = GeneBertForSequenceClassification.from_pretrained(tmp_path / "skip", use_safetensors=True).eval()
    assert back.config.motif_skip and torch.equal(back.motif_skip.weight, skip.motif_skip.weight)
    assert torch.allclose(back(ids, region_matrix=region).logits, skip(ids, region_matrix=region).logits)


@pytest.mark.parametrize("bad", [dict(modality="seq"), dict(modality="seq+region", classifier_head="token", context_bp=1)])
def test_motif_skip_needs_the_region_matrix_and_a_sequence_head(bad):
    with pytest.raises(ValueError, match="motif_skip"):
        tiny_config(num_labels=2, task="tfbs", motif_skip=True, **bad).validate()
