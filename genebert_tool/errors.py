"""Exceptions raised by library code. Only ``cli.py`` turns them into exit codes."""

from __future__ import annotations


class GeneBertError(Exception):
    """Base class for every error genebert raises on purpose."""


class InputError(GeneBertError, ValueError):
    """A malformed input record or file.

    The message always names the file and, when known, the 1-based line number, e.g.
    ``regions.bed:12: start (500) > end (400)``.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class DataNotFoundError(GeneBertError, FileNotFoundError):
    """The shared real-data directory (``GENEBERT_DATA``) or a file inside it is missing."""


class ModelError(GeneBertError):
    """A model directory is missing, corrupt (sha256 mismatch) or incompatible."""
