"""Per-base splice-site training on a real genome (one pass scores every base of a window).

Data: canonical transcripts (BED12) of the split's train part give donors and acceptors (SpliceAI's
convention, ``genome.annotation.splice_sites``). Windows are taken **in transcript orientation**
(minus-strand genes reverse-complemented, as SpliceAI does) so the model learns one orientation:

* ``site``: one window per site of a train gene, the site at a seeded random offset of the scored part;
* ``gene``: random windows inside gene bodies (introns full of GT/AG decoys);
* ``intergenic``: random windows away from genes.

Each window has ``window_bp`` bases; the central ``window_bp - 2 * context_bp`` are labelled
(0 neither, 1 donor, 2 acceptor) from the sites of every transcript on that strand. Dev windows come
from genes wholly inside the dev part, the same way; the loop selects on the mean dev average
precision of donor and acceptor over the dev windows' scored bases.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from genebert_tool.errors import InputError
from genebert_tool.genome.annotation import read_transcripts, splice_sites
from genebert_tool.genome.sequences import reverse_complement
from genebert_tool.genome.windows import centred_window
from trainer.genome_data import GenomeDataSettings, GenomeParts, _expand
from trainer.genome_split import DEFAULT_SPLIT, GenomeSplit, check_allowed

__all__ = ["SPLICE_LABEL_NAMES", "build_splice_windows", "finetune_splice_token"]

from genebert_tool.labels import SPLICE_LABELS
from genebert_tool.tasks import get_task

SPLICE_LABEL_NAMES = list(SPLICE_LABELS)


def _site_table(transcripts) -> dict[tuple[str, str], dict[int, int]]:
    """(chrom, strand) -> {position: class} over all transcripts."""
    table: dict[tuple[str, str], dict[int, int]] = {}
    for tx in transcripts:
        d, a = splice_sites(tx)
        entry = table.setdefault((tx.chrom, tx.strand), {})
        for p in d:
            entry[p] = 1
        for p in a:
            entry[p] = 2
    return table


def _window(parts: GenomeParts, part: str, chrom: str, lo: int, width: int, strand: str,
            sites: dict[int, int], context: int) -> tuple[str, np.ndarray] | None:
    for iv in parts.intervals(part):
        if iv.contains(chrom, lo, lo + width):
            seq = parts.seq[iv][lo - iv.start : lo - iv.start + width]
            if seq.count("N") > 0.05 * width:
                return None
            check_allowed(chrom, lo, lo + width)
            labels = np.zeros(width - 2 * context, np.int64)
            for j in range(len(labels)):
                labels[j] = sites.get(lo + context + j, 0)
            if strand == "-":
                seq, labels = reverse_complement(seq), labels[::-1].copy()
            return seq, labels
    return None


def build_splice_windows(settings: GenomeDataSettings, *, context_bp: int, seed: int = 0, n_gene: int = 2000,
                         n_intergenic: int = 500, split: GenomeSplit = DEFAULT_SPLIT) -> tuple[dict, dict, dict]:
    """({"seqs", "labels", "kinds"} for train and dev, split record)."""
    s = settings
    w = s.window_bp
    n_scored = w - 2 * context_bp
    if n_scored <= 0:
        raise InputError(f"window_bp={w} leaves no scored base with context_bp={context_bp}")
    parts = GenomeParts(_expand(s.fasta), split)
    contigs = {iv.chrom for iv in parts.seq}
    transcripts = [t for f in _expand(s.truth) for t in read_transcripts(f) if t.chrom in contigs]
    table = _site_table(transcripts)
    out, record = {}, {"task": "splice", **split.to_json(), "fasta": _expand(s.fasta), "truth": _expand(s.truth),
                       "seed": seed, "window_bp": w, "context_bp": context_bp,
                       "label_rule": "donor = last exon base, acceptor = first exon base, transcript orientation"}
    for i, part in enumerate(("train", "dev")):
        rng = np.random.default_rng([seed, 100 + i])
        genes = [t for t in transcripts if split.part_of(t.chrom, t.start, t.end) == part]
        seqs, labels, kinds = [], [], []
        scale = 1.0 if part == "train" else s.dev_scale
        for tx in genes:
            sites = table[(tx.chrom, tx.strand)]
            d, a = splice_sites(tx)
            for p in d + a:
                lo = p - context_bp - int(rng.integers(0, n_scored))
                got = _window(parts, part, tx.chrom, lo, w, tx.strand, sites, context_bp)
                if got is not None:
                    seqs.append(got[0]); labels.append(got[1]); kinds.append("site")
        if not seqs:
            raise InputError(f"no splice site of {', '.join(_expand(s.truth))} lies in the {part} part")
        if part == "dev" and s.max_dev_windows and len(seqs) > s.max_dev_windows:
            keep = np.sort(rng.choice(len(seqs), s.max_dev_windows, replace=False))
            seqs, labels, kinds = [seqs[j] for j in keep], [labels[j] for j in keep], [kinds[j] for j in keep]
        lengths = np.array([t.end - t.start for t in genes], np.float64)
        for _ in range(int(n_gene * scale)):
            tx = genes[rng.choice(len(genes), p=lengths / lengths.sum())]
            lo = tx.start + int(rng.integers(0, max(1, tx.end - tx.start - w)))
            got = _window(parts, part, tx.chrom, lo, w, tx.strand, table[(tx.chrom, tx.strand)], context_bp)
            if got is not None:
                seqs.append(got[0]); labels.append(got[1]); kinds.append("gene")
        spans = {}
        for t in transcripts:
            spans.setdefault(t.chrom, []).append((t.start, t.end))
        for _iv, c, _seq in parts.random_centres(part, int(n_intergenic * scale), w, rng, 0.05):
            lo, _ = centred_window(c, c + 1, w)
            if any(a0 < lo + w and lo < a1 for a0, a1 in spans.get(_iv.chrom, [])):
                continue
            strand = "+" if rng.random() < 0.5 else "-"
            got = _window(parts, part, _iv.chrom, lo, w, strand, {}, context_bp)
            if got is not None:
                seqs.append(got[0]); labels.append(got[1]); kinds.append("intergenic")
        lab = np.stack(labels)
        out[part] = {"seqs": seqs, "labels": lab, "kinds": kinds}
        record[f"{part}_counts"] = {"genes": len(genes), "windows": len(seqs),
                                    **{k: kinds.count(k) for k in ("site", "gene", "intergenic")},
                                    "donor_labels": int((lab == 1).sum()), "acceptor_labels": int((lab == 2).sum())}
    return out["train"], out["dev"], record


def _dev_metrics(labels: np.ndarray, probs: np.ndarray) -> dict:
    from sklearn.metrics import average_precision_score

    from trainer.metrics import spliceai_top_k_accuracy

    y, p = labels.reshape(-1), probs.reshape(-1, probs.shape[-1])
    keep = y >= 0
    y, p = y[keep], p[keep]
    m = {"pr_auc_donor": float(average_precision_score(y == 1, p[:, 1])),
         "pr_auc_acceptor": float(average_precision_score(y == 2, p[:, 2]))}
    topk = spliceai_top_k_accuracy(y, p)
    m.update(top_k_donor=float(topk[1]), top_k_acceptor=float(topk[2]))
    m["pr_auc"] = (m["pr_auc_donor"] + m["pr_auc_acceptor"]) / 2
    return m


def finetune_splice_token(cfg, out_dir: str | os.PathLike, *, progress: bool | None = None) -> dict:
    """Train a ``GeneBertForTokenClassification`` splice model from ``cfg.genome`` (a ``FinetuneConfig``
    whose ``model_overrides`` may set ``context_bp``); save it like ``finetune`` does."""
    import torch
    from tqdm import tqdm

    from genebert_tool.genome.tokenizer import KmerTokenizer
    from genebert_tool.inference.splice import score_windows
    from genebert_tool.model.configuration import named_config
    from genebert_tool.model.token_classification import GeneBertForTokenClassification
    from trainer.optim import build_optimizer, lr_at, set_seed
    from trainer.run_files import FINETUNE_CONFIG_FILE, SPLIT_FILE, log_event, write_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(max(1, int(cfg.num_threads)))
    set_seed(cfg.seed)
    t0 = time.monotonic()
    overrides = dict(cfg.model_overrides or {})
    context_bp = int(overrides.pop("context_bp", 200))
    class_weight = float(overrides.pop("site_class_weight", 1.0))
    settings = GenomeDataSettings(**cfg.genome)
    train, dev, split_record = build_splice_windows(settings, context_bp=context_bp, seed=cfg.seed)
    w = settings.window_bp
    k = overrides.get("kmer", 3)
    max_len = w - k + 3
    config = named_config(cfg.model_config, **{
        "max_position_embeddings": max(512, 1 << (max_len - 1).bit_length()), **overrides,
        "task": "splice", "label_names": list(SPLICE_LABEL_NAMES), "problem_type": get_task("splice").problem_type,
        "modality": "seq", "window_bp": w, "max_seq_len": max_len, "classifier_head": "token",
        "context_bp": context_bp, "model_name": cfg.model_name, "model_version": cfg.model_version})
    if cfg.base:  # continue from a per-base model (a second stage): same architecture and window
        from trainer.task_model import safetensors_base

        base_dir = safetensors_base(cfg.base)
        model = GeneBertForTokenClassification.from_pretrained(str(base_dir), use_safetensors=True,
                                                               model_name=cfg.model_name, model_version=cfg.model_version)
        if model.config.window_bp != w or model.config.context_bp != context_bp:
            raise InputError(f"{base_dir}: window {model.config.window_bp}/{model.config.context_bp} bp differs from "
                             f"the config's {w}/{context_bp}")
        config = model.config
    else:
        model = GeneBertForTokenClassification(config)
    tokenizer = KmerTokenizer(config.kmer)
    enc = tokenizer.encode_batch(train["seqs"], max_len=max_len)
    ids, mask, types = (torch.from_numpy(enc[x]) for x in ("input_ids", "attention_mask", "token_type_ids"))
    y = torch.from_numpy(train["labels"])
    weights = torch.tensor([1.0, class_weight, class_weight])
    n = len(train["seqs"])
    total = cfg.max_steps or max(1, int(cfg.max_epochs * math.ceil(n / cfg.batch_size)))
    opt = build_optimizer(model, cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    best = {"score": -math.inf, "step": 0, "state": None, "metrics": None}
    bad, stop = 0, "max_steps"
    bar = tqdm(total=total, disable=not (progress if progress is not None else sys.stderr.isatty()),
               desc="finetune splice (per base)", file=sys.stderr)
    with open(out / "train_log.jsonl", "w") as log:
        log_event(log, {"event": "start", "n_train": n, "n_dev": len(dev["seqs"]), "total_steps": total, "max_len": max_len,
                   "counts": {p: split_record[f"{p}_counts"] for p in ("train", "dev")}})
        perm, cursor, running, step = torch.randperm(n, generator=gen), 0, 0.0, 0
        while step < total:
            lr = lr_at(step, total, cfg)
            for g in opt.param_groups:
                g["lr"] = lr
            if cursor >= n:
                perm, cursor = torch.randperm(n, generator=gen), 0
            idx = perm[cursor : cursor + cfg.batch_size]
            cursor += cfg.batch_size
            model.train()
            loss = model(ids[idx], mask[idx], types[idx], labels=y[idx], class_weights=weights).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            step += 1
            running = loss.item() if step == 1 else 0.98 * running + 0.02 * loss.item()
            bar.update(1)
            late = cfg.time_budget_s is not None and time.monotonic() - t0 > cfg.time_budget_s
            if step % cfg.eval_every == 0 or step == total or late:
                m = _dev_metrics(dev["labels"], score_windows(model, tokenizer, dev["seqs"], batch_size=cfg.eval_batch_size))
                improved = m["pr_auc"] > best["score"]
                if improved:
                    best.update(score=m["pr_auc"], step=step, state=copy.deepcopy(model.state_dict()), metrics=m)
                    bad = 0
                else:
                    bad += 1
                log_event(log, {"event": "eval", "step": step, "lr": lr, "train_loss": running, **m, "improved": improved,
                           "elapsed_s": time.monotonic() - t0})
                if bad >= cfg.patience:
                    stop = f"early stop: no dev pr_auc improvement in {cfg.patience} evaluations"
                    break
            if late:
                stop = f"time budget {cfg.time_budget_s:.0f} s reached"
                break
            if step % 50 == 0:
                log_event(log, {"event": "train", "step": step, "lr": lr, "train_loss": running,
                           "elapsed_s": time.monotonic() - t0})
        bar.close()
        model.load_state_dict(best["state"])
        log_event(log, {"event": "done", "best_step": best["step"], "stop": stop, "elapsed_s": time.monotonic() - t0})
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(out)
    for name in ("model.safetensors", "config.json"):
        os.chmod(out / name, 0o644)
    write_json(out / FINETUNE_CONFIG_FILE, dataclasses.asdict(cfg))
    write_json(out / SPLIT_FILE, split_record)
    summary = {"task": "splice", "model_dir": str(out), "selection_metric": "pr_auc", "best_step": best["step"],
               "steps_run": step, "stop_reason": stop, "elapsed_s": time.monotonic() - t0, "n_train": n,
               "n_dev": len(dev["seqs"]), "dev_metrics": {**best["metrics"], "n": len(dev["seqs"]),
                                                          "accuracy": float("nan"), "auc": float("nan"),
                                                          "mcc": float("nan")}}
    write_json(out / "dev_metrics.json", summary)
    from genebert_tool.pretrained import write_checksums

    write_checksums(out)
    return summary
