/* strings.c: string copy and string-array release shared by every layer. */
#include "models/strings.h"

#include <stdlib.h>
#include <string.h>

char *es_strdup(const char *s) {
  if (s == NULL) {
    return NULL;
  }
  const size_t n = strlen(s) + 1;
  char *copy = malloc(n);
  if (copy != NULL) {
    memcpy(copy, s, n);
  }
  return copy;
}

void es_strings_free(char **strings, size_t n) {
  if (strings == NULL) {
    return;
  }
  for (size_t i = 0; i < n; i++) {
    free(strings[i]);
  }
  free(strings);
}
