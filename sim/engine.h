/* engine.h: one run of a scenario, from the initial population to the results
 * in memory (DESIGN "Data flow").
 *
 * The engine projects the population once (MODEL 3: it does not depend on the
 * allocation strategy), derives the demand of every stage and the early
 * warning (MODEL 4, 8), and fills a struct es_results that output/ writes.
 * Parallelism lives here and only here (STYLE 27): the population step runs
 * its region phases on several threads, with results identical bit for bit
 * for any thread count. */
#ifndef ES_SIM_ENGINE_H
#define ES_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "models/error.h"
#include "output/results.h"
#include "scenarios/scenario.h"

/** How to run (from the command line). */
struct es_run_config {
  size_t n_threads;    /* threads for the parallel parts, >= 1 */
  const char *command; /* the command line, recorded in the results */
};

/**
 * @brief Run @p sc and fill @p res (initialised by the caller with
 * es_results_init; cleared by the caller).
 * @return ES_OK, ES_ENOMEM, ES_EINVAL (a mode this version cannot run)
 */
int es_engine_run(const struct es_scenario *sc, const struct es_run_config *cfg,
                  struct es_results *res, struct es_error *err);

#endif /* ES_SIM_ENGINE_H */
