#!/usr/bin/env bash
# Issue 11 item 5: does the genebert-chr22 backbone help a genome-trained task? Matched fine-tuning runs of
# the promoter genome task (same data, architecture 4 x 128 over 6-mers, 300 steps, seed, dev subsample),
# initialised from the backbone or at random; per seed both arms run at once on one thread each.
# Dev = chr22:30-38 Mb genomic windows (TSS sites, random, GC-matched and CpG-rich hard negatives).
#   SEEDS="0 1 2" BASE=genebert-chr22 examples/downstream_chr22.sh     # ~15 min per seed on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
GENEBERT=${GENEBERT:-.venv/bin/genebert}
OUT=${OUT:-runs/downstream_chr22}
BASE=${BASE:-runs/pretrain_chr22_v3/final}
mkdir -p "$OUT"
for seed in ${SEEDS:-0}; do
  for arm in backbone random; do
    src=examples/finetune_promoter_chr22bb.json; [[ $arm == random ]] && src=examples/finetune_promoter_k6_random.json
    python3 -c "import json,sys;d=json.load(open(sys.argv[1]));d['seed']=int(sys.argv[2]);d['base']=d.get('base') and sys.argv[3];json.dump(d,open(sys.argv[4],'w'),indent=2)" \
      "$src" "$seed" "$BASE" "$OUT/$arm.seed$seed.json"
    [[ -f "$OUT/seed$seed/$arm/dev_metrics.json" ]] && continue  # done before
    OMP_NUM_THREADS=1 $GENEBERT finetune --task promoter --config "$OUT/$arm.seed$seed.json" -o "$OUT/seed$seed/$arm" \
      > "$OUT/$arm.seed$seed.log" 2>&1 &
  done
  wait
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
from pathlib import Path
out = Path(sys.argv[1])
res = {}
for arm in ("backbone", "random"):
    runs = sorted(out.glob(f"seed*/{arm}/dev_metrics.json"))
    ms = [json.loads(p.read_text()) for p in runs]
    res[arm] = {"seeds": [p.parts[-3] for p in runs], "base": ms[0]["base"] if ms else None,
                **{k: [m["dev_metrics"][k] for m in ms] for k in ("auc", "pr_auc", "mcc")}}
def ms(v):
    return f"{statistics.mean(v):.4f} ± {statistics.stdev(v):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
rows = [f"| {arm} | {r['base'] or 'random init'} | {len(r['auc'])} | {ms(r['auc'])} | {ms(r['pr_auc'])} | {ms(r['mcc'])} |"
        for arm, r in res.items() if r["auc"]]
md = ("Promoter genome task (`examples/downstream_chr22.sh`): matched fine-tuning runs, 4 x 128 BERT over 6-mers, "
      "300 steps x 32 windows, selection on dev PR-AUC; dev = 2,000 seeded windows of chr22:30-38 Mb "
      "(TSS sites, random, GC-matched and CpG-rich background; 1,920 scored). Mean ± sd over seeds.\n\n"
      "| arm | init | seeds | dev AUROC | dev PR-AUC | dev MCC |\n|---|---|---|---|---|---|\n" + "\n".join(rows))
(out / "downstream.json").write_text(json.dumps({"arms": res, "markdown": md}, indent=2) + "\n")
print(md)
PY
