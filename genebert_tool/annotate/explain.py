"""In-silico mutagenesis (ISM) of a region: per base, the largest |ALT - REF| over its three substitutions.

Every base ``b`` of ``[start, end)`` is mutated to each of the three other bases and each SNV is
scored exactly as ``genebert annotate`` scores a VCF SNV (``annotate.variants.score_variants``:
the window centred on the variant, REF vs ALT, per output; splice models also over offsets
``-d..d`` with ``scan_distance`` d). ``ISM[b, o] = max over the 3 ALTs of |P_o(ALT) - P_o(REF)|``,
so a base's track value is the largest change any SNV there could make to output ``o`` -- the
number ``GENEBERT`` INFO would carry for the worst SNV at that base. N bases have no value (NaN).

Writers: ``write_ism_bigwigs`` writes one bigWig per output (``PREFIX.<output>.ism.bw``, bases
without a value have no entry) and ``plot_ism`` one PNG of the bar tracks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from genebert_tool.annotate.models import ScoringModel

_BASES = "ACGT"


def ism(genome, chrom: str, start: int, end: int, models: Sequence[ScoringModel], *,
        batch_size: int = 256) -> tuple[np.ndarray, list[str]]:
    """ISM of ``chrom:[start, end)`` (0-based): ``(end - start, n_outputs)`` float32, NaN at N bases,
    and the output column names (``models``' columns, in order). ``genome``: a ``Genome``."""
    from genebert_tool.annotate.fetch import WindowFetcher
    from genebert_tool.annotate.variants import score_variants
    from genebert_tool.genome.vcf import Variant

    if end <= start:
        raise ValueError(f"empty region {chrom}:{start}-{end}")
    columns = [c for m in models for c in m.columns]
    seq = genome.fetch(chrom, start, end)
    variants, where = [], []
    for i, ref in enumerate(seq):
        if ref not in _BASES:
            continue
        for alt in _BASES:
            if alt != ref:
                variants.append(Variant(chrom, start + i, ref, alt, 1, None, 0))
                where.append(i)
    out = np.full((end - start, len(columns)), -np.inf, dtype=np.float32)
    if variants:
        fetcher = WindowFetcher(genome, 0)
        try:
            ref_p, alt_p = score_variants(variants, list(models), fetcher.fetch_many, batch_size=batch_size)
        finally:
            fetcher.close()
        np.maximum.at(out, np.asarray(where), np.abs(alt_p - ref_p).astype(np.float32))
    out[np.isneginf(out)] = np.nan
    return out, columns


def write_ism_bigwigs(prefix: str, chrom: str, start: int, values: np.ndarray, columns: Sequence[str],
                      chrom_sizes: Sequence[tuple[str, int]]) -> list[Path]:
    """One bigWig per output column: 1-bp entries for bases with a value; returns the paths."""
    from genebert_tool.annotate.formats import safe_track_name
    from genebert_tool.writers.bigwig import BigWigWriter

    paths = []
    for j, col in enumerate(columns):
        path = Path(f"{prefix}.{safe_track_name(col)}.ism.bw")
        keep = np.flatnonzero(np.isfinite(values[:, j]))
        with BigWigWriter(path, chrom_sizes) as writer:
            if len(keep):
                writer.add(chrom, start + keep, start + keep + 1, values[keep, j])
        paths.append(path)
    return paths


def plot_ism(path: str | os.PathLike, chrom: str, start: int, values: np.ndarray, columns: Sequence[str], *,
             max_tracks: int = 6, title: str = "") -> Path:
    """A PNG of the ISM bar tracks of the ``max_tracks`` outputs with the largest maximum."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    peak = np.nan_to_num(values, nan=0.0).max(axis=0) if values.size else np.zeros(len(columns))
    order = [int(j) for j in np.argsort(-peak)[:max_tracks]]
    fig, axes = plt.subplots(len(order), 1, figsize=(10, 1.4 * len(order) + 0.6), sharex=True, squeeze=False)
    x = np.arange(start, start + len(values))
    for ax, j in zip(axes[:, 0], order):
        ax.bar(x, np.nan_to_num(values[:, j], nan=0.0), width=1.0, color="tab:blue")
        ax.set_ylabel(columns[j], rotation=0, ha="right", fontsize=8)
        ax.set_ylim(0, max(float(peak[j]) * 1.1, 1e-3))
    axes[-1, 0].set_xlabel(f"{chrom} (0-based)")
    fig.suptitle(title or f"ISM max |ALT-REF| per base, {chrom}:{start}-{start + len(values)}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
