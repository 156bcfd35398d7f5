"""Assembly gaps: what ``annotate`` does not score.

A *gap* is a maximal run of at least ``MIN_GAP`` bases that are not A/C/G/T (any case: N, IUPAC codes,
anything else) -- the N blocks of a reference (hg38 chr22: the 10.5-Mb short arm and centromere, 23 % of
the chromosome). Every model would score such a window of [UNK] tokens with a number that means nothing,
so by default (``--score-gaps`` turns it off):

* a tile lying wholly inside a gap is not scored and has no row (counted: ``AnnotateSummary.gap_tiles``,
  and said in the header of every output);
* an untiled record lying wholly inside a gap goes to the rejects file with its reason;
* a per-base (splice) track has no value at positions inside a gap (``AnnotateSummary.gap_bases``), as
  bigWig/bedGraph leave unscored bases empty.

Shorter runs of N are scored as today (the tokenizer maps their k-mers to [UNK]). Gaps are found only over
the span of the rows being scored (read in ``CHUNK``-base pieces, ``MIN_GAP`` bases either side so a run
crossing the span's edge is measured whole), never over the rest of the contig.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["MIN_GAP", "Gaps", "find_gaps"]

MIN_GAP = 50
CHUNK = 4_000_000

_ACGT = np.zeros(256, dtype=bool)
_ACGT[list(b"ACGTacgt")] = True


class Gaps:
    """Sorted, disjoint gap intervals ``[starts[i], ends[i])`` of one contig (0-based half-open)."""

    __slots__ = ("starts", "ends")

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.starts)

    def covers(self, starts, ends) -> np.ndarray:
        """True where ``[starts[j], ends[j])`` lies wholly inside one gap."""
        starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        if not len(self):
            return np.zeros(starts.shape, dtype=bool)
        i = np.searchsorted(self.starts, starts, side="right") - 1
        ok = i >= 0
        out = np.zeros(starts.shape, dtype=bool)
        out[ok] = self.ends[i[ok]] >= ends[ok]
        return out

    def overlap(self, start: int, end: int) -> int:
        """Bases of ``[start, end)`` inside a gap."""
        return int(np.clip(np.minimum(self.ends, end) - np.maximum(self.starts, start), 0, None).sum())

    def contains(self, positions) -> np.ndarray:
        """True for each position (base) inside a gap."""
        positions = np.asarray(positions, dtype=np.int64)
        return self.covers(positions, positions + 1)


def find_gaps(fetch: Callable[[int, int], str], start: int, end: int, *, min_gap: int = MIN_GAP,
              chunk: int = CHUNK) -> Gaps:
    """The gaps (runs of >= ``min_gap`` non-ACGT bases) meeting ``[start, end)``, clipped to it.

    ``fetch(lo, hi)`` returns bases ``[lo, hi)``, N-padded past a contig's ends (or before a genome piece's
    offset). Those padding bases are unknown sequence and count as non-ACGT, so a shorter N run touching a
    contig end joins the padding and is a gap too."""
    lo, hi = start - min_gap, end + min_gap
    run_starts: list[np.ndarray] = []
    run_ends: list[np.ndarray] = []
    open_start: int | None = None  # a run still going at the end of the previous piece
    for a in range(lo, hi, chunk):
        b = min(hi, a + chunk)
        bad = ~_ACGT[np.frombuffer(fetch(a, b).encode("ascii", "replace"), dtype=np.uint8)]
        edges = np.diff(np.concatenate(([False], bad, [False])).astype(np.int8))
        s = np.flatnonzero(edges == 1) + a
        e = np.flatnonzero(edges == -1) + a
        if open_start is not None:
            if len(s) and s[0] == a:  # the previous piece's last run goes on here
                s[0] = open_start
            else:  # it ended at the piece boundary
                run_starts.append(np.array([open_start]))
                run_ends.append(np.array([a]))
        open_start = None
        if len(e) and e[-1] == b and b < hi:  # this piece's last run may go on into the next one
            open_start = int(s[-1])
            s, e = s[:-1], e[:-1]
        run_starts.append(s)
        run_ends.append(e)
    if open_start is not None:
        run_starts.append(np.array([open_start]))
        run_ends.append(np.array([hi]))
    s = np.concatenate(run_starts) if run_starts else np.zeros(0, np.int64)
    e = np.concatenate(run_ends) if run_ends else np.zeros(0, np.int64)
    keep = (e - s >= min_gap) & (e > start) & (s < end)
    return Gaps(np.maximum(s[keep], start), np.minimum(e[keep], end))
