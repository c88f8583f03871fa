#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build, run the test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup-deps.sh"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j"${MOLPROP_JOBS:-2}" --timeout 900
