#!/usr/bin/env bash
# Makes the model that ships with molprop (share/molprop/models/default/) with molprop's own commands:
#   1. a D-MPNN encoder pretrained on the shared corpus (scripts/pretrain-corpus.sh, 1 epoch
#      of attribute masking + descriptor prediction on ~600k molecules; reused when present),
#   2. one CSV with all of ESOL, FreeSolv and Lipophilicity (a molecule missing from a set
#      gets an empty cell = NaN, masked out of the loss),
#   3. multi-task fine-tuning, an ensemble of 3 (seeds 0..2), on a balanced scaffold split
#      80/10/10: the held-out scaffold test split gives the RMSEs in docs/default-model.md,
#   4. the members, domain.h5 and metrics.json copied into share/molprop/models/default/,
#   5. the shipped folder measured on the held-out scaffold test split through `molprop
#      predict`: RMSE per target, overall and by nearest-neighbour similarity (domain).
#
# Usage: scripts/train-default-model.sh [ENCODER.h5]   (work files in build/default-model)
set -euo pipefail
# h5py comes from Debian's python3-h5py (scripts/setup-deps.sh), i.e. the system python.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="$root/build/cli/molprop"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
work="$root/build/default-model"
threads="${MOLPROP_THREADS:-2}"
dest="$root/share/molprop/models/default"
mkdir -p "$work"
[ -x "$molprop" ] || "$root/scripts/build.sh"

encoder="${1:-$root/build/pretrain/run/encoder.h5}"
if [ ! -f "$encoder" ]; then
  echo "train-default-model: no encoder at $encoder; pretraining one (about 30 min on 2 cores)" >&2
  "$root/scripts/pretrain-corpus.sh" "$root/build/pretrain" 1
  encoder="$root/build/pretrain/run/encoder.h5"
fi

# 2. One table, one row per distinct SMILES string, in first-seen order.
python3 - "$shared" "$work/all.csv" <<'PY'
import csv, sys
shared, out = sys.argv[1], sys.argv[2]
sources = [("esol.csv", "logS", "logS"), ("lipophilicity.csv", "logD7.4", "logD7.4"),
           ("freesolv.csv", "dG_hyd_kcal_mol", "dG_hyd")]
rows = {}
for name, column, target in sources:
    with open(f"{shared}/{name}", newline="") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["smiles"], {})[target] = r[column]
with open(out + ".tmp", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["smiles"] + [t for _, _, t in sources])
    for smiles, values in rows.items():
        w.writerow([smiles] + [values.get(t, "") for _, _, t in sources])
import os
os.replace(out + ".tmp", out)
print(f"train-default-model: {len(rows)} molecules in {out}", file=sys.stderr)
PY

# 3. Fine-tune (a finished run is reused; delete build/default-model/run to redo it).
if [ ! -f "$work/run/seconds.txt" ]; then
start=$(date +%s)
rm -rf "$work/run"
"$molprop" train --data "$work/all.csv" --targets logS,logD7.4,dG_hyd \
    --units "log10(mol/L),log10(D),kcal/mol" \
    --from "$encoder" --encoder-lr-ratio 0.1 --split scaffold --ensemble-size 3 --seed 0 \
    --epochs 30 --output-dir "$work/run" --threads "$threads"
echo $(( $(date +%s) - start )) > "$work/run/seconds.txt"
fi
train_seconds=$(cat "$work/run/seconds.txt")
echo "train-default-model: fine-tuning took $train_seconds s" >&2

# 4. Ship it.
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/models"
cp "$work"/run/models/fold0_member[0-2].h5 "$dest.tmp/models/"
cp "$work/run/domain.h5" "$work/run/metrics.json" "$work/run/command.txt" "$dest.tmp/"
echo "fine-tuning seconds: $train_seconds" > "$dest.tmp/provenance.txt"
echo "encoder: $(basename "$encoder") sha256 $(sha256sum "$encoder" | cut -d' ' -f1)" >> "$dest.tmp/provenance.txt"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
du -sh "$dest" >&2

# 5. Held-out test molecules through `molprop predict` with the shipped folder, error by similarity to the training set.
/usr/bin/python3 - "$work" <<'PY'
import csv, json, sys, h5py
work = sys.argv[1]
split = json.load(open(f"{work}/run/splits.json"))[0]
with h5py.File(f"{work}/run/data.h5", "r") as f:
    smiles = [s.decode() if isinstance(s, bytes) else s for s in f["smiles"][:]]
    targets = f["targets"][:]
    names = json.loads(f.attrs["target_names"])
with open(f"{work}/test.csv", "w", newline="") as out:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["smiles"] + names)
    for i in split["test"]:
        w.writerow([smiles[i]] + ["" if v != v else f"{v:.6g}" for v in targets[i]])
PY
"$molprop" predict --model "$dest" "$work/test.csv" --output "$work/test-predictions.csv" \
    --threads "$threads" --quiet
python3 - "$work" > "$work/domain-table.md" <<'PY'
import csv, math, sys
work = sys.argv[1]
rows = list(csv.DictReader(open(f"{work}/test-predictions.csv")))
names = ["logS", "logD7.4", "dG_hyd"]
pred = {n: next(c for c in rows[0] if c.startswith(n + " (")) for n in names}
bins = [(0.0, 0.35, "< 0.35 (out of domain)"), (0.35, 0.5, "0.35–0.5"), (0.5, 1.01, "≥ 0.5")]
print("| nearest training molecule (ECFP4 Tanimoto) | molecules | " + " | ".join(f"{n} RMSE (n)" for n in names) + " |")
print("| --- | ---: | " + " | ".join("---:" for _ in names) + " |")
bins = [(0.0, 1.01, "all test molecules")] + bins
for lo, hi, label in bins:
    sel = [r for r in rows if r["train_similarity"] and lo <= float(r["train_similarity"]) < hi]
    cells = []
    for n in names:
        err = [(float(r[pred[n]]) - float(r[n])) ** 2 for r in sel if r[n]]
        cells.append(f"{math.sqrt(sum(err) / len(err)):.3f} ({len(err)})" if err else "–")
    print(f"| {label} | {len(sel)} | " + " | ".join(cells) + " |")
PY
cp "$work/domain-table.md" "$dest/test-rmse.md"
cat "$work/domain-table.md" >&2

