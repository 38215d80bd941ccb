/* p2.h: streaming quantile estimates for many cells at once (MODEL 9).
 *
 * Region-level quantiles over replicates are estimated only on request, with
 * the P-square algorithm of Jain & Chlamtac (1985), the method behind GSL's
 * gsl_rstat_quantile: five markers per quantile follow the minimum, the
 * maximum, the p-quantile and two points between, so the state per cell is
 * fixed however many replicates are added. One struct es_p2 holds the state of
 * every (cell, quantile) pair in flat arrays; es_p2_add takes one replicate's
 * values for all cells, in replicate order, and allocates nothing. */
#ifndef ES_SIM_P2_H
#define ES_SIM_P2_H

#include <stddef.h>
#include <stdint.h>

#include "models/error.h"

/** Number of P2 markers per (cell, quantile). */
#define ES_P2_N_MARKERS 5

/** Number of marker positions stored per (cell, quantile): markers 1..3 (the
 * first marker is always at position 1 and the last at the observation
 * count). */
#define ES_P2_N_STORED_POSITIONS 3

/** Bytes of state per (cell, quantile): 5 heights (double) and 3 positions
 * (uint32_t); a cell with 3 quantiles takes 156 bytes. */
#define ES_P2_BYTES_PER_CELL_QUANTILE \
  (ES_P2_N_MARKERS * sizeof(double) + \
   ES_P2_N_STORED_POSITIONS * sizeof(uint32_t))

/**
 * P-square state of n_cells cells for n_quantiles probabilities. Transparent so
 * that it can be embedded (STYLE 9), but its fields are read and written only
 * by the functions below. Every cell sees the same observation count, so the
 * count and the desired marker positions are shared.
 */
struct es_p2 {
  size_t n_cells;        /* cells, each with its own stream of values */
  size_t n_quantiles;    /* probabilities estimated for every cell */
  size_t n_observations; /* values added so far to every cell (replicates) */
  double *probabilities; /* [n_quantiles] the p of each quantile, in [0, 1] */
  double *desired;       /* [n_quantiles][3] desired positions n'_1..n'_3 of
                            markers 1..3 (1-based ranks), shared by all cells */
  double *increments;    /* [n_quantiles][3] dn'_1..dn'_3 added to desired
                            per observation from the sixth on (ranks) */
  double *heights;       /* [n_cells][n_quantiles][5] marker heights q_0..q_4
                            (units of the values); while n_observations < 5,
                            the observations so far in increasing order */
  uint32_t *positions;   /* [n_cells][n_quantiles][3] actual positions
                            n_1..n_3 of markers 1..3 (1-based ranks) */
};

/**
 * @brief Set up @p p2 for @p n_cells cells and @p n_quantiles probabilities,
 * with no observation yet.
 *
 * Either count may be 0 (then nothing is allocated for the cells). On failure
 * @p p2 is left cleared: es_p2_clear may be called on it, and need not be.
 * @param p2             (out) the state to set up
 * @param n_cells        cells updated by each es_p2_add
 * @param n_quantiles    entries of @p probabilities
 * @param probabilities  [n_quantiles] (borrowed, copied) each in [0, 1];
 *                       0 and 1 give the exact minimum and maximum
 * @param err            (out) details on failure; may be NULL
 * @return ES_OK; ES_EINVAL when a probability is outside [0, 1] or NaN;
 *         ES_ENOMEM when the state cannot be allocated (the message gives
 *         the bytes needed).
 */
int es_p2_init(struct es_p2 *p2, size_t n_cells, size_t n_quantiles,
               const double *probabilities, struct es_error *err);

/** @brief Free what @p p2 owns and leave it empty. Accepts NULL and an
 * already cleared state. */
void es_p2_clear(struct es_p2 *p2);

/**
 * @brief Add one observation to every cell: one replicate's values, added in
 * replicate order (MODEL 9). O(n_cells * n_quantiles); allocates nothing.
 *
 * The first five observations are kept, sorted, as the algorithm starts from
 * them; from the sixth on each is folded into the markers with the updates of
 * gsl_rstat_quantile_add (GSL 2.7), so the estimates equal GSL's bit for bit.
 * A cell that receives a NaN, or an infinite value (which the P2 formulas
 * cannot interpolate), has NaN estimates for every quantile from then on: an
 * undefined value in one replicate leaves the quantile undefined.
 * At most UINT32_MAX observations may be added (checked by ES_ASSERT).
 * @param p2  the state (updated)
 * @param x   [n_cells] (borrowed) this replicate's value of each cell
 */
void es_p2_add(struct es_p2 *p2, const double *x);

/**
 * @brief Write the current estimate of quantile @p i_quantile for every cell.
 *
 * With at most five observations the estimate is exact: the quantile of the
 * observations with the linear interpolation of
 * gsl_stats_quantile_from_sorted_data. From six on it is the P2 middle marker
 * (as gsl_rstat_quantile_get), except that p = 0 and p = 1 give the first and
 * last markers, which are the exact minimum and maximum. NaN for a cell that
 * has seen a NaN or an infinite value, and for every cell before any
 * observation.
 * @param p2          the state
 * @param i_quantile  index into the probabilities given to es_p2_init
 *                    (ES_ASSERT: < n_quantiles)
 * @param out         [n_cells] (out) estimates, in the units of the values
 */
void es_p2_get(const struct es_p2 *p2, size_t i_quantile, double *out);

#endif /* ES_SIM_P2_H */
