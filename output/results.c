/* results.c: the results of a run in memory, and the checks they pass before
 * they are written.
 *
 * A run fills a struct es_results: the axes (strategy, statistic, year,
 * region, age, stage, replicate) with their labels, the variables of every
 * group as flat row-major float64 arrays over some of those axes, the
 * provenance, and every input file verbatim. es__results_check makes sure
 * that all of it can be written as DESIGN "Results file" says (short link
 * names, UTF-8 text, one label per cell of every axis in use) before the
 * writer (results_write.c) opens a file, so that a bad request never leaves a
 * half-written file behind. */
#include "output/results.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/strings.h"
#include "output/results_impl.h"

/* Names, long names and units of the axes, in enum es_dim order. */
static const struct {
  const char *name;
  const char *long_name;
  const char *units;
} dim_info[ES_DIM_COUNT] = {
    {"strategy", "allocation strategy", "1"},
    {"statistic", "statistic over replicates", "1"},
    {"year", "calendar year", "year"},
    {"region", "region code", "1"},
    {"age", "age in completed years", "year"},
    {"stage", "school stage", "1"},
    {"statistic", "statistic over replicates", "1"},
    {"replicate", "replicate number", "1"},
};

/* Names of the variables the writer adds along region and stage; a user
 * variable may not take them. */
static const char *const reserved_names[] = {
    "region_name",        "region_province",  "region_prefecture",
    "region_rank",        "stage_age_lo",     "stage_age_hi",
    "stage_ptr_standard", "scenario_resolved"};

const char *es_dim_name(enum es_dim dim) {
  if ((size_t)dim >= ES_DIM_COUNT) {
    return "unknown";
  }
  return dim_info[dim].name;
}

const char *es__results_dim_long_name(enum es_dim dim) {
  return (size_t)dim < ES_DIM_COUNT ? dim_info[dim].long_name : "unknown";
}

const char *es__results_dim_units(enum es_dim dim) {
  return (size_t)dim < ES_DIM_COUNT ? dim_info[dim].units : "1";
}

/* ---- the in-memory results -------------------------------------------- */

void es_results_init(struct es_results *res) {
  memset(res, 0, sizeof *res);
}

void es_results_clear(struct es_results *res) {
  if (res == NULL) {
    return;
  }
  es_strings_free(res->strategy, res->dim_len[ES_DIM_STRATEGY]);
  es_strings_free(res->statistic, res->dim_len[ES_DIM_STATISTIC]);
  es_strings_free(res->indicator_statistic,
                  res->dim_len[ES_DIM_INDICATOR_STATISTIC]);
  free(res->replicate);
  free(res->year);
  free(res->age);
  es_strings_free(res->stage, res->dim_len[ES_DIM_STAGE]);
  free(res->stage_age_lo);
  free(res->stage_age_hi);
  free(res->stage_ptr_standard);
  const size_t n_regions = res->dim_len[ES_DIM_REGION];
  es_strings_free(res->region, n_regions);
  es_strings_free(res->region_name, n_regions);
  es_strings_free(res->region_province, n_regions);
  es_strings_free(res->region_prefecture, n_regions);
  free(res->region_rank);
  for (size_t i = 0; i < res->n_variables; i++) {
    free(res->variables[i].data);
  }
  free(res->variables);
  free(res->title);
  free(res->software_version);
  free(res->scenario_name);
  free(res->command);
  free(res->mode);
  free(res->currency);
  free(res->scenario_resolved);
  for (size_t i = 0; i < res->n_sources; i++) {
    free(res->sources[i].role);
    free(res->sources[i].path);
    free(res->sources[i].bytes);
  }
  free(res->sources);
  memset(res, 0, sizeof *res);
}

/* Number of values of a variable over @p dims; false on size_t overflow. */
static bool count_values(const struct es_results *res, size_t n_dims,
                         const enum es_dim *dims, size_t *n_values) {
  size_t n = 1;
  for (size_t k = 0; k < n_dims; k++) {
    const size_t len = res->dim_len[dims[k]];
    if (len != 0 && n > SIZE_MAX / sizeof(double) / len) {
      return false;
    }
    n *= len;
  }
  *n_values = n;
  return true;
}

/* Checks the axes of a variable: 1..ES_VARIABLE_MAX_DIMS known, distinct. */
static int check_dims(size_t n_dims, const enum es_dim *dims, const char *group,
                      const char *name, struct es_error *err) {
  if (n_dims < 1 || n_dims > ES_VARIABLE_MAX_DIMS) {
    return ES_FAIL(err, ES_EINVAL, "variable %s/%s: %zu axes (expected 1..%d)",
                   group, name, n_dims, ES_VARIABLE_MAX_DIMS);
  }
  for (size_t k = 0; k < n_dims; k++) {
    if ((size_t)dims[k] >= ES_DIM_COUNT) {
      return ES_FAIL(err, ES_EINVAL, "variable %s/%s: axis %zu is %d (unknown)",
                     group, name, k, (int)dims[k]);
    }
    for (size_t j = 0; j < k; j++) {
      if (dims[j] == dims[k]) {
        return ES_FAIL(err, ES_EINVAL, "variable %s/%s: axis '%s' repeated",
                       group, name, dim_info[dims[k]].name);
      }
    }
  }
  return ES_OK;
}

double *es_results_add(struct es_results *res, const char *group,
                       const char *name, const char *long_name,
                       const char *units, size_t n_dims,
                       const enum es_dim *dims, struct es_error *err) {
  if (res == NULL || group == NULL || name == NULL || long_name == NULL ||
      units == NULL || dims == NULL) {
    ES_FAIL(err, ES_EINVAL, "%s", "es_results_add: NULL argument");
    return NULL;
  }
  if (check_dims(n_dims, dims, group, name, err) != ES_OK) {
    return NULL;
  }
  if (es_results_find(res, group, name) != NULL) {
    ES_FAIL(err, ES_EINVAL, "variable %s/%s added twice", group, name);
    return NULL;
  }
  size_t n_values = 0;
  if (!count_values(res, n_dims, dims, &n_values)) {
    ES_FAIL(err, ES_ENOMEM, "variable %s/%s: too many values", group, name);
    return NULL;
  }
  double *data = calloc(n_values > 0 ? n_values : 1, sizeof *data);
  struct es_variable *grown =
      realloc(res->variables, (res->n_variables + 1) * sizeof *grown);
  if (data == NULL || grown == NULL) {
    free(data);
    if (grown != NULL) {
      res->variables = grown;
    }
    ES_FAIL(err, ES_ENOMEM, "variable %s/%s: out of memory for %zu values",
            group, name, n_values);
    return NULL;
  }
  res->variables = grown;
  struct es_variable *v = &res->variables[res->n_variables++];
  memset(v, 0, sizeof *v);
  v->group = group;
  v->name = name;
  v->long_name = long_name;
  v->units = units;
  v->n_dims = n_dims;
  memcpy(v->dims, dims, n_dims * sizeof *dims);
  v->data = data;
  return data;
}

struct es_variable *es_results_find(const struct es_results *res,
                                    const char *group, const char *name) {
  if (res == NULL || group == NULL || name == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < res->n_variables; i++) {
    struct es_variable *v = &res->variables[i];
    if (v->group != NULL && v->name != NULL && strcmp(v->group, group) == 0 &&
        strcmp(v->name, name) == 0) {
      return v;
    }
  }
  return NULL;
}

/* ---- text helpers ------------------------------------------------------ */

/* Length of the UTF-8 sequence at s[0..n) (1..4), or 0 when it is not
 * well-formed (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF)
 * or is a NUL byte, which HDF5 strings cannot hold. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  const unsigned char c = s[0];
  if (c == 0) {
    return 0;
  }
  if (c < 0x80) {
    return 1;
  }
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    lo = c == 0xe0 ? 0xa0 : 0x80; /* overlong */
    hi = c == 0xed ? 0x9f : 0xbf; /* surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    lo = c == 0xf0 ? 0x90 : 0x80; /* overlong */
    hi = c == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) {
    return 0;
  }
  for (size_t i = 2; i < len; i++) {
    if (s[i] < 0x80 || s[i] > 0xbf) {
      return 0;
    }
  }
  return len;
}

/* True when @p n bytes are UTF-8 text without NUL. */
static bool utf8_valid(const char *text, size_t n) {
  const unsigned char *s = (const unsigned char *)text;
  for (size_t i = 0; i < n;) {
    const size_t len = utf8_sequence(s + i, n - i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

/* A copy of @p text (NULL reads as "") with every byte that is not part of a
 * well-formed UTF-8 sequence replaced by '?', so that provenance text from
 * the command line never makes the write fail. NULL when out of memory. */
char *es__results_utf8_sanitized(const char *text) {
  if (text == NULL) {
    text = "";
  }
  const size_t n = strlen(text);
  char *out = malloc(n + 1);
  if (out == NULL) {
    return NULL;
  }
  const unsigned char *s = (const unsigned char *)text;
  for (size_t i = 0; i < n;) {
    const size_t len = utf8_sequence(s + i, n - i);
    if (len == 0) {
      out[i++] = '?';
    } else {
      memcpy(out + i, text + i, len);
      i += len;
    }
  }
  out[n] = '\0';
  return out;
}

/* Base64 (RFC 4648, with padding) of @p n bytes, NUL-terminated; NULL when
 * out of memory. */
char *es__results_base64(const unsigned char *bytes, size_t n) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (n > (SIZE_MAX - 1) / 4 * 3 - 3) {
    return NULL;
  }
  const size_t n_out = (n + 2) / 3 * 4;
  char *out = malloc(n_out + 1);
  if (out == NULL) {
    return NULL;
  }
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    const size_t left = n - i;
    const uint32_t b = (uint32_t)bytes[i] << 16 |
                       (left > 1 ? (uint32_t)bytes[i + 1] << 8 : 0u) |
                       (left > 2 ? (uint32_t)bytes[i + 2] : 0u);
    out[o++] = alphabet[(b >> 18) & 0x3fu];
    out[o++] = alphabet[(b >> 12) & 0x3fu];
    out[o++] = left > 1 ? alphabet[(b >> 6) & 0x3fu] : '=';
    out[o++] = left > 2 ? alphabet[b & 0x3fu] : '=';
  }
  out[o] = '\0';
  return out;
}

/* True when @p name can name an HDF5 link: not empty, no '/', not "." or
 * "..". */
static bool valid_link_name(const char *name) {
  return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
         strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static bool is_reserved_name(const char *name) {
  for (size_t d = 0; d < ES_DIM_COUNT; d++) {
    if (strcmp(name, dim_info[d].name) == 0) {
      return true;
    }
  }
  for (size_t i = 0; i < sizeof reserved_names / sizeof *reserved_names; i++) {
    if (strcmp(name, reserved_names[i]) == 0) {
      return true;
    }
  }
  return false;
}

/* ---- validation, before anything is written ---------------------------- */

/* Checks that @p n strings are present and UTF-8 text. */
static int check_labels(char *const *labels, size_t n, const char *what,
                        bool required, struct es_error *err) {
  if (labels == NULL) {
    if (required && n > 0) {
      return ES_FAIL(err, ES_EINVAL, "%s: labels missing (NULL)", what);
    }
    return ES_OK;
  }
  for (size_t i = 0; i < n; i++) {
    if (labels[i] == NULL) {
      return ES_FAIL(err, ES_EINVAL, "%s[%zu] is NULL", what, i);
    }
    if (!utf8_valid(labels[i], strlen(labels[i]))) {
      return ES_FAIL(err, ES_EINVAL, "%s[%zu] is not valid UTF-8 text", what,
                     i);
    }
  }
  return ES_OK;
}

/* The name under which source @p src is stored in group "scenario": its role,
 * or "<role>_base64" when its bytes are not UTF-8 text. */
bool es__results_source_is_text(const struct es_source_file *src) {
  return src->size == 0 || utf8_valid(src->bytes, src->size);
}

void es__results_source_dataset_name(const struct es_source_file *src,
                                     char *out, size_t out_size) {
  snprintf(out, out_size, "%s%s", src->role,
           es__results_source_is_text(src) ? "" : "_base64");
}

static int check_sources(const struct es_results *res, struct es_error *err) {
  if (res->n_sources > 0 && res->sources == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%zu sources but no array", res->n_sources);
  }
  if (res->scenario_resolved != NULL &&
      !utf8_valid(res->scenario_resolved, strlen(res->scenario_resolved))) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "the resolved scenario is not valid UTF-8 text");
  }
  for (size_t i = 0; i < res->n_sources; i++) {
    const struct es_source_file *src = &res->sources[i];
    if (!valid_link_name(src->role) ||
        strlen(src->role) + sizeof "_base64" > ES__RESULTS_NAME_MAX) {
      return ES_FAIL(err, ES_EINVAL,
                     "source %zu: role '%s' cannot name a dataset (expected "
                     "a short name without '/')",
                     i, src->role != NULL ? src->role : "(null)");
    }
    if (src->size > 0 && src->bytes == NULL) {
      return ES_FAIL(err, ES_EINVAL, "source '%s': %zu bytes but no data",
                     src->role, src->size);
    }
    char name_i[ES__RESULTS_NAME_MAX + 16];
    es__results_source_dataset_name(src, name_i, sizeof name_i);
    if (strcmp(name_i, "scenario_resolved") == 0) {
      return ES_FAIL(err, ES_EINVAL, "source %zu: role '%s' is reserved", i,
                     src->role);
    }
    for (size_t j = 0; j < i; j++) {
      char name_j[ES__RESULTS_NAME_MAX + 16];
      es__results_source_dataset_name(&res->sources[j], name_j, sizeof name_j);
      if (strcmp(name_i, name_j) == 0) {
        return ES_FAIL(err, ES_EINVAL,
                       "sources %zu and %zu both store as '%s' (roles must "
                       "be distinct)",
                       j, i, name_i);
      }
    }
  }
  return ES_OK;
}

int es__results_check(const struct es_results *res, struct es_error *err) {
  bool used[ES_DIM_COUNT] = {false};
  if (res->n_variables > 0 && res->variables == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%zu variables but no array",
                   res->n_variables);
  }
  for (size_t i = 0; i < res->n_variables; i++) {
    const struct es_variable *v = &res->variables[i];
    if (!valid_link_name(v->group) || strlen(v->group) > ES__RESULTS_NAME_MAX ||
        strcmp(v->group, "scenario") == 0) {
      return ES_FAIL(err, ES_EINVAL,
                     "variable %zu: group '%s' cannot be used (expected a "
                     "short name without '/', not 'scenario')",
                     i, v->group != NULL ? v->group : "(null)");
    }
    if (!valid_link_name(v->name) || strlen(v->name) > ES__RESULTS_NAME_MAX ||
        is_reserved_name(v->name)) {
      return ES_FAIL(err, ES_EINVAL,
                     "variable %zu of group %s: name '%s' cannot be used "
                     "(expected a short name without '/', not an axis or "
                     "a label variable)",
                     i, v->group, v->name != NULL ? v->name : "(null)");
    }
    if (v->long_name == NULL || v->units == NULL ||
        !utf8_valid(v->long_name, strlen(v->long_name)) ||
        !utf8_valid(v->units, strlen(v->units))) {
      return ES_FAIL(err, ES_EINVAL,
                     "variable %s/%s: long_name and units must be UTF-8 text",
                     v->group, v->name);
    }
    int rc = check_dims(v->n_dims, v->dims, v->group, v->name, err);
    if (rc != ES_OK) {
      return rc;
    }
    size_t n_values = 0;
    if (!count_values(res, v->n_dims, v->dims, &n_values)) {
      return ES_FAIL(err, ES_EINVAL, "variable %s/%s: too many values",
                     v->group, v->name);
    }
    if (n_values > 0 && v->data == NULL) {
      return ES_FAIL(err, ES_EINVAL, "variable %s/%s: no data", v->group,
                     v->name);
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(res->variables[j].group, v->group) == 0 &&
          strcmp(res->variables[j].name, v->name) == 0) {
        return ES_FAIL(err, ES_EINVAL, "variable %s/%s appears twice", v->group,
                       v->name);
      }
    }
    for (size_t k = 0; k < v->n_dims; k++) {
      used[v->dims[k]] = true;
    }
  }

  /* Coordinates of the axes in use, and the label variables. */
  int rc = ES_OK;
  const size_t *len = res->dim_len;
  if (used[ES_DIM_STRATEGY]) {
    rc = check_labels(res->strategy, len[ES_DIM_STRATEGY], "strategy",
                      /*required=*/true, err);
  }
  if (rc == ES_OK && used[ES_DIM_STATISTIC]) {
    rc = check_labels(res->statistic, len[ES_DIM_STATISTIC], "statistic",
                      /*required=*/true, err);
  }
  if (rc == ES_OK && used[ES_DIM_INDICATOR_STATISTIC]) {
    rc = check_labels(res->indicator_statistic, len[ES_DIM_INDICATOR_STATISTIC],
                      "statistic",
                      /*required=*/true, err);
  }
  if (rc == ES_OK && used[ES_DIM_STAGE]) {
    rc = check_labels(res->stage, len[ES_DIM_STAGE], "stage",
                      /*required=*/true, err);
  }
  if (rc == ES_OK && used[ES_DIM_REGION]) {
    const size_t n = len[ES_DIM_REGION];
    rc = check_labels(res->region, n, "region", /*required=*/true, err);
    if (rc == ES_OK) {
      rc = check_labels(res->region_name, n, "region_name",
                        /*required=*/false, err);
    }
    if (rc == ES_OK) {
      rc = check_labels(res->region_province, n, "region_province",
                        /*required=*/false, err);
    }
    if (rc == ES_OK) {
      rc = check_labels(res->region_prefecture, n, "region_prefecture",
                        /*required=*/false, err);
    }
  }
  if (rc != ES_OK) {
    return rc;
  }
  if (used[ES_DIM_YEAR] && len[ES_DIM_YEAR] > 0 && res->year == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "year: labels missing (NULL)");
  }
  if (used[ES_DIM_AGE] && len[ES_DIM_AGE] > 0 && res->age == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "age: labels missing (NULL)");
  }
  if (used[ES_DIM_REPLICATE] && len[ES_DIM_REPLICATE] > 0 &&
      res->replicate == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "replicate: labels missing (NULL)");
  }
  return check_sources(res, err);
}
