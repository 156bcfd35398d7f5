"""Baselines for genome scans, trained on the same genome windows as the model and scored on the
same tiles: CpG o/e and GC (no training), the best JASPAR PWM per output, a multi-label CNN, and a
splice-site PWM (donor: 3 exon + 6 intron bases; acceptor: 20 intron + 3 exon bases).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from genebert_tool.motifs.jaspar import DEFAULT_RELEASE
from trainer.genome_data import cpg_oe, gc_content
from trainer.metrics import IGNORE_INDEX

__all__ = ["composition_scores", "BestPwmPerOutput", "MultiLabelCnn", "SplicePwm"]


def composition_scores(sequences: Sequence[str]) -> dict[str, np.ndarray]:
    """{"cpg_oe": CpG observed/expected, "gc": GC fraction} per sequence (higher = more promoter-like)."""
    return {"cpg_oe": cpg_oe(list(sequences)), "gc": gc_content(list(sequences))}


class BestPwmPerOutput:
    """For each output, the JASPAR motif whose max log-odds has the highest average precision on the
    training windows (over every CORE vertebrate motif, not only the TF's own: the strongest PWM)."""

    def __init__(self, release: str = DEFAULT_RELEASE) -> None:
        from genebert_tool.motifs.jaspar import load_motifs

        self.motifs = load_motifs(release)
        self.chosen: list[int] = []
        self.train_ap: list[float] = []

    def fit(self, sequences: Sequence[str], labels: np.ndarray) -> "BestPwmPerOutput":
        from genebert_tool.motifs.scan import max_scores
        from trainer.metrics import average_precision_columns

        scores = np.asarray(max_scores(list(sequences), self.motifs), np.float32)
        labels = labels.reshape(len(labels), -1)
        keep = labels != IGNORE_INDEX
        y = np.where(keep, labels, 0)
        # (n_motifs, n_outputs): one sort per motif scores every output (the same numbers as sklearn's AP)
        ap = np.stack([average_precision_columns(scores[:, m], y, keep) for m in range(scores.shape[1])])
        single = np.array([np.unique(y[keep[:, j], j]).size < 2 for j in range(y.shape[1])])
        self.chosen = [0 if single[j] else int(np.nanargmax(ap[:, j])) for j in range(y.shape[1])]
        self.train_ap = [float("nan") if single[j] else float(np.nanmax(ap[:, j])) for j in range(y.shape[1])]
        return self

    def motif_of(self, j: int) -> str:
        return self.motifs.columns[self.chosen[j]]

    def score(self, sequences: Sequence[str]) -> np.ndarray:
        """(n, n_outputs) raw max log-odds of each output's chosen motif."""
        from genebert_tool.motifs.scan import max_scores

        used = sorted(set(self.chosen))
        raw = np.asarray(max_scores(list(sequences), self.motifs.subset(used)), np.float32)
        col = {m: i for i, m in enumerate(used)}
        return raw[:, [col[m] for m in self.chosen]]


class MultiLabelCnn:
    """A DeepBind-like CNN (``trainer.cnn.DeepBindNet``, both strands) with one sigmoid per output,
    BCE with -100 entries ignored; early stopping on a seeded 10 % of the training windows."""

    def __init__(self, *, n_filters: int = 64, width: int = 24, hidden: int = 64, epochs: int = 6,
                 batch_size: int = 128, lr: float = 2e-3, seed: int = 0, both_strands: bool = True) -> None:
        self.kw = dict(n_filters=n_filters, width=width, hidden=hidden, both_strands=both_strands)
        self.epochs, self.batch_size, self.lr, self.seed = epochs, batch_size, lr, seed
        self.model = None
        self.length = None

    def fit(self, sequences: Sequence[str], labels: np.ndarray) -> "MultiLabelCnn":
        import torch

        from trainer.cnn import DeepBindNet, one_hot

        y = torch.from_numpy(labels.reshape(len(labels), -1).astype(np.float32))
        self.length = max(len(s) for s in sequences)
        x = torch.from_numpy(one_hot(list(sequences), self.length))
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(x))
        n_dev = max(1, len(x) // 10)
        dev, fit = order[:n_dev], order[n_dev:]
        torch.manual_seed(self.seed)
        model = DeepBindNet(y.shape[1], **self.kw)
        opt = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=1e-4)

        def loss_of(xb, yb):
            keep = yb != IGNORE_INDEX
            per = torch.nn.functional.binary_cross_entropy_with_logits(model(xb), yb.clamp(min=0), reduction="none")
            return (per * keep).sum() / keep.sum().clamp(min=1)

        best, best_state, bad = float("inf"), None, 0
        for _ in range(self.epochs):
            model.train()
            perm = fit[rng.permutation(len(fit))]
            for i in range(0, len(perm), self.batch_size):
                b = torch.from_numpy(perm[i : i + self.batch_size])
                loss = loss_of(x[b], y[b])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                d = float(loss_of(x[dev], y[dev]))
            if d < best - 1e-4:
                best, bad = d, 0
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                bad += 1
                if bad >= 2:
                    break
        model.load_state_dict(best_state)
        model.eval()
        self.model = model
        return self

    def score(self, sequences: Sequence[str]) -> np.ndarray:
        import torch

        from trainer.cnn import one_hot

        x = torch.from_numpy(one_hot(list(sequences), self.length))
        with torch.no_grad():
            out = [torch.sigmoid(self.model(x[i : i + 1024])) for i in range(0, len(x), 1024)]
        return torch.cat(out).numpy().astype(np.float32)


_CODE = np.full(256, 4, np.int64)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _i


class SplicePwm:
    """Position weight matrices of donor and acceptor sites learnt from training sites (transcript
    orientation), log2-odds against the training windows' base composition; each base is scored as a
    donor (offsets -2..+6 around it) and as an acceptor (offsets -20..+2)."""

    DONOR = (-2, 7)  # exon bases -2..0 (0 = the last exon base), intron +1..+6
    ACCEPTOR = (-20, 3)  # intron -20..-1, exon 0..+2 (0 = the first exon base)

    def fit(self, sequences: Sequence[str], labels: np.ndarray, context_bp: int) -> "SplicePwm":
        codes = [_CODE[np.frombuffer(s.encode(), np.uint8)] for s in sequences]
        background = np.bincount(np.concatenate(codes), minlength=5)[:4] + 1.0
        background /= background.sum()
        self.pwms = {}
        for cls, (lo, hi) in ((1, self.DONOR), (2, self.ACCEPTOR)):
            counts = np.ones((hi - lo, 4))
            for c, lab in zip(codes, labels):
                for j in np.flatnonzero(lab == cls):
                    p = context_bp + j
                    seg = c[p + lo : p + hi]
                    if len(seg) == hi - lo:
                        ok = seg < 4
                        counts[np.arange(hi - lo)[ok], seg[ok]] += 1
            probs = counts / counts.sum(axis=1, keepdims=True)
            self.pwms[cls] = np.log2(probs / background)
        return self

    def score(self, sequence: str) -> np.ndarray:
        """(len, 2) donor / acceptor log-odds per base of ``sequence`` (transcript orientation; -inf-free:
        bases too close to an end get the minimum)."""
        c = _CODE[np.frombuffer(sequence.encode(), np.uint8)]
        n = len(c)
        out = np.full((n, 2), -50.0, np.float32)
        for col, cls in enumerate((1, 2)):
            lo, hi = self.DONOR if cls == 1 else self.ACCEPTOR
            pwm = np.vstack([self.pwms[cls], np.zeros((0, 4))])
            pwm5 = np.hstack([pwm, np.full((len(pwm), 1), -2.0)])  # N scores low
            total = np.zeros(n)
            for off in range(lo, hi):
                idx = np.arange(n) + off
                valid = (idx >= 0) & (idx < n)
                total[valid] += pwm5[off - lo, c[idx[valid]]]
                total[~valid] += -2.0
            out[:, col] = total
        return out
