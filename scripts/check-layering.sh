#!/usr/bin/env bash
# Layering check (run by ctest as `layering`, so by scripts/test.sh and CI): every folder
# includes only the folders it may use (docs/architecture.md), links the library of every
# folder it includes, and keeps third-party headers in their rooms. Prints one line per
# violation and exits 1 if there is any.
#   scripts/check-layering.sh [source root]
set -euo pipefail
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"

# folder → the folders it may include (besides itself). Dependencies point one way.
declare -A allowed=(
  [core]=""
  [chem]="core"
  [data]="core chem"
  [models]="core"
  [training]="core models"
  [regression]="core"
  [checkpoint]="core chem data models regression"
  [pretrain]="core chem data models training checkpoint"
  [finetune]="core chem data models training checkpoint regression"
  [inference]="core chem data models checkpoint regression"
  [api]="core chem data models checkpoint inference"
  [cli]="core chem data models training regression checkpoint pretrain finetune inference"
)
# Headers of another room that a folder may use without linking it (header-only structs).
declare -A header_only=(
  [models]="data/batch.h"
  [training]="data/batch.h"
)
# Third-party headers (regular expression on the include) → the folders that may use them.
declare -A third_party=(
  ['<torch/|<c10/|<ATen/']="models training checkpoint pretrain finetune inference cli"
  ['<GraphMol/|<RDGeneral/|<DataStructs/']="chem cli"
  ['<H5Cpp.h>|<hdf5.h>|<H5[A-Za-z]*.h>']="data checkpoint inference pretrain cli"
  ['<Eigen/']="regression"
  ['<oneapi/dnnl|<dnnl']="models"
  ['<CLI/']="cli"
)

status=0
complain() { echo "layering: $*"; status=1; }
contains() { local x; for x in $1; do [[ "$x" == "$2" ]] && return 0; done; return 1; }

for folder in "${!allowed[@]}"; do
  [[ -d "$folder" ]] || { complain "$folder/: folder listed in the rules is missing"; continue; }
  [[ -f "$folder/CMakeLists.txt" ]] || complain "$folder/: no CMakeLists.txt (one library per folder)"
  while IFS= read -r file; do
    while IFS= read -r line; do
      lineno="${line%%:*}"
      inc="${line#*:}"
      if [[ "$inc" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]+\"([a-z_]+)/([^\"]+)\" ]]; then
        dep="${BASH_REMATCH[1]}"
        header="$dep/${BASH_REMATCH[2]}"
        [[ "$dep" == "$folder" ]] && continue
        if contains "${header_only[$folder]:-}" "$header"; then continue; fi
        if ! contains "${allowed[$folder]}" "$dep"; then
          complain "$file:$lineno includes \"$header\": $folder/ may not use $dep/ (may use: ${allowed[$folder]:-nothing})"
        elif ! grep -q "molprop_$dep\b" "$folder/CMakeLists.txt"; then
          complain "$file:$lineno includes \"$header\" but $folder/CMakeLists.txt does not link molprop_$dep"
        fi
      elif [[ "$inc" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]+(\<[^\>]+\>) ]]; then
        h="${BASH_REMATCH[1]}"
        for pattern in "${!third_party[@]}"; do
          if [[ "$h" =~ ^($pattern) ]] && ! contains "${third_party[$pattern]}" "$folder"; then
            complain "$file:$lineno includes $h: only ${third_party[$pattern]} may"
          fi
        done
      fi
    done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$file" || true)
  done < <(find "$folder" -name '*.h' -o -name '*.cpp' | sort)
done

# Only the edges, cli/ and api/, read the environment (library code takes option fields).
while IFS= read -r hit; do
  complain "$hit: reads an environment variable outside cli/ and api/"
done < <(grep -rn --include='*.cpp' --include='*.h' -E '\b(std::)?(getenv|secure_getenv)\s*\(' \
           core chem data models training regression checkpoint pretrain finetune inference || true)

if ((status == 0)); then echo "layering: ok (${#allowed[@]} folders)"; fi
exit $status
