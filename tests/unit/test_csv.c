/* test_csv.c: the CSV reader (scenarios/csv.c): RFC 4180 parsing through
 * libcsv, the line and column (in characters) of every field, and the
 * diagnostics of malformed files. Every expected place was counted by hand
 * from the input strings below. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "es_test.h"
#include "models/error.h"
#include "scenarios/csv.h"

/* A place of 0 in an expectation means "the whole file" or "the whole line",
 * which the diagnostics keep as 1 (models/error.h). */
#define PLACE(x) ((x) > 0 ? (size_t)(x) : (size_t)1)

/* Parse text (size bytes) as "t.csv" into csv, with a fresh dl. */
static int parse_n(const char *text, size_t size, struct es_csv *csv,
                   struct es_diag_list *dl) {
  struct es_error err;
  es_error_clear(&err);
  es_diag_list_init(dl);
  return es_csv_parse(csv, "t.csv", text, size, dl, &err);
}

static int parse(const char *text, struct es_csv *csv,
                 struct es_diag_list *dl) {
  return parse_n(text, strlen(text), csv, dl);
}

/* Field text and place. */
#define CHECK_FIELD(field, want_text, want_line, want_column) \
  do {                                                        \
    ES_CHECK_STR_EQ((field).text, (want_text));               \
    ES_CHECK_INT_EQ((field).line, (want_line));               \
    ES_CHECK_INT_EQ((field).column, (want_column));           \
  } while (0)

/* Diagnostic i of dl: an error at line:column whose message is want. */
#define CHECK_DIAG(dl, i, want_line, want_column, want)           \
  do {                                                            \
    ES_CHECK((dl).n_diags > (i));                                 \
    if ((dl).n_diags > (i)) {                                     \
      ES_CHECK_INT_EQ((dl).diags[i].severity, ES_SEVERITY_ERROR); \
      ES_CHECK_STR_EQ((dl).diags[i].file, "t.csv");               \
      ES_CHECK_INT_EQ((dl).diags[i].line, PLACE(want_line));      \
      ES_CHECK_INT_EQ((dl).diags[i].column, PLACE(want_column));  \
      ES_CHECK_STR_EQ((dl).diags[i].message, (want));             \
    }                                                             \
  } while (0)

static void test_bom_crlf(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  int rc = parse("\xEF\xBB\xBFregion,age\r\nA1,17\r\nB,3\r\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  ES_CHECK_STR_EQ(csv.path, "t.csv");
  ES_CHECK_INT_EQ(csv.header.n_fields, 2);
  ES_CHECK_INT_EQ(csv.header.line, 1);
  /* The BOM does not count: "region" starts in column 1. */
  CHECK_FIELD(csv.header.fields[0], "region", 1, 1);
  CHECK_FIELD(csv.header.fields[1], "age", 1, 8);
  ES_CHECK_INT_EQ(csv.n_rows, 2);
  ES_CHECK_INT_EQ(csv.rows[0].line, 2);
  ES_CHECK_INT_EQ(csv.rows[0].n_fields, 2);
  CHECK_FIELD(csv.rows[0].fields[0], "A1", 2, 1);
  CHECK_FIELD(csv.rows[0].fields[1], "17", 2, 4);
  CHECK_FIELD(csv.rows[1].fields[0], "B", 3, 1);
  CHECK_FIELD(csv.rows[1].fields[1], "3", 3, 3);
  ES_CHECK_INT_EQ(es_csv_column(&csv, "age"), 1);
  ES_CHECK_INT_EQ(es_csv_column(&csv, "region"), 0);
  ES_CHECK(es_csv_column(&csv, "Age") == ES_CSV_NO_COLUMN);
  es_csv_clear(&csv);
  ES_CHECK(csv.path == NULL && csv.rows == NULL && csv.storage == NULL);
  es_csv_clear(&csv); /* zeroed: accepted */
  es_csv_clear(NULL);
  es_diag_list_clear(&dl);
}

static void test_quoting_and_places(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  const char *text =
      "id,name,note\n"                     /* line 1 */
      "1,\"x,y\",\"he said \"\"hi\"\"\"\n" /* line 2 */
      "2,\"multi\nline\",z\n"              /* lines 3-4 */
      "3,成都市,四川\n"                    /* line 5 */
      "\"4\",,\n"                          /* line 6 */
      "\n"                                 /* line 7, blank */
      "\r\n"                               /* line 8, blank */
      "5, e ,\"\"";                        /* line 9, no newline */
  int rc = parse(text, &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(dl.n_errors, 0);
  ES_CHECK_INT_EQ(csv.n_rows, 5);
  if (csv.n_rows != 5) {
    es_csv_clear(&csv);
    return;
  }
  CHECK_FIELD(csv.header.fields[2], "note", 1, 9);
  /* Embedded comma and doubled quotes. */
  ES_CHECK_INT_EQ(csv.rows[0].line, 2);
  CHECK_FIELD(csv.rows[0].fields[0], "1", 2, 1);
  CHECK_FIELD(csv.rows[0].fields[1], "x,y", 2, 3);
  CHECK_FIELD(csv.rows[0].fields[2], "he said \"hi\"", 2, 9);
  /* Embedded newline: the field is at the line where it starts, and the
   * next field at its own line. */
  ES_CHECK_INT_EQ(csv.rows[1].line, 3);
  CHECK_FIELD(csv.rows[1].fields[1], "multi\nline", 3, 3);
  CHECK_FIELD(csv.rows[1].fields[2], "z", 4, 7);
  /* Chinese names: columns count characters, not bytes. */
  ES_CHECK_INT_EQ(csv.rows[2].line, 5);
  CHECK_FIELD(csv.rows[2].fields[1], "成都市", 5, 3);
  CHECK_FIELD(csv.rows[2].fields[2], "四川", 5, 7);
  /* Empty fields, the last one at the end of the line. */
  CHECK_FIELD(csv.rows[3].fields[0], "4", 6, 1);
  CHECK_FIELD(csv.rows[3].fields[1], "", 6, 5);
  CHECK_FIELD(csv.rows[3].fields[2], "", 6, 6);
  /* Blank lines skipped; the last record has no newline; blanks kept. */
  ES_CHECK_INT_EQ(csv.rows[4].line, 9);
  CHECK_FIELD(csv.rows[4].fields[0], "5", 9, 1);
  CHECK_FIELD(csv.rows[4].fields[1], " e ", 9, 3);
  CHECK_FIELD(csv.rows[4].fields[2], "", 9, 7);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);

  /* A trailing comma at the very end: the empty field is after it. */
  rc = parse("a,b\n1,", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(csv.n_rows, 1);
  if (csv.n_rows == 1) {
    CHECK_FIELD(csv.rows[0].fields[1], "", 2, 3);
  }
  es_csv_clear(&csv);

  /* Lone CR ends a line too. */
  rc = parse("a\rb\rc", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(csv.n_rows, 2);
  if (csv.n_rows == 2) {
    CHECK_FIELD(csv.rows[0].fields[0], "b", 2, 1);
    CHECK_FIELD(csv.rows[1].fields[0], "c", 3, 1);
  }
  es_csv_clear(&csv);

  /* Leading blank lines before the header. */
  rc = parse("\n\r\nx\n1\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(csv.header.line, 3);
  CHECK_FIELD(csv.header.fields[0], "x", 3, 1);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_field_counts(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  int rc = parse("a,b,c\n1,2\n4,5,6\n7,8,9,10\nx\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 3);
  CHECK_DIAG(dl, 0, 2, 0, "record has 2 fields, expected 3 (a,b,c)");
  CHECK_DIAG(dl, 1, 4, 0, "record has 4 fields, expected 3 (a,b,c)");
  CHECK_DIAG(dl, 2, 5, 0, "record has 1 field, expected 3 (a,b,c)");
  /* The good record is kept, with its own texts. */
  ES_CHECK_INT_EQ(csv.n_rows, 1);
  if (csv.n_rows == 1) {
    ES_CHECK_INT_EQ(csv.rows[0].line, 3);
    CHECK_FIELD(csv.rows[0].fields[0], "4", 3, 1);
    CHECK_FIELD(csv.rows[0].fields[2], "6", 3, 5);
  }
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_bad_quoting(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  const char *bad_quoting =
      "bad quoting (expected RFC 4180 quoting: a quoted field ends at its "
      "closing '\"' followed by ',' or the end of the line, and a '\"' inside "
      "it is doubled)";
  /* A quote inside an unquoted field. */
  int rc = parse("a,b\n1,x\"y\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 2, 4, bad_quoting);
  ES_CHECK(csv.header.n_fields == 0 && csv.rows == NULL && csv.path == NULL);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);

  /* Text after the closing quote (after a Chinese field, to count chars). */
  rc = parse("a,b\n渝中,\"ab\"c\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  CHECK_DIAG(dl, 0, 2, 8, bad_quoting);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);

  /* A quoted field never closed: reported where it starts. */
  rc = parse("a,b\n1,\"abc\n2,3\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 2, 3,
             "quoted field is not closed (expected a '\"' before the end of "
             "the file)");
  ES_CHECK(csv.path == NULL);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_invalid_utf8(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  struct {
    const char *text;
    size_t line, column;
    const char *message;
  } cases[] = {
      {"a,b\n成,\xFF\n", 2, 3,
       "invalid UTF-8 byte 0xFF (expected UTF-8 text; save the file as "
       "UTF-8)"},
      /* GBK bytes of 成都 in a UTF-8 file. */
      {"a\n\xB3\xC9\xB6\xBC\n", 2, 1,
       "invalid UTF-8 byte 0xB3 (expected UTF-8 text; save the file as "
       "UTF-8)"},
      /* Overlong NUL, a surrogate, above U+10FFFF, cut short at the end. */
      {"ab,\xC0\x80", 1, 4,
       "invalid UTF-8 byte 0xC0 (expected UTF-8 text; save the file as "
       "UTF-8)"},
      {"x\n\"a\xED\xA0\x80\"", 2, 3,
       "invalid UTF-8 byte 0xED (expected UTF-8 text; save the file as "
       "UTF-8)"},
      {"\xF4\x90\x80\x80", 1, 1,
       "invalid UTF-8 byte 0xF4 (expected UTF-8 text; save the file as "
       "UTF-8)"},
      {"a,成\xE6\x88", 1, 4,
       "invalid UTF-8 byte 0xE6 (expected UTF-8 text; save the file as "
       "UTF-8)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = parse(cases[i].text, &csv, &dl);
    ES_CHECK_INT_EQ(rc, ES_EINPUT);
    ES_CHECK_INT_EQ(dl.n_errors, 1);
    CHECK_DIAG(dl, 0, cases[i].line, cases[i].column, cases[i].message);
    es_csv_clear(&csv);
    es_diag_list_clear(&dl);
  }
  /* A NUL byte. */
  int rc = parse_n("a,b\n1,\0\n", 8, &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  CHECK_DIAG(dl, 0, 2, 3, "a NUL byte (expected UTF-8 text)");
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
  /* Four-byte characters count as one column. */
  rc = parse("\xF0\x9F\x98\x80,b\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  CHECK_FIELD(csv.header.fields[1], "b", 1, 3);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_header_names(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  int rc = parse("a,b,a,,b\n1,2,3,4,5\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_INT_EQ(dl.n_errors, 3);
  CHECK_DIAG(dl, 0, 1, 5,
             "column 'a' is named twice in the header (first as field 1; "
             "expected unique column names)");
  CHECK_DIAG(dl, 1, 1, 7, "header field 4 is empty (expected a column name)");
  CHECK_DIAG(dl, 2, 1, 8,
             "column 'b' is named twice in the header (first as field 2; "
             "expected unique column names)");
  /* The table is kept so that a loader can report more. */
  ES_CHECK_INT_EQ(csv.n_rows, 1);
  ES_CHECK_INT_EQ(es_csv_column(&csv, "b"), 1);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_empty_and_header_only(void) {
  static const char *const required[] = {"region", "age", NULL};
  const char *empties[] = {"", "\xEF\xBB\xBF", "\n\r\n\n"};
  struct es_csv csv;
  struct es_diag_list dl;
  for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
    int rc = parse(empties[i], &csv, &dl);
    ES_CHECK_INT_EQ(rc, ES_OK);
    ES_CHECK_INT_EQ(csv.header.n_fields, 0);
    ES_CHECK_INT_EQ(csv.n_rows, 0);
    ES_CHECK(!es_csv_check_header(&csv, required, NULL, false, &dl));
    CHECK_DIAG(dl, 0, 0, 0, "empty file (expected a header row: region,age)");
    es_csv_clear(&csv);
    es_diag_list_clear(&dl);
  }
  int rc = parse("region,age\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(csv.header.n_fields, 2);
  ES_CHECK_INT_EQ(csv.n_rows, 0);
  ES_CHECK(es_csv_check_header(&csv, required, NULL, false, &dl));
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_check_header(void) {
  static const char *const required[] = {"code", "name", NULL};
  static const char *const optional[] = {"lat", "lon", NULL};
  struct es_csv csv;
  struct es_diag_list dl;
  int rc = parse("\n名,code,lat,extra\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK(!es_csv_check_header(&csv, required, optional, false, &dl));
  ES_CHECK_INT_EQ(dl.n_errors, 3);
  CHECK_DIAG(dl, 0, 2, 0,
             "missing column 'name' (expected columns code,name, optionally "
             "lat,lon)");
  CHECK_DIAG(dl, 1, 2, 1,
             "unknown column '名' (expected columns code,name, optionally "
             "lat,lon)");
  CHECK_DIAG(dl, 2, 2, 12,
             "unknown column 'extra' (expected columns code,name, optionally "
             "lat,lon)");
  es_diag_list_clear(&dl);
  /* allow_other accepts the unknown ones; the missing one stays. */
  ES_CHECK(!es_csv_check_header(&csv, required, NULL, true, &dl));
  ES_CHECK_INT_EQ(dl.n_errors, 1);
  CHECK_DIAG(dl, 0, 2, 0, "missing column 'name' (expected columns code,name)");
  es_diag_list_clear(&dl);
  static const char *const just_code[] = {"code", NULL};
  ES_CHECK(es_csv_check_header(&csv, just_code, NULL, true, &dl));
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_numbers(void) {
  struct es_csv csv;
  struct es_diag_list dl;
  int rc = parse("v\n0\n", &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  struct es_csv_field f = {.text = "", .line = 7, .column = 3};
  double d = -1.0;
  struct {
    const char *text;
    double value;
  } good[] = {{"2.385", 2.385}, {"-1e-3", -0.001}, {"+.5", 0.5},
              {"17", 17.0},     {"1E2", 100.0},    {"1e-400", 0.0}};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    f.text = good[i].text;
    ES_CHECK(es_csv_get_double(&csv, &f, "local", &d, &dl));
    ES_CHECK_DOUBLE_EQ(d, good[i].value);
  }
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  struct {
    const char *text;
    const char *message;
  } bad[] = {
      {"", "column 'local': empty value (expected a number >= 0)"},
      {"abc", "column 'local': 'abc' is not a number (expected a number >= 0)"},
      {" 1", "column 'local': ' 1' is not a number (expected a number >= 0)"},
      {"1 ", "column 'local': '1 ' is not a number (expected a number >= 0)"},
      {"1,5", "column 'local': '1,5' is not a number (expected a number >= 0)"},
      {"0x10",
       "column 'local': '0x10' is not a number (expected a number >= 0)"},
      {"nan",
       "column 'local': 'nan' is not a finite number (expected a number >= "
       "0)"},
      {"NaN",
       "column 'local': 'NaN' is not a finite number (expected a number >= "
       "0)"},
      {"-INF",
       "column 'local': '-INF' is not a finite number (expected a number >= "
       "0)"},
      {"Infinity",
       "column 'local': 'Infinity' is not a finite number (expected a number "
       ">= 0)"},
      {"1e999",
       "column 'local': '1e999' is out of range (expected a number >= 0)"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    es_diag_list_clear(&dl);
    f.text = bad[i].text;
    d = 42.0;
    ES_CHECK(!es_csv_get_number(&csv, &f, "local", "a number >= 0", &d, &dl));
    ES_CHECK_DOUBLE_EQ(d, 42.0); /* untouched */
    ES_CHECK_INT_EQ(dl.n_errors, 1);
    if (dl.n_diags == 1) {
      ES_CHECK_STR_EQ(dl.diags[0].message, bad[i].message);
      ES_CHECK_INT_EQ(dl.diags[0].line, 7);
      ES_CHECK_INT_EQ(dl.diags[0].column, 3);
    }
  }
  es_diag_list_clear(&dl);
  f.text = "x";
  ES_CHECK(!es_csv_get_double(&csv, &f, "share", &d, &dl));
  CHECK_DIAG(dl, 0, 7, 3,
             "column 'share': 'x' is not a number (expected a finite number)");
  es_diag_list_clear(&dl);

  int64_t n = 0;
  struct {
    const char *text;
    int64_t value;
  } good_int[] = {{"42", 42},
                  {"-7", -7},
                  {"+3", 3},
                  {"007", 7},
                  {"9223372036854775807", INT64_MAX}};
  for (size_t i = 0; i < sizeof good_int / sizeof good_int[0]; i++) {
    f.text = good_int[i].text;
    ES_CHECK(es_csv_get_int64(&csv, &f, "age", &n, &dl));
    ES_CHECK_INT_EQ(n, good_int[i].value);
  }
  ES_CHECK_INT_EQ(dl.n_diags, 0);
  struct {
    const char *text;
    const char *message;
  } bad_int[] = {
      {"", "column 'age': empty value (expected a whole number)"},
      {"2.5",
       "column 'age': '2.5' is not a whole number (expected a whole "
       "number)"},
      {"3.0",
       "column 'age': '3.0' is not a whole number (expected a whole "
       "number)"},
      {"1e3",
       "column 'age': '1e3' is not a whole number (expected a whole "
       "number)"},
      {"-",
       "column 'age': '-' is not a whole number (expected a whole "
       "number)"},
      {" 4",
       "column 'age': ' 4' is not a whole number (expected a whole "
       "number)"},
      {"9223372036854775808",
       "column 'age': '9223372036854775808' is out of "
       "range (expected a whole number)"},
  };
  for (size_t i = 0; i < sizeof bad_int / sizeof bad_int[0]; i++) {
    es_diag_list_clear(&dl);
    f.text = bad_int[i].text;
    ES_CHECK(!es_csv_get_int64(&csv, &f, "age", &n, &dl));
    CHECK_DIAG(dl, 0, 7, 3, bad_int[i].message);
  }
  es_diag_list_clear(&dl);
  /* The path in diagnostics is the table's. */
  f.text = "z";
  ES_CHECK(
      !es_csv_get_whole(&csv, &f, "teachers", "a whole number >= 0", &n, &dl));
  CHECK_DIAG(dl, 0, 7, 3,
             "column 'teachers': 'z' is not a whole number (expected a whole "
             "number >= 0)");
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
}

static void test_file_read(void) {
  struct es_error err;
  es_error_clear(&err);
  char *bytes = (char *)&err; /* must be reset */
  size_t size = 99;
  int rc = es_file_read("no/such/dir/x.csv", &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EIO);
  ES_CHECK(bytes == NULL);
  ES_CHECK_INT_EQ(size, 0);
  ES_CHECK_CONTAINS(err.message,
                    "cannot open 'no/such/dir/x.csv': No such file or "
                    "directory");

  es_error_clear(&err);
  rc = es_file_read(".", &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_STR_EQ(err.message,
                  "'.' is a folder, not a regular file (expected a CSV "
                  "file)");

  /* A file with a NUL inside and more than one read buffer of data. */
  char path[] = "/tmp/es_test_csv_XXXXXX";
  int fd = mkstemp(path);
  ES_CHECK(fd >= 0);
  if (fd < 0) {
    return;
  }
  size_t n = 10000;
  char *data = malloc(n);
  for (size_t i = 0; i < n; i++) {
    data[i] = (char)('a' + (char)(i % 26));
  }
  data[5] = '\0';
  ES_CHECK_INT_EQ(write(fd, data, n), (long long)n);
  close(fd);
  rc = es_file_read(path, &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(size, n);
  if (rc == ES_OK) {
    ES_CHECK(memcmp(bytes, data, n) == 0);
    ES_CHECK_INT_EQ(bytes[n], '\0');
  }
  free(bytes);
  /* An empty file gives an empty, NUL-terminated buffer. */
  fd = open(path, O_WRONLY | O_TRUNC);
  close(fd);
  rc = es_file_read(path, &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(size, 0);
  ES_CHECK(bytes != NULL && bytes[0] == '\0');
  free(bytes);
  unlink(path);
  free(data);
}

/* A FIFO, devices, a file over the limit (by its size, and by what is read
 * when the size says less), each refused with the file's name. */
static void test_file_kinds(void) {
  struct es_error err;
  char *bytes = NULL;
  size_t size = 0;

  /* A FIFO without a writer: refused at once, not waited on. */
  char dir[] = "/tmp/es_test_kinds_XXXXXX";
  ES_CHECK(mkdtemp(dir) != NULL);
  char fifo[64];
  snprintf(fifo, sizeof fifo, "%s/od.csv", dir);
  ES_CHECK_INT_EQ(mkfifo(fifo, 0600), 0);
  es_error_clear(&err);
  int rc = es_file_read(fifo, &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK(bytes == NULL && size == 0);
  ES_CHECK_CONTAINS(err.message,
                    "od.csv' is a FIFO (named pipe), not a regular file "
                    "(expected a CSV file)");
  unlink(fifo);

  /* Character devices: one that is empty, one that never ends. */
  rc = es_file_read("/dev/null", &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_STR_EQ(err.message,
                  "'/dev/null' is a character device, not a regular file "
                  "(expected a CSV file)");
  rc = es__file_read_max("/dev/zero", 100, "a YAML file", &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_STR_EQ(err.message,
                  "'/dev/zero' is a character device, not a regular file "
                  "(expected a YAML file)");

  /* Over the limit by its size: a small limit, and the real one on a sparse
   * file of 3 GiB (no disk space used). */
  char big[64];
  snprintf(big, sizeof big, "%s/big.csv", dir);
  FILE *f = fopen(big, "wb");
  ES_CHECK(f != NULL);
  if (f != NULL) {
    fputs("region,age,local\n500103,0,2283\n", f); /* 31 bytes */
    fclose(f);
  }
  rc = es__file_read_max(big, 30, "a CSV file", &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK(bytes == NULL && size == 0);
  ES_CHECK_CONTAINS(err.message,
                    "big.csv' is 31 bytes; the limit for a CSV file is 30 "
                    "bytes");
  rc = es__file_read_max(big, 31, "a CSV file", &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(size, 31);
  free(bytes);
  ES_CHECK_INT_EQ(truncate(big, (off_t)3328599654), 0);
  rc = es_file_read(big, &bytes, &size, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_CONTAINS(err.message,
                    "big.csv' is 3.1 GiB; the limit for a CSV file is 1 GiB");
  ES_CHECK_INT_EQ(truncate(big, (off_t)ES_FILE_MAX_YAML + 1), 0);
  rc = es__file_read_max(big, ES_FILE_MAX_YAML, "a YAML file", &bytes, &size,
                         &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK_CONTAINS(err.message,
                    "big.csv' is 16 MiB; the limit for a YAML file is 16 MiB");
  unlink(big);

  /* A file whose size says 0 but whose reading gives more (as a file that
   * grows while it is read): /proc files are regular files of size 0. */
  rc = es__file_read_max("/proc/self/status", 64, "a CSV file", &bytes, &size,
                         &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK(bytes == NULL && size == 0);
  ES_CHECK_STR_EQ(err.message,
                  "'/proc/self/status' grew past 64 bytes while it was read; "
                  "the limit for a CSV file is 64 bytes");
  rmdir(dir);
}

/* es_text_check: the first NUL or invalid UTF-8 byte, at its line and column
 * in characters; a BOM and CRLF are fine. */
#define TEXT_CASE(text, line, column, message) \
  { (text), sizeof(text) - 1, (line), (column), (message) }
static void test_text_check(void) {
  struct es_diag_list dl;
  static const struct {
    const char *text;
    size_t size;
    size_t line, column; /* of the error, if any */
    const char *message; /* NULL: clean */
  } cases[] = {
      TEXT_CASE("\xEF\xBB\xBF"
                "a: 1\r\nb: \xE4\xB8\xAD\n",
                0, 0, NULL),
      TEXT_CASE("%\xD1\n", 1, 2,
                "invalid UTF-8 byte 0xD1 (expected UTF-8 text; save the file "
                "as UTF-8)"),
      TEXT_CASE("a: 1\r\nb: \xE4\xB8\xAD"
                "x\xFF\n",
                2, 6,
                "invalid UTF-8 byte 0xFF (expected UTF-8 text; save the file "
                "as UTF-8)"),
      TEXT_CASE("a: 1\rb: \xED\xA0\x80\n", 2, 4,
                "invalid UTF-8 byte 0xED (expected UTF-8 text; save the file "
                "as UTF-8)"),
      TEXT_CASE("\xEF\xBB\xBF"
                "a: 1\nname: a\0b\n",
                2, 8, "a NUL byte (expected UTF-8 text)"),
      TEXT_CASE("a: \xF0\x9F\x98", 1, 4,
                "invalid UTF-8 byte 0xF0 (expected UTF-8 text; save the file "
                "as UTF-8)"),
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    es_diag_list_init(&dl);
    const bool ok = es_text_check("t.csv", cases[i].text, cases[i].size, &dl);
    ES_CHECK_INT_EQ(ok, cases[i].message == NULL);
    if (cases[i].message == NULL) {
      ES_CHECK_INT_EQ(dl.n_diags, 0);
    } else {
      CHECK_DIAG(dl, 0, cases[i].line, cases[i].column, cases[i].message);
      ES_CHECK_INT_EQ(dl.n_errors, 1);
    }
    es_diag_list_clear(&dl);
  }
}
#undef TEXT_CASE

static void test_real_file(void) {
  /* The tiny example's regions: 5 rows of 12 columns with Chinese names. */
  struct es_error err;
  char *bytes = NULL;
  size_t size = 0;
  int rc = es_file_read("../scenarios/examples/tiny/regions.csv", &bytes, &size,
                        &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  if (rc != ES_OK) {
    return;
  }
  struct es_csv csv;
  struct es_diag_list dl;
  rc = parse_n(bytes, size, &csv, &dl);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK_INT_EQ(csv.header.n_fields, 12);
  ES_CHECK_INT_EQ(csv.n_rows, 5);
  if (csv.n_rows == 5) {
    /* "500229,城口县,4,1851,重庆市,重庆市,渝东北,31.946293,..." */
    CHECK_FIELD(csv.rows[3].fields[1], "城口县", 5, 8);
    CHECK_FIELD(csv.rows[3].fields[6], "渝东北", 5, 27);
    CHECK_FIELD(csv.rows[3].fields[7], "31.946293", 5, 31);
  }
  es_csv_clear(&csv);
  es_diag_list_clear(&dl);
  free(bytes);
}

int main(void) {
  test_bom_crlf();
  test_quoting_and_places();
  test_field_counts();
  test_bad_quoting();
  test_invalid_utf8();
  test_header_names();
  test_empty_and_header_only();
  test_check_header();
  test_numbers();
  test_file_read();
  test_file_kinds();
  test_text_check();
  test_real_file();
  return es_test_summary();
}
