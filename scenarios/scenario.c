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
 * mistake (STYLE 22).
 *
 * This file holds pass 0, the paths and the entry points; passes 1 and 2 are
 * in scenario_keys.c, passes 3 and 4 in scenario_data.c, and what they share
 * in scenario_impl.h. */
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
#include "scenarios/scenario_impl.h"
#include "scenarios/yaml_reader.h"

/* The folder part of @p path ("" when it has none; "/" for a root file). */
char *es__scenario_folder_of(const char *path) {
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
static void cycle_error(struct es__scenario_loader *ld,
                        const struct fy_node *at, size_t n_chain,
                        const char *next) {
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
static int read_extends(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  int rc = ES_OK;
  char *given = NULL, *dir = NULL, *path = NULL, *bytes = NULL;
  for (size_t i = 0;; i++) {
    struct fy_node *root = es_yaml_source_root(y, i);
    struct fy_node *map = es__scenario_resolved(root);
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
    dir = es__scenario_folder_of(chain_path(sc, i));
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

/* ---- entry points -------------------------------------------------------- */

int es_scenario_load(const char *path, struct es_scenario **out,
                     struct es_diag_list *dl, struct es_error *err) {
  int rc = ES_OK;
  struct es__scenario_loader ld;
  memset(&ld, 0, sizeof ld);
  *out = NULL;
  ld.dl = dl;
  ld.err = err;
  ld.sc = calloc(1, sizeof *ld.sc);
  ld.dir = es__scenario_folder_of(path);
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
  es__scenario_read_keys(&ld);
  if (ld.y.nomem) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading the scenario");
    goto cleanup;
  }
  if (ld.version_ok) {
    rc = es__scenario_load_data(&ld);
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
  rc = es__scenario_make_resolved_text(&ld);
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
