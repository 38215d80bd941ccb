#!/usr/bin/env bash
# End-to-end tests of `edusim run` and `edusim validate` on the tiny example
# and on broken scenarios: exit codes, messages with file:line:column, no
# partial output, --force, the results file opened by xarray with both
# engines, and identical results for 1 and 2 threads.
# Env: EDUSIM (the program), ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
src=$ES_SOURCE_DIR
tiny=$src/scenarios/examples/tiny/scenario.yaml
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"

# --- validate ------------------------------------------------------------
expect_status 0 "validate tiny" "$EDUSIM" validate "$tiny"
contains out.txt "scenario tiny: valid"
contains out.txt "regions     5"
contains out.txt "stages      4: preschool 3-5, primary 6-11, junior 12-14, senior 15-17"
contains out.txt "2020-2030 (11 records)"

# --- usage errors ----------------------------------------------------------
expect_status 2 "no command" "$EDUSIM"
expect_status 2 "unknown command" "$EDUSIM" frobnicate
contains err.txt "unknown command 'frobnicate'"
expect_status 0 "--help" "$EDUSIM" --help
contains out.txt "usage: edusim COMMAND"
expect_status 0 "run --help" "$EDUSIM" run --help
contains out.txt "--force"
expect_status 0 "--version" "$EDUSIM" --version
contains out.txt "edusim "
expect_status 2 "run without scenario" "$EDUSIM" run
contains err.txt "missing SCENARIO.yaml"
expect_status 2 "run -j 0" "$EDUSIM" run "$tiny" -j 0 -o x.h5
contains err.txt "whole number of threads"
expect_status 2 "run missing scenario file" "$EDUSIM" run nowhere.yaml -o x.h5
contains err.txt "nowhere.yaml"
check "no file after failed runs" test ! -e x.h5

# --- output paths that cannot be written are refused before the run --------
mkdir -p adir && echo "not a folder" > afile
expect_status 2 "output is a folder" "$EDUSIM" run "$tiny" -o adir
contains err.txt "output 'adir' is a folder (expected a file name)"
expect_status 2 "output ends with /" "$EDUSIM" run "$tiny" -o newdir/
contains err.txt "output 'newdir/' names a folder"
check "no folder made for a refused output" test ! -e newdir
expect_status 1 "output below a regular file" "$EDUSIM" run "$tiny" -o afile/x.h5
contains err.txt "afile"
expect_status 0 "missing folders are created" "$EDUSIM" run "$tiny" -o deep/er/x.h5 --quiet
check "nested output written" test -s deep/er/x.h5

# --- info --------------------------------------------------------------------
expect_status 2 "info on a missing file" "$EDUSIM" info nowhere.h5
contains err.txt "nowhere.h5: no such file"
expect_status 2 "info on a folder" "$EDUSIM" info adir
contains err.txt "adir: is a folder"
expect_status 2 "info on a text file" "$EDUSIM" info afile
contains err.txt "afile: not an HDF5 file"
if [ -w /dev/full ]; then
  expect_status 1 "validate to a full disk" bash -c "'$EDUSIM' validate '$tiny' > /dev/full"
  contains err.txt "cannot write the summary"
  expect_status 1 "info to a full disk" bash -c "'$EDUSIM' info deep/er/x.h5 > /dev/full"
  contains err.txt "cannot write the description"
fi

# --- the replicates notice follows the mode that runs ------------------------
mkdir -p rep && cp "$src"/scenarios/examples/tiny/*.csv rep/
sed 's/^mode: deterministic/mode: deterministic\nreplicates: 4/' "$tiny" > rep/scenario.yaml
expect_status 0 "validate: replicates in a deterministic scenario" "$EDUSIM" validate rep/scenario.yaml
contains err.txt "notice: replicates: used only in stochastic mode (mode is deterministic); ignored"
expect_status 0 "--mode stochastic uses the scenario's replicates" "$EDUSIM" run rep/scenario.yaml \
  --mode stochastic -o rep.h5
if grep -q "ignored" err.txt; then bad "replicates notice printed for a stochastic run"; else ok; fi
contains err.txt "stochastic, 4 replicates"
expect_status 0 "-r in a deterministic run" "$EDUSIM" run "$tiny" -r 5 -o r5.h5
contains err.txt "-r/--replicates is used only in stochastic mode; this run is deterministic"

# --- run -----------------------------------------------------------------
expect_status 0 "run tiny" "$EDUSIM" run "$tiny" -o out/tiny.h5
check "results file written" test -s out/tiny.h5
check "no temporary file left" bash -c '! ls out/*.tmp.* 2>/dev/null | grep -q .'
before=$(md5sum out/tiny.h5)
expect_status 2 "run again without --force" "$EDUSIM" run "$tiny" -o out/tiny.h5
contains err.txt "exists (use --force"
check "existing file untouched" test "$before" = "$(md5sum out/tiny.h5)"
expect_status 0 "run --force" "$EDUSIM" run "$tiny" -o out/tiny.h5 --force --quiet
check "--quiet prints nothing" test ! -s err.txt

# Every group opens in xarray with both engines; Chinese names survive.
expect_status 0 "xarray check" "$PYTHON" "$src/tests/integration/check_results.py" \
  out/tiny.h5 --expect-groups population,demand,schools,indicators,scenario --expect-region 渝中区
cat > dims.py <<'PY'
import sys, xarray as xr
path = sys.argv[1]
for engine in ("h5netcdf", "netcdf4"):
    pop = xr.open_dataset(path, engine=engine, group="population")
    assert pop["local"].dims == ("statistic", "year", "region", "age"), pop["local"].dims
    assert list(pop["statistic"].values) == ["mean"]
    assert list(pop["year"].values) == list(range(2020, 2031))
    assert list(pop["age"].values) == list(range(18))
    assert "渝中区" in [str(v) for v in pop["region_name"].values]
    # the baseline year is the input population, unchanged (MODEL 1)
    v = float(pop["local"].sel(statistic="mean", year=2020, region="500103", age=0))
    assert v == 2283.0, v
    dem = xr.open_dataset(path, engine=engine, group="demand")
    assert dem["students"].dims == ("statistic", "year", "region", "stage"), dem["students"].dims
    assert list(dem["stage"].values) == ["preschool", "primary", "junior", "senior"]
    assert set(float(x) for x in dem["warning"].values.ravel()) <= {-1.0, 0.0, 1.0}
    assert dem["students"].attrs["units"] == "pupils"
    sch = xr.open_dataset(path, engine=engine, group="schools")
    assert sch["teachers"].dims == ("strategy", "statistic", "year", "region", "stage"), sch["teachers"].dims
    assert list(sch["strategy"].values) == ["rank", "hukou", "resident", "forecast5", "transition", "need"]
    # year t0 is the observed supply: teachers.csv, the same for every strategy
    t0 = sch["teachers"].sel(statistic="mean", year=2020, region="500103", stage="preschool")
    assert (t0.values == 1157.0).all(), t0.values
    assert float(sch["hires"].sel(year=2020).sum()) == 0.0
    ind = xr.open_dataset(path, engine=engine, group="indicators")
    assert ind["gini"].dims == ("strategy", "statistic", "year", "stage"), ind["gini"].dims
    assert ind["cost"].attrs["units"] == "CNY"
    # teachers of the indicators equal the sum of the region records
    a = ind["teachers"].sel(statistic="mean")
    b = sch["teachers"].sel(statistic="mean").sum("region")
    assert abs(a - b).max() == 0.0
    # transition equals rank until its start year (lambda = 0, MODEL 5.1)
    r = sch["teachers"].sel(statistic="mean", strategy="rank", year=2021)
    tr = sch["teachers"].sel(statistic="mean", strategy="transition", year=2021)
    assert (r.values == tr.values).all()
    sc = xr.open_dataset(path, engine=engine, group="scenario")
    assert "name: tiny" in str(sc["scenario"].values)
print("dims ok")
PY
expect_status 0 "dimension names and coordinates" "$PYTHON" dims.py out/tiny.h5
contains out.txt "dims ok"

# --- thread count does not change the results -----------------------------
"$PYTHON" "$src/bench/make_scenario.py" syn --regions 300 --years 8 --seed 7 >/dev/null
expect_status 0 "synthetic -j 1" "$EDUSIM" run syn/scenario.yaml -o j1.h5 -j 1 --quiet
expect_status 0 "synthetic -j 2" "$EDUSIM" run syn/scenario.yaml -o j2.h5 -j 2 --quiet
cat > same.py <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n = 0
def visit(name, obj):
    global n
    if isinstance(obj, h5py.Dataset):
        x, y = obj[()], b[name][()]
        if obj.dtype.kind == "f":
            assert x.tobytes() == y.tobytes(), name
        else:
            assert np.array_equal(x, y), name
        n += 1
a.visititems(visit)
assert n > 10, n
print(f"{n} datasets identical")
PY
expect_status 0 "1 and 2 threads bit-identical" "$PYTHON" same.py j1.h5 j2.h5
contains out.txt "datasets identical"

# --- a broken scenario: every error listed, exit 2, nothing written --------
mkdir -p broken
cp "$src"/scenarios/examples/tiny/*.csv broken/
sed -e 's/^years: {start: 2020, end: 2030}/years: {start: 2020, end: 2010}/' \
    -e 's/ptr_standard: 19$/ptr_standard: -19/' \
    -e 's/^    teacher_attrition: 0.04/    teacher_atrition: 0.04/' \
    "$src/scenarios/examples/tiny/scenario.yaml" > broken/scenario.yaml
sed -i 's/^500229,4,/500229,four,/' broken/population.csv
expect_status 2 "validate broken" "$EDUSIM" validate broken/scenario.yaml
contains err.txt "broken/scenario.yaml:"
contains err.txt "teacher_atrition"
contains err.txt "ptr_standard"
contains err.txt "years.end: 2010 is before years.start 2020"
contains err.txt "broken/population.csv:60:8: error: column 'age': 'four' is not a whole number"
contains err.txt "nothing was written"
expect_status 2 "run broken" "$EDUSIM" run broken/scenario.yaml -o broken.h5
check "no results file for a broken scenario" test ! -e broken.h5
check "no temporary file for a broken scenario" bash -c '! ls broken.h5.tmp.* 2>/dev/null | grep -q .'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
