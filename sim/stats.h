/* stats.h: statistics over replicates (MODEL 9).
 *
 * Region-level cells get their mean and standard deviation by Welford's
 * update, applied replicate by replicate in replicate order, so the result
 * does not depend on how replicates were spread over threads. System
 * indicators keep every replicate's value; their statistics (mean, sd and
 * quantiles with the linear interpolation of
 * gsl_stats_quantile_from_sorted_data) are exact. */
#ifndef ES_SIM_STATS_H
#define ES_SIM_STATS_H

#include <stdbool.h>
#include <stddef.h>

/** What a statistic name asks for. */
enum es_stat_kind {
  ES_STAT_MEAN,     /* "mean" */
  ES_STAT_SD,       /* "sd": sample standard deviation (n - 1) */
  ES_STAT_QUANTILE, /* "pNN" or "pNN.N": the NN-th percentile */
};

/** A parsed statistic name. */
struct es_stat {
  enum es_stat_kind kind;
  double fraction; /* quantiles: NN / 100, in [0, 1] */
};

/** @brief Parse "mean", "sd", "p05", "p50", "p97.5", "p100"; false when
 * @p name is none of these. */
bool es_stat_parse(const char *name, struct es_stat *stat);

/**
 * @brief Welford's update with replicate number @p count (1 for the first):
 * mean += (x - mean) / count; m2 += (x - mean_old) (x - mean_new), over
 * @p n cells. With count 1 it sets mean = x and m2 = 0.
 */
void es_welford_update(double *mean, double *m2, const double *x, size_t n,
                       size_t count);

/** @brief Turn m2 into the sample standard deviation sqrt(m2 / (count - 1))
 * in place; NaN when count < 2. */
void es_welford_finish_sd(double *m2, size_t n, size_t count);

/**
 * @brief Statistics of @p n values (read with @p stride), exactly: mean and sd
 * over the values in order, quantiles from a sorted copy. Any NaN value makes
 * every statistic NaN (an indicator undefined in some replicate).
 * @param scratch  [n] work space
 * @param out      [n_stats] results, out[i] for stats[i]
 */
void es_stats_exact(const double *values, size_t stride, size_t n,
                    const struct es_stat *stats, size_t n_stats,
                    double *scratch, double *out);

#endif /* ES_SIM_STATS_H */
