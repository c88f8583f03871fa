#!/usr/bin/env bash
# Pilot runs for the foundation encoder (issue 10, part 3). Each pilot pretrains a short run
# on a subset of the corpus, then is judged only by *validation* RMSE of fine-tuning on
# balanced scaffold splits (0.8/0.1/0.1, seeds SEEDS) of ESOL, FreeSolv and Lipophilicity;
# test RMSE is never read here. The score of a run is the mean over the three sets of
# val RMSE / val RMSE from scratch (same split and seed), so < 1 means pretraining helped.
#
# Usage: scripts/foundation-pilots.sh PILOT.h5 WORK-DIR PILOT...
#   PILOT.h5   a featurised corpus subset (molprop featurize --no-targets
#              --descriptor-set rdkit2d-v2 --atom-targets), e.g. the first 100k rows of
#              scripts/build-pretrain-corpus.sh's corpus
#   PILOT      a name below (pretraining flags) optionally followed by @FT, a fine-tuning
#              variant below (default @ft1), e.g. desc-atom@ft01
# Environment: MOLPROP (default build/cli/molprop), MOLPROP_SHARED_DATA_DIR, RANKS (2),
#   SEEDS ("0 1"), PARALLEL (fine-tuning runs at once, default 2, one thread each).
# Output: WORK-DIR/<pilot>/ (run folder, pretrain.log) and one line per pilot and fine-tuning
# variant in WORK-DIR/pilots.tsv; re-running skips what is done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
export MOLPROP="$molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
corpus="${1:?usage: foundation-pilots.sh PILOT.h5 WORK-DIR PILOT...}"
work="${2:?usage: foundation-pilots.sh PILOT.h5 WORK-DIR PILOT...}"
shift 2
ranks="${RANKS:-2}"
seeds="${SEEDS:-0 1}"
parallel="${PARALLEL:-2}"
mkdir -p "$work/data"

# Pretraining recipes: D-MPNN 300×3 unless said otherwise; batch 64 per rank (128 a step).
pilot_flags() {
  local base=(--encoder dmpnn --hidden 300 --depth 3 --batch-size $(( 128 / ranks )) --epochs 1 --log-every 50
              --checkpoint-every 200 --seed 0)
  case "$1" in
    desc)           echo "${base[*]} --objectives descriptors" ;;
    desc-all)       echo "${base[*]} --objectives descriptors --descriptor-fraction 1" ;;
    desc-atom)      echo "${base[*]} --objectives descriptors,atom_descriptors" ;;
    desc-atom-mask) echo "${base[*]} --objectives descriptors,atom_descriptors,masking" ;;
    desc-mask)      echo "${base[*]} --objectives descriptors,masking" ;;
    desc-atom-bf16) echo "${base[*]} --objectives descriptors,atom_descriptors --precision bf16" ;;
    desc-atom-nonorm) echo "${base[*]} --objectives descriptors,atom_descriptors --norm none" ;;
    desc-atom-lr3)  echo "${base[*]} --objectives descriptors,atom_descriptors --lr 3e-4" ;;
    desc-atom-w600) echo "${base[*]/--hidden 300/--hidden 600} --objectives descriptors,atom_descriptors" ;;
    desc-atom-d5)   echo "${base[*]/--depth 3/--depth 5} --objectives descriptors,atom_descriptors --residual" ;;
    *) echo "foundation-pilots.sh: unknown pilot '$1'" >&2; return 2 ;;
  esac
}

# Fine-tuning variants (molprop train flags after --from).
ft_flags() {
  case "$1" in
    ft1)    echo "--encoder-lr-ratio 1" ;;
    ft03)   echo "--encoder-lr-ratio 0.3" ;;
    ft01)   echo "--encoder-lr-ratio 0.1" ;;
    frozen) echo "--freeze-encoder" ;;
    gp)     echo "--head gp" ;;
    *) echo "foundation-pilots.sh: unknown fine-tuning variant '$1'" >&2; return 2 ;;
  esac
}

declare -A target=([esol]=logS [freesolv]=dG_hyd_kcal_mol [lipophilicity]=logD7.4)
sets=(esol freesolv lipophilicity)
for ds in "${sets[@]}"; do
  [ -f "$work/data/$ds.h5" ] || "$molprop" featurize --input "$shared/$ds.csv" --output "$work/data/$ds.h5" \
      --targets "${target[$ds]}" --scaffolds --threads 2 --quiet
done

# Fine-tunes (or, with no --from, trains) every set and seed into DIR/<set>-seed<seed>:
# run_sets DIR [TRAIN-FLAGS...]
run_sets() {
  local dir="$1" queue="$1.queue"
  shift
  : > "$queue"
  for ds in "${sets[@]}"; do
    for seed in $seeds; do
      echo -e "$dir/$ds-seed$seed\t--data $work/data/$ds.h5 --split scaffold --seed $seed $*" >> "$queue"
    done
  done
  mkdir -p "$dir"
  "$root/scripts/run-train-queue.sh" "$queue" "$parallel"
}

# From-scratch baselines for every set and seed.
run_sets "$work/scratch"

[ -f "$work/pilots.tsv" ] || echo -e "pilot\tfinetune\tpretrain_s\tmol_per_s\tesol_val\tfreesolv_val\tlipo_val\tscore" > "$work/pilots.tsv"
for spec in "$@"; do
  name="${spec%@*}"
  ft="ft1"
  [[ "$spec" == *@* ]] && ft="${spec#*@}"
  flags="$(pilot_flags "$name")"
  ftf="$(ft_flags "$ft")"
  run="$work/$name"
  if ! grep -q "^done" "$run/status" 2>/dev/null; then
    mkdir -p "$run"
    resume=()
    [ -f "$run/resume.pt" ] && resume=(--resume)
    echo "pilot $name: pretraining ($flags)" >&2
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$root/scripts/pretrain-ranks.sh" "$ranks" --data "$corpus" --output-dir "$run" $flags "${resume[@]}" \
        > "$run/pretrain.log" 2>&1 || { echo "pilot $name failed (see $run/pretrain.log)" >&2; exit 1; }
    echo "done $(( $(date +%s) - start ))" > "$run/status"
  fi
  secs=$(awk '{print $2}' "$run/status")
  rate=$(awk -F, 'NR > 2 { s += $NF; n++ } END { if (n) printf "%.0f", s / n; else print "" }' "$run/log.csv")
  echo "pilot $name@$ft: fine-tuning" >&2
  # shellcheck disable=SC2086
  run_sets "$run/$ft" --from "$run/encoder.h5" $ftf
  # Mean val RMSE per set, and the score: the mean over sets of val RMSE / scratch val RMSE.
  read -r -a cells <<< "$(python3 - "$run/$ft" "$work/scratch" "${sets[*]}" "$seeds" <<'PY'
import json, sys
pilot, scratch, sets, seeds = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
def val(d):
    (_, s), = json.load(open(f"{d}/metrics.json"))["summary"]["val"].items()
    return s["rmse_mean"]
cells, ratios = [], []
for ds in sets:
    v = sum(val(f"{pilot}/{ds}-seed{s}") for s in seeds)
    r = sum(val(f"{scratch}/{ds}-seed{s}") for s in seeds)
    cells.append("%.4f" % (v / len(seeds)))
    ratios.append(v / r)
print(" ".join(cells + ["%.4f" % (sum(ratios) / len(ratios))]))
PY
)"
  score="${cells[3]}"
  grep -v -P "^$name\t$ft\t" "$work/pilots.tsv" > "$work/pilots.tsv.tmp" || true
  echo -e "$name\t$ft\t$secs\t$rate\t${cells[0]}\t${cells[1]}\t${cells[2]}\t$score" >> "$work/pilots.tsv.tmp"
  mv "$work/pilots.tsv.tmp" "$work/pilots.tsv"
  echo "pilot $name@$ft: val RMSE esol ${cells[0]} freesolv ${cells[1]} lipo ${cells[2]}; score $score (scratch = 1)" >&2
done
column -t -s $'\t' "$work/pilots.tsv"
