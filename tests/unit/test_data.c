/* test_data.c: the CSV data loaders (scenarios/data.c): regions.csv,
 * population.csv, teachers.csv / seats.csv and od.csv. Every error a user can
 * provoke is checked for its message, line and column (counted by hand from
 * the inputs below), and the tiny example's files are loaded and spot-checked
 * against their text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "models/error.h"
#include "models/population.h"
#include "models/stage.h"
#include "scenarios/csv.h"
#include "scenarios/data.h"

/* A place of 0 in an expectation means "the whole file" or "the whole line",
 * which the diagnostics keep as 1 (models/error.h). */
#define PLACE(x) ((x) > 0 ? (size_t)(x) : (size_t)1)

#define TINY "../scenarios/examples/tiny/"

/* Diagnostic i of dl: severity, place and message. */
#define CHECK_DIAG_AT(dl, i, sev, want_line, want_column, want)  \
  do {                                                           \
    ES_CHECK((dl).n_diags > (i));                                \
    if ((dl).n_diags > (i)) {                                    \
      ES_CHECK_INT_EQ((dl).diags[i].severity, (sev));            \
      ES_CHECK_INT_EQ((dl).diags[i].line, PLACE(want_line));     \
      ES_CHECK_INT_EQ((dl).diags[i].column, PLACE(want_column)); \
      ES_CHECK_STR_EQ((dl).diags[i].message, (want));            \
    }                                                            \
  } while (0)
#define CHECK_DIAG(dl, i, want_line, want_column, want) \
  CHECK_DIAG_AT(dl, i, ES_SEVERITY_ERROR, want_line, want_column, want)

#define REGION_COLUMNS                                                     \
  "(expected columns code,name,rank,births, optionally "                   \
  "province,prefecture,zone,lat,lon,adult_pop,adult_growth,migrant_birth_" \
  "share)"

static int load_regions(const char *text, const char *const *extra,
                        size_t n_extra, struct es_region_table *t,
                        struct es_diag_list *dl) {
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(dl);
  return es_data_load_regions("regions.csv", text, strlen(text), extra, n_extra,
                              t, dl, &err);
}

/* Zeroed stocks without models/population.c (the test needs only storage). */
static void pop_init(struct es_population *p, size_t n_regions, size_t n_ages) {
  p->n_regions = n_regions;
  p->n_ages = n_ages;
  p->local = calloc(n_regions * n_ages, sizeof *p->local);
  p->migrant = calloc(n_regions * n_ages, sizeof *p->migrant);
  p->away = calloc(n_regions * n_ages, sizeof *p->away);
}

static void pop_free(struct es_population *p) {
  free(p->local);
  free(p->migrant);
  free(p->away);
  memset(p, 0, sizeof *p);
}

static int load_population(const char *text,
                           const struct es_region_table *regions,
                           size_t max_age, struct es_population *p,
                           struct es_diag_list *dl) {
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(dl);
  return es_data_load_population("population.csv", text, strlen(text), regions,
                                 max_age, p, dl, &err);
}

/* Two regions R1 (一) and R2 (二), or three with R3. */
static void two_regions(struct es_region_table *t, bool three) {
  struct es_diag_list dl;
  int rc = load_regions(three ? "code,name,rank,births\nR1,一,1,100\nR2,二,2,"
                                "50\nR3,三,3,7\n"
                              : "code,name,rank,births\nR1,一,1,100\nR2,二,2,"
                                "50\n",
                        NULL, 0, t, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  es_diag_list_clear(&dl);
}

static char *read_tiny(const char *name, size_t *size) {
  char path[256];
  snprintf(path, sizeof path, TINY "%s", name);
  struct es_error err;
  char *bytes = NULL;
  int rc = es_file_read(path, &bytes, size, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  return bytes;
}

/* ---- regions.csv ------------------------------------------------------ */

static void test_regions_tiny(void) {
  size_t size = 0;
  char *bytes = read_tiny("regions.csv", &size);
  if (bytes == NULL) {
    return;
  }
  const char *const extra[] = {"need_weight"};
  struct es_region_table t;
  struct es_diag_list dl;
  struct es_error err;
  es_diag_list_init(&dl);
  int rc =
      es_data_load_regions("regions.csv", bytes, size, extra, 1, &t, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  ES_CHECK_INT_EQ(t.n_regions, 5);
  if (rc == ES_OK && t.n_regions == 5) {
    ES_CHECK_STR_EQ(t.code[2], "500101");
    ES_CHECK_STR_EQ(t.name[2], "万州区");
    ES_CHECK_INT_EQ(t.rank[3], 4);
    ES_CHECK_DOUBLE_EQ(t.births[4], 5740.0);
    ES_CHECK_STR_EQ(t.province[4], "四川省");
    ES_CHECK_STR_EQ(t.prefecture[4], "成都市");
    ES_CHECK_STR_EQ(t.zone[3], "渝东北");
    ES_CHECK_DOUBLE_EQ(t.lat[0], 29.556742);
    ES_CHECK_DOUBLE_EQ(t.lon[1], 106.532844);
    ES_CHECK_DOUBLE_EQ(t.adult_pop[2], 1240000.0);
    ES_CHECK_DOUBLE_EQ(t.adult_growth[3], -0.015);
    ES_CHECK(t.migrant_birth_share == NULL);
    ES_CHECK_INT_EQ(t.n_extra, 1);
    ES_CHECK_STR_EQ(t.extra_name[0], "need_weight");
    ES_CHECK_DOUBLE_EQ(t.extra[0][2], 1.1);
    ES_CHECK_DOUBLE_EQ(t.extra[0][3], 1.3);
    ES_CHECK(es_region_table_column(&t, "need_weight") == t.extra[0]);
    ES_CHECK(es_region_table_column(&t, "lat") == t.lat);
    ES_CHECK(es_region_table_column(&t, "births") == t.births);
    ES_CHECK(es_region_table_column(&t, "migrant_birth_share") == NULL);
    ES_CHECK(es_region_table_column(&t, "rank") == NULL);
    ES_CHECK(es_region_table_column(&t, "zone") == NULL);
    /* Codes in order: 500101 (2), 500103 (0), 500105 (1), 500229 (3),
     * 510104 (4). */
    const size_t want_sorted[] = {2, 0, 1, 3, 4};
    for (size_t i = 0; i < 5; i++) {
      ES_CHECK_INT_EQ(t.sorted[i], want_sorted[i]);
      ES_CHECK_INT_EQ(es_region_table_find(&t, t.code[i]), i);
    }
    ES_CHECK(es_region_table_find(&t, "500104") == SIZE_MAX);
    ES_CHECK(es_region_table_find(&t, "5") == SIZE_MAX);
    ES_CHECK(es_region_table_find(&t, "") == SIZE_MAX);
    ES_CHECK(es_region_table_find(&t, "999999") == SIZE_MAX);
    ES_CHECK(es_region_table_find(&t, "000000") == SIZE_MAX);
  }
  es_region_table_clear(&t);
  ES_CHECK(t.n_regions == 0 && t.code == NULL && t.extra == NULL);
  es_region_table_clear(&t);
  es_region_table_clear(NULL);
  ES_CHECK(es_region_table_find(&t, "500101") == SIZE_MAX);

  /* Without the extra column, need_weight is an unknown column. */
  es_diag_list_init(&dl);
  rc = es_data_load_regions("regions.csv", bytes, size, NULL, 0, &t, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 1, 79, "unknown column 'need_weight' " REGION_COLUMNS);
  ES_CHECK(t.n_regions == 0 && t.code == NULL);
  es_diag_list_clear(&dl);

  /* An extra column that is a standard one is read once and repeated. */
  const char *const extra2[] = {"adult_pop", "need_weight"};
  rc = es_data_load_regions("regions.csv", bytes, size, extra2, 2, &t, &dl,
                            &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(t.n_extra, 2);
  if (rc == ES_OK && t.n_extra == 2) {
    ES_CHECK_STR_EQ(t.extra_name[0], "adult_pop");
    ES_CHECK_DOUBLE_EQ(t.extra[0][4], 760000.0);
    ES_CHECK_DOUBLE_EQ(t.extra[1][4], 1.0);
    ES_CHECK(es_region_table_column(&t, "adult_pop") == t.adult_pop);
  }
  es_region_table_clear(&t);
  es_diag_list_clear(&dl);
  free(bytes);
}

static void test_regions_values(void) {
  const char *text =
      "code,name,rank,births,lat,lon,adult_growth,migrant_birth_share,mult\n"
      "A,甲,1,10,30,100,0.01,0.5,1.5\n"
      "B,乙,0,-3,91,-181,-1,1.5,nan\n"
      "A,丙,2.5,abc,-90,180,-0.5,-0.1,\n"
      ",丁,1,1,0,0,0,0,2\n";
  const char *const extra[] = {"mult"};
  struct es_region_table t;
  struct es_diag_list dl;
  int rc = load_regions(text, extra, 1, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 13);
  CHECK_DIAG(dl, 0, 3, 5,
             "column 'rank': '0' is too small (expected a whole number >= 1)");
  CHECK_DIAG(dl, 1, 3, 7,
             "column 'births': '-3' is negative (expected a number in [0, "
             "1e9])");
  CHECK_DIAG(dl, 2, 3, 10,
             "column 'lat': '91' is out of range (expected a latitude in "
             "[-90, 90])");
  CHECK_DIAG(dl, 3, 3, 13,
             "column 'lon': '-181' is out of range (expected a longitude in "
             "[-180, 180])");
  CHECK_DIAG(dl, 4, 3, 18,
             "column 'adult_growth': '-1' is out of range (expected a growth "
             "rate per year in (-1, 1])");
  CHECK_DIAG(dl, 5, 3, 21,
             "column 'migrant_birth_share': '1.5' is out of range (expected a "
             "share in [0, 1])");
  CHECK_DIAG(dl, 6, 3, 25,
             "column 'mult': 'nan' is not a finite number (expected a number "
             "in [-1e12, 1e12])");
  CHECK_DIAG(dl, 7, 4, 5,
             "column 'rank': '2.5' is not a whole number (expected a whole "
             "number >= 1)");
  CHECK_DIAG(dl, 8, 4, 9,
             "column 'births': 'abc' is not a number (expected a number in [0, "
             "1e9])");
  CHECK_DIAG(dl, 9, 4, 26,
             "column 'migrant_birth_share': '-0.1' is negative (expected a "
             "share in [0, 1])");
  CHECK_DIAG(dl, 10, 4, 31,
             "column 'mult': empty value (expected a number in [-1e12, 1e12])");
  CHECK_DIAG(dl, 11, 5, 1, "empty region code (expected a unique code)");
  CHECK_DIAG(dl, 12, 4, 1,
             "region code 'A' is already used on line 2 (expected unique "
             "codes)");
  ES_CHECK(t.n_regions == 0 && t.code == NULL && t.lat == NULL);
  es_diag_list_clear(&dl);

  /* The edges of every range are accepted. */
  rc = load_regions(
      "code,name,rank,births,lat,lon,adult_pop,adult_growth,migrant_birth_"
      "share\nA,,1,0,-90,-180,0,-0.999,0\nB,b,7,1e9,90,180,1e12,1,1\n",
      NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  if (rc == ES_OK) {
    ES_CHECK_STR_EQ(t.name[0], "");
    ES_CHECK_DOUBLE_EQ(t.births[1], 1e9);
    ES_CHECK_DOUBLE_EQ(t.adult_pop[1], 1e12);
    ES_CHECK_DOUBLE_EQ(t.adult_growth[1], 1.0);
    ES_CHECK_DOUBLE_EQ(t.adult_growth[0], -0.999);
    ES_CHECK_DOUBLE_EQ(t.migrant_birth_share[1], 1.0);
    ES_CHECK_INT_EQ(t.rank[1], 7);
    ES_CHECK(t.province == NULL && t.zone == NULL);
  }
  es_region_table_clear(&t);
  es_diag_list_clear(&dl);
}

static void test_regions_file_errors(void) {
  struct es_region_table t;
  struct es_diag_list dl;
  int rc = load_regions("code,name,rank,lat\nA,a,1,3\n", NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 1, 0, "missing column 'births' " REGION_COLUMNS);
  es_diag_list_clear(&dl);

  rc = load_regions("code,name,rank,births,lon\nA,a,1,1,100\n", NULL, 0, &t,
                    &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 1, 0,
             "column 'lon' without 'lat' (expected both lat and lon, or "
             "neither)");
  es_diag_list_clear(&dl);

  const char *const extra[] = {"need_weight"};
  rc = load_regions("code,name,rank,births\nA,a,1,1\n", extra, 1, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  CHECK_DIAG(dl, 0, 1, 0,
             "missing column 'need_weight' (expected columns "
             "code,name,rank,births,need_weight, optionally "
             "province,prefecture,zone,lat,lon,adult_pop,adult_growth,migrant_"
             "birth_share)");
  es_diag_list_clear(&dl);

  rc = load_regions("\xEF\xBB\xBF\r\n", NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  CHECK_DIAG(dl, 0, 0, 0,
             "empty file (expected a header row: code,name,rank,births, "
             "optionally province,prefecture,zone,lat,lon,adult_pop,adult_"
             "growth,migrant_birth_share)");
  es_diag_list_clear(&dl);

  rc = load_regions("code,name,rank,births\r\n", NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 0, 0,
             "no regions (expected at least one row after the header)");
  es_diag_list_clear(&dl);

  /* A fatal CSV error stops the loader after one error. */
  rc = load_regions("code,name,rank,births\nA,\"a\"b,1,1\n", NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  ES_CHECK_INT_EQ(dl.diags[0].line, 2);
  ES_CHECK_INT_EQ(dl.diags[0].column, 6);
  ES_CHECK_CONTAINS(dl.diags[0].message, "bad quoting");
  es_diag_list_clear(&dl);

  /* A record with the wrong field count does not stop the other checks. */
  rc =
      load_regions("code,name,rank,births\nA,a,1\nB,b,x,1\n", NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 2);
  CHECK_DIAG(dl, 0, 2, 0,
             "record has 3 fields, expected 4 (code,name,rank,births)");
  CHECK_DIAG(dl, 1, 3, 5,
             "column 'rank': 'x' is not a whole number (expected a whole "
             "number >= 1)");
  ES_CHECK(t.code == NULL);
  es_diag_list_clear(&dl);
}

/* ---- population.csv --------------------------------------------------- */

static void test_population_ok(void) {
  struct es_region_table t;
  two_regions(&t, false);
  struct es_population p;
  pop_init(&p, 2, 3);
  struct es_diag_list dl;
  int rc = load_population(
      "region,age,local,migrant,away\n"
      "R2,3,99,0,1\n"
      "R1,0,10.5,1,0\n"
      "R1,1,11,2,0.25\n"
      "R1,2,12,3,0\n"
      "R2,2,22,0,1\n"
      "R2,1,21,0,1\n"
      "R2,0,20,0,1.5\n"
      "R1,40,-98,x,0\n",
      &t, 2, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_errors, 0);
  ES_CHECK_INT_EQ(dl.n_notices, 1);
  CHECK_DIAG_AT(dl, 0, ES_SEVERITY_NOTICE, 0, 0,
                "2 rows with age above max_age 2 ignored");
  ES_CHECK_DOUBLE_EQ(p.local[es_population_idx(&p, 0, 0)], 10.5);
  ES_CHECK_DOUBLE_EQ(p.migrant[es_population_idx(&p, 0, 2)], 3.0);
  ES_CHECK_DOUBLE_EQ(p.away[es_population_idx(&p, 0, 1)], 0.25);
  ES_CHECK_DOUBLE_EQ(p.local[es_population_idx(&p, 1, 2)], 22.0);
  ES_CHECK_DOUBLE_EQ(p.away[es_population_idx(&p, 1, 0)], 1.5);
  es_diag_list_clear(&dl);

  /* Shape other than regions x (max_age + 1): a programming error. */
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(&dl);
  rc = es_data_load_population("population.csv", "", 0, &t, 3, &p, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_EINVAL);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  ES_CHECK_CONTAINS(err.message, "2 x 3, expected 2 regions x 4 ages");
  pop_free(&p);
  es_region_table_clear(&t);
}

static void test_population_tiny(void) {
  size_t size = 0;
  char *bytes = read_tiny("regions.csv", &size);
  const char *const extra[] = {"need_weight"};
  struct es_region_table t;
  struct es_diag_list dl;
  struct es_error err;
  es_diag_list_init(&dl);
  int rc =
      es_data_load_regions("regions.csv", bytes, size, extra, 1, &t, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  free(bytes);
  bytes = read_tiny("population.csv", &size);
  struct es_population p;
  pop_init(&p, 5, 18);
  rc = es_data_load_population("population.csv", bytes, size, &t, 17, &p, &dl,
                               &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  /* 500103,0,2283,979,114 ; 500101,9,13525,1176,3381 ;
   * 500229,17,2065,64,723 */
  ES_CHECK_DOUBLE_EQ(p.local[es_population_idx(&p, 0, 0)], 2283.0);
  ES_CHECK_DOUBLE_EQ(p.migrant[es_population_idx(&p, 0, 0)], 979.0);
  ES_CHECK_DOUBLE_EQ(p.away[es_population_idx(&p, 0, 0)], 114.0);
  ES_CHECK_DOUBLE_EQ(p.local[es_population_idx(&p, 2, 9)], 13525.0);
  ES_CHECK_DOUBLE_EQ(p.away[es_population_idx(&p, 2, 9)], 3381.0);
  ES_CHECK_DOUBLE_EQ(p.migrant[es_population_idx(&p, 3, 17)], 64.0);
  pop_free(&p);

  /* max_age 15: the 10 rows of ages 16 and 17 are ignored, with one notice. */
  pop_init(&p, 5, 16);
  rc = es_data_load_population("population.csv", bytes, size, &t, 15, &p, &dl,
                               &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_notices, 1);
  CHECK_DIAG_AT(dl, 0, ES_SEVERITY_NOTICE, 0, 0,
                "10 rows with age above max_age 15 ignored");
  pop_free(&p);
  es_diag_list_clear(&dl);

  /* max_age 18: the oldest age is missing for every region. */
  pop_init(&p, 5, 19);
  rc = es_data_load_population("population.csv", bytes, size, &t, 18, &p, &dl,
                               &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 5);
  CHECK_DIAG(dl, 0, 0, 0,
             "missing row for region '500103' age 18 (expected every region "
             "and age 0..18 exactly once)");
  CHECK_DIAG(dl, 4, 0, 0,
             "missing row for region '510104' age 18 (expected every region "
             "and age 0..18 exactly once)");
  pop_free(&p);
  es_diag_list_clear(&dl);

  /* teachers.csv and seats.csv of the tiny example. */
  char n0[] = "preschool", n1[] = "primary", n2[] = "junior", n3[] = "senior";
  struct es_stage stages[4] = {{.name = n0, .age_lo = 3, .age_hi = 5},
                               {.name = n1, .age_lo = 6, .age_hi = 11},
                               {.name = n2, .age_lo = 12, .age_hi = 14},
                               {.name = n3, .age_lo = 15, .age_hi = 17}};
  int64_t values[20];
  free(bytes);
  bytes = read_tiny("teachers.csv", &size);
  rc = es_data_load_stage_table("teachers.csv", bytes, size, "teachers", &t,
                                stages, 4, values, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(values[0 * 4 + 0], 1157);
  ES_CHECK_INT_EQ(values[3 * 4 + 1], 1010);
  ES_CHECK_INT_EQ(values[4 * 4 + 3], 1270);
  free(bytes);
  bytes = read_tiny("seats.csv", &size);
  rc = es_data_load_stage_table("seats.csv", bytes, size, "seats", &t, stages,
                                4, values, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(values[0 * 4 + 1], 24580);
  ES_CHECK_INT_EQ(values[3 * 4 + 1], 19570);
  ES_CHECK_INT_EQ(values[4 * 4 + 3], 16200);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  free(bytes);
  es_region_table_clear(&t);
  es_diag_list_clear(&dl);
}

static void test_population_errors(void) {
  struct es_region_table t;
  two_regions(&t, false);
  struct es_population p;
  pop_init(&p, 2, 3);
  struct es_diag_list dl;
  int rc = load_population(
      "region,age,local,migrant,away\n"
      "R1,0,1,1,1\n"
      "R1,0,2,2,2\n"
      "R9,1,1,1,1\n"
      "R1,-1,1,1,1\n"
      "R1,1.5,1,1,1\n"
      "R1,1,-3,inf,x\n"
      "R2,0,1,1,1\n"
      "R2,1,1,1,1\n",
      &t, 2, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 9);
  CHECK_DIAG(dl, 0, 3, 1,
             "duplicate row for region 'R1' age 0 (first on line 2)");
  CHECK_DIAG(dl, 1, 4, 1,
             "unknown region 'R9' (expected a code from regions.csv)");
  CHECK_DIAG(dl, 2, 5, 4,
             "column 'age': '-1' is negative (expected a whole number >= 0)");
  CHECK_DIAG(dl, 3, 6, 4,
             "column 'age': '1.5' is not a whole number (expected a whole "
             "number >= 0)");
  CHECK_DIAG(
      dl, 4, 7, 6,
      "column 'local': '-3' is negative (expected a number in [0, 1e9])");
  CHECK_DIAG(dl, 5, 7, 9,
             "column 'migrant': 'inf' is not a finite number (expected a "
             "number in [0, 1e9])");
  CHECK_DIAG(
      dl, 6, 7, 13,
      "column 'away': 'x' is not a number (expected a number in [0, 1e9])");
  CHECK_DIAG(dl, 7, 0, 0,
             "missing row for region 'R1' age 2 (expected every region and "
             "age 0..2 exactly once)");
  CHECK_DIAG(dl, 8, 0, 0,
             "missing row for region 'R2' age 2 (expected every region and "
             "age 0..2 exactly once)");
  es_diag_list_clear(&dl);

  rc = load_population("region,age,local,migrant,away\n", &t, 2, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 0, 0,
             "no data rows (expected one row for every region and age 0..2)");
  es_diag_list_clear(&dl);

  rc = load_population("", &t, 2, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  CHECK_DIAG(dl, 0, 0, 0,
             "empty file (expected a header row: "
             "region,age,local,migrant,away)");
  es_diag_list_clear(&dl);

  rc = load_population("region,age,local,migrant\nR1,0,1,1\n", &t, 2, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 1, 0,
             "missing column 'away' (expected columns "
             "region,age,local,migrant,away)");
  es_diag_list_clear(&dl);

  rc = load_population("region,age,local,migrant,away,x\nR1,0,1,1,1,1\n", &t, 2,
                       &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 1, 31,
             "unknown column 'x' (expected columns "
             "region,age,local,migrant,away)");
  es_diag_list_clear(&dl);

  /* One row above max_age: the notice says "row", not "rows". */
  rc = load_population(
      "region,age,local,migrant,away\nR1,0,1,1,1\nR1,1,1,1,1\nR1,2,1,1,1\n"
      "R2,0,1,1,1\nR2,1,1,1,1\nR2,2,1,1,1\nR2,3,1,1,1\n",
      &t, 2, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  CHECK_DIAG_AT(dl, 0, ES_SEVERITY_NOTICE, 0, 0,
                "1 row with age above max_age 2 ignored");
  es_diag_list_clear(&dl);
  pop_free(&p);

  /* Very many missing pairs: every one counted, the first 20 kept. */
  pop_init(&p, 2, 31);
  rc = load_population("region,age,local,migrant,away\nR2,7,1,1,1\n", &t, 30,
                       &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 61);
  ES_CHECK_INT_EQ(dl.n_diags, ES_DIAG_MAX);
  CHECK_DIAG(dl, 19, 0, 0,
             "missing row for region 'R1' age 19 (expected every region and "
             "age 0..30 exactly once)");
  es_diag_list_clear(&dl);
  pop_free(&p);
  es_region_table_clear(&t);
}

/* ---- teachers.csv, seats.csv ------------------------------------------ */

static void test_stage_table(void) {
  struct es_region_table t;
  two_regions(&t, false);
  char n0[] = "preschool", n1[] = "primary";
  struct es_stage stages[2] = {{.name = n0, .age_lo = 3, .age_hi = 5},
                               {.name = n1, .age_lo = 6, .age_hi = 11}};
  int64_t out[4] = {-1, -1, -1, -1};
  struct es_diag_list dl;
  struct es_error err;
  es_diag_list_init(&dl);
  const char *ok =
      "region,stage,teachers\nR1,preschool,12\nR1,primary,34\n"
      "R2,primary,+56\nR2,preschool,0\n";
  int rc = es_data_load_stage_table("teachers.csv", ok, strlen(ok), "teachers",
                                    &t, stages, 2, out, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(out[0], 12);
  ES_CHECK_INT_EQ(out[1], 34);
  ES_CHECK_INT_EQ(out[2], 0);
  ES_CHECK_INT_EQ(out[3], 56);
  ES_CHECK_INT_EQ(dl.n_diags, 0);

  const char *bad =
      "region,stage,teachers\n"
      "R1,preschool,12\n"
      "R1,primary,3.0\n"
      "R1,preschool,5\n"
      "R2,senior,1\n"
      "R3,primary,-2\n";
  rc = es_data_load_stage_table("teachers.csv", bad, strlen(bad), "teachers",
                                &t, stages, 2, out, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 7);
  CHECK_DIAG(dl, 0, 3, 12,
             "column 'teachers': '3.0' is not a whole number (expected a whole "
             "number in [0, 1000000000])");
  CHECK_DIAG(dl, 1, 4, 1,
             "duplicate row for region 'R1' stage 'preschool' (first on line "
             "2)");
  CHECK_DIAG(dl, 2, 5, 4,
             "unknown stage 'senior' (expected one of: preschool, primary)");
  CHECK_DIAG(dl, 3, 6, 1,
             "unknown region 'R3' (expected a code from regions.csv)");
  CHECK_DIAG(dl, 4, 6, 12,
             "column 'teachers': '-2' is negative (expected a whole number in "
             "[0, 1000000000])");
  CHECK_DIAG(dl, 5, 0, 0,
             "missing row for region 'R2' stage 'preschool' (expected every "
             "region and stage exactly once)");
  CHECK_DIAG(dl, 6, 0, 0,
             "missing row for region 'R2' stage 'primary' (expected every "
             "region and stage exactly once)");
  ES_CHECK_STR_EQ(dl.diags[0].file, "teachers.csv");
  es_diag_list_clear(&dl);

  /* The value column is named by the caller. */
  rc = es_data_load_stage_table("seats.csv", ok, strlen(ok), "seats", &t,
                                stages, 2, out, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 2);
  CHECK_DIAG(dl, 0, 1, 0,
             "missing column 'seats' (expected columns region,stage,seats)");
  CHECK_DIAG(dl, 1, 1, 14,
             "unknown column 'teachers' (expected columns "
             "region,stage,seats)");
  /* The output is zeroed before anything is read. */
  for (size_t i = 0; i < 4; i++) {
    ES_CHECK_INT_EQ(out[i], 0);
  }
  es_diag_list_clear(&dl);

  const char *header_only = "region,stage,seats\n";
  rc = es_data_load_stage_table("seats.csv", header_only, strlen(header_only),
                                "seats", &t, stages, 2, out, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 0, 0,
             "no data rows (expected one row for every region and stage)");
  es_diag_list_clear(&dl);
  es_region_table_clear(&t);
}

/* ---- od.csv ----------------------------------------------------------- */

static int load_od(const char *text, const struct es_region_table *t,
                   struct es_od_table *od, struct es_diag_list *dl) {
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(dl);
  return es_data_load_od("od.csv", text, strlen(text), t, od, dl, &err);
}

static void test_od(void) {
  struct es_region_table t;
  two_regions(&t, true);
  struct es_od_table od;
  struct es_diag_list dl;
  int rc = load_od(
      "origin,destination,share\nR1,R2,0.6\nR1,R3,0.4\nR3,R1,1\n"
      "R2,R1,0.5000000005\nR2,R3,0.5\n",
      &t, &od, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  ES_CHECK_INT_EQ(od.n_entries, 5);
  if (od.n_entries == 5) {
    ES_CHECK_INT_EQ(od.origin[0], 0);
    ES_CHECK_INT_EQ(od.destination[0], 1);
    ES_CHECK_DOUBLE_EQ(od.share[0], 0.6);
    ES_CHECK_INT_EQ(od.origin[2], 2);
    ES_CHECK_INT_EQ(od.destination[2], 0);
    ES_CHECK_DOUBLE_EQ(od.share[2], 1.0);
    ES_CHECK_DOUBLE_EQ(od.share[3], 0.5000000005);
  }
  es_od_table_clear(&od);
  ES_CHECK(od.n_entries == 0 && od.share == NULL);
  es_od_table_clear(&od);
  es_od_table_clear(NULL);
  es_diag_list_clear(&dl);

  rc = load_od("origin,destination,share\n", &t, &od, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(od.n_entries, 0);
  es_od_table_clear(&od);
  es_diag_list_clear(&dl);

  rc = load_od(
      "origin,destination,share\n"
      "R1,R2,0.7\n"
      "R1,R3,0.4\n"
      "R2,R2,0.1\n"
      "R1,R2,0.1\n"
      "R3,R9,-0.5\n"
      "R3,R1,NaN\n"
      "R2,R1,0.5000000021\n"
      "R2,R3,0.5\n",
      &t, &od, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 7);
  CHECK_DIAG(dl, 0, 4, 4,
             "self-flow from 'R2' to itself (expected a destination other "
             "than the origin)");
  CHECK_DIAG(dl, 1, 6, 4,
             "unknown region 'R9' (expected a code from regions.csv)");
  CHECK_DIAG(dl, 2, 6, 7,
             "column 'share': '-0.5' is negative (expected a share in [0, 1])");
  CHECK_DIAG(dl, 3, 7, 7,
             "column 'share': 'NaN' is not a finite number (expected a share "
             "in [0, 1])");
  CHECK_DIAG(dl, 4, 5, 1,
             "duplicate row for origin 'R1' destination 'R2' (first on line "
             "2)");
  CHECK_DIAG(dl, 5, 2, 7,
             "shares of origin 'R1' sum to 1.2 (expected a sum of at most 1)");
  CHECK_DIAG(dl, 6, 8, 7,
             "shares of origin 'R2' sum to 1.000000002 (expected a sum of at "
             "most 1)");
  ES_CHECK(od.n_entries == 0 && od.origin == NULL);
  es_diag_list_clear(&dl);

  rc = load_od("from,to,share\n", &t, &od, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 4);
  CHECK_DIAG(dl, 0, 1, 0,
             "missing column 'origin' (expected columns "
             "origin,destination,share)");
  CHECK_DIAG(dl, 3, 1, 6,
             "unknown column 'to' (expected columns origin,destination,share)");
  es_diag_list_clear(&dl);
  es_region_table_clear(&t);
}

/* The bounds of docs/scenario-format.md "Value bounds": just above each is an
 * error at the value's place, the bound itself is accepted (above). */
static void test_value_bounds(void) {
  struct es_region_table t;
  struct es_diag_list dl;
  const char *const extra[] = {"weight"};
  int rc = load_regions(
      "code,name,rank,births,adult_pop,adult_growth,weight\n"
      "A,a,1,1000000001,1.000001e12,1.0001,-1.1e12\n"
      "B,b,1,1e308,0,0,1e12\n",
      extra, 1, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 5);
  CHECK_DIAG(dl, 0, 2, 7,
             "column 'births': '1000000001' is out of range (expected a number "
             "in [0, 1e9])");
  CHECK_DIAG(dl, 1, 2, 18,
             "column 'adult_pop': '1.000001e12' is out of range (expected a "
             "number in [0, 1e12])");
  CHECK_DIAG(dl, 2, 2, 30,
             "column 'adult_growth': '1.0001' is out of range (expected a "
             "growth rate per year in (-1, 1])");
  CHECK_DIAG(dl, 3, 2, 37,
             "column 'weight': '-1.1e12' is out of range (expected a number in "
             "[-1e12, 1e12])");
  CHECK_DIAG(dl, 4, 3, 7,
             "column 'births': '1e308' is out of range (expected a number in "
             "[0, 1e9])");
  es_diag_list_clear(&dl);

  two_regions(&t, false);
  struct es_population p;
  pop_init(&p, 2, 1);
  rc = load_population(
      "region,age,local,migrant,away\nR1,0,1e9,0,0\nR2,0,0,1e308,1.5e9\n", &t,
      0, &p, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 2);
  CHECK_DIAG(dl, 0, 3, 8,
             "column 'migrant': '1e308' is out of range (expected a number in "
             "[0, 1e9])");
  CHECK_DIAG(dl, 1, 3, 14,
             "column 'away': '1.5e9' is out of range (expected a number in [0, "
             "1e9])");
  ES_CHECK_DOUBLE_EQ(p.local[0], 1e9);
  pop_free(&p);
  es_diag_list_clear(&dl);

  /* Teachers: 1e9 a cell at most, 1e12 in the whole file. */
  char n0[] = "primary";
  struct es_stage stage = {.name = n0, .age_lo = 6, .age_hi = 11};
  int64_t out[2] = {0, 0};
  struct es_error err;
  const char *cell =
      "region,stage,seats\nR1,primary,1000000000\n"
      "R2,primary,1000000001\n";
  rc = es_data_load_stage_table("seats.csv", cell, strlen(cell), "seats", &t,
                                &stage, 1, out, &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 3, 12,
             "column 'seats': '1000000001' is out of range (expected a whole "
             "number in [0, 1000000000])");
  ES_CHECK_INT_EQ(out[0], 1000000000);
  es_diag_list_clear(&dl);
  es_region_table_clear(&t);

  /* 1001 regions of 1e9 teachers each: the total passes 1e12 at the last. */
  size_t cap = 40 + 1001 * 40;
  char *regions = malloc(cap);
  char *teachers = malloc(cap);
  ES_CHECK(regions != NULL && teachers != NULL);
  if (regions == NULL || teachers == NULL) {
    free(regions);
    free(teachers);
    return;
  }
  size_t nr = (size_t)snprintf(regions, cap, "code,name,rank,births\n");
  size_t nt = (size_t)snprintf(teachers, cap, "region,stage,teachers\n");
  for (int i = 0; i < 1001; i++) {
    nr += (size_t)snprintf(regions + nr, cap - nr, "R%d,r,1,1\n", i);
    nt += (size_t)snprintf(teachers + nt, cap - nt, "R%d,primary,1000000000\n",
                           i);
  }
  rc = load_regions(regions, NULL, 0, &t, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  int64_t *many = calloc(1001, sizeof *many);
  ES_CHECK(many != NULL);
  if (rc == ES_OK && many != NULL) {
    rc = es_data_load_stage_table("teachers.csv", teachers, nt, "teachers", &t,
                                  &stage, 1, many, &dl, &err);
    ES_CHECK_INT_EQ(rc, ES_EINPUT);
    ES_CHECK_INT_EQ(dl.n_errors, 1);
    CHECK_DIAG(dl, 0, 1002, 15,
               "column 'teachers': the total of the file passes 1e12 here "
               "(expected at most 1e12 teachers in all regions and stages)");
  }
  free(many);
  free(regions);
  free(teachers);
  es_region_table_clear(&t);
  es_diag_list_clear(&dl);

  /* od.csv: a share is at most 1 by itself. */
  two_regions(&t, false);
  struct es_od_table od;
  rc = load_od("origin,destination,share\nR1,R2,1.5\n", &t, &od, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  CHECK_DIAG(dl, 0, 2, 7,
             "column 'share': '1.5' is out of range (expected a share in [0, "
             "1])");
  es_od_table_clear(&od);
  es_region_table_clear(&t);
  es_diag_list_clear(&dl);
}

int main(void) {
  test_regions_tiny();
  test_regions_values();
  test_regions_file_errors();
  test_population_ok();
  test_population_tiny();
  test_population_errors();
  test_stage_table();
  test_od();
  test_value_bounds();
  return es_test_summary();
}
