#!/usr/bin/env bash
# Reproduce the shipped task models (pretrained/genebert-{promoter,splice,tfbs}) and the numbers in
# their MODEL_CARD.md. CPU, one torch thread per run. Runs that stop at their config's time_budget_s
# (splice, tfbs) depend on the machine's speed; the log (train_log.jsonl) records the steps reached.
#   bash examples/finetune_shipped.sh [GENEBERT]
# The shipped directories hold these files plus MODEL_CARD.md; they were registered with
# genebert_tool.pretrained.register_model(dir, name, task, "0.1.0").
set -euo pipefail
GENEBERT=${1:-genebert}
D=${GENEBERT_DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
OUT=${OUT:-runs/finetune}

# promoter: GUE prom_core_all train, selected on GUE prom_core_all dev (MCC); random init, 3-mers, 3 epochs
$GENEBERT finetune --task promoter --config examples/finetune_promoter.json \
  --train "$D/promoter/gue_prom/prom_core_all/train.csv.gz" --dev "$D/promoter/gue_prom/prom_core_all/dev.csv.gz" \
  -o "$OUT/promoter-k3-3ep"
$GENEBERT evaluate --model "$OUT/promoter-k3-3ep" --task promoter \
  --data "$D/promoter/gue_prom/prom_core_all/dev.csv.gz" -o "$OUT/eval/promoter-k3-3ep-dev"

# splice: UCI splice junctions, stratified 80/10/10 split by seed 0 (split.json), selected on dev (MCC)
$GENEBERT finetune --task splice --config examples/finetune_splice.json \
  --train "$D/splice/uci/splice.data.gz" -o "$OUT/splice-k3"
for part in dev test; do
  $GENEBERT evaluate --model "$OUT/splice-k3" --task splice --data "$D/splice/uci/splice.data.gz" \
    --split $part -o "$OUT/eval/splice-k3-$part"
done
$GENEBERT evaluate --model "$OUT/splice-k3" --task splice --data "$D/splice/gue_splice/dev.csv.gz" \
  -o "$OUT/eval/splice-k3-gue-dev"

# tfbs: one multi-task model over the 25 DeepBind ENCODE _AC experiments, fine-tuned from the
# pre-trained backbone (dinucleotide-shuffled negatives; 10% of each _AC held out as dev; selected on
# mean dev AUC). The _B test folds are scored for reporting only.
$GENEBERT finetune --task tfbs --config examples/finetune_tfbs.json --base genebert-tiny \
  --train "$D/tfbs/deepbind_encode/*_AC.seq.gz" -o "$OUT/tfbs-tiny"
$GENEBERT evaluate --model "$OUT/tfbs-tiny" --task tfbs --data "$D/tfbs/deepbind_encode/*_B.seq.gz" \
  -o "$OUT/eval/tfbs-tiny-test-B"
