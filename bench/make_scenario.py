#!/usr/bin/python3
"""Write a synthetic edusim scenario of any size, reproducible from a seed.

Used by the benchmarks (bench/README.md) and by tests that need more regions
than the tiny example (for instance the thread-count determinism test).

    bench/make_scenario.py OUTDIR --regions 3000 [--years 30] [--seed 1]
                           [--mode deterministic|stochastic] [--replicates R]

Regions get a province (groups of ~100), a prefecture (groups of ~10), a rank
(1 to 4), coordinates inside a box the size of China, adult population,
births, and single-year children 0..17 split into local, migrant and away
stocks. Teachers and seats follow registered children with rank weights, as
the status quo the reform addresses. Only Python's standard library is used,
so the output is the same on every machine for a given seed.
"""
import argparse
import os
import random

STAGES = [("preschool", 3, 5, 11.0), ("primary", 6, 11, 19.0),
          ("junior", 12, 14, 13.5), ("senior", 15, 17, 12.5)]
RANK_WEIGHT = {1: 1.3, 2: 1.15, 3: 1.0, 4: 0.9}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--regions", type=int, default=224)
    ap.add_argument("--years", type=int, default=20,
                    help="years after the start year (records = years + 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mode", default="deterministic",
                    choices=["deterministic", "stochastic"])
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--top", type=int, default=50,
                    help="gravity destinations kept per origin (0 = all)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)

    regions = []
    for i in range(args.regions):
        code = f"R{i:05d}"
        province = f"P{i // 100:02d}"
        prefecture = f"F{i // 10:04d}"
        rank = 1 if i % 100 == 0 else (2 if i % 10 == 0 else rng.choice([3, 4, 4]))
        adult = round(rng.lognormvariate(12.6, 0.7))
        births = round(adult * rng.uniform(0.006, 0.012))
        lat = round(rng.uniform(21.0, 45.0), 5)
        lon = round(rng.uniform(98.0, 125.0), 5)
        mig = min(0.6, rng.uniform(0.0, 0.15) * (3.0 if rank <= 2 else 1.0))
        away = rng.uniform(0.02, 0.35) if rank >= 3 else rng.uniform(0.0, 0.08)
        regions.append((code, f"区域{i}", rank, births, province, prefecture,
                        lat, lon, adult, round(rng.uniform(-0.02, 0.02), 4),
                        round(rng.uniform(0.8, 1.4), 3), mig, away))

    with open(os.path.join(args.outdir, "regions.csv"), "w") as f:
        f.write("code,name,rank,births,province,prefecture,lat,lon,adult_pop,"
                "adult_growth,need_weight\n")
        for r in regions:
            f.write(",".join(str(x) for x in r[:11]) + "\n")

    pop = {}
    with open(os.path.join(args.outdir, "population.csv"), "w") as f:
        f.write("region,age,local,migrant,away\n")
        for r in regions:
            code, births, mig, away = r[0], r[3], r[11], r[12]
            for age in range(18):
                n = births * (1.0 + 0.03 * age) * rng.uniform(0.9, 1.1)
                m = round(n * mig)
                loc = round(n) - m
                x = round(loc * away)
                pop[(code, age)] = (loc, m, x)
                f.write(f"{code},{age},{loc},{m},{x}\n")

    with open(os.path.join(args.outdir, "teachers.csv"), "w") as ft, \
            open(os.path.join(args.outdir, "seats.csv"), "w") as fs:
        ft.write("region,stage,teachers\n")
        fs.write("region,stage,seats\n")
        for r in regions:
            for name, lo, hi, ptr in STAGES:
                registered = sum(pop[(r[0], a)][0] + pop[(r[0], a)][2]
                                 for a in range(lo, hi + 1))
                w = RANK_WEIGHT[r[2]]
                ft.write(f"{r[0]},{name},{round(registered * w / ptr)}\n")
                fs.write(f"{r[0]},{name},{round(registered * w * 1.05)}\n")

    start = 2020
    stages_yaml = "\n".join(
        f"  - {{name: {n}, ages: [{lo}, {hi}], ptr_standard: {ptr}, "
        f"teacher_attrition: 0.03, transfer: {{share: 0.02, pool: prefecture}}, "
        f"construction: {{cap: {20 * args.regions}, lead_time: 2}}, "
        f"salary: 100000, build_cost: 30000}}"
        for n, lo, hi, ptr in STAGES)
    with open(os.path.join(args.outdir, "scenario.yaml"), "w") as f:
        f.write(f"""# Synthetic scenario: {args.regions} regions, seed {args.seed}
# (written by bench/make_scenario.py; do not edit by hand).
edusim: 1
name: synthetic-{args.regions}
years: {{start: {start}, end: {start + args.years}}}
mode: {args.mode}
replicates: {args.replicates}
seed: {args.seed}
data:
  regions: regions.csv
  population: population.csv
  teachers: teachers.csv
  seats: seats.csv
stages:
{stages_yaml}
demography:
  mortality: 0.0005
  fertility_index: {{{start}: 1.0, {start + 3}: 0.75, {start + 10}: 0.7}}
  migration:
    local_out_rate: 0.02
    migrant_out_rate: 0.04
    return_rate: 0.03
    external_in_rate: 0.002
    rate_multiplier: need_weight
    destinations: {{model: gravity, internal_share: 0.85, attraction: adult_pop, beta: 1.0, gamma: 2.0, top: {args.top}}}
strategies:
  - {{name: rank, basis: rank, rank_weights: {{1: 1.3, 2: 1.15, 3: 1.0, 4: 0.9}}}}
  - {{name: hukou, basis: hukou}}
  - {{name: resident, basis: resident}}
  - {{name: forecast5, basis: forecast, horizon: 5}}
  - {{name: transition, basis: blend, from: rank, to: resident, start_year: {start + 2}, years: 10}}
warning: {{horizon: 5, rise: 0.15, fall: 0.15}}
""")


if __name__ == "__main__":
    main()
