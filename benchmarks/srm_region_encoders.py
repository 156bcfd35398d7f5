"""Which region encoder can learn sequence-region matching? resize vs native vs tokens, side by side.

Issue 11 item 3. The SRM objective pairs a sample's sequence with its (n_regions x n_TFs) JASPAR motif
matrix. Here the sequence side is held fixed and cheap -- a linear map of the sample's standardised
log k-mer counts (the bag of k-mers a BERT's mean-pooled embedding starts from) -- so the only thing
that differs between arms is the region encoder of ``GeneBertConfig``:

* ``resize``  -- the paper: Swin on the matrix bilinearly resized to a 32 x 32 image (tiny config);
* ``native``  -- Swin on the matrix zero-padded to a multiple of its (2, 8) patches;
* ``tokens``  -- one token per region (a linear map of its motif scores), timm transformer blocks.

Each arm trains the same number of InfoNCE steps (AdamW, lr 1e-3, batch 32, CLIP temperature init
0.07) on the TRAIN corpus and reports in-batch top-1 retrieval (sequence -> region, batches of 16,
chance 1/16) on the DEV corpus, plus the mean pairwise cosine of dev region embeddings (a collapsed
encoder gives ~1) and seconds per arm. Seeds are fixed; arms run one after another in one process.

Usage: python benchmarks/srm_region_encoders.py --train runs/corpus_chr22_train --dev runs/corpus_chr22_dev
       [--arms resize,native,tokens] [--steps 300] [--threads 2] [-o runs/srm_region_encoders.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from genebert_tool.model.configuration import named_config  # noqa: E402
from genebert_tool.model.losses import info_nce  # noqa: E402
from genebert_tool.model.region_encoder import RegionEncoder  # noqa: E402
from trainer.corpus import Corpus  # noqa: E402

ARMS = {
    "resize": dict(region_encoder="swin", region_input="resize"),
    "native": dict(region_encoder="swin", region_input="native"),
    "tokens": dict(region_encoder="tokens", region_embed_dim=128, region_depths=[1, 1], region_num_heads=[4, 4]),
}


def kmer_features(corpus: Corpus, n_special: int = 5) -> np.ndarray:
    """(n_samples, 4**k) log1p k-mer counts of each sample's tokens (specials dropped)."""
    tokens = corpus.array_all("tokens").reshape(len(corpus), -1).astype(np.int64)
    width = 4 ** int(corpus.index["k"])
    out = np.zeros((len(tokens), width), np.float32)
    for i, row in enumerate(tokens):
        row = row[row >= n_special] - n_special
        np.add.at(out[i], row, 1.0)
    return np.log1p(out)


def run_arm(name, train, dev, *, steps, batch, seed):
    (x_tr, m_tr), (x_dev, m_dev) = train, dev
    mean, std = m_tr.reshape(-1, m_tr.shape[-1]).mean(0), m_tr.reshape(-1, m_tr.shape[-1]).std(0)
    config = named_config("tiny", n_tfs=m_tr.shape[-1], region_input_mean=[float(v) for v in mean],
                          region_input_std=[float(v) for v in std], **ARMS[name])
    torch.manual_seed(seed)
    region = RegionEncoder(config)
    region_proj = nn.Linear(region.num_features, 64, bias=False)
    seq_proj = nn.Linear(x_tr.shape[1], 64, bias=False)
    logit_scale = nn.Parameter(torch.tensor(float(np.log(1 / 0.07))))
    params = [*region.parameters(), *region_proj.parameters(), *seq_proj.parameters(), logit_scale]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    t0 = time.time()
    for _ in range(steps):
        b = rng.choice(len(x_tr), batch, replace=False)
        loss = info_nce(seq_proj(x_tr[b]), region_proj(region(m_tr[b])), logit_scale)
        opt.zero_grad()
        loss.backward()
        opt.step()
    train_s = time.time() - t0
    region.eval()
    with torch.no_grad():
        hits = []
        for i in range(0, len(x_dev) - 15, 16):
            s = F.normalize(seq_proj(x_dev[i : i + 16]), dim=-1)
            r = F.normalize(region_proj(region(m_dev[i : i + 16])), dim=-1)
            hits.append((s @ r.t()).argmax(1).eq(torch.arange(16)).float().mean().item())
        r = F.normalize(region_proj(region(m_dev[:64])), dim=-1)
        cos = (r @ r.t())[~torch.eye(len(r), dtype=torch.bool)].mean().item()
    return {"arm": name, "dev_top1_at_16": round(float(np.mean(hits)), 4), "chance": 1 / 16,
            "final_train_loss": round(float(loss.item()), 4), "dev_region_mean_cosine": round(cos, 4),
            "train_seconds": round(train_s, 1), "region_encoder_params": sum(p.numel() for p in region.parameters())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--arms", default="resize,native,tokens")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-o", "--output", default="runs/srm_region_encoders.json")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = []
    for path in (args.train, args.dev):
        corpus = Corpus(path)
        x = kmer_features(corpus)
        data.append((x, corpus.array_all("motifs").astype(np.float32)))
    mu, sd = data[0][0].mean(0), data[0][0].std(0) + 1e-3  # standardise with TRAIN statistics only
    train, dev = [(torch.tensor((x - mu) / sd), torch.tensor(m)) for x, m in data]
    print(f"train {len(train[0])} samples, dev {len(dev[0])} samples, {train[1].shape[-1]} motifs", flush=True)
    results = []
    for arm in args.arms.split(","):
        res = run_arm(arm, train, dev, steps=args.steps, batch=args.batch, seed=args.seed)
        results.append(res)
        print(f"{arm:>7}: dev top-1 {res['dev_top1_at_16']:.3f} ({res['dev_top1_at_16'] * 16:.1f}x chance), "
              f"mean cosine {res['dev_region_mean_cosine']:.3f}, {res['train_seconds']:.0f} s", flush=True)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(json.dumps({"steps": args.steps, "batch": args.batch, "train": args.train, "dev": args.dev,
                               "sequence_side": "linear map of standardised log1p k-mer counts", "arms": results},
                              indent=2) + "\n")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
