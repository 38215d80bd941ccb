#!/usr/bin/env bash
# Installs what edusim needs to build, test and run on Debian 12 (bookworm).
# This is the one place that names Debian packages; the Makefile and .ci/run call it.
# It installs only what is missing, so a second run costs a second.
#
#   scripts/install-deps.sh          build + test + plotting dependencies
#   scripts/install-deps.sh --check  exit 1 (and list them) if anything is missing, install nothing
set -euo pipefail

packages=(
  # toolchain
  gcc make cmake pkg-config git clang-format binutils
  # fuzz targets (tests/fuzz): clang with libFuzzer, llvm-symbolizer for stacks
  clang libclang-rt-14-dev llvm-14
  # libraries (DESIGN.md "Dependencies")
  libgsl-dev libhdf5-dev hdf5-tools libfyaml-dev libcsv-dev nettle-dev
  # readers the tests open results files with, and the plotting script
  python3 python3-numpy python3-h5py python3-xarray python3-h5netcdf python3-netcdf4 python3-pandas
  python3-matplotlib r-cran-hdf5r
  # a font with Chinese characters for the figures (region names)
  fonts-wqy-zenhei
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
