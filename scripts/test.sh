#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build, run the test suite.
# In CI (CI=true, as .ci/run is called) or with MOLPROP_SANITIZERS=1 it then runs the
# AddressSanitizer + UndefinedBehaviorSanitizer build of every room with its unit tests
# (scripts/test-sanitizers.sh, build-asan/); MOLPROP_SANITIZERS=0 skips it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup-deps.sh"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j"${MOLPROP_JOBS:-2}" --timeout 900
if [[ ${MOLPROP_SANITIZERS:-} == 1 || (${CI:-} == true && ${MOLPROP_SANITIZERS:-} != 0) ]]; then
  "$root/scripts/test-sanitizers.sh"
fi
