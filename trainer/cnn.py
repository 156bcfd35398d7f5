"""A small DeepBind-like CNN baseline (Alipanahi et al. 2015), trained from scratch in torch.

One-hot input -> one convolution layer (both strands share the filters for TF binding) -> ReLU ->
global max and average pooling -> a small dense layer -> class logits. Training uses Adam with early
stopping on an internal dev split of the training data only; the test data is never seen in `fit`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

_BASE_INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}


def one_hot(sequences: Sequence[str], length: int | None = None) -> np.ndarray:
    """One-hot encode DNA, ACGT channels; N/IUPAC and padding positions are all-zero.

    Returns float32 ``(n, 4, length)``; ``length`` defaults to the longest sequence (shorter ones are
    right-padded, longer ones truncated).
    """
    length = length or max((len(s) for s in sequences), default=0)
    lut = np.full(256, 4, dtype=np.int64)
    for base, idx in _BASE_INDEX.items():
        lut[ord(base)] = idx
        lut[ord(base.lower())] = idx
    codes = np.full((len(sequences), length), 4, dtype=np.int64)
    for i, seq in enumerate(sequences):
        raw = np.frombuffer(seq[:length].encode("ascii", "replace"), dtype=np.uint8)
        codes[i, : len(raw)] = lut[raw]
    eye = np.concatenate([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])
    return np.ascontiguousarray(eye[codes].transpose(0, 2, 1))


def dev_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded (fit indices, dev indices) of the *training* data; the dev part has at
    least one row per class so tiny training sets still split."""
    from sklearn.model_selection import train_test_split

    n_classes = len(np.unique(labels))
    size = max(n_classes, int(np.ceil(fraction * len(labels))))  # sklearn rounds a float test_size up too
    fit_idx, dev_idx = train_test_split(np.arange(len(labels)), test_size=size, random_state=seed, stratify=labels)
    return fit_idx, dev_idx


class DeepBindNet(nn.Module):
    """Conv (n_filters x width) on one or both strands, max+avg pool, dense head.

    forward: ``x`` float ``(batch, 4, length)`` one-hot -> logits ``(batch, n_classes)``.
    ``n_bins = 1`` is DeepBind's global pooling (position-free, right for TF binding); ``n_bins > 1``
    pools each of that many equal segments, keeping coarse position for anchored inputs (splice
    sites, TSS-centred promoters). With ``both_strands`` (needs ``n_bins = 1``) the reverse
    complement is scanned with the same filters and the pooled features are max-combined, so the
    output is strand-invariant.
    """

    def __init__(self, n_classes: int, *, n_filters: int = 32, width: int = 24, hidden: int = 32,
                 both_strands: bool = True, n_bins: int = 1, dropout: float = 0.3) -> None:
        super().__init__()
        if both_strands and n_bins != 1:
            raise ValueError("both_strands needs global pooling (n_bins=1)")
        self.both_strands, self.n_bins = both_strands, n_bins
        self.conv = nn.Conv1d(4, n_filters, width, padding=width // 2)
        self.head = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(2 * n_filters * n_bins, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def _pooled(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x))  # (batch, n_filters, length')
        pooled = [nn.functional.adaptive_max_pool1d(h, self.n_bins), nn.functional.adaptive_avg_pool1d(h, self.n_bins)]
        return torch.cat(pooled, dim=1).flatten(1)  # (batch, 2 * n_filters * n_bins)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self._pooled(x)
        if self.both_strands:
            feats = torch.maximum(feats, self._pooled(x.flip(1, 2)))
        return self.head(feats)


class CnnBaseline:
    """sklearn-like wrapper: ``fit(seqs, labels)`` then ``predict_proba(seqs) -> (n, n_classes)``.

    ``fit`` holds out ``dev_fraction`` of the training data (stratified, seeded) and keeps the epoch
    with the lowest dev loss; it stops after ``patience`` epochs without improvement.
    """

    def __init__(self, *, n_filters: int = 32, width: int = 24, hidden: int = 32, both_strands: bool = True,
                 n_bins: int = 1, epochs: int = 12, batch_size: int = 64, lr: float = 2e-3, weight_decay: float = 1e-4,
                 patience: int = 2, dev_fraction: float = 0.1, seed: int = 0) -> None:
        self.n_filters, self.width, self.hidden = n_filters, width, hidden
        self.both_strands, self.n_bins = both_strands, n_bins
        self.epochs, self.batch_size, self.lr, self.weight_decay = epochs, batch_size, lr, weight_decay
        self.patience, self.dev_fraction, self.seed = patience, dev_fraction, seed
        self.model: DeepBindNet | None = None
        self.length: int | None = None
        self.n_classes: int = 2
        self.history: list[dict[str, float]] = []

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> CnnBaseline:
        y = np.asarray(labels, dtype=np.int64)
        self.n_classes = max(2, int(y.max()) + 1)
        self.length = max(len(s) for s in sequences)
        x = one_hot(sequences, self.length)
        idx_fit, idx_dev = dev_split(y, self.dev_fraction, self.seed)
        torch.manual_seed(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        model = DeepBindNet(self.n_classes, n_filters=self.n_filters, width=min(self.width, self.length),
                            hidden=self.hidden, both_strands=self.both_strands, n_bins=self.n_bins)
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        x_fit, y_fit = torch.from_numpy(x[idx_fit]), torch.from_numpy(y[idx_fit])
        x_dev, y_dev = torch.from_numpy(x[idx_dev]), torch.from_numpy(y[idx_dev])
        best_loss, best_state, bad = float("inf"), None, 0
        self.history = []
        for epoch in range(self.epochs):
            model.train()
            order = torch.randperm(len(y_fit), generator=gen)
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                loss = nn.functional.cross_entropy(model(x_fit[batch]), y_fit[batch])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            dev_loss = self._loss(model, x_dev, y_dev)
            self.history.append({"epoch": epoch, "dev_loss": dev_loss})
            # Early stopping on the internal dev split: the test fold never influences training.
            if dev_loss < best_loss - 1e-4:
                best_loss, bad = dev_loss, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                bad += 1
                if bad >= self.patience:
                    break
        if best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        self.model = model
        return self

    @torch.no_grad()
    def _loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
        model.eval()
        total = 0.0
        for start in range(0, len(y), 512):
            logits = model(x[start : start + 512])
            total += float(nn.functional.cross_entropy(logits, y[start : start + 512], reduction="sum"))
        return total / max(1, len(y))

    @torch.no_grad()
    def predict_proba(self, sequences: Sequence[str]) -> np.ndarray:
        """Class probabilities, float32 ``(n, n_classes)``."""
        if self.model is None or self.length is None:
            raise RuntimeError("CnnBaseline.predict_proba called before fit")
        x = torch.from_numpy(one_hot(sequences, self.length))
        out = [torch.softmax(self.model(x[s : s + 512]), dim=1) for s in range(0, len(x), 512)]
        return torch.cat(out).numpy().astype(np.float32)
