"""Copy the chr22 pre-training run's backbone into pretrained/genebert-chr22/ and register it (issue 11).

    python examples/ship_genebert_chr22.py runs/pretrain_chr22_v3 --dev-metrics runs/pretrain_chr22_v3/dev_metrics.json \
        [--cpu-seconds N] [--downstream docs/pretraining/downstream.json]

Writes config.json, model.safetensors, tokenizer.json (from RUN/final), loss_curve.csv/.png, dev_metrics.json
and a MODEL_CARD.md built from RUN/summary.json, RUN/train_config.json, the corpus index and the dev metrics of
`genebert pretrain-eval`, then records sha256s in pretrained/manifest.json (register_model). Refuses a backbone
over 25 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAME = "genebert-chr22"
MAX_MB = 25.0


def _mean(rows: list[dict], key: str) -> float:
    vals = [float(r[key]) for r in rows if r.get(key) not in (None, "", "nan")]
    return sum(vals) / len(vals) if vals else float("nan")


def _metrics_table(dev: dict) -> str:
    """The item-2 metrics of ``genebert pretrain-eval``'s JSON against chance and the issue's targets."""
    rows = [
        ("MGM loss", "mgm_loss", "mgm_chance_loss_uniform", "<= 0.8 x uniform chance", lambda v, c: v <= 0.8 * c),
        ("masked-k-mer accuracy", "mgm_accuracy", "mgm_chance_accuracy", "-", None),
        ("NGSP accuracy", "ngsp_accuracy", "ngsp_chance", ">= 0.70", lambda v, c: v >= 0.70),
        ("SRM top-1 sequence -> region", "srm_top1_seq_to_region", "srm_chance", ">= 5 x chance", lambda v, c: v >= 5 * c),
        ("SRM top-1 region -> sequence", "srm_top1_region_to_seq", "srm_chance", ">= 5 x chance", lambda v, c: v >= 5 * c),
    ]
    lines = ["| metric | dev | chance | target | met |", "|---|---|---|---|---|"]
    for name, key, chance_key, target, ok in rows:
        v, c = dev[key], dev[chance_key]
        met = "-" if ok is None else ("yes" if ok(v, c) else "**no**")
        lines.append(f"| {name} | {v:.4f} | {c:.5f} | {target} | {met} |")
    lines.append(f"\n{dev['n_batches']} batches x {dev['batch_size']} of the dev corpus, seed {dev['seed']}, "
                 f"mask rate {dev['mask_prob']}; MGM unigram chance {dev['mgm_chance_loss_unigram']:.3f}.")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("--dev-metrics", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--cpu-seconds", type=float, default=None, help="process CPU time of the run (user + sys)")
    ap.add_argument("--downstream", type=Path, default=None, help="JSON of the matched fine-tuning comparison")
    ap.add_argument("--version", default="0.1.0")
    ap.add_argument("--root", type=Path, default=REPO / "pretrained", help="registry root (tests: a temp dir)")
    args = ap.parse_args()

    from genebert_tool.pretrained import register_model

    run = args.run
    summary = json.loads((run / "summary.json").read_text())
    train_cfg = json.loads((run / "train_config.json").read_text())
    corpus = Path(args.corpus or summary["corpus"])
    index = json.loads((corpus / "index.json").read_text())
    model_cfg = json.loads((run / "final" / "config.json").read_text())
    dev = json.loads(args.dev_metrics.read_text())
    rows = list(csv.DictReader(open(run / "loss_curve.csv")))
    first, last = rows[:3], rows[-5:]
    size_mb = (run / "final" / "model.safetensors").stat().st_size / 2**20
    if size_mb > MAX_MB:
        raise SystemExit(f"{run}/final/model.safetensors is {size_mb:.1f} MB, over the {MAX_MB:.0f} MB limit")

    stage = Path(tempfile.mkdtemp()) / NAME
    stage.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        shutil.copy2(run / "final" / name, stage / name)
    for name in ("loss_curve.csv", "loss_curve.png"):
        shutil.copy2(run / name, stage / name)
    shutil.copy2(args.dev_metrics, stage / "dev_metrics.json")

    n_params = summary["n_params"]
    per_ct = index.get("samples_per_cell_type", {})
    top = sorted(per_ct.items(), key=lambda kv: -kv[1])[:6]
    peak_calls = index.get("peak_calls") or {}
    cpu = f"{args.cpu_seconds / 3600:.2f} CPU-hours (user + sys of the process)" if args.cpu_seconds else "not measured"
    downstream = ""
    if args.downstream and args.downstream.is_file():
        d = json.loads(args.downstream.read_text())
        downstream = "\n## Used downstream\n" + d.get("markdown", json.dumps(d, indent=2)) + "\n"
    bs = train_cfg["batch_size"]
    card = f"""# {NAME} (GeneBERT backbone pre-trained on hg38 chr22 accessibility)

A GeneBERT backbone pre-trained with the paper's three objectives (masked genome modelling, next genome
segment prediction, sequence-region matching; L = L_mgm + L_ngsp + {model_cfg['lambda_srm']}·L_srm) on real
accessible regions of hg38 chr22 in {len(index['cell_types'])} cell types, on 2 CPU cores.
{n_params / 1e6:.2f} M parameters, {summary['steps']} optimiser steps, {summary['tokens'] / 1e6:.1f} M tokens.
Load with `GeneBertForPreTraining.from_pretrained(dir, use_safetensors=True)`, or fine-tune from it
(`genebert finetune --base {NAME}`).

## Data (nothing from chr22 >= 38,000,000, the hidden test region, sequence included)
- Train corpus: chr22:0-30,000,000 (`--region`), regions mode: a sample is {index['n_regions']} consecutive accessible
  regions of one cell type in genome order, each the central {index['region_len']} bp of a region
  ({index['tokens_per_region']} overlapping {index['k']}-mers). Dev corpus: chr22:30,000,000-38,000,000 (the dev region of
  every task model).
- Accessibility: K562 / GM12878 / MCF7 peaks called on the ENCODE signal bigWigs
  ({', '.join(f"{k} {v.get('n_peaks', v) if isinstance(v, dict) else v}" for k, v in peak_calls.items()) or 'see index.json'};
  MACS3 bdgpeakcall's rule, trainer/peaks.py), the four Nott 2019 brain ATAC peak sets, and REMO v1 CREs with
  their cell-type labels.
- {index['n_samples']:,} samples ({index['n_with_next']:,} with a true next sample), {index['tokens']:,} tokens,
  {len(index['cell_types'])} cell types; most samples: {', '.join(f'{k} {v}' for k, v in top)}.
- Region matrix: max log-odds of {index['n_tfs']} {index['jaspar_release']} CORE vertebrate motifs per region,
  standardised per motif with the train corpus' mean/std (stored in config.json).

## Model and recipe (`examples/pretrain_chr22.json`)
- BERT {model_cfg['num_hidden_layers']} x {model_cfg['hidden_size']} ({model_cfg['num_attention_heads']} heads, intermediate
  {model_cfg['intermediate_size']}, {model_cfg['max_position_embeddings']} positions) over {model_cfg['kmer']}-mers;
  region encoder `{model_cfg['region_encoder']}` (one token per region, a linear map of its motif scores, then
  {sum(model_cfg['region_depths'])} timm transformer blocks of width {model_cfg['region_embed_dim']}) -- chosen over the
  paper's resized Swin image by `benchmarks/srm_region_encoders.py` (docs/pretraining.md); the paper's Swin stays
  selectable (`region_encoder: swin`, `region_input: resize|native`).
- `pretrain_pooling: {model_cfg.get('pretrain_pooling', 'cls')}`: the SRM sequence embedding is the mean of segment A's
  last hidden states and the NGSP head reads [CLS] with |mean_A - mean_B| and mean_A * mean_B (the paper's
  [CLS]-only heads did not leave chance in 150 steps; docs/pretraining.md).
- NGSP input `[CLS] A [SEP] B [SEP]` ({summary['max_len']} tokens), B = A's true next sample of the same cell type
  with probability 0.5; SRM in-batch negatives = the micro-batch ({bs}).
- AdamW lr {train_cfg['lr']} (warm-up {train_cfg['warmup_steps']}, cosine to {train_cfg['min_lr']} at step
  {train_cfg['max_steps']}), weight decay {train_cfg['weight_decay']}, clip {train_cfg['grad_clip']}, micro-batch {bs} x
  {summary['grad_accum_steps']} = {summary['effective_batch_size']}, fp32, seed {train_cfg['seed']}; MGM masks
  {index['k']}-mer spans at {train_cfg['mask_prob']} -> {train_cfg['mask_prob_final']}.
- Size from the token budget: 2 CPU-hours at ~3,000 tokens/s (2 threads) is ~11 M tokens; the corpus has
  {index['tokens'] / 1e6:.1f} M tokens, so ~3 epochs. At ~{summary['tokens'] / n_params:.1f} tokens per parameter this model is
  already past the budget's compute-optimal size (~20 tokens/parameter would mean ~0.5 M parameters), kept at
  4 x 128 so that the downstream models (2-4 layers x 128) can be initialised from it.
- Run: {summary['steps']} steps, {summary['tokens']:,} tokens, {summary['wall_s'] / 60:.1f} min wall, {cpu}, on
  {summary['hardware']}.

## Loss (first 3 / last 5 logged points)
| | start | end | chance |
|---|---|---|---|
| total | {_mean(first, 'loss'):.3f} | {_mean(last, 'loss'):.3f} | |
| MGM | {_mean(first, 'loss_mgm'):.3f} | {_mean(last, 'loss_mgm'):.3f} | ln 4101 = 8.319 |
| NGSP | {_mean(first, 'loss_ngsp'):.3f} | {_mean(last, 'loss_ngsp'):.3f} | ln 2 = 0.693 |
| SRM | {_mean(first, 'loss_srm'):.3f} | {_mean(last, 'loss_srm'):.3f} | ln {bs} = {math.log(bs):.3f} |

Curve: `loss_curve.csv`, `loss_curve.png`.

## Dev metrics (`genebert pretrain-eval`, dev corpus chr22:30-38 Mb; `dev_metrics.json`)
{_metrics_table(dev)}
{downstream}
## Reproduce
```
examples/pretrain_chr22.sh        # prepare both corpora, pre-train, pretrain-eval
python examples/ship_genebert_chr22.py runs/pretrain_chr22_v3 --dev-metrics runs/pretrain_chr22_v3/dev_metrics.json
```
The run stops at `max_steps` (a `max_minutes` cap only guards the machine); resume from a checkpoint is exact
(tests/trainer/test_pretrain.py).

## Limitations
One chromosome, 2 CPU cores: a small model and a short run, not the paper's scale. REMO cell-type labels are
weak; the signal peaks are called with a simple threshold rule. Weights: {size_mb:.1f} MB safetensors.
"""
    (stage / "MODEL_CARD.md").write_text(card)
    entry = register_model(stage, NAME, None, args.version, root=args.root)
    total = sum(p.stat().st_size for p in (args.root / NAME).iterdir())
    print(json.dumps({"registered": entry["path"], "files": sorted(entry["sha256"]), "total_mb": round(total / 2**20, 2)}))
    shutil.rmtree(stage.parent)


if __name__ == "__main__":
    main()
