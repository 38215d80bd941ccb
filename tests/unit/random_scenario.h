/* random_scenario.h: random population scenarios for the invariant tests
 * of the population step (MODEL 3), shared by test_population.c
 * (deterministic) and test_population_stochastic.c (whole-number stocks).
 * A fixed-seed LCG makes every scenario the same on every machine. */
#ifndef ES_TESTS_UNIT_RANDOM_SCENARIO_H
#define ES_TESTS_UNIT_RANDOM_SCENARIO_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/error.h"
#include "models/migration.h"
#include "models/population.h"

struct lcg {
  uint64_t state;
};

static inline double lcg_uniform(struct lcg *g) {
  g->state = g->state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(g->state >> 11) * (1.0 / 9007199254740992.0);
}

static inline double lcg_range(struct lcg *g, const double lo,
                               const double hi) {
  return lo + (hi - lo) * lcg_uniform(g);
}

/* An integer in lo..hi inclusive. */
static inline size_t lcg_size(struct lcg *g, const size_t lo, const size_t hi) {
  size_t v = lo + (size_t)(lcg_uniform(g) * (double)(hi - lo + 1));
  return v > hi ? hi : v;
}

/* A whole number in 0..hi. */
static inline double lcg_count(struct lcg *g, const double hi) {
  return floor(lcg_range(g, 0.0, hi) + 0.5);
}

enum {
  RS_CLOSED = 1u << 0,       /* delta = 1 and eps = 0 */
  RS_NO_MORTALITY = 1u << 1, /* q = 0 */
  RS_NO_BIRTHS = 1u << 2,    /* births 0 */
  RS_BALANCED = 1u << 3,     /* sum_r M = sum_r X per age at the start */
  RS_AWAY_RICH = 1u << 4,    /* X >= M everywhere: returners find a home */
  RS_EXTREME = 1u << 5,      /* rates at their limits (rho + mM = 1, ...) */
};

struct rand_scn {
  size_t n_r, n_a;
  double *q, *ml, *mm, *rho, *eps;     /* [n_a] */
  double *mult, *births, *growth, *mu; /* [n_r] */
  double *lat, *lon, *attr;            /* [n_r] */
  size_t *od_o, *od_d;                 /* OD entries */
  double *od_s;
  int fert_year[3];
  double fert_index[3];
  struct es_destinations d;
  struct es_population_params pp;
  struct es_population p; /* whole numbers when drawn with whole = true */
};

/* A random scenario of n_r regions and n_a ages. @p scale multiplies births
 * and stocks; with @p whole the stocks are whole numbers (for the stochastic
 * step), else real. Both draw the same variates in the same order. */
static inline void rand_scn_init(struct rand_scn *s, struct lcg *g,
                                 const size_t n_r, const size_t n_a,
                                 const unsigned flags, const double scale,
                                 const bool whole) {
  memset(s, 0, sizeof *s);
  s->n_r = n_r;
  s->n_a = n_a;
  s->q = calloc(n_a, sizeof(double));
  s->ml = calloc(n_a, sizeof(double));
  s->mm = calloc(n_a, sizeof(double));
  s->rho = calloc(n_a, sizeof(double));
  s->eps = calloc(n_a, sizeof(double));
  s->mult = calloc(n_r, sizeof(double));
  s->births = calloc(n_r, sizeof(double));
  s->growth = calloc(n_r, sizeof(double));
  s->mu = calloc(n_r, sizeof(double));
  s->lat = calloc(n_r, sizeof(double));
  s->lon = calloc(n_r, sizeof(double));
  s->attr = calloc(n_r, sizeof(double));
  s->od_o = calloc(n_r * 4, sizeof(size_t));
  s->od_d = calloc(n_r * 4, sizeof(size_t));
  s->od_s = calloc(n_r * 4, sizeof(double));
  const bool closed = (flags & RS_CLOSED) != 0;
  const bool extreme = (flags & RS_EXTREME) != 0;
  const bool use_mult = lcg_uniform(g) < 0.5;
  for (size_t a = 0; a < n_a; a++) {
    s->q[a] = (flags & RS_NO_MORTALITY) ? 0.0 : lcg_range(g, 0.0, 0.05);
    s->ml[a] = lcg_range(g, 0.0, 0.3);
    s->rho[a] = lcg_range(g, 0.0, 0.4);
    s->mm[a] = lcg_range(g, 0.0, 0.3);
    s->eps[a] = closed ? 0.0 : lcg_range(g, 0.0, 0.01);
    if (extreme && a % 3 == 1) {
      s->rho[a] = 0.45; /* rho + mM = 1: nobody stays put */
      s->mm[a] = 0.55;
      s->ml[a] = 1.0; /* every local leaves */
      s->q[a] = (flags & RS_NO_MORTALITY) ? 0.0 : 1.0;
    }
  }
  for (size_t r = 0; r < n_r; r++) {
    s->mult[r] = extreme ? 1.0 : lcg_range(g, 0.5, 2.0);
    s->births[r] =
        (flags & RS_NO_BIRTHS) ? 0.0 : lcg_range(g, 0.0, 5000.0 * scale);
    s->growth[r] = lcg_range(g, -0.03, 0.03);
    s->mu[r] = lcg_range(g, 0.0, 0.5);
    s->lat[r] = lcg_range(g, 22.0, 42.0);
    s->lon[r] = lcg_range(g, 100.0, 122.0);
    s->attr[r] = lcg_range(g, 0.1, 5.0);
  }
  s->fert_year[0] = 2019;
  s->fert_index[0] = lcg_range(g, 0.8, 1.2);
  s->fert_year[1] = 2024;
  s->fert_index[1] = lcg_range(g, 0.6, 1.1);
  s->fert_year[2] = 2031;
  s->fert_index[2] = lcg_range(g, 0.5, 1.0);
  /* Destinations: OD or gravity; delta = 1 when closed (needs >= 2 regions),
   * otherwise a random share, or nobody stays in the system. */
  struct es_error err;
  es_error_clear(&err);
  const double pick = lcg_uniform(g);
  int rc;
  if (n_r == 1 || (!closed && pick < 0.2)) {
    rc = es_destinations_init_none(&s->d, n_r, &err);
  } else if (pick < 0.6) {
    size_t n_e = 0;
    for (size_t r = 0; r < n_r; r++) {
      const double delta = closed ? 1.0 : lcg_range(g, 0.3, 1.0);
      const size_t k = lcg_size(g, 1, n_r - 1 < 4 ? n_r - 1 : 4);
      const size_t first = n_e;
      double w_sum = 0.0;
      for (size_t c = 0; c < k; c++) {
        /* k distinct destinations: r + 1, r + 2, ... with random gaps would
         * be nicer; consecutive ones (mod n) are distinct and enough. */
        s->od_o[n_e] = r;
        s->od_d[n_e] = (r + 1 + c) % n_r;
        s->od_s[n_e] = lcg_range(g, 0.1, 1.0);
        w_sum += s->od_s[n_e];
        n_e++;
      }
      for (size_t e = first; e < n_e; e++) {
        s->od_s[e] = delta * s->od_s[e] / w_sum;
      }
    }
    rc = es_destinations_init_od(&s->d, n_r, n_e, s->od_o, s->od_d, s->od_s,
                                 &err);
  } else {
    const struct es_gravity_params gp = {
        .internal_share = closed ? 1.0 : lcg_range(g, 0.3, 1.0),
        .beta = lcg_range(g, 0.5, 1.5),
        .gamma = lcg_range(g, 1.0, 2.5),
        .top = lcg_size(g, 0, 5),
    };
    rc = es_destinations_init_gravity(&s->d, n_r, s->lat, s->lon, s->attr, &gp,
                                      &err);
  }
  if (rc != ES_OK) {
    printf("destinations: %s\n", err.message);
  }
  ES_ASSERT(rc == ES_OK);
  rc = es_population_init(&s->p, n_r, n_a, &err);
  ES_ASSERT(rc == ES_OK);
  for (size_t r = 0; r < n_r; r++) {
    for (size_t a = 0; a < n_a; a++) {
      const size_t i = es_population_idx(&s->p, r, a);
      if (whole) {
        s->p.local[i] = lcg_count(g, 3000.0 * scale);
        s->p.migrant[i] = lcg_count(g, 1500.0 * scale);
        s->p.away[i] = (flags & RS_AWAY_RICH)
                           ? s->p.migrant[i] + lcg_count(g, 500.0 * scale)
                           : lcg_count(g, 500.0 * scale);
      } else {
        s->p.local[i] = lcg_range(g, 0.0, 3000.0 * scale);
        s->p.migrant[i] = lcg_range(g, 0.0, 1500.0 * scale);
        s->p.away[i] = (flags & RS_AWAY_RICH)
                           ? s->p.migrant[i] * lcg_range(g, 1.0, 2.0) + 10.5
                           : lcg_range(g, 0.0, 500.0 * scale);
      }
    }
  }
  if ((flags & RS_BALANCED) && !whole) {
    /* Scale X of each age so that sum_r X = sum_r M. */
    for (size_t a = 0; a < n_a; a++) {
      double sum_m = 0.0, sum_x = 0.0;
      for (size_t r = 0; r < n_r; r++) {
        sum_m += s->p.migrant[es_population_idx(&s->p, r, a)];
        sum_x += s->p.away[es_population_idx(&s->p, r, a)];
      }
      for (size_t r = 0; r < n_r; r++) {
        s->p.away[es_population_idx(&s->p, r, a)] *= sum_m / sum_x;
      }
    }
  }
  if ((flags & RS_BALANCED) && whole) {
    /* Whole X of each age with sum_r X = sum_r M: X in proportion to the
     * random draw, floored, and the remainder put in the last region. */
    for (size_t a = 0; a < n_a; a++) {
      double sum_m = 0.0, sum_x = 0.0;
      for (size_t r = 0; r < n_r; r++) {
        sum_m += s->p.migrant[es_population_idx(&s->p, r, a)];
        sum_x += s->p.away[es_population_idx(&s->p, r, a)] + 1.0;
      }
      double placed = 0.0;
      for (size_t r = 0; r + 1 < n_r; r++) {
        double *x = &s->p.away[es_population_idx(&s->p, r, a)];
        *x = floor((*x + 1.0) * sum_m / sum_x);
        placed += *x;
      }
      s->p.away[es_population_idx(&s->p, n_r - 1, a)] = sum_m - placed;
    }
  }
  s->pp = (struct es_population_params){
      .n_regions = n_r,
      .n_ages = n_a,
      .year_start = 2020,
      .mortality = s->q,
      .local_out_rate = s->ml,
      .migrant_out_rate = s->mm,
      .return_rate = s->rho,
      .external_in_rate = s->eps,
      .rate_multiplier = use_mult ? s->mult : NULL,
      .destinations = &s->d,
      .births = s->births,
      .adult_growth = s->growth,
      .migrant_birth_share = s->mu,
      .n_fertility_points = 3,
      .fertility_year = s->fert_year,
      .fertility_index = s->fert_index,
  };
}

static inline void rand_scn_clear(struct rand_scn *s) {
  free(s->q);
  free(s->ml);
  free(s->mm);
  free(s->rho);
  free(s->eps);
  free(s->mult);
  free(s->births);
  free(s->growth);
  free(s->mu);
  free(s->lat);
  free(s->lon);
  free(s->attr);
  free(s->od_o);
  free(s->od_d);
  free(s->od_s);
  es_destinations_clear(&s->d);
  es_population_clear(&s->p);
}

/* Sum over regions of @p stock at age @p a. */
static inline double sum_age(const struct es_population *p, const double *stock,
                             const size_t a) {
  double s = 0.0;
  for (size_t r = 0; r < p->n_regions; r++) {
    s += stock[es_population_idx(p, r, a)];
  }
  return s;
}

#endif /* ES_TESTS_UNIT_RANDOM_SCENARIO_H */
