/* engine_plan.c: the run plan (DESIGN "Data flow", MODEL 9): everything a
 * run needs that does not change from replicate to replicate, set up once
 * from the scenario and the run configuration. It resolves the mode, the
 * replicates and the strategies, turns the pool and province columns into
 * group ids, prepares the initial population (whole numbers in stochastic
 * mode, MODEL 2), parses the statistics and checks that no two random
 * streams of the run start alike (STYLE 25). Every check a run makes before
 * its first step is here, so validate can make them without running. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/strategy.h"
#include "sim/engine_impl.h"

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

void es__engine_plan_clear(struct es_engine_plan *pl) {
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
size_t es__engine_lookahead_years(const struct es_scenario *sc) {
  size_t h = (size_t)sc->warning.horizon_years;
  for (size_t s = 0; s < sc->n_strategies; s++) {
    const struct es_strategy_spec *spec = &sc->strategies[s];
    if (spec->basis == ES_BASIS_FORECAST && (size_t)spec->horizon_years > h) {
      h = (size_t)spec->horizon_years;
    }
  }
  return h;
}

int es__engine_plan_init(struct es_engine_plan *pl,
                         const struct es_scenario *sc,
                         const struct es_run_config *cfg,
                         size_t *all_strategies, struct es_error *err) {
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
  pl->n_ahead = es__engine_lookahead_years(sc);
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
      seeds[n++] = es__engine_demography_seed(pl, i);
      for (size_t j = 0; j < pl->n_strategies; j++) {
        seeds[n++] = es__engine_supply_seed(pl, i, j);
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
