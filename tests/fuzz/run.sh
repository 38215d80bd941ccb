#!/usr/bin/env bash
# Runs the libFuzzer targets of a fuzzing build (docs/testing.md), each for
# SECONDS, one after the other, and fails when one finds a crash, a hang over
# 5 s, a leak or a memory blow-up in edusim's code.
#
#   tests/fuzz/run.sh BUILD SECONDS [TARGET...]     (default: every target)
#
# BUILD is a build folder configured with -DEDUSIM_FUZZ=ON (CC=clang). New
# inputs go to $FUZZ_WORK/corpus/<target> (default BUILD/fuzz-work), never into
# the committed corpus, which is read from tests/fuzz/corpus and
# tests/fuzz/regress; what a target finds goes to $FUZZ_WORK/artifacts/<target>
# and its log to $FUZZ_WORK/logs/<target>.log. Each run appends "date target
# wall_s cpu_s status" to $FUZZ_WORK/cpu.log, the account of fuzzing time.
# FUZZ_NICE (default 0) is the niceness the fuzzers run at.
#
# The results targets read HDF5 files through libhdf5, whose own parser
# crashes, leaks or hangs on some damaged files (docs/testing.md). They run in
# libFuzzer's fork mode, which goes on after a crash, a leak or a hang; each
# is then replayed and its stacks read (classify below): one that lies inside
# libhdf5 is listed as known and does not fail the run, nor does one that
# does not reproduce; any other fails it.
set -uo pipefail
build=${1:?usage: run.sh BUILD SECONDS [TARGET...]}
seconds=${2:?usage: run.sh BUILD SECONDS [TARGET...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
work=${FUZZ_WORK:-$build/fuzz-work}
nice_level=${FUZZ_NICE:-0}
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(scenario csv_regions csv_population csv_teachers csv_seats csv_od
           apportion results results_signed cli)
fi
for s in /usr/lib/llvm-14/bin/llvm-symbolizer "$(command -v llvm-symbolizer || true)"; do
  if [ -n "$s" ] && [ -x "$s" ]; then
    export ASAN_SYMBOLIZER_PATH=$s
    break
  fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

dict_of() {
  case $1 in
    scenario) echo "$here/dict/scenario.dict" ;;
    csv_* | apportion) echo "$here/dict/csv.dict" ;;
    cli) echo "$here/dict/cli.dict" ;;
  esac
}

# Where the first frame of a stack that is neither sanitizer runtime nor libc
# lies: "libhdf5", "edusim FUNCTION FILE:LINE", or "unknown".
first_frame() {
  awk -v src="$src/" '
    /^ *#[0-9]+ 0x/ {
      frames = 1
      if ($0 ~ /libhdf5/) { print "libhdf5"; found = 1; exit }
      if (index($5, src) == 1 && substr($5, length(src) + 1) ~ /^(models|scenarios|output|sim|tests)\//) {
        print "edusim " $4 " " $5; found = 1; exit
      }
      next
    }
    frames { print "unknown"; found = 1; exit }
    END { if (frames && !found) print "unknown" }'
}

# Replays artifact $2 of target binary $1 (with -timeout=5) and prints where
# its failure lies:
# "libhdf5" when inside libhdf5, "not reproduced" when the replay passes,
# else a line naming the place. A crash is inside libhdf5 when the first frame
# of its stack outside the sanitizer runtime and libc is in libhdf5 and so is
# that of the allocation it concerns (if any). A leak is when every leaked
# block was allocated by libhdf5 and none through H5Aread or H5Dread, the two
# calls that hand memory (variable-length strings) to their caller. A hang is
# placed by the stack libFuzzer prints when its 5 s alarm fires.
classify() {
  local report rc
  report=$(ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 "$1" -timeout=5 "$2" 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "not reproduced"
    return
  fi
  if printf '%s\n' "$report" | grep -q "ERROR: LeakSanitizer"; then
    local where block n=0 bad=""
    while IFS= read -r block; do
      n=$((n + 1))
      where=$(printf '%s\n' "$report" |
                awk -v k="$n" '/^(Direct|Indirect) leak/ { i++ } i == k' |
                tail -n +2 | first_frame)
      [ "$where" = "libhdf5" ] || bad="leak in ${where:-unknown}"
    done < <(printf '%s\n' "$report" | grep -E '^(Direct|Indirect) leak')
    if [ -z "$bad" ] && ! printf '%s\n' "$report" | grep -qE 'H5Aread|H5Dread'; then
      echo "libhdf5"
    else
      echo "${bad:-leak of memory read through H5Aread/H5Dread}"
    fi
    return
  fi
  local crash alloc
  crash=$(printf '%s\n' "$report" | sed -n '/ERROR: \|runtime error: \|ALARM: /,$p' | first_frame)
  alloc=$(printf '%s\n' "$report" | sed -n '/allocated by thread/,$p' | first_frame)
  if [ "$crash" = "libhdf5" ] && { [ -z "$alloc" ] || [ "$alloc" = "libhdf5" ]; }; then
    echo "libhdf5"
  else
    echo "${crash:-unknown} (allocated: ${alloc:-n/a})"
  fi
}

mkdir -p "$work/logs"
failed=()
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "run.sh: no $bin (configure with -DEDUSIM_FUZZ=ON)" >&2
    exit 2
  fi
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  flags=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048
         -close_fd_mask=3 -print_final_stats=1
         -artifact_prefix="$work/artifacts/$t/")
  dict=$(dict_of "$t")
  [ -n "$dict" ] && flags+=(-dict="$dict")
  fork=0
  case $t in
    results*) fork=1
      flags+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=0) ;;
  esac
  log=$work/logs/$t.log
  echo "run.sh: $t for ${seconds} s (log $log)"
  start=$(date +%s)
  TIMEFORMAT='%U %S'
  cpu=$( { time nice -n "$nice_level" "$bin" "${flags[@]}" "$work/corpus/$t" \
             "$here/corpus/$t" "$here/regress/$t" >"$log" 2>&1; \
           echo "rc=$?" >>"$log"; } 2>&1 )
  wall=$(( $(date +%s) - start ))
  cpu_s=$(echo "$cpu" | awk '{printf "%.0f", $1 + $2}')
  rc=$(sed -n 's/^rc=//p' "$log" | tail -1)
  status=ok
  if [ "$fork" -eq 0 ] && [ "$rc" != 0 ]; then
    status=failed
  fi
  for a in "$work/artifacts/$t"/*; do
    [ -e "$a" ] || continue
    case $(basename "$a") in
      crash-* | leak-* | timeout-*)
        kind=$(basename "$a" | cut -d- -f1)
        where=$(classify "$bin" "$a")
        case $where in
          libhdf5) echo "run.sh: $t: known $kind inside libhdf5: $a" ;;
          "not reproduced") echo "run.sh: $t: $kind not reproduced: $a" ;;
          *) echo "run.sh: $t: $kind: $where: $a" >&2
             status=failed ;;
        esac ;;
      *)
        echo "run.sh: $t: $(basename "$a" | cut -d- -f1): $a" >&2
        status=failed ;;
    esac
  done
  if [ "$fork" -eq 1 ] && [ "$status" = ok ] && [ "$rc" != 0 ] &&
     ! ls "$work/artifacts/$t" | grep -qE '^(crash|leak)-'; then
    status=failed # libFuzzer failed without an artifact (could not start)
  fi
  echo "$(date -u +%FT%TZ) $t $wall $cpu_s $status" >>"$work/cpu.log"
  if [ "$status" != ok ]; then
    tail -n 40 "$log" >&2
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "run.sh: failed: ${failed[*]} (artifacts under $work/artifacts)" >&2
  exit 1
fi
echo "run.sh: ${#targets[@]} targets, no crash, hang or leak in edusim"
