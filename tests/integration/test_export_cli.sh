#!/usr/bin/env bash
# test_export_cli.sh: `edusim export RESULTS.h5 --csv DIR` end to end
# (DESIGN "Command line", docs/export.md).
#
# 1. The tiny example is run (deterministic), exported, and every CSV is read
#    back with pandas (float_precision="round_trip") and compared, cell by
#    cell and bit for bit, with the arrays read by h5py: coordinates, region
#    labels, every variable (NaN where the file has NaN); a few cells are
#    also looked up by label. The scenario files must equal the example's
#    files (and their sha256 attributes), metadata.csv the root attributes.
# 2. The options: --group (repeatable), --statistic on a stochastic run
#    (groups without the statistic are left out with a note), --force.
# 3. Every user error exits 2 with its message and writes nothing: a missing
#    file, a text file, an HDF5 file edusim did not write, a file changed
#    since it was written (digest), another format_version (--no-verify), no --csv, an unknown option, group or statistic, a
#    second RESULTS, a non-empty DIR without --force, a DIR that is a file.
#    A write failure (ulimit -f) exits 1 and leaves no file behind.
# 4. When Rscript is installed, R's read.csv reads a file back too.
#
# Environment: EDUSIM, the program; ES_SCRATCH, a scratch folder (created);
# ES_SOURCE_DIR, the repository; PYTHON, python3 with h5py, numpy, pandas.
set -u

: "${EDUSIM:?EDUSIM must name the edusim program}"
: "${ES_SCRATCH:?ES_SCRATCH must name a scratch folder}"
: "${ES_SOURCE_DIR:?ES_SOURCE_DIR must name the repository}"
PYTHON=${PYTHON:-/usr/bin/python3}
case "$EDUSIM" in
  /*) ;;
  *) EDUSIM="$PWD/$EDUSIM" ;;
esac
tiny_dir=$ES_SOURCE_DIR/scenarios/examples/tiny
tiny=$tiny_dir/scenario.yaml
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"





# run ARGS...: run `edusim export`, keeping stdout, stderr and exit status.
run() {
  "$EDUSIM" export "$@" >out.txt 2>err.txt
  status=$?
}

# expect_ok NAME ARGS...: exit 0.
expect_ok() {
  local name=$1
  shift
  run "$@"
  if [ "$status" -ne 0 ]; then
    fail "$name: exit $status, expected 0; stderr: $(cat err.txt)"
    return 1
  fi
  pass "$name"
}

# expect_error NAME STATUS MESSAGE ARGS...: exit STATUS, MESSAGE in stderr,
# nothing on stdout, and no folder err_out made.
expect_error() {
  local name=$1 want=$2 message=$3
  shift 3
  rm -rf err_out
  run "$@"
  if [ "$status" -ne "$want" ]; then
    fail "$name: exit $status, expected $want; stderr: $(cat err.txt)"
    return
  fi
  if ! grep -qF -- "$message" err.txt; then
    fail "$name: stderr lacks
$message
got:
$(cat err.txt)"
    return
  fi
  if [ -s out.txt ]; then
    fail "$name: unexpected stdout: $(cat out.txt)"
    return
  fi
  if [ -e err_out ]; then
    fail "$name: the folder err_out was made: $(ls -A err_out)"
    return
  fi
  pass "$name"
}

if ! "$EDUSIM" export --help >help.txt 2>&1; then
  echo "SKIP: this edusim has no export command yet: $(head -n 1 help.txt)"
  finish
fi
if grep -qF 'usage: edusim export RESULTS.h5 --csv DIR' help.txt; then
  pass "--help"
else
  fail "--help lacks the usage line: $(cat help.txt)"
fi
if ! "$PYTHON" -c 'import h5py, numpy, pandas' 2>/dev/null; then
  fail "$PYTHON cannot import h5py, numpy and pandas (Debian: python3-h5py, python3-pandas)"
  finish
fi

# ---- 1. the tiny example, read back -------------------------------------------

if ! "$EDUSIM" run "$tiny" -o tiny.h5 >run.txt 2>&1; then
  fail "edusim run tiny: $(cat run.txt)"
  finish
fi
if expect_ok "export tiny" tiny.h5 --csv out/csv; then
  if grep -qxF "edusim export: 4 CSV files (2794 rows), 6 scenario files and metadata.csv in out/csv" out.txt; then
    pass "summary line"
  else
    fail "summary line: $(cat out.txt)"
  fi
fi

"$PYTHON" - "$tiny_dir" >check.txt 2>&1 <<'PY'
import hashlib
import math
import os
import sys

import h5py
import numpy as np
import pandas as pd

tiny_dir = sys.argv[1]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


labels = ["region_name", "region_province", "region_prefecture"]
with h5py.File("tiny.h5", "r") as f:
    groups = [g for g in f if g != "scenario"]
    check(sorted(os.listdir("out/csv")) ==
          sorted([g + ".csv" for g in groups] + ["metadata.csv", "scenario"]),
          "files: %s" % sorted(os.listdir("out/csv")))
    for name in groups:
        g = f[name]
        variables = [v for v in g if not h5py.h5ds.is_scale(g[v].id) and v not in labels
                     and v not in ("region_rank", "stage_age_lo",
                                   "stage_age_hi", "stage_ptr_standard")]
        dims = [d.keys()[0] for d in g[variables[0]].dims]
        text_cols = [d for d in dims if g[d].dtype.kind == "O"]
        text_cols += [c for c in labels if c in g] if "region" in dims else []
        path = "out/csv/%s.csv" % name
        with open(path, "rb") as fh:
            raw = fh.read()
        check(not raw.startswith(b"\xef\xbb\xbf"), name + ": BOM")
        check(b"\r" not in raw, name + ": CR in the file")
        df = pd.read_csv(path, float_precision="round_trip",
                         dtype={c: str for c in text_cols},
                         keep_default_na=False, na_values=[""])
        header = []
        for d in dims:
            header.append(d)
            if d == "region":
                header += [c for c in labels if c in g]
        header += variables
        check(list(df.columns) == header, name + ": header %s" % list(df.columns))
        shape = g[variables[0]].shape
        check(len(df) == int(np.prod(shape)), name + ": %d rows" % len(df))
        grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
        for axis, d in enumerate(dims):
            coord = g[d].asstr()[:] if g[d].dtype.kind == "O" else g[d][:]
            want = np.asarray(coord)[grids[axis].ravel()]
            got = df[d].to_numpy()
            check(np.array_equal(got.astype(want.dtype), want),
                  "%s: column %s" % (name, d))
            if d == "region":
                for c in labels:
                    if c in g:
                        want_l = g[c].asstr()[:][grids[axis].ravel()]
                        check(np.array_equal(df[c].to_numpy(), want_l),
                              "%s: column %s" % (name, c))
        for v in variables:
            want = g[v][:].ravel()
            got = df[v].to_numpy(dtype=float)
            same = (want == got) | (np.isnan(want) & np.isnan(got))
            check(bool(same.all()), "%s: %s differs in %d cells"
                  % (name, v, int((~same).sum())))
            # bit for bit (NaN aside): %.17g reads back to the same double
            ok = want[~np.isnan(want)].tobytes() == got[~np.isnan(got)].tobytes()
            check(ok, "%s: %s not bit for bit" % (name, v))

    # A few cells by label, as a user would look them up.
    s = pd.read_csv("out/csv/schools.csv", dtype={"region": str},
                    float_precision="round_trip")
    g = f["schools"]
    strategies = list(g["strategy"].asstr()[:])
    years = list(g["year"][:])
    regions = list(g["region"].asstr()[:])
    stages = list(g["stage"].asstr()[:])
    for (st, yr, rg, sg) in [(strategies[-1], years[-1], regions[0], "primary"),
                             (strategies[0], years[3], regions[-1], stages[-1])]:
        row = s[(s.strategy == st) & (s.year == yr) & (s.region == rg)
                & (s.stage == sg) & (s.statistic == "mean")]
        check(len(row) == 1, "schools: one row for %s %s %s %s" % (st, yr, rg, sg))
        i = (strategies.index(st), 0, years.index(yr), regions.index(rg),
             stages.index(sg))
        for v in ("teachers", "ptr", "teacher_gap"):
            a, b = float(row[v].iloc[0]), float(g[v][i])
            check(a == b or (math.isnan(a) and math.isnan(b)),
                  "schools %s at %s: %r vs %r" % (v, i, a, b))
    d = pd.read_csv("out/csv/demand.csv", dtype={"region": str})
    check("渝中区" in set(d.region_name), "demand: region_name 渝中区")

    # The scenario files, verbatim.
    for role in f["scenario"]:
        ds = f["scenario"][role]
        if "path" not in ds.attrs:
            fname = role + ".txt"
        else:
            fname = os.path.basename(ds.attrs["path"])
        with open("out/csv/scenario/" + fname, "rb") as fh:
            data = fh.read()
        check(data == ds.asstr()[()].encode("utf-8"), "scenario/" + fname)
        if "sha256" in ds.attrs:
            check(hashlib.sha256(data).hexdigest() == ds.attrs["sha256"],
                  "scenario/%s: sha256" % fname)
            with open(os.path.join(tiny_dir, fname), "rb") as fh:
                check(fh.read() == data, "scenario/%s: the example's file" % fname)

    # metadata.csv: the root attributes, in order.
    m = pd.read_csv("out/csv/metadata.csv", dtype=str, keep_default_na=False)
    check(list(m.name) == list(f.attrs), "metadata names %s" % list(m.name))
    for k, v in zip(m.name, m.value):
        check(str(f.attrs[k]) == v, "metadata %s: %r vs %r" % (k, v, f.attrs[k]))

for line in failures:
    print(line)
sys.exit(1 if failures else 0)
PY
if [ $? -eq 0 ]; then
  pass "pandas reads every CSV back to the file's values"
else
  fail "pandas read-back: $(cat check.txt)"
fi

# ---- 2. options -----------------------------------------------------------

if expect_ok "--group twice, --statistic mean" tiny.h5 --csv sel \
  --group schools --group=scenario --statistic=mean; then
  got=$(cd sel && find . -type f | sort | tr '\n' ' ')
  want="./metadata.csv ./scenario/population.csv ./scenario/regions.csv ./scenario/scenario.yaml ./scenario/scenario_resolved.txt ./scenario/seats.csv ./scenario/teachers.csv ./schools.csv "
  if [ "$got" = "$want" ]; then
    pass "--group: only those groups"
  else
    fail "--group: files $got"
  fi
  if cmp -s sel/schools.csv out/csv/schools.csv; then
    pass "--statistic mean on a deterministic file keeps every row"
  else
    fail "--statistic mean changed schools.csv"
  fi
fi

if "$EDUSIM" run "$tiny" --mode stochastic -r 3 -o mc.h5 >run.txt 2>&1; then
  if expect_ok "--statistic sd" mc.h5 --csv mc --statistic sd; then
    if grep -qxF "edusim export: note: statistic 'sd' is not in indicators; not written" err.txt; then
      pass "--statistic: note for the groups left out"
    else
      fail "--statistic: no note: $(cat err.txt)"
    fi
    "$PYTHON" - >check.txt 2>&1 <<'PY'
import sys

import h5py
import numpy as np
import pandas as pd

bad = []
with h5py.File("mc.h5", "r") as f:
    import os
    files = sorted(os.listdir("mc"))
    if files != ["demand.csv", "indicators_replicates.csv", "metadata.csv",
                 "population.csv", "scenario", "schools.csv"]:
        bad.append("files %s" % files)
    p = pd.read_csv("mc/population.csv", float_precision="round_trip",
                    dtype={"region": str})
    if set(p.statistic) != {"sd"}:
        bad.append("population statistics %s" % set(p.statistic))
    g = f["population"]
    i_sd = list(g["statistic"].asstr()[:]).index("sd")
    want = g["local"][i_sd].ravel()
    got = p["local"].to_numpy(dtype=float)
    if not np.array_equal(want, got, equal_nan=True):
        bad.append("population local (sd) differs")
    r = pd.read_csv("mc/indicators_replicates.csv", float_precision="round_trip")
    want = f["indicators_replicates"]["gini"][:].ravel()
    if not np.array_equal(want, r["gini"].to_numpy(dtype=float), equal_nan=True):
        bad.append("indicators_replicates gini differs")
    if sorted(set(r.replicate)) != [0, 1, 2]:
        bad.append("replicates %s" % sorted(set(r.replicate)))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
    if [ $? -eq 0 ]; then
      pass "--statistic sd: rows of sd only, replicates whole"
    else
      fail "--statistic sd: $(cat check.txt)"
    fi
  fi
else
  fail "edusim run --mode stochastic: $(cat run.txt)"
fi

echo stale >out/csv/stale.txt
expect_error "non-empty DIR" 2 \
  "edusim export: error: the folder 'out/csv' is not empty (use --force" \
  tiny.h5 --csv out/csv
if expect_ok "--force" tiny.h5 --csv out/csv --force --group demand; then
  if [ -f out/csv/stale.txt ] && [ -z "$(find out/csv -name '.*')" ]; then
    pass "--force keeps other files, leaves no temporary file"
  else
    fail "--force: $(ls -A out/csv)"
  fi
fi

# ---- 3. errors ------------------------------------------------------------

printf 'year,students\n2020,1\n' >text.h5
"$PYTHON" - <<'PY' || fail "writing the foreign HDF5 files"
import shutil

import h5py
import numpy as np

with h5py.File("foreign.h5", "w") as f:
    f.attrs["title"] = "not edusim"
    f.create_dataset("x", data=np.arange(3.0))
shutil.copy("tiny.h5", "newer.h5")
with h5py.File("newer.h5", "r+") as f:
    f.attrs["format_version"] = np.int32(2)
PY
expect_error "missing file" 2 \
  "edusim export: error: nope.h5: no such file (expected a results file written by edusim run)" \
  nope.h5 --csv err_out
expect_error "text file" 2 \
  "edusim export: error: text.h5: not an HDF5 file (expected a results file written by edusim run)" \
  text.h5 --csv err_out
expect_error "foreign HDF5 file" 2 \
  "edusim export: error: foreign.h5: the root attribute 'software' is missing (expected a scalar string, as edusim writes it)" \
  foreign.h5 --csv err_out
expect_error "changed file" 2 \
  "edusim export: error: newer.h5: changed or damaged since edusim wrote it" \
  newer.h5 --csv err_out
expect_error "newer format" 2 \
  "edusim export: error: newer.h5: format_version 2 is not supported (this edusim reads format_version 1; use the edusim that wrote it)" \
  newer.h5 --csv err_out --no-verify
expect_error "no --csv" 2 \
  "edusim export: error: missing --csv DIR (expected the folder to write the CSV files to)" \
  tiny.h5
expect_error "--csv without a value" 2 \
  "edusim export: error: --csv needs a value (expected a folder)" \
  tiny.h5 --csv
expect_error "no RESULTS" 2 \
  "edusim export: error: missing RESULTS.h5 (expected a results file written by edusim run)" \
  --csv err_out
expect_error "two RESULTS" 2 \
  "edusim export: error: unexpected argument 'mc.h5' (expected one RESULTS.h5; the folder goes after --csv)" \
  tiny.h5 mc.h5 --csv err_out
expect_error "unknown option" 2 \
  "edusim export: error: unknown option '--format'" \
  tiny.h5 --csv err_out --format json
expect_error "unknown group" 2 \
  "edusim export: error: tiny.h5: unknown group 'school' (expected: population, demand, schools, indicators, scenario)" \
  tiny.h5 --csv err_out --group school
expect_error "unknown statistic" 2 \
  "edusim export: error: mc.h5: unknown statistic 'p50' (expected: mean, sd)" \
  mc.h5 --csv err_out --statistic p50
expect_error "statistic without a statistic axis" 2 \
  "edusim export: error: mc.h5: statistic 'mean': no group exported has a statistic axis" \
  mc.h5 --csv err_out --statistic mean --group indicators_replicates
expect_error "DIR is a file" 2 \
  "edusim export: error: 'text.h5' exists and is not a folder (expected a folder for the CSV files)" \
  tiny.h5 --csv text.h5
if grep -qF "usage: edusim export RESULTS.h5 --csv DIR" err.txt; then
  fail "a file error printed the usage lines"
else
  pass "input errors without usage lines"
fi

# A write failure: files may not grow past 1 KiB (SIGXFSZ ignored, so the
# write fails with EFBIG). Exit 1, and nothing is left.
(
  trap '' XFSZ
  ulimit -f 1
  exec "$EDUSIM" export tiny.h5 --csv err_out/csv >out.txt 2>err.txt
)
status=$?
if [ "$status" -eq 1 ] && grep -qF "edusim export: error: cannot write 'err_out/csv/population.csv': File too large" err.txt && [ ! -e err_out ]; then
  pass "write failure: exit 1, nothing left"
else
  fail "write failure: exit $status; $(cat err.txt); $(ls -AR err_out 2>&1)"
fi

# ---- 4. R ------------------------------------------------------------------

if command -v Rscript >/dev/null 2>&1; then
  if Rscript -e '
d <- read.csv("out/csv/schools.csv", colClasses = c(region = "character"),
              encoding = "UTF-8")
stopifnot(nrow(d) == 1320, is.numeric(d$ptr), is.numeric(d$teachers),
          "渝中区" %in% d$region_name, sum(is.na(d$teachers)) == 0)
m <- read.csv("out/csv/metadata.csv", encoding = "UTF-8")
stopifnot(m$value[m$name == "scenario"] == "tiny")
' >r.txt 2>&1; then
    pass "R read.csv"
  else
    fail "R read.csv: $(cat r.txt)"
  fi
fi

finish
