#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build, and run the main job:
# predict aqueous solubility, lipophilicity and hydration free energy for the example
# molecules with the model that ships with molprop (share/molprop/models/default/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup-deps.sh"
MOLPROP_BUILD_TARGET=molprop "$root/scripts/build.sh"
molprop="$root/build/cli/molprop"

echo "== molprop predict examples/molecules.smi (default model: 3-member multi-task ensemble on the foundation encoder)" >&2
"$molprop" predict "$root/examples/molecules.smi" --format table
cat >&2 <<'TXT'

Columns: logS = aqueous solubility; logP = octanol/water partition coefficient; logD7.4 =
distribution at pH 7.4; mp = melting point; dG_hyd = hydration free energy. Each cell is the
ensemble mean ± its calibrated standard deviation; * = outside that property's applicability
domain (nothing like the molecule has that property in the training data); note = why a whole
row is out of domain (a salt or mixture, predicted for its parent; an unusual element) or could
not be predicted. More properties (pKa, Henry's law constant, KOA): --properties all.
For a CSV file: build/cli/molprop predict examples/molecules.smi --output predictions.csv
What each column means: docs/default-model.md
TXT
