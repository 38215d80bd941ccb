/* csv.c: a CSV file read into memory, with the place of every field.
 *
 * libcsv does the RFC 4180 parsing (strict mode: a stray or unbalanced quote is
 * an error). Its callbacks say nothing about positions, so the bytes are fed
 * to it one at a time: before each byte is fed, the line and column of that
 * byte are known, and a field starts at the first byte fed after the previous
 * field (or record) was submitted. Blank lines between records are skipped by
 * libcsv and by the position tracking alike. Lines end with LF, CRLF or a lone
 * CR (libcsv treats all three as record ends); columns count UTF-8 code points
 * from 1, the way an editor shows them. A leading UTF-8 BOM is skipped without
 * moving the column. The input is checked to be UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) and free of NUL bytes as it is fed.
 *
 * Every file edusim reads comes in through es_file_read: it opens without
 * blocking, refuses anything but a regular file (a FIFO would block for ever,
 * /dev/zero never ends) and refuses a file larger than the limit of its kind,
 * before reading and while reading (a file can grow), so that a wrong path
 * gives an error, not a hang or an exhausted memory. */
#include "scenarios/csv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "models/file_kind.h"

/* The UTF-8 byte order mark some editors put at the start of a file. */
static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

/* A field while parsing: its text is an offset into the growing text buffer,
 * which may move, so pointers are made only once parsing is over. */
struct raw_field {
  size_t text_offset; /* start of the NUL-terminated text in the buffer */
  size_t line;        /* 1-based line of the field's first character */
  size_t column;      /* 1-based column (characters) */
};

/* A record while parsing: a run of consecutive raw fields. */
struct raw_row {
  size_t line;     /* line of the record's first field */
  size_t i_field;  /* index of its first field */
  size_t n_fields; /* fields in the record */
};

/* What es_csv owns through its opaque storage pointer. */
struct csv_storage {
  char *text;                  /* every field text, NUL-terminated */
  struct es_csv_field *fields; /* header fields, then each row's fields */
};

/* State shared with the libcsv callbacks. */
struct parse_state {
  const char *path;        /* for diagnostics */
  struct es_diag_list *dl; /* where problems go */
  size_t line;             /* place of the byte being fed */
  size_t column;
  size_t start_line; /* place where the field being read began */
  size_t start_column;
  bool pending;   /* the next byte fed begins a field (or a blank line) */
  bool in_record; /* a field of the current record has begun */
  bool have_header;
  bool nomem;            /* an allocation failed in a callback */
  bool rejected;         /* a record or header problem was reported */
  size_t i_record_field; /* first raw field of the current record */
  char *text;
  size_t text_len;
  size_t text_cap;
  struct raw_field *fields;
  size_t n_fields;
  size_t fields_cap;
  struct raw_row *rows; /* rows[0] is the header */
  size_t n_rows;
  size_t rows_cap;
};

/* Grow *buf so that it holds at least `need` elements of `size` bytes. */
static bool reserve(void **buf, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) {
    return true;
  }
  size_t new_cap = *cap > 0 ? *cap : 16;
  while (new_cap < need) {
    if (new_cap > SIZE_MAX / 2) {
      return false;
    }
    new_cap *= 2;
  }
  if (new_cap > SIZE_MAX / size) {
    return false;
  }
  void *grown = realloc(*buf, new_cap * size);
  if (grown == NULL) {
    return false;
  }
  *buf = grown;
  *cap = new_cap;
  return true;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when the bytes
 * there are not UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
static size_t utf8_length(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (c < 0x80) {
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) {
      lo = 0xA0; /* overlong below U+0800 */
    } else if (c == 0xED) {
      hi = 0x9F; /* surrogates U+D800..U+DFFF */
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) {
      lo = 0x90; /* overlong below U+10000 */
    } else if (c == 0xF4) {
      hi = 0x8F; /* above U+10FFFF */
    }
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) {
    return 0;
  }
  for (size_t i = 2; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      return 0;
    }
  }
  return len;
}

bool es_text_check(const char *display_path, const char *bytes,
                   const size_t size, struct es_diag_list *dl) {
  const unsigned char *in = (const unsigned char *)bytes;
  size_t line = 1;
  size_t column = 1;
  size_t i = 0;
  if (size >= sizeof utf8_bom && memcmp(in, utf8_bom, sizeof utf8_bom) == 0) {
    i = sizeof utf8_bom; /* not a character of the first line */
  }
  while (i < size) {
    const unsigned char c = in[i];
    if (c == '\0') {
      es_diag_error(dl, display_path, line, column,
                    "a NUL byte (expected UTF-8 text)");
      return false;
    }
    const size_t len = utf8_length(in + i, size - i);
    if (len == 0) {
      es_diag_error(dl, display_path, line, column,
                    "invalid UTF-8 byte 0x%02X (expected UTF-8 text; save the "
                    "file as UTF-8)",
                    (unsigned)c);
      return false;
    }
    if (c == '\n' || (c == '\r' && (i + 1 == size || in[i + 1] != '\n'))) {
      line++; /* LF, CRLF (counted at its LF) or a lone CR */
      column = 1;
    } else if (c != '\r') {
      column++;
    }
    i += len;
  }
  return true;
}

/* Append "name1,name2,..." of the given raw fields to buf (size cap), cut
 * short when the buffer is full. */
static void join_header(const struct parse_state *st, const struct raw_row *row,
                        char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < row->n_fields && used + 1 < cap; i++) {
    const char *name = st->text + st->fields[row->i_field + i].text_offset;
    int n = snprintf(buf + used, cap - used, "%s%s", i > 0 ? "," : "", name);
    if (n < 0) {
      break;
    }
    used += (size_t)n;
  }
}

/* libcsv field callback: copy the text, remember where it began. */
static void on_field(void *text, size_t len, void *data) {
  struct parse_state *st = data;
  st->pending = true;
  if (st->nomem) {
    return;
  }
  if (!reserve((void **)&st->text, &st->text_cap, st->text_len + len + 1, 1) ||
      !reserve((void **)&st->fields, &st->fields_cap, st->n_fields + 1,
               sizeof *st->fields)) {
    st->nomem = true;
    return;
  }
  if (len > 0) {
    memcpy(st->text + st->text_len, text, len);
  }
  st->text[st->text_len + len] = '\0';
  st->fields[st->n_fields] = (struct raw_field){
      .text_offset = st->text_len,
      .line = st->start_line,
      .column = st->start_column,
  };
  st->text_len += len + 1;
  st->n_fields++;
}

/* Check the header names: none empty, none repeated. */
static void check_header_names(struct parse_state *st,
                               const struct raw_row *header) {
  for (size_t i = 0; i < header->n_fields; i++) {
    const struct raw_field *f = &st->fields[header->i_field + i];
    const char *name = st->text + f->text_offset;
    if (name[0] == '\0') {
      es_diag_error(st->dl, st->path, f->line, f->column,
                    "header field %zu is empty (expected a column name)",
                    i + 1);
      st->rejected = true;
      continue;
    }
    for (size_t j = 0; j < i; j++) {
      const struct raw_field *g = &st->fields[header->i_field + j];
      if (strcmp(name, st->text + g->text_offset) == 0) {
        es_diag_error(st->dl, st->path, f->line, f->column,
                      "column '%s' is named twice in the header (first as "
                      "field %zu; expected unique column names)",
                      name, j + 1);
        st->rejected = true;
        break;
      }
    }
  }
}

/* libcsv record callback: keep the record, or report a wrong field count and
 * drop it. */
static void on_record(int terminator, void *data) {
  struct parse_state *st = data;
  (void)terminator;
  st->pending = true;
  st->in_record = false;
  size_t i_first = st->i_record_field;
  st->i_record_field = st->n_fields;
  if (st->nomem || st->n_fields == i_first) {
    return;
  }
  struct raw_row row = {
      .line = st->fields[i_first].line,
      .i_field = i_first,
      .n_fields = st->n_fields - i_first,
  };
  if (!st->have_header) {
    st->have_header = true;
    check_header_names(st, &row);
  } else if (row.n_fields != st->rows[0].n_fields) {
    char names[ES_ERROR_MESSAGE_MAX / 2];
    join_header(st, &st->rows[0], names, sizeof names);
    es_diag_error(st->dl, st->path, row.line, 0,
                  "record has %zu field%s, expected %zu (%s)", row.n_fields,
                  row.n_fields == 1 ? "" : "s", st->rows[0].n_fields, names);
    st->rejected = true;
    /* Drop the record: its fields and texts are the last ones stored. */
    st->text_len = st->fields[i_first].text_offset;
    st->n_fields = i_first;
    st->i_record_field = i_first;
    return;
  }
  if (!reserve((void **)&st->rows, &st->rows_cap, st->n_rows + 1,
               sizeof *st->rows)) {
    st->nomem = true;
    return;
  }
  st->rows[st->n_rows++] = row;
}

/* Characters that libcsv would otherwise trim around unquoted fields: none,
 * so that "1 " reaches the number readers as written (and is rejected). */
static int no_space(unsigned char c) {
  (void)c;
  return 0;
}

/* Move the finished parse into csv (pointers into the final text buffer). */
static int build_table(struct es_csv *csv, struct parse_state *st,
                       struct es_error *err) {
  struct csv_storage *storage = calloc(1, sizeof *storage);
  if (storage == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading CSV");
  }
  csv->storage = storage;
  storage->text = st->text;
  st->text = NULL;
  if (st->n_rows == 0) {
    return ES_OK; /* empty file: no header */
  }
  storage->fields = malloc(st->n_fields * sizeof *storage->fields);
  if (storage->fields == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading CSV");
  }
  for (size_t i = 0; i < st->n_fields; i++) {
    storage->fields[i] = (struct es_csv_field){
        .text = storage->text + st->fields[i].text_offset,
        .line = st->fields[i].line,
        .column = st->fields[i].column,
    };
  }
  csv->header = (struct es_csv_row){
      .line = st->rows[0].line,
      .n_fields = st->rows[0].n_fields,
      .fields = storage->fields + st->rows[0].i_field,
  };
  csv->n_rows = st->n_rows - 1;
  if (csv->n_rows > 0) {
    csv->rows = malloc(csv->n_rows * sizeof *csv->rows);
    if (csv->rows == NULL) {
      return ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading CSV");
    }
  }
  for (size_t i = 0; i < csv->n_rows; i++) {
    const struct raw_row *r = &st->rows[i + 1];
    csv->rows[i] = (struct es_csv_row){
        .line = r->line,
        .n_fields = r->n_fields,
        .fields = storage->fields + r->i_field,
    };
  }
  return ES_OK;
}

int es_csv_parse(struct es_csv *csv, const char *display_path,
                 const char *bytes, size_t size, struct es_diag_list *dl,
                 struct es_error *err) {
  const unsigned char *in = (const unsigned char *)bytes;
  struct csv_parser parser;
  bool parser_ready = false;
  bool fatal = false; /* bad quoting or bad bytes: the table is dropped */
  int rc = ES_OK;
  struct parse_state st = {
      .path = display_path,
      .dl = dl,
      .line = 1,
      .column = 1,
      .pending = true,
  };

  memset(csv, 0, sizeof *csv);
  size_t path_len = strlen(display_path) + 1;
  csv->path = malloc(path_len);
  if (csv->path == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading CSV");
    goto cleanup;
  }
  memcpy(csv->path, display_path, path_len);

  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory starting libcsv");
    goto cleanup;
  }
  parser_ready = true;
  csv_set_space_func(&parser, no_space);

  size_t i = 0;
  if (size >= sizeof utf8_bom && memcmp(in, utf8_bom, sizeof utf8_bom) == 0) {
    i = sizeof utf8_bom; /* the BOM is not a character of the first column */
  }
  size_t continuation_left = 0; /* bytes left of a checked UTF-8 sequence */
  bool after_cr = false;
  for (; i < size; i++) {
    unsigned char c = in[i];
    if (continuation_left > 0) {
      continuation_left--;
    } else if (c == '\0') {
      es_diag_error(dl, display_path, st.line, st.column,
                    "a NUL byte (expected UTF-8 text)");
      fatal = true;
      break;
    } else if (c >= 0x80) {
      size_t len = utf8_length(in + i, size - i);
      if (len == 0) {
        es_diag_error(dl, display_path, st.line, st.column,
                      "invalid UTF-8 byte 0x%02X (expected UTF-8 text; save "
                      "the file as UTF-8)",
                      (unsigned)c);
        fatal = true;
        break;
      }
      continuation_left = len - 1;
    }
    bool is_newline = c == '\n' || c == '\r';
    if (st.pending && (st.in_record || !is_newline)) {
      /* This byte begins a field (for a newline: an empty last field). */
      st.start_line = st.line;
      st.start_column = st.column;
      st.pending = false;
      st.in_record = true;
    }
    if (csv_parse(&parser, in + i, 1, on_field, on_record, &st) != 1) {
      es_diag_error(dl, display_path, st.line, st.column,
                    "bad quoting (expected RFC 4180 quoting: a quoted field "
                    "ends at its closing '\"' followed by ',' or the end of "
                    "the line, and a '\"' inside it is doubled)");
      fatal = true;
      break;
    }
    if (st.nomem) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading CSV");
      goto cleanup;
    }
    /* Advance the place past this byte. */
    if (c == '\n') {
      if (!after_cr) {
        st.line++;
        st.column = 1;
      }
    } else if (c == '\r') {
      st.line++;
      st.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      st.column++; /* a continuation byte is part of the same character */
    }
    after_cr = c == '\r';
  }
  if (!fatal) {
    if (st.pending && st.in_record) {
      /* "a,b," at the end of the file: the last, empty field begins here. */
      st.start_line = st.line;
      st.start_column = st.column;
    }
    if (csv_fini(&parser, on_field, on_record, &st) != 0) {
      es_diag_error(dl, display_path, st.start_line, st.start_column,
                    "quoted field is not closed (expected a '\"' before the "
                    "end of the file)");
      fatal = true;
    } else if (st.nomem) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory reading CSV");
      goto cleanup;
    }
  }
  if (fatal) {
    rc = ES_EINPUT;
    goto cleanup;
  }
  rc = build_table(csv, &st, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  if (st.rejected) {
    rc = ES_EINPUT;
  }

cleanup:
  if (parser_ready) {
    csv_free(&parser);
  }
  free(st.text);
  free(st.fields);
  free(st.rows);
  if (rc == ES_ENOMEM || fatal) {
    es_csv_clear(csv);
  }
  return rc;
}

void es_csv_clear(struct es_csv *csv) {
  if (csv == NULL) {
    return;
  }
  struct csv_storage *storage = csv->storage;
  if (storage != NULL) {
    free(storage->text);
    free(storage->fields);
    free(storage);
  }
  free(csv->rows);
  free(csv->path);
  memset(csv, 0, sizeof *csv);
}

size_t es_csv_column(const struct es_csv *csv, const char *name) {
  for (size_t i = 0; i < csv->header.n_fields; i++) {
    if (strcmp(csv->header.fields[i].text, name) == 0) {
      return i;
    }
  }
  return ES_CSV_NO_COLUMN;
}

/* True when name is one of the NULL-terminated list (NULL list: none). */
static bool in_list(const char *const *list, const char *name) {
  for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
    if (strcmp(list[i], name) == 0) {
      return true;
    }
  }
  return false;
}

/* Append the names of list, comma-separated, to buf at *used. */
static void append_list(char *buf, size_t cap, size_t *used,
                        const char *const *list) {
  for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
    if (*used + 1 >= cap) {
      return;
    }
    int n =
        snprintf(buf + *used, cap - *used, "%s%s", i > 0 ? "," : "", list[i]);
    if (n < 0) {
      return;
    }
    *used += (size_t)n;
  }
}

bool es_csv_check_header(const struct es_csv *csv, const char *const *required,
                         const char *const *optional, bool allow_other,
                         struct es_diag_list *dl) {
  char expected[ES_ERROR_MESSAGE_MAX / 2];
  size_t used = 0;
  expected[0] = '\0';
  append_list(expected, sizeof expected, &used, required);
  if (optional != NULL && optional[0] != NULL && used + 1 < sizeof expected) {
    int n = snprintf(expected + used, sizeof expected - used, "%s",
                     used > 0 ? ", optionally " : "optionally ");
    used += n > 0 ? (size_t)n : 0;
    append_list(expected, sizeof expected, &used, optional);
  }

  if (csv->header.n_fields == 0) {
    es_diag_error(dl, csv->path, 0, 0, "empty file (expected a header row: %s)",
                  expected);
    return false;
  }
  bool ok = true;
  for (size_t i = 0; required != NULL && required[i] != NULL; i++) {
    if (es_csv_column(csv, required[i]) == ES_CSV_NO_COLUMN) {
      es_diag_error(dl, csv->path, csv->header.line, 0,
                    "missing column '%s' (expected columns %s)", required[i],
                    expected);
      ok = false;
    }
  }
  if (!allow_other) {
    for (size_t i = 0; i < csv->header.n_fields; i++) {
      const struct es_csv_field *f = &csv->header.fields[i];
      if (f->text[0] != '\0' && !in_list(required, f->text) &&
          !in_list(optional, f->text)) {
        es_diag_error(dl, csv->path, f->line, f->column,
                      "unknown column '%s' (expected columns %s)", f->text,
                      expected);
        ok = false;
      }
    }
  }
  return ok;
}

/* True when text, after an optional sign, reads as a NaN or an infinity. */
static bool names_non_finite(const char *text) {
  if (*text == '+' || *text == '-') {
    text++;
  }
  return tolower((unsigned char)text[0]) == 'n' ||
         tolower((unsigned char)text[0]) == 'i';
}

bool es_csv_get_number(const struct es_csv *csv, const struct es_csv_field *f,
                       const char *what, const char *expected, double *value,
                       struct es_diag_list *dl) {
  const char *text = f->text;
  if (text[0] == '\0') {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': empty value (expected %s)", what, expected);
    return false;
  }
  /* strtod would also skip leading blanks and read hexadecimal; neither is
   * how a number is written in a data file. */
  if (isspace((unsigned char)text[0]) || strpbrk(text, "xX") != NULL) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is not a number (expected %s)", what, text,
                  expected);
    return false;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0') {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is not a number (expected %s)", what, text,
                  expected);
    return false;
  }
  if (!isfinite(v)) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  names_non_finite(text)
                      ? "column '%s': '%s' is not a finite number (expected %s)"
                      : "column '%s': '%s' is out of range (expected %s)",
                  what, text, expected);
    return false;
  }
  *value = v; /* an underflow to 0 or a subnormal is kept: it is tiny */
  return true;
}

bool es_csv_get_double(const struct es_csv *csv, const struct es_csv_field *f,
                       const char *what, double *value,
                       struct es_diag_list *dl) {
  return es_csv_get_number(csv, f, what, "a finite number", value, dl);
}

bool es_csv_get_whole(const struct es_csv *csv, const struct es_csv_field *f,
                      const char *what, const char *expected, int64_t *value,
                      struct es_diag_list *dl) {
  const char *text = f->text;
  if (text[0] == '\0') {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': empty value (expected %s)", what, expected);
    return false;
  }
  const char *p = text;
  if (*p == '+' || *p == '-') {
    p++;
  }
  bool digits_only = *p != '\0';
  for (; *p != '\0'; p++) {
    if (!isdigit((unsigned char)*p)) {
      digits_only = false;
      break;
    }
  }
  if (!digits_only) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is not a whole number (expected %s)", what,
                  text, expected);
    return false;
  }
  errno = 0;
  long long v = strtoll(text, NULL, 10);
  if (errno == ERANGE || v > INT64_MAX || v < INT64_MIN) {
    es_diag_error(dl, csv->path, f->line, f->column,
                  "column '%s': '%s' is out of range (expected %s)", what, text,
                  expected);
    return false;
  }
  *value = (int64_t)v;
  return true;
}

bool es_csv_get_int64(const struct es_csv *csv, const struct es_csv_field *f,
                      const char *what, int64_t *value,
                      struct es_diag_list *dl) {
  return es_csv_get_whole(csv, f, what, "a whole number", value, dl);
}

/* Units of format_size, each 1024 times the one before. */
static const char *const size_units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};

/* A byte count for people: "812 bytes", "3.1 GiB", "16 MiB". */
static void format_size(const double n_bytes, char *buf, const size_t cap) {
  if (n_bytes < 1024.0) {
    snprintf(buf, cap, "%.0f bytes", n_bytes);
    return;
  }
  double v = n_bytes / 1024.0;
  size_t i = 0;
  while (v >= 1024.0 && i + 1 < sizeof size_units / sizeof size_units[0]) {
    v /= 1024.0;
    i++;
  }
  snprintf(buf, cap, "%.3g %s", v, size_units[i]);
}

/* The error for a file of n_bytes, more than max_bytes; grew: it was smaller
 * when it was opened, and n_bytes is what was read. */
static int too_large(const char *path, const double n_bytes,
                     const size_t max_bytes, const char *what, const bool grew,
                     struct es_error *err) {
  char have[32];
  char limit[32];
  format_size(n_bytes, have, sizeof have);
  format_size((double)max_bytes, limit, sizeof limit);
  if (grew) {
    return ES_FAIL(err, ES_EINPUT,
                   "'%s' grew past %s while it was read; the limit for %s is "
                   "%s",
                   path, limit, what, limit);
  }
  return ES_FAIL(err, ES_EINPUT, "'%s' is %s; the limit for %s is %s", path,
                 have, what, limit);
}

int es__file_read_max(const char *path, const size_t max_bytes,
                      const char *what, char **bytes, size_t *size,
                      struct es_error *err) {
  int fd = -1;
  char *buf = NULL;
  size_t len = 0;
  size_t cap = 0;
  int rc = ES_OK;

  *bytes = NULL;
  *size = 0;
  /* O_NONBLOCK: opening a FIFO without a writer returns at once instead of
   * waiting for one, so that fstat can refuse it. */
  fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    rc = ES_FAIL(err, ES_EIO, "cannot open '%s': %s", path, strerror(errno));
    goto cleanup;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    rc = ES_FAIL(err, ES_EIO, "cannot read '%s': %s", path, strerror(errno));
    goto cleanup;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = ES_FAIL(err, ES_EINPUT, "'%s' is %s, not a regular file (expected %s)",
                 path, es_file_kind(st.st_mode), what);
    goto cleanup;
  }
  if (st.st_size < 0 || (uintmax_t)st.st_size > (uintmax_t)max_bytes) {
    rc = too_large(path, (double)st.st_size, max_bytes, what, /*grew=*/false,
                   err);
    goto cleanup;
  }
  /* Room for the size fstat gave, one more byte to see the end of the file
   * at once, and the final NUL. */
  cap = (size_t)st.st_size + 2;
  buf = malloc(cap);
  if (buf == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "out of memory reading '%s'", path);
    goto cleanup;
  }
  for (;;) {
    /* The file may grow while it is read: the limit holds for what is read,
     * too. */
    if (len + 1 >= cap && !reserve((void **)&buf, &cap, len + 4096 + 1, 1)) {
      rc = ES_FAIL(err, ES_ENOMEM, "out of memory reading '%s'", path);
      goto cleanup;
    }
    size_t want = cap - len - 1;
    if (want > max_bytes + 1 - len) {
      want = max_bytes + 1 - len; /* one byte past the limit tells */
    }
    const ssize_t n = read(fd, buf + len, want);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      rc = ES_FAIL(err, ES_EIO, "cannot read '%s': %s", path, strerror(errno));
      goto cleanup;
    }
    if (n == 0) {
      break;
    }
    len += (size_t)n;
    if (len > max_bytes) {
      rc = too_large(path, (double)len, max_bytes, what, /*grew=*/true, err);
      goto cleanup;
    }
  }
  buf[len] = '\0';
  *bytes = buf;
  *size = len;
  buf = NULL;

cleanup:
  if (fd >= 0) {
    close(fd);
  }
  free(buf);
  return rc;
}

int es_file_read(const char *path, char **bytes, size_t *size,
                 struct es_error *err) {
  return es__file_read_max(path, ES_FILE_MAX_CSV, "a CSV file", bytes, size,
                           err);
}
