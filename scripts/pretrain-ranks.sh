#!/usr/bin/env bash
# Runs `molprop pretrain ARGS...` as RANKS data-parallel processes on this machine (c10d/Gloo
# over loopback; docs/distributed.md), one LibTorch thread each — on a small CPU machine
# this beats one process with several threads (docs/performance.md, "Data-parallel
# pretraining"). Rank 0 prints and writes the run folder; the exit status is the first
# failing rank's, and a failing rank stops the others.
#
# Usage: scripts/pretrain-ranks.sh RANKS ARGS...     (ARGS: molprop pretrain's flags)
# Environment: MOLPROP (default build/cli/molprop).
# Example: scripts/pretrain-ranks.sh 2 --data corpus.h5 --output-dir runs/pt --resume
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
ranks="${1:?usage: pretrain-ranks.sh RANKS ARGS...}"
shift
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || { echo "pretrain-ranks.sh: RANKS must be a positive integer, got '$ranks'" >&2; exit 2; }
if [ "$ranks" -eq 1 ]; then
  exec "$molprop" pretrain "$@" --threads 1
fi
port=$(( 20000 + RANDOM % 20000 ))
pids=()
for (( r = 0; r < ranks; ++r )); do
  extra=()
  [ "$r" -gt 0 ] && extra=(--quiet)
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=$ranks RANK=$r \
      "$molprop" pretrain "$@" --threads 1 "${extra[@]}" &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' INT TERM
status=0
for pid in "${pids[@]}"; do
  rc=0
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$status" -eq 0 ] && status=$rc
    kill "${pids[@]}" 2>/dev/null || true
  fi
done
exit "$status"
