/* engine_impl.h: what the files of the engine share (sim/engine*.c) and
 * nothing else includes: the run plan, the replicate buffers, the thread
 * workspaces, the statistics accumulator and the functions that pass them
 * between the files.
 *
 * engine.c runs the replicates; engine_plan.c sets up the run plan;
 * engine_workspace.c allocates the per-thread workspaces and replicate
 * buffers; engine_replicate.c steps one replicate (population, supply,
 * records); engine_stats.c folds replicates into statistics;
 * engine_results.c lays out the results (axes, provenance, variables). */
#ifndef ES_SIM_ENGINE_IMPL_H
#define ES_SIM_ENGINE_IMPL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/error.h"
#include "models/indicators.h"
#include "models/population.h"
#include "models/seed.h"
#include "models/supply.h"
#include "output/results.h"
#include "scenarios/scenario.h"
#include "sim/engine.h"
#include "sim/p2.h"
#include "sim/stats.h"

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

/* Everything a run needs that does not change from replicate to replicate. */
struct es_engine_plan {
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
struct es_engine_buf {
  double *pop[POP_COUNT];      /* [year][region][age] */
  double *students;            /* [year][region][stage] */
  double *registered;          /* [year][region][stage] */
  double *warning;             /* [year][region][stage] */
  double *expected;            /* students expected h years ahead: see
                                  es__engine_expected_at() */
  size_t expected_stride;      /* blocks of n_cells per year in expected */
  double *school[SV_COUNT];    /* [strategy][year][region][stage] */
  double *indicator[IV_COUNT]; /* [strategy][year][stage] */
  bool owns;                   /* the arrays above are this buffer's */
};

/* The students of year index y expected h years ahead (h = 0: now). */
static inline const double *es__engine_expected_at(
    const struct es_engine_plan *pl, const struct es_engine_buf *buf, size_t y,
    size_t h) {
  return buf->expected + (y * buf->expected_stride + h) * pl->n_cells;
}

/* Everything one thread needs, allocated once (STYLE 12). */
struct es_engine_ws {
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

/* Where the statistics of region-level cells go: one block per variable (and
 * strategy), mean at statistic 0 and Welford's m2 (then sd) at statistic 1. */
struct es_engine_acc {
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

/* True once a stop signal has been received (checked between years and
 * replicates; a parallel region is never left early, each unit of work just
 * ends sooner). */
static inline bool es__engine_stop_requested(const struct es_engine_plan *pl) {
  return pl->cancel != NULL && *pl->cancel != 0;
}

/* The generator seeds of replicate i (MODEL 9, STYLE 25): all 64 bits reach
 * the generator (models/rng.h). */
static inline unsigned long es__engine_demography_seed(
    const struct es_engine_plan *pl, size_t i) {
  return (unsigned long)es_seed_derive(pl->seed, (uint64_t)i);
}

static inline unsigned long es__engine_supply_seed(
    const struct es_engine_plan *pl, size_t i, size_t j) {
  return (unsigned long)es_seed_derive2(pl->seed, (uint64_t)i,
                                        pl->strategy_key[j]);
}

/* engine_plan.c */

/* Fill @p pl for @p sc run as @p cfg (@p all_strategies: n_strategies slots
 * the plan may point at); checks the seeds and statistics. */
int es__engine_plan_init(struct es_engine_plan *pl,
                         const struct es_scenario *sc,
                         const struct es_run_config *cfg,
                         size_t *all_strategies, struct es_error *err);
/* The look-ahead the scenario needs: the warning horizon and forecasts. */
size_t es__engine_lookahead_years(const struct es_scenario *sc);
/* Free what @p pl owns; accepts a plan that es__engine_plan_init left
 * half-done. */
void es__engine_plan_clear(struct es_engine_plan *pl);

/* engine_workspace.c */

/* A thread's workspace, allocated once (STYLE 12); cleared on failure. */
int es__engine_ws_init(struct es_engine_ws *tw, const struct es_engine_plan *pl,
                       struct es_error *err);
void es__engine_ws_clear(struct es_engine_ws *tw);
/* A buffer of its own for one stochastic replicate; cleared on failure. */
int es__engine_buf_alloc(struct es_engine_buf *buf,
                         const struct es_engine_plan *pl, struct es_error *err);
void es__engine_buf_clear(struct es_engine_buf *buf);

/* engine_replicate.c */

/* Deterministic mode: the trajectory with its region phases on n_threads. */
void es__engine_project_deterministic(const struct es_engine_plan *pl,
                                      struct es_engine_ws *tw,
                                      struct es_engine_buf *buf,
                                      size_t n_threads);
/* Strategy j (output order) over every year of one replicate; rng NULL:
 * deterministic. */
int es__engine_run_strategy(const struct es_engine_plan *pl, size_t j,
                            struct es_engine_ws *tw, struct es_engine_buf *buf,
                            gsl_rng *rng, struct es_error *err);
/* Stochastic replicate i, on one thread, into its own buffer. */
int es__engine_run_replicate(const struct es_engine_plan *pl, size_t i,
                             struct es_engine_ws *tw, struct es_engine_buf *buf,
                             struct es_error *err);

/* engine_stats.c */

/* P2 estimators for the region quantiles, when asked for. */
int es__engine_acc_init_p2(const struct es_engine_plan *pl,
                           struct es_engine_acc *acc, struct es_error *err);
void es__engine_acc_clear(struct es_engine_acc *acc);
/* Fold replicate i's buffer into the statistics (serial, replicate order). */
void es__engine_acc_merge(const struct es_engine_plan *pl,
                          struct es_engine_acc *acc,
                          const struct es_engine_buf *buf, size_t i);
/* After the last replicate: m2 -> sd, and the indicators' statistics. */
int es__engine_acc_finish(const struct es_engine_plan *pl,
                          struct es_engine_acc *acc, double *const *indicator,
                          struct es_error *err);

/* engine_results.c */

/* Set the axes and coordinates of @p res. */
int es__engine_fill_coordinates(const struct es_engine_plan *pl,
                                struct es_results *res, struct es_error *err);
/* The provenance attributes of @p res. */
int es__engine_fill_provenance(const struct es_engine_plan *pl,
                               const struct es_run_config *cfg,
                               struct es_results *res, struct es_error *err);
/* Add the variables of every group; fill @p buf (deterministic) and @p acc
 * (stochastic). */
int es__engine_add_variables(const struct es_engine_plan *pl,
                             struct es_results *res, struct es_engine_buf *buf,
                             struct es_engine_acc *acc, double **indicator,
                             struct es_error *err);

#endif /* ES_SIM_ENGINE_IMPL_H */
