/* engine_replicate.c: one replicate, year by year (MODEL 1-8). The
 * population steps from t-1 to t (MODEL 3; in deterministic mode its region
 * phases run on several threads), its stocks and demand are recorded (MODEL
 * 2, 4) with the students expected h years ahead for the forecast basis and
 * the early warning (MODEL 5.1, 8), then every strategy runs its supply step
 * on that same population (MODEL 5) and its records and indicators are kept
 * (MODEL 7). A replicate allocates nothing: all it needs is in its thread's
 * workspace and its buffer. */
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "models/demand.h"
#include "models/strategy.h"
#include "sim/engine_impl.h"

/* ---- population ---------------------------------------------------------- */

/* One deterministic step t-1 -> t (MODEL 3), region phases over threads. */
static void step_deterministic(const struct es_population_params *pp,
                               struct es_population *p, int year_to,
                               struct es_population_ws *ws, size_t n_threads) {
  const size_t n = pp->n_regions;
  if (n_threads <= 1 || n < 2 * MIN_REGIONS_PER_THREAD) {
    int rc = es_population_step(pp, p, year_to, ws, /*rng=*/NULL);
    ES_ASSERT(rc == ES_OK);
    return;
  }
  size_t n_used = n / MIN_REGIONS_PER_THREAD;
  if (n_used > n_threads) {
    n_used = n_threads;
  }
  const size_t n_chunks = n_used * CHUNKS_PER_THREAD;
#pragma omp parallel num_threads((int)n_used) default(none) \
    shared(pp, p, ws, n, n_chunks, year_to)
  {
#pragma omp for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
      es_population_phase_leave(pp, p, ws, c * n / n_chunks,
                                (c + 1) * n / n_chunks);
    }
#pragma omp single
    es_population_phase_pool(pp, p, ws);
#pragma omp for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
      es_population_phase_arrive(pp, p, ws, c * n / n_chunks,
                                 (c + 1) * n / n_chunks);
    }
#pragma omp single
    es_population_phase_registration(pp, p, ws, year_to);
#pragma omp for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
      es_population_phase_births(pp, p, ws, c * n / n_chunks,
                                 (c + 1) * n / n_chunks, year_to);
    }
  }
}

/* Record the stocks and demand of year index y (MODEL 2, 4). */
static void record_population(const struct es_engine_plan *pl,
                              const struct es_population *p, size_t y,
                              struct es_engine_buf *buf, double *students) {
  const size_t n_pop = pl->n_pop;
  memcpy(buf->pop[POP_LOCAL] + y * n_pop, p->local, n_pop * sizeof(double));
  memcpy(buf->pop[POP_MIGRANT] + y * n_pop, p->migrant, n_pop * sizeof(double));
  memcpy(buf->pop[POP_AWAY] + y * n_pop, p->away, n_pop * sizeof(double));
  es_demand_compute(p, pl->sc->stages, pl->n_stages, students,
                    buf->registered + y * pl->n_cells);
  memcpy(buf->students + y * pl->n_cells, students,
         pl->n_cells * sizeof(double));
}

/* The early warning of every year (MODEL 8). */
static void record_warnings(const struct es_engine_plan *pl,
                            struct es_engine_buf *buf) {
  const struct es_warning_params *wp = &pl->sc->warning;
  const size_t w = (size_t)wp->horizon_years;
  for (size_t y = 0; y < pl->n_years; y++) {
    const double *now = es__engine_expected_at(pl, buf, y, 0);
    const double *ahead = es__engine_expected_at(pl, buf, y, w);
    for (size_t i = 0; i < pl->n_cells; i++) {
      buf->warning[y * pl->n_cells + i] =
          (double)es_warning_flag(wp, now[i], ahead[i]);
    }
  }
}

/* Deterministic mode: the trajectory, H years past t1 (see the top). */
void es__engine_project_deterministic(const struct es_engine_plan *pl,
                                      struct es_engine_ws *tw,
                                      struct es_engine_buf *buf,
                                      size_t n_threads) {
  const struct es_scenario *sc = pl->sc;
  es_population_copy(&tw->pop, &pl->pop0);
  for (size_t y = 0; y < pl->n_years + pl->n_ahead; y++) {
    if (es__engine_stop_requested(pl)) {
      return; /* the caller sees the stop and reports it */
    }
    if (y > 0) {
      step_deterministic(&sc->population_params, &tw->pop,
                         sc->year_start + (int)y, tw->pws, n_threads);
    }
    double *students = buf->expected + y * pl->n_cells;
    if (y < pl->n_years) {
      record_population(pl, &tw->pop, y, buf, students);
    } else {
      es_demand_compute(&tw->pop, sc->stages, pl->n_stages, students, NULL);
    }
  }
  record_warnings(pl, buf);
}

/* Stochastic mode: one replicate's draws, and every year a deterministic
 * look-ahead from its current state. */
static int project_stochastic(const struct es_engine_plan *pl,
                              struct es_engine_ws *tw,
                              struct es_engine_buf *buf, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const struct es_population_params *pp = &sc->population_params;
  es_population_copy(&tw->pop, &pl->pop0);
  for (size_t y = 0; y < pl->n_years; y++) {
    const int year = sc->year_start + (int)y;
    if (es__engine_stop_requested(pl)) {
      return ES_FAIL(err, ES_EINTERRUPTED, "%s", "interrupted");
    }
    if (y > 0 &&
        es_population_step(pp, &tw->pop, year, tw->pws, tw->rng) != ES_OK) {
      *err = *es_population_ws_error(tw->pws);
      return err->code != ES_OK ? err->code : ES_EINTERNAL;
    }
    record_population(pl, &tw->pop, y, buf,
                      buf->expected + y * buf->expected_stride * pl->n_cells);
    if (pl->n_ahead > 0) {
      es_population_copy(&tw->scratch, &tw->pop);
      for (size_t h = 1; h <= pl->n_ahead; h++) {
        int rc = es_population_step(pp, &tw->scratch, year + (int)h, tw->pws,
                                    /*rng=*/NULL);
        ES_ASSERT(rc == ES_OK);
        es_demand_compute(
            &tw->scratch, sc->stages, pl->n_stages,
            buf->expected + (y * buf->expected_stride + h) * pl->n_cells, NULL);
      }
    }
  }
  record_warnings(pl, buf);
  return ES_OK;
}

/* ---- supply ----------------------------------------------------------------
 */

static void store_int(double *dst, const int64_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (double)src[i];
  }
}

/* Records of strategy j in year index y: MODEL 7. flows NULL = year t0. */
static int record_supply(const struct es_engine_plan *pl, size_t j, size_t y,
                         struct es_engine_ws *tw,
                         const struct es_supply_flows *flows,
                         struct es_engine_buf *buf, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const size_t n_cells = pl->n_cells;
  const size_t cell0 = (j * pl->n_years + y) * n_cells;
  const size_t stage0 = (j * pl->n_years + y) * pl->n_stages;
  const struct es_supply_state *state = &tw->state;

  store_int(buf->school[SV_TEACHERS] + cell0, state->teachers, n_cells);
  store_int(buf->school[SV_SEATS] + cell0, state->seats, n_cells);
  if (flows != NULL) {
    store_int(buf->school[SV_HIRES] + cell0, flows->hires, n_cells);
    store_int(buf->school[SV_TRANSFERS_IN] + cell0, flows->transfers_in,
              n_cells);
    store_int(buf->school[SV_TRANSFERS_OUT] + cell0, flows->transfers_out,
              n_cells);
    store_int(buf->school[SV_REASSIGNED] + cell0, flows->reassigned, n_cells);
    store_int(buf->school[SV_SEATS_BUILT] + cell0, flows->seats_built, n_cells);
    store_int(buf->school[SV_SEATS_CLOSED] + cell0, flows->seats_closed,
              n_cells);
  } else {
    /* MODEL 7: at t0 the flows are 0 (a reused buffer is cleared). */
    static const enum school_var flow_vars[] = {
        SV_HIRES,      SV_TRANSFERS_IN, SV_TRANSFERS_OUT,
        SV_REASSIGNED, SV_SEATS_BUILT,  SV_SEATS_CLOSED};
    for (size_t v = 0; v < sizeof flow_vars / sizeof flow_vars[0]; v++) {
      memset(buf->school[flow_vars[v]] + cell0, 0, n_cells * sizeof(double));
    }
  }

  const struct es_indicators_input input = {
      .n_regions = pl->n_regions,
      .n_stages = pl->n_stages,
      .students = es__engine_expected_at(pl, buf, y, 0),
      .teachers = state->teachers,
      .seats = state->seats,
      .hires = flows != NULL ? flows->hires : NULL,
      .transfers_in = flows != NULL ? flows->transfers_in : NULL,
      .seats_built = flows != NULL ? flows->seats_built : NULL,
      .seats_closed = flows != NULL ? flows->seats_closed : NULL,
      .group = pl->province,
      .n_groups = pl->n_provinces,
  };
  const struct es_indicators_records records = {
      .ptr = buf->school[SV_PTR] + cell0,
      .teacher_gap = buf->school[SV_TEACHER_GAP] + cell0,
      .unmet_seats = buf->school[SV_UNMET_SEATS] + cell0,
      .idle_seats = buf->school[SV_IDLE_SEATS] + cell0,
      .over_capacity = buf->school[SV_OVER_CAPACITY] + cell0,
      .over_standard = buf->school[SV_OVER_STANDARD] + cell0,
  };
  int rc = es_indicators_records(&input, sc->stages, &records, err);
  if (rc == ES_OK) {
    rc = es_indicators_system(&input, sc->stages, tw->ind, tw->iws, err);
  }
  if (rc != ES_OK) {
    return rc;
  }
  for (size_t k = 0; k < pl->n_stages; k++) {
    const struct es_indicators *v = &tw->ind[k];
    const double values[IV_COUNT] = {
        [IV_STUDENTS] = v->students,
        [IV_UNMET_SEATS] = v->unmet_seats,
        [IV_IDLE_SEATS] = v->idle_seats,
        [IV_UNMET_SHARE] = v->unmet_share,
        [IV_OVER_STANDARD_SHARE] = v->over_standard_share,
        [IV_GINI] = v->gini,
        [IV_THEIL] = v->theil,
        [IV_THEIL_BETWEEN] = v->theil_between,
        [IV_THEIL_WITHIN] = v->theil_within,
        [IV_TEACHERS] = v->teachers,
        [IV_SEATS] = v->seats,
        [IV_HIRES] = v->hires,
        [IV_TRANSFERS] = v->transfers,
        [IV_SEATS_BUILT] = v->seats_built,
        [IV_SEATS_CLOSED] = v->seats_closed,
        [IV_COST] = v->cost,
    };
    for (size_t i = 0; i < IV_COUNT; i++) {
      buf->indicator[i][stage0 + k] = values[i];
    }
  }
  return ES_OK;
}

/* Strategy j (output order) over every year of one replicate (MODEL 5, 7).
 * rng NULL: deterministic. Allocates nothing. */
int es__engine_run_strategy(const struct es_engine_plan *pl, size_t j,
                            struct es_engine_ws *tw, struct es_engine_buf *buf,
                            gsl_rng *rng, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const size_t i_strategy = pl->strategy[j];
  int rc = es_supply_state_copy(&tw->state, &pl->supply0, err);
  /* MODEL 1: t0 records the observed teachers and seats, no flows. */
  if (rc == ES_OK) {
    rc = record_supply(pl, j, 0, tw, NULL, buf, err);
  }
  for (size_t y = 1; rc == ES_OK && y < pl->n_years; y++) {
    const int year = sc->year_start + (int)y;
    if (es__engine_stop_requested(pl)) {
      return ES_FAIL(err, ES_EINTERRUPTED, "%s", "interrupted");
    }
    for (size_t h = 0; h <= pl->n_ahead; h++) {
      tw->expected[h] = es__engine_expected_at(pl, buf, y, h);
    }
    const struct es_strategy_context ctx = {
        .n_regions = pl->n_regions,
        .n_stages = pl->n_stages,
        .year = year,
        .students = tw->expected[0],
        .registered = buf->registered + y * pl->n_cells,
        .rank = sc->regions.rank,
        .teachers_t0 = sc->teachers,
        .seats_t0 = sc->seats,
        .n_horizons = pl->n_ahead + 1,
        .expected = tw->expected,
        .n_strategies = sc->n_strategies,
        .strategies = sc->strategies,
    };
    rc = es_strategy_weights(&ctx, i_strategy, tw->w_teachers, tw->w_seats,
                             tw->need_totals, err);
    if (rc == ES_OK) {
      rc = es_supply_step(&pl->params, year, ctx.students, tw->w_teachers,
                          tw->w_seats, tw->need_totals, &tw->state, &tw->flows,
                          tw->sws, rng, err);
    }
    if (rc == ES_OK) {
      rc = record_supply(pl, j, y, tw, &tw->flows, buf, err);
    }
  }
  if (rc != ES_OK && err != NULL &&
      strncmp(err->message, "strategy '", strlen("strategy '")) != 0) {
    es_error_prefix(err, "strategy '%s'", sc->strategies[i_strategy].name);
  }
  return rc;
}
/* One stochastic replicate, on one thread, into its own buffer. */
int es__engine_run_replicate(const struct es_engine_plan *pl, size_t i,
                             struct es_engine_ws *tw, struct es_engine_buf *buf,
                             struct es_error *err) {
  gsl_rng_set(tw->rng, es__engine_demography_seed(pl, i));
  int rc = project_stochastic(pl, tw, buf, err);
  for (size_t j = 0; rc == ES_OK && j < pl->n_strategies; j++) {
    gsl_rng_set(tw->rng_supply, es__engine_supply_seed(pl, i, j));
    rc = es__engine_run_strategy(pl, j, tw, buf, tw->rng_supply, err);
  }
  if (rc != ES_OK) {
    es_error_prefix(err, "replicate %zu", i);
  }
  return rc;
}
