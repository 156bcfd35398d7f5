"""Accessible regions from a signal bigWig: MACS3 ``bdgpeakcall`` on a bedGraph of the track.

A user who has only an accessibility signal (``prepare --signal CELL=track.bw``) gets peaks from an
established caller rather than a hand-rolled one. The bigWig is written out as a bedGraph
(pyBigWig reads it; uncovered bases are 0) and MACS3's ``bdgpeakcall`` calls peaks on it:
positions with signal >= ``cutoff``, gaps of at most ``max_gap`` bp merged, peaks shorter than
``min_length`` bp dropped. Its narrowPeak output is read back as BED3 (+ summit) per cell type.

Defaults: the tracks of ../shared/data are per-base counts (K562 median 2 over covered bases,
99th percentile 33); ``cutoff="p90"`` takes the 90th percentile of the covered bases of each
track, so the call adapts to each library's depth; ``min_length=100`` keeps only peaks at least as
long as the corpus region (100 bp); ``max_gap=50`` merges fragments of one nucleosome-free region.

When the ``macs3`` executable is not installed, the same three-step rule runs in numpy and the
corpus records ``caller: "threshold (macs3 not installed)"``; with ``require_macs3=True`` that is an
error instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.io import atomic_write

__all__ = ["PeakCall", "call_signal_peaks", "macs3_executable"]


class PeakCall(dict):
    """What was run: ``caller``, ``cutoff`` (the numeric value used), ``min_length``, ``max_gap``,
    ``n_peaks``, ``bed`` (path of the BED written)."""


def macs3_executable() -> str | None:
    """The ``macs3`` script beside this Python (venv) or on PATH, or None."""
    here = Path(sys.executable).parent / "macs3"
    return str(here) if here.exists() else shutil.which("macs3")


def _signal_values(bw, chrom: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    iv = bw.intervals(chrom) or ()
    if not iv:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    arr = np.asarray(iv, dtype=np.float64)
    return arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]


def _resolve_cutoff(cutoff: float | str, starts, ends, values, path: str) -> float:
    if isinstance(cutoff, (int, float)):
        return float(cutoff)
    text = str(cutoff).strip().lower()
    if text.startswith("p"):
        q = float(text[1:])
        if not 0 < q < 100:
            raise InputError(f"peak cutoff {cutoff!r}: percentile must be in (0, 100)")
        if len(values) == 0:
            raise InputError("signal track has no covered bases", path=path)
        return float(np.percentile(np.repeat(values, ends - starts), q))
    try:
        return float(text)
    except ValueError:
        raise InputError(f"peak cutoff {cutoff!r}: a number or pNN (percentile of covered bases)") from None


def _threshold_peaks(starts, ends, values, cutoff: float, min_length: int, max_gap: int) -> list[tuple[int, int]]:
    keep = values >= cutoff
    out: list[tuple[int, int]] = []
    cur: list[int] | None = None
    for s, e in zip(starts[keep], ends[keep]):
        if cur is not None and s - cur[1] <= max_gap:
            cur[1] = int(e)
        else:
            if cur is not None:
                out.append((cur[0], cur[1]))
            cur = [int(s), int(e)]
    if cur is not None:
        out.append((cur[0], cur[1]))
    return [(s, e) for s, e in out if e - s >= min_length]


def call_signal_peaks(
    bigwig: str | os.PathLike,
    out_bed: str | os.PathLike,
    *,
    contig_lengths: dict[str, int],
    cutoff: float | str = "p90",
    min_length: int = 100,
    max_gap: int = 50,
    require_macs3: bool = False,
) -> PeakCall:
    """Call peaks on ``bigwig`` for the contigs it shares with ``contig_lengths`` (the FASTA) and
    write them as BED (chrom, start, end, name, score, strand=., summit offset) to ``out_bed``.

    A bigWig contig whose length differs from the FASTA's is an ``InputError``, as is a track
    with no contig of the FASTA."""
    import pyBigWig

    path = str(bigwig)
    try:
        bw = pyBigWig.open(path)
    except RuntimeError:
        raise InputError("not a bigWig file (pyBigWig cannot open it)", path=path) from None
    if bw is None or not bw.isBigWig():
        raise InputError("not a bigWig file", path=path)
    chroms = bw.chroms()
    shared = [c for c in chroms if c in contig_lengths]
    for c in shared:
        if int(chroms[c]) != int(contig_lengths[c]):
            raise InputError(f"contig {c} is {chroms[c]:,} bp in the bigWig but {contig_lengths[c]:,} bp in "
                             "the FASTA (another assembly?)", path=path)
    if not shared:
        raise InputError(f"no contig of the FASTA in the bigWig (it has {', '.join(list(chroms)[:5])})", path=path)
    data = {c: _signal_values(bw, c) for c in shared}
    bw.close()
    all_s = np.concatenate([d[0] for d in data.values()])
    all_e = np.concatenate([d[1] for d in data.values()])
    all_v = np.concatenate([d[2] for d in data.values()])
    value = _resolve_cutoff(cutoff, all_s, all_e, all_v, path)
    exe = macs3_executable()
    if exe is None and require_macs3:
        raise InputError("macs3 is not installed (pip install macs3) and require_macs3 is set")
    peaks: list[tuple[str, int, int, int]] = []  # chrom, start, end, summit offset
    if exe is not None:
        caller = "macs3 bdgpeakcall"
        with tempfile.TemporaryDirectory(prefix="genebert-peaks-") as tmp:
            bdg = Path(tmp) / "signal.bdg"
            with open(bdg, "w") as fh:
                for c, (s, e, v) in data.items():
                    for a, b, x in zip(s.tolist(), e.tolist(), v.tolist()):
                        fh.write(f"{c}\t{a}\t{b}\t{x:g}\n")
            res = subprocess.run([exe, "bdgpeakcall", "-i", str(bdg), "-c", f"{value:g}", "-l", str(min_length),
                                  "-g", str(max_gap), "-o", str(Path(tmp) / "peaks.narrowPeak")],
                                 capture_output=True, text=True)
            if res.returncode != 0:
                raise InputError(f"macs3 bdgpeakcall failed: {res.stderr.strip().splitlines()[-1:]}", path=path)
            for line in open(Path(tmp) / "peaks.narrowPeak"):
                f = line.rstrip("\n").split("\t")
                if len(f) < 10 or f[0].startswith(("track", "#")):
                    continue
                peaks.append((f[0], int(f[1]), int(f[2]), int(f[9])))
    else:
        caller = "threshold (macs3 not installed)"
        for c, (s, e, v) in data.items():
            for a, b in _threshold_peaks(s, e, v, value, min_length, max_gap):
                peaks.append((c, a, b, (b - a) // 2))
    order = {c: i for i, c in enumerate(contig_lengths)}
    peaks.sort(key=lambda p: (order[p[0]], p[1], p[2]))
    with atomic_write(out_bed) as fh:
        for i, (c, a, b, summit) in enumerate(peaks):
            fh.write(f"{c}\t{a}\t{b}\tpeak{i + 1}\t0\t.\t{summit}\n")
    return PeakCall(caller=caller, cutoff=value, cutoff_spec=str(cutoff), min_length=min_length, max_gap=max_gap,
                    n_peaks=len(peaks), bed=str(out_bed))
