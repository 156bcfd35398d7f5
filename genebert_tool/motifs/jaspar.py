"""JASPAR CORE vertebrate motifs as log-odds position weight matrices.

Motifs come from the SQLite databases shipped inside the ``pyjaspar`` wheel (no network). The
default release is JASPAR 2018, the one the GeneBERT paper scanned with; callers record the
release they used (``GeneBertConfig.jaspar_release``) so a model is never fed a different one.

Log-odds convention (explicit, stored in every ``MotifSet``):

* background: uniform, 0.25 per base (``BACKGROUND``);
* pseudocount: ``"sqrt"`` (default) adds ``sqrt(N) * 0.25`` counts to every cell of a motif, where
  ``N`` is the motif's mean column total. This is JASPAR's own convention (TFBS/Perl ``to_PWM``)
  and what ``Bio.motifs.jaspar.calculate_pseudocounts`` computes; it scales with the number of
  sites, so matrices given as frequencies (``N`` ~ 10) and as 100,000 counts are both sane. A
  float instead adds that many counts to every cell;
* score of base ``b`` at column ``j``: ``log2(((c[j,b] + pc) / (sum_b c[j,b] + 4 pc)) / 0.25)``,
  i.e. exactly ``motif.counts.normalize(pseudocounts).log_odds(background)`` in Biopython.

Of each matrix only the latest version is kept (``all_versions=False``); JASPAR 2018 has 579.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from genebert_tool.errors import GeneBertError

DEFAULT_RELEASE = "JASPAR2018"
BACKGROUND: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25)
DEFAULT_PSEUDOCOUNT = "sqrt"
BASES = "ACGT"


@dataclass
class MotifSet:
    """An ordered set of motifs as log-odds PWMs.

    ``pwms[i]`` has shape ``(L_i, 4)``, float32, columns A, C, G, T, log2 units (bits).
    ``pseudocount`` is ``"sqrt"`` (``sqrt(N) * background`` per cell) or a per-cell count;
    ``background`` is the (A, C, G, T) background the log-odds are taken against.
    """

    release: str
    ids: list[str]
    names: list[str]
    pwms: list[np.ndarray]
    pseudocount: float | str = DEFAULT_PSEUDOCOUNT
    background: tuple[float, float, float, float] = BACKGROUND
    # Scanner tables built on first use (see motifs.scan); not part of the value.
    _compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (len(self.ids) == len(self.names) == len(self.pwms)):
            raise ValueError("MotifSet: ids, names and pwms must have the same length")
        for motif_id, pwm in zip(self.ids, self.pwms):
            if pwm.ndim != 2 or pwm.shape[1] != 4 or pwm.shape[0] == 0:
                raise ValueError(f"MotifSet: PWM of {motif_id} must have shape (L, 4), got {pwm.shape}")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def columns(self) -> list[str]:
        """Column names of an affinity matrix, ``"<matrix id>_<TF name>"``, e.g. ``"MA0139.1_CTCF"``."""
        return [f"{motif_id}_{name}" for motif_id, name in zip(self.ids, self.names)]

    @property
    def lengths(self) -> np.ndarray:
        """Motif lengths, shape ``(n_motifs,)`` int64."""
        return np.array([pwm.shape[0] for pwm in self.pwms], dtype=np.int64)

    def select(self, tf_names: Sequence[str]) -> MotifSet:
        """The sub-set named by ``tf_names``, in the order asked for.

        A name matches a TF name case-insensitively (``"ctcf"``, ``"Arnt::Hif1a"``), a matrix ID
        (``"MA0139.1"``) or a base ID (``"MA0139"``). A name matching several motifs selects all of
        them; a motif is selected once. Unknown names raise ``ValueError`` listing them.
        """
        index: dict[str, list[int]] = {}
        for i, (motif_id, name) in enumerate(zip(self.ids, self.names)):
            for key in {name.upper(), motif_id.upper(), motif_id.split(".")[0].upper()}:
                index.setdefault(key, []).append(i)
        chosen: list[int] = []
        seen: set[int] = set()
        unknown: list[str] = []
        for wanted in tf_names:
            hits = index.get(wanted.strip().upper())
            if not hits:
                unknown.append(wanted)
                continue
            for i in hits:
                if i not in seen:
                    seen.add(i)
                    chosen.append(i)
        if unknown:
            raise ValueError(
                f"{self.release}: no CORE vertebrate motif named {', '.join(map(repr, unknown))} "
                "(use a TF name such as CTCF or a matrix ID such as MA0139.1; `genebert motifs list` shows all)"
            )
        return self.subset(chosen)

    def subset(self, indices: Sequence[int]) -> MotifSet:
        """The motifs at ``indices``, in that order."""
        return MotifSet(
            release=self.release,
            ids=[self.ids[i] for i in indices],
            names=[self.names[i] for i in indices],
            pwms=[self.pwms[i] for i in indices],
            pseudocount=self.pseudocount,
            background=self.background,
        )


def counts_to_log_odds(
    counts: np.ndarray,
    pseudocount: float | str = DEFAULT_PSEUDOCOUNT,
    background: Sequence[float] = BACKGROUND,
) -> np.ndarray:
    """Log-odds PWM from a count matrix.

    ``counts``: ``(L, 4)`` (A, C, G, T). Returns ``(L, 4)`` float32 in bits; see the module
    docstring for the formula and the meaning of ``pseudocount``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    bg = np.asarray(background, dtype=np.float64)
    bg = bg / bg.sum()
    if pseudocount == "sqrt":
        per_cell = math.sqrt(counts.sum() / counts.shape[0]) * bg
    elif isinstance(pseudocount, (int, float)) and not isinstance(pseudocount, bool) and pseudocount >= 0:
        per_cell = float(pseudocount) * np.ones(4)
    else:
        raise ValueError(f"pseudocount must be 'sqrt' or a non-negative number, got {pseudocount!r}")
    freqs = (counts + per_cell) / (counts.sum(axis=1, keepdims=True) + per_cell.sum())
    with np.errstate(divide="ignore"):
        return np.log2(freqs / bg).astype(np.float32)


def _check_release(release: str) -> None:
    from pyjaspar import jaspardb

    available = jaspardb().get_releases()
    if release not in available:
        raise ValueError(f"unknown JASPAR release {release!r}; pyjaspar ships {', '.join(available)}")


@functools.lru_cache(maxsize=8)
def _load_all(release: str, pseudocount: float | str) -> MotifSet:
    """All CORE vertebrate motifs (latest versions) of ``release``; cached per process (~0.4 s)."""
    from pyjaspar import jaspardb

    _check_release(release)
    try:
        motifs = jaspardb(release=release).fetch_motifs(
            collection="CORE", tax_group=["vertebrates"], all_versions=False
        )
    except Exception as exc:  # pyjaspar raises bare sqlite/OS errors
        raise GeneBertError(f"could not read JASPAR release {release} from pyjaspar: {exc}") from exc
    motifs = sorted(motifs, key=lambda m: m.matrix_id)
    pwms = []
    for motif in motifs:
        counts = np.array([[motif.counts[b][j] for b in BASES] for j in range(motif.length)])
        pwm = counts_to_log_odds(counts, pseudocount, BACKGROUND)
        pwm.flags.writeable = False  # shared by every MotifSet the cache hands out
        pwms.append(pwm)
    return MotifSet(
        release=release,
        ids=[m.matrix_id for m in motifs],
        names=[m.name for m in motifs],
        pwms=pwms,
        pseudocount=pseudocount,
        background=BACKGROUND,
    )


def load_motifs(
    release: str = DEFAULT_RELEASE,
    *,
    tf_names: Sequence[str] | None = None,
    pseudocount: float | str = DEFAULT_PSEUDOCOUNT,
) -> MotifSet:
    """CORE vertebrate motifs of a JASPAR release, latest version of each matrix, sorted by matrix ID.

    ``tf_names`` selects motifs by TF name or matrix ID (see ``MotifSet.select``); ``None`` = all.
    The full set is cached in-process per (release, pseudocount); each call returns a new
    ``MotifSet`` object sharing the (read-only) PWM arrays.
    """
    full = _load_all(release, pseudocount)
    if tf_names is None:
        return full.subset(range(len(full)))
    return full.select(tf_names)


def list_releases() -> list[str]:
    """The JASPAR releases shipped with the installed pyjaspar."""
    from pyjaspar import jaspardb

    return list(jaspardb().get_releases())
