#!/usr/bin/env bash
# Benchmarks of edusim (results go into bench/README.md by hand, with the
# machine they ran on). Not part of the test suite: timings are not tests.
#
#   bench/run.sh [BUILD_DIR]     default build
#
# Each case generates a synthetic scenario with bench/make_scenario.py, runs
# it with /usr/bin/time -v and prints wall time and peak memory (max RSS).
set -euo pipefail
build=${1:-build}
edusim=$build/edusim
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_case() { # run_case LABEL THREADS SCENARIO_ARGS...
  local label=$1 threads=$2; shift 2
  local dir=$work/$label
  /usr/bin/python3 "$here/make_scenario.py" "$dir" "$@" >/dev/null
  local best=""
  for rep in 1 2 3; do
    /usr/bin/time -v "$edusim" run "$dir/scenario.yaml" -o "$dir/out.h5" --force --quiet \
      -j "$threads" 2>"$dir/time.txt"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
    best="$best $wall"
    echo "$label threads=$threads rep=$rep wall=$wall max_rss_kib=$rss file_bytes=$(stat -c %s "$dir/out.h5")"
  done
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2, $3}' /proc/meminfo), $(uname -sr)"
echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
run_case det-3000x30 1 --regions 3000 --years 29 --seed 1
run_case det-3000x30 2 --regions 3000 --years 29 --seed 1
