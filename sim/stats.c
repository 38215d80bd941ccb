/* stats.c: statistics over replicates (MODEL 9).
 *
 * Welford's method keeps a running mean and sum of squared deviations, which
 * is numerically stable and, applied in replicate order, gives the same bits
 * for any thread count (STYLE 29). Indicator statistics use GSL on the
 * replicate values in replicate order (mean, sd) and on a sorted copy
 * (quantiles, linear interpolation, MODEL 9). */
#include "sim/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

bool es_stat_parse(const char *name, struct es_stat *stat) {
  if (strcmp(name, "mean") == 0) {
    *stat = (struct es_stat){.kind = ES_STAT_MEAN, .fraction = 0.0};
    return true;
  }
  if (strcmp(name, "sd") == 0) {
    *stat = (struct es_stat){.kind = ES_STAT_SD, .fraction = 0.0};
    return true;
  }
  /* pNN or pNN.N: two digits (or 100), optionally one decimal. */
  if (name[0] != 'p' || name[1] < '0' || name[1] > '9') {
    return false;
  }
  for (const char *c = name + 1; *c != '\0'; c++) {
    if ((*c < '0' || *c > '9') && *c != '.') {
      return false;
    }
  }
  char *end = NULL;
  errno = 0;
  double percent = strtod(name + 1, &end);
  if (errno != 0 || *end != '\0' || !(percent >= 0.0 && percent <= 100.0)) {
    return false;
  }
  *stat =
      (struct es_stat){.kind = ES_STAT_QUANTILE, .fraction = percent / 100.0};
  return true;
}

void es_welford_update(double *mean, double *m2, const double *x, size_t n,
                       size_t count) {
  if (count <= 1) {
    memcpy(mean, x, n * sizeof *mean);
    memset(m2, 0, n * sizeof *m2);
    return;
  }
  const double inv = 1.0 / (double)count;
  for (size_t i = 0; i < n; i++) {
    const double delta = x[i] - mean[i];
    mean[i] += delta * inv;
    m2[i] += delta * (x[i] - mean[i]);
  }
}

void es_welford_finish_sd(double *m2, size_t n, size_t count) {
  for (size_t i = 0; i < n; i++) {
    m2[i] = count >= 2 ? sqrt(fmax(0.0, m2[i]) / (double)(count - 1)) : NAN;
  }
}

void es_stats_exact(const double *values, size_t stride, size_t n,
                    const struct es_stat *stats, size_t n_stats,
                    double *scratch, double *out) {
  bool any_nan = n == 0;
  for (size_t i = 0; i < n; i++) {
    scratch[i] = values[i * stride];
    any_nan = any_nan || isnan(scratch[i]);
  }
  if (any_nan) {
    for (size_t q = 0; q < n_stats; q++) {
      out[q] = NAN;
    }
    return;
  }
  /* Mean and sd first, over the values in replicate order. */
  const double mean = gsl_stats_mean(scratch, 1, n);
  const double sd = n >= 2 ? gsl_stats_sd_m(scratch, 1, n, mean) : NAN;
  bool sorted = false;
  for (size_t q = 0; q < n_stats; q++) {
    switch (stats[q].kind) {
      case ES_STAT_MEAN:
        out[q] = mean;
        break;
      case ES_STAT_SD:
        out[q] = sd;
        break;
      case ES_STAT_QUANTILE:
        if (!sorted) {
          gsl_sort(scratch, 1, n);
          sorted = true;
        }
        out[q] = gsl_stats_quantile_from_sorted_data(scratch, 1, n,
                                                     stats[q].fraction);
        break;
    }
  }
}
