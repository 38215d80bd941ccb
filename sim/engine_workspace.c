/* engine_workspace.c: the memory of the replicates (STYLE 12). Each thread
 * owns one workspace, allocated once before the first replicate: its
 * population state, the look-ahead scratch, the models' workspaces, the
 * strategy weights and two generators (demography, supply). In stochastic
 * mode each replicate in flight writes into a buffer of its own, laid out
 * like the results with one statistic, which the merge then folds into the
 * statistics. */
#include <stdlib.h>
#include <string.h>

#include "models/rng.h"
#include "sim/engine_impl.h"

void es__engine_ws_clear(struct es_engine_ws *tw) {
  es_population_clear(&tw->pop);
  es_population_clear(&tw->scratch);
  es_population_ws_free(tw->pws);
  es_supply_state_clear(&tw->state);
  es_supply_flows_clear(&tw->flows);
  es_supply_ws_free(tw->sws);
  es_indicators_ws_free(tw->iws);
  free(tw->w_teachers);
  free(tw->w_seats);
  free(tw->need_totals);
  free(tw->ind);
  free(tw->expected);
  if (tw->rng != NULL) {
    gsl_rng_free(tw->rng);
  }
  if (tw->rng_supply != NULL) {
    gsl_rng_free(tw->rng_supply);
  }
  memset(tw, 0, sizeof *tw);
}

int es__engine_ws_init(struct es_engine_ws *tw, const struct es_engine_plan *pl,
                       struct es_error *err) {
  memset(tw, 0, sizeof *tw);
  const struct es_scenario *sc = pl->sc;
  int rc = es_population_init(&tw->pop, pl->n_regions, pl->n_ages, err);
  if (rc == ES_OK) {
    rc = es_population_init(&tw->scratch, pl->n_regions, pl->n_ages, err);
  }
  if (rc == ES_OK) {
    rc = es_supply_state_init(&tw->state, &pl->params, sc->teachers, sc->seats,
                              err);
  }
  if (rc == ES_OK) {
    rc = es_supply_flows_init(&tw->flows, &pl->params, err);
  }
  if (rc != ES_OK) {
    es__engine_ws_clear(tw);
    return rc;
  }
  tw->pws = es_population_ws_alloc(&sc->population_params, err);
  tw->sws = es_supply_ws_alloc(&pl->params, err);
  tw->iws = es_indicators_ws_alloc(pl->n_regions, pl->n_provinces, err);
  tw->w_teachers = malloc(pl->n_cells * sizeof *tw->w_teachers);
  tw->w_seats = malloc(pl->n_cells * sizeof *tw->w_seats);
  tw->need_totals = malloc(pl->n_stages * sizeof *tw->need_totals);
  tw->ind = malloc(pl->n_stages * sizeof *tw->ind);
  tw->expected = malloc((pl->n_ahead + 1) * sizeof *tw->expected);
  tw->rng = gsl_rng_alloc(es_rng_mt19937_64());
  tw->rng_supply = gsl_rng_alloc(es_rng_mt19937_64());
  if (!tw->pws || !tw->sws || !tw->iws || !tw->w_teachers || !tw->w_seats ||
      !tw->need_totals || !tw->ind || !tw->expected || !tw->rng ||
      !tw->rng_supply) {
    rc = err != NULL && err->code != ES_OK
             ? err->code
             : ES_FAIL(err, ES_ENOMEM, "%s", "thread workspace");
    es__engine_ws_clear(tw);
    return rc;
  }
  return ES_OK;
}

void es__engine_buf_clear(struct es_engine_buf *buf) {
  if (buf->owns) {
    for (size_t v = 0; v < POP_COUNT; v++) {
      free(buf->pop[v]);
    }
    free(buf->students);
    free(buf->registered);
    free(buf->warning);
    for (size_t v = 0; v < SV_COUNT; v++) {
      free(buf->school[v]);
    }
    for (size_t v = 0; v < IV_COUNT; v++) {
      free(buf->indicator[v]);
    }
  }
  free(buf->expected); /* always the buffer's own */
  memset(buf, 0, sizeof *buf);
}

/* A buffer of its own for one stochastic replicate. */
int es__engine_buf_alloc(struct es_engine_buf *buf,
                         const struct es_engine_plan *pl,
                         struct es_error *err) {
  memset(buf, 0, sizeof *buf);
  buf->owns = true;
  const size_t n_year_cells = pl->n_years * pl->n_cells;
  bool ok = true;
  for (size_t v = 0; v < POP_COUNT; v++) {
    buf->pop[v] = malloc(pl->n_years * pl->n_pop * sizeof(double));
    ok = ok && buf->pop[v] != NULL;
  }
  buf->students = malloc(n_year_cells * sizeof(double));
  buf->registered = malloc(n_year_cells * sizeof(double));
  buf->warning = malloc(n_year_cells * sizeof(double));
  buf->expected_stride = pl->n_ahead + 1;
  buf->expected =
      malloc(pl->n_years * buf->expected_stride * pl->n_cells * sizeof(double));
  ok = ok && buf->students && buf->registered && buf->warning && buf->expected;
  for (size_t v = 0; v < SV_COUNT; v++) {
    buf->school[v] = calloc(pl->n_strategies * n_year_cells, sizeof(double));
    ok = ok && buf->school[v] != NULL;
  }
  for (size_t v = 0; v < IV_COUNT; v++) {
    buf->indicator[v] =
        calloc(pl->n_strategies * pl->n_years * pl->n_stages, sizeof(double));
    ok = ok && buf->indicator[v] != NULL;
  }
  if (!ok) {
    es__engine_buf_clear(buf);
    return ES_FAIL(err, ES_ENOMEM, "%s", "replicate buffer");
  }
  return ES_OK;
}
