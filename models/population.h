/* population.h: the school-age population of every region and its yearly step
 * (MODEL 2, 3).
 *
 * Three stocks per region and single year of age: local children (resident and
 * registered here, L), migrant children (resident here, registered elsewhere,
 * 随迁子女, M) and away children (registered here, living elsewhere, X). The
 * step t-1 -> t applies survival, migration (local out-moves, migrant returns
 * and onward moves, destinations, external arrivals), ageing and births with
 * their registration, in the order of MODEL 3.1-3.4.
 *
 * The step is split into phases over ranges of regions so that sim/ may run
 * them on several threads: every phase writes only the regions of its range,
 * and every cross-region sum is formed in ascending region order by a serial
 * phase, so results are identical bit for bit for any split. es_population_step
 * runs all phases over all regions, serially. */
#ifndef ES_MODELS_POPULATION_H
#define ES_MODELS_POPULATION_H

#include <stdbool.h>
#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "models/error.h"
#include "models/migration.h"

/** Population stocks, flat row-major [region][age] (STYLE 13). */
struct es_population {
  size_t n_regions; /* regions, in regions-file order */
  size_t n_ages;    /* ages 0..max_age, so max_age + 1 */
  double *local;    /* L: resident and registered here, persons */
  double *migrant;  /* M: resident here, registered elsewhere, persons */
  double *away;     /* X: registered here, living elsewhere, persons */
};

/** @brief Index of (region, age) in the stock arrays. */
static inline size_t es_population_idx(const struct es_population *p,
                                       size_t i_region, size_t age) {
  return i_region * p->n_ages + age;
}

/** @brief Allocate zeroed stocks.
 * @return ES_OK, ES_EINVAL (no region or no age) or ES_ENOMEM. */
int es_population_init(struct es_population *p, size_t n_regions, size_t n_ages,
                       struct es_error *err);
/** @brief Free the stocks. Accepts NULL and zeroed structs. */
void es_population_clear(struct es_population *p);
/** @brief Copy stocks of equal shape from @p src into @p dst. */
void es_population_copy(struct es_population *dst,
                        const struct es_population *src);

/** Demographic parameters, validated by the scenario loader (MODEL 3.5).
 * All arrays are borrowed; NULL means "all zero" unless stated otherwise. */
struct es_population_params {
  size_t n_regions;               /* regions */
  size_t n_ages;                  /* max_age + 1 */
  int year_start;                 /* t0 of the scenario */
  const double *mortality;        /* q[a], [n_ages], probability per year */
  const double *local_out_rate;   /* mL base, [n_ages], probability per year */
  const double *migrant_out_rate; /* mM base, [n_ages], probability per year */
  const double *return_rate;      /* rho[a], [n_ages], probability per year */
  const double *external_in_rate; /* eps[a], [n_ages], arrivals from outside
                                     per resident per year */
  const double *rate_multiplier; /* [n_regions] factor on mL and mM; NULL = 1 */
  const struct es_destinations *destinations; /* D, never NULL */
  const double *births;       /* births[r] in year t0, persons per year */
  const double *adult_growth; /* g[r], growth per year of adults; NULL=0 */
  const double *migrant_birth_share; /* mu[r], 0..1, never NULL (see
                                        es_population_default_birth_share) */
  size_t n_fertility_points;         /* points of F; 0 = F is 1 every year */
  const int *fertility_year;         /* [n_fertility_points], ascending */
  const double *fertility_index;     /* [n_fertility_points], >= 0 */
};

/** @brief F(year): piecewise linear between the points, flat outside, 1 with
 * no points (MODEL 3.4). */
double es_fertility_index_at(const struct es_population_params *pp, int year);

/** @brief B[r] for births during @p year (MODEL 3.4):
 * births[r] * F(year) * (1 + g[r])^(year - t0). */
double es_population_expected_births(const struct es_population_params *pp,
                                     size_t i_region, int year);

/** @brief The default mu[r] of MODEL 3.4: M/(L+M) over ages 0..min(5, max_age)
 * of @p p (0 where L+M is 0). @param out [n_regions] */
void es_population_default_birth_share(const struct es_population *p,
                                       double *out);

/** Scratch space for one step, allocated once (STYLE 12). Opaque. */
struct es_population_ws;

/** @brief Allocate a workspace for @p pp's shape, after checking @p pp
 * (rates in 0..1 once multiplied, rho + mM <= 1 per region and age, births
 * >= 0, adult growth >= -1, mu in 0..1, fertility years ascending, D of the
 * same size). NULL on failure, with @p err set to ES_EINVAL (a broken
 * parameter, named in the message) or ES_ENOMEM. */
struct es_population_ws *es_population_ws_alloc(
    const struct es_population_params *pp, struct es_error *err);
/** @brief Free a workspace. Accepts NULL. */
void es_population_ws_free(struct es_population_ws *ws);
/** @brief Details of the last failed es_population_step with @p ws (code
 * ES_OK after a successful one). Borrowed: valid while @p ws lives. */
const struct es_error *es_population_ws_error(
    const struct es_population_ws *ws);
/** @brief kappa of the last registration phase run with @p ws: the share of
 * migrant-parent births registered in the system (MODEL 3.4). */
double es_population_ws_kappa(const struct es_population_ws *ws);

/**
 * @brief Advance @p p from the start of year_to - 1 to the start of year_to
 * (MODEL 3.1-3.4), in place.
 * @param rng NULL for the deterministic (expected value) step; a generator for
 *            the stochastic step (the bracketed draws of MODEL 3, in the
 *            fixed order documented in population.c), borrowed: the step
 *            draws from it and nothing else. Stochastic stocks are whole
 *            numbers (round them at t0) and stay whole. Serial; allocates
 *            nothing.
 * @return ES_OK; ES_EINVAL when @p p, @p ws or D does not match @p pp, or
 *         (stochastic) when a stock is not a whole number >= 0; ES_ERANGE
 *         (stochastic) when the local + away or the migrant children of one
 *         age in all regions exceed 2^53 (the most the hypergeometric draw
 *         of models/draws.h takes), or an expected number of births or
 *         external arrivals
 *         exceeds 2^50. @p p is unchanged after an error; the message is in
 *         es_population_ws_error(ws). With @p ws NULL the result is ES_EINVAL
 *         without a message.
 */
int es_population_step(const struct es_population_params *pp,
                       struct es_population *p, int year_to,
                       struct es_population_ws *ws, gsl_rng *rng);

/* The phases of es_population_step, for sim/ to run over region ranges
 * [r_begin, r_end). Call order: leave (all ranges), pool, arrive (all ranges),
 * registration, births (all ranges). The ranges of one phase may run at the
 * same time on one workspace: each writes only its own regions' stocks and
 * workspace rows. @p pp must have passed es_population_ws_alloc's checks.
 * The stochastic step is serial (one generator) and uses es_population_step
 * only. */

/** Survival and departures (MODEL 3.1-3.2) of regions in the range. */
void es_population_phase_leave(const struct es_population_params *pp,
                               struct es_population *p,
                               struct es_population_ws *ws, size_t r_begin,
                               size_t r_end);
/** The system-wide return pool and its closure (serial, region order). */
void es_population_phase_pool(const struct es_population_params *pp,
                              const struct es_population *p,
                              struct es_population_ws *ws);
/** Arrivals (gathered by destination), returns, external arrivals and
 * ageing (MODEL 3.2-3.3) of regions in the range. */
void es_population_phase_arrive(const struct es_population_params *pp,
                                struct es_population *p,
                                struct es_population_ws *ws, size_t r_begin,
                                size_t r_end);
/** Registration share kappa and the away-birth pool (serial, MODEL 3.4),
 * for births during year_to - 1. */
void es_population_phase_registration(const struct es_population_params *pp,
                                      const struct es_population *p,
                                      struct es_population_ws *ws, int year_to);
/** Births entering age 0 for regions in the range (MODEL 3.4). */
void es_population_phase_births(const struct es_population_params *pp,
                                struct es_population *p,
                                struct es_population_ws *ws, size_t r_begin,
                                size_t r_end, int year_to);

#endif /* ES_MODELS_POPULATION_H */
