/* test_stats.c: statistics over replicates (MODEL 9): statistic names,
 * Welford's mean and sd against two-pass formulas, exact indicator
 * statistics against hand values and GSL's quantile definition. */
#include <math.h>
#include <stdlib.h>

#include "es_test.h"
#include "sim/stats.h"

static void test_parse(void) {
  struct es_stat st;
  ES_CHECK(es_stat_parse("mean", &st) && st.kind == ES_STAT_MEAN);
  ES_CHECK(es_stat_parse("sd", &st) && st.kind == ES_STAT_SD);
  ES_CHECK(es_stat_parse("p05", &st) && st.kind == ES_STAT_QUANTILE);
  ES_CHECK_DOUBLE_EQ(st.fraction, 0.05);
  ES_CHECK(es_stat_parse("p97.5", &st));
  ES_CHECK_NEAR(st.fraction, 0.975, 1e-15);
  ES_CHECK(es_stat_parse("p100", &st));
  ES_CHECK_DOUBLE_EQ(st.fraction, 1.0);
  ES_CHECK(es_stat_parse("p0", &st));
  ES_CHECK_DOUBLE_EQ(st.fraction, 0.0);
  ES_CHECK(!es_stat_parse("p101", &st));
  ES_CHECK(!es_stat_parse("median", &st));
  ES_CHECK(!es_stat_parse("p", &st));
  ES_CHECK(!es_stat_parse("p-5", &st));
  ES_CHECK(!es_stat_parse("p5x", &st));
  ES_CHECK(!es_stat_parse("P50", &st));
}

/* Welford over replicates equals the two-pass mean and sample sd. */
static void test_welford(void) {
  enum { N_CELLS = 3, N_REPS = 7 };
  /* cell 0: 2.385 k^2; cell 1: constant; cell 2: alternating sign */
  double mean[N_CELLS], m2[N_CELLS];
  double x[N_REPS][N_CELLS];
  for (size_t k = 0; k < N_REPS; k++) {
    x[k][0] = 2.385 * (double)(k * k);
    x[k][1] = 17.25;
    x[k][2] = (k % 2 == 0 ? 1.0 : -1.0) * (1e6 + (double)k);
  }
  for (size_t k = 0; k < N_REPS; k++) {
    es_welford_update(mean, m2, x[k], N_CELLS, k + 1);
  }
  es_welford_finish_sd(m2, N_CELLS, N_REPS);
  for (size_t c = 0; c < N_CELLS; c++) {
    double sum = 0.0;
    for (size_t k = 0; k < N_REPS; k++) {
      sum += x[k][c];
    }
    const double mu = sum / N_REPS;
    double ss = 0.0;
    for (size_t k = 0; k < N_REPS; k++) {
      ss += (x[k][c] - mu) * (x[k][c] - mu);
    }
    ES_CHECK_NEAR(mean[c], mu, 1e-9 * fabs(mu) + 1e-12);
    ES_CHECK_NEAR(m2[c], sqrt(ss / (N_REPS - 1)), 1e-9 * sqrt(ss) + 1e-12);
  }
  ES_CHECK_DOUBLE_EQ(m2[1], 0.0); /* a constant has sd 0 exactly */

  /* One replicate: the mean is the value, the sd undefined (NaN). */
  double one = 4.5, m1 = 0.0, s1 = 99.0;
  es_welford_update(&m1, &s1, &one, 1, 1);
  ES_CHECK_DOUBLE_EQ(m1, 4.5);
  es_welford_finish_sd(&s1, 1, 1);
  ES_CHECK(isnan(s1));

  /* NaN in one replicate makes the cell NaN (documented). */
  double a = 1.0, b = NAN, mm = 0.0, mq = 0.0;
  es_welford_update(&mm, &mq, &a, 1, 1);
  es_welford_update(&mm, &mq, &b, 1, 2);
  ES_CHECK(isnan(mm));
}

static void test_exact(void) {
  const struct es_stat stats[] = {
      {ES_STAT_MEAN, 0.0},      {ES_STAT_SD, 0.0},
      {ES_STAT_QUANTILE, 0.0},  {ES_STAT_QUANTILE, 0.5},
      {ES_STAT_QUANTILE, 0.25}, {ES_STAT_QUANTILE, 1.0}};
  /* Values 4, 1, 3, 2, 10 read with stride 2 from an interleaved array. */
  const double values[] = {4, -1, 1, -1, 3, -1, 2, -1, 10, -1};
  double scratch[5], out[6];
  es_stats_exact(values, 2, 5, stats, 6, scratch, out);
  /* mean = 20/5 = 4; deviations 0,-3,-1,-2,6: ss = 50, sd = sqrt(50/4) */
  ES_CHECK_NEAR(out[0], 4.0, 1e-15);
  ES_CHECK_NEAR(out[1], sqrt(12.5), 1e-14);
  /* sorted 1 2 3 4 10: min 1, median 3, p25 at index 1 -> 2, max 10 */
  ES_CHECK_DOUBLE_EQ(out[2], 1.0);
  ES_CHECK_DOUBLE_EQ(out[3], 3.0);
  ES_CHECK_DOUBLE_EQ(out[4], 2.0);
  ES_CHECK_DOUBLE_EQ(out[5], 10.0);

  /* Linear interpolation (gsl_stats_quantile_from_sorted_data): p = 0.1 of
   * 1 2 3 4 10 lies at index 0.4: 1 + 0.4 (2 - 1) = 1.4. */
  const struct es_stat p10 = {ES_STAT_QUANTILE, 0.1};
  es_stats_exact(values, 2, 5, &p10, 1, scratch, out);
  ES_CHECK_NEAR(out[0], 1.4, 1e-15);

  /* The input is left as it was (quantiles sort a copy). */
  ES_CHECK_DOUBLE_EQ(values[0], 4.0);
  ES_CHECK_DOUBLE_EQ(values[8], 10.0);

  /* A NaN replicate: every statistic NaN. */
  const double with_nan[] = {1.0, NAN, 3.0};
  es_stats_exact(with_nan, 1, 3, stats, 6, scratch, out);
  for (size_t q = 0; q < 6; q++) {
    ES_CHECK(isnan(out[q]));
  }
  /* One value: mean and quantiles are it, sd is NaN. */
  const double single = 7.75;
  es_stats_exact(&single, 1, 1, stats, 6, scratch, out);
  ES_CHECK_DOUBLE_EQ(out[0], 7.75);
  ES_CHECK(isnan(out[1]));
  ES_CHECK_DOUBLE_EQ(out[3], 7.75);
}

int main(void) {
  test_parse();
  test_welford();
  test_exact();
  return es_test_summary();
}
