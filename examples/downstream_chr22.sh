#!/usr/bin/env bash
# Issue 11 item 5: does the genebert-chr22 backbone help a genome-trained task? Two matched fine-tuning
# runs of the promoter genome task (same data, architecture 4 x 128 over 6-mers, 300 steps, seed, dev
# subsample), one initialised from the backbone, one at random; both run at once on one thread each.
# Dev = chr22:30-38 Mb genomic windows (TSS sites, random, GC-matched and CpG-rich hard negatives).
#   BASE=runs/pretrain_chr22_v3/final examples/downstream_chr22.sh
set -euo pipefail
cd "$(dirname "$0")/.."
GENEBERT=${GENEBERT:-.venv/bin/genebert}
OUT=${OUT:-runs/downstream_chr22}
mkdir -p "$OUT"
BB_CFG=examples/finetune_promoter_chr22bb.json
if [[ -n "${BASE:-}" ]]; then  # another backbone directory or registered name
  BB_CFG=$OUT/finetune_promoter_bb.json
  python3 -c "import json,sys;d=json.load(open('examples/finetune_promoter_chr22bb.json'));d['base']=sys.argv[1];json.dump(d,open(sys.argv[2],'w'),indent=2)" "$BASE" "$BB_CFG"
fi
OMP_NUM_THREADS=1 $GENEBERT finetune --task promoter --config "$BB_CFG" -o "$OUT/backbone" > "$OUT/backbone.log" 2>&1 &
P1=$!
OMP_NUM_THREADS=1 $GENEBERT finetune --task promoter --config examples/finetune_promoter_k6_random.json -o "$OUT/random" > "$OUT/random.log" 2>&1 &
P2=$!
wait $P1; wait $P2
python3 - "$OUT" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
rows, res = [], {}
for arm in ("backbone", "random"):
    d = json.loads((out / arm / "dev_metrics.json").read_text())
    m = d["dev_metrics"]
    res[arm] = {k: m[k] for k in ("auc", "pr_auc", "mcc", "n")} | {"best_step": d["best_step"], "steps_run": d["steps_run"],
                                                                   "base": d["base"]}
    rows.append(f"| {arm} | {d['base'] or 'random init'} | {m['auc']:.4f} | {m['pr_auc']:.4f} | {m['mcc']:.4f} | "
                f"{d['best_step']} / {d['steps_run']} |")
md = ("Promoter genome task (`examples/downstream_chr22.sh`): two matched fine-tuning runs, 4 x 128 BERT over 6-mers, "
      "300 steps x 32 windows, seed 0, selection on dev PR-AUC; dev = 2,000 seeded windows of chr22:30-38 Mb "
      "(TSS sites, random, GC-matched and CpG-rich background). One seed per arm.\n\n"
      "| arm | init | dev AUROC | dev PR-AUC | dev MCC | best / run steps |\n|---|---|---|---|---|---|\n" + "\n".join(rows))
(out / "downstream.json").write_text(json.dumps({"arms": res, "markdown": md}, indent=2) + "\n")
print(md)
PY
