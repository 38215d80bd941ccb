/* scenario.c: one scenario read from its YAML file and CSV data, checked once
 * and immutable afterwards (DESIGN "Scenario file", STYLE 21-23).
 *
 * Loading runs in four passes. (0) The scenario file and the chain of bases
 * it extends (`extends: base.yaml`, relative to the file that writes it) are
 * parsed one by one, and yaml_reader.c merges them into one document: a
 * mapping merges key by key, anything else is replaced by the file nearer the
 * scenario, and `key: null` in a file that extends removes what its bases set.
 * Each merged node keeps its file and place, so an error in an inherited value
 * is reported in the base, and a relative path (data files, output.file)
 * resolves against the folder of the file that wrote it. (1) Every key of the
 * merged document is read through a typed getter that marks it
 * used; values are checked against their ranges as they are read, and keys no
 * getter asked for are reported as unknown (a typo must not fall back to a
 * default silently). (2) Cross-references inside the file: stage ages must not
 * overlap and must lie inside max_age, names must be unique, cross_stage and
 * blend strategies must name existing stages and strategies. (3) The data
 * files are read, relative to the scenario file's folder; regions.csv first,
 * so that every column the scenario names (transfer pools, lat/lon for the
 * gravity model, multipliers, attraction) can be checked at the YAML place
 * that names it, and every rank of the regions has a weight in each rank
 * strategy; then population, teachers, seats and od.csv. (4) The model
 * parameters are built: the destination matrix D of MODEL 3.5, the migrant
 * birth share mu of MODEL 3.4 and the population parameters.
 *
 * Every problem becomes a diagnostic with file:line:column and a message that
 * starts with the key path; up to ES_DIAG_MAX are kept, so one run lists every
 * mistake (STYLE 22). */
#include "scenarios/scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "models/strings.h"
#include "scenarios/csv.h"
#include "scenarios/yaml_reader.h"

/* Limits of the scenario format (DESIGN "Scenario file"). */
#define YEAR_MIN      1800 /* first calendar year accepted */
#define YEAR_MAX      2300 /* last calendar year accepted */
#define AGE_MAX       120  /* oldest age a stage or max_age may name */
#define LEAD_TIME_MAX 50   /* years from decision to completion */
#define HORIZON_MAX   50   /* forecast and warning horizons, years */

/* Defaults documented in docs/scenario-format.md. */
/* Upper bounds of numbers that have no natural one: far beyond any real
 * scenario, and low enough that nothing derived from them overflows. */
#define RANGE_PTR              ((struct es_yrange){0.0, 1000.0, true, false})
#define RANGE_SLACK            ((struct es_yrange){0.0, 100.0, false, false})
#define RANGE_MONEY            ((struct es_yrange){0.0, 1e9, false, false})
#define RANGE_EXPONENT         ((struct es_yrange){0.0, 20.0, false, false})
#define RANGE_CHANGE           ((struct es_yrange){0.0, 1000.0, false, false})
#define RANGE_FERTILITY        ((struct es_yrange){0.0, 100.0, false, false})
#define RANGE_RANK_WEIGHT      ((struct es_yrange){0.0, 1e6, false, false})
#define DEFAULT_REPLICATES     100
#define DEFAULT_SEED           1
#define DEFAULT_WARN_HORIZON   5
#define DEFAULT_WARN_THRESHOLD 0.15
#define DEFAULT_CURRENCY       "CNY"
#define DEFAULT_ATTRACTION     "adult_pop"

/* Most extra regions.csv columns one scenario can name: rate_multiplier,
 * attraction and one multiplier per strategy. */
#define MAX_COLUMNS (2 + ES_SCENARIO_MAX_STRATEGIES)

static const char *const mode_names[] = {
    [ES_MODE_DETERMINISTIC] = "deterministic",
    [ES_MODE_STOCHASTIC] = "stochastic",
};

static const char *const model_names[] = {
    [ES_DESTINATIONS_NONE] = "none",
    [ES_DESTINATIONS_MATRIX] = "matrix",
    [ES_DESTINATIONS_GRAVITY] = "gravity",
};

static const char *const data_keys[ES_DATA_COUNT] = {
    [ES_DATA_REGIONS] = "regions",     [ES_DATA_POPULATION] = "population",
    [ES_DATA_TEACHERS] = "teachers",   [ES_DATA_SEATS] = "seats",
    [ES_DATA_MIGRATION] = "migration",
};

static const char *const default_statistics[] = {"mean", "sd", "p05", "p50",
                                                 "p95"};

/* regions.csv columns that hold numbers (data.h) and those that do not. */
static const char *const numeric_standard_columns[] = {
    "births", "lat", "lon", "adult_pop", "adult_growth", "migrant_birth_share"};
static const char *const text_standard_columns[] = {
    "code", "name", "rank", "province", "prefecture", "zone"};

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

const char *es_mode_name(enum es_mode mode) {
  if ((size_t)mode < sizeof mode_names / sizeof mode_names[0]) {
    return mode_names[mode];
  }
  return "?";
}

/* A regions.csv column named somewhere in the scenario. */
struct column_use {
  const char *name;         /* borrowed from the scenario */
  const struct fy_node *at; /* where the scenario names it */
  const char *path;         /* key path for messages (literal or buf) */
  char path_buf[ES_YAML_PATH_MAX];
};

/* Everything the passes share; lives for one es_scenario_load call. */
struct loader {
  struct es_scenario *sc;
  struct es_yaml y;
  struct es_diag_list *dl;
  struct es_error *err;
  char *dir; /* folder of the scenario file as typed, "" for the cwd */

  bool version_ok;
  bool stages_ok; /* every stage has valid, unique name and ages */
  bool ages_ok;   /* max_age known and consistent with the stages */
  bool rates_ok;  /* the per-age rates were read (for the MODEL 3.2 check) */
  bool regions_ok;

  const struct fy_node *data_key[ES_DATA_COUNT]; /* key nodes, or NULL */
  const struct fy_node *pool_node[ES_SCENARIO_MAX_STAGES];
  const struct fy_node *migration_key;    /* demography.migration */
  const struct fy_node *destinations_key; /* ...destinations, or NULL */
  const struct fy_node *model_node;       /* ...destinations.model */
  const struct fy_node *rank_weights_key[ES_SCENARIO_MAX_STRATEGIES];
  const struct fy_node *blend_node[ES_SCENARIO_MAX_STRATEGIES][2];
  char *blend_name[ES_SCENARIO_MAX_STRATEGIES][2]; /* owned */

  size_t n_columns;
  struct column_use columns[MAX_COLUMNS];

  /* Paths a base in another folder wrote, rewritten for resolved_text. */
  struct fy_node *data_map;           /* the merged data mapping, or NULL */
  bool data_rewritten[ES_DATA_COUNT]; /* data[role].given was rewritten */
  struct fy_node *output_map;         /* the merged output mapping, or NULL */
  char *output_given; /* output.file rewritten, or NULL (owned) */
};

/* ---- small helpers ------------------------------------------------------ */

static bool in_list(const char *const *names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], name) == 0) {
      return true;
    }
  }
  return false;
}

static struct fy_node *resolved(struct fy_node *node) {
  if (node != NULL && fy_node_is_alias(node)) {
    return fy_node_resolve_alias(node);
  }
  return node;
}

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

/* The folder part of @p path ("" when it has none; "/" for a root file). */
static char *folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    return es_strdup("");
  }
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *dir = malloc(n + 1);
  if (dir != NULL) {
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  return dir;
}

char *es__scenario_resolve_path(const char *dir, const char *given) {
  bool absolute = given[0] == '/' || dir[0] == '/';
  size_t n_joined = strlen(dir) + strlen(given) + 2;
  char *joined = malloc(n_joined);
  char *out = malloc(n_joined + 2);
  size_t *starts = malloc(n_joined * sizeof *starts);
  if (joined == NULL || out == NULL || starts == NULL) {
    free(joined);
    free(out);
    free(starts);
    return NULL;
  }
  if (given[0] == '/' || dir[0] == '\0') {
    snprintf(joined, n_joined, "%s", given);
  } else {
    snprintf(joined, n_joined, "%s/%s", dir, given);
  }
  /* Walk the components, keeping a stack of where each kept one starts. */
  size_t len = 0, n_kept = 0, n_up = 0;
  if (absolute) {
    out[len++] = '/';
  }
  const char *p = joined;
  while (*p != '\0') {
    while (*p == '/') {
      p++;
    }
    const char *end = p;
    while (*end != '\0' && *end != '/') {
      end++;
    }
    size_t n = (size_t)(end - p);
    if (n == 0 || (n == 1 && p[0] == '.')) {
      /* skip */
    } else if (n == 2 && p[0] == '.' && p[1] == '.' && n_kept > n_up) {
      n_kept--;
      len = starts[n_kept];
    } else if (n == 2 && p[0] == '.' && p[1] == '.' && absolute) {
      /* "/.." is "/" */
    } else {
      bool up = n == 2 && p[0] == '.' && p[1] == '.';
      starts[n_kept++] = len;
      if (len > 0 && out[len - 1] != '/') {
        out[len++] = '/';
      }
      memcpy(out + len, p, n);
      len += n;
      if (up) {
        n_up++;
      }
    }
    p = end;
  }
  if (len == 0) {
    out[len++] = '.';
  }
  out[len] = '\0';
  free(joined);
  free(starts);
  return out;
}

/* The folder of the file that wrote @p node (the scenario's for a node of
 * unknown place), as a new string. */
static char *origin_dir(const struct loader *ld, const struct fy_node *node) {
  struct es_yaml_mark mark = es_yaml_node_mark(&ld->y, node);
  return folder_of(mark.file != NULL ? mark.file : ld->sc->file.path);
}

/* The components of a normalized path (es__scenario_resolve_path) after
 * @p *p: the next one's start and length; false at the end. */
static bool next_component(const char **p, const char **start, size_t *len) {
  while (**p == '/') {
    (*p)++;
  }
  if (**p == '\0') {
    return false;
  }
  *start = *p;
  while (**p != '\0' && **p != '/') {
    (*p)++;
  }
  *len = (size_t)(*p - *start);
  return !(*len == 1 && (*start)[0] == '.');
}

char *es__scenario_relative_path(const char *dir, const char *target) {
  char *from = es__scenario_resolve_path(dir, ".");
  char *to = es__scenario_resolve_path("", target);
  char *out = NULL;
  if (from == NULL || to == NULL) {
    goto cleanup;
  }
  bool lexical = (from[0] == '/') == (to[0] == '/');
  /* Skip the common leading components. */
  const char *pf = from, *pt = to;
  const char *sf = NULL, *st = NULL;
  size_t nf = 0, nt = 0;
  bool more_f = next_component(&pf, &sf, &nf);
  bool more_t = next_component(&pt, &st, &nt);
  while (lexical && more_f && more_t && nf == nt && memcmp(sf, st, nf) == 0) {
    more_f = next_component(&pf, &sf, &nf);
    more_t = next_component(&pt, &st, &nt);
  }
  /* Each remaining component of the folder is one "..", unless it is ".."
   * itself. */
  size_t n_up = 0;
  for (bool more = more_f; lexical && more;
       more = next_component(&pf, &sf, &nf)) {
    if (nf == 2 && sf[0] == '.' && sf[1] == '.') {
      lexical = false;
    }
    n_up++;
  }
  if (!lexical) {
    if (to[0] == '/') {
      out = es_strdup(to);
      goto cleanup;
    }
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL) {
      out = es_strdup(to); /* the best left: relative to the cwd */
      goto cleanup;
    }
    out = es__scenario_resolve_path(cwd, to);
    goto cleanup;
  }
  const char *rest = more_t ? st : "";
  size_t n = 3 * n_up + strlen(rest) + 2;
  out = malloc(n);
  if (out == NULL) {
    goto cleanup;
  }
  size_t len = 0;
  for (size_t i = 0; i < n_up; i++) {
    memcpy(out + len, "../", 3);
    len += 3;
  }
  memcpy(out + len, rest, strlen(rest) + 1);
  len += strlen(rest);
  if (len == 0) {
    memcpy(out, ".", 2);
  } else if (out[len - 1] == '/') {
    out[len - 1] = '\0'; /* "../" alone: the parent folder */
  }

cleanup:
  free(from);
  free(to);
  return out;
}

/* ---- pass 0: the extends chain ------------------------------------------ */

/* The same file: the same normalized text, or the same device and inode. */
static bool same_file(const char *a, const char *b) {
  if (strcmp(a, b) == 0) {
    return true;
  }
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

/* The path of file @p i of the chain (0 the scenario, then its bases). */
static const char *chain_path(const struct es_scenario *sc, size_t i) {
  return i == 0 ? sc->file.path : sc->bases[i - 1].path;
}

/* Report the cycle that @p next closes at @p at: every file from the
 * scenario to the repeated one. */
static void cycle_error(struct loader *ld, const struct fy_node *at,
                        size_t n_chain, const char *next) {
  char chain[ES_ERROR_MESSAGE_MAX - 64];
  size_t used = 0;
  chain[0] = '\0';
  for (size_t i = 0; i <= n_chain && used < sizeof chain; i++) {
    int w =
        snprintf(chain + used, sizeof chain - used, "%s%s", i > 0 ? " -> " : "",
                 i < n_chain ? chain_path(ld->sc, i) : next);
    used += w > 0 ? (size_t)w : 0;
  }
  es_yaml_error(&ld->y, at,
                "extends: cycle: %s (a file cannot extend itself, directly "
                "or through its bases)",
                chain);
}

/* Follow `extends` from the scenario file (already added to ld->y) and add
 * each base to ld->y and sc->bases. @return ES_OK, ES_EINPUT, ES_ENOMEM. */
static int read_extends(struct loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  int rc = ES_OK;
  char *given = NULL, *dir = NULL, *path = NULL, *bytes = NULL;
  for (size_t i = 0;; i++) {
    struct fy_node *root = es_yaml_source_root(y, i);
    struct fy_node *map = resolved(root);
    if (map == NULL || !fy_node_is_mapping(map)) {
      if (i == 0) {
        break; /* reported by read_keys, as for any scenario */
      }
      struct es_ymap m;
      es_ymap_init(&m, y, root, NULL, "");
      rc = ES_EINPUT;
      break;
    }
    struct es_ymap m;
    es_ymap_init(&m, y, root, NULL, "");
    struct fy_node *value = es_ymap_value(&m, "extends", /*required=*/false);
    if (value == NULL) {
      break;
    }
    if (!es_yaml_node_string(y, value, "extends", &given)) {
      rc = y->nomem ? ES_FAIL(ld->err, ES_ENOMEM, "%s", "out of memory")
                    : ES_EINPUT;
      break;
    }
    dir = folder_of(chain_path(sc, i));
    path = dir != NULL ? es__scenario_resolve_path(dir, given) : NULL;
    if (path == NULL) {
      rc = ES_FAIL(ld->err, ES_ENOMEM, "%s", "out of memory for extends");
      break;
    }
    bool cycle = false;
    for (size_t k = 0; k <= i && !cycle; k++) {
      cycle = same_file(chain_path(sc, k), path);
    }
    if (cycle) {
      cycle_error(ld, value, i + 1, path);
      rc = ES_EINPUT;
      break;
    }
    if (i + 1 >= ES_YAML_MAX_SOURCES) {
      es_yaml_error(y, value,
                    "extends: more than %d files in the chain (the scenario "
                    "and %d bases at most)",
                    ES_YAML_MAX_SOURCES, ES_YAML_MAX_SOURCES - 1);
      rc = ES_EINPUT;
      break;
    }
    size_t size = 0;
    struct es_error ferr;
    es_error_clear(&ferr);
    rc = es__file_read_max(path, ES_FILE_MAX_YAML, "a YAML file", &bytes, &size,
                           &ferr);
    if (rc == ES_ENOMEM) {
      rc = ES_FAIL(ld->err, ES_ENOMEM, "%s", ferr.message);
      break;
    }
    if (rc != ES_OK) {
      es_yaml_error(y, value, "extends: %s", ferr.message);
      rc = ES_EINPUT;
      break;
    }
    struct es_scenario_file *bases =
        realloc(sc->bases, (sc->n_bases + 1) * sizeof *bases);
    if (bases == NULL) {
      rc = ES_FAIL(ld->err, ES_ENOMEM, "%s", "out of memory for extends");
      break;
    }
    sc->bases = bases;
    struct es_scenario_file *f = &sc->bases[sc->n_bases++];
    f->present = true;
    f->given = given;
    f->path = path;
    f->bytes = bytes;
    f->size = size;
    given = path = bytes = NULL;
    free(dir);
    dir = NULL;
    rc = es_yaml_add(y, f->path, f->bytes, f->size, ld->err);
    if (rc != ES_OK) {
      break;
    }
  }
  free(given);
  free(dir);
  free(path);
  free(bytes);
  return rc;
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

static void read_identity(struct loader *ld, struct es_ymap *root) {
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
static bool read_ages(struct loader *ld, struct es_ymap *m,
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

static void read_stage(struct loader *ld, size_t i, struct es_ymap *m,
                       bool *ages_ok) {
  struct es_stage *stage = &ld->sc->stages[i];
  es_stage_set_defaults(stage);

  es_ymap_string(m, "name", true, &stage->name);
  *ages_ok = read_ages(ld, m, stage);
  es_ymap_double(m, "enrollment", false, ES_YRANGE_UNIT, &stage->enrollment);
  stage->migrant_enrollment = stage->enrollment;
  es_ymap_double(m, "migrant_enrollment", false, ES_YRANGE_UNIT,
                 &stage->migrant_enrollment);
  es_ymap_double(m, "ptr_standard", true, RANGE_PTR, &stage->ptr_standard);
  es_ymap_int(m, "min_teachers", false, 0, INT64_MAX, &stage->min_teachers);
  es_ymap_double(m, "teacher_attrition", false, ES_YRANGE_UNIT,
                 &stage->teacher_attrition);
  stage->has_hiring_cap = es_ymap_int(m, "hiring_cap", false, 0, INT64_MAX,
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
    es_ymap_int(&sub, "cap", true, 0, INT64_MAX, &stage->construction_cap);
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

static void read_stages(struct loader *ld, struct es_ymap *root) {
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

static void read_max_age(struct loader *ld, struct es_ymap *root) {
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
static bool resolve_written_path(struct loader *ld, const struct fy_node *node,
                                 const char *given, char **path,
                                 char **rewritten) {
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

static void read_data_paths(struct loader *ld, struct es_ymap *root) {
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
static bool read_stage_list(struct loader *ld, struct es_ymap *m,
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

static void read_cross_stage(struct loader *ld, struct es_ymap *root) {
  struct es_scenario *sc = ld->sc;
  struct es_ymap m;
  if (es_ymap_map(root, "cross_stage", false, &m) == ES_YGET_OK) {
    sc->has_cross_stage = true;
    es_ymap_double(&m, "share", true, ES_YRANGE_UNIT, &sc->cross_stage_share);
    bool ok_from =
        read_stage_list(ld, &m, "from", &sc->cross_from, &sc->n_cross_from);
    bool ok_to = read_stage_list(ld, &m, "to", &sc->cross_to, &sc->n_cross_to);
    if (ok_from && ok_to) {
      struct fy_node *to = resolved(es_ymap_value(&m, "to", false));
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

static void add_column(struct loader *ld, const char *name,
                       const struct fy_node *at, const char *path) {
  ES_ASSERT(ld->n_columns < MAX_COLUMNS);
  struct column_use *c = &ld->columns[ld->n_columns++];
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
static void read_fertility(struct loader *ld, struct es_ymap *dm) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  struct fy_node *node = es_ymap_value(dm, "fertility_index", false);
  if (node == NULL) {
    return;
  }
  struct fy_node *map = resolved(node);
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

static void read_destinations(struct loader *ld, struct es_ymap *mig) {
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

static void read_demography(struct loader *ld, struct es_ymap *root) {
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
static void check_migration_file(struct loader *ld) {
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
static void read_rank_weights(struct loader *ld, size_t i, struct es_ymap *m) {
  struct es_strategy_spec *spec = &ld->sc->strategies[i];
  struct es_yaml *y = &ld->y;
  struct fy_node *node = es_ymap_value(m, "rank_weights", true);
  if (node == NULL) {
    return;
  }
  ld->rank_weights_key[i] = es_ymap_key_node(m, "rank_weights");
  char path[ES_YAML_PATH_MAX];
  es_ymap_key_path(m, "rank_weights", path, sizeof path);
  struct fy_node *map = resolved(node);
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

static void read_strategy(struct loader *ld, size_t i, struct es_ymap *m) {
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

static void read_strategies(struct loader *ld, struct es_ymap *root) {
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

static void read_warning(struct loader *ld, struct es_ymap *root) {
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

static void read_output(struct loader *ld, struct es_ymap *root) {
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

static void read_keys(struct loader *ld) {
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

/* ---- pass 3: the data files --------------------------------------------- */

/* Read every data file named by the scenario. @return ES_OK or ES_ENOMEM. */
static int read_data_files(struct loader *ld) {
  struct es_scenario *sc = ld->sc;
  for (size_t role = 0; role < ES_DATA_COUNT; role++) {
    struct es_scenario_file *f = &sc->data[role];
    if (!f->present) {
      continue;
    }
    struct es_error ferr;
    es_error_clear(&ferr);
    int rc = es_file_read(f->path, &f->bytes, &f->size, &ferr);
    if (rc == ES_ENOMEM) {
      return ES_FAIL(ld->err, ES_ENOMEM, "%s", ferr.message);
    }
    if (rc != ES_OK) {
      es_yaml_error(&ld->y, ld->data_key[role], "data.%s: %s", data_keys[role],
                    ferr.message);
      f->bytes = NULL;
      f->size = 0;
    }
  }
  return ES_OK;
}

/* Check every column the scenario names against regions.csv's header, at the
 * YAML place that names it, and list the extra (non-standard) ones. */
static int check_named_columns(struct loader *ld, const char **extra,
                               size_t *n_extra) {
  struct es_scenario *sc = ld->sc;
  const struct es_scenario_file *f = &sc->data[ES_DATA_REGIONS];
  struct es_csv csv;
  memset(&csv, 0, sizeof csv);
  struct es_diag_list scratch; /* the loader proper reports CSV problems */
  es_diag_list_init(&scratch);
  struct es_error cerr;
  es_error_clear(&cerr);
  int rc = es_csv_parse(&csv, f->path, f->bytes, f->size, &scratch, &cerr);
  es_diag_list_clear(&scratch);
  *n_extra = 0;
  if (rc == ES_ENOMEM) {
    es_csv_clear(&csv);
    return ES_FAIL(ld->err, ES_ENOMEM, "%s", cerr.message);
  }
  if (rc != ES_OK || csv.header.n_fields == 0) {
    /* An unreadable or empty file: the regions loader reports it, and
     * naming every column as missing would only bury that error. */
    es_csv_clear(&csv);
    return ES_OK;
  }
  for (size_t i = 0; i < ld->n_columns; i++) {
    const struct column_use *c = &ld->columns[i];
    size_t n_text =
        sizeof text_standard_columns / sizeof *text_standard_columns;
    size_t n_num =
        sizeof numeric_standard_columns / sizeof *numeric_standard_columns;
    if (in_list(text_standard_columns, n_text, c->name)) {
      es_yaml_error(&ld->y, c->at,
                    "%s: column '%s' of regions.csv is not numeric (expected "
                    "a numeric column)",
                    c->path, c->name);
      continue;
    }
    if (es_csv_column(&csv, c->name) == ES_CSV_NO_COLUMN) {
      es_yaml_error(&ld->y, c->at, "%s: %s has no column '%s'", c->path,
                    f->path, c->name);
      continue;
    }
    if (!in_list(numeric_standard_columns, n_num, c->name) &&
        !in_list(extra, *n_extra, c->name)) {
      extra[(*n_extra)++] = c->name;
    }
  }
  es_csv_clear(&csv);
  return ES_OK;
}

/* The first region where @p values is negative, or SIZE_MAX. */
static size_t first_negative(const double *values, size_t n) {
  for (size_t r = 0; r < n; r++) {
    if (!(values[r] >= 0.0)) {
      return r;
    }
  }
  return SIZE_MAX;
}

/* Checks that need the region table (pass 3, after regions.csv). */
static void check_against_regions(struct loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  const struct es_region_table *t = &sc->regions;

  /* Transfer pools need their column (MODEL 5.2e). */
  for (size_t k = 0; k < sc->n_stages; k++) {
    enum es_pool pool = sc->stages[k].transfer_pool;
    bool missing = (pool == ES_POOL_PREFECTURE && t->prefecture == NULL) ||
                   (pool == ES_POOL_PROVINCE && t->province == NULL) ||
                   (pool == ES_POOL_ZONE && t->zone == NULL);
    if (missing && ld->pool_node[k] != NULL) {
      es_yaml_error(y, ld->pool_node[k],
                    "stages[%zu].transfer.pool: pool %s needs column %s in "
                    "%s",
                    k, es_pool_name(pool), es_pool_name(pool),
                    sc->data[ES_DATA_REGIONS].path);
    }
  }

  /* Named columns: values >= 0, and point the strategies at theirs. */
  for (size_t i = 0; i < ld->n_columns; i++) {
    const struct column_use *c = &ld->columns[i];
    const double *values = es_region_table_column(t, c->name);
    if (values == NULL) {
      continue; /* reported by check_named_columns */
    }
    size_t r = first_negative(values, t->n_regions);
    if (r != SIZE_MAX) {
      es_yaml_error(y, c->at,
                    "%s: column '%s' is %g for region %s (expected values >= "
                    "0)",
                    c->path, c->name, values[r], t->code[r]);
    }
  }
  for (size_t s = 0; s < sc->n_strategies; s++) {
    struct es_strategy_spec *spec = &sc->strategies[s];
    if (spec->multiplier_column != NULL) {
      spec->multiplier = es_region_table_column(t, spec->multiplier_column);
    }
  }

  /* Gravity needs coordinates (MODEL 3.5). */
  if (sc->destination_model == ES_DESTINATIONS_GRAVITY &&
      (t->lat == NULL || t->lon == NULL)) {
    es_yaml_error(y, ld->destinations_key,
                  "demography.migration.destinations: model gravity needs "
                  "columns lat and lon in %s",
                  sc->data[ES_DATA_REGIONS].path);
  }

  /* Every rank present needs a weight in every rank strategy. */
  for (size_t s = 0; s < sc->n_strategies; s++) {
    const struct es_strategy_spec *spec = &sc->strategies[s];
    if (spec->basis != ES_BASIS_RANK || ld->rank_weights_key[s] == NULL ||
        spec->rank_weight_rank == NULL) {
      continue;
    }
    for (size_t r = 0; r < t->n_regions; r++) {
      double w = 0.0;
      bool seen = false;
      for (size_t q = 0; q < r && !seen; q++) {
        seen = t->rank[q] == t->rank[r];
      }
      if (!seen && !es_strategy_rank_weight(spec, t->rank[r], &w)) {
        es_yaml_error(y, ld->rank_weights_key[s],
                      "strategies[%zu].rank_weights: no weight for rank "
                      "%lld (region %s has rank %lld)",
                      s, (long long)t->rank[r], t->code[r],
                      (long long)t->rank[r]);
      }
    }
  }

  /* MODEL 3.2: migrants return or move on with probabilities that sum to at
   * most 1, and local out-moves are probabilities, after the multiplier. */
  if (!ld->rates_ok) {
    return;
  }
  const double *mult =
      sc->rate_multiplier_column != NULL
          ? es_region_table_column(t, sc->rate_multiplier_column)
          : NULL;
  if (sc->rate_multiplier_column != NULL && mult == NULL) {
    return;
  }
  bool reported_migrant = false, reported_local = false;
  for (size_t r = 0; r < t->n_regions; r++) {
    double f = mult != NULL ? mult[r] : 1.0;
    for (size_t a = 0; a <= sc->max_age; a++) {
      double migrant = sc->return_rate[a] + sc->migrant_out_rate[a] * f;
      if (migrant > 1.0 && !reported_migrant) {
        es_yaml_error(y, ld->migration_key,
                      "demography.migration: return_rate + migrant_out_rate "
                      "x rate_multiplier is %g for region %s at age %zu "
                      "(expected <= 1, MODEL 3.2)",
                      migrant, t->code[r], a);
        reported_migrant = true;
      }
      double local = sc->local_out_rate[a] * f;
      if (local > 1.0 && !reported_local) {
        es_yaml_error(y, ld->migration_key,
                      "demography.migration: local_out_rate x rate_multiplier "
                      "is %g for region %s at age %zu (expected <= 1)",
                      local, t->code[r], a);
        reported_local = true;
      }
    }
  }
}

static int load_data(struct loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_error *err = ld->err;
  int rc = read_data_files(ld);
  if (rc != ES_OK) {
    return rc;
  }
  const struct es_scenario_file *reg = &sc->data[ES_DATA_REGIONS];
  if (reg->bytes == NULL) {
    return ES_OK;
  }
  const char *extra[MAX_COLUMNS];
  size_t n_extra = 0;
  rc = check_named_columns(ld, extra, &n_extra);
  if (rc != ES_OK) {
    return rc;
  }
  rc = es_data_load_regions(reg->path, reg->bytes, reg->size, extra, n_extra,
                            &sc->regions, ld->dl, err);
  if (rc == ES_ENOMEM) {
    return rc;
  }
  if (rc != ES_OK) {
    return ES_OK;
  }
  ld->regions_ok = true;
  check_against_regions(ld);

  size_t n_regions = sc->regions.n_regions;
  const struct es_scenario_file *pop = &sc->data[ES_DATA_POPULATION];
  if (ld->ages_ok && pop->bytes != NULL) {
    rc = es_population_init(&sc->initial, n_regions, sc->max_age + 1, err);
    if (rc != ES_OK) {
      return rc;
    }
    rc = es_data_load_population(pop->path, pop->bytes, pop->size, &sc->regions,
                                 sc->max_age, &sc->initial, ld->dl, err);
    if (rc == ES_ENOMEM) {
      return rc;
    }
  }
  if (ld->stages_ok) {
    sc->teachers = calloc(n_regions * sc->n_stages, sizeof *sc->teachers);
    sc->seats = calloc(n_regions * sc->n_stages, sizeof *sc->seats);
    if (sc->teachers == NULL || sc->seats == NULL) {
      return ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for supply tables");
    }
    const struct es_scenario_file *tf = &sc->data[ES_DATA_TEACHERS];
    if (tf->bytes != NULL) {
      rc = es_data_load_stage_table(tf->path, tf->bytes, tf->size, "teachers",
                                    &sc->regions, sc->stages, sc->n_stages,
                                    sc->teachers, ld->dl, err);
      if (rc == ES_ENOMEM) {
        return rc;
      }
    }
    const struct es_scenario_file *sf = &sc->data[ES_DATA_SEATS];
    if (sf->bytes != NULL) {
      rc = es_data_load_stage_table(sf->path, sf->bytes, sf->size, "seats",
                                    &sc->regions, sc->stages, sc->n_stages,
                                    sc->seats, ld->dl, err);
      if (rc == ES_ENOMEM) {
        return rc;
      }
    }
  }

  /* pass 4: model parameters, only for a scenario without errors */
  struct es_od_table od;
  memset(&od, 0, sizeof od);
  const struct es_scenario_file *mf = &sc->data[ES_DATA_MIGRATION];
  if (sc->destination_model == ES_DESTINATIONS_MATRIX && mf->bytes != NULL) {
    rc = es_data_load_od(mf->path, mf->bytes, mf->size, &sc->regions, &od,
                         ld->dl, err);
    if (rc == ES_ENOMEM) {
      goto cleanup;
    }
    rc = ES_OK;
  }
  if (!es_diag_ok(ld->dl) || ld->y.nomem) {
    goto cleanup;
  }
  switch (sc->destination_model) {
    case ES_DESTINATIONS_MATRIX:
      rc = es_destinations_init_od(&sc->destinations, n_regions, od.n_entries,
                                   od.origin, od.destination, od.share, err);
      break;
    case ES_DESTINATIONS_GRAVITY:
      rc = es_destinations_init_gravity(
          &sc->destinations, n_regions, sc->regions.lat, sc->regions.lon,
          es_region_table_column(&sc->regions, sc->attraction_column),
          &sc->gravity, err);
      break;
    default:
      rc = es_destinations_init_none(&sc->destinations, n_regions, err);
      break;
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  sc->migrant_birth_share = calloc(n_regions, sizeof *sc->migrant_birth_share);
  if (sc->migrant_birth_share == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for birth shares");
    goto cleanup;
  }
  if (sc->regions.migrant_birth_share != NULL) {
    memcpy(sc->migrant_birth_share, sc->regions.migrant_birth_share,
           n_regions * sizeof *sc->migrant_birth_share);
  } else {
    es_population_default_birth_share(&sc->initial, sc->migrant_birth_share);
  }
  struct es_population_params *pp = &sc->population_params;
  pp->n_regions = n_regions;
  pp->n_ages = sc->max_age + 1;
  pp->year_start = sc->year_start;
  pp->mortality = sc->mortality;
  pp->local_out_rate = sc->local_out_rate;
  pp->migrant_out_rate = sc->migrant_out_rate;
  pp->return_rate = sc->return_rate;
  pp->external_in_rate = sc->external_in_rate;
  pp->rate_multiplier =
      sc->rate_multiplier_column != NULL
          ? es_region_table_column(&sc->regions, sc->rate_multiplier_column)
          : NULL;
  pp->destinations = &sc->destinations;
  pp->births = sc->regions.births;
  pp->adult_growth = sc->regions.adult_growth;
  pp->migrant_birth_share = sc->migrant_birth_share;
  pp->n_fertility_points = sc->n_fertility_points;
  pp->fertility_year = sc->fertility_year;
  pp->fertility_index = sc->fertility_index;

cleanup:
  es_od_table_clear(&od);
  return rc;
}

/* sc->resolved_text: the merged document, with the paths a base in another
 * folder wrote rewritten relative to the scenario's folder. */
static int make_resolved_text(struct loader *ld) {
  struct es_scenario *sc = ld->sc;
  int rc = ES_OK;
  for (size_t role = 0; role < ES_DATA_COUNT && rc == ES_OK; role++) {
    if (ld->data_rewritten[role]) {
      rc = es_yaml_set_string(&ld->y, ld->data_map, data_keys[role],
                              sc->data[role].given);
    }
  }
  if (rc == ES_OK && ld->output_given != NULL) {
    rc = es_yaml_set_string(&ld->y, ld->output_map, "file", ld->output_given);
  }
  ES_ASSERT(rc != ES_EINVAL); /* the keys were read from these mappings */
  if (rc == ES_OK) {
    sc->resolved_text = es_yaml_emit(&ld->y);
    if (sc->resolved_text == NULL) {
      rc = ES_ENOMEM;
    }
  }
  if (rc != ES_OK) {
    return ES_FAIL(ld->err, rc, "%s", "out of memory for the resolved text");
  }
  return ES_OK;
}

/* ---- entry points -------------------------------------------------------- */

int es_scenario_load(const char *path, struct es_scenario **out,
                     struct es_diag_list *dl, struct es_error *err) {
  int rc = ES_OK;
  struct loader ld;
  memset(&ld, 0, sizeof ld);
  *out = NULL;
  ld.dl = dl;
  ld.err = err;
  ld.sc = calloc(1, sizeof *ld.sc);
  ld.dir = folder_of(path);
  if (ld.sc == NULL || ld.dir == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for the scenario");
    goto cleanup;
  }
  struct es_scenario *sc = ld.sc;
  sc->file.given = es_strdup(path);
  sc->file.path = es_strdup(path);
  if (sc->file.given == NULL || sc->file.path == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for the scenario");
    goto cleanup;
  }
  rc = es__file_read_max(path, ES_FILE_MAX_YAML, "a YAML file", &sc->file.bytes,
                         &sc->file.size, err);
  if (rc == ES_EINPUT) {
    /* Not a regular file, or too large: a diagnostic about the file. */
    es_diag_error(dl, path, 1, 1, "%s", err->message);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  sc->file.present = true;
  size_t n_errors_before = dl->n_errors;

  es_yaml_init(&ld.y, dl);
  rc = es_yaml_add(&ld.y, sc->file.path, sc->file.bytes, sc->file.size, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  rc = read_extends(&ld);
  if (rc != ES_OK) {
    goto cleanup;
  }
  rc = es_yaml_merge(&ld.y, "extends", err);
  if (rc != ES_OK && !(rc == ES_EINPUT && es_yaml_root(&ld.y) != NULL)) {
    goto cleanup;
  }
  /* A null that removed nothing left a usable document: read on, so that
   * one run lists every mistake (the errors make the load fail below). */
  rc = ES_OK;
  read_keys(&ld);
  if (ld.y.nomem) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading the scenario");
    goto cleanup;
  }
  if (ld.version_ok) {
    rc = load_data(&ld);
    if (rc != ES_OK) {
      goto cleanup;
    }
  }
  if (ld.y.nomem) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading the scenario");
    goto cleanup;
  }
  if (dl->n_errors > n_errors_before) {
    rc = ES_EINPUT;
    goto cleanup;
  }
  rc = make_resolved_text(&ld);
  if (rc != ES_OK) {
    goto cleanup;
  }
  *out = ld.sc;
  ld.sc = NULL;

cleanup:
  if (rc == ES_EINPUT) {
    ES_FAIL(err, ES_EINPUT, "%s: %zu errors", path, dl->n_errors);
  }
  for (size_t i = 0; i < ES_SCENARIO_MAX_STRATEGIES; i++) {
    free(ld.blend_name[i][0]);
    free(ld.blend_name[i][1]);
  }
  es_yaml_clear(&ld.y);
  es_scenario_free(ld.sc);
  free(ld.dir);
  free(ld.output_given);
  return rc;
}

static void file_clear(struct es_scenario_file *f) {
  free(f->given);
  free(f->path);
  free(f->bytes);
  memset(f, 0, sizeof *f);
}

void es_scenario_free(struct es_scenario *sc) {
  if (sc == NULL) {
    return;
  }
  file_clear(&sc->file);
  for (size_t i = 0; i < sc->n_bases; i++) {
    file_clear(&sc->bases[i]);
  }
  free(sc->bases);
  free(sc->resolved_text);
  for (size_t role = 0; role < ES_DATA_COUNT; role++) {
    file_clear(&sc->data[role]);
  }
  free(sc->name);
  free(sc->description);
  free(sc->currency);
  es_region_table_clear(&sc->regions);
  es_population_clear(&sc->initial);
  free(sc->teachers);
  free(sc->seats);
  for (size_t k = 0; k < sc->n_stages; k++) {
    free(sc->stages[k].name);
  }
  free(sc->stages);
  free(sc->cross_from);
  free(sc->cross_to);
  free(sc->mortality);
  free(sc->local_out_rate);
  free(sc->migrant_out_rate);
  free(sc->return_rate);
  free(sc->external_in_rate);
  free(sc->rate_multiplier_column);
  free(sc->fertility_year);
  free(sc->fertility_index);
  free(sc->attraction_column);
  es_destinations_clear(&sc->destinations);
  free(sc->migrant_birth_share);
  for (size_t s = 0; s < sc->n_strategies; s++) {
    es_strategy_spec_clear(&sc->strategies[s]);
  }
  free(sc->strategies);
  free(sc->output_file);
  for (size_t i = 0; i < sc->n_statistics; i++) {
    free(sc->statistics[i]);
  }
  free(sc->statistics);
  free(sc);
}
