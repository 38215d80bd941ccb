/* cli.c: the edusim command line (DESIGN "Command line").
 *
 * Each subcommand parses its own arguments, calls the library, and maps the
 * outcome to an exit status: 0 success, 1 runtime failure (I/O, memory),
 * 2 bad usage or bad input (STYLE 18). Input errors are printed as
 * `file:line:column: error: ...`, every one found (up to ES_DIAG_MAX). */
#include "sim/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "models/error.h"
#include "output/info.h"
#include "output/results.h"
#include "scenarios/scenario.h"
#include "sim/cmd_apportion.h"
#include "sim/cmd_compare.h"
#include "sim/cmd_export.h"
#include "sim/engine.h"
#include "sim/version.h"

static const char usage_main[] =
    "usage: edusim COMMAND [ARGS]\n"
    "\n"
    "Projects the school-age population of every region of a scenario and\n"
    "writes the results to one HDF5 file.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml [-o FILE.h5] [--mode M] [-r N] [--seed N] [-j N]\n"
    "      [--strategy NAME]... [--force] [--quiet]\n"
    "                          project the scenario and write the results\n"
    "  validate SCENARIO.yaml  check a scenario; print a summary or every "
    "error\n"
    "  compare RESULTS.h5 [OTHER.h5...] [--year Y] [--stage NAME]\n"
    "      [--baseline STRATEGY] [--format table|csv|markdown|json]\n"
    "                          strategies side by side against a baseline\n"
    "  export RESULTS.h5 --csv DIR [--group NAME]... [--statistic NAME] "
    "[--force]\n"
    "                          tidy CSV files, one per group, for spreadsheets "
    "and R\n"
    "  info RESULTS.h5         what a results file holds: provenance, groups\n"
    "  apportion FILE.csv --seats N [--method M] [--min K]\n"
    "                          share N whole units in proportion to weights\n"
    "  --help                  this text; COMMAND --help for a command\n"
    "  --version               the version\n"
    "\n"
    "exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n"
    "Documentation: README.md, docs/scenario-format.md, "
    "docs/output-format.md,\n"
    "docs/methods.md.\n";

static const char usage_run[] =
    "usage: edusim run SCENARIO.yaml [-o FILE.h5] [--mode deterministic|"
    "stochastic]\n"
    "                  [-r REPLICATES] [--seed N] [-j THREADS] "
    "[--strategy NAME]...\n"
    "                  [--force] [--quiet]\n"
    "\n"
    "Projects the scenario and writes its results file (HDF5).\n"
    "\n"
    "  -o, --output FILE   results file (default: output.file of the "
    "scenario,\n"
    "                      else results/NAME.h5); missing folders are created\n"
    "  --mode M            deterministic or stochastic (overrides the "
    "scenario)\n"
    "  -r, --replicates N  replicates in stochastic mode (overrides the "
    "scenario)\n"
    "  --seed N            base seed of the random streams (overrides the "
    "scenario)\n"
    "  -j, --threads N     threads (default 1); the results are identical for\n"
    "                      any N\n"
    "  --strategy NAME     run only this strategy (repeat for several); the\n"
    "                      others' results are not changed by the selection\n"
    "  --force             replace an existing results file (only a regular\n"
    "                      file: a folder, device, FIFO or link is refused)\n"
    "  --quiet             print nothing but errors\n"
    "\n"
    "Progress is shown on stderr when it is a terminal. The file is written\n"
    "to FILE.tmp.PID and renamed into place only when complete: a failed or\n"
    "interrupted run (Ctrl-C: exit 130, SIGTERM: exit 143) leaves no partial\n"
    "file and an existing file untouched.\n";

static const char usage_validate[] =
    "usage: edusim validate SCENARIO.yaml\n"
    "\n"
    "Reads the scenario and its data files and checks them. Prints a summary\n"
    "(exit 0) or every error found as file:line:column: error: ... (exit 2).\n";

static const char usage_info[] =
    "usage: edusim info RESULTS.h5\n"
    "\n"
    "Prints the provenance of a results file (scenario, command, mode, seed,\n"
    "when it was made) and every group with its variables, their dimensions\n"
    "and shapes.\n";

static bool is_help(const char *arg) {
  return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* A whole number in [lo, hi], the whole string. */
static bool parse_size(const char *s, size_t lo, size_t hi, size_t *out) {
  if (s == NULL || *s < '0' || *s > '9') {
    return false; /* digits only: no sign, no leading blanks */
  }
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) {
    return false;
  }
  *out = (size_t)v;
  return true;
}

/* The command line as one string, arguments with blanks quoted. */
static char *join_command(int argc, char **argv) {
  size_t n = 1;
  for (int i = 0; i < argc; i++) {
    n += strlen(argv[i]) + 3;
  }
  char *s = malloc(n);
  if (s == NULL) {
    return NULL;
  }
  s[0] = '\0';
  for (int i = 0; i < argc; i++) {
    bool quote = strpbrk(argv[i], " \t\"'") != NULL || argv[i][0] == '\0';
    if (i > 0) {
      strcat(s, " ");
    }
    if (quote) {
      strcat(s, "'");
    }
    strcat(s, argv[i]);
    if (quote) {
      strcat(s, "'");
    }
  }
  return s;
}

/* Create the folders above @p path that do not exist yet (mkdir -p). */
static int make_parent_dirs(const char *path, struct es_error *err) {
  size_t n = strlen(path);
  char *dir = malloc(n + 1);
  if (dir == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "path");
  }
  memcpy(dir, path, n + 1);
  int rc = ES_OK;
  for (char *p = dir + 1; *p != '\0'; p++) {
    if (*p != '/') {
      continue;
    }
    *p = '\0';
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
      rc = ES_FAIL(err, ES_EIO, "cannot create folder '%s': %s", dir,
                   strerror(errno));
      break;
    }
    *p = '/';
  }
  free(dir);
  return rc;
}

/* Print diagnostics and decide the exit status of a failed load. */
static int report_load_failure(int rc, const struct es_diag_list *dl,
                               const struct es_error *err) {
  es_diag_print(dl, stderr, /*show_notices=*/true);
  if (rc == ES_EINPUT) {
    fprintf(stderr, "edusim: %zu error%s; nothing was written\n", dl->n_errors,
            dl->n_errors == 1 ? "" : "s");
    return ES_EXIT_USAGE;
  }
  fprintf(stderr, "edusim: %s\n",
          err->message[0] != '\0' ? err->message : es_strerror(rc));
  return rc == ES_EIO ? ES_EXIT_USAGE : ES_EXIT_FAILURE;
}

static int cmd_validate(int argc, char **argv) {
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (is_help(argv[i])) {
      fputs(usage_validate, stdout);
      return ES_EXIT_OK;
    }
    if (argv[i][0] == '-' || path != NULL) {
      fprintf(stderr, "edusim validate: unexpected argument '%s'\n%s", argv[i],
              usage_validate);
      return ES_EXIT_USAGE;
    }
    path = argv[i];
  }
  if (path == NULL) {
    fprintf(stderr, "edusim validate: missing SCENARIO.yaml\n%s",
            usage_validate);
    return ES_EXIT_USAGE;
  }
  struct es_diag_list dl;
  struct es_error err;
  struct es_scenario *sc = NULL;
  es_diag_list_init(&dl);
  es_error_clear(&err);
  int rc = es_scenario_load(path, &sc, &dl, &err);
  if (rc != ES_OK) {
    int status = report_load_failure(rc, &dl, &err);
    es_diag_list_clear(&dl);
    return status;
  }
  es_diag_print(&dl, stderr, /*show_notices=*/true);
  es_diag_list_clear(&dl);

  double total[3] = {0.0, 0.0, 0.0}; /* local, migrant, away */
  const size_t n_cells = sc->initial.n_regions * sc->initial.n_ages;
  for (size_t i = 0; i < n_cells; i++) {
    total[0] += sc->initial.local[i];
    total[1] += sc->initial.migrant[i];
    total[2] += sc->initial.away[i];
  }
  printf("scenario %s: valid\n", sc->name);
  printf("  file        %s\n", sc->file.path);
  printf("  years       %d-%d (%zu records)\n", sc->year_start, sc->year_end,
         es_scenario_n_years(sc));
  printf("  mode        %s", es_mode_name(sc->mode));
  if (sc->mode == ES_MODE_STOCHASTIC) {
    printf(", %" PRIu64 " replicates, seed %" PRIu64, sc->replicates, sc->seed);
  }
  printf("\n  regions     %zu\n", sc->regions.n_regions);
  printf("  ages        0-%zu\n", sc->max_age);
  printf("  stages      %zu:", sc->n_stages);
  for (size_t k = 0; k < sc->n_stages; k++) {
    printf(" %s %zu-%zu%s", sc->stages[k].name, sc->stages[k].age_lo,
           sc->stages[k].age_hi, k + 1 < sc->n_stages ? "," : "");
  }
  printf("\n  strategies  %zu:", sc->n_strategies);
  for (size_t s = 0; s < sc->n_strategies; s++) {
    printf(" %s (%s)%s", sc->strategies[s].name,
           es_basis_name(sc->strategies[s].basis),
           s + 1 < sc->n_strategies ? "," : "");
  }
  printf("\n  children    %.0f local, %.0f migrant, %.0f away at %d\n",
         total[0], total[1], total[2], sc->year_start);
  es_scenario_free(sc);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "edusim validate: cannot write the summary: %s\n",
            strerror(errno));
    return ES_EXIT_FAILURE;
  }
  return ES_EXIT_OK;
}

/* Remove the loader's notice that replicates are unused: --mode stochastic
 * uses them. */
static void drop_replicates_notice(struct es_diag_list *dl) {
  const size_t n_prefix = strlen(ES_SCENARIO_NOTICE_REPLICATES);
  size_t kept = 0;
  for (size_t i = 0; i < dl->n_diags; i++) {
    struct es_diag *d = &dl->diags[i];
    if (d->severity == ES_SEVERITY_NOTICE &&
        strncmp(d->message, ES_SCENARIO_NOTICE_REPLICATES, n_prefix) == 0) {
      free(d->file);
      free(d->message);
      dl->n_notices--;
      continue;
    }
    dl->diags[kept++] = *d;
  }
  dl->n_diags = kept;
}

/* What kind of thing @p mode is, for messages. */
static const char *file_kind(const mode_t mode) {
  return S_ISDIR(mode)    ? "a folder"
         : S_ISLNK(mode)  ? "a symbolic link"
         : S_ISCHR(mode)  ? "a character device"
         : S_ISBLK(mode)  ? "a block device"
         : S_ISFIFO(mode) ? "a FIFO (named pipe)"
         : S_ISSOCK(mode) ? "a socket"
                          : "not a regular file";
}

/* Before the run: an output path that cannot be written is found now, not
 * after minutes of simulation. Only a regular file is ever replaced (the
 * writer checks again when it renames): a device, FIFO, socket, folder or
 * symbolic link is refused and left untouched. Creates the missing folders
 * and tries the temporary file the writer will use. Returns an exit status. */
static int check_output_path(const char *path, bool force) {
  struct stat st;
  const size_t n = strlen(path);
  if (n > 0 && path[n - 1] == '/') {
    fprintf(stderr,
            "edusim run: output '%s' names a folder (expected a file "
            "name such as %sresults.h5)\n",
            path, path);
    return ES_EXIT_USAGE;
  }
  if (lstat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      fprintf(stderr,
              "edusim run: output '%s' is a folder (expected a file "
              "name)\n",
              path);
      return ES_EXIT_USAGE;
    }
    if (!S_ISREG(st.st_mode)) {
      fprintf(stderr,
              "edusim run: output '%s' is %s (expected a regular file to "
              "replace, or a new name); it is left untouched\n",
              path, file_kind(st.st_mode));
      return ES_EXIT_USAGE;
    }
    if (!force) {
      fprintf(stderr,
              "edusim run: '%s' exists (use --force to replace it, or -o to "
              "write elsewhere)\n",
              path);
      return ES_EXIT_USAGE;
    }
  } else if (errno != ENOENT) {
    fprintf(stderr, "edusim run: cannot check '%s': %s\n", path,
            strerror(errno));
    return ES_EXIT_FAILURE;
  }
  struct es_error err;
  es_error_clear(&err);
  if (make_parent_dirs(path, &err) != ES_OK) {
    fprintf(stderr, "edusim run: %s\n", err.message);
    return ES_EXIT_FAILURE;
  }
  char probe[4096];
  snprintf(probe, sizeof probe, "%s.tmp.%lld", path, (long long)getpid());
  int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    fprintf(stderr, "edusim run: cannot write '%s' next to '%s': %s\n", probe,
            path, strerror(errno));
    return ES_EXIT_FAILURE;
  }
  const int closed = close(fd);
  const int close_errno = errno;
  unlink(probe);
  if (closed != 0) {
    fprintf(stderr, "edusim run: cannot write '%s' next to '%s': %s\n", probe,
            path, strerror(close_errno));
    return ES_EXIT_FAILURE;
  }
  return ES_EXIT_OK;
}

/* The results path: -o, else output.file of the scenario, else
 * results/NAME.h5. Returns a malloc'ed string or NULL. */
static char *results_path(const struct es_scenario *sc, const char *option) {
  const char *given = option != NULL ? option : sc->output_file;
  if (given != NULL) {
    size_t n = strlen(given) + 1;
    char *s = malloc(n);
    if (s != NULL) {
      memcpy(s, given, n);
    }
    return s;
  }
  size_t n = strlen(sc->name) + sizeof "results/.h5";
  char *s = malloc(n);
  if (s != NULL) {
    snprintf(s, n, "results/%s.h5", sc->name);
  }
  return s;
}

/* Progress on stderr (DESIGN "Command line"): a line redrawn in place when
 * stderr is a terminal, nothing otherwise. */
struct progress {
  bool to_terminal; /* redraw a progress line */
  double started_s; /* monotonic clock at the start, seconds */
  bool drawn;       /* a line is on screen and needs a newline */
};

static double monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void show_progress(void *data, size_t n_done, size_t n_total) {
  struct progress *pr = data;
  if (!pr->to_terminal) {
    return;
  }
  const double elapsed = monotonic_seconds() - pr->started_s;
  const double rate = elapsed > 0.0 ? (double)n_done / elapsed : 0.0;
  const double left = rate > 0.0 ? (double)(n_total - n_done) / rate : 0.0;
  fprintf(stderr, "\r  replicates %zu/%zu (%3.0f%%), %.1f/s, %.0f s left   ",
          n_done, n_total, 100.0 * (double)n_done / (double)n_total, rate,
          left);
  fflush(stderr);
  pr->drawn = true;
}

/* The exit status for a run stopped by signal @p sig (128 + signal). */
static int signal_status(sig_atomic_t sig) {
  return 128 + (int)sig;
}

static int cmd_run(int argc, char **argv, const volatile sig_atomic_t *stop) {
  const char *scenario_path = NULL;
  const char *output = NULL;
  bool force = false;
  bool quiet = false;
  size_t n_threads = 1;
  struct es_run_config cfg = {.n_threads = 1};
  const char *strategy_names[ES_SCENARIO_MAX_STRATEGIES];
  size_t n_strategy_names = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (is_help(a)) {
      fputs(usage_run, stdout);
      return ES_EXIT_OK;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "edusim run: %s needs a file name\n", a);
        return ES_EXIT_USAGE;
      }
      output = value;
      i++;
    } else if (strcmp(a, "-j") == 0 || strcmp(a, "--threads") == 0) {
      if (!parse_size(value, 1, 4096, &n_threads)) {
        fprintf(stderr,
                "edusim run: %s needs a whole number of threads from 1 to "
                "4096, got '%s'\n",
                a, value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      i++;
    } else if (strcmp(a, "--mode") == 0) {
      if (value != NULL && strcmp(value, "deterministic") == 0) {
        cfg.mode = ES_MODE_DETERMINISTIC;
      } else if (value != NULL && strcmp(value, "stochastic") == 0) {
        cfg.mode = ES_MODE_STOCHASTIC;
      } else {
        fprintf(stderr,
                "edusim run: --mode needs deterministic or stochastic, got "
                "'%s'\n",
                value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      cfg.has_mode = true;
      i++;
    } else if (strcmp(a, "-r") == 0 || strcmp(a, "--replicates") == 0) {
      size_t n = 0;
      if (!parse_size(value, 1, ES_SCENARIO_MAX_REPLICATES, &n)) {
        fprintf(stderr,
                "edusim run: %s needs a whole number of replicates from 1 to "
                "%d, got '%s'\n",
                a, ES_SCENARIO_MAX_REPLICATES, value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      cfg.has_replicates = true;
      cfg.replicates = (uint64_t)n;
      i++;
    } else if (strcmp(a, "--seed") == 0) {
      char *end = NULL;
      errno = 0;
      unsigned long long seed =
          value != NULL && value[0] >= '0' && value[0] <= '9'
              ? strtoull(value, &end, 10)
              : 0;
      if (value == NULL || end == NULL || *end != '\0' || errno != 0) {
        fprintf(stderr,
                "edusim run: --seed needs a whole number from 0 to "
                "18446744073709551615, got '%s'\n",
                value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      cfg.has_seed = true;
      cfg.seed = (uint64_t)seed;
      i++;
    } else if (strcmp(a, "--strategy") == 0) {
      if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "edusim run: --strategy needs a strategy name\n");
        return ES_EXIT_USAGE;
      }
      if (n_strategy_names == ES_SCENARIO_MAX_STRATEGIES) {
        fprintf(stderr, "edusim run: at most %d --strategy options\n",
                ES_SCENARIO_MAX_STRATEGIES);
        return ES_EXIT_USAGE;
      }
      strategy_names[n_strategy_names++] = value;
      i++;
    } else if (strcmp(a, "--force") == 0) {
      force = true;
    } else if (strcmp(a, "--quiet") == 0) {
      quiet = true;
    } else if (a[0] == '-' || scenario_path != NULL) {
      fprintf(stderr, "edusim run: unexpected argument '%s'\n%s", a, usage_run);
      return ES_EXIT_USAGE;
    } else {
      scenario_path = a;
    }
  }
  if (scenario_path == NULL) {
    fprintf(stderr, "edusim run: missing SCENARIO.yaml\n%s", usage_run);
    return ES_EXIT_USAGE;
  }

  int status = ES_EXIT_OK;
  struct es_diag_list dl;
  struct es_error err;
  struct es_scenario *sc = NULL;
  struct es_results res;
  char *path = NULL;
  char *command = NULL;
  size_t selected[ES_SCENARIO_MAX_STRATEGIES];
  es_diag_list_init(&dl);
  es_error_clear(&err);
  es_results_init(&res);

  int rc = es_scenario_load(scenario_path, &sc, &dl, &err);
  if (rc != ES_OK) {
    status = report_load_failure(rc, &dl, &err);
    goto cleanup;
  }
  const enum es_mode mode = cfg.has_mode ? cfg.mode : sc->mode;
  if (mode == ES_MODE_STOCHASTIC) {
    drop_replicates_notice(&dl); /* --mode stochastic uses them */
  }
  if (!quiet) {
    es_diag_print(&dl, stderr, /*show_notices=*/true);
    if (cfg.has_replicates && mode == ES_MODE_DETERMINISTIC) {
      fprintf(stderr,
              "edusim run: notice: -r/--replicates is used only in "
              "stochastic mode; this run is deterministic\n");
    }
  }
  for (size_t n = 0; n < n_strategy_names; n++) {
    size_t s = 0;
    while (s < sc->n_strategies &&
           strcmp(sc->strategies[s].name, strategy_names[n]) != 0) {
      s++;
    }
    if (s == sc->n_strategies) {
      fprintf(stderr, "edusim run: --strategy: unknown '%s' (expected:",
              strategy_names[n]);
      for (size_t t = 0; t < sc->n_strategies; t++) {
        fprintf(stderr, "%s %s", t > 0 ? "," : "", sc->strategies[t].name);
      }
      fprintf(stderr, ")\n");
      status = ES_EXIT_USAGE;
      goto cleanup;
    }
    for (size_t m = 0; m < n; m++) {
      if (selected[m] == s) {
        fprintf(stderr, "edusim run: --strategy '%s' given twice\n",
                strategy_names[n]);
        status = ES_EXIT_USAGE;
        goto cleanup;
      }
    }
    selected[n] = s;
  }
  cfg.n_selected = n_strategy_names;
  cfg.selected = selected;
  path = results_path(sc, output);
  command = join_command(argc + 1, argv - 1);
  if (path == NULL || command == NULL) {
    fprintf(stderr, "edusim: out of memory\n");
    status = ES_EXIT_FAILURE;
    goto cleanup;
  }
  status = check_output_path(path, force);
  if (status != ES_EXIT_OK) {
    goto cleanup;
  }
  struct progress pr = {.to_terminal = !quiet && isatty(STDERR_FILENO),
                        .started_s = monotonic_seconds()};
  cfg.n_threads = n_threads;
  cfg.command = command;
  cfg.cancel = stop;
  cfg.progress = show_progress;
  cfg.progress_data = &pr;
  rc = es_engine_run(sc, &cfg, &res, &err);
  if (pr.drawn) {
    fputc('\n', stderr);
  }
  if (rc == ES_OK && stop != NULL && *stop != 0) {
    rc = ES_FAIL(&err, ES_EINTERRUPTED, "%s", "interrupted");
  }
  if (rc == ES_OK) {
    const struct es_write_options opts = {
        .force = force, .deflate_level = 1, .cancel = stop};
    rc = es_results_write(&res, path, &opts, &err);
  }
  if (rc == ES_EINTERRUPTED) {
    fprintf(stderr, "edusim run: stopped by signal %d; nothing was written\n",
            (int)*stop);
    status = signal_status(*stop);
    goto cleanup;
  }
  if (rc != ES_OK) {
    fprintf(stderr, "edusim run: %s\n", err.message);
    status =
        rc == ES_EEXIST || rc == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAILURE;
    goto cleanup;
  }
  if (!quiet) {
    const double elapsed = monotonic_seconds() - pr.started_s;
    fprintf(stderr,
            "edusim: %s: %zu regions, %d-%d, %zu strategies, %s, %" PRIu64
            " replicate%s, %.1f s -> %s\n",
            sc->name, sc->regions.n_regions, sc->year_start, sc->year_end,
            res.dim_len[ES_DIM_STRATEGY], res.mode, res.replicates,
            res.replicates == 1 ? "" : "s", elapsed, path);
  }

cleanup:
  free(command);
  free(path);
  es_results_clear(&res);
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  return status;
}

static int cmd_info(int argc, char **argv) {
  if (argc == 2 && is_help(argv[1])) {
    fputs(usage_info, stdout);
    return ES_EXIT_OK;
  }
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(stderr, "edusim info: expected one RESULTS.h5\n%s", usage_info);
    return ES_EXIT_USAGE;
  }
  struct es_error err;
  es_error_clear(&err);
  int rc = es_results_info(argv[1], stdout, &err);
  if (rc == ES_OK && (fflush(stdout) != 0 || ferror(stdout))) {
    rc = ES_FAIL(&err, ES_EIO, "cannot write the description: %s",
                 strerror(errno));
  }
  if (rc != ES_OK) {
    fprintf(stderr, "edusim info: %s\n", err.message);
    return rc == ES_EINPUT ? ES_EXIT_USAGE : ES_EXIT_FAILURE;
  }
  return ES_EXIT_OK;
}

int es_cli_main(int argc, char **argv, const volatile sig_atomic_t *stop) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return ES_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (is_help(cmd)) {
    fputs(usage_main, stdout);
    return ES_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("edusim %s (%s, %s)\n", ES_VERSION, ES_GIT_REVISION, ES_C_COMPILER);
    return ES_EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0) {
    return cmd_run(argc - 1, argv + 1, stop);
  }
  if (strcmp(cmd, "validate") == 0) {
    return cmd_validate(argc - 1, argv + 1);
  }
  if (strcmp(cmd, "compare") == 0) {
    return es_cmd_compare(argc - 1, argv + 1);
  }
  if (strcmp(cmd, "export") == 0) {
    return es_cmd_export(argc - 1, argv + 1, stop);
  }
  if (strcmp(cmd, "info") == 0) {
    return cmd_info(argc - 1, argv + 1);
  }
  if (strcmp(cmd, "apportion") == 0) {
    return es_cmd_apportion(argc - 1, argv + 1);
  }
  fprintf(stderr, "edusim: unknown command '%s'\n\n%s", cmd, usage_main);
  return ES_EXIT_USAGE;
}
