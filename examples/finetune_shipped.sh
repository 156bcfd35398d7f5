#!/usr/bin/env bash
# Reproduce the shipped task models (pretrained/genebert-{promoter,tfbs,splice}) and every number in
# their MODEL_CARD.md. CPU, one thread each; each run stops at its config's time_budget_s, so the
# exact step reached depends on the machine (the log records it). Usage:
#   bash examples/finetune_shipped.sh [GENEBERT] [BASE]    # BASE: optional backbone dir/name
set -euo pipefail
GENEBERT=${1:-genebert}
BASE=${2:-}
D=${GENEBERT_DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
BASE_OPT=()
[ -n "$BASE" ] && BASE_OPT=(--base "$BASE")
OUT=${OUT:-runs/finetune}

# promoter: GUE prom_core_all train, selected on GUE dev (MCC)
$GENEBERT finetune --task promoter --config examples/finetune_promoter.json "${BASE_OPT[@]}" \
  --train "$D/promoter/gue_prom/prom_core_all/train.csv.gz" --dev "$D/promoter/gue_prom/prom_core_all/dev.csv.gz" \
  -o "$OUT/genebert-promoter"
$GENEBERT evaluate --model "$OUT/genebert-promoter" --task promoter \
  --data "$D/promoter/gue_prom/prom_core_all/dev.csv.gz" -o "$OUT/eval/promoter-dev"

# splice: UCI splice junctions, stratified 80/10/10 split by seed 0 (split.json), selected on dev (MCC)
$GENEBERT finetune --task splice --config examples/finetune_splice.json "${BASE_OPT[@]}" \
  --train "$D/splice/uci/splice.data.gz" -o "$OUT/genebert-splice"
$GENEBERT evaluate --model "$OUT/genebert-splice" --task splice --data "$D/splice/uci/splice.data.gz" \
  --split dev -o "$OUT/eval/splice-dev"
$GENEBERT evaluate --model "$OUT/genebert-splice" --task splice --data "$D/splice/uci/splice.data.gz" \
  --split test -o "$OUT/eval/splice-test"

# tfbs: one multi-task model over the 25 DeepBind ENCODE _AC experiments (dinucleotide-shuffled
# negatives, 10% of each _AC held out as dev, selected on mean dev AUC); _B test folds for reporting only
$GENEBERT finetune --task tfbs --config examples/finetune_tfbs.json "${BASE_OPT[@]}" \
  --train "$D/tfbs/deepbind_encode/*_AC.seq.gz" -o "$OUT/genebert-tfbs"
$GENEBERT evaluate --model "$OUT/genebert-tfbs" --task tfbs --data "$D/tfbs/deepbind_encode/*_AC.seq.gz" \
  --split dev -o "$OUT/eval/tfbs-dev"
$GENEBERT evaluate --model "$OUT/genebert-tfbs" --task tfbs --data "$D/tfbs/deepbind_encode/*_B.seq.gz" \
  -o "$OUT/eval/tfbs-test-B"
