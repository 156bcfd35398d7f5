"""The region modality of GeneBERT: a (regions x TFs) matrix of motif binding affinities.

Pre-training samples are 10 consecutive regulatory regions, each scanned with every JASPAR motif
(``trainer/corpus.py`` stores them in its shards). A single fine-tuning or annotation sequence has no
neighbours, so it is cut into ``n_regions`` equal chunks instead (:func:`sequence_region_matrix`);
:func:`build_region_matrix` adds an on-disk cache keyed by content (fine-tuning's data sets) and
:func:`select_motifs` gives the motif columns a model reads (fine-tuning and the Predictor). Entries are
maximum log-odds scores in bits (``motifs.scan.max_scores``), not normalised; the model normalises.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from genebert_tool.errors import ModelError
from genebert_tool.genome.io import atomic_write
from genebert_tool.motifs.jaspar import MotifSet, load_motifs
from genebert_tool.motifs.scan import chunk_max_scores

# Bump when the scores a given (sequences, motifs) pair produces change, to invalidate caches.
SCANNER_VERSION = 1


def select_motifs(release: str, motif_ids: Sequence[str] = (), n_tfs: int | None = None, *,
                  source: str = "the model") -> MotifSet:
    """The motifs a model reads, in its column order: ``release`` restricted to ``motif_ids`` (all CORE
    vertebrate motifs when empty). ``n_tfs`` (the model's column count) is checked: ``ModelError``."""
    motifs = load_motifs(release)
    if motif_ids:
        motifs = motifs.select(list(motif_ids))
    if n_tfs is not None and len(motifs) != n_tfs:
        raise ModelError(f"{source}: the model expects {n_tfs} motifs, {release} selection gave {len(motifs)}")
    return motifs


def matrix_key(sequences: Sequence[str], motifs: MotifSet, n_regions: int = 10) -> str:
    """Content hash of the sequences, ``n_regions`` and the motif set (release, IDs, PWMs, pseudocount,
    background)."""
    digest = hashlib.sha256()
    digest.update(f"v{SCANNER_VERSION}|{motifs.release}|{motifs.pseudocount}|{motifs.background}|".encode())
    for motif_id, pwm in zip(motifs.ids, motifs.pwms):
        digest.update(motif_id.encode())
        digest.update(np.ascontiguousarray(pwm, dtype=np.float32).tobytes())
    digest.update(f"|{int(n_regions)}|{len(sequences)}|".encode())
    for sequence in sequences:
        digest.update(f"{len(sequence)}:".encode())
        digest.update(sequence.upper().encode("ascii", "replace"))
    return digest.hexdigest()


def build_region_matrix(
    sequences: Sequence[str],
    motifs: MotifSet,
    n_regions: int = 10,
    *,
    cache_dir: str | os.PathLike | None = None,
    device: str = "cpu",
) -> np.ndarray:
    """:func:`sequence_region_matrix` of every sequence, ``(n, n_regions, n_tfs)`` float32 (bits), cached.

    With ``cache_dir`` the matrices are stored as ``<cache_dir>/region_matrix.<sha256>.npy``, keyed by
    :func:`matrix_key` (sequences + ``n_regions`` + release + PWMs), and re-used (memory-mapped, read-only)
    when the same key comes again; an unreadable or misshapen file is recomputed and overwritten.
    ``None`` = no cache.
    """
    if cache_dir is None:
        return sequence_region_matrix(sequences, motifs, n_regions, device=device)
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"region_matrix.{matrix_key(sequences, motifs, n_regions)}.npy"
    if path.exists():
        try:
            matrix = np.load(path, mmap_mode="r")
            if matrix.shape == (len(sequences), n_regions, len(motifs)) and matrix.dtype == np.float32:
                return matrix
        except (OSError, ValueError):
            pass  # corrupt or foreign file: recompute below
    matrix = sequence_region_matrix(sequences, motifs, n_regions, device=device)
    with atomic_write(path, "wb") as fh:
        np.save(fh, matrix, allow_pickle=False)
    return matrix


def sequence_region_matrix(
    sequences: Sequence[str],
    motifs: MotifSet,
    n_regions: int = 10,
    *,
    device: str = "cpu",
) -> np.ndarray:
    """Region matrix of single sequences: ``(batch, n_regions, n_tfs)`` float32 (bits).

    Each sequence is split into ``n_regions`` equal chunks of window starts; windows may reach
    ``motif length - 1`` bases into the next chunk, so no site is lost and the maximum over the
    chunks equals ``motifs.scan.max_scores`` of the whole sequence. Edge cases: ``chunk_max_scores``.
    """
    return np.asarray(chunk_max_scores(list(sequences), motifs, n_regions, device=device), dtype=np.float32)
