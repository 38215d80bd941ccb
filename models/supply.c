/* supply.c: the yearly supply of teachers and school seats under one
 * allocation strategy (MODEL 5.2 and 5.3).
 *
 * Teachers (MODEL 5.2), in whole teachers. For every stage k: (a) attrition
 * T -= round(alpha_k T) (Binomial(T, alpha_k) in stochastic mode); (b) the
 * hiring capacity Hk = min(cap_k, max(0, ceil(sum_r D / ptr_k - sum_r T)));
 * (c) the target T* = apportion(sum_r T + Hk, w[.][k]) with the stage's
 * minimum for regions that have pupils (dropped for a year in which the
 * minimums do not fit), T* = T when every weight is 0. Then, region by
 * region, (d) surplus teachers of the cross-stage "from" stages, at most
 * floor(sigma T) each, fill the deficits of the "to" stages, both in list
 * order. Then for every stage: (e) transfers inside each mobility pool:
 * surplus regions offer u = min(max(0, T - T*), floor(tau T)) and deficit
 * regions ask d = max(0, T* - T); the smaller side moves in full and the other
 * side is split by largest remainder in proportion to its offers or deficits;
 * (f) hires min(Hk, sum of remaining deficits), split by largest remainder in
 * proportion to the remaining deficits.
 *
 * Seats (MODEL 5.3), in whole seats, for every stage: (a) seats due this year
 * complete; (b) the perceived need of region r is need = S_k w / sum_r w;
 * (c) the gap g = max(0, ceil(need - C - pipeline)) is built, at most cap_k
 * seats in all, split by largest remainder in proportion to g, and completes
 * lead_time years later (at once for lead time 0); (d) where C exceeds
 * need (1 + s), min(C - ceil(need (1 + s)), floor(chi C)) seats close.
 *
 * Rounding (MODEL, preamble): round(x) = floor(x + 0.5) and ceil(x) means
 * ceil(x - 1e-9), so float noise in a sum never adds a whole teacher or seat.
 * Largest remainder is Hamilton's method of MODEL 6 (es_apportion), ties to
 * the lower region in file order. Everything the step needs is in the
 * workspace: it allocates nothing (STYLE 12). */
#include "models/supply.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

/* MODEL's ceil(x) is ceil(x - 1e-9): float noise never adds a whole unit. */
#define CEIL_TOLERANCE 1e-9

/* Largest count handled: up to 2^53 every count is exact in a double, as in
 * es_apportion. */
#define COUNT_MAX INT64_C(9007199254740992)

/* Longest construction lead time accepted, years: the pipeline holds one
 * slot per year of it. */
#define LEAD_TIME_MAX_YEARS INT64_C(1000)

struct es_supply_ws {
  size_t n_regions;                       /* regions the arrays hold */
  size_t n_stages;                        /* stages of the params */
  struct es_apportion_ws *apportion;      /* for n_regions regions */
  double *weight;                         /* [n_regions] gathered weights */
  int64_t *minimum;                       /* [n_regions] gathered minimums */
  int64_t *out;                           /* [n_regions] apportionment result */
  int64_t *offer;                         /* [n_regions] 5.2e offers u */
  int64_t *deficit;                       /* [n_regions] 5.2e/f deficits d */
  size_t *order[ES_SUPPLY_N_POOLS];       /* [n_regions] regions grouped by
                                             pool group, file order inside a
                                             group; NULL for unused pools */
  size_t *group_start[ES_SUPPLY_N_POOLS]; /* [n_regions + 1] first position
                                             in order of each group */
  size_t n_groups[ES_SUPPLY_N_POOLS];     /* groups of each pool */
};

/* ---- small helpers --------------------------------------------------------
 */

static inline size_t cell(const size_t n_stages, const size_t r,
                          const size_t k) {
  return r * n_stages + k;
}

static inline double round_half_up(const double x) {
  return floor(x + 0.5);
}

static inline double ceil_tol(const double x) {
  return ceil(x - CEIL_TOLERANCE);
}

static inline int64_t min_i64(const int64_t a, const int64_t b) {
  return a < b ? a : b;
}

static inline int64_t max_i64(const int64_t a, const int64_t b) {
  return a > b ? a : b;
}

/* floor(share * n) for a share in 0..1: never above n. */
static inline int64_t floor_share(const double share, const int64_t n) {
  int64_t v = (int64_t)floor(share * (double)n);
  return v < 0 ? 0 : (v > n ? n : v);
}

static const char *stage_name(const struct es_supply_params *params,
                              const size_t k) {
  const char *name = params->stages[k].name;
  return name != NULL ? name : "?";
}

static bool share_ok(const double x) {
  return isfinite(x) && x >= 0.0 && x <= 1.0;
}

/* ---- parameters ------------------------------------------------------------
 */

int es_supply_params_check(const struct es_supply_params *params,
                           struct es_error *err) {
  if (params->n_stages > 0 && params->stages == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "supply: stages is NULL");
  }
  if ((size_t)params->method > (size_t)ES_APPORTION_DEAN) {
    return ES_FAIL(err, ES_EINVAL, "supply: unknown apportionment method %d",
                   (int)params->method);
  }
  for (size_t k = 0; k < params->n_stages; k++) {
    const struct es_stage *st = &params->stages[k];
    const char *name = stage_name(params, k);
    if (!(isfinite(st->ptr_standard) && st->ptr_standard > 0.0)) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': ptr_standard is %g (expected > 0)", name,
                     st->ptr_standard);
    }
    if (st->min_teachers < 0) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': min_teachers is %lld (expected >= 0)", name,
                     (long long)st->min_teachers);
    }
    if (!share_ok(st->teacher_attrition)) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': teacher_attrition is %g (expected 0..1)",
                     name, st->teacher_attrition);
    }
    if (st->has_hiring_cap && st->hiring_cap < 0) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': hiring_cap is %lld (expected >= 0)", name,
                     (long long)st->hiring_cap);
    }
    if (!share_ok(st->transfer_share)) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': transfer share is %g (expected 0..1)", name,
                     st->transfer_share);
    }
    if ((size_t)st->transfer_pool >= ES_SUPPLY_N_POOLS) {
      return ES_FAIL(err, ES_EINVAL, "stage '%s': unknown transfer pool %d",
                     name, (int)st->transfer_pool);
    }
    if (st->transfer_pool != ES_POOL_NONE && st->transfer_pool != ES_POOL_ALL &&
        params->pool_group[st->transfer_pool] == NULL) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': transfer pool %s needs a group id per "
                     "region (regions.csv column %s)",
                     name, es_pool_name(st->transfer_pool),
                     es_pool_name(st->transfer_pool));
    }
    if (st->has_construction &&
        (st->construction_cap < 0 || st->lead_time_years < 0 ||
         st->lead_time_years > LEAD_TIME_MAX_YEARS)) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': construction cap %lld and lead time %lld "
                     "(expected cap >= 0 and lead time 0..%lld years)",
                     name, (long long)st->construction_cap,
                     (long long)st->lead_time_years,
                     (long long)LEAD_TIME_MAX_YEARS);
    }
    if (!share_ok(st->consolidation_share) ||
        !(isfinite(st->consolidation_slack) &&
          st->consolidation_slack >= 0.0)) {
      return ES_FAIL(err, ES_EINVAL,
                     "stage '%s': consolidation share %g and slack %g "
                     "(expected share 0..1 and slack >= 0)",
                     name, st->consolidation_share, st->consolidation_slack);
    }
  }
  if (params->n_cross_from > 0 || params->n_cross_to > 0) {
    if (!share_ok(params->cross_stage_share)) {
      return ES_FAIL(err, ES_EINVAL, "cross_stage: share is %g (expected 0..1)",
                     params->cross_stage_share);
    }
    for (size_t i = 0; i < params->n_cross_from; i++) {
      if (params->cross_from[i] >= params->n_stages) {
        return ES_FAIL(err, ES_EINVAL,
                       "cross_stage: from[%zu] is stage %zu of %zu", i,
                       params->cross_from[i], params->n_stages);
      }
    }
    for (size_t i = 0; i < params->n_cross_to; i++) {
      if (params->cross_to[i] >= params->n_stages) {
        return ES_FAIL(err, ES_EINVAL,
                       "cross_stage: to[%zu] is stage %zu of %zu", i,
                       params->cross_to[i], params->n_stages);
      }
    }
  }
  return ES_OK;
}

size_t es_supply_pipeline_years(const struct es_supply_params *params) {
  int64_t lead_max = 0;
  for (size_t k = 0; k < params->n_stages; k++) {
    const struct es_stage *st = &params->stages[k];
    if (st->has_construction && st->lead_time_years > lead_max) {
      lead_max = st->lead_time_years;
    }
  }
  return (size_t)lead_max + 1;
}

/* ---- state and flows --------------------------------------------------------
 */

int es_supply_state_init(struct es_supply_state *state,
                         const struct es_supply_params *params,
                         const int64_t *teachers, const int64_t *seats,
                         struct es_error *err) {
  memset(state, 0, sizeof *state);
  const size_t n_cells = params->n_regions * params->n_stages;
  for (size_t i = 0; i < n_cells; i++) {
    if ((teachers != NULL && (teachers[i] < 0 || teachers[i] > COUNT_MAX)) ||
        (seats != NULL && (seats[i] < 0 || seats[i] > COUNT_MAX))) {
      return ES_FAIL(err, ES_EINVAL,
                     "supply state: region %zu, stage %zu has %lld teachers "
                     "and %lld seats (expected 0..2^53)",
                     i / params->n_stages, i % params->n_stages,
                     (long long)(teachers != NULL ? teachers[i] : 0),
                     (long long)(seats != NULL ? seats[i] : 0));
    }
  }
  state->n_regions = params->n_regions;
  state->n_stages = params->n_stages;
  state->n_pipeline_years = es_supply_pipeline_years(params);
  const size_t n_alloc = n_cells > 0 ? n_cells : 1;
  state->teachers = calloc(n_alloc, sizeof *state->teachers);
  state->seats = calloc(n_alloc, sizeof *state->seats);
  state->pipeline =
      calloc(n_alloc * state->n_pipeline_years, sizeof *state->pipeline);
  if (state->teachers == NULL || state->seats == NULL ||
      state->pipeline == NULL) {
    es_supply_state_clear(state);
    return ES_FAIL(err, ES_ENOMEM,
                   "out of memory for the supply state of %zu regions",
                   params->n_regions);
  }
  if (teachers != NULL && n_cells > 0) {
    memcpy(state->teachers, teachers, n_cells * sizeof *teachers);
  }
  if (seats != NULL && n_cells > 0) {
    memcpy(state->seats, seats, n_cells * sizeof *seats);
  }
  return ES_OK;
}

void es_supply_state_clear(struct es_supply_state *state) {
  if (state == NULL) {
    return;
  }
  free(state->teachers);
  free(state->seats);
  free(state->pipeline);
  memset(state, 0, sizeof *state);
}

int es_supply_state_copy(struct es_supply_state *dst,
                         const struct es_supply_state *src,
                         struct es_error *err) {
  if (dst->n_regions != src->n_regions || dst->n_stages != src->n_stages ||
      dst->n_pipeline_years != src->n_pipeline_years) {
    return ES_FAIL(err, ES_EINVAL,
                   "supply state copy: shapes differ (%zu x %zu x %zu vs "
                   "%zu x %zu x %zu)",
                   dst->n_regions, dst->n_stages, dst->n_pipeline_years,
                   src->n_regions, src->n_stages, src->n_pipeline_years);
  }
  const size_t n_cells = src->n_regions * src->n_stages;
  if (n_cells > 0) {
    memcpy(dst->teachers, src->teachers, n_cells * sizeof *src->teachers);
    memcpy(dst->seats, src->seats, n_cells * sizeof *src->seats);
    memcpy(dst->pipeline, src->pipeline,
           n_cells * src->n_pipeline_years * sizeof *src->pipeline);
  }
  return ES_OK;
}

int64_t es_supply_state_pipeline_total(const struct es_supply_state *state,
                                       const size_t r, const size_t k) {
  const size_t n_cells = state->n_regions * state->n_stages;
  const size_t i = cell(state->n_stages, r, k);
  int64_t total = 0;
  for (size_t y = 0; y < state->n_pipeline_years; y++) {
    total += state->pipeline[y * n_cells + i];
  }
  return total;
}

int es_supply_flows_init(struct es_supply_flows *flows,
                         const struct es_supply_params *params,
                         struct es_error *err) {
  memset(flows, 0, sizeof *flows);
  flows->n_regions = params->n_regions;
  flows->n_stages = params->n_stages;
  const size_t n_cells = params->n_regions * params->n_stages;
  const size_t n = n_cells > 0 ? n_cells : 1;
  const size_t n_k = params->n_stages > 0 ? params->n_stages : 1;
  flows->attrition = calloc(n, sizeof *flows->attrition);
  flows->target = calloc(n, sizeof *flows->target);
  flows->reassigned = calloc(n, sizeof *flows->reassigned);
  flows->transfers_in = calloc(n, sizeof *flows->transfers_in);
  flows->transfers_out = calloc(n, sizeof *flows->transfers_out);
  flows->hires = calloc(n, sizeof *flows->hires);
  flows->hiring_capacity = calloc(n_k, sizeof *flows->hiring_capacity);
  flows->need = calloc(n, sizeof *flows->need);
  flows->seats_completed = calloc(n, sizeof *flows->seats_completed);
  flows->seats_built = calloc(n, sizeof *flows->seats_built);
  flows->seats_closed = calloc(n, sizeof *flows->seats_closed);
  if (!flows->attrition || !flows->target || !flows->reassigned ||
      !flows->transfers_in || !flows->transfers_out || !flows->hires ||
      !flows->hiring_capacity || !flows->need || !flows->seats_completed ||
      !flows->seats_built || !flows->seats_closed) {
    es_supply_flows_clear(flows);
    return ES_FAIL(err, ES_ENOMEM,
                   "out of memory for the supply flows of %zu regions",
                   params->n_regions);
  }
  return ES_OK;
}

void es_supply_flows_clear(struct es_supply_flows *flows) {
  if (flows == NULL) {
    return;
  }
  free(flows->attrition);
  free(flows->target);
  free(flows->reassigned);
  free(flows->transfers_in);
  free(flows->transfers_out);
  free(flows->hires);
  free(flows->hiring_capacity);
  free(flows->need);
  free(flows->seats_completed);
  free(flows->seats_built);
  free(flows->seats_closed);
  memset(flows, 0, sizeof *flows);
}

static void flows_zero(struct es_supply_flows *flows) {
  const size_t n = flows->n_regions * flows->n_stages;
  for (size_t i = 0; i < n; i++) {
    flows->attrition[i] = 0;
    flows->target[i] = 0;
    flows->reassigned[i] = 0;
    flows->transfers_in[i] = 0;
    flows->transfers_out[i] = 0;
    flows->hires[i] = 0;
    flows->need[i] = 0.0;
    flows->seats_completed[i] = 0;
    flows->seats_built[i] = 0;
    flows->seats_closed[i] = 0;
  }
  for (size_t k = 0; k < flows->n_stages; k++) {
    flows->hiring_capacity[k] = 0;
  }
}

/* ---- workspace ------------------------------------------------------------
 */

/* A region and its group, for sorting regions into mobility groups. */
struct group_key {
  size_t group; /* group id given by the caller */
  size_t index; /* region, file order */
};

static int group_key_cmp(const void *pa, const void *pb) {
  const struct group_key *a = pa;
  const struct group_key *b = pb;
  if (a->group != b->group) {
    return a->group < b->group ? -1 : 1;
  }
  return a->index < b->index ? -1 : (a->index > b->index ? 1 : 0);
}

/* Index the groups of one pool: regions sorted by (group id, file order),
 * so each group is a run of order[] in file order. */
static void index_pool(const size_t n_regions, const size_t *group,
                       struct group_key *keys, size_t *order,
                       size_t *group_start, size_t *n_groups) {
  for (size_t r = 0; r < n_regions; r++) {
    keys[r].group = group != NULL ? group[r] : 0;
    keys[r].index = r;
  }
  if (n_regions > 1) {
    qsort(keys, n_regions, sizeof *keys, group_key_cmp);
  }
  size_t g = 0;
  for (size_t i = 0; i < n_regions; i++) {
    order[i] = keys[i].index;
    if (i == 0 || keys[i].group != keys[i - 1].group) {
      group_start[g++] = i;
    }
  }
  group_start[g] = n_regions;
  *n_groups = g;
}

struct es_supply_ws *es_supply_ws_alloc(const struct es_supply_params *params,
                                        struct es_error *err) {
  if (es_supply_params_check(params, err) != ES_OK) {
    return NULL;
  }
  const size_t n = params->n_regions > 0 ? params->n_regions : 1;
  struct group_key *keys = NULL;
  struct es_supply_ws *ws = calloc(1, sizeof *ws);
  if (ws == NULL) {
    goto nomem;
  }
  ws->n_regions = params->n_regions;
  ws->n_stages = params->n_stages;
  ws->apportion = es_apportion_ws_alloc(params->n_regions, err);
  if (ws->apportion == NULL) {
    es_supply_ws_free(ws);
    return NULL;
  }
  ws->weight = malloc(n * sizeof *ws->weight);
  ws->minimum = malloc(n * sizeof *ws->minimum);
  ws->out = malloc(n * sizeof *ws->out);
  ws->offer = malloc(n * sizeof *ws->offer);
  ws->deficit = malloc(n * sizeof *ws->deficit);
  keys = malloc(n * sizeof *keys);
  if (!ws->weight || !ws->minimum || !ws->out || !ws->offer || !ws->deficit ||
      !keys) {
    goto nomem;
  }
  for (size_t p = 0; p < ES_SUPPLY_N_POOLS; p++) {
    bool used = false;
    for (size_t k = 0; k < params->n_stages; k++) {
      used = used || (size_t)params->stages[k].transfer_pool == p;
    }
    if (!used || p == (size_t)ES_POOL_NONE) {
      continue;
    }
    ws->order[p] = malloc(n * sizeof *ws->order[p]);
    ws->group_start[p] = malloc((n + 1) * sizeof *ws->group_start[p]);
    if (ws->order[p] == NULL || ws->group_start[p] == NULL) {
      goto nomem;
    }
    /* The pool "all" is one group: every id 0. */
    index_pool(params->n_regions,
               p == (size_t)ES_POOL_ALL ? NULL : params->pool_group[p], keys,
               ws->order[p], ws->group_start[p], &ws->n_groups[p]);
  }
  free(keys);
  return ws;

nomem:
  free(keys);
  es_supply_ws_free(ws);
  ES_FAIL(err, ES_ENOMEM, "out of memory for a supply workspace of %zu regions",
          params->n_regions);
  return NULL;
}

void es_supply_ws_free(struct es_supply_ws *ws) {
  if (ws == NULL) {
    return;
  }
  es_apportion_ws_free(ws->apportion);
  free(ws->weight);
  free(ws->minimum);
  free(ws->out);
  free(ws->offer);
  free(ws->deficit);
  for (size_t p = 0; p < ES_SUPPLY_N_POOLS; p++) {
    free(ws->order[p]);
    free(ws->group_start[p]);
  }
  free(ws);
}

/* ---- the step
 * ---------------------------------------------------------------- */

/* Split `total` units over n entries in proportion to caps[] (whole numbers
 * with total <= sum caps) by largest remainder; the result never exceeds a
 * cap. When total is the whole sum every entry gets its cap exactly. */
static int split_by_largest_remainder(const int64_t total, const size_t n,
                                      const int64_t *caps, const int64_t sum,
                                      int64_t *out, struct es_supply_ws *ws,
                                      struct es_error *err) {
  if (total == sum) {
    for (size_t i = 0; i < n; i++) {
      out[i] = caps[i];
    }
    return ES_OK;
  }
  for (size_t i = 0; i < n; i++) {
    ws->weight[i] = (double)caps[i];
  }
  int rc = es_apportion(ES_APPORTION_HAMILTON, total, n, ws->weight,
                        /*minimum=*/NULL, out, ws->apportion, err);
  if (rc != ES_OK) {
    return rc;
  }
  for (size_t i = 0; i < n; i++) {
    if (out[i] > caps[i] || out[i] < 0) {
      return ES_FAIL(err, ES_EINTERNAL,
                     "largest remainder gave %lld to entry %zu, whose share "
                     "is %lld",
                     (long long)out[i], i, (long long)caps[i]);
    }
  }
  return ES_OK;
}

/* Check a count computed in double before it becomes an int64_t. */
static int to_count(const double x, const char *what, const int year,
                    const char *stage, int64_t *out, struct es_error *err) {
  if (!(x >= 0.0 && x <= (double)COUNT_MAX)) {
    return ES_FAIL(err, ES_ERANGE,
                   "year %d, stage '%s': %s is %g (expected 0..2^53)", year,
                   stage, what, x);
  }
  *out = (int64_t)x;
  return ES_OK;
}

static int check_inputs(const struct es_supply_params *params, const int year,
                        const double *students, const double *w_teachers,
                        const double *w_seats, const double *need_totals,
                        struct es_error *err) {
  const size_t n_stages = params->n_stages;
  for (size_t r = 0; r < params->n_regions; r++) {
    for (size_t k = 0; k < n_stages; k++) {
      const size_t i = cell(n_stages, r, k);
      const double v[3] = {students[i], w_teachers[i], w_seats[i]};
      const char *const what[3] = {"students", "teacher weight", "seat weight"};
      for (size_t j = 0; j < 3; j++) {
        if (!(isfinite(v[j]) && v[j] >= 0.0)) {
          return ES_FAIL(err, ES_EINVAL,
                         "year %d, stage '%s', region %zu: %s is %g "
                         "(expected a finite number >= 0)",
                         year, stage_name(params, k), r, what[j], v[j]);
        }
      }
    }
  }
  for (size_t k = 0; k < n_stages; k++) {
    if (!(isfinite(need_totals[k]) && need_totals[k] >= 0.0)) {
      return ES_FAIL(err, ES_EINVAL,
                     "year %d, stage '%s': perceived-need total is %g "
                     "(expected a finite number >= 0)",
                     year, stage_name(params, k), need_totals[k]);
    }
  }
  return ES_OK;
}

/* 5.2a-c for stage k. */
static int teachers_targets(const struct es_supply_params *params,
                            const size_t k, const int year,
                            const double *students, const double *w_teachers,
                            struct es_supply_state *state,
                            struct es_supply_flows *flows,
                            struct es_supply_ws *ws, gsl_rng *rng,
                            struct es_error *err) {
  const struct es_stage *st = &params->stages[k];
  const char *name = stage_name(params, k);
  const size_t n_regions = params->n_regions;
  const size_t n_stages = params->n_stages;
  int64_t *T = state->teachers;
  int rc = ES_OK;

  /* a. Attrition. */
  for (size_t r = 0; r < n_regions; r++) {
    const size_t i = cell(n_stages, r, k);
    int64_t left = 0;
    if (rng != NULL) {
      if (T[i] > (int64_t)UINT_MAX) {
        return ES_FAIL(err, ES_ERANGE,
                       "year %d, stage '%s', region %zu: %lld teachers are "
                       "too many for a binomial draw (at most %u)",
                       year, name, r, (long long)T[i], UINT_MAX);
      }
      left = (int64_t)gsl_ran_binomial(rng, st->teacher_attrition,
                                       (unsigned int)T[i]);
    } else {
      left = (int64_t)round_half_up(st->teacher_attrition * (double)T[i]);
    }
    left = min_i64(max_i64(left, 0), T[i]);
    T[i] -= left;
    flows->attrition[i] = left;
  }

  /* b. Hiring capacity. */
  double sum_d = 0.0;
  int64_t sum_t = 0;
  for (size_t r = 0; r < n_regions; r++) {
    const size_t i = cell(n_stages, r, k);
    sum_d += students[i];
    sum_t += T[i];
    if (sum_t > COUNT_MAX) {
      return ES_FAIL(err, ES_ERANGE,
                     "year %d, stage '%s': more than 2^53 teachers", year,
                     name);
    }
  }
  const double wanted = ceil_tol(sum_d / st->ptr_standard - (double)sum_t);
  int64_t h_k = 0;
  if (st->has_hiring_cap && wanted >= (double)st->hiring_cap) {
    h_k = st->hiring_cap;
  } else {
    rc = to_count(wanted > 0.0 ? wanted : 0.0, "hiring need", year, name, &h_k,
                  err);
    if (rc != ES_OK) {
      return rc;
    }
  }
  flows->hiring_capacity[k] = h_k;

  /* c. Targets. */
  const int64_t total = sum_t + h_k;
  bool any_weight = false;
  int64_t sum_min = 0;
  for (size_t r = 0; r < n_regions; r++) {
    const size_t i = cell(n_stages, r, k);
    ws->weight[r] = w_teachers[i];
    any_weight = any_weight || w_teachers[i] > 0.0;
    ws->minimum[r] = students[i] > 0.0 ? st->min_teachers : 0;
    sum_min = sum_min > COUNT_MAX ? sum_min : sum_min + ws->minimum[r];
  }
  if (!any_weight) {
    /* Nothing says where teachers should be: nothing moves. */
    for (size_t r = 0; r < n_regions; r++) {
      const size_t i = cell(n_stages, r, k);
      flows->target[i] = T[i];
    }
    return ES_OK;
  }
  /* Minimums that do not fit are dropped for the year (MODEL 5.2c). */
  const int64_t *minimum = sum_min <= total ? ws->minimum : NULL;
  rc = es_apportion(params->method, total, n_regions, ws->weight, minimum,
                    ws->out, ws->apportion, err);
  if (rc != ES_OK) {
    es_error_prefix(err, "year %d, stage '%s': teacher targets", year, name);
    return rc;
  }
  for (size_t r = 0; r < n_regions; r++) {
    flows->target[cell(n_stages, r, k)] = ws->out[r];
  }
  return ES_OK;
}

/* 5.2d for region r: surplus of the from-stages fills the to-stages' deficits,
 * both lists in order. A from-stage's surplus is taken as it stands when the
 * stage's turn comes. */
static void cross_stage(const struct es_supply_params *params, const size_t r,
                        struct es_supply_state *state,
                        struct es_supply_flows *flows) {
  const size_t n_stages = params->n_stages;
  int64_t *T = state->teachers;
  const int64_t *target = flows->target;
  for (size_t a = 0; a < params->n_cross_from; a++) {
    const size_t f = cell(n_stages, r, params->cross_from[a]);
    int64_t avail = min_i64(max_i64(0, T[f] - target[f]),
                            floor_share(params->cross_stage_share, T[f]));
    for (size_t b = 0; b < params->n_cross_to && avail > 0; b++) {
      const size_t g = cell(n_stages, r, params->cross_to[b]);
      if (g == f) {
        continue;
      }
      const int64_t n = min_i64(avail, max_i64(0, target[g] - T[g]));
      T[f] -= n;
      T[g] += n;
      flows->reassigned[f] -= n;
      flows->reassigned[g] += n;
      avail -= n;
    }
  }
}

/* 5.2e for stage k, one group of the pool: members order[lo..hi). */
static int transfers_group(const struct es_supply_params *params,
                           const size_t k, const size_t *members,
                           const size_t n, struct es_supply_state *state,
                           struct es_supply_flows *flows,
                           struct es_supply_ws *ws, struct es_error *err) {
  const struct es_stage *st = &params->stages[k];
  const size_t n_stages = params->n_stages;
  int64_t *T = state->teachers;
  int64_t sum_u = 0;
  int64_t sum_d = 0;
  for (size_t j = 0; j < n; j++) {
    const size_t i = cell(n_stages, members[j], k);
    const int64_t gap = flows->target[i] - T[i];
    ws->offer[j] =
        min_i64(max_i64(0, -gap), floor_share(st->transfer_share, T[i]));
    ws->deficit[j] = max_i64(0, gap);
    sum_u += ws->offer[j];
    sum_d += ws->deficit[j];
  }
  if (sum_u == 0 || sum_d == 0) {
    return ES_OK;
  }
  /* Surplus and deficit regions are disjoint (T > T* vs T < T*), so one
   * array can hold the moves of both sides: departures where offer > 0,
   * arrivals where deficit > 0. */
  int64_t *moved = ws->out;
  int rc = ES_OK;
  if (sum_u <= sum_d) {
    /* Every offer moves; arrivals split in proportion to deficits. */
    rc = split_by_largest_remainder(sum_u, n, ws->deficit, sum_d, moved, ws,
                                    err);
    if (rc != ES_OK) {
      return rc;
    }
    for (size_t j = 0; j < n; j++) {
      moved[j] = ws->offer[j] > 0 ? ws->offer[j] : moved[j];
    }
  } else {
    /* Every deficit is filled; departures split in proportion to offers. */
    rc = split_by_largest_remainder(sum_d, n, ws->offer, sum_u, moved, ws, err);
    if (rc != ES_OK) {
      return rc;
    }
    for (size_t j = 0; j < n; j++) {
      moved[j] = ws->deficit[j] > 0 ? ws->deficit[j] : moved[j];
    }
  }
  for (size_t j = 0; j < n; j++) {
    const size_t i = cell(n_stages, members[j], k);
    if (ws->deficit[j] > 0) {
      T[i] += moved[j];
      flows->transfers_in[i] += moved[j];
    } else if (ws->offer[j] > 0) {
      T[i] -= moved[j];
      flows->transfers_out[i] += moved[j];
    }
  }
  return ES_OK;
}

/* 5.2e-f for stage k. */
static int transfers_and_hires(const struct es_supply_params *params,
                               const size_t k, const int year,
                               struct es_supply_state *state,
                               struct es_supply_flows *flows,
                               struct es_supply_ws *ws, struct es_error *err) {
  const struct es_stage *st = &params->stages[k];
  const size_t n_regions = params->n_regions;
  const size_t n_stages = params->n_stages;
  int64_t *T = state->teachers;
  int rc = ES_OK;

  /* e. Transfers inside each group of the mobility pool. */
  const size_t pool = (size_t)st->transfer_pool;
  if (st->transfer_pool != ES_POOL_NONE && st->transfer_share > 0.0) {
    for (size_t g = 0; g < ws->n_groups[pool]; g++) {
      const size_t lo = ws->group_start[pool][g];
      const size_t hi = ws->group_start[pool][g + 1];
      rc = transfers_group(params, k, ws->order[pool] + lo, hi - lo, state,
                           flows, ws, err);
      if (rc != ES_OK) {
        es_error_prefix(err, "year %d, stage '%s': transfers", year,
                        stage_name(params, k));
        return rc;
      }
    }
  }

  /* f. Hires fill the deficits left, up to the hiring capacity. */
  int64_t sum_d = 0;
  for (size_t r = 0; r < n_regions; r++) {
    const size_t i = cell(n_stages, r, k);
    ws->deficit[r] = max_i64(0, flows->target[i] - T[i]);
    sum_d += ws->deficit[r];
  }
  const int64_t hires = min_i64(flows->hiring_capacity[k], sum_d);
  if (hires > 0) {
    rc = split_by_largest_remainder(hires, n_regions, ws->deficit, sum_d,
                                    ws->out, ws, err);
    if (rc != ES_OK) {
      es_error_prefix(err, "year %d, stage '%s': hires", year,
                      stage_name(params, k));
      return rc;
    }
    for (size_t r = 0; r < n_regions; r++) {
      const size_t i = cell(n_stages, r, k);
      T[i] += ws->out[r];
      flows->hires[i] = ws->out[r];
    }
  }
  return ES_OK;
}

/* Ring slot of completion year y (any sign). */
static size_t pipeline_slot(const struct es_supply_state *state,
                            const int64_t y) {
  const int64_t n = (int64_t)state->n_pipeline_years;
  return (size_t)(((y % n) + n) % n);
}

/* 5.3a-d for stage k. */
static int seats_step(const struct es_supply_params *params, const size_t k,
                      const int year, const double *w_seats,
                      const double need_total, struct es_supply_state *state,
                      struct es_supply_flows *flows, struct es_supply_ws *ws,
                      struct es_error *err) {
  const struct es_stage *st = &params->stages[k];
  const char *name = stage_name(params, k);
  const size_t n_regions = params->n_regions;
  const size_t n_stages = params->n_stages;
  const size_t n_cells = n_regions * n_stages;
  int64_t *C = state->seats;
  int rc = ES_OK;

  /* a. Completions. */
  int64_t *due = state->pipeline + pipeline_slot(state, year) * n_cells;
  for (size_t r = 0; r < n_regions; r++) {
    const size_t i = cell(n_stages, r, k);
    C[i] += due[i];
    flows->seats_completed[i] = due[i];
    due[i] = 0;
  }

  /* b. Perceived need. */
  double sum_w = 0.0;
  for (size_t r = 0; r < n_regions; r++) {
    sum_w += w_seats[cell(n_stages, r, k)];
  }
  for (size_t r = 0; r < n_regions; r++) {
    const size_t i = cell(n_stages, r, k);
    flows->need[i] = sum_w > 0.0 ? need_total * w_seats[i] / sum_w : 0.0;
  }

  /* c. Construction. */
  if (st->has_construction) {
    int64_t sum_g = 0;
    for (size_t r = 0; r < n_regions; r++) {
      const size_t i = cell(n_stages, r, k);
      const double gap =
          ceil_tol(flows->need[i] - (double)C[i] -
                   (double)es_supply_state_pipeline_total(state, r, k));
      rc = to_count(gap > 0.0 ? gap : 0.0, "seat gap", year, name,
                    &ws->deficit[r], err);
      if (rc != ES_OK) {
        return rc;
      }
      sum_g += ws->deficit[r];
      if (sum_g > COUNT_MAX) {
        return ES_FAIL(err, ES_ERANGE,
                       "year %d, stage '%s': seat gaps exceed 2^53", year,
                       name);
      }
    }
    const int64_t build = min_i64(st->construction_cap, sum_g);
    if (build > 0) {
      rc = split_by_largest_remainder(build, n_regions, ws->deficit, sum_g,
                                      ws->out, ws, err);
      if (rc != ES_OK) {
        es_error_prefix(err, "year %d, stage '%s': construction", year, name);
        return rc;
      }
      int64_t *when =
          state->pipeline +
          pipeline_slot(state, (int64_t)year + st->lead_time_years) * n_cells;
      for (size_t r = 0; r < n_regions; r++) {
        const size_t i = cell(n_stages, r, k);
        flows->seats_built[i] = ws->out[r];
        if (st->lead_time_years == 0) {
          C[i] += ws->out[r];
          flows->seats_completed[i] += ws->out[r];
        } else {
          when[i] += ws->out[r];
        }
      }
    }
  }

  /* d. Consolidation. */
  if (st->consolidation_share > 0.0) {
    for (size_t r = 0; r < n_regions; r++) {
      const size_t i = cell(n_stages, r, k);
      const double keep = flows->need[i] * (1.0 + st->consolidation_slack);
      if ((double)C[i] > keep) {
        int64_t keep_seats = 0;
        rc = to_count(ceil_tol(keep), "seats kept", year, name, &keep_seats,
                      err);
        if (rc != ES_OK) {
          return rc;
        }
        const int64_t close =
            max_i64(0, min_i64(C[i] - keep_seats,
                               floor_share(st->consolidation_share, C[i])));
        C[i] -= close;
        flows->seats_closed[i] = close;
      }
    }
  }
  return ES_OK;
}

int es_supply_step(const struct es_supply_params *params, const int year,
                   const double *students, const double *w_teachers,
                   const double *w_seats, const double *need_totals,
                   struct es_supply_state *state, struct es_supply_flows *flows,
                   struct es_supply_ws *ws, gsl_rng *rng,
                   struct es_error *err) {
  if (ws->n_regions != params->n_regions || ws->n_stages != params->n_stages ||
      state->n_regions != params->n_regions ||
      state->n_stages != params->n_stages ||
      state->n_pipeline_years < es_supply_pipeline_years(params) ||
      flows->n_regions != params->n_regions ||
      flows->n_stages != params->n_stages) {
    return ES_FAIL(err, ES_EINVAL,
                   "year %d: supply workspace, state or flows were made for "
                   "other parameters",
                   year);
  }
  int rc = check_inputs(params, year, students, w_teachers, w_seats,
                        need_totals, err);
  if (rc != ES_OK) {
    return rc;
  }
  flows_zero(flows);

  /* MODEL 5.2: a-c for every stage, then d, then e-f for every stage. */
  for (size_t k = 0; k < params->n_stages; k++) {
    rc = teachers_targets(params, k, year, students, w_teachers, state, flows,
                          ws, rng, err);
    if (rc != ES_OK) {
      return rc;
    }
  }
  if (params->n_cross_from > 0 && params->n_cross_to > 0) {
    for (size_t r = 0; r < params->n_regions; r++) {
      cross_stage(params, r, state, flows);
    }
  }
  for (size_t k = 0; k < params->n_stages; k++) {
    rc = transfers_and_hires(params, k, year, state, flows, ws, err);
    if (rc != ES_OK) {
      return rc;
    }
  }

  /* MODEL 5.3: seats, stage by stage. */
  for (size_t k = 0; k < params->n_stages; k++) {
    rc = seats_step(params, k, year, w_seats, need_totals[k], state, flows, ws,
                    err);
    if (rc != ES_OK) {
      return rc;
    }
  }
  return ES_OK;
}
