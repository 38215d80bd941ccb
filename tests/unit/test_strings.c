/* test_strings.c: the shared string helpers. */
#include <stdlib.h>

#include "es_test.h"
#include "models/strings.h"

int main(void) {
  char *c = es_strdup("渝中区, \"quoted\"");
  ES_CHECK_STR_EQ(c, "渝中区, \"quoted\"");
  ES_CHECK(es_strdup(NULL) == NULL);
  char *empty = es_strdup("");
  ES_CHECK_STR_EQ(empty, "");
  char **arr = calloc(3, sizeof *arr);
  ES_CHECK(arr != NULL);
  arr[0] = c;
  arr[2] = empty; /* arr[1] stays NULL: allowed */
  es_strings_free(arr, 3);
  es_strings_free(NULL, 5);
  return es_test_summary();
}
