/* engine.c: one run of a scenario (DESIGN "Data flow", MODEL 1-9).
 *
 * Year t0 records the observed baseline; for t > t0 the population steps from
 * t-1 to t (MODEL 1, 3), then every strategy runs its supply step (MODEL 5) on
 * that same population and its records and indicators are kept (MODEL 7).
 *
 * Look-ahead. The forecast basis (MODEL 5.1) and the early warning (MODEL 8)
 * need the students expected h years ahead "from the deterministic projection
 * started from the current state". In deterministic mode the step is a pure
 * function of the state and the year, so that projection is the trajectory
 * itself: the engine projects H years past t1 and reads year t+h from it. In
 * stochastic mode each replicate projects its own current state h = 1..H
 * years deterministically every year.
 *
 * Replicates (MODEL 9). Replicate i draws its demography from a generator
 * seeded from (seed, i) and the supply of strategy s from one seeded from
 * (seed, i, hash of s's name): the population of a replicate is shared by
 * every strategy (common random numbers), and adding a strategy changes no
 * other strategy's numbers. Replicates run in parallel in batches; each thread
 * owns a workspace allocated once, writes into a buffer of its own, and the
 * buffers are merged serially in replicate order (Welford for region cells,
 * every value kept for system indicators), so the results are the same bit
 * for bit for any thread count and any batch size (STYLE 26-29).
 *
 * Deterministic mode is one replicate without draws; its region phases and
 * its strategies run in parallel instead. */
#include "sim/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <omp.h>

#include "models/demand.h"
#include "models/indicators.h"
#include "models/population.h"
#include "models/rng.h"
#include "models/seed.h"
#include "models/strategy.h"
#include "models/strings.h"
#include "models/supply.h"
#include "sim/p2.h"
#include "sim/stats.h"
#include "sim/version.h"

/* Below this many regions per thread the population step runs serially: the
 * threads would cost more than they save. Results do not depend on it. */
#define MIN_REGIONS_PER_THREAD 64

/* Chunks per thread in the region phases, for load balance. */
#define CHUNKS_PER_THREAD 4

/* Replicates in flight per thread between two merges. Results do not depend
 * on it; memory grows with it. */
#define REPLICATES_PER_THREAD 2

/* The three population stocks as results variables. */
enum { POP_LOCAL, POP_MIGRANT, POP_AWAY, POP_COUNT };

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
    out[i] = es_strdup(src[i]);
    if (out[i] == NULL) {
      *ok = false;
    }
  }
  return out;
}

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

static const struct var_info pop_vars[POP_COUNT] = {
    [POP_LOCAL] = {"local",
                   "local children: resident and registered here (MODEL 2)",
                   "persons"},
    [POP_MIGRANT] = {"migrant",
                     "migrant children: resident here, registered elsewhere "
                     "(MODEL 2)",
                     "persons"},
    [POP_AWAY] = {"away",
                  "away children: registered here, living elsewhere (MODEL 2)",
                  "persons"},
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

/* Everything a run needs that does not change from replicate to replicate. */
struct plan {
  const struct es_scenario *sc;
  enum es_mode mode;
  uint64_t seed;
  size_t n_replicates;
  size_t n_strategies;    /* strategies run, in output order */
  const size_t *strategy; /* [n_strategies] their scenario indices */
  uint64_t *strategy_key; /* [n_strategies] hash of their names */
  size_t n_years;         /* records t0..t1 */
  size_t n_ahead;         /* look-ahead years H */
  size_t n_regions;
  size_t n_ages;
  size_t n_stages;
  size_t n_cells;                 /* regions x stages */
  size_t n_pop;                   /* regions x ages */
  struct es_supply_params params; /* MODEL 5 rules */
  size_t *group_mem;              /* pool group ids (owned) */
  const size_t *province;         /* [n_regions] province ids, or NULL */
  size_t n_provinces;
  struct es_supply_state supply0; /* teachers and seats at t0 */
  struct es_population pop0;      /* population at t0 (whole numbers in
                                     stochastic mode) */
  size_t n_istats;                /* indicator statistics */
  struct es_stat *istats;         /* [n_istats] parsed */
  size_t n_rquantiles;            /* region-level quantiles (region_quantiles:
                                     true), the quantiles of statistics */
  const volatile sig_atomic_t *cancel; /* set by a stop signal, or NULL */
  double *rquantile_p;                 /* [n_rquantiles] their probabilities */
  const char **rquantile_name; /* [n_rquantiles] their names (borrowed) */
};

/* One replicate's records, laid out like the results with one statistic:
 * [year][...] for population and demand, [strategy][year][...] for schools
 * and indicators. In deterministic mode they point into the results. */
struct replicate_buf {
  double *pop[POP_COUNT];      /* [year][region][age] */
  double *students;            /* [year][region][stage] */
  double *registered;          /* [year][region][stage] */
  double *warning;             /* [year][region][stage] */
  double *expected;            /* students expected h years ahead: see
                                  expected_at() */
  size_t expected_stride;      /* blocks of n_cells per year in expected */
  double *school[SV_COUNT];    /* [strategy][year][region][stage] */
  double *indicator[IV_COUNT]; /* [strategy][year][stage] */
  bool owns;                   /* the arrays above are this buffer's */
};

/* The students of year index y expected h years ahead (h = 0: now). */
static const double *expected_at(const struct plan *pl,
                                 const struct replicate_buf *buf, size_t y,
                                 size_t h) {
  return buf->expected + (y * buf->expected_stride + h) * pl->n_cells;
}

/* Everything one thread needs, allocated once (STYLE 12). */
struct thread_ws {
  struct es_population pop;     /* the replicate's current state */
  struct es_population scratch; /* look-ahead projections */
  struct es_population_ws *pws;
  struct es_supply_state state;
  struct es_supply_flows flows;
  struct es_supply_ws *sws;
  struct es_indicators_ws *iws;
  double *w_teachers;        /* [n_cells] */
  double *w_seats;           /* [n_cells] */
  double *need_totals;       /* [n_stages] */
  struct es_indicators *ind; /* [n_stages] */
  const double **expected;   /* [n_ahead + 1] */
  gsl_rng *rng;              /* demography */
  gsl_rng *rng_supply;       /* supply of one strategy */
};

static void thread_ws_clear(struct thread_ws *tw) {
  es_population_clear(&tw->pop);
  es_population_clear(&tw->scratch);
  es_population_ws_free(tw->pws);
  es_supply_state_clear(&tw->state);
  es_supply_flows_clear(&tw->flows);
  es_supply_ws_free(tw->sws);
  es_indicators_ws_free(tw->iws);
  free(tw->w_teachers);
  free(tw->w_seats);
  free(tw->need_totals);
  free(tw->ind);
  free(tw->expected);
  if (tw->rng != NULL) {
    gsl_rng_free(tw->rng);
  }
  if (tw->rng_supply != NULL) {
    gsl_rng_free(tw->rng_supply);
  }
  memset(tw, 0, sizeof *tw);
}

static int thread_ws_init(struct thread_ws *tw, const struct plan *pl,
                          struct es_error *err) {
  memset(tw, 0, sizeof *tw);
  const struct es_scenario *sc = pl->sc;
  int rc = es_population_init(&tw->pop, pl->n_regions, pl->n_ages, err);
  if (rc == ES_OK) {
    rc = es_population_init(&tw->scratch, pl->n_regions, pl->n_ages, err);
  }
  if (rc == ES_OK) {
    rc = es_supply_state_init(&tw->state, &pl->params, sc->teachers, sc->seats,
                              err);
  }
  if (rc == ES_OK) {
    rc = es_supply_flows_init(&tw->flows, &pl->params, err);
  }
  if (rc != ES_OK) {
    thread_ws_clear(tw);
    return rc;
  }
  tw->pws = es_population_ws_alloc(&sc->population_params, err);
  tw->sws = es_supply_ws_alloc(&pl->params, err);
  tw->iws = es_indicators_ws_alloc(pl->n_regions, pl->n_provinces, err);
  tw->w_teachers = malloc(pl->n_cells * sizeof *tw->w_teachers);
  tw->w_seats = malloc(pl->n_cells * sizeof *tw->w_seats);
  tw->need_totals = malloc(pl->n_stages * sizeof *tw->need_totals);
  tw->ind = malloc(pl->n_stages * sizeof *tw->ind);
  tw->expected = malloc((pl->n_ahead + 1) * sizeof *tw->expected);
  tw->rng = gsl_rng_alloc(es_rng_mt19937_64());
  tw->rng_supply = gsl_rng_alloc(es_rng_mt19937_64());
  if (!tw->pws || !tw->sws || !tw->iws || !tw->w_teachers || !tw->w_seats ||
      !tw->need_totals || !tw->ind || !tw->expected || !tw->rng ||
      !tw->rng_supply) {
    rc = err != NULL && err->code != ES_OK
             ? err->code
             : ES_FAIL(err, ES_ENOMEM, "%s", "thread workspace");
    thread_ws_clear(tw);
    return rc;
  }
  return ES_OK;
}

static void replicate_buf_clear(struct replicate_buf *buf) {
  if (buf->owns) {
    for (size_t v = 0; v < POP_COUNT; v++) {
      free(buf->pop[v]);
    }
    free(buf->students);
    free(buf->registered);
    free(buf->warning);
    for (size_t v = 0; v < SV_COUNT; v++) {
      free(buf->school[v]);
    }
    for (size_t v = 0; v < IV_COUNT; v++) {
      free(buf->indicator[v]);
    }
  }
  free(buf->expected); /* always the buffer's own */
  memset(buf, 0, sizeof *buf);
}

/* A buffer of its own for one stochastic replicate. */
static int replicate_buf_alloc(struct replicate_buf *buf, const struct plan *pl,
                               struct es_error *err) {
  memset(buf, 0, sizeof *buf);
  buf->owns = true;
  const size_t n_year_cells = pl->n_years * pl->n_cells;
  bool ok = true;
  for (size_t v = 0; v < POP_COUNT; v++) {
    buf->pop[v] = malloc(pl->n_years * pl->n_pop * sizeof(double));
    ok = ok && buf->pop[v] != NULL;
  }
  buf->students = malloc(n_year_cells * sizeof(double));
  buf->registered = malloc(n_year_cells * sizeof(double));
  buf->warning = malloc(n_year_cells * sizeof(double));
  buf->expected_stride = pl->n_ahead + 1;
  buf->expected =
      malloc(pl->n_years * buf->expected_stride * pl->n_cells * sizeof(double));
  ok = ok && buf->students && buf->registered && buf->warning && buf->expected;
  for (size_t v = 0; v < SV_COUNT; v++) {
    buf->school[v] = calloc(pl->n_strategies * n_year_cells, sizeof(double));
    ok = ok && buf->school[v] != NULL;
  }
  for (size_t v = 0; v < IV_COUNT; v++) {
    buf->indicator[v] =
        calloc(pl->n_strategies * pl->n_years * pl->n_stages, sizeof(double));
    ok = ok && buf->indicator[v] != NULL;
  }
  if (!ok) {
    replicate_buf_clear(buf);
    return ES_FAIL(err, ES_ENOMEM, "%s", "replicate buffer");
  }
  return ES_OK;
}

/* ---- population ---------------------------------------------------------- */

/* One deterministic step t-1 -> t (MODEL 3), region phases over threads. */
static void step_deterministic(const struct es_population_params *pp,
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

/* Record the stocks and demand of year index y (MODEL 2, 4). */
static void record_population(const struct plan *pl,
                              const struct es_population *p, size_t y,
                              struct replicate_buf *buf, double *students) {
  const size_t n_pop = pl->n_pop;
  memcpy(buf->pop[POP_LOCAL] + y * n_pop, p->local, n_pop * sizeof(double));
  memcpy(buf->pop[POP_MIGRANT] + y * n_pop, p->migrant, n_pop * sizeof(double));
  memcpy(buf->pop[POP_AWAY] + y * n_pop, p->away, n_pop * sizeof(double));
  es_demand_compute(p, pl->sc->stages, pl->n_stages, students,
                    buf->registered + y * pl->n_cells);
  memcpy(buf->students + y * pl->n_cells, students,
         pl->n_cells * sizeof(double));
}

/* The early warning of every year (MODEL 8). */
static void record_warnings(const struct plan *pl, struct replicate_buf *buf) {
  const struct es_warning_params *wp = &pl->sc->warning;
  const size_t w = (size_t)wp->horizon_years;
  for (size_t y = 0; y < pl->n_years; y++) {
    const double *now = expected_at(pl, buf, y, 0);
    const double *ahead = expected_at(pl, buf, y, w);
    for (size_t i = 0; i < pl->n_cells; i++) {
      buf->warning[y * pl->n_cells + i] =
          (double)es_warning_flag(wp, now[i], ahead[i]);
    }
  }
}

/* Deterministic mode: the trajectory, H years past t1 (see the top). */
static void project_deterministic(const struct plan *pl, struct thread_ws *tw,
                                  struct replicate_buf *buf, size_t n_threads) {
  const struct es_scenario *sc = pl->sc;
  es_population_copy(&tw->pop, &pl->pop0);
  for (size_t y = 0; y < pl->n_years + pl->n_ahead; y++) {
    if (y > 0) {
      step_deterministic(&sc->population_params, &tw->pop,
                         sc->year_start + (int)y, tw->pws, n_threads);
    }
    double *students = buf->expected + y * pl->n_cells;
    if (y < pl->n_years) {
      record_population(pl, &tw->pop, y, buf, students);
    } else {
      es_demand_compute(&tw->pop, sc->stages, pl->n_stages, students, NULL);
    }
  }
  record_warnings(pl, buf);
}

/* Stochastic mode: one replicate's draws, and every year a deterministic
 * look-ahead from its current state. */
static int project_stochastic(const struct plan *pl, struct thread_ws *tw,
                              struct replicate_buf *buf, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const struct es_population_params *pp = &sc->population_params;
  es_population_copy(&tw->pop, &pl->pop0);
  for (size_t y = 0; y < pl->n_years; y++) {
    const int year = sc->year_start + (int)y;
    if (y > 0 &&
        es_population_step(pp, &tw->pop, year, tw->pws, tw->rng) != ES_OK) {
      *err = *es_population_ws_error(tw->pws);
      return err->code != ES_OK ? err->code : ES_EINTERNAL;
    }
    record_population(pl, &tw->pop, y, buf,
                      buf->expected + y * buf->expected_stride * pl->n_cells);
    if (pl->n_ahead > 0) {
      es_population_copy(&tw->scratch, &tw->pop);
      for (size_t h = 1; h <= pl->n_ahead; h++) {
        int rc = es_population_step(pp, &tw->scratch, year + (int)h, tw->pws,
                                    /*rng=*/NULL);
        ES_ASSERT(rc == ES_OK);
        es_demand_compute(
            &tw->scratch, sc->stages, pl->n_stages,
            buf->expected + (y * buf->expected_stride + h) * pl->n_cells, NULL);
      }
    }
  }
  record_warnings(pl, buf);
  return ES_OK;
}

/* ---- supply ----------------------------------------------------------------
 */

static void store_int(double *dst, const int64_t *src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = (double)src[i];
  }
}

/* Records of strategy j in year index y: MODEL 7. flows NULL = year t0. */
static int record_supply(const struct plan *pl, size_t j, size_t y,
                         struct thread_ws *tw,
                         const struct es_supply_flows *flows,
                         struct replicate_buf *buf, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const size_t n_cells = pl->n_cells;
  const size_t cell0 = (j * pl->n_years + y) * n_cells;
  const size_t stage0 = (j * pl->n_years + y) * pl->n_stages;
  const struct es_supply_state *state = &tw->state;

  store_int(buf->school[SV_TEACHERS] + cell0, state->teachers, n_cells);
  store_int(buf->school[SV_SEATS] + cell0, state->seats, n_cells);
  if (flows != NULL) {
    store_int(buf->school[SV_HIRES] + cell0, flows->hires, n_cells);
    store_int(buf->school[SV_TRANSFERS_IN] + cell0, flows->transfers_in,
              n_cells);
    store_int(buf->school[SV_TRANSFERS_OUT] + cell0, flows->transfers_out,
              n_cells);
    store_int(buf->school[SV_REASSIGNED] + cell0, flows->reassigned, n_cells);
    store_int(buf->school[SV_SEATS_BUILT] + cell0, flows->seats_built, n_cells);
    store_int(buf->school[SV_SEATS_CLOSED] + cell0, flows->seats_closed,
              n_cells);
  } else {
    /* MODEL 7: at t0 the flows are 0 (a reused buffer is cleared). */
    static const enum school_var flow_vars[] = {
        SV_HIRES,      SV_TRANSFERS_IN, SV_TRANSFERS_OUT,
        SV_REASSIGNED, SV_SEATS_BUILT,  SV_SEATS_CLOSED};
    for (size_t v = 0; v < sizeof flow_vars / sizeof flow_vars[0]; v++) {
      memset(buf->school[flow_vars[v]] + cell0, 0, n_cells * sizeof(double));
    }
  }

  const struct es_indicators_input input = {
      .n_regions = pl->n_regions,
      .n_stages = pl->n_stages,
      .students = expected_at(pl, buf, y, 0),
      .teachers = state->teachers,
      .seats = state->seats,
      .hires = flows != NULL ? flows->hires : NULL,
      .transfers_in = flows != NULL ? flows->transfers_in : NULL,
      .seats_built = flows != NULL ? flows->seats_built : NULL,
      .seats_closed = flows != NULL ? flows->seats_closed : NULL,
      .group = pl->province,
      .n_groups = pl->n_provinces,
  };
  const struct es_indicators_records records = {
      .ptr = buf->school[SV_PTR] + cell0,
      .teacher_gap = buf->school[SV_TEACHER_GAP] + cell0,
      .unmet_seats = buf->school[SV_UNMET_SEATS] + cell0,
      .idle_seats = buf->school[SV_IDLE_SEATS] + cell0,
      .over_capacity = buf->school[SV_OVER_CAPACITY] + cell0,
      .over_standard = buf->school[SV_OVER_STANDARD] + cell0,
  };
  int rc = es_indicators_records(&input, sc->stages, &records, err);
  if (rc == ES_OK) {
    rc = es_indicators_system(&input, sc->stages, tw->ind, tw->iws, err);
  }
  if (rc != ES_OK) {
    return rc;
  }
  for (size_t k = 0; k < pl->n_stages; k++) {
    const struct es_indicators *v = &tw->ind[k];
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
      buf->indicator[i][stage0 + k] = values[i];
    }
  }
  return ES_OK;
}

/* True once a stop signal has been received (checked between years and
 * replicates; a parallel region is never left early, each unit of work just
 * ends sooner). */
static bool stop_requested(const struct plan *pl) {
  return pl->cancel != NULL && *pl->cancel != 0;
}

/* Strategy j (output order) over every year of one replicate (MODEL 5, 7).
 * rng NULL: deterministic. Allocates nothing. */
static int run_strategy(const struct plan *pl, size_t j, struct thread_ws *tw,
                        struct replicate_buf *buf, gsl_rng *rng,
                        struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const size_t i_strategy = pl->strategy[j];
  int rc = es_supply_state_copy(&tw->state, &pl->supply0, err);
  /* MODEL 1: t0 records the observed teachers and seats, no flows. */
  if (rc == ES_OK) {
    rc = record_supply(pl, j, 0, tw, NULL, buf, err);
  }
  for (size_t y = 1; rc == ES_OK && y < pl->n_years; y++) {
    const int year = sc->year_start + (int)y;
    if (stop_requested(pl)) {
      return ES_FAIL(err, ES_EINTERRUPTED, "%s", "interrupted");
    }
    for (size_t h = 0; h <= pl->n_ahead; h++) {
      tw->expected[h] = expected_at(pl, buf, y, h);
    }
    const struct es_strategy_context ctx = {
        .n_regions = pl->n_regions,
        .n_stages = pl->n_stages,
        .year = year,
        .students = tw->expected[0],
        .registered = buf->registered + y * pl->n_cells,
        .rank = sc->regions.rank,
        .teachers_t0 = sc->teachers,
        .seats_t0 = sc->seats,
        .n_horizons = pl->n_ahead + 1,
        .expected = tw->expected,
        .n_strategies = sc->n_strategies,
        .strategies = sc->strategies,
    };
    rc = es_strategy_weights(&ctx, i_strategy, tw->w_teachers, tw->w_seats,
                             tw->need_totals, err);
    if (rc == ES_OK) {
      rc = es_supply_step(&pl->params, year, ctx.students, tw->w_teachers,
                          tw->w_seats, tw->need_totals, &tw->state, &tw->flows,
                          tw->sws, rng, err);
    }
    if (rc == ES_OK) {
      rc = record_supply(pl, j, y, tw, &tw->flows, buf, err);
    }
  }
  if (rc != ES_OK && err != NULL &&
      strncmp(err->message, "strategy '", strlen("strategy '")) != 0) {
    es_error_prefix(err, "strategy '%s'", sc->strategies[i_strategy].name);
  }
  return rc;
}

/* ---- replicates ------------------------------------------------------------
 */

/* The generator seeds of replicate i (MODEL 9, STYLE 25): all 64 bits reach
 * the generator (models/rng.h). */
static unsigned long demography_seed(const struct plan *pl, size_t i) {
  return (unsigned long)es_seed_derive(pl->seed, (uint64_t)i);
}

static unsigned long supply_seed(const struct plan *pl, size_t i, size_t j) {
  return (unsigned long)es_seed_derive2(pl->seed, (uint64_t)i,
                                        pl->strategy_key[j]);
}

/* One stochastic replicate, on one thread, into its own buffer. */
static int run_replicate(const struct plan *pl, size_t i, struct thread_ws *tw,
                         struct replicate_buf *buf, struct es_error *err) {
  gsl_rng_set(tw->rng, demography_seed(pl, i));
  int rc = project_stochastic(pl, tw, buf, err);
  for (size_t j = 0; rc == ES_OK && j < pl->n_strategies; j++) {
    gsl_rng_set(tw->rng_supply, supply_seed(pl, i, j));
    rc = run_strategy(pl, j, tw, buf, tw->rng_supply, err);
  }
  if (rc != ES_OK) {
    es_error_prefix(err, "replicate %zu", i);
  }
  return rc;
}

/* Where the statistics of region-level cells go: one block per variable (and
 * strategy), mean at statistic 0 and Welford's m2 (then sd) at statistic 1. */
struct accumulator {
  double *pop[POP_COUNT];
  double *students;
  double *registered;
  double *warning;
  double *school[SV_COUNT];
  double *replicates[IV_COUNT]; /* [strategy][replicate][year][stage] */
  size_t n_rstats;              /* length of the region statistic axis */
  size_t n_p2;                  /* P2 estimators, one per block of cells
                                   (region_quantiles), in merge order */
  struct es_p2 *p2;             /* [n_p2] */
};

/* The blocks of region-level cells, in a fixed order: the three stocks, the
 * three demand variables, then every school variable of every strategy. For
 * block b, its values in a replicate buffer and its first statistic slot in
 * the results (the mean; sd and quantiles follow, n cells apart). */
static size_t n_blocks(const struct plan *pl) {
  return POP_COUNT + 3 + SV_COUNT * pl->n_strategies;
}

static void block_at(const struct plan *pl, const struct accumulator *acc,
                     const struct replicate_buf *buf, size_t b,
                     const double **src, double **dst, size_t *n) {
  const size_t n_pop = pl->n_years * pl->n_pop;
  const size_t n_dem = pl->n_years * pl->n_cells;
  if (b < POP_COUNT) {
    *src = buf != NULL ? buf->pop[b] : NULL;
    *dst = acc->pop[b];
    *n = n_pop;
    return;
  }
  b -= POP_COUNT;
  if (b < 3) {
    double *const dsts[3] = {acc->students, acc->registered, acc->warning};
    const double *const srcs[3] = {buf != NULL ? buf->students : NULL,
                                   buf != NULL ? buf->registered : NULL,
                                   buf != NULL ? buf->warning : NULL};
    *src = srcs[b];
    *dst = dsts[b];
    *n = n_dem;
    return;
  }
  b -= 3;
  const size_t v = b / pl->n_strategies;
  const size_t j = b % pl->n_strategies;
  *src = buf != NULL ? buf->school[v] + j * n_dem : NULL;
  *dst = acc->school[v] + j * acc->n_rstats * n_dem;
  *n = n_dem;
}

static void accumulator_clear(struct accumulator *acc) {
  for (size_t b = 0; acc->p2 != NULL && b < acc->n_p2; b++) {
    es_p2_clear(&acc->p2[b]);
  }
  free(acc->p2);
  acc->p2 = NULL;
  acc->n_p2 = 0;
}

/* P2 estimators for the region quantiles (MODEL 9), when asked for. */
static int accumulator_init_p2(const struct plan *pl, struct accumulator *acc,
                               struct es_error *err) {
  if (pl->n_rquantiles == 0) {
    return ES_OK;
  }
  const size_t nb = n_blocks(pl);
  acc->p2 = calloc(nb, sizeof *acc->p2);
  if (acc->p2 == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "region quantiles");
  }
  acc->n_p2 = nb;
  for (size_t b = 0; b < nb; b++) {
    const double *src = NULL;
    double *dst = NULL;
    size_t n = 0;
    block_at(pl, acc, NULL, b, &src, &dst, &n);
    int rc = es_p2_init(&acc->p2[b], n, pl->n_rquantiles, pl->rquantile_p, err);
    if (rc != ES_OK) {
      es_error_prefix(err, "region_quantiles: true");
      return rc;
    }
  }
  return ES_OK;
}

/* Fold replicate i's buffer into the statistics (serial, replicate order). */
static void merge_replicate(const struct plan *pl, struct accumulator *acc,
                            const struct replicate_buf *buf, size_t i) {
  const size_t count = i + 1;
  for (size_t b = 0; b < n_blocks(pl); b++) {
    const double *src = NULL;
    double *mean = NULL;
    size_t n = 0;
    block_at(pl, acc, buf, b, &src, &mean, &n);
    es_welford_update(mean, mean + n, src, n, count);
    if (acc->p2 != NULL) {
      es_p2_add(&acc->p2[b], src);
    }
  }
  const size_t n_ys = pl->n_years * pl->n_stages;
  for (size_t v = 0; v < IV_COUNT; v++) {
    for (size_t j = 0; j < pl->n_strategies; j++) {
      memcpy(acc->replicates[v] + (j * pl->n_replicates + i) * n_ys,
             buf->indicator[v] + j * n_ys, n_ys * sizeof(double));
    }
  }
}

/* After the last replicate: m2 -> sd, and the indicators' statistics. */
static int finish_statistics(const struct plan *pl, struct accumulator *acc,
                             double *const *indicator, struct es_error *err) {
  const size_t n = pl->n_replicates;
  for (size_t b = 0; b < n_blocks(pl); b++) {
    const double *src = NULL;
    double *mean = NULL;
    size_t n_cells = 0;
    block_at(pl, acc, NULL, b, &src, &mean, &n_cells);
    es_welford_finish_sd(mean + n_cells, n_cells, n);
    for (size_t q = 0; acc->p2 != NULL && q < pl->n_rquantiles; q++) {
      es_p2_get(&acc->p2[b], q, mean + (2 + q) * n_cells);
    }
  }
  double *scratch = malloc(n * sizeof *scratch);
  double *out = malloc(pl->n_istats * sizeof *out);
  if (scratch == NULL || out == NULL) {
    free(scratch);
    free(out);
    return ES_FAIL(err, ES_ENOMEM, "%s", "indicator statistics");
  }
  const size_t n_ys = pl->n_years * pl->n_stages;
  for (size_t v = 0; v < IV_COUNT; v++) {
    for (size_t j = 0; j < pl->n_strategies; j++) {
      const double *reps = acc->replicates[v] + j * n * n_ys;
      for (size_t c = 0; c < n_ys; c++) {
        es_stats_exact(reps + c, n_ys, n, pl->istats, pl->n_istats, scratch,
                       out);
        for (size_t q = 0; q < pl->n_istats; q++) {
          indicator[v][(j * pl->n_istats + q) * n_ys + c] = out[q];
        }
      }
    }
  }
  free(out);
  free(scratch);
  return ES_OK;
}

/* ---- setting up ------------------------------------------------------------
 */

static void plan_clear(struct plan *pl) {
  free(pl->rquantile_p);
  free(pl->rquantile_name);
  free(pl->strategy_key);
  free(pl->group_mem);
  free(pl->istats);
  es_supply_state_clear(&pl->supply0);
  es_population_clear(&pl->pop0);
  memset(pl, 0, sizeof *pl);
}

/* The look-ahead the scenario needs: the warning horizon and forecasts. */
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

static int plan_init(struct plan *pl, const struct es_scenario *sc,
                     const struct es_run_config *cfg, size_t *all_strategies,
                     struct es_error *err) {
  memset(pl, 0, sizeof *pl);
  pl->sc = sc;
  pl->mode = cfg->has_mode ? cfg->mode : sc->mode;
  pl->seed = cfg->has_seed ? cfg->seed : sc->seed;
  pl->cancel = cfg->cancel;
  pl->n_replicates =
      pl->mode == ES_MODE_DETERMINISTIC
          ? 1
          : (size_t)(cfg->has_replicates ? cfg->replicates : sc->replicates);
  if (cfg->n_selected > 0) {
    pl->n_strategies = cfg->n_selected;
    pl->strategy = cfg->selected;
  } else {
    for (size_t s = 0; s < sc->n_strategies; s++) {
      all_strategies[s] = s;
    }
    pl->n_strategies = sc->n_strategies;
    pl->strategy = all_strategies;
  }
  pl->n_years = es_scenario_n_years(sc);
  pl->n_ahead = lookahead_years(sc);
  pl->n_regions = sc->regions.n_regions;
  pl->n_ages = es_scenario_n_ages(sc);
  pl->n_stages = sc->n_stages;
  pl->n_cells = pl->n_regions * pl->n_stages;
  pl->n_pop = pl->n_regions * pl->n_ages;
  if (pl->n_replicates == 0) {
    return ES_FAIL(err, ES_EINVAL, "%s", "replicates must be at least 1");
  }

  int rc = ES_OK;
  pl->strategy_key = calloc(pl->n_strategies, sizeof *pl->strategy_key);
  pl->group_mem = calloc(3 * (pl->n_regions > 0 ? pl->n_regions : 1),
                         sizeof *pl->group_mem);
  if (pl->strategy_key == NULL || pl->group_mem == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "run plan");
  }
  for (size_t j = 0; j < pl->n_strategies; j++) {
    if (pl->strategy[j] >= sc->n_strategies) {
      return ES_FAIL(err, ES_EINVAL, "strategy index %zu out of range",
                     pl->strategy[j]);
    }
    pl->strategy_key[j] =
        es_seed_hash_name(sc->strategies[pl->strategy[j]].name);
  }

  /* Mobility pools and provinces as group ids (MODEL 5.2e, 7). */
  pl->params = (struct es_supply_params){
      .n_regions = pl->n_regions,
      .n_stages = pl->n_stages,
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
  for (size_t c = 0; c < 3; c++) {
    if (columns[c] == NULL) {
      continue;
    }
    size_t *ids = pl->group_mem + c * pl->n_regions;
    size_t n_groups = 0;
    rc = group_ids(columns[c], pl->n_regions, ids, &n_groups, err);
    if (rc != ES_OK) {
      return rc;
    }
    pl->params.pool_group[pools[c]] = ids;
    if (pools[c] == ES_POOL_PROVINCE) {
      pl->province = ids;
      pl->n_provinces = n_groups;
    }
  }
  rc = es_supply_state_init(&pl->supply0, &pl->params, sc->teachers, sc->seats,
                            err);
  if (rc == ES_OK) {
    rc = es_population_init(&pl->pop0, pl->n_regions, pl->n_ages, err);
  }
  if (rc != ES_OK) {
    return rc;
  }
  es_population_copy(&pl->pop0, &sc->initial);
  if (pl->mode == ES_MODE_STOCHASTIC) {
    /* MODEL 2: integer stocks, inputs rounded half away from zero. */
    for (size_t i = 0; i < pl->n_pop; i++) {
      pl->pop0.local[i] = round(pl->pop0.local[i]);
      pl->pop0.migrant[i] = round(pl->pop0.migrant[i]);
      pl->pop0.away[i] = round(pl->pop0.away[i]);
    }
    pl->n_istats = sc->n_statistics;
    pl->istats =
        calloc(pl->n_istats > 0 ? pl->n_istats : 1, sizeof *pl->istats);
    if (pl->istats == NULL) {
      return ES_FAIL(err, ES_ENOMEM, "%s", "statistics");
    }
    for (size_t q = 0; q < pl->n_istats; q++) {
      if (!es_stat_parse(sc->statistics[q], &pl->istats[q])) {
        return ES_FAIL(err, ES_EINVAL, "unknown statistic '%s'",
                       sc->statistics[q]);
      }
    }
    /* MODEL 9: region-level quantiles only on request, by P2 estimates. */
    if (sc->region_quantiles) {
      pl->rquantile_p = calloc(pl->n_istats + 1, sizeof *pl->rquantile_p);
      pl->rquantile_name = calloc(pl->n_istats + 1, sizeof *pl->rquantile_name);
      if (pl->rquantile_p == NULL || pl->rquantile_name == NULL) {
        return ES_FAIL(err, ES_ENOMEM, "%s", "region quantiles");
      }
      for (size_t q = 0; q < pl->n_istats; q++) {
        if (pl->istats[q].kind == ES_STAT_QUANTILE) {
          pl->rquantile_p[pl->n_rquantiles] = pl->istats[q].fraction;
          pl->rquantile_name[pl->n_rquantiles++] = sc->statistics[q];
        }
      }
    }
    /* STYLE 25: make sure no two streams of this run start alike. */
    const size_t n_seeds = pl->n_replicates * (1 + pl->n_strategies);
    unsigned long *seeds = malloc(n_seeds * sizeof *seeds);
    if (seeds == NULL) {
      return ES_FAIL(err, ES_ENOMEM, "%s", "seeds");
    }
    size_t n = 0;
    for (size_t i = 0; i < pl->n_replicates; i++) {
      seeds[n++] = demography_seed(pl, i);
      for (size_t j = 0; j < pl->n_strategies; j++) {
        seeds[n++] = supply_seed(pl, i, j);
      }
    }
    size_t a = 0, b = 0;
    rc = es_seed_check_distinct(seeds, n, &a, &b);
    free(seeds);
    if (rc != ES_OK) {
      return ES_FAIL(err, ES_EINVAL,
                     "seed %llu gives two random streams the same start "
                     "(numbers %zu and %zu of this run); choose another seed",
                     (unsigned long long)pl->seed, a, b);
    }
  }
  return ES_OK;
}

/* Set the axes and coordinates of @p res. */
static int fill_coordinates(const struct plan *pl, struct es_results *res,
                            struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  const bool stochastic = pl->mode == ES_MODE_STOCHASTIC;
  res->dim_len[ES_DIM_STRATEGY] = pl->n_strategies;
  res->dim_len[ES_DIM_STATISTIC] = stochastic ? 2 + pl->n_rquantiles : 1;
  res->dim_len[ES_DIM_YEAR] = pl->n_years;
  res->dim_len[ES_DIM_REGION] = pl->n_regions;
  res->dim_len[ES_DIM_AGE] = pl->n_ages;
  res->dim_len[ES_DIM_STAGE] = pl->n_stages;
  res->dim_len[ES_DIM_INDICATOR_STATISTIC] = stochastic ? pl->n_istats : 0;
  res->dim_len[ES_DIM_REPLICATE] = stochastic ? pl->n_replicates : 0;

  bool ok = true;
  res->strategy = calloc(pl->n_strategies, sizeof *res->strategy);
  ok = ok && res->strategy != NULL;
  for (size_t j = 0; ok && j < pl->n_strategies; j++) {
    res->strategy[j] = es_strdup(sc->strategies[pl->strategy[j]].name);
    ok = res->strategy[j] != NULL;
  }
  /* Region-level cells carry the mean, and in stochastic mode the sd and
   * the quantiles asked for with region_quantiles. */
  res->statistic = calloc(2 + pl->n_rquantiles, sizeof *res->statistic);
  ok = ok && res->statistic != NULL;
  if (ok) {
    res->statistic[0] = es_strdup("mean");
    ok = res->statistic[0] != NULL;
    if (stochastic) {
      res->statistic[1] = es_strdup("sd");
      ok = ok && res->statistic[1] != NULL;
      for (size_t q = 0; ok && q < pl->n_rquantiles; q++) {
        res->statistic[2 + q] = es_strdup(pl->rquantile_name[q]);
        ok = res->statistic[2 + q] != NULL;
      }
    }
  }
  if (stochastic) {
    res->indicator_statistic = dup_strings(sc->statistics, pl->n_istats, &ok);
    res->replicate = calloc(pl->n_replicates, sizeof *res->replicate);
    ok = ok && res->replicate != NULL && res->indicator_statistic != NULL;
    for (size_t i = 0; ok && i < pl->n_replicates; i++) {
      res->replicate[i] = (int32_t)i;
    }
  }
  res->year = calloc(pl->n_years, sizeof *res->year);
  res->age = calloc(pl->n_ages, sizeof *res->age);
  res->stage = calloc(pl->n_stages, sizeof *res->stage);
  res->stage_age_lo = calloc(pl->n_stages, sizeof *res->stage_age_lo);
  res->stage_age_hi = calloc(pl->n_stages, sizeof *res->stage_age_hi);
  res->stage_ptr_standard =
      calloc(pl->n_stages, sizeof *res->stage_ptr_standard);
  res->region_rank = calloc(pl->n_regions, sizeof *res->region_rank);
  ok = ok && res->statistic && res->year && res->age && res->stage &&
       res->stage_age_lo && res->stage_age_hi && res->stage_ptr_standard &&
       res->region_rank;
  if (!ok) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "results coordinates");
  }
  for (size_t y = 0; y < pl->n_years; y++) {
    res->year[y] = (int32_t)(sc->year_start + (int)y);
  }
  for (size_t a = 0; a < pl->n_ages; a++) {
    res->age[a] = (int32_t)a;
  }
  for (size_t k = 0; k < pl->n_stages; k++) {
    res->stage[k] = es_strdup(sc->stages[k].name);
    ok = ok && res->stage[k] != NULL;
    res->stage_age_lo[k] = (int32_t)sc->stages[k].age_lo;
    res->stage_age_hi[k] = (int32_t)sc->stages[k].age_hi;
    res->stage_ptr_standard[k] = sc->stages[k].ptr_standard;
  }
  res->region = dup_strings(sc->regions.code, pl->n_regions, &ok);
  res->region_name = dup_strings(sc->regions.name, pl->n_regions, &ok);
  res->region_province = dup_strings(sc->regions.province, pl->n_regions, &ok);
  res->region_prefecture =
      dup_strings(sc->regions.prefecture, pl->n_regions, &ok);
  for (size_t r = 0; r < pl->n_regions; r++) {
    res->region_rank[r] = (int32_t)sc->regions.rank[r];
  }
  if (!ok || res->region == NULL || res->region_name == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "results coordinates");
  }
  return ES_OK;
}

static int fill_provenance(const struct plan *pl,
                           const struct es_run_config *cfg,
                           struct es_results *res, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
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
  res->scenario_name = es_strdup(sc->name);
  res->software_version = es_strdup(ES_VERSION " (git " ES_GIT_REVISION ")");
  res->command = es_strdup(cfg->command != NULL ? cfg->command : "");
  res->mode = es_strdup(es_mode_name(pl->mode));
  res->currency = es_strdup(sc->currency != NULL ? sc->currency : "");
  res->seed = pl->seed;
  res->replicates = pl->n_replicates;
  res->scenario_resolved = es_strdup(sc->resolved_text);
  /* The scenario file, the files of its extends chain (base_1 is the one it
   * names), then the data files. */
  const size_t n_files = 1 + sc->n_bases + ES_DATA_COUNT;
  res->sources = calloc(n_files, sizeof *res->sources);
  bool ok = res->title && res->scenario_name && res->software_version &&
            res->command && res->mode && res->currency &&
            res->scenario_resolved && res->sources;
  for (size_t i = 0; ok && i < n_files; i++) {
    const struct es_scenario_file *f = i == 0 ? &sc->file
                                       : i <= sc->n_bases
                                           ? &sc->bases[i - 1]
                                           : &sc->data[i - 1 - sc->n_bases];
    if (!f->present && i > sc->n_bases) {
      continue;
    }
    char role[32];
    if (i == 0) {
      snprintf(role, sizeof role, "scenario");
    } else if (i <= sc->n_bases) {
      snprintf(role, sizeof role, "base_%zu", i);
    } else {
      snprintf(role, sizeof role, "%s", role_names[i - 1 - sc->n_bases]);
    }
    struct es_source_file *src = &res->sources[res->n_sources++];
    src->role = es_strdup(role);
    src->path = es_strdup(f->given != NULL ? f->given : f->path);
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

/* Add the variables of every group; fill @p buf (deterministic: pointing into
 * the results) and @p acc (stochastic: where the statistics go). */
static int add_variables(const struct plan *pl, struct es_results *res,
                         struct replicate_buf *buf, struct accumulator *acc,
                         double **indicator, struct es_error *err) {
  const struct es_scenario *sc = pl->sc;
  static const enum es_dim pop_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                         ES_DIM_REGION, ES_DIM_AGE};
  static const enum es_dim demand_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                            ES_DIM_REGION, ES_DIM_STAGE};
  static const enum es_dim school_dims[] = {ES_DIM_STRATEGY, ES_DIM_STATISTIC,
                                            ES_DIM_YEAR, ES_DIM_REGION,
                                            ES_DIM_STAGE};
  static const enum es_dim det_indicator_dims[] = {
      ES_DIM_STRATEGY, ES_DIM_STATISTIC, ES_DIM_YEAR, ES_DIM_STAGE};
  static const enum es_dim indicator_dims[] = {
      ES_DIM_STRATEGY, ES_DIM_INDICATOR_STATISTIC, ES_DIM_YEAR, ES_DIM_STAGE};
  static const enum es_dim replicate_dims[] = {
      ES_DIM_STRATEGY, ES_DIM_REPLICATE, ES_DIM_YEAR, ES_DIM_STAGE};
  const bool stochastic = pl->mode == ES_MODE_STOCHASTIC;

  double *pop[POP_COUNT];
  for (size_t v = 0; v < POP_COUNT; v++) {
    pop[v] = es_results_add(res, "population", pop_vars[v].name,
                            pop_vars[v].long_name, pop_vars[v].units, 4,
                            pop_dims, err);
    if (pop[v] == NULL) {
      return ES_ENOMEM;
    }
  }
  double *students = es_results_add(
      res, "demand", "students",
      "students: enrolled resident children of the stage's ages (MODEL 4)",
      "pupils", 4, demand_dims, err);
  double *registered = es_results_add(
      res, "demand", "registered_students",
      "registered students: enrolled children registered here (MODEL 4)",
      "pupils", 4, demand_dims, err);
  double *warning = es_results_add(
      res, "demand", "warning",
      stochastic ? "early warning: share of replicates flagging a rise minus "
                   "share flagging a fall (MODEL 8)"
                 : "early warning: +1 students rise, -1 fall beyond the "
                   "thresholds within the horizon (MODEL 8)",
      "1", 4, demand_dims, err);
  if (students == NULL || registered == NULL || warning == NULL) {
    return ES_ENOMEM;
  }
  double *school[SV_COUNT];
  for (size_t v = 0; v < SV_COUNT; v++) {
    school[v] = es_results_add(res, "schools", school_vars[v].name,
                               school_vars[v].long_name, school_vars[v].units,
                               5, school_dims, err);
    if (school[v] == NULL) {
      return ES_ENOMEM;
    }
  }
  for (size_t v = 0; v < IV_COUNT; v++) {
    const char *units = v == IV_COST && sc->currency != NULL
                            ? sc->currency
                            : indicator_vars[v].units;
    indicator[v] = es_results_add(
        res, "indicators", indicator_vars[v].name, indicator_vars[v].long_name,
        units, 4, stochastic ? indicator_dims : det_indicator_dims, err);
    if (indicator[v] == NULL) {
      return ES_ENOMEM;
    }
    if (stochastic) {
      acc->replicates[v] = es_results_add(
          res, "indicators_replicates", indicator_vars[v].name,
          indicator_vars[v].long_name, units, 4, replicate_dims, err);
      if (acc->replicates[v] == NULL) {
        return ES_ENOMEM;
      }
    }
  }

  if (stochastic) {
    acc->n_rstats = 2 + pl->n_rquantiles;
    for (size_t v = 0; v < POP_COUNT; v++) {
      acc->pop[v] = pop[v];
    }
    acc->students = students;
    acc->registered = registered;
    acc->warning = warning;
    for (size_t v = 0; v < SV_COUNT; v++) {
      acc->school[v] = school[v];
    }
    return ES_OK;
  }
  /* Deterministic: one statistic, so the results have the replicate
   * buffer's layout and the run writes into them directly. */
  memset(buf, 0, sizeof *buf);
  for (size_t v = 0; v < POP_COUNT; v++) {
    buf->pop[v] = pop[v];
  }
  buf->students = students;
  buf->registered = registered;
  buf->warning = warning;
  for (size_t v = 0; v < SV_COUNT; v++) {
    buf->school[v] = school[v];
  }
  for (size_t v = 0; v < IV_COUNT; v++) {
    buf->indicator[v] = indicator[v];
  }
  buf->expected_stride = 1;
  buf->expected =
      malloc((pl->n_years + pl->n_ahead) * pl->n_cells * sizeof *buf->expected);
  if (buf->expected == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "projection");
  }
  return ES_OK;
}

/* Deterministic mode: the projection with its region phases on n_threads,
 * then every strategy, one per thread at a time. */
static int run_deterministic(const struct plan *pl, struct thread_ws *tws,
                             size_t n_team, size_t n_threads,
                             struct replicate_buf *buf, struct es_error *err) {
  project_deterministic(pl, &tws[0], buf, n_threads);
  if (stop_requested(pl)) {
    return ES_FAIL(err, ES_EINTERRUPTED, "%s", "interrupted");
  }
  struct es_error *errors = calloc(pl->n_strategies, sizeof *errors);
  int *status = calloc(pl->n_strategies, sizeof *status);
  if (errors == NULL || status == NULL) {
    free(errors);
    free(status);
    return ES_FAIL(err, ES_ENOMEM, "%s", "strategies");
  }
  const size_t n_strategies = pl->n_strategies;
#pragma omp parallel for default(none) schedule(dynamic, 1) \
    num_threads((int)n_team)                                \
        shared(pl, tws, buf, errors, status, n_strategies)
  for (size_t j = 0; j < n_strategies; j++) {
    struct thread_ws *tw = &tws[omp_get_thread_num()];
    es_error_clear(&errors[j]);
    status[j] = run_strategy(pl, j, tw, buf, /*rng=*/NULL, &errors[j]);
  }
  int rc = ES_OK;
  for (size_t j = 0; j < pl->n_strategies; j++) {
    if (status[j] != ES_OK) { /* STYLE 28: the first in order is reported */
      rc = status[j];
      if (err != NULL) {
        *err = errors[j];
      }
      break;
    }
  }
  free(status);
  free(errors);
  return rc;
}

/* Stochastic mode: batches of replicates in parallel, merged in order. */
static int run_stochastic(const struct plan *pl, struct thread_ws *tws,
                          size_t n_team, struct accumulator *acc,
                          double *const *indicator,
                          const struct es_run_config *cfg,
                          struct es_error *err) {
  const size_t n_batch = n_team * REPLICATES_PER_THREAD;
  struct replicate_buf *bufs = calloc(n_batch, sizeof *bufs);
  struct es_error *errors = calloc(n_batch, sizeof *errors);
  int *status = calloc(n_batch, sizeof *status);
  int rc = ES_OK;
  if (bufs == NULL || errors == NULL || status == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "replicate buffers");
    goto cleanup;
  }
  for (size_t b = 0; b < n_batch && rc == ES_OK; b++) {
    rc = replicate_buf_alloc(&bufs[b], pl, err);
  }
  for (size_t first = 0; rc == ES_OK && first < pl->n_replicates;
       first += n_batch) {
    if (stop_requested(pl)) {
      rc = ES_FAIL(err, ES_EINTERRUPTED,
                   "interrupted after %zu of %zu "
                   "replicates",
                   first, pl->n_replicates);
      break;
    }
    const size_t n_now =
        pl->n_replicates - first < n_batch ? pl->n_replicates - first : n_batch;
    /* No early exit: every replicate of the batch runs (STYLE 28). */
#pragma omp parallel for default(none) schedule(dynamic, 1) \
    num_threads((int)n_team)                                \
        shared(pl, tws, bufs, errors, status, first, n_now)
    for (size_t b = 0; b < n_now; b++) {
      struct thread_ws *tw = &tws[omp_get_thread_num()];
      es_error_clear(&errors[b]);
      status[b] = run_replicate(pl, first + b, tw, &bufs[b], &errors[b]);
    }
    for (size_t b = 0; b < n_now; b++) {
      if (status[b] != ES_OK) {
        rc = status[b];
        if (err != NULL) {
          *err = errors[b];
        }
        break;
      }
      merge_replicate(pl, acc, &bufs[b], first + b);
    }
    if (rc == ES_OK && cfg->progress != NULL) {
      cfg->progress(cfg->progress_data, first + n_now, pl->n_replicates);
    }
  }
  if (rc == ES_OK) {
    rc = finish_statistics(pl, acc, indicator, err);
  }
cleanup:
  for (size_t b = 0; bufs != NULL && b < n_batch; b++) {
    replicate_buf_clear(&bufs[b]);
  }
  free(bufs);
  free(errors);
  free(status);
  return rc;
}

int es_engine_run(const struct es_scenario *sc, const struct es_run_config *cfg,
                  struct es_results *res, struct es_error *err) {
  int rc = ES_OK;
  struct plan pl;
  struct replicate_buf det_buf;
  struct accumulator acc;
  double *indicator[IV_COUNT];
  struct thread_ws *tws = NULL;
  size_t n_team = 0;
  size_t *all_strategies = calloc(sc->n_strategies, sizeof *all_strategies);
  memset(&det_buf, 0, sizeof det_buf);
  memset(&acc, 0, sizeof acc);
  if (all_strategies == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", "run plan");
  }
  rc = plan_init(&pl, sc, cfg, all_strategies, err);
  if (rc == ES_OK) {
    rc = fill_coordinates(&pl, res, err);
  }
  if (rc == ES_OK) {
    rc = fill_provenance(&pl, cfg, res, err);
  }
  if (rc == ES_OK) {
    rc = add_variables(&pl, res, &det_buf, &acc, indicator, err);
  }
  if (rc == ES_OK && pl.mode == ES_MODE_STOCHASTIC) {
    rc = accumulator_init_p2(&pl, &acc, err);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }

  const size_t n_threads = cfg->n_threads > 0 ? cfg->n_threads : 1;
  const size_t n_units =
      pl.mode == ES_MODE_STOCHASTIC ? pl.n_replicates : pl.n_strategies;
  n_team = n_threads < n_units ? n_threads : n_units;
  if (n_team == 0) {
    n_team = 1;
  }
  tws = calloc(n_team, sizeof *tws);
  if (tws == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "thread workspaces");
    goto cleanup;
  }
  for (size_t t = 0; t < n_team; t++) {
    rc = thread_ws_init(&tws[t], &pl, err);
    if (rc != ES_OK) {
      n_team = t; /* only those initialised are cleared */
      goto cleanup;
    }
  }
  if (pl.mode == ES_MODE_DETERMINISTIC) {
    rc = run_deterministic(&pl, tws, n_team, n_threads, &det_buf, err);
    if (rc == ES_OK && cfg->progress != NULL) {
      cfg->progress(cfg->progress_data, 1, 1);
    }
  } else {
    rc = run_stochastic(&pl, tws, n_team, &acc, indicator, cfg, err);
  }

cleanup:
  for (size_t t = 0; tws != NULL && t < n_team; t++) {
    thread_ws_clear(&tws[t]);
  }
  free(tws);
  free(det_buf.expected);
  accumulator_clear(&acc);
  plan_clear(&pl);
  free(all_strategies);
  return rc;
}
