/* strategy.c: names of the strategy bases, the strategy specification and the
 * weights a strategy gives every region (MODEL 5.1).
 *
 * A strategy weighs region r in stage k by one basis: resident students D, the
 * registered (hukou) students H, H times a weight for the region's
 * administrative rank, the teachers or seats of t0 (historical shares), or the
 * students expected h years ahead. A blend moves from basis A to basis B over a
 * window of years: w = (1 - lambda) wA / sum_r wA + lambda wB / sum_r wB with
 * lambda = clamp((t - start_year) / years, 0, 1), each normalised per stage
 * (a zero sum counts as 0). Any strategy may multiply its weights by a numeric
 * column of the regions file (e.g. a need index). The same function gives the
 * total S_k whose seats are planned for (MODEL 5.3b). Nothing is allocated:
 * blend weights are computed cell by cell from their components. */
#include "models/strategy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const basis_names[] = {
    [ES_BASIS_RESIDENT] = "resident", [ES_BASIS_HUKOU] = "hukou",
    [ES_BASIS_RANK] = "rank",         [ES_BASIS_BASELINE] = "baseline",
    [ES_BASIS_FORECAST] = "forecast", [ES_BASIS_BLEND] = "blend",
};

const char *es_basis_name(enum es_basis basis) {
  if ((size_t)basis < sizeof basis_names / sizeof basis_names[0]) {
    return basis_names[basis];
  }
  return "?";
}

bool es_basis_from_name(const char *name, enum es_basis *basis) {
  for (size_t i = 0; i < sizeof basis_names / sizeof basis_names[0]; i++) {
    if (strcmp(name, basis_names[i]) == 0) {
      *basis = (enum es_basis)i;
      return true;
    }
  }
  return false;
}

bool es_strategy_rank_weight(const struct es_strategy_spec *spec, int64_t rank,
                             double *weight) {
  for (size_t i = 0; i < spec->n_rank_weights; i++) {
    if (spec->rank_weight_rank[i] == rank) {
      *weight = spec->rank_weight_value[i];
      return true;
    }
  }
  return false;
}

void es_strategy_spec_clear(struct es_strategy_spec *spec) {
  if (spec == NULL) {
    return;
  }
  free(spec->name);
  free(spec->rank_weight_rank);
  free(spec->rank_weight_value);
  free(spec->multiplier_column);
  memset(spec, 0, sizeof *spec);
}

/* ---- weights (MODEL 5.1) ------------------------------------------------ */

/* Which resource a weight is for: only the baseline basis tells them apart. */
enum weight_kind { WEIGHT_TEACHERS, WEIGHT_SEATS };

double es_strategy_blend_lambda(const struct es_strategy_spec *spec,
                                const int year) {
  ES_ASSERT(spec->blend_years >= 1);
  double lambda = ((double)year - (double)spec->blend_start_year) /
                  (double)spec->blend_years;
  if (lambda < 0.0) {
    return 0.0;
  }
  if (lambda > 1.0) {
    return 1.0;
  }
  return lambda;
}

/* Check that strategy i is usable as a plain (non-blend) basis in this
 * context and find the expected students a forecast reads. */
static int resolve_plain(const struct es_strategy_context *ctx, const size_t i,
                         const double **expected, struct es_error *err) {
  const struct es_strategy_spec *spec = &ctx->strategies[i];
  *expected = NULL;
  if (spec->basis == ES_BASIS_FORECAST) {
    const size_t h = spec->horizon_years >= 0 ? (size_t)spec->horizon_years : 0;
    if (spec->horizon_years < 0 || ctx->expected == NULL ||
        h >= ctx->n_horizons || ctx->expected[h] == NULL) {
      return ES_FAIL(err, ES_EINVAL,
                     "strategy '%s': no expected students for horizon %d "
                     "years in year %d (the caller must supply them)",
                     spec->name != NULL ? spec->name : "?", spec->horizon_years,
                     ctx->year);
    }
    *expected = ctx->expected[h];
  }
  return ES_OK;
}

/* The weight of a plain strategy for region r and stage k, its multiplier
 * included. */
static double plain_weight(const struct es_strategy_context *ctx,
                           const struct es_strategy_spec *spec,
                           const double *expected, const size_t r,
                           const size_t k, const enum weight_kind kind) {
  const size_t i = r * ctx->n_stages + k;
  double w = 0.0;
  switch (spec->basis) {
    case ES_BASIS_RESIDENT:
      w = ctx->students[i];
      break;
    case ES_BASIS_HUKOU:
      w = ctx->registered[i];
      break;
    case ES_BASIS_RANK: {
      double rank_weight = 0.0;
      /* The loader lists a weight for every rank of the regions file. */
      bool found = es_strategy_rank_weight(spec, ctx->rank[r], &rank_weight);
      ES_ASSERT(found);
      w = rank_weight * ctx->registered[i];
      break;
    }
    case ES_BASIS_BASELINE:
      w = kind == WEIGHT_TEACHERS ? (double)ctx->teachers_t0[i]
                                  : (double)ctx->seats_t0[i];
      break;
    case ES_BASIS_FORECAST:
      w = expected[i];
      break;
    case ES_BASIS_BLEND:
    default:
      /* Blends are resolved by the caller into their plain components. */
      ES_ASSERT(spec->basis != ES_BASIS_BLEND && false);
  }
  if (spec->multiplier != NULL) {
    w *= spec->multiplier[r];
  }
  return w;
}

/* S_k of a plain strategy (MODEL 5.3b): students now, or expected. */
static double plain_need_total(const struct es_strategy_context *ctx,
                               const struct es_strategy_spec *spec,
                               const double *expected, const size_t k) {
  const double *d = spec->basis == ES_BASIS_FORECAST ? expected : ctx->students;
  double total = 0.0;
  for (size_t r = 0; r < ctx->n_regions; r++) {
    total += d[r * ctx->n_stages + k];
  }
  return total;
}

static int check_weight(const struct es_strategy_spec *spec, const double w,
                        const size_t r, const size_t k, const int year,
                        struct es_error *err) {
  if (isfinite(w) && w >= 0.0) {
    return ES_OK;
  }
  return ES_FAIL(
      err, ES_EINVAL,
      "strategy '%s': weight of region %zu, stage %zu is %g in "
      "year %d (expected a finite number >= 0%s%s%s)",
      spec->name != NULL ? spec->name : "?", r, k, w, year,
      spec->multiplier_column != NULL ? "; check multiplier column '" : "",
      spec->multiplier_column != NULL ? spec->multiplier_column : "",
      spec->multiplier_column != NULL ? "'" : "");
}

/* Sum over regions of a plain strategy's weights in stage k; checks each. */
static int plain_sum(const struct es_strategy_context *ctx, const size_t i,
                     const double *expected, const size_t k,
                     const enum weight_kind kind, double *sum,
                     struct es_error *err) {
  const struct es_strategy_spec *spec = &ctx->strategies[i];
  double total = 0.0;
  for (size_t r = 0; r < ctx->n_regions; r++) {
    const double w = plain_weight(ctx, spec, expected, r, k, kind);
    int rc = check_weight(spec, w, r, k, ctx->year, err);
    if (rc != ES_OK) {
      return rc;
    }
    total += w;
  }
  *sum = total;
  return ES_OK;
}

/* A blend's weights for one resource, all stages (MODEL 5.1). */
static int blend_weights(const struct es_strategy_context *ctx,
                         const struct es_strategy_spec *spec,
                         const double *expected_a, const double *expected_b,
                         const double lambda, const enum weight_kind kind,
                         double *out, struct es_error *err) {
  const struct es_strategy_spec *a = &ctx->strategies[spec->blend_from];
  const struct es_strategy_spec *b = &ctx->strategies[spec->blend_to];
  for (size_t k = 0; k < ctx->n_stages; k++) {
    double sum_a = 0.0;
    double sum_b = 0.0;
    int rc = plain_sum(ctx, spec->blend_from, expected_a, k, kind, &sum_a, err);
    if (rc == ES_OK) {
      rc = plain_sum(ctx, spec->blend_to, expected_b, k, kind, &sum_b, err);
    }
    if (rc != ES_OK) {
      return rc;
    }
    for (size_t r = 0; r < ctx->n_regions; r++) {
      /* A zero sum counts as 0: that component then contributes nothing. */
      const double share_a =
          sum_a > 0.0 ? plain_weight(ctx, a, expected_a, r, k, kind) / sum_a
                      : 0.0;
      const double share_b =
          sum_b > 0.0 ? plain_weight(ctx, b, expected_b, r, k, kind) / sum_b
                      : 0.0;
      double w = (1.0 - lambda) * share_a + lambda * share_b;
      if (spec->multiplier != NULL) {
        w *= spec->multiplier[r];
      }
      rc = check_weight(spec, w, r, k, ctx->year, err);
      if (rc != ES_OK) {
        return rc;
      }
      out[r * ctx->n_stages + k] = w;
    }
  }
  return ES_OK;
}

int es_strategy_weights(const struct es_strategy_context *ctx,
                        const size_t i_strategy, double *w_teachers,
                        double *w_seats, double *need_totals,
                        struct es_error *err) {
  if (i_strategy >= ctx->n_strategies) {
    return ES_FAIL(err, ES_EINVAL,
                   "strategy index %zu is out of range (%zu strategies)",
                   i_strategy, ctx->n_strategies);
  }
  const struct es_strategy_spec *spec = &ctx->strategies[i_strategy];
  const size_t n_regions = ctx->n_regions;
  const size_t n_stages = ctx->n_stages;
  int rc = ES_OK;

  if (spec->basis != ES_BASIS_BLEND) {
    const double *expected = NULL;
    rc = resolve_plain(ctx, i_strategy, &expected, err);
    if (rc != ES_OK) {
      return rc;
    }
    for (size_t r = 0; r < n_regions; r++) {
      for (size_t k = 0; k < n_stages; k++) {
        const double wt =
            plain_weight(ctx, spec, expected, r, k, WEIGHT_TEACHERS);
        const double ws = plain_weight(ctx, spec, expected, r, k, WEIGHT_SEATS);
        rc = check_weight(spec, wt, r, k, ctx->year, err);
        if (rc == ES_OK) {
          rc = check_weight(spec, ws, r, k, ctx->year, err);
        }
        if (rc != ES_OK) {
          return rc;
        }
        w_teachers[r * n_stages + k] = wt;
        w_seats[r * n_stages + k] = ws;
      }
    }
    for (size_t k = 0; k < n_stages; k++) {
      need_totals[k] = plain_need_total(ctx, spec, expected, k);
    }
    return ES_OK;
  }

  /* Blend: A and B are plain strategies (the loader checks; a broken index
   * from another caller is an error, not a crash). */
  if (spec->blend_from >= ctx->n_strategies ||
      spec->blend_to >= ctx->n_strategies ||
      ctx->strategies[spec->blend_from].basis == ES_BASIS_BLEND ||
      ctx->strategies[spec->blend_to].basis == ES_BASIS_BLEND) {
    return ES_FAIL(err, ES_EINVAL,
                   "strategy '%s': a blend must go from one non-blend "
                   "strategy to another (indices %zu and %zu of %zu)",
                   spec->name != NULL ? spec->name : "?", spec->blend_from,
                   spec->blend_to, ctx->n_strategies);
  }
  if (spec->blend_years < 1) {
    return ES_FAIL(err, ES_EINVAL,
                   "strategy '%s': blend years is %d (expected >= 1)",
                   spec->name != NULL ? spec->name : "?", spec->blend_years);
  }
  const double *expected_a = NULL;
  const double *expected_b = NULL;
  rc = resolve_plain(ctx, spec->blend_from, &expected_a, err);
  if (rc == ES_OK) {
    rc = resolve_plain(ctx, spec->blend_to, &expected_b, err);
  }
  if (rc != ES_OK) {
    es_error_prefix(err, "strategy '%s'",
                    spec->name != NULL ? spec->name : "?");
    return rc;
  }
  const double lambda = es_strategy_blend_lambda(spec, ctx->year);
  rc = blend_weights(ctx, spec, expected_a, expected_b, lambda, WEIGHT_TEACHERS,
                     w_teachers, err);
  if (rc == ES_OK) {
    rc = blend_weights(ctx, spec, expected_a, expected_b, lambda, WEIGHT_SEATS,
                       w_seats, err);
  }
  if (rc != ES_OK) {
    return rc;
  }
  /* MODEL 5.3b defines S_k for the plain bases only. A blend plans seats for
   * the same mix of totals as its weights mix bases: (1 - lambda) S_A +
   * lambda S_B, so a blend of resident and forecast moves smoothly from
   * today's students to the expected ones (docs/methods.md records this). */
  const struct es_strategy_spec *a = &ctx->strategies[spec->blend_from];
  const struct es_strategy_spec *b = &ctx->strategies[spec->blend_to];
  for (size_t k = 0; k < n_stages; k++) {
    need_totals[k] = (1.0 - lambda) * plain_need_total(ctx, a, expected_a, k) +
                     lambda * plain_need_total(ctx, b, expected_b, k);
  }
  return ES_OK;
}
