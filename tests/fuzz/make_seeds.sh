#!/usr/bin/env bash
# Makes the results-file seeds of the fuzz targets results and results_signed
# from the tiny example, cut to 2020-2022 so that the files stay small:
#   corpus/results/tiny-deterministic   `run --strategy rank`, as written
#   corpus/results/tiny-stochastic      `run --mode stochastic -r 2
#                                          --strategy need`, repacked with
#                                          contiguous datasets (h5repack)
#   corpus/results_signed/*                 the same two behind a 512-byte
#                                          user block holding their digest
# (the layout of docs/output-format.md: "edusim-digest 1\nsha256 ", 64 hex
# digits of the SHA-256 of the bytes after the block, "\n", NULs). Files that
# the writer already signs are copied as they are into results_signed.
#
#   tests/fuzz/make_seeds.sh build/edusim
set -euo pipefail
edusim=$(realpath "${1:?usage: make_seeds.sh path/to/edusim}")
here=$(cd "$(dirname "$0")" && pwd)
tiny=$here/../../scenarios/examples/tiny
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$tiny"/*.csv "$tmp"/
sed -e 's|^output:.*|output: {file: results.h5, statistics: [mean]}|' \
    -e 's|^years:.*|years: {start: 2020, end: 2022}|' \
    "$tiny/scenario.yaml" > "$tmp/scenario.yaml"
cd "$tmp"
"$edusim" run scenario.yaml -o det.h5 --strategy rank --quiet
"$edusim" run scenario.yaml -o sto-chunked.h5 --mode stochastic -r 2 \
  --strategy need --quiet

# A file signed by the writer starts with the digest header; an unsigned one
# with the HDF5 signature.
signed() { head -c 13 "$1" | grep -q '^edusim-digest'; }
unsign() { # the HDF5 part of a file, without its user block
  if signed "$1"; then tail -c +513 "$1"; else cat "$1"; fi
}
sign() { # $1 an unsigned file -> $2 the same behind a signed user block
  /usr/bin/python3 - "$1" "$2" <<'PY'
import hashlib, subprocess, sys
src, dst = sys.argv[1], sys.argv[2]
open(dst + ".ub", "wb").write(b"edusim-digest 1\n")
subprocess.run(["h5jam", "-i", src, "-u", dst + ".ub", "-o", dst + ".tmp"],
               check=True)
data = open(dst + ".tmp", "rb").read()
assert data[512:520] == b"\x89HDF\r\n\x1a\n", "no HDF5 signature at 512"
body = data[512:]
block = b"edusim-digest 1\nsha256 " + hashlib.sha256(body).hexdigest().encode() + b"\n"
open(dst, "wb").write(block.ljust(512, b"\0") + body)
PY
  rm -f "$2.tmp" "$2.ub"
}
unsign sto-chunked.h5 > sto-plain.h5
h5repack -l CONTI -f NONE sto-plain.h5 sto.h5

mkdir -p "$here/corpus/results" "$here/corpus/results_signed"
cp det.h5 "$here/corpus/results/tiny-deterministic"
cp sto.h5 "$here/corpus/results/tiny-stochastic"
if signed det.h5; then
  cp det.h5 "$here/corpus/results_signed/tiny-deterministic"
else
  sign det.h5 "$here/corpus/results_signed/tiny-deterministic"
fi
sign sto.h5 "$here/corpus/results_signed/tiny-stochastic"
ls -l "$here/corpus/results" "$here/corpus/results_signed"
