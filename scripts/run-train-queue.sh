#!/usr/bin/env bash
# Runs a queue of `molprop train` runs, PARALLEL at once, one thread each: one line per run,
# "OUTPUT-DIR<TAB>FLAGS". A run whose OUTPUT-DIR/metrics.json exists is skipped and one
# that a killed queue left unfinished is started again (so a re-run resumes the queue); each run's stderr goes to OUTPUT-DIR.log; the first failure
# is named and makes the exit status non-zero. Shared by scripts/benchmark-pretraining.sh and
# scripts/foundation-pilots.sh.
#
# Usage: scripts/run-train-queue.sh QUEUE-FILE [PARALLEL]   (MOLPROP: the molprop executable)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export MOLPROP="${MOLPROP:-$root/build/cli/molprop}"
queue="${1:?usage: run-train-queue.sh QUEUE-FILE [PARALLEL]}"
parallel="${2:-2}"
[ -s "$queue" ] || exit 0
tr '\n' '\0' < "$queue" | xargs -0 -P "$parallel" -I{} bash -c '
  line="$1"; dir="${line%%$'"'"'\t'"'"'*}"; flags="${line#*$'"'"'\t'"'"'}"
  [ -f "$dir/metrics.json" ] && exit 0
  # A run folder left by a killed run of this queue (molprop train wrote command.txt, never
  # metrics.json) is removed so that the run starts again.
  [ -f "$dir/command.txt" ] && rm -rf "$dir"
  echo "train $(basename "$dir")" >&2
  # shellcheck disable=SC2086
  "$MOLPROP" train $flags --output-dir "$dir" --threads 1 --quiet > "$dir.log" 2>&1 \
      || { echo "failed: $dir (see $dir.log)" >&2; exit 1; }' _ {}
