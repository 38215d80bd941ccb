# testlib.sh: the checks every end-to-end test script shares. Source it after
# cd'ing into the scratch folder; every script ends with `finish`, which prints
# "N passed, N failed" and exits non-zero on any failure.
# shellcheck shell=bash

passed=0
failed=0

# pass [NAME]: one check passed (named when ES_TEST_VERBOSE is set).
pass() {
  passed=$((passed + 1))
  if [ -n "${ES_TEST_VERBOSE:-}" ] && [ -n "${1:-}" ]; then
    echo "PASS $1"
  fi
}

# fail MESSAGE: one check failed.
fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
}

# Short names for the two, used in `if ...; then ok; else bad "..."; fi`.
ok() { pass "$@"; }
bad() { fail "$*"; }

# finish: the closing line and the exit status.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_status WANT DESCRIPTION COMMAND...: run it with stdout in out.txt and
# stderr in err.txt; its exit status must be WANT.
expect_status() {
  local want=$1 what=$2
  shift 2
  "$@" >out.txt 2>err.txt
  local got=$?
  if [ "$got" = "$want" ]; then
    pass "$what"
  else
    fail "$what: exit $got, expected $want"
    cat err.txt
  fi
}

# contains FILE TEXT: FILE holds TEXT (fixed string).
contains() {
  if grep -qF -- "$2" "$1"; then
    pass "$1 contains $2"
  else
    fail "$1 lacks: $2"
    sed 's/^/    /' "$1"
  fi
}
