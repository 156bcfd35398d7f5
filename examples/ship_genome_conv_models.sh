#!/usr/bin/env bash
# The conv-head genome models of issue 10 (model/conv_head.py), trained and scanned like
# examples/ship_genome_models.sh: per-base splice (token_head="conv") and TFBS (classifier_pooling="conv_max").
# CPU, one torch thread per run, each run stops at its time budget (step counts depend on the load).
#   bash examples/ship_genome_conv_models.sh [GENEBERT]
set -euo pipefail
GENEBERT=${1:-genebert}
D=${GENEBERT_DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
OUT=runs
C22=$D/genome/hg38_chr22.fa.gz

$GENEBERT finetune --task splice --config examples/finetune_splice_genome_conv.json -o $OUT/splice_conv
$GENEBERT finetune --task tfbs --config examples/finetune_tfbs_genome_conv.json -o $OUT/tfbs_conv
$GENEBERT calibrate $OUT/splice_conv --n-windows 1000    # 1,000 windows x 400 scored bases of the train region
$GENEBERT calibrate $OUT/tfbs_conv --n-windows 10000
# splice: every base of the dev region's canonical transcripts (chr22:30-38 Mb), splice-site PWM beside it
$GENEBERT evaluate --scan --model $OUT/splice_conv --task splice --fasta $C22 --region chr22:30000000-38000000 \
  --truth $D/annotation/spliceai_canonical_gencode24.hg38_chr22.bed -o $OUT/scan/splice_conv
# TFBS: chr22:30-32 Mb (10,000 tiles of 200 bp, the tiles of the last session's model-only scan), best PWM + CNN
$GENEBERT evaluate --scan --model $OUT/tfbs_conv --task tfbs --fasta $C22 --region chr22:30000000-32000000 \
  --truth "$D/chip/encode_dream.*.hg38_chr22.narrowPeak" -o $OUT/scan/tfbs_conv
