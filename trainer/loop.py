"""The pre-training loop (nanoGPT style) and the batches it eats.

Batches are a pure function of ``(seed, step, micro_step, rank)`` and the data position, so a
resumed run sees exactly the batches the uninterrupted run would have seen.

NGSP pairs. Every sample A is drawn from the samples that *have* a true next sample (the next run
of 10 regions of the same cell type on the same chromosome, or the next 10 sequences of the same
group). With probability 0.5 segment B is that next sample (label **1 = is-next**), otherwise a
uniformly random other sample of the corpus (label 0 = random). Note: Google's original BERT and
HF ``BertForPreTraining`` use the opposite coding (0 = continuation); we use 1 = is-next because the
positive class is "consecutive in a cell". The sequence input is
``[CLS] A [SEP] B [SEP]`` with token_type 0 for ``[CLS] A [SEP]`` and 1 for ``B [SEP]``; each
segment is the 10 regions' k-mers concatenated (regions tokenised separately, so no chimeric
k-mers). The region matrix is A's (SRM pairs sequence A with its own motif matrix). Without NGSP
the input is ``[CLS] A [SEP]`` only.
"""

from __future__ import annotations

import csv
import math
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genebert_tool.genome.io import atomic_write
from genebert_tool.labels import IGNORE_INDEX
from trainer.config import TrainConfig
from trainer.corpus import Corpus
from trainer.masking import mask_tokens

__all__ = ["PretrainBatches", "train_loop", "LOSS_COLUMNS", "plot_loss_curve"]

LOSS_COLUMNS = ("step", "loss", "loss_mgm", "loss_ngsp", "loss_srm", "lr", "mask_rate", "tokens_per_s",
                "elapsed_s")


class PretrainBatches:
    """Epoch-shuffled, rank-sharded micro-batches of NGSP pairs with MGM masks.

    Epoch ``e`` visits the anchors (samples with a next sample) in the permutation
    ``default_rng([seed, e])``; rank ``r`` of ``world`` takes every world-th anchor from ``r``
    (equal lengths, the remainder dropped), like ``DistributedSampler(drop_last=True)``.
    ``position`` = (epoch, cursor) is the data position saved in checkpoints.
    """

    def __init__(self, corpus: Corpus, cfg: TrainConfig, *, tokenizer, max_len: int, rank: int = 0,
                 world_size: int = 1) -> None:
        self.corpus = corpus
        self.cfg = cfg
        self.tok = tokenizer
        self.max_len = max_len
        self.rank, self.world = rank, world_size
        self.span = cfg.mask_span or tokenizer.k
        self.pairs = cfg.use_ngsp
        if self.pairs and len(corpus.anchors) == 0:
            raise ValueError("NGSP needs samples with a next sample; the corpus has none (use_ngsp=false?)")
        if self.pairs and len(corpus) < 3:
            raise ValueError("NGSP needs at least 3 samples for random negatives")
        self.pool = corpus.anchors if self.pairs else np.arange(len(corpus))
        self.per_rank = len(self.pool) // world_size
        if self.per_rank < cfg.batch_size:
            raise ValueError(f"only {self.per_rank} samples per rank, fewer than batch_size {cfg.batch_size}")
        self.epoch, self.cursor = 0, 0
        self._order: np.ndarray | None = None

    # data position ------------------------------------------------------------------
    @property
    def position(self) -> dict[str, int]:
        return {"epoch": int(self.epoch), "cursor": int(self.cursor)}

    def set_position(self, pos: dict[str, int]) -> None:
        self.epoch, self.cursor = int(pos["epoch"]), int(pos["cursor"])
        self._order = None

    def _rank_order(self) -> np.ndarray:
        if self._order is None:
            perm = np.random.default_rng([self.cfg.seed, self.epoch]).permutation(self.pool)
            self._order = perm[self.rank :: self.world][: self.per_rank]
        return self._order

    def _next_indices(self) -> np.ndarray:
        if self.cursor + self.cfg.batch_size > self.per_rank:  # drop the ragged end of the epoch
            self.epoch, self.cursor, self._order = self.epoch + 1, 0, None
        idx = self._rank_order()[self.cursor : self.cursor + self.cfg.batch_size]
        self.cursor += self.cfg.batch_size
        return idx

    # batch building -----------------------------------------------------------------
    def next_batch(self, step: int, micro: int) -> dict[str, np.ndarray]:
        """The next micro-batch as numpy arrays: input_ids, attention_mask, token_type_ids
        (batch, max_len) int64; region_matrix (batch, n_regions, n_tfs) float32; mlm_labels
        (batch, max_len) int64 or absent; ngsp_labels (batch,) int64 or absent."""
        rng = np.random.default_rng([self.cfg.seed, 1, step, micro, self.rank])
        anchors = self._next_indices()
        n = len(anchors)
        c, tok = self.corpus, self.tok
        input_ids = np.full((n, self.max_len), tok.pad_id, dtype=np.int64)
        attention = np.zeros((n, self.max_len), dtype=np.int64)
        token_type = np.zeros((n, self.max_len), dtype=np.int64)
        labels = np.zeros(n, dtype=np.int64)
        for row, a in enumerate(anchors):
            seg_a = c.tokens(int(a)).reshape(-1)
            seg_a = seg_a[seg_a != tok.pad_id]
            if self.pairs:
                is_next = rng.random() < 0.5
                if is_next:
                    b = int(c.next[a])
                else:
                    b = int(rng.integers(len(c)))
                    while b == a or b == c.next[a]:
                        b = int(rng.integers(len(c)))
                labels[row] = int(is_next)
                seg_b = c.tokens(b).reshape(-1)
                seg_b = seg_b[seg_b != tok.pad_id]
                seg_a, seg_b = _truncate_pair(seg_a, seg_b, self.max_len - 3)
                ids = np.concatenate([[tok.cls_id], seg_a, [tok.sep_id], seg_b, [tok.sep_id]])
                token_type[row, len(seg_a) + 2 : len(ids)] = 1
            else:
                seg_a = seg_a[: self.max_len - 2]
                ids = np.concatenate([[tok.cls_id], seg_a, [tok.sep_id]])
            input_ids[row, : len(ids)] = ids
            attention[row, : len(ids)] = 1
        batch: dict[str, np.ndarray] = {
            "attention_mask": attention,
            "token_type_ids": token_type,
            "region_matrix": np.stack([c.motifs(int(a)) for a in anchors]),
        }
        if self.cfg.use_mgm:
            masked, mlm_labels = mask_tokens(
                input_ids, rate=self.cfg.mask_prob_at(step), span=self.span, rng=rng,
                mask_id=tok.mask_id, first_kmer_id=tok.n_special, vocab_size=tok.vocab_size)
            batch["input_ids"], batch["mlm_labels"] = masked, mlm_labels
        else:  # no MGM: nothing masked, but labels keep the (NGSP/SRM) loss defined
            batch["input_ids"], batch["mlm_labels"] = input_ids, np.full_like(input_ids, IGNORE_INDEX)
        if self.pairs:
            batch["ngsp_labels"] = labels
        return batch


def _truncate_pair(a: np.ndarray, b: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """BERT's longest-first truncation from the end, so that len(a) + len(b) <= budget."""
    la, lb = len(a), len(b)
    excess = la + lb - budget
    if excess <= 0:
        return a, b
    if abs(la - lb) >= excess:
        if la >= lb:
            la -= excess
        else:
            lb -= excess
    else:
        lb = budget // 2
        la = budget - lb
    return a[:la], b[:lb]


def plot_loss_curve(csv_path: Path, png_path: Path, title: str = "GeneBERT pre-training") -> None:
    """Plot loss / loss_mgm / loss_ngsp / loss_srm against step (matplotlib Agg), atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(open(csv_path)))
    if not rows:
        return
    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for key in ("loss", "loss_mgm", "loss_ngsp", "loss_srm"):
        vals = [float(r[key]) if r[key] not in ("", "nan") else math.nan for r in rows]
        if not all(math.isnan(v) for v in vals):
            ax.plot(steps, vals, label=key, lw=1.2 if key == "loss" else 0.8)
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_write(png_path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)


@dataclass
class LoopContext:
    """What the loop needs besides the model: set up by ``trainer.pretrain``."""

    run_dir: Path
    device: torch.device
    autocast_dtype: torch.dtype | None
    rank: int = 0
    world_size: int = 1
    ddp: bool = False


def _loss_value(t: torch.Tensor | None) -> float:
    return float(t.detach().float()) if t is not None else math.nan


def train_loop(
    cfg: TrainConfig,
    ctx: LoopContext,
    *,
    model: torch.nn.Module,
    raw_model: torch.nn.Module,
    batches: PretrainBatches,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    start_step: int,
    save: Any,
    stop_after_step: int | None = None,
) -> dict[str, Any]:
    """Run optimiser steps ``start_step .. max_steps - 1``; ``save(step, final)`` writes checkpoints.

    ``stop_after_step`` ends the run after that step without a final checkpoint (used by tests to
    simulate a crash). Returns a summary (steps, tokens, wall time, first/last loss).
    """
    master = ctx.rank == 0
    accum = cfg.grad_accum_steps(ctx.world_size)
    csv_path = ctx.run_dir / "loss_curve.csv"
    if master:
        _truncate_csv(csv_path, start_step)
    try:
        from tqdm import tqdm

        bar = tqdm(total=cfg.max_steps, initial=start_step, desc="pretrain", unit="step", file=sys.stderr,
                   disable=not (master and sys.stderr.isatty()), dynamic_ncols=True)
    except ImportError:  # pragma: no cover
        bar = None
    t_start = time.time()
    t_log, tokens_since_log, tokens_total = time.time(), 0, 0
    last_ckpt_time = time.time()
    acc = {"loss": 0.0, "loss_mgm": 0.0, "loss_ngsp": 0.0, "loss_srm": 0.0, "n": 0}
    summary: dict[str, Any] = {"first_loss": None, "last_loss": None}
    step = start_step
    stopped_early = False
    while step < cfg.max_steps:
        # the schedule is a pure function of the step, so a resumed run gets the same lr
        lr = scheduler.get_last_lr()[0]
        model.train()
        for micro in range(accum):
            batch = batches.next_batch(step, micro)
            tensors = {k: torch.from_numpy(v).to(ctx.device, non_blocking=True) for k, v in batch.items()}
            # only the last micro-step all-reduces gradients across ranks (DDP no_sync)
            sync = nullcontext() if (not ctx.ddp or micro == accum - 1) else model.no_sync()
            autocast = (torch.autocast(device_type=ctx.device.type, dtype=ctx.autocast_dtype)
                        if ctx.autocast_dtype is not None else nullcontext())
            with sync, autocast:
                out = model(**tensors)
                loss = out.loss / accum  # gradients of the mean over the effective batch
            loss.backward()
            n_tok = int(batch["attention_mask"].sum())
            tokens_since_log += n_tok * ctx.world_size
            tokens_total += n_tok * ctx.world_size
            acc["loss"] += _loss_value(out.loss)
            for key in ("loss_mgm", "loss_ngsp", "loss_srm"):
                acc[key] += _loss_value(getattr(out, key))
            acc["n"] += 1
        # clip the global gradient norm, then step (one optimiser step per effective batch)
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        if bar is not None:
            bar.update(1)
        if step % cfg.log_interval == 0 or step == cfg.max_steps:
            losses = {k: acc[k] / acc["n"] for k in ("loss", "loss_mgm", "loss_ngsp", "loss_srm")}
            if ctx.ddp:  # average the logged losses over ranks (logging only)
                t = torch.tensor([losses[k] for k in ("loss", "loss_mgm", "loss_ngsp", "loss_srm")],
                                 device=ctx.device)
                torch.distributed.all_reduce(t)
                losses = dict(zip(("loss", "loss_mgm", "loss_ngsp", "loss_srm"), (t / ctx.world_size).tolist()))
            now = time.time()
            row = {"step": step, **losses, "lr": lr, "mask_rate": cfg.mask_prob_at(step - 1),
                   "tokens_per_s": tokens_since_log / max(now - t_log, 1e-9), "elapsed_s": now - t_start}
            if master:
                _append_csv(csv_path, row)
                if bar is not None:
                    bar.set_postfix(loss=f"{losses['loss']:.4f}", lr=f"{lr:.2e}")
            if summary["first_loss"] is None:
                summary["first_loss"] = losses["loss"]
            summary["last_loss"] = losses["loss"]
            t_log, tokens_since_log = now, 0
            acc = {k: 0.0 for k in acc} | {"n": 0}
        timed = cfg.checkpoint_minutes is not None and time.time() - last_ckpt_time >= 60 * cfg.checkpoint_minutes
        out_of_time = cfg.max_minutes is not None and time.time() - t_start >= 60 * cfg.max_minutes
        if step < cfg.max_steps and ((cfg.checkpoint_interval and step % cfg.checkpoint_interval == 0)
                                     or timed or out_of_time):
            save(step, final=False)
            last_ckpt_time = time.time()
        if stop_after_step is not None and step >= stop_after_step:
            stopped_early = True
            break
        if out_of_time:  # a checkpoint was just saved; also write final/ below
            break
    if bar is not None:
        bar.close()
    if not stopped_early:
        save(step, final=True)
    summary.update(steps=step, start_step=start_step, tokens=tokens_total, wall_s=time.time() - t_start,
                   stopped_early=stopped_early)
    return summary


def _truncate_csv(path: Path, start_step: int) -> None:
    """Keep only rows logged before ``start_step`` (work after the last checkpoint is redone)."""
    if start_step == 0 or not path.exists():
        with open(path, "w", newline="") as fh:
            csv.writer(fh).writerow(LOSS_COLUMNS)
        return
    rows = [r for r in csv.DictReader(open(path)) if int(r["step"]) <= start_step]
    with atomic_write(path) as fh:  # newline="" as csv wants: atomic_write's text handle translates nothing
        w = csv.DictWriter(fh, fieldnames=LOSS_COLUMNS)
        w.writeheader()
        w.writerows(rows)


def _append_csv(path: Path, row: dict[str, Any]) -> None:
    with open(path, "a", newline="") as fh:
        csv.DictWriter(fh, fieldnames=LOSS_COLUMNS).writerow(
            {k: (f"{v:.7g}" if isinstance(v, float) else v) for k, v in row.items()})
