#!/usr/bin/env bash
# The foundation encoder's full pretraining run (issue 10): the corpus of
# scripts/build-pretrain-corpus.sh, featurised with the rdkit2d-v2 descriptor set and atom
# targets, then `molprop pretrain` as RANKS data-parallel processes with the recipe the
# pilots chose on validation data (scripts/foundation-pilots.sh; docs/results.md).
# Interrupt it at any point: re-running resumes the featurisation (from scratch, it is
# atomic) or the pretraining (from its last checkpoint, --resume) and adds to the wall time.
#
# Usage: scripts/pretrain-foundation.sh [work-dir]
#   work-dir  default build/foundation: corpus.csv, corpus.h5, run/ (encoder.h5, resume.pt,
#             log.csv), pretrain.log, wall-seconds (all invocations together)
# Environment: MOLPROP (default build/cli/molprop), RANKS (default 2), EPOCHS (default 3),
#   PRECISION (default bf16 where the CPU has native bf16, else fp32), CORPUS (an existing
#   corpus CSV instead of building one), READOUT (default mean_sum_norm, the shipped foundation's
#   since 2026-12-07; mean gives the first foundation's recipe): the pooling the encoder is
#   pretrained with, and the one `train --from` then fine-tunes with unless told otherwise.
# Then: scripts/benchmark-pretraining.sh work-dir/run/encoder.h5, and
#   scripts/ship-foundation.sh work-dir/run work-dir/corpus.h5 work-dir/corpus.csv $(cat work-dir/wall-seconds)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
export MOLPROP="$molprop"
work="${1:-$root/build/foundation}"
ranks="${RANKS:-2}"
epochs="${EPOCHS:-3}"
readout="${READOUT:-mean_sum_norm}"
mkdir -p "$work"
if [ -z "${PRECISION:-}" ]; then
  PRECISION=fp32
  "$molprop" info 2>/dev/null | grep -E "^CPU " | grep -qw avx512_bf16 && PRECISION=bf16
fi

csv="${CORPUS:-$work/corpus.csv}"
[ -f "$csv" ] || "$root/scripts/build-pretrain-corpus.sh" "$csv"
if [ ! -f "$work/corpus.h5" ]; then
  /usr/bin/time -v "$molprop" featurize --input "$csv" --output "$work/corpus.h5" --no-targets \
      --descriptor-set rdkit2d-v2 --atom-targets --threads "$ranks" 2> >(tee "$work/featurize.log" >&2)
fi

resume=()
[ -f "$work/run/resume.pt" ] && resume=(--resume)
# Wall time over all invocations: wall-seconds is rewritten every minute while this runs (and
# at exit), so even a killed session loses at most a minute of the count.
start=$(date +%s)
prev=0
[ -f "$work/wall-seconds" ] && prev=$(cat "$work/wall-seconds")
record_wall() {
  echo $(( prev + $(date +%s) - start )) > "$work/wall-seconds.tmp" && mv "$work/wall-seconds.tmp" "$work/wall-seconds"
}
( while sleep 60; do record_wall; done ) &
ticker=$!
finish() {
  kill "$ticker" 2>/dev/null || true
  record_wall
}
trap finish EXIT
# Recipe (pilots, docs/results.md): D-MPNN 300×3, batch norm, mean + sum/100 readout, descriptors
# (15% of the 332 rdkit2d-v2 targets per molecule per step) + atom-level targets; 128 molecules a step.
"$root/scripts/pretrain-ranks.sh" "$ranks" --data "$work/corpus.h5" --output-dir "$work/run" \
    --encoder dmpnn --hidden 300 --depth 3 --readout "$readout" --objectives descriptors,atom_descriptors \
    --batch-size $(( 128 / ranks )) --epochs "$epochs" --warmup-epochs 0.05 --checkpoint-every 500 \
    --log-every 100 --precision "$PRECISION" --seed 0 "${resume[@]}" 2>&1 | tee -a "$work/pretrain.log" >&2
