/* supply.h: the yearly supply step of one strategy: teachers (MODEL 5.2) and
 * school seats (MODEL 5.3).
 *
 * Each year teachers leave (attrition), the system may hire up to what the
 * staffing standard asks for, every stage's teachers are given a target per
 * region in proportion to the strategy's weights, surplus teachers move to
 * other stages of their region and to deficit regions of their mobility pool,
 * and new hires fill the deficits left. Seats under construction complete,
 * new seats are started where the perceived need exceeds the seats, and
 * surplus seats may close. Everything is in whole teachers and seats
 * (int64_t). The step allocates nothing: its scratch space is a workspace
 * allocated once (STYLE 12). */
#ifndef ES_MODELS_SUPPLY_H
#define ES_MODELS_SUPPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/apportion.h"
#include "models/error.h"
#include "models/stage.h"

/** Number of pool kinds (enum es_pool), for per-pool tables. */
#define ES_SUPPLY_N_POOLS ((size_t)ES_POOL_ALL + 1)

/** The rules of the supply step, shared by every year (MODEL 5.2-5.3). */
struct es_supply_params {
  size_t n_regions;                /* regions */
  size_t n_stages;                 /* stages */
  const struct es_stage *stages;   /* [n_stages] rules per stage (borrowed) */
  enum es_apportion_method method; /* apportionment of teacher targets */
  double cross_stage_share;        /* sigma of MODEL 5.2d, 0..1 */
  size_t n_cross_from;             /* entries in cross_from; 0 = no 5.2d */
  const size_t *cross_from; /* [n_cross_from] stages giving surplus teachers,
                               in list order (borrowed) */
  size_t n_cross_to;        /* entries in cross_to */
  const size_t *cross_to;   /* [n_cross_to] stages receiving them, in list
                               order (borrowed) */
  const size_t *pool_group[ES_SUPPLY_N_POOLS]; /* by enum es_pool: [n_regions]
                               group id of every region for the prefecture,
                               province and zone pools (any values; equal id
                               = same group), or NULL where no stage uses that
                               pool; ignored for none and all (borrowed, must
                               not change while a workspace uses them) */
};

/**
 * @brief Check @p params: stage rules in range (ptr > 0, shares in 0..1,
 * minimums, caps and lead times >= 0), cross-stage indices in range, group
 * ids present for every pool a stage uses.
 * @return ES_OK or ES_EINVAL with a message naming the stage or field
 */
int es_supply_params_check(const struct es_supply_params *params,
                           struct es_error *err);

/** @brief Years the seat pipeline must hold: 1 + the longest lead time. */
size_t es_supply_pipeline_years(const struct es_supply_params *params);

/** The stocks of one strategy: teachers, seats and seats being built. */
struct es_supply_state {
  size_t n_regions;        /* regions */
  size_t n_stages;         /* stages */
  size_t n_pipeline_years; /* ring length: 1 + longest lead time, years */
  int64_t *teachers;       /* [n_regions * n_stages] T, teachers */
  int64_t *seats;          /* [n_regions * n_stages] C, seats in use */
  int64_t *pipeline;       /* [n_pipeline_years * n_regions * n_stages] seats
                              under construction, by completion year y in
                              slot y mod n_pipeline_years (owned) */
};

/**
 * @brief Allocate a state for @p params with the stocks of t0 and an empty
 * pipeline.
 * @param teachers [n_regions * n_stages] teachers at t0, or NULL for zeros
 *                 (copied)
 * @param seats    [n_regions * n_stages] seats at t0, or NULL for zeros
 *                 (copied)
 * @return ES_OK, ES_EINVAL (a negative stock), ES_ENOMEM
 */
int es_supply_state_init(struct es_supply_state *state,
                         const struct es_supply_params *params,
                         const int64_t *teachers, const int64_t *seats,
                         struct es_error *err);
/** @brief Free what @p state owns and zero it. Accepts NULL and zeroed. */
void es_supply_state_clear(struct es_supply_state *state);
/**
 * @brief Copy @p src into @p dst, both initialised with the same shape
 * (allocates nothing, so a replicate can reset its state every strategy).
 * @return ES_OK or ES_EINVAL when the shapes differ
 */
int es_supply_state_copy(struct es_supply_state *dst,
                         const struct es_supply_state *src,
                         struct es_error *err);

/**
 * @brief Seats under construction for region @p r, stage @p k, whatever
 * their completion year.
 */
int64_t es_supply_state_pipeline_total(const struct es_supply_state *state,
                                       size_t r, size_t k);

/** The flows of one year's supply step; arrays [n_regions * n_stages]
 * row-major [region][stage] unless said otherwise. */
struct es_supply_flows {
  size_t n_regions;         /* regions */
  size_t n_stages;          /* stages */
  int64_t *attrition;       /* teachers who left (5.2a) */
  int64_t *target;          /* T*, the teacher target of 5.2c */
  int64_t *reassigned;      /* 5.2d: + into this stage, - out of it */
  int64_t *transfers_in;    /* teachers arriving from the pool (5.2e) */
  int64_t *transfers_out;   /* teachers leaving for the pool, >= 0 (5.2e) */
  int64_t *hires;           /* teachers hired (5.2f) */
  int64_t *hiring_capacity; /* [n_stages] Hk of 5.2b, teachers */
  double *need;             /* perceived need of 5.3b, seats */
  int64_t *seats_completed; /* seats finished this year (5.3a, and lead
                               time 0 builds) */
  int64_t *seats_built;     /* seats started this year (5.3c) */
  int64_t *seats_closed;    /* seats closed (5.3d) */
};

/** @brief Allocate zeroed flows for @p params. @return ES_OK or ES_ENOMEM */
int es_supply_flows_init(struct es_supply_flows *flows,
                         const struct es_supply_params *params,
                         struct es_error *err);
/** @brief Free what @p flows owns and zero it. Accepts NULL and zeroed. */
void es_supply_flows_clear(struct es_supply_flows *flows);

/** Scratch space of the supply step (STYLE 12). Opaque. */
struct es_supply_ws;

/**
 * @brief Check @p params and allocate a workspace for them; the mobility
 * groups are indexed here once.
 * @return the workspace, or NULL with ES_EINVAL (bad params) or ES_ENOMEM
 */
struct es_supply_ws *es_supply_ws_alloc(const struct es_supply_params *params,
                                        struct es_error *err);
/** @brief Free a workspace. Accepts NULL. */
void es_supply_ws_free(struct es_supply_ws *ws);

/**
 * @brief One year's supply step (MODEL 5.2 then 5.3), in place on @p state.
 *
 * Teachers: a-c (attrition, hiring capacity, targets) for every stage, then d
 * (cross-stage reassignment) for every region, then e-f (transfers within the
 * mobility pool, hires) for every stage. Seats: a-d (completions, perceived
 * need, construction, consolidation) for every stage.
 *
 * @param params     the rules; the same as given to es_supply_ws_alloc
 * @param year       t, the year being allocated (consecutive calls must give
 *                   consecutive years: the pipeline is keyed by year)
 * @param students   [n_regions * n_stages] D at t, students (borrowed)
 * @param w_teachers [n_regions * n_stages] teacher weights, finite, >= 0
 *                   (es_strategy_weights)
 * @param w_seats    [n_regions * n_stages] seat weights, finite, >= 0
 * @param need_totals [n_stages] S_k of MODEL 5.3b, students
 * @param state      stocks, updated in place
 * @param flows      out: the year's flows (every entry written)
 * @param ws         workspace from es_supply_ws_alloc(params)
 * @param rng        NULL for the deterministic step; otherwise attrition is
 *                   Binomial(T, alpha) drawn from it
 * @return ES_OK; ES_EINVAL for inputs that are not finite or negative or a
 *         workspace or state of another shape; ES_ERANGE for counts too large
 *         for the arithmetic; any error of es_apportion, with the stage and
 *         year prefixed
 */
int es_supply_step(const struct es_supply_params *params, int year,
                   const double *students, const double *w_teachers,
                   const double *w_seats, const double *need_totals,
                   struct es_supply_state *state, struct es_supply_flows *flows,
                   struct es_supply_ws *ws, gsl_rng *rng, struct es_error *err);

#endif /* ES_MODELS_SUPPLY_H */
