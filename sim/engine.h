/* engine.h: one run of a scenario, from the initial population to the results
 * in memory (DESIGN "Data flow").
 *
 * The engine projects the population (MODEL 3: it does not depend on the
 * allocation strategy), derives the demand of every stage and the early
 * warning (MODEL 4, 8), runs the supply step of every strategy on that same
 * population (MODEL 5) and keeps their records and indicators (MODEL 7). In
 * stochastic mode it does so for every replicate and keeps the statistics
 * over replicates (MODEL 9). Parallelism lives here and only here (STYLE 27);
 * the results are identical bit for bit for any thread count. */
#ifndef ES_SIM_ENGINE_H
#define ES_SIM_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"
#include "output/results.h"
#include "scenarios/scenario.h"

/** How to run: threads, and the command line's overrides of the scenario. */
struct es_run_config {
  size_t n_threads;       /* threads for the parallel parts, >= 1 */
  const char *command;    /* the command line, recorded in the results */
  bool has_mode;          /* override the scenario's mode */
  enum es_mode mode;      /* the mode when has_mode */
  bool has_replicates;    /* override the scenario's replicates */
  uint64_t replicates;    /* >= 1, when has_replicates */
  bool has_seed;          /* override the scenario's seed */
  uint64_t seed;          /* when has_seed */
  size_t n_selected;      /* strategies to run; 0 = all */
  const size_t *selected; /* [n_selected] scenario indices, in output order */
  const volatile sig_atomic_t *cancel; /* polled every year of every
                                          replicate and at every cell of the
                                          statistics; when set the run stops
                                          with ES_EINTERRUPTED */
  void (*progress)(void *data, size_t n_done,
                   size_t n_total); /* called by the calling thread as
                                       replicates complete, or NULL */
  void *progress_data;              /* passed to progress */
};

/** The sizes of a run, from the scenario and the run configuration: what its
 * memory and its results file grow with (sim/resources.h). */
struct es_engine_shape {
  enum es_mode mode;   /* the mode that runs */
  size_t n_replicates; /* 1 in deterministic mode */
  size_t n_strategies; /* strategies run */
  size_t n_years;      /* records t0..t1 */
  size_t n_ahead;      /* look-ahead years H (forecast basis, warning) */
  size_t n_regions;    /* regions */
  size_t n_ages;       /* ages 0..max_age */
  size_t n_stages;     /* school stages */
  size_t n_istats;     /* statistics of the indicators (stochastic) */
  size_t n_rquantiles; /* region-level quantiles (region_quantiles: true) */
  size_t n_team;       /* threads that run at once: -j, at most one per
                          replicate (stochastic) or strategy (deterministic) */
  size_t n_batch;      /* replicate buffers in flight (stochastic), else 0 */
};

/**
 * @brief The sizes of the run of @p sc as @p cfg asks; allocates nothing and
 * cannot fail (an unknown statistic counts as no quantile; es_engine_check
 * reports it).
 * @param sc  the scenario (borrowed)
 * @param cfg the run configuration (borrowed)
 * @param shape filled (borrowed)
 */
void es_engine_shape(const struct es_scenario *sc,
                     const struct es_run_config *cfg,
                     struct es_engine_shape *shape);

/**
 * @brief Make every check es_engine_run makes before its first step (the
 * replicates, the strategies selected, the statistics, distinct random
 * streams) without running: a configuration that passes runs.
 * @return ES_OK, ES_EINVAL (with the reason in @p err), ES_ENOMEM
 */
int es_engine_check(const struct es_scenario *sc,
                    const struct es_run_config *cfg, struct es_error *err);

/**
 * @brief Run @p sc and fill @p res (initialised by the caller with
 * es_results_init; cleared by the caller, also after a failure).
 * @return ES_OK, ES_ENOMEM, ES_EINVAL (inconsistent configuration, e.g. a
 *         seed collision), ES_EINTERRUPTED (cfg->cancel was set), or an error
 *         of a model step
 */
int es_engine_run(const struct es_scenario *sc, const struct es_run_config *cfg,
                  struct es_results *res, struct es_error *err);

#endif /* ES_SIM_ENGINE_H */
