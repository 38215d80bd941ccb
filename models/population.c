/* population.c: the yearly demographic step of local, migrant and away
 * children (MODEL 2, 3), in its deterministic (expected value) form and in its
 * stochastic form (the bracketed draws of MODEL 3, integer stocks).
 *
 * For every region r and age a, year t-1 -> t, in the order of MODEL 3:
 *
 *   3.1 survival      S' = S * (1 - q[a])                 for S in L, M, X
 *   3.2 migration     outL = L' mL[r][a], ret = M' rho[a], outM = M' mM[r][a],
 *                     mL = local_out_rate[a] * multiplier[r] (mM likewise);
 *                     movers outL + outM go to j with share D[r][j], arriving
 *                     as migrants: inM[j] = sum_r (outL + outM)[r] D[r][j];
 *                     locals who leave stay registered: X' += outL;
 *                     the return pool R[a] = sum_r ret[r][a] goes home to z in
 *                     proportion to X'[z][a]: back = X' min(1, R / sum_z X');
 *                     external arrivals ext = eps[a] (L' + M') join M;
 *                     L'' = L' - outL + back,
 *                     M'' = M' - ret - outM + inM + ext,
 *                     X'' = X' + outL - back
 *   3.3 ageing        S(t)[a+1] = S''[a]; age A leaves the tracked range
 *   3.4 births        B = births[r] F(t-1) (1 + g[r])^(t-1-t0), bm = B mu[r],
 *                     L[0] = B - bm, M[0] = bm; registration of
 *                     migrant-parent births: Bx = (sum_r bm) kappa,
 *                     kappa = min(1, sum X / sum M) over ages 1..min(5, A)
 *                     of the aged state, spread over z in proportion to z's
 *                     X over those ages: X[z][0].
 *
 * The step is cut into phases over ranges of regions (see population.h): a
 * parallel phase writes only its own regions' stocks and workspace rows, and
 * reads other regions only from workspace rows written by an earlier phase;
 * every cross-region sum is formed by a serial phase in ascending region
 * order. The result is therefore the same bit for bit for any split into
 * ranges and any order in which the ranges run.
 *
 * Reading of MODEL 3.2 made here: the returns are shared in proportion to X'
 * after the locals who left this year were added to it (the X' += outL line
 * comes before the returns line in MODEL 3.2); ext uses the survivors L', M'
 * of 3.1, before anyone leaves.
 *
 * Stochastic step (rng given; serial, one generator per replicate, MODEL 9).
 * Stocks are whole numbers held in doubles. Every draw of MODEL 3 is made in
 * one fixed order, so a seed fixes the trajectory:
 *
 *   1. regions in file order, ages ascending, for each (r, a):
 *      L' ~ Bin(L, 1-q), M' ~ Bin(M, 1-q), X' ~ Bin(X, 1-q)         (3.1)
 *      outL ~ Bin(L', mL)
 *      ret ~ Bin(M', rho), outM ~ Bin(M' - ret, mM / (1 - rho)): the
 *        multinomial (M'; rho, mM, rest) as two conditional binomials
 *      movers outL + outM, the multinomial over D[r][.] and "outside": with
 *        fewer movers than ALIAS_MOVERS_PER_CATEGORY times the row's
 *        categories (its CSR entries plus the outside), one uniform per mover
 * through the row's alias table (Walker/Vose, built once in the workspace);
 * otherwise inside ~ Bin(movers, delta[r]) (all of them when delta[r] >= 1 -
 *        ES_RATE_SLACK), then over the CSR row of D in ascending destination
 *        order k_e ~ Bin(left, D_e / (delta - shares before e)), the last
 *        positive entry taking what is left
 *      ext ~ Poisson(eps (L' + M'))
 *   2. ages ascending: the multivariate hypergeometric draw of the returns,
 *      t = min(R, sum X') of the X' pool, as sequential univariate draws over
 *      the regions in file order, back[z] ~ Hyp(X'[z], X' of later regions,
 *      returners left); with R > sum X' everyone in X' comes home and the
 *      other returners leave the system                         (3.2 closure)
 *   3. arrivals and ageing, no draws                            (3.2-3.3)
 *   4. regions in file order: n ~ Poisson(B[r]), bm ~ Bin(n, mu[r]); then
 *      Bx ~ Bin(sum bm, kappa) and its spread over the regions in file
 *      order, k_z ~ Bin(Bx left, w_z / weight left), w_z = X[z][1..min(5,A)]:
 *      a multinomial as conditional binomials                      (3.4)
 *
 * Draws with a count of 0 or a probability of 0 or 1 consume no random
 * numbers (their value is certain). Large counts: gsl_ran_binomial takes an
 * unsigned int count and works internally in int, so a binomial of more than
 * INT_MAX trials is drawn as a sum of binomials of at most INT_MAX trials,
 * and a Poisson mean above ES_POISSON_PART_MEAN as a sum of Poisson draws
 * (both exact in distribution). The hypergeometric draw (models/draws.h)
 * needs the X' pool of an age (sum of L + X over the regions) and the
 * migrant pool within ES_DRAWS_COUNT_MAX (2^53): beyond that, and for Poisson
 * means beyond
 * ES_POISSON_MEAN_MAX, the step refuses with ES_ERANGE before it changes
 * anything. Nothing is allocated: the arrivals are gathered in the
 * workspace. */
#include "models/population.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "models/draws.h"
#include "models/rng.h"

/* rho + mM may exceed 1 by this much (float noise in rates given as
 * complements); more is a broken precondition. The excess is clipped when
 * the stay-on share of migrants is formed, so no stock turns negative. */
#define ES_RATE_SLACK 1e-12

/* Destinations of a stochastic step are drawn mover by mover from the alias
 * table when there are fewer movers than this many per category of the row:
 * a uniform costs about a tenth of a binomial draw. Both ways draw the same
 * multinomial; the choice depends on the counts only. */
#define ALIAS_MOVERS_PER_CATEGORY 8.0

/* Uniform words drawn at a time for the alias tables. */
#define ALIAS_BATCH 256

/* Registration of migrant-parent births looks at ages 1..5 (MODEL 3.4). */
#define ES_REGISTRATION_MAX_AGE 5

/* The most trials handed to one gsl_ran_binomial call: GSL takes an unsigned
 * int but computes in int. */
#define ES_BINOMIAL_PART_MAX ((double)INT_MAX)
/* The largest mean handed to one gsl_ran_poisson call; its unsigned int
 * result then stays far below UINT_MAX (sd 3.2e4). */
#define ES_POISSON_PART_MEAN 1e9
/* The largest Poisson mean of a stochastic step (2^50): draws stay whole
 * numbers that doubles hold exactly (below 2^53). */
#define ES_POISSON_MEAN_MAX 1125899906842624.0

struct es_population_ws {
  size_t n_regions;      /* shape the workspace was made for */
  size_t n_ages;         /* max_age + 1 */
  double *movers;        /* [region][age] outL + outM of this step, persons */
  double *returns;       /* [region][age] ret of this step, persons */
  double *pool_returns;  /* [age] R: returners of all regions, persons */
  double *pool_away;     /* [age] sum_z X'[z][a] (after outL), persons */
  double *pool_back;     /* [age] min(1, R / sum X'): share of X' going home */
  double *births_local;  /* [region] B - bm of this step, persons */
  double *births_migr;   /* [region] bm of this step, persons */
  double *reg_away;      /* [region] sum of X over ages 1..min(5, A), persons */
  double *arrivals;      /* [region][age] inM of a stochastic step, persons */
  size_t *alias_start;   /* [region + 1]: origin r's alias table is entries
                            alias_start[r] .. alias_start[r+1]-1: its kept
                            destinations in CSR order, then "outside" */
  uint64_t *alias_keep;  /* Walker/Vose alias tables of D's rows: a 32-bit
                            uniform word below this keeps the category drawn
                            (its chance times 2^32, rounded up) */
  size_t *alias_other;   /* the category taken otherwise (index in the row) */
  uint32_t *alias_count; /* [most categories of a row] movers per category of
                            the row being drawn */
  uint32_t alias_words[ALIAS_BATCH]; /* uniform words of one batch */
  double reg_away_total;             /* sum over regions of reg_away, persons */
  double reg_births;                 /* Bx: registration births, persons */
  double kappa;        /* registration share of migrant-parent births */
  struct es_error err; /* why the last es_population_step failed */
};

/* ---- stocks ------------------------------------------------------------ */

int es_population_init(struct es_population *p, const size_t n_regions,
                       const size_t n_ages, struct es_error *err) {
  memset(p, 0, sizeof *p);
  if (n_regions == 0 || n_ages == 0) {
    return ES_FAIL(
        err, ES_EINVAL,
        "population needs at least 1 region and 1 age (got %zu, %zu)",
        n_regions, n_ages);
  }
  if (n_regions > SIZE_MAX / sizeof(double) / n_ages) {
    return ES_FAIL(err, ES_ENOMEM, "population of %zu regions x %zu ages",
                   n_regions, n_ages);
  }
  const size_t n = n_regions * n_ages;
  p->local = calloc(n, sizeof *p->local);
  p->migrant = calloc(n, sizeof *p->migrant);
  p->away = calloc(n, sizeof *p->away);
  if (p->local == NULL || p->migrant == NULL || p->away == NULL) {
    es_population_clear(p);
    return ES_FAIL(err, ES_ENOMEM,
                   "out of memory for population of %zu regions x %zu ages",
                   n_regions, n_ages);
  }
  p->n_regions = n_regions;
  p->n_ages = n_ages;
  return ES_OK;
}

void es_population_clear(struct es_population *p) {
  if (p == NULL) {
    return;
  }
  free(p->local);
  free(p->migrant);
  free(p->away);
  memset(p, 0, sizeof *p);
}

void es_population_copy(struct es_population *dst,
                        const struct es_population *src) {
  ES_ASSERT(dst->n_regions == src->n_regions && dst->n_ages == src->n_ages);
  const size_t n = src->n_regions * src->n_ages;
  memcpy(dst->local, src->local, n * sizeof *dst->local);
  memcpy(dst->migrant, src->migrant, n * sizeof *dst->migrant);
  memcpy(dst->away, src->away, n * sizeof *dst->away);
}

/* ---- parameter helpers ----------------------------------------------- */

double es_fertility_index_at(const struct es_population_params *pp,
                             const int year) {
  const size_t n = pp->n_fertility_points;
  if (n == 0) {
    return 1.0;
  }
  const int *y = pp->fertility_year;
  const double *f = pp->fertility_index;
  /* MODEL 3.4: flat outside the given years, linear between them. */
  if (year <= y[0]) {
    return f[0];
  }
  if (year >= y[n - 1]) {
    return f[n - 1];
  }
  size_t i = 0;
  while (year >= y[i + 1]) {
    i++;
  }
  const double frac = (double)(year - y[i]) / (double)(y[i + 1] - y[i]);
  return f[i] + (f[i + 1] - f[i]) * frac;
}

double es_population_expected_births(const struct es_population_params *pp,
                                     const size_t i_region, const int year) {
  /* MODEL 3.4: B[r] = births[r] * F(year) * (1 + g[r])^(year - t0). */
  if (pp->births == NULL) {
    return 0.0;
  }
  const double g = pp->adult_growth != NULL ? pp->adult_growth[i_region] : 0.0;
  return pp->births[i_region] * es_fertility_index_at(pp, year) *
         pow(1.0 + g, (double)(year - pp->year_start));
}

/* Ages 1..min(5, A) are those of MODEL 3.4's default mu and registration;
 * this returns one past the last of them. With A = 0 they are empty. */
static size_t registration_age_end(const size_t n_ages) {
  const size_t max_age = n_ages - 1;
  return (max_age < ES_REGISTRATION_MAX_AGE ? max_age
                                            : ES_REGISTRATION_MAX_AGE) +
         1;
}

void es_population_default_birth_share(const struct es_population *p,
                                       double *out) {
  /* MODEL 3.4: mu = M / (L + M) over ages 0..min(5, A) at t0. */
  const size_t a_end = registration_age_end(p->n_ages);
  for (size_t r = 0; r < p->n_regions; r++) {
    double sum_l = 0.0;
    double sum_m = 0.0;
    for (size_t a = 0; a < a_end; a++) {
      sum_l += p->local[es_population_idx(p, r, a)];
      sum_m += p->migrant[es_population_idx(p, r, a)];
    }
    out[r] = sum_l + sum_m > 0.0 ? sum_m / (sum_l + sum_m) : 0.0;
  }
}

static double at_or_zero(const double *v, const size_t i) {
  return v != NULL ? v[i] : 0.0;
}

static double multiplier_of(const struct es_population_params *pp,
                            const size_t i_region) {
  return pp->rate_multiplier != NULL ? pp->rate_multiplier[i_region] : 1.0;
}

static bool is_probability(const double x) {
  return x >= 0.0 && x <= 1.0; /* false for NaN */
}

/* Checks what the step relies on: rates are probabilities once multiplied,
 * rho + mM <= 1, counts are finite and non-negative. The scenario loader
 * checks the same for the user; this catches a caller that did not. */
static int check_params(const struct es_population_params *pp,
                        struct es_error *err) {
  if (pp->n_regions == 0 || pp->n_ages == 0) {
    return ES_FAIL(err, ES_EINVAL,
                   "population parameters for %zu regions x %zu ages",
                   pp->n_regions, pp->n_ages);
  }
  if (pp->destinations == NULL ||
      pp->destinations->n_regions != pp->n_regions) {
    return ES_FAIL(err, ES_EINVAL,
                   "destinations are missing or not for %zu regions",
                   pp->n_regions);
  }
  if (pp->migrant_birth_share == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "migrant_birth_share is required (see "
                   "es_population_default_birth_share)");
  }
  for (size_t a = 0; a < pp->n_ages; a++) {
    const double q = at_or_zero(pp->mortality, a);
    const double ml = at_or_zero(pp->local_out_rate, a);
    const double mm = at_or_zero(pp->migrant_out_rate, a);
    const double rho = at_or_zero(pp->return_rate, a);
    const double eps = at_or_zero(pp->external_in_rate, a);
    if (!is_probability(q) || !is_probability(ml) || !is_probability(mm) ||
        !is_probability(rho) || !(eps >= 0.0 && isfinite(eps))) {
      return ES_FAIL(err, ES_EINVAL,
                     "age %zu: mortality %g, local_out_rate %g, "
                     "migrant_out_rate %g, return_rate %g must lie in 0..1 and "
                     "external_in_rate %g must be >= 0",
                     a, q, ml, mm, rho, eps);
    }
  }
  for (size_t r = 0; r < pp->n_regions; r++) {
    const double mult = multiplier_of(pp, r);
    if (!(mult >= 0.0 && isfinite(mult))) {
      return ES_FAIL(err, ES_EINVAL,
                     "region %zu: rate_multiplier %g is not >= 0", r, mult);
    }
    for (size_t a = 0; a < pp->n_ages; a++) {
      const double ml = at_or_zero(pp->local_out_rate, a) * mult;
      const double mm = at_or_zero(pp->migrant_out_rate, a) * mult;
      const double rho = at_or_zero(pp->return_rate, a);
      if (ml > 1.0 || rho + mm > 1.0 + ES_RATE_SLACK) {
        return ES_FAIL(err, ES_EINVAL,
                       "region %zu, age %zu: local_out_rate x multiplier = %g "
                       "(at most 1) and return_rate + migrant_out_rate x "
                       "multiplier = %g (at most 1)",
                       r, a, ml, rho + mm);
      }
    }
    const double births = at_or_zero(pp->births, r);
    const double g = at_or_zero(pp->adult_growth, r);
    const double mu = pp->migrant_birth_share[r];
    if (!(births >= 0.0 && isfinite(births)) || !(g >= -1.0 && isfinite(g)) ||
        !is_probability(mu)) {
      return ES_FAIL(err, ES_EINVAL,
                     "region %zu: births %g (>= 0), adult_growth %g (>= -1), "
                     "migrant_birth_share %g (0..1)",
                     r, births, g, mu);
    }
  }
  if (pp->n_fertility_points > 0 &&
      (pp->fertility_year == NULL || pp->fertility_index == NULL)) {
    return ES_FAIL(err, ES_EINVAL, "%s", "fertility points without arrays");
  }
  for (size_t i = 0; i < pp->n_fertility_points; i++) {
    if (!(pp->fertility_index[i] >= 0.0 && isfinite(pp->fertility_index[i])) ||
        (i > 0 && pp->fertility_year[i] <= pp->fertility_year[i - 1])) {
      return ES_FAIL(err, ES_EINVAL,
                     "fertility point %zu (year %d, index %g): years must "
                     "ascend and indices be >= 0",
                     i, pp->fertility_year[i], pp->fertility_index[i]);
    }
  }
  return ES_OK;
}

/* ---- workspace --------------------------------------------------------- */

/* Walker's alias tables of the rows of D with "outside" as a last category
 * (Vose's construction, M. D. Vose 1991, IEEE Trans. Softw. Eng. 17:972):
 * one uniform then picks a mover's destination in O(1). Built once per
 * workspace; the rows' categories are the entries of D's CSR row (zero shares
 * included, they get probability 0) and outside with 1 - delta[r]. */
/* The most categories a row of D has (its entries plus the outside). */
static size_t alias_max_categories(const struct es_destinations *d) {
  size_t max_k = 1;
  for (size_t r = 0; r < d->n_regions; r++) {
    const size_t k = d->out_start[r + 1] - d->out_start[r] + 1;
    max_k = k > max_k ? k : max_k;
  }
  return max_k;
}

static int build_alias_tables(const struct es_destinations *d,
                              struct es_population_ws *ws) {
  size_t max_k = 1;
  for (size_t r = 0; r < d->n_regions; r++) {
    const size_t k = d->out_start[r + 1] - d->out_start[r] + 1;
    max_k = k > max_k ? k : max_k;
  }
  double *scaled = malloc(max_k * sizeof *scaled);
  double *scaled_prob = malloc(max_k * sizeof *scaled_prob);
  size_t *small = malloc(max_k * sizeof *small);
  size_t *large = malloc(max_k * sizeof *large);
  if (scaled == NULL || scaled_prob == NULL || small == NULL || large == NULL) {
    free(scaled);
    free(scaled_prob);
    free(small);
    free(large);
    return ES_ENOMEM;
  }
  size_t start = 0;
  for (size_t r = 0; r < d->n_regions; r++) {
    const size_t e0 = d->out_start[r];
    const size_t k = d->out_start[r + 1] - e0 + 1;
    ws->alias_start[r] = start;
    double *prob = scaled_prob;
    size_t *other = ws->alias_other + start;
    double total = 0.0;
    for (size_t c = 0; c + 1 < k; c++) {
      scaled[c] = fmax(0.0, d->out_share[e0 + c]);
      total += scaled[c];
    }
    scaled[k - 1] = fmax(0.0, 1.0 - total); /* outside */
    total += scaled[k - 1];
    size_t n_small = 0, n_large = 0;
    for (size_t c = 0; c < k; c++) {
      scaled[c] = scaled[c] * (double)k / total;
      if (scaled[c] < 1.0) {
        small[n_small++] = c;
      } else {
        large[n_large++] = c;
      }
    }
    while (n_small > 0 && n_large > 0) {
      const size_t lo = small[--n_small];
      const size_t hi = large[n_large - 1];
      prob[lo] = scaled[lo];
      other[lo] = hi;
      scaled[hi] = (scaled[hi] + scaled[lo]) - 1.0;
      if (scaled[hi] < 1.0) {
        n_large--;
        small[n_small++] = hi;
      }
    }
    /* What is left holds 1 up to rounding. */
    while (n_large > 0) {
      const size_t c = large[--n_large];
      prob[c] = 1.0;
      other[c] = c;
    }
    while (n_small > 0) {
      const size_t c = small[--n_small];
      prob[c] = 1.0;
      other[c] = c;
    }
    /* Thresholds on 32-bit words: u < ceil(p 2^32) exactly when u < p 2^32
     * for a whole u (p 2^32 is exact in double). */
    for (size_t c = 0; c < k; c++) {
      ws->alias_keep[start + c] = (uint64_t)ceil(prob[c] * 4294967296.0);
    }
    start += k;
  }
  ws->alias_start[d->n_regions] = start;
  free(scaled);
  free(scaled_prob);
  free(small);
  free(large);
  return ES_OK;
}

struct es_population_ws *es_population_ws_alloc(
    const struct es_population_params *pp, struct es_error *err) {
  if (check_params(pp, err) != ES_OK) {
    return NULL;
  }
  const size_t n_r = pp->n_regions;
  const size_t n_a = pp->n_ages;
  if (n_r > SIZE_MAX / sizeof(double) / n_a) {
    ES_FAIL(err, ES_ENOMEM, "workspace of %zu regions x %zu ages", n_r, n_a);
    return NULL;
  }
  struct es_population_ws *ws = calloc(1, sizeof *ws);
  if (ws == NULL) {
    ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for a population workspace");
    return NULL;
  }
  ws->n_regions = n_r;
  ws->n_ages = n_a;
  ws->movers = calloc(n_r * n_a, sizeof *ws->movers);
  ws->returns = calloc(n_r * n_a, sizeof *ws->returns);
  ws->pool_returns = calloc(n_a, sizeof *ws->pool_returns);
  ws->pool_away = calloc(n_a, sizeof *ws->pool_away);
  ws->pool_back = calloc(n_a, sizeof *ws->pool_back);
  ws->births_local = calloc(n_r, sizeof *ws->births_local);
  ws->births_migr = calloc(n_r, sizeof *ws->births_migr);
  ws->reg_away = calloc(n_r, sizeof *ws->reg_away);
  ws->arrivals = calloc(n_r * n_a, sizeof *ws->arrivals);
  const size_t n_alias = pp->destinations->n_entries + n_r;
  ws->alias_start = calloc(n_r + 1, sizeof *ws->alias_start);
  ws->alias_keep = calloc(n_alias, sizeof *ws->alias_keep);
  ws->alias_count =
      calloc(alias_max_categories(pp->destinations), sizeof *ws->alias_count);
  ws->alias_other = calloc(n_alias, sizeof *ws->alias_other);
  es_error_clear(&ws->err);
  if (ws->movers == NULL || ws->returns == NULL || ws->pool_returns == NULL ||
      ws->pool_away == NULL || ws->pool_back == NULL ||
      ws->births_local == NULL || ws->births_migr == NULL ||
      ws->reg_away == NULL || ws->arrivals == NULL || ws->alias_start == NULL ||
      ws->alias_keep == NULL || ws->alias_other == NULL ||
      ws->alias_count == NULL ||
      build_alias_tables(pp->destinations, ws) != ES_OK) {
    es_population_ws_free(ws);
    ES_FAIL(err, ES_ENOMEM,
            "out of memory for a population workspace (%zu regions x %zu "
            "ages)",
            n_r, n_a);
    return NULL;
  }
  return ws;
}

void es_population_ws_free(struct es_population_ws *ws) {
  if (ws == NULL) {
    return;
  }
  free(ws->movers);
  free(ws->returns);
  free(ws->pool_returns);
  free(ws->pool_away);
  free(ws->pool_back);
  free(ws->births_local);
  free(ws->births_migr);
  free(ws->reg_away);
  free(ws->arrivals);
  free(ws->alias_start);
  free(ws->alias_keep);
  free(ws->alias_count);
  free(ws->alias_other);
  free(ws);
}

const struct es_error *es_population_ws_error(
    const struct es_population_ws *ws) {
  return &ws->err;
}

double es_population_ws_kappa(const struct es_population_ws *ws) {
  return ws->kappa;
}

/* ---- phases ------------------------------------------------------------ */

/* 3.3 ageing of one region's stocks [n_a]: everyone moves up one year; age A
 * leaves the range. Age 0 is left empty for the births. */
static void age_region(double *l, double *m, double *x, const size_t n_a) {
  for (size_t a = n_a - 1; a > 0; a--) {
    l[a] = l[a - 1];
    m[a] = m[a - 1];
    x[a] = x[a - 1];
  }
  l[0] = 0.0;
  m[0] = 0.0;
  x[0] = 0.0;
}

void es_population_phase_leave(const struct es_population_params *pp,
                               struct es_population *p,
                               struct es_population_ws *ws,
                               const size_t r_begin, const size_t r_end) {
  ES_ASSERT(r_begin <= r_end && r_end <= p->n_regions);
  const size_t n_a = p->n_ages;
  for (size_t r = r_begin; r < r_end; r++) {
    const double mult = multiplier_of(pp, r);
    for (size_t a = 0; a < n_a; a++) {
      const size_t i = r * n_a + a;
      /* 3.1 survival of the three stocks. */
      const double survive = 1.0 - at_or_zero(pp->mortality, a);
      const double l1 = p->local[i] * survive;
      const double m1 = p->migrant[i] * survive;
      const double x1 = p->away[i] * survive;
      /* 3.2 departures on the survivors. mL <= 1, so out_l <= l1 exactly
       * (rounding is monotone) and l1 - out_l >= 0. */
      const double out_l = l1 * (at_or_zero(pp->local_out_rate, a) * mult);
      const double ret = m1 * at_or_zero(pp->return_rate, a);
      const double out_m = m1 * (at_or_zero(pp->migrant_out_rate, a) * mult);
      /* 3.2 external arrivals, in proportion to the survivors L' + M'. */
      const double ext = at_or_zero(pp->external_in_rate, a) * (l1 + m1);
      ws->movers[i] = out_l + out_m;
      ws->returns[i] = ret;
      p->local[i] = l1 - out_l;
      /* With rho + mM = 1 the two subtractions may round a hair below 0. */
      p->migrant[i] = fmax(0.0, (m1 - ret) - out_m) + ext;
      /* Locals who leave stay registered at home (MODEL 3.2). */
      p->away[i] = x1 + out_l;
    }
  }
}

void es_population_phase_pool(const struct es_population_params *pp,
                              const struct es_population *p,
                              struct es_population_ws *ws) {
  (void)pp;
  const size_t n_a = p->n_ages;
  for (size_t a = 0; a < n_a; a++) {
    ws->pool_returns[a] = 0.0;
    ws->pool_away[a] = 0.0;
  }
  /* Serial, ascending regions: R[a] = sum_r ret[r][a], sum_z X'[z][a]. */
  for (size_t r = 0; r < p->n_regions; r++) {
    for (size_t a = 0; a < n_a; a++) {
      ws->pool_returns[a] += ws->returns[r * n_a + a];
      ws->pool_away[a] += p->away[r * n_a + a];
    }
  }
  /* back[z] = X'[z] * min(1, R / sum X'): returners beyond the X' pool find
   * no home in the system and leave it (MODEL 3.2 mean-field closure). */
  for (size_t a = 0; a < n_a; a++) {
    ws->pool_back[a] = ws->pool_away[a] > 0.0
                           ? fmin(1.0, ws->pool_returns[a] / ws->pool_away[a])
                           : 0.0;
  }
}

void es_population_phase_arrive(const struct es_population_params *pp,
                                struct es_population *p,
                                struct es_population_ws *ws,
                                const size_t r_begin, const size_t r_end) {
  ES_ASSERT(r_begin <= r_end && r_end <= p->n_regions);
  const struct es_destinations *d = pp->destinations;
  const size_t n_a = p->n_ages;
  for (size_t r = r_begin; r < r_end; r++) {
    double *l = p->local + r * n_a;
    double *m = p->migrant + r * n_a;
    double *x = p->away + r * n_a;
    for (size_t a = 0; a < n_a; a++) {
      /* 3.2 arrivals, a gather over column r of D in ascending origin
       * order: inM[r] = sum_o (outL + outM)[o] * D[o][r]. */
      double in_m = 0.0;
      for (size_t e = d->in_start[r]; e < d->in_start[r + 1]; e++) {
        in_m += ws->movers[d->in_origin[e] * n_a + a] * d->in_share[e];
      }
      m[a] += in_m;
      /* 3.2 returns: back <= X' since the share is at most 1. */
      const double back = x[a] * ws->pool_back[a];
      l[a] += back;
      x[a] -= back;
    }
    age_region(l, m, x, n_a);
  }
}

void es_population_phase_registration(const struct es_population_params *pp,
                                      const struct es_population *p,
                                      struct es_population_ws *ws,
                                      const int year_to) {
  const size_t n_a = p->n_ages;
  /* Ages 1..min(5, A) of the aged state, before births enter. When A = 0
   * the range is empty, both sums are 0 and kappa is 0: no registration
   * births (MODEL 3.4, "0 if that M sum is 0"). */
  const size_t a_end = registration_age_end(n_a);
  double sum_bm = 0.0;
  double sum_m = 0.0;
  double sum_x = 0.0;
  /* Serial, ascending regions. */
  for (size_t r = 0; r < p->n_regions; r++) {
    const double b = es_population_expected_births(pp, r, year_to - 1);
    const double bm = b * pp->migrant_birth_share[r];
    ws->births_migr[r] = bm;
    ws->births_local[r] = b - bm;
    sum_bm += bm;
    double x_r = 0.0;
    for (size_t a = 1; a < a_end; a++) {
      x_r += p->away[r * n_a + a];
      sum_m += p->migrant[r * n_a + a];
    }
    ws->reg_away[r] = x_r;
    sum_x += x_r;
  }
  ws->kappa = sum_m > 0.0 ? fmin(1.0, sum_x / sum_m) : 0.0;
  ws->reg_births = sum_bm * ws->kappa;
  ws->reg_away_total = sum_x;
}

void es_population_phase_births(const struct es_population_params *pp,
                                struct es_population *p,
                                struct es_population_ws *ws,
                                const size_t r_begin, const size_t r_end,
                                const int year_to) {
  (void)pp;
  (void)year_to; /* B was formed for year_to - 1 by the registration phase */
  ES_ASSERT(r_begin <= r_end && r_end <= p->n_regions);
  for (size_t r = r_begin; r < r_end; r++) {
    const size_t i = es_population_idx(p, r, 0);
    p->local[i] = ws->births_local[r];
    p->migrant[i] = ws->births_migr[r];
    /* Bx spread in proportion to each region's away children of ages
     * 1..min(5, A); none when nobody of those ages is away. */
    p->away[i] = ws->reg_away_total > 0.0
                     ? ws->reg_births * ws->reg_away[r] / ws->reg_away_total
                     : 0.0;
  }
}

/* ---- stochastic step (the bracketed draws of MODEL 3) ---------------- */

/* Bin(n, p) for a whole n >= 0 held in a double. Certain outcomes (n = 0,
 * p <= 0, p >= 1) consume no random numbers; more than
 * ES_BINOMIAL_PART_MAX trials are drawn part by part, a sum of independent
 * binomials of the same p being binomial. */
static double draw_binomial(gsl_rng *rng, double n, const double p) {
  if (n <= 0.0 || p <= 0.0) {
    return 0.0;
  }
  if (p >= 1.0) {
    return n;
  }
  double k = 0.0;
  while (n > 0.0) {
    const double part = fmin(n, ES_BINOMIAL_PART_MAX);
    k += (double)gsl_ran_binomial(rng, p, (unsigned int)part);
    n -= part;
  }
  return k;
}

/* Poisson(mu) for 0 <= mu <= ES_POISSON_MEAN_MAX; a mean of 0 consumes no
 * random numbers; a mean above ES_POISSON_PART_MEAN is drawn as a sum of
 * equal parts, a sum of independent Poisson variables being Poisson. */
static double draw_poisson(gsl_rng *rng, const double mu) {
  if (!(mu > 0.0)) {
    return 0.0;
  }
  const double n_parts = ceil(mu / ES_POISSON_PART_MEAN);
  const double part = mu / n_parts;
  double k = 0.0;
  for (double i = 0.0; i < n_parts; i += 1.0) {
    k += (double)gsl_ran_poisson(rng, part);
  }
  return k;
}

/* Hyp(n1, n2, t): type-1 items in a sample of t without replacement from n1
 * items of type 1 and n2 of type 2 (whole numbers, t <= n1 + n2 <=
 * ES_DRAWS_COUNT_MAX), by the exact sampler of models/draws.h, whose cost
 * does not grow with t (GSL's draws one uniform per item). Certain outcomes
 * consume nothing. */
static double draw_hypergeometric(gsl_rng *rng, const double n1,
                                  const double n2, const double t) {
  if (t <= 0.0 || n1 <= 0.0) {
    return 0.0;
  }
  if (n2 <= 0.0) {
    return t;
  }
  if (t >= n1 + n2) {
    return n1;
  }
  return (double)es_ran_hypergeometric(rng, (unsigned long)n1,
                                       (unsigned long)n2, (unsigned long)t);
}

static bool is_count(const double x) {
  return x >= 0.0 && isfinite(x) && x == floor(x); /* false for NaN */
}

/* What the stochastic step needs before it draws anything, so that a
 * refusal leaves the stocks untouched: whole, non-negative stocks; X' and M
 * pools within reach of the hypergeometric draw; Poisson means within
 * ES_POISSON_MEAN_MAX. */
static int check_stochastic(const struct es_population_params *pp,
                            const struct es_population *p, const int year_to,
                            struct es_error *err) {
  const size_t n_a = p->n_ages;
  const char *const stock_names[3] = {"local", "migrant", "away"};
  for (size_t r = 0; r < p->n_regions; r++) {
    for (size_t a = 0; a < n_a; a++) {
      const size_t i = r * n_a + a;
      const double v[3] = {p->local[i], p->migrant[i], p->away[i]};
      for (size_t k = 0; k < 3; k++) {
        if (!is_count(v[k])) {
          return ES_FAIL(err, ES_EINVAL,
                         "region %zu, age %zu: %s stock %.17g is not a whole "
                         "number >= 0 (the stochastic step needs integer "
                         "stocks: round them at t0)",
                         r, a, stock_names[k], v[k]);
        }
      }
      const double ext_mean =
          at_or_zero(pp->external_in_rate, a) * (v[0] + v[1]);
      if (ext_mean > ES_POISSON_MEAN_MAX) {
        return ES_FAIL(err, ES_ERANGE,
                       "region %zu, age %zu: %g expected external arrivals "
                       "exceed %g, the largest Poisson mean drawn",
                       r, a, ext_mean, ES_POISSON_MEAN_MAX);
      }
    }
  }
  for (size_t a = 0; a < n_a; a++) {
    double sum_lx = 0.0;
    double sum_m = 0.0;
    for (size_t r = 0; r < p->n_regions; r++) {
      sum_lx += p->local[r * n_a + a] + p->away[r * n_a + a];
      sum_m += p->migrant[r * n_a + a];
    }
    if (sum_lx > (double)ES_DRAWS_COUNT_MAX ||
        sum_m > (double)ES_DRAWS_COUNT_MAX) {
      return ES_FAIL(err, ES_ERANGE,
                     "age %zu: %.17g local + away and %.17g migrant children "
                     "in all regions; the hypergeometric draw of the returns "
                     "takes at most %.17g of each",
                     a, sum_lx, sum_m, (double)ES_DRAWS_COUNT_MAX);
    }
  }
  double sum_b = 0.0;
  for (size_t r = 0; r < p->n_regions; r++) {
    const double b = es_population_expected_births(pp, r, year_to - 1);
    sum_b += b;
    if (!(b <= ES_POISSON_MEAN_MAX) || !(sum_b <= ES_POISSON_MEAN_MAX)) {
      return ES_FAIL(err, ES_ERANGE,
                     "region %zu: %g expected births in %d (%g in regions "
                     "0..%zu) exceed %g, the largest Poisson mean drawn",
                     r, b, year_to - 1, sum_b, r, ES_POISSON_MEAN_MAX);
    }
  }
  return ES_OK;
}

/* The movers of origin r at age a, a multinomial over D[r][.] and "outside"
 * (MODEL 3.2): with fewer movers than categories, one alias-table draw per
 * mover; otherwise inside ~ Bin(movers, delta[r]), then the CSR row in
 * ascending destination order by conditional binomials, the last positive
 * share taking what is left. Arrivals are added to ws->arrivals. */
static void scatter_movers(const struct es_destinations *d, const size_t r,
                           const size_t a, const size_t n_a,
                           const double movers, struct es_population_ws *ws,
                           gsl_rng *rng) {
  if (movers <= 0.0) {
    return;
  }
  const size_t e_begin = d->out_start[r];
  size_t e_end = d->out_start[r + 1];
  while (e_end > e_begin && !(d->out_share[e_end - 1] > 0.0)) {
    e_end--; /* trailing zero shares receive nobody */
  }
  if (e_end == e_begin) {
    return; /* an empty row: everyone leaves the system */
  }
  /* Few movers per destination: each mover's destination (or the
   * outside) is one draw from the row's alias table; otherwise conditional
   * binomials. Both are the same multinomial; the choice depends only on the
   * counts, so a seed still fixes the stream. */
  const size_t k_row = d->out_start[r + 1] - e_begin + 1;
  if (movers < ALIAS_MOVERS_PER_CATEGORY * (double)k_row) {
    const uint64_t *keep = ws->alias_keep + ws->alias_start[r];
    const size_t *other = ws->alias_other + ws->alias_start[r];
    uint32_t *count = ws->alias_count;
    memset(count, 0, k_row * sizeof *count);
    /* movers < ALIAS_MOVERS_PER_CATEGORY * k_row, so a whole number that
     * fits in size_t. Words come in batches, so the loop makes no call. */
    for (size_t left = (size_t)movers; left > 0;) {
      const size_t n_batch = left < ALIAS_BATCH ? left : ALIAS_BATCH;
      es_rng_fill_u32(rng, ws->alias_words, n_batch);
      for (size_t m = 0; m < n_batch; m++) {
        /* One 32-bit word: its product with k_row gives the category (high
         * half) and the uniform fraction within it (low half). */
        const uint64_t x = (uint64_t)ws->alias_words[m] * (uint64_t)k_row;
        size_t c = (size_t)(x >> 32);
        if ((uint64_t)(uint32_t)x >= keep[c]) {
          c = other[c];
        }
        count[c]++;
      }
      left -= n_batch;
    }
    for (size_t c = 0; c + 1 < k_row; c++) { /* the last is the outside */
      if (count[c] > 0) {
        ws->arrivals[d->out_dest[e_begin + c] * n_a + a] += (double)count[c];
      }
    }
    return;
  }
  const double delta = d->internal_share[r];
  double left =
      delta >= 1.0 - ES_RATE_SLACK ? movers : draw_binomial(rng, movers, delta);
  double share_left = delta;
  for (size_t e = e_begin; e < e_end && left > 0.0; e++) {
    const double share = d->out_share[e];
    const double k =
        e + 1 == e_end
            ? left
            : draw_binomial(rng, left,
                            share_left > 0.0 ? share / share_left : 1.0);
    ws->arrivals[d->out_dest[e] * n_a + a] += k;
    left -= k;
    share_left -= share;
  }
}

/* Step 1 of the stochastic step: survival, departures, destinations and
 * external arrivals of every region and age (MODEL 3.1-3.2). */
static void stochastic_leave(const struct es_population_params *pp,
                             struct es_population *p,
                             struct es_population_ws *ws, gsl_rng *rng) {
  const size_t n_a = p->n_ages;
  const size_t n = p->n_regions * n_a;
  for (size_t i = 0; i < n; i++) {
    ws->arrivals[i] = 0.0;
  }
  for (size_t r = 0; r < p->n_regions; r++) {
    const double mult = multiplier_of(pp, r);
    for (size_t a = 0; a < n_a; a++) {
      const size_t i = r * n_a + a;
      /* 3.1 survivors of the three stocks. */
      const double survive = 1.0 - at_or_zero(pp->mortality, a);
      const double l1 = draw_binomial(rng, p->local[i], survive);
      const double m1 = draw_binomial(rng, p->migrant[i], survive);
      const double x1 = draw_binomial(rng, p->away[i], survive);
      /* 3.2 local leavers. */
      const double out_l =
          draw_binomial(rng, l1, at_or_zero(pp->local_out_rate, a) * mult);
      /* 3.2 Multinomial(M'; rho, mM, rest): ret ~ Bin(M', rho), then the
       * onward movers among the others ~ Bin(M' - ret, mM / (1 - rho)). The
       * ratio may pass 1 by ES_RATE_SLACK; draw_binomial treats it as 1. */
      const double rho = at_or_zero(pp->return_rate, a);
      const double mm = at_or_zero(pp->migrant_out_rate, a) * mult;
      const double ret = draw_binomial(rng, m1, rho);
      const double out_m =
          draw_binomial(rng, m1 - ret, rho < 1.0 ? mm / (1.0 - rho) : 0.0);
      const double movers = out_l + out_m;
      scatter_movers(pp->destinations, r, a, n_a, movers, ws, rng);
      /* 3.2 external arrivals, on the survivors L' + M'. */
      const double ext =
          draw_poisson(rng, at_or_zero(pp->external_in_rate, a) * (l1 + m1));
      ws->movers[i] = movers;
      ws->returns[i] = ret;
      p->local[i] = l1 - out_l;
      p->migrant[i] = (m1 - ret - out_m) + ext;
      p->away[i] = x1 + out_l; /* leavers stay registered at home */
    }
  }
}

/* Step 2: the returns of each age, a multivariate hypergeometric draw of
 * min(R, sum X') from the X' pool by sequential univariate draws over the
 * regions in file order (MODEL 3.2). */
static void stochastic_returns(struct es_population *p,
                               struct es_population_ws *ws, gsl_rng *rng) {
  const size_t n_a = p->n_ages;
  for (size_t a = 0; a < n_a; a++) {
    double pool_r = 0.0;
    double pool_x = 0.0;
    for (size_t r = 0; r < p->n_regions; r++) {
      pool_r += ws->returns[r * n_a + a];
      pool_x += p->away[r * n_a + a];
    }
    ws->pool_returns[a] = pool_r;
    ws->pool_away[a] = pool_x;
    ws->pool_back[a] = pool_x > 0.0 ? fmin(1.0, pool_r / pool_x) : 0.0;
    /* Returners beyond the X' pool find no home and leave the system. */
    double t = fmin(pool_r, pool_x);
    double rest = pool_x;
    for (size_t z = 0; z < p->n_regions && t > 0.0; z++) {
      const size_t i = z * n_a + a;
      rest -= p->away[i];
      const double back = draw_hypergeometric(rng, p->away[i], rest, t);
      t -= back;
      p->local[i] += back;
      p->away[i] -= back;
    }
  }
}

/* Step 4: births, their parents' registration, and age 0 (MODEL 3.4). */
static void stochastic_births(const struct es_population_params *pp,
                              struct es_population *p,
                              struct es_population_ws *ws, const int year_to,
                              gsl_rng *rng) {
  const size_t n_a = p->n_ages;
  const size_t a_end = registration_age_end(n_a);
  double sum_bm = 0.0;
  double sum_m = 0.0;
  double sum_x = 0.0;
  for (size_t r = 0; r < p->n_regions; r++) {
    const double n_births =
        draw_poisson(rng, es_population_expected_births(pp, r, year_to - 1));
    const double bm = draw_binomial(rng, n_births, pp->migrant_birth_share[r]);
    ws->births_migr[r] = bm;
    ws->births_local[r] = n_births - bm;
    sum_bm += bm;
    double x_r = 0.0;
    for (size_t a = 1; a < a_end; a++) {
      x_r += p->away[r * n_a + a];
      sum_m += p->migrant[r * n_a + a];
    }
    ws->reg_away[r] = x_r;
    sum_x += x_r;
  }
  ws->kappa = sum_m > 0.0 ? fmin(1.0, sum_x / sum_m) : 0.0;
  ws->reg_births = draw_binomial(rng, sum_bm, ws->kappa);
  ws->reg_away_total = sum_x;
  /* The multinomial spread of Bx in proportion to reg_away. The weights are
   * whole numbers, so weight_left is exact and the last region with a
   * positive weight gets probability 1: every registration birth lands. */
  double left = ws->reg_births;
  double weight_left = sum_x;
  for (size_t r = 0; r < p->n_regions; r++) {
    const size_t i = es_population_idx(p, r, 0);
    const double k =
        left > 0.0 && ws->reg_away[r] > 0.0
            ? draw_binomial(rng, left, ws->reg_away[r] / weight_left)
            : 0.0;
    left -= k;
    weight_left -= ws->reg_away[r];
    p->local[i] = ws->births_local[r];
    p->migrant[i] = ws->births_migr[r];
    p->away[i] = k;
  }
}

static void step_stochastic(const struct es_population_params *pp,
                            struct es_population *p,
                            struct es_population_ws *ws, const int year_to,
                            gsl_rng *rng) {
  const size_t n_a = p->n_ages;
  stochastic_leave(pp, p, ws, rng);
  stochastic_returns(p, ws, rng);
  /* 3.2 arrivals join the migrants; 3.3 ageing. No draws. */
  for (size_t r = 0; r < p->n_regions; r++) {
    for (size_t a = 0; a < n_a; a++) {
      p->migrant[r * n_a + a] += ws->arrivals[r * n_a + a];
    }
    age_region(p->local + r * n_a, p->migrant + r * n_a, p->away + r * n_a,
               n_a);
  }
  stochastic_births(pp, p, ws, year_to, rng);
}

int es_population_step(const struct es_population_params *pp,
                       struct es_population *p, const int year_to,
                       struct es_population_ws *ws, gsl_rng *rng) {
  if (ws == NULL) {
    return ES_EINVAL;
  }
  es_error_clear(&ws->err);
  if (p->n_regions != pp->n_regions || p->n_ages != pp->n_ages ||
      ws->n_regions != pp->n_regions || ws->n_ages != pp->n_ages ||
      pp->destinations == NULL ||
      pp->destinations->n_regions != pp->n_regions) {
    return ES_FAIL(&ws->err, ES_EINVAL,
                   "population of %zu regions x %zu ages, workspace of "
                   "%zu x %zu or destinations do not match parameters for "
                   "%zu x %zu",
                   p->n_regions, p->n_ages, ws->n_regions, ws->n_ages,
                   pp->n_regions, pp->n_ages);
  }
  if (rng != NULL) {
    const int rc = check_stochastic(pp, p, year_to, &ws->err);
    if (rc != ES_OK) {
      return rc;
    }
    step_stochastic(pp, p, ws, year_to, rng);
    return ES_OK;
  }
  const size_t n = p->n_regions;
  /* MODEL 3.1-3.2, 3.2-3.3, then 3.4, in this order. */
  es_population_phase_leave(pp, p, ws, 0, n);
  es_population_phase_pool(pp, p, ws);
  es_population_phase_arrive(pp, p, ws, 0, n);
  es_population_phase_registration(pp, p, ws, year_to);
  es_population_phase_births(pp, p, ws, 0, n, year_to);
  return ES_OK;
}
