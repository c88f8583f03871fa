#!/usr/bin/env bash
# Data-parallel scaling of `molprop pretrain` on this machine: 1 process × 1 thread vs
# 2 processes × 1 thread (c10d/Gloo on loopback), same per-rank batch, same number of steps.
# Throughput is read from log.csv (molecules/s over all ranks, mean of the logged windows
# after the first); the scaling ratio is 2-process / 1-process throughput (ideal 2.0).
#
# Usage: bench/bench_distributed.sh [corpus.h5] [steps]   (default: build/pretrain/corpus.h5, 300)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="$root/build/cli/molprop"
corpus="${1:-$root/build/pretrain/corpus.h5}"
steps="${2:-300}"
work="$root/build/bench-distributed"
rm -rf "$work" && mkdir -p "$work"
args=(pretrain --data "$corpus" --encoder dmpnn --objectives masking,descriptors --batch-size 128
      --log-every 25 --checkpoint-every 100000 --stop-after-steps "$steps" --threads 1 --quiet)

rate() {  # mean molecules/s of log.csv windows after the first
  awk -F, 'NR > 2 { s += $NF; n++ } END { printf "%.0f", s / n }' "$1/log.csv"
}

"$molprop" "${args[@]}" --output-dir "$work/one"
one=$(rate "$work/one")

port=$(( 20000 + RANDOM % 20000 ))
for r in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r "$molprop" "${args[@]}" --output-dir "$work/two" &
done
wait
two=$(rate "$work/two")
echo "pretrain throughput, 1 process x 1 thread:  $one mol/s"
echo "pretrain throughput, 2 processes x 1 thread: $two mol/s (both ranks together)"
awk -v a="$one" -v b="$two" 'BEGIN { printf "scaling ratio 2/1 processes: %.2f (ideal 2.00)\n", b / a }'
