#!/usr/bin/env bash
# Pilot runs that choose the default model's training recipe by *validation* RMSE (never
# test): one member (seed 0) per recipe on the joined table of scripts/train-default-model.sh,
# the same scaffold split, EPOCHS epochs (default 15). Prints per-target validation RMSE and
# the score train itself selects epochs by (mean over targets of RMSE / training-label sd),
# as a Markdown table; a finished pilot is reused (delete its folder to redo it).
#
# Usage: scripts/default-model-pilots.sh [NAME=FLAGS ...]
#   default recipes: equal (the loss as before), sqrt and balanced target weights, and
#   descriptors as inputs.   Work files: build/default-model/pilots/NAME.
# Environment: MOLPROP, MOLPROP_THREADS (2), EPOCHS (15).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
work="${MOLPROP_DEFAULT_MODEL_WORK:-$root/build/default-model}"
threads="${MOLPROP_THREADS:-2}"
epochs="${EPOCHS:-15}"
py=/usr/bin/python3
[ -f "$work/all.csv" ] || MOLPROP="$molprop" ONLY_DATA=1 "$root/scripts/train-default-model.sh"
targets="$(head -n 1 "$work/all.csv" | cut -d, -f2-)"  # the table's columns after smiles
if [ $# -eq 0 ]; then
  set -- "equal=--target-weights equal" "sqrt=--target-weights sqrt" "balanced=--target-weights balanced" \
         "descriptors=--features descriptors"
fi
mkdir -p "$work/pilots"
names=()
for spec in "$@"; do
  name="${spec%%=*}"; flags="${spec#*=}"
  names+=("$name")
  out="$work/pilots/$name"
  if [ -f "$out/seconds.txt" ]; then continue; fi
  rm -rf "$out"
  start=$(date +%s)
  echo "default-model-pilots: $name ($flags), $epochs epochs" >&2
  "$molprop" train --data "$work/all.csv" --targets "$targets" --from foundation --split scaffold \
      --ensemble-size 1 --seed 0 --epochs "$epochs" --output-dir "$out" --threads "$threads" --quiet $flags
  echo $(( $(date +%s) - start )) > "$out/seconds.txt"
done
$py - "$work" "$targets" "${names[@]}" <<'PY'
import json, statistics, sys
import h5py, numpy as np
work, targets, names = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
# Training-label sd per target (the scale the score divides by), from the run's own dataset
# and training split, as train does.
split = json.load(open(f"{work}/pilots/{names[0]}/splits.json"))[0]
with h5py.File(f"{work}/pilots/{names[0]}/data.h5", "r") as f:
    y = f["targets"][:][sorted(split["train"])]
    order = json.loads(f.attrs["target_names"])
sd = {t: float(np.nanstd(y[:, order.index(t)])) for t in targets}
print("| recipe | " + " | ".join(targets) + " | score (mean RMSE/sd) | best epoch | s |")
print("|---" * (len(targets) + 4) + "|")
for n in names:
    m = json.load(open(f"{work}/pilots/{n}/metrics.json"))["folds"][0]["members"][0]
    val = m["metrics"]["val"]
    score = statistics.fmean(val[t]["rmse"] / sd[t] for t in targets)
    secs = open(f"{work}/pilots/{n}/seconds.txt").read().strip()
    print(f"| {n} | " + " | ".join(f"{val[t]['rmse']:.3f}" for t in targets) +
          f" | {score:.4f} | {m['best_epoch']} | {secs} |")
PY
