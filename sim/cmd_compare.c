/* cmd_compare.c: `edusim compare`, the allocation strategies of MODEL 5 side
 * by side through the system indicators of MODEL 7.
 *
 * A front end to output/compare.h: it parses the command line by hand
 * (getopt_long is a GNU extension, not available under strict C17 with POSIX),
 * reads the results files, and prints one row per strategy at a year, for a
 * stage or all stages, with the difference, ratio and percent change against
 * a baseline strategy, as a table for the terminal, markdown, CSV or JSON
 * (docs/compare.md). Usage errors name the option and what was expected; the
 * exit status is 0 on success, 1 for a runtime failure and 2 for bad usage or
 * bad input (STYLE 18). */
#include "sim/cmd_compare.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/error.h"
#include "output/compare.h"
#include "sim/args.h"
#include "sim/cli.h"

static const char usage_short[] =
    "usage: edusim compare RESULTS.h5 [OTHER.h5...] [--year Y] [--stage NAME]\n"
    "                      [--baseline STRATEGY] [--format "
    "table|csv|markdown|json]\n"
    "                      [--no-verify]\n";

static const char usage_long[] =
    "usage: edusim compare RESULTS.h5 [OTHER.h5...] [--year Y] [--stage NAME]\n"
    "                      [--baseline STRATEGY] [--format "
    "table|csv|markdown|json]\n"
    "                      [--no-verify]\n"
    "\n"
    "Prints the allocation strategies of one or more results files side by\n"
    "side, one row per strategy, with the difference, ratio and percent\n"
    "change against a baseline strategy (docs/compare.md).\n"
    "\n"
    "  RESULTS.h5         results files written by edusim run; several files\n"
    "                     must have the same years, stages and currency, and\n"
    "                     their rows are labelled SCENARIO/STRATEGY\n"
    "  --year Y           the year compared (default: the last year)\n"
    "  --stage NAME       one stage (default: all stages; counts are summed,\n"
    "                     the over-standard share and the gini are weighted\n"
    "                     by students)\n"
    "  --baseline S       the strategy the others are compared with, by name\n"
    "                     or SCENARIO/STRATEGY (default: the first)\n"
    "  --format F         table (default), csv, markdown or json; csv and "
    "json\n"
    "                     carry exact values\n"
    "  --no-verify        read files changed on purpose since edusim wrote\n"
    "                     them (their SHA-256 digest no longer matches)\n"
    "  --help             this text\n"
    "\n"
    "Columns: unmet seats, idle seats, over-standard share and gini at Y;\n"
    "teachers moved, teachers hired, seats built and cost summed over the\n"
    "years after the first (observed) year up to Y. Values are the statistic\n"
    "mean of the files. A file whose digest does not match (damaged or\n"
    "changed) is refused.\n"
    "exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

/* The whole of @p text as a calendar year: an optional '-' and decimal
 * digits, within int32_t. */
static bool parse_year(const char *text, int32_t *year) {
  const char *digits = text[0] == '-' ? text + 1 : text;
  if (digits[0] == '\0') {
    return false;
  }
  for (const char *p = digits; *p != '\0'; p++) {
    if (*p < '0' || *p > '9') {
      return false;
    }
  }
  errno = 0;
  long long v = strtoll(text, NULL, 10);
  if (errno == ERANGE || v < INT32_MIN || v > INT32_MAX) {
    return false;
  }
  *year = (int32_t)v;
  return true;
}

/* The parsed command line. */
struct args {
  const char **paths;                /* [n_paths] RESULTS.h5 (argv's text) */
  size_t n_paths;                    /* files given */
  struct es_compare_options options; /* year, stage, baseline, format */
  bool help;                         /* --help was given */
};

/* Fill @p args from the command line; @p args->paths must have room for
 * argc entries. Returns an exit status (ES_EXIT_OK to go on). */
static int parse_args(const int argc, char **argv, struct args *args) {
  bool after_dashes = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool missing = false;
    const char *v = NULL;
    if (after_dashes || a[0] != '-' || a[1] == '\0') {
      args->paths[args->n_paths++] = a;
    } else if (strcmp(a, "--") == 0) {
      after_dashes = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      args->help = true;
      return ES_EXIT_OK;
    } else if (strcmp(a, "--no-verify") == 0) {
      args->options.digest.skip = true;
    } else if ((v = es_args_option_value(argc, argv, &i, "--year", &missing))) {
      if (missing) {
        return es_args_usage_error(
            "compare", usage_short,
            "--year needs a value (expected a year, e.g. 2030)");
      }
      if (!parse_year(v, &args->options.year)) {
        return es_args_usage_error(
            "compare", usage_short,
            "--year: '%s' is not a year (expected a whole number, e.g. 2030)",
            v);
      }
      args->options.have_year = true;
    } else if ((v = es_args_option_value(argc, argv, &i, "--stage",
                                         &missing))) {
      if (missing) {
        return es_args_usage_error(
            "compare", usage_short,
            "--stage needs a value (expected the name of a stage)");
      }
      args->options.stage = v;
    } else if ((v = es_args_option_value(argc, argv, &i, "--baseline",
                                         &missing))) {
      if (missing) {
        return es_args_usage_error(
            "compare", usage_short,
            "--baseline needs a value (expected the name of a strategy)");
      }
      args->options.baseline = v;
    } else if ((v = es_args_option_value(argc, argv, &i, "--format",
                                         &missing))) {
      if (missing) {
        return es_args_usage_error(
            "compare", usage_short,
            "--format needs a value (expected: table, csv, markdown, json)");
      }
      if (!es_compare_format_from_name(v, &args->options.format)) {
        return es_args_usage_error(
            "compare", usage_short,
            "--format: unknown '%s' (expected: table, csv, markdown, json)", v);
      }
    } else {
      return es_args_usage_error("compare", usage_short, "unknown option '%s'",
                                 a);
    }
  }
  if (args->n_paths == 0) {
    return es_args_usage_error(
        "compare", usage_short,
        "missing RESULTS.h5 (expected one or more results "
        "files written by edusim run)");
  }
  return ES_EXIT_OK;
}

int es_cmd_compare(int argc, char **argv) {
  struct args args;
  memset(&args, 0, sizeof args);
  args.options.format = ES_COMPARE_FORMAT_TABLE;
  args.options.digest.notice = es_args_digest_notice;
  args.options.digest.notice_ctx = "compare";
  args.paths = calloc(argc > 0 ? (size_t)argc : 1, sizeof *args.paths);
  if (args.paths == NULL) {
    fputs("edusim compare: error: out of memory\n", stderr);
    return ES_EXIT_FAILURE;
  }
  int status = parse_args(argc, argv, &args);
  if (status != ES_EXIT_OK || args.help) {
    if (args.help) {
      fputs(usage_long, stdout);
    }
    free(args.paths);
    return status;
  }

  struct es_error err;
  es_error_clear(&err);
  int rc = es_compare(args.paths, args.n_paths, &args.options, stdout, &err);
  if (rc != ES_OK) {
    fprintf(stderr, "edusim compare: error: %s\n", err.message);
    status =
        rc == ES_EINPUT || rc == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAILURE;
  }
  free(args.paths);
  return status;
}
