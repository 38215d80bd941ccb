/* test_yaml_reader.c: the typed, position-aware YAML getters (STYLE 22).
 *
 * Each getter is fed good and bad values and checked for the value read, the
 * message and the exact line:column; the mark table is checked for scalars,
 * flow and block collections, quoted scalars and aliases; syntax errors and
 * duplicate keys become diagnostics with their place. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "scenarios/yaml_reader.h"

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
  ES_CHECK_INT_EQ(d->line, line);
  ES_CHECK_INT_EQ(d->column, column);
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
  ES_CHECK_INT_EQ(p.dl.diags[0].line, 0);
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
    ES_CHECK_INT_EQ(p.dl.diags[0].line, 0);
  } else {
    ES_CHECK_INT_EQ(rc, ES_EINPUT); /* libfyaml may refuse the depth */
  }
  done(&p);
  free(text);
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

int main(void) {
  test_good_values();
  test_bad_values();
  test_syntax();
  test_deep();
  test_describe();
  return es_test_summary();
}
