#!/usr/bin/env bash
# test_write_faults.sh: `edusim run` and `edusim export` when writing fails or
# is stopped (docs/output-format.md "Replacing a file", docs/export.md).
#
# 1. Every I/O call of `edusim run` in the output folder fails in turn, in the
#    manner of SQLite's I/O-error tests: es_fault.so (LD_PRELOAD) fails the
#    N-th write, pwrite, writev, fsync, fdatasync, close, rename or link on a
#    file or path in that folder, for N = 1, 2, 3, ... until a run no longer
#    reaches the N-th call, alternating ENOSPC and EIO. Each failed run must
#    exit 1 (no crash: status < 128) with one line on stderr holding the
#    system's text, leave the previous results file byte-identical and leave
#    no temporary file; the last run must exit 0 with a file `edusim info`
#    reads.
# 2. The same loop for `edusim export --force` over a previous export: every
#    previous file byte-identical, no temporary file; the last run writes
#    exactly what an export elsewhere writes.
# 3. A stop signal (SIGINT) raised at each call of `edusim run` and at a few
#    of `edusim export`: exit 130 with everything as it was, or exit 0 when
#    the signal came after the point of no return (the rename).
# 4. Real limits: a file size limit (ulimit -f, SIGXFSZ ignored) and, when
#    this machine lets us mount one, a small tmpfs that fills up.
# 5. Outputs that are not regular files (a FIFO, a symbolic link, /dev/full
#    as root) are refused with exit 2 and left untouched, by run and export.
# 6. A file system without hard links (link fails with EPERM), a write
#    interrupted by a signal (EINTR, retried), every call of a run to a new
#    name without --force, and a parent of the output that is a file.
#
# Environment: EDUSIM, the program; ES_FAULT_LIB, es_fault.so; ES_SCRATCH, a
# scratch folder (created); ES_SOURCE_DIR, the repository.
set -u

: "${EDUSIM:?EDUSIM must name the edusim program}"
: "${ES_FAULT_LIB:?ES_FAULT_LIB must name es_fault.so}"
: "${ES_SCRATCH:?ES_SCRATCH must name a scratch folder}"
: "${ES_SOURCE_DIR:?ES_SOURCE_DIR must name the repository}"
tiny=$ES_SOURCE_DIR/scenarios/examples/tiny/scenario.yaml
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"

# Under AddressSanitizer the sanitizer's runtime must come first among the
# loaded libraries unless told not to check: the shim comes before it.
if ldd "$EDUSIM" 2>/dev/null | grep -q libasan; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fi

# faulted N ERRNO DIR COMMAND...: run COMMAND with the N-th I/O call in DIR
# failing with ERRNO; stdout in out.txt, stderr in err.txt, status in
# $status, the shim's report in report.txt.
faulted() {
  local n=$1 errno=$2 dir=$3
  shift 3
  rm -f report.txt
  LD_PRELOAD=$ES_FAULT_LIB ES_FAULT_DIR=$dir ES_FAULT_N=$n \
    ES_FAULT_ERRNO=$errno ES_FAULT_REPORT=$PWD/report.txt \
    "$@" >out.txt 2>err.txt
  status=$?
}

# stopped N DIR COMMAND...: the same, SIGINT raised at the N-th call.
stopped() {
  local n=$1 dir=$2
  shift 2
  rm -f report.txt
  LD_PRELOAD=$ES_FAULT_LIB ES_FAULT_DIR=$dir ES_FAULT_N=$n \
    ES_FAULT_SIGNAL=INT ES_FAULT_REPORT=$PWD/report.txt \
    "$@" >out.txt 2>err.txt
  status=$?
}

fired() { grep -q '^fired' report.txt 2>/dev/null; }
fired_call() { awk '/^fired/ {print $2; exit}' report.txt; }
fired_path() { awk '/^fired/ {print $3; exit}' report.txt; }

# errno_of N / text_of ERRNO: ENOSPC for odd N, EIO for even, and their text.
errno_of() { if [ $(($1 % 2)) -eq 1 ]; then echo ENOSPC; else echo EIO; fi; }
text_of() {
  case $1 in
    ENOSPC) echo "No space left on device" ;;
    EIO) echo "Input/output error" ;;
  esac
}

# snapshot DIR: every file under DIR (hidden ones too) with its digest.
snapshot() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# temps DIR: the temporary files and kept links left in DIR.
temps() { find "$1" -name '*.tmp.*' | sort; }

# failed_cleanly WHAT WANT_STATUS TEXT: the common checks of a failed run.
failed_cleanly() {
  local what=$1 want=$2 text=$3
  if [ "$status" -ne "$want" ]; then
    fail "$what: exit $status, expected $want; stderr: $(cat err.txt)"
    return
  fi
  pass "$what: exit $want"
  if [ "$(wc -l <err.txt)" -eq 1 ] && grep -qF -- "$text" err.txt; then
    pass "$what: one line with '$text'"
  else
    fail "$what: expected one line with '$text', got: $(cat err.txt)"
  fi
}

if [ ! -f "$ES_FAULT_LIB" ]; then
  fail "no fault library at $ES_FAULT_LIB"
  finish
fi

# ---- 1. every I/O call of edusim run fails in turn ----------------------
mkdir runs
check "a first results file" "$EDUSIM" run "$tiny" -o runs/out.h5 --quiet
cp runs/out.h5 previous.h5
calls=""
n=1
final_n=0
while [ "$n" -le 200 ]; do
  e=$(errno_of "$n")
  faulted "$n" "$e" runs "$EDUSIM" run "$tiny" -o runs/out.h5 --force --quiet
  if ! fired; then
    final_n=$n
    break
  fi
  what="run, $(fired_call) #$n fails with $e"
  calls="$calls $(fired_call)"
  if [ "$status" -ge 128 ]; then
    fail "$what: crashed (exit $status)"
  fi
  failed_cleanly "$what" 1 "$(text_of "$e")"
  if cmp -s runs/out.h5 previous.h5; then
    pass "$what: previous file byte-identical"
  else
    fail "$what: previous file changed"
  fi
  left=$(temps runs)
  if [ -z "$left" ]; then pass "$what: no temporary file"; else fail "$what: left $left"; fi
  n=$((n + 1))
done
if [ "$final_n" -gt 0 ] && [ "$status" -eq 0 ]; then
  pass "run with no fault reached (N=$final_n): exit 0"
else
  fail "the last run (N=$n): exit $status, fired: $(cat report.txt)"
fi
check "the last run's file reads" "$EDUSIM" info runs/out.h5
if [ -z "$(temps runs)" ]; then pass "no temporary file after the last run"; else fail "temporary files: $(temps runs)"; fi
for c in write fsync close link rename; do
  case " $calls " in
    *" $c "*) pass "run: a $c failed at least once" ;;
    *) fail "run: no $c call was ever failed (calls:$calls)" ;;
  esac
done

# ---- 2. every I/O call of edusim export fails in turn -------------------
check "results A" "$EDUSIM" run "$tiny" -o a.h5 --quiet
check "results B" "$EDUSIM" run "$tiny" -o b.h5 --quiet --mode stochastic -r 2 --seed 5
mkdir exports
check "a previous export (A)" "$EDUSIM" export a.h5 --csv exports/x
# The loop exports two groups, the scenario texts and metadata.csv (every
# kind of call, a few dozen of them) rather than all groups (hundreds of
# writes of the same kind).
subset=(--group indicators --group scenario)
check "the reference export (B)" "$EDUSIM" export b.h5 --csv reference "${subset[@]}"
snapshot exports/x >before.txt
calls=""
n=1
final_n=0
while [ "$n" -le 400 ]; do
  e=$(errno_of "$n")
  faulted "$n" "$e" exports "$EDUSIM" export b.h5 --csv exports/x --force "${subset[@]}"
  if ! fired; then
    final_n=$n
    break
  fi
  what="export, $(fired_call) #$n fails with $e"
  calls="$calls $(fired_call)"
  if [ "$status" -ge 128 ]; then
    fail "$what: crashed (exit $status)"
  fi
  failed_cleanly "$what" 1 "$(text_of "$e")"
  snapshot exports/x >after.txt
  if cmp -s before.txt after.txt; then
    pass "$what: previous files intact"
  else
    fail "$what: previous files changed: $(diff before.txt after.txt | head -5)"
  fi
  left=$(temps exports)
  if [ -z "$left" ]; then pass "$what: no temporary file"; else fail "$what: left $left"; fi
  n=$((n + 1))
done
if [ "$final_n" -gt 0 ] && [ "$status" -eq 0 ]; then
  pass "export with no fault reached (N=$final_n): exit 0"
else
  fail "the last export (N=$n): exit $status, fired: $(cat report.txt)"
fi
differ=""
for f in $(cd reference && find . -type f); do
  cmp -s "reference/$f" "exports/x/$f" || differ="$differ $f"
done
if [ -z "$differ" ]; then
  pass "the last export wrote what an export elsewhere writes"
else
  fail "the last export differs from the reference in:$differ"
fi
for c in write fsync close link rename; do
  case " $calls " in
    *" $c "*) pass "export: a $c failed at least once" ;;
    *) fail "export: no $c call was ever failed (calls:$calls)" ;;
  esac
done

# ---- 3. a stop signal at each call --------------------------------------
# Exit 130 with nothing changed, or exit 0 when the signal came at or after
# the point of no return (the kept link, the rename, the folder's sync).
n=1
while [ "$n" -le 200 ]; do
  cp runs/out.h5 previous.h5
  stopped "$n" runs "$EDUSIM" run "$tiny" -o runs/out.h5 --force --quiet
  if ! fired; then
    break
  fi
  what="run, SIGINT at $(fired_call) #$n"
  if [ "$status" -eq 130 ]; then
    pass "$what: exit 130"
    contains err.txt "stopped by signal 2; nothing was written"
    if cmp -s runs/out.h5 previous.h5; then pass "$what: previous file byte-identical"; else fail "$what: previous file changed"; fi
  elif [ "$status" -eq 0 ] && { [ "$(fired_call)" = rename ] || [ -d "$(fired_path)" ] ||
    case "$(fired_path)" in *.old) true ;; *) false ;; esac; }; then
    pass "$what: after the point of no return, exit 0"
  else
    fail "$what: exit $status; stderr: $(cat err.txt)"
  fi
  if [ -z "$(temps runs)" ]; then pass "$what: no temporary file"; else fail "$what: left $(temps runs)"; fi
  n=$((n + 1))
done
snapshot exports/x >before.txt
for n in 1 10 40; do
  stopped "$n" exports "$EDUSIM" export a.h5 --csv exports/x --force
  what="export, SIGINT at $(fired_call) #$n"
  if [ "$status" -eq 130 ]; then pass "$what: exit 130"; else fail "$what: exit $status: $(cat err.txt)"; fi
  contains err.txt "edusim export: stopped by signal 2; nothing was written"
  snapshot exports/x >after.txt
  if cmp -s before.txt after.txt; then pass "$what: files intact"; else fail "$what: files changed"; fi
  if [ -z "$(temps exports)" ]; then pass "$what: no temporary file"; else fail "$what: left $(temps exports)"; fi
done

# ---- 4. real limits: a file size limit, a full file system -------------
cp runs/out.h5 previous.h5
bash -c "ulimit -f 64; trap '' XFSZ; exec '$EDUSIM' run '$tiny' -o runs/out.h5 --force --quiet" \
  >out.txt 2>err.txt
status=$?
failed_cleanly "run under ulimit -f 64" 1 "File too large"
if cmp -s runs/out.h5 previous.h5; then pass "ulimit: previous file byte-identical"; else fail "ulimit: previous file changed"; fi
if [ -z "$(temps runs)" ]; then pass "ulimit: no temporary file"; else fail "ulimit: left $(temps runs)"; fi
snapshot exports/x >before.txt
bash -c "ulimit -f 64; trap '' XFSZ; exec '$EDUSIM' export b.h5 --csv exports/x --force" \
  >out.txt 2>err.txt
status=$?
failed_cleanly "export under ulimit -f 64" 1 "File too large"
snapshot exports/x >after.txt
if cmp -s before.txt after.txt; then pass "ulimit: previous export intact"; else fail "ulimit: previous export changed"; fi
if [ -z "$(temps exports)" ]; then pass "ulimit: no temporary CSV file"; else fail "ulimit: left $(temps exports)"; fi

mkdir small
size_kb=$(( $(stat -c %s previous.h5) / 1024 + 64 ))
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o "size=${size_kb}k" tmpfs small 2>/dev/null; then
  trap 'umount "$ES_SCRATCH/small" 2>/dev/null' EXIT
  cp previous.h5 small/out.h5
  # The resource check would refuse the run up front (the file may take more
  # than is free): pass it, so that the disk really fills up while writing.
  "$EDUSIM" run "$tiny" -o small/out.h5 --force --quiet --no-resource-check \
    >out.txt 2>err.txt
  status=$?
  failed_cleanly "run on a full tmpfs" 1 "No space left on device"
  if cmp -s small/out.h5 previous.h5; then pass "full tmpfs: previous file byte-identical"; else fail "full tmpfs: previous file changed"; fi
  if [ -z "$(temps small)" ]; then pass "full tmpfs: no temporary file"; else fail "full tmpfs: left $(temps small)"; fi
  "$EDUSIM" export b.h5 --csv small/x >out.txt 2>err.txt
  status=$?
  failed_cleanly "export on a full tmpfs" 1 "No space left on device"
  if [ ! -e small/x ]; then pass "full tmpfs: the export's folder removed"; else fail "full tmpfs: left $(ls -A small/x)"; fi
  umount small
  trap - EXIT
else
  echo "SKIP: cannot mount a tmpfs here (needs root and mount rights); the full file system part is not run"
fi

# ---- 5. outputs that are not regular files ------------------------------
mkfifo runs/pipe.h5
expect_status 2 "run -o FIFO --force" "$EDUSIM" run "$tiny" -o runs/pipe.h5 --force --quiet
contains err.txt "is a FIFO (named pipe) (expected a regular file to replace, or a new name)"
check "the FIFO is left" test -p runs/pipe.h5
ln -s out.h5 runs/link.h5
cp runs/out.h5 previous.h5
expect_status 2 "run -o symlink --force" "$EDUSIM" run "$tiny" -o runs/link.h5 --force --quiet
contains err.txt "is a symbolic link"
check "the link is left" test -L runs/link.h5
check "its target is unchanged" cmp runs/out.h5 previous.h5
if [ "$(id -u)" -eq 0 ] && [ -c /dev/full ]; then
  expect_status 2 "run -o /dev/full --force (as root)" "$EDUSIM" run "$tiny" -o /dev/full --force --quiet
  contains err.txt "'/dev/full' is a character device"
  check "/dev/full is still a device" test -c /dev/full
  check "no temporary file in /dev" bash -c '! ls /dev/full.tmp.* 2>/dev/null | grep -q .'
else
  echo "SKIP: not root; /dev/full is not tried"
fi
check "no temporary file in runs" test -z "$(temps runs)"

mkdir odd
mkfifo odd/population.csv
expect_status 2 "export over a FIFO" "$EDUSIM" export a.h5 --csv odd --force
contains err.txt "'odd/population.csv' is a FIFO (named pipe)"
check "the FIFO is left" test -p odd/population.csv
rm odd/population.csv
ln -s ../previous.h5 odd/metadata.csv
expect_status 2 "export over a symbolic link" "$EDUSIM" export a.h5 --csv odd --force
contains err.txt "'odd/metadata.csv' is a symbolic link"
check "the link is left" test -L odd/metadata.csv
check "only the link is in the folder" test "$(ls -A odd)" = metadata.csv

# ---- 6. the paths less travelled ----------------------------------------
# only_call CALL ERRNO DIR COMMAND...: the first CALL in DIR fails with ERRNO.
only_call() {
  local call=$1 errno=$2 dir=$3
  shift 3
  rm -f report.txt
  LD_PRELOAD=$ES_FAULT_LIB ES_FAULT_DIR=$dir ES_FAULT_N=1 ES_FAULT_CALL=$call \
    ES_FAULT_ERRNO=$errno ES_FAULT_REPORT=$PWD/report.txt \
    "$@" >out.txt 2>err.txt
  status=$?
}

# A file system without hard links (link fails with EPERM): the results
# file and the export are still put in place, by rename.
mkdir nolinks
only_call link EPERM nolinks "$EDUSIM" run "$tiny" -o nolinks/new.h5 --quiet
if [ "$status" -eq 0 ] && fired; then pass "run, no hard links, new name: exit 0"; else fail "run, no hard links, new name: exit $status: $(cat err.txt)"; fi
check "its file reads" "$EDUSIM" info nolinks/new.h5
only_call link EPERM nolinks "$EDUSIM" run "$tiny" -o nolinks/new.h5 --force --quiet
if [ "$status" -eq 0 ] && fired; then pass "run, no hard links, --force: exit 0"; else fail "run, no hard links, --force: exit $status: $(cat err.txt)"; fi
check "its file reads" "$EDUSIM" info nolinks/new.h5
check "no temporary file or kept link" test -z "$(temps nolinks)"
check "an export to replace" "$EDUSIM" export a.h5 --csv nolinks/x "${subset[@]}"
only_call link EPERM nolinks "$EDUSIM" export b.h5 --csv nolinks/x --force "${subset[@]}"
if [ "$status" -eq 0 ] && fired; then pass "export, no hard links: exit 0"; else fail "export, no hard links: exit $status: $(cat err.txt)"; fi
check "it wrote the reference's files" diff -r nolinks/x reference
check "no temporary CSV file or kept link" test -z "$(temps nolinks)"

# An interrupted write (EINTR) is simply retried.
mkdir eintr
only_call write EINTR eintr "$EDUSIM" run "$tiny" -o eintr/out.h5 --quiet
if [ "$status" -eq 0 ] && fired; then pass "run, write interrupted once: exit 0"; else fail "run, EINTR: exit $status: $(cat err.txt)"; fi
check "its file reads" "$EDUSIM" info eintr/out.h5
only_call write EINTR eintr "$EDUSIM" export b.h5 --csv eintr/x "${subset[@]}"
if [ "$status" -eq 0 ] && fired; then pass "export, write interrupted once: exit 0"; else fail "export, EINTR: exit $status: $(cat err.txt)"; fi
check "it wrote the reference's files" diff -r eintr/x reference

# Without --force, to a new name (published by a hard link): every call
# fails in turn; no file and no temporary file is left.
mkdir fresh
n=1
while [ "$n" -le 100 ]; do
  e=$(errno_of "$n")
  faulted "$n" "$e" fresh "$EDUSIM" run "$tiny" -o fresh/new.h5 --quiet
  if ! fired; then
    break
  fi
  what="run to a new name, $(fired_call) #$n fails with $e"
  failed_cleanly "$what" 1 "$(text_of "$e")"
  if [ -z "$(ls -A fresh)" ]; then pass "$what: nothing left"; else fail "$what: left $(ls -A fresh)"; fi
  n=$((n + 1))
done
if [ "$status" -eq 0 ] && [ -f fresh/new.h5 ]; then pass "run to a new name, no fault reached: exit 0"; else fail "run to a new name, last: exit $status"; fi

# A parent of the output that is a file.
expect_status 1 "run -o FILE/x.h5" "$EDUSIM" run "$tiny" -o previous.h5/x.h5 --quiet
contains err.txt "cannot check 'previous.h5/x.h5': Not a directory"
finish
