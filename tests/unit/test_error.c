/* test_error.c: error codes, error details and input diagnostics. */
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "models/error.h"

static int fail_deep(struct es_error *err) {
  return ES_FAIL(err, ES_EINPUT, "value %d is negative", -3);
}

static void test_error_details(void) {
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(err.code, ES_OK);
  int rc = fail_deep(&err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(err.code, ES_EINPUT);
  ES_CHECK_STR_EQ(err.message, "value -3 is negative");
  ES_CHECK_STR_EQ(err.src_func, "fail_deep");
  ES_CHECK(err.src_line > 0);
  es_error_prefix(&err, "reading %s", "a.csv");
  ES_CHECK_STR_EQ(err.message, "reading a.csv: value -3 is negative");
  ES_CHECK_INT_EQ(ES_FAIL(NULL, ES_ENOMEM, "%s", "no details"), ES_ENOMEM);
}

static void test_strerror(void) {
  ES_CHECK_STR_EQ(es_strerror(ES_OK), "success");
  ES_CHECK_STR_EQ(es_strerror(ES_ENOMEM), "out of memory");
  ES_CHECK_STR_EQ(es_strerror(ES_EEXIST), "output file exists");
  ES_CHECK_STR_EQ(es_strerror(12345), "unknown error");
}

static void test_diag_list(void) {
  struct es_diag_list dl;
  es_diag_list_init(&dl);
  ES_CHECK(es_diag_ok(&dl));
  es_diag_notice(&dl, "p.csv", 0, 0, "%d rows above max_age ignored", 4);
  ES_CHECK(es_diag_ok(&dl));
  for (int i = 0; i < 25; i++) {
    es_diag_error(&dl, "a.yaml", (size_t)i + 1, 7, "bad value %d", i);
  }
  ES_CHECK(!es_diag_ok(&dl));
  ES_CHECK(es_diag_full(&dl));
  ES_CHECK_INT_EQ(dl.n_errors, 25);
  ES_CHECK_INT_EQ(dl.n_notices, 1);
  ES_CHECK_INT_EQ(dl.n_dropped, 5);

  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  es_diag_print(&dl, out, /*show_notices=*/true);
  fclose(out);
  ES_CHECK_CONTAINS(text, "p.csv:1:1: notice: 4 rows above max_age ignored\n");
  ES_CHECK_CONTAINS(text, "a.yaml:1:7: error: bad value 0\n");
  ES_CHECK_CONTAINS(text, "a.yaml:20:7: error: bad value 19\n");
  ES_CHECK(strstr(text, "bad value 20") == NULL);
  ES_CHECK_CONTAINS(text, "and 5 more errors not shown (25 in all)");
  free(text);
  es_diag_list_clear(&dl);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  es_diag_list_clear(NULL);
}

int main(void) {
  test_error_details();
  test_strerror();
  test_diag_list();
  return es_test_summary();
}
