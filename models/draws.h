/* draws.h: fast, exact hypergeometric random variates for the stochastic
 * population model (the multivariate hypergeometric draw of the returns,
 * MODEL 3.2; stochastic mode, MODEL 9).
 *
 * gsl_ran_hypergeometric draws one uniform per item of the sample (or of its
 * complement), O(min(t, n1 + n2 - t)) per call, which dominates a stochastic
 * run once samples reach thousands. es_ran_hypergeometric draws the same law
 * in O(1) expected time for large samples:
 *
 *   - small samples (min(t, n1 + n2 - t) < ES_DRAWS_HRUA_MIN_SAMPLE): the
 *     direct sequential method, one uniform per item, stopping as soon as the
 *     outcome is certain;
 *   - otherwise algorithm HRUA, the ratio-of-uniforms method with Stadlober's
 *     "table mountain" hat centred at the mean and a comparison against the
 *     pmf at the mode:
 *       E. Stadlober, "Sampling from Poisson, binomial and hypergeometric
 *       distributions: ratio of uniforms as a simple and fast alternative",
 *       Bericht 303, Math.-Stat. Sektion, Forschungsgesellschaft Joanneum,
 *       Graz (1989), Algorithm HRUA, p. 82;
 *       E. Stadlober, "The ratio of uniforms approach for generating discrete
 *       random variates", J. Comput. Appl. Math. 31 (1990) 181-189;
 *     within the general scheme of V. Kachitvichyanukul and B. W. Schmeiser,
 *     "Computer generation of hypergeometric random variates", J. Statist.
 *     Comput. Simul. 22 (1985) 127-145 (reduction to sample <= N/2 and
 *     min(n1, n2), and the switch to a direct method for small samples). The
 *     same arrangement is numpy's random_hypergeometric.
 *
 * Both methods are exact in distribution: HRUA accepts with the exact pmf
 * ratio (its support is not truncated), computed from log-factorial
 * differences free of cancellation (absolute error ~5e-11 for counts near
 * 10^7, where lgamma differences err by ~2e-8). The only approximation is the
 * resolution of the generator's uniforms (2^-32 for mt19937), as with every
 * gsl_ran_* function. Only gsl_rng_uniform and
 * gsl_rng_uniform_pos are called, so a generator state fixes the result.
 * Outcomes that are certain (t = 0, t = n1 + n2, n1 = 0, n2 = 0) consume no
 * random numbers. The stream differs from gsl_ran_hypergeometric's: only the
 * law is the same. */
#ifndef ES_MODELS_DRAWS_H
#define ES_MODELS_DRAWS_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

/** Samples (or complements) smaller than this use the direct method. */
#define ES_DRAWS_HRUA_MIN_SAMPLE 16ul

/** The largest n1 + n2 accepted: counts must be exact in a double. */
#define ES_DRAWS_COUNT_MAX (1ul << 53)

/**
 * @brief Draw the number of type-1 items among @p t drawn without replacement
 * from @p n1 items of type 1 and @p n2 of type 2: gsl_ran_hypergeometric's
 * law, P(k) = C(n1, k) C(n2, t - k) / C(n1 + n2, t), on
 * [max(0, t - n2), min(t, n1)].
 *
 * The caller guarantees t <= n1 + n2 <= ES_DRAWS_COUNT_MAX (ES_ASSERT;
 * gsl_ran_hypergeometric would silently clamp t instead).
 *
 * @param r   the generator (borrowed; its state advances).
 * @param n1  items of type 1 (persons).
 * @param n2  items of type 2 (persons).
 * @param t   sample size (persons), t <= n1 + n2.
 * @return the number of type-1 items in the sample.
 */
unsigned long es_ran_hypergeometric(const gsl_rng *r, unsigned long n1,
                                    unsigned long n2, unsigned long t);

/**
 * @brief Draw @p t items without replacement from @p k categories of
 * @p counts[i] items each: the multivariate hypergeometric law.
 *
 * The draw is sequential and conditional, in index order i = 0, 1, ..., k-1
 * (this order is part of reproducibility): out[i] =
 * es_ran_hypergeometric(r, counts[i], counts[i+1] + ... + counts[k-1],
 * t - out[0] - ... - out[i-1]). A category with counts[i] = 0 gets 0 and
 * consumes nothing; once the sample is exhausted every later category gets 0
 * without a draw; the last non-empty category takes what remains (certain,
 * no draw). The caller guarantees t <= sum(counts) <= ES_DRAWS_COUNT_MAX
 * (ES_ASSERT).
 *
 * @param r       the generator (borrowed; its state advances).
 * @param k       number of categories.
 * @param counts  items per category, k entries (borrowed).
 * @param t       sample size (items), t <= sum(counts).
 * @param out     drawn items per category, k entries (borrowed, written);
 *                sums to t, out[i] <= counts[i].
 */
void es_ran_multivariate_hypergeometric(const gsl_rng *r, size_t k,
                                        const unsigned long *counts,
                                        unsigned long t, unsigned long *out);

/* ---- internals, exposed for the test of the HRUA hat (not API) -------- */

/** HRUA's constants for one (n1, n2, t), after the symmetry reductions. */
struct es__draws_hrua {
  double n_total;  /* N = n1 + n2 (items) */
  double n_min;    /* M = min(n1, n2) (items) */
  double n_sample; /* n = min(t, N - t) (items) */
  double mode;     /* m = floor((n + 1)(M + 1) / (N + 2)), the mode of
                      Hyp(M, N - M, n) (items) */
  double centre;   /* a = n M / N + 1/2, the hat's centre (items) */
  double width;    /* h = 2 s, the hat's width (items) */
  double bound;    /* min(n, M) + 1: X at or above it is rejected (items) */
  /* Per factorial of the pmf (k, M - k, n - k, N - M - n + k), its argument
   * at the mode and the constants of its log-factorial there. */
  double y[4];        /* argument at k = m (items) */
  double z_log_m1[4]; /* ln(y + 1) - 1, Stirling part (y >= small) */
  double z_corr[4];   /* Stirling series correction at y + 1 */
  double lnfact_y[4]; /* ln y! for y < 16, else unused (0) */
};

/** @brief Fill @p h for Hyp(n1, n2, t); needs 1 <= min(t, N - t) and
 * 1 <= min(n1, n2). */
void es__draws_hrua_setup(unsigned long n1, unsigned long n2, unsigned long t,
                          struct es__draws_hrua *h);

/** @brief ln(f(k) / f(m)) for the reduced law Hyp(M, N - M, n) of @p h, k in
 * its support; <= 0 since m is the mode. */
double es__draws_hrua_log_ratio(const struct es__draws_hrua *h, double k);

#endif /* ES_MODELS_DRAWS_H */
