#!/usr/bin/env bash
# Accuracy of reduced precision (issue "Speed", docs/performance.md):
#  1. predictions: the shipped default model on the first N ZINC molecules with
#     --precision fp32 and bf16; mean and max |bf16 − fp32| per output column.
#  2. training: ESOL and Lipophilicity, scaffold split, seeds 0 1 2, 30 epochs, with
#     --precision fp32 (reference path) and bf16 (oneDNN, fp32 accumulation); test RMSE
#     and wall time per run, mean ± sd per precision. (`auto` trains on whichever of the two
#     models::resolve_precision picks for training.)
# Usage: bench/bench_precision.sh [build dir=build] [N=10000] [epochs=30]
set -euo pipefail
B="${1:-build}"; N="${2:-10000}"; EPOCHS="${3:-30}"
M="$B/cli/molprop"; D="$(cd "$(dirname "$0")/../.." && pwd)/shared/data"
T="$(mktemp -d)"; trap 'rm -rf "$T"' EXIT
[ -x "$M" ] || { echo "bench_precision: no $M (build first)" >&2; exit 1; }

echo "## predictions: default model, $N ZINC molecules, fp32 vs bf16"
{ zcat "$D/zinc250k.csv.gz" || true; } | head -n $((N + 1)) | cut -d, -f1 > "$T/zinc.csv"  # zcat ends on SIGPIPE
"$M" predict "$T/zinc.csv" --precision fp32 --threads 2 --quiet -o "$T/fp32.csv"
"$M" predict "$T/zinc.csv" --precision bf16 --threads 2 --quiet -o "$T/bf16.csv"
# Numeric columns (the header's quoted units have no commas); CSV cells here have no quotes.
paste -d'|' "$T/fp32.csv" "$T/bf16.csv" | awk -F'|' '
  NR == 1 { n = split($1, h, ","); next }
  { split($1, a, ","); split($2, b, ",");
    for (i = 2; i <= n; i++) if (a[i] ~ /^-?[0-9.]+(e-?[0-9]+)?$/ && b[i] != "") {
      d = a[i] - b[i]; if (d < 0) d = -d; s[i] += d; c[i]++; if (d > m[i]) m[i] = d } }
  END { printf "%-32s %10s %10s %8s\n", "column", "mean |d|", "max |d|", "rows";
        for (i = 2; i <= n; i++) if (c[i]) printf "%-32s %10.4f %10.4f %8d\n", h[i], s[i] / c[i], m[i], c[i] }'

echo
echo "## training: scaffold split, $EPOCHS epochs, test RMSE"
printf "%-14s %-6s %-5s %8s %8s\n" dataset prec seed rmse seconds
for data in esol lipophilicity; do
  for prec in fp32 bf16; do
    for seed in 0 1 2; do
      start=$(date +%s.%N)
      "$M" train --data "$D/$data.csv" --split scaffold --seed $seed --epochs "$EPOCHS" --threads 2 \
        --precision $prec -o "$T/run_${data}_${prec}_$seed" > "$T/log" 2>&1
      secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
      # The summary line: "  test  <target>  RMSE 0.6733 ± 0.0000   MAE ..."
      rmse=$(awk '$1 == "test" { for (i = 1; i < NF; i++) if ($i == "RMSE") { print $(i + 1); exit } }' "$T/log")
      printf "%-14s %-6s %-5s %8s %8.1f\n" "$data" "$prec" "$seed" "$rmse" "$secs"
    done
  done
done | tee "$T/train.txt"
echo
awk '$4 ~ /^[0-9.]+$/ { k = $1 " " $2; s[k] += $4; q[k] += $4 * $4; c[k]++; t[k] += $5 }
     END { for (k in s) { m = s[k] / c[k]; v = q[k] / c[k] - m * m; if (v < 0) v = 0;
           printf "%-22s RMSE %.4f ± %.4f  (%d seeds, %.1f s each)\n", k, m, sqrt(v * c[k] / (c[k] - 1)), c[k], t[k] / c[k] } }' \
  "$T/train.txt" | sort
