#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the rooms without LibTorch: builds
# core, chem, data and regression and their unit tests plus the fuzz harnesses into
# build-asan/ (-DMOLPROP_SANITIZE=ON) and runs them through ctest. The LibTorch rooms are
# left out: one of their translation units takes 30-60 s to compile (more with ASan) and
# would push CI past its budget (docs/reliability.md, "Sanitizers"). Called by
# scripts/test.sh after the normal tests; runnable alone. Extra arguments go to ctest
# (e.g. -R '^H5DatasetFuzz\.').
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

# The unit-test executables of the rooms without LibTorch, and the fuzz harnesses that link
# only those rooms (the CLI tests need the molprop executable, which links LibTorch; the
# shard manifest harness links inference/). A harness's link line names its libraries.
rooms='core|chem|data|regression'
torch_rooms='models|training|checkpoint|pretrain|finetune|inference|api'
links_torch() {
  local line
  if [[ -f $build/build.ninja ]]; then
    # "build tests/<target>[:] ...: CXX_EXECUTABLE_LINKER..." then its indented variables.
    line=$(awk -v t="tests/$1" '$1 == "build" && ($2 == t || $2 == t ":") {f = 1; next} f && /^build /{exit}
      f && /LINK_LIBRARIES/' "$build/build.ninja")
  else
    line=$(cat "$build/tests/CMakeFiles/$1.dir/link.txt" 2>/dev/null || true)
  fi
  grep -Eq "libmolprop_($torch_rooms)\.|torch" <<<"$line"
}
targets=()
while read -r t; do
  if [[ $t == fuzz_* ]] && links_torch "$t"; then
    echo "test-sanitizers: leaving out $t (links LibTorch)" >&2
    continue
  fi
  targets+=("$t")
done < <(cmake --build "$build" --target help | sed -n 's/^\([a-z0-9_]*_test\):.*/\1/p' | grep -E "^($rooms|fuzz)_" | sort -u)
if ((${#targets[@]} == 0)); then
  echo "test-sanitizers: no test targets found in $build" >&2
  exit 1
fi
echo "test-sanitizers: building ${#targets[@]} test executables with ASan+UBSan" >&2
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

cd "$build"
ctest --output-on-failure -j"$jobs" --timeout 900 -L "^($rooms|fuzz)\$" "$@"
echo "test-sanitizers: done in $(($(date +%s) - start)) s" >&2
