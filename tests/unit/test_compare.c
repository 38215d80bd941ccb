/* test_compare.c: `edusim compare` below its argument parsing
 * (output/compare.h).
 *
 * Results files are written with es_results_write from synthetic indicators
 * chosen so that every expected number is exact (dyadic fractions, student
 * weights 1536 and 512): two strategies, statistics [sd, mean] (the reader
 * must take "mean", the second), years 2020-2022, stages primary and junior.
 * The year 2020 holds large flows and costs that the sums over t0+1..Y must
 * leave out. Checked: the reader (labels, attributes, values bit for bit),
 * the aggregation (stocks at Y, flows summed after t0, shares and gini
 * weighted by students, stages without students ignored, a stage alone, the
 * year t0), difference, ratio and percent (NaN against a baseline of 0),
 * every output format byte for byte, several files (labels, baseline given
 * either way, ambiguity), and every error a user can reach, with its
 * message. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "es_test.h"
#include "output/compare.h"
#include "output/results.h"

#define N_YEARS  3
#define N_STAGES 2

/* The indicator values of one strategy, statistic mean, in the order of enum
 * es_compare_var: [variable][year][stage]. Set 0 plays "rank", set 1
 * "resident". */
static const double value_sets[2][ES_COMPARE_N_VARS][N_YEARS][N_STAGES] = {
    {
        {{1000, 500}, {1100, 600}, {1536, 512}},       /* students */
        {{10, 20}, {30, 40}, {150, 50}},               /* unmet_seats */
        {{11000, 3000}, {11500, 3500}, {12000, 4000}}, /* idle_seats */
        {{0.5, 0.5}, {0.375, 0.5}, {0.25, 0.5}},       /* over_std_share */
        {{0.2, 0.2}, {0.15, 0.2}, {0.125, 0.25}},      /* gini */
        {{1000, 1000}, {10, 5}, {20, 7}},              /* transfers */
        {{1000, 1000}, {100, 50}, {25, 25}},           /* hires */
        {{1000, 1000}, {0, 0}, {0, 0}},                /* seats_built */
        {{9e9, 9e9}, {1.5e9, 0.5e9}, {1.5e9, 0.5e9}},  /* cost */
    },
    {
        {{1000, 500}, {1100, 600}, {1536, 512}},       /* students */
        {{10, 20}, {35, 40}, {100, 50}},               /* unmet_seats */
        {{11000, 3000}, {12500, 3500}, {14000, 4000}}, /* idle_seats */
        {{0.5, 0.5}, {0.25, 0.5}, {0.125, 0.25}},      /* over_std_share */
        {{0.2, 0.2}, {0.1875, 0.25}, {0.25, 0.5}},     /* gini */
        {{1000, 1000}, {0, 0}, {0, 0}},                /* transfers */
        {{1000, 1000}, {150, 50}, {50, 50}},           /* hires */
        {{1000, 1000}, {500, 0}, {250, 0}},            /* seats_built */
        {{9e9, 9e9}, {2e9, 0.5e9}, {2e9, 0.5e9}},      /* cost */
    },
};

/* What a fixture file holds. */
struct fixture {
  const char *scenario;          /* root attribute */
  const char *currency;          /* root attribute, NULL: none */
  size_t n_strategies;           /* 1..2 */
  const char *const *strategies; /* names */
  const size_t *sets;            /* value set of each strategy */
  size_t n_statistics;           /* 1..2 */
  const char *const *statistics; /* names; "mean" gets the values */
  const int32_t *years;          /* [N_YEARS] */
  const char *const *stages;     /* [N_STAGES] */
  const char *skip;              /* an indicator variable left out, or NULL */
  bool cost_3d;                  /* cost over [strategy, year, stage] */
  bool no_indicators;            /* write only group demand */
};

static const char *const two_strategies[] = {"rank", "resident"};
static const size_t sets_01[] = {0, 1};
static const char *const sd_mean[] = {"sd", "mean"};
static const int32_t years_2020[N_YEARS] = {2020, 2021, 2022};
static const char *const school_stages[N_STAGES] = {"primary", "junior"};

/* The indicator variables es_results_write gets (the comparison reads a
 * subset; the others must not disturb it). */
static const char *const all_indicators[] = {"students",
                                             "unmet_seats",
                                             "idle_seats",
                                             "unmet_share",
                                             "over_standard_share",
                                             "gini",
                                             "theil",
                                             "theil_between",
                                             "theil_within",
                                             "teachers",
                                             "seats",
                                             "hires",
                                             "transfers",
                                             "seats_built",
                                             "cost"};

static char *dup_text(const char *s) {
  char *d = malloc(strlen(s) + 1);
  ES_ASSERT(d != NULL);
  strcpy(d, s);
  return d;
}

static char **dup_texts(const char *const *src, const size_t n) {
  char **out = calloc(n, sizeof *out);
  ES_ASSERT(out != NULL);
  for (size_t i = 0; i < n; i++) {
    out[i] = dup_text(src[i]);
  }
  return out;
}

/* The value set index of variable @p name, or -1 for one the comparison
 * does not read. */
static int var_index(const char *name) {
  for (int v = 0; v < ES_COMPARE_N_VARS; v++) {
    if (strcmp(es_compare_var_name((enum es_compare_var)v), name) == 0) {
      return v;
    }
  }
  return -1;
}

static void write_fixture(const char *path, const struct fixture *fx) {
  static const enum es_dim ind_dims[] = {ES_DIM_STRATEGY, ES_DIM_STATISTIC,
                                         ES_DIM_YEAR, ES_DIM_STAGE};
  static const enum es_dim demand_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                            ES_DIM_STAGE};
  static const enum es_dim flat_dims[] = {ES_DIM_STRATEGY, ES_DIM_YEAR,
                                          ES_DIM_STAGE};
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  res.dim_len[ES_DIM_STRATEGY] = fx->n_strategies;
  res.dim_len[ES_DIM_STATISTIC] = fx->n_statistics;
  res.dim_len[ES_DIM_YEAR] = N_YEARS;
  res.dim_len[ES_DIM_STAGE] = N_STAGES;
  res.strategy = dup_texts(fx->strategies, fx->n_strategies);
  res.statistic = dup_texts(fx->statistics, fx->n_statistics);
  res.year = malloc(N_YEARS * sizeof *res.year);
  ES_ASSERT(res.year != NULL);
  memcpy(res.year, fx->years, N_YEARS * sizeof *res.year);
  res.stage = dup_texts(fx->stages, N_STAGES);
  res.scenario_name = dup_text(fx->scenario);
  res.currency = fx->currency != NULL ? dup_text(fx->currency) : NULL;
  res.mode = dup_text("deterministic");
  res.command = dup_text("test_compare");
  res.replicates = 1;

  if (fx->no_indicators) {
    double *d = es_results_add(&res, "demand", "students", "students", "pupils",
                               3, demand_dims, &err);
    ES_ASSERT(d != NULL);
  } else {
    if (fx->cost_3d) {
      double *d = es_results_add(&res, "indicators", "cost", "cost", "CNY", 3,
                                 flat_dims, &err);
      ES_ASSERT(d != NULL);
    }
    for (size_t i = 0; i < sizeof all_indicators / sizeof all_indicators[0];
         i++) {
      if (fx->skip != NULL && strcmp(fx->skip, all_indicators[i]) == 0) {
        continue;
      }
      double *x = es_results_add(&res, "indicators", all_indicators[i],
                                 all_indicators[i], "1", 4, ind_dims, &err);
      ES_ASSERT(x != NULL);
      const int v = var_index(all_indicators[i]);
      size_t i_cell = 0;
      for (size_t s = 0; s < fx->n_strategies; s++) {
        for (size_t st = 0; st < fx->n_statistics; st++) {
          const bool mean = strcmp(fx->statistics[st], "mean") == 0;
          for (size_t y = 0; y < N_YEARS; y++) {
            for (size_t k = 0; k < N_STAGES; k++, i_cell++) {
              /* Other statistics and variables get a value that would show
               * in every result if it were read by mistake. */
              x[i_cell] =
                  v >= 0 && mean ? value_sets[fx->sets[s]][v][y][k] : 77777.0;
            }
          }
        }
      }
    }
  }
  const struct es_write_options opts = {.force = true, .deflate_level = 1};
  int rc = es_results_write(&res, path, &opts, &err);
  if (rc != ES_OK) {
    printf("cannot write fixture %s: %s\n", path, err.message);
  }
  ES_ASSERT(rc == ES_OK);
  es_results_clear(&res);
}

/* ---- the fixture files ---------------------------------------------------
 *
 * Written into a fresh folder that the test makes its working directory, so
 * that the paths printed are the short names below. */

static const char *const fixture_files[] = {
    "a.h5",        "b.h5",       "c.h5",       "nocur.h5",
    "old.h5",      "text.h5",    "years.h5",   "stages.h5",
    "currency.h5", "no_cost.h5", "no_mean.h5", "shape.h5"};

static void make_fixtures(void) {
  struct fixture a = {.scenario = "tiny",
                      .currency = "CNY",
                      .n_strategies = 2,
                      .strategies = two_strategies,
                      .sets = sets_01,
                      .n_statistics = 2,
                      .statistics = sd_mean,
                      .years = years_2020,
                      .stages = school_stages};
  write_fixture("a.h5", &a);

  /* Scenario low: rank with the values of set 1, need with those of set 0,
   * and only the statistic mean. */
  static const char *const b_names[] = {"rank", "need"};
  static const size_t b_sets[] = {1, 0};
  struct fixture b = a;
  b.scenario = "low";
  b.strategies = b_names;
  b.sets = b_sets;
  b.n_statistics = 1;
  b.statistics = sd_mean + 1;
  write_fixture("b.h5", &b);

  struct fixture c = a; /* the scenario name of a.h5 again */
  c.n_strategies = 1;
  write_fixture("c.h5", &c);

  struct fixture nocur = a;
  nocur.currency = NULL;
  write_fixture("nocur.h5", &nocur);

  struct fixture old = a;
  old.no_indicators = true;
  write_fixture("old.h5", &old);

  static const int32_t other_years[N_YEARS] = {2020, 2021, 2023};
  struct fixture years = a;
  years.years = other_years;
  write_fixture("years.h5", &years);

  static const char *const other_stages[N_STAGES] = {"primary", "senior"};
  struct fixture stages = a;
  stages.stages = other_stages;
  write_fixture("stages.h5", &stages);

  struct fixture currency = a;
  currency.currency = "USD";
  write_fixture("currency.h5", &currency);

  struct fixture no_cost = a;
  no_cost.skip = "cost";
  write_fixture("no_cost.h5", &no_cost);

  static const char *const quantiles[] = {"p05", "p95"};
  struct fixture no_mean = a;
  no_mean.statistics = quantiles;
  write_fixture("no_mean.h5", &no_mean);

  struct fixture shape = a;
  shape.skip = "cost";
  shape.cost_3d = true;
  write_fixture("shape.h5", &shape);

  FILE *f = fopen("text.h5", "w");
  ES_ASSERT(f != NULL);
  fputs("year,stage\n2020,primary\n", f);
  fclose(f);
  ES_ASSERT(mkdir("folder.h5", 0700) == 0);
}

static void remove_fixtures(void) {
  for (size_t i = 0; i < sizeof fixture_files / sizeof fixture_files[0]; i++) {
    ES_CHECK_INT_EQ(remove(fixture_files[i]), 0);
  }
  ES_CHECK_INT_EQ(rmdir("folder.h5"), 0);
}

/* ---- running es_compare into a string ------------------------------------ */

/* Run es_compare on @p paths; returns its code, the output in *@p text
 * (owned) and the error in @p err. */
static int run_compare(const char *const *paths, const size_t n_paths,
                       const struct es_compare_options *opts, char **text,
                       struct es_error *err) {
  size_t size = 0;
  FILE *out = open_memstream(text, &size);
  ES_ASSERT(out != NULL);
  es_error_clear(err);
  int rc = es_compare(paths, n_paths, opts, out, err);
  fclose(out);
  return rc;
}

/* es_compare on @p paths must succeed and print exactly @p expected. */
static void expect_output(const char *const *paths, const size_t n_paths,
                          const struct es_compare_options *opts,
                          const char *expected) {
  char *text = NULL;
  struct es_error err;
  int rc = run_compare(paths, n_paths, opts, &text, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_STR_EQ(err.message, "");
  ES_CHECK_STR_EQ(text, expected);
  free(text);
}

/* es_compare must fail with @p code and exactly @p message, and print
 * nothing. */
static void expect_failure(const char *const *paths, const size_t n_paths,
                           const struct es_compare_options *opts,
                           const int code, const char *message) {
  char *text = NULL;
  struct es_error err;
  int rc = run_compare(paths, n_paths, opts, &text, &err);
  ES_CHECK_INT_EQ(rc, code);
  ES_CHECK_STR_EQ(err.message, message);
  ES_CHECK_STR_EQ(text, "");
  free(text);
}

/* ---- the reader ---------------------------------------------------------- */

static void test_reader(void) {
  struct es_compare_file file;
  struct es_error err;
  es_error_clear(&err);
  es_compare_file_init(&file);
  int rc = es_compare_file_read(&file, "a.h5", NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_STR_EQ(file.path, "a.h5");
  ES_CHECK_STR_EQ(file.scenario, "tiny");
  ES_CHECK_STR_EQ(file.currency, "CNY");
  ES_CHECK_INT_EQ(file.n_strategies, 2);
  ES_CHECK_STR_EQ(file.strategy[0], "rank");
  ES_CHECK_STR_EQ(file.strategy[1], "resident");
  ES_CHECK_INT_EQ(file.n_years, 3);
  ES_CHECK_INT_EQ(file.year[0], 2020);
  ES_CHECK_INT_EQ(file.year[2], 2022);
  ES_CHECK_INT_EQ(file.n_stages, 2);
  ES_CHECK_STR_EQ(file.stage[0], "primary");
  ES_CHECK_STR_EQ(file.stage[1], "junior");
  /* Every value of statistic mean (the second), bit for bit. */
  size_t n_wrong = 0;
  for (size_t v = 0; v < ES_COMPARE_N_VARS; v++) {
    for (size_t s = 0; s < 2; s++) {
      for (size_t y = 0; y < N_YEARS; y++) {
        for (size_t k = 0; k < N_STAGES; k++) {
          double got = file.values[v][es_compare_file_idx(&file, s, y, k)];
          n_wrong += got != value_sets[s][v][y][k];
        }
      }
    }
  }
  ES_CHECK_INT_EQ(n_wrong, 0);
  ES_CHECK_DOUBLE_EQ(
      file.values[ES_COMPARE_VAR_COST][es_compare_file_idx(&file, 1, 2, 1)],
      0.5e9);
  ES_CHECK_DOUBLE_EQ(
      file.values[ES_COMPARE_VAR_GINI][es_compare_file_idx(&file, 0, 1, 0)],
      0.15);
  ES_CHECK_INT_EQ(es_compare_file_idx(&file, 1, 2, 1), 11);

  /* A file with the statistic mean alone; reading clears what was there. */
  rc = es_compare_file_read(&file, "b.h5", NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_STR_EQ(file.scenario, "low");
  ES_CHECK_STR_EQ(file.strategy[1], "need");
  ES_CHECK_DOUBLE_EQ(
      file.values[ES_COMPARE_VAR_HIRES][es_compare_file_idx(&file, 0, 1, 0)],
      150.0);

  /* No currency attribute: "". */
  rc = es_compare_file_read(&file, "nocur.h5", NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_STR_EQ(file.currency, "");

  /* A failed read leaves the file cleared. */
  rc = es_compare_file_read(&file, "old.h5", NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK(file.path == NULL && file.strategy == NULL && file.n_years == 0);
  es_compare_file_clear(&file);
  es_compare_file_clear(NULL);

  const char *names[] = {
      "students", "unmet_seats", "idle_seats", "over_standard_share",
      "gini",     "transfers",   "hires",      "seats_built",
      "cost"};
  for (size_t v = 0; v < ES_COMPARE_N_VARS; v++) {
    ES_CHECK_STR_EQ(es_compare_var_name((enum es_compare_var)v), names[v]);
  }
  ES_CHECK_STR_EQ(es_compare_metric_name(ES_COMPARE_TRANSFERS), "transfers");
  ES_CHECK_STR_EQ(es_compare_metric_name(ES_COMPARE_N_METRICS), "?");
}

/* ---- aggregation --------------------------------------------------------- */

/* Build the comparison of @p paths with @p opts into @p table. */
static int build(const char *const *paths, const size_t n_paths,
                 const struct es_compare_options *opts,
                 struct es_compare_table *table, struct es_error *err) {
  struct es_compare_file files[4];
  ES_ASSERT(n_paths <= 4);
  int rc = ES_OK;
  for (size_t f = 0; f < n_paths; f++) {
    es_compare_file_init(&files[f]);
  }
  for (size_t f = 0; f < n_paths && rc == ES_OK; f++) {
    rc = es_compare_file_read(&files[f], paths[f], NULL, err);
  }
  if (rc == ES_OK) {
    rc = es_compare_build(table, files, n_paths, opts, err);
  }
  for (size_t f = 0; f < n_paths; f++) {
    es_compare_file_clear(&files[f]);
  }
  return rc;
}

/* Check the 8 values of a row, in metric order. */
static void check_values(const double *got, const double *want,
                         const char *what) {
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    if (memcmp(&got[m], &want[m], sizeof got[m]) != 0 &&
        !(isnan(got[m]) && isnan(want[m]))) {
      printf("  in %s, %s:\n", what,
             es_compare_metric_name((enum es_compare_metric)m));
    }
    ES_CHECK_DOUBLE_EQ(got[m], want[m]);
  }
}

static void test_aggregation(void) {
  const char *a[] = {"a.h5"};
  struct es_compare_table t;
  struct es_error err;
  es_compare_table_init(&t);
  es_error_clear(&err);

  /* Defaults: the last year (2022), all stages, baseline rank. Counts at
   * 2022 summed over primary and junior; shares weighted by students 1536
   * and 512 (0.75 and 0.25); flows summed over 2021 and 2022 only. */
  struct es_compare_options opts = {0};
  int rc = build(a, 1, &opts, &t, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(t.n_rows, 2);
  ES_CHECK_INT_EQ(t.year, 2022);
  ES_CHECK_INT_EQ(t.first_year, 2020);
  ES_CHECK(t.stage == NULL);
  ES_CHECK_INT_EQ(t.i_baseline, 0);
  ES_CHECK_STR_EQ(t.currency, "CNY");
  ES_CHECK_STR_EQ(t.rows[0].label, "rank");
  ES_CHECK_STR_EQ(t.rows[1].label, "resident");
  ES_CHECK_STR_EQ(t.rows[1].strategy, "resident");
  ES_CHECK_INT_EQ(t.rows[1].i_strategy, 1);
  /* unmet 150+50; idle 12000+4000; share 0.75*0.25+0.25*0.5; gini
   * 0.75*0.125+0.25*0.25; transfers 10+5+20+7; hires 100+50+25+25; built 0;
   * cost 1.5e9+0.5e9+1.5e9+0.5e9 (not the 2020 values 1000 and 9e9). */
  const double rank_2022[] = {200, 16000, 0.3125, 0.15625, 42, 200, 0, 4e9};
  const double resident_2022[] = {150, 18000, 0.15625, 0.3125,
                                  0,   300,   750,     5e9};
  check_values(t.rows[0].value, rank_2022, "rank 2022");
  check_values(t.rows[1].value, resident_2022, "resident 2022");
  const double zero[] = {0, 0, 0, 0, 0, 0, 0, 0};
  const double one[] = {1, 1, 1, 1, 1, 1, NAN, 1};
  const double pct0[] = {0, 0, 0, 0, 0, 0, NAN, 0};
  check_values(t.rows[0].diff, zero, "rank diff");
  check_values(t.rows[0].ratio, one, "rank ratio");
  check_values(t.rows[0].pct, pct0, "rank pct");
  const double diff[] = {-50, 2000, -0.15625, 0.15625, -42, 100, 750, 1e9};
  const double ratio[] = {0.75, 1.125, 0.5, 2, 0, 1.5, NAN, 1.25};
  const double pct[] = {-25, 12.5, -50, 100, -100, 50, NAN, 25};
  check_values(t.rows[1].diff, diff, "resident diff");
  check_values(t.rows[1].ratio, ratio, "resident ratio");
  check_values(t.rows[1].pct, pct, "resident pct");

  /* Baseline resident: rank against it; seats built 0 vs 750. */
  opts.baseline = "resident";
  rc = build(a, 1, &opts, &t, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(t.i_baseline, 1);
  const double rank_diff[] = {50, -2000, 0.15625, -0.15625,
                              42, -100,  -750,    -1e9};
  const double rank_ratio[] = {200.0 / 150.0, 16000.0 / 18000.0, 2, 0.5,
                               NAN,           200.0 / 300.0,     0, 0.8};
  const double rank_pct[] = {100.0 * 50 / 150,
                             100.0 * -2000 / 18000,
                             100,
                             -50,
                             NAN,
                             100.0 * -100 / 300,
                             -100,
                             -20};
  check_values(t.rows[0].diff, rank_diff, "rank vs resident diff");
  check_values(t.rows[0].ratio, rank_ratio, "rank vs resident ratio");
  check_values(t.rows[0].pct, rank_pct, "rank vs resident pct");

  /* 2021: flows of 2021 only; shares weighted by 1100 and 600. */
  opts = (struct es_compare_options){.have_year = true, .year = 2021};
  rc = build(a, 1, &opts, &t, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(t.year, 2021);
  const double rank_2021[] = {70,
                              15000,
                              (0.375 * 1100 + 0.5 * 600) / 1700,
                              (0.15 * 1100 + 0.2 * 600) / 1700,
                              15,
                              150,
                              0,
                              2e9};
  const double resident_2021[] = {75,
                                  16000,
                                  (0.25 * 1100 + 0.5 * 600) / 1700,
                                  (0.1875 * 1100 + 0.25 * 600) / 1700,
                                  0,
                                  200,
                                  500,
                                  2.5e9};
  check_values(t.rows[0].value, rank_2021, "rank 2021");
  check_values(t.rows[1].value, resident_2021, "resident 2021");

  /* 2020, the observed year: no flows, so ratios of flows are NaN. */
  opts.year = 2020;
  rc = build(a, 1, &opts, &t, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  const double rank_2020[] = {30, 14000, 0.5, 0.2, 0, 0, 0, 0};
  check_values(t.rows[0].value, rank_2020, "rank 2020");
  check_values(t.rows[1].value, rank_2020, "resident 2020");
  const double ratio_2020[] = {1, 1, 1, 1, NAN, NAN, NAN, NAN};
  check_values(t.rows[1].ratio, ratio_2020, "resident 2020 ratio");

  /* One stage: its own share and gini, its flows. */
  opts = (struct es_compare_options){.stage = "junior"};
  rc = build(a, 1, &opts, &t, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_STR_EQ(t.stage, "junior");
  const double rank_junior[] = {50, 4000, 0.5, 0.25, 12, 75, 0, 1e9};
  const double resident_junior[] = {50, 4000, 0.25, 0.5, 0, 100, 0, 1e9};
  check_values(t.rows[0].value, rank_junior, "rank junior");
  check_values(t.rows[1].value, resident_junior, "resident junior");
  const double ratio_junior[] = {1, 1, 0.5, 2, 0, 100.0 / 75, NAN, 1};
  check_values(t.rows[1].ratio, ratio_junior, "resident junior ratio");

  es_compare_table_clear(&t);
  es_compare_table_clear(NULL);
}

/* A one-strategy, one-year file in memory, for the weighting rules. */
static void set_file(struct es_compare_file *f, const double students[2],
                     const double gini[2], const double share[2]) {
  static const char *const stage_names[2] = {"primary", "junior"};
  es_compare_file_clear(f);
  f->path = dup_text("memory.h5");
  f->scenario = dup_text("memory");
  f->currency = dup_text("");
  f->n_strategies = 1;
  f->n_years = 1;
  f->n_stages = 2;
  f->strategy = dup_texts(two_strategies, 1);
  f->year = malloc(sizeof *f->year);
  ES_ASSERT(f->year != NULL);
  f->year[0] = 2030;
  f->stage = dup_texts(stage_names, 2);
  for (size_t v = 0; v < ES_COMPARE_N_VARS; v++) {
    f->values[v] = calloc(2, sizeof *f->values[v]);
    ES_ASSERT(f->values[v] != NULL);
  }
  for (size_t k = 0; k < 2; k++) {
    f->values[ES_COMPARE_VAR_STUDENTS][k] = students[k];
    f->values[ES_COMPARE_VAR_GINI][k] = gini[k];
    f->values[ES_COMPARE_VAR_OVER_STANDARD_SHARE][k] = share[k];
    f->values[ES_COMPARE_VAR_COST][k] = 1e6; /* t0: never summed */
  }
}

static void test_weights(void) {
  struct es_compare_file f;
  struct es_compare_table t;
  struct es_error err;
  es_compare_file_init(&f);
  es_compare_table_init(&t);
  es_error_clear(&err);
  const struct es_compare_options opts = {0};

  /* A stage without students (NaN share and gini, MODEL 7) has no weight. */
  set_file(&f, (const double[]){0, 400}, (const double[]){NAN, 0.375},
           (const double[]){NAN, 0.625});
  int rc = es_compare_build(&t, &f, 1, &opts, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_DOUBLE_EQ(t.rows[0].value[ES_COMPARE_GINI], 0.375);
  ES_CHECK_DOUBLE_EQ(t.rows[0].value[ES_COMPARE_OVER_STANDARD_SHARE], 0.625);
  ES_CHECK_DOUBLE_EQ(t.rows[0].value[ES_COMPARE_COST], 0.0);
  ES_CHECK_STR_EQ(t.currency, "");
  /* Weights 300 and 100: 0.75 * 0.5 + 0.25 * 0.125. */
  set_file(&f, (const double[]){300, 100}, (const double[]){0.5, 0.125},
           (const double[]){0.25, 1.0});
  rc = es_compare_build(&t, &f, 1, &opts, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_DOUBLE_EQ(t.rows[0].value[ES_COMPARE_GINI], 0.40625);
  ES_CHECK_DOUBLE_EQ(t.rows[0].value[ES_COMPARE_OVER_STANDARD_SHARE], 0.4375);
  /* No students at all: NaN, and NaN ratios against it. */
  set_file(&f, (const double[]){0, 0}, (const double[]){NAN, NAN},
           (const double[]){NAN, NAN});
  rc = es_compare_build(&t, &f, 1, &opts, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK(isnan(t.rows[0].value[ES_COMPARE_GINI]));
  ES_CHECK(isnan(t.rows[0].value[ES_COMPARE_OVER_STANDARD_SHARE]));
  ES_CHECK(isnan(t.rows[0].ratio[ES_COMPARE_GINI]));
  ES_CHECK_DOUBLE_EQ(t.rows[0].value[ES_COMPARE_UNMET_SEATS], 0.0);
  rc = es_compare_build(&t, &f, 0, &opts, &err);
  ES_CHECK_INT_EQ(rc, ES_EINVAL);
  es_compare_table_clear(&t);
  es_compare_file_clear(&f);
}

/* ---- output formats, byte for byte --------------------------------------- */

/* Defaults on a.h5: 2022, all stages, baseline rank. */
static const char expected_table[] =
    "edusim compare: a.h5 (scenario tiny)\n"
    "year: 2022 (teachers moved and hired, seats built and cost: sums over "
    "2021-2022)\n"
    "stage: all (counts summed; over-standard share and gini weighted by "
    "students)\n"
    "baseline: rank\n"
    "currency: CNY\n"
    "\n"
    "           unmet    idle  over-std     gini  teachers  teachers  seats    "
    "cost\n"
    "strategy   seats   seats     share      (*)     moved     hired  built    "
    " CNY\n"
    "rank         200  16,000     31.2%   0.1562        42       200      0   "
    "4.00B\n"
    "resident     150  18,000     15.6%   0.3125         0       300    750   "
    "5.00B\n"
    "\n"
    "difference vs baseline rank\n"
    "           unmet    idle  over-std     gini  teachers  teachers  seats    "
    "cost\n"
    "strategy   seats   seats     share      (*)     moved     hired  built    "
    " CNY\n"
    "rank           0       0   +0.0 pp  +0.0000         0         0      0    "
    "   0\n"
    "resident     -50  +2,000  -15.6 pp  +0.1562       -42      +100   +750  "
    "+1.00B\n"
    "\n"
    "percent change vs baseline rank\n"
    "           unmet    idle  over-std     gini  teachers  teachers  seats    "
    "cost\n"
    "strategy   seats   seats     share      (*)     moved     hired  built    "
    " CNY\n"
    "rank       +0.0%   +0.0%     +0.0%    +0.0%     +0.0%     +0.0%    n/a   "
    "+0.0%\n"
    "resident  -25.0%  +12.5%    -50.0%  +100.0%   -100.0%    +50.0%    n/a  "
    "+25.0%\n"
    "\n"
    "(*) gini (student-weighted mean of stages)\n";

static const char expected_csv[] =
    "label,scenario,strategy,year,stage,unmet_seats,unmet_seats_diff,unmet_"
    "seats_ratio,unmet_seats_pct,idle_seats,idle_seats_diff,idle_seats_ratio,"
    "idle_seats_pct,over_standard_share,over_standard_share_diff,over_standard_"
    "share_ratio,over_standard_share_pct,gini,gini_diff,gini_ratio,gini_pct,"
    "transfers,transfers_diff,transfers_ratio,transfers_pct,hires,hires_diff,"
    "hires_ratio,hires_pct,seats_built,seats_built_diff,seats_built_ratio,"
    "seats_built_pct,cost,cost_diff,cost_ratio,cost_pct\n"
    "rank,tiny,rank,2022,all,200,0,1,0,16000,0,1,0,0.3125,0,1,0,0.15625,0,1,0,"
    "42,0,1,0,200,0,1,0,0,0,NaN,NaN,4000000000,0,1,0\n"
    "resident,tiny,resident,2022,all,150,-50,0.75,-25,18000,2000,1.125,12.5,0."
    "15625,-0.15625,0.5,-50,0.3125,0.15625,2,100,0,-42,0,-100,300,100,1.5,50,"
    "750,750,NaN,NaN,5000000000,1000000000,1.25,25\n";

static const char expected_markdown[] =
    "Strategies compared by edusim compare:\n"
    "\n"
    "- file: `a.h5` (scenario tiny)\n"
    "- year: 2022 (teachers moved and hired, seats built and cost: sums over "
    "2021-2022)\n"
    "- stage: all (counts summed; over-standard share and gini weighted by "
    "students)\n"
    "- baseline: rank\n"
    "- currency: CNY\n"
    "\n"
    "| strategy | unmet seats | idle seats | over-standard share | gini "
    "(student-weighted mean of stages) | teachers moved | teachers hired | "
    "seats built | cost (CNY) |\n"
    "| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    "| rank | 200 | 16,000 | 31.2% | 0.1562 | 42 | 200 | 0 | 4.00B |\n"
    "| resident | 150 | 18,000 | 15.6% | 0.3125 | 0 | 300 | 750 | 5.00B |\n"
    "\n"
    "Difference vs baseline rank (percent change):\n"
    "\n"
    "| strategy | unmet seats | idle seats | over-standard share | gini "
    "(student-weighted mean of stages) | teachers moved | teachers hired | "
    "seats built | cost (CNY) |\n"
    "| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
    "| rank | 0 (+0.0%) | 0 (+0.0%) | +0.0 pp (+0.0%) | +0.0000 (+0.0%) | 0 "
    "(+0.0%) | 0 (+0.0%) | 0 (n/a) | 0 (+0.0%) |\n"
    "| resident | -50 (-25.0%) | +2,000 (+12.5%) | -15.6 pp (-50.0%) | +0.1562 "
    "(+100.0%) | -42 (-100.0%) | +100 (+50.0%) | +750 (n/a) | +1.00B (+25.0%) "
    "|\n";

static const char expected_json[] =
    "{\n"
    "  \"metadata\": {\n"
    "    \"files\": [\"a.h5\"],\n"
    "    \"scenarios\": [\"tiny\"],\n"
    "    \"year\": 2022,\n"
    "    \"first_year\": 2020,\n"
    "    \"sums_over\": [2021, 2022],\n"
    "    \"stage\": \"all\",\n"
    "    \"statistic\": \"mean\",\n"
    "    \"baseline\": \"rank\",\n"
    "    \"currency\": \"CNY\",\n"
    "    \"gini\": \"gini (student-weighted mean of stages)\",\n"
    "    \"units\": {\"unmet_seats\": \"seats\", \"idle_seats\": \"seats\", "
    "\"over_standard_share\": \"1\", \"gini\": \"1\", \"transfers\": "
    "\"teachers\", \"hires\": \"teachers\", \"seats_built\": \"seats\", "
    "\"cost\": \"CNY\"}\n"
    "  },\n"
    "  \"rows\": [\n"
    "    {\"label\": \"rank\", \"file\": \"a.h5\", \"scenario\": \"tiny\", "
    "\"strategy\": \"rank\", \"unmet_seats\": 200, \"unmet_seats_diff\": 0, "
    "\"unmet_seats_ratio\": 1, \"unmet_seats_pct\": 0, \"idle_seats\": 16000, "
    "\"idle_seats_diff\": 0, \"idle_seats_ratio\": 1, \"idle_seats_pct\": 0, "
    "\"over_standard_share\": 0.3125, \"over_standard_share_diff\": 0, "
    "\"over_standard_share_ratio\": 1, \"over_standard_share_pct\": 0, "
    "\"gini\": 0.15625, \"gini_diff\": 0, \"gini_ratio\": 1, \"gini_pct\": 0, "
    "\"transfers\": 42, \"transfers_diff\": 0, \"transfers_ratio\": 1, "
    "\"transfers_pct\": 0, \"hires\": 200, \"hires_diff\": 0, \"hires_ratio\": "
    "1, \"hires_pct\": 0, \"seats_built\": 0, \"seats_built_diff\": 0, "
    "\"seats_built_ratio\": null, \"seats_built_pct\": null, \"cost\": "
    "4000000000, \"cost_diff\": 0, \"cost_ratio\": 1, \"cost_pct\": 0},\n"
    "    {\"label\": \"resident\", \"file\": \"a.h5\", \"scenario\": \"tiny\", "
    "\"strategy\": \"resident\", \"unmet_seats\": 150, \"unmet_seats_diff\": "
    "-50, \"unmet_seats_ratio\": 0.75, \"unmet_seats_pct\": -25, "
    "\"idle_seats\": 18000, \"idle_seats_diff\": 2000, \"idle_seats_ratio\": "
    "1.125, \"idle_seats_pct\": 12.5, \"over_standard_share\": 0.15625, "
    "\"over_standard_share_diff\": -0.15625, \"over_standard_share_ratio\": "
    "0.5, \"over_standard_share_pct\": -50, \"gini\": 0.3125, \"gini_diff\": "
    "0.15625, \"gini_ratio\": 2, \"gini_pct\": 100, \"transfers\": 0, "
    "\"transfers_diff\": -42, \"transfers_ratio\": 0, \"transfers_pct\": -100, "
    "\"hires\": 300, \"hires_diff\": 100, \"hires_ratio\": 1.5, \"hires_pct\": "
    "50, \"seats_built\": 750, \"seats_built_diff\": 750, "
    "\"seats_built_ratio\": null, \"seats_built_pct\": null, \"cost\": "
    "5000000000, \"cost_diff\": 1000000000, \"cost_ratio\": 1.25, "
    "\"cost_pct\": 25}\n"
    "  ]\n"
    "}\n";

/* The observed year, one stage, baseline resident: no flows, so their
 * percent changes are n/a; no gini footnote. */
static const char expected_table_2020_junior[] =
    "edusim compare: a.h5 (scenario tiny)\n"
    "year: 2020 (the observed first year: no teachers moved or hired, no seats "
    "built, no cost)\n"
    "stage: junior\n"
    "baseline: resident\n"
    "currency: CNY\n"
    "\n"
    "          unmet   idle  over-std     gini  teachers  teachers  seats  "
    "cost\n"
    "strategy  seats  seats     share              moved     hired  built   "
    "CNY\n"
    "rank         20  3,000     50.0%   0.2000         0         0      0     "
    "0\n"
    "resident     20  3,000     50.0%   0.2000         0         0      0     "
    "0\n"
    "\n"
    "difference vs baseline resident\n"
    "          unmet   idle  over-std     gini  teachers  teachers  seats  "
    "cost\n"
    "strategy  seats  seats     share              moved     hired  built   "
    "CNY\n"
    "rank          0      0   +0.0 pp  +0.0000         0         0      0     "
    "0\n"
    "resident      0      0   +0.0 pp  +0.0000         0         0      0     "
    "0\n"
    "\n"
    "percent change vs baseline resident\n"
    "          unmet   idle  over-std     gini  teachers  teachers  seats  "
    "cost\n"
    "strategy  seats  seats     share              moved     hired  built   "
    "CNY\n"
    "rank      +0.0%  +0.0%     +0.0%    +0.0%       n/a       n/a    n/a   "
    "n/a\n"
    "resident  +0.0%  +0.0%     +0.0%    +0.0%       n/a       n/a    n/a   "
    "n/a\n";

/* Two files of the same scenario: labelled by path; baseline by label. */
static const char expected_csv_same_scenario[] =
    "label,scenario,strategy,year,stage,unmet_seats,unmet_seats_diff,unmet_"
    "seats_ratio,unmet_seats_pct,idle_seats,idle_seats_diff,idle_seats_ratio,"
    "idle_seats_pct,over_standard_share,over_standard_share_diff,over_standard_"
    "share_ratio,over_standard_share_pct,gini,gini_diff,gini_ratio,gini_pct,"
    "transfers,transfers_diff,transfers_ratio,transfers_pct,hires,hires_diff,"
    "hires_ratio,hires_pct,seats_built,seats_built_diff,seats_built_ratio,"
    "seats_built_pct,cost,cost_diff,cost_ratio,cost_pct\n"
    "a.h5/"
    "rank,tiny,rank,2022,all,200,50,1.3333333333333333,33.333333333333336,"
    "16000,-2000,0.88888888888888884,-11.111111111111111,0.3125,0.15625,2,100,"
    "0.15625,-0.15625,0.5,-50,42,42,NaN,NaN,200,-100,0.66666666666666663,-33."
    "333333333333336,0,-750,0,-100,4000000000,-1000000000,0.80000000000000004,-"
    "20\n"
    "a.h5/"
    "resident,tiny,resident,2022,all,150,0,1,0,18000,0,1,0,0.15625,0,1,0,0."
    "3125,0,1,0,0,0,NaN,NaN,300,0,1,0,750,0,1,0,5000000000,0,1,0\n"
    "c.h5/"
    "rank,tiny,rank,2022,all,200,50,1.3333333333333333,33.333333333333336,"
    "16000,-2000,0.88888888888888884,-11.111111111111111,0.3125,0.15625,2,100,"
    "0.15625,-0.15625,0.5,-50,42,42,NaN,NaN,200,-100,0.66666666666666663,-33."
    "333333333333336,0,-750,0,-100,4000000000,-1000000000,0.80000000000000004,-"
    "20\n";

/* Two scenarios: labelled scenario/strategy; baseline need names one row. */
static const char expected_table_two_files[] =
    "edusim compare: a.h5 (scenario tiny)\n"
    "                b.h5 (scenario low)\n"
    "year: 2022 (teachers moved and hired, seats built and cost: sums over "
    "2021-2022)\n"
    "stage: all (counts summed; over-standard share and gini weighted by "
    "students)\n"
    "baseline: low/need\n"
    "currency: CNY\n"
    "\n"
    "                unmet    idle  over-std     gini  teachers  teachers  "
    "seats    cost\n"
    "strategy        seats   seats     share      (*)     moved     hired  "
    "built     CNY\n"
    "tiny/rank         200  16,000     31.2%   0.1562        42       200      "
    "0   4.00B\n"
    "tiny/resident     150  18,000     15.6%   0.3125         0       300    "
    "750   5.00B\n"
    "low/rank          150  18,000     15.6%   0.3125         0       300    "
    "750   5.00B\n"
    "low/need          200  16,000     31.2%   0.1562        42       200      "
    "0   4.00B\n"
    "\n"
    "difference vs baseline low/need\n"
    "                unmet    idle  over-std     gini  teachers  teachers  "
    "seats    cost\n"
    "strategy        seats   seats     share      (*)     moved     hired  "
    "built     CNY\n"
    "tiny/rank           0       0   +0.0 pp  +0.0000         0         0      "
    "0       0\n"
    "tiny/resident     -50  +2,000  -15.6 pp  +0.1562       -42      +100   "
    "+750  +1.00B\n"
    "low/rank          -50  +2,000  -15.6 pp  +0.1562       -42      +100   "
    "+750  +1.00B\n"
    "low/need            0       0   +0.0 pp  +0.0000         0         0      "
    "0       0\n"
    "\n"
    "percent change vs baseline low/need\n"
    "                unmet    idle  over-std     gini  teachers  teachers  "
    "seats    cost\n"
    "strategy        seats   seats     share      (*)     moved     hired  "
    "built     CNY\n"
    "tiny/rank       +0.0%   +0.0%     +0.0%    +0.0%     +0.0%     +0.0%    "
    "n/a   +0.0%\n"
    "tiny/resident  -25.0%  +12.5%    -50.0%  +100.0%   -100.0%    +50.0%    "
    "n/a  +25.0%\n"
    "low/rank       -25.0%  +12.5%    -50.0%  +100.0%   -100.0%    +50.0%    "
    "n/a  +25.0%\n"
    "low/need        +0.0%   +0.0%     +0.0%    +0.0%     +0.0%     +0.0%    "
    "n/a   +0.0%\n"
    "\n"
    "(*) gini (student-weighted mean of stages)\n";

static void test_formats(void) {
  const char *a[] = {"a.h5"};
  const char *ac[] = {"a.h5", "c.h5"};
  const char *ab[] = {"a.h5", "b.h5"};
  struct es_compare_options opts = {0};
  expect_output(a, 1, &opts, expected_table);
  opts.format = ES_COMPARE_FORMAT_CSV;
  expect_output(a, 1, &opts, expected_csv);
  opts.format = ES_COMPARE_FORMAT_MARKDOWN;
  expect_output(a, 1, &opts, expected_markdown);
  opts.format = ES_COMPARE_FORMAT_JSON;
  expect_output(a, 1, &opts, expected_json);
  opts = (struct es_compare_options){.have_year = true,
                                     .year = 2020,
                                     .stage = "junior",
                                     .baseline = "resident"};
  expect_output(a, 1, &opts, expected_table_2020_junior);
  opts = (struct es_compare_options){.baseline = "a.h5/resident",
                                     .format = ES_COMPARE_FORMAT_CSV};
  expect_output(ac, 2, &opts, expected_csv_same_scenario);
  opts = (struct es_compare_options){.baseline = "need"};
  expect_output(ab, 2, &opts, expected_table_two_files);
  /* The baseline by its full label, where the strategy alone is
   * ambiguous. */
  struct es_compare_table t;
  struct es_error err;
  es_compare_table_init(&t);
  opts = (struct es_compare_options){.baseline = "low/rank"};
  ES_CHECK_INT_EQ(build(ab, 2, &opts, &t, &err), ES_OK);
  ES_CHECK_INT_EQ(t.i_baseline, 2);
  ES_CHECK_STR_EQ(t.rows[3].label, "low/need");
  ES_CHECK_DOUBLE_EQ(t.rows[0].pct[ES_COMPARE_COST], -20.0);
  es_compare_table_clear(&t);

  /* Format names. */
  enum es_compare_format format = ES_COMPARE_FORMAT_TABLE;
  ES_CHECK(es_compare_format_from_name("json", &format));
  ES_CHECK_INT_EQ(format, ES_COMPARE_FORMAT_JSON);
  ES_CHECK(es_compare_format_from_name("markdown", &format));
  ES_CHECK_INT_EQ(format, ES_COMPARE_FORMAT_MARKDOWN);
  ES_CHECK(es_compare_format_from_name("csv", &format));
  ES_CHECK_INT_EQ(format, ES_COMPARE_FORMAT_CSV);
  ES_CHECK(es_compare_format_from_name("table", &format));
  ES_CHECK_INT_EQ(format, ES_COMPARE_FORMAT_TABLE);
  ES_CHECK(!es_compare_format_from_name("xml", &format));
  ES_CHECK(!es_compare_format_from_name("CSV", &format));
}

/* ---- errors -------------------------------------------------------------- */

static void test_errors(void) {
  const struct es_compare_options none = {0};
  const char *one[1];
#define EXPECTED_FILE "expected a results file written by edusim run"
  one[0] = "missing.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "missing.h5: no such file (" EXPECTED_FILE ")");
  one[0] = "nowhere/missing.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "nowhere/missing.h5: no such file (" EXPECTED_FILE ")");
  one[0] = "text.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "text.h5: not an HDF5 file (" EXPECTED_FILE ")");
  one[0] = "folder.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "folder.h5: is a folder (" EXPECTED_FILE ")");
#undef EXPECTED_FILE
  one[0] = "old.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "old.h5: no group 'indicators' (expected the indicators of "
                 "the allocation strategies, which files written by older "
                 "versions of edusim lack: run the scenario again)");
  one[0] = "no_cost.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "no_cost.h5: indicators/cost is missing (expected float64 "
                 "[strategy, statistic, year, stage])");
  one[0] = "shape.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "shape.h5: indicators/cost has the wrong type or shape "
                 "(expected float64 [strategy, statistic, year, stage] = [2 x "
                 "2 x 3 x 2])");
  one[0] = "no_mean.h5";
  expect_failure(one, 1, &none, ES_EINPUT,
                 "no_mean.h5: indicators has no statistic 'mean' (expected "
                 "'mean' among: p05, p95)");

  one[0] = "a.h5";
  struct es_compare_options opts = {.have_year = true, .year = 2031};
  expect_failure(one, 1, &opts, ES_EINPUT,
                 "--year 2031: not a year of the results (expected a year "
                 "from 2020 to 2022)");
  opts.year = 2019;
  expect_failure(one, 1, &opts, ES_EINPUT,
                 "--year 2019: not a year of the results (expected a year "
                 "from 2020 to 2022)");
  opts = (struct es_compare_options){.stage = "senior"};
  expect_failure(one, 1, &opts, ES_EINPUT,
                 "--stage 'senior': unknown stage (expected one of: primary, "
                 "junior)");
  opts = (struct es_compare_options){.baseline = "hukou"};
  expect_failure(one, 1, &opts, ES_EINPUT,
                 "--baseline 'hukou': unknown strategy (expected one of: "
                 "rank, resident)");

  const char *ab[] = {"a.h5", "b.h5"};
  opts = (struct es_compare_options){.baseline = "rank"};
  expect_failure(ab, 2, &opts, ES_EINPUT,
                 "--baseline 'rank': ambiguous, 2 files have that strategy "
                 "(expected one of: tiny/rank, low/rank)");
  opts = (struct es_compare_options){.baseline = "tiny/need"};
  expect_failure(ab, 2, &opts, ES_EINPUT,
                 "--baseline 'tiny/need': unknown strategy (expected one of: "
                 "tiny/rank, tiny/resident, low/rank, low/need)");

  const char *years[] = {"a.h5", "years.h5"};
  expect_failure(years, 2, &none, ES_EINPUT,
                 "years.h5: years 2020..2023 differ from those of a.h5 "
                 "(expected the same years in every file: 2020..2022)");
  const char *stages[] = {"a.h5", "stages.h5"};
  expect_failure(stages, 2, &none, ES_EINPUT,
                 "stages.h5: stages (primary, senior) differ from those of "
                 "a.h5 (expected the same stages in every file: primary, "
                 "junior)");
  const char *currency[] = {"a.h5", "currency.h5"};
  expect_failure(currency, 2, &none, ES_EINPUT,
                 "currency.h5: currency 'USD' differs from 'CNY' of a.h5 "
                 "(expected the same currency in every file)");
  /* The second file is read, and its error reported, too. */
  const char *second[] = {"a.h5", "old.h5"};
  char *text = NULL;
  struct es_error err;
  ES_CHECK_INT_EQ(run_compare(second, 2, &none, &text, &err), ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "old.h5: no group 'indicators'");
  free(text);

  expect_failure(one, 0, &none, ES_EINVAL, "es_compare: no results file");
  expect_failure(NULL, 1, &none, ES_EINVAL, "es_compare: no results file");
}

int main(void) {
  char dir[] = "/tmp/es_test_compare_XXXXXX";
  ES_ASSERT(mkdtemp(dir) != NULL);
  ES_ASSERT(chdir(dir) == 0);
  make_fixtures();
  test_reader();
  test_aggregation();
  test_weights();
  test_formats();
  test_errors();
  remove_fixtures();
  ES_ASSERT(chdir("/") == 0);
  ES_CHECK_INT_EQ(rmdir(dir), 0);
  return es_test_summary();
}
