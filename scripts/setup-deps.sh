#!/usr/bin/env bash
# Installs the Debian packages molprop needs, only those that are missing, so a second
# run is quick. Sourced by scripts/test.sh and scripts/demo.sh; also runnable alone.
set -euo pipefail

MOLPROP_PACKAGES=(
  build-essential cmake pkg-config
  librdkit-dev libboost-dev
  libtorch-dev libdnnl-dev ocl-icd-opencl-dev libgloo-dev libopenblas0-pthread
  libeigen3-dev libhdf5-dev zlib1g-dev
  libcli11-dev libgtest-dev nlohmann-json3-dev
  python3-h5py
)

missing=()
for p in "${MOLPROP_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present" >&2
fi
