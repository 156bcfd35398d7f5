"""Fetch many genome windows, optionally in worker processes (``--workers N``).

Workers are started with the ``spawn`` method (no fork of a process that holds torch threads or an
open pyfaidx handle: pyfaidx#211); each receives the picklable ``Genome`` and opens the FASTA
lazily on its first fetch. The main process sends one chunk of window requests at a time and
gets them back in request order (``Pool.map``), so output order is deterministic and at most one
chunk of sequences is in flight. (A torch ``DataLoader`` would need the records up front or an
``IterableDataset`` re-reading the input in every worker; the model input here is plain strings,
tokenized in the main process by the predictor, so a pool over window requests is all it takes.)
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Sequence

from genebert_tool.genome.fasta import Genome

Request = tuple[str, int, int]
_WORKER_GENOME: Genome | None = None
_MIN_PARALLEL = 64  # below this, inter-process overhead outweighs the fetch itself


def _init_worker(genome: Genome) -> None:
    global _WORKER_GENOME
    _WORKER_GENOME = genome


def _fetch_part(requests: list[Request]) -> list[str]:
    assert _WORKER_GENOME is not None  # set by the pool initializer
    return [_WORKER_GENOME.fetch(c, s, e) for c, s, e in requests]


class WindowFetcher:
    """``fetch_many([(chrom, start, end), ...]) -> [sequence, ...]`` over a ``Genome``."""

    def __init__(self, genome: Genome, workers: int = 0) -> None:
        self.genome = genome
        self.workers = max(0, int(workers))
        self._pool = None
        if self.workers > 0:
            ctx = mp.get_context("spawn")
            self._pool = ctx.Pool(self.workers, initializer=_init_worker, initargs=(genome,))

    def fetch_many(self, requests: Sequence[Request]) -> list[str]:
        """Sequences for ``requests``, in order; each exactly ``end - start`` bases, N-padded."""
        requests = list(requests)
        if self._pool is None or len(requests) < _MIN_PARALLEL:
            fetch = self.genome.fetch
            return [fetch(c, s, e) for c, s, e in requests]
        n_parts = self.workers * 4
        size = -(-len(requests) // n_parts)
        parts = [requests[i : i + size] for i in range(0, len(requests), size)]
        out: list[str] = []
        for seqs in self._pool.map(_fetch_part, parts):
            out.extend(seqs)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> WindowFetcher:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        self.close()
