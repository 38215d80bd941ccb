/* scenario_keys.c: passes 1 and 2 of the scenario loader (scenario.c):
 * every key of the merged YAML document, read through the typed getters of
 * yaml_reader.c, each value checked against its range as it is read, keys no
 * getter asked for reported as unknown; then the cross-references inside the
 * file (stage ages that must not overlap and must lie inside max_age, unique
 * names, cross_stage and blend strategies naming existing stages and
 * strategies). Every problem is a diagnostic at the YAML place of the value,
 * with the key path first (STYLE 21-23). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "models/strings.h"
#include "scenarios/csv.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_impl.h"
#include "scenarios/yaml_reader.h"

static const char *const mode_names[] = {
    [ES_MODE_DETERMINISTIC] = "deterministic",
    [ES_MODE_STOCHASTIC] = "stochastic",
};

static const char *const model_names[] = {
    [ES_DESTINATIONS_NONE] = "none",
    [ES_DESTINATIONS_MATRIX] = "matrix",
    [ES_DESTINATIONS_GRAVITY] = "gravity",
};

static const char *const default_statistics[] = {"mean", "sd", "p05", "p50",
                                                 "p95"};

/* Keys of a strategy that belong to one basis only. */
struct basis_key {
  const char *key;
  enum es_basis basis;
};
static const struct basis_key basis_keys[] = {
    {"rank_weights", ES_BASIS_RANK}, {"horizon", ES_BASIS_FORECAST},
    {"from", ES_BASIS_BLEND},        {"to", ES_BASIS_BLEND},
    {"start_year", ES_BASIS_BLEND},  {"years", ES_BASIS_BLEND},
};

/* Per-age migration rates of demography.migration (MODEL 3.2, 3.5). */
static const char *const rate_keys[] = {"local_out_rate", "migrant_out_rate",
                                        "return_rate", "external_in_rate"};

/* The two ends of a blend (MODEL 5.1). */
static const char *const blend_ends[] = {"from", "to"};

/* Gravity-only keys of demography.migration.destinations. */
static const char *const gravity_keys[] = {"internal_share", "attraction",
                                           "beta", "gamma", "top"};

/* The keys of the data mapping, by role. */
static const char *const data_keys[ES_DATA_COUNT] = {
    [ES_DATA_REGIONS] = "regions",     [ES_DATA_POPULATION] = "population",
    [ES_DATA_TEACHERS] = "teachers",   [ES_DATA_SEATS] = "seats",
    [ES_DATA_MIGRATION] = "migration",
};

const char *es__scenario_data_key(const enum es_data_role role) {
  return data_keys[role];
}

const char *es_mode_name(enum es_mode mode) {
  if ((size_t)mode < sizeof mode_names / sizeof mode_names[0]) {
    return mode_names[mode];
  }
  return "?";
}

/* ---- small helpers ------------------------------------------------------ */

/* "a, b, c" of @p n names into @p buf. */
static const char *join_names(const char *const *names, size_t n, char *buf,
                              size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < size; i++) {
    int w =
        snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "", names[i]);
    used += w > 0 ? (size_t)w : 0;
  }
  return buf;
}

/* The folder of the file that wrote @p node (the scenario's for a node of
 * unknown place), as a new string. */
static char *origin_dir(const struct es__scenario_loader *ld,
                        const struct fy_node *node) {
  struct es_yaml_mark mark = es_yaml_node_mark(&ld->y, node);
  return es__scenario_folder_of(mark.file != NULL ? mark.file
                                                  : ld->sc->file.path);
}

/* ---- pass 1: the keys -------------------------------------------------- */

static bool valid_name(const char *name) {
  for (const char *p = name; *p != '\0'; p++) {
    bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
    if (!ok) {
      return false;
    }
  }
  return name[0] != '\0';
}

static void read_identity(struct es__scenario_loader *ld,
                          struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;

  if (es_ymap_string(root, "name", true, &sc->name) == ES_YGET_OK &&
      !valid_name(sc->name)) {
    es_yaml_error(y, es_ymap_value(root, "name", false),
                  "name: '%s' has characters other than letters, digits, "
                  "'.', '_' and '-'",
                  sc->name);
  }
  es_ymap_string(root, "description", false, &sc->description);

  struct es_ymap years;
  if (es_ymap_map(root, "years", true, &years) == ES_YGET_OK) {
    int64_t start = 0, end = 0;
    bool ok_start = es_ymap_int(&years, "start", true, YEAR_MIN, YEAR_MAX,
                                &start) == ES_YGET_OK;
    bool ok_end = es_ymap_int(&years, "end", true, YEAR_MIN, YEAR_MAX, &end) ==
                  ES_YGET_OK;
    if (ok_start && ok_end && end < start) {
      es_yaml_error(y, es_ymap_value(&years, "end", false),
                    "years.end: %d is before years.start %d (expected end >= "
                    "start)",
                    (int)end, (int)start);
    }
    sc->year_start = (int)start;
    sc->year_end = (int)end;
    ld->years_key = es_ymap_value(root, "years", /*required=*/false);
  }
  es_ymap_finish(&years);

  size_t mode = ES_MODE_DETERMINISTIC;
  es_ymap_choice(root, "mode", false, mode_names,
                 sizeof mode_names / sizeof mode_names[0], &mode);
  sc->mode = (enum es_mode)mode;

  sc->replicates = DEFAULT_REPLICATES;
  if (es_ymap_uint64(root, "replicates", false, 1, ES_SCENARIO_MAX_REPLICATES,
                     &sc->replicates) == ES_YGET_OK &&
      sc->mode == ES_MODE_DETERMINISTIC) {
    es_yaml_notice(y, es_ymap_key_node(root, "replicates"),
                   "%s (mode is deterministic); ignored",
                   ES_SCENARIO_NOTICE_REPLICATES);
  }
  sc->seed = DEFAULT_SEED;
  es_ymap_uint64(root, "seed", false, 0, UINT64_MAX, &sc->seed);

  const char *methods[ES_APPORTION_DEAN + 1];
  for (size_t i = 0; i <= ES_APPORTION_DEAN; i++) {
    methods[i] = es_apportion_method_name((enum es_apportion_method)i);
  }
  size_t method = ES_APPORTION_WEBSTER;
  if (es_ymap_choice(root, "apportionment", false, methods,
                     sizeof methods / sizeof methods[0],
                     &method) == ES_YGET_OK) {
    enum es_apportion_method m = ES_APPORTION_WEBSTER;
    es_apportion_method_from_name(methods[method], &m);
    method = (size_t)m;
  }
  sc->apportionment = (enum es_apportion_method)method;

  if (es_ymap_string(root, "currency", false, &sc->currency) ==
      ES_YGET_ABSENT) {
    sc->currency = es_strdup(DEFAULT_CURRENCY);
    if (sc->currency == NULL) {
      y->nomem = true;
    }
  }
}

/* stages[i].ages: [lo, hi]. */
static bool read_ages(struct es__scenario_loader *ld, struct es_ymap *m,
                      struct es_stage *stage) {
  struct fy_node *seq = NULL;
  if (es_ymap_seq(m, "ages", true, &seq) != ES_YGET_OK) {
    return false;
  }
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, "ages", path, sizeof path);
  int n = fy_node_sequence_item_count(seq);
  if (n != 2) {
    es_yaml_error(&ld->y, es_ymap_value(m, "ages", false),
                  "%s: expected [first, last], got %d values", path, n);
    return false;
  }
  int64_t lo = 0, hi = 0;
  char item[ES_YAML_PATH_MAX + 8];
  snprintf(item, sizeof item, "%s[0]", path);
  bool ok = es_yaml_node_int(&ld->y, fy_node_sequence_get_by_index(seq, 0),
                             item, 0, AGE_MAX, &lo);
  snprintf(item, sizeof item, "%s[1]", path);
  ok = es_yaml_node_int(&ld->y, fy_node_sequence_get_by_index(seq, 1), item, 0,
                        AGE_MAX, &hi) &&
       ok;
  if (ok && lo > hi) {
    es_yaml_error(&ld->y, es_ymap_value(m, "ages", false),
                  "%s: first age %d is above last age %d (expected first <= "
                  "last)",
                  path, (int)lo, (int)hi);
    return false;
  }
  stage->age_lo = (size_t)lo;
  stage->age_hi = (size_t)hi;
  return ok;
}

static void read_stage(struct es__scenario_loader *ld, size_t i,
                       struct es_ymap *m, bool *ages_ok) {
  struct es_stage *stage = &ld->sc->stages[i];
  es_stage_set_defaults(stage);

  es_ymap_string(m, "name", true, &stage->name);
  *ages_ok = read_ages(ld, m, stage);
  es_ymap_double(m, "enrollment", false, ES_YRANGE_UNIT, &stage->enrollment);
  stage->migrant_enrollment = stage->enrollment;
  es_ymap_double(m, "migrant_enrollment", false, ES_YRANGE_UNIT,
                 &stage->migrant_enrollment);
  es_ymap_double(m, "ptr_standard", true, RANGE_PTR, &stage->ptr_standard);
  es_ymap_int(m, "min_teachers", false, 0, MIN_TEACHERS_MAX,
              &stage->min_teachers);
  es_ymap_double(m, "teacher_attrition", false, ES_YRANGE_UNIT,
                 &stage->teacher_attrition);
  stage->has_hiring_cap = es_ymap_int(m, "hiring_cap", false, 0, YEARLY_CAP_MAX,
                                      &stage->hiring_cap) == ES_YGET_OK;

  struct es_ymap sub;
  if (es_ymap_map(m, "transfer", false, &sub) == ES_YGET_OK) {
    es_ymap_double(&sub, "share", true, ES_YRANGE_UNIT, &stage->transfer_share);
    const char *pools[ES_POOL_ALL + 1];
    for (size_t p = 0; p <= ES_POOL_ALL; p++) {
      pools[p] = es_pool_name((enum es_pool)p);
    }
    size_t pool = ES_POOL_NONE;
    if (es_ymap_choice(&sub, "pool", true, pools,
                       sizeof pools / sizeof pools[0], &pool) == ES_YGET_OK) {
      es_pool_from_name(pools[pool], &stage->transfer_pool);
      ld->pool_node[i] = es_ymap_value(&sub, "pool", false);
    }
  }
  es_ymap_finish(&sub);

  if (es_ymap_map(m, "construction", false, &sub) == ES_YGET_OK) {
    stage->has_construction = true;
    es_ymap_int(&sub, "cap", true, 0, YEARLY_CAP_MAX, &stage->construction_cap);
    es_ymap_int(&sub, "lead_time", false, 0, LEAD_TIME_MAX,
                &stage->lead_time_years);
  }
  es_ymap_finish(&sub);

  if (es_ymap_map(m, "consolidation", false, &sub) == ES_YGET_OK) {
    es_ymap_double(&sub, "share", true, ES_YRANGE_UNIT,
                   &stage->consolidation_share);
    es_ymap_double(&sub, "slack", false, RANGE_SLACK,
                   &stage->consolidation_slack);
  }
  es_ymap_finish(&sub);

  es_ymap_double(m, "salary", false, RANGE_MONEY, &stage->salary);
  es_ymap_double(m, "build_cost", false, RANGE_MONEY, &stage->build_cost);
}

static void read_stages(struct es__scenario_loader *ld, struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct fy_node *seq = NULL;
  ld->stages_ok = false;
  if (es_ymap_seq(root, "stages", true, &seq) != ES_YGET_OK) {
    return;
  }
  size_t n = (size_t)fy_node_sequence_item_count(seq);
  if (n == 0 || n > ES_SCENARIO_MAX_STAGES) {
    es_yaml_error(y, es_ymap_value(root, "stages", false),
                  "stages: %zu stages (expected 1..%d)", n,
                  ES_SCENARIO_MAX_STAGES);
    return;
  }
  sc->stages = calloc(n, sizeof *sc->stages);
  if (sc->stages == NULL) {
    y->nomem = true;
    return;
  }
  sc->n_stages = n;
  bool all_ok = true;
  bool ok[ES_SCENARIO_MAX_STAGES] = {false};
  struct fy_node *ages_node[ES_SCENARIO_MAX_STAGES] = {NULL};
  struct fy_node *name_node[ES_SCENARIO_MAX_STAGES] = {NULL};
  for (size_t i = 0; i < n; i++) {
    char path[32];
    snprintf(path, sizeof path, "stages[%zu]", i);
    struct es_ymap m;
    es_stage_set_defaults(&sc->stages[i]);
    if (es_ymap_init(&m, y, fy_node_sequence_get_by_index(seq, (int)i), NULL,
                     path) == ES_YGET_OK) {
      read_stage(ld, i, &m, &ok[i]);
      ages_node[i] = es_ymap_value(&m, "ages", false);
      name_node[i] = es_ymap_value(&m, "name", false);
    }
    es_ymap_finish(&m);
    all_ok = all_ok && ok[i] && sc->stages[i].name != NULL;
  }
  /* Unique names, disjoint age ranges; the later stage carries the error. */
  for (size_t j = 0; j < n; j++) {
    for (size_t i = 0; i < j; i++) {
      const struct es_stage *a = &sc->stages[i], *b = &sc->stages[j];
      if (a->name != NULL && b->name != NULL && strcmp(a->name, b->name) == 0) {
        es_yaml_error(y, name_node[j],
                      "stages[%zu].name: duplicate stage name '%s' (also "
                      "stages[%zu].name)",
                      j, b->name, i);
        all_ok = false;
      }
      if (ok[i] && ok[j] && a->age_lo <= b->age_hi && b->age_lo <= a->age_hi) {
        es_yaml_error(y, ages_node[j],
                      "stages[%zu].ages: ages %zu..%zu of stage '%s' overlap "
                      "ages %zu..%zu of stage '%s'",
                      j, b->age_lo, b->age_hi, b->name ? b->name : "?",
                      a->age_lo, a->age_hi, a->name ? a->name : "?");
        all_ok = false;
      }
    }
  }
  ld->stages_ok = all_ok;
}

static void read_max_age(struct es__scenario_loader *ld, struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  size_t oldest = 0, i_oldest = 0;
  for (size_t k = 0; k < sc->n_stages; k++) {
    if (sc->stages[k].age_hi >= oldest) {
      oldest = sc->stages[k].age_hi;
      i_oldest = k;
    }
  }
  int64_t max_age = (int64_t)oldest;
  enum es_yget got = es_ymap_int(root, "max_age", false, 0, AGE_MAX, &max_age);
  ld->ages_ok = ld->stages_ok && got != ES_YGET_BAD;
  if (got == ES_YGET_OK && ld->stages_ok && (size_t)max_age < oldest) {
    es_yaml_error(&ld->y, es_ymap_value(root, "max_age", false),
                  "max_age: %d is below the oldest age of stage '%s' (%zu)",
                  (int)max_age, sc->stages[i_oldest].name, oldest);
    ld->ages_ok = false;
  }
  sc->max_age = (size_t)max_age;
}

/* A relative path as written in the file that wrote @p node, resolved
 * against that file's folder into *@p path; *@p rewritten is the same path
 * relative to the scenario file's folder, or NULL when the scenario's folder
 * wrote it (or it is absolute). @return false when out of memory. */
static bool resolve_written_path(struct es__scenario_loader *ld,
                                 const struct fy_node *node, const char *given,
                                 char **path, char **rewritten) {
  *rewritten = NULL;
  char *dir = origin_dir(ld, node);
  if (dir == NULL) {
    return false;
  }
  *path = es__scenario_resolve_path(dir, given);
  bool ok = *path != NULL;
  char *here = es__scenario_resolve_path(ld->dir, ".");
  char *there = es__scenario_resolve_path(dir, ".");
  ok = ok && here != NULL && there != NULL;
  if (ok && given[0] != '/' && strcmp(here, there) != 0) {
    *rewritten = es__scenario_relative_path(ld->dir, *path);
    ok = *rewritten != NULL;
  }
  free(here);
  free(there);
  free(dir);
  return ok;
}

static void read_data_paths(struct es__scenario_loader *ld,
                            struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_ymap m;
  es_ymap_map(root, "data", true, &m);
  ld->data_map = m.node;
  for (size_t role = 0; role < ES_DATA_COUNT; role++) {
    bool required = role == ES_DATA_REGIONS || role == ES_DATA_POPULATION;
    struct es_scenario_file *f = &sc->data[role];
    if (es_ymap_string(&m, data_keys[role], required, &f->given) !=
        ES_YGET_OK) {
      continue;
    }
    char *rewritten = NULL;
    if (!resolve_written_path(ld, es_ymap_value(&m, data_keys[role], false),
                              f->given, &f->path, &rewritten)) {
      ld->y.nomem = true;
      continue;
    }
    if (rewritten != NULL) {
      free(f->given);
      f->given = rewritten;
      ld->data_rewritten[role] = true;
    }
    f->present = true;
    ld->data_key[role] = es_ymap_key_node(&m, data_keys[role]);
  }
  es_ymap_finish(&m);
}

/* Index of stage @p name, or SIZE_MAX. */
static size_t find_stage(const struct es_scenario *sc, const char *name) {
  for (size_t k = 0; k < sc->n_stages; k++) {
    if (sc->stages[k].name != NULL && strcmp(sc->stages[k].name, name) == 0) {
      return k;
    }
  }
  return SIZE_MAX;
}

/* cross_stage.from / .to: a non-empty list of stage names. */
static bool read_stage_list(struct es__scenario_loader *ld, struct es_ymap *m,
                            const char *key, size_t **out, size_t *n_out) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct fy_node *seq = NULL;
  if (es_ymap_seq(m, key, true, &seq) != ES_YGET_OK) {
    return false;
  }
  size_t n = (size_t)fy_node_sequence_item_count(seq);
  if (n == 0) {
    es_yaml_error(y, es_ymap_value(m, key, false),
                  "cross_stage.%s: must list at least one stage", key);
    return false;
  }
  *out = calloc(n, sizeof **out);
  if (*out == NULL) {
    y->nomem = true;
    return false;
  }
  *n_out = n;
  const char *names[ES_SCENARIO_MAX_STAGES];
  for (size_t k = 0; k < sc->n_stages; k++) {
    names[k] = sc->stages[k].name != NULL ? sc->stages[k].name : "?";
  }
  char expected[512];
  join_names(names, sc->n_stages, expected, sizeof expected);
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    struct fy_node *item = fy_node_sequence_get_by_index(seq, (int)i);
    char path[64];
    snprintf(path, sizeof path, "cross_stage.%s[%zu]", key, i);
    char *name = NULL;
    if (!es_yaml_node_string(y, item, path, &name)) {
      ok = false;
      continue;
    }
    size_t k = find_stage(sc, name);
    if (k == SIZE_MAX) {
      es_yaml_error(y, item, "%s: unknown stage '%s' (expected one of: %s)",
                    path, name, expected);
      ok = false;
    } else {
      for (size_t j = 0; j < i; j++) {
        if ((*out)[j] == k) {
          es_yaml_error(y, item, "%s: stage '%s' is listed twice", path, name);
          ok = false;
        }
      }
      (*out)[i] = k;
    }
    free(name);
  }
  return ok;
}

static void read_cross_stage(struct es__scenario_loader *ld,
                             struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_ymap m;
  if (es_ymap_map(root, "cross_stage", false, &m) == ES_YGET_OK) {
    sc->has_cross_stage = true;
    es_ymap_double(&m, "share", true, ES_YRANGE_UNIT, &sc->cross_stage_share);
    bool ok_from =
        read_stage_list(ld, &m, "from", &sc->cross_from, &sc->n_cross_from);
    bool ok_to = read_stage_list(ld, &m, "to", &sc->cross_to, &sc->n_cross_to);
    if (ok_from && ok_to) {
      struct fy_node *to =
          es__scenario_resolved(es_ymap_value(&m, "to", false));
      for (size_t i = 0; i < sc->n_cross_to; i++) {
        for (size_t j = 0; j < sc->n_cross_from; j++) {
          if (sc->cross_to[i] == sc->cross_from[j]) {
            es_yaml_error(&ld->y, fy_node_sequence_get_by_index(to, (int)i),
                          "cross_stage.to[%zu]: stage '%s' is also in "
                          "cross_stage.from (a stage cannot lend to itself)",
                          i, sc->stages[sc->cross_to[i]].name);
          }
        }
      }
    }
  }
  es_ymap_finish(&m);
}

static void add_column(struct es__scenario_loader *ld, const char *name,
                       const struct fy_node *at, const char *path) {
  ES_ASSERT(ld->n_columns < MAX_COLUMNS);
  struct es__scenario_column *c = &ld->columns[ld->n_columns++];
  c->name = name;
  c->at = at;
  snprintf(c->path_buf, sizeof c->path_buf, "%s", path);
  c->path = c->path_buf;
}

/* One point of the fertility index, for sorting by year. */
struct fertility_point {
  int year;     /* calendar year */
  double index; /* F at that year, >= 0 */
};

static int compare_fertility(const void *a, const void *b);

/* demography.fertility_index: {year: index}. */
static void read_fertility(struct es__scenario_loader *ld, struct es_ymap *dm) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct fy_node *node = es_ymap_value(dm, "fertility_index", false);
  if (node == NULL) {
    return;
  }
  struct fy_node *map = es__scenario_resolved(node);
  if (map == NULL || !fy_node_is_mapping(map)) {
    char got[100];
    es_yaml_error(y, node,
                  "demography.fertility_index: expected a mapping year: "
                  "index, got %s",
                  es_yaml_describe(node, got, sizeof got));
    return;
  }
  size_t n = (size_t)fy_node_mapping_item_count(map);
  if (n == 0) {
    return;
  }
  sc->fertility_year = calloc(n, sizeof *sc->fertility_year);
  sc->fertility_index = calloc(n, sizeof *sc->fertility_index);
  struct fertility_point *points = calloc(n, sizeof *points);
  if (sc->fertility_year == NULL || sc->fertility_index == NULL ||
      points == NULL) {
    free(points);
    y->nomem = true;
    return;
  }
  size_t n_ok = 0;
  void *it = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(map, &it)) != NULL) {
    int64_t year = 0;
    double index = 0.0;
    struct fy_node *key = fy_node_pair_key(pair);
    if (!es_yaml_node_int(y, key, "demography.fertility_index", YEAR_MIN,
                          YEAR_MAX, &year)) {
      continue;
    }
    char path[64];
    snprintf(path, sizeof path, "demography.fertility_index.%d", (int)year);
    struct fy_node *value = fy_node_pair_value(pair);
    if (!es_yaml_node_double(y, value != NULL ? value : key, path,
                             RANGE_FERTILITY, &index)) {
      continue;
    }
    bool dup = false;
    for (size_t i = 0; i < n_ok; i++) {
      dup = dup || points[i].year == (int)year;
    }
    if (dup) {
      es_yaml_error(y, key, "demography.fertility_index: year %d given twice",
                    (int)year);
      continue;
    }
    points[n_ok].year = (int)year;
    points[n_ok].index = index;
    n_ok++;
  }
  qsort(points, n_ok, sizeof *points, compare_fertility);
  for (size_t i = 0; i < n_ok; i++) {
    sc->fertility_year[i] = points[i].year;
    sc->fertility_index[i] = points[i].index;
  }
  sc->n_fertility_points = n_ok;
  free(points);
}

static int compare_fertility(const void *a, const void *b) {
  int ya = ((const struct fertility_point *)a)->year;
  int yb = ((const struct fertility_point *)b)->year;
  return (ya > yb) - (ya < yb);
}

static void read_destinations(struct es__scenario_loader *ld,
                              struct es_ymap *mig) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct es_ymap m;
  sc->destination_model = ES_DESTINATIONS_NONE;
  sc->gravity.internal_share = 1.0;
  sc->gravity.beta = 1.0;
  sc->gravity.gamma = 2.0;
  sc->gravity.top = 0;
  if (es_ymap_map(mig, "destinations", false, &m) == ES_YGET_OK) {
    ld->destinations_key = es_ymap_key_node(mig, "destinations");
    size_t model = ES_DESTINATIONS_NONE;
    if (es_ymap_choice(&m, "model", true, model_names,
                       sizeof model_names / sizeof model_names[0],
                       &model) == ES_YGET_OK) {
      ld->model_node = es_ymap_value(&m, "model", false);
    }
    sc->destination_model = (enum es_destination_model)model;
    es_ymap_double(&m, "internal_share", false, ES_YRANGE_UNIT,
                   &sc->gravity.internal_share);
    if (es_ymap_string(&m, "attraction", false, &sc->attraction_column) ==
        ES_YGET_ABSENT) {
      sc->attraction_column = es_strdup(DEFAULT_ATTRACTION);
      if (sc->attraction_column == NULL) {
        y->nomem = true;
      }
    }
    es_ymap_double(&m, "beta", false, RANGE_EXPONENT, &sc->gravity.beta);
    es_ymap_double(&m, "gamma", false, RANGE_EXPONENT, &sc->gravity.gamma);
    int64_t top = 0;
    es_ymap_int(&m, "top", false, 0, INT64_MAX, &top);
    sc->gravity.top = (size_t)top;
    if (sc->destination_model != ES_DESTINATIONS_GRAVITY &&
        ld->model_node != NULL) {
      for (size_t i = 0; i < sizeof gravity_keys / sizeof gravity_keys[0];
           i++) {
        if (es_ymap_has(&m, gravity_keys[i])) {
          es_yaml_error(y, es_ymap_key_node(&m, gravity_keys[i]),
                        "demography.migration.destinations.%s: used only by "
                        "model gravity (model is %s)",
                        gravity_keys[i], model_names[sc->destination_model]);
        }
      }
    }
    if (sc->destination_model == ES_DESTINATIONS_GRAVITY &&
        sc->attraction_column != NULL) {
      const struct fy_node *at = es_ymap_value(&m, "attraction", false);
      add_column(ld, sc->attraction_column,
                 at != NULL ? at : ld->destinations_key,
                 "demography.migration.destinations.attraction");
    }
  }
  es_ymap_finish(&m);
}

static void read_demography(struct es__scenario_loader *ld,
                            struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  size_t n_ages = sc->max_age + 1;
  double **rates[] = {&sc->mortality, &sc->local_out_rate,
                      &sc->migrant_out_rate, &sc->return_rate,
                      &sc->external_in_rate};
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    *rates[i] = calloc(n_ages, sizeof **rates[i]);
    if (*rates[i] == NULL) {
      y->nomem = true;
      return;
    }
  }
  struct es_ymap dm;
  es_ymap_map(root, "demography", false, &dm);
  /* Per-age lists can only be checked once the number of ages is known. */
  bool ages = ld->ages_ok;
  ld->rates_ok = ages;
  if (ages) {
    ld->rates_ok =
        es_ymap_per_age(&dm, "mortality", false, n_ages, ES_YRANGE_UNIT,
                        sc->mortality) != ES_YGET_BAD;
  } else {
    es_ymap_quiet(&dm, "mortality");
  }
  read_fertility(ld, &dm);

  struct es_ymap mig;
  if (es_ymap_map(&dm, "migration", false, &mig) == ES_YGET_OK) {
    ld->migration_key = es_ymap_key_node(&dm, "migration");
  }
  double *rate_arrays[] = {sc->local_out_rate, sc->migrant_out_rate,
                           sc->return_rate, sc->external_in_rate};
  for (size_t i = 0; i < 4; i++) {
    struct es_yrange range = ES_YRANGE_UNIT; /* external arrivals too */
    if (!ages) {
      es_ymap_quiet(&mig, rate_keys[i]);
    } else if (es_ymap_per_age(&mig, rate_keys[i], false, n_ages, range,
                               rate_arrays[i]) == ES_YGET_BAD) {
      ld->rates_ok = false;
    }
  }
  if (es_ymap_string(&mig, "rate_multiplier", false,
                     &sc->rate_multiplier_column) == ES_YGET_OK) {
    add_column(ld, sc->rate_multiplier_column,
               es_ymap_value(&mig, "rate_multiplier", false),
               "demography.migration.rate_multiplier");
  }
  read_destinations(ld, &mig);
  es_ymap_finish(&mig);
  es_ymap_finish(&dm);
}

/* data.migration goes with the matrix model and only with it. */
static void check_migration_file(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  bool matrix = sc->destination_model == ES_DESTINATIONS_MATRIX;
  if (matrix && !sc->data[ES_DATA_MIGRATION].present &&
      ld->data_key[ES_DATA_MIGRATION] == NULL) {
    es_yaml_error(&ld->y, ld->model_node,
                  "demography.migration.destinations.model: matrix needs "
                  "data.migration (the origin-destination file od.csv)");
  } else if (!matrix && ld->data_key[ES_DATA_MIGRATION] != NULL) {
    es_yaml_error(&ld->y, ld->data_key[ES_DATA_MIGRATION],
                  "data.migration: used only by destinations model matrix "
                  "(model is %s)",
                  model_names[sc->destination_model]);
  }
}

/* One entry of rank_weights, for sorting by rank. */
struct rank_weight {
  int64_t rank;  /* administrative rank, >= 1 */
  double weight; /* its weight, >= 0 */
};

static int compare_rank_weights(const void *a, const void *b);

/* strategies[i].rank_weights: {rank: weight}, ranks ascending. */
static void read_rank_weights(struct es__scenario_loader *ld, size_t i,
                              struct es_ymap *m) {
  struct es_strategy_spec *spec = &ld->sc->strategies[i];
  struct es_yaml *y = &ld->y;
  struct fy_node *node = es_ymap_value(m, "rank_weights", true);
  if (node == NULL) {
    return;
  }
  ld->rank_weights_key[i] = es_ymap_key_node(m, "rank_weights");
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, "rank_weights", path, sizeof path);
  struct fy_node *map = es__scenario_resolved(node);
  if (map == NULL || !fy_node_is_mapping(map)) {
    char got[100];
    es_yaml_error(y, node, "%s: expected a mapping rank: weight, got %s", path,
                  es_yaml_describe(node, got, sizeof got));
    return;
  }
  size_t n = (size_t)fy_node_mapping_item_count(map);
  if (n == 0) {
    es_yaml_error(y, node, "%s: must give at least one rank: weight", path);
    return;
  }
  struct rank_weight *w = calloc(n, sizeof *w);
  spec->rank_weight_rank = calloc(n, sizeof *spec->rank_weight_rank);
  spec->rank_weight_value = calloc(n, sizeof *spec->rank_weight_value);
  if (w == NULL || spec->rank_weight_rank == NULL ||
      spec->rank_weight_value == NULL) {
    free(w);
    y->nomem = true;
    return;
  }
  size_t n_ok = 0;
  void *it = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(map, &it)) != NULL) {
    struct fy_node *key = fy_node_pair_key(pair);
    int64_t rank = 0;
    double weight = 0.0;
    if (!es_yaml_node_int(y, key, path, 1, INT64_MAX, &rank)) {
      continue;
    }
    char item[ES_YAML_PATH_MAX + 24];
    snprintf(item, sizeof item, "%s.%lld", path, (long long)rank);
    struct fy_node *value = fy_node_pair_value(pair);
    if (!es_yaml_node_double(y, value != NULL ? value : key, item,
                             RANGE_RANK_WEIGHT, &weight)) {
      continue;
    }
    bool dup = false;
    for (size_t j = 0; j < n_ok; j++) {
      dup = dup || w[j].rank == rank;
    }
    if (dup) {
      es_yaml_error(y, key, "%s: rank %lld given twice", path, (long long)rank);
      continue;
    }
    w[n_ok].rank = rank;
    w[n_ok].weight = weight;
    n_ok++;
  }
  if (n_ok != n) {
    /* The coverage check of pass 3 would only repeat this error. */
    ld->rank_weights_key[i] = NULL;
  }
  qsort(w, n_ok, sizeof *w, compare_rank_weights);
  for (size_t j = 0; j < n_ok; j++) {
    spec->rank_weight_rank[j] = w[j].rank;
    spec->rank_weight_value[j] = w[j].weight;
  }
  spec->n_rank_weights = n_ok;
  free(w);
}

static int compare_rank_weights(const void *a, const void *b) {
  int64_t ra = ((const struct rank_weight *)a)->rank;
  int64_t rb = ((const struct rank_weight *)b)->rank;
  return (ra > rb) - (ra < rb);
}

static void read_strategy(struct es__scenario_loader *ld, size_t i,
                          struct es_ymap *m) {
  struct es_strategy_spec *spec = &ld->sc->strategies[i];
  struct es_yaml *y = &ld->y;
  es_ymap_string(m, "name", true, &spec->name);
  const char *bases[ES_BASIS_BLEND + 1];
  for (size_t b = 0; b <= ES_BASIS_BLEND; b++) {
    bases[b] = es_basis_name((enum es_basis)b);
  }
  size_t basis = 0;
  bool basis_ok =
      es_ymap_choice(m, "basis", true, bases, sizeof bases / sizeof bases[0],
                     &basis) == ES_YGET_OK;
  if (basis_ok) {
    es_basis_from_name(bases[basis], &spec->basis);
  }
  /* Keys of another basis: say where they belong rather than "unknown". */
  for (size_t k = 0; k < sizeof basis_keys / sizeof basis_keys[0]; k++) {
    const struct basis_key *bk = &basis_keys[k];
    if (basis_ok && spec->basis == bk->basis) {
      continue;
    }
    es_ymap_quiet(m, bk->key);
    if (basis_ok && es_ymap_has(m, bk->key)) {
      es_yaml_error(y, es_ymap_key_node(m, bk->key),
                    "%s.%s: belongs to basis %s (this strategy's basis is %s)",
                    m->path, bk->key, es_basis_name(bk->basis),
                    es_basis_name(spec->basis));
    }
  }
  if (basis_ok && spec->basis == ES_BASIS_RANK) {
    read_rank_weights(ld, i, m);
  } else if (basis_ok && spec->basis == ES_BASIS_FORECAST) {
    int64_t horizon = 1;
    es_ymap_int(m, "horizon", true, 1, HORIZON_MAX, &horizon);
    spec->horizon_years = (int)horizon;
  } else if (basis_ok && spec->basis == ES_BASIS_BLEND) {
    es_ymap_string(m, "from", true, &ld->blend_name[i][0]);
    es_ymap_string(m, "to", true, &ld->blend_name[i][1]);
    ld->blend_node[i][0] = es_ymap_value(m, "from", false);
    ld->blend_node[i][1] = es_ymap_value(m, "to", false);
    int64_t start = 0, years = 1;
    es_ymap_int(m, "start_year", true, YEAR_MIN, YEAR_MAX, &start);
    es_ymap_int(m, "years", true, 1, YEAR_MAX - YEAR_MIN, &years);
    spec->blend_start_year = (int)start;
    spec->blend_years = (int)years;
  }
  char path[ES_YAML_PATH_MAX];
  if (es_ymap_string(m, "multiplier", false, &spec->multiplier_column) ==
      ES_YGET_OK) {
    add_column(ld, spec->multiplier_column,
               es_ymap_value(m, "multiplier", false),
               es_ymap_key_path(m, "multiplier", path, sizeof path));
  }
}

static void read_strategies(struct es__scenario_loader *ld,
                            struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct fy_node *seq = NULL;
  if (es_ymap_seq(root, "strategies", true, &seq) != ES_YGET_OK) {
    return;
  }
  size_t n = (size_t)fy_node_sequence_item_count(seq);
  if (n == 0 || n > ES_SCENARIO_MAX_STRATEGIES) {
    es_yaml_error(y, es_ymap_value(root, "strategies", false),
                  "strategies: %zu strategies (expected 1..%d)", n,
                  ES_SCENARIO_MAX_STRATEGIES);
    return;
  }
  sc->strategies = calloc(n, sizeof *sc->strategies);
  if (sc->strategies == NULL) {
    y->nomem = true;
    return;
  }
  sc->n_strategies = n;
  struct fy_node *name_node[ES_SCENARIO_MAX_STRATEGIES] = {NULL};
  for (size_t i = 0; i < n; i++) {
    char path[32];
    snprintf(path, sizeof path, "strategies[%zu]", i);
    struct es_ymap m;
    if (es_ymap_init(&m, y, fy_node_sequence_get_by_index(seq, (int)i), NULL,
                     path) == ES_YGET_OK) {
      read_strategy(ld, i, &m);
      name_node[i] = es_ymap_value(&m, "name", false);
    }
    es_ymap_finish(&m);
  }
  const char *names[ES_SCENARIO_MAX_STRATEGIES];
  for (size_t j = 0; j < n; j++) {
    const struct es_strategy_spec *b = &sc->strategies[j];
    names[j] = b->name != NULL ? b->name : "?";
    for (size_t i = 0; i < j; i++) {
      const struct es_strategy_spec *a = &sc->strategies[i];
      if (a->name != NULL && b->name != NULL && strcmp(a->name, b->name) == 0) {
        es_yaml_error(y, name_node[j],
                      "strategies[%zu].name: duplicate strategy name '%s' "
                      "(also strategies[%zu].name)",
                      j, b->name, i);
      }
    }
  }
  /* Blends name two strategies of the list that are not blends. */
  char expected[1024];
  join_names(names, n, expected, sizeof expected);
  for (size_t i = 0; i < n; i++) {
    for (size_t e = 0; e < 2; e++) {
      const char *target = ld->blend_name[i][e];
      if (target == NULL) {
        continue;
      }
      size_t k = SIZE_MAX;
      for (size_t j = 0; j < n && k == SIZE_MAX; j++) {
        if (sc->strategies[j].name != NULL &&
            strcmp(sc->strategies[j].name, target) == 0) {
          k = j;
        }
      }
      if (k == SIZE_MAX) {
        es_yaml_error(y, ld->blend_node[i][e],
                      "strategies[%zu].%s: unknown strategy '%s' (expected "
                      "one of: %s)",
                      i, blend_ends[e], target, expected);
      } else if (sc->strategies[k].basis == ES_BASIS_BLEND &&
                 sc->strategies[k].name != NULL) {
        es_yaml_error(y, ld->blend_node[i][e],
                      "strategies[%zu].%s: '%s' is a blend itself (a blend of "
                      "a blend is not supported)",
                      i, blend_ends[e], target);
      } else if (e == 0) {
        sc->strategies[i].blend_from = k;
      } else {
        sc->strategies[i].blend_to = k;
      }
    }
  }
}

static void read_warning(struct es__scenario_loader *ld, struct es_ymap *root) {
  struct es_warning_params *w = &ld->sc->warning;
  w->horizon_years = DEFAULT_WARN_HORIZON;
  w->rise = DEFAULT_WARN_THRESHOLD;
  w->fall = DEFAULT_WARN_THRESHOLD;
  struct es_ymap m;
  if (es_ymap_map(root, "warning", false, &m) == ES_YGET_OK) {
    int64_t horizon = DEFAULT_WARN_HORIZON;
    es_ymap_int(&m, "horizon", false, 1, HORIZON_MAX, &horizon);
    w->horizon_years = (int)horizon;
    es_ymap_double(&m, "rise", false, RANGE_CHANGE, &w->rise);
    es_ymap_double(&m, "fall", false, RANGE_CHANGE, &w->fall);
  }
  es_ymap_finish(&m);
}

/* mean, sd, pNN or pNN.N with NN.N in 0..100. */
static bool valid_statistic(const char *s) {
  if (strcmp(s, "mean") == 0 || strcmp(s, "sd") == 0) {
    return true;
  }
  if (strcmp(s, "p100") == 0 || strcmp(s, "p100.0") == 0) {
    return true;
  }
  bool digits =
      s[0] == 'p' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9';
  if (!digits) {
    return false;
  }
  if (s[3] == '\0') {
    return true;
  }
  return s[3] == '.' && s[4] >= '0' && s[4] <= '9' && s[5] == '\0';
}

static void read_output(struct es__scenario_loader *ld, struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct es_ymap m;
  struct fy_node *seq = NULL;
  bool have_list = false;
  if (es_ymap_map(root, "output", false, &m) == ES_YGET_OK) {
    ld->output_map = m.node;
    char *file = NULL;
    if (es_ymap_string(&m, "file", false, &file) == ES_YGET_OK &&
        !resolve_written_path(ld, es_ymap_value(&m, "file", false), file,
                              &sc->output_file, &ld->output_given)) {
      y->nomem = true;
    }
    free(file);
    have_list = es_ymap_seq(&m, "statistics", false, &seq) == ES_YGET_OK;
    es_ymap_bool(&m, "region_quantiles", false, &sc->region_quantiles);
  }
  size_t n = have_list ? (size_t)fy_node_sequence_item_count(seq)
                       : sizeof default_statistics / sizeof *default_statistics;
  if (have_list && (n == 0 || n > ES_SCENARIO_MAX_STATISTICS)) {
    es_yaml_error(y, es_ymap_value(&m, "statistics", false),
                  "output.statistics: %zu statistics (expected 1..%d)", n,
                  ES_SCENARIO_MAX_STATISTICS);
    n = 0;
  }
  es_ymap_finish(&m);
  if (n == 0) {
    return;
  }
  sc->statistics = calloc(n, sizeof *sc->statistics);
  if (sc->statistics == NULL) {
    y->nomem = true;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    if (!have_list) {
      sc->statistics[sc->n_statistics] = es_strdup(default_statistics[i]);
      if (sc->statistics[sc->n_statistics] == NULL) {
        y->nomem = true;
        return;
      }
      sc->n_statistics++;
      continue;
    }
    struct fy_node *item = fy_node_sequence_get_by_index(seq, (int)i);
    char path[48];
    snprintf(path, sizeof path, "output.statistics[%zu]", i);
    char *s = NULL;
    if (!es_yaml_node_string(y, item, path, &s)) {
      continue;
    }
    bool dup = false;
    for (size_t j = 0; j < sc->n_statistics; j++) {
      dup = dup || strcmp(sc->statistics[j], s) == 0;
    }
    if (!valid_statistic(s)) {
      es_yaml_error(y, item,
                    "%s: unknown statistic '%s' (expected: mean, sd, or a "
                    "quantile pNN or pNN.N with NN.N in 0..100, e.g. p05, "
                    "p97.5)",
                    path, s);
      free(s);
    } else if (dup) {
      es_yaml_error(y, item, "%s: statistic '%s' is listed twice", path, s);
      free(s);
    } else {
      sc->statistics[sc->n_statistics++] = s;
    }
  }
}

void es__scenario_read_keys(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct es_ymap root;
  struct fy_node *root_node = es_yaml_root(y);
  if (es_ymap_init(&root, y, root_node, NULL, "") != ES_YGET_OK) {
    return;
  }
  int64_t version = 0;
  if (es_ymap_int(&root, "edusim", true, INT64_MIN, INT64_MAX, &version) !=
      ES_YGET_OK) {
    if (es_ymap_has(&root, "edusim")) {
      return; /* not a version number: the rest would be guesswork */
    }
  } else if (version != ES_SCENARIO_FORMAT_VERSION) {
    es_yaml_error(y, es_ymap_value(&root, "edusim", false),
                  "edusim: format version %lld is not supported (expected "
                  "%d)",
                  (long long)version, ES_SCENARIO_FORMAT_VERSION);
    return;
  }
  ld->version_ok = true;
  sc->format_version = (int)version;
  read_identity(ld, &root);
  read_stages(ld, &root);
  read_max_age(ld, &root);
  read_data_paths(ld, &root);
  read_cross_stage(ld, &root);
  read_demography(ld, &root);
  check_migration_file(ld);
  read_strategies(ld, &root);
  read_warning(ld, &root);
  read_output(ld, &root);
  es_ymap_finish(&root);
}
