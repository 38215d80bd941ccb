/* data.c: the scenario's CSV data files, checked and turned into arrays.
 *
 * Each loader parses its file with es_csv_parse, checks the header, then reads
 * every row, checking every rule of DESIGN "CSV data": the regions of the
 * scenario (regions.csv), the initial stocks L, M, X of MODEL 2 by region and
 * single year of age (population.csv), the teachers and seats of every region
 * and stage at t0 (MODEL 5.2-5.3; teachers.csv, seats.csv), and the
 * destination shares of movers of the matrix destination model (MODEL 3.5;
 * od.csv). A loader keeps going after an error, so that one run reports up to
 * ES_DIAG_MAX problems, each at its file:line:column with what was expected.
 *
 * Whole numbers are written as an optional sign and digits only: "3.0" is
 * rejected where a whole number is required (es_csv_get_whole), so that a
 * column of counts never hides fractions. */
#include "scenarios/data.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "models/strings.h"
#include "scenarios/csv.h"

/* Tolerance on the sum of an origin's destination shares: rounding in the
 * file's decimals may put an exact 1 slightly above. */
#define ES_DATA_SHARE_SUM_TOL 1e-9

/* Columns of regions.csv (DESIGN "CSV data"). */
static const char *const region_required[] = {"code", "name", "rank", "births",
                                              NULL};
static const char *const region_optional[] = {
    "province",     "prefecture",          "zone", "lat", "lon", "adult_pop",
    "adult_growth", "migrant_birth_share", NULL};
static const char *const population_columns[] = {"region",  "age",  "local",
                                                 "migrant", "away", NULL};
static const char *const od_columns[] = {"origin", "destination", "share",
                                         NULL};

/* ---- regions.csv ------------------------------------------------------ */

void es_region_table_clear(struct es_region_table *t) {
  if (t == NULL) {
    return;
  }
  for (size_t i = 0; i < t->n_regions; i++) {
    free(t->code != NULL ? t->code[i] : NULL);
    free(t->name != NULL ? t->name[i] : NULL);
    free(t->province != NULL ? t->province[i] : NULL);
    free(t->prefecture != NULL ? t->prefecture[i] : NULL);
    free(t->zone != NULL ? t->zone[i] : NULL);
  }
  free(t->code);
  free(t->name);
  free(t->rank);
  free(t->births);
  free(t->province);
  free(t->prefecture);
  free(t->zone);
  free(t->lat);
  free(t->lon);
  free(t->adult_pop);
  free(t->adult_growth);
  free(t->migrant_birth_share);
  for (size_t i = 0; i < t->n_extra; i++) {
    free(t->extra_name != NULL ? t->extra_name[i] : NULL);
    free(t->extra != NULL ? t->extra[i] : NULL);
  }
  free(t->extra_name);
  free(t->extra);
  free(t->sorted);
  memset(t, 0, sizeof *t);
}

size_t es_region_table_find(const struct es_region_table *t, const char *code) {
  size_t lo = 0;
  size_t hi = t->sorted != NULL ? t->n_regions : 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int cmp = strcmp(code, t->code[t->sorted[mid]]);
    if (cmp == 0) {
      return t->sorted[mid];
    }
    if (cmp < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return SIZE_MAX;
}

/* The values of standard numeric column name (NULL when absent from the
 * file); *is_standard says whether name is one. */
static const double *standard_column(const struct es_region_table *t,
                                     const char *name, bool *is_standard) {
  const struct {
    const char *name;
    const double *values;
  } standard[] = {
      {"births", t->births},
      {"lat", t->lat},
      {"lon", t->lon},
      {"adult_pop", t->adult_pop},
      {"adult_growth", t->adult_growth},
      {"migrant_birth_share", t->migrant_birth_share},
  };
  for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++) {
    if (strcmp(name, standard[i].name) == 0) {
      *is_standard = true;
      return standard[i].values;
    }
  }
  *is_standard = false;
  return NULL;
}

const double *es_region_table_column(const struct es_region_table *t,
                                     const char *name) {
  bool is_standard = false;
  const double *values = standard_column(t, name, &is_standard);
  if (is_standard) {
    return values;
  }
  for (size_t i = 0; i < t->n_extra; i++) {
    if (strcmp(name, t->extra_name[i]) == 0) {
      return t->extra[i];
    }
  }
  return NULL;
}

/* A region code with its row, for sorting. */
struct code_entry {
  const char *code;
  size_t index; /* region index (row order) */
};

static int compare_code_entries(const void *a, const void *b) {
  const struct code_entry *x = a;
  const struct code_entry *y = b;
  int cmp = strcmp(x->code, y->code);
  if (cmp != 0) {
    return cmp;
  }
  return (x->index > y->index) - (x->index < y->index);
}

/* Sort the region indices by code into t->sorted, and report every repeated
 * code at its row, naming the line of its first use. */
static int sort_codes(struct es_region_table *t, const struct es_csv *csv,
                      size_t i_code, struct es_diag_list *dl,
                      struct es_error *err) {
  struct code_entry *entries = malloc(t->n_regions * sizeof *entries);
  if (entries == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "out of memory sorting regions");
  }
  for (size_t i = 0; i < t->n_regions; i++) {
    entries[i] = (struct code_entry){.code = t->code[i], .index = i};
  }
  qsort(entries, t->n_regions, sizeof *entries, compare_code_entries);
  size_t i_first = 0; /* first entry of the current run of equal codes */
  for (size_t i = 0; i < t->n_regions; i++) {
    t->sorted[i] = entries[i].index;
    if (i > 0 && strcmp(entries[i].code, entries[i_first].code) == 0) {
      const struct es_csv_field *f =
          &csv->rows[entries[i].index].fields[i_code];
      if (f->text[0] != '\0') { /* empty codes were reported already */
        es_diag_error(dl, csv->path, f->line, f->column,
                      "region code '%s' is already used on line %zu (expected "
                      "unique codes)",
                      f->text, csv->rows[entries[i_first].index].line);
      }
    } else {
      i_first = i;
    }
  }
  free(entries);
  return ES_OK;
}

/* Allocate a [n] array of doubles when the column is present. */
static bool alloc_if_present(double **values, size_t i_column, size_t n) {
  if (i_column == ES_CSV_NO_COLUMN) {
    return true;
  }
  *values = calloc(n, sizeof **values);
  return *values != NULL;
}

/* Allocate a [n] array of strings when the column is present. */
static bool alloc_strings_if_present(char ***values, size_t i_column,
                                     size_t n) {
  if (i_column == ES_CSV_NO_COLUMN) {
    return true;
  }
  *values = calloc(n, sizeof **values);
  return *values != NULL;
}

/* The allowed range of a real-valued column, with its wording. */
struct number_rule {
  const char *column;   /* column name */
  const char *expected; /* "a number >= 0" */
  double lo;            /* lowest allowed value (unit of the column) */
  double hi;            /* highest allowed value (unit of the column) */
  bool lo_open;         /* lo itself not allowed */
};

/* Read column i_column of row as a number into *value and check it against
 * rule: below a closed 0 reads "is negative", any other miss "is out of
 * range". */
static bool read_number(const struct es_csv *csv, const struct es_csv_row *row,
                        size_t i_column, const struct number_rule *rule,
                        double *value, struct es_diag_list *dl) {
  const struct es_csv_field *f = &row->fields[i_column];
  double v = 0.0;
  if (!es_csv_get_number(csv, f, rule->column, rule->expected, &v, dl)) {
    return false;
  }
  bool too_low = rule->lo_open ? v <= rule->lo : v < rule->lo;
  if (too_low && rule->lo == 0.0 && !rule->lo_open) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is negative (expected %s)", rule->column,
                  f->text, rule->expected);
    return false;
  }
  if (too_low || v > rule->hi) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is out of range (expected %s)",
                  rule->column, f->text, rule->expected);
    return false;
  }
  *value = v == 0.0 ? 0.0 : v; /* "-0" reads as 0 */
  return true;
}

/* Read a whole number in [lo, hi] of column i_column of row (hi INT64_MAX:
 * no upper bound but the type's). */
static bool read_whole(const struct es_csv *csv, const struct es_csv_row *row,
                       size_t i_column, const char *column, int64_t lo,
                       int64_t hi, int64_t *value, struct es_diag_list *dl) {
  const struct es_csv_field *f = &row->fields[i_column];
  char expected[64];
  if (hi == INT64_MAX) {
    snprintf(expected, sizeof expected, "a whole number >= %lld",
             (long long)lo);
  } else {
    snprintf(expected, sizeof expected, "a whole number in [%lld, %lld]",
             (long long)lo, (long long)hi);
  }
  int64_t v = 0;
  if (!es_csv_get_whole(csv, f, column, expected, &v, dl)) {
    return false;
  }
  if (v < lo) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  lo == 0 ? "column '%s': '%s' is negative (expected %s)"
                          : "column '%s': '%s' is too small (expected %s)",
                  column, f->text, expected);
    return false;
  }
  if (v > hi) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is out of range (expected %s)", column,
                  f->text, expected);
    return false;
  }
  *value = v;
  return true;
}

int es_data_load_regions(const char *display_path, const char *bytes,
                         size_t size, const char *const *extra_columns,
                         size_t n_extra, struct es_region_table *out,
                         struct es_diag_list *dl, struct es_error *err) {
  struct es_csv csv = {0};
  const char **required = NULL;
  size_t n_errors_before = dl->n_errors;
  int rc = ES_OK;

  memset(out, 0, sizeof *out);
  rc = es_csv_parse(&csv, display_path, bytes, size, dl, err);
  if (rc == ES_ENOMEM || (rc == ES_EINPUT && csv.path == NULL)) {
    goto cleanup;
  }
  rc = ES_OK;

  /* The scenario's extra columns are required too. */
  required = malloc((4 + n_extra + 1) * sizeof *required);
  if (required == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading regions");
    goto cleanup;
  }
  for (size_t i = 0; i < 4; i++) {
    required[i] = region_required[i];
  }
  for (size_t i = 0; i < n_extra; i++) {
    required[4 + i] = extra_columns[i];
  }
  required[4 + n_extra] = NULL;
  if (!es_csv_check_header(&csv, required, region_optional,
                           /*allow_other=*/false, dl)) {
    goto cleanup;
  }
  size_t i_lat = es_csv_column(&csv, "lat");
  size_t i_lon = es_csv_column(&csv, "lon");
  if ((i_lat == ES_CSV_NO_COLUMN) != (i_lon == ES_CSV_NO_COLUMN)) {
    es_diag_error(dl, csv.path, csv.header.line, 0,
                  "column '%s' without '%s' (expected both lat and lon, or "
                  "neither)",
                  i_lat == ES_CSV_NO_COLUMN ? "lon" : "lat",
                  i_lat == ES_CSV_NO_COLUMN ? "lat" : "lon");
    goto cleanup;
  }
  if (csv.n_rows == 0) {
    es_diag_error(dl, csv.path, 0, 0,
                  "no regions (expected at least one row after the header)");
    goto cleanup;
  }

  size_t n = csv.n_rows;
  size_t i_code = es_csv_column(&csv, "code");
  size_t i_name = es_csv_column(&csv, "name");
  size_t i_rank = es_csv_column(&csv, "rank");
  size_t i_births = es_csv_column(&csv, "births");
  size_t i_province = es_csv_column(&csv, "province");
  size_t i_prefecture = es_csv_column(&csv, "prefecture");
  size_t i_zone = es_csv_column(&csv, "zone");
  size_t i_adult_pop = es_csv_column(&csv, "adult_pop");
  size_t i_adult_growth = es_csv_column(&csv, "adult_growth");
  size_t i_share = es_csv_column(&csv, "migrant_birth_share");

  out->n_regions = n;
  out->code = calloc(n, sizeof *out->code);
  out->name = calloc(n, sizeof *out->name);
  out->rank = calloc(n, sizeof *out->rank);
  out->births = calloc(n, sizeof *out->births);
  out->sorted = calloc(n, sizeof *out->sorted);
  bool ok = out->code != NULL && out->name != NULL && out->rank != NULL &&
            out->births != NULL && out->sorted != NULL;
  ok = ok && alloc_strings_if_present(&out->province, i_province, n) &&
       alloc_strings_if_present(&out->prefecture, i_prefecture, n) &&
       alloc_strings_if_present(&out->zone, i_zone, n) &&
       alloc_if_present(&out->lat, i_lat, n) &&
       alloc_if_present(&out->lon, i_lon, n) &&
       alloc_if_present(&out->adult_pop, i_adult_pop, n) &&
       alloc_if_present(&out->adult_growth, i_adult_growth, n) &&
       alloc_if_present(&out->migrant_birth_share, i_share, n);
  if (ok && n_extra > 0) {
    out->extra_name = calloc(n_extra, sizeof *out->extra_name);
    out->extra = calloc(n_extra, sizeof *out->extra);
    ok = out->extra_name != NULL && out->extra != NULL;
    if (ok) {
      out->n_extra = n_extra;
    }
    for (size_t k = 0; ok && k < n_extra; k++) {
      out->extra_name[k] = es_strdup(extra_columns[k]);
      out->extra[k] = calloc(n, sizeof *out->extra[k]);
      ok = out->extra_name[k] != NULL && out->extra[k] != NULL;
    }
  }
  if (!ok) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading regions");
    goto cleanup;
  }

  const struct number_rule births_rule = {"births", "a number in [0, 1e9]", 0.0,
                                          ES_DATA_COUNT_MAX, false};
  const struct number_rule lat_rule = {"lat", "a latitude in [-90, 90]", -90.0,
                                       90.0, false};
  const struct number_rule lon_rule = {"lon", "a longitude in [-180, 180]",
                                       -180.0, 180.0, false};
  const struct number_rule adult_pop_rule = {
      "adult_pop", "a number in [0, 1e12]", 0.0, ES_DATA_COLUMN_MAX, false};
  const struct number_rule growth_rule = {"adult_growth",
                                          "a growth rate per year in (-1, 1]",
                                          -1.0, ES_DATA_GROWTH_MAX, true};
  const struct number_rule share_rule = {"migrant_birth_share",
                                         "a share in [0, 1]", 0.0, 1.0, false};

  for (size_t i = 0; i < n; i++) {
    const struct es_csv_row *row = &csv.rows[i];
    const struct es_csv_field *code = &row->fields[i_code];
    if (code->text[0] == '\0') {
      es_diag_error(dl, csv.path, code->line, code->column,
                    "empty region code (expected a unique code)");
    }
    out->code[i] = es_strdup(code->text);
    out->name[i] = es_strdup(row->fields[i_name].text);
    ok = out->code[i] != NULL && out->name[i] != NULL;
    if (ok && out->province != NULL) {
      out->province[i] = es_strdup(row->fields[i_province].text);
      ok = out->province[i] != NULL;
    }
    if (ok && out->prefecture != NULL) {
      out->prefecture[i] = es_strdup(row->fields[i_prefecture].text);
      ok = out->prefecture[i] != NULL;
    }
    if (ok && out->zone != NULL) {
      out->zone[i] = es_strdup(row->fields[i_zone].text);
      ok = out->zone[i] != NULL;
    }
    if (!ok) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading regions");
      goto cleanup;
    }
    read_whole(&csv, row, i_rank, "rank", 1, INT64_MAX, &out->rank[i], dl);
    read_number(&csv, row, i_births, &births_rule, &out->births[i], dl);
    if (out->lat != NULL) {
      read_number(&csv, row, i_lat, &lat_rule, &out->lat[i], dl);
      read_number(&csv, row, i_lon, &lon_rule, &out->lon[i], dl);
    }
    if (out->adult_pop != NULL) {
      read_number(&csv, row, i_adult_pop, &adult_pop_rule, &out->adult_pop[i],
                  dl);
    }
    if (out->adult_growth != NULL) {
      read_number(&csv, row, i_adult_growth, &growth_rule,
                  &out->adult_growth[i], dl);
    }
    if (out->migrant_birth_share != NULL) {
      read_number(&csv, row, i_share, &share_rule, &out->migrant_birth_share[i],
                  dl);
    }
    for (size_t k = 0; k < n_extra; k++) {
      bool is_standard = false;
      standard_column(out, extra_columns[k], &is_standard);
      if (!is_standard) {
        const struct number_rule rule = {
            extra_columns[k], "a number in [-1e12, 1e12]", -ES_DATA_COLUMN_MAX,
            ES_DATA_COLUMN_MAX, false};
        read_number(&csv, row, es_csv_column(&csv, extra_columns[k]), &rule,
                    &out->extra[k][i], dl);
      }
    }
  }
  /* An extra column that is also a standard one (attraction: adult_pop) was
   * read and checked above (it is required, so present); the extra copy
   * repeats its values. */
  for (size_t k = 0; k < n_extra; k++) {
    bool is_standard = false;
    const double *values = standard_column(out, extra_columns[k], &is_standard);
    if (is_standard && values != NULL) {
      memcpy(out->extra[k], values, n * sizeof *values);
    }
  }
  rc = sort_codes(out, &csv, i_code, dl, err);

cleanup:
  if (rc == ES_OK && dl->n_errors > n_errors_before) {
    rc = ES_EINPUT;
  }
  if (rc != ES_OK) {
    es_region_table_clear(out);
  }
  free(required);
  es_csv_clear(&csv);
  return rc;
}

/* ---- shared by the region-keyed tables -------------------------------- */

/* Look up the region named by field f; report an unknown one. */
static size_t find_region(const struct es_csv *csv,
                          const struct es_csv_field *f,
                          const struct es_region_table *regions,
                          struct es_diag_list *dl) {
  size_t i_region = es_region_table_find(regions, f->text);
  if (i_region == SIZE_MAX) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "unknown region '%s' (expected a code from regions.csv)",
                  f->text);
  }
  return i_region;
}

/* Parse a file and check its header; *stop is set when nothing more can be
 * read from it. */
static int open_table(struct es_csv *csv, const char *display_path,
                      const char *bytes, size_t size,
                      const char *const *columns, bool *stop,
                      struct es_diag_list *dl, struct es_error *err) {
  int rc = es_csv_parse(csv, display_path, bytes, size, dl, err);
  *stop = true;
  if (rc == ES_ENOMEM) {
    return rc;
  }
  if (rc == ES_EINPUT && csv->path == NULL) {
    return ES_OK; /* reported; nothing was kept */
  }
  *stop = !es_csv_check_header(csv, columns, /*optional=*/NULL,
                               /*allow_other=*/false, dl);
  return ES_OK;
}

/* ---- population.csv --------------------------------------------------- */

int es_data_load_population(const char *display_path, const char *bytes,
                            size_t size, const struct es_region_table *regions,
                            size_t max_age, struct es_population *out,
                            struct es_diag_list *dl, struct es_error *err) {
  struct es_csv csv = {0};
  size_t *seen_line = NULL; /* [region][age]: line of the pair, 0 = none */
  size_t n_errors_before = dl->n_errors;
  bool stop = false;
  int rc = ES_OK;

  if (out->n_regions != regions->n_regions || out->n_ages != max_age + 1) {
    return ES_FAIL(err, ES_EINVAL,
                   "population stocks are %zu x %zu, expected %zu regions x "
                   "%zu ages",
                   out->n_regions, out->n_ages, regions->n_regions,
                   max_age + 1);
  }
  for (size_t i = 0; i < out->n_regions * out->n_ages; i++) {
    out->local[i] = 0.0;
    out->migrant[i] = 0.0;
    out->away[i] = 0.0;
  }
  rc = open_table(&csv, display_path, bytes, size, population_columns, &stop,
                  dl, err);
  if (rc != ES_OK || stop) {
    goto cleanup;
  }
  if (csv.n_rows == 0) {
    es_diag_error(dl, csv.path, 0, 0,
                  "no data rows (expected one row for every region and age "
                  "0..%zu)",
                  max_age);
    goto cleanup;
  }
  size_t n_ages = max_age + 1;
  size_t n_pairs = regions->n_regions * n_ages;
  seen_line = calloc(n_pairs > 0 ? n_pairs : 1, sizeof *seen_line);
  if (seen_line == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading population");
    goto cleanup;
  }

  size_t i_region_col = es_csv_column(&csv, "region");
  size_t i_age_col = es_csv_column(&csv, "age");
  const struct {
    const char *column;
    double *stock;
  } values[] = {
      {"local", out->local},
      {"migrant", out->migrant},
      {"away", out->away},
  };
  size_t n_ignored = 0;
  for (size_t i = 0; i < csv.n_rows; i++) {
    const struct es_csv_row *row = &csv.rows[i];
    const struct es_csv_field *region_f = &row->fields[i_region_col];
    size_t i_region = find_region(&csv, region_f, regions, dl);
    int64_t age = 0;
    bool age_ok =
        read_whole(&csv, row, i_age_col, "age", 0, INT64_MAX, &age, dl);
    if (age_ok && (uint64_t)age > (uint64_t)max_age) {
      n_ignored++; /* beyond the oldest age the scenario follows */
      continue;
    }
    bool pair_ok = age_ok && i_region != SIZE_MAX;
    size_t idx = pair_ok ? i_region * n_ages + (size_t)age : 0;
    if (pair_ok && seen_line[idx] != 0) {
      es_diag_error(dl, csv.path, region_f->line, region_f->column,
                    "duplicate row for region '%s' age %zu (first on line %zu)",
                    region_f->text, (size_t)age, seen_line[idx]);
      pair_ok = false;
    } else if (pair_ok) {
      seen_line[idx] = row->line;
    }
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
      const struct number_rule rule = {values[k].column, "a number in [0, 1e9]",
                                       0.0, ES_DATA_COUNT_MAX, false};
      double v = 0.0;
      if (read_number(&csv, row, es_csv_column(&csv, values[k].column), &rule,
                      &v, dl) &&
          pair_ok) {
        values[k].stock[idx] = v;
      }
    }
  }
  for (size_t r = 0; r < regions->n_regions; r++) {
    for (size_t a = 0; a < n_ages; a++) {
      if (seen_line[r * n_ages + a] == 0) {
        es_diag_error(dl, csv.path, 0, 0,
                      "missing row for region '%s' age %zu (expected every "
                      "region and age 0..%zu exactly once)",
                      regions->code[r], a, max_age);
      }
    }
  }
  if (n_ignored > 0) {
    es_diag_notice(dl, csv.path, 0, 0,
                   "%zu row%s with age above max_age %zu ignored", n_ignored,
                   n_ignored == 1 ? "" : "s", max_age);
  }

cleanup:
  if (rc == ES_OK && dl->n_errors > n_errors_before) {
    rc = ES_EINPUT;
  }
  free(seen_line);
  es_csv_clear(&csv);
  return rc;
}

/* ---- teachers.csv, seats.csv ------------------------------------------ */

int es_data_load_stage_table(const char *display_path, const char *bytes,
                             size_t size, const char *value_column,
                             const struct es_region_table *regions,
                             const struct es_stage *stages, size_t n_stages,
                             int64_t *out, struct es_diag_list *dl,
                             struct es_error *err) {
  struct es_csv csv = {0};
  size_t *seen_line = NULL; /* [region][stage]: line of the pair, 0 = none */
  size_t n_errors_before = dl->n_errors;
  bool stop = false;
  int64_t total = 0; /* sum of the values read, teachers or seats */
  bool total_reported = false;
  int rc = ES_OK;
  const char *const columns[] = {"region", "stage", value_column, NULL};

  /* "preschool, primary, ..." for the unknown-stage message. */
  char stage_names[ES_ERROR_MESSAGE_MAX / 2];
  size_t used = 0;
  stage_names[0] = '\0';
  for (size_t s = 0; s < n_stages && used + 1 < sizeof stage_names; s++) {
    int k = snprintf(stage_names + used, sizeof stage_names - used, "%s%s",
                     s > 0 ? ", " : "", stages[s].name);
    used += k > 0 ? (size_t)k : 0;
  }

  for (size_t i = 0; i < regions->n_regions * n_stages; i++) {
    out[i] = 0;
  }
  rc = open_table(&csv, display_path, bytes, size, columns, &stop, dl, err);
  if (rc != ES_OK || stop) {
    goto cleanup;
  }
  if (csv.n_rows == 0) {
    es_diag_error(dl, csv.path, 0, 0,
                  "no data rows (expected one row for every region and "
                  "stage)");
    goto cleanup;
  }
  size_t n_pairs = regions->n_regions * n_stages;
  seen_line = calloc(n_pairs > 0 ? n_pairs : 1, sizeof *seen_line);
  if (seen_line == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "out of memory reading %s", display_path);
    goto cleanup;
  }
  size_t i_region_col = es_csv_column(&csv, "region");
  size_t i_stage_col = es_csv_column(&csv, "stage");
  size_t i_value_col = es_csv_column(&csv, value_column);
  for (size_t i = 0; i < csv.n_rows; i++) {
    const struct es_csv_row *row = &csv.rows[i];
    const struct es_csv_field *region_f = &row->fields[i_region_col];
    const struct es_csv_field *stage_f = &row->fields[i_stage_col];
    size_t i_region = find_region(&csv, region_f, regions, dl);
    size_t i_stage = SIZE_MAX;
    for (size_t s = 0; s < n_stages; s++) {
      if (strcmp(stages[s].name, stage_f->text) == 0) {
        i_stage = s;
        break;
      }
    }
    if (i_stage == SIZE_MAX) {
      es_diag_error(dl, csv.path, stage_f->line, stage_f->column,
                    "unknown stage '%s' (expected one of: %s)", stage_f->text,
                    stage_names);
    }
    bool pair_ok = i_region != SIZE_MAX && i_stage != SIZE_MAX;
    size_t idx = pair_ok ? i_region * n_stages + i_stage : 0;
    if (pair_ok && seen_line[idx] != 0) {
      es_diag_error(dl, csv.path, region_f->line, region_f->column,
                    "duplicate row for region '%s' stage '%s' (first on line "
                    "%zu)",
                    region_f->text, stage_f->text, seen_line[idx]);
      pair_ok = false;
    } else if (pair_ok) {
      seen_line[idx] = row->line;
    }
    int64_t v = 0;
    if (read_whole(&csv, row, i_value_col, value_column, 0,
                   (int64_t)ES_DATA_COUNT_MAX, &v, dl)) {
      /* Each value is at most 1e9, so the sum cannot overflow first. */
      total += v;
      if (total > (int64_t)ES_DATA_TOTAL_MAX && !total_reported) {
        const struct es_csv_field *f = &row->fields[i_value_col];
        es_diag_error(dl, csv.path, f->line, f->column,
                      "column '%s': the total of the file passes 1e12 here "
                      "(expected at most 1e12 %s in all regions and stages)",
                      value_column, value_column);
        total_reported = true;
      }
      if (pair_ok) {
        out[idx] = v;
      }
    }
  }
  for (size_t r = 0; r < regions->n_regions; r++) {
    for (size_t s = 0; s < n_stages; s++) {
      if (seen_line[r * n_stages + s] == 0) {
        es_diag_error(dl, csv.path, 0, 0,
                      "missing row for region '%s' stage '%s' (expected every "
                      "region and stage exactly once)",
                      regions->code[r], stages[s].name);
      }
    }
  }

cleanup:
  if (rc == ES_OK && dl->n_errors > n_errors_before) {
    rc = ES_EINPUT;
  }
  free(seen_line);
  es_csv_clear(&csv);
  return rc;
}

/* ---- od.csv ----------------------------------------------------------- */

void es_od_table_clear(struct es_od_table *od) {
  if (od == NULL) {
    return;
  }
  free(od->origin);
  free(od->destination);
  free(od->share);
  memset(od, 0, sizeof *od);
}

/* An (origin, destination) pair with its row, for finding repeats. */
struct od_pair {
  size_t origin;
  size_t destination;
  size_t i_row; /* row of the file (csv.rows index) */
};

static int compare_od_pairs(const void *a, const void *b) {
  const struct od_pair *x = a;
  const struct od_pair *y = b;
  if (x->origin != y->origin) {
    return x->origin < y->origin ? -1 : 1;
  }
  if (x->destination != y->destination) {
    return x->destination < y->destination ? -1 : 1;
  }
  return (x->i_row > y->i_row) - (x->i_row < y->i_row);
}

int es_data_load_od(const char *display_path, const char *bytes, size_t size,
                    const struct es_region_table *regions,
                    struct es_od_table *out, struct es_diag_list *dl,
                    struct es_error *err) {
  struct es_csv csv = {0};
  struct od_pair *pairs = NULL;
  double *sum = NULL;       /* [n_regions] shares summed in file order */
  size_t *first_row = NULL; /* [n_regions] first row of each origin + 1 */
  size_t n_errors_before = dl->n_errors;
  bool stop = false;
  int rc = ES_OK;

  memset(out, 0, sizeof *out);
  rc = open_table(&csv, display_path, bytes, size, od_columns, &stop, dl, err);
  if (rc != ES_OK || stop) {
    goto cleanup;
  }
  size_t n = csv.n_rows;
  size_t n_alloc = n > 0 ? n : 1;
  size_t n_regions_alloc = regions->n_regions > 0 ? regions->n_regions : 1;
  out->origin = malloc(n_alloc * sizeof *out->origin);
  out->destination = malloc(n_alloc * sizeof *out->destination);
  out->share = malloc(n_alloc * sizeof *out->share);
  pairs = malloc(n_alloc * sizeof *pairs);
  sum = calloc(n_regions_alloc, sizeof *sum);
  first_row = calloc(n_regions_alloc, sizeof *first_row);
  if (out->origin == NULL || out->destination == NULL || out->share == NULL ||
      pairs == NULL || sum == NULL || first_row == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading od");
    goto cleanup;
  }
  size_t i_origin_col = es_csv_column(&csv, "origin");
  size_t i_dest_col = es_csv_column(&csv, "destination");
  size_t i_share_col = es_csv_column(&csv, "share");
  const struct number_rule share_rule = {"share", "a share in [0, 1]", 0.0, 1.0,
                                         false};
  size_t n_pairs = 0;
  for (size_t i = 0; i < n; i++) {
    const struct es_csv_row *row = &csv.rows[i];
    const struct es_csv_field *dest_f = &row->fields[i_dest_col];
    size_t origin = find_region(&csv, &row->fields[i_origin_col], regions, dl);
    size_t destination = find_region(&csv, dest_f, regions, dl);
    double share = 0.0;
    bool share_ok =
        read_number(&csv, row, i_share_col, &share_rule, &share, dl);
    if (origin != SIZE_MAX && origin == destination) {
      es_diag_error(dl, csv.path, dest_f->line, dest_f->column,
                    "self-flow from '%s' to itself (expected a destination "
                    "other than the origin)",
                    dest_f->text);
      continue;
    }
    if (origin == SIZE_MAX || destination == SIZE_MAX) {
      continue;
    }
    pairs[n_pairs++] = (struct od_pair){
        .origin = origin, .destination = destination, .i_row = i};
    if (first_row[origin] == 0) {
      first_row[origin] = i + 1;
    }
    if (share_ok) {
      sum[origin] += share;
    }
    out->origin[out->n_entries] = origin;
    out->destination[out->n_entries] = destination;
    out->share[out->n_entries] = share;
    out->n_entries++;
  }
  qsort(pairs, n_pairs, sizeof *pairs, compare_od_pairs);
  for (size_t i = 1; i < n_pairs; i++) {
    if (pairs[i].origin == pairs[i - 1].origin &&
        pairs[i].destination == pairs[i - 1].destination) {
      /* Runs are sorted by row, so the run's first row is the earliest. */
      size_t j = i - 1;
      while (j > 0 && pairs[j - 1].origin == pairs[i].origin &&
             pairs[j - 1].destination == pairs[i].destination) {
        j--;
      }
      const struct es_csv_row *row = &csv.rows[pairs[i].i_row];
      const struct es_csv_field *f = &row->fields[i_origin_col];
      es_diag_error(dl, csv.path, f->line, f->column,
                    "duplicate row for origin '%s' destination '%s' (first on "
                    "line %zu)",
                    f->text, row->fields[i_dest_col].text,
                    csv.rows[pairs[j].i_row].line);
    }
  }
  for (size_t r = 0; r < regions->n_regions; r++) {
    if (first_row[r] != 0 && sum[r] > 1.0 + ES_DATA_SHARE_SUM_TOL) {
      const struct es_csv_field *f =
          &csv.rows[first_row[r] - 1].fields[i_share_col];
      es_diag_error(dl, csv.path, f->line, f->column,
                    "shares of origin '%s' sum to %.10g (expected a sum of at "
                    "most 1)",
                    regions->code[r], sum[r]);
    }
  }

cleanup:
  if (rc == ES_OK && dl->n_errors > n_errors_before) {
    rc = ES_EINPUT;
  }
  if (rc != ES_OK) {
    es_od_table_clear(out);
  }
  free(pairs);
  free(sum);
  free(first_row);
  es_csv_clear(&csv);
  return rc;
}
