/* engine.c: one run of a scenario (DESIGN "Data flow", MODEL 1-4, 8).
 *
 * Year t0 records the observed baseline; for t > t0 the population steps from
 * t-1 to t (MODEL 1, 3). The population does not depend on the strategy, so it
 * is projected once. The projection runs W years past t1, W being the longest
 * look-ahead of the scenario (the early-warning horizon, MODEL 8, and forecast
 * horizons, MODEL 5.1): in deterministic mode the projection "started from the
 * current state" of MODEL 8 is the trajectory itself, because the step is a
 * pure function of the state and the year, so its years t+W are exactly the
 * forecast for year t.
 *
 * Every strategy then runs the supply step of MODEL 5 on that same
 * trajectory, year by year from the observed teachers and seats of t0, and
 * its records and indicators (MODEL 7) are written into the strategy's own
 * slice of the results. Strategies run in parallel, one per thread at a time;
 * each owns its state and workspaces, so nothing is shared but read-only
 * inputs.
 *
 * The region phases of the population step run on n_threads threads. Every
 * phase writes only its own regions and every cross-region sum is formed
 * serially in region order, so the result is the same bit for bit for any
 * number of threads (STYLE 26, 29). */
#include "sim/engine.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "models/demand.h"
#include "models/indicators.h"
#include "models/population.h"
#include "models/strategy.h"
#include "models/supply.h"
#include "sim/version.h"

/* Below this many regions per thread the step runs serially: the threads
 * would cost more than they save. Results do not depend on it. */
#define MIN_REGIONS_PER_THREAD 64

/* Chunks per thread in the region phases, for load balance. */
#define CHUNKS_PER_THREAD 4

static char *dup_string(const char *s) {
  if (s == NULL) {
    return NULL;
  }
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c != NULL) {
    memcpy(c, s, n);
  }
  return c;
}

/* Duplicate n strings; NULL if src is NULL or memory runs out (then *ok is
 * cleared). */
static char **dup_strings(char *const *src, size_t n, bool *ok) {
  if (src == NULL) {
    return NULL;
  }
  char **out = calloc(n > 0 ? n : 1, sizeof *out);
  if (out == NULL) {
    *ok = false;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    out[i] = dup_string(src[i]);
    if (out[i] == NULL) {
      *ok = false;
    }
  }
  return out;
}

/* One step t-1 -> t (MODEL 3), its region phases split over threads. */
static void step_population(const struct es_population_params *pp,
                            struct es_population *p, int year_to,
                            struct es_population_ws *ws, size_t n_threads) {
  const size_t n = pp->n_regions;
  if (n_threads <= 1 || n < 2 * MIN_REGIONS_PER_THREAD) {
    int rc = es_population_step(pp, p, year_to, ws, /*rng=*/NULL);
    ES_ASSERT(rc == ES_OK);
    return;
  }
  size_t n_used = n / MIN_REGIONS_PER_THREAD;
  if (n_used > n_threads) {
    n_used = n_threads;
  }
  const size_t n_chunks = n_used * CHUNKS_PER_THREAD;
#pragma omp parallel num_threads((int)n_used) default(none) \
    shared(pp, p, ws, n, n_chunks, year_to)
  {
#pragma omp for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
      es_population_phase_leave(pp, p, ws, c * n / n_chunks,
                                (c + 1) * n / n_chunks);
    }
#pragma omp single
    es_population_phase_pool(pp, p, ws);
#pragma omp for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
      es_population_phase_arrive(pp, p, ws, c * n / n_chunks,
                                 (c + 1) * n / n_chunks);
    }
#pragma omp single
    es_population_phase_registration(pp, p, ws, year_to);
#pragma omp for schedule(static)
    for (size_t c = 0; c < n_chunks; c++) {
      es_population_phase_births(pp, p, ws, c * n / n_chunks,
                                 (c + 1) * n / n_chunks, year_to);
    }
  }
}

/* Group ids of a text column (equal text = equal id, ids 0..n_groups-1 in
 * order of first appearance). @return ES_OK or ES_ENOMEM. */
static int group_ids(char *const *column, size_t n_regions, size_t *ids,
                     size_t *n_groups, struct es_error *err) {
  size_t *order = malloc((n_regions > 0 ? n_regions : 1) * sizeof *order);
  if (order == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "region groups");
  }
  /* Insertion into a sorted index keeps this O(n log n) in comparisons
   * for lookups; n is at most a few thousand. */
  size_t n_distinct = 0;
  for (size_t r = 0; r < n_regions; r++) {
    size_t lo = 0;
    size_t hi = n_distinct;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (strcmp(column[order[mid]], column[r]) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < n_distinct && strcmp(column[order[lo]], column[r]) == 0) {
      ids[r] = ids[order[lo]];
      continue;
    }
    memmove(order + lo + 1, order + lo, (n_distinct - lo) * sizeof *order);
    order[lo] = r;
    ids[r] = n_distinct++;
  }
  free(order);
  *n_groups = n_distinct;
  return ES_OK;
}

/* Variables of group "schools" [strategy, statistic, year, region, stage]
 * and "indicators" [strategy, statistic, year, stage] (MODEL 7). */
enum school_var {
  SV_TEACHERS,
  SV_SEATS,
  SV_PTR,
  SV_TEACHER_GAP,
  SV_UNMET_SEATS,
  SV_IDLE_SEATS,
  SV_HIRES,
  SV_TRANSFERS_IN,
  SV_TRANSFERS_OUT,
  SV_REASSIGNED,
  SV_SEATS_BUILT,
  SV_SEATS_CLOSED,
  SV_OVER_CAPACITY,
  SV_OVER_STANDARD,
  SV_COUNT
};

enum indicator_var {
  IV_STUDENTS,
  IV_UNMET_SEATS,
  IV_IDLE_SEATS,
  IV_UNMET_SHARE,
  IV_OVER_STANDARD_SHARE,
  IV_GINI,
  IV_THEIL,
  IV_THEIL_BETWEEN,
  IV_THEIL_WITHIN,
  IV_TEACHERS,
  IV_SEATS,
  IV_HIRES,
  IV_TRANSFERS,
  IV_SEATS_BUILT,
  IV_SEATS_CLOSED,
  IV_COST,
  IV_COUNT
};

struct var_info {
  const char *name;
  const char *long_name;
  const char *units;
};

static const struct var_info school_vars[SV_COUNT] = {
    [SV_TEACHERS] = {"teachers",
                     "teachers after the year's supply step "
                     "(MODEL 5.2)",
                     "teachers"},
    [SV_SEATS] = {"seats",
                  "school places in use after the year's supply "
                  "step (MODEL 5.3)",
                  "seats"},
    [SV_PTR] = {"ptr",
                "pupils per teacher D/T, NaN without teachers "
                "(MODEL 7)",
                "pupils per teacher"},
    [SV_TEACHER_GAP] = {"teacher_gap",
                        "teachers short of the standard "
                        "D/ptr - T; negative = surplus "
                        "(MODEL 7)",
                        "teachers"},
    [SV_UNMET_SEATS] = {"unmet_seats",
                        "students without a seat max(0, D - "
                        "C) (MODEL 7)",
                        "pupils"},
    [SV_IDLE_SEATS] = {"idle_seats",
                       "seats without a student max(0, C - D) "
                       "(MODEL 7)",
                       "seats"},
    [SV_HIRES] = {"hires", "teachers hired this year (MODEL 5.2f)", "teachers"},
    [SV_TRANSFERS_IN] = {"transfers_in",
                         "teachers arriving by transfer "
                         "within the mobility pool (MODEL "
                         "5.2e)",
                         "teachers"},
    [SV_TRANSFERS_OUT] = {"transfers_out",
                          "teachers leaving by transfer "
                          "within the mobility pool (MODEL "
                          "5.2e)",
                          "teachers"},
    [SV_REASSIGNED] = {"reassigned",
                       "teachers reassigned across stages: + "
                       "into this stage, - out of it (MODEL "
                       "5.2d)",
                       "teachers"},
    [SV_SEATS_BUILT] = {"seats_built",
                        "seats whose construction started "
                        "this year (MODEL 5.3c)",
                        "seats"},
    [SV_SEATS_CLOSED] = {"seats_closed",
                         "seats closed by consolidation "
                         "(MODEL 5.3d)",
                         "seats"},
    [SV_OVER_CAPACITY] = {"over_capacity",
                          "1 if students exceed seats "
                          "(MODEL 7)",
                          "1"},
    [SV_OVER_STANDARD] = {"over_standard",
                          "1 if the PTR breaks the "
                          "standard or no teacher serves "
                          "pupils (MODEL 7)",
                          "1"},
};

static const struct var_info indicator_vars[IV_COUNT] = {
    [IV_STUDENTS] = {"students", "students of the stage, all regions",
                     "pupils"},
    [IV_UNMET_SEATS] = {"unmet_seats",
                        "students without a seat, all "
                        "regions",
                        "pupils"},
    [IV_IDLE_SEATS] = {"idle_seats", "seats without a student, all regions",
                       "seats"},
    [IV_UNMET_SHARE] = {"unmet_share", "share of students without a seat", "1"},
    [IV_OVER_STANDARD_SHARE] = {"over_standard_share",
                                "share of students in regions over the PTR "
                                "standard",
                                "1"},
    [IV_GINI] = {"gini",
                 "Gini index of teachers per student across "
                 "regions, weighted by students",
                 "1"},
    [IV_THEIL] = {"theil",
                  "Theil index of teachers per student across "
                  "regions, weighted by students",
                  "1"},
    [IV_THEIL_BETWEEN] = {"theil_between",
                          "between-province part of the "
                          "Theil index",
                          "1"},
    [IV_THEIL_WITHIN] = {"theil_within",
                         "within-province part of the Theil "
                         "index",
                         "1"},
    [IV_TEACHERS] = {"teachers", "teachers, all regions", "teachers"},
    [IV_SEATS] = {"seats", "seats in use, all regions", "seats"},
    [IV_HIRES] = {"hires", "teachers hired this year", "teachers"},
    [IV_TRANSFERS] = {"transfers",
                      "teachers moved between regions this "
                      "year",
                      "teachers"},
    [IV_SEATS_BUILT] = {"seats_built",
                        "seats whose construction started "
                        "this year",
                        "seats"},
    [IV_SEATS_CLOSED] = {"seats_closed", "seats closed this year", "seats"},
    [IV_COST] = {"cost",
                 "salaries of all teachers plus the cost of seats "
                 "built this year",
                 "currency per year"},
};

/* Where one strategy's records go, and what it needs for the year. */
struct supply_outputs {
  double *school[SV_COUNT];    /* [strategy][stat][year][region][stage] */
  double *indicator[IV_COUNT]; /* [strategy][stat][year][stage] */
};

/* Inputs shared read-only by every strategy of a run. */
struct supply_inputs {
  const struct es_scenario *sc;
  const struct es_supply_params *params;
  const double *students_all;   /* [year incl. look-ahead][region][stage] */
  const double *registered_all; /* [year][region][stage] */
  const size_t *province;       /* [region] group ids, or NULL */
  size_t n_provinces;
  size_t n_horizons; /* look-ahead years + 1 */
};

static void store_int(double *dst, const int64_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (double)src[i];
  }
}

/* Records of one (strategy, year): MODEL 7. flows NULL = year t0. */
static int record_year(const struct supply_inputs *in, size_t i_strategy,
                       size_t y, const struct es_supply_state *state,
                       const struct es_supply_flows *flows,
                       const struct supply_outputs *out,
                       struct es_indicators *ind, struct es_indicators_ws *iws,
                       struct es_error *err) {
  const struct es_scenario *sc = in->sc;
  const size_t n_cells = sc->regions.n_regions * sc->n_stages;
  const size_t n_years = es_scenario_n_years(sc);
  const size_t cell0 = (i_strategy * n_years + y) * n_cells;
  const size_t stage0 = (i_strategy * n_years + y) * sc->n_stages;
  const double *students = in->students_all + y * n_cells;

  store_int(out->school[SV_TEACHERS] + cell0, state->teachers, n_cells);
  store_int(out->school[SV_SEATS] + cell0, state->seats, n_cells);
  if (flows != NULL) {
    store_int(out->school[SV_HIRES] + cell0, flows->hires, n_cells);
    store_int(out->school[SV_TRANSFERS_IN] + cell0, flows->transfers_in,
              n_cells);
    store_int(out->school[SV_TRANSFERS_OUT] + cell0, flows->transfers_out,
              n_cells);
    store_int(out->school[SV_REASSIGNED] + cell0, flows->reassigned, n_cells);
    store_int(out->school[SV_SEATS_BUILT] + cell0, flows->seats_built, n_cells);
    store_int(out->school[SV_SEATS_CLOSED] + cell0, flows->seats_closed,
              n_cells);
  } /* at t0 the flows stay 0 (MODEL 7) */

  const struct es_indicators_input input = {
      .n_regions = sc->regions.n_regions,
      .n_stages = sc->n_stages,
      .students = students,
      .teachers = state->teachers,
      .seats = state->seats,
      .hires = flows != NULL ? flows->hires : NULL,
      .transfers_in = flows != NULL ? flows->transfers_in : NULL,
      .seats_built = flows != NULL ? flows->seats_built : NULL,
      .seats_closed = flows != NULL ? flows->seats_closed : NULL,
      .group = in->province,
      .n_groups = in->n_provinces,
  };
  const struct es_indicators_records records = {
      .ptr = out->school[SV_PTR] + cell0,
      .teacher_gap = out->school[SV_TEACHER_GAP] + cell0,
      .unmet_seats = out->school[SV_UNMET_SEATS] + cell0,
      .idle_seats = out->school[SV_IDLE_SEATS] + cell0,
      .over_capacity = out->school[SV_OVER_CAPACITY] + cell0,
      .over_standard = out->school[SV_OVER_STANDARD] + cell0,
  };
  int rc = es_indicators_records(&input, sc->stages, &records, err);
  if (rc == ES_OK) {
    rc = es_indicators_system(&input, sc->stages, ind, iws, err);
  }
  if (rc != ES_OK) {
    return rc;
  }
  for (size_t k = 0; k < sc->n_stages; k++) {
    const struct es_indicators *v = &ind[k];
    const double values[IV_COUNT] = {
        [IV_STUDENTS] = v->students,
        [IV_UNMET_SEATS] = v->unmet_seats,
        [IV_IDLE_SEATS] = v->idle_seats,
        [IV_UNMET_SHARE] = v->unmet_share,
        [IV_OVER_STANDARD_SHARE] = v->over_standard_share,
        [IV_GINI] = v->gini,
        [IV_THEIL] = v->theil,
        [IV_THEIL_BETWEEN] = v->theil_between,
        [IV_THEIL_WITHIN] = v->theil_within,
        [IV_TEACHERS] = v->teachers,
        [IV_SEATS] = v->seats,
        [IV_HIRES] = v->hires,
        [IV_TRANSFERS] = v->transfers,
        [IV_SEATS_BUILT] = v->seats_built,
        [IV_SEATS_CLOSED] = v->seats_closed,
        [IV_COST] = v->cost,
    };
    for (size_t i = 0; i < IV_COUNT; i++) {
      out->indicator[i][stage0 + k] = values[i];
    }
  }
  return ES_OK;
}

/* One strategy over every year (MODEL 5, 7). Allocates its own state and
 * workspaces once, then steps without allocating. */
static int run_strategy(const struct supply_inputs *in, size_t i_strategy,
                        const struct supply_outputs *out,
                        struct es_error *err) {
  const struct es_scenario *sc = in->sc;
  const size_t n_regions = sc->regions.n_regions;
  const size_t n_cells = n_regions * sc->n_stages;
  const size_t n_years = es_scenario_n_years(sc);
  int rc = ES_OK;
  struct es_supply_state state = {0};
  struct es_supply_flows flows = {0};
  struct es_supply_ws *ws = NULL;
  struct es_indicators_ws *iws = NULL;
  double *w_teachers = malloc(n_cells * sizeof *w_teachers);
  double *w_seats = malloc(n_cells * sizeof *w_seats);
  double *need_totals = malloc(sc->n_stages * sizeof *need_totals);
  struct es_indicators *ind = malloc(sc->n_stages * sizeof *ind);
  const double **expected = malloc(in->n_horizons * sizeof *expected);
  if (!w_teachers || !w_seats || !need_totals || !ind || !expected) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "strategy workspace");
    goto cleanup;
  }
  rc = es_supply_state_init(&state, in->params, sc->teachers, sc->seats, err);
  if (rc == ES_OK) {
    rc = es_supply_flows_init(&flows, in->params, err);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  ws = es_supply_ws_alloc(in->params, err);
  iws = es_indicators_ws_alloc(n_regions, in->n_provinces, err);
  if (ws == NULL || iws == NULL) {
    rc = err->code != ES_OK ? err->code : ES_ENOMEM;
    goto cleanup;
  }

  /* MODEL 1: t0 records the observed teachers and seats, no flows. */
  rc = record_year(in, i_strategy, 0, &state, NULL, out, ind, iws, err);
  for (size_t y = 1; rc == ES_OK && y < n_years; y++) {
    const int year = sc->year_start + (int)y;
    for (size_t h = 0; h < in->n_horizons; h++) {
      expected[h] = in->students_all + (y + h) * n_cells;
    }
    const struct es_strategy_context ctx = {
        .n_regions = n_regions,
        .n_stages = sc->n_stages,
        .year = year,
        .students = in->students_all + y * n_cells,
        .registered = in->registered_all + y * n_cells,
        .rank = sc->regions.rank,
        .teachers_t0 = sc->teachers,
        .seats_t0 = sc->seats,
        .n_horizons = in->n_horizons,
        .expected = expected,
        .n_strategies = sc->n_strategies,
        .strategies = sc->strategies,
    };
    rc = es_strategy_weights(&ctx, i_strategy, w_teachers, w_seats, need_totals,
                             err);
    if (rc == ES_OK) {
      rc = es_supply_step(in->params, year, ctx.students, w_teachers, w_seats,
                          need_totals, &state, &flows, ws, /*rng=*/NULL, err);
    }
    if (rc == ES_OK) {
      rc = record_year(in, i_strategy, y, &state, &flows, out, ind, iws, err);
    }
  }
  if (rc != ES_OK) {
    es_error_prefix(err, "strategy '%s'", sc->strategies[i_strategy].name);
  }

cleanup:
  free(expected);
  free(ind);
  free(need_totals);
  free(w_seats);
  free(w_teachers);
  es_indicators_ws_free(iws);
  es_supply_ws_free(ws);
  es_supply_flows_clear(&flows);
  es_supply_state_clear(&state);
  return rc;
}

/* Every strategy on the projected population, in parallel over strategies.
 * Each strategy writes only its own slices; failures are kept per strategy
 * and the first in strategy order is reported (STYLE 28). */
static int run_strategies(const struct es_scenario *sc,
                          const double *students_all,
                          const double *registered_all, size_t n_horizons,
                          size_t n_threads, struct es_results *res,
                          struct es_error *err) {
  const size_t n_regions = sc->regions.n_regions;
  const size_t n_strategies = sc->n_strategies;
  int rc = ES_OK;
  size_t *group_mem = NULL;
  struct es_error *errors = NULL;
  int *status = NULL;
  struct supply_outputs out;

  static const enum es_dim school_dims[] = {ES_DIM_STRATEGY, ES_DIM_STATISTIC,
                                            ES_DIM_YEAR, ES_DIM_REGION,
                                            ES_DIM_STAGE};
  static const enum es_dim indicator_dims[] = {
      ES_DIM_STRATEGY, ES_DIM_STATISTIC, ES_DIM_YEAR, ES_DIM_STAGE};
  for (size_t i = 0; i < SV_COUNT; i++) {
    out.school[i] = es_results_add(res, "schools", school_vars[i].name,
                                   school_vars[i].long_name,
                                   school_vars[i].units, 5, school_dims, err);
    if (out.school[i] == NULL) {
      return ES_ENOMEM;
    }
  }
  for (size_t i = 0; i < IV_COUNT; i++) {
    const char *units = i == IV_COST && sc->currency != NULL
                            ? sc->currency
                            : indicator_vars[i].units;
    out.indicator[i] = es_results_add(res, "indicators", indicator_vars[i].name,
                                      indicator_vars[i].long_name, units, 4,
                                      indicator_dims, err);
    if (out.indicator[i] == NULL) {
      return ES_ENOMEM;
    }
  }

  /* Mobility pools and provinces as group ids (MODEL 5.2e, 7). */
  group_mem = calloc(4 * (n_regions > 0 ? n_regions : 1), sizeof *group_mem);
  errors = calloc(n_strategies, sizeof *errors);
  status = calloc(n_strategies, sizeof *status);
  if (group_mem == NULL || errors == NULL || status == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "strategy setup");
    goto cleanup;
  }
  struct es_supply_params params = {
      .n_regions = n_regions,
      .n_stages = sc->n_stages,
      .stages = sc->stages,
      .method = sc->apportionment,
      .cross_stage_share = sc->has_cross_stage ? sc->cross_stage_share : 0.0,
      .n_cross_from = sc->has_cross_stage ? sc->n_cross_from : 0,
      .cross_from = sc->cross_from,
      .n_cross_to = sc->has_cross_stage ? sc->n_cross_to : 0,
      .cross_to = sc->cross_to,
  };
  char **const columns[] = {sc->regions.prefecture, sc->regions.province,
                            sc->regions.zone};
  const enum es_pool pools[] = {ES_POOL_PREFECTURE, ES_POOL_PROVINCE,
                                ES_POOL_ZONE};
  size_t n_groups[3] = {0, 0, 0};
  for (size_t i = 0; i < 3; i++) {
    if (columns[i] == NULL) {
      continue;
    }
    size_t *ids = group_mem + i * n_regions;
    rc = group_ids(columns[i], n_regions, ids, &n_groups[i], err);
    if (rc != ES_OK) {
      goto cleanup;
    }
    params.pool_group[pools[i]] = ids;
  }
  const struct supply_inputs in = {
      .sc = sc,
      .params = &params,
      .students_all = students_all,
      .registered_all = registered_all,
      .province = params.pool_group[ES_POOL_PROVINCE],
      .n_provinces = n_groups[1],
      .n_horizons = n_horizons,
  };

  const int n_team = (int)(n_threads < n_strategies ? n_threads : n_strategies);
#pragma omp parallel for default(none) schedule(dynamic, 1)              \
    num_threads(n_team > 0 ? n_team : 1) shared(in, out, errors, status) \
        firstprivate(n_strategies)
  for (size_t s = 0; s < n_strategies; s++) {
    es_error_clear(&errors[s]);
    status[s] = run_strategy(&in, s, &out, &errors[s]);
  }
  for (size_t s = 0; s < n_strategies; s++) {
    if (status[s] != ES_OK) {
      rc = status[s];
      if (err != NULL) {
        *err = errors[s];
      }
      break;
    }
  }

cleanup:
  free(status);
  free(errors);
  free(group_mem);
  return rc;
}

/* Set the axes and coordinates of @p res from the scenario. */
static int fill_coordinates(const struct es_scenario *sc,
                            struct es_results *res, struct es_error *err) {
  const size_t n_regions = sc->regions.n_regions;
  const size_t n_ages = es_scenario_n_ages(sc);
  const size_t n_years = es_scenario_n_years(sc);
  res->dim_len[ES_DIM_STRATEGY] = sc->n_strategies;
  res->dim_len[ES_DIM_STATISTIC] = 1;
  res->dim_len[ES_DIM_YEAR] = n_years;
  res->dim_len[ES_DIM_REGION] = n_regions;
  res->dim_len[ES_DIM_AGE] = n_ages;
  res->dim_len[ES_DIM_STAGE] = sc->n_stages;

  bool ok = true;
  res->strategy = calloc(sc->n_strategies > 0 ? sc->n_strategies : 1,
                         sizeof *res->strategy);
  ok = ok && res->strategy != NULL;
  for (size_t s = 0; ok && s < sc->n_strategies; s++) {
    res->strategy[s] = dup_string(sc->strategies[s].name);
    ok = res->strategy[s] != NULL;
  }
  res->statistic = calloc(1, sizeof *res->statistic);
  ok = ok && res->statistic != NULL && (res->statistic[0] = dup_string("mean"));
  res->year = calloc(n_years, sizeof *res->year);
  res->age = calloc(n_ages, sizeof *res->age);
  res->stage = calloc(sc->n_stages, sizeof *res->stage);
  res->stage_age_lo = calloc(sc->n_stages, sizeof *res->stage_age_lo);
  res->stage_age_hi = calloc(sc->n_stages, sizeof *res->stage_age_hi);
  res->stage_ptr_standard =
      calloc(sc->n_stages, sizeof *res->stage_ptr_standard);
  res->region_rank = calloc(n_regions, sizeof *res->region_rank);
  ok = ok && res->year && res->age && res->stage && res->stage_age_lo &&
       res->stage_age_hi && res->stage_ptr_standard && res->region_rank;
  if (!ok) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "results coordinates");
  }
  for (size_t y = 0; y < n_years; y++) {
    res->year[y] = (int32_t)(sc->year_start + (int)y);
  }
  for (size_t a = 0; a < n_ages; a++) {
    res->age[a] = (int32_t)a;
  }
  for (size_t k = 0; k < sc->n_stages; k++) {
    res->stage[k] = dup_string(sc->stages[k].name);
    ok = ok && res->stage[k] != NULL;
    res->stage_age_lo[k] = (int32_t)sc->stages[k].age_lo;
    res->stage_age_hi[k] = (int32_t)sc->stages[k].age_hi;
    res->stage_ptr_standard[k] = sc->stages[k].ptr_standard;
  }
  res->region = dup_strings(sc->regions.code, n_regions, &ok);
  res->region_name = dup_strings(sc->regions.name, n_regions, &ok);
  res->region_province = dup_strings(sc->regions.province, n_regions, &ok);
  res->region_prefecture = dup_strings(sc->regions.prefecture, n_regions, &ok);
  for (size_t r = 0; r < n_regions; r++) {
    res->region_rank[r] = (int32_t)sc->regions.rank[r];
  }
  if (!ok || res->region == NULL || res->region_name == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "results coordinates");
  }
  return ES_OK;
}

/* Provenance: the command, the mode, and every input file verbatim. */
static int fill_provenance(const struct es_scenario *sc,
                           const struct es_run_config *cfg,
                           struct es_results *res, struct es_error *err) {
  static const char *const role_names[ES_DATA_COUNT] = {
      [ES_DATA_REGIONS] = "regions",     [ES_DATA_POPULATION] = "population",
      [ES_DATA_TEACHERS] = "teachers",   [ES_DATA_SEATS] = "seats",
      [ES_DATA_MIGRATION] = "migration",
  };
  size_t title_len = strlen(sc->name) + 32;
  res->title = malloc(title_len);
  if (res->title != NULL) {
    snprintf(res->title, title_len, "edusim results: %s", sc->name);
  }
  res->scenario_name = dup_string(sc->name);
  res->software_version = dup_string(ES_VERSION " (git " ES_GIT_REVISION ")");
  res->command = dup_string(cfg->command != NULL ? cfg->command : "");
  res->mode = dup_string(es_mode_name(sc->mode));
  res->currency = dup_string(sc->currency != NULL ? sc->currency : "");
  res->seed = sc->seed;
  res->replicates = sc->mode == ES_MODE_DETERMINISTIC ? 1 : sc->replicates;
  res->scenario_resolved = dup_string(sc->file.bytes);
  res->sources = calloc(1 + ES_DATA_COUNT, sizeof *res->sources);
  bool ok = res->title && res->scenario_name && res->software_version &&
            res->command && res->mode && res->currency &&
            res->scenario_resolved && res->sources;
  for (size_t i = 0; ok && i <= ES_DATA_COUNT; i++) {
    const struct es_scenario_file *f = i == 0 ? &sc->file : &sc->data[i - 1];
    if (!f->present) {
      continue;
    }
    struct es_source_file *src = &res->sources[res->n_sources++];
    src->role = dup_string(i == 0 ? "scenario" : role_names[i - 1]);
    src->path = dup_string(f->given);
    src->bytes = malloc(f->size + 1);
    src->size = f->size;
    ok = src->role && src->path && src->bytes;
    if (src->bytes != NULL) {
      memcpy(src->bytes, f->bytes, f->size);
      src->bytes[f->size] = '\0';
    }
  }
  if (!ok) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "results provenance");
  }
  return ES_OK;
}

/* The longest look-ahead of the scenario: warning horizon and forecasts. */
static size_t lookahead_years(const struct es_scenario *sc) {
  size_t h = (size_t)sc->warning.horizon_years;
  for (size_t s = 0; s < sc->n_strategies; s++) {
    const struct es_strategy_spec *spec = &sc->strategies[s];
    if (spec->basis == ES_BASIS_FORECAST && (size_t)spec->horizon_years > h) {
      h = (size_t)spec->horizon_years;
    }
  }
  return h;
}

int es_engine_run(const struct es_scenario *sc, const struct es_run_config *cfg,
                  struct es_results *res, struct es_error *err) {
  if (sc->mode != ES_MODE_DETERMINISTIC) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "stochastic mode is not available in this version of "
                   "edusim (use mode: deterministic)");
  }
  int rc = ES_OK;
  struct es_population pop = {0};
  struct es_population_ws *ws = NULL;
  double *students_all = NULL;
  const size_t n_regions = sc->regions.n_regions;
  const size_t n_ages = es_scenario_n_ages(sc);
  const size_t n_stages = sc->n_stages;
  const size_t n_years = es_scenario_n_years(sc);
  const size_t n_ahead = lookahead_years(sc);
  const size_t n_cells = n_regions * n_stages; /* one year, [region][stage] */
  const size_t n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;

  rc = fill_coordinates(sc, res, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  rc = fill_provenance(sc, cfg, res, err);
  if (rc != ES_OK) {
    goto cleanup;
  }

  static const enum es_dim pop_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                         ES_DIM_REGION, ES_DIM_AGE};
  static const enum es_dim demand_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                            ES_DIM_REGION, ES_DIM_STAGE};
  double *out_local =
      es_results_add(res, "population", "local",
                     "local children: resident and registered here (MODEL 2)",
                     "persons", 4, pop_dims, err);
  double *out_migrant = es_results_add(
      res, "population", "migrant",
      "migrant children: resident here, registered elsewhere (MODEL 2)",
      "persons", 4, pop_dims, err);
  double *out_away = es_results_add(
      res, "population", "away",
      "away children: registered here, living elsewhere (MODEL 2)", "persons",
      4, pop_dims, err);
  double *out_students = es_results_add(
      res, "demand", "students",
      "students: enrolled resident children of the stage's ages (MODEL 4)",
      "pupils", 4, demand_dims, err);
  double *out_registered = es_results_add(
      res, "demand", "registered_students",
      "registered students: enrolled children registered here (MODEL 4)",
      "pupils", 4, demand_dims, err);
  double *out_warning =
      es_results_add(res, "demand", "warning",
                     "early warning: +1 students rise, -1 fall beyond the "
                     "thresholds within the horizon (MODEL 8)",
                     "1", 4, demand_dims, err);
  if (!out_local || !out_migrant || !out_away || !out_students ||
      !out_registered || !out_warning) {
    rc = ES_ENOMEM;
    goto cleanup;
  }

  rc = es_population_init(&pop, n_regions, n_ages, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  es_population_copy(&pop, &sc->initial);
  ws = es_population_ws_alloc(&sc->population_params, err);
  students_all = malloc((n_years + n_ahead) * n_cells * sizeof *students_all);
  if (ws == NULL || students_all == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "population workspace");
    goto cleanup;
  }

  /* MODEL 1: year t0 is the observed state; then step, then record. */
  const size_t n_pop = n_regions * n_ages;
  for (size_t y = 0; y < n_years + n_ahead; y++) {
    if (y > 0) {
      step_population(&sc->population_params, &pop, sc->year_start + (int)y, ws,
                      n_threads);
    }
    double *students = students_all + y * n_cells;
    if (y < n_years) {
      memcpy(out_local + y * n_pop, pop.local, n_pop * sizeof *pop.local);
      memcpy(out_migrant + y * n_pop, pop.migrant, n_pop * sizeof *pop.migrant);
      memcpy(out_away + y * n_pop, pop.away, n_pop * sizeof *pop.away);
      es_demand_compute(&pop, sc->stages, n_stages, students,
                        out_registered + y * n_cells);
      memcpy(out_students + y * n_cells, students, n_cells * sizeof *students);
    } else {
      es_demand_compute(&pop, sc->stages, n_stages, students, NULL);
    }
  }

  /* MODEL 5, 7: every strategy on the same population. */
  rc = run_strategies(sc, students_all, out_registered, n_ahead + 1, n_threads,
                      res, err);
  if (rc != ES_OK) {
    goto cleanup;
  }

  /* MODEL 8: compare the students W years ahead with today's. */
  const size_t w = (size_t)sc->warning.horizon_years;
  for (size_t y = 0; y < n_years; y++) {
    const double *now = students_all + y * n_cells;
    const double *ahead = students_all + (y + w) * n_cells;
    for (size_t i = 0; i < n_cells; i++) {
      out_warning[y * n_cells + i] =
          (double)es_warning_flag(&sc->warning, now[i], ahead[i]);
    }
  }

cleanup:
  free(students_all);
  es_population_ws_free(ws);
  es_population_clear(&pop);
  return rc;
}
