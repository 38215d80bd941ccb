/* test_population_stochastic.c: the stochastic demographic step (the
 * bracketed draws of MODEL 3) and its streams (MODEL 9).
 *
 * Each draw on a tiny case over 20,000 replicates of one step: mean,
 * variance and covariances against the binomial, multinomial,
 * hypergeometric and Poisson formulas, with tolerances of 5 standard errors
 * (a fixed seed per case, so the test never flakes; the standard error of a
 * sample variance or covariance is estimated from the sample's own fourth
 * moments). Then the invariants of MODEL 3 in every replicate of random
 * scenarios (no negative stock, whole numbers, exact conservation of
 * residents, exact sum M = sum X in a closed system without mortality), the
 * convergence of the replicate mean to the deterministic step, streams
 * (same seed, same bits; another seed, another trajectory), counts beyond
 * gsl's unsigned int, and every error the stochastic step can return. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "es_test.h"
#include "models/migration.h"
#include "models/population.h"
#include "models/seed.h"
#include "random_scenario.h"

/* Replicates of one step in the distribution tests. */
#define N_REPS 20000
/* Standard errors allowed between an estimate and its formula. */
#define N_SE 5.0

/* ---- sample statistics ------------------------------------------------ */

static double mean_of(const double *x, const size_t n) {
  double s = 0.0;
  for (size_t k = 0; k < n; k++) {
    s += x[k];
  }
  return s / (double)n;
}

/* Unbiased covariance of x and y (variance when x == y). */
static double cov_of(const double *x, const double *y, const size_t n) {
  const double mx = mean_of(x, n);
  const double my = mean_of(y, n);
  double s = 0.0;
  for (size_t k = 0; k < n; k++) {
    s += (x[k] - mx) * (y[k] - my);
  }
  return s / (double)(n - 1);
}

/* Standard error of the sample covariance of x and y (of the variance when
 * x == y): sqrt((E[dx^2 dy^2] - cov^2) / n), moments from the sample. */
static double cov_se(const double *x, const double *y, const size_t n) {
  const double mx = mean_of(x, n);
  const double my = mean_of(y, n);
  const double c = cov_of(x, y, n);
  double s = 0.0;
  for (size_t k = 0; k < n; k++) {
    const double d = (x[k] - mx) * (y[k] - my);
    s += d * d;
  }
  return sqrt(fmax(0.0, s / (double)n - c * c) / (double)n);
}

/* Mean within N_SE standard errors of want, the standard error from the
 * formula's variance. */
#define CHECK_MEAN(x, want_mean, want_var)         \
  ES_CHECK_NEAR(mean_of((x), N_REPS), (want_mean), \
                N_SE *sqrt((want_var) / (double)N_REPS))
#define CHECK_VAR(x, want_var)                        \
  ES_CHECK_NEAR(cov_of((x), (x), N_REPS), (want_var), \
                N_SE *cov_se((x), (x), N_REPS))
#define CHECK_COV(x, y, want_cov)                     \
  ES_CHECK_NEAR(cov_of((x), (y), N_REPS), (want_cov), \
                N_SE *cov_se((x), (y), N_REPS))

/* ---- a tiny case: up to 3 regions and 3 ages, every rate 0 ------------ */

#define TINY_MAX_R 3
#define TINY_MAX_A 3

struct tiny {
  double q[TINY_MAX_A], ml[TINY_MAX_A], mm[TINY_MAX_A], rho[TINY_MAX_A];
  double eps[TINY_MAX_A];
  double births[TINY_MAX_R], mu[TINY_MAX_R];
  struct es_destinations d;
  struct es_population_params pp;
  struct es_population p0; /* the start of every replicate */
  struct es_population p;  /* the replicate */
  struct es_population_ws *ws;
  gsl_rng *rng;
};

/* n_r regions, n_a ages, D from n_od OD entries (none when 0), generator
 * seeded with seed. Stocks of p0 are 0: set them, then call tiny_ready. */
static void tiny_init(struct tiny *t, const size_t n_r, const size_t n_a,
                      const size_t n_od, const size_t *od_o, const size_t *od_d,
                      const double *od_s, const unsigned long seed) {
  memset(t, 0, sizeof *t);
  struct es_error err;
  es_error_clear(&err);
  int rc = n_od > 0 ? es_destinations_init_od(&t->d, n_r, n_od, od_o, od_d,
                                              od_s, &err)
                    : es_destinations_init_none(&t->d, n_r, &err);
  ES_ASSERT(rc == ES_OK);
  rc = es_population_init(&t->p0, n_r, n_a, &err);
  ES_ASSERT(rc == ES_OK);
  rc = es_population_init(&t->p, n_r, n_a, &err);
  ES_ASSERT(rc == ES_OK);
  t->pp = (struct es_population_params){
      .n_regions = n_r,
      .n_ages = n_a,
      .year_start = 2020,
      .mortality = t->q,
      .local_out_rate = t->ml,
      .migrant_out_rate = t->mm,
      .return_rate = t->rho,
      .external_in_rate = t->eps,
      .destinations = &t->d,
      .births = t->births,
      .migrant_birth_share = t->mu,
  };
  t->rng = gsl_rng_alloc(gsl_rng_mt19937);
  ES_ASSERT(t->rng != NULL);
  gsl_rng_set(t->rng, seed);
}

static void tiny_ready(struct tiny *t) {
  struct es_error err;
  es_error_clear(&err);
  t->ws = es_population_ws_alloc(&t->pp, &err);
  if (t->ws == NULL) {
    printf("  %s\n", err.message);
  }
  ES_ASSERT(t->ws != NULL);
}

/* One replicate: p = p0, one stochastic step to 2021. */
static int tiny_replicate(struct tiny *t) {
  es_population_copy(&t->p, &t->p0);
  return es_population_step(&t->pp, &t->p, 2021, t->ws, t->rng);
}

static void tiny_clear(struct tiny *t) {
  es_population_ws_free(t->ws);
  gsl_rng_free(t->rng);
  es_population_clear(&t->p);
  es_population_clear(&t->p0);
  es_destinations_clear(&t->d);
}

static size_t ix(const struct tiny *t, const size_t r, const size_t a) {
  return es_population_idx(&t->p0, r, a);
}

/* Samples of up to 4 observables over the replicates. */
struct samples {
  double *v[4];
};

static void samples_init(struct samples *s) {
  for (size_t k = 0; k < 4; k++) {
    s->v[k] = calloc(N_REPS, sizeof(double));
    ES_ASSERT(s->v[k] != NULL);
  }
}

static void samples_clear(struct samples *s) {
  for (size_t k = 0; k < 4; k++) {
    free(s->v[k]);
  }
}

/* ---- each draw against its formula ------------------------------------ */

static void test_draw_survival(void) {
  /* 3.1: L' ~ Bin(1000, 0.9), M' ~ Bin(700, 0.9), X' ~ Bin(300, 0.9),
   * independent. Nothing else acts; the survivors are read at age 1. */
  struct tiny t;
  tiny_init(&t, 1, 2, 0, NULL, NULL, NULL, 1001u);
  t.q[0] = 0.1;
  t.p0.local[0] = 1000.0;
  t.p0.migrant[0] = 700.0;
  t.p0.away[0] = 300.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_fail = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_fail += tiny_replicate(&t) != ES_OK;
    s.v[0][k] = t.p.local[1];
    s.v[1][k] = t.p.migrant[1];
    s.v[2][k] = t.p.away[1];
  }
  ES_CHECK_INT_EQ(n_fail, 0);
  CHECK_MEAN(s.v[0], 900.0, 90.0);
  CHECK_VAR(s.v[0], 90.0);
  CHECK_MEAN(s.v[1], 630.0, 63.0);
  CHECK_VAR(s.v[1], 63.0);
  CHECK_MEAN(s.v[2], 270.0, 27.0);
  CHECK_VAR(s.v[2], 27.0);
  CHECK_COV(s.v[0], s.v[1], 0.0);
  CHECK_COV(s.v[1], s.v[2], 0.0);
  samples_clear(&s);
  tiny_clear(&t);
}

static void test_draw_local_leavers(void) {
  /* 3.2: outL ~ Bin(850, 0.137): mean 116.45, variance 850 * 0.137 * 0.863
   * = 100.49365. Leavers stay registered (X' += outL), and D is "none":
   * L + X is 850 + 40 in every replicate. */
  struct tiny t;
  tiny_init(&t, 1, 2, 0, NULL, NULL, NULL, 1002u);
  t.ml[0] = 0.137;
  t.p0.local[0] = 850.0;
  t.p0.away[0] = 40.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    s.v[0][k] = t.p.away[1] - 40.0;
    n_bad += t.p.local[1] + t.p.away[1] != 890.0;
    n_bad += t.p.migrant[1] != 0.0;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  CHECK_MEAN(s.v[0], 116.45, 100.49365);
  CHECK_VAR(s.v[0], 100.49365);
  samples_clear(&s);
  tiny_clear(&t);
}

static void test_draw_migrants(void) {
  /* 3.2: (ret, outM, stay) ~ Multinomial(700; 0.23, 0.31, 0.46). D is
   * "none", so outM leaves the system; the region has 5000 away children,
   * so every returner comes home here: L(age 1) = ret. Means 161 and 217,
   * variances 700*0.23*0.77 = 123.97 and 700*0.31*0.69 = 149.73, covariance
   * -700*0.23*0.31 = -49.91. */
  struct tiny t;
  tiny_init(&t, 1, 2, 0, NULL, NULL, NULL, 1003u);
  t.rho[0] = 0.23;
  t.mm[0] = 0.31;
  t.p0.migrant[0] = 700.0;
  t.p0.away[0] = 5000.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    const double ret = t.p.local[1];
    s.v[0][k] = ret;
    s.v[1][k] = 700.0 - ret - t.p.migrant[1];
    n_bad += t.p.away[1] != 5000.0 - ret;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  CHECK_MEAN(s.v[0], 161.0, 123.97);
  CHECK_VAR(s.v[0], 123.97);
  CHECK_MEAN(s.v[1], 217.0, 149.73);
  CHECK_VAR(s.v[1], 149.73);
  CHECK_COV(s.v[0], s.v[1], -49.91);
  samples_clear(&s);
  tiny_clear(&t);
}

static void test_draw_destinations(void) {
  /* 3.2: every local of region 0 leaves (mL = 1, 600 movers); D[0][1] =
   * 0.35, D[0][2] = 0.4, 0.25 leave the system: arrivals (in1, in2, out) ~
   * Multinomial(600; 0.35, 0.4, 0.25): means 210, 240; variances 136.5,
   * 144; covariance -84. All 600 stay registered in region 0. Region 1
   * sends everyone it has to 0 and 2 (delta = 1, shares 0.2 and 0.8):
   * nobody of its 300 may be lost. */
  const size_t o[4] = {0, 0, 1, 1}, d[4] = {1, 2, 0, 2};
  const double sh[4] = {0.35, 0.4, 0.2, 0.8};
  struct tiny t;
  tiny_init(&t, 3, 2, 4, o, d, sh, 1004u);
  t.ml[0] = 1.0;
  t.p0.local[ix(&t, 0, 0)] = 600.0;
  t.p0.local[ix(&t, 1, 0)] = 300.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    const double to_0 = t.p.migrant[ix(&t, 0, 1)];
    const double in_1 = t.p.migrant[ix(&t, 1, 1)];
    const double in_2 = t.p.migrant[ix(&t, 2, 1)];
    s.v[0][k] = in_1;
    /* Region 2 receives from both origins; region 0's share of it is what
     * region 1 did not send to 0. */
    s.v[1][k] = in_2 - (300.0 - to_0);
    s.v[2][k] = to_0;
    n_bad += t.p.away[ix(&t, 0, 1)] != 600.0;
    n_bad += t.p.away[ix(&t, 1, 1)] != 300.0;
    n_bad += t.p.local[ix(&t, 0, 1)] != 0.0;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  CHECK_MEAN(s.v[0], 210.0, 136.5);
  CHECK_VAR(s.v[0], 136.5);
  CHECK_MEAN(s.v[1], 240.0, 144.0);
  CHECK_VAR(s.v[1], 144.0);
  CHECK_COV(s.v[0], s.v[1], -84.0);
  /* Region 1's movers: Bin(300, 0.2) to region 0, the rest to 2; the
   * covariance with region 0's draws is 0 (other origin). */
  CHECK_MEAN(s.v[2], 60.0, 48.0);
  CHECK_VAR(s.v[2], 48.0);
  CHECK_COV(s.v[0], s.v[2], 0.0);
  samples_clear(&s);
  tiny_clear(&t);
}

/* 3.2: all R migrants of region 2 return (rho = 1); the X' pool is 30, 50,
 * 20 (N = 100): back ~ multivariate hypergeometric with t = R: means t p_z,
 * variances t p (1 - p) (N - t) / (N - 1), covariances -t p_y p_z (N - t) /
 * (N - 1), p = (0.3, 0.5, 0.2). */
static void check_returns(const double n_ret, const unsigned long seed) {
  struct tiny t;
  tiny_init(&t, 3, 2, 0, NULL, NULL, NULL, seed);
  t.rho[0] = 1.0;
  t.p0.migrant[ix(&t, 2, 0)] = n_ret;
  t.p0.away[ix(&t, 0, 0)] = 30.0;
  t.p0.away[ix(&t, 1, 0)] = 50.0;
  t.p0.away[ix(&t, 2, 0)] = 20.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    double sum = 0.0;
    for (size_t z = 0; z < 3; z++) {
      s.v[z][k] = t.p.local[ix(&t, z, 1)];
      sum += s.v[z][k];
      n_bad += t.p.local[ix(&t, z, 1)] + t.p.away[ix(&t, z, 1)] !=
               t.p0.away[ix(&t, z, 0)];
    }
    n_bad += sum != n_ret; /* every returner finds a home */
    n_bad += t.p.migrant[ix(&t, 2, 1)] != 0.0;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  const double p[3] = {0.3, 0.5, 0.2};
  const double fpc = (100.0 - n_ret) / 99.0; /* finite population factor */
  for (size_t z = 0; z < 3; z++) {
    const double var = n_ret * p[z] * (1.0 - p[z]) * fpc;
    CHECK_MEAN(s.v[z], n_ret * p[z], var);
    CHECK_VAR(s.v[z], var);
  }
  CHECK_COV(s.v[0], s.v[1], -n_ret * p[0] * p[1] * fpc);
  CHECK_COV(s.v[1], s.v[2], -n_ret * p[1] * p[2] * fpc);
  samples_clear(&s);
  tiny_clear(&t);
}

static void test_draw_returns(void) {
  /* t = 40: region 0's draw is Hyp(30, 70, 40), drawn as the equal law
   * Hyp(40, 60, 30) (fewer uniforms); e.g. mean 12, variance
   * 40*0.3*0.7*60/99 = 5.0909. t = 6: drawn as Hyp(30, 70, 6) itself; mean
   * 1.8, variance 6*0.3*0.7*94/99 = 1.1964. Both forms of the draw are so
   * checked. */
  check_returns(40.0, 1005u);
  check_returns(6.0, 1012u);
  struct tiny t;
  size_t n_bad;

  /* The closure: 80 returners, an X' pool of 35. Everyone away comes home,
   * the other 45 leave the system: certain, whatever the draws. */
  tiny_init(&t, 3, 2, 0, NULL, NULL, NULL, 1006u);
  t.rho[0] = 1.0;
  t.p0.migrant[ix(&t, 2, 0)] = 80.0;
  t.p0.away[ix(&t, 0, 0)] = 10.0;
  t.p0.away[ix(&t, 1, 0)] = 20.0;
  t.p0.away[ix(&t, 2, 0)] = 5.0;
  tiny_ready(&t);
  n_bad = 0;
  for (size_t k = 0; k < 100; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    n_bad += t.p.local[ix(&t, 0, 1)] != 10.0;
    n_bad += t.p.local[ix(&t, 1, 1)] != 20.0;
    n_bad += t.p.local[ix(&t, 2, 1)] != 5.0;
    for (size_t z = 0; z < 3; z++) {
      n_bad += t.p.away[ix(&t, z, 1)] != 0.0;
      n_bad += t.p.migrant[ix(&t, z, 1)] != 0.0;
    }
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  tiny_clear(&t);
}

static void test_draw_external(void) {
  /* 3.2: ext ~ Poisson(0.0237 * (800 + 200)) = Poisson(23.7), added to M. */
  struct tiny t;
  tiny_init(&t, 1, 2, 0, NULL, NULL, NULL, 1007u);
  t.eps[0] = 0.0237;
  t.p0.local[0] = 800.0;
  t.p0.migrant[0] = 200.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    s.v[0][k] = t.p.migrant[1] - 200.0;
    n_bad += t.p.local[1] != 800.0;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  CHECK_MEAN(s.v[0], 23.7, 23.7);
  CHECK_VAR(s.v[0], 23.7);
  samples_clear(&s);
  tiny_clear(&t);
}

static void test_draw_births(void) {
  /* 3.4: n ~ Poisson(37.3), bm ~ Bin(n, 0.3): by thinning, L0 ~
   * Poisson(26.11) and M0 ~ Poisson(11.19), independent. No away children:
   * kappa = 0, no registration births. */
  struct tiny t;
  tiny_init(&t, 1, 2, 0, NULL, NULL, NULL, 1008u);
  t.births[0] = 37.3;
  t.mu[0] = 0.3;
  t.p0.migrant[0] = 17.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    s.v[0][k] = t.p.local[0] + t.p.migrant[0];
    s.v[1][k] = t.p.migrant[0];
    s.v[2][k] = t.p.local[0];
    n_bad += t.p.away[0] != 0.0;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  ES_CHECK_DOUBLE_EQ(es_population_ws_kappa(t.ws), 0.0);
  CHECK_MEAN(s.v[0], 37.3, 37.3);
  CHECK_VAR(s.v[0], 37.3);
  CHECK_MEAN(s.v[1], 11.19, 11.19);
  CHECK_VAR(s.v[1], 11.19);
  CHECK_MEAN(s.v[2], 26.11, 26.11);
  CHECK_COV(s.v[1], s.v[2], 0.0);
  samples_clear(&s);
  tiny_clear(&t);
}

static void test_draw_registration(void) {
  /* 3.4: ages 0..2. After ageing, ages 1..2 hold M = 200 + 300 = 500 (all in
   * region 0) and X = 40 + 60 in region 0 and 100 + 100 in region 1: kappa
   * = 300/500 = 0.6, weights 1/3 and 2/3. Births 80 (mu 0.5) and 40 (mu
   * 0.25): sum bm ~ Poisson(50), Bx ~ Bin(sum bm, 0.6) ~ Poisson(30), X[0][0]
   * ~ Poisson(10), X[1][0] ~ Poisson(20), independent. */
  struct tiny t;
  tiny_init(&t, 2, 3, 0, NULL, NULL, NULL, 1009u);
  t.births[0] = 80.0;
  t.mu[0] = 0.5;
  t.births[1] = 40.0;
  t.mu[1] = 0.25;
  t.p0.migrant[ix(&t, 0, 0)] = 200.0;
  t.p0.migrant[ix(&t, 0, 1)] = 300.0;
  t.p0.away[ix(&t, 0, 0)] = 40.0;
  t.p0.away[ix(&t, 0, 1)] = 60.0;
  t.p0.away[ix(&t, 1, 0)] = 100.0;
  t.p0.away[ix(&t, 1, 1)] = 100.0;
  tiny_ready(&t);
  struct samples s;
  samples_init(&s);
  size_t n_bad = 0;
  for (size_t k = 0; k < N_REPS; k++) {
    n_bad += tiny_replicate(&t) != ES_OK;
    s.v[0][k] = t.p.away[ix(&t, 0, 0)];
    s.v[1][k] = t.p.away[ix(&t, 1, 0)];
    s.v[2][k] = t.p.migrant[ix(&t, 0, 0)] + t.p.migrant[ix(&t, 1, 0)];
    /* Registered births never exceed migrant-parent births. */
    n_bad += s.v[0][k] + s.v[1][k] > s.v[2][k];
    n_bad += es_population_ws_kappa(t.ws) != 0.6;
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  CHECK_MEAN(s.v[0], 10.0, 10.0);
  CHECK_VAR(s.v[0], 10.0);
  CHECK_MEAN(s.v[1], 20.0, 20.0);
  CHECK_VAR(s.v[1], 20.0);
  CHECK_COV(s.v[0], s.v[1], 0.0);
  CHECK_MEAN(s.v[2], 50.0, 50.0);
  /* cov(Bx's part in region 0, sum bm) = 50 * 0.6 / 3 = 10. */
  CHECK_COV(s.v[0], s.v[2], 10.0);
  samples_clear(&s);
  tiny_clear(&t);
}

/* ---- random scenarios --------------------------------------------------- */

/* A 64-bit LCG (Knuth's MMIX constants): enough for test inputs. */
#define N_RANDOM_SETS 20
#define N_STEPS       25
/* Replicates of each random set in the invariant tests. */
#define N_SET_REPS 4

static gsl_rng *rng_for(const uint64_t base_seed, const uint64_t i_replicate) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  ES_ASSERT(rng != NULL);
  gsl_rng_set(rng, es_seed_for_gsl(es_seed_derive(base_seed, i_replicate)));
  return rng;
}

static bool is_count(const double x) {
  return x >= 0.0 && isfinite(x) && x == floor(x);
}

/* MODEL 3 invariant: no stock is ever negative, and stochastic stocks stay
 * whole numbers, in every replicate, however extreme the rates. */
static void test_random_counts(void) {
  struct lcg g = {880301u};
  struct es_population start;
  for (size_t set = 0; set < N_RANDOM_SETS; set++) {
    const size_t n_r = lcg_size(&g, 1, 30);
    const size_t n_a = lcg_size(&g, 1, 18);
    struct rand_scn s;
    rand_scn_init(&s, &g, n_r, n_a, set % 4 == 0 ? RS_EXTREME : 0u,
                  set % 3 == 0 ? 0.01 : 1.0, /*whole=*/true);
    struct es_error err;
    es_error_clear(&err);
    ES_CHECK_INT_EQ(es_population_init(&start, n_r, n_a, &err), ES_OK);
    es_population_copy(&start, &s.p);
    struct es_population_ws *ws = es_population_ws_alloc(&s.pp, &err);
    ES_CHECK(ws != NULL);
    size_t n_bad = 0;
    size_t n_fail = 0;
    for (size_t rep = 0; rep < N_SET_REPS; rep++) {
      gsl_rng *rng = rng_for(set, rep);
      es_population_copy(&s.p, &start);
      for (int year = 2021; year < 2021 + N_STEPS; year++) {
        n_fail += es_population_step(&s.pp, &s.p, year, ws, rng) != ES_OK;
        for (size_t i = 0; i < n_r * n_a; i++) {
          n_bad += !is_count(s.p.local[i]) || !is_count(s.p.migrant[i]) ||
                   !is_count(s.p.away[i]);
        }
      }
      gsl_rng_free(rng);
    }
    ES_CHECK_INT_EQ(n_fail, 0);
    ES_CHECK_INT_EQ(n_bad, 0);
    es_population_ws_free(ws);
    es_population_clear(&start);
    rand_scn_clear(&s);
  }
}

/* MODEL 3 invariant: with q = 0, no births, no external flows and delta = 1,
 * 3.1-3.2 conserve the residents L + M exactly (integers): residents of age
 * a + 1 after the step equal those of age a before it, in every replicate.
 * This needs every returner to find a home (min(R, sum X') = R): X >= M at
 * the start gives sum X >= sum M, and with q = 0 in a closed system
 * sum X - sum M of an age never changes (movers add outL to both, returners
 * leave both), so it holds every year. */
static void test_random_conservation(void) {
  struct lcg g = {7312u};
  struct es_population before;
  for (size_t set = 0; set < N_RANDOM_SETS; set++) {
    const size_t n_r = lcg_size(&g, 2, 30);
    const size_t n_a = lcg_size(&g, 2, 18);
    struct rand_scn s;
    rand_scn_init(&s, &g, n_r, n_a,
                  RS_CLOSED | RS_NO_MORTALITY | RS_NO_BIRTHS | RS_AWAY_RICH |
                      (set % 5 == 0 ? RS_EXTREME : 0u),
                  1.0, /*whole=*/true);
    struct es_error err;
    es_error_clear(&err);
    ES_CHECK_INT_EQ(es_population_init(&before, n_r, n_a, &err), ES_OK);
    struct es_population_ws *ws = es_population_ws_alloc(&s.pp, &err);
    ES_CHECK(ws != NULL);
    gsl_rng *rng = rng_for(77u, set);
    size_t n_bad = 0;
    double moved = 0.0;
    for (int year = 2021; year < 2021 + N_STEPS; year++) {
      es_population_copy(&before, &s.p);
      ES_CHECK_INT_EQ(es_population_step(&s.pp, &s.p, year, ws, rng), ES_OK);
      for (size_t a = 0; a + 1 < n_a; a++) {
        const double res_before = sum_age(&before, before.local, a) +
                                  sum_age(&before, before.migrant, a);
        const double res_after =
            sum_age(&s.p, s.p.local, a + 1) + sum_age(&s.p, s.p.migrant, a + 1);
        if (res_before != res_after) {
          printf("set %zu year %d age %zu: %.17g -> %.17g\n", set, year, a,
                 res_before, res_after);
          n_bad++;
        }
        moved += fabs(sum_age(&s.p, s.p.migrant, a + 1) -
                      sum_age(&before, before.migrant, a));
      }
      n_bad +=
          sum_age(&s.p, s.p.local, 0) + sum_age(&s.p, s.p.migrant, 0) != 0.0;
    }
    ES_CHECK_INT_EQ(n_bad, 0);
    ES_CHECK(moved > 0.0); /* people did move between stocks */
    gsl_rng_free(rng);
    es_population_ws_free(ws);
    es_population_clear(&before);
    rand_scn_clear(&s);
  }
}

/* MODEL 3 invariant, stochastic reading: in a closed system (delta = 1,
 * eps = 0) starting from sum M = sum X per age, sum M = sum X holds per age
 * EXACTLY after every step when q = 0, births included: movers add outL to
 * both sums, all R returners find a home (R <= sum M' = sum X <= sum X') and
 * leave both, and at age 0 kappa = min(1, 1) = 1, so Bx = Bin(sum bm, 1) =
 * sum bm and the multinomial places all of it. With q > 0 the survival
 * draws of M and X are independent binomials, so the equality holds only in
 * expectation: the second half shows that it does break then (the statement
 * of MODEL 3 is about the deterministic step and the replicate mean). */
static void test_random_closed_system(void) {
  struct lcg g = {424243u};
  size_t n_broken_with_q = 0;
  for (size_t set = 0; set < N_RANDOM_SETS; set++) {
    const size_t n_r = lcg_size(&g, 2, 30);
    const size_t n_a = lcg_size(&g, 1, 18);
    const bool with_q = set % 4 == 3;
    struct rand_scn s;
    rand_scn_init(&s, &g, n_r, n_a,
                  RS_CLOSED | RS_BALANCED | (with_q ? 0u : RS_NO_MORTALITY),
                  1.0, /*whole=*/true);
    if (n_a == 1) {
      memset(s.mu, 0, n_r * sizeof *s.mu); /* kappa = 0 when A = 0 */
    }
    struct es_error err;
    es_error_clear(&err);
    struct es_population_ws *ws = es_population_ws_alloc(&s.pp, &err);
    ES_CHECK(ws != NULL);
    gsl_rng *rng = rng_for(78u, set);
    size_t n_bad = 0;
    for (int year = 2021; year < 2021 + N_STEPS; year++) {
      ES_CHECK_INT_EQ(es_population_step(&s.pp, &s.p, year, ws, rng), ES_OK);
      for (size_t a = 0; a < n_a; a++) {
        const double sm = sum_age(&s.p, s.p.migrant, a);
        const double sx = sum_age(&s.p, s.p.away, a);
        if (sm != sx) {
          if (!with_q) {
            printf("set %zu year %d age %zu: M %.17g X %.17g\n", set, year, a,
                   sm, sx);
          }
          n_bad++;
        }
      }
    }
    if (with_q) {
      n_broken_with_q += n_bad > 0;
    } else {
      ES_CHECK_INT_EQ(n_bad, 0);
      /* Not vacuous: migrant births exist at age 0. */
      if (n_a > 1) {
        ES_CHECK(sum_age(&s.p, s.p.migrant, 0) > 0.0);
      }
    }
    gsl_rng_free(rng);
    es_population_ws_free(ws);
    rand_scn_clear(&s);
  }
  ES_CHECK_INT_EQ(n_broken_with_q, N_RANDOM_SETS / 4);
}

/* MODEL 3: the stochastic mean converges to the deterministic result. One
 * step (and three) from the same whole stocks, N replicates; every cell's
 * mean lies within N_SE standard errors (the replicates' own) of the
 * deterministic value. The step is linear in expectation except the
 * returns' and registration's ratios (bias of order 1/stock, far below the
 * tolerance at these sizes). */
#define N_MEAN_REPS 4000

static void check_mean_converges(const size_t set, struct lcg *g,
                                 const int n_steps) {
  const size_t n_r = lcg_size(g, 2, 6);
  const size_t n_a = lcg_size(g, 2, 7);
  struct rand_scn s;
  rand_scn_init(&s, g, n_r, n_a, 0u, 1.0, /*whole=*/true);
  const size_t n = n_r * n_a;
  struct es_error err;
  es_error_clear(&err);
  struct es_population det, rep;
  ES_CHECK_INT_EQ(es_population_init(&det, n_r, n_a, &err), ES_OK);
  ES_CHECK_INT_EQ(es_population_init(&rep, n_r, n_a, &err), ES_OK);
  struct es_population_ws *ws = es_population_ws_alloc(&s.pp, &err);
  ES_CHECK(ws != NULL);
  es_population_copy(&det, &s.p);
  for (int k = 0; k < n_steps; k++) {
    ES_CHECK_INT_EQ(es_population_step(&s.pp, &det, 2021 + k, ws, NULL), ES_OK);
  }
  /* Sums and sums of squares of the 3 stocks of every cell. */
  double *sum = calloc(3 * n, sizeof(double));
  double *sum2 = calloc(3 * n, sizeof(double));
  ES_ASSERT(sum != NULL && sum2 != NULL);
  size_t n_fail = 0;
  for (size_t k = 0; k < N_MEAN_REPS; k++) {
    gsl_rng *rng = rng_for(1000u + set, k);
    es_population_copy(&rep, &s.p);
    for (int y = 0; y < n_steps; y++) {
      n_fail += es_population_step(&s.pp, &rep, 2021 + y, ws, rng) != ES_OK;
    }
    gsl_rng_free(rng);
    for (size_t i = 0; i < n; i++) {
      const double v[3] = {rep.local[i], rep.migrant[i], rep.away[i]};
      for (size_t c = 0; c < 3; c++) {
        sum[c * n + i] += v[c];
        sum2[c * n + i] += v[c] * v[c];
      }
    }
  }
  ES_CHECK_INT_EQ(n_fail, 0);
  size_t n_far = 0;
  double worst = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double want[3] = {det.local[i], det.migrant[i], det.away[i]};
    for (size_t c = 0; c < 3; c++) {
      const double m = sum[c * n + i] / N_MEAN_REPS;
      const double var = fmax(
          0.0, (sum2[c * n + i] - N_MEAN_REPS * m * m) / (N_MEAN_REPS - 1));
      const double se = sqrt(var / N_MEAN_REPS);
      const double z = fabs(m - want[c]) / fmax(se, 1e-300);
      worst = fmax(worst, fabs(m - want[c]) > 1e-9 ? z : 0.0);
      if (fabs(m - want[c]) > N_SE * se + 1e-9) {
        printf(
            "set %zu cell %zu stock %zu: mean %.6f deterministic %.6f "
            "se %.4f\n",
            set, i, c, m, want[c], se);
        n_far++;
      }
    }
  }
  ES_CHECK_INT_EQ(n_far, 0);
  /* The comparison is not trivially satisfied: the deterministic stocks
   * are not whole, so the means do differ from them, by about one SE. */
  ES_CHECK(worst > 0.1);
  free(sum);
  free(sum2);
  es_population_ws_free(ws);
  es_population_clear(&det);
  es_population_clear(&rep);
  rand_scn_clear(&s);
}

static void test_mean_converges(void) {
  struct lcg g = {31415u};
  for (size_t set = 0; set < 3; set++) {
    check_mean_converges(set, &g, 1);
  }
  check_mean_converges(3, &g, 3);
}

/* ---- streams ------------------------------------------------------------ */

static bool same_bits(const struct es_population *a,
                      const struct es_population *b) {
  const size_t n = a->n_regions * a->n_ages * sizeof(double);
  return memcmp(a->local, b->local, n) == 0 &&
         memcmp(a->migrant, b->migrant, n) == 0 &&
         memcmp(a->away, b->away, n) == 0;
}

/* Same seed, same trajectory bit for bit (also with a fresh workspace);
 * another replicate's seed, another trajectory. */
static void test_streams(void) {
  struct lcg g = {2718u};
  struct rand_scn s;
  rand_scn_init(&s, &g, 12, 10, 0u, 1.0, /*whole=*/true);
  struct es_error err;
  es_error_clear(&err);
  struct es_population runs[3];
  struct es_population_ws *ws[3];
  for (size_t c = 0; c < 3; c++) {
    ES_CHECK_INT_EQ(es_population_init(&runs[c], 12, 10, &err), ES_OK);
    es_population_copy(&runs[c], &s.p);
    ws[c] = es_population_ws_alloc(&s.pp, &err);
    ES_CHECK(ws[c] != NULL);
  }
  gsl_rng *rng[3] = {rng_for(20261125u, 5), rng_for(20261125u, 5),
                     rng_for(20261125u, 6)};
  size_t n_diff_same = 0;
  size_t n_same_other = 0;
  for (int year = 2021; year < 2031; year++) {
    for (size_t c = 0; c < 3; c++) {
      ES_CHECK_INT_EQ(es_population_step(&s.pp, &runs[c], year, ws[c], rng[c]),
                      ES_OK);
    }
    n_diff_same += !same_bits(&runs[0], &runs[1]);
    n_same_other += same_bits(&runs[0], &runs[2]);
  }
  ES_CHECK_INT_EQ(n_diff_same, 0);
  ES_CHECK_INT_EQ(n_same_other, 0);
  /* The generators are in the same state after the same draws. */
  ES_CHECK(gsl_rng_get(rng[0]) == gsl_rng_get(rng[1]));
  for (size_t c = 0; c < 3; c++) {
    gsl_rng_free(rng[c]);
    es_population_ws_free(ws[c]);
    es_population_clear(&runs[c]);
  }
  rand_scn_clear(&s);
}

/* ---- large counts -------------------------------------------------------- */

static void test_large_counts(void) {
  /* 4e9 locals and 4e9 migrants all move (mL = 1, mM = 1): 8e9 movers, more
   * than gsl_ran_binomial's count takes; half of them stay in the system
   * (D[0][1] = 0.5): inside ~ Bin(8e9, 0.5), mean 4e9, sd 44721.4. Births of
   * 6e9 (Poisson, sd 77459.7) with mu = 0.5. Results are whole and within 6
   * sd; the fixed seed makes the check repeatable. */
  const size_t o[1] = {0}, d[1] = {1};
  const double sh[1] = {0.5};
  struct tiny t;
  tiny_init(&t, 2, 2, 1, o, d, sh, 1010u);
  t.ml[0] = 1.0;
  t.mm[0] = 1.0;
  t.births[0] = 6e9;
  t.mu[0] = 0.5;
  t.p0.local[ix(&t, 0, 0)] = 4e9;
  t.p0.migrant[ix(&t, 0, 0)] = 4e9;
  tiny_ready(&t);
  ES_CHECK_INT_EQ(tiny_replicate(&t), ES_OK);
  const double in_1 = t.p.migrant[ix(&t, 1, 1)];
  ES_CHECK(is_count(in_1));
  ES_CHECK_NEAR(in_1, 4e9, 6.0 * 44721.4);
  ES_CHECK(in_1 != 4e9);
  ES_CHECK_DOUBLE_EQ(t.p.away[ix(&t, 0, 1)], 4e9);
  ES_CHECK_DOUBLE_EQ(t.p.local[ix(&t, 0, 1)], 0.0);
  ES_CHECK_DOUBLE_EQ(t.p.migrant[ix(&t, 0, 1)], 0.0);
  const double l0 = t.p.local[ix(&t, 0, 0)];
  const double m0 = t.p.migrant[ix(&t, 0, 0)];
  ES_CHECK(is_count(l0) && is_count(m0));
  ES_CHECK(l0 + m0 > (double)UINT_MAX);
  ES_CHECK_NEAR(l0 + m0, 6e9, 6.0 * 77459.7);
  /* bm ~ Bin(n, 0.5): sd sqrt(6e9 / 4) = 38729.8. */
  ES_CHECK_NEAR(m0 - (l0 + m0) / 2.0, 0.0, 6.0 * 38729.8);
  tiny_clear(&t);
}

/* ---- errors ---------------------------------------------------------------
 */

/* The step must refuse before it changes the stocks or draws a number. */
static void check_refused(struct tiny *t, const int want_rc,
                          const char *want_message) {
  struct es_population before;
  struct es_error err;
  es_error_clear(&err);
  ES_ASSERT(es_population_init(&before, t->p.n_regions, t->p.n_ages, &err) ==
            ES_OK);
  es_population_copy(&t->p, &t->p0);
  es_population_copy(&before, &t->p0);
  gsl_rng *probe = gsl_rng_clone(t->rng);
  ES_CHECK_INT_EQ(es_population_step(&t->pp, &t->p, 2021, t->ws, t->rng),
                  want_rc);
  ES_CHECK_INT_EQ(es_population_ws_error(t->ws)->code, want_rc);
  ES_CHECK_STR_EQ(es_population_ws_error(t->ws)->message, want_message);
  ES_CHECK(same_bits(&before, &t->p));
  ES_CHECK(gsl_rng_get(probe) == gsl_rng_get(t->rng));
  gsl_rng_free(probe);
  es_population_clear(&before);
}

static void test_errors(void) {
  struct tiny t;
  tiny_init(&t, 2, 3, 0, NULL, NULL, NULL, 1011u);
  t.q[0] = 0.01;
  for (size_t i = 0; i < 6; i++) {
    t.p0.local[i] = 100.0 + (double)i;
    t.p0.migrant[i] = 30.0;
    t.p0.away[i] = 12.0;
  }
  tiny_ready(&t);

  t.p0.migrant[ix(&t, 1, 2)] = 2.5;
  check_refused(&t, ES_EINVAL,
                "region 1, age 2: migrant stock 2.5 is not a whole number >= "
                "0 (the stochastic step needs integer stocks: round them at "
                "t0)");
  t.p0.migrant[ix(&t, 1, 2)] = 30.0;

  t.p0.away[ix(&t, 0, 1)] = -1.0;
  check_refused(&t, ES_EINVAL,
                "region 0, age 1: away stock -1 is not a whole number >= 0 "
                "(the stochastic step needs integer stocks: round them at "
                "t0)");
  t.p0.away[ix(&t, 0, 1)] = NAN;
  check_refused(&t, ES_EINVAL,
                "region 0, age 1: away stock nan is not a whole number >= 0 "
                "(the stochastic step needs integer stocks: round them at "
                "t0)");
  t.p0.away[ix(&t, 0, 1)] = 12.0;

  /* Float noise is not a whole number either: 0.1 * 3 * 10. */
  t.p0.local[ix(&t, 1, 0)] = 0.1 * 3.0 * 10.0;
  check_refused(&t, ES_EINVAL,
                "region 1, age 0: local stock 3.0000000000000004 is not a "
                "whole number >= 0 (the stochastic step needs integer stocks: "
                "round them at t0)");
  t.p0.local[ix(&t, 1, 0)] = 103.0;

  /* The X' pool of age 1 (L + X of both regions) beyond 2^53, the most the
   * hypergeometric draw of the returns takes (models/draws.h). */
  t.p0.local[ix(&t, 0, 1)] = 6e15;
  t.p0.away[ix(&t, 1, 1)] = 4e15;
  check_refused(&t, ES_ERANGE,
                "age 1: 10000000000000116 local + away and 60 migrant "
                "children in all regions; the hypergeometric draw of the "
                "returns takes at most 9007199254740992 of each");
  t.p0.local[ix(&t, 0, 1)] = 101.0;
  t.p0.away[ix(&t, 1, 1)] = 12.0;
  /* The migrant pool likewise: 2^53 + 2 (2^53 + 1 is not a double). */
  t.p0.migrant[ix(&t, 0, 2)] = 9007199254740964.0; /* + 30 = 2^53 + 2 */
  check_refused(&t, ES_ERANGE,
                "age 2: 231 local + away and 9007199254740994 migrant "
                "children in all regions; the hypergeometric draw of the "
                "returns takes at most 9007199254740992 of each");
  t.p0.migrant[ix(&t, 0, 2)] = 30.0;

  /* Poisson means beyond 2^50. */
  t.eps[1] = 1e13;
  check_refused(&t, ES_ERANGE,
                "region 0, age 1: 1.31e+15 expected external arrivals exceed "
                "1.1259e+15, the largest Poisson mean drawn");
  t.eps[1] = 0.0;
  t.births[1] = 6e14;
  t.births[0] = 6e14;
  check_refused(&t, ES_ERANGE,
                "region 1: 6e+14 expected births in 2020 (1.2e+15 in regions "
                "0..1) exceed 1.1259e+15, the largest Poisson mean drawn");
  t.births[0] = 0.0;
  t.births[1] = INFINITY;
  /* (The loader refuses infinite births; the step does not draw them.) */
  check_refused(&t, ES_ERANGE,
                "region 1: inf expected births in 2020 (inf in regions 0..1) "
                "exceed 1.1259e+15, the largest Poisson mean drawn");
  t.births[1] = 0.0;

  /* A shape mismatch is refused before anything else, as in the
   * deterministic step. */
  struct es_population other;
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_population_init(&other, 2, 5, &err), ES_OK);
  ES_CHECK_INT_EQ(es_population_step(&t.pp, &other, 2021, t.ws, t.rng),
                  ES_EINVAL);
  ES_CHECK_CONTAINS(es_population_ws_error(t.ws)->message,
                    "population of 2 regions x 5 ages");
  es_population_clear(&other);

  /* A good step clears the error. */
  es_population_copy(&t.p, &t.p0);
  ES_CHECK_INT_EQ(es_population_step(&t.pp, &t.p, 2021, t.ws, t.rng), ES_OK);
  ES_CHECK_INT_EQ(es_population_ws_error(t.ws)->code, ES_OK);
  tiny_clear(&t);
}

int main(void) {
  test_draw_survival();
  test_draw_local_leavers();
  test_draw_migrants();
  test_draw_destinations();
  test_draw_returns();
  test_draw_external();
  test_draw_births();
  test_draw_registration();
  test_random_counts();
  test_random_conservation();
  test_random_closed_system();
  test_mean_converges();
  test_streams();
  test_large_counts();
  test_errors();
  return es_test_summary();
}
