/* resources.c: the memory and disk a run needs, estimated before its first
 * step, and what the machine has (docs/methods.md "Resource estimate").
 *
 * A run's memory is what the process holds once the scenario is loaded
 * (measured, not modelled: the loader's tables, the migration destinations
 * and the libraries are all in it), plus what the engine allocates, counted
 * from the sizes of the run the way sim/engine*.c allocate it: the results
 * in memory (every variable of docs/output-format.md, and in stochastic mode
 * the indicators of every replicate, kept for exact quantiles), the replicate
 * buffers in flight (two per thread), the thread workspaces, the P2
 * estimators of region_quantiles (52 bytes per cell and quantile), and what
 * the HDF5 library holds while it writes (a constant measured on this
 * writer) with the file's image in memory (twice its compressed size). The
 * results file is at most the uncompressed size of its variables plus the
 * provenance it copies (scenario and data files) and a fixed overhead per
 * dataset; shuffle and deflate make it smaller.
 *
 * The engine's counts are repeated here on purpose: the estimate must not
 * allocate what it estimates. tests/integration/test_resources.sh compares
 * the estimate with the peak of real runs. */
#include "sim/resources.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* What the HDF5 library and the writer hold while writing, bytes: measured
 * as the peak of a tiny run minus the memory after its load. */
#define WRITER_BYTES (7.0 * 1024 * 1024)

/* The writer builds the compressed file in memory and takes a copy of that
 * image to write it out (output/results_write.c): twice the compressed size,
 * which was 35-45% of the output bound below on every file measured
 * (tests/integration/test_resources.sh), so 0.8 of the bound. */
#define IMAGE_SHARE_OF_BOUND 0.8

/* Bytes of one P2 estimator per cell and quantile: five heights (double) and
 * three positions (uint32), sim/p2.h. */
#define P2_BYTES_PER_CELL_QUANTILE 52.0

/* File overhead per dataset (object headers, attributes, chunk index),
 * bytes; an upper bound measured on the writer's files. */
#define DATASET_OVERHEAD_BYTES 8192.0

/* Datasets of a results file besides the variables: coordinates, source
 * files and their scales, an upper bound. */
#define EXTRA_DATASETS 40.0

/* Variables of the groups population, demand, schools and indicators (one
 * set per group; sim/engine_impl.h). */
#define N_POP_VARS    3.0
#define N_DEMAND_VARS 3.0
#define N_SCHOOL_VARS 14.0
#define N_IND_VARS    16.0

/* Bytes per value. */
#define VALUE_BYTES 8.0

/* Bytes of the provenance a results file copies: the scenario, its bases,
 * its data files and the resolved text. */
static double provenance_bytes(const struct es_scenario *sc) {
  double n = (double)sc->file.size;
  for (size_t i = 0; i < sc->n_bases; i++) {
    n += (double)sc->bases[i].size;
  }
  for (size_t i = 0; i < ES_DATA_COUNT; i++) {
    if (sc->data[i].present) {
      n += (double)sc->data[i].size;
    }
  }
  if (sc->resolved_text != NULL) {
    n += (double)strlen(sc->resolved_text);
  }
  return n;
}

void es_resources_estimate(const struct es_scenario *sc,
                           const struct es_engine_shape *shape,
                           const double loaded_bytes,
                           struct es_resources *est) {
  memset(est, 0, sizeof *est);
  const bool stochastic = shape->mode == ES_MODE_STOCHASTIC;
  const double y = (double)shape->n_years;
  const double h = (double)shape->n_ahead;
  const double r = (double)shape->n_regions;
  const double pop = r * (double)shape->n_ages;     /* region x age */
  const double cells = r * (double)shape->n_stages; /* region x stage */
  const double k = (double)shape->n_stages;
  const double s = (double)shape->n_strategies;
  const double n_rep = (double)shape->n_replicates;

  /* Region-level cells of one statistic, and the indicators of one. */
  const double region_cells = y * (N_POP_VARS * pop + N_DEMAND_VARS * cells +
                                   N_SCHOOL_VARS * s * cells);
  const double indicator_cells = N_IND_VARS * s * y * k;
  const double n_rstats = stochastic ? 2.0 + (double)shape->n_rquantiles : 1.0;
  const double n_istats = stochastic ? (double)shape->n_istats : 1.0;
  double values = n_rstats * region_cells + n_istats * indicator_cells;
  if (stochastic) {
    values += n_rep * indicator_cells; /* indicators_replicates */
  }
  const double coordinates = r * 4.0 * 64.0 + (stochastic ? n_rep * 4.0 : 0.0);
  const double provenance = provenance_bytes(sc);
  est->results_bytes = VALUE_BYTES * values + coordinates + provenance;

  /* A thread's workspace: two populations and the population step's arrays
   * (region x age), the supply state, flows and weights (region x stage). */
  const double ws = VALUE_BYTES * (10.0 * pop + 40.0 * cells + 16.0 * r);
  const double team = (double)shape->n_team;
  if (stochastic) {
    const double buf =
        VALUE_BYTES * (region_cells + y * (h + 1.0) * cells + indicator_cells);
    est->buffers_bytes = (double)shape->n_batch * buf + team * ws +
                         VALUE_BYTES * n_rep; /* the statistics' scratch */
    est->quantiles_bytes =
        region_cells * (double)shape->n_rquantiles * P2_BYTES_PER_CELL_QUANTILE;
  } else {
    est->buffers_bytes = VALUE_BYTES * (y + h) * cells + team * ws;
  }
  const double n_datasets = N_POP_VARS + N_DEMAND_VARS + N_SCHOOL_VARS +
                            (stochastic ? 2.0 : 1.0) * N_IND_VARS +
                            EXTRA_DATASETS;
  est->output_bytes = VALUE_BYTES * values + coordinates + 2.0 * provenance +
                      n_datasets * DATASET_OVERHEAD_BYTES;

  est->loaded_bytes = loaded_bytes;
  est->writer_bytes = WRITER_BYTES + IMAGE_SHARE_OF_BOUND * est->output_bytes;
  /* The engine frees its buffers and estimators before the results are
   * written, so the peak is the larger of the two phases. */
  const double run_phase = est->buffers_bytes + est->quantiles_bytes;
  est->memory_bytes =
      est->loaded_bytes + est->results_bytes +
      (run_phase > est->writer_bytes ? run_phase : est->writer_bytes);
}

double es_resources_resident(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) {
    return 0.0;
  }
  unsigned long long size = 0, resident = 0;
  const int n = fscanf(f, "%llu %llu", &size, &resident);
  fclose(f);
  const long page = sysconf(_SC_PAGESIZE);
  if (n != 2 || page <= 0) {
    return 0.0;
  }
  return (double)resident * (double)page;
}

/* The virtual size of this process, bytes; 0 if unknown. */
static double virtual_size(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) {
    return 0.0;
  }
  unsigned long long size = 0;
  const int n = fscanf(f, "%llu", &size);
  fclose(f);
  const long page = sysconf(_SC_PAGESIZE);
  return n == 1 && page > 0 ? (double)size * (double)page : 0.0;
}

/* MemAvailable of /proc/meminfo, bytes; false if not found. */
static bool mem_available(double *bytes) {
  FILE *f = fopen("/proc/meminfo", "r");
  if (f == NULL) {
    return false;
  }
  char line[256];
  bool found = false;
  while (!found && fgets(line, sizeof line, f) != NULL) {
    unsigned long long kib = 0;
    if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
      *bytes = (double)kib * 1024.0;
      found = true;
    }
  }
  fclose(f);
  return found;
}

bool es_resources_parse_size(const char *text, double *bytes) {
  if (text == NULL || *text < '0' || *text > '9') {
    return false;
  }
  char *end = NULL;
  errno = 0;
  const double v = strtod(text, &end);
  if (errno != 0 || end == text || !(v >= 0.0)) {
    return false;
  }
  double unit = 1.0;
  switch (*end) {
    case '\0':
      break;
    case 'K':
    case 'k':
      unit = 1024.0;
      end++;
      break;
    case 'M':
    case 'm':
      unit = 1024.0 * 1024.0;
      end++;
      break;
    case 'G':
    case 'g':
      unit = 1024.0 * 1024.0 * 1024.0;
      end++;
      break;
    case 'T':
    case 't':
      unit = 1024.0 * 1024.0 * 1024.0 * 1024.0;
      end++;
      break;
    default:
      return false;
  }
  if (*end != '\0') {
    return false;
  }
  *bytes = v * unit;
  return true;
}

void es_resources_format(const double bytes, char *out, const size_t n_out) {
  static const char *const units[] = {"bytes", "KiB", "MiB",
                                      "GiB",   "TiB", "PiB"};
  double v = bytes;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
    v /= 1024.0;
    u++;
  }
  if (u == 0) {
    snprintf(out, n_out, "%.0f bytes", v);
  } else {
    snprintf(out, n_out, "%.1f %s", v, units[u]);
  }
}

/* The nearest existing folder above @p path (or "."), into @p dir. */
static void existing_folder(const char *path, char *dir, size_t n_dir) {
  snprintf(dir, n_dir, "%s", path);
  for (;;) {
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
      snprintf(dir, n_dir, ".");
      return;
    }
    if (slash == dir) {
      dir[1] = '\0'; /* "/" */
      return;
    }
    *slash = '\0';
    if (access(dir, F_OK) == 0) {
      return;
    }
  }
}

int es_resources_available(const char *output_path,
                           struct es_resources_available *avail,
                           struct es_error *err) {
  memset(avail, 0, sizeof *avail);
  const char *env = getenv(ES_RESOURCES_ENV_MEMORY);
  if (env != NULL && env[0] != '\0') {
    if (!es_resources_parse_size(env, &avail->memory_bytes)) {
      return ES_FAIL(err, ES_EINPUT,
                     "%s: '%s' is not a size (expected bytes, or a number "
                     "with K, M, G or T)",
                     ES_RESOURCES_ENV_MEMORY, env);
    }
    avail->has_memory = true;
    snprintf(avail->memory_from, sizeof avail->memory_from, "%s",
             ES_RESOURCES_ENV_MEMORY);
  } else {
    const double resident = es_resources_resident();
    double free_bytes = 0.0;
    if (mem_available(&free_bytes)) {
      avail->memory_bytes = free_bytes + resident;
      avail->has_memory = true;
      snprintf(avail->memory_from, sizeof avail->memory_from,
               "MemAvailable of /proc/meminfo");
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      /* The limit counts address space: what is mapped but not resident
       * (libraries, thread stacks) is not available to the run. */
      const double mapped_only = virtual_size() - resident;
      const double limit = (double)rl.rlim_cur - mapped_only;
      if (!avail->has_memory || limit < avail->memory_bytes) {
        avail->memory_bytes = limit > 0.0 ? limit : 0.0;
        avail->has_memory = true;
        snprintf(avail->memory_from, sizeof avail->memory_from,
                 "RLIMIT_AS (ulimit -v)");
      }
    }
  }

  env = getenv(ES_RESOURCES_ENV_DISK);
  if (env != NULL && env[0] != '\0') {
    if (!es_resources_parse_size(env, &avail->disk_bytes)) {
      return ES_FAIL(err, ES_EINPUT,
                     "%s: '%s' is not a size (expected bytes, or a number "
                     "with K, M, G or T)",
                     ES_RESOURCES_ENV_DISK, env);
    }
    avail->has_disk = true;
    snprintf(avail->disk_from, sizeof avail->disk_from, "%s",
             ES_RESOURCES_ENV_DISK);
  } else {
    char dir[4096];
    existing_folder(output_path, dir, sizeof dir);
    struct statvfs vfs;
    /* A file system without blocks (/proc, /sys) has no figure to check. */
    if (statvfs(dir, &vfs) == 0 && vfs.f_blocks > 0) {
      avail->disk_bytes = (double)vfs.f_bavail * (double)vfs.f_frsize;
      avail->has_disk = true;
      snprintf(avail->disk_from, sizeof avail->disk_from, "free in '%.80s'",
               dir);
    }
  }
  return ES_OK;
}
