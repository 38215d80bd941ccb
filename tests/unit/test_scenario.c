/* test_scenario.c: the scenario loader (DESIGN "Scenario file", STYLE 21-23).
 *
 * The tiny example and reference.yaml load with the values they spell out
 * (the gravity destinations are recomputed here from the regions file, the
 * default migrant birth share from population.csv by hand). Then every error
 * a user can make in the YAML file is provoked on purpose, one at a time, on a
 * small valid base scenario written into a temporary folder, and checked for
 * its message and its exact line:column. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "es_test.h"
#include "scenarios/csv.h"
#include "scenarios/scenario.h"

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
    {"ptr_standard: 11}", "ptr_standard: 0}", 1, 0, 8, 51,
     "stages[0].ptr_standard: 0 is out of range (expected a number > 0)"},
    {"ptr_standard: 11}", "ptr_standard: 11, salary: -1}", 1, 0, 8, 63,
     "stages[0].salary: -1 is out of range (expected a number >= 0)"},
    {"ptr_standard: 19}",
     "ptr_standard: 19, construction: {cap: 10, lead_time: 51}}", 1, 0, 9, 89,
     "stages[1].construction.lead_time: 51 is out of range (expected an "
     "integer in 0..50)"},
    {"ptr_standard: 19}", "ptr_standard: 19, hiring_cap: -3}", 1, 0, 9, 66,
     "stages[1].hiring_cap: -3 is out of range (expected an integer >= 0)"},
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
     "replicates: 0 is out of range (expected an integer >= 1)"},
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
     "strategies[1].rank_weights.1: -1 is out of range (expected a number >= "
     "0)"},
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
     "number >= 0)"},
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
    {"", "extends: base.yaml\n", 1, 0, 14, 1,
     "extends: not supported in this version"},
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
    ES_CHECK_INT_EQ(dl.diags[0].line, line);
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
  ES_CHECK_INT_EQ(dl.diags[0].line, 0);
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
  test_tiny();
  test_reference();
  test_base_defaults(&fx);
  test_more_values(&fx);
  test_error_cases(&fx);
  test_column_errors(&fx);
  test_too_many_errors(&fx);
  test_file_level_errors(&fx);
  test_csv_error_path(&fx);

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
