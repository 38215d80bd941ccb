/* csv_out.c: CSV fields quoted per RFC 4180. */
#include "output/csv_out.h"

#include <string.h>

void es_csv_put_field(FILE *out, const char *text, bool quote_empty) {
  const bool empty = text[0] == '\0';
  if (!(empty && quote_empty) && strpbrk(text, ",\"\r\n") == NULL) {
    fputs(text, out);
    return;
  }
  putc('"', out);
  for (const char *p = text; *p != '\0'; p++) {
    if (*p == '"') {
      putc('"', out);
    }
    putc(*p, out);
  }
  putc('"', out);
}
