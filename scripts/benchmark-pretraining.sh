#!/usr/bin/env bash
# Produces the pretraining table in docs/results.md: test RMSE (mean ± std over seeds
# 0,1,2) on ESOL, FreeSolv and Lipophilicity with balanced scaffold 0.8/0.1/0.1 splits,
# for: training from scratch, the pretrained encoder fine-tuned (encoder lr ×0.1), the
# frozen pretrained encoder with an MLP, ridge and GP heads, and ECFP4 with ridge and GP.
# Defaults only; nothing is tuned on test data.
#
# Usage: scripts/benchmark-pretraining.sh ENCODER.h5 [results-dir]
#   (needs build/cli/molprop; ENCODER.h5 from scripts/pretrain-corpus.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="$root/build/cli/molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
encoder="${1:?usage: benchmark-pretraining.sh ENCODER.h5 [results-dir]}"
out="${2:-$root/build/pretraining-results}"
threads="${MOLPROP_THREADS:-2}"
mkdir -p "$out"

declare -A target=([esol]=logS [freesolv]=dG_hyd_kcal_mol [lipophilicity]=logD7.4)
declare -A setup=(
  [scratch]=""
  [finetuned]="--from $encoder --encoder-lr-ratio 0.1"
  [frozen-mlp]="--from $encoder --freeze-encoder"
  [frozen-ridge]="--from $encoder --head ridge"
  [frozen-gp]="--from $encoder --head gp"
  [ecfp-ridge]="--head ridge --representation ecfp"
  [ecfp-gp]="--head gp --representation ecfp"
)
start=$(date +%s)
for ds in esol freesolv lipophilicity; do
  [ -f "$out/$ds.h5" ] || "$molprop" featurize --input "$shared/$ds.csv" --output "$out/$ds.h5" \
      --targets "${target[$ds]}" --scaffolds --threads "$threads" --quiet
  for name in scratch finetuned frozen-mlp frozen-ridge frozen-gp ecfp-ridge ecfp-gp; do
    for seed in 0 1 2; do
      dir="$out/$ds-$name-seed$seed"
      [ -f "$dir/metrics.json" ] && continue
      echo "train $ds $name seed=$seed" >&2
      # shellcheck disable=SC2086
      "$molprop" train --data "$out/$ds.h5" --split scaffold --seed "$seed" --output-dir "$dir" \
          --threads "$threads" --quiet ${setup[$name]}
    done
  done
done
"$molprop" analyze --model "$encoder" --input "$shared/esol.csv" --output "$out/oversmoothing.csv" --quiet \
    > "$out/oversmoothing.txt"
elapsed=$(( $(date +%s) - start ))

python3 - "$out" "$elapsed" <<'PY'
import json, statistics, sys
out, elapsed = sys.argv[1], int(sys.argv[2])
names = ["scratch", "finetuned", "frozen-mlp", "frozen-ridge", "frozen-gp", "ecfp-ridge", "ecfp-gp"]
labels = {"scratch": "D-MPNN from scratch", "finetuned": "pretrained + fine-tuned",
          "frozen-mlp": "pretrained, frozen + MLP", "frozen-ridge": "pretrained, frozen + ridge",
          "frozen-gp": "pretrained, frozen + GP", "ecfp-ridge": "ECFP4 + ridge", "ecfp-gp": "ECFP4 + GP (Tanimoto)"}
print("| model (scaffold split, test RMSE) | ESOL | FreeSolv | Lipophilicity |")
print("| --- | ---: | ---: | ---: |")
for name in names:
    cells = []
    for ds in ["esol", "freesolv", "lipophilicity"]:
        vals = []
        for seed in range(3):
            m = json.load(open(f"{out}/{ds}-{name}-seed{seed}/metrics.json"))
            (task, s), = m["summary"]["test"].items()
            vals.append(s["rmse_mean"])
        cells.append(f"{statistics.mean(vals):.3f} ± {statistics.stdev(vals):.3f}")
    print(f"| {labels[name]} | " + " | ".join(cells) + " |")
print(f"\nAll runs took {elapsed // 60} min {elapsed % 60} s on this machine.")
print("\nOversmoothing diagnostic of the pretrained encoder on ESOL (molprop analyze):\n")
print("```")
print(open(f"{out}/oversmoothing.txt").read().rstrip())
print("```")
PY
