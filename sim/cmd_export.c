/* cmd_export.c: `edusim export`, a results file as tidy CSV files for
 * spreadsheets, R and pandas.
 *
 * A front end to output/export.h: it parses the command line by hand
 * (getopt_long is a GNU extension, not available under strict C17 with
 * POSIX), exports, and prints one line saying what was written. Usage errors
 * name the option and what was expected; the exit status is 0 on success, 1
 * for a runtime failure and 2 for bad usage or bad input (STYLE 18). */
#include "sim/cmd_export.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/error.h"
#include "output/export.h"
#include "sim/args.h"
#include "sim/cli.h"

static const char usage_short[] =
    "usage: edusim export RESULTS.h5 --csv DIR [--group NAME]... "
    "[--statistic NAME]\n"
    "                     [--force] [--no-verify]\n";

static const char usage_long[] =
    "usage: edusim export RESULTS.h5 --csv DIR [--group NAME]... "
    "[--statistic NAME]\n"
    "                     [--force] [--no-verify]\n"
    "\n"
    "Writes a results file as tidy (long) CSV files for spreadsheets, R and\n"
    "pandas (docs/export.md): DIR/<group>.csv for every group of data\n"
    "variables, one row per cell, one column per dimension (region also\n"
    "with its name, province and prefecture) and one per variable;\n"
    "DIR/scenario/ with the scenario and data files the run read, verbatim;\n"
    "DIR/metadata.csv with the provenance (name,value).\n"
    "\n"
    "  RESULTS.h5         a results file written by edusim run\n"
    "  --csv DIR          the folder to write (created with its parents)\n"
    "  --group NAME       export only this group (population, demand,\n"
    "                     schools, indicators, indicators_replicates,\n"
    "                     scenario); repeatable\n"
    "  --statistic NAME   keep only the rows of this statistic (e.g. mean);\n"
    "                     groups without a statistic axis are written whole,\n"
    "                     groups whose statistic axis lacks it are left out\n"
    "  --force            write into a folder that is not empty, replacing\n"
    "                     files of the same names (regular files only)\n"
    "  --no-verify        read a results file changed on purpose since edusim\n"
    "                     wrote it (its SHA-256 digest no longer matches)\n"
    "  --help             this text\n"
    "\n"
    "Numbers are exact (%.17g); a missing value (NaN) is an empty field,\n"
    "which R and pandas read as NA. Files are written under temporary names\n"
    "and renamed when all are complete: a failure or Ctrl-C (exit 130)\n"
    "leaves the folder's previous files as they were. A results file whose\n"
    "digest does not match (damaged or changed) is refused.\n"
    "exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

/* The parsed command line. */
struct args {
  const char *path;                 /* RESULTS.h5 (argv's text) */
  const char *dir;                  /* --csv DIR */
  const char **groups;              /* [n_groups] --group values */
  size_t n_groups;                  /* --group options given */
  struct es_export_options options; /* statistic, force; groups set later */
  bool help;                        /* --help was given */
};

/* Fill @p args from the command line; @p args->groups must have room for
 * argc entries. Returns an exit status (ES_EXIT_OK to go on). */
static int parse_args(const int argc, char **argv, struct args *args) {
  bool after_dashes = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool missing = false;
    const char *v = NULL;
    if (after_dashes || a[0] != '-' || a[1] == '\0') {
      if (args->path != NULL) {
        return es_args_usage_error(
            "export", usage_short,
            "unexpected argument '%s' (expected one RESULTS.h5; the folder "
            "goes after --csv)",
            a);
      }
      args->path = a;
    } else if (strcmp(a, "--") == 0) {
      after_dashes = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      args->help = true;
      return ES_EXIT_OK;
    } else if (strcmp(a, "--force") == 0) {
      args->options.force = true;
    } else if (strcmp(a, "--no-verify") == 0) {
      args->options.digest.skip = true;
    } else if ((v = es_args_option_value(argc, argv, &i, "--csv", &missing))) {
      if (missing || v[0] == '\0') {
        return es_args_usage_error("export", usage_short,
                                   "--csv needs a value (expected a folder)");
      }
      if (args->dir != NULL) {
        return es_args_usage_error("export", usage_short,
                                   "--csv given twice ('%s' and '%s')",
                                   args->dir, v);
      }
      args->dir = v;
    } else if ((v = es_args_option_value(argc, argv, &i, "--group",
                                         &missing))) {
      if (missing || v[0] == '\0') {
        return es_args_usage_error(
            "export", usage_short,
            "--group needs a value (expected a group name, e.g. schools)");
      }
      args->groups[args->n_groups++] = v;
    } else if ((v = es_args_option_value(argc, argv, &i, "--statistic",
                                         &missing))) {
      if (missing || v[0] == '\0') {
        return es_args_usage_error(
            "export", usage_short,
            "--statistic needs a value (expected a statistic, e.g. mean)");
      }
      if (args->options.statistic != NULL) {
        return es_args_usage_error("export", usage_short,
                                   "--statistic given twice ('%s' and '%s')",
                                   args->options.statistic, v);
      }
      args->options.statistic = v;
    } else {
      return es_args_usage_error("export", usage_short, "unknown option '%s'",
                                 a);
    }
  }
  if (args->path == NULL) {
    return es_args_usage_error(
        "export", usage_short,
        "missing RESULTS.h5 (expected a results file written by edusim run)");
  }
  if (args->dir == NULL) {
    return es_args_usage_error(
        "export", usage_short,
        "missing --csv DIR (expected the folder to write the CSV files to)");
  }
  return ES_EXIT_OK;
}

int es_cmd_export(int argc, char **argv, const volatile sig_atomic_t *stop) {
  struct args args;
  memset(&args, 0, sizeof args);
  args.groups = calloc(argc > 0 ? (size_t)argc : 1, sizeof *args.groups);
  if (args.groups == NULL) {
    fputs("edusim export: error: out of memory\n", stderr);
    return ES_EXIT_FAILURE;
  }
  int status = parse_args(argc, argv, &args);
  if (status != ES_EXIT_OK || args.help) {
    if (args.help) {
      fputs(usage_long, stdout);
    }
    free(args.groups);
    return status;
  }
  args.options.groups = args.groups;
  args.options.digest.notice = es_args_digest_notice;
  args.options.digest.notice_ctx = "export";
  args.options.n_groups = args.n_groups;
  args.options.cancel = stop;

  struct es_error err;
  es_error_clear(&err);
  struct es_export_summary summary;
  const int rc =
      es_export_csv(args.path, args.dir, &args.options, &summary, &err);
  if (rc == ES_EINTERRUPTED && stop != NULL && *stop != 0) {
    fprintf(stderr,
            "edusim export: stopped by signal %d; nothing was written\n",
            (int)*stop);
    status = 128 + (int)*stop;
  } else if (rc != ES_OK) {
    fprintf(stderr, "edusim export: error: %s\n", err.message);
    status = rc == ES_EINPUT || rc == ES_EINVAL || rc == ES_EEXIST
                 ? ES_EXIT_USAGE
                 : ES_EXIT_FAILURE;
  } else {
    if (summary.skipped[0] != '\0') {
      fprintf(stderr,
              "edusim export: note: statistic '%s' is not in %s; not "
              "written\n",
              args.options.statistic, summary.skipped);
    }
    printf("edusim export: %zu CSV file%s (%zu rows)", summary.n_csv_files,
           summary.n_csv_files == 1 ? "" : "s", summary.n_rows);
    if (summary.n_scenario_files > 0) {
      printf(", %zu scenario file%s", summary.n_scenario_files,
             summary.n_scenario_files == 1 ? "" : "s");
    }
    printf(" and metadata.csv in %s\n", args.dir);
  }
  free(args.groups);
  return status;
}
