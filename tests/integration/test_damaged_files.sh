#!/usr/bin/env bash
# End-to-end tests of the results file's digest and the readers' checks:
# 1. the tiny example's results file carries its digest, opens in h5dump
#    unchanged, and edusim info says the digest was verified;
# 2. copies with 1 to 3 random bits flipped after the digest block (fixed
#    seed) are refused by info, compare and export alike: exit 2, the damage
#    message naming the file, nothing written, never a crash (exit < 128);
# 3. a root attribute changed to an array (the crash `edusim info` had) is
#    refused as changed; with --no-verify, as an array;
# 4. a file changed on purpose is read with --no-verify by all three;
# 5. a file without a digest (a user block without the header) is read,
#    with a notice on stderr; one repacked by h5repack is refused as changed.
# Env: EDUSIM (the program), ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
tiny=$ES_SOURCE_DIR/scenarios/examples/tiny/scenario.yaml
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"

N_COPIES=40 # damaged copies, each read by three commands
DAMAGE="changed or damaged since edusim wrote it"

if ! "$EDUSIM" run "$tiny" -o tiny.h5 --quiet >run.txt 2>&1; then
  fail "edusim run tiny: $(cat run.txt)"
  finish
fi

# ---- 1. the signed file --------------------------------------------------------

if head -c 23 tiny.h5 | cmp -s - <(printf 'edusim-digest 1\nsha256 '); then
  pass "the file starts with its digest block"
else
  fail "the file does not start with 'edusim-digest 1\\nsha256 '"
fi
want=$(tail -c +513 tiny.h5 | sha256sum | cut -d' ' -f1)
got=$(head -c 87 tiny.h5 | tail -c 64)
check "the digest is sha256sum of the bytes after 512" test "$want" = "$got"
if command -v h5dump >/dev/null; then
  expect_status 0 "h5dump reads the signed file" h5dump -H tiny.h5
  contains out.txt 'ATTRIBUTE "format_version"'
fi
expect_status 0 "info on the signed file" "$EDUSIM" info tiny.h5
contains out.txt "digest           sha256 verified"
check "info gives no notice" test ! -s err.txt
expect_status 0 "compare on the signed file" "$EDUSIM" compare tiny.h5
check "compare gives no notice" test ! -s err.txt
expect_status 0 "export on the signed file" "$EDUSIM" export tiny.h5 --csv good
check "export gives no notice" test ! -s err.txt

# ---- 2. random damage -------------------------------------------------------

if ! "$PYTHON" - "$N_COPIES" <<'PY'; then
import random
import sys

n_copies = int(sys.argv[1])
data = open("tiny.h5", "rb").read()
rng = random.Random(20201101)
for i in range(n_copies):
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(512, len(damaged))
        damaged[at] ^= 1 << rng.randrange(8)
    open("damaged_%02d.h5" % i, "wb").write(bytes(damaged))
PY
  fail "writing the damaged copies"
  finish
fi

n_refused=0
n_bad=0
for f in damaged_*.h5; do
  for cmd in info compare export; do
    args=("$cmd" "$f")
    if [ "$cmd" = export ]; then
      args+=(--csv "out_${f%.h5}")
    fi
    "$EDUSIM" "${args[@]}" >out.txt 2>err.txt
    status=$?
    if [ "$status" -ge 128 ]; then
      fail "$cmd $f crashed (exit $status): $(head -c 300 err.txt)"
      n_bad=$((n_bad + 1))
    elif [ "$status" -ne 2 ] || ! grep -qF "$f: $DAMAGE" err.txt; then
      fail "$cmd $f: exit $status, expected 2 and '$f: $DAMAGE'; stderr: $(head -c 300 err.txt)"
      n_bad=$((n_bad + 1))
    elif [ -s out.txt ] || [ -e "out_${f%.h5}" ]; then
      fail "$cmd $f: wrote output for a damaged file"
      n_bad=$((n_bad + 1))
    else
      n_refused=$((n_refused + 1))
    fi
  done
done
check "$n_refused of $((3 * N_COPIES)) reads of damaged copies refused" \
  test "$n_refused" -eq $((3 * N_COPIES)) -a "$n_bad" -eq 0

# ---- 3. the root attribute that crashed info ------------------------------------

for attr in format_version seed; do
  cp tiny.h5 "array_$attr.h5"
  "$PYTHON" -c "import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'a') as f:
    f.attrs[sys.argv[2]] = np.arange(50)" "array_$attr.h5" "$attr" ||
    fail "writing array_$attr.h5"
  expect_status 2 "info on array $attr" "$EDUSIM" info "array_$attr.h5"
  contains err.txt "array_$attr.h5: $DAMAGE"
  expect_status 2 "info --no-verify on array $attr" \
    "$EDUSIM" info --no-verify "array_$attr.h5"
  contains err.txt "array_$attr.h5: the root attribute '$attr' is an array of 50 values (expected a scalar integer"
  expect_status 2 "compare --no-verify on array $attr" \
    "$EDUSIM" compare "array_$attr.h5" --no-verify
  contains err.txt "the root attribute '$attr' is an array of 50 values"
  expect_status 2 "export --no-verify on array $attr" \
    "$EDUSIM" export "array_$attr.h5" --csv "out_array_$attr" --no-verify
  contains err.txt "the root attribute '$attr' is an array of 50 values"
done

# The three commands refuse the same files: another format_version and a
# missing root attribute, read with --no-verify.
cp tiny.h5 v999.h5
cp tiny.h5 nocreated.h5
"$PYTHON" -c "import h5py, numpy as np
with h5py.File('v999.h5', 'a') as f:
    f.attrs['format_version'] = np.int32(999)
with h5py.File('nocreated.h5', 'a') as f:
    del f.attrs['created']" || fail "writing v999.h5 and nocreated.h5"
for cmd in info compare export; do
  extra=()
  [ "$cmd" = export ] && extra=(--csv "out_$cmd")
  expect_status 2 "$cmd --no-verify on format_version 999" \
    "$EDUSIM" "$cmd" v999.h5 --no-verify "${extra[@]}"
  contains err.txt "v999.h5: format_version 999 is not supported (this edusim reads format_version 1"
  expect_status 2 "$cmd --no-verify without 'created'" \
    "$EDUSIM" "$cmd" nocreated.h5 --no-verify "${extra[@]}"
  contains err.txt "nocreated.h5: the root attribute 'created' is missing"
done

# ---- 4. changed on purpose ------------------------------------------------------

cp tiny.h5 retitled.h5
"$PYTHON" -c "import h5py
with h5py.File('retitled.h5', 'a') as f:
    f.attrs['title'] = 'edited by hand'" || fail "writing retitled.h5"
expect_status 2 "info on a changed file" "$EDUSIM" info retitled.h5
contains err.txt "retitled.h5: $DAMAGE"
contains err.txt "--no-verify reads it anyway"
expect_status 0 "info --no-verify" "$EDUSIM" info retitled.h5 --no-verify
contains out.txt "edited by hand"
contains out.txt "digest           not checked (--no-verify)"
expect_status 0 "compare --no-verify" "$EDUSIM" compare --no-verify retitled.h5
expect_status 0 "export --no-verify" \
  "$EDUSIM" export retitled.h5 --no-verify --csv retitled
contains retitled/metadata.csv "edited by hand"
expect_status 2 "info with an unknown option" "$EDUSIM" info tiny.h5 --no-verfy
contains err.txt "unexpected argument '--no-verfy'"
expect_status 0 "info --help" "$EDUSIM" info --help
contains out.txt "--no-verify"
expect_status 0 "compare --help" "$EDUSIM" compare --help
contains out.txt "--no-verify"
expect_status 0 "export --help" "$EDUSIM" export --help
contains out.txt "--no-verify"

# ---- 5. no digest ---------------------------------------------------------------

# A user block without the header, as a program that rewrites the file in
# place without knowing the digest might leave it.
cp tiny.h5 plain.h5
dd if=/dev/zero of=plain.h5 bs=512 count=1 conv=notrunc 2>/dev/null
for cmd in info compare; do
  expect_status 0 "$cmd on a file without a digest" "$EDUSIM" "$cmd" plain.h5
  contains err.txt "edusim $cmd: note: plain.h5 has no digest to check"
done
expect_status 0 "export on a file without a digest" \
  "$EDUSIM" export plain.h5 --csv plain
contains err.txt "edusim export: note: plain.h5 has no digest to check"
"$EDUSIM" info plain.h5 >out.txt 2>/dev/null
contains out.txt "digest           none (not checked)"
# h5repack copies the user block but not the bytes after it: changed.
if command -v h5repack >/dev/null; then
  h5repack tiny.h5 repacked.h5 || fail "h5repack"
  expect_status 2 "info on a repacked file" "$EDUSIM" info repacked.h5
  contains err.txt "repacked.h5: $DAMAGE"
  expect_status 0 "info --no-verify on a repacked file" \
    "$EDUSIM" info --no-verify repacked.h5
fi

finish
