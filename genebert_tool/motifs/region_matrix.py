"""The region modality of GeneBERT: a (regions x TFs) matrix of motif binding affinities.

Pre-training samples are 10 consecutive regulatory regions, each scanned with every JASPAR motif
(``build_region_matrix``). A single fine-tuning or annotation sequence has no neighbours, so it is
cut into ``n_regions`` equal chunks instead (``sequence_region_matrix``). Entries are maximum
log-odds scores in bits (``motifs.scan.max_scores``), not normalised; the model normalises.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from genebert_tool.genome.io import atomic_write
from genebert_tool.motifs.jaspar import MotifSet
from genebert_tool.motifs.scan import chunk_max_scores, max_scores

# Bump when the scores a given (sequences, motifs) pair produces change, to invalidate caches.
SCANNER_VERSION = 1


def matrix_key(sequences: Sequence[str], motifs: MotifSet) -> str:
    """Content hash of the sequences and the motif set (release, IDs, PWMs, pseudocount, background)."""
    digest = hashlib.sha256()
    digest.update(f"v{SCANNER_VERSION}|{motifs.release}|{motifs.pseudocount}|{motifs.background}|".encode())
    for motif_id, pwm in zip(motifs.ids, motifs.pwms):
        digest.update(motif_id.encode())
        digest.update(np.ascontiguousarray(pwm, dtype=np.float32).tobytes())
    digest.update(f"|{len(sequences)}|".encode())
    for sequence in sequences:
        digest.update(f"{len(sequence)}:".encode())
        digest.update(sequence.upper().encode("ascii", "replace"))
    return digest.hexdigest()


def _save_npz(path: Path, matrix: np.ndarray, motifs: MotifSet) -> None:
    with atomic_write(path, "wb") as fh:
        np.savez(fh, matrix=matrix, columns=np.array(motifs.columns), release=np.array(motifs.release))


def build_region_matrix(
    sequences: Sequence[str],
    motifs: MotifSet,
    *,
    cache_dir: str | os.PathLike | None = None,
    device: str = "cpu",
) -> np.ndarray:
    """Affinity of every region for every motif: ``(n_regions, n_tfs)`` float32 (bits).

    With ``cache_dir``, the matrix is stored as ``<cache_dir>/region_matrix.<sha256>.npz``, keyed
    by ``matrix_key`` (sequences + release + PWMs), and re-used when the same key comes again; an
    unreadable cache file is recomputed and overwritten. ``None`` = no cache.
    """
    if cache_dir is None:
        return max_scores(sequences, motifs, device=device)
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"region_matrix.{matrix_key(sequences, motifs)}.npz"
    if path.exists():
        try:
            with np.load(path) as data:
                matrix = data["matrix"]
                if matrix.shape == (len(sequences), len(motifs)) and list(data["columns"]) == motifs.columns:
                    return matrix.astype(np.float32, copy=False)
        except (OSError, ValueError, KeyError):
            pass  # corrupt or foreign file: recompute below
    matrix = max_scores(sequences, motifs, device=device)
    _save_npz(path, matrix, motifs)
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
    chunks equals ``build_region_matrix`` of the whole sequence. Edge cases: ``chunk_max_scores``.
    """
    return chunk_max_scores(sequences, motifs, n_regions, device=device)
