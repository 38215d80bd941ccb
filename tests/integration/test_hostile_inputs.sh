#!/usr/bin/env bash
# test_hostile_inputs.sh: the real `edusim validate`, `run` and `apportion` on
# inputs that once hung, ran out of memory or let a run fail after validate
# said "valid" (docs/scenario-format.md "Files", "Value bounds"). Every command
# runs under `timeout`, so a hang is a failure, not a stuck suite. Each bad
# input must give exit status 2, a file:line:column message naming the file,
# and no results file; a scenario with every value at the largest accepted one
# must validate and run to exit 0 with finite results in both modes.
# Env: EDUSIM, ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
src=$ES_SOURCE_DIR
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"

# Seconds any one command may take; the slowest here takes about 3. A hang
# inside libfyaml never looks at edusim's SIGTERM flag: -k kills it.
LIMIT=60

# refused DESCRIPTION MESSAGE COMMAND...: exit 2 within LIMIT seconds, MESSAGE
# on stderr, no results file out.h5.
refused() {
  local what=$1 message=$2
  shift 2
  rm -f out.h5
  expect_status 2 "$what" timeout -k 5 "$LIMIT" "$@"
  contains err.txt "$message"
  check "$what: no results file" test ! -e out.h5
}

# A copy of the tiny example whose KEY (regions, population, ...) names PATH.
tiny_with() {
  local dir=$1 key=$2 path=$3
  rm -rf "$dir" && cp -r "$src/scenarios/examples/tiny" "$dir"
  sed -i "s#^  $key: .*#  $key: $path#" "$dir/scenario.yaml"
}

# ---- YAML bytes: checked before libfyaml sees them -------------------------
# A directive followed by invalid UTF-8 made libfyaml 0.7.12 loop for ever.
printf '%%\xd1\n' >directive.yaml
refused "YAML directive + invalid UTF-8 (validate)" \
  "directive.yaml:1:2: error: invalid UTF-8 byte 0xD1 (expected UTF-8 text" \
  "$EDUSIM" validate directive.yaml
refused "YAML directive + invalid UTF-8 (run)" \
  "directive.yaml:1:2: error: invalid UTF-8 byte 0xD1" \
  "$EDUSIM" run directive.yaml -o out.h5
# A NUL byte used to cut the file short silently.
printf 'edusim: 1\nname: a\0b\n' >nul.yaml
refused "NUL byte in YAML" "nul.yaml:2:8: error: a NUL byte (expected UTF-8 text)" \
  "$EDUSIM" validate nul.yaml
# Invalid UTF-8 inside a plain value was not reported.
tiny_with plain regions regions.csv
sed -i 's/^name: tiny/name: tiny\xff/' plain/scenario.yaml
refused "invalid UTF-8 in a plain YAML value" \
  "plain/scenario.yaml:5:11: error: invalid UTF-8 byte 0xFF" \
  "$EDUSIM" validate plain/scenario.yaml

# ---- not regular files: refused at once, by name --------------------------
mkfifo fifo.yaml fifo.csv
refused "FIFO as the scenario (validate)" \
  "fifo.yaml:1:1: error: 'fifo.yaml' is a FIFO (named pipe), not a regular file (expected a YAML file)" \
  "$EDUSIM" validate fifo.yaml
refused "FIFO as the scenario (run)" "'fifo.yaml' is a FIFO (named pipe), not a regular file" \
  "$EDUSIM" run fifo.yaml -o out.h5
mkdir -p scenario.d
refused "a folder as the scenario" \
  "scenario.d:1:1: error: 'scenario.d' is a folder, not a regular file" \
  "$EDUSIM" validate scenario.d
tiny_with fifo regions "$PWD/fifo.csv"
refused "FIFO as regions.csv" \
  "fifo/scenario.yaml:14:3: error: data.regions: '$PWD/fifo.csv' is a FIFO (named pipe), not a regular file (expected a CSV file)" \
  "$EDUSIM" run fifo/scenario.yaml -o out.h5
tiny_with zero regions /dev/zero
refused "/dev/zero as regions.csv" \
  "data.regions: '/dev/zero' is a character device, not a regular file (expected a CSV file)" \
  "$EDUSIM" validate zero/scenario.yaml
tiny_with folder population ..
refused "a folder as population.csv" \
  "data.population: '.' is a folder, not a regular file" \
  "$EDUSIM" validate folder/scenario.yaml
refused "FIFO to apportion" \
  "edusim apportion: error: 'fifo.csv' is a FIFO (named pipe), not a regular file (expected a CSV file)" \
  "$EDUSIM" apportion fifo.csv --seats 10

# ---- size limits: by the size, before reading (sparse files: no disk used) -
truncate -s 17M big.yaml
refused "YAML over 16 MiB" \
  "big.yaml:1:1: error: 'big.yaml' is 17 MiB; the limit for a YAML file is 16 MiB" \
  "$EDUSIM" validate big.yaml
tiny_with big population population.csv
truncate -s 3100M big/population.csv
refused "CSV over 1 GiB" \
  "data.population: 'big/population.csv' is 3.03 GiB; the limit for a CSV file is 1 GiB" \
  "$EDUSIM" run big/scenario.yaml -o out.h5
rm -f big/population.csv big.yaml

# ---- CSV bytes ---------------------------------------------------------------
tiny_with gb regions regions.csv
# 渝中区 in GB18030, not UTF-8: a later feature, a clear error for now.
sed -i '2s/渝中区/\xd3\xe5\xd6\xd0\xc7\xf8/' gb/regions.csv
refused "GB18030 regions.csv" \
  "gb/regions.csv:2:8: error: invalid UTF-8 byte 0xD3 (expected UTF-8 text; save the file as UTF-8)" \
  "$EDUSIM" validate gb/scenario.yaml
tiny_with nulcsv regions regions.csv
printf '500999,x\0y,1,1\n' >>nulcsv/regions.csv
refused "NUL byte in regions.csv" \
  "nulcsv/regions.csv:7:9: error: a NUL byte (expected UTF-8 text)" \
  "$EDUSIM" validate nulcsv/scenario.yaml

# ---- values: validate refuses what run could not project ---------------------
tiny_with huge regions regions.csv
sed -i '2s/^500103,0,2283,/500103,0,1e308,/' huge/population.csv
refused "population 1e308 (validate)" \
  "huge/population.csv:2:10: error: column 'local': '1e308' is out of range (expected a number in [0, 1e9])" \
  "$EDUSIM" validate huge/scenario.yaml
refused "population 1e308 (run)" "column 'local': '1e308' is out of range" \
  "$EDUSIM" run huge/scenario.yaml -o out.h5
tiny_with births regions regions.csv
sed -i 's/^500103,渝中区,1,3262,/500103,渝中区,1,3e9,/' births/regions.csv
refused "births 3e9" "column 'births': '3e9' is out of range (expected a number in [0, 1e9])" \
  "$EDUSIM" validate births/scenario.yaml
tiny_with growth regions regions.csv
sed -i 's/^years: .*/years: {start: 1800, end: 2300}/; s/^  fertility_index: .*/  fertility_index: {2020: 100}/; s/external_in_rate: 0.004/external_in_rate: 1/' \
  growth/scenario.yaml
refused "compound growth over 500 years" \
  "growth/scenario.yaml:9:8: error: years: the projection could reach" \
  "$EDUSIM" run growth/scenario.yaml -o out.h5 --mode stochastic -r 2

# ---- the largest accepted values run, with finite results -------------------
cat >finite.py <<'PY'
"""finite.py FILE.h5 STRICT: no infinity anywhere; NaN only in the ratios
that are undefined without pupils or teachers (ptr, shares, inequality,
sd), and nowhere with STRICT = 1."""
import sys
import h5py
import numpy as np
RATIOS = {"ptr", "unmet_share", "over_standard_share", "gini", "theil",
          "theil_between", "theil_within"}
bad = []
def visit(name, obj):
    if not isinstance(obj, h5py.Dataset) or obj.dtype.kind != "f":
        return
    a = obj[()]
    if np.isinf(a).any():
        bad.append(f"{name}: {int(np.isinf(a).sum())} infinite")
    if np.isnan(a).any() and (sys.argv[2] == "1" or
                              name.split("/")[-1] not in RATIOS):
        bad.append(f"{name}: {int(np.isnan(a).sum())} NaN")
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
    n = sum(1 for _ in f["population"])
print("\n".join(bad) if bad else f"finite ({n} population variables)")
sys.exit(1 if bad or n == 0 else 0)
PY
for variant in stock growth limits rates; do
  strict=0
  [ "$variant" = stock ] && strict=1
  for mode in deterministic stochastic; do
    dir=extreme-$variant-$mode
    "$PYTHON" "$src/tests/integration/extreme_scenario.py" "$dir" "$variant" "$mode"
    expect_status 0 "$dir validates" timeout -k 5 "$LIMIT" "$EDUSIM" validate "$dir/scenario.yaml"
    expect_status 0 "$dir runs" timeout -k 5 "$LIMIT" "$EDUSIM" run "$dir/scenario.yaml" \
      -o "$dir/out.h5" --quiet
    if [ -e "$dir/out.h5" ] && "$PYTHON" finite.py "$dir/out.h5" "$strict" >finite.txt; then
      pass "$dir finite"
    else
      fail "$dir results not finite: $(cat finite.txt 2>/dev/null)"
    fi
  done
done

finish
