"""Where the real shared data lives: one setting, ``GENEBERT_DATA`` (default ``../shared/data``);
and where genebert caches what it derives (decompressed FASTA, region matrices): ``GENEBERT_CACHE``.

The default is resolved relative to the repository root (the parent of this package), so tests
and benchmarks find it from any working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from genebert_tool.errors import DataNotFoundError, InputError

_REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir(*, required: bool = True) -> Path | None:
    """Return the shared data directory.

    Raises DataNotFoundError when it is missing and ``required`` is true; returns None when it
    is missing and ``required`` is false (the test suite skips then, except under ``CI=true``).
    """
    raw = os.environ.get("GENEBERT_DATA")
    path = Path(raw) if raw else _REPO_ROOT.parent / "shared" / "data"
    if path.is_dir():
        return path
    if required:
        raise DataNotFoundError(
            f"real data directory not found: {path} (set GENEBERT_DATA to the shared data folder)"
        )
    return None


def cache_dir() -> Path:
    """The genebert cache directory (``$GENEBERT_CACHE`` or ``~/.cache/genebert``), created on demand."""
    raw = os.environ.get("GENEBERT_CACHE")
    path = Path(raw) if raw else Path.home() / ".cache" / "genebert"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the genebert cache directory: {exc.strerror or exc} "
                         "(set GENEBERT_CACHE to a writable directory)", path=str(path)) from None
    return path


def data_file(relative: str) -> Path:
    """Return ``data_dir() / relative``, raising DataNotFoundError if it does not exist."""
    path = data_dir() / relative
    if not path.exists():
        raise DataNotFoundError(f"shared data file not found: {path}")
    return path
