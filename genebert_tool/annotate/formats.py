"""Input formats of ``genebert annotate`` and how they are recognised from a file name.

Recognised suffixes (case-insensitive, an optional ``.gz``/``.bgz`` after them):

=========  ==========================================
format     suffixes
=========  ==========================================
bed        ``.bed``, ``.narrowPeak``, ``.broadPeak``, ``.bedGraph``
vcf        ``.vcf``, ``.bcf``
fasta      ``.fa``, ``.fasta``, ``.fna``
=========  ==========================================

``-`` (stdin) has no name, so it needs ``--format``.
"""

from __future__ import annotations

import os
import re

from genebert_tool.errors import InputError

FORMATS = ("bed", "vcf", "fasta")

_SUFFIXES = {
    "bed": ("bed", "narrowpeak", "broadpeak", "bedgraph"),
    "vcf": ("vcf", "bcf"),
    "fasta": ("fa", "fasta", "fna"),
}


def detect_format(source: str | os.PathLike, override: str | None = None) -> str:
    """Return ``"bed"``, ``"vcf"`` or ``"fasta"`` for ``source``.

    ``override`` (the ``--format`` option) wins. Otherwise the suffix decides, looking past a
    trailing ``.gz``/``.bgz``. Raises ``InputError`` when neither tells.
    """
    if override:
        fmt = override.lower()
        if fmt not in FORMATS:
            raise InputError(f"unknown --format {override!r} (choose from {', '.join(FORMATS)})")
        return fmt
    name = str(source)
    if name == "-":
        raise InputError("reading stdin ('-') needs --format bed|vcf|fasta")
    base = os.path.basename(name).lower()
    base = re.sub(r"\.(gz|bgz)$", "", base)
    ext = base.rsplit(".", 1)[-1] if "." in base else ""
    for fmt, suffixes in _SUFFIXES.items():
        if ext in suffixes:
            return fmt
    raise InputError(
        "cannot tell the input format from the file name (expected .bed, .narrowPeak, .vcf[.gz], "
        ".bcf or .fa/.fasta[.gz]); use --format",
        path=name,
    )


def safe_track_name(name: str) -> str:
    """A column/output name made safe for a file name: anything but ``[A-Za-z0-9_.-]`` -> ``_``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    return cleaned or "output"
