#!/usr/bin/env bash
# OpenMP scaling of edusim on a many-core machine (bench/README.md), run where
# the Debian libraries are not installed: the program travels with its shared
# libraries and glibc's loader in .devlibs/ (not committed; made by
#   mkdir -p .devlibs && for l in $(ldd build/edusim | awk '/=>/ {print $3}');
#   do cp -L "$l" .devlibs/; done; cp -L /lib64/ld-linux-x86-64.so.2 .devlibs/
# ). Writes the table to stdout and to $OUT/scaling.md when OUT is set.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 1
run() { "$here/.devlibs/ld-linux-x86-64.so.2" --library-path "$here/.devlibs" "$here/build/edusim" "$@"; }
reps=${REPS:-400}
work=$(mktemp -d)
python3 bench/make_scenario.py "$work/sto" --regions 224 --years 20 --seed 2 --mode stochastic \
  --replicates "$reps" >/dev/null
python3 bench/make_scenario.py "$work/det" --regions 3000 --years 29 --seed 1 >/dev/null
out=${OUT:-$work}/scaling.md
{
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
  run --version
  echo
  echo "| case | threads | wall s | replicates/s | speed-up |"
  echo "|---|---:|---:|---:|---:|"
} | tee "$out"
base=""
for j in 1 2 4 8 16; do
  s=$(date +%s.%N)
  run run "$work/sto/scenario.yaml" -o "$work/sto.h5" --force --quiet -j "$j" || exit 1
  e=$(date +%s.%N)
  wall=$(echo "$e - $s" | bc -l 2>/dev/null || python3 -c "print($e - $s)")
  [ -n "$base" ] || base=$wall
  python3 -c "print(f'| stochastic, 224 regions x 21 years x 5 strategies x $reps replicates | $j | {$wall:.1f} | {$reps/$wall:.1f} | {$base/$wall:.2f} |')" | tee -a "$out"
done
cp "$work/sto.h5" "$work/sto16.h5"
run run "$work/sto/scenario.yaml" -o "$work/sto1.h5" --force --quiet -j 1 -r 40 || exit 1
run run "$work/sto/scenario.yaml" -o "$work/sto16b.h5" --force --quiet -j 16 -r 40 || exit 1
python3 - "$work/sto1.h5" "$work/sto16b.h5" <<'PY' | tee -a "$out"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n = bad = 0
def visit(name, obj):
    global n, bad
    if isinstance(obj, h5py.Dataset):
        n += 1
        x, y = obj[()], b[name][()]
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            same = x.tobytes() == y.tobytes()
        elif isinstance(x, np.ndarray):
            same = np.array_equal(x, y)
        else:  # scalar strings of the scenario group
            same = x == y
        bad += 0 if same else 1
a.visititems(visit)
print(f"\n1 vs 16 threads (40 replicates): {n - bad} of {n} datasets identical bit for bit")
PY
for j in 1 16; do
  s=$(date +%s.%N)
  run run "$work/det/scenario.yaml" -o "$work/det.h5" --force --quiet -j "$j" || exit 1
  e=$(date +%s.%N)
  python3 -c "print(f'deterministic 3,000 regions x 30 years x 5 strategies with the HDF5 write, -j $j: {$e - $s:.2f} s')" | tee -a "$out"
done
