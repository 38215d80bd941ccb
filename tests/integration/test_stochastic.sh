#!/usr/bin/env bash
# End-to-end tests of stochastic mode (MODEL 9): results identical for 1 and 2
# threads, a strategy's results unchanged when others are added or left out,
# the stochastic mean close to the deterministic projection (a tolerance from
# the replicates' own standard error, fixed seed: it cannot flake), the
# command-line overrides, and a clean stop on SIGINT and SIGTERM.
# Env: EDUSIM, ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
src=$ES_SOURCE_DIR
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"

"$PYTHON" "$src/bench/make_scenario.py" syn --regions 40 --years 6 --seed 11 \
  --mode stochastic --replicates 60 >/dev/null
sed -i 's/^warning:/output: {statistics: [mean, sd, p05, p50, p95]}\nwarning:/' syn/scenario.yaml
expect_status 0 "stochastic -j 1" "$EDUSIM" run syn/scenario.yaml -o j1.h5 -j 1
contains err.txt "stochastic, 60 replicates"
expect_status 0 "stochastic -j 2" "$EDUSIM" run syn/scenario.yaml -o j2.h5 -j 2 --quiet
check "--quiet prints nothing" test ! -s err.txt
expect_status 0 "only two strategies" "$EDUSIM" run syn/scenario.yaml -o two.h5 -j 2 \
  --strategy resident --strategy rank --quiet
expect_status 0 "deterministic override" "$EDUSIM" run syn/scenario.yaml -o det.h5 \
  --mode deterministic --quiet
expect_status 0 "replicate and seed overrides" "$EDUSIM" run syn/scenario.yaml -o r7.h5 \
  -r 7 --seed 99 --quiet
expect_status 2 "unknown strategy" "$EDUSIM" run syn/scenario.yaml -o x.h5 --strategy nope
contains err.txt "--strategy: unknown 'nope' (expected: rank, hukou, resident, forecast5, transition)"
expect_status 2 "bad mode" "$EDUSIM" run syn/scenario.yaml -o x.h5 --mode random
contains err.txt "--mode needs deterministic or stochastic"
expect_status 2 "bad replicates" "$EDUSIM" run syn/scenario.yaml -o x.h5 -r 0
contains err.txt "whole number of replicates"
expect_status 2 "bad seed" "$EDUSIM" run syn/scenario.yaml -o x.h5 --seed -4
contains err.txt "--seed needs a whole number"
check "no file from failed runs" test ! -e x.h5

cat > check.py <<'PY'
import sys, h5py, numpy as np, xarray as xr
fails = 0
def check(ok, what):
    global fails
    if not ok:
        fails += 1
        print("FAIL:", what)

# 1. identical for 1 and 2 threads, every dataset, bit for bit
a, b = h5py.File("j1.h5", "r"), h5py.File("j2.h5", "r")
n = 0
def same(name, obj):
    global n
    if isinstance(obj, h5py.Dataset):
        x, y = obj[()], b[name][()]
        equal = x.tobytes() == y.tobytes() if obj.dtype.kind == "f" else np.array_equal(x, y)
        check(equal, f"{name} differs between 1 and 2 threads")
        n += 1
a.visititems(same)
check(n > 50, f"only {n} datasets compared")

# 2. a strategy's numbers do not depend on which others run
for group in ("schools", "indicators", "indicators_replicates"):
    full = xr.open_dataset("j1.h5", engine="h5netcdf", group=group)
    part = xr.open_dataset("two.h5", engine="h5netcdf", group=group)
    check(list(part.strategy.values) == ["resident", "rank"], "selected strategies in order")
    for name in full.data_vars:
        if "strategy" not in full[name].dims:
            continue
        for s in ("resident", "rank"):
            x = full[name].sel(strategy=s).values
            y = part[name].sel(strategy=s).values
            check(x.tobytes() == y.tobytes(), f"{group}/{name}[{s}] changed by the selection")

# 3. the layout of a stochastic file
ind = xr.open_dataset("j1.h5", engine="netcdf4", group="indicators")
check(list(ind.statistic.values) == ["mean", "sd", "p05", "p50", "p95"], "indicator statistics")
rep = xr.open_dataset("j1.h5", engine="h5netcdf", group="indicators_replicates")
check(rep.gini.dims == ("strategy", "replicate", "year", "stage"), "replicate dims")
check(list(rep.replicate.values) == list(range(60)), "replicate coordinate")
# exact statistics from the kept replicates
g = rep.gini.sel(strategy="resident", year=2026, stage="primary").values
s = ind.gini.sel(strategy="resident", year=2026, stage="primary")
check(abs(float(s.sel(statistic="mean")) - g.mean()) <= 1e-12 * abs(g.mean()), "mean of replicates")
check(abs(float(s.sel(statistic="sd")) - g.std(ddof=1)) <= 1e-9 * g.std(ddof=1), "sd of replicates")
for q, p in (("p05", 0.05), ("p50", 0.5), ("p95", 0.95)):
    check(abs(float(s.sel(statistic=q)) - np.quantile(g, p)) <= 1e-12, f"{q} of replicates")
dem = xr.open_dataset("j1.h5", engine="h5netcdf", group="demand")
check(list(dem.statistic.values) == ["mean", "sd"], "region statistics are mean and sd")
w = dem.warning.sel(statistic="mean").values
check(((w >= -1) & (w <= 1)).all(), "warning is a difference of shares")
sch = xr.open_dataset("j1.h5", engine="h5netcdf", group="schools")
p = sch.over_capacity.sel(statistic="mean").values
check(((p >= 0) & (p <= 1)).all(), "exceedance is a probability")
# integer populations in every replicate: the mean times R is a whole number
pop = xr.open_dataset("j1.h5", engine="h5netcdf", group="population")
tot = (pop.local.sel(statistic="mean") * 60).values
check(np.allclose(tot, np.round(tot), atol=1e-6), "stocks are whole numbers")
check(h5py.File("r7.h5", "r").attrs["replicates"] == 7, "replicates override recorded")
check(h5py.File("r7.h5", "r").attrs["seed"] == 99, "seed override recorded")

# 4. the stochastic mean converges to the deterministic result (MODEL 3):
# students per region and stage, |mean - det| <= 5 standard errors + 1e-9
det = xr.open_dataset("det.h5", engine="h5netcdf", group="demand").students.sel(statistic="mean")
m = dem.students.sel(statistic="mean")
se = dem.students.sel(statistic="sd") / np.sqrt(60)
z = (abs(m - det) / (se + 1e-9)).values
check(np.nanmax(z) < 5.0, f"stochastic mean far from deterministic: max z = {np.nanmax(z):.2f}")
check(h5py.File("det.h5", "r").attrs["mode"] == "deterministic", "mode override recorded")
print(f"{fails} failures")
sys.exit(1 if fails else 0)
PY
expect_status 0 "stochastic results" "$PYTHON" check.py
contains out.txt "0 failures"

# --- region-level quantiles (region_quantiles: true, P2 estimates) ----------
sed 's/^output: {statistics: \[mean, sd, p05, p50, p95\]}/output: {statistics: [mean, sd, p05, p50, p95], region_quantiles: true}/' \
  syn/scenario.yaml > syn/rq.yaml
expect_status 0 "region quantiles, 3 replicates" "$EDUSIM" run syn/rq.yaml -o rq3.h5 -r 3 -j 2 --quiet
expect_status 0 "region quantiles, 60 replicates" "$EDUSIM" run syn/rq.yaml -o rq60.h5 -j 2 --quiet
cat > rq.py <<'PY'
import sys, numpy as np, xarray as xr
fails = 0
def check(ok, what):
    global fails
    if not ok:
        fails += 1
        print("FAIL:", what)
# With 3 replicates a <= b <= c the quantiles are exact (P2 keeps the first
# five values): b is the median, and a, c follow from the mean and the sd.
for group, var in (("population", "local"), ("schools", "teachers"), ("demand", "students")):
    ds = xr.open_dataset("rq3.h5", engine="h5netcdf", group=group)
    check(list(ds.statistic.values) == ["mean", "sd", "p05", "p50", "p95"], f"{group} statistics")
    x = ds[var]
    m, sd = x.sel(statistic="mean").values, x.sel(statistic="sd").values
    b = x.sel(statistic="p50").values
    # a + c = 3m - b and (a-m)^2 + (c-m)^2 = 2 sd^2 - (b-m)^2
    s_ac = 3 * m - b
    q = 2 * sd**2 - (b - m) ** 2
    d = np.sqrt(np.maximum(0.0, 2 * q - (s_ac - 2 * m) ** 2))
    a, c = (s_ac - d) / 2, (s_ac + d) / 2
    tol = 1e-6 * (1 + np.abs(m))
    check(np.all(np.abs(x.sel(statistic="p05").values - (a + 0.1 * (b - a))) <= tol), f"{group}/{var} p05 exact")
    check(np.all(np.abs(x.sel(statistic="p95").values - (b + 0.9 * (c - b))) <= tol), f"{group}/{var} p95 exact")
ds = xr.open_dataset("rq60.h5", engine="h5netcdf", group="population")
lo, mid, hi = (ds.local.sel(statistic=s).values for s in ("p05", "p50", "p95"))
check(np.all(lo <= mid + 1e-9) and np.all(mid <= hi + 1e-9), "p05 <= p50 <= p95")
m, sd = ds.local.sel(statistic="mean").values, ds.local.sel(statistic="sd").values
check(np.all(np.abs(mid - m) <= 3 * sd + 1e-9), "median within 3 sd of the mean")
print(f"{fails} failures")
sys.exit(1 if fails else 0)
PY
expect_status 0 "region quantiles" "$PYTHON" rq.py
contains out.txt "0 failures"

# --- progress: redrawn on a terminal, absent otherwise ---------------------
if command -v script >/dev/null; then
  script -qec "$EDUSIM run syn/scenario.yaml -o tty.h5 -r 12 -j 2" /dev/null > tty.txt 2>&1
  contains tty.txt "replicates 12/12 (100%)"
  contains tty.txt "stochastic, 12 replicates"
else
  echo "note: no 'script' command; the terminal progress line is not tested"
fi
expect_status 0 "no terminal: no progress line" "$EDUSIM" run syn/scenario.yaml -o notty.h5 -r 12
if grep -q "replicates 12/12" err.txt; then bad "progress printed without a terminal"; else ok; fi
contains err.txt "stochastic, 12 replicates"

# --- a clean stop on SIGINT and SIGTERM ------------------------------------
"$PYTHON" "$src/bench/make_scenario.py" big --regions 200 --years 20 --seed 3 \
  --mode stochastic --replicates 100000 >/dev/null
echo "previous results" > prev.h5
for sig in INT TERM; do
  "$EDUSIM" run big/scenario.yaml -o prev.h5 --force -j 2 --quiet 2>stop.txt &
  pid=$!
  sleep 2
  kill -s "$sig" "$pid"
  wait "$pid"
  got=$?
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  if [ "$got" = "$want" ]; then ok; else bad "SIG$sig: exit $got, expected $want"; cat stop.txt; fi
  contains stop.txt "stopped by signal"
  check "SIG$sig: previous file untouched" test "$(cat prev.h5)" = "previous results"
  check "SIG$sig: no temporary file" bash -c '! ls prev.h5.tmp.* 2>/dev/null | grep -q .'
done

# A deterministic run stops too (between years, and before its file is put in
# place): a 1,500-region, 30-year scenario takes a few seconds here.
"$PYTHON" "$src/bench/make_scenario.py" bigdet --regions 1500 --years 29 --seed 5 >/dev/null
"$EDUSIM" run bigdet/scenario.yaml -o prev.h5 --force --quiet 2>stop.txt &
pid=$!
sleep 1
kill -s INT "$pid"
wait "$pid"
got=$?
if [ "$got" = 130 ]; then ok; else bad "deterministic SIGINT: exit $got, expected 130"; cat stop.txt; fi
check "deterministic SIGINT: previous file untouched" test "$(cat prev.h5)" = "previous results"
check "deterministic SIGINT: no temporary file" bash -c '! ls prev.h5.tmp.* 2>/dev/null | grep -q .'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
