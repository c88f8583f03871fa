#!/usr/bin/env bash
# Configures and builds molprop (Release) into build/. Extra arguments go to cmake's
# configure step, e.g. scripts/build.sh -DMOLPROP_NATIVE=ON.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${MOLPROP_JOBS:-2}"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$root/build" -j"$jobs" ${MOLPROP_BUILD_TARGET:+--target "$MOLPROP_BUILD_TARGET"}
