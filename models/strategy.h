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

#endif /* ES_MODELS_STRATEGY_H */
