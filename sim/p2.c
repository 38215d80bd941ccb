/* p2.c: streaming P-square quantile estimates over replicates (MODEL 9).
 *
 * The P2 algorithm (R. Jain and I. Chlamtac, "The P^2 algorithm for dynamic
 * calculation of quantiles and histograms without storing observations",
 * CACM 28(10):1076-1085, 1985) keeps five markers per p-quantile: heights
 * q_0..q_4 at positions (ranks) n_0..n_4. The first five observations, sorted,
 * are the initial markers. Each later observation x
 *   B1: finds k with q_k <= x < q_k+1 (replacing q_0 or q_4 when x is a new
 *       extreme, so q_0 and q_4 are the exact minimum and maximum);
 *   B2: adds 1 to n_k+1..n_4, and the increments dn'_i = (0, p/2, p, (1+p)/2,
 *       1) to the desired positions n'_i (first n'_i = 1, 1+2p, 1+4p, 3+2p, 5);
 *   B3: for i = 1, 2, 3 in turn, when d = n'_i - n_i >= 1 and n_i+1 - n_i > 1,
 *       or d <= -1 and n_i-1 - n_i < -1, moves marker i by s = sign(d): its
 *       height by the parabolic (piecewise-quadratic) prediction
 *         q_i + s / (n_i+1 - n_i-1) * [(n_i - n_i-1 + s)(q_i+1 - q_i) /
 *         (n_i+1 - n_i) + (n_i+1 - n_i - s)(q_i - q_i-1) / (n_i - n_i-1)]
 *       when that lies strictly between q_i-1 and q_i+1, else by the linear
 *       q_i + s (q_i+s - q_i) / (n_i+s - n_i); and its position by s.
 * The formulas, their evaluation order and the marker order are those of GSL
 * 2.7 rstat/rquantile.c, so the estimates equal gsl_rstat_quantile_get's bit
 * for bit from the sixth observation on (tests/unit/test_p2.c checks it).
 *
 * Many cells share one observation count, so n_0 = 1, n_4 = count and the
 * desired positions n'_1..n'_3 (summed observation by observation, as GSL
 * does, to keep its rounding) are held once, not per cell: a (cell, quantile)
 * pair stores five heights and three positions. Two deliberate departures from
 * gsl_rstat_quantile_get: up to five observations the estimate is the exact
 * quantile (GSL returns an unsorted height when exactly five were added), and
 * p = 0 and p = 1 read the exact extremes q_0 and q_4 instead of q_2. */
#include "sim/p2.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include <gsl/gsl_statistics_double.h>

/* Index of the first height of a (cell, quantile) pair. */
static inline size_t pair_idx(const struct es_p2 *p2, size_t i_cell,
                              size_t i_quantile) {
  return i_cell * p2->n_quantiles + i_quantile;
}

int es_p2_init(struct es_p2 *p2, size_t n_cells, size_t n_quantiles,
               const double *probabilities, struct es_error *err) {
  int rc = ES_OK;
  *p2 = (struct es_p2){.n_cells = 0};
  for (size_t i = 0; i < n_quantiles; i++) {
    const double p = probabilities[i];
    if (!(p >= 0.0 && p <= 1.0)) {
      return ES_FAIL(err, ES_EINVAL,
                     "quantile probability %zu is %g (expected a value in "
                     "[0, 1])",
                     i, p);
    }
  }

  /* Bytes needed, checked for overflow before anything is allocated. */
  const size_t per_quantile_bytes = 7 * sizeof(double); /* p, n'_i, dn'_i */
  /* 64 bytes per (cell, quantile) and per quantile bound both parts. */
  if (n_quantiles != 0 && n_cells >= SIZE_MAX / 64 / n_quantiles) {
    return ES_FAIL(err, ES_ENOMEM,
                   "P2 quantile state for %zu cells x %zu quantiles needs more "
                   "than %zu bytes",
                   n_cells, n_quantiles, SIZE_MAX);
  }
  const size_t n_pairs = n_cells * n_quantiles;
  const size_t bytes = n_pairs * ES_P2_BYTES_PER_CELL_QUANTILE +
                       n_quantiles * per_quantile_bytes;

  if (n_quantiles > 0) {
    p2->probabilities = malloc(n_quantiles * sizeof(double));
    p2->desired = malloc(n_quantiles * 3 * sizeof(double));
    p2->increments = malloc(n_quantiles * 3 * sizeof(double));
  }
  if (n_pairs > 0) {
    /* Zeroed heights: a cell with no observation is not NaN-poisoned. */
    p2->heights = calloc(n_pairs * ES_P2_N_MARKERS, sizeof(double));
    p2->positions =
        malloc(n_pairs * ES_P2_N_STORED_POSITIONS * sizeof(uint32_t));
  }
  if ((n_quantiles > 0 && (p2->probabilities == NULL || p2->desired == NULL ||
                           p2->increments == NULL)) ||
      (n_pairs > 0 && (p2->heights == NULL || p2->positions == NULL))) {
    rc = ES_FAIL(err, ES_ENOMEM,
                 "P2 quantile state for %zu cells x %zu quantiles: cannot "
                 "allocate %zu bytes",
                 n_cells, n_quantiles, bytes);
    goto cleanup;
  }

  p2->n_cells = n_cells;
  p2->n_quantiles = n_quantiles;
  p2->n_observations = 0;
  for (size_t i = 0; i < n_quantiles; i++) {
    const double p = probabilities[i];
    p2->probabilities[i] = p;
    /* Initial desired positions and their increments, as written by GSL's
     * gsl_rstat_quantile_reset (the same expressions give the same bits). */
    p2->desired[3 * i + 0] = 1.0 + 2.0 * p;
    p2->desired[3 * i + 1] = 1.0 + 4.0 * p;
    p2->desired[3 * i + 2] = 3.0 + 2.0 * p;
    p2->increments[3 * i + 0] = 0.5 * p;
    p2->increments[3 * i + 1] = p;
    p2->increments[3 * i + 2] = 0.5 * (1.0 + p);
  }
  /* Markers 1..3 start at ranks 2, 3, 4 of the first five observations. */
  for (size_t i = 0; i < n_pairs; i++) {
    p2->positions[3 * i + 0] = 2;
    p2->positions[3 * i + 1] = 3;
    p2->positions[3 * i + 2] = 4;
  }

cleanup:
  if (rc != ES_OK) {
    es_p2_clear(p2);
  }
  return rc;
}

void es_p2_clear(struct es_p2 *p2) {
  if (p2 == NULL) {
    return;
  }
  free(p2->positions);
  free(p2->heights);
  free(p2->increments);
  free(p2->desired);
  free(p2->probabilities);
  *p2 = (struct es_p2){.n_cells = 0};
}

/* Insert x into the n sorted values of h (n < 5), keeping them sorted. */
static inline void insert_sorted(double *h, size_t n, const double x) {
  size_t j = n;
  while (j > 0 && h[j - 1] > x) {
    h[j] = h[j - 1];
    j--;
  }
  h[j] = x;
}

/* The parabolic prediction of marker height (GSL's calc_psq, same order). */
static inline double parabolic(const double qp1, const double q,
                               const double qm1, const double d,
                               const double np1, const double n,
                               const double nm1) {
  const double outer = d / (np1 - nm1);
  const double inner_left = (n - nm1 + d) * (qp1 - q) / (np1 - n);
  const double inner_right = (np1 - n - d) * (q - qm1) / (n - nm1);
  return q + outer * (inner_left + inner_right);
}

/* Steps B1-B3 for one (cell, quantile) pair and a finite x; n_before is the
 * observation count before x (>= 5), desired the already advanced n'_1..n'_3.
 */
static inline void p2_step(double *h, uint32_t *pos, const double *desired,
                           const uint32_t n_before, const double x) {
  uint32_t n[ES_P2_N_MARKERS] = {1, pos[0], pos[1], pos[2], n_before};

  /* B1: the cell k with q_k <= x < q_k+1; new extremes replace q_0 or q_4.
   * Heights are sorted, so the first k with x < q_k+1 is GSL's k. */
  size_t k = 0;
  if (x < h[0]) {
    h[0] = x;
  } else if (x >= h[4]) {
    h[4] = x;
    k = 3;
  } else {
    while (k < 3 && !(x < h[k + 1])) {
      k++;
    }
  }

  /* B2: markers above x move up one rank. */
  for (size_t i = k + 1; i < ES_P2_N_MARKERS; i++) {
    n[i]++;
  }

  /* B3: adjust markers 1..3, in order, when off their desired rank by at
   * least one and the neighbour on that side is more than one rank away. */
  for (size_t i = 1; i <= 3; i++) {
    const double ni = (double)n[i];
    const double d = desired[i - 1] - ni;
    if ((d >= 1.0 && n[i + 1] - n[i] > 1) ||
        (d <= -1.0 && n[i] - n[i - 1] > 1)) {
      const bool up = d > 0.0;
      const double s = up ? 1.0 : -1.0;
      const size_t j = up ? i + 1 : i - 1; /* the neighbour moved towards */
      const double qp1 = h[i + 1];
      const double qi = h[i];
      const double qm1 = h[i - 1];
      const double qp =
          parabolic(qp1, qi, qm1, s, (double)n[i + 1], ni, (double)n[i - 1]);
      if (qm1 < qp && qp < qp1) {
        h[i] = qp;
      } else {
        h[i] += s * (h[j] - qi) / ((double)n[j] - ni);
      }
      n[i] = up ? n[i] + 1 : n[i] - 1;
    }
  }

  pos[0] = n[1];
  pos[1] = n[2];
  pos[2] = n[3];
}

void es_p2_add(struct es_p2 *p2, const double *x) {
  const size_t n_before = p2->n_observations;
  const size_t n_quantiles = p2->n_quantiles;
  /* Positions are uint32_t; the count after this add must fit. */
  ES_ASSERT(n_before < UINT32_MAX);

  if (n_before >= ES_P2_N_MARKERS) {
    /* B2, desired positions: shared by every cell, summed as GSL does. */
    for (size_t i = 0; i < 3 * n_quantiles; i++) {
      p2->desired[i] += p2->increments[i];
    }
  }

  for (size_t i_cell = 0; i_cell < p2->n_cells; i_cell++) {
    const double xc = x[i_cell];
    for (size_t i_quantile = 0; i_quantile < n_quantiles; i_quantile++) {
      const size_t pair = pair_idx(p2, i_cell, i_quantile);
      double *h = p2->heights + ES_P2_N_MARKERS * pair;
      if (!isfinite(xc) || isnan(h[0])) {
        /* An undefined value poisons the cell for good (MODEL 9): every
         * height NaN, so every later estimate is NaN. */
        for (size_t m = 0; m < ES_P2_N_MARKERS; m++) {
          h[m] = NAN;
        }
      } else if (n_before < ES_P2_N_MARKERS) {
        insert_sorted(h, n_before, xc);
      } else {
        p2_step(h, p2->positions + ES_P2_N_STORED_POSITIONS * pair,
                p2->desired + 3 * i_quantile, (uint32_t)n_before, xc);
      }
    }
  }
  p2->n_observations = n_before + 1;
}

void es_p2_get(const struct es_p2 *p2, size_t i_quantile, double *out) {
  ES_ASSERT(i_quantile < p2->n_quantiles);
  const size_t n_obs = p2->n_observations;
  const double p = p2->probabilities[i_quantile];
  /* q_0 and q_4 are the exact extremes; q_2 estimates any other p. */
  const size_t marker = p == 0.0 ? 0 : (p == 1.0 ? 4 : 2);
  for (size_t i_cell = 0; i_cell < p2->n_cells; i_cell++) {
    const double *h =
        p2->heights + ES_P2_N_MARKERS * pair_idx(p2, i_cell, i_quantile);
    if (n_obs == 0) {
      out[i_cell] = NAN;
    } else if (n_obs <= ES_P2_N_MARKERS) {
      /* Still every observation, sorted: the exact quantile (MODEL 9). */
      out[i_cell] = gsl_stats_quantile_from_sorted_data(h, 1, n_obs, p);
    } else {
      out[i_cell] = h[marker];
    }
  }
}
