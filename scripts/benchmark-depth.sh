#!/usr/bin/env bash
# The depth table of docs/results.md: D-MPNN from scratch at several depths, plain, with
# residual connections + jumping knowledge (sum), and with a virtual node, on balanced
# scaffold 0.8/0.1/0.1 splits: validation and test RMSE (mean ± sd over SEEDS), and the
# oversmoothing diagnostic (`molprop analyze`: mean within-molecule cosine of the atom
# states after the first and the last layer) of each seed-0 model on the dataset's molecules.
# Defaults only (30 epochs, Chemprop's schedule): nothing is tuned here.
#
# Usage: scripts/benchmark-depth.sh [results-dir]   (default build/depth-results; re-running
#   skips finished runs)
# Environment: MOLPROP, MOLPROP_SHARED_DATA_DIR, DATASETS ("esol lipophilicity"), DEPTHS
#   ("2 3 4 6 8 12"), VARIANTS ("plain residual-jk virtual-node"), SEEDS ("0 1 2"), PARALLEL (2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
export MOLPROP="$molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
out="${1:-$root/build/depth-results}"
datasets="${DATASETS:-esol lipophilicity}"
depths="${DEPTHS:-2 3 4 6 8 12}"
variants="${VARIANTS:-plain residual-jk virtual-node}"
seeds="${SEEDS:-0 1 2}"
parallel="${PARALLEL:-2}"
mkdir -p "$out"

declare -A target=([esol]=logS [lipophilicity]=logD7.4 [freesolv]=dG_hyd_kcal_mol)
declare -A setup=([plain]="" [residual-jk]="--residual --jk sum" [virtual-node]="--virtual-node")
start=$(date +%s)
queue="$out/queue.txt"
: > "$queue"
for ds in $datasets; do
  [ -n "${target[$ds]:-}" ] || { echo "benchmark-depth.sh: unknown dataset '$ds'" >&2; exit 2; }
  [ -f "$out/$ds.h5" ] || "$molprop" featurize --input "$shared/$ds.csv" --output "$out/$ds.h5" \
      --targets "${target[$ds]}" --scaffolds --threads 2 --quiet
  for variant in $variants; do
    [ -n "${setup[$variant]+x}" ] || { echo "benchmark-depth.sh: unknown variant '$variant'" >&2; exit 2; }
    for depth in $depths; do
      for seed in $seeds; do
        echo -e "$out/$ds-$variant-d$depth-seed$seed\t--data $out/$ds.h5 --split scaffold --seed $seed --depth $depth ${setup[$variant]}" >> "$queue"
      done
    done
  done
done
"$root/scripts/run-train-queue.sh" "$queue" "$parallel"
first_seed="${seeds%% *}"
for ds in $datasets; do
  for variant in $variants; do
    for depth in $depths; do
      run="$out/$ds-$variant-d$depth-seed$first_seed"
      [ -f "$run.analyze.txt" ] || "$molprop" analyze --model "$run" --input "$shared/$ds.csv" --quiet \
          > "$run.analyze.txt"
    done
  done
done
elapsed=$(( $(date +%s) - start ))

/usr/bin/python3 - "$out" "$elapsed" "$datasets" "$variants" "$depths" "$seeds" <<'PY'
import json, statistics, sys
out, elapsed = sys.argv[1], int(sys.argv[2])
datasets, variants, depths, seeds = (a.split() for a in sys.argv[3:7])
names = {"esol": "ESOL", "lipophilicity": "Lipophilicity", "freesolv": "FreeSolv"}

def rmse(ds, variant, depth, part):
    vals = []
    for seed in seeds:
        m = json.load(open(f"{out}/{ds}-{variant}-d{depth}-seed{seed}/metrics.json"))
        (_, s), = m["summary"][part].items()
        vals.append(s["rmse_mean"])
    return statistics.mean(vals), statistics.stdev(vals) if len(vals) > 1 else 0.0

def cosines(ds, variant, depth):
    rows = [l.split() for l in open(f"{out}/{ds}-{variant}-d{depth}-seed{seeds[0]}.analyze.txt")
            if l and l[0].isdigit()]
    return float(rows[0][1]), float(rows[-1][1])

for part in ["val", "test"]:
    print(f"| variant | depth | " + " | ".join(f"{names[d]} {part} RMSE" for d in datasets) +
          (" | " + " | ".join(f"{names[d]} cosine first → last layer" for d in datasets) if part == "test" else "") + " |")
    print("| --- | ---: |" + " ---: |" * (len(datasets) * (2 if part == "test" else 1)))
    for variant in variants:
        for depth in depths:
            cells = [f"{m:.3f} ± {s:.3f}" for m, s in (rmse(d, variant, depth, part) for d in datasets)]
            if part == "test":
                cells += [f"{a:.3f} → {b:.3f}" for a, b in (cosines(d, variant, depth) for d in datasets)]
            print(f"| {variant} | {depth} | " + " | ".join(cells) + " |")
    print()
print(f"All runs took {elapsed // 60} min {elapsed % 60} s on this machine ({len(seeds)} seeds, PARALLEL runs at once).")
PY
