"""Fine-tune a GeneBERT task model (promoter, TFBS, splice) with early stopping on dev.

Reads top to bottom like nanoGPT's ``train.py``: settings -> data -> model -> loop (lr schedule,
periodic dev evaluation, keep the best weights, early stop, clip, step, log) -> final check -> save.

Head conventions (each task's ``problem_type`` and labels come from ``genebert_tool.tasks``):

* binary tasks (promoter; TFBS with one or many experiments) use ``problem_type =
  "multi_label_classification"`` with one sigmoid output per label name: ``["promoter"]``,
  ``["CTCFL_K562"]`` or one per DeepBind experiment. Labels ``-100`` are ignored per output, which
  is how a multi-task batch mixes experiments.
* splice uses ``"single_label_classification"`` over ``("neither", "donor", "acceptor")`` (softmax).

Modalities: ``seq`` uses only the k-mer BERT; ``seq+region`` also feeds the region encoder a
``(n_regions, n_tfs)`` motif matrix computed from the input sequence itself
(``motifs.sequence_region_matrix``), precomputed once per data set and cached on disk.

No ``--base`` means a random initialisation of ``named_config(model_config)`` — also the
"no pre-training" ablation. A model that predicts one class on dev is never saved
(``OneClassPredictionError``).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genebert_tool.datadir import cache_dir
from genebert_tool.errors import InputError
from genebert_tool.tasks import get_task, task_names
from genebert_tool.genome.windows import centre_crop_all
from trainer.config import config_from_dict, read_json_object
from trainer.splits import DataSettings, load_finetune_data
from trainer.task_model import build_task_model
from trainer.metrics import IGNORE_INDEX, compute_metrics, compute_multitask_metrics
from trainer.optim import build_optimizer, lr_at, set_seed
from trainer.run_files import FINETUNE_CONFIG_FILE, SPLIT_FILE, log_event, write_json

__all__ = [
    "FinetuneConfig",
    "finetune",
    "region_matrices",
    "score_sequences",
    "summarise_metrics",
]



@dataclass
class FinetuneConfig:
    """Training settings (JSON via ``--config``; saved as ``finetune_config.json`` with the model).

    ``base``: backbone directory or registered name; None = random init of ``model_config``
    (+ ``model_overrides``). ``selection``: the dev metric used for early stopping and model
    selection ("mcc" for promoter/splice, "auc" — mean over outputs — for TFBS, when left None).
    ``time_budget_s`` stops training (keeping the best weights so far) after that many seconds.
    """

    task: str = "promoter"
    base: str | None = None
    model_config: str = "tiny"
    model_overrides: dict = field(default_factory=dict)
    modality: str = "seq"
    lr: float = 3e-4
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.01
    batch_size: int = 64
    eval_batch_size: int = 256
    max_epochs: float = 3.0
    max_steps: int | None = None
    warmup_steps: int = 100
    grad_clip: float = 1.0
    eval_every: int = 200
    patience: int = 5
    selection: str | None = None
    seed: int = 0
    num_threads: int = 1
    time_budget_s: float | None = None
    max_len: int | None = None
    region_cache_dir: str | None = None
    # strand-symmetric tasks (TF binding): train on a seeded 50% of examples reverse-complemented per
    # batch, and save a model that averages its probability over both strands (config.strand_average)
    reverse_complement: bool = False
    # centre-crop every train/dev sequence longer than this (e.g. 60: GUE splice 400 bp windows cut to
    # the UCI splice window; the site stays at the same offset); the model's window is then crop_bp
    crop_bp: int | None = None
    # data (see trainer.splits.DataSettings)
    dev_fraction: float = 0.1
    test_fraction: float = 0.1
    max_positives: int | None = None
    max_dev_positives: int | None = None
    # windows sampled from a real genome instead of files (trainer.genome_data.GenomeDataSettings fields):
    # positives from truth files, random / GC-matched / hard negatives of the same split part
    genome: dict | None = None
    # written into config.json
    model_name: str = ""
    model_version: str = "0.1.0"

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> "FinetuneConfig":
        """Read a ``--config`` JSON (``trainer.config``'s reader: unknown keys refused, comments allowed)."""
        return config_from_dict(cls, read_json_object(path, "fine-tuning config"), source=str(path),
                                what="fine-tuning config")

    def validate(self) -> None:
        if self.task not in task_names():
            raise ValueError(f"task must be one of {', '.join(task_names())}, got {self.task!r}")
        if self.modality not in ("seq", "seq+region"):
            raise ValueError(f"modality must be 'seq' or 'seq+region', got {self.modality!r}")
        if self.selection not in (None, "mcc", "auc", "accuracy", "pr_auc"):
            raise ValueError(f"selection must be mcc, auc, accuracy or pr_auc, got {self.selection!r}")
        if self.reverse_complement and not get_task(self.task).reverse_complement:
            raise ValueError(f"reverse_complement does not apply to {self.task} (its labels are strand-specific: "
                             "donor/acceptor swap meaning on the other strand)")
        if self.crop_bp is not None and self.crop_bp < 1:
            raise ValueError(f"crop_bp must be >= 1, got {self.crop_bp}")
        if self.batch_size < 1 or self.lr <= 0:
            raise ValueError("batch_size must be >= 1 and lr > 0")

    @property
    def selection_metric(self) -> str:
        return self.selection or get_task(self.task).selection_metric

    def data_settings(self) -> DataSettings:
        return DataSettings(self.seed, self.dev_fraction, self.test_fraction, self.max_positives, self.max_dev_positives)


def region_matrices(
    sequences: Sequence[str], config, *, cache_dir: str | os.PathLike | None = None
) -> np.ndarray:
    """(n, n_regions, n_tfs) float32 motif matrices for single sequences, cached by content.

    The motifs are the model's (``motifs.region_matrix.select_motifs``: ``config.jaspar_release``
    restricted to ``config.motif_ids``, as the Predictor reads them); ``build_region_matrix`` keys the
    cache by the sequences, ``n_regions`` and the motif set (release, ids, PWMs, pseudocount,
    background), so a changed data set or motif set never reads a stale matrix.
    """
    from genebert_tool.motifs.region_matrix import build_region_matrix, select_motifs

    motifs = select_motifs(config.jaspar_release, config.motif_ids, config.n_tfs, source="fine-tuning")
    return build_region_matrix(list(sequences), motifs, int(config.n_regions), cache_dir=cache_dir)


def _tokenize(tokenizer, sequences: Sequence[str], max_len: int) -> dict[str, np.ndarray]:
    return tokenizer.encode_batch(list(sequences), max_len=max_len)


def score_sequences(
    model,
    tokenizer,
    sequences: Sequence[str],
    *,
    max_len: int,
    region: np.ndarray | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Probabilities (n, num_labels) float32 through the one inference path
    (``genebert_tool.inference.predictor.Predictor.predict``: sigmoid per output or softmax, strand
    average for ``config.strand_average`` models). ``region``: precomputed (n, n_regions, n_tfs)
    matrices for ``seq+region`` models (a ``(forward, reverse)`` pair with strand averaging), else None."""
    from genebert_tool.inference.predictor import Predictor

    if len(sequences) == 0:
        return np.zeros((0, model.config.num_labels), np.float32)
    saved, model.config.max_seq_len = model.config.max_seq_len, max_len
    try:
        return Predictor(model, tokenizer, device="cpu").predict(list(sequences), batch_size=batch_size, region=region)
    finally:
        model.config.max_seq_len = saved


def summarise_metrics(task: str, labels: np.ndarray, probs: np.ndarray, output_names: Sequence[str], *, allow_one_class: bool) -> dict:
    """Metrics of ``probs`` (n, num_labels) against labels (n,) or (n, n_outputs).

    Binary single-output: ``compute_metrics`` on column 0. Multi-task: per output + ``mean``.
    Splice: multi-class ``compute_metrics``. The returned dict always has a top-level value for the
    selection metrics (for multi-task: the mean over outputs).
    """
    if get_task(task).single_label:
        return compute_metrics(labels, probs, task=task, allow_one_class=allow_one_class)
    labels2 = labels.reshape(len(labels), -1)
    if labels2.shape[1] == 1:  # rows labelled -100 (ambiguous genome windows) are not scored
        keep = labels2[:, 0] != IGNORE_INDEX
        return compute_metrics(labels2[keep, 0], probs[keep, 0], task=task, allow_one_class=allow_one_class)
    m = compute_multitask_metrics(labels2, probs, list(output_names), task=task, allow_one_class=allow_one_class)
    return {**m["mean"], **m}


# ------------------------------------------------------------------ the loop
def finetune(
    cfg: FinetuneConfig,
    train_files: Sequence[str | os.PathLike],
    dev_files: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    register_as: str | None = None,
    progress: bool | None = None,
) -> dict:
    """Fine-tune, select on dev, save a model directory; return the summary (also in ``out_dir``).

    Writes ``config.json`` + ``model.safetensors`` + ``tokenizer.json`` (the model),
    ``finetune_config.json``, ``split.json`` (files, seed, held-out rows), ``dev_metrics.json`` and
    ``train_log.jsonl``. Raises ``OneClassPredictionError`` (nothing saved) when the selected model
    predicts a single class on dev. ``register_as``: also record the directory in the shipped-model
    manifest (``genebert_tool.pretrained.register_model``; copied under ``pretrained/`` if elsewhere).
    """
    import torch
    from tqdm import tqdm

    cfg.validate()
    if cfg.genome is not None and cfg.task == "splice":  # per-base head, its own data and loop
        if train_files or dev_files:
            raise InputError("a config with 'genome' samples its own train/dev windows; do not pass --train/--dev")
        from trainer.splice_token import finetune_splice_token

        return finetune_splice_token(cfg, out_dir, progress=progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, int(cfg.num_threads)))
    set_seed(cfg.seed)
    t0 = time.monotonic()

    # -- data: train/dev (and the split record) from the genome, or from files (DeepBind _B refused inside)
    if cfg.genome is not None:
        if train_files or dev_files:
            raise InputError("a config with 'genome' samples its own train/dev windows; do not pass --train/--dev")
        from trainer.genome_data import GenomeDataSettings, build_genome_data

        train, dev, split_record = build_genome_data(cfg.task, GenomeDataSettings(**cfg.genome), seed=cfg.seed)
    else:
        train, dev, split_record = load_finetune_data(cfg.task, [str(p) for p in train_files],
                                                      [str(p) for p in dev_files], cfg.data_settings())
    if cfg.crop_bp:
        train.sequences = centre_crop_all(train.sequences, cfg.crop_bp)
        dev.sequences = centre_crop_all(dev.sequences, cfg.crop_bp)
        split_record["crop_bp"] = cfg.crop_bp
    window_bp = max(len(s) for s in train.sequences)
    model_k = (cfg.model_overrides or {}).get("kmer", 6)
    max_len = cfg.max_len or (max(max(len(s) for s in train.sequences + dev.sequences) - model_k + 1, 1) + 2)

    # -- model + tokenizer (from a backbone, or random init = the no-pre-training ablation)
    model, tokenizer = build_task_model(cfg, train, window_bp, max_len)
    if cfg.base and cfg.max_len is None:
        max_len = max(max(len(s) for s in train.sequences + dev.sequences) - tokenizer.k + 1, 1) + 2
        model.config.max_seq_len = max_len
    problem = model.config.problem_type
    label_names = list(model.config.label_names)

    # -- tokenise once (both strands with reverse_complement); region matrices once (cached)
    enc = _tokenize(tokenizer, train.sequences, max_len)
    ids, mask, types = (torch.from_numpy(enc[k]) for k in ("input_ids", "attention_mask", "token_type_ids"))
    if cfg.reverse_complement:
        from genebert_tool.genome.sequences import reverse_complement

        train_rc = [reverse_complement(s) for s in train.sequences]
        enc_rc = _tokenize(tokenizer, train_rc, max_len)
        ids_rc, mask_rc = torch.from_numpy(enc_rc["input_ids"]), torch.from_numpy(enc_rc["attention_mask"])
        model.config.strand_average = True
    y = torch.from_numpy(train.labels)
    if problem == "multi_label_classification":
        y = y.reshape(len(train), -1).float()  # (n, num_labels); -100 stays -100 (ignored)
    region_train = region_dev = None
    if cfg.modality == "seq+region":
        cache = cfg.region_cache_dir or str(cache_dir() / "region")
        region_train = region_matrices(train.sequences, model.config, cache_dir=cache)
        region_dev = region_matrices(dev.sequences, model.config, cache_dir=cache)
        if cfg.reverse_complement:
            region_train_rc = region_matrices(train_rc, model.config, cache_dir=cache)
            region_dev = (region_dev, region_matrices([reverse_complement(s) for s in dev.sequences], model.config,
                                                      cache_dir=cache))

    n = len(train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = cfg.max_steps or max(1, int(cfg.max_epochs * steps_per_epoch))
    optimizer = build_optimizer(model, cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    key = cfg.selection_metric

    def dev_probabilities() -> np.ndarray:
        return score_sequences(model, tokenizer, dev.sequences, max_len=max_len, region=region_dev, batch_size=cfg.eval_batch_size)

    best = {"score": -math.inf, "step": 0, "state": None, "probs": None}
    bad_evals = 0
    stop_reason = "max_steps"
    show = progress if progress is not None else sys.stderr.isatty()
    bar = tqdm(total=total_steps, disable=not show, desc=f"finetune {cfg.task}", file=sys.stderr)
    with open(out / "train_log.jsonl", "w") as log:
        log_event(log, {"event": "start", "n_train": n, "n_dev": len(dev), "total_steps": total_steps, "max_len": max_len,
                   "train": train.description, "dev": dev.description, "base": cfg.base, "modality": cfg.modality})
        perm = torch.randperm(n, generator=gen)
        cursor = 0
        running = 0.0
        step = 0
        while step < total_steps:
            # lr for this step (warmup + cosine); set on every group
            lr = lr_at(step, total_steps, cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr
            # next batch from a seeded permutation; reshuffle at each epoch end
            if cursor >= n:
                perm, cursor = torch.randperm(n, generator=gen), 0
            idx = perm[cursor : cursor + cfg.batch_size]
            cursor += cfg.batch_size
            batch_ids, batch_mask = ids[idx], mask[idx]
            rm = None if region_train is None else torch.from_numpy(np.ascontiguousarray(region_train[idx.numpy()]))
            if cfg.reverse_complement:  # a seeded half of the batch on the other strand
                flip = torch.rand(len(idx), generator=gen) < 0.5
                batch_ids = torch.where(flip[:, None], ids_rc[idx], batch_ids)
                batch_mask = torch.where(flip[:, None], mask_rc[idx], batch_mask)
                if rm is not None:
                    rm = torch.where(flip[:, None, None], torch.from_numpy(region_train_rc[idx.numpy()]), rm)
            model.train()
            loss = model(batch_ids, batch_mask, types[idx], region_matrix=rm, labels=y[idx]).loss
            # backward, clip (a few bad batches must not blow up the small model), step
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            bar.update(1)
            out_of_time = cfg.time_budget_s is not None and time.monotonic() - t0 > cfg.time_budget_s
            # evaluate on dev; keep the best weights in memory (early stopping on the selection metric)
            if step % cfg.eval_every == 0 or step == total_steps or out_of_time:
                probs = dev_probabilities()
                metrics = summarise_metrics(cfg.task, dev.labels, probs, label_names, allow_one_class=True)
                score = float(metrics[key])
                improved = score > best["score"]
                if improved:
                    best.update(score=score, step=step, state=copy.deepcopy(model.state_dict()), probs=probs)
                    bad_evals = 0
                else:
                    bad_evals += 1
                log_event(log, {"event": "eval", "step": step, "epoch": step / steps_per_epoch, "lr": lr, "train_loss": running,
                           key: score, "accuracy": metrics["accuracy"], "auc": metrics["auc"], "mcc": metrics["mcc"],
                           "improved": improved, "elapsed_s": time.monotonic() - t0})
                bar.set_postfix(loss=f"{running:.3f}", **{key: f"{score:.3f}"})
                if bad_evals >= cfg.patience:
                    stop_reason = f"early stop: no dev {key} improvement in {cfg.patience} evaluations"
                    break
            if out_of_time:
                stop_reason = f"time budget {cfg.time_budget_s:.0f} s reached"
                break
            if step % 50 == 0:
                log_event(log, {"event": "train", "step": step, "lr": lr, "train_loss": running, "elapsed_s": time.monotonic() - t0})
        bar.close()
        # -- the selected model must not be a one-class predictor (raises; nothing saved)
        model.load_state_dict(best["state"])
        final = summarise_metrics(cfg.task, dev.labels, best["probs"], label_names, allow_one_class=False)
        log_event(log, {"event": "done", "best_step": best["step"], key: final[key], "stop": stop_reason, "elapsed_s": time.monotonic() - t0})

    model.config.model_name = cfg.model_name or out.name
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(out)
    for name in ("model.safetensors", "config.json"):  # transformers may write 0600; shipped files are world-readable
        if (out / name).exists():
            os.chmod(out / name, 0o644)
    write_json(out / FINETUNE_CONFIG_FILE, dataclasses.asdict(cfg))
    write_json(out / SPLIT_FILE, split_record)
    summary = {
        "task": cfg.task,
        "model_dir": str(out),
        "base": cfg.base,
        "modality": cfg.modality,
        "selection_metric": key,
        "best_step": best["step"],
        "steps_run": step,
        "stop_reason": stop_reason,
        "elapsed_s": time.monotonic() - t0,
        "n_train": n,
        "n_dev": len(dev),
        "train": train.description,
        "dev": dev.description,
        "dev_metrics": final,
    }
    write_json(out / "dev_metrics.json", summary)
    from genebert_tool.pretrained import write_checksums

    write_checksums(out)  # annotate verifies a model directory against its SHA256SUMS
    if register_as:
        from genebert_tool.pretrained import register_model

        summary["registered"] = register_model(out, register_as, cfg.task, cfg.model_version)
    return summary
