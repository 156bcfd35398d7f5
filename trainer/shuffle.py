"""Dinucleotide-preserving shuffle (Altschul & Erickson 1985), for TFBS negatives.

DeepBind (and the GeneBERT paper) make the negatives of a ChIP-seq set by shuffling each positive
sequence "while preserving dinucleotide frequencies". A plain ``random.shuffle`` keeps only the
mononucleotide counts, so a classifier could learn CpG/dinucleotide bias instead of binding. The
Altschul–Erickson algorithm keeps the *exact* dinucleotide (doublet) counts, the first and last
letter, and samples uniformly among all sequences with those counts:

1. View the sequence as a walk on a multigraph whose vertices are letters and whose edges are the
   n-1 doublets ``s[i] -> s[i+1]``. Any sequence with the same doublet counts is an Eulerian walk
   from ``s[0]`` to ``s[-1]`` through the same edges.
2. For every letter other than the last one, pick one of its out-edges at random as its *last exit*.
   Accept only if the last exits form a tree that reaches ``s[-1]`` from every letter (otherwise the
   walk could strand itself); else pick again. (Few letters, so rejection is cheap.)
3. Randomly permute each letter's remaining out-edges, append its last exit, and walk from ``s[0]``
   taking each letter's edges in that order.

Works for any alphabet (N and IUPAC codes are just more letters). Deterministic given the
``numpy.random.Generator``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

__all__ = ["dinucleotide_counts", "dinucleotide_shuffle"]


def dinucleotide_counts(seq: str) -> Counter:
    """Counts of the overlapping doublets ``seq[i:i+2]`` (n-1 of them)."""
    return Counter(seq[i : i + 2] for i in range(len(seq) - 1))


def _last_exits_reach(last_exit: dict[str, str], end: str) -> bool:
    """True when following last exits from every letter reaches ``end`` (they form a tree)."""
    for start in last_exit:
        seen = set()
        v = start
        while v != end:
            if v in seen:
                return False
            seen.add(v)
            v = last_exit[v]
    return True


def dinucleotide_shuffle(seq: str, rng: np.random.Generator, *, max_tries: int = 10_000) -> str:
    """A uniformly random sequence with exactly the doublet counts (and ends) of ``seq``.

    Sequences shorter than 3 have only themselves as a shuffle and are returned unchanged. The
    result can equal the input (always so when no other arrangement exists, e.g. ``"AAAA"``).
    """
    n = len(seq)
    if n < 3:
        return seq
    edges: dict[str, list[str]] = {}
    for a, b in zip(seq, seq[1:]):
        edges.setdefault(a, []).append(b)
    end = seq[-1]
    for _ in range(max_tries):
        last_exit = {v: out[rng.integers(len(out))] for v, out in edges.items() if v != end}
        if _last_exits_reach(last_exit, end):
            break
    else:  # pragma: no cover - the tree always exists; only an absurd max_tries gets here
        raise RuntimeError(f"no Eulerian arrangement found in {max_tries} tries")

    order: dict[str, list[str]] = {}
    for v, out in edges.items():
        rest = list(out)
        if v in last_exit:
            rest.remove(last_exit[v])  # remove one copy of the chosen last exit
        perm = rng.permutation(len(rest))
        ordered = [rest[i] for i in perm]
        if v in last_exit:
            ordered.append(last_exit[v])
        order[v] = ordered
    pos = {v: 0 for v in order}
    out_seq = [seq[0]]
    v = seq[0]
    for _ in range(n - 1):
        nxt = order[v][pos[v]]
        pos[v] += 1
        out_seq.append(nxt)
        v = nxt
    return "".join(out_seq)
