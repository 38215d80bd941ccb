"""extreme_scenario.py: a five-region scenario with every numeric input at the
largest value the loader accepts (docs/scenario-format.md "Value bounds"), for
test_hostile_inputs.sh: it must validate, and run to exit 0 with finite results
in both modes.

Usage: extreme_scenario.py FOLDER VARIANT MODE
  VARIANT  stock: no growth factors, children and births as large as the
                  projection bound (1e12 children a year) lets them be;
           growth: external_in_rate 0.05, fertility_index 100, adult_growth
                  0.01, children and births scaled down to the same bound;
           limits: external_in_rate, fertility_index and adult_growth at
                  their largest (1, 100, 1): children and births become
                  tiny, the factors astronomical;
           rates:  every probability at 1 where the model lets it be.
  MODE     deterministic or stochastic

Values with a bound of their own take it: ptr_standard 0.1, min_teachers 1e6,
hiring_cap and construction cap 1e9, salary and build_cost 1e9, teachers and
seats 1e9 a cell, rank weights 1e6, attraction (adult_pop) 1e12 with beta and
gamma 20, a multiplier column of 1e12, 501 years, 121 ages, horizons 50,
lead time 50, slack 100, warning thresholds 1000. Children and births are set
so that the loader's bound, 2 x G x (P0 + T x B) (scenarios/scenario.h), is
just under 1e12: computed here with the same formula.
"""
import os
import sys

CHILDREN_MAX = 1e12
YEAR_START, YEAR_END = 1800, 2300
MAX_AGE = 120
REGIONS = [  # code, rank, province, prefecture, lat, lon
    ("500103", 1, "P1", "A", 90.0, 180.0),
    ("500105", 1, "P1", "A", 90.0, -180.0),
    ("500101", 2, "P1", "B", -90.0, 0.0),
    ("500229", 4, "P2", "C", 0.0, 0.0),
    ("510104", 3, "P2", "C", 0.001, 0.001),
]
STAGES = [("preschool", 0, 5), ("primary", 6, 11), ("junior", 12, 14),
          ("senior", 15, MAX_AGE)]


def main():
    folder, variant, mode = sys.argv[1:4]
    os.makedirs(folder, exist_ok=True)
    n_ages = MAX_AGE + 1
    n_steps = YEAR_END - YEAR_START + 50  # and the 50-year look-ahead
    eps, f_max, growth = 0.0, 1.0, 0.0
    mortality, local_out, migrant_out, return_rate = 0.0, 0.0, 0.0, 0.0
    if variant == "growth":
        eps, f_max, growth = 0.05, 100.0, 0.01
    elif variant == "limits":
        eps, f_max, growth = 1.0, 100.0, 1.0
    elif variant == "rates":
        eps = 1.0
        mortality, local_out, migrant_out, return_rate = 1.0, 1.0, 1.0, 0.0
    # The loader's bound with one child per cell and one birth per region,
    # then both scaled to just under the limit.
    g_ext = (1.0 + eps) ** n_ages
    trend = (1.0 + growth) ** (n_steps - 1) if growth > 0 else 1.0
    n_regions = len(REGIONS)
    unit_children = 3.0 * n_regions * n_ages
    unit_births = n_regions * f_max * trend
    scale = 0.99 * CHILDREN_MAX / (2.0 * g_ext *
                                   (unit_children + n_steps * unit_births))
    cell = min(scale, 1e9)
    births = min(scale, 1e9)
    fmt = "%.17g"

    with open(os.path.join(folder, "regions.csv"), "w") as f:
        f.write("code,name,rank,births,province,prefecture,zone,lat,lon,"
                "adult_pop,adult_growth,migrant_birth_share,weight\n")
        for code, rank, prov, pref, lat, lon in REGIONS:
            f.write(f"{code},r{code},{rank},{fmt % births},{prov},{pref},Z,"
                    f"{lat},{lon},1e12,{growth},1,1e12\n")
    with open(os.path.join(folder, "population.csv"), "w") as f:
        f.write("region,age,local,migrant,away\n")
        for code, *_ in REGIONS:
            for a in range(n_ages):
                f.write(f"{code},{a},{fmt % cell},{fmt % cell},{fmt % cell}\n")
    for name in ("teachers", "seats"):
        with open(os.path.join(folder, name + ".csv"), "w") as f:
            f.write(f"region,stage,{name}\n")
            for code, *_ in REGIONS:
                for stage, _, _ in STAGES:
                    f.write(f"{code},{stage},1000000000\n")

    stages = []
    for stage, lo, hi in STAGES:
        stages.append(
            f"  - {{name: {stage}, ages: [{lo}, {hi}], enrollment: 1, "
            f"migrant_enrollment: 1, ptr_standard: 0.1, "
            f"min_teachers: 1000000, teacher_attrition: 1, "
            f"hiring_cap: 1000000000, transfer: {{share: 1, pool: province}}, "
            f"construction: {{cap: 1000000000, lead_time: 50}}, "
            f"consolidation: {{share: 1, slack: 100}}, salary: 1e9, "
            f"build_cost: 1e9}}")
    if variant == "rates":
        # rate x multiplier must stay <= 1: the multiplier column is 1 here.
        rate_multiplier = "rate_multiplier: migrant_birth_share"
    else:
        rate_multiplier = "rate_multiplier: weight"
        local_out = migrant_out = 1e-12  # x 1e12 = 1
    text = f"""edusim: 1
name: extreme-{variant}
years: {{start: {YEAR_START}, end: {YEAR_END}}}
mode: {mode}
replicates: 2
seed: 18446744073709551615
max_age: {MAX_AGE}
apportionment: huntington-hill
data:
  regions: regions.csv
  population: population.csv
  teachers: teachers.csv
  seats: seats.csv
stages:
{chr(10).join(stages)}
cross_stage: {{share: 1, from: [primary], to: [junior, senior]}}
demography:
  mortality: {mortality}
  fertility_index: {{{YEAR_START}: {f_max}, {YEAR_END}: {f_max}}}
  migration:
    local_out_rate: {local_out}
    migrant_out_rate: {migrant_out}
    return_rate: {return_rate}
    external_in_rate: {eps}
    {rate_multiplier}
    destinations: {{model: gravity, internal_share: 1, attraction: adult_pop,
                   beta: 20, gamma: 20, top: 0}}
strategies:
  - {{name: rank, basis: rank, rank_weights: {{1: 1e6, 2: 1e6, 3: 0, 4: 1e6}},
     multiplier: weight}}
  - {{name: hukou, basis: hukou, multiplier: weight}}
  - {{name: baseline, basis: baseline}}
  - {{name: forecast, basis: forecast, horizon: 50}}
  - {{name: blend, basis: blend, from: rank, to: hukou, start_year: 2300,
     years: 500}}
warning: {{horizon: 50, rise: 1000, fall: 1000}}
output: {{statistics: [mean, sd, p00, p50, p100]}}
"""
    with open(os.path.join(folder, "scenario.yaml"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
