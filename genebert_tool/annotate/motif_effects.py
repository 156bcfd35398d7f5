"""JASPAR motifs a variant creates or destroys (VCF INFO ``GENEBERT_MOTIF``).

For each scored ALT and each motif ``m`` (length ``L``) of a JASPAR release (default: all CORE
vertebrate motifs of JASPAR 2018, the set the region matrices use, ``motifs.jaspar``):

* the **reference sequence** is ``genome[start - F, end + F)`` (the REF allele and ``F`` flanking
  bases each side), the **alternate sequence** is the same flanks around the ALT allele
  (substitution, as ``annotate.windows`` builds model windows), with ``F`` = longest motif - 1
  (20 bases for JASPAR 2018);
* ``REF_SCORE`` / ``ALT_SCORE`` = the best log2-odds score (bits, ``motifs.scan`` conventions: both
  strands, N scores 0) of ``m`` over the windows of that sequence that **overlap the allele** -- the
  windows a variant can change (an indel's junction lies next to its anchor base, so the windows
  spanning it overlap the allele too);
* the motif is listed when the best hit crosses the motif's threshold -- one score at or above it,
  the other below -- **and** ``|ALT_SCORE - REF_SCORE| >= --motif-min-delta`` bits (default 2), so a
  hit that only wobbles across its threshold is not reported. The threshold is the score a window of
  random sequence (uniform bases, one strand) reaches with probability ``--motif-pvalue`` (default
  1e-4, FIMO's default), from the PWM's exact score distribution on a 0.01-bit grid
  (:func:`score_threshold`). ``REF_SCORE > ALT_SCORE``: destroyed; otherwise created.

Why a p-value and not the common "80 % relative score" (``min + 0.8 (max - min)``): for short,
low-information motifs the relative threshold is only 1-3 bits, and on the first 200 ClinVar chr22
records it listed a median of ~10 of the 579 motifs per SNV. A p-value threshold is equally strict
for every motif length.

Entries per ALT are sorted by ``|ALT_SCORE - REF_SCORE|``, largest first. Scoring lives here (the
annotate layer); ``formats.schema`` formats the entries and the VCF writer only writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from genebert_tool.motifs.jaspar import DEFAULT_RELEASE, MotifSet

DEFAULT_PVALUE = 1e-4
DEFAULT_MIN_DELTA = 2.0
_GRID = 100  # score grid steps per bit (score_threshold)
_BATCH_VARIANTS = 64  # variants scanned at once (window scores: 2 x motifs x ~60 bases each)


@dataclass(frozen=True, slots=True)
class MotifEffect:
    """One motif whose best hit the ALT creates (``alt > ref``) or destroys."""

    motif: str  # MotifSet column name, e.g. ``MA0139.1_CTCF``
    ref: float
    alt: float

    @property
    def destroyed(self) -> bool:
        return self.ref > self.alt


def score_threshold(pwm: np.ndarray, pvalue: float, background=(0.25, 0.25, 0.25, 0.25)) -> float:
    """Smallest score ``t`` (bits, on a 1/100-bit grid) with ``P(score >= t) <= pvalue`` for one window of
    random sequence drawn from ``background``; the PWM's highest score + 0.01 if none is."""
    steps = np.rint(np.asarray(pwm, dtype=np.float64) * _GRID).astype(np.int64)  # (L, 4)
    lows = steps.min(axis=1)
    dist = np.ones(1)
    for row, low in zip(steps, lows):
        width = int(row.max() - low)
        new = np.zeros(len(dist) + width)
        for b in range(4):
            k = int(row[b] - low)
            new[k : k + len(dist)] += background[b] * dist
        dist = new
    survival = np.cumsum(dist[::-1])[::-1]  # survival[i] = P(score >= lows.sum() + i)
    ok = np.flatnonzero(survival <= pvalue * (1 + 1e-9))
    first = int(ok[0]) if len(ok) else len(dist)
    return float(lows.sum() + first) / _GRID


class MotifEffects:
    """The ``GENEBERT_MOTIF`` rule (module docstring) for one motif set and its two thresholds."""

    def __init__(self, motifs: MotifSet, pvalue: float = DEFAULT_PVALUE, min_delta: float = DEFAULT_MIN_DELTA) -> None:
        if not 0.0 < pvalue < 1.0:
            raise ValueError(f"--motif-pvalue must be in (0, 1), got {pvalue}")
        if min_delta < 0:
            raise ValueError(f"--motif-min-delta must be >= 0 bits, got {min_delta}")
        if len(motifs) == 0:
            raise ValueError("no motifs selected")
        self.motifs, self.pvalue, self.min_delta = motifs, float(pvalue), float(min_delta)
        self.columns = motifs.columns
        self.lengths = motifs.lengths
        self.thresholds = np.array([score_threshold(p, self.pvalue, motifs.background) for p in motifs.pwms],
                                   dtype=np.float32)
        self.flank = int(self.lengths.max()) - 1
        # window start q (relative to the flank start) overlaps the allele iff q >= flank - L + 1
        q = np.arange(self.flank)
        self._left_ok = q[None, :] >= (self.flank - self.lengths + 1)[:, None]  # (n_motifs, flank)

    @classmethod
    def load(cls, names: Sequence[str] | None = None, *, release: str = DEFAULT_RELEASE,
             pvalue: float = DEFAULT_PVALUE, min_delta: float = DEFAULT_MIN_DELTA) -> MotifEffects:
        """Motifs of ``release`` from the pyjaspar wheel (no download); ``names`` selects (``None``: all)."""
        from genebert_tool.motifs.jaspar import load_motifs

        return cls(load_motifs(release, tf_names=names), pvalue, min_delta)

    def describe(self) -> str:
        """The rule in words, for the ``##INFO`` description."""
        return (f"{self.motifs.release} CORE vertebrate motifs ({len(self.motifs)}) whose best hit overlapping the "
                f"allele is created or destroyed by the ALT. Format: ALLELE|MOTIF|REF_SCORE|ALT_SCORE (best "
                f"log2-odds in bits on either strand over the motif windows overlapping the REF resp. ALT allele "
                f"with {self.flank} flanking genome bases each side); listed when one score is at or above the "
                f"motif threshold (the score a random window reaches with p={self.pvalue:g}) and the other below "
                f"it and |ALT_SCORE-REF_SCORE| >= {self.min_delta:g} bits; sorted by |ALT_SCORE-REF_SCORE|")

    def requests(self, variants: Sequence) -> list[tuple[str, int, int]]:
        """Genome intervals to fetch: each variant's REF with ``flank`` bases either side."""
        return [(v.chrom, v.start - self.flank, v.start + len(v.ref) + self.flank) for v in variants]

    def best_scores(self, variants: Sequence, flanks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """REF and ALT best scores over allele-overlapping windows, each ``(len(variants), n_motifs)`` float32.

        ``flanks[i]`` is the genome sequence of ``requests(variants)[i]``."""
        n = len(variants)
        ref = np.empty((n, len(self.columns)), dtype=np.float32)
        alt = np.empty_like(ref)
        for lo in range(0, n, _BATCH_VARIANTS):
            part = range(lo, min(lo + _BATCH_VARIANTS, n))
            f = self.flank
            ref_alleles = [flanks[i][f : len(flanks[i]) - f] for i in part]
            alt_alleles = [variants[i].alt.upper() for i in part]
            lefts = [flanks[i][:f] for i in part]
            rights = [flanks[i][len(flanks[i]) - f :] for i in part]
            for out, alleles in ((ref, ref_alleles), (alt, alt_alleles)):
                out[lo : lo + len(part)] = self._best(lefts, alleles, rights)
        return ref, alt

    def _best(self, lefts: list[str], alleles: list[str], rights: list[str]) -> np.ndarray:
        from genebert_tool.motifs.scan import window_scores

        seqs = [a + b + c for a, b, c in zip(lefts, alleles, rights)]
        offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in seqs], out=offsets[1:])
        scores = window_scores("".join(seqs), self.motifs).max(axis=0)  # (n_motifs, n_windows), best strand
        f = self.flank
        out = np.empty((len(seqs), len(self.columns)), dtype=np.float32)
        for i, (o, allele) in enumerate(zip(offsets[:-1].tolist(), alleles)):
            # windows starting in the left flank overlap the allele only if the motif reaches it;
            # every window starting on the allele overlaps it (and lies inside this sequence: L <= F + 1)
            left = np.where(self._left_ok, scores[:, o : o + f], -np.inf).max(axis=1)
            on = scores[:, o + f : o + f + len(allele)].max(axis=1)
            out[i] = np.maximum(left, on)
        return out

    def select(self, ref: np.ndarray, alt: np.ndarray) -> list[list[MotifEffect]]:
        """Per variant, the motifs created or destroyed (module docstring), largest change first."""
        thr = self.thresholds[None, :]
        crossed = (ref >= thr) != (alt >= thr)
        listed = crossed & (np.abs(alt - ref) >= self.min_delta)
        out: list[list[MotifEffect]] = []
        for i in range(len(ref)):
            idx = np.flatnonzero(listed[i])
            idx = idx[np.argsort(-np.abs(alt[i, idx] - ref[i, idx]), kind="stable")]
            out.append([MotifEffect(self.columns[j], float(ref[i, j]), float(alt[i, j])) for j in idx])
        return out

    def effects(self, variants: Sequence, fetch) -> list[list[MotifEffect]]:
        """``select(best_scores(...))`` with flanks from ``fetch([(chrom, start, end), ...])``."""
        if not variants:
            return []
        ref, alt = self.best_scores(variants, fetch(self.requests(variants)))
        return self.select(ref, alt)
