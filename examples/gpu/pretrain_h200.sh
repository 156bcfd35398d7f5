#!/usr/bin/env bash
# Pre-train the `small` GeneBERT on one H200 for <= 9 minutes (bf16) and report its MFU.
#   examples/gpu/pretrain_h200.sh OUT_DIR [CORPUS_DIR]
# Writes OUT_DIR/run/ (checkpoint, model shards <= 15 MB, loss_curve.csv/.png), OUT_DIR/pretrain.log and
# OUT_DIR/mfu.json. CORPUS_DIR defaults to runs/corpus_chr22_train, built with examples/pretrain_chr22.sh's
# prepare step when missing (chr22 < 30 Mb only; the hidden test region is never read).
# GENEBERT_GPU_DRY_RUN=1: a few steps on the CPU in fp32 with the same script (what the test runs).
set -euo pipefail
OUT=${1:?usage: pretrain_h200.sh OUT_DIR [CORPUS_DIR]}
CORPUS=${2:-runs/corpus_chr22_train}
HERE=$(cd "$(dirname "$0")" && pwd)
GENEBERT=${GENEBERT:-genebert}
mkdir -p "$OUT"
if [ ! -f "$CORPUS/index.json" ]; then
  D=${GENEBERT_DATA:-../shared/data}; A=$D/accessibility
  zcat "$A/remo_v1.hg38_chr22.bed.gz" | awk -F'\t' 'BEGIN{OFS="\t"}{print $1,$2,$3,$7}' > "$OUT/remo_cl.bed"
  $GENEBERT prepare -o "$CORPUS" --genome "$D/genome/hg38_chr22.fa.gz" \
    --signal K562="$A/acc.K562.hg38_chr22.bw" --signal GM12878="$A/acc.GM12878.hg38_chr22.bw" \
    --signal MCF7="$A/acc.MCF7.hg38_chr22.bw" \
    --peaks neuron="$A/atac_nott2019.neuron.hg38_chr22.bed" --peaks microglia="$A/atac_nott2019.microglia.hg38_chr22.bed" \
    --peaks oligodendrocyte="$A/atac_nott2019.oligodendrocyte.hg38_chr22.bed" \
    --peaks astrocyte="$A/atac_nott2019.astrocyte.hg38_chr22.bed" \
    --regions "$OUT/remo_cl.bed" --cell-type-column 4 --cell-type-sep ';' \
    --region chr22:0-30000000 --region-len 100 --seed 0
fi
if [ "${GENEBERT_GPU_DRY_RUN:-0}" = 1 ]; then
  extra=(--device cpu --max-steps 2)
  CONFIG=$OUT/dry_run.json
  python - "$HERE/pretrain_h200.json" "$CONFIG" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg.update(device="cpu", dtype="fp32", batch_size=2, effective_batch_size=2, model="tiny",
           model_overrides={"max_position_embeddings": 1920}, warmup_steps=1, log_interval=1)
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
PY
else
  extra=()
  CONFIG=$HERE/pretrain_h200.json
  python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: run on the GPU machine (or GENEBERT_GPU_DRY_RUN=1)')"
fi
$GENEBERT pretrain --config "$CONFIG" --data "$CORPUS" -o "$OUT/run" "${extra[@]}" 2>&1 | tee "$OUT/pretrain.log"
python "$HERE/mfu.py" "$OUT/run" -o "$OUT/mfu.json"
find "$OUT/run" -type f -size +16M -printf 'over 16 MiB: %p %s bytes\n'
