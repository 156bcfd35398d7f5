#!/usr/bin/env bash
# Old benchmarks re-measured on the genome-trained task models (issue 10 item 6), beside the 0.2.0
# benchmark-trained models on the same rows. REPORT ONLY: nothing is trained, tuned or selected; the
# DeepBind _B files are test folds. The loaders drop the rows of
# split/shared_rows_in_chr22_test_region.tsv (every metrics.json counts them: test_region_rows_dropped).
#
#   GENEBERT_DATA=/path/to/shared/data bash examples/old_benchmarks_genome_models.sh   # ~10 min, 1 CPU thread
#
# Writes under runs/old_bench/ (git-ignored); runs/old_bench/summary.md collects the numbers.
set -euo pipefail
: "${GENEBERT_DATA:?set GENEBERT_DATA to the shared data folder}"
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
GB=${GENEBERT:-.venv/bin/genebert}
PY=${PYTHON:-.venv/bin/python}
OUT=runs/old_bench
D=$GENEBERT_DATA

# 1. promoter: GUE prom_core_all dev (70 bp). genebert evaluate feeds the 70-bp sequences to the
#    300-bp genome model as they are ([PAD] tokens, skipped by attention and mean pooling); the
#    N-padded-to-300 variant is a sensitivity check.
GUE=$D/promoter/gue_prom/prom_core_all/dev.csv.gz
for m in genebert-promoter-genome genebert-promoter; do
  $GB evaluate --model $m --task promoter --data "$GUE" -o $OUT/promoter/$m
done
$PY benchmarks/old_bench_genome.py promoter-padded --model genebert-promoter-genome --data "$GUE" \
  -o $OUT/promoter/genebert-promoter-genome-padded

# 2. tfbs: DeepBind _B test folds (101 bp; 25 experiments). 0.2.0 has one output per experiment.
B="$D/tfbs/deepbind_encode/*_B.seq.gz"
$GB evaluate --model genebert-tfbs --task tfbs --data "$B" -o $OUT/tfbs/genebert-tfbs
#    genebert-tfbs-genome: each experiment scored with its mapped TF_cell output (the rule and the
#    table: TFBS_MAPPING in benchmarks/old_bench_genome.py; 12 experiments have no matching output),
#    and, TF-agnostic, the largest of its 107 outputs on all 25 experiments. `genebert evaluate
#    --output NAME` refuses this model here (it calls every sequence of a _B file unbound at 0.5,
#    and evaluate refuses a one-class predictor), so the helper scores the same rows by evaluate's own code path with one class allowed:
#      $GB evaluate --model genebert-tfbs-genome --task tfbs --data FILE --output OUTPUT -o DIR   # refused
$PY benchmarks/old_bench_genome.py tfbs-b --model genebert-tfbs-genome --data "$B" -o $OUT/tfbs

# 3. splice: UCI (60 bp). 0.2.0 on the test part of its recorded split; the genome model on all rows
#    with genebert evaluate (centre base, both strands) and with the readout at the labelled bases
#    (donor at base 29, acceptor at base 30, forward strand) on all rows and on 0.2.0's test part.
UCI=$D/splice/uci/splice.data.gz
$GB evaluate --model genebert-splice --task splice --data "$UCI" --split test -o $OUT/splice/genebert-splice-test
$GB evaluate --model genebert-splice-genome --task splice --data "$UCI" -o $OUT/splice/genebert-splice-genome-evaluate \
  || echo "genebert evaluate refused genebert-splice-genome on UCI (see above); the helper below still scores it"
$PY benchmarks/old_bench_genome.py splice-uci --model genebert-splice-genome --old-model genebert-splice \
  --data "$UCI" -o $OUT/splice/honest

$PY benchmarks/old_bench_genome.py summary --root $OUT
