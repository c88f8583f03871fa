#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build, and run the main job:
# predict aqueous solubility, lipophilicity and hydration free energy for the example
# molecules with the model that ships with molprop (share/molprop/models/default/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup-deps.sh"
MOLPROP_BUILD_TARGET=molprop "$root/scripts/build.sh"
molprop="$root/build/cli/molprop"

echo "== molprop predict examples/molecules.smi (default model: 3-member ensemble, pretrained D-MPNN)" >&2
"$molprop" predict "$root/examples/molecules.smi" --format table
cat >&2 <<'TXT'

Columns: logS = aqueous solubility, log10(mol/L); logD7.4 = octanol/water distribution at
pH 7.4; dG_hyd = hydration free energy, kcal/mol; *_std = ensemble spread;
train_similarity = nearest training molecule (ECFP4 Tanimoto), in_domain = no below 0.35
(the model is extrapolating); error = why a line could not be predicted.
For a CSV file: build/cli/molprop predict examples/molecules.smi --output predictions.csv
TXT
