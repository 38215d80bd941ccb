/* test_resources.c: the resource estimate (sim/resources.c) and the run
 * shapes it is made from (es_engine_shape): sizes parsed and printed, the
 * estimate's terms against counts made by hand for the tiny scenario, its
 * growth with replicates (the indicators of every replicate), threads and
 * region quantiles, what is available from the environment variables, and
 * es_engine_check's refusals. Runs in tests/ (the tiny scenario is
 * ../scenarios/examples/tiny). */
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "models/error.h"
#include "scenarios/scenario.h"
#include "sim/engine.h"
#include "sim/resources.h"

#define MIB (1024.0 * 1024.0)

static void test_parse_size(void) {
  double v = -1.0;
  ES_CHECK(es_resources_parse_size("1048576", &v));
  ES_CHECK_DOUBLE_EQ(v, 1048576.0);
  ES_CHECK(es_resources_parse_size("512M", &v));
  ES_CHECK_DOUBLE_EQ(v, 512.0 * MIB);
  ES_CHECK(es_resources_parse_size("2.5g", &v));
  ES_CHECK_DOUBLE_EQ(v, 2.5 * 1024.0 * MIB);
  ES_CHECK(es_resources_parse_size("3K", &v));
  ES_CHECK_DOUBLE_EQ(v, 3072.0);
  ES_CHECK(es_resources_parse_size("1T", &v));
  ES_CHECK_DOUBLE_EQ(v, 1024.0 * 1024.0 * MIB);
  ES_CHECK(!es_resources_parse_size("", &v));
  ES_CHECK(!es_resources_parse_size(NULL, &v));
  ES_CHECK(!es_resources_parse_size("lots", &v));
  ES_CHECK(!es_resources_parse_size("-5", &v));
  ES_CHECK(!es_resources_parse_size(" 5", &v));
  ES_CHECK(!es_resources_parse_size("5MB", &v));
  ES_CHECK(!es_resources_parse_size("5Q", &v));
}

static void test_format(void) {
  char out[32];
  es_resources_format(512.0, out, sizeof out);
  ES_CHECK_STR_EQ(out, "512 bytes");
  es_resources_format(1536.0, out, sizeof out);
  ES_CHECK_STR_EQ(out, "1.5 KiB");
  es_resources_format(52.4 * MIB, out, sizeof out);
  ES_CHECK_STR_EQ(out, "52.4 MiB");
  es_resources_format(50.1 * 1024.0 * MIB, out, sizeof out);
  ES_CHECK_STR_EQ(out, "50.1 GiB");
}

static struct es_scenario *load_tiny(void) {
  struct es_scenario *sc = NULL;
  struct es_diag_list dl;
  struct es_error err;
  es_diag_list_init(&dl);
  es_error_clear(&err);
  int rc = es_scenario_load("../scenarios/examples/tiny/scenario.yaml", &sc,
                            &dl, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  es_diag_list_clear(&dl);
  return sc;
}

static void test_shape_and_estimate(void) {
  struct es_scenario *sc = load_tiny();
  if (sc == NULL) {
    return;
  }
  /* Deterministic, 3 threads: one team member per strategy at most. */
  struct es_run_config cfg = {.n_threads = 3};
  struct es_engine_shape shape;
  es_engine_shape(sc, &cfg, &shape);
  ES_CHECK_INT_EQ(shape.mode, ES_MODE_DETERMINISTIC);
  ES_CHECK_INT_EQ(shape.n_replicates, 1);
  ES_CHECK_INT_EQ(shape.n_regions, 5);
  ES_CHECK_INT_EQ(shape.n_ages, 18);
  ES_CHECK_INT_EQ(shape.n_stages, 4);
  ES_CHECK_INT_EQ(shape.n_years, 11);
  ES_CHECK_INT_EQ(shape.n_strategies, 6);
  ES_CHECK_INT_EQ(shape.n_team, 3);
  ES_CHECK_INT_EQ(shape.n_batch, 0);

  struct es_resources det;
  es_resources_estimate(sc, &shape, 10.0 * MIB, &det);
  /* Values by hand: population 3*11*5*18, demand 3*11*5*4, schools
   * 14*6*11*5*4, indicators 16*6*11*4. */
  const double values = 3.0 * 11 * 5 * 18 + 3.0 * 11 * 5 * 4 +
                        14.0 * 6 * 11 * 5 * 4 + 16.0 * 6 * 11 * 4;
  ES_CHECK(det.results_bytes >= 8.0 * values);
  ES_CHECK(det.results_bytes < 8.0 * values + 64.0 * 1024);
  ES_CHECK_DOUBLE_EQ(det.loaded_bytes, 10.0 * MIB);
  ES_CHECK_DOUBLE_EQ(det.quantiles_bytes, 0.0);
  /* The run's buffers are freed before the write: the peak is the larger
   * phase, and the write holds the file's image (0.8 of the output bound). */
  ES_CHECK_DOUBLE_EQ(det.writer_bytes, 7.0 * MIB + 0.8 * det.output_bytes);
  const double run_phase = det.buffers_bytes + det.quantiles_bytes;
  ES_CHECK_DOUBLE_EQ(
      det.memory_bytes,
      det.loaded_bytes + det.results_bytes +
          (run_phase > det.writer_bytes ? run_phase : det.writer_bytes));
  ES_CHECK(det.output_bytes >= 8.0 * values);

  /* Stochastic: each replicate more keeps 16*S*Y*K indicator values. */
  cfg = (struct es_run_config){.n_threads = 1,
                               .has_mode = true,
                               .mode = ES_MODE_STOCHASTIC,
                               .has_replicates = true,
                               .replicates = 1000};
  es_engine_shape(sc, &cfg, &shape);
  ES_CHECK_INT_EQ(shape.n_replicates, 1000);
  ES_CHECK_INT_EQ(shape.n_team, 1);
  ES_CHECK_INT_EQ(shape.n_batch, 2);
  ES_CHECK_INT_EQ(shape.n_istats, sc->n_statistics);
  struct es_resources r1000;
  es_resources_estimate(sc, &shape, 10.0 * MIB, &r1000);
  cfg.replicates = 2000;
  es_engine_shape(sc, &cfg, &shape);
  struct es_resources r2000;
  es_resources_estimate(sc, &shape, 10.0 * MIB, &r2000);
  const double per_replicate = 16.0 * 6 * 11 * 4 * 8.0;
  ES_CHECK_NEAR((r2000.results_bytes - r1000.results_bytes) / 1000.0,
                per_replicate + 4.0, 1e-6); /* + the replicate coordinate */
  ES_CHECK(r2000.memory_bytes > r1000.memory_bytes);
  ES_CHECK(r2000.output_bytes > r1000.output_bytes);

  /* More threads: more buffers in flight, the same results. */
  cfg.n_threads = 4;
  es_engine_shape(sc, &cfg, &shape);
  ES_CHECK_INT_EQ(shape.n_team, 4);
  ES_CHECK_INT_EQ(shape.n_batch, 8);
  struct es_resources r4;
  es_resources_estimate(sc, &shape, 10.0 * MIB, &r4);
  ES_CHECK_DOUBLE_EQ(r4.results_bytes, r2000.results_bytes);
  ES_CHECK(r4.buffers_bytes > 3.0 * r2000.buffers_bytes);

  /* A strategy selected: fewer school and indicator values. */
  const size_t one[1] = {2};
  cfg.n_selected = 1;
  cfg.selected = one;
  es_engine_shape(sc, &cfg, &shape);
  ES_CHECK_INT_EQ(shape.n_strategies, 1);
  struct es_resources r_one;
  es_resources_estimate(sc, &shape, 10.0 * MIB, &r_one);
  ES_CHECK(r_one.results_bytes < r4.results_bytes / 3.0);
  es_scenario_free(sc);
}

static void test_check(void) {
  struct es_scenario *sc = load_tiny();
  if (sc == NULL) {
    return;
  }
  struct es_error err;
  es_error_clear(&err);
  struct es_run_config cfg = {.n_threads = 1,
                              .has_mode = true,
                              .mode = ES_MODE_STOCHASTIC,
                              .has_replicates = true,
                              .replicates = 50};
  ES_CHECK_INT_EQ(es_engine_check(sc, &cfg, &err), ES_OK);
  const size_t bad[1] = {99};
  cfg.n_selected = 1;
  cfg.selected = bad;
  ES_CHECK_INT_EQ(es_engine_check(sc, &cfg, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "out of range");
  cfg.n_selected = 0;
  cfg.replicates = 0;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_engine_check(sc, &cfg, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "replicates must be at least 1");
  es_scenario_free(sc);
}

static void test_available(void) {
  struct es_resources_available avail;
  struct es_error err;
  es_error_clear(&err);
  setenv(ES_RESOURCES_ENV_MEMORY, "3G", /*overwrite=*/1);
  setenv(ES_RESOURCES_ENV_DISK, "700M", /*overwrite=*/1);
  ES_CHECK_INT_EQ(es_resources_available("nowhere/x.h5", &avail, &err), ES_OK);
  ES_CHECK(avail.has_memory && avail.has_disk);
  ES_CHECK_DOUBLE_EQ(avail.memory_bytes, 3.0 * 1024.0 * MIB);
  ES_CHECK_DOUBLE_EQ(avail.disk_bytes, 700.0 * MIB);
  ES_CHECK_STR_EQ(avail.memory_from, ES_RESOURCES_ENV_MEMORY);
  setenv(ES_RESOURCES_ENV_MEMORY, "plenty", /*overwrite=*/1);
  ES_CHECK_INT_EQ(es_resources_available("x.h5", &avail, &err), ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "'plenty' is not a size");
  setenv(ES_RESOURCES_ENV_MEMORY, "1G", /*overwrite=*/1);
  setenv(ES_RESOURCES_ENV_DISK, "9Z", /*overwrite=*/1);
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_resources_available("x.h5", &avail, &err), ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "EDUSIM_DISK_AVAILABLE");
  /* The machine's own figures: MemAvailable (Linux) and the free space of
   * the nearest existing folder. */
  unsetenv(ES_RESOURCES_ENV_MEMORY);
  unsetenv(ES_RESOURCES_ENV_DISK);
  ES_CHECK_INT_EQ(es_resources_available("no/such/folder/x.h5", &avail, &err),
                  ES_OK);
  ES_CHECK(avail.has_memory);
  ES_CHECK(avail.memory_bytes > es_resources_resident());
  ES_CHECK(avail.has_disk);
  ES_CHECK(avail.disk_bytes > 0.0);
  ES_CHECK_CONTAINS(avail.disk_from, "'.'");
  ES_CHECK(es_resources_resident() > 0.0);
}

int main(void) {
  test_parse_size();
  test_format();
  test_shape_and_estimate();
  test_check();
  test_available();
  return es_test_summary();
}
