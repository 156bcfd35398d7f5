"""Copy a finished pre-training run's backbone into pretrained/genebert-tiny/ and register it.

    python examples/ship_genebert_tiny.py runs/genebert_tiny_real [--corpus runs/corpus_deepbind_ac]

Writes config.json, model.safetensors, tokenizer.json (from RUN/final), loss_curve.csv/.png and a
MODEL_CARD.md built from RUN/summary.json, RUN/train_config.json and the corpus index, then records
sha256s in pretrained/manifest.json via genebert_tool.pretrained.register_model("genebert-tiny").
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _mean(rows: list[dict], key: str) -> float:
    vals = [float(r[key]) for r in rows if r[key] not in ("", "nan")]
    return sum(vals) / len(vals) if vals else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("run", type=Path)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--version", default="0.1.0")
    ap.add_argument("--reproduce", default="", help="extra lines for the reproduce section")
    ap.add_argument("--root", type=Path, default=REPO / "pretrained", help="registry root (tests: a temp dir)")
    args = ap.parse_args()

    from genebert_tool.pretrained import register_model

    run = args.run
    summary = json.loads((run / "summary.json").read_text())
    train_cfg = json.loads((run / "train_config.json").read_text())
    corpus = Path(args.corpus or summary["corpus"])
    index = json.loads((corpus / "index.json").read_text())
    model_cfg = json.loads((run / "final" / "config.json").read_text())
    rows = list(csv.DictReader(open(run / "loss_curve.csv")))
    first, last = rows[:5], rows[-5:]
    size_mb = (run / "final" / "model.safetensors").stat().st_size / 2**20

    ngsp_note = ""
    if abs(_mean(last, "loss_ngsp") - 0.6931) < 0.02:
        ngsp_note = ("\n  NGSP stayed at chance in this short run: the model did not learn to tell the next 10 peaks of"
                     "\n  an experiment from a random sample (MGM and SRM did fall).")
    stage = Path(tempfile.mkdtemp()) / "genebert-tiny"
    stage.mkdir()
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        shutil.copy2(run / "final" / name, stage / name)
    shutil.copy2(run / "loss_curve.csv", stage / "loss_curve.csv")
    shutil.copy2(run / "loss_curve.png", stage / "loss_curve.png")

    sources = index["sources"].get("groups") or index["sources"]
    cell_types = index["cell_types"]
    card = f"""# genebert-tiny (pre-trained GeneBERT backbone)

A small GeneBERT backbone pre-trained with all three objectives of the paper (masked genome
modelling, next genome segment prediction, sequence-region matching) on real data, on one CPU thread.
It is a *demonstration-scale* model: {summary['n_params'] / 1e6:.2f} M parameters, {summary['steps']} optimiser steps,
{summary['tokens'] / 1e6:.1f} M tokens. Load it with
`GeneBertForPreTraining.from_pretrained(...)` or start fine-tuning from it
(`GeneBertForSequenceClassification.from_pretrained(dir, num_labels=...)`).

## Data
- Corpus mode: **{index['mode']}** ({'labelled sequences without coordinates: 10 consecutive sequences of one experiment form a sample' if index['mode'] == 'groups' else '10 consecutive accessible regions of one cell type'}).
- Source: DeepBind ENCODE ChIP-seq `_AC` training folds (hg19, 101 bp peaks; Alipanahi et al. 2015), all
  {len(cell_types)} experiments in `tfbs/deepbind_encode/` (one "cell type" per TF x cell line file). The `_B`
  test folds were not used.
- {index['n_samples']} samples ({index['n_with_next']} with a true next sample), {index['n_regions']} regions per
  sample, each region the central {index['region_len']} bp ({index['tokens_per_region']} overlapping {index['k']}-mers,
  tokenised per region), region matrix = JASPAR max log-odds of {index['n_tfs']} {index['jaspar_release']} CORE vertebrate
  motifs per region (`genebert_tool.motifs.max_scores` on the same {index['region_len']} bp).
- NGSP input: `[CLS] A [SEP] B [SEP]` ({summary['max_len']} tokens); B is A's true next sample with probability 0.5
  (label 1 = is-next, 0 = random sample; note BERT/HF use 0 = continuation). SRM pairs A with its own
  region matrix; in-batch negatives = the micro-batch ({train_cfg['batch_size']}).
- MGM: contiguous spans of {index['k']} k-mers (DNABERT), 15% of real k-mers, 20% in the last sixth of
  the planned {train_cfg['max_steps']} steps, 80/10/10 [MASK]/random/unchanged.

## Training
- Model: `{train_cfg['model']}` config (BERT {model_cfg['num_hidden_layers']} x {model_cfg['hidden_size']},
  {model_cfg['num_attention_heads']} heads, max {model_cfg['max_position_embeddings']} positions; region encoder
  {model_cfg['region_encoder']} on a {model_cfg['region_image_size']}x{model_cfg['region_image_size']} resized matrix),
  lambda_srm = {model_cfg['lambda_srm']}.
- AdamW lr {train_cfg['lr']} (linear warm-up {train_cfg['warmup_steps']} steps, linear decay towards
  {train_cfg['min_lr']} at step {train_cfg['max_steps']}), weight decay {train_cfg['weight_decay']},
  clip {train_cfg['grad_clip']}, micro-batch {train_cfg['batch_size']} x accumulation
  {summary['grad_accum_steps']} = effective batch {summary['effective_batch_size']}, fp32, seed {train_cfg['seed']}.
- Steps: {summary['steps']} of the planned {train_cfg['max_steps']} ({'stopped by' if summary['steps'] < train_cfg['max_steps'] else 'within'} the wall-clock cap of {train_cfg['max_minutes']} min), tokens seen: {summary['tokens']:,}.
- Wall time: {summary['wall_s'] / 60:.1f} min on {summary['hardware']} (a 2-core VM shared with other jobs).
- Loss (mean of the first / last 5 logged points, every {train_cfg['log_interval']} steps):

| | start | end |
|---|---|---|
| total | {_mean(first, 'loss'):.3f} | {_mean(last, 'loss'):.3f} |
| MGM | {_mean(first, 'loss_mgm'):.3f} | {_mean(last, 'loss_mgm'):.3f} |
| NGSP | {_mean(first, 'loss_ngsp'):.3f} | {_mean(last, 'loss_ngsp'):.3f} |
| SRM | {_mean(first, 'loss_srm'):.3f} | {_mean(last, 'loss_srm'):.3f} |

  (chance levels: MGM ln 4101 = 8.32, NGSP ln 2 = 0.693, SRM ln {train_cfg['batch_size']} = {__import__('math').log(train_cfg['batch_size']):.3f}.)
  Full curve: `loss_curve.csv` / `loss_curve.png`.{ngsp_note}
- Weights: {size_mb:.1f} MB safetensors.

## Reproduce
```
genebert prepare --deepbind $GENEBERT_DATA/tfbs/deepbind_encode -o runs/corpus_deepbind_ac --region-len {index['region_len']} --seed {index['seed']}
genebert pretrain --config examples/pretrain_tiny_real.json --data runs/corpus_deepbind_ac -o runs/genebert_tiny_real
python examples/ship_genebert_tiny.py runs/genebert_tiny_real
```
{args.reproduce}
With a wall-clock cap the number of steps depends on the machine's speed; with `max_minutes` removed
the run is deterministic for the seed (exact resume is tested in tests/trainer/test_pretrain.py).

## Limitations
Tiny model, short run, {index['region_len']}-bp regions from hg19 ChIP-seq peaks rather than the paper's
Descartes fetal scATAC regions (not available offline). Not the paper's model; use it to exercise the
pipeline and as a starting point for fine-tuning, not as a claim about GeneBERT's accuracy.
"""
    (stage / "MODEL_CARD.md").write_text(card)
    entry = register_model(stage, "genebert-tiny", None, args.version, root=args.root)
    total = sum(p.stat().st_size for p in (args.root / "genebert-tiny").iterdir())
    print(json.dumps({"registered": entry["path"], "files": sorted(entry["sha256"]), "total_mb": total / 2**20}))
    shutil.rmtree(stage.parent)


if __name__ == "__main__":
    main()
