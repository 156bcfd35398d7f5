"""KmerTokenizer: vocabulary layout, vectorised encoding vs a per-k-mer reference, batches, save/load."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from genebert_tool.genome.tokenizer import SPECIAL_TOKENS, KmerTokenizer


def reference_encode(seq: str, k: int) -> list[int]:
    """Per-k-mer Python reference: lexicographic ACGT index + 5, [UNK] for any non-ACGT base."""
    out = []
    for i in range(len(seq) - k + 1):
        kmer = seq[i : i + k].upper()
        if set(kmer) <= set("ACGT"):
            out.append(5 + sum("ACGT".index(b) * 4 ** (k - 1 - j) for j, b in enumerate(kmer)))
        else:
            out.append(1)
    return out


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_vocabulary_layout(k):
    tok = KmerTokenizer(k)
    assert tok.vocab_size == 4**k + 5
    assert [tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id, tok.mask_id] == [0, 1, 2, 3, 4]
    assert [tok.id_to_token(i) for i in range(5)] == list(SPECIAL_TOKENS)
    kmers = ["".join(p) for p in itertools.product("ACGT", repeat=k)]  # lexicographic
    assert [tok.id_to_token(i) for i in range(5, tok.vocab_size)] == kmers
    assert all(tok.token_to_id(s) == i for i, s in enumerate(list(SPECIAL_TOKENS) + kmers))


@pytest.mark.parametrize("k", [2, 7, "6"])
def test_rejects_bad_k(k):
    with pytest.raises(ValueError):
        KmerTokenizer(k)


@pytest.mark.parametrize("k", [3, 6])
def test_encode_matches_reference_with_n_and_iupac(k):
    rng = np.random.default_rng(k)
    seq = "".join(rng.choice(list("ACGTACGTACGTacgtNRYKMSWBDHV"), size=500))
    ids = KmerTokenizer(k).encode(seq)
    assert ids.dtype == np.int64
    assert ids.tolist() == reference_encode(seq, k)


def test_unk_for_n_and_iupac():
    tok = KmerTokenizer(3)
    ids = tok.encode("ACGNACGTRA")
    #  k-mers: ACG CGN GNA NAC ACG CGT GTR TRA
    assert ids.tolist() == [tok.token_to_id("ACG"), 1, 1, 1, tok.token_to_id("ACG"), tok.token_to_id("CGT"), 1, 1]
    assert (tok.encode("NNNNN") == tok.unk_id).all()
    assert tok.encode("acgt").tolist() == tok.encode("ACGT").tolist()
    assert tok.encode("AC").size == 0


def test_round_trip_real_chr2(hg38_chr2):
    from genebert_tool.genome.fasta import Genome

    tok = KmerTokenizer(6)
    with Genome(hg38_chr2) as genome:
        seq = genome.fetch("chr2", 1_000_000, 1_020_000)
        with_n = genome.fetch("chr2", 9_990, 10_100)  # chr2 starts with 10 kb of N
    assert set(seq) <= set("ACGT") and len(seq) == 20_000
    ids = tok.encode(seq)
    assert len(ids) == len(seq) - 5
    assert tok.decode(ids) == seq
    assert tok.decode(tok.encode_batch([seq], max_len=100)["input_ids"][0]) == seq[: 98 + 5]
    assert ids[:200].tolist() == reference_encode(seq[:205], 6)
    n_ids = tok.encode(with_n)
    assert (n_ids[:10] == tok.unk_id).all() and (n_ids[10:] != tok.unk_id).all()


def test_decode_unknown_is_n():
    tok = KmerTokenizer(3)
    assert tok.decode([tok.cls_id, tok.token_to_id("ACG"), tok.mask_id, tok.sep_id, 0, 0]) == "ACGN"


def test_encode_batch_single():
    tok = KmerTokenizer(3)
    enc = tok.encode_batch(["ACGTA", "ACGTACGTACGT", "A"], max_len=6)
    assert set(enc) == {"input_ids", "attention_mask", "token_type_ids"}
    assert all(v.shape == (3, 6) and v.dtype == np.int64 for v in enc.values())
    acg, cgt, gta = (tok.token_to_id(s) for s in ("ACG", "CGT", "GTA"))
    assert enc["input_ids"][0].tolist() == [2, acg, cgt, gta, 3, 0]
    assert enc["attention_mask"][0].tolist() == [1, 1, 1, 1, 1, 0]
    assert enc["input_ids"][1].tolist() == [2, acg, cgt, gta, tok.token_to_id("TAC"), 3]  # truncated at the end
    assert enc["input_ids"][2].tolist() == [2, 3, 0, 0, 0, 0]
    assert not enc["token_type_ids"].any()


def test_encode_batch_pairs_segments_and_truncation():
    tok = KmerTokenizer(3)
    enc = tok.encode_batch(["ACGT", "ACGTACGTACGT"], pairs=["TTTT", "GGGG"], max_len=12)
    ids, seg, att = enc["input_ids"], enc["token_type_ids"], enc["attention_mask"]
    acg, cgt, ttt, ggg = (tok.token_to_id(s) for s in ("ACG", "CGT", "TTT", "GGG"))
    assert ids[0].tolist() == [2, acg, cgt, 3, ttt, ttt, 3, 0, 0, 0, 0, 0]
    assert seg[0].tolist() == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]
    assert att[0].sum() == 7
    # 10 + 2 k-mers for a budget of 9: the longer segment a loses 3
    assert ids[1].tolist()[:9] == [2] + tok.encode("ACGTACGTACGT")[:7].tolist() + [3]
    assert ids[1].tolist()[9:] == [ggg, ggg, 3]
    assert seg[1].tolist() == [0] * 9 + [1] * 3
    both_long = tok.encode_batch(["A" * 30], pairs=["C" * 30], max_len=13)["token_type_ids"][0]
    assert both_long.tolist() == [0] * 7 + [1] * 6  # budget 10 split 5 / 5
    with pytest.raises(ValueError):
        tok.encode_batch(["ACGT"], pairs=["ACGT", "ACGT"], max_len=10)


def test_save_load(tmp_path):
    tok = KmerTokenizer(4)
    path = tok.save_pretrained(tmp_path / "model")
    assert path == tmp_path / "model" / "tokenizer.json"
    assert json.loads(path.read_text())["k"] == 4
    loaded = KmerTokenizer.from_pretrained(tmp_path / "model")
    assert loaded.k == 4 and loaded.vocab_size == tok.vocab_size
    assert loaded.encode("ACGTTGCA").tolist() == tok.encode("ACGTTGCA").tolist()
    path.write_text('{"type": "Other"}')
    with pytest.raises(ValueError):
        KmerTokenizer.from_pretrained(tmp_path / "model")


def test_encode_batch_matches_per_sequence_encode():
    """The batch path encodes the joined sequences once; no k-mer may straddle two sequences."""
    rng = np.random.default_rng(7)
    tok = KmerTokenizer(4)
    seqs = ["".join(rng.choice(list("ACGTN"), size=n)) for n in rng.integers(0, 40, size=50)]
    enc = tok.encode_batch(seqs, max_len=20)
    for row, seq in enumerate(seqs):
        body = tok.encode(seq)[:18].tolist()
        expected = [tok.cls_id, *body, tok.sep_id]
        expected += [tok.pad_id] * (20 - len(expected))
        assert enc["input_ids"][row].tolist() == expected, seq
        assert enc["attention_mask"][row].sum() == len(body) + 2
