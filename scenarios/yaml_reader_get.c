/* yaml_reader_get.c: the typed getters of yaml_reader.h over the merged
 * document that yaml_reader.c builds (STYLE 21-22).
 *
 * Values are typed strictly: a number is a plain scalar (a quoted "2020" is a
 * string), true/false are the only booleans, and ~, null or nothing mean "no
 * value". Every getter marks its key as read in the mapping (es_ymap), so
 * that es_ymap_finish reports the keys no getter asked for, and every problem
 * is a diagnostic at the node's file:line:column that starts with the key
 * path. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "scenarios/yaml_reader.h"
#include "scenarios/yaml_reader_impl.h"

/* ---- scalars ----------------------------------------------------------- */

/* The node an alias stands for (the node itself otherwise; NULL if the alias
 * points nowhere). */
struct fy_node *es__yaml_deref(struct fy_node *node) {
  if (node != NULL && fy_node_is_alias(node)) {
    return fy_node_resolve_alias(node);
  }
  return node;
}

static bool is_plain(const struct fy_node *node) {
  return fy_node_get_style((struct fy_node *)(uintptr_t)node) == FYNS_PLAIN;
}

/* Plain scalars that mean "no value" besides the empty one (YAML 1.2 core). */
static const char *const null_words[] = {"~", "null", "Null", "NULL"};

/* A plain scalar meaning "no value": empty, ~ or null. */
bool es__yaml_is_null(const struct fy_node *node) {
  struct fy_node *n = (struct fy_node *)(uintptr_t)node;
  if (n == NULL) {
    return true;
  }
  if (!fy_node_is_scalar(n) || !is_plain(n)) {
    return false;
  }
  size_t len = 0;
  const char *text = fy_node_get_scalar(n, &len);
  if (text == NULL || len == 0) {
    return true;
  }
  for (size_t i = 0; i < sizeof null_words / sizeof null_words[0]; i++) {
    if (len == strlen(null_words[i]) && memcmp(text, null_words[i], len) == 0) {
      return true;
    }
  }
  return false;
}

/* The text of a scalar node as a NUL-terminated string in @p buf
 * (truncated); false when it does not fit. */
static bool scalar_text(const struct fy_node *node, char *buf, size_t size) {
  size_t len = 0;
  const char *text =
      fy_node_get_scalar((struct fy_node *)(uintptr_t)node, &len);
  if (text == NULL) {
    len = 0;
  }
  bool fits = len < size;
  size_t n = fits ? len : size - 1;
  memcpy(buf, text != NULL ? text : "", n);
  buf[n] = '\0';
  return fits;
}

const char *es_yaml_describe(const struct fy_node *node, char *buf,
                             size_t size) {
  struct fy_node *n = (struct fy_node *)(uintptr_t)node;
  if (n != NULL && fy_node_is_alias(n)) {
    n = fy_node_resolve_alias(n);
    if (n == NULL) {
      snprintf(buf, size, "an alias to an unknown anchor");
      return buf;
    }
  }
  if (es__yaml_is_null(n)) {
    snprintf(buf, size, "nothing");
  } else if (fy_node_is_mapping(n)) {
    snprintf(buf, size, "a mapping");
  } else if (fy_node_is_sequence(n)) {
    snprintf(buf, size, "a sequence");
  } else {
    char text[ES__YAML_QUOTE_MAX + 1];
    bool fits = scalar_text(n, text, sizeof text);
    snprintf(buf, size, "%s'%s%s'", is_plain(n) ? "" : "the quoted string ",
             text, fits ? "" : "...");
  }
  return buf;
}

const char *es_yrange_describe(struct es_yrange range, char *buf, size_t size) {
  bool has_lo = isfinite(range.lo);
  bool has_hi = isfinite(range.hi);
  if (has_lo && has_hi) {
    snprintf(buf, size, "a number in %c%g, %g%c", range.lo_open ? '(' : '[',
             range.lo, range.hi, range.hi_open ? ')' : ']');
  } else if (has_lo) {
    snprintf(buf, size, "a number %s %g", range.lo_open ? ">" : ">=", range.lo);
  } else if (has_hi) {
    snprintf(buf, size, "a number %s %g", range.hi_open ? "<" : "<=", range.hi);
  } else {
    snprintf(buf, size, "a number");
  }
  return buf;
}

static bool in_range(double v, struct es_yrange r) {
  bool lo_ok = r.lo_open ? v > r.lo : v >= r.lo;
  bool hi_ok = r.hi_open ? v < r.hi : v <= r.hi;
  return lo_ok && hi_ok;
}

/* Report "path: expected WHAT, got ..." at @p node. */
static void type_error(struct es_yaml *y, const struct fy_node *node,
                       const char *path, const char *what) {
  char got[ES__YAML_QUOTE_MAX + 40];
  es_yaml_describe(node, got, sizeof got);
  es_yaml_error(y, node, "%s: expected %s, got %s", path, what, got);
}

/* True when @p text is [+-]?[0-9]+. */
static bool looks_integer(const char *text) {
  const char *p = text;
  if (*p == '+' || *p == '-') {
    p++;
  }
  if (*p == '\0') {
    return false;
  }
  for (; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') {
      return false;
    }
  }
  return true;
}

/* The text of a plain, non-null scalar, or false (no error added). */
static bool plain_text(const struct fy_node *node, char *buf, size_t size) {
  struct fy_node *n = (struct fy_node *)(uintptr_t)node;
  return n != NULL && fy_node_is_scalar(n) && is_plain(n) &&
         !es__yaml_is_null(n) && scalar_text(n, buf, size);
}

bool es_yaml_node_int(struct es_yaml *y, const struct fy_node *node,
                      const char *path, int64_t lo, int64_t hi, int64_t *out) {
  char text[64];
  const struct fy_node *v = es__yaml_deref((struct fy_node *)(uintptr_t)node);
  if (!plain_text(v, text, sizeof text) || !looks_integer(text)) {
    type_error(y, node, path, "an integer");
    return false;
  }
  errno = 0;
  long long value = strtoll(text, NULL, 10);
  bool overflow = errno == ERANGE;
  if (overflow || value < lo || value > hi) {
    if (hi == INT64_MAX) {
      es_yaml_error(y, node,
                    "%s: %s is out of range (expected an integer >= "
                    "%" PRId64 ")",
                    path, text, lo);
    } else {
      es_yaml_error(y, node,
                    "%s: %s is out of range (expected an integer in "
                    "%" PRId64 "..%" PRId64 ")",
                    path, text, lo, hi);
    }
    return false;
  }
  *out = (int64_t)value;
  return true;
}

static bool node_uint64(struct es_yaml *y, const struct fy_node *node,
                        const char *path, uint64_t lo, uint64_t hi,
                        uint64_t *out) {
  char text[64];
  const struct fy_node *v = es__yaml_deref((struct fy_node *)(uintptr_t)node);
  if (!plain_text(v, text, sizeof text) || !looks_integer(text)) {
    type_error(y, node, path, "an integer");
    return false;
  }
  errno = 0;
  unsigned long long value = strtoull(text, NULL, 10);
  bool bad = errno == ERANGE || (text[0] == '-' && value != 0);
  if (bad || value < lo || value > hi) {
    if (hi == UINT64_MAX && lo > 0) {
      es_yaml_error(y, node,
                    "%s: %s is out of range (expected an integer >= "
                    "%" PRIu64 ")",
                    path, text, lo);
    } else {
      es_yaml_error(y, node,
                    "%s: %s is out of range (expected an integer in "
                    "%" PRIu64 "..%" PRIu64 ")",
                    path, text, lo, hi);
    }
    return false;
  }
  *out = (uint64_t)value;
  return true;
}

/* True when @p text is a decimal number: [+-]? digits [. digits] [e[+-]d+],
 * with digits on at least one side of the point. */
static bool looks_number(const char *text) {
  const char *p = text;
  size_t digits = 0;
  if (*p == '+' || *p == '-') {
    p++;
  }
  for (; *p >= '0' && *p <= '9'; p++) {
    digits++;
  }
  if (*p == '.') {
    p++;
    for (; *p >= '0' && *p <= '9'; p++) {
      digits++;
    }
  }
  if (digits == 0) {
    return false;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') {
      p++;
    }
    if (*p < '0' || *p > '9') {
      return false;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
    }
  }
  return *p == '\0';
}

bool es_yaml_node_double(struct es_yaml *y, const struct fy_node *node,
                         const char *path, struct es_yrange range,
                         double *out) {
  char text[64];
  const struct fy_node *v = es__yaml_deref((struct fy_node *)(uintptr_t)node);
  if (!plain_text(v, text, sizeof text) || !looks_number(text)) {
    type_error(y, node, path, "a number");
    return false;
  }
  double value = strtod(text, NULL);
  if (!isfinite(value) || !in_range(value, range)) {
    char expected[96];
    es_yrange_describe(range, expected, sizeof expected);
    es_yaml_error(y, node, "%s: %s is out of range (expected %s)", path, text,
                  expected);
    return false;
  }
  *out = value;
  return true;
}

bool es_yaml_node_string(struct es_yaml *y, const struct fy_node *node,
                         const char *path, char **out) {
  struct fy_node *v = es__yaml_deref((struct fy_node *)(uintptr_t)node);
  if (v == NULL || !fy_node_is_scalar(v) || es__yaml_is_null(v)) {
    type_error(y, node, path, "a string");
    return false;
  }
  size_t len = 0;
  const char *text = fy_node_get_scalar(v, &len);
  if (text == NULL || len == 0) {
    es_yaml_error(y, node, "%s: must not be empty", path);
    return false;
  }
  if (memchr(text, '\0', len) != NULL) {
    es_yaml_error(y, node, "%s: contains a NUL character", path);
    return false;
  }
  char *copy = malloc(len + 1);
  if (copy == NULL) {
    y->nomem = true;
    return false;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  free(*out);
  *out = copy;
  return true;
}

/* ---- mappings ---------------------------------------------------------- */

enum es_yget es_ymap_init(struct es_ymap *m, struct es_yaml *y,
                          struct fy_node *node, const struct fy_node *at,
                          const char *path) {
  memset(m, 0, sizeof *m);
  m->y = y;
  m->at = at != NULL ? at : node;
  snprintf(m->path, sizeof m->path, "%s", path);
  struct fy_node *v = es__yaml_deref(node);
  if (v == NULL || !fy_node_is_mapping(v)) {
    char got[ES__YAML_QUOTE_MAX + 40];
    es_yaml_describe(node, got, sizeof got);
    if (path[0] == '\0') {
      es_yaml_error(y, node != NULL ? node : at,
                    "expected a mapping of keys at the top level, got %s", got);
    } else {
      es_yaml_error(y, node != NULL ? node : at,
                    "%s: expected a mapping, got %s", path, got);
    }
    return ES_YGET_BAD;
  }
  m->node = v;
  return ES_YGET_OK;
}

const char *es_ymap_key_path(const struct es_ymap *m, const char *key,
                             char *buf, size_t size) {
  int w = m->path[0] == '\0' ? snprintf(buf, size, "%s", key)
                             : snprintf(buf, size, "%s.%s", m->path, key);
  if (w < 0 || (size_t)w >= size) {
    /* A path longer than ES_YAML_PATH_MAX is cut short in messages. */
    buf[size - 1] = '\0';
  }
  return buf;
}

static bool key_is(struct fy_node *key_node, const char *key) {
  if (key_node == NULL || !fy_node_is_scalar(key_node)) {
    return false;
  }
  size_t len = 0;
  const char *text = fy_node_get_scalar(key_node, &len);
  return text != NULL && len == strlen(key) && memcmp(text, key, len) == 0;
}

static struct fy_node_pair *find_pair(const struct es_ymap *m,
                                      const char *key) {
  if (m->node == NULL) {
    return NULL;
  }
  void *it = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(m->node, &it)) != NULL) {
    if (key_is(fy_node_pair_key(pair), key)) {
      return pair;
    }
  }
  return NULL;
}

bool es_ymap_has(const struct es_ymap *m, const char *key) {
  return find_pair(m, key) != NULL;
}

struct fy_node *es_ymap_key_node(const struct es_ymap *m, const char *key) {
  struct fy_node_pair *pair = find_pair(m, key);
  return pair != NULL ? fy_node_pair_key(pair) : NULL;
}

static bool listed(const char *const *names, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], key) == 0) {
      return true;
    }
  }
  return false;
}

static void remember(struct es_ymap *m, const char *key) {
  if (!listed(m->known, m->n_known, key)) {
    ES_ASSERT(m->n_known < ES_YAML_MAX_KEYS);
    m->known[m->n_known++] = key;
  }
}

void es_ymap_quiet(struct es_ymap *m, const char *key) {
  if (!listed(m->quiet, m->n_quiet, key)) {
    ES_ASSERT(m->n_quiet < ES_YAML_MAX_KEYS);
    m->quiet[m->n_quiet++] = key;
  }
}

struct fy_node *es_ymap_value(struct es_ymap *m, const char *key,
                              bool required) {
  remember(m, key);
  struct fy_node_pair *pair = find_pair(m, key);
  if (pair == NULL) {
    /* A mapping that is itself absent or bad has been reported already. */
    if (required && m->node != NULL) {
      if (m->path[0] == '\0') {
        es_yaml_error(m->y, m->at, "missing required key '%s'", key);
      } else {
        es_yaml_error(m->y, m->at, "%s: missing required key '%s'", m->path,
                      key);
      }
    }
    return NULL;
  }
  struct fy_node *value = fy_node_pair_value(pair);
  /* A key without a value ("key:") is given the key's place. */
  return value != NULL ? value : fy_node_pair_key(pair);
}

void es_ymap_finish(struct es_ymap *m) {
  if (m->node == NULL) {
    return;
  }
  void *it = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(m->node, &it)) != NULL) {
    struct fy_node *key_node = fy_node_pair_key(pair);
    char key[ES_YAML_PATH_MAX];
    if (key_node == NULL || !fy_node_is_scalar(key_node) ||
        es__yaml_is_null(key_node)) {
      char got[ES__YAML_QUOTE_MAX + 40];
      es_yaml_describe(key_node, got, sizeof got);
      es_yaml_error(m->y, key_node != NULL ? key_node : m->at,
                    "%s%skeys must be names, got %s", m->path,
                    m->path[0] != '\0' ? ": " : "", got);
      continue;
    }
    scalar_text(key_node, key, sizeof key);
    if (listed(m->known, m->n_known, key) ||
        listed(m->quiet, m->n_quiet, key)) {
      continue;
    }
    char expected[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < m->n_known && used < sizeof expected; i++) {
      int w = snprintf(expected + used, sizeof expected - used, "%s%s",
                       i > 0 ? ", " : "", m->known[i]);
      used += w > 0 ? (size_t)w : 0;
    }
    es_yaml_error(m->y, key_node, "%s%sunknown key '%s' (expected one of: %s)",
                  m->path, m->path[0] != '\0' ? ": " : "", key, expected);
  }
}

/* ---- typed getters ------------------------------------------------------ */

enum es_yget es_ymap_int(struct es_ymap *m, const char *key, bool required,
                         int64_t lo, int64_t hi, int64_t *out) {
  struct fy_node *v = es_ymap_value(m, key, required);
  if (v == NULL) {
    return ES_YGET_ABSENT;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  return es_yaml_node_int(m->y, v, path, lo, hi, out) ? ES_YGET_OK
                                                      : ES_YGET_BAD;
}

enum es_yget es_ymap_uint64(struct es_ymap *m, const char *key, bool required,
                            uint64_t lo, uint64_t hi, uint64_t *out) {
  struct fy_node *v = es_ymap_value(m, key, required);
  if (v == NULL) {
    return ES_YGET_ABSENT;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  return node_uint64(m->y, v, path, lo, hi, out) ? ES_YGET_OK : ES_YGET_BAD;
}

enum es_yget es_ymap_double(struct es_ymap *m, const char *key, bool required,
                            struct es_yrange range, double *out) {
  struct fy_node *v = es_ymap_value(m, key, required);
  if (v == NULL) {
    return ES_YGET_ABSENT;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  return es_yaml_node_double(m->y, v, path, range, out) ? ES_YGET_OK
                                                        : ES_YGET_BAD;
}

enum es_yget es_ymap_bool(struct es_ymap *m, const char *key, bool required,
                          bool *out) {
  struct fy_node *v = es_ymap_value(m, key, required);
  if (v == NULL) {
    return ES_YGET_ABSENT;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  char text[16];
  if (plain_text(es__yaml_deref(v), text, sizeof text)) {
    if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 ||
        strcmp(text, "TRUE") == 0) {
      *out = true;
      return ES_YGET_OK;
    }
    if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 ||
        strcmp(text, "FALSE") == 0) {
      *out = false;
      return ES_YGET_OK;
    }
  }
  type_error(m->y, v, path, "true or false");
  return ES_YGET_BAD;
}

enum es_yget es_ymap_string(struct es_ymap *m, const char *key, bool required,
                            char **out) {
  struct fy_node *v = es_ymap_value(m, key, required);
  if (v == NULL) {
    return ES_YGET_ABSENT;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  return es_yaml_node_string(m->y, v, path, out) ? ES_YGET_OK : ES_YGET_BAD;
}

enum es_yget es_ymap_choice(struct es_ymap *m, const char *key, bool required,
                            const char *const *names, size_t n_names,
                            size_t *out) {
  char *text = NULL;
  enum es_yget got = es_ymap_string(m, key, required, &text);
  if (got != ES_YGET_OK) {
    return got;
  }
  for (size_t i = 0; i < n_names; i++) {
    if (strcmp(text, names[i]) == 0) {
      *out = i;
      free(text);
      return ES_YGET_OK;
    }
  }
  char expected[512] = "";
  size_t used = 0;
  for (size_t i = 0; i < n_names && used < sizeof expected; i++) {
    int w = snprintf(expected + used, sizeof expected - used, "%s%s",
                     i > 0 ? ", " : "", names[i]);
    used += w > 0 ? (size_t)w : 0;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  es_yaml_error(m->y, es_ymap_value(m, key, false),
                "%s: unknown '%s' (expected: %s)", path, text, expected);
  free(text);
  return ES_YGET_BAD;
}

enum es_yget es_ymap_per_age(struct es_ymap *m, const char *key, bool required,
                             size_t n_ages, struct es_yrange range,
                             double *out) {
  struct fy_node *node = es_ymap_value(m, key, required);
  if (node == NULL) {
    return ES_YGET_ABSENT;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  struct fy_node *v = es__yaml_deref(node);
  if (v != NULL && fy_node_is_sequence(v)) {
    size_t n = (size_t)fy_node_sequence_item_count(v);
    if (n != n_ages) {
      es_yaml_error(m->y, node,
                    "%s: %zu values, expected %zu (one per age 0..%zu)", path,
                    n, n_ages, n_ages > 0 ? n_ages - 1 : 0);
      return ES_YGET_BAD;
    }
    bool ok = true;
    void *it = NULL;
    struct fy_node *item;
    size_t i = 0;
    while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
      char item_path[ES_YAML_PATH_MAX + 24];
      snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
      double value = 0.0;
      if (es_yaml_node_double(m->y, item, item_path, range, &value)) {
        out[i] = value;
      } else {
        ok = false;
      }
      i++;
    }
    return ok ? ES_YGET_OK : ES_YGET_BAD;
  }
  if (v != NULL && fy_node_is_mapping(v)) {
    type_error(m->y, node, path, "a number or a list of numbers");
    return ES_YGET_BAD;
  }
  double value = 0.0;
  if (!es_yaml_node_double(m->y, node, path, range, &value)) {
    return ES_YGET_BAD;
  }
  for (size_t i = 0; i < n_ages; i++) {
    out[i] = value;
  }
  return ES_YGET_OK;
}

enum es_yget es_ymap_map(struct es_ymap *m, const char *key, bool required,
                         struct es_ymap *child) {
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, key, path, sizeof path);
  struct fy_node *v = es_ymap_value(m, key, required);
  if (v == NULL) {
    memset(child, 0, sizeof *child);
    child->y = m->y;
    child->at = m->at;
    snprintf(child->path, sizeof child->path, "%s", path);
    return ES_YGET_ABSENT;
  }
  return es_ymap_init(child, m->y, v, es_ymap_key_node(m, key), path);
}

enum es_yget es_ymap_seq(struct es_ymap *m, const char *key, bool required,
                         struct fy_node **seq) {
  struct fy_node *node = es_ymap_value(m, key, required);
  if (node == NULL) {
    return ES_YGET_ABSENT;
  }
  struct fy_node *v = es__yaml_deref(node);
  if (v == NULL || !fy_node_is_sequence(v)) {
    char path[ES_YAML_PATH_MAX];
    es_ymap_key_path(m, key, path, sizeof path);
    type_error(m->y, node, path, "a list");
    return ES_YGET_BAD;
  }
  *seq = v;
  return ES_YGET_OK;
}
