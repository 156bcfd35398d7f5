"""Pre-training throughput: tokens/s and model-FLOP utilisation (MFU) of GeneBERT training steps.

MFU = model FLOPs per second / peak, where the peak is the best fp32 ``torch.matmul`` rate of a
2048 x 2048 product measured in this same process with the same threads, right before and after
each timed case (so "busy machine" and "which CPU" largely cancel out). Model FLOPs per optimiser step are counted two ways:

* analytic: 6 * N_bert_nonembedding * tokens (fwd + bwd of every dense layer)
  + 12 * n_layers * seq_len * hidden * tokens (attention scores and values, fwd + bwd)
  + 6 * hidden * vocab * masked tokens (the MGM decoder, run only at masked positions)
  + the region encoder's FLOPs (counted by ``torch.utils.flop_counter`` on one image, x3 for fwd+bwd);
* counted: ``torch.utils.flop_counter.FlopCounterMode`` over one whole training step.

The batch is synthetic (random k-mers, 15% masked in spans, random motif matrices) with the
shapes of a real NGSP pair: [CLS] 10 regions [SEP] 10 regions [SEP], 503 tokens for 30-bp regions.

    python benchmarks/train_throughput.py                      # tiny, 2 threads, eager + compiled
    python benchmarks/train_throughput.py --threads 1 --batch-size 16 --no-compile
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def matmul_peak(n: int = 2048, repeats: int = 8) -> float:
    """Best observed fp32 GFLOP/s of an n x n x n matmul (2 n^3 FLOPs)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.matmul(a, b)  # warm-up
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        torch.matmul(a, b)
        best = max(best, 2 * n**3 / (time.perf_counter() - t))
    return best


def make_batch(cfg, batch_size: int, seq_len: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
    from genebert_tool.genome.tokenizer import KmerTokenizer
    from trainer.masking import mask_tokens

    tok = KmerTokenizer(cfg.kmer)
    seg = (seq_len - 3) // 2
    ids = rng.integers(tok.n_special, tok.vocab_size, size=(batch_size, seq_len))
    ids[:, 0], ids[:, 1 + seg], ids[:, -1] = tok.cls_id, tok.sep_id, tok.sep_id
    token_type = np.zeros_like(ids)
    token_type[:, 2 + seg :] = 1
    masked, labels = mask_tokens(ids, rate=0.15, span=cfg.kmer, rng=rng, vocab_size=tok.vocab_size)
    return {
        "input_ids": torch.from_numpy(masked), "attention_mask": torch.ones(batch_size, seq_len, dtype=torch.long),
        "token_type_ids": torch.from_numpy(token_type), "mlm_labels": torch.from_numpy(labels),
        "ngsp_labels": torch.from_numpy(rng.integers(0, 2, size=batch_size)),
        "region_matrix": torch.from_numpy(rng.normal(size=(batch_size, cfg.n_regions, cfg.n_tfs)).astype(np.float32) * 4),
    }


def analytic_flops(model, cfg, batch: dict[str, torch.Tensor]) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    bert = model.genebert.bert
    n_emb = sum(p.numel() for p in bert.embeddings.parameters())
    n_bert = sum(p.numel() for p in bert.parameters()) - n_emb
    n_heads = sum(p.numel() for p in model.mgm_head.parameters()) + sum(p.numel() for p in model.ngsp_head.parameters())
    tokens = batch["attention_mask"].numel()
    seq_len = batch["input_ids"].shape[1]
    masked = int((batch["mlm_labels"] != -100).sum())
    dense = 6 * n_bert * tokens
    attention = 12 * cfg.num_hidden_layers * seq_len * cfg.hidden_size * tokens
    decoder = 6 * (cfg.hidden_size * cfg.vocab_size + n_heads) * masked
    region = 0.0
    if model.genebert.region_encoder is not None:
        with FlopCounterMode(display=False) as counter:
            model.genebert.region_encoder(batch["region_matrix"][:1])
        region = 3 * counter.get_total_flops() * len(batch["input_ids"])
    return dense + attention + decoder + region


def bench(model, optimizer, batch, steps: int) -> float:
    """Median seconds per training step (fwd + bwd + clip + AdamW)."""
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        out = model(**batch)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="tiny")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, nargs="+", default=[16])
    ap.add_argument("--seq-len", type=int, default=503)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--n-tfs", type=int, default=579)
    ap.add_argument("--attention-dropout", type=float, nargs="+", default=[0.1, 0.0],
                    help="attention_probs_dropout_prob values to compare (tiny default 0.1; 0.0 lets "
                         "CPU SDPA use its fused flash kernel instead of materialising a dropout mask)")
    args = ap.parse_args()

    import genebert_tool.model  # noqa: F401  (torchvision shim before transformers/timm)
    from torch.utils.flop_counter import FlopCounterMode

    from genebert_tool.model import GeneBertForPreTraining, named_config

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows, peaks = [], []
    variants = [("eager", False)] + ([] if args.no_compile else [("compiled", True)])
    cases = [(p, bs, v) for p in args.attention_dropout for bs in args.batch_size for v in variants]
    for attn_p, bs, (name, compiled) in cases:
        cfg = named_config(args.config, n_tfs=args.n_tfs, attention_probs_dropout_prob=attn_p)
        batch = make_batch(cfg, bs, args.seq_len, np.random.default_rng(0))
        model = GeneBertForPreTraining(cfg)
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
        flops = analytic_flops(model, cfg, batch)
        with FlopCounterMode(display=False) as counter:
            model(**batch).loss.backward()
        counted = counter.get_total_flops()
        optimizer.zero_grad(set_to_none=True)
        run = torch.compile(model) if compiled else model
        t0 = time.perf_counter()
        bench(run, optimizer, batch, 1)  # warm-up (compilation happens here)
        warm = time.perf_counter() - t0
        # the machine may be shared: measure the peak right before each timed case, and again after
        peak = max(matmul_peak(), 1.0)
        sec = bench(run, optimizer, batch, args.steps)
        peak = max(peak, matmul_peak())
        peaks.append(peak)
        tokens = bs * args.seq_len
        rows.append((name, attn_p, bs, tokens / sec, flops / sec / 1e9, peak / 1e9, flops / sec / peak,
                     counted / sec / peak, warm))
    cfg = named_config(args.config, n_tfs=args.n_tfs)
    n_params = sum(p.numel() for p in GeneBertForPreTraining(cfg).parameters())
    print(f"GeneBERT pre-training throughput: config={args.config} ({n_params / 1e6:.2f} M params), "
          f"seq_len={args.seq_len}, n_tfs={args.n_tfs}, fp32, {args.threads} CPU thread(s), torch {torch.__version__}")
    print(f"fp32 matmul peak (2048x2048, same process, {args.threads} thread(s), best of 8 before and after "
          f"each case): {min(peaks) / 1e9:.1f} .. {max(peaks) / 1e9:.1f} GFLOP/s")
    print()
    print(f"| {'mode':8} | {'attn drop':>9} | {'batch':>5} | {'tokens/s':>9} | {'model GFLOP/s':>13} | {'peak GFLOP/s':>12} | {'MFU analytic':>12} | "
          f"{'MFU counted':>11} | {'warm-up s':>9} |")
    print(f"|{'-' * 10}|{'-' * 11}|{'-' * 7}|{'-' * 11}|{'-' * 15}|{'-' * 14}|{'-' * 14}|{'-' * 13}|{'-' * 11}|")
    for name, attn_p, bs, tps, gf, pk, mfu, mfu_c, warm in rows:
        print(f"| {name:8} | {attn_p:>9.2f} | {bs:>5} | {tps:>9.0f} | {gf:>13.1f} | {pk:>12.1f} | {mfu:>11.1%} | {mfu_c:>10.1%} | {warm:>9.1f} |")
    print()
    print("MFU analytic = (6*N_bert_nonemb*tokens + attention + MGM decoder at masked positions + region encoder) "
          "/ step time / peak; MFU counted uses torch FlopCounterMode over fwd+bwd (it does not count the fused "
          "CPU flash-attention kernel used when attention dropout is 0, so it reads low there). One step = fwd + "
          "bwd + clip + AdamW; median of the timed steps. On a shared machine both numbers move with the load.")


if __name__ == "__main__":
    main()
