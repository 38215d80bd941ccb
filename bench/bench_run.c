/* bench_run.c: time the stages of one run of a scenario.
 *
 *   build/edusim_bench SCENARIO.yaml [THREADS] [OUT.h5]
 *
 * Prints the wall time of loading (YAML, CSV, destinations), the engine run
 * (projection, demand, early warning, and the supply step of every strategy
 * where the scenario has them) and the HDF5 write, separately, so that the
 * projection's own cost can be read apart from I/O. A benchmark, not a test:
 * bench/README.md records its figures with the machine they came from. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/error.h"
#include "output/results.h"
#include "scenarios/scenario.h"
#include "sim/engine.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: edusim_bench SCENARIO.yaml [THREADS] [OUT.h5]\n");
    return 2;
  }
  size_t n_threads = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 1;
  const char *out = argc > 3 ? argv[3] : NULL;
  struct es_diag_list dl;
  struct es_error err;
  struct es_scenario *sc = NULL;
  struct es_results res;
  es_diag_list_init(&dl);
  es_error_clear(&err);
  es_results_init(&res);
  int status = 1;

  double t0 = now_seconds();
  int rc = es_scenario_load(argv[1], &sc, &dl, &err);
  double t1 = now_seconds();
  if (rc != ES_OK) {
    es_diag_print(&dl, stderr, /*show_notices=*/false);
    fprintf(stderr, "load failed: %s\n", err.message);
    goto cleanup;
  }
  const struct es_run_config cfg = {.n_threads = n_threads,
                                    .command = "edusim_bench"};
  rc = es_engine_run(sc, &cfg, &res, &err);
  double t2 = now_seconds();
  if (rc != ES_OK) {
    fprintf(stderr, "run failed: %s\n", err.message);
    goto cleanup;
  }
  double t3 = t2;
  if (out != NULL) {
    const struct es_write_options opts = {.force = true, .deflate_level = 1};
    rc = es_results_write(&res, out, &opts, &err);
    t3 = now_seconds();
    if (rc != ES_OK) {
      fprintf(stderr, "write failed: %s\n", err.message);
      goto cleanup;
    }
  }
  printf(
      "regions=%zu ages=%zu years=%zu stages=%zu strategies=%zu threads=%zu "
      "load_s=%.3f run_s=%.3f write_s=%.3f\n",
      sc->regions.n_regions, es_scenario_n_ages(sc), es_scenario_n_years(sc),
      sc->n_stages, sc->n_strategies, n_threads, t1 - t0, t2 - t1, t3 - t2);
  status = 0;
cleanup:
  es_results_clear(&res);
  es_scenario_free(sc);
  es_diag_list_clear(&dl);
  return status;
}
