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

#include "models/demand.h"
#include "models/error.h"
#include "models/population.h"
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
  /* The projection alone (MODEL 3-4), serial: every year's step and the
   * demand of every stage, as the engine does it. */
  double tp0 = now_seconds();
  struct es_population pop = {0};
  struct es_population_ws *ws =
      es_population_ws_alloc(&sc->population_params, &err);
  double *students =
      malloc(sc->regions.n_regions * sc->n_stages * sizeof *students);
  if (ws == NULL || students == NULL ||
      es_population_init(&pop, sc->regions.n_regions, es_scenario_n_ages(sc),
                         &err) != ES_OK) {
    fprintf(stderr, "projection setup failed: %s\n", err.message);
    free(students);
    es_population_ws_free(ws);
    goto cleanup;
  }
  es_population_copy(&pop, &sc->initial);
  for (size_t y = 1; y < es_scenario_n_years(sc); y++) {
    es_population_step(&sc->population_params, &pop, sc->year_start + (int)y,
                       ws, /*rng=*/NULL);
    es_demand_compute(&pop, sc->stages, sc->n_stages, students, NULL);
  }
  double tp1 = now_seconds();
  printf("projection_s=%.4f (%zu regions x %zu ages x %zu steps, serial)\n",
         tp1 - tp0, sc->regions.n_regions, es_scenario_n_ages(sc),
         es_scenario_n_years(sc) - 1);
  free(students);
  es_population_ws_free(ws);
  es_population_clear(&pop);

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
