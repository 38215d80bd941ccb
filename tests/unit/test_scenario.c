/* test_scenario.c: the scenario loader (DESIGN "Scenario file", STYLE 21-23).
 *
 * The tiny example and reference.yaml load with the values they spell out
 * (the gravity destinations are recomputed here from the regions file, the
 * default migrant birth share from population.csv by hand). Then every error
 * a user can make in the YAML file is provoked on purpose, one at a time, on a
 * small valid base scenario written into a temporary folder, and checked for
 * its message and its exact line:column. Scenarios that extend others are
 * written into several folders: every path must resolve against the file
 * that wrote it, every error must be placed in the file that has it, and the
 * resolved text must load to the same scenario. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "es_test.h"
#include "scenarios/csv.h"
#include "scenarios/scenario.h"
#include "scenarios/yaml_reader.h"

/* A place of 0 in an expectation means "the whole file" or "the whole line",
 * which the diagnostics keep as 1 (models/error.h). */
#define PLACE(x) ((x) > 0 ? (size_t)(x) : (size_t)1)

/* The small valid scenario every error case edits (line numbers matter). */
static const char base_yaml[] =
    "edusim: 1\n"                                              /* 1 */
    "name: base\n"                                             /* 2 */
    "years: {start: 2020, end: 2030}\n"                        /* 3 */
    "data:\n"                                                  /* 4 */
    "  regions: regions.csv\n"                                 /* 5 */
    "  population: population.csv\n"                           /* 6 */
    "stages:\n"                                                /* 7 */
    "  - {name: preschool, ages: [3, 5], ptr_standard: 11}\n"  /* 8 */
    "  - {name: primary, ages: [6, 11], ptr_standard: 19}\n"   /* 9 */
    "  - {name: junior, ages: [12, 14], ptr_standard: 13.5}\n" /* 10 */
    "  - {name: senior, ages: [15, 17], ptr_standard: 12.5}\n" /* 11 */
    "strategies:\n"                                            /* 12 */
    "  - {name: resident, basis: resident}\n";                 /* 13 */

/* regions.csv with the standard columns only (the tiny example's regions). */
static const char regions_csv[] =
    "code,name,rank,births,province,prefecture,zone,lat,lon,adult_pop\n"
    "500103,渝中区,1,3262,重庆市,重庆市,主城都市区,29.556742,106.56288,"
    "510000\n"
    "500105,江北区,1,7151,重庆市,重庆市,主城都市区,29.575352,106.532844,"
    "790000\n"
    "500101,万州区,2,9392,重庆市,重庆市,渝东北,30.807807,108.380246,"
    "1240000\n"
    "500229,城口县,4,1851,重庆市,重庆市,渝东北,31.946293,108.6649,150000\n"
    "510104,锦江区,1,5740,四川省,成都市,成都平原,30.657689,104.080989,"
    "760000\n";

/* Without coordinates nor pools: for gravity and pool errors. */
static const char regions_flat_csv[] =
    "code,name,rank,births,adult_pop\n"
    "500103,a,1,3262,510000\n"
    "500105,b,1,7151,790000\n"
    "500101,c,2,9392,1240000\n"
    "500229,d,4,1851,150000\n"
    "510104,e,1,5740,760000\n";

/* With a scenario column 'mobility', negative for 500229. */
static const char regions_extra_csv[] =
    "code,name,rank,births,mobility\n"
    "500103,a,1,3262,1.0\n"
    "500105,b,1,7151,1.2\n"
    "500101,c,2,9392,0.8\n"
    "500229,d,4,1851,-0.5\n"
    "510104,e,1,5740,1.0\n";

/* A valid multiplier column 'mobility'. */
static const char regions_mult_csv[] =
    "code,name,rank,births,mobility\n"
    "500103,a,1,3262,1.0\n"
    "500105,b,1,7151,1.2\n"
    "500101,c,2,9392,0.8\n"
    "500229,d,4,1851,0.5\n"
    "510104,e,1,5740,1.0\n";

static const char od_csv[] =
    "origin,destination,share\n"
    "500103,500105,0.3\n"
    "500101,500103,0.2\n"
    "500101,510104,0.15\n";

struct fixture {
  char dir[256];  /* temporary folder */
  char path[320]; /* its scenario file */
  char src[512];  /* the source tree */
};

static void write_file(const struct fixture *fx, const char *name,
                       const char *text, size_t size) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", fx->dir, name);
  FILE *f = fopen(path, "wb");
  ES_CHECK(f != NULL);
  if (f != NULL) {
    ES_CHECK(fwrite(text, 1, size, f) == size);
    fclose(f);
  }
}

static void write_text(const struct fixture *fx, const char *name,
                       const char *text) {
  write_file(fx, name, text, strlen(text));
}

static void copy_from_tiny(const struct fixture *fx, const char *name) {
  char path[700];
  snprintf(path, sizeof path, "%s/scenarios/examples/tiny/%s", fx->src, name);
  char *bytes = NULL;
  size_t size = 0;
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_file_read(path, &bytes, &size, &err), ES_OK);
  if (bytes != NULL) {
    write_file(fx, name, bytes, size);
  }
  free(bytes);
}

/* base_yaml with the first @p from replaced by @p to ("" appends @p to). */
static char *edited(const char *from, const char *to) {
  size_t n = strlen(base_yaml) + strlen(to) + 1;
  char *out = malloc(n);
  const char *at = from[0] != '\0' ? strstr(base_yaml, from) : NULL;
  if (out == NULL) {
    return NULL;
  }
  if (from[0] != '\0' && at == NULL) {
    printf("test bug: '%s' is not in the base scenario\n", from);
    snprintf(out, n, "%s", base_yaml);
  } else if (at == NULL) {
    snprintf(out, n, "%s%s", base_yaml, to);
  } else {
    size_t head = (size_t)(at - base_yaml);
    snprintf(out, n, "%.*s%s%s", (int)head, base_yaml, to, at + strlen(from));
  }
  return out;
}

/* Write @p text as the scenario and load it. */
static int load_text(const struct fixture *fx, const char *text,
                     struct es_scenario **sc, struct es_diag_list *dl) {
  write_text(fx, "s.yaml", text);
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(dl);
  return es_scenario_load(fx->path, sc, dl, &err);
}

static void print_diags(const struct es_diag_list *dl) {
  for (size_t i = 0; i < dl->n_diags; i++) {
    printf("    %s:%zu:%zu: %s\n", dl->diags[i].file, dl->diags[i].line,
           dl->diags[i].column, dl->diags[i].message);
  }
}

/* One error case: the base scenario edited, then the diagnostics expected. */
struct error_case {
  const char *from;    /* text of base_yaml to replace ("" = append) */
  const char *to;      /* its replacement */
  size_t n_errors;     /* errors expected in all */
  size_t i_diag;       /* which diagnostic to check */
  size_t line;         /* its line */
  size_t column;       /* its column */
  const char *message; /* text its message contains */
};

static void check_case(const struct fixture *fx, const struct error_case *c) {
  long failed_before = es_test_counts_.failed;
  char *text = edited(c->from, c->to);
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  int rc = load_text(fx, text, &sc, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK(sc == NULL);
  ES_CHECK_INT_EQ(dl.n_errors, c->n_errors);
  ES_CHECK(c->i_diag < dl.n_diags);
  if (c->i_diag < dl.n_diags) {
    const struct es_diag *d = &dl.diags[c->i_diag];
    ES_CHECK_INT_EQ(d->severity, ES_SEVERITY_ERROR);
    ES_CHECK_STR_EQ(d->file, fx->path);
    ES_CHECK_INT_EQ(d->line, c->line);
    ES_CHECK_INT_EQ(d->column, c->column);
    ES_CHECK_CONTAINS(d->message, c->message);
  }
  if (es_test_counts_.failed != failed_before) {
    printf("  in the case expecting '%s'; got:\n", c->message);
    print_diags(&dl);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  free(text);
}

/* Every YAML-level error a user can reach, with its place. */
static const struct error_case error_cases[] = {
    /* version */
    {"edusim: 1", "edusim: 2", 1, 0, 1, 9,
     "edusim: format version 2 is not supported (expected 1)"},
    {"edusim: 1", "edusim: one", 1, 0, 1, 9,
     "edusim: expected an integer, got 'one'"},
    /* missing required keys, at the mapping that lacks them */
    {"name: base\n", "", 1, 0, 1, 1, "missing required key 'name'"},
    {"{start: 2020, end: 2030}", "{start: 2020}", 1, 0, 3, 1,
     "years: missing required key 'end'"},
    {"  regions: regions.csv\n", "", 1, 0, 4, 1,
     "data: missing required key 'regions'"},
    {"ptr_standard: 19}", "enrollment: 1}", 1, 0, 9, 5,
     "stages[1]: missing required key 'ptr_standard'"},
    /* unknown keys at every level */
    {"", "nmae: x\n", 1, 0, 14, 1,
     "unknown key 'nmae' (expected one of: edusim, name, description, years, "
     "mode, replicates, seed, apportionment, currency, stages, max_age, data, "
     "cross_stage, demography, strategies, warning, output)"},
    {"ptr_standard: 19}", "ptr_standard: 19, trnasfer: {share: 0.1}}", 1, 0, 9,
     54,
     "stages[1]: unknown key 'trnasfer' (expected one of: name, ages, "
     "enrollment, migrant_enrollment, ptr_standard, min_teachers, "
     "teacher_attrition, hiring_cap, transfer, construction, consolidation, "
     "salary, build_cost)"},
    {"ptr_standard: 19}", "ptr_standard: 19, transfer: {share: 0.1, pol: all}}",
     2, 0, 9, 54, "stages[1].transfer: missing required key 'pool'"},
    {"ptr_standard: 19}", "ptr_standard: 19, transfer: {share: 0.1, pol: all}}",
     2, 1, 9, 77,
     "stages[1].transfer: unknown key 'pol' (expected one of: share, pool)"},
    {"{start: 2020, end: 2030}", "{start: 2020, end: 2030, stop: 2031}", 1, 0,
     3, 33, "years: unknown key 'stop' (expected one of: start, end)"},
    {"", "demography:\n  migration:\n    retrun_rate: 0.1\n", 1, 0, 16, 5,
     "demography.migration: unknown key 'retrun_rate' (expected one of: "
     "local_out_rate, migrant_out_rate, return_rate, external_in_rate, "
     "rate_multiplier, destinations)"},
    {"", "warning: {horizon: 5, raise: 0.1}\n", 1, 0, 14, 23,
     "warning: unknown key 'raise' (expected one of: horizon, rise, fall)"},
    /* wrong types */
    {"start: 2020", "start: abc", 1, 0, 3, 16,
     "years.start: expected an integer, got 'abc'"},
    {"start: 2020", "start: 2020.5", 1, 0, 3, 16,
     "years.start: expected an integer, got '2020.5'"},
    {"ptr_standard: 11}", "ptr_standard: \"11\"}", 1, 0, 8, 51,
     "stages[0].ptr_standard: expected a number, got the quoted string '11'"},
    {"ptr_standard: 11}", "ptr_standard: [11]}", 1, 0, 8, 51,
     "stages[0].ptr_standard: expected a number, got a sequence"},
    {"years: {start: 2020, end: 2030}", "years: [2020, 2030]", 1, 0, 3, 8,
     "years: expected a mapping, got a sequence"},
    {"", "output: {region_quantiles: yes}\n", 1, 0, 14, 28,
     "output.region_quantiles: expected true or false, got 'yes'"},
    {"", "description:\n", 1, 0, 14, 1,
     "description: expected a string, got nothing"},
    {"", "cross_stage: {share: 0.1, from: primary, to: [junior]}\n", 1, 0, 14,
     33, "cross_stage.from: expected a list, got 'primary'"},
    {"", "mode: random\n", 1, 0, 14, 7,
     "mode: unknown 'random' (expected: deterministic, stochastic)"},
    {"", "apportionment: dhondt\n", 1, 0, 14, 16,
     "apportionment: unknown 'dhondt' (expected: hamilton, jefferson, "
     "webster, huntington-hill, adams, dean)"},
    {"ptr_standard: 19}",
     "ptr_standard: 19, transfer: {share: 0.1, pool: "
     "county}}",
     1, 0, 9, 83,
     "stages[1].transfer.pool: unknown 'county' (expected: none, prefecture, "
     "province, zone, all)"},
    {"name: base", "name: my base", 1, 0, 2, 7,
     "name: 'my base' has characters other than letters, digits, '.', '_' "
     "and '-'"},
    /* out of range */
    {"ptr_standard: 11}", "ptr_standard: 11, enrollment: 1.5}", 1, 0, 8, 67,
     "stages[0].enrollment: 1.5 is out of range (expected a number in [0, "
     "1])"},
    {"ptr_standard: 11}", "ptr_standard: 0.09}", 1, 0, 8, 51,
     "stages[0].ptr_standard: 0.09 is out of range (expected a number in "
     "[0.1, 1000])"},
    {"ptr_standard: 11}", "ptr_standard: 11, min_teachers: 1000001}", 1, 0, 8,
     69,
     "stages[0].min_teachers: 1000001 is out of range (expected an integer in "
     "0..1000000)"},
    {"ptr_standard: 19}", "ptr_standard: 19, construction: {cap: 1000000001}}",
     1, 0, 9, 74,
     "stages[1].construction.cap: 1000000001 is out of range (expected an "
     "integer in 0..1000000000)"},
    /* children x growth over the years: the projection bound */
    {"years: {start: 2020, end: 2030}",
     "years: {start: 1800, end: 2300}\ndemography: {fertility_index: "
     "{2000: 100}, migration: {external_in_rate: 1}}",
     1, 0, 3, 8,
     "years: the projection could reach 7.26e+14 children in a year, more "
     "than 1e+12 (expected fewer children or births, a lower fertility_index, "
     "adult_growth or external_in_rate, or fewer years: the bound is 2 x "
     "2.62e+05 (growth by external arrivals) x ("},
    {"ptr_standard: 11}", "ptr_standard: 11, salary: -1}", 1, 0, 8, 63,
     "stages[0].salary: -1 is out of range (expected a number in [0, 1e+09])"},
    /* A salary so large that costs would be infinite. */
    {"ptr_standard: 11}", "ptr_standard: 11, salary: 1e308}", 1, 0, 8, 63,
     "stages[0].salary: 1e308 is out of range (expected a number in [0, "
     "1e+09])"},
    {"ptr_standard: 19}",
     "ptr_standard: 19, construction: {cap: 10, lead_time: 51}}", 1, 0, 9, 89,
     "stages[1].construction.lead_time: 51 is out of range (expected an "
     "integer in 0..50)"},
    {"ptr_standard: 19}", "ptr_standard: 19, hiring_cap: -3}", 1, 0, 9, 66,
     "stages[1].hiring_cap: -3 is out of range (expected an integer in "
     "0..1000000000)"},
    {"start: 2020", "start: 1700", 1, 0, 3, 16,
     "years.start: 1700 is out of range (expected an integer in 1800..2300)"},
    {"end: 2030", "end: 2019", 1, 0, 3, 27,
     "years.end: 2019 is before years.start 2020 (expected end >= start)"},
    {"", "seed: -1\n", 1, 0, 14, 7,
     "seed: -1 is out of range (expected an integer in "
     "0..18446744073709551615)"},
    {"", "seed: 18446744073709551616\n", 1, 0, 14, 7,
     "seed: 18446744073709551616 is out of range"},
    {"", "mode: stochastic\nreplicates: 0\n", 1, 0, 15, 13,
     "replicates: 0 is out of range (expected an integer in 1..1000000)"},
    /* Too many replicates would overflow what is sized by them. */
    {"", "mode: stochastic\nreplicates: 9223372036854775808\n", 1, 0, 15, 13,
     "replicates: 9223372036854775808 is out of range (expected an integer "
     "in 1..1000000)"},
    {"", "max_age: 200\n", 1, 0, 14, 10,
     "max_age: 200 is out of range (expected an integer in 0..120)"},
    {"", "max_age: 15\n", 1, 0, 14, 10,
     "max_age: 15 is below the oldest age of stage 'senior' (17)"},
    {"ages: [3, 5]", "ages: [3, 121]", 1, 0, 8, 33,
     "stages[0].ages[1]: 121 is out of range (expected an integer in 0..120)"},
    {"ages: [3, 5]", "ages: [5, 3]", 1, 0, 8, 29,
     "stages[0].ages: first age 5 is above last age 3"},
    {"ages: [3, 5]", "ages: [3, 4, 5]", 1, 0, 8, 29,
     "stages[0].ages: expected [first, last], got 3 values"},
    {"", "warning: {horizon: 0}\n", 1, 0, 14, 20,
     "warning.horizon: 0 is out of range (expected an integer in 1..50)"},
    {"", "output: {statistics: [mean, p5, mean]}\n", 2, 0, 14, 29,
     "output.statistics[1]: unknown statistic 'p5' (expected: mean, sd, or a "
     "quantile pNN or pNN.N"},
    {"", "output: {statistics: [mean, p5, mean]}\n", 2, 1, 14, 33,
     "output.statistics[2]: statistic 'mean' is listed twice"},
    /* stages */
    {"ages: [12, 14]", "ages: [11, 14]", 1, 0, 10, 26,
     "stages[2].ages: ages 11..14 of stage 'junior' overlap ages 6..11 of "
     "stage 'primary'"},
    {"name: junior", "name: primary", 1, 0, 10, 12,
     "stages[2].name: duplicate stage name 'primary' (also stages[1].name)"},
    /* cross_stage */
    {"", "cross_stage: {share: 0.1, from: [primry], to: [junior]}\n", 1, 0, 14,
     34,
     "cross_stage.from[0]: unknown stage 'primry' (expected one of: "
     "preschool, primary, junior, senior)"},
    {"", "cross_stage: {share: 0.1, from: [primary], to: [junior, primary]}\n",
     1, 0, 14, 57,
     "cross_stage.to[1]: stage 'primary' is also in cross_stage.from"},
    {"", "cross_stage: {share: 0.1, from: [], to: [junior]}\n", 1, 0, 14, 33,
     "cross_stage.from: must list at least one stage"},
    /* strategies */
    {"  - {name: resident, basis: resident}\n",
     "  - {name: resident, basis: resident}\n  - {name: resident, basis: "
     "hukou}\n",
     1, 0, 14, 12,
     "strategies[1].name: duplicate strategy name 'resident' (also "
     "strategies[0].name)"},
    {"basis: resident}", "basis: residnt}", 1, 0, 13, 29,
     "strategies[0].basis: unknown 'residnt' (expected: resident, hukou, "
     "rank, baseline, forecast, blend)"},
    {"",
     "  - {name: mix, basis: blend, from: resident, to: resident, start_year: "
     "2022, years: 5}\n  - {name: mix2, basis: blend, from: mix, to: "
     "resident, start_year: 2022, years: 5}\n",
     1, 0, 15, 38,
     "strategies[2].from: 'mix' is a blend itself (a blend of a blend is not "
     "supported)"},
    {"",
     "  - {name: mix, basis: blend, from: rsident, to: resident, start_year: "
     "2022, years: 5}\n",
     1, 0, 14, 37,
     "strategies[1].from: unknown strategy 'rsident' (expected one of: "
     "resident, mix)"},
    {"", "  - {name: mix, basis: blend, from: resident, to: resident}\n", 2, 0,
     14, 5, "strategies[1]: missing required key 'start_year'"},
    {"", "  - {name: f, basis: resident, horizon: 5}\n", 1, 0, 14, 32,
     "strategies[1].horizon: belongs to basis forecast (this strategy's basis "
     "is resident)"},
    {"", "  - {name: f, basis: forecast}\n", 1, 0, 14, 5,
     "strategies[1]: missing required key 'horizon'"},
    {"", "  - {name: f, basis: forecast, horizon: 51}\n", 1, 0, 14, 41,
     "strategies[1].horizon: 51 is out of range (expected an integer in "
     "1..50)"},
    {"", "  - {name: r, basis: rank, rank_weights: {1: 1.2, 2: 1.0}}\n", 1, 0,
     14, 28,
     "strategies[1].rank_weights: no weight for rank 4 (region 500229 has "
     "rank 4)"},
    {"", "  - {name: r, basis: rank, rank_weights: {0: 1.2}}\n", 1, 0, 14, 43,
     "strategies[1].rank_weights: 0 is out of range (expected an integer >= "
     "1)"},
    {"", "  - {name: r, basis: rank, rank_weights: {1: -1}}\n", 1, 0, 14, 46,
     "strategies[1].rank_weights.1: -1 is out of range (expected a number in "
     "[0, 1e+06])"},
    {"", "  - {name: n, basis: resident, multiplier: need}\n", 1, 0, 14, 44,
     "regions.csv has no column 'need'"},
    {"", "  - {name: n, basis: resident, multiplier: province}\n", 1, 0, 14, 44,
     "strategies[1].multiplier: column 'province' of regions.csv is not "
     "numeric"},
    /* demography */
    {"", "demography:\n  mortality: [0.1, 0.2]\n", 1, 0, 15, 14,
     "demography.mortality: 2 values, expected 18 (one per age 0..17)"},
    {"", "demography:\n  mortality: 1.5\n", 1, 0, 15, 14,
     "demography.mortality: 1.5 is out of range (expected a number in [0, "
     "1])"},
    {"", "demography:\n  migration:\n    external_in_rate: [0.1]\n", 1, 0, 16,
     23, "demography.migration.external_in_rate: 1 values, expected 18"},
    {"", "demography:\n  fertility_index: {2025: 1.0, 20x0: 0.9}\n", 1, 0, 15,
     32, "demography.fertility_index: expected an integer, got '20x0'"},
    {"", "demography:\n  fertility_index: {2025: -0.1}\n", 1, 0, 15, 27,
     "demography.fertility_index.2025: -0.1 is out of range (expected a "
     "number in [0, 100])"},
    {"", "demography:\n  migration:\n    destinations: {model: matrix}\n", 1, 0,
     16, 27,
     "demography.migration.destinations.model: matrix needs data.migration"},
    {"",
     "demography:\n  migration:\n    destinations: {model: none, beta: 2}\n", 1,
     0, 16, 33,
     "demography.migration.destinations.beta: used only by model gravity "
     "(model is none)"},
    {"",
     "demography:\n  migration:\n    destinations: {model: gravity, top: "
     "-1}\n",
     1, 0, 16, 41,
     "demography.migration.destinations.top: -1 is out of range (expected an "
     "integer >= 0)"},
    {"",
     "demography:\n  migration:\n    destinations: {model: gravity, "
     "attraction: mobility}\n",
     1, 0, 16, 48, "regions.csv has no column 'mobility'"},
    {"  population: population.csv\n",
     "  population: population.csv\n  migration: od.csv\n", 1, 0, 7, 3,
     "data.migration: used only by destinations model matrix (model is none)"},
    {"",
     "demography:\n  migration:\n    return_rate: 0.6\n    "
     "migrant_out_rate: 0.5\n",
     1, 0, 15, 3,
     "demography.migration: return_rate + migrant_out_rate x rate_multiplier "
     "is 1.1 for region 500103 at age 0 (expected <= 1, MODEL 3.2)"},
    /* files and versions */
    {"population: population.csv", "population: missing.csv", 1, 0, 6, 3,
     "data.population: cannot open '"},
    {"", "extends: base.yaml\n", 1, 0, 14, 10, "extends: cannot open '"},
    {"population: population.csv", "population: /dev/null", 1, 0, 6, 3,
     "data.population: '/dev/null' is a character device, not a regular file "
     "(expected a CSV file)"},
    {"regions: regions.csv", "regions: .", 1, 0, 5, 3,
     "is a folder, not a regular file (expected a CSV file)"},
    {"", "extends: /dev/zero\n", 1, 0, 14, 10,
     "extends: '/dev/zero' is a character device, not a regular file "
     "(expected a YAML file)"},
    /* YAML itself */
    {"", "name: other\n", 1, 0, 14, 1, "duplicate key"},
    {"years: {start: 2020, end: 2030}", "years: {start: 2020, end: 2030", 1, 0,
     4, 5, "YAML syntax error: missing comma in flow mapping"},
    {"name: base", "name: 'base", 1, 0, 2, 7,
     "YAML syntax error: wrongly indented single-quoted scalar"},
    {"", "---\nname: x\n", 1, 0, 14, 1,
     "a second YAML document (a scenario file holds one document)"},
};

static void test_error_cases(const struct fixture *fx) {
  for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
    check_case(fx, &error_cases[i]);
  }
}

/* An error in a case that needs another regions file. */
static void check_with_regions(const struct fixture *fx, const char *regions,
                               const char *from, const char *to, size_t line,
                               size_t column, const char *message) {
  write_text(fx, "regions_alt.csv", regions);
  char *step = edited("regions: regions.csv", "regions: regions_alt.csv");
  char *text = NULL;
  if (step != NULL) {
    const char *at = from[0] != '\0' ? strstr(step, from) : NULL;
    size_t n = strlen(step) + strlen(to) + 1;
    text = malloc(n);
    if (text != NULL && at == NULL) {
      snprintf(text, n, "%s%s", step, to);
    } else if (text != NULL) {
      snprintf(text, n, "%.*s%s%s", (int)(at - step), step, to,
               at + strlen(from));
    }
  }
  long failed_before = es_test_counts_.failed;
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  int rc = load_text(fx, text, &sc, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  if (dl.n_diags > 0) {
    ES_CHECK_INT_EQ(dl.diags[0].line, PLACE(line));
    ES_CHECK_INT_EQ(dl.diags[0].column, column);
    ES_CHECK_CONTAINS(dl.diags[0].message, message);
  }
  if (es_test_counts_.failed != failed_before) {
    printf("  in the case expecting '%s'; got:\n", message);
    print_diags(&dl);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  free(text);
  free(step);
}

static void test_column_errors(const struct fixture *fx) {
  /* an empty regions.csv is one error, not also one per column the scenario
   * names (here a multiplier) */
  check_with_regions(fx, "", "basis: resident}",
                     "basis: resident, multiplier: mobility}", 1, 1,
                     "empty file (expected a header row: code,name,rank,"
                     "births");
  /* gravity needs lat and lon, at the destinations key */
  check_with_regions(fx, regions_flat_csv, "",
                     "demography:\n  migration:\n    destinations: {model: "
                     "gravity}\n",
                     16, 5,
                     "demography.migration.destinations: model gravity needs "
                     "columns lat and lon in ");
  /* a transfer pool needs its column, at the pool */
  check_with_regions(
      fx, regions_flat_csv, "ptr_standard: 19}",
      "ptr_standard: 19, transfer: {share: 0.1, pool: prefecture}}", 9, 83,
      "stages[1].transfer.pool: pool prefecture needs column prefecture in ");
  /* a rate multiplier must not be negative: the region is named */
  check_with_regions(fx, regions_extra_csv, "",
                     "demography:\n  migration:\n    rate_multiplier: "
                     "mobility\n",
                     16, 22,
                     "demography.migration.rate_multiplier: column 'mobility' "
                     "is -0.5 for region 500229 (expected values >= 0)");
  /* nor a strategy multiplier */
  check_with_regions(fx, regions_extra_csv, "basis: resident}",
                     "basis: resident, multiplier: mobility}", 13, 51,
                     "strategies[0].multiplier: column 'mobility' is -0.5 for "
                     "region 500229");
  /* the MODEL 3.2 bound with the multiplier: 0.6 + 0.4 x 1.2 = 1.08 */
  check_with_regions(fx, regions_mult_csv, "",
                     "demography:\n  migration:\n    return_rate: 0.6\n    "
                     "migrant_out_rate: 0.4\n    rate_multiplier: mobility\n",
                     15, 3,
                     "demography.migration: return_rate + migrant_out_rate x "
                     "rate_multiplier is 1.08 for region 500105 at age 0 "
                     "(expected <= 1, MODEL 3.2)");
  /* and local out-moves stay probabilities: 0.9 x 1.2 = 1.08 */
  check_with_regions(fx, regions_mult_csv, "",
                     "demography:\n  migration:\n    local_out_rate: 0.9\n"
                     "    rate_multiplier: mobility\n",
                     15, 3,
                     "demography.migration: local_out_rate x rate_multiplier "
                     "is 1.08 for region 500105 at age 0 (expected <= 1)");
}

static void test_too_many_errors(const struct fixture *fx) {
  char extra[2048] = "";
  size_t used = 0;
  for (int i = 0; i < 25; i++) {
    used +=
        (size_t)snprintf(extra + used, sizeof extra - used, "bad%02d: 1\n", i);
  }
  char *text = edited("", extra);
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  ES_CHECK_INT_EQ(load_text(fx, text, &sc, &dl), ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 25);
  ES_CHECK_INT_EQ(dl.n_diags, ES_DIAG_MAX);
  ES_CHECK_INT_EQ(dl.n_dropped, 5);
  ES_CHECK_INT_EQ(dl.diags[0].line, 14);
  ES_CHECK_INT_EQ(dl.diags[19].line, 33);
  ES_CHECK_CONTAINS(dl.diags[19].message, "unknown key 'bad19'");
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  free(text);
}

static void test_file_level_errors(const struct fixture *fx) {
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  /* empty file: one error for the whole file */
  ES_CHECK_INT_EQ(load_text(fx, "# nothing here\n\n", &sc, &dl), ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  ES_CHECK_INT_EQ(dl.diags[0].line, PLACE(0));
  ES_CHECK_CONTAINS(dl.diags[0].message, "the file is empty");
  es_diag_list_clear(&dl);
  /* a list at the top level */
  ES_CHECK_INT_EQ(load_text(fx, "# comment\n- 1\n- 2\n", &sc, &dl), ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  ES_CHECK_INT_EQ(dl.diags[0].line, 2);
  ES_CHECK_INT_EQ(dl.diags[0].column, 1);
  ES_CHECK_CONTAINS(dl.diags[0].message,
                    "expected a mapping of keys at the top level, got a "
                    "sequence");
  es_diag_list_clear(&dl);
  /* the scenario file itself unreadable: a runtime error, not a diagnostic */
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(&dl);
  char path[400];
  snprintf(path, sizeof path, "%s/no-such.yaml", fx->dir);
  ES_CHECK_INT_EQ(es_scenario_load(path, &sc, &dl, &err), ES_EIO);
  ES_CHECK(sc == NULL);
  ES_CHECK_INT_EQ(dl.n_errors, 0);
  ES_CHECK_CONTAINS(err.message, "no-such.yaml");
  es_diag_list_clear(&dl);

  /* A FIFO as the scenario: refused at once, an input error at file:1:1. */
  snprintf(path, sizeof path, "%s/fifo.yaml", fx->dir);
  ES_CHECK_INT_EQ(mkfifo(path, 0600), 0);
  es_diag_list_init(&dl);
  ES_CHECK_INT_EQ(es_scenario_load(path, &sc, &dl, &err), ES_EINPUT);
  ES_CHECK(sc == NULL);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  if (dl.n_diags > 0) {
    ES_CHECK_STR_EQ(dl.diags[0].file, path);
    ES_CHECK_INT_EQ(dl.diags[0].line, 1);
    ES_CHECK_INT_EQ(dl.diags[0].column, 1);
    ES_CHECK_CONTAINS(
        dl.diags[0].message,
        "fifo.yaml' is a FIFO (named pipe), not a regular file (expected a "
        "YAML file)");
  }
  es_diag_list_clear(&dl);
  unlink(path);

  /* A NUL byte in the scenario: an error at its place, not a shorter file. */
  write_file(fx, "nul.yaml", "edusim: 1\nname: a\0b\n", 20);
  snprintf(path, sizeof path, "%s/nul.yaml", fx->dir);
  es_diag_list_init(&dl);
  ES_CHECK_INT_EQ(es_scenario_load(path, &sc, &dl, &err), ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  if (dl.n_diags > 0) {
    ES_CHECK_INT_EQ(dl.diags[0].line, 2);
    ES_CHECK_INT_EQ(dl.diags[0].column, 8);
    ES_CHECK_STR_EQ(dl.diags[0].message, "a NUL byte (expected UTF-8 text)");
  }
  es_diag_list_clear(&dl);
  unlink(path);
}

/* A CSV problem is reported with the data file's resolved path. */
static void test_csv_error_path(const struct fixture *fx) {
  write_text(fx, "regions_bad.csv", "code,name,rank,births\n500103,a,0,3262\n");
  char *text = edited("regions: regions.csv", "regions: ./regions_bad.csv");
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  ES_CHECK_INT_EQ(load_text(fx, text, &sc, &dl), ES_EINPUT);
  ES_CHECK(dl.n_errors >= 1);
  char expected[400];
  snprintf(expected, sizeof expected, "%s/regions_bad.csv", fx->dir);
  if (dl.n_diags > 0) {
    ES_CHECK_STR_EQ(dl.diags[0].file, expected);
    ES_CHECK_INT_EQ(dl.diags[0].line, 2);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  free(text);
}

/* The base scenario loads, with every default. */
static void test_base_defaults(const struct fixture *fx) {
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  ES_CHECK_INT_EQ(load_text(fx, base_yaml, &sc, &dl), ES_OK);
  ES_CHECK(sc != NULL);
  if (sc == NULL) {
    print_diags(&dl);
    es_diag_list_clear(&dl);
    return;
  }
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  ES_CHECK_INT_EQ(sc->format_version, 1);
  ES_CHECK(sc->description == NULL);
  ES_CHECK_INT_EQ(sc->mode, ES_MODE_DETERMINISTIC);
  ES_CHECK_INT_EQ(sc->replicates, 100);
  ES_CHECK_INT_EQ(sc->seed, 1);
  ES_CHECK_INT_EQ(sc->max_age, 17);
  ES_CHECK_INT_EQ(sc->apportionment, ES_APPORTION_WEBSTER);
  ES_CHECK_STR_EQ(sc->currency, "CNY");
  ES_CHECK_INT_EQ(es_scenario_n_years(sc), 11);
  ES_CHECK_INT_EQ(es_scenario_n_ages(sc), 18);
  const struct es_stage *pre = &sc->stages[0];
  ES_CHECK_DOUBLE_EQ(pre->enrollment, 1.0);
  ES_CHECK_DOUBLE_EQ(pre->migrant_enrollment, 1.0);
  ES_CHECK_INT_EQ(pre->min_teachers, 0);
  ES_CHECK_DOUBLE_EQ(pre->teacher_attrition, 0.0);
  ES_CHECK(!pre->has_hiring_cap);
  ES_CHECK_INT_EQ(pre->transfer_pool, ES_POOL_NONE);
  ES_CHECK_DOUBLE_EQ(pre->transfer_share, 0.0);
  ES_CHECK(!pre->has_construction);
  ES_CHECK_DOUBLE_EQ(pre->consolidation_share, 0.0);
  ES_CHECK_DOUBLE_EQ(sc->stages[2].ptr_standard, 13.5);
  ES_CHECK(!sc->has_cross_stage);
  for (size_t a = 0; a < 18; a++) {
    ES_CHECK_DOUBLE_EQ(sc->mortality[a], 0.0);
    ES_CHECK_DOUBLE_EQ(sc->return_rate[a], 0.0);
  }
  ES_CHECK_INT_EQ(sc->n_fertility_points, 0);
  ES_CHECK_INT_EQ(sc->destination_model, ES_DESTINATIONS_NONE);
  ES_CHECK_INT_EQ(sc->destinations.n_regions, 5);
  ES_CHECK_INT_EQ(sc->destinations.n_entries, 0);
  ES_CHECK(sc->rate_multiplier_column == NULL);
  ES_CHECK_INT_EQ(sc->warning.horizon_years, 5);
  ES_CHECK_DOUBLE_EQ(sc->warning.rise, 0.15);
  ES_CHECK_DOUBLE_EQ(sc->warning.fall, 0.15);
  ES_CHECK(sc->output_file == NULL);
  ES_CHECK_INT_EQ(sc->n_statistics, 5);
  if (sc->n_statistics == 5) {
    ES_CHECK_STR_EQ(sc->statistics[0], "mean");
    ES_CHECK_STR_EQ(sc->statistics[1], "sd");
    ES_CHECK_STR_EQ(sc->statistics[2], "p05");
    ES_CHECK_STR_EQ(sc->statistics[3], "p50");
    ES_CHECK_STR_EQ(sc->statistics[4], "p95");
  }
  ES_CHECK(!sc->region_quantiles);
  /* teachers and seats are all zero without their files */
  ES_CHECK(!sc->data[ES_DATA_TEACHERS].present);
  ES_CHECK(!sc->data[ES_DATA_SEATS].present);
  ES_CHECK(!sc->data[ES_DATA_MIGRATION].present);
  int64_t sum = 0;
  for (size_t i = 0; i < 5 * 4; i++) {
    sum += sc->teachers[i] + sc->seats[i];
  }
  ES_CHECK_INT_EQ(sum, 0);
  ES_CHECK(sc->strategies[0].multiplier == NULL);
  /* data files: given, resolved and kept verbatim */
  char expected[400];
  snprintf(expected, sizeof expected, "%s/regions.csv", fx->dir);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].given, "regions.csv");
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].path, expected);
  ES_CHECK_INT_EQ(sc->data[ES_DATA_REGIONS].size, strlen(regions_csv));
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].bytes, regions_csv);
  ES_CHECK_STR_EQ(sc->file.bytes, base_yaml);
  ES_CHECK_INT_EQ(sc->file.size, strlen(base_yaml));
  ES_CHECK_STR_EQ(sc->file.path, fx->path);
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
}

/* Values given in less common forms: lists per age, unsorted fertility
 * points, the od matrix, a notice for replicates, output options. */
static void test_more_values(const struct fixture *fx) {
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  write_text(fx, "od.csv", od_csv);
  char *text = edited(
      "  population: population.csv\n",
      "  population: population.csv\n  migration: od.csv\n"
      "replicates: 40\n"
      "seed: 18446744073709551615\n"
      "max_age: 19\n"
      "apportionment: huntington-hill\n"
      "currency: EUR\n"
      "output: {file: out/r.h5, statistics: [p97.5, mean, p100], "
      "region_quantiles: true}\n"
      "warning: {horizon: 3, rise: 0.2}\n"
      "demography:\n"
      "  mortality: [0.01, 0.002, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, "
      "0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, "
      "0.001, 0.0015]\n"
      "  fertility_index: {2030: 0.7, 2020: 1.0, 2025: 0.85}\n"
      "  migration:\n"
      "    return_rate: 0.05\n"
      "    destinations: {model: matrix}\n");
  /* population.csv stops at age 17, so max_age 19 is a CSV error: use a
   * population file with ages 0..19 instead */
  ES_CHECK_INT_EQ(load_text(fx, text, &sc, &dl), ES_EINPUT);
  ES_CHECK(dl.n_errors >= 1);
  es_diag_list_clear(&dl);
  char *pop = NULL;
  size_t size = 0;
  char path[400];
  snprintf(path, sizeof path, "%s/population.csv", fx->dir);
  struct es_error err;
  ES_CHECK_INT_EQ(es_file_read(path, &pop, &size, &err), ES_OK);
  size_t n_more = size + 5 * 2 * 40 + 1;
  char *pop19 = malloc(n_more);
  if (pop19 != NULL && pop != NULL) {
    size_t used = (size_t)snprintf(pop19, n_more, "%s", pop);
    const char *codes[] = {"500103", "500105", "500101", "500229", "510104"};
    for (size_t r = 0; r < 5; r++) {
      for (int a = 18; a <= 19; a++) {
        used += (size_t)snprintf(pop19 + used, n_more - used, "%s,%d,10,2,1\n",
                                 codes[r], a);
      }
    }
    write_text(fx, "population.csv", pop19);
  }
  ES_CHECK_INT_EQ(load_text(fx, text, &sc, &dl), ES_OK);
  if (pop != NULL) {
    write_text(fx, "population.csv", pop); /* restore for later tests */
  }
  free(pop);
  free(pop19);
  free(text);
  if (sc == NULL) {
    print_diags(&dl);
    es_diag_list_clear(&dl);
    return;
  }
  /* replicates in deterministic mode: accepted, with a notice at its key */
  ES_CHECK_INT_EQ(dl.n_errors, 0);
  ES_CHECK_INT_EQ(dl.n_notices, 1);
  ES_CHECK_INT_EQ(dl.diags[0].severity, ES_SEVERITY_NOTICE);
  ES_CHECK_INT_EQ(dl.diags[0].line, 8);
  ES_CHECK_INT_EQ(dl.diags[0].column, 1);
  ES_CHECK_CONTAINS(dl.diags[0].message,
                    "replicates: used only in stochastic mode");
  ES_CHECK_INT_EQ(sc->replicates, 40);
  ES_CHECK(sc->seed == UINT64_MAX);
  ES_CHECK_INT_EQ(sc->max_age, 19);
  ES_CHECK_INT_EQ(sc->apportionment, ES_APPORTION_HUNTINGTON_HILL);
  ES_CHECK_STR_EQ(sc->currency, "EUR");
  char expected[400];
  snprintf(expected, sizeof expected, "%s/out/r.h5", fx->dir);
  ES_CHECK_STR_EQ(sc->output_file, expected);
  ES_CHECK_INT_EQ(sc->n_statistics, 3);
  ES_CHECK_STR_EQ(sc->statistics[0], "p97.5");
  ES_CHECK_STR_EQ(sc->statistics[2], "p100");
  ES_CHECK(sc->region_quantiles);
  ES_CHECK_INT_EQ(sc->warning.horizon_years, 3);
  ES_CHECK_DOUBLE_EQ(sc->warning.rise, 0.2);
  ES_CHECK_DOUBLE_EQ(sc->warning.fall, 0.15);
  ES_CHECK_DOUBLE_EQ(sc->mortality[0], 0.01);
  ES_CHECK_DOUBLE_EQ(sc->mortality[1], 0.002);
  ES_CHECK_DOUBLE_EQ(sc->mortality[19], 0.0015);
  ES_CHECK_DOUBLE_EQ(sc->return_rate[7], 0.05);
  ES_CHECK_DOUBLE_EQ(sc->local_out_rate[7], 0.0);
  ES_CHECK_INT_EQ(sc->n_fertility_points, 3);
  ES_CHECK_INT_EQ(sc->fertility_year[0], 2020);
  ES_CHECK_INT_EQ(sc->fertility_year[1], 2025);
  ES_CHECK_INT_EQ(sc->fertility_year[2], 2030);
  ES_CHECK_DOUBLE_EQ(sc->fertility_index[0], 1.0);
  ES_CHECK_DOUBLE_EQ(sc->fertility_index[1], 0.85);
  ES_CHECK_DOUBLE_EQ(sc->fertility_index[2], 0.7);
  /* od.csv: 500103 -> 500105 0.3; 500101 -> 500103 0.2, -> 510104 0.15 */
  ES_CHECK_INT_EQ(sc->destination_model, ES_DESTINATIONS_MATRIX);
  const struct es_destinations *d = &sc->destinations;
  ES_CHECK_INT_EQ(d->n_entries, 3);
  ES_CHECK_NEAR(d->internal_share[0], 0.3, 1e-15);
  ES_CHECK_NEAR(d->internal_share[1], 0.0, 1e-15);
  ES_CHECK_NEAR(d->internal_share[2], 0.35, 1e-15);
  ES_CHECK_INT_EQ(d->out_start[2], 1);
  ES_CHECK_INT_EQ(d->out_dest[1], 0);
  ES_CHECK_INT_EQ(d->out_dest[2], 4);
  ES_CHECK(sc->data[ES_DATA_MIGRATION].present);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_MIGRATION].given, "od.csv");
  ES_CHECK_INT_EQ(sc->population_params.n_ages, 20);
  ES_CHECK(sc->population_params.destinations == &sc->destinations);
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
}

/* Great-circle distance, written out again for an independent check. */
static double haversine(double lat1, double lon1, double lat2, double lon2) {
  const double rad = 3.14159265358979323846 / 180.0;
  double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double h = sin(dlat / 2) * sin(dlat / 2) +
             cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
  return 2.0 * 6371.0 * asin(sqrt(h));
}

static void test_tiny(void) {
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  es_diag_list_init(&dl);
  struct es_error err;
  es_error_clear(&err);
  int rc = es_scenario_load("../scenarios/examples/tiny/scenario.yaml", &sc,
                            &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  if (sc == NULL) {
    print_diags(&dl);
    printf("  %s\n", err.message);
    es_diag_list_clear(&dl);
    return;
  }
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  ES_CHECK_STR_EQ(sc->name, "tiny");
  ES_CHECK(sc->description != NULL &&
           strncmp(sc->description, "Five county-level units", 23) == 0);
  ES_CHECK_INT_EQ(sc->year_start, 2020);
  ES_CHECK_INT_EQ(sc->year_end, 2030);
  ES_CHECK_INT_EQ(sc->seed, 20201101);
  ES_CHECK_INT_EQ(sc->replicates, 100);
  ES_CHECK_INT_EQ(sc->max_age, 17);
  ES_CHECK_STR_EQ(sc->output_file, "../results/tiny.h5");
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].path,
                  "../scenarios/examples/tiny/regions.csv");
  ES_CHECK_STR_EQ(sc->data[ES_DATA_SEATS].given, "seats.csv");
  ES_CHECK_INT_EQ(sc->n_statistics, 1);
  ES_CHECK_STR_EQ(sc->statistics[0], "mean");

  /* stages */
  ES_CHECK_INT_EQ(sc->n_stages, 4);
  const struct es_stage *pre = &sc->stages[0], *pri = &sc->stages[1];
  const struct es_stage *jun = &sc->stages[2], *sen = &sc->stages[3];
  ES_CHECK_STR_EQ(pre->name, "preschool");
  ES_CHECK_INT_EQ(pre->age_lo, 3);
  ES_CHECK_INT_EQ(pre->age_hi, 5);
  ES_CHECK_DOUBLE_EQ(pre->enrollment, 0.85);
  ES_CHECK_DOUBLE_EQ(pre->migrant_enrollment, 0.7);
  ES_CHECK_DOUBLE_EQ(pre->ptr_standard, 11.0);
  ES_CHECK_DOUBLE_EQ(pre->teacher_attrition, 0.04);
  ES_CHECK_STR_EQ(pri->name, "primary");
  ES_CHECK_DOUBLE_EQ(pri->migrant_enrollment, 1.0); /* = enrollment */
  ES_CHECK_INT_EQ(pri->min_teachers, 20);
  ES_CHECK(pri->has_hiring_cap);
  ES_CHECK_INT_EQ(pri->hiring_cap, 600);
  ES_CHECK_DOUBLE_EQ(pri->transfer_share, 0.02);
  ES_CHECK_INT_EQ(pri->transfer_pool, ES_POOL_PREFECTURE);
  ES_CHECK(pri->has_construction);
  ES_CHECK_INT_EQ(pri->construction_cap, 5000);
  ES_CHECK_INT_EQ(pri->lead_time_years, 2);
  ES_CHECK_DOUBLE_EQ(pri->consolidation_share, 0.02);
  ES_CHECK_DOUBLE_EQ(pri->consolidation_slack, 0.1);
  ES_CHECK_DOUBLE_EQ(pri->salary, 120000.0);
  ES_CHECK_DOUBLE_EQ(pri->build_cost, 40000.0);
  ES_CHECK_DOUBLE_EQ(jun->ptr_standard, 13.5);
  ES_CHECK_DOUBLE_EQ(jun->enrollment, 1.0);
  ES_CHECK_INT_EQ(jun->transfer_pool, ES_POOL_PROVINCE);
  ES_CHECK(!jun->has_construction);
  ES_CHECK(!jun->has_hiring_cap);
  ES_CHECK_DOUBLE_EQ(sen->migrant_enrollment, 0.6);
  ES_CHECK_INT_EQ(sen->age_hi, 17);

  /* cross_stage: from [primary] to [preschool, junior] */
  ES_CHECK(sc->has_cross_stage);
  ES_CHECK_DOUBLE_EQ(sc->cross_stage_share, 0.05);
  ES_CHECK_INT_EQ(sc->n_cross_from, 1);
  ES_CHECK_INT_EQ(sc->cross_from[0], 1);
  ES_CHECK_INT_EQ(sc->n_cross_to, 2);
  ES_CHECK_INT_EQ(sc->cross_to[0], 0);
  ES_CHECK_INT_EQ(sc->cross_to[1], 2);

  /* demography */
  ES_CHECK_DOUBLE_EQ(sc->mortality[0], 0.0004);
  ES_CHECK_DOUBLE_EQ(sc->mortality[17], 0.0004);
  ES_CHECK_DOUBLE_EQ(sc->local_out_rate[9], 0.02);
  ES_CHECK_DOUBLE_EQ(sc->migrant_out_rate[9], 0.05);
  ES_CHECK_DOUBLE_EQ(sc->return_rate[9], 0.03);
  ES_CHECK_DOUBLE_EQ(sc->external_in_rate[9], 0.004);
  ES_CHECK_INT_EQ(sc->n_fertility_points, 5);
  const int years[] = {2020, 2021, 2022, 2023, 2030};
  const double index[] = {1.0, 0.89, 0.80, 0.75, 0.70};
  for (size_t i = 0; i < 5 && sc->n_fertility_points == 5; i++) {
    ES_CHECK_INT_EQ(sc->fertility_year[i], years[i]);
    ES_CHECK_DOUBLE_EQ(sc->fertility_index[i], index[i]);
  }

  /* gravity with top 3: row 0 recomputed from regions.csv */
  ES_CHECK_INT_EQ(sc->destination_model, ES_DESTINATIONS_GRAVITY);
  ES_CHECK_STR_EQ(sc->attraction_column, "adult_pop");
  ES_CHECK_DOUBLE_EQ(sc->gravity.internal_share, 0.8);
  ES_CHECK_DOUBLE_EQ(sc->gravity.beta, 1.0);
  ES_CHECK_DOUBLE_EQ(sc->gravity.gamma, 2.0);
  ES_CHECK_INT_EQ(sc->gravity.top, 3);
  const struct es_destinations *d = &sc->destinations;
  ES_CHECK_INT_EQ(d->n_regions, 5);
  ES_CHECK_INT_EQ(d->n_entries, 15);
  const double lat[] = {29.556742, 29.575352, 30.807807, 31.946293, 30.657689};
  const double lon[] = {106.56288, 106.532844, 108.380246, 108.6649,
                        104.080989};
  const double adults[] = {510000, 790000, 1240000, 150000, 760000};
  double w[5] = {0};
  for (size_t j = 1; j < 5; j++) {
    double dist = haversine(lat[0], lon[0], lat[j], lon[j]);
    w[j] = adults[j] / (dist * dist);
  }
  /* the smallest weight of row 0 is dropped (top 3) */
  size_t drop = 1;
  for (size_t j = 2; j < 5; j++) {
    if (w[j] < w[drop]) {
      drop = j;
    }
  }
  ES_CHECK_INT_EQ(drop, 3); /* 城口县: small and far */
  double kept = w[1] + w[2] + w[4];
  ES_CHECK_INT_EQ(d->out_start[0], 0);
  ES_CHECK_INT_EQ(d->out_start[1], 3);
  if (d->n_entries == 15) {
    ES_CHECK_INT_EQ(d->out_dest[0], 1);
    ES_CHECK_INT_EQ(d->out_dest[1], 2);
    ES_CHECK_INT_EQ(d->out_dest[2], 4);
    ES_CHECK_NEAR(d->out_share[0], 0.8 * w[1] / kept, 1e-12);
    ES_CHECK_NEAR(d->out_share[1], 0.8 * w[2] / kept, 1e-12);
    ES_CHECK_NEAR(d->out_share[2], 0.8 * w[4] / kept, 1e-12);
  }
  for (size_t r = 0; r < 5; r++) {
    ES_CHECK_NEAR(d->internal_share[r], 0.8, 1e-12);
  }

  /* strategies */
  ES_CHECK_INT_EQ(sc->n_strategies, 6);
  const struct es_strategy_spec *s = sc->strategies;
  ES_CHECK_STR_EQ(s[0].name, "rank");
  ES_CHECK_INT_EQ(s[0].basis, ES_BASIS_RANK);
  ES_CHECK_INT_EQ(s[0].n_rank_weights, 4);
  ES_CHECK_INT_EQ(s[0].rank_weight_rank[0], 1);
  ES_CHECK_INT_EQ(s[0].rank_weight_rank[3], 4);
  ES_CHECK_DOUBLE_EQ(s[0].rank_weight_value[0], 1.25);
  ES_CHECK_DOUBLE_EQ(s[0].rank_weight_value[3], 0.8);
  ES_CHECK_INT_EQ(s[1].basis, ES_BASIS_HUKOU);
  ES_CHECK_INT_EQ(s[2].basis, ES_BASIS_RESIDENT);
  ES_CHECK_INT_EQ(s[3].basis, ES_BASIS_FORECAST);
  ES_CHECK_INT_EQ(s[3].horizon_years, 5);
  ES_CHECK_INT_EQ(s[4].basis, ES_BASIS_BLEND);
  ES_CHECK_INT_EQ(s[4].blend_from, 0);
  ES_CHECK_INT_EQ(s[4].blend_to, 2);
  ES_CHECK_INT_EQ(s[4].blend_start_year, 2022);
  ES_CHECK_INT_EQ(s[4].blend_years, 5);
  ES_CHECK_STR_EQ(s[5].multiplier_column, "need_weight");
  ES_CHECK(s[5].multiplier != NULL);
  if (s[5].multiplier != NULL) {
    ES_CHECK_DOUBLE_EQ(s[5].multiplier[2], 1.1);
    ES_CHECK_DOUBLE_EQ(s[5].multiplier[3], 1.3);
  }
  ES_CHECK(s[0].multiplier == NULL);
  ES_CHECK_INT_EQ(sc->warning.horizon_years, 5);

  /* data: regions, t0 stocks and supply */
  ES_CHECK_INT_EQ(sc->regions.n_regions, 5);
  ES_CHECK_STR_EQ(sc->regions.code[3], "500229");
  ES_CHECK_DOUBLE_EQ(sc->initial.local[es_population_idx(&sc->initial, 0, 0)],
                     2283.0);
  ES_CHECK_DOUBLE_EQ(sc->initial.away[es_population_idx(&sc->initial, 4, 17)],
                     163.0);
  ES_CHECK_INT_EQ(sc->teachers[0 * 4 + 0], 1157); /* 500103 preschool */
  ES_CHECK_INT_EQ(sc->seats[3 * 4 + 1], 19570);   /* 500229 primary */
  /* mu of 500103: M / (L + M) over ages 0..5 of population.csv */
  double m = 979 + 4 * 1379 + 1398, l = 2283 + 4 * 3217 + 3261;
  ES_CHECK_NEAR(sc->migrant_birth_share[0], m / (l + m), 1e-15);

  /* population parameters point into the scenario */
  const struct es_population_params *pp = &sc->population_params;
  ES_CHECK_INT_EQ(pp->n_regions, 5);
  ES_CHECK_INT_EQ(pp->n_ages, 18);
  ES_CHECK_INT_EQ(pp->year_start, 2020);
  ES_CHECK(pp->mortality == sc->mortality);
  ES_CHECK(pp->destinations == &sc->destinations);
  ES_CHECK(pp->births == sc->regions.births);
  ES_CHECK_DOUBLE_EQ(pp->births[2], 9392.0);
  ES_CHECK(pp->adult_growth == sc->regions.adult_growth);
  ES_CHECK(pp->migrant_birth_share == sc->migrant_birth_share);
  ES_CHECK(pp->rate_multiplier == NULL);
  ES_CHECK_INT_EQ(pp->n_fertility_points, 5);
  ES_CHECK(pp->fertility_year == sc->fertility_year);
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
}

static void test_reference(void) {
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  es_diag_list_init(&dl);
  struct es_error err;
  es_error_clear(&err);
  int rc =
      es_scenario_load("../scenarios/examples/reference.yaml", &sc, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_errors, 0);
  if (sc == NULL) {
    print_diags(&dl);
    printf("  %s\n", err.message);
    es_diag_list_clear(&dl);
    return;
  }
  ES_CHECK_STR_EQ(sc->name, "reference");
  ES_CHECK_INT_EQ(sc->mode, ES_MODE_STOCHASTIC);
  ES_CHECK_INT_EQ(sc->replicates, 200);
  ES_CHECK_INT_EQ(sc->n_stages, 4);
  ES_CHECK_INT_EQ(sc->n_strategies, 6);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].path,
                  "../scenarios/examples/tiny/regions.csv");
  ES_CHECK_STR_EQ(sc->output_file, "../results/reference.h5");
  ES_CHECK(sc->rate_multiplier_column != NULL);
  ES_CHECK(sc->population_params.rate_multiplier != NULL);
  ES_CHECK_INT_EQ(sc->destinations.n_entries, 5 * 2);
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
}

/* ---- extends ------------------------------------------------------------- */

/* Write @p text at @p rel under the fixture's folder "ext", creating the
 * folders on the way; *@p path (if not NULL) gets the full path. */
static void write_ext(const struct fixture *fx, const char *rel,
                      const char *text, char *path, size_t size) {
  char full[700];
  snprintf(full, sizeof full, "%s/ext/%s", fx->dir, rel);
  for (char *p = full + strlen(fx->dir) + 1; *p != '\0'; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(full, 0700); /* exists already: fine */
      *p = '/';
    }
  }
  FILE *f = fopen(full, "wb");
  ES_CHECK(f != NULL);
  if (f != NULL) {
    ES_CHECK(fputs(text, f) >= 0);
    fclose(f);
  }
  if (path != NULL) {
    snprintf(path, size, "%s", full);
  }
}

static void remove_tree(const char *path) {
  DIR *d = opendir(path);
  if (d == NULL) {
    unlink(path);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      continue;
    }
    char sub[800];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    remove_tree(sub);
  }
  closedir(d);
  rmdir(path);
}

static int load_path(const char *path, struct es_scenario **sc,
                     struct es_diag_list *dl) {
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(dl);
  return es_scenario_load(path, sc, dl, &err);
}

/* The root of the chain, in ext/x/root/ (line numbers matter). */
static const char chain_root_yaml[] =
    "edusim: 1\n"                                              /* 1 */
    "name: root\n"                                             /* 2 */
    "description: the root of the chain\n"                     /* 3 */
    "years: {start: 2020, end: 2030}\n"                        /* 4 */
    "seed: 7\n"                                                /* 5 */
    "data:\n"                                                  /* 6 */
    "  regions: data/regions.csv\n"                            /* 7 */
    "  population: data/population.csv\n"                      /* 8 */
    "stages:\n"                                                /* 9 */
    "  - {name: preschool, ages: [3, 5], ptr_standard: 11}\n"  /* 10 */
    "  - {name: primary, ages: [6, 11], ptr_standard: 19}\n"   /* 11 */
    "  - {name: junior, ages: [12, 14], ptr_standard: 13.5}\n" /* 12 */
    "  - {name: senior, ages: [15, 17], ptr_standard: 12.5}\n" /* 13 */
    "demography:\n"                                            /* 14 */
    "  mortality: 0.001\n"                                     /* 15 */
    "  fertility_index: {2020: 1.0, 2030: 0.9, 2040: 0.85}\n"  /* 16 */
    "  migration: {local_out_rate: 0.02, return_rate: 0.01}\n" /* 17 */
    "strategies:\n"                                            /* 18 */
    "  - {name: resident, basis: resident}\n"                  /* 19 */
    "  - {name: hukou, basis: hukou}\n"                        /* 20 */
    "warning: {horizon: 4, rise: 0.2}\n"                       /* 21 */
    "output: {file: out/root.h5, statistics: [mean, p50]}\n";  /* 22 */

/* The middle, in ext/x/mid/: its own teachers file, a fertility point
 * changed and one removed. */
static const char chain_mid_yaml[] =
    "extends: ../root/base.yaml\n"                 /* 1 */
    "name: mid\n"                                  /* 2 */
    "data: {teachers: teachers.csv}\n"             /* 3 */
    "demography:\n"                                /* 4 */
    "  fertility_index: {2030: 0.8, 2040: null}\n" /* 5 */
    "warning: {rise: 0.25}\n";                     /* 6 */

/* The variant, in ext/y/: scalars, a list and a path of its own. */
static const char chain_low_yaml[] =
    "# a low-fertility variant\n"             /* 1 */
    "extends: ../x/mid/mid.yaml\n"            /* 2 */
    "name: low\n"                             /* 3 */
    "seed: 11\n"                              /* 4 */
    "data: {seats: s/seats.csv}\n"            /* 5 */
    "demography:\n"                           /* 6 */
    "  mortality: 0.002\n"                    /* 7 */
    "  fertility_index: {2035: 0.7}\n"        /* 8 */
    "strategies:\n"                           /* 9 */
    "  - {name: baseline, basis: baseline}\n" /* 10 */
    "warning: {fall: &f 0.3, rise: *f}\n"     /* 11 */
    "output: {file: res/low.h5}\n";           /* 12 */

static char *read_all(const char *path) {
  char *bytes = NULL;
  size_t size = 0;
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_file_read(path, &bytes, &size, &err), ES_OK);
  return bytes;
}

/* Same key fields: the resolved text loads to the same scenario. */
static void check_same_scenario(const struct es_scenario *a,
                                const struct es_scenario *b) {
  ES_CHECK_STR_EQ(a->name, b->name);
  ES_CHECK_STR_EQ(a->description, b->description);
  ES_CHECK_INT_EQ(a->year_start, b->year_start);
  ES_CHECK_INT_EQ(a->year_end, b->year_end);
  ES_CHECK_INT_EQ(a->seed, b->seed);
  ES_CHECK_INT_EQ(a->max_age, b->max_age);
  ES_CHECK_INT_EQ(a->n_stages, b->n_stages);
  for (size_t k = 0; k < a->n_stages && k < b->n_stages; k++) {
    ES_CHECK_STR_EQ(a->stages[k].name, b->stages[k].name);
    ES_CHECK_INT_EQ(a->stages[k].age_lo, b->stages[k].age_lo);
    ES_CHECK_DOUBLE_EQ(a->stages[k].ptr_standard, b->stages[k].ptr_standard);
  }
  ES_CHECK_INT_EQ(a->n_strategies, b->n_strategies);
  for (size_t s = 0; s < a->n_strategies && s < b->n_strategies; s++) {
    ES_CHECK_STR_EQ(a->strategies[s].name, b->strategies[s].name);
  }
  ES_CHECK_INT_EQ(a->n_fertility_points, b->n_fertility_points);
  for (size_t i = 0; i < a->n_fertility_points && i < b->n_fertility_points;
       i++) {
    ES_CHECK_INT_EQ(a->fertility_year[i], b->fertility_year[i]);
    ES_CHECK_DOUBLE_EQ(a->fertility_index[i], b->fertility_index[i]);
  }
  for (size_t age = 0; age <= a->max_age && age <= b->max_age; age++) {
    ES_CHECK_DOUBLE_EQ(a->mortality[age], b->mortality[age]);
    ES_CHECK_DOUBLE_EQ(a->local_out_rate[age], b->local_out_rate[age]);
    ES_CHECK_DOUBLE_EQ(a->return_rate[age], b->return_rate[age]);
  }
  ES_CHECK_DOUBLE_EQ(a->warning.rise, b->warning.rise);
  ES_CHECK_DOUBLE_EQ(a->warning.fall, b->warning.fall);
  ES_CHECK_INT_EQ(a->warning.horizon_years, b->warning.horizon_years);
  ES_CHECK_INT_EQ(a->n_statistics, b->n_statistics);
  for (size_t role = 0; role < ES_DATA_COUNT; role++) {
    ES_CHECK_INT_EQ(a->data[role].present, b->data[role].present);
    if (a->data[role].present && b->data[role].present) {
      ES_CHECK_STR_EQ(a->data[role].path, b->data[role].path);
      ES_CHECK_STR_EQ(a->data[role].given, b->data[role].given);
    }
  }
  ES_CHECK_STR_EQ(a->output_file, b->output_file);
  ES_CHECK_INT_EQ(a->regions.n_regions, b->regions.n_regions);
  size_t n = a->regions.n_regions * a->n_stages;
  if (n == b->regions.n_regions * b->n_stages) {
    for (size_t i = 0; i < n; i++) {
      ES_CHECK_INT_EQ(a->teachers[i], b->teachers[i]);
      ES_CHECK_INT_EQ(a->seats[i], b->seats[i]);
    }
  }
}

/* Three files in three folders: each path resolves against the file that
 * wrote it; mappings merge, lists and scalars replace, null removes. */
static void test_extends_chain(const struct fixture *fx) {
  char root_path[700], mid_path[700], low_path[700], path[700];
  write_ext(fx, "x/root/base.yaml", chain_root_yaml, root_path,
            sizeof root_path);
  write_ext(fx, "x/root/data/regions.csv", regions_csv, NULL, 0);
  char *pop = NULL, *teachers = NULL, *seats = NULL;
  snprintf(path, sizeof path, "%s/scenarios/examples/tiny/", fx->src);
  char src[800];
  snprintf(src, sizeof src, "%spopulation.csv", path);
  pop = read_all(src);
  snprintf(src, sizeof src, "%steachers.csv", path);
  teachers = read_all(src);
  snprintf(src, sizeof src, "%sseats.csv", path);
  seats = read_all(src);
  if (pop == NULL || teachers == NULL || seats == NULL) {
    free(pop);
    free(teachers);
    free(seats);
    return;
  }
  write_ext(fx, "x/root/data/population.csv", pop, NULL, 0);
  write_ext(fx, "x/mid/mid.yaml", chain_mid_yaml, mid_path, sizeof mid_path);
  write_ext(fx, "x/mid/teachers.csv", teachers, NULL, 0);
  write_ext(fx, "y/low.yaml", chain_low_yaml, low_path, sizeof low_path);
  write_ext(fx, "y/s/seats.csv", seats, NULL, 0);

  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  ES_CHECK_INT_EQ(load_path(low_path, &sc, &dl), ES_OK);
  if (sc == NULL) {
    print_diags(&dl);
    es_diag_list_clear(&dl);
    free(pop);
    free(teachers);
    free(seats);
    return;
  }
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  /* the chain, nearest base first, verbatim */
  ES_CHECK_INT_EQ(sc->n_bases, 2);
  ES_CHECK_STR_EQ(sc->file.bytes, chain_low_yaml);
  if (sc->n_bases == 2) {
    ES_CHECK_STR_EQ(sc->bases[0].given, "../x/mid/mid.yaml");
    ES_CHECK_STR_EQ(sc->bases[0].path, mid_path);
    ES_CHECK_STR_EQ(sc->bases[0].bytes, chain_mid_yaml);
    ES_CHECK_INT_EQ(sc->bases[0].size, strlen(chain_mid_yaml));
    ES_CHECK_STR_EQ(sc->bases[1].given, "../root/base.yaml");
    ES_CHECK_STR_EQ(sc->bases[1].path, root_path);
    ES_CHECK_STR_EQ(sc->bases[1].bytes, chain_root_yaml);
  }
  /* scalars: the nearest file wins */
  ES_CHECK_STR_EQ(sc->name, "low");
  ES_CHECK_INT_EQ(sc->seed, 11);
  ES_CHECK_STR_EQ(sc->description, "the root of the chain");
  ES_CHECK_INT_EQ(sc->year_start, 2020);
  ES_CHECK_INT_EQ(sc->year_end, 2030);
  /* data: each path relative to the file that wrote it */
  snprintf(path, sizeof path, "%s/ext/x/root/data/regions.csv", fx->dir);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].path, path);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].given,
                  "../x/root/data/regions.csv");
  snprintf(path, sizeof path, "%s/ext/x/root/data/population.csv", fx->dir);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_POPULATION].path, path);
  snprintf(path, sizeof path, "%s/ext/x/mid/teachers.csv", fx->dir);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_TEACHERS].path, path);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_TEACHERS].given, "../x/mid/teachers.csv");
  snprintf(path, sizeof path, "%s/ext/y/s/seats.csv", fx->dir);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_SEATS].path, path);
  ES_CHECK_STR_EQ(sc->data[ES_DATA_SEATS].given, "s/seats.csv");
  ES_CHECK(!sc->data[ES_DATA_MIGRATION].present);
  snprintf(path, sizeof path, "%s/ext/y/res/low.h5", fx->dir);
  ES_CHECK_STR_EQ(sc->output_file, path);
  ES_CHECK_INT_EQ(sc->regions.n_regions, 5);
  ES_CHECK_INT_EQ(sc->teachers[0 * 4 + 0], 1157); /* 500103 preschool */
  ES_CHECK_INT_EQ(sc->teachers[0 * 4 + 1], 1268); /* 500103 primary */
  ES_CHECK_INT_EQ(sc->seats[0 * 4 + 0], 12980);   /* 500103 preschool */
  /* lists replace: the variant's one strategy, the root's four stages */
  ES_CHECK_INT_EQ(sc->n_strategies, 1);
  ES_CHECK_STR_EQ(sc->strategies[0].name, "baseline");
  ES_CHECK_INT_EQ(sc->n_stages, 4);
  ES_CHECK_INT_EQ(sc->n_statistics, 2); /* output merged: root's list */
  /* mappings merge: fertility 2020 (root), 2030 (mid), 2035 (low); 2040
   * removed by mid's null */
  ES_CHECK_INT_EQ(sc->n_fertility_points, 3);
  if (sc->n_fertility_points == 3) {
    ES_CHECK_INT_EQ(sc->fertility_year[0], 2020);
    ES_CHECK_DOUBLE_EQ(sc->fertility_index[0], 1.0);
    ES_CHECK_INT_EQ(sc->fertility_year[1], 2030);
    ES_CHECK_DOUBLE_EQ(sc->fertility_index[1], 0.8);
    ES_CHECK_INT_EQ(sc->fertility_year[2], 2035);
    ES_CHECK_DOUBLE_EQ(sc->fertility_index[2], 0.7);
  }
  ES_CHECK_DOUBLE_EQ(sc->mortality[17], 0.002);
  ES_CHECK_DOUBLE_EQ(sc->local_out_rate[9], 0.02); /* root's, untouched */
  ES_CHECK_DOUBLE_EQ(sc->return_rate[0], 0.01);
  ES_CHECK_INT_EQ(sc->warning.horizon_years, 4); /* root */
  ES_CHECK_DOUBLE_EQ(sc->warning.rise, 0.3);     /* low (an alias) */
  ES_CHECK_DOUBLE_EQ(sc->warning.fall, 0.3);     /* low */
  /* the resolved text: no extends, no removed key */
  ES_CHECK(sc->resolved_text != NULL);
  if (sc->resolved_text != NULL) {
    ES_CHECK(strstr(sc->resolved_text, "extends") == NULL);
    ES_CHECK(strstr(sc->resolved_text, "2040") == NULL);
    ES_CHECK(strstr(sc->resolved_text, "&") == NULL); /* no anchor left */
    ES_CHECK_CONTAINS(sc->resolved_text, "name: low\n");
    ES_CHECK_CONTAINS(sc->resolved_text,
                      "regions: \"../x/root/data/regions.csv\"\n");
    ES_CHECK_CONTAINS(sc->resolved_text, "seats: s/seats.csv\n");

    /* ... which loads from the variant's folder to the same scenario */
    char resolved_path[700];
    write_ext(fx, "y/resolved.yaml", sc->resolved_text, resolved_path,
              sizeof resolved_path);
    struct es_scenario *again = NULL;
    struct es_diag_list dl2;
    ES_CHECK_INT_EQ(load_path(resolved_path, &again, &dl2), ES_OK);
    if (again != NULL) {
      ES_CHECK_INT_EQ(again->n_bases, 0);
      check_same_scenario(sc, again);
      ES_CHECK_STR_EQ(again->resolved_text, sc->resolved_text);
    } else {
      print_diags(&dl2);
    }
    es_scenario_free(again);
    es_diag_list_clear(&dl2);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);

  /* the middle file alone: its own teachers, the root's output path */
  ES_CHECK_INT_EQ(load_path(mid_path, &sc, &dl), ES_OK);
  if (sc != NULL) {
    ES_CHECK_INT_EQ(sc->n_bases, 1);
    ES_CHECK_STR_EQ(sc->name, "mid");
    ES_CHECK_INT_EQ(sc->n_strategies, 2);
    ES_CHECK_INT_EQ(sc->n_fertility_points, 2);
    ES_CHECK_DOUBLE_EQ(sc->warning.fall, 0.15); /* the default */
    snprintf(path, sizeof path, "%s/ext/x/root/out/root.h5", fx->dir);
    ES_CHECK_STR_EQ(sc->output_file, path);
    ES_CHECK_STR_EQ(sc->data[ES_DATA_TEACHERS].given, "teachers.csv");
    ES_CHECK_STR_EQ(sc->data[ES_DATA_REGIONS].given,
                    "../root/data/regions.csv");
    ES_CHECK_CONTAINS(sc->resolved_text, "file: \"../root/out/root.h5\"\n");
  } else {
    print_diags(&dl);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  free(pop);
  free(teachers);
  free(seats);
}

/* One diagnostic expected: its file (under ext/), place and text. */
static void check_ext_error(const struct fixture *fx, const char *load_rel,
                            size_t n_errors, size_t i_diag,
                            const char *file_rel, size_t line, size_t column,
                            const char *message) {
  long failed_before = es_test_counts_.failed;
  char path[700], file[700];
  snprintf(path, sizeof path, "%s/ext/%s", fx->dir, load_rel);
  snprintf(file, sizeof file, "%s/ext/%s", fx->dir, file_rel);
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  ES_CHECK_INT_EQ(load_path(path, &sc, &dl), ES_EINPUT);
  ES_CHECK(sc == NULL);
  ES_CHECK_INT_EQ(dl.n_errors, n_errors);
  ES_CHECK(i_diag < dl.n_diags);
  if (i_diag < dl.n_diags) {
    const struct es_diag *d = &dl.diags[i_diag];
    ES_CHECK_STR_EQ(d->file, file);
    ES_CHECK_INT_EQ(d->line, PLACE(line));
    ES_CHECK_INT_EQ(d->column, PLACE(column));
    ES_CHECK_CONTAINS(d->message, message);
  }
  if (es_test_counts_.failed != failed_before) {
    printf("  in the case expecting '%s'; got:\n", message);
    print_diags(&dl);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
}

/* Every error of extends, in the file that has it. */
static void test_extends_errors(const struct fixture *fx) {
  char a_path[700], b_path[700], self_path[700], message[2200];
  /* base.yaml of the error cases: base_yaml itself, in ext/e/ */
  write_ext(fx, "e/base.yaml", base_yaml, NULL, 0);
  write_ext(fx, "e/regions.csv", regions_csv, NULL, 0);
  copy_from_tiny(fx, "population.csv");
  char pop_src[400];
  snprintf(pop_src, sizeof pop_src, "%s/population.csv", fx->dir);
  char *pop = read_all(pop_src);
  if (pop != NULL) {
    write_ext(fx, "e/population.csv", pop, NULL, 0);
  }
  free(pop);

  /* a cycle of two files, and a file extending itself */
  write_ext(fx, "c/a.yaml", "extends: b.yaml\nname: a\n", a_path,
            sizeof a_path);
  write_ext(fx, "c/b.yaml", "name: b\nextends: ./a.yaml\n", b_path,
            sizeof b_path);
  snprintf(message, sizeof message, "extends: cycle: %s -> %s -> %s", a_path,
           b_path, a_path);
  check_ext_error(fx, "c/a.yaml", 1, 0, "c/b.yaml", 2, 10, message);
  write_ext(fx, "c/self.yaml", "edusim: 1\nextends: 'self.yaml'\n", self_path,
            sizeof self_path);
  snprintf(message, sizeof message, "extends: cycle: %s -> %s", self_path,
           self_path);
  check_ext_error(fx, "c/self.yaml", 1, 0, "c/self.yaml", 2, 10, message);

  /* a missing base, reported at the extends that names it */
  write_ext(fx, "e/missing.yaml", "name: m\n\nextends:   nowhere/base.yaml\n",
            NULL, 0);
  snprintf(message, sizeof message,
           "extends: cannot open '%s/ext/e/nowhere/base.yaml': No such file "
           "or directory",
           fx->dir);
  check_ext_error(fx, "e/missing.yaml", 1, 0, "e/missing.yaml", 3, 12, message);
  /* extends is not a string: in the variant, and in a base */
  write_ext(fx, "e/list.yaml", "extends: [base.yaml]\n", NULL, 0);
  check_ext_error(fx, "e/list.yaml", 1, 0, "e/list.yaml", 1, 10,
                  "extends: expected a string, got a sequence");
  write_ext(fx, "e/nothing.yaml", "name: n\nextends:\n", NULL, 0);
  write_ext(fx, "e/on-nothing.yaml", "extends: nothing.yaml\n", NULL, 0);
  check_ext_error(fx, "e/on-nothing.yaml", 1, 0, "e/nothing.yaml", 2, 1,
                  "extends: expected a string, got nothing");
  /* a base that is not a scenario, or not YAML */
  write_ext(fx, "e/seq.yaml", "# a list\n- 1\n", NULL, 0);
  write_ext(fx, "e/on-seq.yaml", "extends: seq.yaml\n", NULL, 0);
  check_ext_error(fx, "e/on-seq.yaml", 1, 0, "e/seq.yaml", 2, 1,
                  "expected a mapping of keys at the top level, got a "
                  "sequence");
  write_ext(fx, "e/broken.yaml", "name: [x\n", NULL, 0);
  write_ext(fx, "e/on-broken.yaml", "extends: broken.yaml\n", NULL, 0);
  check_ext_error(fx, "e/on-broken.yaml", 1, 0, "e/broken.yaml", 2, 1,
                  "YAML syntax error: ");
  write_ext(fx, "e/empty.yaml", "# nothing\n", NULL, 0);
  write_ext(fx, "e/on-empty.yaml", "extends: empty.yaml\n", NULL, 0);
  check_ext_error(fx, "e/on-empty.yaml", 1, 0, "e/empty.yaml", 0, 0,
                  "the file is empty");

  /* an error inherited from the base is reported in the base; an unknown key
   * of the variant in the variant */
  write_ext(fx, "e/bad-base.yaml", "edusim: 1\nname: bad\nseed: -3\n", NULL, 0);
  write_ext(fx, "v/typo.yaml",
            "extends: ../e/bad-base.yaml\nyears: {start: 2020, end: 2030}\n"
            "tpyo: 1\n",
            NULL, 0);
  check_ext_error(fx, "v/typo.yaml", 5, 0, "e/bad-base.yaml", 3, 7,
                  "seed: -3 is out of range");
  /* (then data, stages and strategies missing, at the variant's top) */
  check_ext_error(fx, "v/typo.yaml", 5, 1, "v/typo.yaml", 1, 1,
                  "missing required key 'stages'");
  check_ext_error(fx, "v/typo.yaml", 5, 4, "v/typo.yaml", 3, 1,
                  "unknown key 'tpyo'");
  /* a missing required key is reported at the variant's top mapping */
  write_ext(fx, "v/noname.yaml", "\nextends: ../e/base.yaml\nname: ~\n", NULL,
            0);
  check_ext_error(fx, "v/noname.yaml", 1, 0, "v/noname.yaml", 2, 1,
                  "missing required key 'name'");
  /* a data file the base names, missing: at the base's key */
  write_ext(fx, "e/nopop.yaml",
            "extends: base.yaml\ndata: {population: nopop.csv}\n", NULL, 0);
  write_ext(fx, "v/on-nopop.yaml", "extends: ../e/nopop.yaml\nname: v\n", NULL,
            0);
  snprintf(message, sizeof message,
           "data.population: cannot open '%s/ext/e/nopop.csv'", fx->dir);
  check_ext_error(fx, "v/on-nopop.yaml", 1, 0, "e/nopop.yaml", 2, 8, message);
  /* null with nothing to remove */
  write_ext(fx, "v/null.yaml",
            "extends: ../e/base.yaml\ncross_stage: null\n"
            "demography: {fertility_index: {2030: ~}}\nseed: -1\n",
            NULL, 0);
  check_ext_error(fx, "v/null.yaml", 3, 0, "v/null.yaml", 2, 14,
                  "cross_stage: null removes a key inherited from a base, "
                  "but no base sets it");
  check_ext_error(fx, "v/null.yaml", 3, 1, "v/null.yaml", 3, 38,
                  "demography.fertility_index.2030: null removes a key");
  /* ... and the rest is still checked */
  check_ext_error(fx, "v/null.yaml", 3, 2, "v/null.yaml", 4, 7,
                  "seed: -1 is out of range");
  /* extends anywhere but at the top is an unknown key */
  write_ext(fx, "v/inner.yaml",
            "extends: ../e/base.yaml\nwarning: {extends: x.yaml}\n", NULL, 0);
  check_ext_error(fx, "v/inner.yaml", 1, 0, "v/inner.yaml", 2, 11,
                  "warning: unknown key 'extends'");

  /* a chain of 17 files: one too many */
  for (size_t i = 0; i <= ES_YAML_MAX_SOURCES; i++) {
    char name[32], text[64];
    snprintf(name, sizeof name, "long/c%zu.yaml", i);
    snprintf(text, sizeof text, "extends: c%zu.yaml\n", i + 1);
    write_ext(fx, name, i < ES_YAML_MAX_SOURCES ? text : "edusim: 1\n", NULL,
              0);
  }
  check_ext_error(fx, "long/c0.yaml", 1, 0, "long/c15.yaml", 1, 10,
                  "extends: more than 16 files in the chain");
}

/* Merging in detail: a mapping over a scalar, a scalar over a mapping,
 * removing a section, and quoted strings kept quoted. */
static void test_extends_merge(const struct fixture *fx) {
  write_ext(fx, "m/base.yaml",
            "edusim: 1\n"
            "name: m\n"
            "description: '2020'\n"
            "years: {start: 2020, end: 2030}\n"
            "data: {regions: ../e/regions.csv, population: "
            "../e/population.csv}\n"
            "stages:\n"
            "  - {name: primary, ages: [6, 11], ptr_standard: 19}\n"
            "  - {name: junior, ages: [12, 14], ptr_standard: 13.5}\n"
            "cross_stage: {share: 0.1, from: [primary], to: [junior]}\n"
            "demography: {mortality: 0.001}\n"
            "strategies: [{name: resident, basis: resident}]\n",
            NULL, 0);
  char path[700];
  write_ext(fx, "m/v.yaml",
            "extends: base.yaml\n"
            "cross_stage: ~\n"
            "stages:\n"
            "  - {name: primary, ages: [6, 11], ptr_standard: 17}\n"
            "demography:\n"
            "  mortality: [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, "
            "0.09, 0.1, 0.11, 0.12]\n",
            path, sizeof path);
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  ES_CHECK_INT_EQ(load_path(path, &sc, &dl), ES_OK);
  if (sc != NULL) {
    ES_CHECK(!sc->has_cross_stage); /* removed */
    ES_CHECK_INT_EQ(sc->n_stages, 1);
    ES_CHECK_DOUBLE_EQ(sc->stages[0].ptr_standard, 17.0);
    ES_CHECK_INT_EQ(sc->max_age, 11);
    ES_CHECK_DOUBLE_EQ(sc->mortality[0], 0.01);
    ES_CHECK_DOUBLE_EQ(sc->mortality[11], 0.12);
    ES_CHECK_STR_EQ(sc->description, "2020");
    ES_CHECK_CONTAINS(sc->resolved_text, "description: '2020'\n");
    ES_CHECK(strstr(sc->resolved_text, "cross_stage") == NULL);
  } else {
    print_diags(&dl);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);

  /* the variant's mapping replaces the base's scalar, and the other way */
  write_ext(fx, "m/w.yaml",
            "extends: base.yaml\n"
            "description: {text: x}\n"
            "demography: 0.5\n",
            path, sizeof path);
  ES_CHECK_INT_EQ(load_path(path, &sc, &dl), ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 2); /* and a notice about population.csv */
  if (dl.n_diags >= 2) {
    ES_CHECK_STR_EQ(dl.diags[0].file, path);
    ES_CHECK_INT_EQ(dl.diags[0].line, 2);
    ES_CHECK_INT_EQ(dl.diags[0].column, 14);
    ES_CHECK_STR_EQ(dl.diags[0].message,
                    "description: expected a string, got a mapping");
    ES_CHECK_INT_EQ(dl.diags[1].line, 3);
    ES_CHECK_INT_EQ(dl.diags[1].column, 13);
    ES_CHECK_STR_EQ(dl.diags[1].message,
                    "demography: expected a mapping, got '0.5'");
  } else {
    print_diags(&dl);
  }
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
}

static void test_resolve_path(void) {
  const char *cases[][3] = {
      {"", "a.csv", "a.csv"},
      {"scenarios/x", "data/a.csv", "scenarios/x/data/a.csv"},
      {"scenarios/x", "./a.csv", "scenarios/x/a.csv"},
      {"scenarios/examples/tiny", "../../../results/t.h5", "results/t.h5"},
      {"../scenarios/tiny", "../../results/t.h5", "../results/t.h5"},
      {"..", "../a.csv", "../../a.csv"},
      {"x", "../a.csv", "a.csv"},
      {"x", "..", "."},
      {"/srv/s", "a.csv", "/srv/s/a.csv"},
      {"/srv/s", "../../../a.csv", "/a.csv"},
      {"scenarios/x", "/abs/a.csv", "/abs/a.csv"},
      {"/", "a.csv", "/a.csv"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *p = es__scenario_resolve_path(cases[i][0], cases[i][1]);
    ES_CHECK_STR_EQ(p, cases[i][2]);
    free(p);
  }
}

static void test_relative_path(void) {
  const char *cases[][3] = {
      {"a/b", "a/c/d.csv", "../c/d.csv"},
      {"", "x/y.csv", "x/y.csv"},
      {".", "x.csv", "x.csv"},
      {"a", "a", "."},
      {"a/b", "a", ".."},
      {"a/./b/", "a/b/c/d.csv", "c/d.csv"},
      {"../y", "../x/r.csv", "../x/r.csv"},
      {"..", "../../r.csv", "../r.csv"},
      {"x", "../r.csv", "../../r.csv"},
      {"/s/a", "/s/b/c.csv", "../b/c.csv"},
      {"/", "/c.csv", "c.csv"},
      {"x", "/abs/c.csv", "/abs/c.csv"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *p = es__scenario_relative_path(cases[i][0], cases[i][1]);
    ES_CHECK_STR_EQ(p, cases[i][2]);
    /* and back: the same path from the cwd */
    char *back = es__scenario_resolve_path(cases[i][0], p != NULL ? p : "");
    char *target = es__scenario_resolve_path("", cases[i][1]);
    ES_CHECK_STR_EQ(back, target);
    free(p);
    free(back);
    free(target);
  }
  /* "../../y" climbs out of the cwd's parent, whose name the text lacks: the
   * answer is absolute */
  char cwd[4096];
  ES_CHECK(getcwd(cwd, sizeof cwd) != NULL);
  char *p = es__scenario_relative_path("../../y", "../a.csv");
  char *expected = es__scenario_resolve_path(cwd, "../a.csv");
  ES_CHECK_STR_EQ(p, expected);
  ES_CHECK(p != NULL && p[0] == '/');
  free(p);
  free(expected);
  p = es__scenario_relative_path("/s/a", "b.csv");
  expected = es__scenario_resolve_path(cwd, "b.csv");
  ES_CHECK_STR_EQ(p, expected);
  free(p);
  free(expected);
}

static void test_mode_name(void) {
  ES_CHECK_STR_EQ(es_mode_name(ES_MODE_DETERMINISTIC), "deterministic");
  ES_CHECK_STR_EQ(es_mode_name(ES_MODE_STOCHASTIC), "stochastic");
}

int main(void) {
  struct fixture fx;
  const char *src = getenv("ES_SOURCE_DIR");
  snprintf(fx.src, sizeof fx.src, "%s", src != NULL ? src : "..");
  snprintf(fx.dir, sizeof fx.dir, "/tmp/es_test_scenario_XXXXXX");
  if (mkdtemp(fx.dir) == NULL) {
    printf("FAIL: mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  snprintf(fx.path, sizeof fx.path, "%s/s.yaml", fx.dir);
  write_text(&fx, "regions.csv", regions_csv);
  copy_from_tiny(&fx, "population.csv");

  test_mode_name();
  test_resolve_path();
  test_relative_path();
  test_tiny();
  test_reference();
  test_base_defaults(&fx);
  test_more_values(&fx);
  test_error_cases(&fx);
  test_column_errors(&fx);
  test_too_many_errors(&fx);
  test_file_level_errors(&fx);
  test_csv_error_path(&fx);
  test_extends_chain(&fx);
  test_extends_errors(&fx);
  test_extends_merge(&fx);

  char ext[400];
  snprintf(ext, sizeof ext, "%s/ext", fx.dir);
  remove_tree(ext);

  const char *files[] = {"s.yaml", "regions.csv",     "population.csv",
                         "od.csv", "regions_alt.csv", "regions_bad.csv"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[400];
    snprintf(path, sizeof path, "%s/%s", fx.dir, files[i]);
    unlink(path);
  }
  rmdir(fx.dir);
  return es_test_summary();
}
