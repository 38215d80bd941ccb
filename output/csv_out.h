/* csv_out.h: writing CSV fields (RFC 4180), for every command that prints
 * or exports CSV. */
#ifndef ES_OUTPUT_CSV_OUT_H
#define ES_OUTPUT_CSV_OUT_H

#include <stdbool.h>
#include <stdio.h>

/**
 * @brief Write @p text as one CSV field: quoted (inner quotes doubled) when it
 * holds a comma, a quote, CR or LF, and, with @p quote_empty, when it is
 * empty (so that readers tell an empty text from a missing value).
 */
void es_csv_put_field(FILE *out, const char *text, bool quote_empty);

#endif /* ES_OUTPUT_CSV_OUT_H */
