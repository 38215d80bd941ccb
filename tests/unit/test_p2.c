/* test_p2.c: streaming P2 quantile estimates of region-level cells (MODEL 9).
 *
 * The reference is GSL 2.7's own P2 code (gsl_rstat_quantile), fed the same
 * streams one workspace per (cell, probability): the estimates must agree bit
 * for bit. Also: hand-worked P2 steps, exact quantiles up to five
 * observations, exact minimum and maximum for p = 0 and 1, accuracy against
 * exact quantiles on long streams, determinism, NaN poisoning, error paths,
 * and that es_p2_add allocates nothing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_rstat.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "es_test.h"
#include "sim/p2.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* Under AddressSanitizer, let a huge allocation return NULL (the ES_ENOMEM
 * test) instead of aborting the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "allocator_may_return_null=1";
}

/* Kinds of test streams; each cell of the GSL comparison gets one. */
enum stream_kind {
  STREAM_NORMAL,
  STREAM_EXPONENTIAL,
  STREAM_UNIFORM,
  STREAM_TIES,       /* normal rounded to halves: many ties */
  STREAM_MOSTLY_ONE, /* 80% one value, else uniform around it */
  STREAM_CONSTANT,
  STREAM_INCREASING,
  STREAM_DECREASING,
  STREAM_N_KINDS,
};

static double draw(enum stream_kind kind, gsl_rng *rng, size_t i) {
  switch (kind) {
    case STREAM_NORMAL:
      return 10.5 + gsl_ran_gaussian(rng, 2.385);
    case STREAM_EXPONENTIAL:
      return gsl_ran_exponential(rng, 3.7);
    case STREAM_UNIFORM:
      return gsl_ran_flat(rng, -1.5, 4.25);
    case STREAM_TIES:
      return round(2.0 * gsl_ran_gaussian(rng, 1.7)) / 2.0;
    case STREAM_MOSTLY_ONE:
      return gsl_rng_uniform(rng) < 0.8 ? 7.0 : gsl_ran_flat(rng, 5.5, 8.25);
    case STREAM_CONSTANT:
      return 3.25;
    case STREAM_INCREASING:
      return 0.125 * (double)i - 4.0;
    case STREAM_DECREASING:
      return 1000.0 - 0.375 * (double)i;
    case STREAM_N_KINDS:
      break;
  }
  return NAN;
}

/* ---- error paths --------------------------------------------------------- */

static void test_init_errors(void) {
  struct es_p2 p2;
  struct es_error err;

  const double below[] = {0.5, -0.05};
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_p2_init(&p2, 4, 2, below, &err), ES_EINVAL);
  ES_CHECK_INT_EQ(err.code, ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "quantile probability 1 is -0.05 (expected a value in "
                  "[0, 1])");
  ES_CHECK(p2.heights == NULL && p2.n_cells == 0);
  es_p2_clear(&p2); /* allowed after a failed init */

  const double above[] = {1.25};
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_p2_init(&p2, 4, 1, above, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "quantile probability 0 is 1.25 (expected a value in "
                  "[0, 1])");

  const double not_a_number[] = {0.25, 0.5, NAN};
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_p2_init(&p2, 4, 3, not_a_number, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "quantile probability 2 is nan");

  /* Too many cells for size_t: refused before allocating. */
  const double three[] = {0.05, 0.5, 0.95};
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_p2_init(&p2, SIZE_MAX / 2, 3, three, &err), ES_ENOMEM);
  ES_CHECK_INT_EQ(err.code, ES_ENOMEM);
  char expected[256];
  snprintf(expected, sizeof expected,
           "P2 quantile state for %zu cells x 3 quantiles needs more than %zu "
           "bytes",
           SIZE_MAX / 2, SIZE_MAX);
  ES_CHECK_STR_EQ(err.message, expected);

  /* Representable but far more than any machine has: malloc fails, and the
   * message names the bytes: 52 per (cell, quantile) + 56 per quantile. */
  const size_t n_huge = SIZE_MAX / 64 / 3 - 1;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_p2_init(&p2, n_huge, 3, three, &err), ES_ENOMEM);
  snprintf(expected, sizeof expected,
           "P2 quantile state for %zu cells x 3 quantiles: cannot allocate "
           "%zu bytes",
           n_huge, n_huge * 3 * 52 + 3 * 56);
  ES_CHECK_STR_EQ(err.message, expected);
  ES_CHECK(p2.heights == NULL && p2.positions == NULL &&
           p2.probabilities == NULL && p2.n_cells == 0);
  es_p2_clear(&p2);
  es_p2_clear(NULL);

  ES_CHECK_INT_EQ(ES_P2_BYTES_PER_CELL_QUANTILE, 52);

  /* No cells (or no quantiles) is valid and does nothing. */
  ES_CHECK_INT_EQ(es_p2_init(&p2, 0, 3, three, &err), ES_OK);
  es_p2_add(&p2, NULL);
  es_p2_get(&p2, 2, NULL);
  ES_CHECK_INT_EQ(p2.n_observations, 1);
  es_p2_clear(&p2);
  es_p2_clear(&p2); /* twice is fine */
  const double x_one = 2.5;
  ES_CHECK_INT_EQ(es_p2_init(&p2, 1, 0, NULL, &err), ES_OK);
  es_p2_add(&p2, &x_one);
  es_p2_clear(&p2);
}

/* ---- exact answers by hand ------------------------------------------------
 */

static void test_small_counts(void) {
  const double probabilities[] = {0.3, 0.5, 0.0, 1.0};
  struct es_p2 p2;
  struct es_error err;
  ES_CHECK_INT_EQ(es_p2_init(&p2, 1, 4, probabilities, &err), ES_OK);
  double out = 0.0;

  for (size_t q = 0; q < 4; q++) {
    es_p2_get(&p2, q, &out);
    ES_CHECK(isnan(out)); /* no observation yet */
  }

  const double stream[] = {2.385, -1.25, 7.5, 0.125, 4.0};
  /* p = 0.3 by hand, sorted data, index 0.3 (n - 1):
   * n=1: 2.385; n=2: 0.7(-1.25) + 0.3(2.385) = -0.1595;
   * n=3: 0.4(-1.25) + 0.6(2.385) = 0.931; n=4: 0.1(-1.25) + 0.9(0.125) =
   * -0.0125; n=5: 0.8(0.125) + 0.2(2.385) = 0.577. */
  const double p30[] = {2.385, -0.1595, 0.931, -0.0125, 0.577};
  /* p = 0.5: 2.385; 0.5675; 2.385; (0.125 + 2.385) / 2; 2.385. */
  const double p50[] = {2.385, 0.5675, 2.385, 1.255, 2.385};
  const double p00[] = {2.385, -1.25, -1.25, -1.25, -1.25};
  const double p100[] = {2.385, 2.385, 7.5, 7.5, 7.5};
  for (size_t i = 0; i < 5; i++) {
    es_p2_add(&p2, &stream[i]);
    es_p2_get(&p2, 0, &out);
    ES_CHECK_NEAR(out, p30[i], 1e-14);
    es_p2_get(&p2, 1, &out);
    ES_CHECK_NEAR(out, p50[i], 1e-14);
    es_p2_get(&p2, 2, &out);
    ES_CHECK_DOUBLE_EQ(out, p00[i]);
    es_p2_get(&p2, 3, &out);
    ES_CHECK_DOUBLE_EQ(out, p100[i]);
  }
  es_p2_clear(&p2);
}

/* Two P2 steps worked by hand (median): the markers start at the sorted
 * 1, 2, 3, 4, 5 (given as 3, 1, 5, 2, 4). x = 2.5: k = 1, positions 1 2 4 5 6,
 * desired 2.25 3.5 4.75: no marker is a whole rank off, the median stays 3.
 * x = 0.5: new minimum, k = 0, positions 1 3 5 6 7, desired 2.5 4 5.5: marker 2
 * is one rank high, so moves down: parabolic 3 - 1/3 (1 + 1) = 7/3, which lies
 * within (2, 4). */
static void test_hand_steps(void) {
  const double p_half = 0.5;
  struct es_p2 p2;
  struct es_error err;
  ES_CHECK_INT_EQ(es_p2_init(&p2, 1, 1, &p_half, &err), ES_OK);
  const double stream[] = {3.0, 1.0, 5.0, 2.0, 4.0, 2.5, 0.5};
  double out = 0.0;
  for (size_t i = 0; i < 6; i++) {
    es_p2_add(&p2, &stream[i]);
  }
  es_p2_get(&p2, 0, &out);
  ES_CHECK_DOUBLE_EQ(out, 3.0);
  es_p2_add(&p2, &stream[6]);
  es_p2_get(&p2, 0, &out);
  ES_CHECK_NEAR(out, 7.0 / 3.0, 1e-15);
  ES_CHECK_INT_EQ(p2.positions[0], 3);
  ES_CHECK_INT_EQ(p2.positions[1], 4);
  ES_CHECK_INT_EQ(p2.positions[2], 6);
  ES_CHECK_DOUBLE_EQ(p2.heights[0], 0.5);
  ES_CHECK_DOUBLE_EQ(p2.heights[4], 5.0);
  es_p2_clear(&p2);
}

/* ---- against GSL --------------------------------------------------------- */

#define N_GSL_REPLICATES    1000
#define N_GSL_PROBABILITIES 10

/* Every stream kind in its own cell, all probabilities at once, compared at
 * every count 1..1000 with gsl_rstat_quantile_get (p in (0, 1)), the exact
 * extremes (p = 0, 1) and, at five observations, the exact quantile. */
static void test_against_gsl(const unsigned long seed) {
  const double probabilities[N_GSL_PROBABILITIES] = {
      0.0, 0.01, 0.05, 0.25, 0.3, 0.5, 0.75, 0.95, 0.99, 1.0};
  const size_t n_cells = STREAM_N_KINDS;
  struct es_p2 p2;
  struct es_error err;
  ES_CHECK_INT_EQ(
      es_p2_init(&p2, n_cells, N_GSL_PROBABILITIES, probabilities, &err),
      ES_OK);
  gsl_rstat_quantile_workspace *ref[STREAM_N_KINDS][N_GSL_PROBABILITIES];
  for (size_t c = 0; c < n_cells; c++) {
    for (size_t q = 0; q < N_GSL_PROBABILITIES; q++) {
      ref[c][q] = gsl_rstat_quantile_alloc(probabilities[q]);
    }
  }
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, seed);
  double x[STREAM_N_KINDS], out[STREAM_N_KINDS];
  double minimum[STREAM_N_KINDS], maximum[STREAM_N_KINDS];
  double first5[STREAM_N_KINDS][5];
  long n_compared = 0, n_differ = 0;
  double max_rel_diff = 0.0;

  for (size_t r = 0; r < N_GSL_REPLICATES; r++) {
    for (size_t c = 0; c < n_cells; c++) {
      x[c] = draw((enum stream_kind)c, rng, r);
      minimum[c] = r == 0 || x[c] < minimum[c] ? x[c] : minimum[c];
      maximum[c] = r == 0 || x[c] > maximum[c] ? x[c] : maximum[c];
      if (r < 5) {
        first5[c][r] = x[c];
      }
      for (size_t q = 0; q < N_GSL_PROBABILITIES; q++) {
        gsl_rstat_quantile_add(x[c], ref[c][q]);
      }
    }
    es_p2_add(&p2, x);
    const size_t n = r + 1;
    for (size_t q = 0; q < N_GSL_PROBABILITIES; q++) {
      const double p = probabilities[q];
      es_p2_get(&p2, q, out);
      for (size_t c = 0; c < n_cells; c++) {
        double expected;
        if (p == 0.0) {
          expected = minimum[c];
        } else if (p == 1.0) {
          expected = maximum[c];
        } else if (n == 5) {
          /* GSL reads an unsorted height here; the exact quantile instead. */
          double sorted[5];
          memcpy(sorted, first5[c], sizeof sorted);
          gsl_sort(sorted, 1, 5);
          expected = gsl_stats_quantile_from_sorted_data(sorted, 1, 5, p);
        } else {
          expected = gsl_rstat_quantile_get(ref[c][q]);
        }
        n_compared++;
        if (memcmp(&out[c], &expected, sizeof expected) != 0) {
          if (n_differ == 0) {
            printf(
                "first difference: seed %lu, cell %zu, p %g, n %zu: %.17g "
                "vs %.17g\n",
                seed, c, p, n, out[c], expected);
          }
          n_differ++;
          const double rel =
              fabs(out[c] - expected) / fmax(fabs(expected), 1e-300);
          max_rel_diff = fmax(max_rel_diff, rel);
        }
      }
    }
  }
  ES_CHECK_INT_EQ(n_compared,
                  N_GSL_REPLICATES * N_GSL_PROBABILITIES * STREAM_N_KINDS);
  ES_CHECK_INT_EQ(n_differ, 0);
  ES_CHECK(max_rel_diff <= 1e-12);

  gsl_rng_free(rng);
  for (size_t c = 0; c < n_cells; c++) {
    for (size_t q = 0; q < N_GSL_PROBABILITIES; q++) {
      gsl_rstat_quantile_free(ref[c][q]);
    }
  }
  es_p2_clear(&p2);
}

/* ---- accuracy on long streams ------------------------------------------- */

#define N_LONG       10000
#define N_LONG_CELLS 4

/* 10,000 draws from a normal, four cells with their own draws: the estimates
 * of p05, p50 and p95 lie within 0.05 sd of the exact quantiles. */
static void test_accuracy(void) {
  const double probabilities[] = {0.05, 0.5, 0.95};
  const double sd = 2.385;
  struct es_p2 p2;
  struct es_error err;
  ES_CHECK_INT_EQ(es_p2_init(&p2, N_LONG_CELLS, 3, probabilities, &err), ES_OK);
  double *data = malloc(N_LONG_CELLS * N_LONG * sizeof(double));
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 20240611UL);
  double x[N_LONG_CELLS];
  for (size_t r = 0; r < N_LONG; r++) {
    for (size_t c = 0; c < N_LONG_CELLS; c++) {
      x[c] = 50.3 * (double)(c + 1) + gsl_ran_gaussian(rng, sd);
      data[c * N_LONG + r] = x[c];
    }
    es_p2_add(&p2, x);
  }
  double out[N_LONG_CELLS];
  double worst = 0.0;
  for (size_t q = 0; q < 3; q++) {
    es_p2_get(&p2, q, out);
    for (size_t c = 0; c < N_LONG_CELLS; c++) {
      gsl_sort(data + c * N_LONG, 1, N_LONG);
      const double exact = gsl_stats_quantile_from_sorted_data(
          data + c * N_LONG, 1, N_LONG, probabilities[q]);
      ES_CHECK_NEAR(out[c], exact, 0.05 * sd);
      worst = fmax(worst, fabs(out[c] - exact) / sd);
    }
  }
  if (getenv("ES_TEST_VERBOSE") != NULL) {
    printf("largest error on %d normal draws: %.4f sd\n", N_LONG, worst);
  }
  gsl_rng_free(rng);
  free(data);
  es_p2_clear(&p2);
}

/* ---- determinism and independence of cells ------------------------------ */

static void test_determinism(void) {
  const double probabilities[] = {0.05, 0.5, 0.95};
  const size_t n_cells = 6, n_replicates = 300;
  struct es_p2 a, b, single;
  struct es_error err;
  ES_CHECK_INT_EQ(es_p2_init(&a, n_cells, 3, probabilities, &err), ES_OK);
  ES_CHECK_INT_EQ(es_p2_init(&b, n_cells, 3, probabilities, &err), ES_OK);
  /* Cell 4 alone: its estimates may not depend on its neighbours. */
  ES_CHECK_INT_EQ(es_p2_init(&single, 1, 3, probabilities, &err), ES_OK);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 77UL);
  double x[6];
  for (size_t r = 0; r < n_replicates; r++) {
    for (size_t c = 0; c < n_cells; c++) {
      x[c] = gsl_ran_lognormal(rng, 1.0 + 0.1 * (double)c, 0.75);
    }
    es_p2_add(&a, x);
    es_p2_add(&b, x);
    es_p2_add(&single, &x[4]);
  }
  const size_t n_heights = n_cells * 3 * ES_P2_N_MARKERS;
  const size_t n_positions = n_cells * 3 * ES_P2_N_STORED_POSITIONS;
  ES_CHECK(memcmp(a.heights, b.heights, n_heights * sizeof(double)) == 0);
  ES_CHECK(memcmp(a.positions, b.positions, n_positions * sizeof(uint32_t)) ==
           0);
  for (size_t q = 0; q < 3; q++) {
    double out_a[6], out_b[6], out_single;
    es_p2_get(&a, q, out_a);
    es_p2_get(&b, q, out_b);
    es_p2_get(&single, q, &out_single);
    ES_CHECK(memcmp(out_a, out_b, sizeof out_a) == 0);
    ES_CHECK_DOUBLE_EQ(out_single, out_a[4]);
    /* The markers are ordered: p05 < p50 < p95 on a continuous stream. */
    if (q > 0) {
      double out_prev[6];
      es_p2_get(&a, q - 1, out_prev);
      ES_CHECK(out_prev[0] < out_a[0] && out_prev[5] < out_a[5]);
    }
  }
  gsl_rng_free(rng);
  es_p2_clear(&single);
  es_p2_clear(&b);
  es_p2_clear(&a);
}

/* ---- NaN poisoning --------------------------------------------------- */

/* Cell 1 sees a NaN at replicate 3 (still exact), cell 2 at replicate 40
 * (P2 phase), cell 3 an infinity at replicate 10: each is NaN for every
 * quantile from then on; cell 0 keeps matching GSL. */
static void test_nan(void) {
  const double probabilities[] = {0.0, 0.25, 0.5, 1.0};
  const size_t n_cells = 4, n_replicates = 200;
  const size_t poison_at[] = {SIZE_MAX, 3, 40, 10};
  struct es_p2 p2;
  struct es_error err;
  ES_CHECK_INT_EQ(es_p2_init(&p2, n_cells, 4, probabilities, &err), ES_OK);
  gsl_rstat_quantile_workspace *ref = gsl_rstat_quantile_alloc(0.25);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 5UL);
  long n_wrong = 0;
  double x[4], out[4];
  for (size_t r = 0; r < n_replicates; r++) {
    for (size_t c = 0; c < n_cells; c++) {
      x[c] = gsl_ran_gaussian(rng, 1.5);
      if (r == poison_at[c]) {
        x[c] = c == 3 ? INFINITY : NAN;
      }
    }
    gsl_rstat_quantile_add(x[0], ref);
    es_p2_add(&p2, x);
    for (size_t q = 0; q < 4; q++) {
      es_p2_get(&p2, q, out);
      for (size_t c = 1; c < n_cells; c++) {
        if ((r >= poison_at[c]) != (bool)isnan(out[c])) {
          n_wrong++;
        }
      }
      if (isnan(out[0])) {
        n_wrong++;
      }
    }
    if (r + 1 != 5) {
      es_p2_get(&p2, 1, out);
      const double expected = gsl_rstat_quantile_get(ref);
      n_wrong += memcmp(&out[0], &expected, sizeof expected) != 0;
    }
  }
  ES_CHECK_INT_EQ(n_wrong, 0);
  gsl_rng_free(rng);
  gsl_rstat_quantile_free(ref);
  es_p2_clear(&p2);
}

/* ---- no allocation in es_p2_add --------------------------------------- */

/* By design es_p2_add only writes into the arrays es_p2_init allocated; with
 * glibc the heap in use is measured around a thousand adds to confirm it
 * (under AddressSanitizer, which replaces malloc, the measure is void). */
static void test_no_allocation(void) {
  const double probabilities[] = {0.05, 0.5, 0.95};
  struct es_p2 p2;
  struct es_error err;
  ES_CHECK_INT_EQ(es_p2_init(&p2, 64, 3, probabilities, &err), ES_OK);
  double x[64];
  for (size_t c = 0; c < 64; c++) {
    x[c] = 1.5 * (double)c;
  }
#if defined(__GLIBC__)
  const size_t in_use_before = mallinfo2().uordblks;
#endif
  for (size_t r = 0; r < 1000; r++) {
    for (size_t c = 0; c < 64; c++) {
      x[c] = fmod(x[c] * 1.618 + 0.37, 97.0);
    }
    es_p2_add(&p2, x);
  }
#if defined(__GLIBC__)
  const size_t in_use_after = mallinfo2().uordblks;
  ES_CHECK_INT_EQ(in_use_after, in_use_before);
#endif
  ES_CHECK_INT_EQ(p2.n_observations, 1000);
  es_p2_clear(&p2);
}

int main(void) {
  test_init_errors();
  test_small_counts();
  test_hand_steps();
  for (unsigned long seed = 1; seed <= 3; seed++) {
    test_against_gsl(seed);
  }
  test_accuracy();
  test_determinism();
  test_nan();
  test_no_allocation();
  return es_test_summary();
}
