/* draws.c: hypergeometric random variates for the stochastic population model
 * (the returns of MODEL 3.2, in the stochastic mode of MODEL 9): the number of
 * type-1 items in a sample drawn without replacement, and its multivariate form
 * by sequential conditional draws.
 *
 * Law: P(k) = C(n1, k) C(n2, t - k) / C(N, t), N = n1 + n2. Two symmetries
 * reduce every case to Hyp(M, N - M, n) with M = min(n1, n2) <= N/2 and
 * n = min(t, N - t) <= N/2 (Kachitvichyanukul and Schmeiser 1985): counting
 * type-2 items instead of type-1 (k -> n - k) and counting the items left
 * out instead of those drawn (k -> n1 - k). Small n uses the direct method:
 * n sequential draws, each type 1 with probability (type-1 left)/(items left).
 * Larger n uses Stadlober's ratio-of-uniforms algorithm HRUA (1989, 1990):
 * with U ~ U(0, 1], V ~ U[0, 1), X = a + h (V - 1/2) / U and K = floor(X),
 * accept K when U^2 <= f(K) / f(m), f the pmf and m its mode. The pair (U, V)
 * is uniform on a rectangle that contains {(u, v): u^2 <= f(floor(x)) / f(m)}
 * for the table-mountain width h = 2 (sqrt(2/e) sqrt(var + 1/2) + 3/2 -
 * sqrt(3/e)) and centre a = mean + 1/2 (Stadlober 1990, eq. 8), so the
 * accepted K has law f exactly. Two squeezes, U(4 - U) - 3 <= T (accept) and
 * U(U - T) >= 1 (reject), with T = ln(f(K) / f(m)), avoid most logarithms;
 * both follow from 2 ln U <= U(4 - U) - 3 and U^2 - 2 U ln U < 1 on (0, 1).
 * Unlike numpy the support is not cut at 16 standard deviations, so no
 * probability is lost. T is a sum of four log-factorial differences whose
 * arguments differ by |K - m|; each is computed from Stirling's series as
 * (x + 1/2) log1p(d / (y + 1)) + d (ln(y + 1) - 1) + corr(x + 1) - corr(y + 1)
 * with d = x - y, which avoids the cancellation of lgamma(x + 1) - lgamma(y +
 * 1): near 10^7 that difference errs by ~2e-8, this form by ~5e-11 (its
 * error grows as 1e-16 |d| ln(y), not as 1e-16 ln(y!)). */
#include "models/draws.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include <gsl/gsl_sf_gamma.h>

#include "models/error.h"

/* Counts up to ES_DRAWS_COUNT_MAX = 2^53 travel in unsigned long. */
_Static_assert(sizeof(unsigned long) >= 8,
               "models/draws.c needs a 64-bit unsigned long (LP64)");

/* 2 sqrt(2/e) and 3 - 2 sqrt(3/e): h = HRUA_D1 sqrt(var + 1/2) + HRUA_D2
 * (Stadlober 1989, eq. 5.17). */
#define HRUA_D1 1.7155277699214135
#define HRUA_D2 0.8989161620588988

/* Below this argument ln x! is taken from GSL (its table of factorials);
 * from it on, Stirling's series to z^-7 errs by less than 1/(1188 z^9) <
 * 1e-13 (z = x + 1 >= 17). */
#define LNFACT_STIRLING_MIN 16.0

/* The largest argument gsl_sf_lnfact takes from its exact table. */
#define LNFACT_TABLE_MAX 170.0

/* ln x! for a whole x >= 0, exactly rounded for small x. */
static double lnfact(const double x) {
  if (x <= LNFACT_TABLE_MAX) {
    return gsl_sf_lnfact((unsigned int)x);
  }
  return gsl_sf_lngamma(x + 1.0);
}

/* Stirling's series of ln Gamma(z) - ((z - 1/2) ln z - z + ln(2 pi) / 2). */
static double stirling_corr(const double z) {
  const double r = 1.0 / z;
  const double r2 = r * r;
  return r * (1.0 / 12.0 -
              r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0))));
}

/* ln x! - ln y! where y is the argument at the mode of factorial j of h. */
static double lnfact_diff(const struct es__draws_hrua *h, const size_t j,
                          const double x) {
  const double y = h->y[j];
  if (x == y) {
    return 0.0;
  }
  if (x < LNFACT_STIRLING_MIN || y < LNFACT_STIRLING_MIN) {
    /* Small arguments: both log-factorials are small or the difference is
     * far in a tail (|x - y| is many standard deviations), where rounding
     * does not matter. */
    return lnfact(x) - (y < LNFACT_STIRLING_MIN ? h->lnfact_y[j] : lnfact(y));
  }
  const double d = x - y;
  const double zx = x + 1.0;
  return (zx - 0.5) * log1p(d / (y + 1.0)) + d * h->z_log_m1[j] +
         stirling_corr(zx) - h->z_corr[j];
}

/* floor(a b / c) without overflow, for a, b < c < 2^63: the product is built
 * bit by bit as q c + rem with rem < c. */
static uint64_t mul_div_floor(const uint64_t a, const uint64_t b,
                              const uint64_t c) {
  if (b == 0 || a <= UINT64_MAX / b) {
    return a * b / c;
  }
  uint64_t q = 0, rem = 0;
  for (int bit = 63; bit >= 0; bit--) {
    q <<= 1;
    rem <<= 1;
    if (rem >= c) {
      rem -= c;
      q++;
    }
    if ((a >> bit) & 1u) {
      rem += b;
      if (rem >= c) {
        rem -= c;
        q++;
      }
    }
  }
  return q;
}

void es__draws_hrua_setup(const unsigned long n1, const unsigned long n2,
                          const unsigned long t, struct es__draws_hrua *h) {
  const unsigned long n_total = n1 + n2;
  const unsigned long n_min = n1 < n2 ? n1 : n2;
  const unsigned long n_sample = t <= n_total - t ? t : n_total - t;
  ES_ASSERT(n_min >= 1 && n_sample >= 1 && n_total <= ES_DRAWS_COUNT_MAX);
  /* The mode of Hyp(M, N - M, n), exactly: the hat's test U^2 <= f(K)/f(m)
   * is only valid when f(m) is the largest value. */
  const unsigned long mode = (unsigned long)mul_div_floor(
      (uint64_t)n_sample + 1u, (uint64_t)n_min + 1u, (uint64_t)n_total + 2u);
  const double nt = (double)n_total, nm = (double)n_min, ns = (double)n_sample;
  const double p = nm / nt;
  const double var = ns * p * (1.0 - p) * (nt - ns) / (nt - 1.0);
  h->n_total = nt;
  h->n_min = nm;
  h->n_sample = ns;
  h->mode = (double)mode;
  h->centre = ns * p + 0.5;
  h->width = HRUA_D1 * sqrt(var + 0.5) + HRUA_D2;
  h->bound = fmin(ns, nm) + 1.0;
  const double m = h->mode;
  h->y[0] = m;
  h->y[1] = nm - m;
  h->y[2] = ns - m;
  h->y[3] = nt - nm - ns + m;
  for (size_t j = 0; j < 4; j++) {
    const double z = h->y[j] + 1.0;
    h->z_log_m1[j] = log(z) - 1.0;
    h->z_corr[j] = stirling_corr(z);
    /* Needed for small y only; a large y meets a small x only far in a
     * tail, where lnfact_diff computes ln y! itself. */
    h->lnfact_y[j] = h->y[j] < LNFACT_STIRLING_MIN ? lnfact(h->y[j]) : 0.0;
  }
}

double es__draws_hrua_log_ratio(const struct es__draws_hrua *h,
                                const double k) {
  /* f(k) is proportional to 1 / (k! (M - k)! (n - k)! (N - M - n + k)!). */
  return -(lnfact_diff(h, 0, k) + lnfact_diff(h, 1, h->n_min - k) +
           lnfact_diff(h, 2, h->n_sample - k) +
           lnfact_diff(h, 3, h->n_total - h->n_min - h->n_sample + k));
}

/* Algorithm HRUA: a draw of the reduced law Hyp(M, N - M, n). */
static unsigned long draw_hrua(const gsl_rng *r,
                               const struct es__draws_hrua *h) {
  for (;;) {
    const double u = gsl_rng_uniform_pos(r);
    const double v = gsl_rng_uniform(r);
    const double x = h->centre + h->width * (v - 0.5) / u;
    if (x < 0.0 || x >= h->bound) {
      continue; /* outside the support, where f = 0 */
    }
    const double k = floor(x);
    const double log_ratio = es__draws_hrua_log_ratio(h, k);
    if (u * (4.0 - u) - 3.0 <= log_ratio) {
      return (unsigned long)k; /* squeeze: surely 2 ln u <= log_ratio */
    }
    if (u * (u - log_ratio) >= 1.0) {
      continue; /* squeeze: surely 2 ln u > log_ratio */
    }
    if (2.0 * log(u) <= log_ratio) {
      return (unsigned long)k;
    }
  }
}

/* The direct method: the sample (or, when it is the smaller, the items left
 * out) drawn item by item; returns the type-1 items in the sample. */
static unsigned long draw_direct(const gsl_rng *r, const unsigned long n1,
                                 const unsigned long n2,
                                 const unsigned long t) {
  const unsigned long n_total = n1 + n2;
  const bool complement = t > n_total - t;
  unsigned long n_left = complement ? n_total - t : t;
  unsigned long good_left = n1, total_left = n_total;
  /* Once no type-1 item is left, or only type-1 items are, the rest of the
   * draw is certain. */
  while (n_left > 0 && good_left > 0 && total_left > good_left) {
    if (gsl_rng_uniform(r) * (double)total_left < (double)good_left) {
      good_left--;
    }
    total_left--;
    n_left--;
  }
  if (total_left == good_left) {
    good_left -= n_left;
  }
  return complement ? good_left : n1 - good_left;
}

unsigned long es_ran_hypergeometric(const gsl_rng *r, const unsigned long n1,
                                    const unsigned long n2,
                                    const unsigned long t) {
  ES_ASSERT(n1 <= ES_DRAWS_COUNT_MAX && n2 <= ES_DRAWS_COUNT_MAX - n1);
  const unsigned long n_total = n1 + n2;
  ES_ASSERT(t <= n_total);
  /* Certain outcomes consume nothing. */
  if (t == 0 || n1 == 0) {
    return 0;
  }
  if (n2 == 0) {
    return t;
  }
  if (t == n_total) {
    return n1;
  }
  const unsigned long n_sample = t <= n_total - t ? t : n_total - t;
  if (n_sample < ES_DRAWS_HRUA_MIN_SAMPLE) {
    return draw_direct(r, n1, n2, t);
  }
  struct es__draws_hrua h;
  es__draws_hrua_setup(n1, n2, t, &h);
  unsigned long k = draw_hrua(r, &h);
  if (n1 > n2) {
    k = n_sample - k; /* K counted type-2 items */
  }
  if (n_sample < t) {
    k = n1 - k; /* K counted the items left out */
  }
  return k;
}

void es_ran_multivariate_hypergeometric(const gsl_rng *r, const size_t k,
                                        const unsigned long *counts,
                                        const unsigned long t,
                                        unsigned long *out) {
  unsigned long n_left = 0;
  for (size_t i = 0; i < k; i++) {
    ES_ASSERT(counts[i] <= ES_DRAWS_COUNT_MAX - n_left);
    n_left += counts[i];
  }
  ES_ASSERT(t <= n_left);
  unsigned long t_left = t;
  for (size_t i = 0; i < k; i++) {
    n_left -= counts[i]; /* now the items of the categories after i */
    if (counts[i] == 0 || t_left == 0) {
      out[i] = 0;
      continue;
    }
    out[i] = es_ran_hypergeometric(r, counts[i], n_left, t_left);
    t_left -= out[i];
  }
}
