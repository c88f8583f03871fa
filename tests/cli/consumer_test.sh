#!/usr/bin/env bash
# ctest: install molprop into a scratch prefix, build examples/consumer against the
# installed CMake package, and run it: it must load the default model from that prefix
# and predict ethanol and benzene (and report, not crash on, an invalid SMILES).
# Usage: consumer_test.sh BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR
set -euo pipefail
build="$1"; source_dir="$2"; work="$3"
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
cmake -S "$source_dir" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
unset MOLPROP_DEFAULT_MODEL
out="$("$work/build/consumer" CCO c1ccccc1)"
echo "$out"
grep -q "model $prefix/share/molprop/models/default" <<<"$out" || { echo "FAIL: default model not taken from the install prefix" >&2; exit 1; }
grep -Eq '^CCO: logS = -?[0-9.]+ ± [0-9.]+ log10\(mol/L\);' <<<"$out" || { echo "FAIL: no logS for ethanol" >&2; exit 1; }
grep -Eq '^c1ccccc1: .*dG_hyd = -?[0-9.]+ ± [0-9.]+ kcal/mol;' <<<"$out" || { echo "FAIL: no dG_hyd for benzene" >&2; exit 1; }
set +e
bad="$("$work/build/consumer" 'C1CC(C')"; status=$?
set -e
echo "$bad"
[ "$status" -eq 1 ] && grep -q "error: SMILES Parse Error" <<<"$bad" || { echo "FAIL: invalid SMILES not reported" >&2; exit 1; }
# The installed binary finds the installed default model too.
printf 'CCO ethanol\n' > "$work/one.smi"
"$prefix/bin/molprop" predict "$work/one.smi" --output "$work/one.csv" 2> "$work/predict.err"
grep -q "default model: $prefix/share/molprop/models/default" "$work/predict.err" || { cat "$work/predict.err" >&2; echo "FAIL: installed binary did not use the installed model" >&2; exit 1; }
grep -q '^CCO,ethanol,' "$work/one.csv" || { echo "FAIL: installed binary predicted nothing" >&2; exit 1; }
# ... and the installed foundation encoder (`--model foundation`).
"$prefix/bin/molprop" analyze --model foundation --input "$work/one.smi" > "$work/analyze.out" 2> "$work/analyze.err" \
    || { cat "$work/analyze.err" >&2; echo "FAIL: installed binary could not analyze the foundation encoder" >&2; exit 1; }
grep -q "$prefix/share/molprop/models/foundation/encoder.h5" "$work/analyze.out" \
    || { cat "$work/analyze.out" >&2; echo "FAIL: foundation encoder not taken from the install prefix" >&2; exit 1; }
echo "consumer test passed"
