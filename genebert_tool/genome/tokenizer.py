"""Overlapping k-mer tokenizer for DNA (DNABERT / GeneBERT style). numpy only, no torch.

Vocabulary (``vocab_size = 4**k + 5``)::

    0 [PAD]  1 [UNK]  2 [CLS]  3 [SEP]  4 [MASK]  then the 4**k k-mers in lexicographic ACGT order
    (AAA..A = 5, AAA..C = 6, ..., TTT..T = 4**k + 4)

A sequence of length L gives L - k + 1 overlapping k-mers (stride 1). Any k-mer containing a base
other than A/C/G/T (N, IUPAC codes such as R/Y/K/M/S/W, anything else) becomes [UNK]. Lowercase
(soft-masked) bases are treated like uppercase.

Encoding is vectorised: bytes are mapped to 0..3 (invalid = 4) by a 256-entry lookup table, the
k-mer index is built by k shift-and-or passes over shifted views of the code array (a rolling
base-4 number) and the invalid mask is a windowed ``any``: the OR of the same k shifted views of the
invalid flags. No Python loop runs per k-mer (the loop is over the k <= 6 offsets).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from genebert_tool.genome.io import atomic_write

__all__ = ["KmerTokenizer", "SPECIAL_TOKENS", "TOKENIZER_FILE"]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
TOKENIZER_FILE = "tokenizer.json"
_BASES = "ACGT"
_INVALID = 4

# byte -> 0..3 for ACGT (either case), 4 for everything else.
_LUT = np.full(256, _INVALID, dtype=np.uint8)
for _i, _b in enumerate(_BASES):
    _LUT[ord(_b)] = _i
    _LUT[ord(_b.lower())] = _i


class KmerTokenizer:
    """Overlapping k-mer tokenizer, ``k`` in 3..6.

    Attributes ``pad_id``, ``unk_id``, ``cls_id``, ``sep_id``, ``mask_id`` (0..4) and ``vocab_size``.
    """

    pad_id = 0
    unk_id = 1
    cls_id = 2
    sep_id = 3
    mask_id = 4
    n_special = len(SPECIAL_TOKENS)

    def __init__(self, k: int = 6) -> None:
        if not isinstance(k, (int, np.integer)) or not 3 <= int(k) <= 6:
            raise ValueError(f"k must be an integer in 3..6, got {k!r}")
        self.k = int(k)
        self.vocab_size = 4**self.k + self.n_special

    # ------------------------------------------------------------------ vocabulary
    def id_to_token(self, token_id: int) -> str:
        """The string for one id: a special token or a k-mer."""
        token_id = int(token_id)
        if not 0 <= token_id < self.vocab_size:
            raise ValueError(f"token id {token_id} outside vocabulary of size {self.vocab_size}")
        if token_id < self.n_special:
            return SPECIAL_TOKENS[token_id]
        idx = token_id - self.n_special
        return "".join(_BASES[(idx // 4 ** (self.k - 1 - j)) % 4] for j in range(self.k))

    def token_to_id(self, token: str) -> int:
        """The id of a special token or a k-mer (a non-ACGT k-mer of length k -> [UNK])."""
        if token in SPECIAL_TOKENS:
            return SPECIAL_TOKENS.index(token)
        if len(token) != self.k:
            raise ValueError(f"{token!r} is neither a special token nor a {self.k}-mer")
        return int(self.encode(token)[0])

    # ------------------------------------------------------------------ encoding
    def encode(self, seq: str) -> np.ndarray:
        """Overlapping k-mer ids of ``seq`` without specials: int64 array of shape (max(L-k+1, 0),)."""
        codes = _LUT[np.frombuffer(seq.encode("ascii", errors="replace"), dtype=np.uint8)]
        n = codes.size - self.k + 1
        if n <= 0:
            return np.zeros(0, dtype=np.int64)
        # Rolling base-4 number: k shift-and-or passes over shifted views (4**6 + 5 fits in int16),
        # and a windowed "any" over the invalid flags by OR-ing the same k shifted views.
        invalid = codes == _INVALID
        digits = (codes & 3).astype(np.int16)  # invalid (4) -> 0, masked out below
        ids = np.zeros(n, dtype=np.int16)
        bad = np.zeros(n, dtype=bool)
        for j in range(self.k):  # k <= 6 passes, each vectorised over every k-mer
            ids <<= 2
            ids |= digits[j : j + n]
            bad |= invalid[j : j + n]
        ids = ids.astype(np.int64)
        ids += self.n_special
        ids[bad] = self.unk_id
        return ids

    def encode_batch(
        self,
        seqs: Sequence[str],
        *,
        max_len: int,
        pairs: Sequence[str] | None = None,
    ) -> dict[str, np.ndarray]:
        """Encode a batch as ``[CLS] a [SEP]`` or ``[CLS] a [SEP] b [SEP]``, padded to ``max_len``.

        Returns ``input_ids``, ``attention_mask``, ``token_type_ids``, each int64 (batch, max_len).
        token_type is 0 for [CLS] a [SEP] and 1 for b [SEP]. Too-long inputs are truncated from the
        end (of the longer segment first, for pairs); padding is [PAD] with attention 0.
        """
        if pairs is not None and len(pairs) != len(seqs):
            raise ValueError(f"got {len(seqs)} sequences but {len(pairs)} pairs")
        n_specials = 2 if pairs is None else 3
        if max_len < n_specials + (1 if pairs is None else 2):
            raise ValueError(f"max_len={max_len} is too small to hold any k-mer")
        batch = len(seqs)
        input_ids = np.full((batch, max_len), self.pad_id, dtype=np.int64)
        attention = np.zeros((batch, max_len), dtype=np.int64)
        token_type = np.zeros((batch, max_len), dtype=np.int64)
        budget = max_len - n_specials
        input_ids[:, 0] = self.cls_id
        if pairs is None:
            self._fill_single(seqs, budget, input_ids, attention)
            return {"input_ids": input_ids, "attention_mask": attention, "token_type_ids": token_type}
        for row, seq in enumerate(seqs):  # one loop per pair; the k-mer work is vectorised
            a, b = self.encode(seq), self.encode(pairs[row])
            len_a, len_b = len(a), len(b)
            excess = len_a + len_b - budget
            if excess > 0:  # "longest first" truncation, as BERT does, in closed form
                if abs(len_a - len_b) >= excess:
                    if len_a >= len_b:
                        len_a -= excess
                    else:
                        len_b -= excess
                else:  # both end up near budget/2 (both were longer than that)
                    len_b = budget // 2
                    len_a = budget - len_b
            n_a = len_a + 2
            end = n_a + len_b + 1
            input_ids[row, 1 : n_a - 1] = a[:len_a]
            input_ids[row, n_a - 1] = self.sep_id
            input_ids[row, n_a : end - 1] = b[:len_b]
            input_ids[row, end - 1] = self.sep_id
            token_type[row, n_a:end] = 1
            attention[row, :end] = 1
        return {"input_ids": input_ids, "attention_mask": attention, "token_type_ids": token_type}

    def _fill_single(self, seqs: Sequence[str], budget: int, input_ids: np.ndarray, attention: np.ndarray) -> None:
        """Write ``[CLS] a [SEP]`` rows for the whole batch with one ``encode`` of the joined sequences.

        No separator is needed between sequences: k-mers that would straddle two of them are simply
        never gathered (sequence i owns the k-mers starting at its first L_i - k + 1 positions).
        """
        parts = [seq[: budget + self.k - 1] for seq in seqs]  # only the k-mers that fit
        if not parts:
            return
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        n_kmers = np.maximum(lengths - self.k + 1, 0)
        all_ids = self.encode("".join(parts))
        seq_start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
        for row, (start, n) in enumerate(zip(seq_start, n_kmers.tolist())):  # slice copies only
            input_ids[row, 1 : n + 1] = all_ids[start : start + n]
            input_ids[row, n + 1] = self.sep_id
            attention[row, : n + 2] = 1

    # ------------------------------------------------------------------ decoding
    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """Rebuild a sequence from overlapping k-mer ids; specials ([CLS] [SEP] [PAD]) are dropped.

        For consecutive overlapping k-mers, the first k-mer contributes all k bases and each later one
        its last base. [UNK] and [MASK] k-mers decode to ``N`` bases (the position is known but the
        bases are not), so ``decode(encode(s))`` equals ``s`` for ACGT-only input.
        """
        arr = np.asarray(ids, dtype=np.int64).ravel()
        arr = arr[(arr != self.pad_id) & (arr != self.cls_id) & (arr != self.sep_id)]
        if arr.size == 0:
            return ""
        if (arr < 0).any() or (arr >= self.vocab_size).any():
            raise ValueError(f"token ids outside vocabulary of size {self.vocab_size}")
        kmer = arr - self.n_special
        unknown = kmer < 0
        # digits of each k-mer, (n, k), most significant base first
        digits = (np.maximum(kmer, 0)[:, None] // (4 ** np.arange(self.k - 1, -1, -1))[None, :]) % 4
        letters = np.frombuffer(_BASES.encode(), dtype=np.uint8)[digits]
        letters[unknown] = ord("N")
        out = np.concatenate([letters[0], letters[1:, -1]]) if len(letters) > 1 else letters[0]
        return out.tobytes().decode("ascii")

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        return {"type": "KmerTokenizer", "k": self.k, "special_tokens": list(SPECIAL_TOKENS),
                "vocab_size": self.vocab_size}

    def save_pretrained(self, directory: str | os.PathLike) -> Path:
        """Write ``directory/tokenizer.json`` (atomically) and return its path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / TOKENIZER_FILE
        with atomic_write(path) as fh:
            fh.write(json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> "KmerTokenizer":
        """Load from ``directory/tokenizer.json`` (or the json file itself)."""
        path = Path(directory)
        if path.is_dir():
            path = path / TOKENIZER_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise  # the caller reports a missing file in its own terms
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read tokenizer: {exc}") from exc
        if data.get("type") != "KmerTokenizer" or list(data.get("special_tokens", [])) != list(SPECIAL_TOKENS):
            raise ValueError(f"{path}: not a KmerTokenizer file")
        return cls(int(data["k"]))

    def __repr__(self) -> str:
        return f"KmerTokenizer(k={self.k}, vocab_size={self.vocab_size})"
