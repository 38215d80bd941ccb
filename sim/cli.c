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
#include "models/file_kind.h"
#include "output/info.h"
#include "output/results.h"
#include "scenarios/scenario.h"
#include "sim/args.h"
#include "sim/cmd_apportion.h"
#include "sim/cmd_compare.h"
#include "sim/cmd_export.h"
#include "sim/engine.h"
#include "sim/resources.h"
#include "sim/version.h"

static const char usage_main[] =
    "usage: edusim COMMAND [ARGS]\n"
    "\n"
    "Projects the school-age population of every region of a scenario and\n"
    "writes the results to one HDF5 file.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.yaml [-o FILE.h5] [--mode M] [-r N] [--seed N] [-j N]\n"
    "      [--strategy NAME]... [--force] [--quiet] [--no-resource-check]\n"
    "                          project the scenario and write the results\n"
    "  validate SCENARIO.yaml [RUN OPTIONS]\n"
    "                          make every check run makes before its first\n"
    "                          step; print a summary with the memory and file\n"
    "                          size the run needs, or every error\n"
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
    "exit status: 0 success, 1 runtime failure, 2 bad usage or bad input\n"
    "(also a run too large for the memory or disk), 130/143 stopped by\n"
    "SIGINT/SIGTERM.\n"
    "Documentation: README.md, docs/scenario-format.md, "
    "docs/output-format.md,\n"
    "docs/methods.md.\n";

static const char usage_run[] =
    "usage: edusim run SCENARIO.yaml [-o FILE.h5] [--mode deterministic|"
    "stochastic]\n"
    "                  [-r REPLICATES] [--seed N] [-j THREADS] "
    "[--strategy NAME]...\n"
    "                  [--force] [--quiet] [--no-resource-check]\n"
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
    "  --no-resource-check run even when the estimated memory or file size\n"
    "                      exceeds what is available\n"
    "\n"
    "Before the first step the run estimates its peak memory and the size of\n"
    "its file, and refuses (exit 2) when they exceed the memory available\n"
    "(MemAvailable, or ulimit -v) or the free space of the output's folder;\n"
    "EDUSIM_MEMORY_AVAILABLE and EDUSIM_DISK_AVAILABLE (bytes, or 512M, 8G)\n"
    "set those figures instead. `edusim validate` with the same options makes\n"
    "the same checks without running.\n"
    "\n"
    "Progress is shown on stderr when it is a terminal. The file is written\n"
    "to FILE.tmp.PID and renamed into place only when complete: a failed or\n"
    "interrupted run (Ctrl-C: exit 130, SIGTERM: exit 143) leaves no partial\n"
    "file and an existing file untouched; it stops within about a second,\n"
    "and a second Ctrl-C or SIGTERM ends it at once.\n";

static const char usage_validate[] =
    "usage: edusim validate SCENARIO.yaml [-o FILE.h5] [--mode M] [-r N]\n"
    "                       [--seed N] [-j N] [--strategy NAME]... [--force]\n"
    "                       [--quiet] [--no-resource-check]\n"
    "\n"
    "Reads the scenario and its data files and makes every check `edusim "
    "run`\n"
    "with the same options makes before its first step: the scenario, the\n"
    "options, the output path (no folder is created), the random streams, and\n"
    "the memory and disk the run needs (see edusim run --help). Prints a\n"
    "summary with the estimated peak memory and file size (exit 0), or every\n"
    "error found as file:line:column: error: ... (exit 2; 1 when the output\n"
    "cannot be written). A scenario that validates runs with the same "
    "options.\n";

static const char usage_info[] =
    "usage: edusim info RESULTS.h5 [--no-verify]\n"
    "\n"
    "Prints the provenance of a results file (scenario, command, mode, seed,\n"
    "when it was made), whether its digest was verified, and every group with\n"
    "its variables, their dimensions and shapes.\n"
    "\n"
    "  --no-verify  read a file changed on purpose since edusim wrote it\n"
    "               (its SHA-256 digest no longer matches)\n"
    "\n"
    "A file whose digest does not match (damaged or changed), or that is not\n"
    "a results file this edusim reads, is refused (exit 2).\n";

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
              path, es_file_kind(st.st_mode));
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

/* From now on a first stop signal is caught: the work must poll the flag
 * returned (NULL when @p stop is NULL) at least about once a second. A
 * command that cleans up after itself (run; export) calls this once it has
 * something to clean up; before, the default action ends it at once. */
static const volatile sig_atomic_t *catch_stop(const struct es_stop *stop) {
  if (stop == NULL) {
    return NULL;
  }
  stop->catch_signals();
  return stop->signal;
}

/* The exit status for a run stopped by signal @p sig (128 + signal). */
static int signal_status(sig_atomic_t sig) {
  return 128 + (int)sig;
}

/* The options run and validate share: validate is run without the work. */
struct run_options {
  const char *scenario_path; /* SCENARIO.yaml */
  const char *output;        /* -o, or NULL */
  bool force;                /* --force */
  bool quiet;                /* --quiet */
  bool no_resource_check;    /* --no-resource-check */
  size_t n_threads;          /* -j, >= 1 */
  bool has_mode;             /* --mode given */
  enum es_mode mode;         /* its value */
  bool has_replicates;       /* -r given */
  uint64_t replicates;       /* its value */
  bool has_seed;             /* --seed given */
  uint64_t seed;             /* its value */
  const char *strategy_names[ES_SCENARIO_MAX_STRATEGIES]; /* --strategy */
  size_t n_strategy_names;
};

/* Parse the options of run and validate (@p name) into @p o. Returns -1 to go
 * on, else the exit status (0 after --help). */
static int parse_run_options(const char *name, const char *usage, int argc,
                             char **argv, struct run_options *o) {
  memset(o, 0, sizeof *o);
  o->n_threads = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    if (is_help(a)) {
      fputs(usage, stdout);
      return ES_EXIT_OK;
    } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
      if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "edusim %s: %s needs a file name\n", name, a);
        return ES_EXIT_USAGE;
      }
      o->output = value;
      i++;
    } else if (strcmp(a, "-j") == 0 || strcmp(a, "--threads") == 0) {
      if (!parse_size(value, 1, 4096, &o->n_threads)) {
        fprintf(stderr,
                "edusim %s: %s needs a whole number of threads from 1 to "
                "4096, got '%s'\n",
                name, a, value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      i++;
    } else if (strcmp(a, "--mode") == 0) {
      if (value != NULL && strcmp(value, "deterministic") == 0) {
        o->mode = ES_MODE_DETERMINISTIC;
      } else if (value != NULL && strcmp(value, "stochastic") == 0) {
        o->mode = ES_MODE_STOCHASTIC;
      } else {
        fprintf(stderr,
                "edusim %s: --mode needs deterministic or stochastic, got "
                "'%s'\n",
                name, value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      o->has_mode = true;
      i++;
    } else if (strcmp(a, "-r") == 0 || strcmp(a, "--replicates") == 0) {
      size_t n = 0;
      if (!parse_size(value, 1, ES_SCENARIO_MAX_REPLICATES, &n)) {
        fprintf(stderr,
                "edusim %s: %s needs a whole number of replicates from 1 to "
                "%d, got '%s'\n",
                name, a, ES_SCENARIO_MAX_REPLICATES,
                value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      o->has_replicates = true;
      o->replicates = (uint64_t)n;
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
                "edusim %s: --seed needs a whole number from 0 to "
                "18446744073709551615, got '%s'\n",
                name, value != NULL ? value : "");
        return ES_EXIT_USAGE;
      }
      o->has_seed = true;
      o->seed = (uint64_t)seed;
      i++;
    } else if (strcmp(a, "--strategy") == 0) {
      if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "edusim %s: --strategy needs a strategy name\n", name);
        return ES_EXIT_USAGE;
      }
      if (o->n_strategy_names == ES_SCENARIO_MAX_STRATEGIES) {
        fprintf(stderr, "edusim %s: at most %d --strategy options\n", name,
                ES_SCENARIO_MAX_STRATEGIES);
        return ES_EXIT_USAGE;
      }
      o->strategy_names[o->n_strategy_names++] = value;
      i++;
    } else if (strcmp(a, "--force") == 0) {
      o->force = true;
    } else if (strcmp(a, "--quiet") == 0) {
      o->quiet = true;
    } else if (strcmp(a, "--no-resource-check") == 0) {
      o->no_resource_check = true;
    } else if (a[0] == '-' || o->scenario_path != NULL) {
      fprintf(stderr, "edusim %s: unexpected argument '%s'\n%s", name, a,
              usage);
      return ES_EXIT_USAGE;
    } else {
      o->scenario_path = a;
    }
  }
  if (o->scenario_path == NULL) {
    fprintf(stderr, "edusim %s: missing SCENARIO.yaml\n%s", name, usage);
    return ES_EXIT_USAGE;
  }
  return -1;
}

/* A run made ready: everything checked that can be before its first step. */
struct prepared_run {
  struct es_scenario *sc;                      /* the scenario (owned) */
  struct es_diag_list dl;                      /* its notices */
  char *path;                                  /* the results file (owned) */
  char *command;                               /* the command line (owned) */
  size_t selected[ES_SCENARIO_MAX_STRATEGIES]; /* --strategy indices */
  struct es_run_config cfg;                    /* how to run */
  struct es_engine_shape shape;                /* the sizes of the run */
  struct es_resources est;                     /* its memory and file */
  struct es_resources_available avail;         /* what the machine has */
};

static void prepared_run_clear(struct prepared_run *p) {
  free(p->command);
  free(p->path);
  es_scenario_free(p->sc);
  es_diag_list_clear(&p->dl);
  memset(p, 0, sizeof *p);
}

/* validate's output check: what check_output_path finds, without creating
 * the folders it would create. Returns an exit status. */
static int check_output_path_dry(const char *path, bool force) {
  const size_t n = strlen(path);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash != NULL) {
    slash[slash == dir ? 1 : 0] = '\0'; /* the folder of path ("/" kept) */
  }
  if (slash == NULL || access(dir, F_OK) == 0 ||
      (n > 0 && path[n - 1] == '/')) {
    /* Its folder exists (or the path is refused before any folder is
     * made): run's own check creates nothing. */
    return check_output_path(path, force);
  }
  /* Folders are missing: run creates them below the nearest existing one,
   * which must be a folder we may write in. */
  while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
    *slash = '\0';
    if (access(dir, F_OK) == 0) {
      break;
    }
  }
  const char *top = slash == NULL ? "." : slash == dir ? "/" : dir;
  struct stat st;
  if (stat(top, &st) != 0 || !S_ISDIR(st.st_mode) ||
      access(top, W_OK | X_OK) != 0) {
    fprintf(stderr,
            "edusim validate: cannot create the folders of '%s' in '%s'\n",
            path, top);
    return ES_EXIT_FAILURE;
  }
  return ES_EXIT_OK;
}

/* The one path of run and validate up to the first step: load the scenario,
 * resolve the options, check the output path, the engine's plan and the
 * resources. Prints the diagnostics; returns an exit status. @p dry: do not
 * create the output's folders (validate). */
static int prepare_run(const char *name, const struct run_options *o, int argc,
                       char **argv, bool dry, struct prepared_run *p,
                       const volatile sig_atomic_t *stop_flag) {
  struct es_error err;
  memset(p, 0, sizeof *p);
  es_diag_list_init(&p->dl);
  es_error_clear(&err);
  int rc = es_scenario_load(o->scenario_path, &p->sc, &p->dl, &err);
  if (rc != ES_OK) {
    return report_load_failure(rc, &p->dl, &err);
  }
  const struct es_scenario *sc = p->sc;
  const enum es_mode mode = o->has_mode ? o->mode : sc->mode;
  if (mode == ES_MODE_STOCHASTIC) {
    drop_replicates_notice(&p->dl); /* --mode stochastic uses them */
  }
  if (!o->quiet) {
    es_diag_print(&p->dl, stderr, /*show_notices=*/true);
    if (o->has_replicates && mode == ES_MODE_DETERMINISTIC) {
      fprintf(stderr,
              "edusim %s: notice: -r/--replicates is used only in "
              "stochastic mode; this run is deterministic\n",
              name);
    }
  }
  for (size_t n = 0; n < o->n_strategy_names; n++) {
    size_t s = 0;
    while (s < sc->n_strategies &&
           strcmp(sc->strategies[s].name, o->strategy_names[n]) != 0) {
      s++;
    }
    if (s == sc->n_strategies) {
      fprintf(stderr, "edusim %s: --strategy: unknown '%s' (expected:", name,
              o->strategy_names[n]);
      for (size_t t = 0; t < sc->n_strategies; t++) {
        fprintf(stderr, "%s %s", t > 0 ? "," : "", sc->strategies[t].name);
      }
      fprintf(stderr, ")\n");
      return ES_EXIT_USAGE;
    }
    for (size_t m = 0; m < n; m++) {
      if (p->selected[m] == s) {
        fprintf(stderr, "edusim %s: --strategy '%s' given twice\n", name,
                o->strategy_names[n]);
        return ES_EXIT_USAGE;
      }
    }
    p->selected[n] = s;
  }
  p->cfg = (struct es_run_config){
      .n_threads = o->n_threads,
      .has_mode = o->has_mode,
      .mode = o->mode,
      .has_replicates = o->has_replicates,
      .replicates = o->replicates,
      .has_seed = o->has_seed,
      .seed = o->seed,
      .n_selected = o->n_strategy_names,
      .selected = p->selected,
  };
  p->path = results_path(sc, o->output);
  p->command = join_command(argc + 1, argv - 1);
  if (p->path == NULL || p->command == NULL) {
    fprintf(stderr, "edusim: out of memory\n");
    return ES_EXIT_FAILURE;
  }
  p->cfg.command = p->command;

  /* The resources first: a run far too large is refused before the plan
   * set-up allocates for it. */
  es_engine_shape(sc, &p->cfg, &p->shape);
  es_resources_estimate(sc, &p->shape, es_resources_resident(), &p->est);
  rc = es_resources_available(p->path, &p->avail, &err);
  if (rc != ES_OK) {
    fprintf(stderr, "edusim %s: %s\n", name, err.message);
    return ES_EXIT_USAGE;
  }
  if (!o->no_resource_check) {
    char need[32], have[32];
    if (p->avail.has_memory && p->est.memory_bytes > p->avail.memory_bytes) {
      char results[32], buffers[32];
      es_resources_format(p->est.memory_bytes, need, sizeof need);
      es_resources_format(p->avail.memory_bytes, have, sizeof have);
      es_resources_format(p->est.results_bytes, results, sizeof results);
      es_resources_format(p->est.buffers_bytes + p->est.quantiles_bytes,
                          buffers, sizeof buffers);
      fprintf(stderr,
              "edusim %s: this run needs about %s of memory (results %s, "
              "replicate buffers and estimators %s), more than the %s "
              "available (%s); use fewer replicates, strategies or threads, "
              "or --no-resource-check to run anyway\n",
              name, need, results, buffers, have, p->avail.memory_from);
      return ES_EXIT_USAGE;
    }
    if (p->avail.has_disk && p->est.output_bytes > p->avail.disk_bytes) {
      es_resources_format(p->est.output_bytes, need, sizeof need);
      es_resources_format(p->avail.disk_bytes, have, sizeof have);
      fprintf(stderr,
              "edusim %s: the results file '%s' may take up to %s, more than "
              "the %s available (%s); write elsewhere with -o, or "
              "--no-resource-check to run anyway\n",
              name, p->path, need, have, p->avail.disk_from);
      return ES_EXIT_USAGE;
    }
  }
  rc = es_engine_check(sc, &p->cfg, &err);
  if (rc != ES_OK) {
    fprintf(stderr, "edusim %s: %s\n", name, err.message);
    return rc == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAILURE;
  }
  /* A stop caught while loading ends the run here, before the output check
   * makes folders or probes the output's folder. */
  if (stop_flag != NULL && *stop_flag != 0) {
    fprintf(stderr, "edusim %s: stopped by signal %d; nothing was written\n",
            name, (int)*stop_flag);
    return signal_status(*stop_flag);
  }
  return dry ? check_output_path_dry(p->path, o->force)
             : check_output_path(p->path, o->force);
}

static int cmd_validate(int argc, char **argv) {
  struct run_options o;
  int status = parse_run_options("validate", usage_validate, argc, argv, &o);
  if (status >= 0) {
    return status;
  }
  struct prepared_run p;
  status = prepare_run("validate", &o, argc, argv, /*dry=*/true, &p,
                       /*stop_flag=*/NULL);
  if (status != ES_EXIT_OK) {
    prepared_run_clear(&p);
    return status;
  }
  if (o.quiet) {
    prepared_run_clear(&p);
    return ES_EXIT_OK;
  }
  const struct es_scenario *sc = p.sc;
  const struct es_engine_shape *shape = &p.shape;
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
  printf("  mode        %s", es_mode_name(shape->mode));
  if (shape->mode == ES_MODE_STOCHASTIC) {
    printf(", %zu replicates, seed %" PRIu64, shape->n_replicates,
           o.has_seed ? o.seed : sc->seed);
  }
  printf("\n  regions     %zu\n", sc->regions.n_regions);
  printf("  ages        0-%zu\n", sc->max_age);
  printf("  stages      %zu:", sc->n_stages);
  for (size_t k = 0; k < sc->n_stages; k++) {
    printf(" %s %zu-%zu%s", sc->stages[k].name, sc->stages[k].age_lo,
           sc->stages[k].age_hi, k + 1 < sc->n_stages ? "," : "");
  }
  printf("\n  strategies  %zu:", shape->n_strategies);
  for (size_t j = 0; j < shape->n_strategies; j++) {
    const size_t s = o.n_strategy_names > 0 ? p.selected[j] : j;
    printf(" %s (%s)%s", sc->strategies[s].name,
           es_basis_name(sc->strategies[s].basis),
           j + 1 < shape->n_strategies ? "," : "");
  }
  printf("\n  children    %.0f local, %.0f migrant, %.0f away at %d\n",
         total[0], total[1], total[2], sc->year_start);
  char mem[32], out[32], have[32];
  es_resources_format(p.est.memory_bytes, mem, sizeof mem);
  es_resources_format(p.est.output_bytes, out, sizeof out);
  printf("  output      %s\n", p.path);
  printf("  memory      about %s at peak (%zu thread%s)", mem, shape->n_team,
         shape->n_team == 1 ? "" : "s");
  if (p.avail.has_memory) {
    es_resources_format(p.avail.memory_bytes, have, sizeof have);
    printf("; %s available", have);
  }
  printf("\n  file size   at most %s", out);
  if (p.avail.has_disk) {
    es_resources_format(p.avail.disk_bytes, have, sizeof have);
    printf("; %s free", have);
  }
  printf("\n");
  prepared_run_clear(&p);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "edusim validate: cannot write the summary: %s\n",
            strerror(errno));
    return ES_EXIT_FAILURE;
  }
  return ES_EXIT_OK;
}

static int cmd_run(int argc, char **argv, const struct es_stop *stop) {
  struct run_options o;
  int status = parse_run_options("run", usage_run, argc, argv, &o);
  if (status >= 0) {
    return status;
  }
  struct es_results res;
  struct es_error err;
  struct prepared_run p;
  es_results_init(&res);
  es_error_clear(&err);
  /* From here a first stop is caught: the load (well under a second for the
   * largest scenarios) runs on, then the run ends cleanly before its output
   * check, in the engine or in the write, removing its temporary file. */
  const volatile sig_atomic_t *flag = catch_stop(stop);
  status = prepare_run("run", &o, argc, argv, /*dry=*/false, &p, flag);
  if (status != ES_EXIT_OK) {
    goto cleanup;
  }
  struct progress pr = {.to_terminal = !o.quiet && isatty(STDERR_FILENO),
                        .started_s = monotonic_seconds()};
  p.cfg.cancel = flag;
  p.cfg.progress = show_progress;
  p.cfg.progress_data = &pr;
  int rc = es_engine_run(p.sc, &p.cfg, &res, &err);
  if (pr.drawn) {
    fputc('\n', stderr);
  }
  if (rc == ES_OK && flag != NULL && *flag != 0) {
    rc = ES_FAIL(&err, ES_EINTERRUPTED, "%s", "interrupted");
  }
  if (rc == ES_OK) {
    const struct es_write_options opts = {
        .force = o.force, .deflate_level = 1, .cancel = flag};
    rc = es_results_write(&res, p.path, &opts, &err);
  }
  if (rc == ES_EINTERRUPTED && flag != NULL && *flag != 0) {
    fprintf(stderr, "edusim run: stopped by signal %d; nothing was written\n",
            (int)*flag);
    status = signal_status(*flag);
    goto cleanup;
  }
  if (rc != ES_OK) {
    fprintf(stderr, "edusim run: %s\n", err.message);
    status =
        rc == ES_EEXIST || rc == ES_EINVAL ? ES_EXIT_USAGE : ES_EXIT_FAILURE;
    goto cleanup;
  }
  if (!o.quiet) {
    const double elapsed = monotonic_seconds() - pr.started_s;
    fprintf(stderr,
            "edusim: %s: %zu regions, %d-%d, %zu strategies, %s, %" PRIu64
            " replicate%s, %.1f s -> %s\n",
            p.sc->name, p.sc->regions.n_regions, p.sc->year_start,
            p.sc->year_end, res.dim_len[ES_DIM_STRATEGY], res.mode,
            res.replicates, res.replicates == 1 ? "" : "s", elapsed, p.path);
  }

cleanup:
  es_results_clear(&res);
  prepared_run_clear(&p);
  return status;
}

static int cmd_info(int argc, char **argv) {
  const char *path = NULL;
  struct es_digest_policy policy = {.notice = es_args_digest_notice,
                                    .notice_ctx = "info"};
  for (int i = 1; i < argc; i++) {
    if (is_help(argv[i])) {
      fputs(usage_info, stdout);
      return ES_EXIT_OK;
    }
    if (strcmp(argv[i], "--no-verify") == 0) {
      policy.skip = true;
    } else if (argv[i][0] == '-' || path != NULL) {
      fprintf(stderr, "edusim info: unexpected argument '%s'\n%s", argv[i],
              usage_info);
      return ES_EXIT_USAGE;
    } else {
      path = argv[i];
    }
  }
  if (path == NULL) {
    fprintf(stderr, "edusim info: expected one RESULTS.h5\n%s", usage_info);
    return ES_EXIT_USAGE;
  }
  struct es_error err;
  es_error_clear(&err);
  int rc = es_results_info(path, &policy, stdout, &err);
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

int es_cli_main(int argc, char **argv, const struct es_stop *stop) {
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
    return es_cmd_export(argc - 1, argv + 1, catch_stop(stop));
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
