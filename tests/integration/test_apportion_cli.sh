#!/usr/bin/env bash
# test_apportion_cli.sh: `edusim apportion` end to end (MODEL 6, DESIGN
# "Command line"). Correct runs are compared with exact, hand-computed output
# (the same cases as tests/unit/test_apportion.c); every user error is checked
# for exit status 2 and its message on stderr.
#
# Environment: EDUSIM, the program; ES_SCRATCH, a scratch folder (created).
set -u

: "${EDUSIM:?EDUSIM must name the edusim program}"
: "${ES_SCRATCH:?ES_SCRATCH must name a scratch folder}"
case "$EDUSIM" in
  /*) ;;
  *) EDUSIM="$PWD/$EDUSIM" ;;
esac
mkdir -p "$ES_SCRATCH" || exit 1
cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"




# run ARGS...: run the program, keeping its stdout, stderr and exit status.
run() {
  "$EDUSIM" apportion "$@" >out.txt 2>err.txt
  status=$?
}

# expect_ok NAME EXPECTED_STDOUT ARGS...: exit 0, exact stdout, empty stderr.
expect_ok() {
  local name=$1 expected=$2
  shift 2
  run "$@"
  if [ "$status" -ne 0 ]; then
    fail "$name: exit $status, expected 0; stderr: $(cat err.txt)"
    return
  fi
  if [ "$(cat out.txt)" != "$expected" ]; then
    fail "$name: stdout differs; expected:
$expected
got:
$(cat out.txt)"
    return
  fi
  if [ -s err.txt ]; then
    fail "$name: unexpected stderr: $(cat err.txt)"
    return
  fi
  pass "$name"
}

# expect_error NAME MESSAGE ARGS...: exit 2, MESSAGE as a line of stderr
# (whole line, exact), nothing on stdout.
expect_error() {
  local name=$1 message=$2
  shift 2
  run "$@"
  if [ "$status" -ne 2 ]; then
    fail "$name: exit $status, expected 2; stderr: $(cat err.txt)"
    return
  fi
  if ! grep -qxF -- "$message" err.txt; then
    fail "$name: stderr lacks the line
$message
got:
$(cat err.txt)"
    return
  fi
  if [ -s out.txt ]; then
    fail "$name: unexpected stdout: $(cat out.txt)"
    return
  fi
  pass "$name"
}

usage_line='usage: edusim apportion FILE.csv --seats N [--method M] [--min K]'

# ---- correct runs -------------------------------------------------------------

# Columns in another order with an extra one; names that need quoting.
# Weights 7270, 1230, 1500 and 10 seats: Webster 7,1,2, Jefferson 8,1,1,
# Adams 6,2,2 (see test_hand_three_regions in the unit test).
cat >three.csv <<'EOF'
code,weight,name
11,7270,A
12,1230,"B, the second"
13,1500,"C ""q"""
EOF
expect_ok "webster is the default" 'name,weight,seats
A,7270,7
"B, the second",1230,1
"C ""q""",1500,2' three.csv --seats 10
expect_ok "jefferson" 'name,weight,seats
A,7270,8
"B, the second",1230,1
"C ""q""",1500,1' --method jefferson three.csv --seats=10
expect_ok "adams" 'name,weight,seats
A,7270,6
"B, the second",1230,2
"C ""q""",1500,2' three.csv --seats 10 --method=adams

# Weights 7, 4, 1 and 5 seats separate the methods (hand-computed in
# test_hand_seven_four_one): Huntington-Hill 3,1,1; Dean 2,2,1.
printf 'name,weight\nA,7\nB,4\nC,1\n' >741.csv
for case in hamilton:3:2:0 jefferson:3:2:0 webster:3:2:0 \
  huntington-hill:3:1:1 dean:2:2:1 adams:2:2:1; do
  IFS=: read -r method a b c <<<"$case"
  expect_ok "7,4,1 by $method" "name,weight,seats
A,7,$a
B,4,$b
C,1,$c" 741.csv --seats 5 --method "$method"
done

# The Alabama paradox, a constructed textbook example (Balinski & Young,
# "Fair Representation", ch. 5): weights 6, 6, 2; Hamilton gives C 2 of 10
# seats but 1 of 11.
printf 'name,weight\nA,6\nB,6\nC,2\n' >alabama.csv
expect_ok "hamilton 10 seats" 'name,weight,seats
A,6,4
B,6,4
C,2,2' alabama.csv --seats 10 --method hamilton
expect_ok "hamilton 11 seats" 'name,weight,seats
A,6,5
B,6,5
C,2,1' alabama.csv --seats 11 --method hamilton

# Weights print with 17 digits (they read back to the same doubles):
# 2.385 and 0.5, 3 seats, Webster: 4.77, 1.59 (A), 1 (B) -> 2, 1.
printf 'name,weight\nA,2.385\nB,0.5\n' >digits.csv
expect_ok "weights round-trip" 'name,weight,seats
A,2.3849999999999998,2
B,0.5,1' digits.csv --seats 3

# --min applies to rows of positive weight only: 10, 0, 1 and 6 seats,
# minimum 2: A and C get 2, the 2 left go to A (10/2.5 = 4, 10/3.5 = 2.86
# beat 1/2.5 = 0.4), B gets nothing: 4, 0, 2.
printf 'name,weight\nA,10\nB,0\nC,1\n' >min.csv
expect_ok "minimums" 'name,weight,seats
A,10,4
B,0,0
C,1,2' min.csv --seats 6 --min 2

# Zero seats, and a file with a header only.
expect_ok "zero seats" 'name,weight,seats
A,10,0
B,0,0
C,1,0' min.csv --seats 0
printf 'name,weight\n' >header.csv
expect_ok "no rows, no seats" 'name,weight,seats' header.csv --seats 0

# --help
run --help
if [ "$status" -eq 0 ] && grep -qxF "$usage_line" out.txt; then
  pass "--help"
else
  fail "--help: exit $status; $(cat out.txt)"
fi

# ---- user errors ------------------------------------------------------------------

expect_error "missing file" \
  "edusim apportion: error: cannot open 'nope.csv': No such file or directory" \
  nope.csv --seats 3

printf 'name,w\nA,1\n' >noweight.csv
expect_error "missing weight column" \
  "noweight.csv:1:1: error: missing column 'weight' (expected columns name,weight)" \
  noweight.csv --seats 3

: >empty.csv
expect_error "empty file" \
  "empty.csv:1:1: error: empty file (expected a header row: name,weight)" \
  empty.csv --seats 3

printf 'name,weight\nA,1\nB,-2\nC,abc\n' >bad.csv
expect_error "negative weight" \
  "bad.csv:3:3: error: column 'weight': '-2' is negative (expected a number >= 0)" \
  bad.csv --seats 3
expect_error "non-numeric weight" \
  "bad.csv:4:3: error: column 'weight': 'abc' is not a number (expected a number >= 0)" \
  bad.csv --seats 3

printf 'name,weight\nA,1\n"B, b",nan\n' >nan.csv
expect_error "nan weight" \
  "nan.csv:3:8: error: column 'weight': 'nan' is not a finite number (expected a number >= 0)" \
  nan.csv --seats 3

expect_error "unknown method" \
  "edusim apportion: error: --method: unknown 'greedy' (expected: hamilton, jefferson, webster, huntington-hill, adams, dean)" \
  three.csv --seats 3 --method greedy

expect_error "--seats missing" \
  "edusim apportion: error: missing --seats N (expected a whole number >= 0 of seats to share)" \
  three.csv
expect_error "--seats without a value" \
  "edusim apportion: error: --seats needs a value (expected a whole number >= 0)" \
  three.csv --seats
expect_error "--seats negative" \
  "edusim apportion: error: --seats: '-5' is negative (expected a whole number >= 0)" \
  three.csv --seats -5
expect_error "--seats not a number" \
  "edusim apportion: error: --seats: 'ten' is not a whole number (expected a whole number >= 0)" \
  three.csv --seats ten
expect_error "--seats fractional" \
  "edusim apportion: error: --seats: '2.5' is not a whole number (expected a whole number >= 0)" \
  three.csv --seats 2.5
expect_error "--seats out of range" \
  "edusim apportion: error: --seats: '99999999999999999999' is out of range (expected a whole number >= 0)" \
  three.csv --seats 99999999999999999999
expect_error "--seats above 2^53" \
  "edusim apportion: error: --seats: total is 9007199254740993 (expected at most 2^53 = 9007199254740992)" \
  three.csv --seats 9007199254740993
expect_error "--min negative" \
  "edusim apportion: error: --min: '-1' is negative (expected a whole number >= 0)" \
  three.csv --seats 3 --min -1

expect_error "infeasible minimums" \
  "three.csv: error: --seats 5 cannot give --min 2 to each of the 3 rows of weight > 0 (5 units cannot cover the minimums, which sum to 6)" \
  three.csv --seats 5 --min 2

printf 'name,weight\nA,0\nB,0\n' >zero.csv
expect_error "all weights zero" \
  "zero.csv: error: no row has a weight > 0, so 3 seats cannot be shared (expected at least one positive weight)" \
  zero.csv --seats 3

expect_error "unknown option" \
  "edusim apportion: error: unknown option '--bogus'" \
  three.csv --seats 3 --bogus
expect_error "two files" \
  "edusim apportion: error: unexpected argument 'min.csv' (expected one FILE.csv)" \
  three.csv min.csv --seats 3
expect_error "missing file argument" \
  "edusim apportion: error: missing FILE.csv" \
  --seats 3
# Usage errors end with the usage line.
run three.csv --seats x
if grep -qxF "$usage_line" err.txt; then
  pass "usage line after a usage error"
else
  fail "usage line after a usage error: $(cat err.txt)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
