/* compare.c: strategies side by side, from the indicators of results files.
 *
 * `edusim compare` answers the planner's question "what does each allocation
 * strategy buy, and at what cost, against the one we use now?". It reads the
 * system indicators of MODEL 7 (group "indicators" [strategy, statistic,
 * year, stage], statistic "mean" of MODEL 9) from one or more results files
 * and reduces each strategy to one row at a chosen year Y:
 *   - stocks at Y: unmet_seats = sum max(0, D - C), idle_seats =
 *     sum max(0, C - D), over_standard_share and the gini of teachers per
 *     pupil (MODEL 7);
 *   - flows summed over the years after the observed year t0: teachers moved
 *     (transfers), hires, seats_built, and cost = salary * T + build_cost *
 *     built (MODEL 7). The year t0 is the observed input, whose flows are 0 and
 *     whose cost is not a consequence of any strategy, so it is left out of
 *     every sum: the sums run over t0 + 1 .. Y (none when Y = t0).
 * For all stages together, counts are summed over the stages, and the shares
 * and the gini, which cannot be summed, are means of the stages' values
 * weighted by their students at Y: share_all = sum_k share_k D_k / sum_k D_k
 * is exactly the share of all pupils in a deterministic file (MODEL 7
 * defines the share as a fraction of sum D; in a stochastic file it weights
 * the mean shares by the mean students, which is close to but not the mean
 * of the pooled share); for the gini the same weighting gives the
 * student-weighted mean of the stage ginis, which is not the gini of the
 * pooled distribution (teachers of different stages are not interchangeable),
 * and it is labelled as such. Stages without students (whose shares and gini
 * are NaN by MODEL 7) carry no weight. Sums run over years, then stages, in
 * file order, so the results do not depend on anything but the file.
 * Every row is compared with a baseline row: difference, ratio and percent
 * change, the last two NaN when the baseline value is 0. Files are opened
 * through results_file.h, which checks the digest, the root attributes and
 * every dataset against its coordinates before anything is read here. */
#include "output/compare.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "models/strings.h"
#include "output/csv_out.h"
#include "output/results_file.h"

#define INDICATORS "indicators" /* the group compared */

/* ---- names --------------------------------------------------------------- */

static const char *const var_names[ES_COMPARE_N_VARS] = {
    "students", "unmet_seats", "idle_seats", "over_standard_share",
    "gini",     "transfers",   "hires",      "seats_built",
    "cost"};

const char *es_compare_var_name(const enum es_compare_var var) {
  return (size_t)var < ES_COMPARE_N_VARS ? var_names[var] : "?";
}

static const char *const metric_names[ES_COMPARE_N_METRICS] = {
    "unmet_seats", "idle_seats", "over_standard_share", "gini",
    "transfers",   "hires",      "seats_built",         "cost"};

const char *es_compare_metric_name(const enum es_compare_metric metric) {
  return (size_t)metric < ES_COMPARE_N_METRICS ? metric_names[metric] : "?";
}

/* Units of each metric; cost is in the file's currency. */
static const char *const metric_units[ES_COMPARE_N_METRICS] = {
    "seats", "seats", "1", "1", "teachers", "teachers", "seats", NULL};

/* Where each metric comes from in the file. */
static const enum es_compare_var metric_var[ES_COMPARE_N_METRICS] = {
    ES_COMPARE_VAR_UNMET_SEATS,         ES_COMPARE_VAR_IDLE_SEATS,
    ES_COMPARE_VAR_OVER_STANDARD_SHARE, ES_COMPARE_VAR_GINI,
    ES_COMPARE_VAR_TRANSFERS,           ES_COMPARE_VAR_HIRES,
    ES_COMPARE_VAR_SEATS_BUILT,         ES_COMPARE_VAR_COST};

/* How a metric is read at year Y over the chosen stages. */
enum aggregation {
  AGG_STOCK, /* the value at Y, summed over stages */
  AGG_SHARE, /* the value at Y, student-weighted mean over stages */
  AGG_FLOW,  /* summed over t0 + 1 .. Y and over stages */
};

static const enum aggregation metric_aggregation[ES_COMPARE_N_METRICS] = {
    AGG_STOCK, AGG_STOCK, AGG_SHARE, AGG_SHARE,
    AGG_FLOW,  AGG_FLOW,  AGG_FLOW,  AGG_FLOW};

static const struct {
  const char *name;
  enum es_compare_format format;
} format_names[] = {{"table", ES_COMPARE_FORMAT_TABLE},
                    {"csv", ES_COMPARE_FORMAT_CSV},
                    {"markdown", ES_COMPARE_FORMAT_MARKDOWN},
                    {"json", ES_COMPARE_FORMAT_JSON}};

bool es_compare_format_from_name(const char *name,
                                 enum es_compare_format *format) {
  for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
    if (strcmp(name, format_names[i].name) == 0) {
      *format = format_names[i].format;
      return true;
    }
  }
  return false;
}

/* The gini column when all stages are compared (DESIGN, docs/compare.md). */
static const char gini_all_label[] = "gini (student-weighted mean of stages)";

/* ---- small helpers ------------------------------------------------------- */

/* Append "a, b, c" to @p buf (of @p size bytes, holding a string; after ", "
 * when it is not empty), ending in "..." when it does not fit. */
static void join_names(char *buf, const size_t size, char *const *names,
                       const size_t n) {
  size_t used = strlen(buf);
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "",
                     names[i]);
    if (w < 0 || (size_t)w >= size - used) {
      if (size >= 4) {
        memcpy(buf + size - 4, "...", 4);
      }
      return;
    }
    used += (size_t)w;
  }
}

/* ---- reading one file ---------------------------------------------------- */

void es_compare_file_init(struct es_compare_file *file) {
  memset(file, 0, sizeof *file);
}

void es_compare_file_clear(struct es_compare_file *file) {
  if (file == NULL) {
    return;
  }
  free(file->path);
  free(file->scenario);
  free(file->currency);
  es_strings_free(file->strategy, file->n_strategies);
  free(file->year);
  es_strings_free(file->stage, file->n_stages);
  for (size_t v = 0; v < ES_COMPARE_N_VARS; v++) {
    free(file->values[v]);
  }
  es_compare_file_init(file);
}

/* Read the slice statistic = @p i_mean of indicators/@p name, [strategy,
 * statistic, year, stage], into @p out [strategy][year][stage]. */
static int read_variable(const hid_t group, const char *path, const char *name,
                         const hsize_t shape[4], const hsize_t i_mean,
                         double *out, struct es_error *err) {
  hid_t ds = H5I_INVALID_HID;
  hid_t space = H5I_INVALID_HID;
  hid_t type = H5I_INVALID_HID;
  hid_t mem_space = H5I_INVALID_HID;
  int rc = ES_OK;
  if (H5Lexists(group, name, H5P_DEFAULT) <= 0) {
    return ES_FAIL(err, ES_EINPUT,
                   "%s: indicators/%s is missing (expected float64 [strategy, "
                   "statistic, year, stage])",
                   path, name);
  }
  ds = H5Dopen2(group, name, H5P_DEFAULT);
  space = ds >= 0 ? H5Dget_space(ds) : H5I_INVALID_HID;
  type = ds >= 0 ? H5Dget_type(ds) : H5I_INVALID_HID;
  if (space < 0 || type < 0) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: indicators/%s is not a dataset (expected float64 "
                 "[strategy, statistic, year, stage])",
                 path, name);
    goto cleanup;
  }
  hsize_t dims[4] = {0, 0, 0, 0};
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank != 4 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
      H5Tget_class(type) != H5T_FLOAT || dims[0] != shape[0] ||
      dims[1] != shape[1] || dims[2] != shape[2] || dims[3] != shape[3]) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: indicators/%s has the wrong type or shape (expected "
                 "float64 [strategy, statistic, year, stage] = [%llu x %llu x "
                 "%llu x %llu])",
                 path, name, (unsigned long long)shape[0],
                 (unsigned long long)shape[1], (unsigned long long)shape[2],
                 (unsigned long long)shape[3]);
    goto cleanup;
  }
  const hsize_t start[4] = {0, i_mean, 0, 0};
  const hsize_t count[4] = {shape[0], 1, shape[2], shape[3]};
  const hsize_t mem_dims[3] = {shape[0], shape[2], shape[3]};
  mem_space = H5Screate_simple(3, mem_dims, NULL);
  if (mem_space < 0 ||
      H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) <
          0 ||
      H5Dread(ds, H5T_NATIVE_DOUBLE, mem_space, space, H5P_DEFAULT, out) < 0) {
    rc = ES_FAIL(err, ES_EHDF5, "%s: cannot read indicators/%s", path, name);
  }
cleanup:
  if (mem_space >= 0) {
    H5Sclose(mem_space);
  }
  if (type >= 0) {
    H5Tclose(type);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return rc;
}

int es_compare_file_read(struct es_compare_file *file, const char *path,
                         const struct es_digest_policy *policy,
                         struct es_error *err) {
  struct es_results_file *rf = NULL;
  hid_t h5 = H5I_INVALID_HID;
  hid_t group = H5I_INVALID_HID;
  char **statistic = NULL;
  size_t n_statistics = 0;
  es_compare_file_clear(file);

  int rc = es_results_file_open(path, policy, &rf, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  h5 = es_results_file_id(rf);
  /* A dataset named indicators, which no edusim writes, counts as absent. */
  if (H5Lexists(h5, "indicators", H5P_DEFAULT) > 0) {
    group = H5Gopen2(h5, "indicators", H5P_DEFAULT);
  }
  if (group < 0) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: no group 'indicators' (expected the indicators of the "
                 "allocation strategies, which files written by older "
                 "versions of edusim lack: run the scenario again)",
                 path);
    goto cleanup;
  }

  file->path = es_strdup(path);
  if (file->path == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", path);
    goto cleanup;
  }
  /* The opener checked both: scenario is there, currency may not be. */
  const char *scenario = es_results_file_attribute(rf, "scenario");
  const char *currency = es_results_file_attribute(rf, "currency");
  file->scenario = es_strdup(scenario != NULL ? scenario : "");
  file->currency = es_strdup(currency != NULL ? currency : "");
  if (file->scenario == NULL || file->currency == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", path);
    goto cleanup;
  }
  rc = es_results_file_read_text_coordinate(group, path, INDICATORS, "strategy",
                                            &file->strategy,
                                            &file->n_strategies, err);
  if (rc == ES_OK) {
    rc = es_results_file_read_text_coordinate(
        group, path, INDICATORS, "statistic", &statistic, &n_statistics, err);
  }
  if (rc == ES_OK) {
    rc = es_results_file_read_int32_coordinate(
        group, path, INDICATORS, "year", &file->year, &file->n_years, err);
  }
  if (rc == ES_OK) {
    rc = es_results_file_read_text_coordinate(
        group, path, INDICATORS, "stage", &file->stage, &file->n_stages, err);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  size_t i_mean = n_statistics;
  for (size_t i = 0; i < n_statistics; i++) {
    if (strcmp(statistic[i], "mean") == 0) {
      i_mean = i;
      break;
    }
  }
  if (i_mean == n_statistics) {
    char found[512] = "";
    join_names(found, sizeof found, statistic, n_statistics);
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: indicators has no statistic 'mean' (expected 'mean' "
                 "among: %s)",
                 path, found);
    goto cleanup;
  }

  const size_t n_cells = file->n_strategies * file->n_years * file->n_stages;
  if (n_cells / file->n_strategies / file->n_years != file->n_stages ||
      n_cells > ES_RESULTS_FILE_MAX_CELLS) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: %zu strategies x %zu years x %zu stages are too many "
                 "indicator values (expected at most %zu)",
                 path, file->n_strategies, file->n_years, file->n_stages,
                 ES_RESULTS_FILE_MAX_CELLS);
    goto cleanup;
  }
  const hsize_t shape[4] = {(hsize_t)file->n_strategies, (hsize_t)n_statistics,
                            (hsize_t)file->n_years, (hsize_t)file->n_stages};
  for (size_t v = 0; v < ES_COMPARE_N_VARS && rc == ES_OK; v++) {
    file->values[v] = malloc(n_cells * sizeof *file->values[v]);
    if (file->values[v] == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values of %s", path, n_cells,
                   var_names[v]);
      break;
    }
    rc = read_variable(group, path, var_names[v], shape, (hsize_t)i_mean,
                       file->values[v], err);
  }

cleanup:
  es_strings_free(statistic, n_statistics);
  if (group >= 0) {
    H5Gclose(group);
  }
  es_results_file_free(rf);
  if (rc != ES_OK) {
    es_compare_file_clear(file);
  }
  return rc;
}

/* ---- building the comparison --------------------------------------------- */

void es_compare_table_init(struct es_compare_table *table) {
  memset(table, 0, sizeof *table);
}

void es_compare_table_clear(struct es_compare_table *table) {
  if (table == NULL) {
    return;
  }
  es_strings_free(table->path, table->n_files);
  es_strings_free(table->scenario, table->n_files);
  free(table->currency);
  free(table->stage);
  if (table->rows != NULL) {
    for (size_t r = 0; r < table->n_rows; r++) {
      free(table->rows[r].label);
      free(table->rows[r].strategy);
    }
  }
  free(table->rows);
  es_compare_table_init(table);
}

/* Files after the first must have its years, stages and currency. */
static int check_same_axes(const struct es_compare_file *files,
                           const size_t n_files, struct es_error *err) {
  const struct es_compare_file *a = &files[0];
  for (size_t f = 1; f < n_files; f++) {
    const struct es_compare_file *b = &files[f];
    bool same_years =
        a->n_years == b->n_years &&
        memcmp(a->year, b->year, a->n_years * sizeof *a->year) == 0;
    if (!same_years) {
      return ES_FAIL(err, ES_EINPUT,
                     "%s: years %" PRId32 "..%" PRId32
                     " differ from those of %s (expected the same years in "
                     "every file: %" PRId32 "..%" PRId32 ")",
                     b->path, b->year[0], b->year[b->n_years - 1], a->path,
                     a->year[0], a->year[a->n_years - 1]);
    }
    bool same_stages = a->n_stages == b->n_stages;
    for (size_t k = 0; same_stages && k < a->n_stages; k++) {
      same_stages = strcmp(a->stage[k], b->stage[k]) == 0;
    }
    if (!same_stages) {
      char mine[400] = "";
      char theirs[400] = "";
      join_names(mine, sizeof mine, b->stage, b->n_stages);
      join_names(theirs, sizeof theirs, a->stage, a->n_stages);
      return ES_FAIL(err, ES_EINPUT,
                     "%s: stages (%s) differ from those of %s (expected the "
                     "same stages in every file: %s)",
                     b->path, mine, a->path, theirs);
    }
    if (strcmp(a->currency, b->currency) != 0) {
      return ES_FAIL(err, ES_EINPUT,
                     "%s: currency '%s' differs from '%s' of %s (expected the "
                     "same currency in every file)",
                     b->path, b->currency, a->currency, a->path);
    }
  }
  return ES_OK;
}

/* The label prefix of file @p f: its scenario name, or its path when the
 * name is empty or shared with another file. */
static const char *label_prefix(const struct es_compare_file *files,
                                const size_t n_files, const size_t f) {
  const char *name = files[f].scenario;
  if (name[0] == '\0') {
    return files[f].path;
  }
  for (size_t g = 0; g < n_files; g++) {
    if (g != f && strcmp(files[g].scenario, name) == 0) {
      return files[f].path;
    }
  }
  return name;
}

/* The values of one strategy at year index @p i_year over stages
 * @p k_lo..@p k_hi - 1 (MODEL 7; aggregation in the paragraph atop). */
static void aggregate(const struct es_compare_file *file,
                      const size_t i_strategy, const size_t i_year,
                      const size_t k_lo, const size_t k_hi,
                      double value[ES_COMPARE_N_METRICS]) {
  const double *students = file->values[ES_COMPARE_VAR_STUDENTS];
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    const double *x = file->values[metric_var[m]];
    double sum = 0.0;
    switch (metric_aggregation[m]) {
      case AGG_STOCK:
        for (size_t k = k_lo; k < k_hi; k++) {
          sum += x[es_compare_file_idx(file, i_strategy, i_year, k)];
        }
        value[m] = sum;
        break;
      case AGG_FLOW:
        for (size_t y = 1; y <= i_year; y++) {
          for (size_t k = k_lo; k < k_hi; k++) {
            sum += x[es_compare_file_idx(file, i_strategy, y, k)];
          }
        }
        value[m] = sum;
        break;
      case AGG_SHARE:
      default:
        if (k_hi - k_lo == 1) {
          value[m] = x[es_compare_file_idx(file, i_strategy, i_year, k_lo)];
          break;
        }
        double weight = 0.0;
        for (size_t k = k_lo; k < k_hi; k++) {
          const size_t i = es_compare_file_idx(file, i_strategy, i_year, k);
          if (students[i] > 0.0) {
            sum += x[i] * students[i];
            weight += students[i];
          }
        }
        value[m] = weight > 0.0 ? sum / weight : NAN;
        break;
    }
  }
}

/* Find the row named by @p baseline: its label, else the one row whose
 * strategy is @p baseline. */
static int find_baseline(const struct es_compare_table *table,
                         const char *baseline, struct es_error *err) {
  for (size_t r = 0; r < table->n_rows; r++) {
    if (strcmp(table->rows[r].label, baseline) == 0) {
      return (int)r;
    }
  }
  size_t n_found = 0;
  size_t found = 0;
  for (size_t r = 0; r < table->n_rows; r++) {
    const struct es_compare_row *row = &table->rows[r];
    if (strcmp(row->strategy, baseline) == 0) {
      found = n_found == 0 ? r : found;
      n_found++;
    }
  }
  if (n_found == 1) {
    return (int)found;
  }
  char labels[600] = "";
  for (size_t r = 0; r < table->n_rows; r++) {
    const struct es_compare_row *row = &table->rows[r];
    if (n_found > 1 && strcmp(row->strategy, baseline) != 0) {
      continue;
    }
    join_names(labels, sizeof labels, &row->label, 1);
  }
  if (n_found > 1) {
    ES_FAIL(err, ES_EINPUT,
            "--baseline '%s': ambiguous, %zu files have that strategy "
            "(expected one of: %s)",
            baseline, n_found, labels);
  } else {
    ES_FAIL(err, ES_EINPUT,
            "--baseline '%s': unknown strategy (expected one of: %s)", baseline,
            labels);
  }
  return -1;
}

int es_compare_build(struct es_compare_table *table,
                     const struct es_compare_file *files, const size_t n_files,
                     const struct es_compare_options *opts,
                     struct es_error *err) {
  es_compare_table_clear(table);
  if (files == NULL || n_files == 0 || opts == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "es_compare_build: no file");
  }
  int rc = check_same_axes(files, n_files, err);
  if (rc != ES_OK) {
    return rc;
  }
  const struct es_compare_file *first = &files[0];

  /* The year Y. */
  size_t i_year = first->n_years - 1;
  if (opts->have_year) {
    i_year = first->n_years;
    for (size_t y = 0; y < first->n_years; y++) {
      if (first->year[y] == opts->year) {
        i_year = y;
        break;
      }
    }
    if (i_year == first->n_years) {
      return ES_FAIL(err, ES_EINPUT,
                     "--year %" PRId32
                     ": not a year of the results (expected a year from "
                     "%" PRId32 " to %" PRId32 ")",
                     opts->year, first->year[0],
                     first->year[first->n_years - 1]);
    }
  }

  /* The stages. */
  size_t k_lo = 0;
  size_t k_hi = first->n_stages;
  if (opts->stage != NULL) {
    k_lo = first->n_stages;
    for (size_t k = 0; k < first->n_stages; k++) {
      if (strcmp(first->stage[k], opts->stage) == 0) {
        k_lo = k;
        break;
      }
    }
    if (k_lo == first->n_stages) {
      char stages[600] = "";
      join_names(stages, sizeof stages, first->stage, first->n_stages);
      return ES_FAIL(err, ES_EINPUT,
                     "--stage '%s': unknown stage (expected one of: %s)",
                     opts->stage, stages);
    }
    k_hi = k_lo + 1;
  }

  size_t n_rows = 0;
  for (size_t f = 0; f < n_files; f++) {
    n_rows += files[f].n_strategies;
  }
  table->n_files = n_files;
  table->path = calloc(n_files, sizeof *table->path);
  table->scenario = calloc(n_files, sizeof *table->scenario);
  table->currency = es_strdup(first->currency);
  table->stage = opts->stage != NULL ? es_strdup(opts->stage) : NULL;
  table->rows = calloc(n_rows, sizeof *table->rows);
  table->n_rows = n_rows;
  table->year = first->year[i_year];
  table->first_year = first->year[0];
  if (table->path == NULL || table->scenario == NULL ||
      table->currency == NULL || table->rows == NULL ||
      (opts->stage != NULL && table->stage == NULL)) {
    rc = ES_FAIL(err, ES_ENOMEM, "comparison of %zu strategies", n_rows);
    goto cleanup;
  }
  for (size_t f = 0; f < n_files; f++) {
    table->path[f] = es_strdup(files[f].path);
    table->scenario[f] = es_strdup(files[f].scenario);
    if (table->path[f] == NULL || table->scenario[f] == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "comparison of %zu files", n_files);
      goto cleanup;
    }
  }

  size_t r = 0;
  for (size_t f = 0; f < n_files; f++) {
    const char *prefix = label_prefix(files, n_files, f);
    for (size_t s = 0; s < files[f].n_strategies; s++, r++) {
      struct es_compare_row *row = &table->rows[r];
      const char *name = files[f].strategy[s];
      row->i_file = f;
      row->i_strategy = s;
      if (n_files == 1) {
        row->label = es_strdup(name);
      } else {
        size_t n = strlen(prefix) + 1 + strlen(name) + 1;
        row->label = malloc(n);
        if (row->label != NULL) {
          snprintf(row->label, n, "%s/%s", prefix, name);
        }
      }
      row->strategy = es_strdup(name);
      if (row->label == NULL || row->strategy == NULL) {
        rc = ES_FAIL(err, ES_ENOMEM, "comparison of %zu strategies", n_rows);
        goto cleanup;
      }
      aggregate(&files[f], s, i_year, k_lo, k_hi, row->value);
    }
  }

  if (opts->baseline != NULL) {
    int found = find_baseline(table, opts->baseline, err);
    if (found < 0) {
      rc = ES_EINPUT;
      goto cleanup;
    }
    table->i_baseline = (size_t)found;
  }
  const struct es_compare_row *base = &table->rows[table->i_baseline];
  for (r = 0; r < n_rows; r++) {
    struct es_compare_row *row = &table->rows[r];
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      const double b = base->value[m];
      row->diff[m] = row->value[m] - b;
      row->ratio[m] = b != 0.0 ? row->value[m] / b : NAN;
      row->pct[m] = b != 0.0 ? 100.0 * row->diff[m] / b : NAN;
    }
  }

cleanup:
  if (rc != ES_OK) {
    es_compare_table_clear(table);
  }
  return rc;
}

/* ---- formatting ---------------------------------------------------------- */

/* Room for one formatted cell of the table and markdown formats. */
#define CELL_MAX 48

/* Half a unit of the last digit shown: values nearer 0 print as 0, so that
 * rounding never shows "-0.0". */
static double snap_zero(const double x, const double half_unit) {
  return fabs(x) < half_unit ? 0.0 : x;
}

/* A count for a person: whole numbers with thousands separators below a
 * million, one decimal for small fractional values (means over replicates),
 * then millions (M), billions (B) and trillions (T) with two decimals. */
static void format_count(char *buf, const size_t size, const double v,
                         const bool with_sign) {
  if (isnan(v)) {
    snprintf(buf, size, "n/a");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, size, "%s", v > 0 ? (with_sign ? "+inf" : "inf") : "-inf");
    return;
  }
  const double a = fabs(v);
  if (a >= 1e6) {
    const double scale = a < 1e9 ? 1e6 : a < 1e12 ? 1e9 : 1e12;
    const char *suffix = a < 1e9 ? "M" : a < 1e12 ? "B" : "T";
    snprintf(buf, size, with_sign ? "%+.2f%s" : "%.2f%s", v / scale, suffix);
    return;
  }
  if (a < 100.0 && fabs(v - nearbyint(v)) >= 0.05) {
    snprintf(buf, size, with_sign ? "%+.1f" : "%.1f", v);
    return;
  }
  const long long whole = llround(v);
  if (whole == 0) {
    snprintf(buf, size, "0");
    return;
  }
  char digits[24];
  int n = snprintf(digits, sizeof digits, "%lld", whole < 0 ? -whole : whole);
  size_t out = 0;
  if (whole < 0 || with_sign) {
    buf[out++] = whole < 0 ? '-' : '+';
  }
  for (int i = 0; i < n && out + 2 < size; i++) {
    if (i > 0 && (n - i) % 3 == 0) {
      buf[out++] = ',';
    }
    buf[out++] = digits[i];
  }
  buf[out] = '\0';
}

/* A value of metric @p m for a person; @p diff: a difference (signed, and
 * shares in percentage points). */
static void format_metric(char *buf, const size_t size, const size_t m,
                          const double v, const bool diff) {
  if (isnan(v)) {
    snprintf(buf, size, "n/a");
  } else if (m == ES_COMPARE_OVER_STANDARD_SHARE) {
    snprintf(buf, size, diff ? "%+.1f pp" : "%.1f%%",
             snap_zero(100.0 * v, 0.05));
  } else if (m == ES_COMPARE_GINI) {
    snprintf(buf, size, diff ? "%+.4f" : "%.4f", snap_zero(v, 0.00005));
  } else {
    format_count(buf, size, v, diff);
  }
}

/* A percent change for a person. */
static void format_pct(char *buf, const size_t size, const double pct) {
  if (isnan(pct)) {
    snprintf(buf, size, "n/a");
  } else {
    snprintf(buf, size, "%+.1f%%", snap_zero(pct, 0.05));
  }
}

/* Characters of UTF-8 text (not bytes), for alignment. */
static size_t text_width(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    n += (*p & 0xC0) != 0x80;
  }
  return n;
}

/* Print @p s in a field of @p width characters, left or right aligned. */
static void print_padded(FILE *out, const char *s, const size_t width,
                         const bool left) {
  size_t w = text_width(s);
  if (left) {
    fputs(s, out);
  }
  for (size_t i = w; i < width; i++) {
    fputc(' ', out);
  }
  if (!left) {
    fputs(s, out);
  }
}

/* "2021-2030", "2021", or "" when Y is the first year. */
static void years_summed(char *buf, const size_t size,
                         const struct es_compare_table *t) {
  if (t->year == t->first_year) {
    buf[0] = '\0';
  } else if (t->year == t->first_year + 1) {
    snprintf(buf, size, "%" PRId32, t->year);
  } else {
    snprintf(buf, size, "%" PRId32 "-%" PRId32, t->first_year + 1, t->year);
  }
}

/* The two header lines of each column of the table format. */
static const char *const table_top[ES_COMPARE_N_METRICS] = {
    "unmet",    "idle",     "over-std", "gini",
    "teachers", "teachers", "seats",    "cost"};
static const char *const table_bottom[ES_COMPARE_N_METRICS] = {
    "seats", "seats", "share", "", "moved", "hired", "built", ""};

static void table_heads(const struct es_compare_table *t, const size_t m,
                        const char **head1, const char **head2) {
  *head1 = table_top[m];
  *head2 = table_bottom[m];
  if (m == ES_COMPARE_GINI && t->stage == NULL) {
    *head2 = "(*)";
  } else if (m == ES_COMPARE_COST) {
    *head2 = t->currency;
  }
}

/* The blocks of the table format: values, differences, percent changes. */
enum block { BLOCK_VALUE, BLOCK_DIFF, BLOCK_PCT, N_BLOCKS };

/* The cells of the table format, [block][row][metric], and the width of
 * every column, the same in every block so that the blocks line up. */
struct table_layout {
  char (*cells)[CELL_MAX];            /* [N_BLOCKS * n_rows * metrics] */
  size_t label_width;                 /* characters of the first column */
  size_t width[ES_COMPARE_N_METRICS]; /* characters of each metric column */
};

static char *layout_cell(const struct table_layout *lay, const size_t n_rows,
                         const size_t block, const size_t r, const size_t m) {
  return lay->cells[(block * n_rows + r) * ES_COMPARE_N_METRICS + m];
}

static int table_layout(const struct es_compare_table *t,
                        struct table_layout *lay, struct es_error *err) {
  lay->cells =
      malloc(N_BLOCKS * t->n_rows * ES_COMPARE_N_METRICS * sizeof *lay->cells);
  if (lay->cells == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "table cells");
  }
  lay->label_width = strlen("strategy");
  for (size_t r = 0; r < t->n_rows; r++) {
    size_t w = text_width(t->rows[r].label);
    lay->label_width = w > lay->label_width ? w : lay->label_width;
  }
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    const char *h1 = NULL;
    const char *h2 = NULL;
    table_heads(t, m, &h1, &h2);
    size_t width =
        text_width(h1) > text_width(h2) ? text_width(h1) : text_width(h2);
    for (size_t r = 0; r < t->n_rows; r++) {
      const struct es_compare_row *row = &t->rows[r];
      char *value = layout_cell(lay, t->n_rows, BLOCK_VALUE, r, m);
      char *diff = layout_cell(lay, t->n_rows, BLOCK_DIFF, r, m);
      char *pct = layout_cell(lay, t->n_rows, BLOCK_PCT, r, m);
      format_metric(value, CELL_MAX, m, row->value[m], /*diff=*/false);
      format_metric(diff, CELL_MAX, m, row->diff[m], /*diff=*/true);
      format_pct(pct, CELL_MAX, row->pct[m]);
      const char *cells[3] = {value, diff, pct};
      for (size_t b = 0; b < 3; b++) {
        width = text_width(cells[b]) > width ? text_width(cells[b]) : width;
      }
    }
    lay->width[m] = width;
  }
  return ES_OK;
}

static void print_table_block(const struct es_compare_table *t,
                              const struct table_layout *lay,
                              const enum block block, FILE *out) {
  for (int line = 0; line < 2; line++) {
    print_padded(out, line == 0 ? "" : "strategy", lay->label_width,
                 /*left=*/true);
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      const char *h1 = NULL;
      const char *h2 = NULL;
      table_heads(t, m, &h1, &h2);
      fputs("  ", out);
      print_padded(out, line == 0 ? h1 : h2, lay->width[m], /*left=*/false);
    }
    fputc('\n', out);
  }
  for (size_t r = 0; r < t->n_rows; r++) {
    print_padded(out, t->rows[r].label, lay->label_width, /*left=*/true);
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      fputs("  ", out);
      print_padded(out, layout_cell(lay, t->n_rows, block, r, m), lay->width[m],
                   /*left=*/false);
    }
    fputc('\n', out);
  }
}

/* The lines every human-readable format starts with, each after @p lead. */
static void print_settings(const struct es_compare_table *t, const char *lead,
                           FILE *out) {
  const char *baseline = t->rows[t->i_baseline].label;
  char summed[32];
  years_summed(summed, sizeof summed, t);
  if (summed[0] != '\0') {
    fprintf(out,
            "%syear: %" PRId32
            " (teachers moved and hired, seats built and cost: sums over "
            "%s)\n",
            lead, t->year, summed);
  } else {
    fprintf(out,
            "%syear: %" PRId32
            " (the observed first year: no teachers moved or hired, no seats "
            "built, no cost)\n",
            lead, t->year);
  }
  if (t->stage != NULL) {
    fprintf(out, "%sstage: %s\n", lead, t->stage);
  } else {
    fprintf(out,
            "%sstage: all (counts summed; over-standard share and gini "
            "weighted by students)\n",
            lead);
  }
  fprintf(out, "%sbaseline: %s\n", lead, baseline);
  fprintf(out, "%scurrency: %s\n", lead,
          t->currency[0] != '\0' ? t->currency : "(not given)");
}

static int print_table(const struct es_compare_table *t, FILE *out,
                       struct es_error *err) {
  struct table_layout lay;
  int rc = table_layout(t, &lay, err);
  if (rc != ES_OK) {
    return rc;
  }
  for (size_t f = 0; f < t->n_files; f++) {
    fprintf(out, "%s %s", f == 0 ? "edusim compare:" : "               ",
            t->path[f]);
    if (t->scenario[f][0] != '\0') {
      fprintf(out, " (scenario %s)", t->scenario[f]);
    }
    fputc('\n', out);
  }
  print_settings(t, "", out);
  fputc('\n', out);
  print_table_block(t, &lay, BLOCK_VALUE, out);
  fprintf(out, "\ndifference vs baseline %s\n", t->rows[t->i_baseline].label);
  print_table_block(t, &lay, BLOCK_DIFF, out);
  fprintf(out, "\npercent change vs baseline %s\n",
          t->rows[t->i_baseline].label);
  print_table_block(t, &lay, BLOCK_PCT, out);
  if (t->stage == NULL) {
    fprintf(out, "\n(*) %s\n", gini_all_label);
  }
  free(lay.cells);
  return ES_OK;
}

/* Markdown text: '|' and '\' escaped so a cell stays one cell. */
static void print_markdown_text(FILE *out, const char *s) {
  for (const char *p = s; *p != '\0'; p++) {
    if (*p == '|' || *p == '\\') {
      fputc('\\', out);
    }
    fputc(*p, out);
  }
}

/* The column heads of the markdown format. */
static const char *const markdown_heads[ES_COMPARE_N_METRICS] = {
    "unmet seats",    "idle seats",     "over-standard share", "gini",
    "teachers moved", "teachers hired", "seats built",         "cost"};

static void print_markdown_header(const struct es_compare_table *t, FILE *out) {
  fputs("| strategy |", out);
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    if (m == ES_COMPARE_GINI && t->stage == NULL) {
      fprintf(out, " %s |", gini_all_label);
    } else if (m == ES_COMPARE_COST && t->currency[0] != '\0') {
      fputs(" cost (", out);
      print_markdown_text(out, t->currency);
      fputs(") |", out);
    } else {
      fprintf(out, " %s |", markdown_heads[m]);
    }
  }
  fputs("\n| :--- |", out);
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    fputs(" ---: |", out);
  }
  fputc('\n', out);
}

static int print_markdown(const struct es_compare_table *t, FILE *out) {
  fputs("Strategies compared by edusim compare:\n\n", out);
  for (size_t f = 0; f < t->n_files; f++) {
    fputs("- file: `", out);
    fputs(t->path[f], out);
    fputc('`', out);
    if (t->scenario[f][0] != '\0') {
      fputs(" (scenario ", out);
      print_markdown_text(out, t->scenario[f]);
      fputc(')', out);
    }
    fputc('\n', out);
  }
  print_settings(t, "- ", out);
  fputc('\n', out);
  char cell[CELL_MAX];
  char pct[CELL_MAX];
  print_markdown_header(t, out);
  for (size_t r = 0; r < t->n_rows; r++) {
    fputs("| ", out);
    print_markdown_text(out, t->rows[r].label);
    fputs(" |", out);
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      format_metric(cell, sizeof cell, m, t->rows[r].value[m],
                    /*diff=*/false);
      fprintf(out, " %s |", cell);
    }
    fputc('\n', out);
  }
  fputs("\nDifference vs baseline ", out);
  print_markdown_text(out, t->rows[t->i_baseline].label);
  fputs(" (percent change):\n\n", out);
  print_markdown_header(t, out);
  for (size_t r = 0; r < t->n_rows; r++) {
    fputs("| ", out);
    print_markdown_text(out, t->rows[r].label);
    fputs(" |", out);
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      format_metric(cell, sizeof cell, m, t->rows[r].diff[m], /*diff=*/true);
      format_pct(pct, sizeof pct, t->rows[r].pct[m]);
      fprintf(out, " %s (%s) |", cell, pct);
    }
    fputc('\n', out);
  }
  return ES_OK;
}

/* A number that reads back to the same double: %.17g; NaN and infinities as
 * the words R and pandas read ("NaN", "Inf", "-Inf") or JSON null. */
static void print_exact(FILE *out, const double v, const bool json) {
  if (isnan(v)) {
    fputs(json ? "null" : "NaN", out);
  } else if (isinf(v)) {
    fputs(json ? "null" : v > 0 ? "Inf" : "-Inf", out);
  } else {
    fprintf(out, "%.17g", v);
  }
}

static const char *const column_suffix[4] = {"", "_diff", "_ratio", "_pct"};

static int print_csv(const struct es_compare_table *t, FILE *out) {
  fputs("label,scenario,strategy,year,stage", out);
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    for (size_t c = 0; c < 4; c++) {
      fprintf(out, ",%s%s", metric_names[m], column_suffix[c]);
    }
  }
  fputc('\n', out);
  for (size_t r = 0; r < t->n_rows; r++) {
    const struct es_compare_row *row = &t->rows[r];
    es_csv_put_field(out, row->label, /*quote_empty=*/false);
    fputc(',', out);
    es_csv_put_field(out, t->scenario[row->i_file], /*quote_empty=*/false);
    fputc(',', out);
    es_csv_put_field(out, row->strategy, /*quote_empty=*/false);
    fprintf(out, ",%" PRId32 ",", t->year);
    es_csv_put_field(out, t->stage != NULL ? t->stage : "all",
                     /*quote_empty=*/false);
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      const double v[4] = {row->value[m], row->diff[m], row->ratio[m],
                           row->pct[m]};
      for (size_t c = 0; c < 4; c++) {
        fputc(',', out);
        print_exact(out, v[c], /*json=*/false);
      }
    }
    fputc('\n', out);
  }
  return ES_OK;
}

/* A JSON string: quotes, backslashes and control characters escaped; UTF-8
 * passes through. */
static void print_json_text(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', out);
      fputc(*p, out);
    } else if (*p == '\n') {
      fputs("\\n", out);
    } else if (*p == '\t') {
      fputs("\\t", out);
    } else if (*p == '\r') {
      fputs("\\r", out);
    } else if (*p < 0x20) {
      fprintf(out, "\\u%04x", (unsigned)*p);
    } else {
      fputc(*p, out);
    }
  }
  fputc('"', out);
}

static int print_json(const struct es_compare_table *t, FILE *out) {
  fputs("{\n  \"metadata\": {\n    \"files\": [", out);
  for (size_t f = 0; f < t->n_files; f++) {
    fputs(f > 0 ? ", " : "", out);
    print_json_text(out, t->path[f]);
  }
  fputs("],\n    \"scenarios\": [", out);
  for (size_t f = 0; f < t->n_files; f++) {
    fputs(f > 0 ? ", " : "", out);
    print_json_text(out, t->scenario[f]);
  }
  fprintf(out,
          "],\n    \"year\": %" PRId32 ",\n    \"first_year\": %" PRId32 ",\n",
          t->year, t->first_year);
  if (t->year > t->first_year) {
    fprintf(out, "    \"sums_over\": [%" PRId32 ", %" PRId32 "],\n",
            t->first_year + 1, t->year);
  } else {
    fputs("    \"sums_over\": null,\n", out);
  }
  fputs("    \"stage\": ", out);
  print_json_text(out, t->stage != NULL ? t->stage : "all");
  fputs(",\n    \"statistic\": \"mean\",\n    \"baseline\": ", out);
  print_json_text(out, t->rows[t->i_baseline].label);
  fputs(",\n    \"currency\": ", out);
  print_json_text(out, t->currency);
  fputs(",\n    \"gini\": ", out);
  print_json_text(out, t->stage != NULL ? "gini of the stage" : gini_all_label);
  fputs(",\n    \"units\": {", out);
  for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
    fprintf(out, "%s\"%s\": ", m > 0 ? ", " : "", metric_names[m]);
    print_json_text(out,
                    metric_units[m] != NULL ? metric_units[m] : t->currency);
  }
  fputs("}\n  },\n  \"rows\": [\n", out);
  for (size_t r = 0; r < t->n_rows; r++) {
    const struct es_compare_row *row = &t->rows[r];
    fputs("    {\"label\": ", out);
    print_json_text(out, row->label);
    fputs(", \"file\": ", out);
    print_json_text(out, t->path[row->i_file]);
    fputs(", \"scenario\": ", out);
    print_json_text(out, t->scenario[row->i_file]);
    fputs(", \"strategy\": ", out);
    print_json_text(out, row->strategy);
    for (size_t m = 0; m < ES_COMPARE_N_METRICS; m++) {
      const double v[4] = {row->value[m], row->diff[m], row->ratio[m],
                           row->pct[m]};
      for (size_t c = 0; c < 4; c++) {
        fprintf(out, ", \"%s%s\": ", metric_names[m], column_suffix[c]);
        print_exact(out, v[c], /*json=*/true);
      }
    }
    fputs(r + 1 < t->n_rows ? "},\n" : "}\n", out);
  }
  fputs("  ]\n}\n", out);
  return ES_OK;
}

int es_compare_print(const struct es_compare_table *table,
                     const enum es_compare_format format, FILE *out,
                     struct es_error *err) {
  if (table == NULL || table->n_rows == 0 || out == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "es_compare_print: empty comparison");
  }
  int rc = ES_OK;
  switch (format) {
    case ES_COMPARE_FORMAT_CSV:
      rc = print_csv(table, out);
      break;
    case ES_COMPARE_FORMAT_MARKDOWN:
      rc = print_markdown(table, out);
      break;
    case ES_COMPARE_FORMAT_JSON:
      rc = print_json(table, out);
      break;
    case ES_COMPARE_FORMAT_TABLE:
    default:
      rc = print_table(table, out, err);
      break;
  }
  if (rc != ES_OK) {
    return rc;
  }
  if (fflush(out) != 0 || ferror(out)) {
    return ES_FAIL(err, ES_EIO, "cannot write the comparison: %s",
                   strerror(errno));
  }
  return ES_OK;
}

int es_compare(const char *const *paths, const size_t n_paths,
               const struct es_compare_options *opts, FILE *out,
               struct es_error *err) {
  if (paths == NULL || n_paths == 0 || opts == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "es_compare: no results file");
  }
  struct es_compare_table table;
  es_compare_table_init(&table);
  int rc = ES_OK;
  struct es_compare_file *files = calloc(n_paths, sizeof *files);
  if (files == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%zu results files", n_paths);
  }
  for (size_t f = 0; f < n_paths && rc == ES_OK; f++) {
    rc = es_compare_file_read(&files[f], paths[f], &opts->digest, err);
  }
  if (rc == ES_OK) {
    rc = es_compare_build(&table, files, n_paths, opts, err);
  }
  if (rc == ES_OK) {
    rc = es_compare_print(&table, opts->format, out, err);
  }
  es_compare_table_clear(&table);
  for (size_t f = 0; f < n_paths; f++) {
    es_compare_file_clear(&files[f]);
  }
  free(files);
  return rc;
}
