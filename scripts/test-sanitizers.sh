#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the whole library: builds every room
# (LibTorch's included) with its unit tests and the fuzz harnesses into build-asan/
# (-DMOLPROP_SANITIZE=ON; benchmarks left out) and runs them through ctest (-L on the folder
# labels). LibTorch, RDKit and HDF5 themselves are not instrumented. With
# MOLPROP_SANITIZE_CLI=1 it also builds the molprop executable and runs the CLI tests under
# the sanitizers (they start ~60 instrumented processes: ~15 more minutes here, so CI leaves
# them out; docs/reliability.md). Called by scripts/test.sh after the normal tests in CI;
# runnable alone. Extra arguments go to ctest (e.g. -R '^Dmpnn\.').
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MOLPROP_ASAN_BUILD_DIR:-$root/build-asan}"
jobs="${MOLPROP_JOBS:-2}"
start=$(date +%s)

# Any report stops the process with a non-zero exit (a failed test). Leaks are reported;
# tests/sanitizers/lsan.supp names the third-party libraries whose own leaks are not ours.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
# ccache is used by CMakeLists.txt when present (CMAKE_CXX_COMPILER_LAUNCHER).
cmake -S "$root" -B "$build" "${generator[@]}" -DMOLPROP_SANITIZE=ON -DMOLPROP_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  ${MOLPROP_SHARED_DATA_DIR:+-DMOLPROP_SHARED_DATA_DIR="$MOLPROP_SHARED_DATA_DIR"} >/dev/null

labels='core|chem|data|models|training|regression|checkpoint|pretrain|finetune|inference|fuzz'
[[ ${MOLPROP_SANITIZE_CLI:-0} == 1 ]] && labels+='|cli'
# The test executables of those folders (tests/CMakeLists.txt names them <folder>_<file>_test);
# their libraries come with them.
targets=()
while read -r t; do targets+=("$t"); done < <(cmake --build "$build" --target help |
  sed -n -e 's/^\([a-z0-9_]*_test\):.*/\1/p' -e 's/^\.\.\. \([a-z0-9_]*_test\)$/\1/p' | # Ninja | Makefiles
  grep -E "^($labels)_" | sort -u)
if ((${#targets[@]} == 0)); then
  echo "test-sanitizers: no test targets found in $build" >&2
  exit 1
fi
echo "test-sanitizers: building ${#targets[@]} test executables and every room they test with ASan+UBSan" >&2
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

cd "$build"
ctest --output-on-failure -j"$jobs" --timeout 1800 -L "^($labels)\$" "$@"
echo "test-sanitizers: done in $(($(date +%s) - start)) s" >&2
