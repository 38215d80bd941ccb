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
  const volatile sig_atomic_t *cancel; /* polled between replicates; when set
                                          the run stops with ES_EINTERRUPTED */
  void (*progress)(void *data, size_t n_done,
                   size_t n_total); /* called by the calling thread as
                                       replicates complete, or NULL */
  void *progress_data;              /* passed to progress */
};

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
