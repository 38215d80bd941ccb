/* engine.c: one run of a scenario (DESIGN "Data flow", MODEL 1-9).
 *
 * Year t0 records the observed baseline; for t > t0 the population steps from
 * t-1 to t (MODEL 1, 3), then every strategy runs its supply step (MODEL 5) on
 * that same population and its records and indicators are kept (MODEL 7).
 *
 * Look-ahead. The forecast basis (MODEL 5.1) and the early warning (MODEL 8)
 * need the students expected h years ahead "from the deterministic projection
 * started from the current state". In deterministic mode the step is a pure
 * function of the state and the year, so that projection is the trajectory
 * itself: the engine projects H years past t1 and reads year t+h from it. In
 * stochastic mode each replicate projects its own current state h = 1..H
 * years deterministically every year.
 *
 * Replicates (MODEL 9). Replicate i draws its demography from a generator
 * seeded from (seed, i) and the supply of strategy s from one seeded from
 * (seed, i, hash of s's name): the population of a replicate is shared by
 * every strategy (common random numbers), and adding a strategy changes no
 * other strategy's numbers. Replicates run in parallel in batches; each thread
 * owns a workspace allocated once, writes into a buffer of its own, and the
 * buffers are merged serially in replicate order (Welford for region cells,
 * every value kept for system indicators), so the results are the same bit
 * for bit for any thread count and any batch size (STYLE 26-29).
 *
 * Deterministic mode is one replicate without draws; its region phases and
 * its strategies run in parallel instead. */
#include "sim/engine.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "sim/engine_impl.h"

/* Deterministic mode: the projection with its region phases on n_threads,
 * then every strategy, one per thread at a time. */
static int run_deterministic(const struct es_engine_plan *pl,
                             struct es_engine_ws *tws, size_t n_team,
                             size_t n_threads, struct es_engine_buf *buf,
                             struct es_error *err) {
  es__engine_project_deterministic(pl, &tws[0], buf, n_threads);
  if (es__engine_stop_requested(pl)) {
    return ES_FAIL(err, ES_EINTERRUPTED, "%s", "interrupted");
  }
  struct es_error *errors = calloc(pl->n_strategies, sizeof *errors);
  int *status = calloc(pl->n_strategies, sizeof *status);
  if (errors == NULL || status == NULL) {
    free(errors);
    free(status);
    return ES_FAIL(err, ES_ENOMEM, "%s", "strategies");
  }
  const size_t n_strategies = pl->n_strategies;
#pragma omp parallel for default(none) schedule(dynamic, 1) \
    num_threads((int)n_team)                                \
        shared(pl, tws, buf, errors, status, n_strategies)
  for (size_t j = 0; j < n_strategies; j++) {
    struct es_engine_ws *tw = &tws[omp_get_thread_num()];
    es_error_clear(&errors[j]);
    status[j] =
        es__engine_run_strategy(pl, j, tw, buf, /*rng=*/NULL, &errors[j]);
  }
  int rc = ES_OK;
  for (size_t j = 0; j < pl->n_strategies; j++) {
    if (status[j] != ES_OK) { /* STYLE 28: the first in order is reported */
      rc = status[j];
      if (err != NULL) {
        *err = errors[j];
      }
      break;
    }
  }
  free(status);
  free(errors);
  return rc;
}

/* Stochastic mode: batches of replicates in parallel, merged in order. */
static int run_stochastic(const struct es_engine_plan *pl,
                          struct es_engine_ws *tws, size_t n_team,
                          struct es_engine_acc *acc, double *const *indicator,
                          const struct es_run_config *cfg,
                          struct es_error *err) {
  const size_t n_batch = n_team * REPLICATES_PER_THREAD;
  struct es_engine_buf *bufs = calloc(n_batch, sizeof *bufs);
  struct es_error *errors = calloc(n_batch, sizeof *errors);
  int *status = calloc(n_batch, sizeof *status);
  int rc = ES_OK;
  if (bufs == NULL || errors == NULL || status == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "replicate buffers");
    goto cleanup;
  }
  for (size_t b = 0; b < n_batch && rc == ES_OK; b++) {
    rc = es__engine_buf_alloc(&bufs[b], pl, err);
  }
  for (size_t first = 0; rc == ES_OK && first < pl->n_replicates;
       first += n_batch) {
    if (es__engine_stop_requested(pl)) {
      rc = ES_FAIL(err, ES_EINTERRUPTED,
                   "interrupted after %zu of %zu "
                   "replicates",
                   first, pl->n_replicates);
      break;
    }
    const size_t n_now =
        pl->n_replicates - first < n_batch ? pl->n_replicates - first : n_batch;
    /* No early exit: every replicate of the batch runs (STYLE 28). */
#pragma omp parallel for default(none) schedule(dynamic, 1) \
    num_threads((int)n_team)                                \
        shared(pl, tws, bufs, errors, status, first, n_now)
    for (size_t b = 0; b < n_now; b++) {
      struct es_engine_ws *tw = &tws[omp_get_thread_num()];
      es_error_clear(&errors[b]);
      status[b] =
          es__engine_run_replicate(pl, first + b, tw, &bufs[b], &errors[b]);
    }
    for (size_t b = 0; b < n_now; b++) {
      if (status[b] != ES_OK) {
        rc = status[b];
        if (err != NULL) {
          *err = errors[b];
        }
        break;
      }
      es__engine_acc_merge(pl, acc, &bufs[b], first + b);
    }
    if (rc == ES_OK && cfg->progress != NULL) {
      cfg->progress(cfg->progress_data, first + n_now, pl->n_replicates);
    }
  }
  if (rc == ES_OK) {
    rc = es__engine_acc_finish(pl, acc, indicator, err);
  }
cleanup:
  for (size_t b = 0; bufs != NULL && b < n_batch; b++) {
    es__engine_buf_clear(&bufs[b]);
  }
  free(bufs);
  free(errors);
  free(status);
  return rc;
}

void es_engine_shape(const struct es_scenario *sc,
                     const struct es_run_config *cfg,
                     struct es_engine_shape *shape) {
  memset(shape, 0, sizeof *shape);
  const bool stochastic =
      (cfg->has_mode ? cfg->mode : sc->mode) == ES_MODE_STOCHASTIC;
  shape->mode = stochastic ? ES_MODE_STOCHASTIC : ES_MODE_DETERMINISTIC;
  shape->n_replicates =
      stochastic
          ? (size_t)(cfg->has_replicates ? cfg->replicates : sc->replicates)
          : 1;
  shape->n_strategies =
      cfg->n_selected > 0 ? cfg->n_selected : sc->n_strategies;
  shape->n_years = es_scenario_n_years(sc);
  shape->n_ahead = es__engine_lookahead_years(sc);
  shape->n_regions = sc->regions.n_regions;
  shape->n_ages = es_scenario_n_ages(sc);
  shape->n_stages = sc->n_stages;
  if (stochastic) {
    shape->n_istats = sc->n_statistics;
    for (size_t q = 0; sc->region_quantiles && q < sc->n_statistics; q++) {
      struct es_stat st;
      if (es_stat_parse(sc->statistics[q], &st) &&
          st.kind == ES_STAT_QUANTILE) {
        shape->n_rquantiles++;
      }
    }
  }
  const size_t n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;
  const size_t n_units = stochastic ? shape->n_replicates : shape->n_strategies;
  shape->n_team = n_threads < n_units ? n_threads : n_units;
  if (shape->n_team == 0) {
    shape->n_team = 1;
  }
  shape->n_batch = stochastic ? shape->n_team * REPLICATES_PER_THREAD : 0;
}

int es_engine_check(const struct es_scenario *sc,
                    const struct es_run_config *cfg, struct es_error *err) {
  struct es_engine_plan pl;
  size_t *all_strategies = calloc(sc->n_strategies > 0 ? sc->n_strategies : 1,
                                  sizeof *all_strategies);
  if (all_strategies == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "run plan");
  }
  int rc = es__engine_plan_init(&pl, sc, cfg, all_strategies, err);
  es__engine_plan_clear(&pl);
  free(all_strategies);
  return rc;
}

int es_engine_run(const struct es_scenario *sc, const struct es_run_config *cfg,
                  struct es_results *res, struct es_error *err) {
  int rc = ES_OK;
  struct es_engine_plan pl;
  struct es_engine_buf det_buf;
  struct es_engine_acc acc;
  double *indicator[IV_COUNT];
  struct es_engine_ws *tws = NULL;
  size_t n_team = 0;
  size_t *all_strategies = calloc(sc->n_strategies, sizeof *all_strategies);
  memset(&det_buf, 0, sizeof det_buf);
  memset(&acc, 0, sizeof acc);
  if (all_strategies == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "run plan");
  }
  rc = es__engine_plan_init(&pl, sc, cfg, all_strategies, err);
  if (rc == ES_OK) {
    rc = es__engine_fill_coordinates(&pl, res, err);
  }
  if (rc == ES_OK) {
    rc = es__engine_fill_provenance(&pl, cfg, res, err);
  }
  if (rc == ES_OK) {
    rc = es__engine_add_variables(&pl, res, &det_buf, &acc, indicator, err);
  }
  if (rc == ES_OK && pl.mode == ES_MODE_STOCHASTIC) {
    rc = es__engine_acc_init_p2(&pl, &acc, err);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }

  const size_t n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;
  const size_t n_units =
      pl.mode == ES_MODE_STOCHASTIC ? pl.n_replicates : pl.n_strategies;
  n_team = n_threads < n_units ? n_threads : n_units;
  if (n_team == 0) {
    n_team = 1;
  }
  tws = calloc(n_team, sizeof *tws);
  if (tws == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "thread workspaces");
    goto cleanup;
  }
  for (size_t t = 0; t < n_team; t++) {
    rc = es__engine_ws_init(&tws[t], &pl, err);
    if (rc != ES_OK) {
      n_team = t; /* only those initialised are cleared */
      goto cleanup;
    }
  }
  if (pl.mode == ES_MODE_DETERMINISTIC) {
    rc = run_deterministic(&pl, tws, n_team, n_threads, &det_buf, err);
    if (rc == ES_OK && cfg->progress != NULL) {
      cfg->progress(cfg->progress_data, 1, 1);
    }
  } else {
    rc = run_stochastic(&pl, tws, n_team, &acc, indicator, cfg, err);
  }

cleanup:
  for (size_t t = 0; tws != NULL && t < n_team; t++) {
    es__engine_ws_clear(&tws[t]);
  }
  free(tws);
  free(det_buf.expected);
  es__engine_acc_clear(&acc);
  es__engine_plan_clear(&pl);
  free(all_strategies);
  return rc;
}
