/* test_draws.c: the hypergeometric variates of models/draws.h.
 *
 * Every check is deterministic (gsl_rng_mt19937 with fixed seeds). For each
 * case (n1, n2, t), 200,000 draws must lie in the support
 * [max(0, t - n2), min(t, n1)]; their mean and variance must lie within 5
 * standard errors of the exact t n1/N and t (n1/N)(n2/N)(N - t)/(N - 1)
 * (the standard error of the sample variance is sqrt((m4 - s^4) / n_draws),
 * m4 the sample fourth central moment: the delta-method standard error, with
 * m4 estimated from the same 200,000 draws); their histogram must pass a
 * chi-square goodness-of-fit test against the exact pmf (lgammal) at
 * p > 1e-6; and, where GSL can draw the case, a chi-square homogeneity test
 * against 200,000 draws of gsl_ran_hypergeometric. The HRUA hat is checked
 * to dominate the pmf on a grid of laws (the condition that makes the method
 * exact), and its log pmf ratio against lgammal. The timing of 100,000 draws
 * with t = 10^4 against GSL's is printed, not asserted. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "es_test.h"
#include "models/draws.h"
#include "models/error.h"

#define N_DRAWS      200000ul
#define P_MIN        1e-6 /* significance level of every chi-square test */
#define N_SE         5.0  /* tolerance of mean and variance, in std errors */
#define MIN_EXPECTED 5.0  /* chi-square bins are merged up to this count */

/* ln C(n, k) in long double, for the exact pmf. */
static long double lchoose(const double n, const double k) {
  return lgammal((long double)n + 1.0L) - lgammal((long double)k + 1.0L) -
         lgammal((long double)(n - k) + 1.0L);
}

static double exact_pmf(const unsigned long n1, const unsigned long n2,
                        const unsigned long t, const unsigned long k) {
  const long double l = lchoose((double)n1, (double)k) +
                        lchoose((double)n2, (double)(t - k)) -
                        lchoose((double)(n1 + n2), (double)t);
  return (double)expl(l);
}

static unsigned long lo_of(const unsigned long n2, const unsigned long t) {
  return t > n2 ? t - n2 : 0;
}

static unsigned long hi_of(const unsigned long n1, const unsigned long t) {
  return t < n1 ? t : n1;
}

struct law {
  unsigned long n1, n2, t;
  bool vs_gsl; /* also compare with gsl_ran_hypergeometric */
};

/* Histogram of N_DRAWS draws over the support [lo, hi]; counts draws outside
 * it in *n_out. */
static unsigned long *histogram(gsl_rng *r, const struct law *c,
                                const bool use_gsl, unsigned long *n_out) {
  const unsigned long lo = lo_of(c->n2, c->t), hi = hi_of(c->n1, c->t);
  unsigned long *h = calloc(hi - lo + 1, sizeof *h);
  ES_ASSERT(h != NULL);
  *n_out = 0;
  for (unsigned long i = 0; i < N_DRAWS; i++) {
    const unsigned long k =
        use_gsl ? (unsigned long)gsl_ran_hypergeometric(r, (unsigned int)c->n1,
                                                        (unsigned int)c->n2,
                                                        (unsigned int)c->t)
                : es_ran_hypergeometric(r, c->n1, c->n2, c->t);
    if (k < lo || k > hi) {
      (*n_out)++;
    } else {
      h[k - lo]++;
    }
  }
  return h;
}

/* Chi-square goodness of fit of h against the exact pmf, bins merged from
 * the left until each expects MIN_EXPECTED draws (the remainder joins the
 * last bin). The pmf is computed on mean +- 40 sd; outside that window the
 * mass is below 1e-300 and the draws join the edge bins. */
static double gof_p(const struct law *c, const unsigned long *h,
                    const double mean, const double sd, size_t *n_bins) {
  const unsigned long lo = lo_of(c->n2, c->t), hi = hi_of(c->n1, c->t);
  const double w_lo = fmax((double)lo, floor(mean - 40.0 * sd - 1.0));
  const double w_hi = fmin((double)hi, ceil(mean + 40.0 * sd + 1.0));
  const unsigned long k_lo = (unsigned long)w_lo, k_hi = (unsigned long)w_hi;
  double chi2 = 0.0, bin_exp = 0.0, bin_obs = 0.0;
  double last_exp = 0.0, last_obs = 0.0;
  size_t bins = 0;
  for (unsigned long k = lo; k < k_lo; k++) {
    bin_obs += (double)h[k - lo];
  }
  for (unsigned long k = k_lo; k <= k_hi; k++) {
    bin_exp += (double)N_DRAWS * exact_pmf(c->n1, c->n2, c->t, k);
    bin_obs += (double)h[k - lo];
    if (bin_exp >= MIN_EXPECTED) {
      if (bins > 0) {
        chi2 += (last_obs - last_exp) * (last_obs - last_exp) / last_exp;
      }
      last_exp = bin_exp;
      last_obs = bin_obs;
      bins++;
      bin_exp = bin_obs = 0.0;
    }
  }
  for (unsigned long k = k_hi + 1; k <= hi; k++) {
    bin_obs += (double)h[k - lo];
  }
  last_exp += bin_exp;
  last_obs += bin_obs;
  chi2 += (last_obs - last_exp) * (last_obs - last_exp) / last_exp;
  *n_bins = bins;
  return bins >= 2 ? gsl_cdf_chisq_Q(chi2, (double)(bins - 1)) : 1.0;
}

/* Chi-square homogeneity of two histograms of N_DRAWS draws each; bins merged
 * until they hold 2 MIN_EXPECTED draws together. */
static double homogeneity_p(const unsigned long *a, const unsigned long *b,
                            const size_t n, size_t *n_bins) {
  double chi2 = 0.0, ba = 0.0, bb = 0.0, la = 0.0, lb = 0.0;
  size_t bins = 0;
  for (size_t i = 0; i < n; i++) {
    ba += (double)a[i];
    bb += (double)b[i];
    if (ba + bb >= 2.0 * MIN_EXPECTED) {
      if (bins > 0) {
        chi2 += (la - lb) * (la - lb) / (la + lb);
      }
      la = ba;
      lb = bb;
      bins++;
      ba = bb = 0.0;
    }
  }
  la += ba;
  lb += bb;
  if (la + lb > 0.0) {
    chi2 += (la - lb) * (la - lb) / (la + lb);
  }
  *n_bins = bins;
  return bins >= 2 ? gsl_cdf_chisq_Q(chi2, (double)(bins - 1)) : 1.0;
}

/* The exact fourth central moment of Hyp(n1, n2, t), summed over mean +- 40
 * sd (the mass outside is below 1e-300). */
static double exact_mu4(const unsigned long n1, const unsigned long n2,
                        const unsigned long t, const double mean,
                        const double sd) {
  const double w_lo = fmax((double)lo_of(n2, t), floor(mean - 40.0 * sd - 1.0));
  const double w_hi = fmin((double)hi_of(n1, t), ceil(mean + 40.0 * sd + 1.0));
  double mu4 = 0.0;
  for (unsigned long k = (unsigned long)w_lo; k <= (unsigned long)w_hi; k++) {
    const double d = (double)k - mean;
    mu4 += exact_pmf(n1, n2, t, k) * d * d * d * d;
  }
  return mu4;
}

/* 5 standard errors of the variance of N_DRAWS draws of a law with variance
 * var and fourth central moment mu4: Var(s^2) = mu4 / n - var^2 (n - 3) /
 * (n (n - 1)) (e.g. Kendall and Stuart, Advanced Theory of Statistics, vol.
 * 1, 10.07). */
static double var_tolerance(const double var, const double mu4) {
  const double n = (double)N_DRAWS;
  return N_SE *
         sqrt(fmax(mu4 / n - var * var * (n - 3.0) / (n * (n - 1.0)), 0.0));
}

static void check_law(gsl_rng *r, const struct law *c) {
  const unsigned long lo = lo_of(c->n2, c->t), hi = hi_of(c->n1, c->t);
  const double n1 = (double)c->n1, n2 = (double)c->n2, t = (double)c->t;
  const double nt = n1 + n2;
  const double mean = nt > 0.0 ? t * n1 / nt : 0.0;
  const double var =
      nt > 1.0 ? t * (n1 / nt) * (n2 / nt) * (nt - t) / (nt - 1.0) : 0.0;
  printf("law n1 = %lu, n2 = %lu, t = %lu: mean %.6g, variance %.6g\n", c->n1,
         c->n2, c->t, mean, var);

  unsigned long n_out = 0;
  unsigned long *h = histogram(r, c, /*use_gsl=*/false, &n_out);
  ES_CHECK_INT_EQ(n_out, 0);

  /* Sample moments from the histogram (shifted by lo against rounding). */
  double s1 = 0.0;
  for (unsigned long k = lo; k <= hi; k++) {
    s1 += (double)h[k - lo] * (double)(k - lo);
  }
  const double m = s1 / (double)N_DRAWS + (double)lo;
  double s2 = 0.0;
  for (unsigned long k = lo; k <= hi; k++) {
    const double d = (double)k - m;
    s2 += (double)h[k - lo] * d * d;
  }
  const double s_var = s2 / (double)(N_DRAWS - 1);
  if (var == 0.0) {
    /* A certain outcome: every draw is the one value of the support. */
    ES_CHECK_INT_EQ(lo, hi);
    ES_CHECK_INT_EQ(h[0], N_DRAWS);
    ES_CHECK_DOUBLE_EQ(m, mean);
    free(h);
    return;
  }
  ES_CHECK_NEAR(m, mean, N_SE * sqrt(var / (double)N_DRAWS));
  const double mu4 = exact_mu4(c->n1, c->n2, c->t, mean, sqrt(var));
  ES_CHECK_NEAR(s_var, var, var_tolerance(var, mu4));

  size_t bins = 0;
  const double p = gof_p(c, h, mean, sqrt(var), &bins);
  printf("  vs exact pmf: %zu bins, p = %.4g\n", bins, p);
  ES_CHECK(bins >= 2);
  ES_CHECK(p > P_MIN);

  if (c->vs_gsl) {
    unsigned long n_out_gsl = 0;
    unsigned long *g = histogram(r, c, /*use_gsl=*/true, &n_out_gsl);
    ES_CHECK_INT_EQ(n_out_gsl, 0);
    const double pg = homogeneity_p(h, g, hi - lo + 1, &bins);
    printf("  vs gsl_ran_hypergeometric: %zu bins, p = %.4g\n", bins, pg);
    ES_CHECK(bins >= 2);
    ES_CHECK(pg > P_MIN);
    free(g);
  }
  free(h);
}

/* ln(f(k)/f(m)) of Hyp(M, N - M, n) in long double. */
static double ref_log_ratio(const double nt, const double nm, const double ns,
                            const double m, const double k) {
  const long double a[4] = {m, nm - m, ns - m, nt - nm - ns + m};
  const long double b[4] = {k, nm - k, ns - k, nt - nm - ns + k};
  long double s = 0.0L;
  for (size_t j = 0; j < 4; j++) {
    s += lgammal(a[j] + 1.0L) - lgammal(b[j] + 1.0L);
  }
  return (double)s;
}

/* Checks at one k of the law of h: T(k) <= 0 (m is the mode), the hat
 * contains the region of acceptance over [k, k + 1), and T agrees with
 * lgammal. Returns the number of failures (only the first few are shown). */
static size_t check_hat_at(const struct es__draws_hrua *h, const double k) {
  const double tk = es__draws_hrua_log_ratio(h, k);
  const double ref =
      ref_log_ratio(h->n_total, h->n_min, h->n_sample, h->mode, k);
  const double reach = fmax(fabs(k - h->centre), fabs(k + 1.0 - h->centre));
  const bool ok = tk <= 1e-12 && exp(0.5 * tk) * reach <= 0.5 * h->width &&
                  fabs(tk - ref) <= 1e-9 + 1e-12 * fabs(ref);
  if (!ok) {
    printf(
        "  hat: N %.17g M %.17g n %.17g k %.17g: T %.17g (lgammal %.17g),"
        " reach %.17g, h/2 %.17g\n",
        h->n_total, h->n_min, h->n_sample, k, tk, ref, exp(0.5 * tk) * reach,
        0.5 * h->width);
  }
  return ok ? 0 : 1;
}

/* The hat of HRUA dominates on a grid of laws: on the whole support for
 * small ones, on mean +- 60 sd and the ends for large ones. */
static void check_hat(void) {
  const unsigned long totals[] = {32,   33,    40,      57,      100,    1001,
                                  4096, 25013, 1000003, 8000000, 9999991};
  const double fractions[] = {0.0, 0.01, 0.1, 0.25, 0.37, 0.5};
  size_t n_fail = 0, n_laws = 0;
  for (size_t i = 0; i < sizeof totals / sizeof totals[0]; i++) {
    const unsigned long nt = totals[i];
    for (size_t a = 0; a < sizeof fractions / sizeof fractions[0]; a++) {
      for (size_t b = 0; b < sizeof fractions / sizeof fractions[0]; b++) {
        unsigned long nm = (unsigned long)(fractions[a] * (double)nt);
        unsigned long ns = (unsigned long)(fractions[b] * (double)nt);
        nm = nm < 1 ? 1 : nm;
        ns = ns < ES_DRAWS_HRUA_MIN_SAMPLE ? ES_DRAWS_HRUA_MIN_SAMPLE : ns;
        struct es__draws_hrua h;
        es__draws_hrua_setup(nm, nt - nm, ns, &h);
        ES_CHECK_DOUBLE_EQ(h.n_min, (double)nm);
        ES_CHECK_DOUBLE_EQ(h.n_sample, (double)ns);
        ES_CHECK_DOUBLE_EQ(h.bound, (double)(nm < ns ? nm : ns) + 1.0);
        const double p = (double)nm / (double)nt;
        const double sd = sqrt((double)ns * p * (1.0 - p) * (double)(nt - ns) /
                               (double)(nt - 1));
        const double k_max = h.bound - 1.0;
        const double w_lo = fmax(0.0, floor(h.centre - 60.0 * sd));
        const double w_hi = fmin(k_max, ceil(h.centre + 60.0 * sd));
        n_fail += check_hat_at(&h, 0.0) + check_hat_at(&h, k_max);
        for (double k = w_lo; k <= w_hi; k += 1.0) {
          n_fail += check_hat_at(&h, k);
          if (n_fail > 5) {
            break;
          }
        }
        n_laws++;
      }
    }
  }
  printf("HRUA hat checked on %zu laws\n", n_laws);
  ES_CHECK_INT_EQ(n_fail, 0);
}

/* The mode of the reduced law is exact, even where (n + 1)(M + 1) overflows
 * 64 bits. */
static void check_mode_large(void) {
  /* N = 2^53, M = n = 2^52 - 100: m = floor((2^52 - 99)^2 / (2^53 + 2)).
   * With x = 2^52 - 99: x^2 = 2^104 - 198 2^52 + 9801, and
   * (2^53 + 2) q for q = 2^51 - 100 is 2^104 - 200 2^52 + 2^52 - 200 =
   * 2^104 - 199 2^52 - 200 <= x^2, while q + 1 gives 2^104 - 199 2^52 +
   * 2^53 - 198 = 2^104 - 197 2^52 - 198 > x^2. So m = 2^51 - 100. */
  const unsigned long nt = 1ul << 53, nm = (1ul << 52) - 100;
  struct es__draws_hrua h;
  es__draws_hrua_setup(nm, nt - nm, nm, &h);
  ES_CHECK_DOUBLE_EQ(h.mode, (double)((1ul << 51) - 100));
  /* A small one by hand: Hyp(M = 7, N = 40, n = 17): floor(18 8 / 42) = 3. */
  es__draws_hrua_setup(7, 33, 17, &h);
  ES_CHECK_DOUBLE_EQ(h.mode, 3.0);
  /* The mode of the symmetric reduction: n1 = 33 > n2 = 7, t = 23 > 20. */
  es__draws_hrua_setup(33, 7, 23, &h);
  ES_CHECK_DOUBLE_EQ(h.n_min, 7.0);
  ES_CHECK_DOUBLE_EQ(h.n_sample, 17.0);
  ES_CHECK_DOUBLE_EQ(h.mode, 3.0);
  ES_CHECK_NEAR(h.centre, 17.0 * 7.0 / 40.0 + 0.5, 1e-15);
}

/* Same seed, same draws; certain outcomes consume no random numbers. */
static void check_reproducible(void) {
  gsl_rng *r1 = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng *r2 = gsl_rng_alloc(gsl_rng_mt19937);
  ES_ASSERT(r1 != NULL && r2 != NULL);
  gsl_rng_set(r1, 90210ul);
  gsl_rng_set(r2, 90210ul);
  bool same = true;
  for (unsigned long i = 0; i < 1000; i++) {
    const unsigned long t = (i * 7919ul) % 5001ul;
    same = same && es_ran_hypergeometric(r1, 2385ul, 2616ul, t) ==
                       es_ran_hypergeometric(r2, 2385ul, 2616ul, t);
  }
  ES_CHECK(same);
  ES_CHECK_INT_EQ(es_ran_hypergeometric(r1, 0, 50, 20), 0);
  ES_CHECK_INT_EQ(es_ran_hypergeometric(r1, 50, 0, 20), 20);
  ES_CHECK_INT_EQ(es_ran_hypergeometric(r1, 31, 47, 0), 0);
  ES_CHECK_INT_EQ(es_ran_hypergeometric(r1, 31, 47, 78), 31);
  ES_CHECK_INT_EQ(es_ran_hypergeometric(r1, 0, 0, 0), 0);
  ES_CHECK_INT_EQ(gsl_rng_get(r1), gsl_rng_get(r2));
  gsl_rng_free(r1);
  gsl_rng_free(r2);
}

static void check_multivariate(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng *twin = gsl_rng_alloc(gsl_rng_mt19937);
  ES_ASSERT(r != NULL && twin != NULL);
  gsl_rng_set(r, 4242ul);
  gsl_rng_set(twin, 4242ul);
  enum { K = 8 };
  const unsigned long counts[K] = {0, 1200, 35, 0, 800000, 3, 2500, 0};
  unsigned long nt = 0;
  for (size_t i = 0; i < K; i++) {
    nt += counts[i];
  }
  unsigned long out[K];

  /* The documented order: sequential conditional draws in index order. */
  const unsigned long t_order = 400013ul;
  es_ran_multivariate_hypergeometric(r, K, counts, t_order, out);
  unsigned long left = nt, t_left = t_order;
  bool order_ok = true;
  for (size_t i = 0; i < K; i++) {
    left -= counts[i];
    unsigned long want = 0;
    if (counts[i] > 0 && t_left > 0) {
      want = es_ran_hypergeometric(twin, counts[i], left, t_left);
    }
    order_ok = order_ok && out[i] == want;
    t_left -= want;
  }
  ES_CHECK(order_ok);
  ES_CHECK_INT_EQ(gsl_rng_get(r), gsl_rng_get(twin));

  /* Certain samples: none, everything; neither consumes a random number. */
  es_ran_multivariate_hypergeometric(r, K, counts, 0, out);
  for (size_t i = 0; i < K; i++) {
    ES_CHECK_INT_EQ(out[i], 0);
  }
  es_ran_multivariate_hypergeometric(r, K, counts, nt, out);
  for (size_t i = 0; i < K; i++) {
    ES_CHECK_INT_EQ(out[i], counts[i]);
  }
  ES_CHECK_INT_EQ(gsl_rng_get(r), gsl_rng_get(twin));
  /* One category: the whole sample. */
  const unsigned long one = 77;
  es_ran_multivariate_hypergeometric(r, 1, &one, 50, out);
  ES_CHECK_INT_EQ(out[0], 50);

  /* Moments of each marginal, Hyp(counts[i], N - counts[i], t). */
  const unsigned long ts[] = {10, 4000, 400013, nt - 2};
  for (size_t c = 0; c < sizeof ts / sizeof ts[0]; c++) {
    const unsigned long t = ts[c];
    double mean[K], sum[K] = {0}, sum2[K] = {0};
    for (size_t i = 0; i < K; i++) {
      mean[i] = (double)t * (double)counts[i] / (double)nt;
    }
    bool sums_ok = true, bounds_ok = true;
    for (unsigned long i_draw = 0; i_draw < N_DRAWS; i_draw++) {
      es_ran_multivariate_hypergeometric(r, K, counts, t, out);
      unsigned long s = 0;
      for (size_t i = 0; i < K; i++) {
        s += out[i];
        bounds_ok =
            bounds_ok && out[i] <= counts[i] && out[i] + (nt - counts[i]) >= t;
        /* Deviations from the exact mean, against cancellation. */
        const double d = (double)out[i] - mean[i];
        sum[i] += d;
        sum2[i] += d * d;
      }
      sums_ok = sums_ok && s == t;
    }
    ES_CHECK(sums_ok);
    ES_CHECK(bounds_ok);
    for (size_t i = 0; i < K; i++) {
      /* The marginal of category i is Hyp(counts[i], N - counts[i], t). */
      const double p = (double)counts[i] / (double)nt;
      const double var =
          (double)t * p * (1.0 - p) * (double)(nt - t) / (double)(nt - 1);
      const double dm = sum[i] / (double)N_DRAWS; /* sample mean - mean */
      ES_CHECK_NEAR(dm + mean[i], mean[i],
                    N_SE * sqrt(var / (double)N_DRAWS) + 1e-9);
      const double v =
          (sum2[i] - (double)N_DRAWS * dm * dm) / (double)(N_DRAWS - 1);
      if (var > 0.0) {
        const double mu4 =
            exact_mu4(counts[i], nt - counts[i], t, mean[i], sqrt(var));
        ES_CHECK_NEAR(v, var, var_tolerance(var, mu4));
      } else {
        ES_CHECK_DOUBLE_EQ(v, 0.0);
      }
    }
  }
  gsl_rng_free(r);
  gsl_rng_free(twin);
}

/* Print (not assert) the time of 100,000 draws with t = 10^4. GSL's method
 * takes ~10 s for that many, so its time is measured on N_GSL_TIMED draws and
 * scaled (its cost per draw does not depend on the draw). */
#define N_GSL_TIMED 5000ul
static void time_draws(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  ES_ASSERT(r != NULL);
  gsl_rng_set(r, 7ul);
  const unsigned long n_draws = 100000ul;
  const unsigned long n1 = 30011ul, n2 = 49993ul, t = 10000ul;
  double sum_es = 0.0, sum_gsl = 0.0;
  clock_t c0 = clock();
  for (unsigned long i = 0; i < n_draws; i++) {
    sum_es += (double)es_ran_hypergeometric(r, n1, n2, t);
  }
  clock_t c1 = clock();
  for (unsigned long i = 0; i < N_GSL_TIMED; i++) {
    sum_gsl += (double)gsl_ran_hypergeometric(
        r, (unsigned int)n1, (unsigned int)n2, (unsigned int)t);
  }
  clock_t c2 = clock();
  const double es_s = (double)(c1 - c0) / CLOCKS_PER_SEC;
  const double gsl_s = (double)(c2 - c1) / CLOCKS_PER_SEC * (double)n_draws /
                       (double)N_GSL_TIMED;
  printf(
      "timing, %lu draws of Hyp(%lu, %lu, %lu): es_ran_hypergeometric "
      "%.3f s, gsl_ran_hypergeometric %.3f s (scaled from %lu draws), "
      "ratio %.0f; means %.2f and %.2f\n",
      n_draws, n1, n2, t, es_s, gsl_s, N_GSL_TIMED, gsl_s / fmax(es_s, 1e-9),
      sum_es / (double)n_draws, sum_gsl / (double)N_GSL_TIMED);
  gsl_rng_free(r);
}

int main(void) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  ES_ASSERT(r != NULL);
  gsl_rng_set(r, 20240611ul);
  const struct law laws[] = {
      /* direct method */
      {7, 12, 5, true},
      {3, 2, 4, true},
      {20, 20, 15, true},
      {9, 31, 33, true},
      {5000000, 3000000, 7999995, true}, /* t close to N: 5 left out */
      {300000, 9700000, 9, true},
      /* HRUA, at the switch and beyond, each symmetry */
      {20, 20, 16, true},
      {30, 45, 20, true},
      {45, 30, 20, true},
      {30, 45, 55, true},
      {45, 30, 55, true},
      {100, 60, 70, true},
      {5, 1000, 300, true},
      {1000, 5, 700, true},
      {2000, 1500, 1200, false},
      {600, 500, 400, true},
      {1, 10000000, 5000000, false},
      {300000, 9700000, 17, true},
      {3, 9999997, 5000, false},
      {5000000, 3000000, 1000000, false},
      {3000000, 5000000, 4000001, false},
      {5000000, 3000000, 7999980, true}, /* t close to N: 20 left out */
      {5000000, 3000000, 20, true},
      /* certain outcomes */
      {0, 50, 20, true},
      {50, 0, 20, true},
      {31, 47, 0, true},
      {31, 47, 78, true},
      {0, 0, 0, true},
  };
  for (size_t i = 0; i < sizeof laws / sizeof laws[0]; i++) {
    check_law(r, &laws[i]);
  }
  gsl_rng_free(r);
  check_hat();
  check_mode_large();
  check_reproducible();
  check_multivariate();
  time_draws();
  return es_test_summary();
}
