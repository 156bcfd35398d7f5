#!/usr/bin/env bash
# The genebert-chr22 backbone, as run (issue 11). Nothing at chr22 >= 38,000,000 is read: --region keeps the
# train part chr22:0-30 Mb for pre-training and chr22:30-38 Mb (the dev region of every model) for the dev
# corpus; prepare rejects any region whose window would touch the hidden test region anyway.
set -euo pipefail
D=${GENEBERT_DATA:-../shared/data}
A=$D/accessibility
mkdir -p runs
# REMO v1 elements with their module's cell-type labels (column 7, ';'-separated) as BED4.
zcat "$A/remo_v1.hg38_chr22.bed.gz" | awk -F'\t' 'BEGIN{OFS="\t"}{print $1,$2,$3,$7}' > runs/remo_cl.bed
for part in train:chr22:0-30000000 dev:chr22:30000000-38000000; do
  name=${part%%:*}; region=${part#*:}
  genebert prepare -o "runs/corpus_chr22_$name" --genome "$D/genome/hg38_chr22.fa.gz" \
    --signal K562="$A/acc.K562.hg38_chr22.bw" --signal GM12878="$A/acc.GM12878.hg38_chr22.bw" \
    --signal MCF7="$A/acc.MCF7.hg38_chr22.bw" \
    --peaks neuron="$A/atac_nott2019.neuron.hg38_chr22.bed" --peaks microglia="$A/atac_nott2019.microglia.hg38_chr22.bed" \
    --peaks oligodendrocyte="$A/atac_nott2019.oligodendrocyte.hg38_chr22.bed" \
    --peaks astrocyte="$A/atac_nott2019.astrocyte.hg38_chr22.bed" \
    --regions runs/remo_cl.bed --cell-type-column 4 --cell-type-sep ';' \
    --region "$region" --region-len 100 --seed 0
done
genebert pretrain --config examples/pretrain_chr22.json --data runs/corpus_chr22_train -o runs/pretrain_chr22_v3
genebert pretrain-eval runs/pretrain_chr22_v3/final --data runs/corpus_chr22_dev --batches 40 \
  -o runs/pretrain_chr22_v3/dev_metrics.json
# ship as pretrained/genebert-chr22 (card from the run, the corpus index and the dev metrics)
python examples/ship_genebert_chr22.py runs/pretrain_chr22_v3 --dev-metrics runs/pretrain_chr22_v3/dev_metrics.json
