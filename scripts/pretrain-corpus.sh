#!/usr/bin/env bash
# Builds the pretraining corpus from ../shared/data (zinc250k + both MOSES test files,
# ~600k molecules) and pretrains the default encoder on it with molprop's own commands.
#
# Usage: scripts/pretrain-corpus.sh [work-dir] [epochs]
#   work-dir defaults to build/pretrain; the encoder lands in <work-dir>/run/encoder.h5.
# Re-running resumes an interrupted pretraining run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="$root/build/cli/molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
work="${1:-$root/build/pretrain}"
epochs="${2:-3}"
threads="${MOLPROP_THREADS:-2}"
mkdir -p "$work"

if [ ! -f "$work/corpus.h5" ]; then
  # One CSV stream: zinc250k's header, then every file's rows.
  { zcat "$shared/zinc250k.csv.gz"
    zcat "$shared/moses_test.csv.gz" | tail -n +2
    zcat "$shared/moses_test_scaffolds.csv.gz" | tail -n +2
  } | gzip -1 > "$work/corpus.csv.gz"
  /usr/bin/time -v "$molprop" featurize --input "$work/corpus.csv.gz" --output "$work/corpus.h5" \
      --no-targets --descriptors --threads "$threads" 2> >(tee "$work/featurize.log" >&2)
fi

resume=()
[ -f "$work/run/resume.pt" ] && resume=(--resume)
start=$(date +%s)
"$molprop" pretrain --data "$work/corpus.h5" --output-dir "$work/run" \
    --encoder dmpnn --objectives masking,descriptors --epochs "$epochs" --batch-size 128 \
    --checkpoint-every 500 --threads "$threads" "${resume[@]}"
echo "pretraining wall time: $(( $(date +%s) - start )) s" | tee -a "$work/run/time.txt" >&2
