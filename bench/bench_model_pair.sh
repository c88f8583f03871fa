#!/usr/bin/env bash
# Prediction speed of two model folders in one run (issue "Speed", docs/performance.md):
# the first N ZINC molecules through `molprop predict` with model A, then B, alternating R
# rounds so that the machine's load falls on both alike; prints each round's mol/s (wall
# clock of the whole command: parse, descriptors, ensemble, domain, CSV) and the ratio of
# the medians, B / A.
# Usage: bench/bench_model_pair.sh MODEL_A MODEL_B [build dir=build] [N=20000] [R=3] [threads=2]
# Two binaries instead (the same model twice, a change measured against the one before it):
#   MOLPROP_A=/tmp/molprop-before bench/bench_model_pair.sh M M build  (B runs the build's)
set -euo pipefail
A="$1"; B="$2"; BUILD="${3:-build}"; N="${4:-20000}"; R="${5:-3}"; THREADS="${6:-2}"
M="$BUILD/cli/molprop"; MA="${MOLPROP_A:-$M}"; MB="${MOLPROP_B:-$M}"; D="$(cd "$(dirname "$0")/../.." && pwd)/shared/data"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
for m in "$MA" "$MB"; do [ -x "$m" ] || { echo "bench_model_pair: no $m (build first)" >&2; exit 1; }; done
{ zcat "$D/zinc250k.csv.gz" || true; } | head -n $((N + 1)) | cut -d, -f1 > "$T/zinc.csv"  # zcat ends on SIGPIPE
rate() {  # binary, model → molecules per second of one predict run
  local start end
  start=$(date +%s.%N)
  "$1" predict --model "$2" "$T/zinc.csv" --threads "$THREADS" --quiet -o "$T/out.csv"
  end=$(date +%s.%N)
  awk -v n="$N" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}
echo "A: $MA --model $A"; echo "B: $MB --model $B"; echo "$N ZINC molecules, $THREADS threads, $R rounds"
ra=(); rb=()
for ((i = 1; i <= R; i++)); do
  a=$(rate "$MA" "$A"); b=$(rate "$MB" "$B"); ra+=("$a"); rb+=("$b")
  echo "round $i: A $a mol/s, B $b mol/s"
done
median() { printf "%s\n" "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ma=$(median "${ra[@]}"); mb=$(median "${rb[@]}")
awk -v a="$ma" -v b="$mb" 'BEGIN { printf "median: A %.0f mol/s, B %.0f mol/s, B / A = %.2f\n", a, b, b / a }'
