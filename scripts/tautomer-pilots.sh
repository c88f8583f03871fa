#!/usr/bin/env bash
# Pilots that decide, by *validation* only, how the default model treats tautomers
# (issue: robustness to how a molecule becomes a graph; docs/robustness.md):
#   base  the default recipe (scripts/default-model-pilots.sh "descriptors": one member, seed 0,
#         EPOCHS epochs, --from foundation --features descriptors, balanced scaffold split of the
#         joined table of scripts/train-default-model.sh);
#   aug   the same, with every *training* molecule also written as its other most plausible
#         tautomers (`molprop canonicalize --tautomer-forms FORMS`), each a row with the same
#         labels; validation and test molecules are base's, untouched (a tautomer that equals a
#         held-out molecule is left out).
# Each model is then scored on the validation molecules with predict.json "tautomer_forms" 0
# (as written), 1 (RDKit's canonical tautomer) and FORMS (the mean over the most plausible
# tautomers), and its tautomer drift is measured with `molprop robustness` on Lipophilicity
# (first 1,000 molecules; logS/logP/logD7.4 median and 95th percentile).
#
# Usage: scripts/tautomer-pilots.sh   (work files in build/default-model/tautomer-pilots; finished
#   steps are reused). Environment: MOLPROP, MOLPROP_THREADS (2), EPOCHS (15), FORMS (4).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
work="${MOLPROP_DEFAULT_MODEL_WORK:-$root/build/default-model}"
shared="${MOLPROP_SHARED_DATA_DIR:-$root/../shared/data}"
threads="${MOLPROP_THREADS:-2}"
epochs="${EPOCHS:-15}"
forms="${FORMS:-4}"
py=/usr/bin/python3
out="$work/tautomer-pilots"
mkdir -p "$out"
[ -f "$work/all.csv" ] || MOLPROP="$molprop" ONLY_DATA=1 "$root/scripts/train-default-model.sh"
targets="$(head -n 1 "$work/all.csv" | cut -d, -f2-)"

pilot() {  # NAME FLAGS...
  local name="$1"; shift
  [ -f "$out/$name/seconds.txt" ] && return 0
  rm -rf "$out/$name"
  local start; start=$(date +%s)
  echo "tautomer-pilots: training $name" >&2
  "$molprop" train --targets "$targets" --from foundation --ensemble-size 1 --seed 0 --epochs "$epochs" \
      --features descriptors --output-dir "$out/$name" --threads "$threads" --quiet "$@"
  echo $(( $(date +%s) - start )) > "$out/$name/seconds.txt"
}

pilot base --data "$work/all.csv" --split scaffold

# The augmented table: base's split as a column, then the other tautomers of training molecules.
[ -f "$out/all-tautomers.csv" ] || "$molprop" canonicalize -i "$work/all.csv" -o "$out/all-tautomers.csv" \
    --tautomer-forms "$forms" --threads "$threads" --quiet
$py - "$work/all.csv" "$out/all-tautomers.csv" "$out/base/splits.json" "$out" <<'PY'
import csv, json, os, sys
table, tautomers, splits, out = sys.argv[1:]
split = json.load(open(splits))[0]
part = {i: p for p in ("train", "val", "test") for i in split[p]}
rows = list(csv.reader(open(table)))
header, data = rows[0], rows[1:]
taut = list(csv.DictReader(open(tautomers)))
assert len(taut) == len(data) == len(part), "table, tautomers and split disagree"
held = {t["canonical_smiles"] for i, t in enumerate(taut) if part[i] != "train"}
extra = dropped = 0
with open(f"{out}/aug.csv.tmp", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header + ["split"])
    for i, r in enumerate(data):
        w.writerow(r + [part[i]])
    for i, r in enumerate(data):
        if part[i] != "train":
            continue
        for s in taut[i]["tautomers"].split():
            if s == taut[i]["canonical_smiles"]:
                continue
            if s in held:
                dropped += 1
                continue
            w.writerow([s] + r[1:] + ["train"])
            extra += 1
os.replace(f"{out}/aug.csv.tmp", f"{out}/aug.csv")
for name in ("val",):
    with open(f"{out}/{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i in split[name]:
            w.writerow(data[i])
print(f"tautomer-pilots: {extra} tautomer rows added to {len(split['train'])} training molecules "
      f"({dropped} left out: equal to a held-out molecule)", file=sys.stderr)
PY
pilot aug --data "$out/aug.csv" --split column

# Score every model × setting on validation, and measure its tautomer drift.
head -n 1001 "$shared/lipophilicity.csv" > "$out/lipophilicity-1000.csv"
for name in base aug; do
  for n in 0 1 "$forms"; do
    dir="$out/$name-t$n"
    if [ ! -f "$dir/robustness.txt" ]; then
      rm -rf "$dir" && cp -r "$out/$name" "$dir"
      $py -c "import json, sys; json.dump({'format': 'molprop-predict-settings', 'format_version': 1,
'standardize': True, 'tautomer_forms': int(sys.argv[2])}, open(sys.argv[1] + '/predict.json', 'w'))" "$dir" "$n"
      "$molprop" predict --model "$dir" "$out/val.csv" --properties all --output "$dir/val-predictions.csv" \
          --threads "$threads" --quiet
      "$molprop" robustness --model "$dir" "$out/lipophilicity-1000.csv" --variants tautomer \
          --threads "$threads" --quiet > "$dir/robustness.txt"
    fi
  done
done
$py - "$out" "$forms" <<'PY'
import csv, json, math, statistics, sys
out, forms = sys.argv[1], sys.argv[2]
labels = list(csv.DictReader(open(f"{out}/val.csv")))
targets = list(labels[0].keys())[1:]
# The training-label sd of each target (the scale of train's own score), from base's training rows.
split = json.load(open(f"{out}/base/splits.json"))[0]
table = list(csv.DictReader(open(f"{out}/aug.csv")))
sd = {t: statistics.pstdev([float(table[i][t]) for i in split["train"] if table[i][t] != ""]) for t in targets}
def drift(path):
    # robustness's table: kind target molecules variants mean median p95 max test-RMSE
    cells, molecules = [], 0
    for line in open(path):
        f = line.split()
        if len(f) == 9 and f[0] == "tautomer" and f[1] in ("logS", "logP", "logD7.4"):
            cells.append(f"{f[1]} {f[5]} / {f[6]}")
            molecules = f[2]
    return "median / p95 drift " + ", ".join(cells) + f" ({molecules} molecules with a tautomer)"
print("| model | tautomer_forms | " + " | ".join(targets) + " | score (mean RMSE/sd) |")
print("|---" * (len(targets) + 3) + "|")
for name in ("base", "aug"):
    for n in ("0", "1", forms):
        rows = list(csv.reader(open(f"{out}/{name}-t{n}/val-predictions.csv")))
        header, pred = rows[0], rows[1:]
        rmse = {}
        for t in targets:
            col = next(i for i, h in enumerate(header) if h.startswith(t + " (") or h == t + "_pred")
            e = [(float(p[col]) - float(l[t])) ** 2 for p, l in zip(pred, labels) if l[t] != "" and p[col] != ""]
            rmse[t] = math.sqrt(sum(e) / len(e))
        score = statistics.fmean(rmse[t] / sd[t] for t in targets)
        print(f"| {name} | {n} | " + " | ".join(f"{rmse[t]:.3f}" for t in targets) + f" | {score:.4f} |")
print()
for name in ("base", "aug"):
    for n in ("0", "1", forms):
        print(f"{name}, tautomer_forms {n}: {drift(f'{out}/{name}-t{n}/robustness.txt')}")
PY
