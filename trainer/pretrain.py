"""``genebert pretrain``: set up device / DDP / model / optimiser, then run ``trainer.loop``.

Run directory layout::

    RUN/train_config.json        the TrainConfig (as given, after CLI overrides)
    RUN/loss_curve.csv|.png      step, loss, loss_mgm, loss_ngsp, loss_srm, lr, mask_rate, tokens/s
    RUN/checkpoint-STEP/         model dir (config.json, model.safetensors, tokenizer.json) + trainer_state.pt
    RUN/final/                   the same at the end: GeneBertForPreTraining.from_pretrained(RUN/final)
    RUN/summary.json             steps, tokens, wall time, first/last loss, hardware

DDP: launched with ``torchrun``; the process group is initialised only when WORLD_SIZE > 1 (NCCL on
GPU, gloo on CPU); every rank reads its own share of the data; only rank 0 writes.
"""

from __future__ import annotations

import os
import platform
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genebert_tool.errors import InputError
from trainer.checkpoint import (latest_checkpoint, load_trainer_state, prune_checkpoints, rng_state,
                                save_checkpoint, set_rng_state)
from trainer.config import TrainConfig, load_config
from trainer.corpus import Corpus
from trainer.loop import LoopContext, PretrainBatches, plot_loss_curve, train_loop
from trainer.run_files import write_json

__all__ = ["pretrain", "build_model"]


def build_model(cfg: TrainConfig, corpus: Corpus, max_len: int):
    """A fresh ``GeneBertForPreTraining`` sized for the corpus (k, n_regions, TF columns) and cfg."""
    from genebert_tool.model import GeneBertForPreTraining, named_config

    idx = corpus.index
    fields = dict(
        kmer=int(idx["k"]), n_regions=int(idx["n_regions"]), n_tfs=int(idx["n_tfs"]),
        jaspar_release=idx["jaspar_release"],
        motif_ids=list(idx.get("motif_ids") or [c.split("_", 1)[0] for c in idx["motif_columns"]]),
        use_mgm=cfg.use_mgm, use_ngsp=cfg.use_ngsp, use_srm=cfg.use_srm, lambda_srm=cfg.lambda_srm,
    )
    if cfg.init_from:
        model = GeneBertForPreTraining.from_pretrained(cfg.init_from)
        for key in ("kmer", "n_regions", "n_tfs"):
            if getattr(model.config, key) != fields[key]:
                raise InputError(f"init_from model has {key}={getattr(model.config, key)} but the corpus {fields[key]}",
                                 path=cfg.init_from)
        for key in ("use_mgm", "use_ngsp", "use_srm", "lambda_srm"):
            setattr(model.config, key, fields[key])
        return model
    motifs = corpus.array_all("motifs").astype("float32").reshape(-1, int(idx["n_tfs"]))
    fields["region_input_mean"] = [round(float(v), 4) for v in motifs.mean(0)]
    fields["region_input_std"] = [round(float(v), 4) for v in motifs.std(0)]
    merged = {**fields, **cfg.model_overrides}
    if "max_position_embeddings" in merged and "max_seq_len" not in merged:
        merged["max_seq_len"] = merged["max_position_embeddings"]  # task inputs may use all positions
    config = named_config(cfg.model, **merged)
    if max_len > config.max_position_embeddings:
        raise InputError(
            f"pairs need {max_len} tokens but the model has max_position_embeddings="
            f"{config.max_position_embeddings}; prepare the corpus with a smaller --region-len")
    return GeneBertForPreTraining(config)


def _setup_distributed() -> tuple[int, int, int, bool]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 0, 1, False
    import torch.distributed as dist

    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend=backend)
    return rank, local_rank, world, True


def _hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} thread(s)"


def pretrain(
    config: str | os.PathLike | TrainConfig,
    data: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    overrides: dict[str, Any] | None = None,
    stop_after_step: int | None = None,
) -> dict[str, Any]:
    """Pre-train on a prepared corpus; returns the run summary (also RUN/summary.json).

    ``resume`` continues from the newest RUN/checkpoint-STEP exactly (model, optimiser, scheduler,
    RNG states, data position); with no checkpoint it starts fresh. ``stop_after_step`` simulates a
    crash after that step (tests).
    """
    cfg = config if isinstance(config, TrainConfig) else load_config(config, **(overrides or {}))
    run_dir = Path(out_dir)
    rank, local_rank, world, ddp = _setup_distributed()
    master = rank == 0

    if cfg.device == "auto":
        device = torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(cfg.device if cfg.device != "cuda" else f"cuda:{local_rank}")
    if device.type == "cpu" and cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    use_bf16 = cfg.dtype == "bf16" or (cfg.dtype == "auto" and device.type == "cuda")
    autocast_dtype = torch.bfloat16 if use_bf16 else None
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    corpus = Corpus(data)
    from genebert_tool.genome.tokenizer import KmerTokenizer

    tokenizer = KmerTokenizer(int(corpus.index["k"]))
    seg = corpus.n_regions * corpus.tokens_per_region
    max_len = cfg.max_len or (3 + 2 * seg if cfg.use_ngsp else 2 + seg)

    # seed before building the model so that the initial weights depend only on cfg.seed
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed % 2**32)
    random.seed(cfg.seed)
    model = build_model(cfg, corpus, max_len).to(device)
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, fused=device.type == "cuda")
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: cfg.lr_at(s) / cfg.lr)
    batches = PretrainBatches(corpus, cfg, tokenizer=tokenizer, max_len=max_len, rank=rank, world_size=world)

    start_step = 0
    ckpt = latest_checkpoint(run_dir) if resume else None
    if ckpt is not None:
        from safetensors.torch import load_file

        state = load_trainer_state(ckpt)
        missing, unexpected = model.load_state_dict(load_file(ckpt / "model.safetensors", device=str(device)),
                                                    strict=False)
        # tied MLM decoder weights are stored once; anything else missing is a real mismatch
        if unexpected or [m for m in missing if "decoder" not in m]:
            raise InputError(f"checkpoint does not match the model: missing {missing}, unexpected {unexpected}",
                             path=str(ckpt))
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        batches.set_position(state["data_position"])
        start_step = int(state["step"])
        rngs = state["rng"]  # one entry per rank of the run that saved it
        set_rng_state(rngs[rank] if rank < len(rngs) else rngs[0])
    elif resume and master and (run_dir / "final").exists():
        raise InputError("run already finished (RUN/final exists); nothing to resume", path=str(run_dir))

    if master:
        run_dir.mkdir(parents=True, exist_ok=True)
        cfg.save(run_dir / "train_config.json")
    raw_model = model
    if cfg.compile:
        model = torch.compile(model)
    if ddp:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model, device_ids=[local_rank] if device.type == "cuda" else None)

    def save(step: int, final: bool) -> None:
        # every rank contributes its RNG state; rank 0 writes
        states = [rng_state()]
        if ddp:
            gathered: list[Any] = [None] * world
            torch.distributed.all_gather_object(gathered, states[0])
            states = gathered
        if not master:
            return
        trainer_state = {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "data_position": batches.position,
            "rng": states,
            "world_size": world,
        }
        name = "final" if final else f"checkpoint-{step}"
        save_checkpoint(run_dir / name, model=raw_model, tokenizer=tokenizer, train_config=cfg.to_dict(),
                        trainer_state=trainer_state, max_shard_mb=cfg.max_shard_mb)
        if not final:
            prune_checkpoints(run_dir, cfg.keep_checkpoints)
        if (run_dir / "loss_curve.csv").exists():
            plot_loss_curve(run_dir / "loss_curve.csv", run_dir / "loss_curve.png")

    ctx = LoopContext(run_dir=run_dir, device=device, autocast_dtype=autocast_dtype, rank=rank,
                      world_size=world, ddp=ddp)
    t0 = time.time()
    summary = train_loop(cfg, ctx, model=model, raw_model=raw_model, batches=batches, optimizer=optimizer,
                         scheduler=scheduler, start_step=start_step, save=save, stop_after_step=stop_after_step)
    n_params = sum(p.numel() for p in raw_model.parameters())
    summary.update(
        corpus=str(data), corpus_mode=corpus.mode, corpus_samples=len(corpus), max_len=max_len,
        n_params=n_params, device=str(device), hardware=_hardware(device), world_size=world,
        grad_accum_steps=cfg.grad_accum_steps(world), effective_batch_size=cfg.effective_batch_size,
        resumed_from=str(ckpt) if ckpt else None, wall_s_this_process=time.time() - t0,
    )
    if master:
        write_json(run_dir / "summary.json", summary)
    if ddp:
        torch.distributed.destroy_process_group()
    return summary
