/* test_csv_out.c: CSV fields quoted per RFC 4180. */
#include <stdlib.h>

#include "es_test.h"
#include "output/csv_out.h"

static char *field(const char *text, bool quote_empty) {
  char *buf = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&buf, &size);
  es_csv_put_field(out, text, quote_empty);
  fclose(out);
  return buf;
}

static void check(const char *text, bool quote_empty, const char *want) {
  char *got = field(text, quote_empty);
  ES_CHECK_STR_EQ(got, want);
  free(got);
}

int main(void) {
  check("渝中区", false, "渝中区");                 /* plain text as it is */
  check("a,b", false, "\"a,b\"");                   /* a comma */
  check("say \"hi\"", false, "\"say \"\"hi\"\"\""); /* quotes doubled */
  check("two\nlines", false, "\"two\nlines\"");
  check("cr\rhere", false, "\"cr\rhere\"");
  check("", false, "");    /* empty: nothing */
  check("", true, "\"\""); /* or quoted, on request */
  check("x", true, "x");
  return es_test_summary();
}
