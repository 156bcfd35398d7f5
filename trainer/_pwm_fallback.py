"""Stop-gap motif loading/scanning used by trainer.baselines only while genebert_tool.motifs is
not importable (it is written concurrently). Same data model: log-odds PWMs ``(L, 4)`` ACGT from
pyjaspar CORE vertebrates, max score over positions and both strands, N contributes 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from trainer.cnn import one_hot


@dataclass
class MotifSet:
    release: str
    ids: list[str]
    names: list[str]
    pwms: list[np.ndarray]  # each (L, 4) float32 log2-odds vs uniform background


@lru_cache(maxsize=4)
def load_motifs(release: str = "JASPAR2018") -> MotifSet:
    from pyjaspar import jaspardb

    found = jaspardb(release=release).fetch_motifs(collection="CORE", tax_group=["vertebrates"], all_versions=False)
    pwms = []
    for m in found:
        counts = np.array([m.counts[b] for b in "ACGT"], dtype=np.float64).T + 0.8 / 4  # (L, 4)
        probs = counts / counts.sum(axis=1, keepdims=True)
        pwms.append(np.log2(probs / 0.25).astype(np.float32))
    return MotifSet(release, [m.matrix_id for m in found], [m.name for m in found], pwms)


@torch.no_grad()
def max_scores(sequences: Sequence[str], motifs: MotifSet, batch_size: int = 512) -> np.ndarray:
    """float32 ``(n_seqs, n_motifs)``: max log-odds over positions and both strands."""
    width = max(p.shape[0] for p in motifs.pwms)
    weight = np.zeros((len(motifs.pwms), 4, width), dtype=np.float32)
    lengths = np.array([p.shape[0] for p in motifs.pwms])
    for i, p in enumerate(motifs.pwms):
        weight[i, :, : p.shape[0]] = p.T
    w = torch.from_numpy(weight)
    w_rc = w.flip(1, 2)  # reverse complement of each PWM, right-aligned at `width`
    out = []
    for start in range(0, len(sequences), batch_size):
        x = torch.from_numpy(one_hot(sequences[start : start + batch_size]))
        n = x.shape[2]
        x = torch.nn.functional.pad(x, (width, width))  # zero columns outside the sequence score 0
        fwd = torch.nn.functional.conv1d(x, w)  # output p covers sequence [p - width, p - width + L)
        rev = torch.nn.functional.conv1d(x, w_rc)  # output p covers sequence [p - L, p)
        pos = torch.arange(fwd.shape[2])[None, :]
        length = torch.from_numpy(lengths)[:, None]
        # Only sites wholly inside the sequence count.
        mask_f = (pos >= width) & (pos <= n + width - length)
        mask_r = (pos >= length) & (pos <= n)
        neg = torch.tensor(float("-inf"))
        best = torch.maximum(torch.where(mask_f, fwd, neg).amax(2), torch.where(mask_r, rev, neg).amax(2))
        out.append(best)
    return torch.cat(out).numpy().astype(np.float32)
