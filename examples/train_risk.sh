#!/usr/bin/env bash
# Retrain, benchmark and ship genebert-risk in one command, on the task models registered now
# (each task's default: genebert-promoter-genome/-tfbs-genome/-splice-genome; RISK_MODELS="A B C" overrides them)
# and SpliceAI's GENCODE v24 canonical transcripts of both genome pieces (--annotation, one BED12 per
# FASTA, merged: the chr2-piece VCF is annotated by the chr2-piece BED). The classifier pins its task
# models' name, version, window and weights sha256 and records the annotation files' sha256, so run
# this again whenever one of them changes. ClinVar GRCh38 train region only: --holdout stops the run
# on any record at chr22 >= 38,000,000 (the hidden test region).
#
#   examples/train_risk.sh                 # ~6 min on 2 CPU cores (+ SpliceAI side by side if cached)
#   RISK_VERSION=0.4.1 examples/train_risk.sh   # the version it is registered as (default 0.4.0)
#   SHIP=0 examples/train_risk.sh          # train + benchmark, do not register
#   SPLICEAI=1 examples/train_risk.sh      # also score SpliceAI 1.3.1 where not cached (~1 h on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
D=${GENEBERT_DATA:-/work/shared/data}
PY=${PYTHON:-.venv/bin/python}
OUT=${OUT:-runs/risk}
SA_OUT=${SA_OUT:-runs/spliceai_clinvar}
RISK_VERSION=${RISK_VERSION:-0.4.0}
MODELS=()
for m in ${RISK_MODELS:-}; do MODELS+=(--model "$m"); done

$PY -m genebert_tool.cli finetune-risk \
  --train "$D/variants/clinvar_20200803.hg38_chr22.vcf.gz" --fasta "$D/genome/hg38_chr22.fa.gz" \
  --train "$D/variants/clinvar_20200803.hg38_chr2_piece.vcf.gz" --fasta "$D/genome/hg38_chr2_1-2333275.fa.gz" \
  --annotation "$D/annotation/spliceai_canonical_gencode24.hg38_chr22.bed" \
  --annotation "$D/annotation/spliceai_canonical_gencode24.hg38_chr2_piece.bed" \
  --holdout chr22:38000000- --version "$RISK_VERSION" ${MODELS[@]+"${MODELS[@]}"} -o "$OUT"

# baselines on the same variants and folds (the same canonical annotation); checks that the classifier
# row equals $OUT/cv_metrics.json
$PY benchmarks/risk_clinvar.py --data "$D" ${MODELS[@]+"${MODELS[@]}"} --risk-run "$OUT" --out-dir "$OUT/benchmark"

# SpliceAI scores do not depend on the task models: reuse the cache (--scored-only: the variants it
# has, said so in the output when not all); SPLICEAI=1 scores the missing ones first
SA_ARGS=()
if [[ "${SPLICEAI:-0}" == 1 ]]; then
  $PY benchmarks/spliceai_clinvar.py --data "$D" ${MODELS[@]+"${MODELS[@]}"} --risk-dir "$OUT/benchmark" --out-dir "$SA_OUT"
  SA_ARGS=(--spliceai-result "$SA_OUT/result.json")
elif [[ -s "$SA_OUT/spliceai_scores.tsv" ]]; then
  $PY benchmarks/spliceai_clinvar.py --data "$D" ${MODELS[@]+"${MODELS[@]}"} --risk-dir "$OUT/benchmark" \
    --out-dir "$SA_OUT" --scored-only --result-name "result.$(basename "$OUT").json"
  SA_ARGS=(--spliceai-result "$SA_OUT/result.$(basename "$OUT").json")
fi
$PY benchmarks/risk_clinvar.py --card-only --risk-run "$OUT" --out-dir "$OUT/benchmark" --card "$OUT" ${SA_ARGS[@]+"${SA_ARGS[@]}"}

if [[ "${SHIP:-1}" == 1 ]]; then
  $PY -c "from trainer.risk import register_risk_classifier as r; e = r('$OUT', 'genebert-risk'); print('registered genebert-risk', e['version'], sorted(e['sha256']))"
fi
