"""Vectorised PWM scanning of both strands.

Score of motif ``m`` (length ``L``) at window start ``p`` of sequence ``s``:
``sum_{j<L} pwm_m[j, s[p+j]]`` — exactly Biopython's ``PSSM.calculate`` (forward strand). The
reverse strand is scanned with the reverse-complement PWM (``pwm[::-1, ::-1]``), which equals
``pssm.reverse_complement().calculate(s)``, i.e. the motif read on the minus strand.

Conventions (the caller can rely on them):

* case is ignored (soft-masked repeats are scanned like the rest);
* ``N`` and any other non-ACGT character contribute **0** to a window's score (Biopython returns
  NaN for such windows; a feature matrix needs a number). 0 is a neutral, documented choice
  rather than a model of ambiguity;
* windows lie wholly inside the sequence. A sequence shorter than a motif gets one window at its
  start, the missing bases counting like ``N`` (so every entry of a matrix is finite).

How it is fast. Bases are coded A C G T N END = 0..5 and read as overlapping k-mers (``_KMER``
bases). For a bucket of motifs of similar length, a table holds for every k-mer offset ``g`` of
a window and every k-mer the summed log-odds of those ``k`` bases, for all motifs of the bucket
on both strands (columns). A window's scores are then the sum of ``ceil(L / k)`` table rows:
``torch.nn.functional.embedding_bag(mode="sum")``, whose CPU kernel (fbgemm) is a JIT-compiled
gather-and-add — ``4 k`` times fewer operations than a one-hot matrix product, and no im2col
copy. Pieces of sequence are laid end to end, each followed by one END base that scores ``-inf``
inside a motif (0 past its end), so windows running off a piece drop out of the maximum by
themselves and the per-piece maximum is one strided ``amax``. Motifs are sorted by length and cut
into tables of at most ``_BUCKET_MOTIFS`` (lengths less than ``_BUCKET_SPAN`` apart), so little
work is padding; a table's columns are padded with zeros to a multiple of 32, the widths torch's
``amax`` vectorises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple, Sequence

import numpy as np

from genebert_tool.motifs.jaspar import MotifSet

# Motifs sorted by length are cut into tables of _BUCKET_MOTIFS; a table never mixes lengths
# _BUCKET_SPAN or more apart. Fewer, fuller tables beat tighter length groups (measured).
_BUCKET_SPAN = 6
# At most this many motifs (2x = 32 columns) per table: a batch's score block then stays at about
# 2 MB (much larger blocks come back as fresh pages from malloc on every call and ran ~5x slower),
# and a table's rows in use (7 k-mer offsets x 64 ACGT k-mers x 128 B) stay in L2.
# 16 measured ~15% faster than 32 or 64 with k = 3.
_BUCKET_MOTIFS = 16
# bases per table row (6**k rows per k-mer offset); with 16-motif tables k = 3 and 4 measured equal, 2 ~20% slower
_KMER = 3
_COLUMN_ALIGN = 32  # table columns padded to a multiple of this (see _pad_columns)
DEFAULT_BATCH_SIZE = 16384  # window starts per batch (fewer, larger batches: less Python overhead per table)
_N, _END = 4, 5
_ALPHABET = 6

_CODES = np.full(256, _N, dtype=np.uint8)
for _i, _b in enumerate("ACGT"):
    _CODES[ord(_b)] = _i
    _CODES[ord(_b.lower())] = _i


def encode(sequence: str) -> np.ndarray:
    """Base codes of a sequence: A=0 C=1 G=2 T=3, anything else (N, IUPAC, '-') = 4. Shape ``(len,)`` uint8."""
    return _CODES[np.frombuffer(sequence.encode("ascii", "replace"), dtype=np.uint8)]


class MotifHit(NamedTuple):
    """One motif occurrence: window ``[start, end)`` on the sequence (0-based), ``score`` in bits,
    ``strand`` ``"+"`` (motif as in JASPAR) or ``"-"`` (its reverse complement)."""

    start: int
    end: int
    motif_index: int
    score: float
    strand: str


@dataclass
class _Bucket:
    width: int  # longest motif of this bucket
    span: int  # bases one window reads: width rounded up to whole k-mers
    kmer: int  # bases looked up per table row
    motif_index: np.ndarray  # (Mb,) positions of the bucket's motifs in the MotifSet
    lengths2: np.ndarray  # (2 Mb,) motif length of each column (forward columns, then reverse)
    table: "torch.Tensor"  # (groups * 6**kmer, >= 2 * Mb) float32; columns forward, reverse strand, zero padding


def _kmer_table(pwms: list[np.ndarray], span: int, kmer: int) -> np.ndarray:
    """Score of every k-mer at every k-mer offset of a window, for each motif (column).

    ``pwms``: motifs of length <= span as ``(L, 4)``. Returns ``(span // kmer * 6**kmer, len(pwms))``
    float32: row ``g * 6**kmer + code`` holds ``sum_i score(g * kmer + i, base_i)`` where a base
    scores its log-odds (A-T), 0 (N, or any base past the motif's end), or ``-inf`` (END inside
    the motif). Pre-summing ``kmer`` bases per row divides the gathers by ``kmer``.
    """
    padded = np.zeros((span, _ALPHABET, len(pwms)), dtype=np.float64)
    for col, pwm in enumerate(pwms):
        padded[: pwm.shape[0], :4, col] = pwm
        padded[: pwm.shape[0], _END, col] = -np.inf
    digits = np.array(np.unravel_index(np.arange(_ALPHABET**kmer), (_ALPHABET,) * kmer)).T  # first base most significant
    groups = span // kmer
    table = np.zeros((groups, _ALPHABET**kmer, len(pwms)), dtype=np.float64)
    for g in range(groups):
        for i in range(kmer):
            table[g] += padded[g * kmer + i, digits[:, i]]
    return table.reshape(groups * _ALPHABET**kmer, len(pwms)).astype(np.float32)


def _pad_columns(table: np.ndarray) -> np.ndarray:
    """``table`` with zero columns appended up to a multiple of ``_COLUMN_ALIGN``.

    torch's CPU ``amax`` over the middle axis of ``(pieces, starts, columns)`` is vectorised only
    when ``columns`` is a multiple of 32; other widths ran 5-20x slower (measured), far more than
    the extra gathers of a few zero columns cost.
    """
    extra = -table.shape[1] % _COLUMN_ALIGN
    return np.pad(table, ((0, 0), (0, extra))) if extra else table


def _compile(motifs: MotifSet, device: str) -> list[_Bucket]:
    """Scanner tables for ``motifs`` on ``device``, built once per MotifSet and device."""
    import torch

    key = ("buckets", str(device), _KMER, _BUCKET_SPAN, _BUCKET_MOTIFS, _COLUMN_ALIGN)
    if key in motifs._compiled:
        return motifs._compiled[key]
    lengths = motifs.lengths
    order = np.argsort(lengths, kind="stable")
    cap = -(-len(order) // -(-len(order) // _BUCKET_MOTIFS))  # equal tables, none over _BUCKET_MOTIFS
    groups: list[list[int]] = []
    for i in order:
        if groups and lengths[i] - lengths[groups[-1][0]] < _BUCKET_SPAN and len(groups[-1]) < cap:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    buckets = []
    for group in groups:
        width = int(lengths[group].max())
        span = -(-width // _KMER) * _KMER
        forward = [motifs.pwms[i] for i in group]
        reverse = [pwm[::-1, ::-1] for pwm in forward]  # reverse complement
        buckets.append(
            _Bucket(
                width=width,
                span=span,
                kmer=_KMER,
                motif_index=np.array(group, dtype=np.int64),
                lengths2=np.concatenate([lengths[group], lengths[group]]),
                table=torch.from_numpy(_pad_columns(_kmer_table(forward + reverse, span, _KMER))).to(device),
            )
        )
    motifs._compiled[key] = buckets
    return buckets


def _kmer_codes(flat: np.ndarray, kmer: int) -> np.ndarray:
    """Code of the k-mer starting at each position, ``sum_i 6**(k-1-i) * flat[p+i]``: ``(F - k + 1,)`` int64."""
    n = len(flat) - kmer + 1
    codes = flat[:n].astype(np.int64)
    for i in range(1, kmer):
        codes *= _ALPHABET
        codes += flat[i : n + i]
    return codes


class _Rows:
    """Embedding-bag inputs of one flat code array, shared by the buckets of equal span."""

    def __init__(self, flat: np.ndarray, kmer: int, device: str) -> None:
        import torch

        self.length = len(flat)
        self.kmer = kmer
        self.kmers = torch.from_numpy(_kmer_codes(flat, kmer)).to(device)
        self._cache: dict[int, tuple] = {}

    def get(self, span: int) -> tuple["torch.Tensor", "torch.Tensor"]:
        """``(indices, offsets)`` for windows of ``span`` bases at every start ``[0, length - span]``."""
        import torch

        if span not in self._cache:
            n_starts = self.length - span + 1
            groups = span // self.kmer
            offsets = torch.arange(groups, dtype=torch.int64, device=self.kmers.device) * _ALPHABET**self.kmer
            rows = torch.empty((n_starts, groups), dtype=torch.int64, device=self.kmers.device)
            torch.add(self.kmers.as_strided((n_starts, groups), (1, self.kmer)), offsets, out=rows)
            bags = torch.arange(0, n_starts * groups, groups, device=self.kmers.device)
            self._cache[span] = (rows.view(-1), bags)
        return self._cache[span]


def _window_scores(rows: _Rows, bucket: _Bucket) -> "torch.Tensor":
    """Scores of every window start of a flat code array: ``(length - span + 1, C)`` float32,
    forward-strand columns ``[0, Mb)``, reverse ``[Mb, 2 Mb)``, padding after. Windows reading an END
    base inside the motif are ``-inf``."""
    import torch.nn.functional as F

    indices, bags = rows.get(bucket.span)
    # 1-D input + offsets: ~20% faster than the 2-D form (no internal reshape)
    return F.embedding_bag(indices, bucket.table, bags, mode="sum")


@dataclass
class _Piece:
    """A stretch of window starts ``[0, n_starts)`` of ``codes`` whose maximum goes to ``row``."""

    row: int
    codes: np.ndarray
    n_starts: int
    allow_short: bool  # a motif longer than codes still gets one (N-padded) window at start 0


def _segment_max_numpy(y: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Max of ``y[s:e]`` for each (s, e); ``-inf`` where ``s == e``. ``y``: ``(F, C)``.

    A loop of contiguous ``max(axis=0)`` calls: about 4x faster than ``np.maximum.reduceat``
    along axis 0, and a batch holds only a few pieces.
    """
    out = np.full((len(starts), y.shape[1]), -np.inf, dtype=y.dtype)
    for i, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        if end > start:
            y[start:end].max(axis=0, out=out[i])
    return out


def _segment_max_torch(y: "torch.Tensor", starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Same as ``_segment_max_numpy`` on any torch device (used off the CPU)."""
    import torch

    lengths = np.empty(2 * len(starts) + 1, dtype=np.int64)
    lengths[0] = starts[0]
    lengths[1:-1:2] = ends - starts
    lengths[2:-1:2] = starts[1:] - ends[:-1]
    lengths[-1] = y.shape[0] - ends[-1]
    out = torch.segment_reduce(
        y, "max", lengths=torch.from_numpy(lengths).to(y.device), axis=0, initial=-float("inf")
    )
    return out[1::2].cpu().numpy()


def _scan_batch(pieces: list[_Piece], buckets: list[_Bucket], n_motifs: int, device: str) -> np.ndarray:
    """Per-piece maximum over its window starts and both strands: ``(len(pieces), n_motifs)`` float32.

    Every piece must be at least as long as the longest motif (``_short_pieces_max`` takes the
    others), so each of its starts ``[0, n_starts)`` has a window for every motif except those
    running off the sequence, which the END base after the piece turns into ``-inf``.
    """
    max_span = max(b.span for b in buckets)
    piece_len = np.array([len(p.codes) for p in pieces], dtype=np.int64)
    sizes = piece_len + 1  # + END
    starts = np.zeros(len(pieces), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    flat = np.full(int(sizes.sum()) + max_span, _END, dtype=np.uint8)
    for piece, start in zip(pieces, starts.tolist()):
        flat[start : start + len(piece.codes)] = piece.codes
    rows = _Rows(flat, buckets[0].kmer, device)
    n_starts = np.array([max(p.n_starts, 1) if p.allow_short else p.n_starts for p in pieces], dtype=np.int64)
    # regular batch (equal pieces): one strided amax instead of a loop over pieces
    regular = bool((sizes == sizes[0]).all() and (n_starts == n_starts[0]).all() and n_starts[0] > 0)

    out = np.empty((len(pieces), n_motifs), dtype=np.float32)
    for bucket in buckets:
        n = len(bucket.motif_index)
        y = _window_scores(rows, bucket)
        if regular:
            # torch's amax over the middle axis is ~2x faster than numpy's max here
            best = y[: len(pieces) * sizes[0]].view(len(pieces), int(sizes[0]), -1)[:, : n_starts[0]].amax(1)
            best = best.cpu().numpy()
        elif device == "cpu":
            best = _segment_max_numpy(y.numpy(), starts, starts + n_starts)
        else:
            best = _segment_max_torch(y, starts, starts + n_starts)
        out[:, bucket.motif_index] = np.maximum(best[:, :n], best[:, n : 2 * n])
    return out


def _short_pieces_max(pieces: list[_Piece], buckets: list[_Bucket], n_motifs: int, device: str) -> np.ndarray:
    """``_scan_batch`` for pieces shorter than the longest motif that allow a short window.

    A motif longer than the piece gets the one window at start 0, N-padded; others get their
    windows that fit. Rare (sequences or chunks shorter than ~20 bp), so a plain loop.
    """
    import torch

    max_span = max(b.span for b in buckets)
    out = np.empty((len(pieces), n_motifs), dtype=np.float32)
    for i, piece in enumerate(pieces):
        n = len(piece.codes)
        flat = np.full(n + 2 * max_span, _N, dtype=np.uint8)
        flat[:n] = piece.codes
        rows = _Rows(flat, buckets[0].kmer, device)
        for bucket in buckets:
            k = np.maximum(np.minimum(piece.n_starts, n - bucket.lengths2 + 1), 1)  # (2 Mb,) valid starts
            m = len(bucket.motif_index)
            y = _window_scores(rows, bucket)[: int(k.max()), : 2 * m].cpu()
            y = torch.where(torch.arange(y.shape[0])[:, None] < torch.from_numpy(k)[None, :], y, -torch.inf)
            best = y.amax(0).numpy()
            out[i, bucket.motif_index] = np.maximum(best[:m], best[m:])
    return out


def _iter_batches(pieces: list[_Piece], batch_size: int) -> Iterator[list[_Piece]]:
    batch: list[_Piece] = []
    size = 0
    for piece in pieces:
        if batch and size + len(piece.codes) > batch_size:
            yield batch
            batch, size = [], 0
        batch.append(piece)
        size += len(piece.codes)
    if batch:
        yield batch


def _run_pieces(
    pieces: list[_Piece], n_rows: int, motifs: MotifSet, device: str, batch_size: int, num_threads: int = 1
) -> np.ndarray:
    """Maximum per output row over its pieces (rows may own several pieces): ``(n_rows, n_motifs)``."""
    out = np.full((n_rows, len(motifs)), -np.inf, dtype=np.float32)
    if len(motifs) == 0 or not pieces:
        return out
    buckets = _compile(motifs, device)
    max_width = max(b.width for b in buckets)
    short = [p for p in pieces if p.allow_short and len(p.codes) < max_width]
    regular = [p for p in pieces if not (p.allow_short and len(p.codes) < max_width)]

    def scan(batch: list[_Piece]) -> tuple[np.ndarray, np.ndarray]:
        return np.array([p.row for p in batch]), _scan_batch(batch, buckets, len(motifs), device)

    batches = _iter_batches(regular, batch_size)
    if num_threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(num_threads) as pool:
            results = list(pool.map(scan, batches))
    else:
        results = list(map(scan, batches))
    if short:
        results.append((np.array([p.row for p in short]), _short_pieces_max(short, buckets, len(motifs), device)))
    for rows, scores in results:
        if len(rows) == 1 or (np.diff(rows) > 0).all():
            out[rows] = np.maximum(out[rows], scores)
        else:  # a row split over several pieces of this batch
            np.maximum.at(out, rows, scores)
    return out


def _split(row: int, codes: np.ndarray, first: int, n_starts: int, allow_short: bool, max_width: int,
           batch_size: int) -> Iterator[_Piece]:
    """Window starts ``[first, first + n_starts)`` of ``codes`` as pieces of at most ``batch_size`` starts."""
    step = max(batch_size, 1)
    for lo in range(first, first + max(n_starts, 1), step):
        hi = min(lo + step, first + n_starts)
        yield _Piece(row, codes[lo : hi + max_width - 1], max(hi - lo, 0), allow_short and lo == first)


def _check_device(device: str) -> str:
    import torch

    device = str(torch.device(device))
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return device


def max_scores(
    sequences: Sequence[str],
    motifs: MotifSet,
    *,
    device: str = "cpu",
    batch_size: int = DEFAULT_BATCH_SIZE,
    num_threads: int = 1,
) -> np.ndarray:
    """Binding affinity: for each sequence and motif, the maximum log-odds (bits) over all window
    starts and both strands.

    Returns ``(n_sequences, n_motifs)`` float32, columns in ``motifs`` order (``motifs.columns``).
    ``batch_size``: window starts scored at once (memory ~ ``batch_size * 2 * n_motifs * 4`` bytes
    per length bucket); long sequences are split into such pieces. ``num_threads > 1`` scans
    batches in that many Python threads (numpy and torch release the GIL); use it with
    ``torch.set_num_threads(1)`` so the two kinds of parallelism do not oversubscribe the cores.
    N handling: module docstring.
    """
    device = _check_device(device)
    if len(motifs) == 0:
        return np.zeros((len(sequences), 0), dtype=np.float32)
    lengths = motifs.lengths
    max_width, min_width = int(lengths.max()), int(lengths.min())
    pieces: list[_Piece] = []
    for row, sequence in enumerate(sequences):
        codes = encode(sequence)
        n_starts = max(len(codes) - min_width + 1, 1)
        pieces.extend(_split(row, codes, 0, n_starts, True, max_width, batch_size))
    return _run_pieces(pieces, len(sequences), motifs, device, batch_size, num_threads)


def chunk_max_scores(
    sequences: Sequence[str],
    motifs: MotifSet,
    n_chunks: int,
    *,
    device: str = "cpu",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> np.ndarray:
    """Maximum scores per equal chunk of each sequence: ``(n_sequences, n_chunks, n_motifs)`` float32.

    Chunk ``c`` of a sequence of length ``n`` holds the window starts ``[c n // k, (c + 1) n // k)``
    (``k = n_chunks``); its windows may run into the next chunk (i.e. each chunk is extended by
    ``motif length - 1``) so no site is lost, and the maximum over chunks equals ``max_scores``.
    A chunk too short for a motif (near the end, or a sequence shorter than ``k``) gets one window at
    its start, bases past the sequence counting like N.
    """
    device = _check_device(device)
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be >= 1, got {n_chunks}")
    if len(motifs) == 0:
        return np.zeros((len(sequences), n_chunks, 0), dtype=np.float32)
    max_width = int(motifs.lengths.max())
    pieces: list[_Piece] = []
    for s, sequence in enumerate(sequences):
        codes = encode(sequence)
        bounds = [c * len(codes) // n_chunks for c in range(n_chunks + 1)]
        for c in range(n_chunks):
            pieces.extend(
                _split(s * n_chunks + c, codes, bounds[c], bounds[c + 1] - bounds[c], True, max_width, batch_size)
            )
    out = _run_pieces(pieces, len(sequences) * n_chunks, motifs, device, batch_size)
    return out.reshape(len(sequences), n_chunks, len(motifs))


def window_scores(sequence: str, motifs: MotifSet, *, device: str = "cpu") -> np.ndarray:
    """Score of every window of one sequence: ``(2, n_motifs, n_windows)`` float32, strand axis
    ``[+, -]``; ``n_windows = len(sequence) - min motif length + 1``. Windows that do not fit a
    (longer) motif are ``-inf``. Meant for short sequences and tests; ``iter_hits`` streams."""
    device = _check_device(device)
    codes = encode(sequence)
    lengths = motifs.lengths
    n_windows = max(len(codes) - int(lengths.min()) + 1, 0)
    out = np.full((2, len(motifs), n_windows), -np.inf, dtype=np.float32)
    for first, block in _iter_window_blocks(codes, motifs, device, 0, n_windows, DEFAULT_BATCH_SIZE):
        out[:, :, first : first + block.shape[-1]] = block
    return out


def _iter_window_blocks(
    codes: np.ndarray, motifs: MotifSet, device: str, first: int, n_windows: int, block: int
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, scores)`` with scores ``(2, n_motifs, n)`` for starts ``[start, start + n)``;
    windows running off the sequence are ``-inf`` (END bases after it)."""
    buckets = _compile(motifs, device)
    max_span = max(b.span for b in buckets)
    for lo in range(first, first + n_windows, block):
        hi = min(lo + block, first + n_windows)
        piece = np.full(hi - lo + 2 * max_span, _END, dtype=np.uint8)
        part = codes[lo : hi + max_span]
        piece[: len(part)] = part
        rows = _Rows(piece, buckets[0].kmer, device)
        scores = np.empty((2, len(motifs), hi - lo), dtype=np.float32)
        for bucket in buckets:
            y = _window_scores(rows, bucket)[: hi - lo].cpu().numpy().T  # (2 Mb, n)
            n = len(bucket.motif_index)
            scores[0, bucket.motif_index] = y[:n]
            scores[1, bucket.motif_index] = y[n : 2 * n]
        yield lo, scores


def iter_hits(
    sequence: str, motifs: MotifSet, threshold: float, *, device: str = "cpu", block: int = 8192
) -> Iterator[MotifHit]:
    """Every window scoring ``>= threshold`` bits, on either strand, in order of start, then motif
    index, then strand (``+`` first). Windows lie wholly inside the sequence. Streams over
    ``block`` starts at a time, so the sequence may be a whole chromosome."""
    device = _check_device(device)
    if len(motifs) == 0:
        return
    codes = encode(sequence)
    lengths = motifs.lengths
    n_windows = max(len(codes) - int(lengths.min()) + 1, 0)
    for lo, scores in _iter_window_blocks(codes, motifs, device, 0, n_windows, block):
        strand, motif, pos = np.nonzero(scores >= threshold)
        order = np.lexsort((strand, motif, pos))
        for s, m, p in zip(strand[order], motif[order], pos[order]):
            start = lo + int(p)
            yield MotifHit(start, start + int(lengths[m]), int(m), float(scores[s, m, p]), "+-"[s])
