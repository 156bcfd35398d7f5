#!/usr/bin/env bash
# Reproduce the shipped task models (pretrained/genebert-{promoter,splice,tfbs} 0.2.0) and the numbers in
# their MODEL_CARD.md. CPU, one torch thread per run; every run ends at its step schedule or by early
# stopping within its time budget, so it is deterministic (seeded).
#   bash examples/finetune_shipped.sh [GENEBERT]
# The shipped directories hold these files plus MODEL_CARD.md (and plots copied from the eval dirs);
# they were registered with genebert_tool.pretrained.register_model(dir, name, task, "0.2.0").
set -euo pipefail
GENEBERT=${1:-genebert}
D=${GENEBERT_DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
OUT=${OUT:-runs/final}

# promoter: GUE prom_core_all train, selected on GUE prom_core_all dev (MCC); random init, 3-mers,
# mean pooling, 8 epochs (about 37 min)
P=$D/promoter/gue_prom/prom_core_all
$GENEBERT finetune --task promoter --config examples/finetune_promoter.json \
  --train "$P/train.csv.gz" --dev "$P/dev.csv.gz" -o "$OUT/promoter_v2"
$GENEBERT evaluate --model "$OUT/promoter_v2" --task promoter --data "$P/dev.csv.gz" -o "$OUT/eval/promoter_v2_dev"

# splice: UCI (seeded 80/10/10 split) + GUE splice dev (seeded 90/10 split, centre-cropped to 60 bp),
# selected on the union of the two dev parts (MCC); about 10 min
$GENEBERT finetune --task splice --config examples/finetune_splice.json \
  --train "$D/splice/uci/splice.data.gz" --train "$D/splice/gue_splice/dev.csv.gz" -o "$OUT/splice_v2"
for part in dev test; do
  $GENEBERT evaluate --model "$OUT/splice_v2" --task splice --data "$D/splice/uci/splice.data.gz" \
    --split $part -o "$OUT/eval/splice_v2_uci_$part"
done
$GENEBERT evaluate --model "$OUT/splice_v2" --task splice --data "$D/splice/gue_splice/dev.csv.gz" \
  --split dev -o "$OUT/eval/splice_v2_gue_devpart"

# tfbs: one multi-task model over the 25 DeepBind ENCODE _AC experiments (dinucleotide-shuffled
# negatives; 10% of each _AC held out as dev; selected on mean dev AUC), from the pre-trained backbone,
# in two stages (about 46 + 23 min). The _B test folds are scored for reporting only.
T="$D/tfbs/deepbind_encode/*_AC.seq.gz"
$GENEBERT finetune --task tfbs --config examples/finetune_tfbs.json --base genebert-tiny --train "$T" -o "$OUT/tfbs_v2"
$GENEBERT finetune --task tfbs --config examples/finetune_tfbs_stage2.json --base "$OUT/tfbs_v2" --train "$T" \
  -o "$OUT/tfbs_v2_stage2"
$GENEBERT evaluate --model "$OUT/tfbs_v2_stage2" --task tfbs --data "$D/tfbs/deepbind_encode/*_B.seq.gz" \
  -o "$OUT/eval/tfbs_v2_stage2_B"
