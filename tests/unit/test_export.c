/* test_export.c: `edusim export` as a library call (output/export.h).
 *
 * A small results file is written with es_results_write: groups population
 * [statistic, year, region, age] with values chosen to exercise the number
 * format (0.1, -0, 1e21, the smallest subnormal, 1/3, +-Inf, NaN), demand
 * [statistic, year, region, stage], indicators [strategy, statistic, year,
 * stage] with its own statistics (mean, p05), and a group "extra" whose two
 * variables do not share their dimensions; region names in Chinese and one
 * with a comma and quotes, a Chinese stage name, a strategy "a,b"; sources
 * with a path, a path whose base name another source has, a path without a
 * base name and a binary file (kept as base64 in the results file). Every CSV
 * is compared byte for byte with text computed independently (Python's
 * '%.17g', RFC 4180 quoting by hand); the scenario files with the sources'
 * bytes; metadata.csv line by line. Then the options (--group, --statistic
 * with groups left out, --force) and every error a user can reach: a missing
 * file, a folder, a text file, an HDF5 file that edusim did not write, an
 * unknown group or statistic, a statistic with no statistic axis, a folder
 * that is not empty or is a file, and a write failure (a file-size limit),
 * which must leave no CSV, no temporary file and no folder behind. */
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "es_test.h"
#include "output/export.h"
#include "output/results.h"

/* ---- the results file -------------------------------------------------- */

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

static int32_t *dup_ints(const int32_t *src, const size_t n) {
  int32_t *out = malloc(n * sizeof *out);
  ES_ASSERT(out != NULL);
  memcpy(out, src, n * sizeof *out);
  return out;
}

static const char *const strategies[] = {"rank", "a,b"};
static const char *const statistics[] = {"mean", "sd"};
static const char *const indicator_statistics[] = {"mean", "p05"};
static const int32_t years[] = {2020, 2021};
static const char *const regions[] = {"500103", "510104"};
static const char *const region_names[] = {"渝中区", "Name, \"quoted\""};
static const char *const provinces[] = {"重庆市", "四川省"};
static const int32_t ranks[] = {1, 2};
static const int32_t ages[] = {0, 1};
static const char *const stages[] = {"primary", "初中"};
static const int32_t age_lo[] = {6, 12};
static const int32_t age_hi[] = {11, 14};
static const double ptr_standard[] = {19.0, 13.5};

static const char binary_bytes[] = {'\xff', '\xfe', '\0', 'a'};
static const char regions_text[] = "code,name\n500103,渝中区\n";
static const char population_text[] = "region,age\n500103,0\n";

static const enum es_dim pop_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                       ES_DIM_REGION, ES_DIM_AGE};
static const enum es_dim demand_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                          ES_DIM_REGION, ES_DIM_STAGE};
static const enum es_dim indicator_dims[] = {
    ES_DIM_STRATEGY, ES_DIM_INDICATOR_STATISTIC, ES_DIM_YEAR, ES_DIM_STAGE};
static const enum es_dim extra_a_dims[] = {ES_DIM_YEAR, ES_DIM_STAGE};
static const enum es_dim extra_b_dims[] = {ES_DIM_YEAR};

static void add_source(struct es_source_file *src, const char *role,
                       const char *path, const char *bytes, const size_t size) {
  src->role = dup_text(role);
  src->path = dup_text(path);
  src->bytes = malloc(size > 0 ? size : 1);
  ES_ASSERT(src->bytes != NULL);
  memcpy(src->bytes, bytes, size);
  src->size = size;
}

/* Write the results file of this test at @p path. */
static void write_results(const char *path) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  res.dim_len[ES_DIM_STRATEGY] = 2;
  res.dim_len[ES_DIM_STATISTIC] = 2;
  res.dim_len[ES_DIM_INDICATOR_STATISTIC] = 2;
  res.dim_len[ES_DIM_YEAR] = 2;
  res.dim_len[ES_DIM_REGION] = 2;
  res.dim_len[ES_DIM_AGE] = 2;
  res.dim_len[ES_DIM_STAGE] = 2;
  res.strategy = dup_texts(strategies, 2);
  res.statistic = dup_texts(statistics, 2);
  res.indicator_statistic = dup_texts(indicator_statistics, 2);
  res.year = dup_ints(years, 2);
  res.region = dup_texts(regions, 2);
  res.region_name = dup_texts(region_names, 2);
  res.region_province = dup_texts(provinces, 2);
  res.region_rank = dup_ints(ranks, 2);
  res.age = dup_ints(ages, 2);
  res.stage = dup_texts(stages, 2);
  res.stage_age_lo = dup_ints(age_lo, 2);
  res.stage_age_hi = dup_ints(age_hi, 2);
  res.stage_ptr_standard = malloc(sizeof ptr_standard);
  ES_ASSERT(res.stage_ptr_standard != NULL);
  memcpy(res.stage_ptr_standard, ptr_standard, sizeof ptr_standard);

  const double local[16] = {
      0.1,       2.385,    NAN,       -0.0,      1e21,
      -INFINITY, INFINITY, 12345.678, 1.0 / 3.0, 4.9406564584124654e-324,
      7,         8,        9,         10,        11,
      12};
  double *v = es_results_add(&res, "population", "local", "local", "persons", 4,
                             pop_dims, &err);
  ES_ASSERT(v != NULL);
  memcpy(v, local, sizeof local);
  v = es_results_add(&res, "population", "migrant", "migrant", "persons", 4,
                     pop_dims, &err);
  ES_ASSERT(v != NULL);
  for (size_t i = 0; i < 16; i++) {
    v[i] = 0.5 * (double)i;
  }
  v = es_results_add(&res, "demand", "students", "students", "pupils", 4,
                     demand_dims, &err);
  ES_ASSERT(v != NULL);
  for (size_t i = 0; i < 16; i++) {
    v[i] = (double)i + 0.25;
  }
  v = es_results_add(&res, "indicators", "gini", "gini", "1", 4, indicator_dims,
                     &err);
  ES_ASSERT(v != NULL);
  for (size_t i = 0; i < 16; i++) {
    v[i] = (double)i / 8.0;
  }
  v = es_results_add(&res, "extra", "a", "a", "1", 2, extra_a_dims, &err);
  ES_ASSERT(v != NULL);
  for (size_t i = 0; i < 4; i++) {
    v[i] = 100.0 + (double)i;
  }
  v = es_results_add(&res, "extra", "b", "b", "1", 1, extra_b_dims, &err);
  ES_ASSERT(v != NULL);
  v[0] = NAN;
  v[1] = 2.5;

  res.title = dup_text("测试, \"t\"");
  res.software_version = dup_text("0.1.0 (test)");
  res.scenario_name = dup_text("unit");
  res.command = dup_text("cmd --x");
  res.mode = dup_text("stochastic");
  res.seed = 20201101;
  res.replicates = 3;
  res.currency = dup_text("CNY");
  res.scenario_resolved = dup_text("resolved: yes\n");
  res.n_sources = 5;
  res.sources = calloc(5, sizeof *res.sources);
  ES_ASSERT(res.sources != NULL);
  add_source(&res.sources[0], "scenario", "dir/my scenario.yaml", "name: t\n",
             8);
  add_source(&res.sources[1], "regions", "regions.csv", regions_text,
             strlen(regions_text));
  add_source(&res.sources[2], "population", "../other/regions.csv",
             population_text, strlen(population_text));
  add_source(&res.sources[3], "teachers", "data/", "t\n", 2);
  add_source(&res.sources[4], "migration", "mig.bin", binary_bytes,
             sizeof binary_bytes);
  int rc = es_results_write(&res, path, NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  if (rc != ES_OK) {
    printf("  %s\n", err.message);
  }
  es_results_clear(&res);
}

/* ---- expected CSV, from Python's '%.17g' and RFC 4180 by hand ------------ */

static const char expected_population[] =
    "statistic,year,region,region_name,region_province,age,local,migrant\n"
    "mean,2020,500103,渝中区,重庆市,0,0.10000000000000001,0\n"
    "mean,2020,500103,渝中区,重庆市,1,2.3849999999999998,0.5\n"
    "mean,2020,510104,\"Name, \"\"quoted\"\"\",四川省,0,,1\n"
    "mean,2020,510104,\"Name, \"\"quoted\"\"\",四川省,1,-0,1.5\n"
    "mean,2021,500103,渝中区,重庆市,0,1e+21,2\n"
    "mean,2021,500103,渝中区,重庆市,1,-Inf,2.5\n"
    "mean,2021,510104,\"Name, \"\"quoted\"\"\",四川省,0,Inf,3\n"
    "mean,2021,510104,\"Name, \"\"quoted\"\"\",四川省,1,12345.678,3.5\n"
    "sd,2020,500103,渝中区,重庆市,0,0.33333333333333331,4\n"
    "sd,2020,500103,渝中区,重庆市,1,4.9406564584124654e-324,4.5\n"
    "sd,2020,510104,\"Name, \"\"quoted\"\"\",四川省,0,7,5\n"
    "sd,2020,510104,\"Name, \"\"quoted\"\"\",四川省,1,8,5.5\n"
    "sd,2021,500103,渝中区,重庆市,0,9,6\n"
    "sd,2021,500103,渝中区,重庆市,1,10,6.5\n"
    "sd,2021,510104,\"Name, \"\"quoted\"\"\",四川省,0,11,7\n"
    "sd,2021,510104,\"Name, \"\"quoted\"\"\",四川省,1,12,7.5\n";
static const char expected_population_mean[] =
    "statistic,year,region,region_name,region_province,age,local,migrant\n"
    "mean,2020,500103,渝中区,重庆市,0,0.10000000000000001,0\n"
    "mean,2020,500103,渝中区,重庆市,1,2.3849999999999998,0.5\n"
    "mean,2020,510104,\"Name, \"\"quoted\"\"\",四川省,0,,1\n"
    "mean,2020,510104,\"Name, \"\"quoted\"\"\",四川省,1,-0,1.5\n"
    "mean,2021,500103,渝中区,重庆市,0,1e+21,2\n"
    "mean,2021,500103,渝中区,重庆市,1,-Inf,2.5\n"
    "mean,2021,510104,\"Name, \"\"quoted\"\"\",四川省,0,Inf,3\n"
    "mean,2021,510104,\"Name, \"\"quoted\"\"\",四川省,1,12345.678,3.5\n";
static const char expected_demand[] =
    "statistic,year,region,region_name,region_province,stage,students\n"
    "mean,2020,500103,渝中区,重庆市,primary,0.25\n"
    "mean,2020,500103,渝中区,重庆市,初中,1.25\n"
    "mean,2020,510104,\"Name, \"\"quoted\"\"\",四川省,primary,2.25\n"
    "mean,2020,510104,\"Name, \"\"quoted\"\"\",四川省,初中,3.25\n"
    "mean,2021,500103,渝中区,重庆市,primary,4.25\n"
    "mean,2021,500103,渝中区,重庆市,初中,5.25\n"
    "mean,2021,510104,\"Name, \"\"quoted\"\"\",四川省,primary,6.25\n"
    "mean,2021,510104,\"Name, \"\"quoted\"\"\",四川省,初中,7.25\n"
    "sd,2020,500103,渝中区,重庆市,primary,8.25\n"
    "sd,2020,500103,渝中区,重庆市,初中,9.25\n"
    "sd,2020,510104,\"Name, \"\"quoted\"\"\",四川省,primary,10.25\n"
    "sd,2020,510104,\"Name, \"\"quoted\"\"\",四川省,初中,11.25\n"
    "sd,2021,500103,渝中区,重庆市,primary,12.25\n"
    "sd,2021,500103,渝中区,重庆市,初中,13.25\n"
    "sd,2021,510104,\"Name, \"\"quoted\"\"\",四川省,primary,14.25\n"
    "sd,2021,510104,\"Name, \"\"quoted\"\"\",四川省,初中,15.25\n";
static const char expected_indicators[] =
    "strategy,statistic,year,stage,gini\n"
    "rank,mean,2020,primary,0\n"
    "rank,mean,2020,初中,0.125\n"
    "rank,mean,2021,primary,0.25\n"
    "rank,mean,2021,初中,0.375\n"
    "rank,p05,2020,primary,0.5\n"
    "rank,p05,2020,初中,0.625\n"
    "rank,p05,2021,primary,0.75\n"
    "rank,p05,2021,初中,0.875\n"
    "\"a,b\",mean,2020,primary,1\n"
    "\"a,b\",mean,2020,初中,1.125\n"
    "\"a,b\",mean,2021,primary,1.25\n"
    "\"a,b\",mean,2021,初中,1.375\n"
    "\"a,b\",p05,2020,primary,1.5\n"
    "\"a,b\",p05,2020,初中,1.625\n"
    "\"a,b\",p05,2021,primary,1.75\n"
    "\"a,b\",p05,2021,初中,1.875\n";
static const char expected_indicators_p05[] =
    "strategy,statistic,year,stage,gini\n"
    "rank,p05,2020,primary,0.5\n"
    "rank,p05,2020,初中,0.625\n"
    "rank,p05,2021,primary,0.75\n"
    "rank,p05,2021,初中,0.875\n"
    "\"a,b\",p05,2020,primary,1.5\n"
    "\"a,b\",p05,2020,初中,1.625\n"
    "\"a,b\",p05,2021,primary,1.75\n"
    "\"a,b\",p05,2021,初中,1.875\n";
static const char expected_extra_a[] =
    "year,stage,a\n"
    "2020,primary,100\n"
    "2020,初中,101\n"
    "2021,primary,102\n"
    "2021,初中,103\n";
static const char expected_extra_b[] =
    "year,b\n"
    "2020,\n"
    "2021,2.5\n";

/* ---- helpers ------------------------------------------------------------- */

/* The bytes of @p path, NUL-terminated, in a new buffer; NULL when missing. */
static char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  ES_ASSERT(buf != NULL);
  size_t got = 0;
  while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      cap *= 2;
      buf = realloc(buf, cap);
      ES_ASSERT(buf != NULL);
    }
  }
  fclose(f);
  buf[n] = '\0';
  if (size != NULL) {
    *size = n;
  }
  return buf;
}

static char *join(const char *dir, const char *name) {
  char *p = malloc(strlen(dir) + strlen(name) + 2);
  ES_ASSERT(p != NULL);
  sprintf(p, "%s/%s", dir, name);
  return p;
}

/* File @p name of @p dir equals @p expected, byte for byte. */
static void check_file(const char *dir, const char *name,
                       const char *expected) {
  char *path = join(dir, name);
  char *text = slurp(path, NULL);
  ES_CHECK(text != NULL);
  if (text != NULL) {
    ES_CHECK_STR_EQ(text, expected);
  } else {
    printf("  missing %s\n", path);
  }
  free(text);
  free(path);
}

static bool exists(const char *dir, const char *name) {
  char *path = join(dir, name);
  struct stat st;
  const bool found = stat(path, &st) == 0;
  free(path);
  return found;
}

/* Entries of @p dir (not . and ..), -1 when it cannot be opened; *@p hidden
 * counts those starting with '.' (temporary files). */
static long count_entries(const char *dir, long *hidden) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    return -1;
  }
  long n = 0;
  *hidden = 0;
  const struct dirent *e = NULL;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      continue;
    }
    n++;
    *hidden += e->d_name[0] == '.';
  }
  closedir(d);
  return n;
}

static void remove_tree(const char *path) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  ES_ASSERT(system(cmd) == 0);
}

static const char *const all_files[] = {
    "population.csv",  "demand.csv",
    "indicators.csv",  "extra__year_stage.csv",
    "extra__year.csv", "metadata.csv",
    "scenario"};

/* ---- tests --------------------------------------------------------------- */

static void test_full_export(const char *h5, const char *scratch) {
  char *dir = join(scratch, "out/nested"); /* parents are created */
  struct es_export_summary summary;
  struct es_error err;
  es_error_clear(&err);
  int rc = es_export_csv(h5, dir, NULL, &summary, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  if (rc != ES_OK) {
    printf("  %s\n", err.message);
  }
  ES_CHECK_INT_EQ(summary.n_csv_files, 5);
  ES_CHECK_INT_EQ(summary.n_rows, 16 + 16 + 16 + 4 + 2);
  ES_CHECK_INT_EQ(summary.n_scenario_files, 6);
  ES_CHECK_STR_EQ(summary.skipped, "");
  check_file(dir, "population.csv", expected_population);
  check_file(dir, "demand.csv", expected_demand);
  check_file(dir, "indicators.csv", expected_indicators);
  check_file(dir, "extra__year_stage.csv", expected_extra_a);
  check_file(dir, "extra__year.csv", expected_extra_b);
  long hidden = 0;
  ES_CHECK_INT_EQ(count_entries(dir, &hidden), 7);
  ES_CHECK_INT_EQ(hidden, 0);
  for (size_t i = 0; i < sizeof all_files / sizeof all_files[0]; i++) {
    ES_CHECK(exists(dir, all_files[i]));
  }

  /* The scenario texts, verbatim; the binary one decoded from base64. */
  char *sdir = join(dir, "scenario");
  ES_CHECK_INT_EQ(count_entries(sdir, &hidden), 6);
  ES_CHECK_INT_EQ(hidden, 0);
  check_file(sdir, "scenario_resolved.txt", "resolved: yes\n");
  check_file(sdir, "my scenario.yaml", "name: t\n");
  check_file(sdir, "regions.csv", regions_text);
  check_file(sdir, "population__regions.csv", population_text);
  check_file(sdir, "teachers.txt", "t\n");
  char *bin_path = join(sdir, "mig.bin");
  size_t size = 0;
  char *bin = slurp(bin_path, &size);
  ES_CHECK(bin != NULL);
  ES_CHECK_INT_EQ(size, sizeof binary_bytes);
  ES_CHECK(bin != NULL && memcmp(bin, binary_bytes, sizeof binary_bytes) == 0);
  free(bin);
  free(bin_path);
  free(sdir);

  /* metadata.csv: the root attributes in the order they were written. */
  char *md_path = join(dir, "metadata.csv");
  char *md = slurp(md_path, NULL);
  ES_CHECK(md != NULL);
  if (md != NULL) {
    static const char *const want[] = {"name,value",
                                       "title,\"测试, \"\"t\"\"\"",
                                       "Conventions,CF-1.8",
                                       "software,edusim",
                                       "software_version,0.1.0 (test)",
                                       NULL, /* hdf5_version */
                                       NULL, /* created */
                                       "command,cmd --x",
                                       "mode,stochastic",
                                       "scenario,unit",
                                       "seed,20201101",
                                       "replicates,3",
                                       "currency,CNY",
                                       "format_version,1"};
    const size_t n_want = sizeof want / sizeof want[0];
    size_t n_lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(md, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save), n_lines++) {
      if (n_lines >= n_want) {
        ES_CHECK(n_lines < n_want);
      } else if (n_lines == 5) {
        unsigned a = 0, b = 0, c = 0;
        char end = 0;
        ES_CHECK_INT_EQ(
            sscanf(line, "hdf5_version,%u.%u.%u%c", &a, &b, &c, &end), 3);
        ES_CHECK(a == 1 && b >= 10);
      } else if (n_lines == 6) {
        int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
        char z = 0, end = 0;
        ES_CHECK_INT_EQ(sscanf(line, "created,%4d-%2d-%2dT%2d:%2d:%2d%c%c", &y,
                               &mo, &d, &h, &mi, &s, &z, &end),
                        7);
        ES_CHECK(z == 'Z' && y >= 2024 && strlen(line) == 28);
      } else {
        ES_CHECK_STR_EQ(line, want[n_lines]);
      }
    }
    ES_CHECK_INT_EQ(n_lines, n_want);
  }
  free(md);
  free(md_path);

  /* Not empty: refused without --force, and nothing changes. */
  rc = es_export_csv(h5, dir, NULL, NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_EEXIST);
  ES_CHECK_CONTAINS(err.message, "is not empty (use --force");
  ES_CHECK_CONTAINS(err.message, dir);
  check_file(dir, "population.csv", expected_population);
  free(dir);
}

/* --group, --statistic and --force. */
static void test_options(const char *h5, const char *scratch) {
  struct es_error err;
  es_error_clear(&err);
  struct es_export_summary summary;
  char *dir = join(scratch, "options");
  long hidden = 0;

  const char *const one[] = {"population"};
  struct es_export_options opts = {
      .groups = one, .n_groups = 1, .statistic = "mean"};
  int rc = es_export_csv(h5, dir, &opts, &summary, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  check_file(dir, "population.csv", expected_population_mean);
  ES_CHECK_INT_EQ(summary.n_csv_files, 1);
  ES_CHECK_INT_EQ(summary.n_rows, 8);
  ES_CHECK_INT_EQ(summary.n_scenario_files, 0);
  ES_CHECK_INT_EQ(count_entries(dir, &hidden), 2); /* + metadata.csv */
  ES_CHECK(exists(dir, "metadata.csv"));

  /* p05 is only in indicators: population and demand are left out (listed
   * in file order, not by name), extra has no statistic axis and is whole.
   * --force writes into the folder and keeps what else is there. */
  opts = (struct es_export_options){.statistic = "p05", .force = true};
  rc = es_export_csv(h5, dir, &opts, &summary, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_STR_EQ(summary.skipped, "population, demand");
  ES_CHECK_INT_EQ(summary.n_csv_files, 3);
  ES_CHECK_INT_EQ(summary.n_rows, 8 + 4 + 2);
  check_file(dir, "indicators.csv", expected_indicators_p05);
  check_file(dir, "extra__year_stage.csv", expected_extra_a);
  check_file(dir, "extra__year.csv", expected_extra_b);
  check_file(dir, "population.csv", expected_population_mean); /* kept */
  ES_CHECK(!exists(dir, "demand.csv"));
  ES_CHECK_INT_EQ(count_entries(dir, &hidden), 6);
  ES_CHECK_INT_EQ(hidden, 0);

  /* Only the scenario texts. */
  remove_tree(dir);
  const char *const scen[] = {"scenario"};
  opts = (struct es_export_options){.groups = scen, .n_groups = 1};
  rc = es_export_csv(h5, dir, &opts, &summary, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(summary.n_csv_files, 0);
  ES_CHECK_INT_EQ(summary.n_scenario_files, 6);
  ES_CHECK_INT_EQ(count_entries(dir, &hidden), 2); /* scenario/, metadata */
  free(dir);
}

/* Run es_export_csv expecting @p code, a message holding @p part1 and
 * @p part2, and no folder @p dir made. */
static void expect_error(const char *h5, const char *dir,
                         const struct es_export_options *opts, const int code,
                         const char *part1, const char *part2) {
  struct es_error err;
  es_error_clear(&err);
  struct stat st;
  const bool existed = stat(dir, &st) == 0;
  const int rc = es_export_csv(h5, dir, opts, NULL, &err);
  ES_CHECK_INT_EQ(rc, code);
  ES_CHECK_CONTAINS(err.message, part1);
  ES_CHECK_CONTAINS(err.message, part2);
  if (!existed) {
    ES_CHECK(stat(dir, &st) != 0);
  }
}

static void test_errors(const char *h5, const char *scratch) {
  char *dir = join(scratch, "errors/out");
  char *missing = join(scratch, "no-such.h5");
  expect_error(missing, dir, NULL, ES_EINPUT, "no-such.h5: no such file",
               "(expected a results file written by edusim run)");
  expect_error(scratch, dir, NULL, ES_EINPUT, "is a folder",
               "expected a results file");

  char *text = join(scratch, "text.h5");
  FILE *f = fopen(text, "w");
  ES_ASSERT(f != NULL);
  fputs("year,students\n2020,1\n", f);
  fclose(f);
  expect_error(text, dir, NULL, ES_EINPUT, "text.h5: not an HDF5 file",
               "expected a results file written by edusim run");

  /* An HDF5 file that edusim did not write: the results file with its one
   * "edusim" after the digest block (the value of the root attribute
   * software, in the global heap, which has no checksum) changed to
   * "Edusim". Its digest no longer matches; read anyway, its software
   * attribute is refused. */
  size_t size = 0;
  char *bytes = slurp(h5, &size);
  ES_ASSERT(bytes != NULL);
  size_t n_found = 0, at = 0;
  ES_CHECK(size > ES_DIGEST_BLOCK_SIZE &&
           memcmp(bytes, "edusim-digest 1\nsha256 ", 23) == 0);
  for (size_t i = ES_DIGEST_BLOCK_SIZE; i + 6 <= size; i++) {
    if (memcmp(bytes + i, "edusim", 6) == 0) {
      n_found++;
      at = i;
    }
  }
  ES_CHECK_INT_EQ(n_found, 1);
  bytes[at] = 'E';
  char *other = join(scratch, "other.h5");
  f = fopen(other, "wb");
  ES_ASSERT(f != NULL);
  ES_ASSERT(fwrite(bytes, 1, size, f) == size);
  fclose(f);
  free(bytes);
  expect_error(other, dir, NULL, ES_EINPUT,
               "other.h5: changed or damaged since edusim wrote it",
               "--no-verify reads it anyway");
  struct es_export_options unchecked = {.digest = {.skip = true}};
  expect_error(other, dir, &unchecked, ES_EINPUT,
               "other.h5: the root attribute software is 'Edusim'",
               "(expected 'edusim'; expected a results file written by "
               "edusim run)");

  const char *const bad_group[] = {"population", "nope"};
  struct es_export_options opts = {.groups = bad_group, .n_groups = 2};
  expect_error(h5, dir, &opts, ES_EINPUT, "unknown group 'nope'",
               "(expected: population, demand, indicators, extra, scenario)");
  opts = (struct es_export_options){.statistic = "p99"};
  expect_error(h5, dir, &opts, ES_EINPUT, "unknown statistic 'p99'",
               "(expected: mean, sd, p05)");
  const char *const extra[] = {"extra"};
  opts = (struct es_export_options){
      .groups = extra, .n_groups = 1, .statistic = "mean"};
  expect_error(h5, dir, &opts, ES_EINPUT, "statistic 'mean'",
               "no group exported has a statistic axis");

  /* The folder is a file, or below a file. */
  expect_error(h5, text, NULL, ES_EINPUT, "text.h5' exists and is not a folder",
               "expected a folder");
  char *below = join(text, "sub");
  expect_error(h5, below, NULL, ES_EINPUT,
               "text.h5' exists and is not a folder", "expected a folder");
  free(below);

  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_export_csv(NULL, dir, NULL, NULL, &err), ES_EINVAL);
  ES_CHECK_INT_EQ(es_export_csv(h5, "", NULL, NULL, &err), ES_EINVAL);

  /* A write failure: a file-size limit makes the first CSV fail when it is
   * flushed. Nothing is left: no CSV, no temporary file, and the folders
   * the export made are removed; a folder that existed stays, empty. */
  char *parent = join(scratch, "errors");
  for (int existing = 0; existing < 2; existing++) {
    if (existing) {
      ES_ASSERT(mkdir(parent, 0777) == 0 && mkdir(dir, 0777) == 0);
    }
    struct rlimit old, small;
    ES_ASSERT(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small = old;
    small.rlim_cur = 256;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    ES_ASSERT(setrlimit(RLIMIT_FSIZE, &small) == 0);
    es_error_clear(&err);
    const int rc = es_export_csv(h5, dir, NULL, NULL, &err);
    ES_ASSERT(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, old_handler);
    ES_CHECK_INT_EQ(rc, ES_EIO);
    ES_CHECK_CONTAINS(err.message, "cannot write '");
    ES_CHECK_CONTAINS(err.message,
                      "errors/out/population.csv': File too large");
    struct stat st;
    if (existing) {
      long hidden = 0;
      ES_CHECK_INT_EQ(count_entries(dir, &hidden), 0);
    } else {
      ES_CHECK(stat(parent, &st) != 0);
    }
  }
  free(parent);
  free(dir);
  free(missing);
  free(text);
  free(other);
}

/* A stop flag already set: nothing is written, the folder is not made; a
 * name that holds a FIFO is refused and left untouched. */
static void test_stop_and_targets(const char *h5, const char *scratch) {
  struct es_error err;
  es_error_clear(&err);
  char *dir = join(scratch, "stopped");
  volatile sig_atomic_t stop = SIGINT;
  struct es_export_options opts = {.cancel = &stop};
  ES_CHECK_INT_EQ(es_export_csv(h5, dir, &opts, NULL, &err), ES_EINTERRUPTED);
  ES_CHECK_CONTAINS(err.message, "interrupted while writing");
  struct stat st;
  ES_CHECK(stat(dir, &st) != 0);

  ES_ASSERT(mkdir(dir, 0777) == 0);
  char *fifo = join(dir, "metadata.csv");
  ES_ASSERT(mkfifo(fifo, 0600) == 0);
  stop = 0;
  opts.force = true;
  ES_CHECK_INT_EQ(es_export_csv(h5, dir, &opts, NULL, &err), ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "metadata.csv' is a FIFO (named pipe)");
  ES_CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
  long hidden = 0;
  ES_CHECK_INT_EQ(count_entries(dir, &hidden), 1);
  ES_CHECK_INT_EQ(hidden, 0);
  free(fifo);
  free(dir);
}

int main(void) {
  char scratch[] = "/tmp/es_test_export.XXXXXX";
  ES_ASSERT(mkdtemp(scratch) != NULL);
  char *h5 = join(scratch, "results.h5");
  write_results(h5);
  test_full_export(h5, scratch);
  test_options(h5, scratch);
  test_errors(h5, scratch);
  test_stop_and_targets(h5, scratch);
  free(h5);
  remove_tree(scratch);
  return es_test_summary();
}
