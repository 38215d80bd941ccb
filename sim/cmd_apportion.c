/* cmd_apportion.c: `edusim apportion`, the apportionment methods of MODEL 6
 * on a CSV file of weights.
 *
 * A small front end for trying the methods by hand and for comparing them
 * with published tables: it reads the columns name and weight of a CSV file
 * (other columns are ignored), shares --seats whole units among the rows in
 * proportion to their weights by --method (default webster), giving at least
 * --min units to every row of positive weight (MODEL 5.2c gives minimums to
 * regions with positive demand), and prints name,weight,seats as CSV.
 * Weights are printed with 17 significant digits so that they read back to
 * the same doubles. Usage errors name the option; errors in the file read
 * like compiler diagnostics, file:line:column: error: ..., every one found
 * (STYLE 17). Arguments are parsed by hand: getopt_long is a GNU extension,
 * not available under strict C17 with POSIX. */
#include "sim/cmd_apportion.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/apportion.h"
#include "models/error.h"
#include "output/csv_out.h"
#include "scenarios/csv.h"
#include "sim/args.h"
#include "sim/cli.h"

static const char usage_short[] =
    "usage: edusim apportion FILE.csv --seats N [--method M] [--min K]\n";

static const char usage_long[] =
    "usage: edusim apportion FILE.csv --seats N [--method M] [--min K]\n"
    "\n"
    "Shares N whole seats among the rows of FILE.csv in proportion to their\n"
    "weights (MODEL 6) and prints CSV name,weight,seats.\n"
    "\n"
    "  FILE.csv     a header row with the columns name and weight (any order;\n"
    "               other columns are ignored), then one row per region;\n"
    "               weights are numbers >= 0\n"
    "  --seats N    seats to share, a whole number >= 0 (required)\n"
    "  --method M   hamilton, jefferson, webster, huntington-hill, adams or\n"
    "               dean (default webster)\n"
    "  --min K      at least K seats for every row whose weight is > 0\n"
    "               (default 0)\n"
    "  --help       this text\n"
    "\n"
    "Ties go to the row nearer the top; rows of weight 0 get no seat.\n"
    "exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

/* The columns FILE.csv must have; others are ignored. */
static const char *const required_columns[] = {"name", "weight", NULL};

/* What strict parsing of a count found. */
enum count_parse {
  COUNT_OK,
  COUNT_NOT_WHOLE, /* not an optional '-' followed by decimal digits */
  COUNT_NEGATIVE,  /* a whole number below 0 */
  COUNT_RANGE,     /* a whole number outside int64_t */
};

/* Parse the whole of @p text as a whole number >= 0: decimal digits only, no
 * blanks, no '+', no fraction or exponent. */
static enum count_parse parse_count(const char *text, int64_t *value) {
  const char *digits = text[0] == '-' ? text + 1 : text;
  if (digits[0] == '\0') {
    return COUNT_NOT_WHOLE;
  }
  for (const char *p = digits; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') {
      return COUNT_NOT_WHOLE;
    }
  }
  errno = 0;
  char *end = NULL;
  long long v = strtoll(text, &end, 10);
  if (errno == ERANGE) {
    return COUNT_RANGE;
  }
  if (v < 0) {
    return COUNT_NEGATIVE;
  }
  *value = (int64_t)v;
  return COUNT_OK;
}

/* Read the value of a count option, or explain what is wrong with it. */
static int option_count(const char *option, const char *text, int64_t *value) {
  switch (parse_count(text, value)) {
    case COUNT_OK:
      return ES_EXIT_OK;
    case COUNT_NEGATIVE:
      return es_args_usage_error(
          "apportion", usage_short,
          "%s: '%s' is negative (expected a whole number >= 0)", option, text);
    case COUNT_RANGE:
      return es_args_usage_error(
          "apportion", usage_short,
          "%s: '%s' is out of range (expected a whole number >= 0)", option,
          text);
    case COUNT_NOT_WHOLE:
    default:
      return es_args_usage_error(
          "apportion", usage_short,
          "%s: '%s' is not a whole number (expected a whole number >= 0)",
          option, text);
  }
}

/* The parsed command line. */
struct args {
  const char *path;                /* FILE.csv */
  int64_t seats;                   /* --seats, units */
  bool have_seats;                 /* --seats was given */
  int64_t min_seats;               /* --min, units per row of weight > 0 */
  enum es_apportion_method method; /* --method */
  bool help;                       /* --help was given */
};

static int parse_args(const int argc, char **argv, struct args *args) {
  *args = (struct args){.method = ES_APPORTION_WEBSTER};
  bool after_dashes = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool missing = false;
    const char *v = NULL;
    if (after_dashes || a[0] != '-' || a[1] == '\0') {
      if (args->path != NULL) {
        return es_args_usage_error(
            "apportion", usage_short,
            "unexpected argument '%s' (expected one FILE.csv)", a);
      }
      args->path = a;
    } else if (strcmp(a, "--") == 0) {
      after_dashes = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      args->help = true;
      return ES_EXIT_OK;
    } else if ((v = es_args_option_value(argc, argv, &i, "--seats",
                                         &missing))) {
      if (missing) {
        return es_args_usage_error(
            "apportion", usage_short,
            "--seats needs a value (expected a whole number >= 0)");
      }
      int status = option_count("--seats", v, &args->seats);
      if (status != ES_EXIT_OK) {
        return status;
      }
      args->have_seats = true;
    } else if ((v = es_args_option_value(argc, argv, &i, "--min", &missing))) {
      if (missing) {
        return es_args_usage_error(
            "apportion", usage_short,
            "--min needs a value (expected a whole number >= 0)");
      }
      int status = option_count("--min", v, &args->min_seats);
      if (status != ES_EXIT_OK) {
        return status;
      }
    } else if ((v = es_args_option_value(argc, argv, &i, "--method",
                                         &missing))) {
      if (missing) {
        return es_args_usage_error(
            "apportion", usage_short,
            "--method needs a value (expected: hamilton, jefferson, webster, "
            "huntington-hill, adams, dean)");
      }
      if (!es_apportion_method_from_name(v, &args->method)) {
        return es_args_usage_error(
            "apportion", usage_short,
            "--method: unknown '%s' (expected: hamilton, jefferson, "
            "webster, huntington-hill, adams, dean)",
            v);
      }
    } else {
      return es_args_usage_error("apportion", usage_short,
                                 "unknown option '%s'", a);
    }
  }
  if (args->path == NULL) {
    return es_args_usage_error("apportion", usage_short, "missing FILE.csv");
  }
  if (!args->have_seats) {
    return es_args_usage_error(
        "apportion", usage_short,
        "missing --seats N (expected a whole number >= 0 of seats to share)");
  }
  return ES_EXIT_OK;
}

int es_cmd_apportion(int argc, char **argv) {
  struct args args;
  int status = parse_args(argc, argv, &args);
  if (status != ES_EXIT_OK) {
    return status;
  }
  if (args.help) {
    fputs(usage_long, stdout);
    return ES_EXIT_OK;
  }

  struct es_csv csv;
  struct es_diag_list dl;
  struct es_error err;
  struct es_apportion_ws *ws = NULL;
  char *bytes = NULL;
  size_t size = 0;
  double *weight = NULL;
  int64_t *minimum = NULL;
  int64_t *seats = NULL;
  memset(&csv, 0, sizeof csv);
  es_diag_list_init(&dl);
  es_error_clear(&err);

  int rc = es_file_read(args.path, &bytes, &size, &err);
  if (rc != ES_OK) {
    fprintf(stderr, "edusim apportion: error: %s\n", err.message);
    status = rc == ES_ENOMEM ? ES_EXIT_FAILURE : ES_EXIT_USAGE;
    goto cleanup;
  }
  rc = es_csv_parse(&csv, args.path, bytes, size, &dl, &err);
  if (rc == ES_ENOMEM) {
    fprintf(stderr, "edusim apportion: error: %s\n", err.message);
    status = ES_EXIT_FAILURE;
    goto cleanup;
  }
  if (rc != ES_OK ||
      !es_csv_check_header(&csv, required_columns, /*optional=*/NULL,
                           /*allow_other=*/true, &dl)) {
    status = ES_EXIT_USAGE;
    goto cleanup;
  }

  const size_t n = csv.n_rows;
  const size_t i_name = es_csv_column(&csv, "name");
  const size_t i_weight = es_csv_column(&csv, "weight");
  weight = malloc((n > 0 ? n : 1) * sizeof *weight);
  minimum = malloc((n > 0 ? n : 1) * sizeof *minimum);
  seats = malloc((n > 0 ? n : 1) * sizeof *seats);
  ws = es_apportion_ws_alloc(n, &err);
  if (weight == NULL || minimum == NULL || seats == NULL || ws == NULL) {
    fprintf(stderr, "edusim apportion: error: out of memory for %zu rows\n", n);
    status = ES_EXIT_FAILURE;
    goto cleanup;
  }
  size_t n_positive = 0;
  for (size_t r = 0; r < n && !es_diag_full(&dl); r++) {
    const struct es_csv_field *f = &csv.rows[r].fields[i_weight];
    weight[r] = 0.0;
    if (!es_csv_get_number(&csv, f, "weight", "a number >= 0", &weight[r],
                           &dl)) {
      continue;
    }
    if (weight[r] < 0.0) {
      es_diag_error(&dl, csv.path, f->line, f->column,
                    "column 'weight': '%s' is negative (expected a number "
                    ">= 0)",
                    f->text);
      continue;
    }
    minimum[r] = weight[r] > 0.0 ? args.min_seats : 0;
    n_positive += weight[r] > 0.0;
  }
  if (!es_diag_ok(&dl)) {
    status = ES_EXIT_USAGE;
    goto cleanup;
  }

  rc = es_apportion(args.method, args.seats, n, weight, minimum, seats, ws,
                    &err);
  if (rc == ES_EINFEASIBLE && n_positive == 0) {
    fprintf(stderr,
            "%s: error: no row has a weight > 0, so %" PRId64
            " seats cannot be shared (expected at least one positive "
            "weight)\n",
            csv.path, args.seats);
    status = ES_EXIT_USAGE;
    goto cleanup;
  }
  if (rc == ES_EINFEASIBLE) {
    fprintf(stderr,
            "%s: error: --seats %" PRId64 " cannot give --min %" PRId64
            " to each of the %zu rows of weight > 0 (%s)\n",
            csv.path, args.seats, args.min_seats, n_positive, err.message);
    status = ES_EXIT_USAGE;
    goto cleanup;
  }
  if (rc == ES_EINVAL) {
    /* Weights and minimums were checked above: only --seats can be left. */
    fprintf(stderr, "edusim apportion: error: --seats: %s\n", err.message);
    fputs(usage_short, stderr);
    status = ES_EXIT_USAGE;
    goto cleanup;
  }
  if (rc != ES_OK) {
    fprintf(stderr, "edusim apportion: error: %s\n", err.message);
    status = ES_EXIT_FAILURE;
    goto cleanup;
  }

  fputs("name,weight,seats\n", stdout);
  for (size_t r = 0; r < n; r++) {
    es_csv_put_field(stdout, csv.rows[r].fields[i_name].text,
                     /*quote_empty=*/false);
    printf(",%.17g,%" PRId64 "\n", weight[r], seats[r]);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "edusim apportion: error: cannot write the output: %s\n",
            strerror(errno));
    status = ES_EXIT_FAILURE;
  }

cleanup:
  if (!es_diag_ok(&dl)) {
    es_diag_print(&dl, stderr, /*show_notices=*/false);
  }
  es_apportion_ws_free(ws);
  free(seats);
  free(minimum);
  free(weight);
  es_csv_clear(&csv);
  free(bytes);
  es_diag_list_clear(&dl);
  return status;
}
