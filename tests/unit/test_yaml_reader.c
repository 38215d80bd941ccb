/* test_yaml_reader.c: the typed, position-aware YAML getters (STYLE 22).
 *
 * Each getter is fed good and bad values and checked for the value read, the
 * message and the exact line:column; the mark table is checked for scalars,
 * flow and block collections, quoted scalars and aliases; syntax errors and
 * duplicate keys become diagnostics with their place. Two files merge as
 * extends needs: key order, places in the right file, null removal, alias
 * expansion and limits, the emitted text and a replaced string. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "scenarios/yaml_reader.h"

/* A place of 0 in an expectation means "the whole file" or "the whole line",
 * which the diagnostics keep as 1 (models/error.h). */
#define PLACE(x) ((x) > 0 ? (size_t)(x) : (size_t)1)

static const char doc_text[] =
    "int: 42\n"                   /* 1 */
    "neg: -7\n"                   /* 2 */
    "real: -2.5e1\n"              /* 3 */
    "yes: true\n"                 /* 4 */
    "word: text\n"                /* 5 */
    "list: [0.1, 0.2, 0.3]\n"     /* 6 */
    "map: {x: 1, y: 2}\n"         /* 7 */
    "anchor: &a 7\n"              /* 8 */
    "alias: *a\n"                 /* 9 */
    "empty:\n"                    /* 10 */
    "quoted: 'q'\n"               /* 11 */
    "big: 18446744073709551615\n" /* 12 */
    "block:\n"                    /* 13 */
    "  - 1\n"                     /* 14 */
    "  - 2\n"                     /* 15 */
    "huge: 1e999\n"               /* 16 */
    "pool: county\n";             /* 17 */

struct parsed {
  struct es_yaml y;
  struct es_diag_list dl;
  struct es_ymap root;
};

static int parse(struct parsed *p, const char *text) {
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(&p->dl);
  return es_yaml_parse(&p->y, "t.yaml", text, strlen(text), &p->dl, &err);
}

static void done(struct parsed *p) {
  es_yaml_clear(&p->y);
  es_diag_list_clear(&p->dl);
}

/* The last diagnostic is at @p line:@p column and contains @p message. */
static void check_last(const struct parsed *p, size_t line, size_t column,
                       const char *message) {
  ES_CHECK(p->dl.n_diags > 0);
  if (p->dl.n_diags == 0) {
    return;
  }
  const struct es_diag *d = &p->dl.diags[p->dl.n_diags - 1];
  ES_CHECK_STR_EQ(d->file, "t.yaml");
  ES_CHECK_INT_EQ(d->line, PLACE(line));
  ES_CHECK_INT_EQ(d->column, PLACE(column));
  ES_CHECK_CONTAINS(d->message, message);
  /* keep the list short of its cap for the next check */
  es_diag_list_clear((struct es_diag_list *)(uintptr_t)&p->dl);
}

static void test_good_values(void) {
  struct parsed p;
  ES_CHECK_INT_EQ(parse(&p, doc_text), ES_OK);
  ES_CHECK_INT_EQ(es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, ""),
                  ES_YGET_OK);
  struct es_ymap *m = &p.root;
  int64_t i = 0;
  ES_CHECK_INT_EQ(es_ymap_int(m, "int", true, 0, 100, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 42);
  ES_CHECK_INT_EQ(es_ymap_int(m, "neg", true, -10, 0, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, -7);
  double x = 0.0;
  ES_CHECK_INT_EQ(es_ymap_double(m, "real", true, ES_YRANGE_ANY, &x),
                  ES_YGET_OK);
  ES_CHECK_DOUBLE_EQ(x, -25.0);
  bool b = false;
  ES_CHECK_INT_EQ(es_ymap_bool(m, "yes", true, &b), ES_YGET_OK);
  ES_CHECK(b);
  char *s = NULL;
  ES_CHECK_INT_EQ(es_ymap_string(m, "word", true, &s), ES_YGET_OK);
  ES_CHECK_STR_EQ(s, "text");
  ES_CHECK_INT_EQ(es_ymap_string(m, "quoted", true, &s), ES_YGET_OK);
  ES_CHECK_STR_EQ(s, "q");
  free(s);
  double ages[3] = {0};
  ES_CHECK_INT_EQ(es_ymap_per_age(m, "list", true, 3, ES_YRANGE_UNIT, ages),
                  ES_YGET_OK);
  ES_CHECK_DOUBLE_EQ(ages[0], 0.1);
  ES_CHECK_DOUBLE_EQ(ages[2], 0.3);
  /* a scalar fills every age */
  ES_CHECK_INT_EQ(es_ymap_per_age(m, "anchor", true, 3, ES_YRANGE_NONNEG, ages),
                  ES_YGET_OK);
  ES_CHECK_DOUBLE_EQ(ages[1], 7.0);
  struct es_ymap child;
  ES_CHECK_INT_EQ(es_ymap_map(m, "map", true, &child), ES_YGET_OK);
  ES_CHECK_STR_EQ(child.path, "map");
  ES_CHECK_INT_EQ(es_ymap_int(&child, "y", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 2);
  ES_CHECK_INT_EQ(es_ymap_int(&child, "x", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 1);
  es_ymap_finish(&child);
  /* an alias reads as the anchored value */
  ES_CHECK_INT_EQ(es_ymap_int(m, "alias", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 7);
  uint64_t u = 0;
  ES_CHECK_INT_EQ(es_ymap_uint64(m, "big", true, 0, UINT64_MAX, &u),
                  ES_YGET_OK);
  ES_CHECK(u == UINT64_MAX);
  struct fy_node *seq = NULL;
  ES_CHECK_INT_EQ(es_ymap_seq(m, "block", true, &seq), ES_YGET_OK);
  size_t choice = 99;
  const char *const pools[] = {"none", "county"};
  ES_CHECK_INT_EQ(es_ymap_choice(m, "pool", true, pools, 2, &choice),
                  ES_YGET_OK);
  ES_CHECK_INT_EQ(choice, 1);
  /* absent optional keys leave the default alone */
  i = 5;
  ES_CHECK_INT_EQ(es_ymap_int(m, "missing", false, 0, 9, &i), ES_YGET_ABSENT);
  ES_CHECK_INT_EQ(i, 5);
  ES_CHECK(es_ymap_has(m, "huge"));
  ES_CHECK(!es_ymap_has(m, "missing"));
  ES_CHECK_INT_EQ(p.dl.n_diags, 0);

  /* marks: scalars, flow and block collections, 1-based */
  struct es_yaml_mark mk =
      es_yaml_node_mark(&p.y, es_ymap_value(m, "list", false));
  ES_CHECK_INT_EQ(mk.line, 6);
  ES_CHECK_INT_EQ(mk.column, 7);
  mk = es_yaml_node_mark(&p.y, es_ymap_value(m, "map", false));
  ES_CHECK_INT_EQ(mk.line, 7);
  ES_CHECK_INT_EQ(mk.column, 6);
  mk = es_yaml_node_mark(&p.y, seq);
  ES_CHECK_INT_EQ(mk.line, 14);
  ES_CHECK_INT_EQ(mk.column, 3);
  mk = es_yaml_node_mark(&p.y, es_ymap_key_node(m, "big"));
  ES_CHECK_INT_EQ(mk.line, 12);
  ES_CHECK_INT_EQ(mk.column, 1);
  mk = es_yaml_node_mark(&p.y, es_ymap_value(m, "quoted", false));
  ES_CHECK_INT_EQ(mk.line, 11);
  ES_CHECK_INT_EQ(mk.column, 9); /* the opening quote */
  mk = es_yaml_node_mark(&p.y, es_ymap_key_node(m, "empty"));
  ES_CHECK_INT_EQ(mk.line, 10);
  ES_CHECK_INT_EQ(mk.column, 1);

  /* every key not asked for is unknown, listed with the known ones */
  es_ymap_finish(m);
  ES_CHECK_INT_EQ(p.dl.n_errors, 2);
  ES_CHECK_INT_EQ(p.dl.diags[0].line, 10);
  ES_CHECK_STR_EQ(p.dl.diags[0].message,
                  "unknown key 'empty' (expected one of: int, neg, real, yes, "
                  "word, quoted, list, anchor, map, alias, big, block, pool, "
                  "missing)");
  ES_CHECK_INT_EQ(p.dl.diags[1].line, 16);
  ES_CHECK_CONTAINS(p.dl.diags[1].message, "unknown key 'huge'");
  done(&p);
}

static void test_bad_values(void) {
  struct parsed p;
  ES_CHECK_INT_EQ(parse(&p, doc_text), ES_OK);
  es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, "");
  struct es_ymap *m = &p.root;
  int64_t i = 3;
  ES_CHECK_INT_EQ(es_ymap_int(m, "int", true, 0, 10, &i), ES_YGET_BAD);
  ES_CHECK_INT_EQ(i, 3);
  check_last(&p, 1, 6,
             "int: 42 is out of range (expected an integer in 0..10)");
  ES_CHECK_INT_EQ(es_ymap_int(m, "neg", true, 0, INT64_MAX, &i), ES_YGET_BAD);
  check_last(&p, 2, 6, "neg: -7 is out of range (expected an integer >= 0)");
  ES_CHECK_INT_EQ(es_ymap_int(m, "real", true, 0, 9, &i), ES_YGET_BAD);
  check_last(&p, 3, 7, "real: expected an integer, got '-2.5e1'");
  ES_CHECK_INT_EQ(es_ymap_int(m, "list", true, 0, 9, &i), ES_YGET_BAD);
  check_last(&p, 6, 7, "list: expected an integer, got a sequence");
  double x = 0.0;
  ES_CHECK_INT_EQ(es_ymap_double(m, "real", true, ES_YRANGE_POSITIVE, &x),
                  ES_YGET_BAD);
  check_last(&p, 3, 7, "real: -2.5e1 is out of range (expected a number > 0)");
  ES_CHECK_INT_EQ(es_ymap_double(m, "huge", true, ES_YRANGE_ANY, &x),
                  ES_YGET_BAD);
  check_last(&p, 16, 7, "huge: 1e999 is out of range (expected a number)");
  ES_CHECK_INT_EQ(es_ymap_double(m, "word", true, ES_YRANGE_ANY, &x),
                  ES_YGET_BAD);
  check_last(&p, 5, 7, "word: expected a number, got 'text'");
  ES_CHECK_INT_EQ(es_ymap_double(m, "map", true, ES_YRANGE_ANY, &x),
                  ES_YGET_BAD);
  check_last(&p, 7, 6, "map: expected a number, got a mapping");
  ES_CHECK_INT_EQ(es_ymap_double(m, "quoted", true, ES_YRANGE_ANY, &x),
                  ES_YGET_BAD);
  check_last(&p, 11, 9, "quoted: expected a number, got the quoted string 'q'");
  bool b = false;
  ES_CHECK_INT_EQ(es_ymap_bool(m, "int", true, &b), ES_YGET_BAD);
  check_last(&p, 1, 6, "int: expected true or false, got '42'");
  char *s = NULL;
  ES_CHECK_INT_EQ(es_ymap_string(m, "empty", true, &s), ES_YGET_BAD);
  check_last(&p, 10, 1, "empty: expected a string, got nothing");
  ES_CHECK_INT_EQ(es_ymap_string(m, "block", true, &s), ES_YGET_BAD);
  check_last(&p, 14, 3, "block: expected a string, got a sequence");
  ES_CHECK(s == NULL);
  double ages[2] = {0};
  ES_CHECK_INT_EQ(es_ymap_per_age(m, "list", true, 2, ES_YRANGE_UNIT, ages),
                  ES_YGET_BAD);
  check_last(&p, 6, 7, "list: 3 values, expected 2 (one per age 0..1)");
  double three[3] = {0};
  ES_CHECK_INT_EQ(
      es_ymap_per_age(m, "list", true, 3,
                      (struct es_yrange){0.15, 1, false, false}, three),
      ES_YGET_BAD);
  check_last(&p, 6, 8,
             "list[0]: 0.1 is out of range (expected a number in "
             "[0.15, 1])");
  ES_CHECK_INT_EQ(es_ymap_per_age(m, "map", true, 3, ES_YRANGE_UNIT, three),
                  ES_YGET_BAD);
  check_last(&p, 7, 6,
             "map: expected a number or a list of numbers, got a "
             "mapping");
  struct fy_node *seq = NULL;
  ES_CHECK_INT_EQ(es_ymap_seq(m, "map", true, &seq), ES_YGET_BAD);
  check_last(&p, 7, 6, "map: expected a list, got a mapping");
  struct es_ymap child;
  ES_CHECK_INT_EQ(es_ymap_map(m, "word", true, &child), ES_YGET_BAD);
  check_last(&p, 5, 7, "word: expected a mapping, got 'text'");
  es_ymap_finish(&child); /* a bad mapping reports nothing more */
  ES_CHECK_INT_EQ(es_ymap_map(m, "map", true, &child), ES_YGET_OK);
  ES_CHECK_INT_EQ(es_ymap_int(&child, "z", true, 0, 9, &i), ES_YGET_ABSENT);
  check_last(&p, 7, 1, "map: missing required key 'z'");
  es_ymap_finish(&child);
  check_last(&p, 7, 13, "map: unknown key 'y' (expected one of: z)");
  uint64_t u = 0;
  ES_CHECK_INT_EQ(es_ymap_uint64(m, "neg", true, 0, UINT64_MAX, &u),
                  ES_YGET_BAD);
  check_last(&p, 2, 6,
             "neg: -7 is out of range (expected an integer in "
             "0..18446744073709551615)");
  ES_CHECK_INT_EQ(es_ymap_uint64(m, "int", true, 100, UINT64_MAX, &u),
                  ES_YGET_BAD);
  check_last(&p, 1, 6, "int: 42 is out of range (expected an integer >= 100)");
  size_t choice = 0;
  const char *const pools[] = {"none", "all"};
  ES_CHECK_INT_EQ(es_ymap_choice(m, "pool", true, pools, 2, &choice),
                  ES_YGET_BAD);
  check_last(&p, 17, 7, "pool: unknown 'county' (expected: none, all)");
  ES_CHECK_INT_EQ(es_ymap_int(m, "absent", true, 0, 9, &i), ES_YGET_ABSENT);
  check_last(&p, 1, 1, "missing required key 'absent'");
  done(&p);
}

static void test_syntax(void) {
  struct parsed p;
  ES_CHECK_INT_EQ(parse(&p, "a: 1\nb: 2\na: 3\n"), ES_EINPUT);
  ES_CHECK_INT_EQ(p.dl.n_errors, 1);
  check_last(&p, 3, 1,
             "duplicate key (a key may appear only once in a "
             "mapping)");
  done(&p);
  ES_CHECK_INT_EQ(parse(&p, "a: [1, 2\nb: 3\n"), ES_EINPUT);
  ES_CHECK_INT_EQ(p.dl.n_errors, 1);
  ES_CHECK_CONTAINS(p.dl.diags[0].message, "YAML syntax error: ");
  ES_CHECK(p.dl.diags[0].line >= 1);
  done(&p);
  ES_CHECK_INT_EQ(parse(&p, "a: \"\\q\"\n"), ES_EINPUT);
  check_last(&p, 1, 5,
             "YAML syntax error: invalid escape 'q' in "
             "double-quoted string");
  done(&p);
  /* an alias without its anchor */
  ES_CHECK_INT_EQ(parse(&p, "a: *nowhere\n"), ES_OK);
  es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, "");
  int64_t i = 0;
  ES_CHECK_INT_EQ(es_ymap_int(&p.root, "a", true, 0, 9, &i), ES_YGET_BAD);
  check_last(&p, 1, 4,
             "a: expected an integer, got an alias to an unknown "
             "anchor");
  done(&p);
  ES_CHECK_INT_EQ(parse(&p, "\n# only a comment\n"), ES_EINPUT);
  ES_CHECK_INT_EQ(p.dl.diags[0].line, PLACE(0));
  ES_CHECK_CONTAINS(p.dl.diags[0].message, "the file is empty");
  done(&p);
  ES_CHECK_INT_EQ(parse(&p, "a: 1\n---\nb: 2\n"), ES_EINPUT);
  check_last(&p, 2, 1, "a second YAML document");
  done(&p);
  /* a non-mapping root */
  ES_CHECK_INT_EQ(parse(&p, "[1, 2]\n"), ES_OK);
  ES_CHECK_INT_EQ(es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, ""),
                  ES_YGET_BAD);
  check_last(&p, 1, 1,
             "expected a mapping of keys at the top level, got a "
             "sequence");
  done(&p);
}

/* Nesting deeper than the walk allows: no crash, places unknown. */
static void test_deep(void) {
  size_t depth = 300;
  char *text = malloc(2 * depth + 8);
  ES_CHECK(text != NULL);
  if (text == NULL) {
    return;
  }
  size_t n = 0;
  memcpy(text, "a: ", 3);
  n = 3;
  for (size_t i = 0; i < depth; i++) {
    text[n++] = '[';
  }
  for (size_t i = 0; i < depth; i++) {
    text[n++] = ']';
  }
  text[n++] = '\n';
  text[n] = '\0';
  struct parsed p;
  int rc = parse(&p, text);
  if (rc == ES_OK) {
    es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, "");
    int64_t i = 0;
    ES_CHECK_INT_EQ(es_ymap_int(&p.root, "a", true, 0, 9, &i), ES_YGET_BAD);
    ES_CHECK_INT_EQ(p.dl.diags[0].line, PLACE(0));
  } else {
    ES_CHECK_INT_EQ(rc, ES_EINPUT); /* libfyaml may refuse the depth */
  }
  done(&p);
  free(text);
}

/* ---- merging several files (extends) ------------------------------------ */

static const char bottom_text[] =
    "a: 1\n"             /* 1 */
    "m:\n"               /* 2 */
    "  x: 1\n"           /* 3 */
    "  y: [1, 2]\n"      /* 4 */
    "  z: {p: 1}\n"      /* 5 */
    "s: [1, 2, 3]\n"     /* 6 */
    "q: '2020'\n"        /* 7 */
    "gone: 5\n"          /* 8 */
    "extends: x.yaml\n"; /* 9 */

static const char top_text[] =
    "extends: b.yaml\n" /* 1 */
    "m:\n"              /* 2 */
    "  y: [3]\n"        /* 3 */
    "  z: {r: 2}\n"     /* 4 */
    "  w: &w 4\n"       /* 5 */
    "s: {k: 1}\n"       /* 6 */
    "a: *w\n"           /* 7 */
    "gone: ~\n"         /* 8 */
    "new: x\n";         /* 9 */

/* Parse @p top over @p bottom (files t.yaml over b.yaml) and merge. */
static int parse_two(struct parsed *p, const char *top, const char *bottom,
                     struct es_error *err) {
  es_diag_list_init(&p->dl);
  es_yaml_init(&p->y, &p->dl);
  int rc = es_yaml_add(&p->y, "t.yaml", top, strlen(top), err);
  if (rc == ES_OK) {
    rc = es_yaml_add(&p->y, "b.yaml", bottom, strlen(bottom), err);
  }
  if (rc == ES_OK) {
    rc = es_yaml_merge(&p->y, "extends", err);
  }
  return rc;
}

static void check_mark(const struct es_yaml *y, const struct fy_node *node,
                       const char *file, size_t line, size_t column) {
  struct es_yaml_mark mk = es_yaml_node_mark(y, node);
  ES_CHECK(mk.file != NULL);
  if (mk.file != NULL) {
    ES_CHECK_STR_EQ(mk.file, file);
  }
  ES_CHECK_INT_EQ(mk.line, line);
  ES_CHECK_INT_EQ(mk.column, column);
}

/* The last diagnostic is in @p file at @p line:@p column. */
static void check_last_in(struct parsed *p, const char *file, size_t line,
                          size_t column, const char *message) {
  ES_CHECK(p->dl.n_diags > 0);
  if (p->dl.n_diags == 0) {
    return;
  }
  const struct es_diag *d = &p->dl.diags[p->dl.n_diags - 1];
  ES_CHECK_STR_EQ(d->file, file);
  ES_CHECK_INT_EQ(d->line, PLACE(line));
  ES_CHECK_INT_EQ(d->column, PLACE(column));
  ES_CHECK_CONTAINS(d->message, message);
  es_diag_list_clear(&p->dl);
}

static void test_merge(void) {
  struct parsed p;
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(parse_two(&p, top_text, bottom_text, &err), ES_OK);
  ES_CHECK_INT_EQ(p.y.n_sources, 2);
  ES_CHECK(es_yaml_source_root(&p.y, 1) != NULL);
  ES_CHECK(es_yaml_source_root(&p.y, 2) == NULL);
  /* a source node keeps its own place */
  struct es_ymap src;
  es_ymap_init(&src, &p.y, es_yaml_source_root(&p.y, 1), NULL, "");
  check_mark(&p.y, es_ymap_value(&src, "extends", false), "b.yaml", 9, 10);

  ES_CHECK_INT_EQ(es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, ""),
                  ES_YGET_OK);
  struct es_ymap *m = &p.root;
  /* removed and skipped keys are gone (the key order is checked on the
   * emitted text below) */
  ES_CHECK(!es_ymap_has(m, "gone"));
  ES_CHECK(!es_ymap_has(m, "extends"));
  /* a scalar replaced by an alias, expanded, at the alias */
  int64_t i = 0;
  ES_CHECK_INT_EQ(es_ymap_int(m, "a", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 4);
  check_mark(&p.y, es_ymap_value(m, "a", false), "t.yaml", 7, 4);
  check_mark(&p.y, es_ymap_key_node(m, "a"), "t.yaml", 7, 1);
  check_mark(&p.y, m->node, "t.yaml", 1, 1);
  /* a mapping merged key by key; a list replaced */
  struct es_ymap child;
  ES_CHECK_INT_EQ(es_ymap_map(m, "m", true, &child), ES_YGET_OK);
  check_mark(&p.y, child.node, "t.yaml", 3, 3);
  ES_CHECK_INT_EQ(es_ymap_int(&child, "x", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 1);
  check_mark(&p.y, es_ymap_value(&child, "x", false), "b.yaml", 3, 6);
  double y1[1] = {0};
  ES_CHECK_INT_EQ(es_ymap_per_age(&child, "y", true, 1, ES_YRANGE_ANY, y1),
                  ES_YGET_OK);
  ES_CHECK_DOUBLE_EQ(y1[0], 3.0);
  check_mark(&p.y, es_ymap_value(&child, "y", false), "t.yaml", 3, 6);
  struct es_ymap z;
  ES_CHECK_INT_EQ(es_ymap_map(&child, "z", true, &z), ES_YGET_OK);
  ES_CHECK_INT_EQ(es_ymap_int(&z, "p", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 1);
  check_mark(&p.y, es_ymap_value(&z, "p", false), "b.yaml", 5, 10);
  ES_CHECK_INT_EQ(es_ymap_int(&z, "r", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 2);
  check_mark(&p.y, es_ymap_value(&z, "r", false), "t.yaml", 4, 10);
  es_ymap_finish(&z);
  ES_CHECK_INT_EQ(es_ymap_int(&child, "w", true, 0, 9, &i), ES_YGET_OK);
  es_ymap_finish(&child);
  /* a mapping over a sequence replaces it */
  ES_CHECK_INT_EQ(es_ymap_map(m, "s", true, &child), ES_YGET_OK);
  ES_CHECK_INT_EQ(es_ymap_int(&child, "k", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(i, 1);
  es_ymap_finish(&child);
  /* a quoted scalar stays a string, and errors land in its file */
  ES_CHECK_INT_EQ(es_ymap_int(m, "q", true, 0, 9999, &i), ES_YGET_BAD);
  check_last_in(&p, "b.yaml", 7, 4,
                "q: expected an integer, got the quoted string '2020'");
  es_ymap_finish(m);
  check_last_in(&p, "t.yaml", 9, 1, "unknown key 'new'");

  /* the merged document as text */
  char *text = es_yaml_emit(&p.y);
  ES_CHECK_STR_EQ(text,
                  "a: 4\n"
                  "m:\n"
                  "  x: 1\n"
                  "  y:\n"
                  "  - 3\n"
                  "  z:\n"
                  "    p: 1\n"
                  "    r: 2\n"
                  "  w: 4\n"
                  "s:\n"
                  "  k: 1\n"
                  "q: '2020'\n"
                  "new: x\n");
  free(text);
  /* a value replaced by a string keeps its place and reads back the same */
  struct fy_node *root = es_yaml_root(&p.y);
  ES_CHECK_INT_EQ(es_yaml_set_string(&p.y, root, "new", "null"), ES_OK);
  ES_CHECK_INT_EQ(es_yaml_set_string(&p.y, root, "q", "a \"b\"\\c\td"), ES_OK);
  ES_CHECK_INT_EQ(es_yaml_set_string(&p.y, root, "absent", "x"), ES_EINVAL);
  es_ymap_init(m, &p.y, root, NULL, "");
  check_mark(&p.y, es_ymap_value(m, "new", false), "t.yaml", 9, 6);
  text = es_yaml_emit(&p.y);
  ES_CHECK_CONTAINS(text, "new: \"null\"\n");
  done(&p);
  struct parsed again;
  ES_CHECK_INT_EQ(parse(&again, text != NULL ? text : ""), ES_OK);
  es_ymap_init(&again.root, &again.y, es_yaml_root(&again.y), NULL, "");
  char *s = NULL;
  ES_CHECK_INT_EQ(es_ymap_string(&again.root, "new", true, &s), ES_YGET_OK);
  ES_CHECK_STR_EQ(s, "null");
  ES_CHECK_INT_EQ(es_ymap_string(&again.root, "q", true, &s), ES_YGET_OK);
  ES_CHECK_STR_EQ(s, "a \"b\"\\c\td");
  free(s);
  done(&again);
  free(text);
}

static void test_merge_errors(void) {
  struct parsed p;
  struct es_error err;
  es_error_clear(&err);
  /* null with nothing to remove: in the top file only */
  ES_CHECK_INT_EQ(parse_two(&p, "b: ~\nc: {d: null}\n", "a: ~\n", &err),
                  ES_EINPUT);
  ES_CHECK_INT_EQ(p.dl.n_errors, 2);
  if (p.dl.n_diags == 2) {
    ES_CHECK_STR_EQ(p.dl.diags[0].file, "t.yaml");
    ES_CHECK_INT_EQ(p.dl.diags[0].line, 1);
    ES_CHECK_INT_EQ(p.dl.diags[0].column, 4);
    ES_CHECK_STR_EQ(p.dl.diags[0].message,
                    "b: null removes a key inherited from a base, but no base "
                    "sets it");
  }
  check_last_in(&p, "t.yaml", 2, 8, "c.d: null removes a key");
  /* the bottom file's null is kept as written */
  es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, "");
  char *s = NULL;
  ES_CHECK_INT_EQ(es_ymap_string(&p.root, "a", true, &s), ES_YGET_BAD);
  check_last_in(&p, "b.yaml", 1, 4, "a: expected a string, got nothing");
  done(&p);
  /* an alias cannot reach an anchor of another file */
  ES_CHECK_INT_EQ(parse_two(&p, "b: *x\n", "a: &x 1\n", &err), ES_OK);
  es_ymap_init(&p.root, &p.y, es_yaml_root(&p.y), NULL, "");
  int64_t i = 0;
  ES_CHECK_INT_EQ(es_ymap_int(&p.root, "a", true, 0, 9, &i), ES_YGET_OK);
  ES_CHECK_INT_EQ(es_ymap_int(&p.root, "b", true, 0, 9, &i), ES_YGET_BAD);
  check_last_in(&p, "t.yaml", 1, 4,
                "b: expected an integer, got an alias to an unknown anchor");
  done(&p);
  /* aliases of aliases: refused past ES_YAML_MAX_NODES */
  ES_CHECK_INT_EQ(parse(&p,
                        "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"),
                  ES_EINPUT);
  check_last(&p, 0, 0, "more than 100000 YAML nodes once aliases are expanded");
  done(&p);
  /* too many files; merging nothing */
  es_diag_list_init(&p.dl);
  es_yaml_init(&p.y, &p.dl);
  ES_CHECK_INT_EQ(es_yaml_merge(&p.y, NULL, &err), ES_EINVAL);
  for (size_t k = 0; k < ES_YAML_MAX_SOURCES; k++) {
    ES_CHECK_INT_EQ(es_yaml_add(&p.y, "t.yaml", "a: 1\n", 5, &err), ES_OK);
  }
  ES_CHECK_INT_EQ(es_yaml_add(&p.y, "t.yaml", "a: 1\n", 5, &err), ES_EINVAL);
  ES_CHECK_INT_EQ(es_yaml_merge(&p.y, NULL, &err), ES_OK);
  ES_CHECK_INT_EQ(es_yaml_merge(&p.y, NULL, &err), ES_EINVAL);
  done(&p);
}

static void test_describe(void) {
  char buf[96];
  ES_CHECK_STR_EQ(es_yrange_describe(ES_YRANGE_UNIT, buf, sizeof buf),
                  "a number in [0, 1]");
  ES_CHECK_STR_EQ(es_yrange_describe(ES_YRANGE_NONNEG, buf, sizeof buf),
                  "a number >= 0");
  ES_CHECK_STR_EQ(es_yrange_describe(ES_YRANGE_POSITIVE, buf, sizeof buf),
                  "a number > 0");
  ES_CHECK_STR_EQ(es_yrange_describe(ES_YRANGE_ANY, buf, sizeof buf),
                  "a number");
  ES_CHECK_STR_EQ(es_yrange_describe((struct es_yrange){-1, 2.5, true, true},
                                     buf, sizeof buf),
                  "a number in (-1, 2.5)");
  ES_CHECK_STR_EQ(es_yaml_describe(NULL, buf, sizeof buf), "nothing");
}

/* Bytes libfyaml must not see: a directive followed by invalid UTF-8 (which
 * makes libfyaml 0.7.12 loop for ever), invalid UTF-8 inside a plain value and
 * a NUL byte (which libfyaml takes for the end of the text). Each is one error
 * at the bad byte. The suite runs under a timeout, so a hang fails. */
static void test_bad_bytes(void) {
  static const struct {
    const char *text;
    size_t size;
    size_t line, column;
    const char *message;
  } cases[] = {
      {"%\xD1\n", 3, 1, 2, "invalid UTF-8 byte 0xD1 (expected UTF-8 text"},
      {"a: 1\nname: ab\xFF\n", 15, 2, 9, "invalid UTF-8 byte 0xFF"},
      {"a: 1\nname: a\0b\nc: 2\n", 20, 2, 8,
       "a NUL byte (expected UTF-8 text)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct parsed p;
    struct es_error err;
    es_error_clear(&err);
    es_diag_list_init(&p.dl);
    ES_CHECK_INT_EQ(es_yaml_parse(&p.y, "t.yaml", cases[i].text, cases[i].size,
                                  &p.dl, &err),
                    ES_EINPUT);
    ES_CHECK_INT_EQ(p.dl.n_errors, 1);
    check_last(&p, cases[i].line, cases[i].column, cases[i].message);
    done(&p);
  }
}

int main(void) {
  test_bad_bytes();
  test_good_values();
  test_bad_values();
  test_syntax();
  test_deep();
  test_describe();
  test_merge();
  test_merge_errors();
  return es_test_summary();
}
