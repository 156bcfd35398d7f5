#!/usr/bin/env bash
# genebert demo: annotate the example regions and variants (real hg38 chr2 coordinates) with the
# shipped default models, and say where the genome-browser tracks are.
#   usage: bash examples/demo.sh [PATH_TO_genebert]      (make demo passes .venv/bin/genebert)
# Needs the shared data (GENEBERT_DATA, default ../shared/data) and the models in pretrained/.
set -Eeuo pipefail

GENEBERT=${1:-genebert}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA=${GENEBERT_DATA:-$(cd "$HERE/../.." && pwd)/shared/data}
GENOME="$DATA/genome/hg38_chr2_1-2333275.fa.gz"
OUT=${DEMO_OUT:-out/demo}

fail() { echo "demo: $*" >&2; exit 1; }
[ -f "$GENOME" ] || fail "genome piece not found: $GENOME (set GENEBERT_DATA to the shared data folder)"
command -v "$GENEBERT" >/dev/null 2>&1 || [ -x "$GENEBERT" ] || fail "genebert executable not found: $GENEBERT"
trap 'echo "demo: FAILED. If the message above says a default model is not available, the shipped models are not in pretrained/ yet (see pretrained/manifest.json)." >&2' ERR

mkdir -p "$OUT"
run() { echo "+ genebert $*" >&2; "$GENEBERT" "$@"; }

# 1. TFBS probabilities, one window centred on each region -> BED + one bigWig per TF
run annotate "$HERE/regions.bed" --task tfbs --genome "$GENOME" -o "$OUT/regions.tfbs"
# 2. promoter probability along the regions: 100-bp tiles every 50 bp -> tiled bigWig
run annotate "$HERE/regions.bed" --task promoter --tile 100 --step 50 --genome "$GENOME" -o "$OUT/regions.promoter"
# 3. splice donor/acceptor probability at every base of the two MYT1L exons
grep MYT1L "$HERE/regions.bed" > "$OUT/myt1l_exons.bed"
run annotate "$OUT/myt1l_exons.bed" --task splice --genome "$GENOME" -o "$OUT/myt1l.splice"
# 4. variant effects (REF/ALT/DELTA per output + combined risk); skips are explained in the VCF
run annotate "$HERE/variants.vcf" --task risk --splice-distance 20 --both-strands --risk-model none --genome "$GENOME" -o "$OUT/variants"  # genebert-risk is trained without the scan/strands

# 5. a genome scan a newcomer can read: the genome-trained promoter model over 1 Mb of the chr22 dev region against
#    GENCODE TSSs, with CpG o/e and GC scored on the same tiles (AUROC, AUPRC, background FPR, PNGs)
run evaluate --scan --model genebert-promoter-genome --task promoter --fasta "$DATA/genome/hg38_chr22.fa.gz" \
    --region chr22:31000000-32000000 --truth "$DATA/annotation/gencode_v24_tss.hg38_chr22.bed" --no-baselines \
    -o "$OUT/scan_promoter"

trap - ERR
echo
echo "demo: done. Tracks (bigWig, load in IGV/UCSC or 'genebert browse'):"
ls -1 "$OUT"/*.bw | sed 's/^/  /'
echo "Scored tables: $OUT/regions.tfbs.bed, $OUT/regions.promoter.bed, $OUT/myt1l.splice.bed"
echo "Annotated variants: $OUT/variants.vcf.gz (+ .tbi); rejected records: $OUT/*.rejected.tsv"
echo
echo "Genome scan (promoter vs GENCODE TSSs, chr22:31-32 Mb, 100-bp tiles): $OUT/scan_promoter/report.md"
sed -n '/^| method/,/^$/p' "$OUT/scan_promoter/report.md"
echo "Figures: $OUT/scan_promoter/pr.png (precision-recall), $OUT/scan_promoter/locus.png (one locus)"
