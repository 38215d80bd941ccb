#!/usr/bin/env bash
# The real scenarios built from the 2020 census (scripts/prepare_scenarios.py):
# the committed data files are reproduced byte for byte from raw/; every census
# age group is preserved per region; local + migrant = residents at every age;
# migrants and away-registered children follow the rules stated in the
# scenarios' README files; baseline teachers and seats follow the stated
# totals; the scenarios and their variants validate; the Sichuan-Chongqing
# scenario and a short China-counties run complete.
# Env: EDUSIM (the program), ES_SOURCE_DIR, ES_SCRATCH, PYTHON.
set -u
: "${EDUSIM:?}" "${ES_SOURCE_DIR:?}" "${ES_SCRATCH:?}"
PYTHON=${PYTHON:-/usr/bin/python3}
src=$ES_SOURCE_DIR
rm -rf "$ES_SCRATCH" && mkdir -p "$ES_SCRATCH" && cd "$ES_SCRATCH" || exit 1
. "$ES_SOURCE_DIR/tests/integration/testlib.sh"
scenarios="sichuan-chongqing yangtze-delta china-counties"

# --- reproducible from raw/ ----------------------------------------------
expect_status 0 "prepare_scenarios.py --out" "$PYTHON" "$src/scripts/prepare_scenarios.py" --out gen
for s in $scenarios; do
  for f in regions.csv population.csv teachers.csv seats.csv; do
    if cmp -s "gen/$s/$f" "$src/scenarios/$s/$f"; then ok; else bad "$s/$f differs from the regenerated file"; fi
  done
done
expect_status 0 "--scenario selects one" "$PYTHON" "$src/scripts/prepare_scenarios.py" --out one \
  --scenario yangtze-delta
if [ -f one/yangtze-delta/regions.csv ] && [ ! -e one/china-counties ]; then ok; else bad "--scenario"; fi

# --- the estimates, recomputed independently from the raw census tables --
"$PYTHON" - "$src" >py.txt 2>&1 <<'EOF'
import csv, math, os, sys
import yaml
src = sys.argv[1]
passed = failed = 0
def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
def n(x):
    return float(x) if x.strip() else 0.0
GROUPS = [("pop_age_0", 0, 0), ("pop_age_1_4", 1, 4), ("pop_age_5_9", 5, 9), ("pop_age_10_14", 10, 14)]
FACTOR = 0.9                                   # README: child share = 0.9 x all-age share
INSIDE = {"sichuan-chongqing": 0.3, "yangtze-delta": 0.4, "china-counties": 1.0}
COUNT = {"sichuan-chongqing": 221, "yangtze-delta": 41, "china-counties": 2843}
MERGE = {"511071": "511002", "511771": "511702", "511971": "511902"}  # dev zones -> main district

for s in ("sichuan-chongqing", "yangtze-delta", "china-counties"):
    d = os.path.join(src, "scenarios", s)
    raw = os.path.join(d, "raw")
    # census rows per region code, merged as the README says
    census = {}
    if s == "sichuan-chongqing":
        for r in rows(os.path.join(raw, "chongqing_districts_2020.csv")) + rows(os.path.join(raw, "sichuan_counties_2020.csv")):
            code = MERGE.get(r["code"], r["code"])
            if code in census:
                for k in r:
                    if k.startswith(("pop_age", "resident", "rural", "hukou")):
                        census[code][k] = str(n(census[code][k]) + n(r[k]))
            else:
                census[code] = dict(r)
    elif s == "yangtze-delta":
        census = {r["code"]: r for r in rows(os.path.join(raw, "yrd_prefectures_2020.csv"))}
    else:
        coords = {r["code"] for r in rows(os.path.join(raw, "county_coordinates.csv"))}
        census = {r["code"]: r for r in rows(os.path.join(raw, "china_all_units_2020.csv"))
                  if r["level"] == "county" and r["code"] in coords}
    regions = rows(os.path.join(d, "regions.csv"))
    check(len(regions) == COUNT[s], "%s: %d regions" % (s, len(regions)))
    check(set(r["code"] for r in regions) == set(census), "%s: region codes = census rows" % s)
    pop = {}
    for r in rows(os.path.join(d, "population.csv")):
        pop.setdefault(r["region"], {})[int(r["age"])] = (int(r["local"]), int(r["migrant"]), int(r["away"]))
    check(all(sorted(v) == list(range(18)) for v in pop.values()) and len(pop) == COUNT[s],
          "%s: ages 0..17 for every region" % s)
    check(all(x >= 0 for v in pop.values() for t in v.values() for x in t), "%s: no negative population" % s)
    groups_ok = births_ok = adult_ok = migrant_ok = older_ok = True
    internal = [0.0] * 18
    for reg in regions:
        c = census[reg["code"]]
        p = pop[reg["code"]]
        res = [p[a][0] + p[a][1] for a in range(18)]
        for col, lo, hi in GROUPS:
            if sum(res[lo:hi + 1]) != n(c[col]):
                groups_ok = False
                print("  %s %s %s: %d != %s" % (s, reg["code"], col, sum(res[lo:hi + 1]), c[col]))
        if not (0 <= sum(res[15:18]) <= n(c["pop_age_15_19"])):
            older_ok = False
        births_ok &= int(reg["births"]) == n(c["pop_age_0"])
        adult_ok &= int(reg["adult_pop"]) == n(c["resident_pop"]) - sum(res)
        same = n(c["hukou_elsewhere_other_county_same_province"])
        if reg["code"] == "310100":
            same = 0.0  # Shanghai is one region: moves between its districts are local
        other = n(c["hukou_other_province"])
        share = FACTOR * (same + other) / n(c["resident_pop"])
        for a in range(18):
            if p[a][1] != math.floor(share * res[a] + 0.5):
                migrant_ok = False
            if same + other > 0:
                internal[a] += p[a][1] * (same + INSIDE[s] * other) / (same + other)
        if n(c["rural_pop"]) == 0 and any(p[a][2] for a in range(18)):
            check(False, "%s %s: away children without rural population" % (s, reg["code"]))
    check(groups_ok, "%s: census groups 0, 1-4, 5-9, 10-14 preserved per region" % s)
    check(older_ok, "%s: ages 15-17 within the census group 15-19" % s)
    check(births_ok, "%s: births = census age-0 count" % s)
    check(adult_ok, "%s: adult_pop = residents - ages 0-17" % s)
    check(migrant_ok, "%s: migrant = round(0.9 x all-age migrant share x residents)" % s)
    for a in range(18):
        total = sum(pop[r][a][2] for r in pop)
        check(total == math.floor(internal[a] + 0.5),
              "%s: away at age %d: %d, expected %d" % (s, a, total, math.floor(internal[a] + 0.5)))
    # baseline supply totals: teachers = round(D / ptr), seats = round(D)
    with open(os.path.join(d, "scenario.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    teachers = rows(os.path.join(d, "teachers.csv"))
    seats = rows(os.path.join(d, "seats.csv"))
    check(all(int(r["teachers"]) >= 0 for r in teachers) and all(int(r["seats"]) >= 0 for r in seats),
          "%s: no negative teachers or seats" % s)
    check(len(teachers) == COUNT[s] * 4 and len(seats) == COUNT[s] * 4, "%s: every region x stage" % s)
    for st in doc["stages"]:
        e = st.get("enrollment", 1.0)
        em = st.get("migrant_enrollment", e)
        lo, hi = st["ages"]
        dem = sum(e * p[a][0] + em * p[a][1] for p in pop.values() for a in range(lo, hi + 1))
        tt = sum(int(r["teachers"]) for r in teachers if r["stage"] == st["name"])
        ss = sum(int(r["seats"]) for r in seats if r["stage"] == st["name"])
        check(tt == math.floor(dem / st["ptr_standard"] + 0.5), "%s %s: teachers %d" % (s, st["name"], tt))
        check(ss == math.floor(dem + 0.5), "%s %s: seats %d" % (s, st["name"], ss))
    # demography of the scenario file, from the stated rates
    demo = doc["demography"]
    q14 = 1 - (1 - 0.0075) / (1 - 0.0054)
    q = [0.0054] + [1 - (1 - q14) ** 0.25] * 4 + [0.5 * 0.55e-3] * 5 + [0.5 * 0.42e-3] * 5 + [0.5 * 0.63e-3] * 3
    check(all(abs(x - y) <= 1e-3 * y for x, y in zip(demo["mortality"], q)) and len(demo["mortality"]) == 18,
          "%s: mortality from q0 5.4, 5q0 7.5 per 1000 and half the 2000 rates" % s)
    fi = demo["fertility_index"]
    check(fi[2020] == 1.0 and abs(fi[2021] - 1062 / 1200) < 1e-4 and abs(fi[2024] - 954 / 1200) < 1e-4,
          "%s: fertility index from announced births" % s)

# ranks and zones stated in the README (Sichuan-Chongqing)
reg = {r["code"]: r for r in rows(os.path.join(src, "scenarios/sichuan-chongqing/regions.csv"))}
for code, rank, zone in (("500103", 1, "主城都市区"), ("500113", 1, "主城都市区"), ("500102", 2, "主城都市区"),
                         ("500101", 2, "渝东北"), ("500229", 4, "渝东北"), ("500114", 2, "渝东南"),
                         ("510104", 1, "成都平原经济区"), ("510118", 1, "成都平原经济区"), ("510181", 3, "成都平原经济区"),
                         ("510302", 2, "川南经济区"), ("511002", 2, "川南经济区"), ("513332", 4, "川西北生态示范区"),
                         ("513401", 3, "攀西经济区"), ("511902", 2, "川东北经济区")):
    check(int(reg[code]["rank"]) == rank and reg[code]["zone"] == zone, "rank/zone of %s" % code)
check(sum(int(r["rank"]) == 1 for r in reg.values()) == 9 + 12, "21 rank-1 districts (9 Chongqing, 12 Chengdu)")
check(reg["500103"]["lat"] == "29.556742" and reg["500103"]["lon"] == "106.56288", "coordinates copied verbatim")
yrd = {r["code"]: r for r in rows(os.path.join(src, "scenarios/yangtze-delta/regions.csv"))}
check(yrd["310100"]["name"] == "上海市" and yrd["310100"]["rank"] == "1", "Shanghai rank 1")
check(yrd["310100"]["lat"] == "31.222771", "Shanghai seat = 黄浦区 (310101)")
check([yrd[c]["rank"] for c in ("320100", "330200", "340100", "320500")] == ["2", "2", "2", "3"], "YRD ranks")
cn = {r["code"]: r for r in rows(os.path.join(src, "scenarios/china-counties/regions.csv"))}
check([cn[c]["rank"] for c in ("110101", "440305", "440604", "429021", "520203", "510181", "140109")]
      == ["1", "1", "2", "4", "4", "3", "1"], "national ranks")
check(cn["500103"]["rank"] == "1" and cn["500101"]["rank"] == "2", "national ranks of Chongqing")
check([cn[c]["zone"] for c in ("110101", "340102", "210102", "650102")] == ["东部", "中部", "东北", "西部"], "national zones")
print("python checks: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
st=$?
cat py.txt
py_pass=$(sed -n 's/^python checks: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' py.txt)
py_fail=$(sed -n 's/^python checks: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' py.txt)
passed=$((passed + ${py_pass:-0}))
failed=$((failed + ${py_fail:-0}))
if [ "$st" != 0 ] && [ "${py_fail:-0}" = 0 ]; then bad "python checks crashed (exit $st)"; fi

# --- validate ------------------------------------------------------------
for s in $scenarios; do
  expect_status 0 "validate $s" "$EDUSIM" validate "$src/scenarios/$s/scenario.yaml"
done
for v in "$src"/scenarios/sichuan-chongqing/variants/*.yaml; do
  expect_status 0 "validate variant $(basename "$v")" "$EDUSIM" validate "$v"
done
# The same variants merged here by the rules of `extends` (mappings merge key
# by key, lists and scalars replace, paths resolve against the file that wrote
# them), so their content is checked by the loader of any version.
"$PYTHON" - "$src" >merge.txt 2>&1 <<'EOF_MERGE'
import glob, os, sys
import yaml
src = sys.argv[1]
def merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return over
def absolute(doc, folder):
    doc = dict(doc)
    if "data" in doc:
        doc["data"] = {k: os.path.join(folder, v) for k, v in doc["data"].items()}
    if "output" in doc and "file" in doc["output"]:
        doc["output"] = dict(doc["output"], file=os.path.join(folder, doc["output"]["file"]))
    return doc
for path in sorted(glob.glob(src + "/scenarios/sichuan-chongqing/variants/*.yaml")):
    with open(path, encoding="utf-8") as f:
        var = yaml.safe_load(f)
    base_path = os.path.normpath(os.path.join(os.path.dirname(path), var.pop("extends")))
    with open(base_path, encoding="utf-8") as f:
        base = absolute(yaml.safe_load(f), os.path.dirname(base_path))
    doc = merge(base, absolute(var, os.path.dirname(path)))
    with open("merged-" + os.path.basename(path), "w", encoding="utf-8") as f:
        yaml.safe_dump(doc, f, allow_unicode=True, sort_keys=False)
    print(os.path.basename(path))
EOF_MERGE
if [ "$(grep -c yaml merge.txt)" = 6 ]; then ok; else bad "merging the variants"; cat merge.txt; fi
for v in merged-*.yaml; do
  expect_status 0 "validate $v" "$EDUSIM" validate "$v"
done
grep -q 'replicates: 200' merged-stochastic.yaml && grep -q 'mode: stochastic' merged-stochastic.yaml && ok ||
  bad "stochastic variant"
[ "$(grep -c 'hiring_cap: 0' merged-hiring-freeze.yaml)" = 4 ] && ok || bad "hiring-freeze variant"
[ "$(grep -c 'migrant_enrollment: 1' merged-full-access.yaml)" = 4 ] && ok || bad "full-access variant"
[ "$(grep -c 'migrant_enrollment: 0.6' merged-restricted-access.yaml)" = 2 ] && ok || bad "restricted variant"
grep -q 'results/sichuan-chongqing-low-fertility.h5' merged-low-fertility.yaml && ok || bad "variant output path"

# --- run -----------------------------------------------------------------
expect_status 0 "run sichuan-chongqing" "$EDUSIM" run "$src/scenarios/sichuan-chongqing/scenario.yaml" \
  -o sc.h5 --force --quiet
"$PYTHON" - "$src" >py2.txt 2>&1 <<'EOF'
import csv, sys
import h5py
src = sys.argv[1]
with open(src + "/scenarios/sichuan-chongqing/population.csv", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
with h5py.File("sc.h5", "r") as h:
    loc = h["population/local"][0, 0].sum()
    mig = h["population/migrant"][0, 0].sum()
    years = list(h["population/year"][:])
want_l = sum(int(r["local"]) for r in rows)
want_m = sum(int(r["migrant"]) for r in rows)
ok = abs(loc - want_l) < 0.5 and abs(mig - want_m) < 0.5 and years[0] == 2020 and years[-1] == 2040
print("ok" if ok else "bad: %s %s / %s %s, years %s" % (loc, want_l, mig, want_m, years))
EOF
if grep -qx ok py2.txt; then ok; else bad "results of sichuan-chongqing: $(cat py2.txt)"; fi

cat >cn-short.yaml <<EOF
extends: $src/scenarios/china-counties/scenario.yaml
name: china-counties-short
years: {start: 2020, end: 2023}
output: {file: cn-short.h5}
EOF
expect_status 0 "run china-counties 2020-2023" "$EDUSIM" run cn-short.yaml -o cn-short.h5 --force --quiet
if [ -s cn-short.h5 ]; then ok; else bad "china-counties results file"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
