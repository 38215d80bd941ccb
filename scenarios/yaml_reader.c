/* yaml_reader.c: typed getters over a libfyaml document, with the place of
 * every node (STYLE 21-22).
 *
 * libfyaml builds the document tree and reports syntax errors; its diagnostics
 * are collected (never printed) and turned into our own diagnostics with
 * file:line:column. Because libfyaml 0.7 exports the start mark of scalar
 * tokens only, the text is parsed a second time as an event stream: the node
 * events (scalar, alias, mapping start, sequence start) come in the order of
 * a pre-order walk of the tree, so walking the tree in that order pairs every
 * node with its mark. Values are typed strictly: a number is a plain scalar
 * (a quoted "2020" is a string), true/false are the only booleans.
 *
 * A scenario that extends a base is several files. Each is parsed into its
 * own document (es_yaml_add), and es_yaml_merge builds one more document, the
 * merged one, that the getters read. It is built by hand rather than by
 * editing a parsed tree in place: collections are created new, scalars are
 * copied with fy_node_copy (which keeps their quoting style, so a quoted
 * "2020" stays a string) and every node created is entered in the same mark
 * table as the parsed nodes, with the place of the node it was copied from.
 * Nothing is ever freed while the table is in use, so a pointer in the table
 * always names a live node of one of the documents.
 *
 * The getters themselves (scalars, mappings, typed values) are in
 * yaml_reader_get.c. */
#include "scenarios/yaml_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "scenarios/csv.h"
#include "scenarios/yaml_reader_impl.h"

/* Deeper nesting than this is not a scenario; the mark table is then left
 * empty (errors lose their place) rather than risking the stack. */
#define MAX_DEPTH 200

/* ---- parsing --------------------------------------------------------- */

/* libfyaml's formatted output: everything we need is collected instead. */
static void diag_discard(struct fy_diag *diag, void *user, const char *buf,
                         size_t len) {
  (void)diag;
  (void)user;
  (void)buf;
  (void)len;
}

struct mark_list {
  size_t n;
  size_t capacity;
  struct es_yaml_node_mark *items;
};

static bool mark_list_push(struct mark_list *l, const struct fy_node *node,
                           struct es_yaml_mark mark) {
  if (l->n == l->capacity) {
    size_t capacity = l->capacity == 0 ? 64 : 2 * l->capacity;
    struct es_yaml_node_mark *items =
        realloc(l->items, capacity * sizeof *items);
    if (items == NULL) {
      return false;
    }
    l->items = items;
    l->capacity = capacity;
  }
  l->items[l->n].node = node;
  l->items[l->n].mark = mark;
  l->n++;
  return true;
}

/* Pre-order walk: assign the marks of @p events (in order) to the nodes. */
static bool assign_marks(struct fy_node *node, const struct es_yaml_mark *ev,
                         size_t n_ev, size_t *i_ev, struct mark_list *out,
                         size_t depth, bool *nomem) {
  if (node == NULL || depth > MAX_DEPTH || *i_ev >= n_ev) {
    return false;
  }
  if (!mark_list_push(out, node, ev[*i_ev])) {
    *nomem = true;
    return false;
  }
  (*i_ev)++;
  if (fy_node_is_mapping(node)) {
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(node, &it)) != NULL) {
      if (!assign_marks(fy_node_pair_key(pair), ev, n_ev, i_ev, out, depth + 1,
                        nomem) ||
          !assign_marks(fy_node_pair_value(pair), ev, n_ev, i_ev, out,
                        depth + 1, nomem)) {
        return false;
      }
    }
  } else if (fy_node_is_sequence(node)) {
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(node, &it)) != NULL) {
      if (!assign_marks(item, ev, n_ev, i_ev, out, depth + 1, nomem)) {
        return false;
      }
    }
  }
  return true;
}

static int compare_node_marks(const void *a, const void *b) {
  uintptr_t pa = (uintptr_t)((const struct es_yaml_node_mark *)a)->node;
  uintptr_t pb = (uintptr_t)((const struct es_yaml_node_mark *)b)->node;
  return (pa > pb) - (pa < pb);
}

/* Append @p l to the table of @p y and sort it again; @p l is emptied. */
static bool add_marks(struct es_yaml *y, struct mark_list *l) {
  if (l->n == 0) {
    return true;
  }
  struct es_yaml_node_mark *all =
      realloc(y->marks, (y->n_marks + l->n) * sizeof *all);
  if (all == NULL) {
    return false;
  }
  memcpy(all + y->n_marks, l->items, l->n * sizeof *all);
  y->marks = all;
  y->n_marks += l->n;
  qsort(y->marks, y->n_marks, sizeof *y->marks, compare_node_marks);
  free(l->items);
  memset(l, 0, sizeof *l);
  return true;
}

/* Second pass over the text: the start of every node event, in order. Also
 * reports a second document in the stream. */
static int collect_event_marks(struct es_yaml *y, const char *file,
                               const char *bytes, size_t size,
                               struct es_yaml_mark **marks, size_t *n_marks) {
  int rc = ES_OK;
  struct fy_diag *diag = NULL;
  struct fy_parser *fyp = NULL;
  struct es_yaml_mark *list = NULL;
  size_t n = 0, capacity = 0, n_docs = 0;
  struct es_yaml_mark last = {file, 0, 0};

  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = diag_discard;
  dcfg.colorize = false;
  diag = fy_diag_create(&dcfg);
  if (diag == NULL) {
    rc = ES_ENOMEM;
    goto cleanup;
  }
  fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg pcfg;
  memset(&pcfg, 0, sizeof pcfg);
  pcfg.flags = FYPCF_QUIET;
  pcfg.diag = diag;
  fyp = fy_parser_create(&pcfg);
  if (fyp == NULL || fy_parser_set_string(fyp, bytes, size) != 0) {
    rc = ES_ENOMEM;
    goto cleanup;
  }
  struct fy_event *ev;
  while ((ev = fy_parser_parse(fyp)) != NULL) {
    enum fy_event_type type = ev->type;
    const struct fy_mark *fm = fy_event_start_mark(ev);
    struct es_yaml_mark mark = last;
    if (fm != NULL && fm->line >= 0 && fm->column >= 0) {
      mark.line = (size_t)fm->line + 1;
      mark.column = (size_t)fm->column + 1;
    }
    /* libfyaml marks a quoted scalar after its opening quote and an alias
     * after its '*'; point at the quote or star, where the reader sees the
     * value start. */
    if (fm != NULL && fm->line >= 0 && mark.column > 1) {
      enum fy_node_style style =
          type == FYET_SCALAR ? fy_event_get_node_style(ev) : FYNS_ANY;
      if (type == FYET_ALIAS || style == FYNS_SINGLE_QUOTED ||
          style == FYNS_DOUBLE_QUOTED) {
        mark.column--;
      }
    }
    fy_parser_event_free(fyp, ev);
    if (type == FYET_DOCUMENT_START) {
      n_docs++;
      if (n_docs == 2) {
        es_diag_error(y->dl, file, mark.line, mark.column,
                      "a second YAML document (a scenario file holds one "
                      "document)");
      }
    }
    bool is_node = type == FYET_SCALAR || type == FYET_ALIAS ||
                   type == FYET_MAPPING_START || type == FYET_SEQUENCE_START;
    if (!is_node || n_docs != 1) {
      if (fm != NULL && fm->line >= 0) {
        last = mark;
      }
      continue;
    }
    if (n == capacity) {
      size_t c = capacity == 0 ? 64 : 2 * capacity;
      struct es_yaml_mark *grown = realloc(list, c * sizeof *grown);
      if (grown == NULL) {
        rc = ES_ENOMEM;
        goto cleanup;
      }
      list = grown;
      capacity = c;
    }
    list[n++] = mark;
    last = mark;
  }
  *marks = list;
  *n_marks = n;
  list = NULL;

cleanup:
  free(list);
  if (fyp != NULL) {
    fy_parser_destroy(fyp);
  }
  if (diag != NULL) {
    fy_diag_destroy(diag);
  }
  return rc;
}

static bool only_blank_or_comments(const char *bytes, size_t size) {
  bool in_comment = false;
  for (size_t i = 0; i < size; i++) {
    char c = bytes[i];
    if (c == '\n') {
      in_comment = false;
    } else if (c == '#') {
      in_comment = true;
    } else if (!in_comment && c != ' ' && c != '\t' && c != '\r') {
      return false;
    }
  }
  return true;
}

void es_yaml_init(struct es_yaml *y, struct es_diag_list *dl) {
  memset(y, 0, sizeof *y);
  y->dl = dl;
}

int es_yaml_add(struct es_yaml *y, const char *file, const char *bytes,
                size_t size, struct es_error *err) {
  int rc = ES_OK;
  struct fy_diag *diag = NULL;
  struct fy_document *doc = NULL;
  struct es_yaml_mark *ev = NULL;
  size_t n_ev = 0;
  struct mark_list marks = {0, 0, NULL};
  struct es_diag_list *dl = y->dl;

  if (y->n_sources >= ES_YAML_MAX_SOURCES) {
    rc =
        ES_FAIL(err, ES_EINVAL, "more than %d YAML files", ES_YAML_MAX_SOURCES);
    goto cleanup;
  }
  if (y->n_sources == 0) {
    y->file = file;
  }
  /* libfyaml 0.7 stops at a NUL and can loop for ever on invalid UTF-8
   * after a directive: it sees only checked text. */
  if (!es_text_check(file, bytes, size, dl)) {
    rc = ES_EINPUT;
    goto cleanup;
  }
  struct fy_diag_cfg dcfg;
  fy_diag_cfg_default(&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = diag_discard;
  dcfg.colorize = false;
  diag = fy_diag_create(&dcfg);
  if (diag == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "cannot create the YAML diagnostics");
    goto cleanup;
  }
  fy_diag_set_collect_errors(diag, true);
  struct fy_parse_cfg pcfg;
  memset(&pcfg, 0, sizeof pcfg);
  pcfg.flags = FYPCF_QUIET;
  pcfg.diag = diag;
  doc = fy_document_build_from_string(&pcfg, bytes, size);

  size_t n_syntax = 0;
  void *it = NULL;
  struct fy_diag_error *de;
  while ((de = fy_diag_errors_iterate(diag, &it)) != NULL) {
    if (de->type < FYET_ERROR) {
      continue;
    }
    size_t line = de->line > 0 ? (size_t)de->line : 0;
    size_t column = de->column > 0 ? (size_t)de->column : 0;
    const char *msg = de->msg != NULL ? de->msg : "unknown error";
    if (strcmp(msg, "duplicate key") == 0) {
      es_diag_error(dl, file, line, column,
                    "duplicate key (a key may appear only once in a mapping)");
    } else {
      es_diag_error(dl, file, line, column, "YAML syntax error: %s", msg);
    }
    n_syntax++;
  }
  if (doc == NULL || n_syntax > 0) {
    if (n_syntax == 0) {
      if (only_blank_or_comments(bytes, size)) {
        es_diag_error(dl, file, 0, 0,
                      "the file is empty (expected a mapping starting with "
                      "'edusim: 1')");
      } else {
        es_diag_error(dl, file, 0, 0, "YAML syntax error: cannot parse");
      }
    }
    rc = ES_EINPUT;
    goto cleanup;
  }

  size_t n_errors = dl->n_errors;
  rc = collect_event_marks(y, file, bytes, size, &ev, &n_ev);
  if (rc != ES_OK) {
    rc = ES_FAIL(err, rc, "%s", "out of memory reading YAML marks");
    goto cleanup;
  }
  if (dl->n_errors > n_errors) {
    rc = ES_EINPUT;
    goto cleanup;
  }
  size_t i_ev = 0;
  bool nomem = false;
  struct fy_node *root = fy_document_root(doc);
  if (root != NULL &&
      (!assign_marks(root, ev, n_ev, &i_ev, &marks, 0, &nomem) ||
       i_ev != n_ev)) {
    /* The two passes disagree: keep going without places. */
    marks.n = 0;
  }
  struct es_yaml_source *sources =
      realloc(y->sources, (y->n_sources + 1) * sizeof *sources);
  if (nomem || sources == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading YAML marks");
    goto cleanup;
  }
  y->sources = sources;
  if (!add_marks(y, &marks)) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading YAML marks");
    goto cleanup;
  }
  sources[y->n_sources].file = file;
  sources[y->n_sources].doc = doc;
  y->n_sources++;
  doc = NULL;

cleanup:
  free(ev);
  free(marks.items);
  if (diag != NULL) {
    fy_diag_destroy(diag);
  }
  if (doc != NULL) {
    /* Not added: none of its nodes reached the table. */
    fy_document_destroy(doc);
  }
  return rc;
}

struct fy_node *es_yaml_source_root(const struct es_yaml *y, size_t i_source) {
  if (i_source >= y->n_sources) {
    return NULL;
  }
  return fy_document_root(y->sources[i_source].doc);
}

/* ---- merging ------------------------------------------------------------ */

/* One file's node at one place of the tree, for the merge. */
struct layer {
  struct fy_node *node; /* as written (may be an alias or NULL) */
  size_t i_source;      /* the file it is in */
};

/* State of one es_yaml_merge. */
struct merge {
  struct es_yaml *y;
  const char *skip_key; /* top-level key left out, or NULL */
  struct mark_list out; /* places of the merged nodes */
  size_t n_nodes;       /* merged nodes created */
  bool nomem;           /* out of memory (the merge stops) */
  bool too_many;        /* more than ES_YAML_MAX_NODES (the merge stops) */
  bool bad;             /* an input error was reported (the merge goes on) */
};

/* A node not (or no longer) attached to the merged tree. */
static void free_node(struct fy_node *node) {
  if (node != NULL) {
    fy_node_free(node);
  }
}

static bool merge_failed(const struct merge *mg) {
  return mg->nomem || mg->too_many;
}

/* Count one more merged node; false past the limit. */
static bool count_node(struct merge *mg) {
  if (mg->n_nodes >= ES_YAML_MAX_NODES) {
    mg->too_many = true;
    return false;
  }
  mg->n_nodes++;
  return true;
}

/* @p copy is at the place of @p from. */
static void record(struct merge *mg, const struct fy_node *copy,
                   const struct fy_node *from) {
  struct es_yaml_mark mark = es_yaml_node_mark(mg->y, from);
  if (mark.line == 0 && mark.file == NULL) {
    return; /* unknown: errors there fall back to the file given */
  }
  if (!mark_list_push(&mg->out, copy, mark)) {
    mg->nomem = true;
  }
}

/* Same scalar key text (style aside: 2020 and '2020' are one key). */
static bool same_key(struct fy_node *a, struct fy_node *b) {
  a = es__yaml_deref(a);
  b = es__yaml_deref(b);
  if (a == NULL || b == NULL || !fy_node_is_scalar(a) ||
      !fy_node_is_scalar(b)) {
    return false;
  }
  size_t na = 0, nb = 0;
  const char *ta = fy_node_get_scalar(a, &na);
  const char *tb = fy_node_get_scalar(b, &nb);
  return ta != NULL && tb != NULL && na == nb && memcmp(ta, tb, na) == 0;
}

static bool is_key(struct fy_node *key, const char *text) {
  key = es__yaml_deref(key);
  if (key == NULL || !fy_node_is_scalar(key)) {
    return false;
  }
  size_t len = 0;
  const char *t = fy_node_get_scalar(key, &len);
  return t != NULL && len == strlen(text) && memcmp(t, text, len) == 0;
}

/* The pair of @p map (a mapping) whose key is the same as @p key, or NULL. */
static struct fy_node_pair *pair_of(struct fy_node *map, struct fy_node *key) {
  void *it = NULL;
  struct fy_node_pair *pair;
  while ((pair = fy_node_mapping_iterate(map, &it)) != NULL) {
    if (same_key(fy_node_pair_key(pair), key)) {
      return pair;
    }
  }
  return NULL;
}

static bool is_mapping(struct fy_node *node) {
  struct fy_node *v = es__yaml_deref(node);
  return v != NULL && fy_node_is_mapping(v);
}

/* A leaf of the merged document for @p from: a scalar (keeping its style and
 * tag, and its anchor, which no alias of the merged document uses and
 * es_yaml_emit leaves out), an alias to no anchor, or past the depth limit
 * the rest of the tree as it is, without places. NULL when out of memory. */
static struct fy_node *copy_leaf(struct merge *mg, struct fy_node *from,
                                 struct fy_node *v, size_t depth) {
  struct fy_document *doc = mg->y->doc;
  struct fy_node *c = NULL;
  if (v == NULL) {
    /* An alias to no anchor of its own file stays an alias to no anchor (the
     * getters report it), under a name no anchor can have (YAML anchors have
     * no ',' nor ' '), so that it cannot meet an anchor another file brought
     * into the merged document. */
    size_t len = 0;
    const char *name = fy_node_get_scalar(from, &len);
    char text[ES__YAML_QUOTE_MAX + 16];
    int w = snprintf(text, sizeof text, "no anchor, %.*s",
                     (int)(len < ES__YAML_QUOTE_MAX ? len : ES__YAML_QUOTE_MAX),
                     name != NULL ? name : "");
    c = fy_node_create_alias_copy(doc, text, w > 0 ? (size_t)w : 0);
  } else {
    c = fy_node_copy(doc, v);
  }
  if (c == NULL) {
    mg->nomem = true;
  } else if (depth <= MAX_DEPTH) {
    record(mg, c, from);
  }
  return c;
}

/* A copy of @p from (written in one file) in the merged document, aliases
 * expanded; *out is NULL for a NULL @p from. On failure nothing is left. */
static bool copy_node(struct merge *mg, struct fy_node *from, size_t depth,
                      struct fy_node **out) {
  struct fy_node *v = es__yaml_deref(from);
  struct fy_node *c = NULL;
  bool ok = from == NULL || count_node(mg);
  if (!ok || from == NULL) {
    /* nothing to copy */
  } else if (v == NULL || depth > MAX_DEPTH || fy_node_is_scalar(v)) {
    c = copy_leaf(mg, from, v, depth);
    ok = c != NULL && !merge_failed(mg);
  } else {
    bool map = fy_node_is_mapping(v);
    c = map ? fy_node_create_mapping(mg->y->doc)
            : fy_node_create_sequence(mg->y->doc);
    ok = c != NULL;
    if (ok) {
      record(mg, c, from);
    }
    void *it = NULL;
    struct fy_node_pair *pair;
    struct fy_node *item;
    while (ok && map && (pair = fy_node_mapping_iterate(v, &it)) != NULL) {
      struct fy_node *key = NULL, *value = NULL;
      ok = copy_node(mg, fy_node_pair_key(pair), depth + 1, &key) &&
           copy_node(mg, fy_node_pair_value(pair), depth + 1, &value) &&
           fy_node_mapping_append(c, key, value) == 0;
      if (!ok) {
        free_node(key);
        free_node(value);
      }
    }
    while (ok && !map && (item = fy_node_sequence_iterate(v, &it)) != NULL) {
      struct fy_node *copy = NULL;
      ok = copy_node(mg, item, depth + 1, &copy) &&
           fy_node_sequence_append(c, copy) == 0;
      if (!ok) {
        free_node(copy);
      }
    }
    if (!ok && !merge_failed(mg)) {
      mg->nomem = true; /* creating or appending failed */
    }
  }
  if (!ok) {
    free_node(c);
    c = NULL;
  }
  *out = c;
  return ok;
}

/* "path.key" of a key node into @p buf. */
static void child_path(const char *path, struct fy_node *key, char *buf,
                       size_t size) {
  char text[ES__YAML_QUOTE_MAX + 1];
  struct fy_node *k = es__yaml_deref(key);
  size_t len = 0;
  const char *t =
      k != NULL && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &len) : NULL;
  size_t n =
      t != NULL ? (len < ES__YAML_QUOTE_MAX ? len : ES__YAML_QUOTE_MAX) : 0;
  memcpy(text, t != NULL ? t : "", n);
  text[n] = '\0';
  int w = path[0] == '\0' ? snprintf(buf, size, "%s", text)
                          : snprintf(buf, size, "%s.%s", path, text);
  if (w < 0 || (size_t)w >= size) {
    buf[size - 1] = '\0';
  }
}

/* The values of the key of @p pair (a pair of layers[j]) in layers j..n-1,
 * bottom to top, into @p values; a null in a file that has a base empties the
 * list (or is an error if it is empty already). *@p key_from is the key node
 * of the top-most value. @return the number of values. */
static size_t gather_values(struct merge *mg, const struct layer *layers,
                            size_t j, size_t n, struct fy_node_pair *pair,
                            const char *path, struct layer *values,
                            struct fy_node **key_from) {
  size_t last_source = mg->y->n_sources - 1;
  struct fy_node *key = fy_node_pair_key(pair);
  size_t n_values = 0;
  *key_from = NULL;
  for (size_t jj = j; jj < n; jj++) {
    struct fy_node_pair *p =
        jj == j ? pair : pair_of(es__yaml_deref(layers[jj].node), key);
    if (p == NULL) {
      continue;
    }
    struct fy_node *value = fy_node_pair_value(p);
    if (es__yaml_is_null(value) && layers[jj].i_source != last_source) {
      if (n_values == 0) {
        es_yaml_error(mg->y, value != NULL ? value : fy_node_pair_key(p),
                      "%s: null removes a key inherited from a base, but no "
                      "base sets it",
                      path);
        mg->bad = true;
      }
      n_values = 0;
      *key_from = NULL;
      continue;
    }
    values[n_values].node = value;
    values[n_values].i_source = layers[jj].i_source;
    n_values++;
    *key_from = fy_node_pair_key(p);
  }
  return n_values;
}

/* The merged node of @p layers (ordered bottom to top, n >= 1, all at the
 * place @p path), see es_yaml_merge. On failure nothing is left. */
static bool merge_layers(struct merge *mg, const struct layer *layers, size_t n,
                         const char *path, size_t depth, struct fy_node **out) {
  const struct layer *top = &layers[n - 1];
  if (!is_mapping(top->node) || depth > MAX_DEPTH) {
    return copy_node(mg, top->node, depth, out);
  }
  /* The mappings from the top down to the first non-mapping merge. */
  size_t s = n - 1;
  while (s > 0 && is_mapping(layers[s - 1].node)) {
    s--;
  }
  struct fy_node *c = NULL;
  bool ok = count_node(mg);
  if (ok) {
    c = fy_node_create_mapping(mg->y->doc);
    ok = c != NULL;
  }
  if (ok) {
    record(mg, c, top->node);
  }
  for (size_t j = s; ok && j < n; j++) {
    void *it = NULL;
    struct fy_node_pair *pair;
    while (ok && (pair = fy_node_mapping_iterate(es__yaml_deref(layers[j].node),
                                                 &it)) != NULL) {
      struct fy_node *key = fy_node_pair_key(pair);
      bool seen =
          depth == 0 && mg->skip_key != NULL && is_key(key, mg->skip_key);
      for (size_t i = s; i < j && !seen; i++) {
        /* merged already, with the layer that has it first */
        seen = pair_of(es__yaml_deref(layers[i].node), key) != NULL;
      }
      char sub[ES_YAML_PATH_MAX];
      child_path(path, key, sub, sizeof sub);
      struct layer values[ES_YAML_MAX_SOURCES];
      struct fy_node *key_from = NULL;
      size_t n_values =
          seen ? 0
               : gather_values(mg, layers, j, n, pair, sub, values, &key_from);
      if (n_values == 0) {
        continue;
      }
      struct fy_node *ckey = NULL, *cvalue = NULL;
      ok = copy_node(mg, key_from, depth + 1, &ckey) &&
           merge_layers(mg, values, n_values, sub, depth + 1, &cvalue) &&
           fy_node_mapping_append(c, ckey, cvalue) == 0;
      if (!ok) {
        free_node(ckey);
        free_node(cvalue);
      }
    }
  }
  if (!ok && !merge_failed(mg)) {
    mg->nomem = true; /* creating or appending failed */
  }
  if (!ok) {
    free_node(c);
    c = NULL;
  }
  *out = c;
  return ok;
}

int es_yaml_merge(struct es_yaml *y, const char *skip_key,
                  struct es_error *err) {
  int rc = ES_OK;
  struct merge mg;
  memset(&mg, 0, sizeof mg);
  mg.y = y;
  mg.skip_key = skip_key;
  if (y->n_sources == 0 || y->doc != NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "es_yaml_merge: no file added, or merged already");
  }
  struct fy_parse_cfg pcfg;
  memset(&pcfg, 0, sizeof pcfg);
  pcfg.flags = FYPCF_QUIET;
  y->doc = fy_document_create(&pcfg);
  if (y->doc == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory merging YAML files");
    goto cleanup;
  }
  /* Bottom (the last file added) to top (the first). */
  struct layer layers[ES_YAML_MAX_SOURCES];
  for (size_t i = 0; i < y->n_sources; i++) {
    size_t i_source = y->n_sources - 1 - i;
    layers[i].node = fy_document_root(y->sources[i_source].doc);
    layers[i].i_source = i_source;
  }
  struct fy_node *root = NULL;
  bool ok = merge_layers(&mg, layers, y->n_sources, "", 0, &root);
  if (ok && fy_document_set_root(y->doc, root) != 0) {
    free_node(root);
    mg.nomem = true;
  }
  if (mg.too_many) {
    es_diag_error(y->dl, y->file, 0, 0,
                  "more than %d YAML nodes once aliases are expanded (an "
                  "alias of an alias of ...?)",
                  ES_YAML_MAX_NODES);
    rc = ES_EINPUT;
  } else if (mg.nomem || !add_marks(y, &mg.out)) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory merging YAML files");
  } else if (mg.bad) {
    rc = ES_EINPUT;
  }

cleanup:
  free(mg.out.items);
  if (rc != ES_OK && rc != ES_EINPUT && y->doc != NULL) {
    fy_document_destroy(y->doc);
    y->doc = NULL;
  }
  return rc;
}

int es_yaml_parse(struct es_yaml *y, const char *file, const char *bytes,
                  size_t size, struct es_diag_list *dl, struct es_error *err) {
  es_yaml_init(y, dl);
  int rc = es_yaml_add(y, file, bytes, size, err);
  if (rc == ES_OK) {
    rc = es_yaml_merge(y, /*skip_key=*/NULL, err);
  }
  return rc;
}

void es_yaml_clear(struct es_yaml *y) {
  if (y == NULL) {
    return;
  }
  if (y->doc != NULL) {
    fy_document_destroy(y->doc);
  }
  for (size_t i = 0; i < y->n_sources; i++) {
    fy_document_destroy(y->sources[i].doc);
  }
  free(y->sources);
  free(y->marks);
  memset(y, 0, sizeof *y);
}

struct fy_node *es_yaml_root(const struct es_yaml *y) {
  return y->doc != NULL ? fy_document_root(y->doc) : NULL;
}

/* The table entry of @p node, or NULL. */
static struct es_yaml_node_mark *find_mark(const struct es_yaml *y,
                                           const struct fy_node *node) {
  if (node == NULL || y->n_marks == 0) {
    return NULL;
  }
  struct es_yaml_node_mark key = {node, {NULL, 0, 0}};
  return bsearch(&key, y->marks, y->n_marks, sizeof *y->marks,
                 compare_node_marks);
}

struct es_yaml_mark es_yaml_node_mark(const struct es_yaml *y,
                                      const struct fy_node *node) {
  struct es_yaml_mark none = {NULL, 0, 0};
  const struct es_yaml_node_mark *found = find_mark(y, node);
  return found != NULL ? found->mark : none;
}

/* @p text as a YAML double-quoted scalar, which reads back as the same
 * string whatever it is ("null", "2020", "a: b"): '\\', '"' and control
 * bytes escaped. @return a new string of *@p len bytes, or NULL. */
static char *double_quoted(const char *text, size_t *len) {
  size_t n = strlen(text);
  char *quoted = malloc(4 * n + 3);
  if (quoted == NULL) {
    return NULL;
  }
  size_t used = 0;
  quoted[used++] = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (ch == '\\' || ch == '"') {
      quoted[used++] = '\\';
      quoted[used++] = (char)ch;
    } else if (ch < 0x20 || ch == 0x7f) {
      used += (size_t)snprintf(quoted + used, 5, "\\x%02x", ch);
    } else {
      quoted[used++] = (char)ch;
    }
  }
  quoted[used++] = '"';
  *len = used;
  return quoted;
}

int es_yaml_set_string(struct es_yaml *y, struct fy_node *map, const char *key,
                       const char *text) {
  int rc = ES_OK;
  struct fy_node *m = es__yaml_deref(map);
  struct fy_node_pair *pair = NULL;
  if (m != NULL && fy_node_is_mapping(m) && y->doc != NULL &&
      fy_node_document(m) == y->doc) {
    void *it = NULL;
    while ((pair = fy_node_mapping_iterate(m, &it)) != NULL &&
           !is_key(fy_node_pair_key(pair), key)) {
    }
  }
  if (pair == NULL) {
    rc = ES_EINVAL;
  }
  size_t len = 0;
  char *quoted = rc == ES_OK ? double_quoted(text, &len) : NULL;
  if (rc == ES_OK && quoted == NULL) {
    rc = ES_ENOMEM;
  }
  /* The node points into the text: the document takes it over (and frees it
   * with itself). On failure it is not known whether it did, so the text is
   * left alone (a leak on this out-of-memory path, not a double free). */
  struct fy_node *value =
      rc == ES_OK ? fy_node_build_from_malloc_string(y->doc, quoted, len)
                  : NULL;
  if (rc == ES_OK && value == NULL) {
    rc = ES_ENOMEM;
  }
  if (rc == ES_OK) {
    /* The new node takes the old one's entry, so that no entry names a
     * freed node. */
    struct es_yaml_node_mark *entry = find_mark(y, fy_node_pair_value(pair));
    if (fy_node_pair_set_value(pair, value) != 0) {
      free_node(value);
      rc = ES_ENOMEM;
    } else if (entry != NULL) {
      entry->node = value;
      qsort(y->marks, y->n_marks, sizeof *y->marks, compare_node_marks);
    }
  }
  return rc;
}

char *es_yaml_emit(const struct es_yaml *y) {
  if (y->doc == NULL) {
    return NULL;
  }
  /* Block style throughout: the merged collections have no style of their
   * own (and libfyaml 0.7 spreads flow collections over many lines). The
   * anchors copied with scalars are left out: every alias was expanded. */
  return fy_emit_document_to_string(
      y->doc, FYECF_MODE_BLOCK | FYECF_WIDTH_INF | FYECF_INDENT_2 |
                  FYECF_STRIP_LABELS | FYECF_DOC_START_MARK_OFF |
                  FYECF_DOC_END_MARK_OFF);
}

void es_yaml_error(const struct es_yaml *y, const struct fy_node *node,
                   const char *fmt, ...) {
  char message[ES_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  struct es_yaml_mark mark = es_yaml_node_mark(y, node);
  es_diag_error(y->dl, mark.file != NULL ? mark.file : y->file, mark.line,
                mark.column, "%s", message);
}

void es_yaml_notice(const struct es_yaml *y, const struct fy_node *node,
                    const char *fmt, ...) {
  char message[ES_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  struct es_yaml_mark mark = es_yaml_node_mark(y, node);
  es_diag_notice(y->dl, mark.file != NULL ? mark.file : y->file, mark.line,
                 mark.column, "%s", message);
}
