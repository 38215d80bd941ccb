/* strategy.h: how an allocation strategy weighs regions (MODEL 5.1).
 *
 * A strategy gives every region a weight per stage; teachers and seats are then
 * apportioned in proportion to it. The bases are the policies the reform is
 * about: resident population (常住人口), registered population (户籍),
 * registered population weighted by administrative rank (行政等级), historical
 * shares, a forecast of residents, or a gradual transition from one basis to
 * another. */
#ifndef ES_MODELS_STRATEGY_H
#define ES_MODELS_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"

/** The basis of a strategy's weights (MODEL 5.1). */
enum es_basis {
  ES_BASIS_RESIDENT, /* students D[r][k] */
  ES_BASIS_HUKOU,    /* registered students H[r][k] */
  ES_BASIS_RANK,     /* rank_weight[rank[r]] * H[r][k] */
  ES_BASIS_BASELINE, /* teachers or seats at t0 (historical shares) */
  ES_BASIS_FORECAST, /* expected D[r][k](t + horizon) */
  ES_BASIS_BLEND,    /* (1-lambda) wA/sum wA + lambda wB/sum wB */
};

/** @brief The scenario name of @p basis ("resident", "hukou", ...). */
const char *es_basis_name(enum es_basis basis);
/** @brief Parse a basis name; false when @p name is not one. */
bool es_basis_from_name(const char *name, enum es_basis *basis);

/** One named strategy as the scenario defines it. */
struct es_strategy_spec {
  char *name;                /* unique (owned) */
  enum es_basis basis;       /* how regions are weighed */
  size_t n_rank_weights;     /* rank basis: entries in the two arrays */
  int64_t *rank_weight_rank; /* [n_rank_weights] rank (>= 1), ascending
                                (owned) */
  double *rank_weight_value; /* [n_rank_weights] weight >= 0 (owned) */
  int horizon_years;         /* forecast basis: h >= 1 */
  size_t blend_from;         /* blend: index of strategy A (not a blend) */
  size_t blend_to;           /* blend: index of strategy B (not a blend) */
  int blend_start_year;      /* blend: lambda = 0 up to this year */
  int blend_years;           /* blend: years to reach lambda = 1, >= 1 */
  char *multiplier_column;   /* regions.csv column multiplying the weights,
                                or NULL (owned) */
  const double *multiplier;  /* [n_regions] that column, or NULL (borrowed
                                from the region table) */
};

/** @brief The weight of @p rank in a rank strategy; false if not listed. */
bool es_strategy_rank_weight(const struct es_strategy_spec *spec, int64_t rank,
                             double *weight);

/** @brief Free what @p spec owns and zero it. Accepts NULL. */
void es_strategy_spec_clear(struct es_strategy_spec *spec);

/**
 * What a strategy's weights are computed from, for one year (MODEL 5.1). All
 * arrays are borrowed and row-major [region][stage] (n_regions x n_stages)
 * unless said otherwise.
 */
struct es_strategy_context {
  size_t n_regions;           /* regions */
  size_t n_stages;            /* stages */
  int year;                   /* t, the year being allocated */
  const double *students;     /* D[r][k] at t, students */
  const double *registered;   /* H[r][k] at t, registered students */
  const int64_t *rank;        /* [n_regions] administrative rank, 1 = highest */
  const int64_t *teachers_t0; /* T[r][k] at t0, teachers (baseline basis) */
  const int64_t *seats_t0;    /* C[r][k] at t0, seats (baseline basis) */
  size_t n_horizons;          /* entries in expected: horizons 0..n-1 */
  const double *const *expected; /* [n_horizons] expected[h] = expected
                                    students D[r][k](t + h), or NULL where no
                                    strategy needs horizon h; the whole table
                                    may be NULL when no forecast is used */
  size_t n_strategies;           /* entries in strategies */
  const struct es_strategy_spec *strategies; /* [n_strategies] every strategy
                                                of the scenario (blends refer
                                                to others by index) */
};

/**
 * @brief The blend share lambda = clamp((t - start_year) / years, 0, 1) of a
 * blend strategy in year @p year (MODEL 5.1).
 */
double es_strategy_blend_lambda(const struct es_strategy_spec *spec, int year);

/**
 * @brief Weights of strategy @p i_strategy for every region and stage in year
 * ctx->year (MODEL 5.1), and the perceived-need totals of MODEL 5.3b.
 *
 * resident: D; hukou: H; rank: rank_weight[rank[r]] * H; baseline: teachers at
 * t0 for the teacher weights and seats at t0 for the seat weights; forecast
 * (horizon h): expected D(t + h); blend of A and B: (1 - lambda) wA / sum_r wA
 * + lambda wB / sum_r wB per stage (a zero sum counts as 0). Each strategy's
 * multiplier column, when it has one, multiplies its weights (a blend's after
 * blending; its components apply their own). Every basis but baseline gives
 * the same teacher and seat weights.
 *
 * @param ctx         the year's inputs (borrowed)
 * @param i_strategy  index into ctx->strategies
 * @param w_teachers  out: [n_regions * n_stages] teacher weights, >= 0
 * @param w_seats     out: [n_regions * n_stages] seat weights, >= 0
 * @param need_totals out: [n_stages] S_k, students whose seats are planned for:
 *                    sum_r D[r][k] (forecast: sum_r expected D(t + h); blend:
 *                    (1 - lambda) S_A + lambda S_B)
 * @return ES_OK; ES_EINVAL for an index out of range, a blend whose component
 *         is a blend or out of range, a forecast horizon missing from
 *         ctx->expected, or a weight that is negative or not finite (e.g. a
 *         negative multiplier); the message names strategy, region and stage
 */
int es_strategy_weights(const struct es_strategy_context *ctx,
                        size_t i_strategy, double *w_teachers, double *w_seats,
                        double *need_totals, struct es_error *err);

#endif /* ES_MODELS_STRATEGY_H */
