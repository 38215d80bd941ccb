/* error.c: error codes, error details and collected input diagnostics.
 *
 * Depends on no other edusim module but strings, so that every layer can
 * use it. The diagnostic list is bounded (ES_DIAG_MAX errors kept) so that a
 * file with thousands of bad rows gives a readable report, not a flood
 * (STYLE 22). */
#include "models/error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "models/strings.h"

const char *es_strerror(int code) {
  switch (code) {
#define ES_ERROR_CASE_(name, value, text) \
  case value:                             \
    return text;
    ES_ERROR_LIST(ES_ERROR_CASE_)
#undef ES_ERROR_CASE_
    default:
      return "unknown error";
  }
}

void es_error_clear(struct es_error *err) {
  if (err == NULL) {
    return;
  }
  err->code = ES_OK;
  err->message[0] = '\0';
  err->src_file = NULL;
  err->src_line = 0;
  err->src_func = NULL;
}

int es__error_set(struct es_error *err, int code, const char *src_file,
                  int src_line, const char *src_func, const char *fmt, ...) {
  if (err == NULL) {
    return code;
  }
  err->code = code;
  err->src_file = src_file;
  err->src_line = src_line;
  err->src_func = src_func;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return code;
}

void es_error_prefix(struct es_error *err, const char *fmt, ...) {
  if (err == NULL) {
    return;
  }
  char prefix[ES_ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  /* Room for both parts; the message keeps what fits. */
  char joined[2 * ES_ERROR_MESSAGE_MAX + 2];
  snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
  memcpy(err->message, joined, sizeof err->message - 1);
  err->message[sizeof err->message - 1] = '\0';
}

void es__assert_fail(const char *expr, const char *file, int line,
                     const char *func) {
  fprintf(stderr, "%s:%d: %s: internal error: assertion '%s' failed\n", file,
          line, func, expr);
  abort();
}

void es_diag_list_init(struct es_diag_list *dl) {
  memset(dl, 0, sizeof *dl);
}

void es_diag_list_clear(struct es_diag_list *dl) {
  if (dl == NULL) {
    return;
  }
  for (size_t i = 0; i < dl->n_diags; i++) {
    free(dl->diags[i].file);
    free(dl->diags[i].message);
  }
  es_diag_list_init(dl);
}

#if defined(__GNUC__)
__attribute__((format(printf, 6, 0)))
#endif
static void
diag_add(struct es_diag_list *dl, enum es_severity severity, const char *file,
         size_t line, size_t column, const char *fmt, va_list ap) {
  const size_t capacity = sizeof dl->diags / sizeof dl->diags[0];
  if (severity == ES_SEVERITY_ERROR) {
    dl->n_errors++;
  } else {
    dl->n_notices++;
  }
  size_t n_errors_kept = 0;
  for (size_t i = 0; i < dl->n_diags; i++) {
    n_errors_kept += dl->diags[i].severity == ES_SEVERITY_ERROR;
  }
  bool room = dl->n_diags < capacity &&
              (severity == ES_SEVERITY_NOTICE ? dl->n_diags + 1 < capacity
                                              : n_errors_kept < ES_DIAG_MAX);
  if (!room) {
    dl->n_dropped++;
    return;
  }
  char message[ES_ERROR_MESSAGE_MAX];
  vsnprintf(message, sizeof message, fmt, ap);
  struct es_diag *d = &dl->diags[dl->n_diags];
  d->severity = severity;
  d->file = es_strdup(file != NULL ? file : "");
  d->message = es_strdup(message);
  /* Every diagnostic names a place: one about a whole file (a missing row,
   * an empty file) or a whole line points at its start. */
  d->line = line > 0 ? line : 1;
  d->column = column > 0 ? column : 1;
  if (d->file == NULL || d->message == NULL) {
    free(d->file);
    free(d->message);
    dl->n_dropped++;
    return;
  }
  dl->n_diags++;
}

void es_diag_error(struct es_diag_list *dl, const char *file, size_t line,
                   size_t column, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_add(dl, ES_SEVERITY_ERROR, file, line, column, fmt, ap);
  va_end(ap);
}

void es_diag_notice(struct es_diag_list *dl, const char *file, size_t line,
                    size_t column, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_add(dl, ES_SEVERITY_NOTICE, file, line, column, fmt, ap);
  va_end(ap);
}

bool es_diag_ok(const struct es_diag_list *dl) {
  return dl->n_errors == 0;
}

bool es_diag_full(const struct es_diag_list *dl) {
  return dl->n_errors >= ES_DIAG_MAX;
}

void es_diag_print(const struct es_diag_list *dl, FILE *out,
                   bool show_notices) {
  for (size_t i = 0; i < dl->n_diags; i++) {
    const struct es_diag *d = &dl->diags[i];
    bool is_error = d->severity == ES_SEVERITY_ERROR;
    if (!is_error && !show_notices) {
      continue;
    }
    const char *kind = is_error ? "error" : "notice";
    fprintf(out, "%s:%zu:%zu: %s: %s\n", d->file, d->line, d->column, kind,
            d->message);
  }
  if (dl->n_errors > ES_DIAG_MAX) {
    fprintf(out, "... and %zu more errors not shown (%zu in all)\n",
            dl->n_errors - ES_DIAG_MAX, dl->n_errors);
  }
}
