#!/usr/bin/env bash
# Builds the foundation-encoder pretraining corpus: every unlabelled file of the shared data
# folder plus the SMILES of every labelled file (labels unused), deduplicated by RDKit
# canonical isomeric SMILES, with the two sources of tiny molecules capped so they do not
# dominate. Writes one CSV (columns smiles,source; canonical SMILES; shuffled with a fixed
# seed so that streamed pretraining batches mix the sources) and prints its sha256.
#
# Usage: scripts/build-pretrain-corpus.sh [output.csv] [work-dir]
#   output.csv  default build/pretrain-corpus/corpus.csv (never inside the source tree)
#   work-dir    default: the output's folder; holds canon/<source>.csv (molprop canonicalize
#               output, one line per input row) and counts.tsv
# Environment: MOLPROP (the molprop executable, default build/cli/molprop),
#   MOLPROP_SHARED_DATA_DIR (default ../shared/data), MOLPROP_THREADS (default 2),
#   QM9_CAP (default 25000), GDB_CAP (default 10000), CORPUS_SEED (default 1).
# Needs only molprop, bash and GNU coreutils/awk/gzip (no python).
#
# Sampling plan (docs/results.md, "Pretraining corpus"). Sources are taken in this priority
# order; a molecule already taken from an earlier source is a duplicate of it and is counted
# there only:
#   zinc250k, moses_test, moses_test_scaffolds, chembl, pubchem_muv, hiv_tox21_toxcast,
#   npatlas, the labelled files (esol, freesolv, lipophilicity, opera_logp, bradley_mp,
#   opera_henry, opera_koa, opera_pka_acidic, opera_pka_basic), then qm9 and gdb_hydrocarbons.
# Every source is kept whole except qm9 (≤ 9 heavy atoms, C/N/O/F) and gdb_hydrocarbons
# (C and H only): of their molecules not already in an earlier source, a fixed-seed random
# QM9_CAP and GDB_CAP are kept (about 2% and 1% of the corpus), so they still teach the
# small-molecule end of descriptor space without outweighing drug-like chemistry.
# ChEMBL-derived rows (source "chembl") are CC BY-SA 3.0: attribute ChEMBL (EMBL-EBI) in
# any use of the corpus, and share derivatives of it under the same licence.
#
# Result on the shared data folder (docs/results.md): 1,124,372 molecules, 11.5 min with
# 2 threads; per source kept: zinc250k 249,456, moses_test 174,787, moses_test_scaffolds
# 174,908, chembl 288,046, pubchem_muv 88,909, hiv_tox21_toxcast 44,510, npatlas 36,191,
# labelled files 32,565, qm9 25,000, gdb_hydrocarbons 10,000.
#
# Resumable and idempotent: each source's canonicalisation is written atomically and
# skipped when present; the corpus itself is rebuilt from them (seconds) and is identical on
# every run with the same inputs, caps and seed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
output="${1:-$root/build/pretrain-corpus/corpus.csv}"
work="${2:-$(dirname "$output")}"
threads="${MOLPROP_THREADS:-2}"
qm9_cap="${QM9_CAP:-25000}"
gdb_cap="${GDB_CAP:-10000}"
seed="${CORPUS_SEED:-1}"

case "$(realpath -m "$(dirname "$output")")/" in
  "$root"/build/* | "$root"/build/ | "$root"/build-*/*) ;;
  "$root"/*) echo "build-pretrain-corpus: write the corpus under build/ (or another build-*/ folder) or outside the repository, not $output" >&2
    exit 2 ;;
esac
[ -x "$molprop" ] || { echo "build-pretrain-corpus: no molprop executable at $molprop (build it, or set MOLPROP)" >&2; exit 2; }
mkdir -p "$work/canon" "$(dirname "$output")"

unlabelled=(zinc250k moses_test moses_test_scaffolds chembl pubchem_muv hiv_tox21_toxcast npatlas)
labelled=(esol freesolv lipophilicity opera_logp bradley_mp opera_henry opera_koa opera_pka_acidic opera_pka_basic)
capped=(qm9 gdb_hydrocarbons)
sources=("${unlabelled[@]}" "${labelled[@]}" "${capped[@]}")

input_of() {
  if [ -f "$shared/$1.csv.gz" ]; then echo "$shared/$1.csv.gz"; else echo "$shared/$1.csv"; fi
}

start=$(date +%s)
# 1. Canonical SMILES of every row of every source (the slow part: RDKit parses each SMILES).
k=0
for s in "${sources[@]}"; do
  k=$((k + 1))
  in="$(input_of "$s")"
  [ -f "$in" ] || { echo "build-pretrain-corpus: missing source file $in" >&2; exit 1; }
  out="$work/canon/$s.csv"
  if [ -f "$out" ]; then
    echo "[$k/${#sources[@]}] $s: canonicalised already ($out)" >&2
    continue
  fi
  echo "[$k/${#sources[@]}] $s: canonicalising $in" >&2
  "$molprop" canonicalize --input "$in" --output "$out" --threads "$threads"
done

# 2. Deduplicate in priority order, cap qm9 and gdb_hydrocarbons, shuffle, write.
# A readable row of canon/<s>.csv ends in an empty error cell, so its canonical SMILES is the
# last comma-separated field before that trailing comma (canonical SMILES hold no commas).
echo "building the corpus from $work/canon" >&2
tmp="$output.tmp.$$"
trap 'rm -f "$tmp" "$tmp".*' EXIT
random_source() { yes "molprop-pretrain-corpus-seed-$seed"; }
: > "$tmp.seen"
printf 'source\trows\tunreadable\tduplicates\tcapped_away\tkept\n' > "$tmp.counts"
for s in "${sources[@]}"; do
  canon="$work/canon/$s.csv"
  rows=$(($(wc -l < "$canon") - 1))
  # New molecules of this source: readable, not seen in an earlier source, first occurrence.
  awk -F, 'FILENAME == ARGV[1] { seen[$0] = 1; next }
           FNR > 1 && /,$/ { line = $0; sub(/,$/, "", line); n = split(line, f, ",");
                             if (f[n] != "" && !(f[n] in seen)) { seen[f[n]] = 1; print f[n] } }' \
      "$tmp.seen" "$canon" > "$tmp.new"
  readable=$(awk -F, 'FNR > 1 && /,$/ { line = $0; sub(/,$/, "", line); n = split(line, f, ","); if (f[n] != "") c++ }
                      END { print c + 0 }' "$canon")
  new=$(wc -l < "$tmp.new")
  cap=""
  [ "$s" = qm9 ] && cap="$qm9_cap"
  [ "$s" = gdb_hydrocarbons ] && cap="$gdb_cap"
  if [ -n "$cap" ] && [ "$new" -gt "$cap" ]; then
    # sort first: the sample depends on the set of molecules, not on the file's order.
    LC_ALL=C sort "$tmp.new" | shuf -n "$cap" --random-source=<(random_source) > "$tmp.kept"
  else
    cp "$tmp.new" "$tmp.kept"
  fi
  kept=$(wc -l < "$tmp.kept")
  # Every molecule of the source counts as seen (also the capped-away ones), so a later
  # source cannot bring them back.
  cat "$tmp.new" >> "$tmp.seen"
  awk -v s="$s" '{ print $0 "," s }' "$tmp.kept" >> "$tmp.rows"
  printf '%s\t%d\t%d\t%d\t%d\t%d\n' "$s" "$rows" $((rows - readable)) $((readable - new)) $((new - kept)) "$kept" \
      >> "$tmp.counts"
  echo "  $s: $rows rows, $((rows - readable)) unreadable, $((readable - new)) duplicates, $((new - kept)) capped away, $kept kept" >&2
done
{ echo "smiles,source"
  LC_ALL=C sort "$tmp.rows" | shuf --random-source=<(random_source)
} > "$tmp"
mv "$tmp" "$output"
total=$(awk 'NR > 1 { n += $6 } END { print n }' "$tmp.counts")
printf 'total\t\t\t\t\t%d\n' "$total" >> "$tmp.counts"
mv "$tmp.counts" "$work/counts.tsv"
echo "corpus: $total molecules from ${#sources[@]} sources in $(( $(date +%s) - start )) s → $output (counts: $work/counts.tsv)" >&2
sha256sum "$output"
