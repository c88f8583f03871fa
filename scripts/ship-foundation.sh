#!/usr/bin/env bash
# Ships a finished pretraining run as molprop's foundation encoder: copies RUN/encoder.h5 to
# share/molprop/models/foundation/ (installed with the binary; `molprop train --from
# foundation` finds it) and writes, beside it, run.json (the completion marker every model
# folder has) and provenance.json: the pretraining command, the corpus file and its sha256,
# the descriptor set and atom targets it was featurised with (and the featurisation command
# and time, from featurize.log beside CORPUS.h5 when present), steps, molecules, wall time,
# final losses, the molprop commit and the date.
#
# Usage: scripts/ship-foundation.sh RUN-DIR CORPUS.h5 CORPUS.csv SECONDS
#   RUN-DIR     a finished `molprop pretrain --output-dir` (encoder.h5, command.txt, log.csv)
#   CORPUS.h5   the featurised corpus it read; CORPUS.csv the CSV that was featurised
#   SECONDS     the pretraining wall time (all invocations of a resumed run together)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
molprop="${MOLPROP:-$root/build/cli/molprop}"
run="${1:?usage: ship-foundation.sh RUN-DIR CORPUS.h5 CORPUS.csv SECONDS}"
corpus_h5="${2:?usage: ship-foundation.sh RUN-DIR CORPUS.h5 CORPUS.csv SECONDS}"
corpus_csv="${3:?usage: ship-foundation.sh RUN-DIR CORPUS.h5 CORPUS.csv SECONDS}"
seconds="${4:?usage: ship-foundation.sh RUN-DIR CORPUS.h5 CORPUS.csv SECONDS}"
dest="$root/share/molprop/models/foundation"
for f in "$run/encoder.h5" "$run/command.txt" "$run/log.csv" "$corpus_h5" "$corpus_csv"; do
  [ -f "$f" ] || { echo "ship-foundation.sh: $f does not exist" >&2; exit 1; }
done
mkdir -p "$dest"
tmp="$(mktemp -d "$dest/.ship.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp "$run/encoder.h5" "$tmp/encoder.h5"
printf '{\n  "complete": true,\n  "format": "molprop-run",\n  "format_version": 1,\n  "models": [\n    "encoder.h5"\n  ]\n}\n' \
    > "$tmp/run.json"
inspect="$("$molprop" inspect "$corpus_h5" 2>/dev/null | head -40 || true)"
python3 - "$tmp/provenance.json" "$run" "$corpus_h5" "$corpus_csv" "$seconds" "$inspect" <<'PY'
import csv, hashlib, json, subprocess, sys, datetime, os
path, run, corpus_h5, corpus_csv, seconds, inspect = sys.argv[1:]
def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
log = list(csv.DictReader(open(f"{run}/log.csv")))
# featurize.log beside the corpus (scripts/pretrain-foundation.sh keeps /usr/bin/time -v's report)
featurize = {}
flog = os.path.join(os.path.dirname(corpus_h5), "featurize.log")
if os.path.exists(flog):
    for line in open(flog, errors="replace"):
        line = line.strip()
        if line.startswith("molprop featurize:"): featurize["summary"] = line
        if line.startswith("Command being timed:"): featurize["command"] = line.split(":", 1)[1].strip().strip('"')
        if line.startswith("User time (seconds):"): featurize["cpu_seconds"] = float(line.split(":")[1])
        if line.startswith("Elapsed (wall clock) time"): featurize["wall"] = line.split(": ", 1)[1]
last = log[-1] if log else {}
commit = subprocess.run(["git", "-C", os.path.dirname(path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
prov = {
    "what": "molprop foundation encoder: a D-MPNN pretrained without labels (scripts/pretrain-foundation.sh)",
    "pretrain_command": open(f"{run}/command.txt").read().strip(),
    "corpus_csv": os.path.basename(corpus_csv),
    "corpus_csv_sha256": sha256(corpus_csv),
    "corpus_h5_sha256": sha256(corpus_h5),
    "corpus_h5_inspect": inspect.strip().splitlines(),
    "last_logged_step": int(float(last.get("step", 0))) if last else 0,
    "last_log_line": last,
    "pretraining_wall_seconds": int(seconds),
    "encoder_sha256": sha256(f"{run}/encoder.h5"),
    "molprop_commit": commit,
    "shipped": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "featurize": featurize,
    "licence_note": "the corpus includes ChEMBL-derived molecules (CC BY-SA 3.0, EMBL-EBI); see docs/results.md",
}
json.dump(prov, open(path, "w"), indent=2, sort_keys=True)
open(path, "a").write("\n")
PY
for f in encoder.h5 run.json provenance.json; do mv -f "$tmp/$f" "$dest/$f"; done
echo "shipped $(du -h "$dest/encoder.h5" | cut -f1) encoder to $dest" >&2
