/* test_apportion.c: apportionment methods (MODEL 6).
 *
 * Hand-computed cases for every method, textbook paradoxes, quota and house
 * monotonicity properties on random cases, a brute-force oracle (the literal
 * one-unit-at-a-time definition, and a direct sort-based largest remainder)
 * on random tiny cases with minimums and ties, a large case that takes the
 * heap path, and every error code. Sources: M. L. Balinski and H. P. Young,
 * "Fair Representation", 2nd ed., Brookings 2001 (methods, quota and house
 * monotonicity); the numeric examples are constructed here and checked by
 * hand in the comments. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "es_test.h"
#include "models/apportion.h"

#define N_METHODS 6

/* Exact message check. ES_CHECK_STR_EQ's 1024-byte report buffer cannot hold
 * a 1024-byte message (gcc 12 -Wformat-truncation), so compare with strcmp and
 * show the text through ES_CHECK_CONTAINS, whose buffer is larger. */
#define CHECK_MESSAGE(message, want)          \
  do {                                        \
    ES_CHECK_CONTAINS((message), (want));     \
    ES_CHECK(strcmp((message), (want)) == 0); \
  } while (0)

static const enum es_apportion_method all_methods[N_METHODS] = {
    ES_APPORTION_HAMILTON,        ES_APPORTION_JEFFERSON, ES_APPORTION_WEBSTER,
    ES_APPORTION_HUNTINGTON_HILL, ES_APPORTION_ADAMS,     ES_APPORTION_DEAN,
};

/* Apportion and compare with the expected counts; prints the method on
 * failure through the check text. */
static void check_case(const enum es_apportion_method method,
                       const int64_t total, const size_t n,
                       const double *weight, const int64_t *minimum,
                       const int64_t *expected) {
  struct es_error err;
  es_error_clear(&err);
  struct es_apportion_ws *ws = es_apportion_ws_alloc(n, &err);
  ES_CHECK(ws != NULL);
  if (ws == NULL) {
    return;
  }
  int64_t out[16] = {0};
  int rc = es_apportion(method, total, n, weight, minimum, out, ws, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  bool same = rc == ES_OK;
  for (size_t i = 0; i < n && same; i++) {
    same = out[i] == expected[i];
  }
  char what[256];
  int used = snprintf(what, sizeof what, "%s N=%lld: got",
                      es_apportion_method_name(method), (long long)total);
  for (size_t i = 0; i < n && used > 0 && (size_t)used < sizeof what; i++) {
    used += snprintf(what + used, sizeof what - (size_t)used, " %lld",
                     (long long)out[i]);
  }
  es_test_report_(same, __FILE__, __LINE__, what);
  es_apportion_ws_free(ws);
}

static void test_names(void) {
  for (size_t k = 0; k < N_METHODS; k++) {
    enum es_apportion_method m = ES_APPORTION_HAMILTON;
    ES_CHECK(es_apportion_method_from_name(
        es_apportion_method_name(all_methods[k]), &m));
    ES_CHECK_INT_EQ(m, all_methods[k]);
  }
  enum es_apportion_method m = ES_APPORTION_DEAN;
  ES_CHECK_STR_EQ(es_apportion_method_name(ES_APPORTION_HUNTINGTON_HILL),
                  "huntington-hill");
  ES_CHECK_STR_EQ(es_apportion_method_name(ES_APPORTION_WEBSTER), "webster");
  ES_CHECK(!es_apportion_method_from_name("Webster", &m));
  ES_CHECK(!es_apportion_method_from_name("dhondt", &m));
  ES_CHECK(!es_apportion_method_from_name("", &m));
  ES_CHECK_INT_EQ(m, ES_APPORTION_DEAN); /* untouched on failure */
  ES_CHECK_STR_EQ(es_apportion_method_name((enum es_apportion_method)99), "?");
}

/* Weights 7270, 1230, 1500 (sum 10000), 10 units; quotas 7.27, 1.23, 1.5.
 * Hamilton: floors 7,1,1 (9), the last unit to the largest remainder 0.5 (C):
 * 7,1,2. Jefferson, d = n+1: A 7270 3635 2423 1818 1454 1212 1039 909 808,
 * B 1230 615, C 1500 750; the 10 largest are A's first 8, C 1500, B 1230:
 * 8,1,1. Webster, d = n+1/2: A 14540 4847 2908 2077 1616 1322 1119 969,
 * B 2460 820, C 3000 1000; the 10 largest: A's first 7, B 2460, C 3000, 1000:
 * 7,1,2. Adams, d = n: three infinite first units, then A 7270 3635 2423 1818
 * 1454, C 1500, B 1230 (next would be A 1212): 6,2,2. Huntington-Hill:
 * d = 1.414 2.449 3.464 4.472 5.477 6.481: three infinities, A 5141 2968 2099
 * 1626 1327 1122, C 1061 (B's 870 and A's 971 miss): 7,1,2. Dean: d = 4/3
 * 2.4 3.429 4.444 5.455 6.462: three infinities, A 5453 3029 2120 1636 1333
 * 1125.1, C 1125.0: 7,1,2. */
static void test_hand_three_regions(void) {
  const double w[3] = {7270, 1230, 1500};
  check_case(ES_APPORTION_HAMILTON, 10, 3, w, NULL, (const int64_t[]){7, 1, 2});
  check_case(ES_APPORTION_JEFFERSON, 10, 3, w, NULL,
             (const int64_t[]){8, 1, 1});
  check_case(ES_APPORTION_WEBSTER, 10, 3, w, NULL, (const int64_t[]){7, 1, 2});
  check_case(ES_APPORTION_ADAMS, 10, 3, w, NULL, (const int64_t[]){6, 2, 2});
  check_case(ES_APPORTION_HUNTINGTON_HILL, 10, 3, w, NULL,
             (const int64_t[]){7, 1, 2});
  check_case(ES_APPORTION_DEAN, 10, 3, w, NULL, (const int64_t[]){7, 1, 2});
}

/* Weights 7, 4, 1 and 5 units separate all six methods' neighbours.
 * Hamilton: quotas 2.917 1.667 0.417, floors 2,1,0, remainders .917 .667 to A
 * and B: 3,2,0. Jefferson: A 7 3.5 2.33, B 4 2, C 1: 7 4 3.5 2.33 2 -> 3,2,0.
 * Webster: A 14 4.67 2.8, B 8 2.67, C 2: 14 8 4.67 2.8 2.67 -> 3,2,0.
 * Huntington-Hill: three infinities, A 7/1.414 = 4.95, A 7/2.449 = 2.858 beats
 * B 4/1.414 = 2.828 -> 3,1,1. Dean: three infinities, A 7/(4/3) = 5.25, B
 * 4/(4/3) = 3.0 beats A 7/2.4 = 2.917 -> 2,2,1. Adams: three infinities, A 7,
 * B 4 -> 2,2,1. */
static void test_hand_seven_four_one(void) {
  const double w[3] = {7, 4, 1};
  check_case(ES_APPORTION_HAMILTON, 5, 3, w, NULL, (const int64_t[]){3, 2, 0});
  check_case(ES_APPORTION_JEFFERSON, 5, 3, w, NULL, (const int64_t[]){3, 2, 0});
  check_case(ES_APPORTION_WEBSTER, 5, 3, w, NULL, (const int64_t[]){3, 2, 0});
  check_case(ES_APPORTION_HUNTINGTON_HILL, 5, 3, w, NULL,
             (const int64_t[]){3, 1, 1});
  check_case(ES_APPORTION_DEAN, 5, 3, w, NULL, (const int64_t[]){2, 2, 1});
  check_case(ES_APPORTION_ADAMS, 5, 3, w, NULL, (const int64_t[]){2, 2, 1});
}

/* Ties go to the lower index (MODEL 6), also when the quota estimate
 * overshoots and units are taken back: four equal weights, 2 units. Webster's
 * estimate rounds every quota 0.5 up (4 units), and the two removed must be
 * the last two the greedy would have given, regions 2 and 3. */
static void test_ties(void) {
  const double w[4] = {2.385, 2.385, 2.385, 2.385};
  for (size_t k = 0; k < N_METHODS; k++) {
    check_case(all_methods[k], 2, 4, w, NULL, (const int64_t[]){1, 1, 0, 0});
    check_case(all_methods[k], 7, 4, w, NULL, (const int64_t[]){2, 2, 2, 1});
  }
  /* Adams: d(0) = 0 is an infinite priority, so every region of positive
   * weight gets a first unit before any gets a second, whatever the weights;
   * among infinities the lower index wins. */
  const double v[3] = {1.5, 300.25, 7.125};
  check_case(ES_APPORTION_ADAMS, 2, 3, v, NULL, (const int64_t[]){1, 1, 0});
  check_case(ES_APPORTION_ADAMS, 3, 3, v, NULL, (const int64_t[]){1, 1, 1});
  check_case(ES_APPORTION_HUNTINGTON_HILL, 2, 3, v, NULL,
             (const int64_t[]){1, 1, 0});
  check_case(ES_APPORTION_DEAN, 3, 3, v, NULL, (const int64_t[]){1, 1, 1});
  /* Webster does not: 300.25/0.5 and 300.25/1.5 beat 7.125/0.5. */
  check_case(ES_APPORTION_WEBSTER, 3, 3, v, NULL, (const int64_t[]){0, 3, 0});
  /* Hamilton ties of remainders: 1,1,1 with 2 units, quotas 2/3 each. */
  const double u[3] = {1, 1, 1};
  check_case(ES_APPORTION_HAMILTON, 2, 3, u, NULL, (const int64_t[]){1, 1, 0});
}

/* Zero weights get their minimum only; minimums are honoured first. */
static void test_minimums_and_zero_weights(void) {
  /* Region 0 has weight 0 and minimum 2; regions 1 and 2 (3 : 1) share the
   * other 4. Webster: B 6, C 2, B 2 (tie with C 2 -> lower index B), B 1.2
   * -> 2,3,1. Hamilton: quotas 3, 1 -> 2,3,1. */
  const double w[3] = {0, 3, 1};
  const int64_t m[3] = {2, 0, 0};
  check_case(ES_APPORTION_WEBSTER, 6, 3, w, m, (const int64_t[]){2, 3, 1});
  check_case(ES_APPORTION_HAMILTON, 6, 3, w, m, (const int64_t[]){2, 3, 1});
  check_case(ES_APPORTION_ADAMS, 6, 3, w, m, (const int64_t[]){2, 3, 1});
  /* All weights 0 and the total equal to the minimums: everyone gets them. */
  const double z[3] = {0, 0, 0};
  const int64_t mz[3] = {1, 0, 4};
  for (size_t k = 0; k < N_METHODS; k++) {
    check_case(all_methods[k], 5, 3, z, mz, (const int64_t[]){1, 0, 4});
  }
  /* Webster with a binding minimum: 100, 10, 1 and 10 units, C at least 3.
   * A and B share 7: A 200 66.7 40 28.6 22.2 (B 20) 18.2 -> 6,1,3. */
  const double v[3] = {100, 10, 1};
  const int64_t mv[3] = {0, 0, 3};
  check_case(ES_APPORTION_WEBSTER, 10, 3, v, mv, (const int64_t[]){6, 1, 3});
  /* Hamilton with the same: quotas 9.01, 0.90, 0.09; C below 3 is held at 3;
   * A and B share 7: 6.36, 0.64 -> floors 6, 0 and B's 0.64 wins: 6,1,3. */
  check_case(ES_APPORTION_HAMILTON, 10, 3, v, mv, (const int64_t[]){6, 1, 3});
  /* Hamilton holding in two rounds: weights 50, 30, 15, 5, minimums 0, 0, 4, 4
   * and 12 units. Quotas 6, 3.6, 1.8, 0.6: C and D are held (8 units); A and
   * B share 4: quotas 2.5, 1.5, floors 2, 1, the tie of remainders 0.5 goes to
   * A: 3,1,4,4. */
  const double h[4] = {50, 30, 15, 5};
  const int64_t mh[4] = {0, 0, 4, 4};
  check_case(ES_APPORTION_HAMILTON, 12, 4, h, mh,
             (const int64_t[]){3, 1, 4, 4});
  /* Hamilton holding in a second round: weights 60, 30, 10, minimums 0, 3, 4
   * and 10 units. Quotas 6, 3, 1: only C is below its minimum (B's 3 is not
   * below 3); C is held at 4, and A and B share 6 by 60:30: 4, 2, so B is now
   * below 3 and held too; A gets the 3 left: 3,3,4. */
  const double g[3] = {60, 30, 10};
  const int64_t mg[3] = {0, 3, 4};
  check_case(ES_APPORTION_HAMILTON, 10, 3, g, mg, (const int64_t[]){3, 3, 4});
}

/* The Alabama paradox (Balinski & Young 2001, ch. 5; a constructed textbook
 * example, not the 1880 census figures): weights 6, 6, 2. With 10 units the
 * quotas are 4.286, 4.286, 1.429: floors 4,4,1 and the last unit to C
 * (remainder .429 > .286): 4,4,2. With 11 units the quotas are 4.714, 4.714,
 * 1.571: floors 4,4,1 and the two left to A and B (.714 > .571): 5,5,1. C
 * loses a unit when the house grows. Webster, a divisor method, only adds:
 * A and B have priorities 12 4 2.4 1.71 1.33, C 4 1.33; the 10 largest are
 * 12 12 4 4 4 2.4 2.4 1.71 1.71 and A's 1.33 (a three-way tie, lower index):
 * 5,4,1, and the 11th unit goes to B's 1.33: 5,5,1. */
static void test_alabama_paradox(void) {
  const double w[3] = {6, 6, 2};
  check_case(ES_APPORTION_HAMILTON, 10, 3, w, NULL, (const int64_t[]){4, 4, 2});
  check_case(ES_APPORTION_HAMILTON, 11, 3, w, NULL, (const int64_t[]){5, 5, 1});
  check_case(ES_APPORTION_WEBSTER, 10, 3, w, NULL, (const int64_t[]){5, 4, 1});
  check_case(ES_APPORTION_WEBSTER, 11, 3, w, NULL, (const int64_t[]){5, 5, 1});
}

/* Quota violations (Balinski & Young 2001, ch. 10: no divisor method stays
 * within quota). Jefferson: 86, 7, 7 and 10 units, A's quota 8.6; A's tenth
 * unit has priority 86/10 = 8.6 > 7, so A takes all 10 > ceil(8.6).
 * Adams: 88, 3, 3, 3, 3 and 10 units, A's quota 8.8; five infinite first
 * units, then A 88/1 .. 88/5 = 17.6 > 3: A gets 6 < floor(8.8). */
static void test_quota_violations(void) {
  const double w[3] = {86, 7, 7};
  check_case(ES_APPORTION_JEFFERSON, 10, 3, w, NULL,
             (const int64_t[]){10, 0, 0});
  check_case(ES_APPORTION_HAMILTON, 10, 3, w, NULL, (const int64_t[]){8, 1, 1});
  const double v[5] = {88, 3, 3, 3, 3};
  check_case(ES_APPORTION_ADAMS, 10, 5, v, NULL,
             (const int64_t[]){6, 1, 1, 1, 1});
  check_case(ES_APPORTION_HAMILTON, 10, 5, v, NULL,
             (const int64_t[]){9, 1, 0, 0, 0});
}

/* Quotas computed in floating point can all fall a hair below whole numbers:
 * weights 0.1 and 0.2 sum to 0.30000000000000004, so 36 units give quotas
 * 11.999999999999998 and 23.999999999999996, lower quotas 11 and 23, and
 * two units left for two regions. Each gets one: 12 and 24, the exact
 * answer. Likewise 3.3 and 1.1 with 60 units: 45 and 15. */
static void test_hamilton_rounding(void) {
  check_case(ES_APPORTION_HAMILTON, 36, 2, (const double[]){0.1, 0.2}, NULL,
             (const int64_t[]){12, 24});
  check_case(ES_APPORTION_HAMILTON, 60, 2, (const double[]){3.3, 1.1}, NULL,
             (const int64_t[]){45, 15});
}

/* ---- oracles ------------------------------------------------------------- */

/* The divisor priority of MODEL 6, written out again from the definition. */
static double oracle_priority(const enum es_apportion_method method,
                              const double w, const int64_t n) {
  double x = (double)n;
  double d = 0.0;
  switch (method) {
    case ES_APPORTION_JEFFERSON:
      d = x + 1.0;
      break;
    case ES_APPORTION_WEBSTER:
      d = x + 0.5;
      break;
    case ES_APPORTION_HUNTINGTON_HILL:
      d = sqrt(x * (x + 1.0));
      break;
    case ES_APPORTION_ADAMS:
      d = x;
      break;
    case ES_APPORTION_DEAN:
      d = n == 0 ? 0.0 : x * (x + 1.0) / (x + 0.5);
      break;
    default:
      break;
  }
  return d == 0.0 ? INFINITY : w / d;
}

/* Literal definition: start at the minimums and give one unit at a time to
 * the largest priority, ties to the lower index. */
static int oracle_divisor(const enum es_apportion_method method,
                          const int64_t total, const size_t n, const double *w,
                          const int64_t *m, int64_t *out) {
  int64_t m_sum = 0;
  bool any_positive = false;
  for (size_t i = 0; i < n; i++) {
    out[i] = m[i];
    m_sum += m[i];
    any_positive = any_positive || w[i] > 0.0;
  }
  if (total < m_sum || (total > m_sum && !any_positive)) {
    return ES_EINFEASIBLE;
  }
  for (int64_t k = m_sum; k < total; k++) {
    size_t best = n;
    double best_p = 0.0;
    for (size_t i = 0; i < n; i++) {
      if (w[i] > 0.0) {
        double p = oracle_priority(method, w[i], out[i]);
        if (best == n || p > best_p) {
          best = i;
          best_p = p;
        }
      }
    }
    out[best]++;
  }
  return ES_OK;
}

struct remainder {
  double value;
  size_t i;
};

static int by_remainder(const void *a, const void *b) {
  const struct remainder *x = a;
  const struct remainder *y = b;
  if (x->value != y->value) {
    return x->value > y->value ? -1 : 1;
  }
  return x->i < y->i ? -1 : (x->i > y->i ? 1 : 0);
}

/* Direct largest remainder with minimums: hold the regions whose quota falls
 * below the minimum, recompute, then sort the remainders. */
static int oracle_hamilton(const int64_t total, const size_t n, const double *w,
                           const int64_t *m, int64_t *out) {
  int64_t m_sum = 0;
  bool any_positive = false;
  bool held[16];
  double q[16];
  int64_t rest = total;
  for (size_t i = 0; i < n; i++) {
    m_sum += m[i];
    any_positive = any_positive || w[i] > 0.0;
    held[i] = !(w[i] > 0.0);
    if (held[i]) {
      out[i] = m[i];
      rest -= m[i];
    }
  }
  if (total < m_sum || (total > m_sum && !any_positive)) {
    return ES_EINFEASIBLE;
  }
  for (;;) {
    double w_free = 0.0;
    for (size_t i = 0; i < n; i++) {
      w_free += held[i] ? 0.0 : w[i];
    }
    if (!(w_free > 0.0)) {
      return ES_OK;
    }
    for (size_t i = 0; i < n; i++) {
      q[i] = held[i] ? 0.0 : w[i] * (double)rest / w_free;
    }
    bool changed = false;
    for (size_t i = 0; i < n; i++) {
      if (!held[i] && q[i] < (double)m[i]) {
        held[i] = true;
        out[i] = m[i];
        rest -= m[i];
        changed = true;
      }
    }
    if (!changed) {
      break;
    }
  }
  struct remainder r[16];
  size_t n_free = 0;
  int64_t left = rest;
  for (size_t i = 0; i < n; i++) {
    if (!held[i]) {
      out[i] = (int64_t)floor(q[i]);
      left -= out[i];
      r[n_free++] = (struct remainder){q[i] - floor(q[i]), i};
    }
  }
  qsort(r, n_free, sizeof r[0], by_remainder);
  /* Rounding can leave as many units as free regions (see
   * test_hamilton_rounding): serve the sorted remainders again from the top. */
  for (size_t k = 0; k < (size_t)left; k++) {
    out[r[k % n_free].i]++;
  }
  return ES_OK;
}

/* Random tiny cases: n <= 6, N <= 30, random minimums, weights drawn from a
 * few values so that ties are frequent, zeros included. */
static void test_oracle(gsl_rng *rng) {
  static const double pool[] = {0,     1,   1,  2,   3,   4,   6,
                                2.385, 0.5, 12, 0.1, 0.2, 1.1, 3.3};
  struct es_error err;
  struct es_apportion_ws *ws = es_apportion_ws_alloc(6, &err);
  ES_CHECK(ws != NULL);
  long mismatches = 0;
  long codes_differ = 0;
  long feasible = 0;
  for (int trial = 0; trial < 20000; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(rng, 6);
    double w[6];
    int64_t m[6];
    bool use_min = gsl_rng_uniform(rng) < 0.5;
    for (size_t i = 0; i < n; i++) {
      w[i] = gsl_rng_uniform(rng) < 0.3
                 ? 10.0 * gsl_rng_uniform(rng)
                 : pool[gsl_rng_uniform_int(rng, sizeof pool / sizeof pool[0])];
      m[i] = use_min ? (int64_t)gsl_rng_uniform_int(rng, 4) : 0;
    }
    int64_t total = (int64_t)gsl_rng_uniform_int(rng, 31);
    for (size_t k = 0; k < N_METHODS; k++) {
      int64_t got[6];
      int64_t want[6];
      int rc = es_apportion(all_methods[k], total, n, w, m, got, ws, &err);
      int rc_want = all_methods[k] == ES_APPORTION_HAMILTON
                        ? oracle_hamilton(total, n, w, m, want)
                        : oracle_divisor(all_methods[k], total, n, w, m, want);
      if (rc != rc_want) {
        codes_differ++;
        continue;
      }
      if (rc != ES_OK) {
        continue;
      }
      feasible++;
      if (memcmp(got, want, n * sizeof got[0]) != 0) {
        if (mismatches < 5) {
          printf("mismatch %s N=%lld n=%zu:",
                 es_apportion_method_name(all_methods[k]), (long long)total, n);
          for (size_t i = 0; i < n; i++) {
            printf(" [w %g m %lld got %lld want %lld]", w[i], (long long)m[i],
                   (long long)got[i], (long long)want[i]);
          }
          printf("\n");
        }
        mismatches++;
      }
    }
  }
  ES_CHECK_INT_EQ(codes_differ, 0);
  ES_CHECK_INT_EQ(mismatches, 0);
  ES_CHECK(feasible > 50000); /* most trials must exercise the comparison */
  es_apportion_ws_free(ws);
}

/* Hamilton without minimums stays within quota: floor(q) <= n <= ceil(q). */
static void test_hamilton_quota(gsl_rng *rng) {
  struct es_error err;
  struct es_apportion_ws *ws = es_apportion_ws_alloc(40, &err);
  long outside = 0;
  long bad_sum = 0;
  for (int trial = 0; trial < 2000; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(rng, 40);
    double w[40];
    double w_sum = 0.0;
    for (size_t i = 0; i < n; i++) {
      w[i] = 1000.0 * gsl_rng_uniform_pos(rng);
      w_sum += w[i];
    }
    int64_t total = (int64_t)gsl_rng_uniform_int(rng, 500);
    int64_t out[40];
    int rc =
        es_apportion(ES_APPORTION_HAMILTON, total, n, w, NULL, out, ws, &err);
    ES_CHECK_INT_EQ(rc, ES_OK);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
      double q = w[i] * (double)total / w_sum;
      if ((double)out[i] < floor(q - 1e-9) || (double)out[i] > ceil(q + 1e-9)) {
        outside++;
      }
      sum += out[i];
    }
    bad_sum += sum != total;
  }
  ES_CHECK_INT_EQ(outside, 0);
  ES_CHECK_INT_EQ(bad_sum, 0);
  es_apportion_ws_free(ws);
}

/* Divisor methods are house monotone (Balinski & Young 2001, ch. 6): going
 * from N to N + 1 units never takes a unit from anyone, minimums included. */
static void test_house_monotone(gsl_rng *rng) {
  struct es_error err;
  struct es_apportion_ws *ws = es_apportion_ws_alloc(12, &err);
  long paradoxes = 0;
  long checked = 0;
  for (int trial = 0; trial < 300; trial++) {
    size_t n = 2 + gsl_rng_uniform_int(rng, 11);
    double w[12];
    int64_t m[12];
    int64_t m_sum = 0;
    for (size_t i = 0; i < n; i++) {
      w[i] =
          gsl_rng_uniform(rng) < 0.1 ? 0.0 : 100.0 * gsl_rng_uniform_pos(rng);
      m[i] = (int64_t)gsl_rng_uniform_int(rng, 3);
      m_sum += m[i];
    }
    w[0] = 17.25; /* at least one positive weight */
    for (size_t k = 1; k < N_METHODS; k++) {
      int64_t before[12];
      int rc = es_apportion(all_methods[k], m_sum, n, w, m, before, ws, &err);
      ES_CHECK_INT_EQ(rc, ES_OK);
      for (int64_t total = m_sum + 1; total <= m_sum + 80; total++) {
        int64_t after[12];
        rc = es_apportion(all_methods[k], total, n, w, m, after, ws, &err);
        if (rc != ES_OK) {
          paradoxes++;
          break;
        }
        for (size_t i = 0; i < n; i++) {
          paradoxes += after[i] < before[i];
        }
        memcpy(before, after, n * sizeof after[0]);
        checked++;
      }
    }
  }
  ES_CHECK_INT_EQ(paradoxes, 0);
  ES_CHECK(checked == 300L * 5 * 80);
  es_apportion_ws_free(ws);
}

/* The result of a divisor method is the top K of the order (priority
 * descending, index ascending) of MODEL 6 iff every item taken comes before
 * every item not taken: the worst taken (smallest w / d(n - 1) above the
 * minimum, ties to the higher index) beats the best untaken (largest w / d(n),
 * ties to the lower index). This checks it directly, without the greedy. */
static bool divisor_is_exact(const enum es_apportion_method method,
                             const size_t n, const double *w, const int64_t *m,
                             const int64_t *out) {
  size_t worst = n;
  double worst_p = 0.0;
  size_t best = n;
  double best_p = 0.0;
  for (size_t i = 0; i < n; i++) {
    int64_t lo = m != NULL ? m[i] : 0;
    if (!(w[i] > 0.0)) {
      if (out[i] != lo) {
        return false;
      }
      continue;
    }
    if (out[i] < lo) {
      return false;
    }
    if (out[i] > lo) {
      double p = oracle_priority(method, w[i], out[i] - 1);
      if (worst == n || p < worst_p || (p == worst_p && i > worst)) {
        worst = i;
        worst_p = p;
      }
    }
    double p = oracle_priority(method, w[i], out[i]);
    if (best == n || p > best_p || (p == best_p && i < best)) {
      best = i;
      best_p = p;
    }
  }
  if (worst == n || best == n) {
    return true;
  }
  return worst_p > best_p || (worst_p == best_p && worst < best);
}

/* 10^6 units over 3,000 regions, with and without heavy minimums: runs the
 * threshold estimate, its refinement and the heap (not timed). */
static void test_large(gsl_rng *rng) {
  const size_t n = 3000;
  const int64_t total = 1000000;
  struct es_error err;
  struct es_apportion_ws *ws = es_apportion_ws_alloc(n, &err);
  double *w = malloc(n * sizeof *w);
  int64_t *m = malloc(n * sizeof *m);
  int64_t *out = malloc(n * sizeof *out);
  ES_CHECK(ws != NULL && w != NULL && m != NULL && out != NULL);
  if (ws == NULL || w == NULL || m == NULL || out == NULL) {
    goto cleanup;
  }
  for (size_t i = 0; i < n; i++) {
    /* Skewed, like county populations; a few zeros; minimums of 300 bind
     * for most regions (3000 * 300 = 900,000 of the 10^6 units). */
    double u = gsl_rng_uniform_pos(rng);
    w[i] = i % 97 == 5 ? 0.0 : floor(1e6 * u * u * u * u) + 1.0;
    m[i] = 300;
  }
  for (int with_min = 0; with_min < 2; with_min++) {
    const int64_t *mm = with_min ? m : NULL;
    for (size_t k = 0; k < N_METHODS; k++) {
      int rc = es_apportion(all_methods[k], total, n, w, mm, out, ws, &err);
      ES_CHECK_INT_EQ(rc, ES_OK);
      int64_t sum = 0;
      for (size_t i = 0; i < n; i++) {
        sum += out[i];
      }
      ES_CHECK_INT_EQ(sum, total);
      if (all_methods[k] != ES_APPORTION_HAMILTON) {
        ES_CHECK(divisor_is_exact(all_methods[k], n, w, mm, out));
      }
    }
  }
  /* Integer weights with massive ties: 3000 equal weights, 10^6 + 7 units:
   * everyone gets 333, and the 7 + 1000 left... 10^6 + 7 = 3000 * 333 + 1007,
   * so the first 1007 regions get 334 for every method (lower index wins). */
  for (size_t i = 0; i < n; i++) {
    w[i] = 41.0;
  }
  for (size_t k = 0; k < N_METHODS; k++) {
    int rc = es_apportion(all_methods[k], total + 7, n, w, NULL, out, ws, &err);
    ES_CHECK_INT_EQ(rc, ES_OK);
    ES_CHECK_INT_EQ(out[0], 334);
    ES_CHECK_INT_EQ(out[1006], 334);
    ES_CHECK_INT_EQ(out[1007], 333);
    ES_CHECK_INT_EQ(out[n - 1], 333);
  }
cleanup:
  free(out);
  free(m);
  free(w);
  es_apportion_ws_free(ws);
}

/* Divisor results on random mid-size cases satisfy the top-K condition. */
static void test_divisor_exact_random(gsl_rng *rng) {
  struct es_error err;
  struct es_apportion_ws *ws = es_apportion_ws_alloc(200, &err);
  long wrong = 0;
  for (int trial = 0; trial < 300; trial++) {
    size_t n = 1 + gsl_rng_uniform_int(rng, 200);
    double w[200];
    int64_t m[200];
    int64_t m_sum = 0;
    for (size_t i = 0; i < n; i++) {
      double u = gsl_rng_uniform_pos(rng);
      w[i] = trial % 2 ? floor(20.0 * u) : 1e4 * u * u * u;
      m[i] = trial % 3 == 0 ? (int64_t)gsl_rng_uniform_int(rng, 50) : 0;
      m_sum += m[i];
    }
    w[0] = 3.5;
    int64_t total = m_sum + (int64_t)gsl_rng_uniform_int(rng, 20000);
    for (size_t k = 1; k < N_METHODS; k++) {
      int64_t out[200];
      int rc = es_apportion(all_methods[k], total, n, w, m, out, ws, &err);
      ES_CHECK_INT_EQ(rc, ES_OK);
      int64_t sum = 0;
      for (size_t i = 0; i < n; i++) {
        sum += out[i];
      }
      wrong += sum != total || !divisor_is_exact(all_methods[k], n, w, m, out);
    }
  }
  ES_CHECK_INT_EQ(wrong, 0);
  es_apportion_ws_free(ws);
}

/* Every error code a caller can provoke, with its message. */
static void test_errors(void) {
  struct es_error err;
  es_error_clear(&err);
  struct es_apportion_ws *ws = es_apportion_ws_alloc(3, &err);
  ES_CHECK(ws != NULL);
  const double w[3] = {2.5, 1.25, 0.75};
  const int64_t m[3] = {1, 2, 3};
  int64_t out[3];
  for (size_t k = 0; k < N_METHODS; k++) {
    enum es_apportion_method method = all_methods[k];
    es_error_clear(&err);
    ES_CHECK_INT_EQ(es_apportion(method, -1, 3, w, NULL, out, ws, &err),
                    ES_EINVAL);
    ES_CHECK_INT_EQ(err.code, ES_EINVAL);
    ES_CHECK_CONTAINS(err.message,
                      "total is -1 (expected a whole number >= 0)");

    ES_CHECK_INT_EQ(es_apportion(method, INT64_C(9007199254740993), 3, w, NULL,
                                 out, ws, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, "expected at most 2^53");

    ES_CHECK_INT_EQ(es_apportion(method, 5, 3, w, m, out, ws, &err),
                    ES_EINFEASIBLE);
    CHECK_MESSAGE(err.message,
                  "5 units cannot cover the minimums, which sum to 6");

    const double zero[3] = {0, 0, 0};
    ES_CHECK_INT_EQ(es_apportion(method, 7, 3, zero, m, out, ws, &err),
                    ES_EINFEASIBLE);
    ES_CHECK_CONTAINS(err.message, "7 units exceed the minimums (sum 6)");
    ES_CHECK_CONTAINS(err.message, "every weight is 0");
    ES_CHECK_INT_EQ(es_apportion(method, 1, 3, zero, NULL, out, ws, &err),
                    ES_EINFEASIBLE);

    const double neg[3] = {2.5, -0.5, 1};
    ES_CHECK_INT_EQ(es_apportion(method, 4, 3, neg, NULL, out, ws, &err),
                    ES_EINVAL);
    CHECK_MESSAGE(err.message,
                  "weight of region 1 is -0.5 (expected a finite number "
                  ">= 0)");
    const double nan_w[3] = {2.5, 1, NAN};
    ES_CHECK_INT_EQ(es_apportion(method, 4, 3, nan_w, NULL, out, ws, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, "weight of region 2 is nan");
    const double inf_w[3] = {INFINITY, 1, 1};
    ES_CHECK_INT_EQ(es_apportion(method, 4, 3, inf_w, NULL, out, ws, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, "weight of region 0 is inf");
    const double huge[3] = {1.5e308, 1.5e308, 1};
    ES_CHECK_INT_EQ(es_apportion(method, 4, 3, huge, NULL, out, ws, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, "weights sum to more than the largest");

    const int64_t neg_m[3] = {0, 0, -2};
    ES_CHECK_INT_EQ(es_apportion(method, 4, 3, w, neg_m, out, ws, &err),
                    ES_EINVAL);
    CHECK_MESSAGE(err.message,
                  "minimum of region 2 is -2 (expected a whole number >= 0)");

    const double four[4] = {1, 1, 1, 1};
    int64_t out4[4];
    ES_CHECK_INT_EQ(es_apportion(method, 4, 4, four, NULL, out4, ws, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, "4 regions exceed the workspace's 3");

    ES_CHECK_INT_EQ(es_apportion(method, 4, 3, w, NULL, out, NULL, &err),
                    ES_EINVAL);
    ES_CHECK_CONTAINS(err.message, "workspace is NULL");

    /* The boundaries that are not errors: exactly the minimums, and zero
     * units over zero regions. */
    ES_CHECK_INT_EQ(es_apportion(method, 6, 3, w, m, out, ws, &err), ES_OK);
    ES_CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
    ES_CHECK_INT_EQ(es_apportion(method, 0, 0, NULL, NULL, NULL, ws, &err),
                    ES_OK);
    ES_CHECK_INT_EQ(es_apportion(method, 3, 0, NULL, NULL, NULL, ws, &err),
                    ES_EINFEASIBLE);
  }
  ES_CHECK_INT_EQ(
      es_apportion((enum es_apportion_method)42, 3, 3, w, NULL, out, ws, &err),
      ES_EINVAL);
  CHECK_MESSAGE(err.message, "unknown apportionment method 42");
  es_apportion_ws_free(ws);
  es_apportion_ws_free(NULL);

  /* A workspace for no regions is valid. */
  struct es_apportion_ws *ws0 = es_apportion_ws_alloc(0, &err);
  ES_CHECK(ws0 != NULL);
  ES_CHECK_INT_EQ(
      es_apportion(ES_APPORTION_WEBSTER, 0, 0, NULL, NULL, NULL, ws0, &err),
      ES_OK);
  es_apportion_ws_free(ws0);
}

int main(void) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 20261125);
  test_names();
  test_hand_three_regions();
  test_hand_seven_four_one();
  test_ties();
  test_minimums_and_zero_weights();
  test_alabama_paradox();
  test_quota_violations();
  test_hamilton_rounding();
  test_oracle(rng);
  test_hamilton_quota(rng);
  test_house_monotone(rng);
  test_divisor_exact_random(rng);
  test_large(rng);
  test_errors();
  gsl_rng_free(rng);
  return es_test_summary();
}
