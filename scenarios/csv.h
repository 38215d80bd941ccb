/* csv.h: a CSV table read into memory with the place of every field.
 *
 * Scenario data are small CSV files (UTF-8, optional BOM, header row, RFC 4180
 * quoting, CRLF or LF). libcsv does the RFC 4180 parsing; this module adds what
 * a diagnostic needs: the line and column where every field starts, so that an
 * error reads `population.csv:14:9: error: ...`. Columns count characters
 * (UTF-8 code points), from 1, like the YAML marks. */
#ifndef ES_SCENARIOS_CSV_H
#define ES_SCENARIOS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"

/** Returned by es_csv_column when the header has no such column. */
#define ES_CSV_NO_COLUMN SIZE_MAX

/** One field: its text (NUL-terminated, quotes removed) and where it began. */
struct es_csv_field {
  const char *text; /* borrowed from the table's storage */
  size_t line;      /* 1-based line of the field's first character */
  size_t column;    /* 1-based column (characters) of its first character */
};

/** One record (row) of the file. */
struct es_csv_row {
  size_t line;                 /* line where the record starts */
  size_t n_fields;             /* fields in this record, as found */
  struct es_csv_field *fields; /* [n_fields], borrowed from the table */
};

/** A whole CSV file; the first record is the header. */
struct es_csv {
  char *path;               /* path as shown in diagnostics (owned) */
  struct es_csv_row header; /* the column names */
  size_t n_rows;            /* data records, header excluded */
  struct es_csv_row *rows;  /* [n_rows] (owned) */
  void *storage;            /* field texts and arrays (owned, private) */
};

/**
 * @brief Parse @p bytes (the whole file) into @p csv. A leading UTF-8 BOM is
 * skipped (columns are unaffected); blank lines are skipped; lines end with
 * LF, CRLF or a lone CR. Unquoted fields are kept as written (blanks are not
 * trimmed). Problems the user can fix are added to @p dl as errors with their
 * place, and the function returns ES_EINPUT:
 * - bad quoting, a quoted field left open, invalid UTF-8 or a NUL byte: one
 *   error, and @p csv is left empty (zeroed);
 * - a header column named twice or empty, and records with a number of fields
 *   other than the header's (`record has 3 fields, expected 5
 *   (region,age,local,migrant,away)`, at the record's line, column 0): every
 *   one is reported, the bad records are left out, and @p csv holds the rest,
 *   so that a loader can go on and report more problems.
 * An empty file (or one of blank lines only) is not an error here: @p csv then
 * has no header fields, and es_csv_check_header reports it with the header
 * the file should have. Free @p csv with es_csv_clear whatever the result.
 * @param display_path the path to show in diagnostics (copied)
 * @param bytes the file's content, @p size bytes (need not be NUL-terminated)
 * @return ES_OK, ES_EINPUT (see @p dl), ES_ENOMEM
 */
int es_csv_parse(struct es_csv *csv, const char *display_path,
                 const char *bytes, size_t size, struct es_diag_list *dl,
                 struct es_error *err);

/** @brief Free what @p csv owns and zero it. Accepts NULL and zeroed. */
void es_csv_clear(struct es_csv *csv);

/** @brief Index of the header column named @p name, or ES_CSV_NO_COLUMN. */
size_t es_csv_column(const struct es_csv *csv, const char *name);

/**
 * @brief Check that the header has every column of @p required and only
 * columns of @p required or @p optional (both NULL-terminated arrays of names;
 * @p optional NULL accepts none; @p allow_other accepts any extra column).
 * A missing column is one error at the header's line (column 0); an unknown
 * column is one error at its place; both list the expected columns
 * ("missing column 'births' (expected columns code,name,rank,births,
 * optionally province,...)"). A table without a header (empty file) gives the
 * file-level error "empty file (expected a header row: ...)".
 * @return true when the header is acceptable.
 */
bool es_csv_check_header(const struct es_csv *csv, const char *const *required,
                         const char *const *optional, bool allow_other,
                         struct es_diag_list *dl);

/**
 * @brief Read a field as a finite real number: decimal notation as strtod
 * reads it (sign, digits, point, exponent), the whole field, no surrounding
 * blanks, no hexadecimal; "nan", "inf", "infinity" (any case) and values too
 * large for a double are rejected. On failure adds an error at the field's
 * place naming the column @p what and @p expected, e.g. "column 'local':
 * 'abc' is not a number (expected a number >= 0)", and returns false.
 * @param expected what a valid value looks like, e.g. "a number >= 0"
 */
bool es_csv_get_number(const struct es_csv *csv, const struct es_csv_field *f,
                       const char *what, const char *expected, double *value,
                       struct es_diag_list *dl);

/** @brief es_csv_get_number with @p expected "a finite number". */
bool es_csv_get_double(const struct es_csv *csv, const struct es_csv_field *f,
                       const char *what, double *value,
                       struct es_diag_list *dl);

/**
 * @brief Read a field as a whole number: an optional sign and decimal digits
 * only, so "2.5", "3.0", "1e3" and " 4" are all rejected ("column 'age':
 * '2.5' is not a whole number (expected a whole number >= 0)"); values
 * outside int64_t are rejected as out of range. Returns false after adding
 * the error, like es_csv_get_number.
 */
bool es_csv_get_whole(const struct es_csv *csv, const struct es_csv_field *f,
                      const char *what, const char *expected, int64_t *value,
                      struct es_diag_list *dl);

/** @brief es_csv_get_whole with @p expected "a whole number". */
bool es_csv_get_int64(const struct es_csv *csv, const struct es_csv_field *f,
                      const char *what, int64_t *value,
                      struct es_diag_list *dl);

/**
 * @brief Check that @p bytes are UTF-8 text (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF; a leading BOM is fine) without a NUL
 * byte. The first bad byte is one error at its line and column (columns in
 * characters, lines ending with LF, CRLF or CR): "invalid UTF-8 byte 0xD1
 * (expected UTF-8 text; ...)" or "a NUL byte (expected UTF-8 text)". The
 * YAML reader checks a file with it before libfyaml sees the bytes.
 * @param display_path the path to show in diagnostics (borrowed)
 * @return true when the text is clean
 */
bool es_text_check(const char *display_path, const char *bytes, size_t size,
                   struct es_diag_list *dl);

/** Largest CSV data file read, bytes (1 GiB): a full origin-destination
 * matrix of the 2,843 counties of China (8.1 million rows, about 250 MB) fits
 * four times over. */
#define ES_FILE_MAX_CSV ((size_t)1 << 30)

/** Largest scenario YAML file read, bytes (16 MiB): scenarios are a few KiB;
 * per-age lists of 121 numbers and long descriptions stay far below. */
#define ES_FILE_MAX_YAML ((size_t)16 << 20)

/**
 * @brief Read a whole CSV file (binary) into a NUL-terminated buffer (the NUL
 * is not counted in @p size): es__file_read_max with ES_FILE_MAX_CSV. The
 * caller frees *@p bytes with free(). On failure *@p bytes is NULL and
 * *@p size 0.
 * @return ES_OK, ES_EIO ("cannot open 'PATH': strerror", "cannot read 'PATH':
 * ..."), ES_EINPUT (not a regular file, or too large: see es__file_read_max),
 * ES_ENOMEM
 */
int es_file_read(const char *path, char **bytes, size_t *size,
                 struct es_error *err);

/**
 * @brief Read a whole regular file of at most @p max_bytes into a
 * NUL-terminated buffer. The file is opened without blocking
 * (O_NONBLOCK | O_CLOEXEC) and checked with fstat: a FIFO, a device, a
 * directory or a socket is refused ("'PATH' is a FIFO, not a regular file
 * (expected a CSV file)"), as is a file larger than @p max_bytes, both by its
 * size before reading and by the bytes read ("'PATH' is 3.1 GiB; the limit
 * for a CSV file is 1 GiB"; "'PATH' grew past 1 GiB while it was read" for a
 * file that grows). Not API: es_file_read and the scenario loader call it
 * with their limits; tests call it with small ones.
 * @param path the file (borrowed); named in every message
 * @param max_bytes the largest size accepted, bytes
 * @param what the kind of file, for messages: "a CSV file"
 * @param bytes out: the content (owned by the caller), or NULL on failure
 * @param size out: bytes read, or 0 on failure
 * @return ES_OK, ES_EIO, ES_EINPUT, ES_ENOMEM
 */
int es__file_read_max(const char *path, size_t max_bytes, const char *what,
                      char **bytes, size_t *size, struct es_error *err);

#endif /* ES_SCENARIOS_CSV_H */
