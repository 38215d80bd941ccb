#!/usr/bin/python3
"""Build the data of the real edusim scenarios from the 2020 census tables.

For each scenario (sichuan-chongqing, yangtze-delta, china-counties) this reads
the raw census tables copied into scenarios/<name>/raw/ and the scenario's own
scenario.yaml (stages and the rank strategy), and writes regions.csv,
population.csv, teachers.csv and seats.csv into scenarios/<name>/ (or into
OUT/<name>/ with --out OUT). Every estimate made here is explained, with its
reasoning, in scenarios/<name>/README.md; the constants below carry the same
names as the README's sections.

Usage:
  /usr/bin/python3 scripts/prepare_scenarios.py [--out DIR] [--scenario NAME]...
  /usr/bin/python3 scripts/prepare_scenarios.py --refresh-raw /work/shared/data/census2020
  /usr/bin/python3 scripts/prepare_scenarios.py --print-demography

The output is a pure function of the raw files and scenario.yaml: no clock, no
randomness, plain integer or fixed-format numbers, LF line ends.
"""

import argparse
import csv
import math
import os
import shutil
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIOS = ("sichuan-chongqing", "yangtze-delta", "china-counties")

# Raw files each scenario reads (copied verbatim from shared/data/census2020).
COMMON_RAW = ("SOURCES.md", "county_coordinates.csv", "china_births_2010_2024.csv",
              "china_deaths_by_age_2000_census.csv", "china_school_staffing_standards.csv")
RAW_FILES = {
    "sichuan-chongqing": ("chongqing_districts_2020.csv", "sichuan_counties_2020.csv") + COMMON_RAW,
    "yangtze-delta": ("yrd_prefectures_2020.csv",) + COMMON_RAW,
    "china-counties": ("china_all_units_2020.csv",) + COMMON_RAW,
}

MAX_AGE = 17  # oldest age of any stage (senior 15-17)
AGE_GROUPS = (("pop_age_0", 0, 0), ("pop_age_1_4", 1, 4), ("pop_age_5_9", 5, 9),
              ("pop_age_10_14", 10, 14), ("pop_age_15_19", 15, 19))

# Migrant children: child migrant share = all-age migrant share x this factor.
CHILD_MIGRANT_FACTOR = 0.9
# Share of the other-province migrants of a region that are registered in
# another province of the same system (README "Away-registered children").
OTHER_PROVINCE_INSIDE = {"sichuan-chongqing": 0.3, "yangtze-delta": 0.4, "china-counties": 1.0}

# Sichuan's three economic development zones, merged into the prefecture's main
# district (the lowest-coded district of the prefecture).
SICHUAN_ZONE_MERGE = {"511071": "511002", "511771": "511702", "511971": "511902"}

CHONGQING_CENTRAL = ("500103", "500104", "500105", "500106", "500107", "500108", "500109",
                     "500112", "500113")  # 渝中 大渡口 江北 沙坪坝 九龙坡 南岸 北碚 渝北 巴南
CHONGQING_ZONES = {  # 一区两群 (2020)
    "主城都市区": CHONGQING_CENTRAL + ("500102", "500110", "500111", "500115", "500116", "500117",
                                  "500118", "500119", "500120", "500151", "500152", "500153"),
    "渝东北": ("500101", "500154", "500155", "500229", "500230", "500231", "500233", "500235",
            "500236", "500237", "500238"),
    "渝东南": ("500114", "500156", "500240", "500241", "500242", "500243"),
}
SICHUAN_ZONES = {  # 五大经济区, by prefecture code
    "成都平原经济区": ("5101", "5106", "5107", "5109", "5111", "5118", "5114", "5120"),
    "川南经济区": ("5103", "5105", "5110", "5115"),
    "川东北经济区": ("5108", "5113", "5116", "5117", "5119"),
    "攀西经济区": ("5104", "5134"),
    "川西北生态示范区": ("5132", "5133"),
}
# Prefectures whose districts are rank 1 in the national scenario: the four
# municipalities, the provincial capitals (every province's xx01 prefecture)
# and the five cities with separate planning status (计划单列市).
SEPARATE_PLANNING = ("2102", "3702", "3302", "3502", "4403")  # 大连 青岛 宁波 厦门 深圳
MUNICIPALITIES = ("11", "12", "31", "50")
COUNTY_LIKE_DISTRICTS = ("429021", "520203")  # 神农架林区, 六枝特区: county-level, not 市辖区
EAST = ("11", "12", "13", "31", "32", "33", "35", "37", "44", "46")
CENTRAL = ("14", "34", "36", "41", "42", "43")
NORTHEAST = ("21", "22", "23")
YRD_RANK2 = ("320100", "330100", "340100", "330200")  # 南京 杭州 合肥 (capitals), 宁波 (计划单列)
# Prefecture seats whose core district is not the lowest-coded one (README).
YRD_SEAT = {"320200": "320213", "320500": "320508", "320600": "320613", "320800": "320812",
            "320700": "320706", "340400": "340403", "340600": "340603"}

# Demography (README "Fertility" and "Mortality").
INFANT_MORTALITY = 0.0054  # per live birth, 2020 (NHC bulletin, SOURCES.md)
UNDER_FIVE_MORTALITY = 0.0075
OLDER_CHILD_SCALE = 0.5  # 2020 rates at ages 5..17 = this x the 2000 census rates
FERTILITY_ASSUMED = {  # years after the last announced year (2024)
    "base": {2025: 0.75, 2030: 0.72, 2040: 0.70},
    "low": {2025: 0.70, 2030: 0.60, 2040: 0.55},
    "high": {2025: 0.80, 2030: 0.85, 2040: 0.85},
}


def die(msg):
    sys.stderr.write("prepare_scenarios: %s\n" % msg)
    sys.exit(1)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(row, col):
    """A census cell as an int (missing cells count 0; see README)."""
    text = row[col].strip()
    if text == "":
        return 0
    value = float(text)
    return int(value) if value == int(value) else value


def round_half_up(x):
    return int(math.floor(x + 0.5))


def largest_remainder(total, weights):
    """Integers >= 0 summing exactly to total, proportional to weights.

    Hamilton's method: floors of the quotas, then one unit each to the largest
    remainders (ties to the lower index). Equal split when all weights are 0.
    """
    n = len(weights)
    s = float(sum(weights))
    quotas = [total * w / s for w in weights] if s > 0 else [total / n] * n
    out = [int(math.floor(q)) for q in quotas]
    rest = total - sum(out)
    order = sorted(range(n), key=lambda i: (-(quotas[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


# --- single years of age (README "Single-year ages") -----------------------

SPRAGUE_G1G2 = (  # Sprague fifth-difference multipliers, first two panels
    (0.3616, -0.2768, 0.1488, -0.0336),
    (0.2640, -0.0960, 0.0400, -0.0080),
    (0.1840, 0.0400, -0.0320, 0.0080),
    (0.1200, 0.1360, -0.0720, 0.0160),
    (0.0704, 0.1968, -0.0848, 0.0176),
    (0.0336, 0.2272, -0.0752, 0.0144),
    (0.0080, 0.2320, -0.0480, 0.0080),
    (-0.0080, 0.2160, -0.0080, 0.0000),
    (-0.0160, 0.1840, 0.0400, -0.0080),
    (-0.0176, 0.1408, 0.0912, -0.0144),
)


def sprague4(groups):
    """Sprague split of four 5-year groups (0-4, 5-9, 10-14, 15-19) into 20 ages.

    Four groups use exactly the boundary panels: the first two panels for the
    first two groups and their mirror images (next-to-last and last panels)
    for the last two.
    """
    out = [sum(c * g for c, g in zip(row, groups)) for row in SPRAGUE_G1G2]
    mirrored = list(reversed(groups))
    tail = [sum(c * g for c, g in zip(row, mirrored)) for row in SPRAGUE_G1G2]
    return out + list(reversed(tail))


def single_years(row):
    """Integer residents at ages 0..19 preserving every census group exactly.

    Sprague on the 5-year groups (0 and 1-4 combined), age 0 set to its
    observed count, ages 1-4 rescaled to their group, each group made whole
    numbers by largest remainder. Where Sprague gives a negative value: if it
    falls only on ages 18-19 (not projected), those are set to 0 and the group
    keeps the Sprague shape at 15-17; otherwise the group is split equally.
    Returns (ages, fallback_groups): the first index of each group that fell
    back.
    """
    g = {col: num(row, col) for col, _, _ in AGE_GROUPS}
    est = sprague4([g["pop_age_0"] + g["pop_age_1_4"], g["pop_age_5_9"], g["pop_age_10_14"],
                    g["pop_age_15_19"]])
    ages = [0] * 20
    ages[0] = g["pop_age_0"]  # age 0 is observed
    fallback = []
    for col, lo, hi in AGE_GROUPS[1:]:
        weights = est[lo:hi + 1]
        if min(weights) < 0:
            fallback.append(lo)
            if min(weights[:MAX_AGE + 1 - lo]) >= 0:
                weights = [max(0.0, w) for w in weights]
            else:
                weights = [1.0] * len(weights)
        ages[lo:hi + 1] = largest_remainder(g[col], weights)
    return ages, fallback


# --- the regions of each scenario -----------------------------------------


def coordinates(raw):
    return {r["code"]: (r["lat"], r["lon"]) for r in read_csv(os.path.join(raw, "county_coordinates.csv"))}


def main_district(prefecture_code, coords):
    """The prefecture seat: its lowest-coded district that has coordinates."""
    stem = prefecture_code[:4]
    cands = sorted(c for c in coords if c[:4] == stem and 1 <= int(c[4:]) <= 20)
    if not cands:
        die("no district with coordinates for prefecture %s" % prefecture_code)
    return cands[0]


def add_rows(into, row):
    """Adds the numeric census columns of row to into (a merge)."""
    for col in ("resident_pop", "urban_pop", "rural_pop", "hukou_elsewhere_same_county",
                "hukou_elsewhere_other_county_same_province", "hukou_other_province") + tuple(
                    c for c, _, _ in AGE_GROUPS):
        into[col] = str(num(into, col) + num(row, col))


def sichuan_chongqing(raw):
    coords = coordinates(raw)
    cq = read_csv(os.path.join(raw, "chongqing_districts_2020.csv"))
    sc = read_csv(os.path.join(raw, "sichuan_counties_2020.csv"))
    zone_of = {}
    for zone, codes in CHONGQING_ZONES.items():
        for c in codes:
            zone_of[c] = zone
    for zone, prefs in SICHUAN_ZONES.items():
        for p in prefs:
            zone_of[p] = zone
    regions = []
    for r in cq:
        if r["code"] in CHONGQING_CENTRAL:
            rank = 1
        elif r["unit_type"] == "district":
            rank = 2
        else:
            rank = 4
        regions.append(dict(r, rank=rank, zone=zone_of[r["code"]]))
    by_code = {}
    merged = [r for r in sc if r["code"] in SICHUAN_ZONE_MERGE]
    for r in sc:
        if r["code"] in SICHUAN_ZONE_MERGE:
            continue
        if r["is_formal_county"] != "1":
            die("unexpected non-county row %s" % r["code"])
        name, code = r["name"], r["code"]
        if r["prefecture"] == "成都市" and name.endswith("区"):
            rank = 1
        elif name.endswith("区"):
            rank = 2
        elif name.endswith("市"):
            rank = 3
        else:
            rank = 4
        reg = dict(r, rank=rank, zone=zone_of[code[:4]])
        by_code[code] = reg
        regions.append(reg)
    for r in merged:
        add_rows(by_code[SICHUAN_ZONE_MERGE[r["code"]]], r)
    for reg in regions:
        reg["lat"], reg["lon"] = coords[reg["code"]]
        reg["migrant_all"] = (num(reg, "hukou_elsewhere_other_county_same_province") +
                              num(reg, "hukou_other_province"))
        reg["same_prov"] = num(reg, "hukou_elsewhere_other_county_same_province")
    return regions


def yangtze_delta(raw):
    coords = coordinates(raw)
    regions = []
    for r in read_csv(os.path.join(raw, "yrd_prefectures_2020.csv")):
        code = r["code"]
        if code == "310100":
            rank, name = 1, "上海市"
        elif code in YRD_RANK2:
            rank, name = 2, r["name"]
        else:
            rank, name = 3, r["name"]
        seat = YRD_SEAT.get(code) or main_district(code, coords)
        reg = dict(r, name=name, rank=rank, prefecture=name, zone="")
        reg["lat"], reg["lon"] = coords[seat]
        reg["seat"] = seat
        # Shanghai is one region holding its whole province: moves between its
        # districts stay inside the region, so they are local.
        same = 0 if code == "310100" else num(r, "hukou_elsewhere_other_county_same_province")
        reg["same_prov"] = same
        reg["migrant_all"] = same + num(r, "hukou_other_province")
        regions.append(reg)
    return regions


def county_rank(r):
    code, name = r["code"], r["name"]
    if code in COUNTY_LIKE_DISTRICTS:
        return 4
    if name.endswith("区"):
        if code[:2] == "50":
            return 1 if code in CHONGQING_CENTRAL else 2
        if code[:2] in MUNICIPALITIES or code[2:4] == "01" or code[:4] in SEPARATE_PLANNING:
            return 1
        return 2
    if name.endswith("市"):
        return 3
    return 4


def macro_region(code):
    p = code[:2]
    if p in EAST:
        return "东部"
    if p in CENTRAL:
        return "中部"
    if p in NORTHEAST:
        return "东北"
    return "西部"


def china_counties(raw):
    coords = coordinates(raw)
    regions = []
    for r in read_csv(os.path.join(raw, "china_all_units_2020.csv")):
        if r["level"] != "county" or r["code"] not in coords:
            continue
        reg = dict(r, rank=county_rank(r), zone=macro_region(r["code"]))
        reg["lat"], reg["lon"] = coords[r["code"]]
        reg["same_prov"] = num(r, "hukou_elsewhere_other_county_same_province")
        reg["migrant_all"] = reg["same_prov"] + num(r, "hukou_other_province")
        regions.append(reg)
    return regions


BUILDERS = {"sichuan-chongqing": sichuan_chongqing, "yangtze-delta": yangtze_delta,
            "china-counties": china_counties}


# --- local, migrant and away children (README "Local and migrant children") --


def child_migrant_share(reg):
    return CHILD_MIGRANT_FACTOR * reg["migrant_all"] / num(reg, "resident_pop")


def internal_shares(reg, inside):
    """(same-province, other-province-inside) shares of a region's migrants."""
    m = reg["migrant_all"]
    if m == 0:
        return 0.0, 0.0
    return reg["same_prov"] / m, inside * (m - reg["same_prov"]) / m


def away_children(regions, migrant, inside):
    """Away-registered children per region and age (README "Away-registered children").

    Migrants registered in the same province are spread over the other
    regions of that province, migrants registered in another province of the
    system over the regions of the other provinces, both in proportion to the
    rural population. Each age's total is round(sum of internal migrants) and
    is split into integers by largest remainder.
    """
    n = len(regions)
    w = [float(num(r, "rural_pop")) for r in regions]
    prov = [r["province"] for r in regions]
    provinces = sorted(set(prov))
    w_prov = {p: sum(w[i] for i in range(n) if prov[i] == p) for p in provinces}
    w_all = sum(w)
    shares = [internal_shares(r, inside) for r in regions]
    away = [[0] * (MAX_AGE + 1) for _ in range(n)]
    for a in range(MAX_AGE + 1):
        same = [migrant[i][a] * shares[i][0] for i in range(n)]
        other = [migrant[i][a] * shares[i][1] for i in range(n)]
        x = [0.0] * n
        # same province, excluding the migrant's own region
        acc = {p: 0.0 for p in provinces}
        for i in range(n):
            den = w_prov[prov[i]] - w[i]
            if den > 0:
                acc[prov[i]] += same[i] / den
        for i in range(n):
            den = w_prov[prov[i]] - w[i]
            if den > 0:
                x[i] += w[i] * (acc[prov[i]] - same[i] / den)
            elif same[i] > 0:
                x[i] += same[i]  # the only region of its province with rural people
        # other provinces of the system, excluding the destination's province
        out_p = {p: 0.0 for p in provinces}
        for i in range(n):
            out_p[prov[i]] += other[i]
        coef = {q: sum(out_p[p] / (w_all - w_prov[p]) for p in provinces
                       if p != q and w_all - w_prov[p] > 0) for q in provinces}
        for i in range(n):
            x[i] += w[i] * coef[prov[i]]
        total = round_half_up(sum(same) + sum(other))
        col = largest_remainder(total, x)
        for i in range(n):
            away[i][a] = col[i]
    return away


# --- baseline teachers and seats (README "Baseline teachers and seats") ------


def load_stages(scenario_dir):
    with open(os.path.join(scenario_dir, "scenario.yaml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    rank_weights = None
    for s in doc["strategies"]:
        if s["basis"] == "rank":
            rank_weights = {int(k): float(v) for k, v in s["rank_weights"].items()}
            break
    if rank_weights is None:
        die("%s/scenario.yaml has no rank strategy" % scenario_dir)
    stages = []
    for s in doc["stages"]:
        e = float(s.get("enrollment", 1.0))
        stages.append({"name": s["name"], "lo": s["ages"][0], "hi": s["ages"][1], "e": e,
                       "em": float(s.get("migrant_enrollment", e)),
                       "ptr": float(s["ptr_standard"])})
    return stages, rank_weights


def baseline_supply(regions, local, migrant, away, stages, rank_weights):
    """Teachers and seats of t0: the status quo, following registered children.

    Per stage: seats = all enrolled resident pupils (D, MODEL 4), teachers =
    round(D / ptr_standard), both split over regions in proportion to
    rank_weight x registered pupils (H, MODEL 4) by largest remainder.
    """
    n = len(regions)
    teachers, seats = {}, {}
    for st in stages:
        ages = range(st["lo"], st["hi"] + 1)
        d = sum(st["e"] * local[i][a] + st["em"] * migrant[i][a] for i in range(n) for a in ages)
        h = [rank_weights[regions[i]["rank"]] * st["e"] * sum(local[i][a] + away[i][a] for a in ages)
             for i in range(n)]
        teachers[st["name"]] = largest_remainder(round_half_up(d / st["ptr"]), h)
        seats[st["name"]] = largest_remainder(round_half_up(d), h)
    return teachers, seats


# --- national demography (README "Fertility" and "Mortality") ---------------


def fertility_index(raw, variant="base"):
    births = {int(r["year"]): float(r["births_10k"]) for r in read_csv(os.path.join(raw, "china_births_2010_2024.csv"))}
    out = {y: round(births[y] / births[2020], 4) for y in range(2020, 2025)}
    out.update(FERTILITY_ASSUMED[variant])
    return out


def mortality(raw):
    rates = {r["age_group"]: float(r["death_rate_permille_total"]) / 1000.0
             for r in read_csv(os.path.join(raw, "china_deaths_by_age_2000_census.csv"))}
    q = [INFANT_MORTALITY]
    q14 = 1.0 - (1.0 - UNDER_FIVE_MORTALITY) / (1.0 - INFANT_MORTALITY)
    q += [1.0 - (1.0 - q14) ** 0.25] * 4
    for a in range(5, MAX_AGE + 1):
        lo = 5 * (a // 5)
        m = OLDER_CHILD_SCALE * rates["%d-%d" % (lo, lo + 4)]
        q.append(1.0 - math.exp(-m))
    return [float("%.4g" % v) for v in q]


# --- writing ---------------------------------------------------------------


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def prepare(name, out_root):
    src = os.path.join(REPO, "scenarios", name)
    raw = os.path.join(src, "raw")
    inside = OTHER_PROVINCE_INSIDE[name]
    regions = BUILDERS[name](raw)
    n = len(regions)
    local, migrant, fallbacks = [], [], 0
    for reg in regions:
        ages, fb = single_years(reg)
        fallbacks += len(fb)
        c = child_migrant_share(reg)
        mig = [round_half_up(c * ages[a]) for a in range(MAX_AGE + 1)]
        migrant.append(mig)
        local.append([ages[a] - mig[a] for a in range(MAX_AGE + 1)])
        reg["children"] = sum(ages[:MAX_AGE + 1])
    away = away_children(regions, migrant, inside)
    stages, rank_weights = load_stages(src)
    teachers, seats = baseline_supply(regions, local, migrant, away, stages, rank_weights)

    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    header = ["code", "name", "rank", "births", "province", "prefecture"]
    has_zone = any(r["zone"] for r in regions)
    if has_zone:
        header.append("zone")
    header += ["lat", "lon", "adult_pop"]
    rows = []
    for r in regions:
        row = [r["code"], r["name"], r["rank"], num(r, "pop_age_0"), r["province"], r["prefecture"]]
        if has_zone:
            row.append(r["zone"])
        row += [r["lat"], r["lon"], num(r, "resident_pop") - r["children"]]
        rows.append(row)
    write_csv(os.path.join(out, "regions.csv"), header, rows)
    write_csv(os.path.join(out, "population.csv"), ["region", "age", "local", "migrant", "away"],
              [[regions[i]["code"], a, local[i][a], migrant[i][a], away[i][a]]
               for i in range(n) for a in range(MAX_AGE + 1)])
    write_csv(os.path.join(out, "teachers.csv"), ["region", "stage", "teachers"],
              [[regions[i]["code"], st["name"], teachers[st["name"]][i]]
               for i in range(n) for st in stages])
    write_csv(os.path.join(out, "seats.csv"), ["region", "stage", "seats"],
              [[regions[i]["code"], st["name"], seats[st["name"]][i]]
               for i in range(n) for st in stages])
    sys.stderr.write("%s: %d regions; Sprague gave a negative in %d age groups (fallback, README)\n" % (name, n, fallbacks))


def refresh_raw(source):
    for name in SCENARIOS:
        raw = os.path.join(REPO, "scenarios", name, "raw")
        os.makedirs(raw, exist_ok=True)
        for f in RAW_FILES[name]:
            shutil.copyfile(os.path.join(source, f), os.path.join(raw, f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="write into OUT/<name>/ instead of scenarios/<name>/")
    ap.add_argument("--scenario", action="append", choices=SCENARIOS,
                    help="only this scenario (repeatable); default all")
    ap.add_argument("--refresh-raw", metavar="DIR",
                    help="copy the raw files from DIR (shared/data/census2020) first")
    ap.add_argument("--print-demography", action="store_true",
                    help="print the mortality list and fertility indices for scenario.yaml and exit")
    args = ap.parse_args()
    if args.refresh_raw:
        refresh_raw(args.refresh_raw)
    if args.print_demography:
        raw = os.path.join(REPO, "scenarios", SCENARIOS[0], "raw")
        print("mortality: [%s]" % ", ".join(repr(v) for v in mortality(raw)))
        for variant in ("base", "low", "high"):
            fi = fertility_index(raw, variant)
            print("fertility_index (%s): {%s}" % (variant, ", ".join("%d: %s" % (y, fi[y]) for y in sorted(fi))))
        return
    out_root = os.path.abspath(args.out) if args.out else os.path.join(REPO, "scenarios")
    for name in args.scenario or SCENARIOS:
        prepare(name, out_root)


if __name__ == "__main__":
    main()
