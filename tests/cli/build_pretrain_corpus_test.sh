#!/usr/bin/env bash
# scripts/build-pretrain-corpus.sh on a tiny fake shared-data folder: every source is read,
# duplicates across sources are counted once (in the earliest source), unreadable rows are
# counted and left out, qm9 and gdb_hydrocarbons are capped, a second run reuses the
# canonicalised sources and writes a byte-identical corpus.
# Usage: build_pretrain_corpus_test.sh <molprop> <repo root> <scratch dir>
set -euo pipefail
molprop="$1"; root="$2"; work="$3"
rm -rf "$work"; mkdir -p "$work/shared"
fail() { echo "FAIL: $*" >&2; exit 1; }
gz() { printf "$2" | gzip -n > "$work/shared/$1.csv.gz"; }
gz zinc250k 'smiles\nCCO\nc1ccccc1\n'
gz moses_test 'smiles\nOCC\nCCN\n'                 # OCC = ethanol again
gz moses_test_scaffolds 'smiles\nC1CC\nCCCl\n'      # C1CC unreadable
for s in chembl pubchem_muv hiv_tox21_toxcast npatlas; do gz "$s" "smiles\nCC(=O)O\n"; done  # 1 new, 3 duplicates
gz qm9 'smiles\nC\nCC\nCCC\nCCCC\nC1CC1\nN\n'       # 6 new, capped to 2
gz gdb_hydrocarbons 'smiles\nC=C\nC#C\nCC\n'        # CC seen in qm9 (kept or capped away): 2 new at most
for s in esol freesolv lipophilicity opera_logp bradley_mp opera_henry opera_koa opera_pka_acidic opera_pka_basic; do
  printf 'smiles,y\nC1=CC=CC=C1,1\nO,2\n' > "$work/shared/$s.csv"  # benzene again; water new once
done
run() {
  MOLPROP="$molprop" MOLPROP_SHARED_DATA_DIR="$work/shared" MOLPROP_THREADS=1 QM9_CAP=2 GDB_CAP=1 \
    bash "$root/scripts/build-pretrain-corpus.sh" "$work/out/corpus.csv" > "$work/stdout" 2> "$work/stderr"
}
run || { cat "$work/stderr" >&2; fail "first run exited non-zero"; }
[ "$(head -1 "$work/out/corpus.csv")" = "smiles,source" ] || fail "header"
count() { awk -F, -v s="$1" 'NR > 1 && $2 == s { n++ } END { print n + 0 }' "$work/out/corpus.csv"; }
[ "$(count zinc250k)" = 2 ] || fail "zinc250k: $(count zinc250k)"
[ "$(count moses_test)" = 1 ] || fail "moses_test keeps only CCN"
[ "$(count moses_test_scaffolds)" = 1 ] || fail "moses_test_scaffolds keeps only CCCl"
[ "$(count chembl)" = 1 ] || fail "chembl"
[ "$(count pubchem_muv)" = 0 ] || fail "pubchem_muv duplicates chembl"
[ "$(count esol)" = 1 ] || fail "esol keeps water only"
[ "$(count freesolv)" = 0 ] || fail "freesolv duplicates esol"
[ "$(count qm9)" = 2 ] || fail "qm9 capped at 2: $(count qm9)"
[ "$(count gdb_hydrocarbons)" = 1 ] || fail "gdb capped at 1: $(count gdb_hydrocarbons)"
total=$(($(wc -l < "$work/out/corpus.csv") - 1))
[ "$total" = 9 ] || fail "total $total, expected 9"
dups=$(awk -F, 'NR > 1 { print $1 }' "$work/out/corpus.csv" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups duplicate SMILES in the corpus"
grep -q '^CCO,zinc250k$' "$work/out/corpus.csv" || fail "canonical SMILES expected (OCC → CCO)"
awk -F'\t' '$1 == "moses_test_scaffolds" && $3 == 1 { ok = 1 } END { exit !ok }' "$work/out/counts.tsv" \
  || fail "the unreadable row is counted"
sha1="$(cat "$work/stdout")"
[ "$(echo "$sha1" | awk '{ print $1 }')" = "$(sha256sum "$work/out/corpus.csv" | awk '{ print $1 }')" ] || fail "sha256 printed"
run || fail "second run exited non-zero"
grep -q "canonicalised already" "$work/stderr" || fail "second run must reuse the canonicalised sources"
[ "$(cat "$work/stdout")" = "$sha1" ] || fail "second run wrote a different corpus"
ls "$work/out" | grep -q tmp && fail "temporary files left behind"
case "$(bash "$root/scripts/build-pretrain-corpus.sh" "$root/corpus.csv" 2>&1; echo "rc=$?")" in
  *"not inside"*|*"under build/"*rc=2) ;;
  *) fail "writing into the repository must be refused" ;;
esac
echo "ok: $total molecules, sha256 stable"
