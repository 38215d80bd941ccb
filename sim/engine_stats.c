/* engine_stats.c: the statistics over replicates (MODEL 9). Region-level
 * cells are folded in replicate order by Welford's update (mean and m2, then
 * sd) and, with region_quantiles, by P2 estimators; the system indicators of
 * every replicate are kept whole, so their statistics (mean, sd, quantiles)
 * are exact. The merge is serial and in replicate order, so the statistics
 * are the same bit for bit for any thread count (STYLE 26-29). */
#include <stdlib.h>
#include <string.h>

#include "sim/engine_impl.h"

/* The blocks of region-level cells, in a fixed order: the three stocks, the
 * three demand variables, then every school variable of every strategy. For
 * block b, its values in a replicate buffer and its first statistic slot in
 * the results (the mean; sd and quantiles follow, n cells apart). */
static size_t n_blocks(const struct es_engine_plan *pl) {
  return POP_COUNT + 3 + SV_COUNT * pl->n_strategies;
}

static void block_at(const struct es_engine_plan *pl,
                     const struct es_engine_acc *acc,
                     const struct es_engine_buf *buf, size_t b,
                     const double **src, double **dst, size_t *n) {
  const size_t n_pop = pl->n_years * pl->n_pop;
  const size_t n_dem = pl->n_years * pl->n_cells;
  if (b < POP_COUNT) {
    *src = buf != NULL ? buf->pop[b] : NULL;
    *dst = acc->pop[b];
    *n = n_pop;
    return;
  }
  b -= POP_COUNT;
  if (b < 3) {
    double *const dsts[3] = {acc->students, acc->registered, acc->warning};
    const double *const srcs[3] = {buf != NULL ? buf->students : NULL,
                                   buf != NULL ? buf->registered : NULL,
                                   buf != NULL ? buf->warning : NULL};
    *src = srcs[b];
    *dst = dsts[b];
    *n = n_dem;
    return;
  }
  b -= 3;
  const size_t v = b / pl->n_strategies;
  const size_t j = b % pl->n_strategies;
  *src = buf != NULL ? buf->school[v] + j * n_dem : NULL;
  *dst = acc->school[v] + j * acc->n_rstats * n_dem;
  *n = n_dem;
}

void es__engine_acc_clear(struct es_engine_acc *acc) {
  for (size_t b = 0; acc->p2 != NULL && b < acc->n_p2; b++) {
    es_p2_clear(&acc->p2[b]);
  }
  free(acc->p2);
  acc->p2 = NULL;
  acc->n_p2 = 0;
}

/* P2 estimators for the region quantiles (MODEL 9), when asked for. */
int es__engine_acc_init_p2(const struct es_engine_plan *pl,
                           struct es_engine_acc *acc, struct es_error *err) {
  if (pl->n_rquantiles == 0) {
    return ES_OK;
  }
  const size_t nb = n_blocks(pl);
  acc->p2 = calloc(nb, sizeof *acc->p2);
  if (acc->p2 == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "region quantiles");
  }
  acc->n_p2 = nb;
  for (size_t b = 0; b < nb; b++) {
    const double *src = NULL;
    double *dst = NULL;
    size_t n = 0;
    block_at(pl, acc, NULL, b, &src, &dst, &n);
    int rc = es_p2_init(&acc->p2[b], n, pl->n_rquantiles, pl->rquantile_p, err);
    if (rc != ES_OK) {
      es_error_prefix(err, "region_quantiles: true");
      return rc;
    }
  }
  return ES_OK;
}

/* Fold replicate i's buffer into the statistics (serial, replicate order). */
void es__engine_acc_merge(const struct es_engine_plan *pl,
                          struct es_engine_acc *acc,
                          const struct es_engine_buf *buf, size_t i) {
  const size_t count = i + 1;
  for (size_t b = 0; b < n_blocks(pl); b++) {
    const double *src = NULL;
    double *mean = NULL;
    size_t n = 0;
    block_at(pl, acc, buf, b, &src, &mean, &n);
    es_welford_update(mean, mean + n, src, n, count);
    if (acc->p2 != NULL) {
      es_p2_add(&acc->p2[b], src);
    }
  }
  const size_t n_ys = pl->n_years * pl->n_stages;
  for (size_t v = 0; v < IV_COUNT; v++) {
    for (size_t j = 0; j < pl->n_strategies; j++) {
      memcpy(acc->replicates[v] + (j * pl->n_replicates + i) * n_ys,
             buf->indicator[v] + j * n_ys, n_ys * sizeof(double));
    }
  }
}

/* After the last replicate: m2 -> sd, and the indicators' statistics. */
int es__engine_acc_finish(const struct es_engine_plan *pl,
                          struct es_engine_acc *acc, double *const *indicator,
                          struct es_error *err) {
  const size_t n = pl->n_replicates;
  for (size_t b = 0; b < n_blocks(pl); b++) {
    const double *src = NULL;
    double *mean = NULL;
    size_t n_cells = 0;
    block_at(pl, acc, NULL, b, &src, &mean, &n_cells);
    es_welford_finish_sd(mean + n_cells, n_cells, n);
    for (size_t q = 0; acc->p2 != NULL && q < pl->n_rquantiles; q++) {
      es_p2_get(&acc->p2[b], q, mean + (2 + q) * n_cells);
    }
  }
  double *scratch = malloc(n * sizeof *scratch);
  double *out = malloc(pl->n_istats * sizeof *out);
  if (scratch == NULL || out == NULL) {
    free(scratch);
    free(out);
    return ES_FAIL(err, ES_ENOMEM, "%s", "indicator statistics");
  }
  /* Every cell sorts its n replicates: with many replicates this is the
   * longest serial stretch of a run, so a stop is looked for at each cell. */
  const size_t n_ys = pl->n_years * pl->n_stages;
  int rc = ES_OK;
  for (size_t v = 0; rc == ES_OK && v < IV_COUNT; v++) {
    for (size_t j = 0; rc == ES_OK && j < pl->n_strategies; j++) {
      const double *reps = acc->replicates[v] + j * n * n_ys;
      for (size_t c = 0; c < n_ys; c++) {
        if (es__engine_stop_requested(pl)) {
          rc = ES_FAIL(err, ES_EINTERRUPTED, "%s",
                       "interrupted in the statistics");
          break;
        }
        es_stats_exact(reps + c, n_ys, n, pl->istats, pl->n_istats, scratch,
                       out);
        for (size_t q = 0; q < pl->n_istats; q++) {
          indicator[v][(j * pl->n_istats + q) * n_ys + c] = out[q];
        }
      }
    }
  }
  free(out);
  free(scratch);
  return rc;
}
