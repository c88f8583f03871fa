#!/usr/bin/env bash
# Makes the model that ships with molprop (share/molprop/models/default/), second edition,
# with molprop's own commands (docs/default-model.md):
#   1. one table of every shared labelled file (9 properties), joined on the canonical SMILES
#      of the standardised parent (`molprop canonicalize --standardize`: largest organic
#      fragment, neutralised); duplicates within a file are averaged; labels only, no test
#      molecule is treated differently;
#   2. multi-task fine-tuning of the shipped foundation encoder (`--from foundation`) with RDKit's
#      43 rdkit2d-v1 descriptors as extra head inputs (`--features descriptors`, chosen by
#      validation in scripts/default-model-pilots.sh) and a 3-layer, 600-wide head (`--ffn-layers 3
#      --ffn-hidden 600`) whose encoder learns 3× faster than the head (`--encoder-lr-ratio 3`,
#      docs/default-model.md), an ensemble of 5 (seeds 0..4), 15 epochs,
#      on a balanced Bemis–Murcko scaffold split 80/10/10 of the joined table (missing labels
#      are NaN, masked out of the loss);
#   3. `molprop calibrate` on the validation split: the ensemble spread scaled per target and a
#      domain threshold per target (the test split is never used for a choice);
#   4. the members, domain.h5 (per-target), calibration.json, predict.json (standardise,
#      default columns, known elements) and provenance copied into share/molprop/models/default/;
#   5. the shipped folder measured on the held-out scaffold test split through `molprop predict`:
#      RMSE per target in and out of domain, ±1σ/±2σ coverage, Crippen logP on the same
#      molecules, and how often the outputs break logD ≤ logP and the general solubility
#      equation (test-report.md); then the sanity table of tests/fixtures/sanity_molecules.csv.
#
# Usage: scripts/train-default-model.sh [ENCODER]   (default: foundation; work files in
# build/default-model; a finished training run there is reused: delete build/default-model/run
# to redo it). Environment: MOLPROP (binary), MOLPROP_THREADS, EPOCHS (15), MEMBERS (5),
# TRAIN_ARGS (the `molprop train` recipe flags; default the recipe chosen by validation:
# --features descriptors --ffn-layers 3 --ffn-hidden 600 --encoder-lr-ratio 3), TAUTOMER_FORMS (1; 0 predicts molecules as written),
# CANONICAL_TAUTOMER=1 (the table, and predict, use RDKit's canonical tautomer
# of each parent: `canonicalize --canonical-tautomer`, predict.json "canonical_tautomer"),
# ONLY_DATA=1 (stop after writing the joined table, build/default-model/all.csv).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
work="${MOLPROP_DEFAULT_MODEL_WORK:-$root/build/default-model}"
threads="${MOLPROP_THREADS:-2}"
epochs="${EPOCHS:-15}"
members="${MEMBERS:-5}"
# The recipe chosen by validation (scripts/default-model-pilots.sh, docs/default-model.md).
train_args="${TRAIN_ARGS---features descriptors --ffn-layers 3 --ffn-hidden 600 --encoder-lr-ratio 3}"
# predict.json's tautomer rule (chosen by validation, docs/robustness.md): the mean over this many
# most plausible tautomers (1: RDKit's canonical tautomer; 0: the molecule as written), the pKa
# columns from the molecule as written.
tautomer_forms="${TAUTOMER_FORMS:-1}"
canonical_tautomer="${CANONICAL_TAUTOMER:-0}"
tautomer_flag=(); [ "$canonical_tautomer" = 1 ] && tautomer_flag=(--canonical-tautomer)
dest="$root/share/molprop/models/default"
encoder="${1:-foundation}"
py=/usr/bin/python3  # Debian's, with python3-h5py (scripts/setup-deps.sh)
mkdir -p "$work"
[ -x "$molprop" ] || "$root/scripts/build.sh"

targets="logS,logP,logD7.4,mp,dG_hyd,pKa_acidic,pKa_basic,logHL,logKOA"
units="log10(mol/L),log10(Kow),log10(D),°C,kcal/mol,pKa,pKa,log10(atm·m³/mol),log10(Koa)"

# 1. Every labelled row, then its canonical standardised parent, then one row per parent.
$py - "$shared" "$work/long.csv" <<'PY'
import csv, sys
shared, out = sys.argv[1], sys.argv[2]
sources = [("esol.csv", "logS", "logS"), ("opera_logp.csv", "logP", "logP"),
           ("lipophilicity.csv", "logD7.4", "logD7.4"), ("bradley_mp.csv", "mp_C", "mp"),
           ("freesolv.csv", "dG_hyd_kcal_mol", "dG_hyd"), ("opera_pka_acidic.csv", "pKa_acidic", "pKa_acidic"),
           ("opera_pka_basic.csv", "pKa_basic", "pKa_basic"), ("opera_henry.csv", "logHL_atm_m3_mol", "logHL"),
           ("opera_koa.csv", "logKOA", "logKOA")]
with open(out + ".tmp", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["smiles", "source", "source_row", "target", "value"])
    for name, column, target in sources:
        with open(f"{shared}/{name}", newline="") as g:
            for i, r in enumerate(csv.DictReader(g), start=1):
                if r[column].strip():
                    w.writerow([r["smiles"], name, i, target, r[column]])
import os
os.replace(out + ".tmp", out)
PY
"$molprop" canonicalize --input "$work/long.csv" --output "$work/long-canonical.csv" --standardize "${tautomer_flag[@]}" \
    --threads "$threads" --quiet
$py - "$work" "$targets" <<'PY'
import csv, json, os, statistics, sys
work, targets = sys.argv[1], sys.argv[2].split(",")
long = list(csv.DictReader(open(f"{work}/long.csv", newline="")))
canon = list(csv.DictReader(open(f"{work}/long-canonical.csv", newline="")))
assert len(long) == len(canon), "canonicalize must keep every row"
rows, info, failed = {}, {}, 0
for r, c in zip(long, canon):
    if c["error"]:
        failed += 1
        continue
    key = c["canonical_smiles"]
    rows.setdefault(key, {}).setdefault(r["target"], []).append(float(r["value"]))
    i = info.setdefault(key, {"multi_component": False, "inputs": set()})
    i["multi_component"] |= "." in r["smiles"]
    i["inputs"].add(r["smiles"])
spread = {t: 0 for t in targets}
tmp = f"{work}/all.csv.tmp"
with open(tmp, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["smiles"] + targets)
    for smiles, values in rows.items():
        cells = []
        for t in targets:
            v = values.get(t)
            if v and max(v) - min(v) > 1.0:
                spread[t] += 1
            cells.append(f"{statistics.fmean(v):.6g}" if v else "")
        w.writerow([smiles] + cells)
os.replace(tmp, f"{work}/all.csv")
with open(f"{work}/all-info.json", "w") as f:
    json.dump({s: {"multi_component": i["multi_component"], "inputs": sorted(i["inputs"])} for s, i in info.items()}, f)
counts = {t: sum(1 for v in rows.values() if t in v) for t in targets}
print(f"train-default-model: {len(long)} labelled rows → {len(rows)} molecules ({failed} unreadable); "
      f"labels per target {counts}; molecules whose duplicates differ by > 1 unit {spread}", file=sys.stderr)
PY
[ "${ONLY_DATA:-0}" = 1 ] && exit 0

# 2. Fine-tune (a finished run is reused).
if [ ! -f "$work/run/seconds.txt" ]; then
  start=$(date +%s)
  rm -rf "$work/run"
  "$molprop" train --data "$work/all.csv" --targets "$targets" --units "$units" \
      --from "$encoder" --split scaffold --ensemble-size "$members" --seed 0 \
      --epochs "$epochs" --output-dir "$work/run" --threads "$threads" $train_args
  echo $(( $(date +%s) - start )) > "$work/run/seconds.txt"
fi
train_seconds=$(cat "$work/run/seconds.txt")
echo "train-default-model: fine-tuning took $train_seconds s" >&2

# 3. Validation and test molecules as CSVs (from the run's own split), calibration on validation.
$py - "$work" <<'PY'
import csv, json, sys, h5py
work = sys.argv[1]
split = json.load(open(f"{work}/run/splits.json"))[0]
with h5py.File(f"{work}/run/data.h5", "r") as f:
    smiles = [s.decode() if isinstance(s, bytes) else s for s in f["smiles"][:]]
    targets = f["targets"][:]
    names = json.loads(f.attrs["target_names"])
for part in ("val", "test"):
    with open(f"{work}/{part}.csv", "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["smiles"] + names)
        for i in split[part]:
            w.writerow([smiles[i]] + ["" if v != v else f"{v:.6g}" for v in targets[i]])
PY
# A run made before `train` recorded the training labels' range in domain.h5 gets it here, from
# the same molecules train would use (the training split); a newer run has it already.
$py - "$work" <<'PY'
import json, sys, h5py, numpy as np
work = sys.argv[1]
with h5py.File(f"{work}/run/domain.h5", "r") as f:
    if "label_min" in f.attrs:
        sys.exit(0)
split = json.load(open(f"{work}/run/splits.json"))[0]
with h5py.File(f"{work}/run/data.h5", "r") as f:
    y = f["targets"][:][sorted(split["train"])]
lo = [None if np.isnan(c).all() else float(np.nanmin(c)) for c in y.T]
hi = [None if np.isnan(c).all() else float(np.nanmax(c)) for c in y.T]
with h5py.File(f"{work}/run/domain.h5", "a") as f:
    f.attrs.create("label_min", np.bytes_(json.dumps(lo)))
    f.attrs.create("label_max", np.bytes_(json.dumps(hi)))
print(f"train-default-model: added the training labels' ranges to domain.h5: {list(zip(lo, hi))}", file=sys.stderr)
PY
# predict.json (standardise, default columns, known elements, the tautomer rule) in the run folder,
# so that calibration predicts the validation molecules as the shipped folder will.
$py - "$work/run" "$canonical_tautomer" "$tautomer_forms" <<'PY'
import json, sys
dest, tautomer, forms = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
# pKa, Henry's law constant and KOA are on request (--properties): see docs/default-model.md.
settings = {"format": "molprop-predict-settings", "format_version": 1, "standardize": True,
            "canonical_tautomer": tautomer,
            "default_properties": ["logS", "logP", "logD7.4", "mp", "dG_hyd"],
            "known_elements": ["H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Se", "Br", "I"]}
if forms > 0:
    settings["tautomer_forms"] = forms
    settings["tautomer_as_written"] = ["pKa_acidic", "pKa_basic"]
json.dump(settings, open(f"{dest}/predict.json", "w"), indent=2)
PY
"$molprop" calibrate "$work/run" --data "$work/val.csv" --threads "$threads"

# 4. Ship it: written next to the destination, then swapped in.
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/models"
for ((m = 0; m < members; m++)); do cp "$work/run/models/fold0_member$m.h5" "$dest.tmp/models/"; done
cp "$work/run/domain.h5" "$work/run/calibration.json" "$work/run/metrics.json" "$work/run/command.txt" \
   "$work/run/predict.json" "$dest.tmp/"
$py - "$dest.tmp" "$members" <<'PY'
import json, sys
dest, members = sys.argv[1], int(sys.argv[2])
models = [f"models/fold0_member{m}.h5" for m in range(members)]
json.dump({"complete": True, "format": "molprop-run", "format_version": 1, "models": models},
          open(f"{dest}/run.json", "w"), indent=2)
PY
$py - "$dest.tmp/provenance.json" "$train_seconds" "$encoder" "$molprop" "$work" "$root" <<'PY'
import hashlib, json, os, subprocess, sys
out, seconds, encoder, molprop, work, root = sys.argv[1:]
def sha(path): return hashlib.sha256(open(path, "rb").read()).hexdigest()
commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
# The encoder file fine-tuned from (the name 'foundation' resolves as molprop resolves it here:
# MOLPROP_FOUNDATION_MODEL, else the source tree's shipped folder), so that a later foundation
# does not make this model's origin ambiguous.
path = encoder
if encoder == "foundation":
    path = os.environ.get("MOLPROP_FOUNDATION_MODEL") or f"{root}/share/molprop/models/foundation"
if os.path.isdir(path): path = os.path.join(path, "encoder.h5")
json.dump({"script": "scripts/train-default-model.sh", "commit": commit, "encoder": encoder,
           "encoder_sha256": sha(path) if os.path.isfile(path) else None,
           "fine_tuning_seconds": int(seconds), "command": open(f"{work}/run/command.txt").read().strip(),
           "table_sha256": sha(f"{work}/all.csv"), "split": "balanced scaffold 0.8/0.1/0.1, seed 0",
           "calibration": "molprop calibrate on the validation split"}, open(out, "w"), indent=2)
PY
rm -rf "$dest.old"; [ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$dest.tmp" "$dest" && rm -rf "$dest.old"
du -sh "$dest" >&2

# 5. Held-out test molecules through `molprop predict` with the shipped folder.
"$molprop" predict --model "$dest" "$work/test.csv" --properties all --output "$work/test-predictions.csv" \
    --threads "$threads" --quiet
"$molprop" featurize --input "$work/test.csv" --output "$work/test-descriptors.h5" --no-targets \
    --descriptor-set rdkit2d-v2 --threads "$threads" --quiet
$py "$root/scripts/default-model-report.py" "$work" "$dest" > "$work/test-report.md"
cp "$work/test-report.md" "$dest/test-report.md"
cat "$work/test-report.md" >&2

# 6. The sanity table: everyday molecules, measured values from the shared files.
"$molprop" predict --model "$dest" "$root/tests/fixtures/sanity_molecules.csv" --properties logP,logD7.4,logS,mp \
    --output "$work/sanity-predictions.csv" --threads "$threads" --quiet
$py "$root/scripts/default-model-report.py" --sanity "$work/sanity-predictions.csv" > "$work/sanity-table.md"
cp "$work/sanity-table.md" "$dest/sanity-table.md"
cat "$work/sanity-table.md" >&2
