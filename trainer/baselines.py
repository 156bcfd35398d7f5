"""Non-GeneBERT baselines, trained and scored on the same split as the task models.

1. ``BestPwmBaseline``: the single JASPAR CORE vertebrate motif (``motifs.jaspar.DEFAULT_RELEASE``, JASPAR 2018, as in the
   paper) whose max log-odds score separates the *training* labels best (AUC); test sequences are
   scored by that motif alone. Binary tasks only.
2. ``KmerLogisticBaseline``: k-mer spectrum (k = 1..6, frequencies per k) + L2 logistic regression,
   C chosen on an internal dev split; k-mers and their reverse complements are merged for TF binding.
3. ``CnnBaseline`` (trainer/cnn.py): a small DeepBind-like CNN.

Every baseline has ``fit(sequences, labels)`` and ``predict_proba(sequences) -> (n, n_classes)``.
``run_baselines(task, train, test)`` fits all baselines that apply to ``task`` on ``train`` and
returns ``{baseline name: metrics dict}`` computed on ``test``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from scipy import sparse

from genebert_tool.motifs.jaspar import DEFAULT_RELEASE
from genebert_tool.tasks import get_task
from trainer.cnn import CnnBaseline, dev_split

if TYPE_CHECKING:
    from genebert_tool.motifs.jaspar import MotifSet



class _Labelled(Protocol):  # genebert_tool.genome.sequences.LabelledSequence
    sequence: str
    label: int


# --------------------------------------------------------------------------------------------
# k-mer spectrum
# --------------------------------------------------------------------------------------------
def _codes(sequences: Sequence[str]) -> np.ndarray:
    """int8 ``(n, max_len)`` with A,C,G,T = 0..3 and -1 for N/IUPAC/padding."""
    lut = np.full(256, -1, dtype=np.int8)
    for i, base in enumerate("ACGT"):
        lut[ord(base)] = i
        lut[ord(base.lower())] = i
    length = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), length), -1, dtype=np.int8)
    for i, seq in enumerate(sequences):
        raw = np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)
        out[i, : len(raw)] = lut[raw]
    return out


def _revcomp_index(k: int) -> np.ndarray:
    """For every k-mer index (lexicographic ACGT) the index of its reverse complement."""
    idx = np.arange(4**k)
    digits = [(idx // 4 ** (k - 1 - j)) % 4 for j in range(k)]
    rc = np.zeros_like(idx)
    for j, d in enumerate(reversed(digits)):
        rc = rc * 4 + (3 - d)
    return rc


def kmer_spectrum(sequences: Sequence[str], ks: Sequence[int] = (1, 2, 3, 4, 5, 6), *,
                  canonical: bool = False) -> sparse.csr_matrix:
    """k-mer frequency features, sparse float32 ``(n, n_features)``.

    For each k the counts of overlapping k-mers are divided by the number of valid (ACGT-only)
    k-mers in that sequence. With ``canonical`` a k-mer and its reverse complement share a column
    (strand-symmetric features for TF binding). Column order: k ascending, then k-mer index.
    """
    codes = _codes(sequences).astype(np.int64)
    n, length = codes.shape
    blocks = []
    for k in ks:
        width = length - k + 1
        if width <= 0:
            blocks.append(sparse.csr_matrix((n, 4**k), dtype=np.float32))
            continue
        index = np.zeros((n, width), dtype=np.int64)
        valid = np.ones((n, width), dtype=bool)
        for j in range(k):
            window = codes[:, j : j + width]
            index = index * 4 + np.maximum(window, 0)
            valid &= window >= 0
        n_cols = 4**k
        if canonical:
            rc = _revcomp_index(k)
            canon = np.minimum(np.arange(n_cols), rc)
            keep = np.unique(canon)
            remap = np.zeros(n_cols, dtype=np.int64)
            remap[keep] = np.arange(len(keep))
            index = remap[canon[index]]
            n_cols = len(keep)
        rows = np.broadcast_to(np.arange(n)[:, None], index.shape)[valid]
        counts = sparse.csr_matrix(
            (np.ones(rows.size, dtype=np.float32), (rows, index[valid])), shape=(n, n_cols)
        )
        totals = np.maximum(valid.sum(axis=1), 1).astype(np.float32)
        blocks.append(sparse.diags(1.0 / totals) @ counts)
    return sparse.hstack(blocks, format="csr", dtype=np.float32)


class KmerLogisticBaseline:
    """k-mer spectrum + logistic regression; ``C`` picked from ``c_grid`` on an internal dev split.

    ``n_threads`` caps the BLAS/OpenMP pools during fit/predict (default 1): on a shared machine
    spinning OpenMP workers made a 100-row fit 100x slower, and these problems are too small to gain.
    """

    def __init__(self, *, ks: Sequence[int] = (1, 2, 3, 4, 5, 6), canonical: bool = False,
                 c_grid: Sequence[float] = (0.01, 0.1, 1.0, 10.0), dev_fraction: float = 0.1, seed: int = 0,
                 n_threads: int | None = 1) -> None:
        self.ks, self.canonical, self.c_grid = tuple(ks), canonical, tuple(c_grid)
        self.dev_fraction, self.seed, self.n_threads = dev_fraction, seed, n_threads
        self.model: Any = None
        self.scaler: Any = None
        self.chosen_c: float | None = None

    def _features(self, sequences: Sequence[str]) -> sparse.csr_matrix:
        return kmer_spectrum(sequences, self.ks, canonical=self.canonical)

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> KmerLogisticBaseline:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.n_threads):
            return self._fit(sequences, labels)

    def _fit(self, sequences: Sequence[str], labels: Sequence[int]) -> KmerLogisticBaseline:
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import MaxAbsScaler

        y = np.asarray(labels, dtype=np.int64)
        # MaxAbs keeps sparsity and puts k=1 frequencies (~0.25) and k=6 (~0.01) on one scale.
        self.scaler = MaxAbsScaler()
        x = self.scaler.fit_transform(self._features(sequences))
        idx_fit, idx_dev = dev_split(y, self.dev_fraction, self.seed)
        best = (-np.inf, None)
        for c in self.c_grid:
            clf = LogisticRegression(C=c, max_iter=2000)
            clf.fit(x[idx_fit], y[idx_fit])
            # Dev log-likelihood, not accuracy: smoother for choosing the regularisation strength.
            proba = np.clip(clf.predict_proba(x[idx_dev]), 1e-7, 1)
            ll = float(np.mean(np.log(proba[np.arange(len(idx_dev)), y[idx_dev]])))
            if ll > best[0]:
                best = (ll, c)
        self.chosen_c = best[1]
        self.model = LogisticRegression(C=self.chosen_c, max_iter=2000).fit(x, y)
        return self

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        """Class probabilities, float32 ``(n, n_classes)``."""
        from threadpoolctl import threadpool_limits

        if self.model is None:
            raise RuntimeError("KmerLogisticBaseline.predict_proba called before fit")
        x = self.scaler.transform(self._features(sequences))
        with threadpool_limits(limits=self.n_threads):
            return self.model.predict_proba(x).astype(np.float32)


# --------------------------------------------------------------------------------------------
# best single PWM
# --------------------------------------------------------------------------------------------
class BestPwmBaseline:
    """Pick the one motif whose max log-odds score has the highest training AUC.

    ``predict_proba`` maps that motif's score through a 1-D logistic fit on the training data, so the
    output is a probability; the ranking (and AUC) is the raw motif score's.
    Attributes after fit: ``motif_id``, ``motif_name``, ``train_auc``.
    """

    def __init__(self, motifs: MotifSet | None = None, *, release: str = DEFAULT_RELEASE) -> None:
        self.motifs = motifs
        self.release = release
        self.index: int | None = None
        self.motif_id = self.motif_name = None
        self.train_auc: float | None = None
        self._calibration: Any = None

    @staticmethod
    def _scores(sequences: Sequence[str], motifs: MotifSet) -> np.ndarray:
        """Max log-odds over positions and both strands, ``(n_seqs, n_motifs)``."""
        from genebert_tool.motifs.scan import max_scores

        return np.asarray(max_scores(list(sequences), motifs), dtype=np.float32)

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> BestPwmBaseline:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import roc_auc_score

        y = np.asarray(labels, dtype=np.int64)
        if set(np.unique(y)) - {0, 1}:
            raise ValueError("BestPwmBaseline is for binary labels (0/1) only")
        if self.motifs is None:
            from genebert_tool.motifs.jaspar import load_motifs

            self.motifs = load_motifs(self.release)
        scores = self._scores(sequences, self.motifs)  # (n, n_motifs)
        aucs = np.array([roc_auc_score(y, scores[:, j]) for j in range(scores.shape[1])])
        self.index = int(np.argmax(aucs))
        self.train_auc = float(aucs[self.index])
        self.motif_id = self.motifs.ids[self.index]
        self.motif_name = self.motifs.names[self.index]
        self._calibration = LogisticRegression().fit(scores[:, [self.index]], y)
        return self

    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        """``(n, 2)`` float32; column 1 is monotone in the chosen motif's max log-odds score."""
        if self.index is None:
            raise RuntimeError("BestPwmBaseline.predict_proba called before fit")
        column = self._scores(sequences, self.motifs.subset([self.index]))[:, [0]]
        return self._calibration.predict_proba(column).astype(np.float32)


# --------------------------------------------------------------------------------------------
# metrics + driver
# --------------------------------------------------------------------------------------------
def score_predictions(y_true: Sequence[int], proba: np.ndarray, *, task: str) -> dict:
    """``trainer.metrics.compute_metrics`` for ``proba`` ``(n, n_classes)``.

    A baseline that predicts one class everywhere is still reported (``allow_one_class``): in a
    comparison table a useless baseline is a result, not an error.
    """
    from trainer.metrics import compute_metrics

    score = proba[:, 1] if proba.shape[1] == 2 else proba
    return compute_metrics(np.asarray(y_true, dtype=np.int64), score, task=task, allow_one_class=True)


def make_baseline(name: str, task: str, *, seed: int = 0, motifs: Any = None,
                  cnn_options: dict[str, Any] | None = None) -> Any:
    """A fresh, unfitted baseline ``name`` configured for ``task``."""
    strand_symmetric = get_task(task).strand_symmetric  # promoters and splice sites have a fixed orientation
    if name == "cnn":
        # TF sites can sit anywhere on either strand: global pooling over both strands (DeepBind).
        # Splice sites and core promoters are anchored at the window centre on the + strand:
        # pooling per segment keeps where a motif occurs.
        options = {"both_strands": strand_symmetric, "n_bins": 1 if strand_symmetric else 5, "seed": seed}
        if task == "splice":
            options["width"] = 12  # 60-bp windows: DeepBind's 24-bp filters would span 40% of the input
        options.update(cnn_options or {})
        return CnnBaseline(**options)
    if name == "kmer_lr":
        return KmerLogisticBaseline(canonical=strand_symmetric, seed=seed)
    if name == "best_pwm":
        return BestPwmBaseline(motifs)
    raise ValueError(f"unknown baseline {name!r}")


@dataclass
class BaselineResult:
    """One fitted baseline: the model, its test probabilities ``(n_test, n_classes)`` and metrics."""

    name: str
    model: Any
    proba: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


def fit_baselines(task: str, train: Sequence[_Labelled], test: Sequence[_Labelled], *, seed: int = 0,
                  motifs: Any = None, names: Sequence[str] | None = None,
                  cnn_options: dict[str, Any] | None = None) -> dict[str, BaselineResult]:
    """Fit every baseline for ``task`` (or those in ``names``) on ``train``, score ``test``."""
    import time

    names = tuple(names) if names is not None else get_task(task).baselines
    train_seqs = [r.sequence for r in train]
    train_y = np.array([r.label for r in train], dtype=np.int64)
    test_seqs = [r.sequence for r in test]
    test_y = np.array([r.label for r in test], dtype=np.int64)
    results = {}
    for name in names:
        if name == "best_pwm" and len(np.unique(train_y)) != 2:
            continue  # one PWM score cannot rank three classes
        start = time.perf_counter()
        model = make_baseline(name, task, seed=seed, motifs=motifs, cnn_options=cnn_options)
        model.fit(train_seqs, train_y)
        proba = model.predict_proba(test_seqs)
        metrics = score_predictions(test_y, proba, task=task)
        results[name] = BaselineResult(name, model, proba, metrics, time.perf_counter() - start)
    return results


def run_baselines(task: str, train: Sequence[_Labelled], test: Sequence[_Labelled], *, seed: int = 0,
                  motifs: Any = None) -> dict[str, dict]:
    """Baseline name -> metrics dict on ``test`` (see ``fit_baselines``)."""
    return {name: r.metrics for name, r in fit_baselines(task, train, test, seed=seed, motifs=motifs).items()}
