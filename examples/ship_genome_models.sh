#!/usr/bin/env bash
# Reproduce the 0.3.0 task models (trained against the genome) and every number in their cards.
# CPU, one torch thread per run, each run stops at its time budget (so step counts depend on the load).
#   bash examples/ship_genome_models.sh [GENEBERT]
# Stage-2 configs name their stage-1 directory (runs/<task>_genome), so keep OUT=runs.
set -euo pipefail
GENEBERT=${1:-genebert}
D=${GENEBERT_DATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data}
OUT=runs
C22=$D/genome/hg38_chr22.fa.gz
DEV=chr22:30000000-38000000

# 1. training (promoter and splice in two stages; stage 2 continues from stage 1's selected weights)
$GENEBERT finetune --task promoter --config examples/finetune_promoter_genome.json -o $OUT/promoter_genome
$GENEBERT finetune --task promoter --config examples/finetune_promoter_genome_stage2.json -o $OUT/promoter_genome2
$GENEBERT finetune --task tfbs --config examples/finetune_tfbs_genome.json -o $OUT/tfbs_genome
$GENEBERT finetune --task splice --config examples/finetune_splice_genome.json -o $OUT/splice_genome
$GENEBERT finetune --task splice --config examples/finetune_splice_genome_stage2.json -o $OUT/splice_genome2

# 2. background calibration on the train region, then genome scans of the whole dev region with baselines
# promoter: stage 2 did not beat stage 1 on dev (PR-AUC 0.4058 vs 0.4128), so stage 1 ships
$GENEBERT calibrate $OUT/promoter_genome
$GENEBERT calibrate $OUT/tfbs_genome --n-windows 10000
$GENEBERT calibrate $OUT/splice_genome2 --n-windows 1000    # 1,000 windows x 400 scored bases
$GENEBERT evaluate --scan --model $OUT/promoter_genome --task promoter --fasta $C22 --region $DEV \
  --truth $D/annotation/gencode_v24_tss.hg38_chr22.bed -o $OUT/scan/promoter
# TFBS: half the dev region (chr22:30-34 Mb, 20,000 tiles) to fit the CPU time of the session
$GENEBERT evaluate --scan --model $OUT/tfbs_genome --task tfbs --fasta $C22 --region chr22:30000000-34000000 \
  --truth "$D/chip/encode_dream.*.hg38_chr22.narrowPeak" -o $OUT/scan/tfbs
$GENEBERT evaluate --scan --model $OUT/splice_genome2 --task splice --fasta $C22 --region $DEV \
  --truth $D/annotation/spliceai_canonical_gencode24.hg38_chr22.bed -o $OUT/scan/splice

# 3. the older benchmarks, re-measured (reported whatever they are)
$GENEBERT evaluate --model $OUT/promoter_genome --task promoter \
  --data $D/promoter/gue_prom/prom_core_all/dev.csv.gz -o $OUT/bench/promoter_gue_dev
$GENEBERT evaluate --model $OUT/tfbs_genome --task tfbs --output max \
  --data "$D/tfbs/deepbind_encode/*_B.seq.gz" -o $OUT/bench/tfbs_deepbind_B_max
$GENEBERT evaluate --model $OUT/splice_genome2 --task splice --data $D/splice/uci/splice.data.gz \
  -o $OUT/bench/splice_uci_all
