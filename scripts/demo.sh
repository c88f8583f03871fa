#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build, and run the main job
# on the example molecules.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup-deps.sh"
MOLPROP_BUILD_TARGET=molprop "$root/scripts/build.sh"
molprop="$root/build/cli/molprop"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== molprop featurize: examples/molecules.smi -> HDF5 dataset" >&2
"$molprop" featurize --input "$root/examples/molecules.smi" --output "$out/molecules.h5" \
  --descriptors --scaffolds --standardize
echo >&2
echo "== molprop inspect" >&2
"$molprop" inspect "$out/molecules.h5"
