/* error.h: error codes, error details and input diagnostics shared by every
 * layer.
 *
 * A function that can fail returns int: ES_OK (0) or a negative ES_E... code,
 * and fills a caller-owned struct es_error with a message and the source place
 * that raised it (STYLE 15-16). Errors in what the user wrote (the scenario
 * file, the CSV data) are collected instead of returned one by one: a struct
 * es_diag_list keeps up to ES_DIAG_MAX of them, each with the user's file, line
 * and column, so that one run of `edusim validate` lists every mistake at once
 * (STYLE 22). */
#ifndef ES_MODELS_ERROR_H
#define ES_MODELS_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The one list of error codes and their texts (X-macro, STYLE 15). */
#define ES_ERROR_LIST(X)                         \
  X(ES_OK, 0, "success")                         \
  X(ES_ENOMEM, -1, "out of memory")              \
  X(ES_EINVAL, -2, "invalid argument")           \
  X(ES_EINPUT, -3, "invalid input")              \
  X(ES_EIO, -4, "input/output error")            \
  X(ES_EEXIST, -5, "output file exists")         \
  X(ES_EHDF5, -6, "HDF5 library error")          \
  X(ES_ERANGE, -7, "value out of range")         \
  X(ES_EINFEASIBLE, -8, "impossible allocation") \
  X(ES_EINTERRUPTED, -9, "interrupted")          \
  X(ES_EINTERNAL, -10, "internal error (broken invariant)")

enum es_status {
#define ES_ERROR_ENUM_(name, value, text) name = value,
  ES_ERROR_LIST(ES_ERROR_ENUM_)
#undef ES_ERROR_ENUM_
};

/** @brief The one-line text of an error code ("unknown error" for others). */
const char *es_strerror(int code);

#define ES_ERROR_MESSAGE_MAX 1024

/** Details of the most recent failure, owned by the caller (STYLE 16). */
struct es_error {
  int code;                           /* ES_OK or an ES_E... code */
  char message[ES_ERROR_MESSAGE_MAX]; /* human-readable, without trailing
                                         newline */
  const char *src_file;               /* __FILE__ of the place that failed */
  int src_line;                       /* __LINE__ of the place that failed */
  const char *src_func;               /* __func__ of the place that failed */
};

/** @brief Reset @p err to ES_OK with an empty message. Accepts NULL. */
void es_error_clear(struct es_error *err);

/**
 * @brief Record a failure in @p err (which may be NULL) and return @p code.
 * Use through ES_FAIL so the source place is filled in.
 */
int es__error_set(struct es_error *err, int code, const char *src_file,
                  int src_line, const char *src_func, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/** @brief Prepend "context: " to the message of @p err, as an error goes up. */
void es_error_prefix(struct es_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ES_FAIL(err, code, fmt, ...) records and returns code; use as
 * `return ES_FAIL(err, ES_EINVAL, "n_regions is %zu", n);`. fmt must be a
 * literal with at least one argument after it; use "%s", "text" otherwise. */
#define ES_FAIL(err, code, ...) \
  es__error_set((err), (code), __FILE__, __LINE__, __func__, __VA_ARGS__)

/* Broken invariants abort with file:line (STYLE 18). Cheap checks stay on. */
#define ES_ASSERT(cond)                                     \
  do {                                                      \
    if (!(cond)) {                                          \
      es__assert_fail(#cond, __FILE__, __LINE__, __func__); \
    }                                                       \
  } while (0)

_Noreturn void es__assert_fail(const char *expr, const char *file, int line,
                               const char *func);

/* ---- input diagnostics ------------------------------------------------ */

/** At most this many errors are kept; later ones are only counted. */
#define ES_DIAG_MAX 20

enum es_severity {
  ES_SEVERITY_ERROR,  /* the input is rejected */
  ES_SEVERITY_NOTICE, /* the input is accepted; the user should know */
};

/** One diagnostic about the user's input, at a place in a file. */
struct es_diag {
  enum es_severity severity;
  char *file;    /* path as shown to the user (owned) */
  size_t line;   /* 1-based; 1 when the whole file is meant */
  size_t column; /* 1-based; 1 when the whole line is meant */
  char *message; /* "what is wrong (what was expected)" (owned) */
};

/** Diagnostics collected while reading input, in the order found. */
struct es_diag_list {
  size_t n_diags;   /* entries used in diags */
  size_t n_errors;  /* errors found, including those not kept */
  size_t n_notices; /* notices found, including those not kept */
  size_t n_dropped; /* diagnostics found after the list was full */
  struct es_diag diags[ES_DIAG_MAX + 8]; /* errors + a few notices */
};

/** @brief Initialise an empty list. */
void es_diag_list_init(struct es_diag_list *dl);
/** @brief Free every message held by @p dl and empty it. Accepts NULL. */
void es_diag_list_clear(struct es_diag_list *dl);

/**
 * @brief Add an error at @p file:@p line:@p column. The message should read
 * "what is wrong (what was expected)". A line or column of 0 (the whole file,
 * the whole line) is kept as 1, so every diagnostic prints as
 * file:line:column. Out of memory is recorded as a bare error count so that
 * the caller still fails.
 */
void es_diag_error(struct es_diag_list *dl, const char *file, size_t line,
                   size_t column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** @brief Add a notice (the input is accepted but something was ignored). */
void es_diag_notice(struct es_diag_list *dl, const char *file, size_t line,
                    size_t column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** @brief True when no error (notices allowed) has been added. */
bool es_diag_ok(const struct es_diag_list *dl);

/** @brief True when the list holds as many errors as it keeps; readers may
 * stop early. */
bool es_diag_full(const struct es_diag_list *dl);

/**
 * @brief Print every diagnostic as `file:line:column: error: message` (or
 * `notice:`), one a line, then a count of those not shown.
 * @param show_notices print notices too (as `notice:`).
 */
void es_diag_print(const struct es_diag_list *dl, FILE *out, bool show_notices);

#endif /* ES_MODELS_ERROR_H */
