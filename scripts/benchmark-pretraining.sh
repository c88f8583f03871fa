#!/usr/bin/env bash
# Produces the foundation-encoder table in docs/results.md: test RMSE (mean ± sd over SEEDS)
# with balanced scaffold 0.8/0.1/0.1 splits on ESOL, FreeSolv, Lipophilicity, opera_logp and
# bradley_mp, for: training from scratch; from scratch + RDKit descriptor features; the
# pretrained encoder fine-tuned (molprop train --from's defaults); the frozen encoder with
# MLP, ridge and GP heads; ECFP4 + GP. Defaults only: every choice was made on validation
# data (scripts/foundation-pilots.sh), nothing here is tuned on test data.
#
# Usage: scripts/benchmark-pretraining.sh [ENCODER] [results-dir]
#   ENCODER      a pretrained checkpoint .h5, or foundation (the shipped encoder; default)
#   results-dir  default build/pretraining-results; re-running skips finished runs
# Environment: MOLPROP (default build/cli/molprop), MOLPROP_SHARED_DATA_DIR, SEEDS ("0 1 2"),
#   DATASETS ("esol freesolv lipophilicity opera_logp bradley_mp"), ROWS (the row names below;
#   finetuned-lr01 / finetuned-lr1 pin the encoder learning-rate ratio that chose the default,
#   finetuned-lr3 / finetuned-lr10 the higher ratios of "The encoder's learning rate, and two ways
#   to hold the encoder near its pretrained weights";
#   finetuned-ep60, -ep100, -bs32, -ep60-bs32, -drop01, -lr5e4 and scratch-ep60 are the
#   fine-tuning pilots of docs/results.md, "Fine-tuning, second look"; finetuned-sum,
#   finetuned-attn, scratch-sum, finetuned-meansum, finetuned-meansumnorm and scratch-meansum
#   the readout pilots, "The readout of a fine-tuned foundation"),
#   PARALLEL (training runs at once, one thread each; default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
export MOLPROP="$molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
encoder="${1:-foundation}"
out="${2:-$root/build/pretraining-results}"
seeds="${SEEDS:-0 1 2}"
datasets="${DATASETS:-esol freesolv lipophilicity opera_logp bradley_mp}"
rows="${ROWS:-scratch scratch-desc finetuned frozen-mlp frozen-ridge frozen-gp ecfp-gp}"
parallel="${PARALLEL:-2}"
mkdir -p "$out"

declare -A target=([esol]=logS [freesolv]=dG_hyd_kcal_mol [lipophilicity]=logD7.4 [opera_logp]=logP
                   [bradley_mp]=mp_C)
# Every row once: its name, its label in the tables, and its `molprop train` options.
declare -A setup label
row() { label[$1]=$2; setup[$1]=$3; }
row scratch             "D-MPNN from scratch"                          ""
row scratch-desc        "from scratch + descriptor features"           "--features descriptors"
row finetuned           "foundation, fine-tuned"                       "--from $encoder"
row finetuned-desc      "foundation, fine-tuned + descriptor features" "--from $encoder --features descriptors"
row finetuned-ep60      "foundation, fine-tuned, 60 epochs"            "--from $encoder --epochs 60"
row finetuned-ep100     "foundation, fine-tuned, 100 epochs"           "--from $encoder --epochs 100"
row finetuned-ep60-bs32 "foundation, fine-tuned, 60 epochs, batch 32"  "--from $encoder --epochs 60 --batch-size 32"
row scratch-ep60        "D-MPNN from scratch, 60 epochs"               "--epochs 60"
row finetuned-drop01    "foundation, fine-tuned, dropout 0.1"          "--from $encoder --dropout 0.1"
row finetuned-lr5e4     "foundation, fine-tuned, lr 5e-4"              "--from $encoder --lr 5e-4"
row finetuned-bs32      "foundation, fine-tuned, batch 32"             "--from $encoder --batch-size 32"
row finetuned-sum       "foundation, fine-tuned, sum readout"          "--from $encoder --readout sum"
row finetuned-attn      "foundation, fine-tuned, attention readout"    "--from $encoder --readout attention"
row scratch-sum         "D-MPNN from scratch, sum readout"             "--readout sum"
row finetuned-meansum   "foundation, fine-tuned, mean + sum readout"   "--from $encoder --readout mean_sum"
row finetuned-meansumnorm "foundation, fine-tuned, mean + sum/100 readout" "--from $encoder --readout mean_sum_norm"
row scratch-meansum     "D-MPNN from scratch, mean + sum readout"      "--readout mean_sum"
row finetuned-lr01      "foundation, fine-tuned, encoder lr × 0.1"     "--from $encoder --encoder-lr-ratio 0.1"
row finetuned-lr1       "foundation, fine-tuned, encoder lr × 1"       "--from $encoder --encoder-lr-ratio 1"
row finetuned-lr3       "foundation, fine-tuned, encoder lr × 3"       "--from $encoder --encoder-lr-ratio 3"
row finetuned-lr10      "foundation, fine-tuned, encoder lr × 10"      "--from $encoder --encoder-lr-ratio 10"
row frozen-mlp          "foundation, frozen + MLP"                     "--from $encoder --freeze-encoder"
row frozen-ridge        "foundation, frozen + ridge"                   "--from $encoder --head ridge"
row frozen-gp           "foundation, frozen + GP"                      "--from $encoder --head gp"
row ecfp-ridge          "ECFP4 + ridge"                                "--head ridge --representation ecfp"
row ecfp-gp             "ECFP4 + GP (Tanimoto)"                        "--head gp --representation ecfp"
for name in $rows; do
  [ -n "${setup[$name]+x}" ] || { echo "benchmark-pretraining.sh: unknown row '$name'" >&2; exit 2; }
done
start=$(date +%s)
queue="$out/queue.txt"
: > "$queue"
for ds in $datasets; do
  [ -n "${target[$ds]:-}" ] || { echo "benchmark-pretraining.sh: unknown dataset '$ds'" >&2; exit 2; }
  # --descriptors: the scratch-desc row's features (the other rows ignore them).
  [ -f "$out/$ds.h5" ] || "$molprop" featurize --input "$shared/$ds.csv" --output "$out/$ds.h5" \
      --targets "${target[$ds]}" --scaffolds --descriptors --threads 2 --quiet
  for name in $rows; do
    for seed in $seeds; do
      echo -e "$out/$ds-$name-seed$seed\t--data $out/$ds.h5 --split scaffold --seed $seed ${setup[$name]}" >> "$queue"
    done
  done
done
"$root/scripts/run-train-queue.sh" "$queue" "$parallel"
oversmoothing="$out/oversmoothing.txt"
if [[ " $rows " =~ \ (finetuned|frozen) ]] && [ ! -f "$oversmoothing" ]; then
  "$molprop" analyze --model "$encoder" --input "$shared/esol.csv" --output "$out/oversmoothing.csv" --quiet \
      > "$oversmoothing"
fi
elapsed=$(( $(date +%s) - start ))

row_labels=()
for name in $rows; do row_labels+=("${label[$name]}"); done
python3 - "$out" "$elapsed" "$datasets" "$rows" "$seeds" "${row_labels[@]}" <<'PY'
import json, statistics, sys
out, elapsed = sys.argv[1], int(sys.argv[2])
datasets, rows, seeds = sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split()
labels = dict(zip(rows, sys.argv[6:]))
names = {"esol": "ESOL", "freesolv": "FreeSolv", "lipophilicity": "Lipophilicity",
         "opera_logp": "opera_logp", "bradley_mp": "bradley_mp (°C)"}
# Validation first (what choices may look at), then test.
for part in ["val", "test"]:
    print(f"| model (scaffold split, {part} RMSE, {len(seeds)} seeds) | " + " | ".join(names[d] for d in datasets) + " |")
    print("| --- |" + " ---: |" * len(datasets))
    for name in rows:
        cells = []
        for ds in datasets:
            vals = []
            for seed in seeds:
                m = json.load(open(f"{out}/{ds}-{name}-seed{seed}/metrics.json"))
                (task, s), = m["summary"][part].items()
                vals.append(s["rmse_mean"])
            sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
            cells.append(f"{statistics.mean(vals):.3f} ± {sd:.3f}")
        print(f"| {labels[name]} | " + " | ".join(cells) + " |")
    print()
print(f"\nAll runs took {elapsed // 60} min {elapsed % 60} s on this machine.")
import os
if os.path.exists(f"{out}/oversmoothing.txt"):
    print("\nOversmoothing diagnostic of the encoder on ESOL (molprop analyze):\n")
    print("```")
    print(open(f"{out}/oversmoothing.txt").read().rstrip())
    print("```")
PY
