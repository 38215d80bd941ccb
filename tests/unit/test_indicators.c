/* test_indicators.c: region records and system indicators (MODEL 7).
 *
 * Hand-computed cases for every formula (the arithmetic is in the comments),
 * the Theil split on a two-province example, the edge cases (regions without
 * teachers, regions without students, no student at all, no teacher where
 * the students are), every error path, and properties on random inputs: the
 * O(n log n) Gini against the literal O(n^2) double sum, the Theil index and
 * its split against their literal definitions, between + within = theil,
 * bounds, invariance under a permutation of the regions, and bit-identical
 * repeat runs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "models/indicators.h"

/* Exact decimal fractions of the hand cases need only this much slack. */
#define TOL_HAND 1e-14
/* Relative agreement required between two ways of computing one index. */
#define TOL_REL 1e-12

/* ---- helpers ------------------------------------------------------------- */

/* SplitMix64: the tests' own generator (rand() is banned, STYLE 25). */
static uint64_t next_u64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double next_unit(uint64_t *state) {
  return (double)(next_u64(state) >> 11) * 0x1.0p-53;
}

static bool near_rel(const double a, const double b, const double rel) {
  const double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= rel * scale;
}

static struct es_stage make_stage(const double ptr_standard,
                                  const double salary,
                                  const double build_cost) {
  struct es_stage s;
  memset(&s, 0, sizeof s);
  s.ptr_standard = ptr_standard;
  s.salary = salary;
  s.build_cost = build_cost;
  return s;
}

/* The literal definitions of MODEL 7 over the regions with D > 0, computed
 * independently of the library and in long double (a more accurate
 * reference: the literal Theil sums r ln r terms of both signs, which cancel):
 * O(n^2) Gini, Theil, and its split into provinces. */
struct literal {
  double gini;
  double theil;
  double between;
  double within;
};

static struct literal literal_indices(const size_t n, const double *d,
                                      const int64_t *t, const size_t *group,
                                      const size_t n_groups) {
  long double w = 0.0L;
  long double t_sum = 0.0L;
  for (size_t i = 0; i < n; i++) {
    if (d[i] > 0.0) {
      w += d[i];
      t_sum += (long double)t[i];
    }
  }
  const long double mu = t_sum / w;
  long double pairs = 0.0L;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      if (d[i] > 0.0 && d[j] > 0.0) {
        const long double xi = (long double)t[i] / d[i];
        const long double xj = (long double)t[j] / d[j];
        pairs += (long double)d[i] * d[j] * fabsl(xi - xj);
      }
    }
  }
  long double theil = 0.0L;
  for (size_t i = 0; i < n; i++) {
    if (d[i] > 0.0 && t[i] > 0) {
      const long double r = (long double)t[i] / d[i] / mu;
      theil += d[i] / w * r * logl(r);
    }
  }
  long double between = 0.0L;
  long double within = 0.0L;
  for (size_t g = 0; g < n_groups; g++) {
    long double d_g = 0.0L;
    long double t_g = 0.0L;
    for (size_t i = 0; i < n; i++) {
      if (d[i] > 0.0 && group[i] == g) {
        d_g += d[i];
        t_g += (long double)t[i];
      }
    }
    if (d_g == 0.0L || t_g == 0.0L) {
      continue;
    }
    const long double mu_g = t_g / d_g;
    long double theil_g = 0.0L;
    for (size_t i = 0; i < n; i++) {
      if (d[i] > 0.0 && group[i] == g && t[i] > 0) {
        const long double r = (long double)t[i] / d[i] / mu_g;
        theil_g += d[i] / d_g * r * logl(r);
      }
    }
    between += d_g / w * (mu_g / mu) * logl(mu_g / mu);
    within += d_g / w * (mu_g / mu) * theil_g;
  }
  const struct literal lit = {(double)(pairs / (2.0L * w * w * mu)),
                              (double)theil, (double)between, (double)within};
  return lit;
}

/* ---- region records ------------------------------------------------------ */

static void test_records_hand(void) {
  /* 3 regions x 2 stages; standards 19 (primary) and 13.5 (junior). */
  const struct es_stage stages[2] = {make_stage(19.0, 0.0, 0.0),
                                     make_stage(13.5, 0.0, 0.0)};
  const double d[6] = {95.5, 27.0, 0.0, 12.25, 0.0, 40.0};
  const int64_t t[6] = {5, 2, 3, 0, 0, 4};
  const int64_t c[6] = {100, 20, 10, 12, 0, 40};
  const struct es_indicators_input in = {
      .n_regions = 3, .n_stages = 2, .students = d, .teachers = t, .seats = c};
  double ptr[6], gap[6], unmet[6], idle[6], ocap[6], ostd[6];
  const struct es_indicators_records out = {ptr, gap, unmet, idle, ocap, ostd};
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_OK);

  /* r0 k0: D 95.5, T 5, C 100: ptr 95.5/5 = 19.1; gap 95.5/19 - 5 = 0.5/19;
   * unmet 0; idle 100 - 95.5 = 4.5; seats suffice; 19.1 > 19: over. */
  ES_CHECK_NEAR(ptr[0], 19.1, TOL_HAND);
  ES_CHECK_NEAR(gap[0], 0.5 / 19.0, TOL_HAND);
  ES_CHECK_DOUBLE_EQ(unmet[0], 0.0);
  ES_CHECK_DOUBLE_EQ(idle[0], 4.5);
  ES_CHECK_DOUBLE_EQ(ocap[0], 0.0);
  ES_CHECK_DOUBLE_EQ(ostd[0], 1.0);
  /* r0 k1: D 27, T 2, C 20: ptr 13.5 exactly the standard: not over;
   * gap 27/13.5 - 2 = 0; unmet 7; idle 0; 27 > 20: over capacity. */
  ES_CHECK_DOUBLE_EQ(ptr[1], 13.5);
  ES_CHECK_NEAR(gap[1], 0.0, TOL_HAND);
  ES_CHECK_DOUBLE_EQ(unmet[1], 7.0);
  ES_CHECK_DOUBLE_EQ(idle[1], 0.0);
  ES_CHECK_DOUBLE_EQ(ocap[1], 1.0);
  ES_CHECK_DOUBLE_EQ(ostd[1], 0.0);
  /* r1 k0: D 0, T 3, C 10: ptr 0; gap -3; idle 10; no flag (no pupils). */
  ES_CHECK_DOUBLE_EQ(ptr[2], 0.0);
  ES_CHECK_DOUBLE_EQ(gap[2], -3.0);
  ES_CHECK_DOUBLE_EQ(unmet[2], 0.0);
  ES_CHECK_DOUBLE_EQ(idle[2], 10.0);
  ES_CHECK_DOUBLE_EQ(ocap[2], 0.0);
  ES_CHECK_DOUBLE_EQ(ostd[2], 0.0);
  /* r1 k1: D 12.25, T 0, C 12: ptr NaN; gap 12.25/13.5 = 0.907407...;
   * unmet 0.25; over capacity; pupils without a teacher: over standard. */
  ES_CHECK(isnan(ptr[3]));
  ES_CHECK_NEAR(gap[3], 12.25 / 13.5, TOL_HAND);
  ES_CHECK_NEAR(gap[3], 0.90740740740740744, TOL_HAND);
  ES_CHECK_DOUBLE_EQ(unmet[3], 0.25);
  ES_CHECK_DOUBLE_EQ(idle[3], 0.0);
  ES_CHECK_DOUBLE_EQ(ocap[3], 1.0);
  ES_CHECK_DOUBLE_EQ(ostd[3], 1.0);
  /* r2 k0: nothing at all: ptr NaN (T = 0), gap 0, no flag. */
  ES_CHECK(isnan(ptr[4]));
  ES_CHECK_DOUBLE_EQ(gap[4], 0.0);
  ES_CHECK_DOUBLE_EQ(unmet[4], 0.0);
  ES_CHECK_DOUBLE_EQ(idle[4], 0.0);
  ES_CHECK_DOUBLE_EQ(ocap[4], 0.0);
  ES_CHECK_DOUBLE_EQ(ostd[4], 0.0);
  /* r2 k1: D 40, T 4, C 40: ptr 10; gap 40/13.5 - 4 = -14/13.5 =
   * -1.037037...; D = C: neither unmet nor idle nor over capacity. */
  ES_CHECK_DOUBLE_EQ(ptr[5], 10.0);
  ES_CHECK_NEAR(gap[5], -14.0 / 13.5, TOL_HAND);
  ES_CHECK_NEAR(gap[5], -1.0370370370370370, TOL_HAND);
  ES_CHECK_DOUBLE_EQ(unmet[5], 0.0);
  ES_CHECK_DOUBLE_EQ(idle[5], 0.0);
  ES_CHECK_DOUBLE_EQ(ocap[5], 0.0);
  ES_CHECK_DOUBLE_EQ(ostd[5], 0.0);
}

static void test_records_errors(void) {
  const struct es_stage stages[2] = {make_stage(19.0, 0.0, 0.0),
                                     make_stage(13.5, 0.0, 0.0)};
  double d[2] = {10.0, 20.0};
  int64_t t[2] = {1, 2};
  int64_t c[2] = {10, 20};
  struct es_indicators_input in = {
      .n_regions = 1, .n_stages = 2, .students = d, .teachers = t, .seats = c};
  double ptr[2] = {-7.0, -7.0}, gap[2], unmet[2], idle[2], ocap[2], ostd[2];
  struct es_indicators_records out = {ptr, gap, unmet, idle, ocap, ostd};
  struct es_error err;

  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(NULL, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "students, teachers and seats are required");

  in.teachers = NULL;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "students, teachers and seats are required");
  in.teachers = t;

  out.idle_seats = NULL;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "every output array are required");
  out.idle_seats = idle;

  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, NULL, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "every output array are required");

  const struct es_stage bad_stages[2] = {make_stage(19.0, 0.0, 0.0),
                                         make_stage(0.0, 0.0, 0.0)};
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, bad_stages, &out, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message,
                    "stage 1: ptr_standard is 0 (expected a "
                    "positive number)");
  const struct es_stage nan_stages[2] = {make_stage(NAN, 0.0, 0.0),
                                         make_stage(13.5, 0.0, 0.0)};
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, nan_stages, &out, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "stage 0: ptr_standard is nan");

  d[1] = -0.5;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message,
                    "region 0, stage 1: students is -0.5 "
                    "(expected a finite number >= 0)");
  d[1] = INFINITY;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "students is inf");
  d[1] = NAN;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "students is nan");
  d[1] = 20.0;

  t[0] = -1;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message,
                    "region 0, stage 0: teachers -1, seats 10 "
                    "(expected counts >= 0)");
  t[0] = 1;
  c[1] = -3;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "teachers 2, seats -3");
  c[1] = 20;

  /* Nothing was written by any failed call. */
  ES_CHECK_DOUBLE_EQ(ptr[0], -7.0);
  ES_CHECK_DOUBLE_EQ(ptr[1], -7.0);
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_records(&in, stages, &out, &err), ES_OK);
  ES_CHECK_DOUBLE_EQ(ptr[0], 10.0);
  ES_CHECK_DOUBLE_EQ(ptr[1], 10.0);
}

/* ---- system indicators: hand cases --------------------------------------- */

static void test_system_hand(void) {
  /* One stage, standard 8 pupils per teacher, salary 2.5, build cost 10.
   * Regions: D = (10, 20, 30, 0), T = (1, 4, 3, 5), C = (12, 15, 30, 6). */
  const struct es_stage stage = make_stage(8.0, 2.5, 10.0);
  const double d[4] = {10.0, 20.0, 30.0, 0.0};
  const int64_t t[4] = {1, 4, 3, 5};
  const int64_t c[4] = {12, 15, 30, 6};
  const int64_t hires[4] = {1, 0, 2, 0};
  const int64_t tin[4] = {0, 2, 0, 0};
  const int64_t built[4] = {3, 0, 4, 0};
  const int64_t closed[4] = {0, 1, 0, 0};
  const struct es_indicators_input in = {.n_regions = 4,
                                         .n_stages = 1,
                                         .students = d,
                                         .teachers = t,
                                         .seats = c,
                                         .hires = hires,
                                         .transfers_in = tin,
                                         .seats_built = built,
                                         .seats_closed = closed};
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(4, 1, &err);
  ES_CHECK(ws != NULL);
  struct es_indicators ind;
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);

  /* Totals: students 60, teachers 13 (the 5 of the region without pupils
   * count here), seats 63, unmet 0 + 5 + 0 + 0 = 5, idle 2 + 0 + 0 + 6 = 8,
   * hires 3, transfers 2, built 7, closed 1. */
  ES_CHECK_DOUBLE_EQ(ind.students, 60.0);
  ES_CHECK_DOUBLE_EQ(ind.teachers, 13.0);
  ES_CHECK_DOUBLE_EQ(ind.seats, 63.0);
  ES_CHECK_DOUBLE_EQ(ind.unmet_seats, 5.0);
  ES_CHECK_DOUBLE_EQ(ind.idle_seats, 8.0);
  ES_CHECK_DOUBLE_EQ(ind.hires, 3.0);
  ES_CHECK_DOUBLE_EQ(ind.transfers, 2.0);
  ES_CHECK_DOUBLE_EQ(ind.seats_built, 7.0);
  ES_CHECK_DOUBLE_EQ(ind.seats_closed, 1.0);
  /* unmet_share 5/60 = 1/12. PTR (10, 5, 10, -) against 8: regions 0 and 2
   * are over, 40 pupils of 60: 2/3. */
  ES_CHECK_NEAR(ind.unmet_share, 1.0 / 12.0, TOL_HAND);
  ES_CHECK_NEAR(ind.over_standard_share, 2.0 / 3.0, TOL_HAND);
  /* cost = 2.5 * 13 + 10 * 7 = 32.5 + 70 = 102.5. */
  ES_CHECK_DOUBLE_EQ(ind.cost, 102.5);
  /* Inequality over regions 0-2 (region 3 has no pupils): x = (0.1, 0.2,
   * 0.1), W = 60, mu = 8/60 = 2/15. Pairs: |x0 - x1| = 0.1 (weight 10*20),
   * |x1 - x2| = 0.1 (20*30), |x0 - x2| = 0: double sum 2 (20 + 60) = 160;
   * 2 W^2 mu = 2 * 3600 * 2/15 = 960; gini = 160/960 = 1/6. */
  ES_CHECK_NEAR(ind.gini, 1.0 / 6.0, TOL_HAND);
  /* r = x/mu = (0.75, 1.5, 0.75): theil = (10/60) 0.75 ln 0.75 + (20/60) 1.5
   * ln 1.5 + (30/60) 0.75 ln 0.75 = 0.5 ln 0.75 + 0.5 ln 1.5 = 0.5 ln 1.125
   * = 0.058891517...; with one province, between = 0 and within = theil. */
  ES_CHECK_NEAR(ind.theil, 0.5 * log(1.125), TOL_HAND);
  ES_CHECK_NEAR(ind.theil, 0.0588915178281, 1e-12);
  ES_CHECK_DOUBLE_EQ(ind.theil_between, 0.0);
  ES_CHECK_DOUBLE_EQ(ind.theil_within, ind.theil);

  /* es_indicators_system gives the same for its one stage. */
  struct es_indicators all[1];
  ES_CHECK_INT_EQ(es_indicators_system(&in, &stage, all, ws, &err), ES_OK);
  ES_CHECK(memcmp(&all[0], &ind, sizeof ind) == 0);

  /* Without flows (year t0) the flow totals are 0 and the cost is salaries
   * only: 2.5 * 13 = 32.5. */
  const struct es_indicators_input in0 = {
      .n_regions = 4, .n_stages = 1, .students = d, .teachers = t, .seats = c};
  ES_CHECK_INT_EQ(es_indicators_stage(&in0, &stage, 0, &ind, ws, &err), ES_OK);
  ES_CHECK_DOUBLE_EQ(ind.hires, 0.0);
  ES_CHECK_DOUBLE_EQ(ind.transfers, 0.0);
  ES_CHECK_DOUBLE_EQ(ind.seats_built, 0.0);
  ES_CHECK_DOUBLE_EQ(ind.seats_closed, 0.0);
  ES_CHECK_DOUBLE_EQ(ind.cost, 32.5);
  ES_CHECK_NEAR(ind.gini, 1.0 / 6.0, TOL_HAND);
  es_indicators_ws_free(ws);
}

static void test_theil_two_provinces(void) {
  /* Provinces A = {0, 1}, B = {2, 3}. D = (10, 30, 20, 20), T = (2, 2, 4, 8):
   * x = (0.2, 1/15, 0.2, 0.4), W = 80, mu = 16/80 = 0.2.
   * A: D 40, T 4, mu_A = 0.1. B: D 40, T 12, mu_B = 0.3.
   * between = (40/80)(0.5) ln 0.5 + (40/80)(1.5) ln 1.5
   *         = 0.25 ln 0.5 + 0.75 ln 1.5.
   * theil_A = (10/40)(2) ln 2 + (30/40)(2/3) ln(2/3) = 0.5 ln(4/3).
   * theil_B = (20/40)(2/3) ln(2/3) + (20/40)(4/3) ln(4/3)
   *         = (1/3) ln(2/3) + (2/3) ln(4/3).
   * within = 0.5 * 0.5 * theil_A + 0.5 * 1.5 * theil_B
   *        = 0.625 ln(4/3) + 0.25 ln(2/3).
   * theil = sum (D/W) r ln r with r = (1, 1/3, 1, 2)
   *       = (30/80)(1/3) ln(1/3) + (20/80)(2) ln 2 = 0.5 ln 2 - 0.125 ln 3,
   * and between + within = 0.5 ln 2 - 0.125 ln 3 in ln 2, ln 3 terms.
   * Gini: sorted x = 1/15 (w 30), 0.2 (10), 0.2 (20), 0.4 (20); unordered
   * pairs 300(2/15) + 600(2/15) + 600(1/3) + 200(0.2) + 400(0.2) + 0 = 40 +
   * 80 + 200 + 40 + 80 = 440; gini = 2 * 440 / (2 * 6400 * 0.2) = 11/32. */
  const struct es_stage stage = make_stage(12.5, 0.0, 0.0);
  const double d[4] = {10.0, 30.0, 20.0, 20.0};
  const int64_t t[4] = {2, 2, 4, 8};
  const int64_t c[4] = {10, 30, 20, 20};
  const size_t group[4] = {0, 0, 1, 1};
  const struct es_indicators_input in = {.n_regions = 4,
                                         .n_stages = 1,
                                         .students = d,
                                         .teachers = t,
                                         .seats = c,
                                         .group = group,
                                         .n_groups = 2};
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(4, 2, &err);
  ES_CHECK(ws != NULL);
  struct es_indicators ind;
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
  const double between = 0.25 * log(0.5) + 0.75 * log(1.5);
  const double within = 0.625 * log(4.0 / 3.0) + 0.25 * log(2.0 / 3.0);
  const double theil = 0.5 * log(2.0) - 0.125 * log(3.0);
  ES_CHECK_NEAR(ind.theil_between, between, TOL_HAND);
  ES_CHECK_NEAR(ind.theil_between, 0.13081203594113694, 1e-12);
  ES_CHECK_NEAR(ind.theil_within, within, TOL_HAND);
  ES_CHECK_NEAR(ind.theil, theil, TOL_HAND);
  ES_CHECK_NEAR(ind.theil, 0.20924705419645890, 1e-12);
  ES_CHECK_NEAR(between + within, theil, TOL_HAND);
  ES_CHECK_NEAR(ind.gini, 11.0 / 32.0, TOL_HAND);
  /* Every pupil has a seat. PTR = (5, 15, 5, 2.5) against 12.5: only region
   * 1 is over, 30 of 80 pupils: 0.375. */
  ES_CHECK_DOUBLE_EQ(ind.unmet_share, 0.0);
  ES_CHECK_NEAR(ind.over_standard_share, 0.375, TOL_HAND);

  /* The same regions as one province: between 0, within = theil. */
  const struct es_indicators_input one = {
      .n_regions = 4, .n_stages = 1, .students = d, .teachers = t, .seats = c};
  struct es_indicators ind1;
  ES_CHECK_INT_EQ(es_indicators_stage(&one, &stage, 0, &ind1, ws, &err), ES_OK);
  ES_CHECK_DOUBLE_EQ(ind1.theil, ind.theil);
  ES_CHECK_DOUBLE_EQ(ind1.theil_between, 0.0);
  ES_CHECK_DOUBLE_EQ(ind1.theil_within, ind1.theil);
  es_indicators_ws_free(ws);
}

static void test_system_edges(void) {
  const struct es_stage stage = make_stage(10.0, 3.0, 7.0);
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(3, 2, &err);
  ES_CHECK(ws != NULL);
  struct es_indicators ind;

  /* No pupils anywhere: totals still add up, every share and index is NaN.
   * cost = 3 * (2 + 1) + 7 * 4 = 9 + 28 = 37. */
  {
    const double d[3] = {0.0, 0.0, 0.0};
    const int64_t t[3] = {2, 0, 1};
    const int64_t c[3] = {5, 0, 3};
    const int64_t built[3] = {0, 4, 0};
    const struct es_indicators_input in = {.n_regions = 3,
                                           .n_stages = 1,
                                           .students = d,
                                           .teachers = t,
                                           .seats = c,
                                           .seats_built = built};
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
    ES_CHECK_DOUBLE_EQ(ind.students, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.teachers, 3.0);
    ES_CHECK_DOUBLE_EQ(ind.idle_seats, 8.0);
    ES_CHECK_DOUBLE_EQ(ind.cost, 37.0);
    ES_CHECK(isnan(ind.unmet_share));
    ES_CHECK(isnan(ind.over_standard_share));
    ES_CHECK(isnan(ind.gini));
    ES_CHECK(isnan(ind.theil));
    ES_CHECK(isnan(ind.theil_between));
    ES_CHECK(isnan(ind.theil_within));
  }
  /* No region at all: the same NaNs. */
  {
    const struct es_indicators_input in = {.n_regions = 0,
                                           .n_stages = 1,
                                           .students = (const double[1]){0},
                                           .teachers = (const int64_t[1]){0},
                                           .seats = (const int64_t[1]){0}};
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
    ES_CHECK_DOUBLE_EQ(ind.students, 0.0);
    ES_CHECK(isnan(ind.gini));
  }
  /* Pupils but no teacher where they are (mu = 0): every index is 0, and
   * every pupil is over the standard. The 4 teachers of the empty region 1
   * count in the total but not in mu. */
  {
    const double d[3] = {12.5, 0.0, 7.25};
    const int64_t t[3] = {0, 4, 0};
    const int64_t c[3] = {10, 0, 10};
    const size_t group[3] = {0, 1, 1};
    const struct es_indicators_input in = {.n_regions = 3,
                                           .n_stages = 1,
                                           .students = d,
                                           .teachers = t,
                                           .seats = c,
                                           .group = group,
                                           .n_groups = 2};
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
    ES_CHECK_DOUBLE_EQ(ind.teachers, 4.0);
    ES_CHECK_DOUBLE_EQ(ind.gini, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.theil, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.theil_between, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.theil_within, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.over_standard_share, 1.0);
    /* unmet 2.5 of 19.75 pupils; idle 2.75. */
    ES_CHECK_DOUBLE_EQ(ind.unmet_seats, 2.5);
    ES_CHECK_DOUBLE_EQ(ind.idle_seats, 2.75);
    ES_CHECK_NEAR(ind.unmet_share, 2.5 / 19.75, TOL_HAND);
  }
  /* A region with pupils and no teacher next to one with both: x = (0, 0.2),
   * D = (10, 10), W = 20, mu = 2/20 = 0.1. Gini: 2 * 10 * 10 * 0.2 /
   * (2 * 400 * 0.1) = 40 / 80 = 0.5. Theil: r = (0, 2); 0 ln 0 = 0, so theil
   * = (10/20) 2 ln 2 = ln 2. Provinces {0}, {1}: mu_0 = 0, mu_1 = 0.2:
   * between = 0.5 * 0 + 0.5 * 2 ln 2 = ln 2 (0 ln 0 = 0), within = 0.
   * Over standard: region 0 (T = 0) and region 1 (PTR 5 is not over 10):
   * 10/20 = 0.5. */
  {
    const double d[2] = {10.0, 10.0};
    const int64_t t[2] = {0, 2};
    const int64_t c[2] = {10, 10};
    const size_t group[2] = {0, 1};
    const struct es_indicators_input in = {.n_regions = 2,
                                           .n_stages = 1,
                                           .students = d,
                                           .teachers = t,
                                           .seats = c,
                                           .group = group,
                                           .n_groups = 2};
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
    ES_CHECK_NEAR(ind.gini, 0.5, TOL_HAND);
    ES_CHECK_NEAR(ind.theil, log(2.0), TOL_HAND);
    ES_CHECK_NEAR(ind.theil_between, log(2.0), TOL_HAND);
    ES_CHECK_DOUBLE_EQ(ind.theil_within, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.over_standard_share, 0.5);
  }
  /* Equal teachers per student everywhere: gini and theil exactly 0. */
  {
    const double d[3] = {19.0, 38.0, 57.0};
    const int64_t t[3] = {1, 2, 3};
    const int64_t c[3] = {19, 38, 57};
    const struct es_indicators_input in = {.n_regions = 3,
                                           .n_stages = 1,
                                           .students = d,
                                           .teachers = t,
                                           .seats = c};
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
    ES_CHECK_DOUBLE_EQ(ind.gini, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.theil, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.theil_within, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.unmet_share, 0.0);
    ES_CHECK_DOUBLE_EQ(ind.idle_seats, 0.0);
    /* PTR 19 > 10 everywhere. */
    ES_CHECK_DOUBLE_EQ(ind.over_standard_share, 1.0);
  }
  es_indicators_ws_free(ws);
}

/* The stage columns are read with the right stride: stage 1 of a 2-stage
 * layout gives what the same column alone gives. */
static void test_system_stride(void) {
  const struct es_stage stages[2] = {make_stage(19.0, 1.0, 2.0),
                                     make_stage(8.0, 2.5, 10.0)};
  const double d[8] = {99.0, 10.0, 98.0, 20.0, 97.0, 30.0, 96.0, 0.0};
  const int64_t t[8] = {9, 1, 8, 4, 7, 3, 6, 5};
  const int64_t c[8] = {90, 12, 80, 15, 70, 30, 60, 6};
  const int64_t built[8] = {1, 3, 1, 0, 1, 4, 1, 0};
  const struct es_indicators_input in = {.n_regions = 4,
                                         .n_stages = 2,
                                         .students = d,
                                         .teachers = t,
                                         .seats = c,
                                         .seats_built = built};
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(4, 1, &err);
  struct es_indicators all[2];
  ES_CHECK_INT_EQ(es_indicators_system(&in, stages, all, ws, &err), ES_OK);
  /* Stage 1 is the hand case of test_system_hand (without other flows). */
  ES_CHECK_DOUBLE_EQ(all[1].students, 60.0);
  ES_CHECK_DOUBLE_EQ(all[1].teachers, 13.0);
  ES_CHECK_DOUBLE_EQ(all[1].cost, 102.5);
  ES_CHECK_NEAR(all[1].gini, 1.0 / 6.0, TOL_HAND);
  ES_CHECK_NEAR(all[1].theil, 0.5 * log(1.125), TOL_HAND);
  /* Stage 0: 390 pupils, 30 teachers, cost 1 * 30 + 2 * 4 = 38. */
  ES_CHECK_DOUBLE_EQ(all[0].students, 390.0);
  ES_CHECK_DOUBLE_EQ(all[0].teachers, 30.0);
  ES_CHECK_DOUBLE_EQ(all[0].cost, 38.0);
  es_indicators_ws_free(ws);
}

static void test_system_errors(void) {
  const struct es_stage stage = make_stage(10.0, 3.0, 7.0);
  double d[2] = {10.0, 20.0};
  int64_t t[2] = {1, 2};
  int64_t c[2] = {10, 20};
  int64_t hires[2] = {0, 1};
  size_t group[2] = {0, 1};
  struct es_indicators_input in = {.n_regions = 2,
                                   .n_stages = 1,
                                   .students = d,
                                   .teachers = t,
                                   .seats = c,
                                   .hires = hires,
                                   .group = group,
                                   .n_groups = 2};
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(2, 2, &err);
  struct es_indicators_ws *small = es_indicators_ws_alloc(1, 1, &err);
  ES_CHECK(ws != NULL && small != NULL);
  struct es_indicators ind;

  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);

  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(NULL, &stage, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "students, teachers and seats are required");
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, NULL, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "stages, output and workspace are required");
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 1, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "stage 1 of 1");
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, small, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message,
                    "2 regions in 2 provinces exceed the "
                    "workspace (1 regions, 1 provinces)");

  group[1] = 2;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "region 1: province 2 (expected < 2)");
  group[1] = 1;

  hires[1] = -1;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message,
                    "region 1, stage 0: hires is -1 (expected "
                    "a count >= 0)");
  hires[1] = 1;
  int64_t neg[2] = {0, -2};
  const char *names[4] = {"transfers_in", "seats_built", "seats_closed"};
  for (size_t f = 0; f < 3; f++) {
    struct es_indicators_input bad = in;
    if (f == 0) {
      bad.transfers_in = neg;
    } else if (f == 1) {
      bad.seats_built = neg;
    } else {
      bad.seats_closed = neg;
    }
    es_error_clear(&err);
    ES_CHECK_INT_EQ(es_indicators_stage(&bad, &stage, 0, &ind, ws, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, names[f]);
    ES_CHECK_CONTAINS(err.message, "is -2");
  }

  d[0] = -1.0;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "region 0, stage 0: students is -1");
  d[0] = 10.0;
  t[1] = -4;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "teachers -4");
  t[1] = 2;

  const struct es_stage bad_ptr = make_stage(-19.0, 3.0, 7.0);
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &bad_ptr, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "ptr_standard is -19");
  const struct es_stage bad_cost = make_stage(19.0, INFINITY, 7.0);
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &bad_cost, 0, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "salary inf, build_cost 7 (expected finite");

  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_system(&in, &stage, NULL, ws, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "output is required");
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_indicators_system(&in, &bad_ptr, &ind, ws, &err),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "ptr_standard is -19");

  /* A workspace too large to describe fails cleanly. */
  es_error_clear(&err);
  ES_CHECK(es_indicators_ws_alloc(SIZE_MAX, 1, &err) == NULL);
  ES_CHECK_INT_EQ(err.code, ES_ENOMEM);
  ES_CHECK_CONTAINS(err.message, "too large");
  es_indicators_ws_free(NULL);
  es_indicators_ws_free(small);
  es_indicators_ws_free(ws);
}

/* ---- random properties --------------------------------------------------- */

struct random_case {
  size_t n;
  double *d;
  int64_t *t;
  int64_t *c;
  size_t *group;
  size_t n_groups;
};

/* About a tenth of the regions without pupils and a tenth without teachers;
 * pupils spread over three orders of magnitude. */
static void fill_random(struct random_case *rc, uint64_t *state) {
  for (size_t i = 0; i < rc->n; i++) {
    const double u = next_unit(state);
    rc->d[i] = u < 0.1 ? 0.0 : 5.0 * pow(10.0, 3.0 * next_unit(state));
    rc->t[i] = next_unit(state) < 0.1
                   ? 0
                   : (int64_t)(rc->d[i] / (8.0 + 20.0 * next_unit(state)));
    rc->c[i] = (int64_t)(rc->d[i] * (0.7 + 0.6 * next_unit(state)));
    rc->group[i] = (size_t)(next_u64(state) % rc->n_groups);
  }
}

static struct es_indicators_input case_input(const struct random_case *rc) {
  const struct es_indicators_input in = {.n_regions = rc->n,
                                         .n_stages = 1,
                                         .students = rc->d,
                                         .teachers = rc->t,
                                         .seats = rc->c,
                                         .group = rc->group,
                                         .n_groups = rc->n_groups};
  return in;
}

static void test_random_properties(void) {
  enum { N_MAX = 3000, N_CASES = 40 };
  const struct es_stage stage = make_stage(17.5, 1.0, 1.0);
  struct random_case rc = {0, NULL, NULL, NULL, NULL, 1};
  rc.d = malloc(N_MAX * sizeof *rc.d);
  rc.t = malloc(N_MAX * sizeof *rc.t);
  rc.c = malloc(N_MAX * sizeof *rc.c);
  rc.group = malloc(N_MAX * sizeof *rc.group);
  double *pd = malloc(N_MAX * sizeof *pd);
  int64_t *pt = malloc(N_MAX * sizeof *pt);
  int64_t *pc = malloc(N_MAX * sizeof *pc);
  size_t *pg = malloc(N_MAX * sizeof *pg);
  size_t *perm = malloc(N_MAX * sizeof *perm);
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(N_MAX, 7, &err);
  ES_CHECK(rc.d != NULL && rc.t != NULL && rc.c != NULL && rc.group != NULL &&
           pd != NULL && pt != NULL && pc != NULL && pg != NULL &&
           perm != NULL && ws != NULL);
  if (ws == NULL || perm == NULL) {
    goto cleanup;
  }
  uint64_t state = UINT64_C(20240917);
  size_t bad_bounds = 0, bad_gini = 0, bad_theil = 0, bad_split = 0;
  size_t bad_perm = 0, bad_repeat = 0;
  for (size_t i_case = 0; i_case < N_CASES; i_case++) {
    /* Sizes from 2 to 3000, the last one the full size of the brief. */
    rc.n = i_case + 1 == N_CASES ? N_MAX : 2 + next_u64(&state) % 400;
    rc.n_groups = 1 + next_u64(&state) % 7;
    fill_random(&rc, &state);
    if (i_case % 5 == 0) {
      /* Many ties of x: teachers a fixed multiple of a few pupil sizes. */
      for (size_t i = 0; i < rc.n; i++) {
        rc.d[i] = (double)(20 * (1 + next_u64(&state) % 4));
        rc.t[i] = (int64_t)(1 + next_u64(&state) % 3);
      }
    }
    const struct es_indicators_input in = case_input(&rc);
    struct es_indicators ind, again;
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
    ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &again, ws, &err),
                    ES_OK);
    if (memcmp(&ind, &again, sizeof ind) != 0) {
      bad_repeat++;
    }
    if (!(ind.gini >= 0.0 && ind.gini < 1.0 && ind.theil >= 0.0 &&
          ind.theil_between >= 0.0 && ind.theil_within >= 0.0 &&
          ind.unmet_share >= 0.0 && ind.unmet_share <= 1.0 &&
          ind.over_standard_share >= 0.0 && ind.over_standard_share <= 1.0)) {
      bad_bounds++;
    }
    const struct literal lit =
        literal_indices(rc.n, rc.d, rc.t, rc.group, rc.n_groups);
    if (!near_rel(ind.gini, lit.gini, TOL_REL)) {
      bad_gini++;
      printf("case %zu: gini %.17g, literal %.17g\n", i_case, ind.gini,
             lit.gini);
    }
    if (!near_rel(ind.theil, lit.theil, TOL_REL) ||
        !near_rel(ind.theil_between, lit.between, TOL_REL) ||
        !near_rel(ind.theil_within, lit.within, TOL_REL)) {
      bad_theil++;
      printf("case %zu: theil %.17g %.17g %.17g, literal %.17g %.17g %.17g\n",
             i_case, ind.theil, ind.theil_between, ind.theil_within, lit.theil,
             lit.between, lit.within);
    }
    if (!near_rel(ind.theil_between + ind.theil_within, ind.theil, TOL_REL)) {
      bad_split++;
    }
    /* A random permutation of the regions (Fisher-Yates). */
    for (size_t i = 0; i < rc.n; i++) {
      perm[i] = i;
    }
    for (size_t i = rc.n; i-- > 1;) {
      const size_t j = (size_t)(next_u64(&state) % (i + 1));
      const size_t s = perm[i];
      perm[i] = perm[j];
      perm[j] = s;
    }
    for (size_t i = 0; i < rc.n; i++) {
      pd[i] = rc.d[perm[i]];
      pt[i] = rc.t[perm[i]];
      pc[i] = rc.c[perm[i]];
      pg[i] = rc.group[perm[i]];
    }
    const struct random_case pcase = {rc.n, pd, pt, pc, pg, rc.n_groups};
    const struct es_indicators_input pin = case_input(&pcase);
    struct es_indicators pind;
    ES_CHECK_INT_EQ(es_indicators_stage(&pin, &stage, 0, &pind, ws, &err),
                    ES_OK);
    if (!near_rel(pind.gini, ind.gini, TOL_REL) ||
        !near_rel(pind.theil, ind.theil, TOL_REL) ||
        !near_rel(pind.theil_between, ind.theil_between, TOL_REL) ||
        !near_rel(pind.theil_within, ind.theil_within, TOL_REL) ||
        !near_rel(pind.students, ind.students, TOL_REL) ||
        pind.teachers != ind.teachers || pind.seats != ind.seats) {
      bad_perm++;
    }
  }
  ES_CHECK_INT_EQ(bad_bounds, 0);
  ES_CHECK_INT_EQ(bad_gini, 0);
  ES_CHECK_INT_EQ(bad_theil, 0);
  ES_CHECK_INT_EQ(bad_split, 0);
  ES_CHECK_INT_EQ(bad_perm, 0);
  ES_CHECK_INT_EQ(bad_repeat, 0);
cleanup:
  es_indicators_ws_free(ws);
  free(rc.d);
  free(rc.t);
  free(rc.c);
  free(rc.group);
  free(pd);
  free(pt);
  free(pc);
  free(pg);
  free(perm);
}

/* Nearly equal teachers per student (what allocation by residents gives):
 * the Gini and Theil indices are tiny and must still match the literal
 * definitions (in long double) to the accuracy the rounded x_i allow. */
static void test_nearly_equal(void) {
  enum { N = 200 };
  const struct es_stage stage = make_stage(19.0, 0.0, 0.0);
  double d[N];
  int64_t t[N], c[N];
  size_t group[N];
  uint64_t state = UINT64_C(77);
  for (size_t i = 0; i < N; i++) {
    t[i] = 100000 + (int64_t)(next_u64(&state) % 3);
    d[i] = 1900000.0;
    c[i] = 1900000;
    group[i] = i % 3;
  }
  const struct es_indicators_input in = {.n_regions = N,
                                         .n_stages = 1,
                                         .students = d,
                                         .teachers = t,
                                         .seats = c,
                                         .group = group,
                                         .n_groups = 3};
  struct es_error err;
  es_error_clear(&err);
  struct es_indicators_ws *ws = es_indicators_ws_alloc(N, 3, &err);
  struct es_indicators ind;
  ES_CHECK_INT_EQ(es_indicators_stage(&in, &stage, 0, &ind, ws, &err), ES_OK);
  const struct literal lit = literal_indices(N, d, t, group, 3);
  /* The x_i = T_i/D_i themselves are rounded to double (relative 1.1e-16)
   * while they differ by about 1e-5 of their size, so no double computation
   * from them is better than about 1e-11 relative: compare at 1e-10. */
  ES_CHECK(ind.gini > 0.0 && ind.gini < 1e-5);
  ES_CHECK(near_rel(ind.gini, lit.gini, 1e-10));
  ES_CHECK(ind.theil > 0.0 && ind.theil < 1e-9);
  /* The Theil index of near-equal values is ~ (spread)^2 / 2, about 1e-10
   * here; its relative accuracy is bounded by that of x_i/mu - 1 (~1e-5),
   * so compare at 1e-9 relative. */
  ES_CHECK(near_rel(ind.theil, lit.theil, 1e-9));
  ES_CHECK(near_rel(ind.theil_between + ind.theil_within, ind.theil, 1e-9));
  es_indicators_ws_free(ws);
}

int main(void) {
  test_records_hand();
  test_records_errors();
  test_system_hand();
  test_theil_two_provinces();
  test_system_edges();
  test_system_stride();
  test_system_errors();
  test_random_properties();
  test_nearly_equal();
  return es_test_summary();
}
