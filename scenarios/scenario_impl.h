/* scenario_impl.h: what the three files of the scenario loader share:
 * scenario.c (the extends chain, paths and the entry points), scenario_keys.c
 * (pass 1 and 2: every key of the merged YAML document) and scenario_data.c
 * (pass 3 and 4: the CSV data, the checks against it and the model
 * parameters). Not part of the API: only the scenario module includes it
 * (STYLE 2). */
#ifndef ES_SCENARIOS_SCENARIO_IMPL_H
#define ES_SCENARIOS_SCENARIO_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

#include "models/error.h"
#include "scenarios/scenario.h"
#include "scenarios/yaml_reader.h"

/* Limits of the scenario format (DESIGN "Scenario file"). */
#define YEAR_MIN      1800 /* first calendar year accepted */
#define YEAR_MAX      2300 /* last calendar year accepted */
#define AGE_MAX       120  /* oldest age a stage or max_age may name */
#define LEAD_TIME_MAX 50   /* years from decision to completion */
#define HORIZON_MAX   50   /* forecast and warning horizons, years */

/* Defaults documented in docs/scenario-format.md. */
/* Upper bounds of numbers that have no natural one: far beyond any real
 * scenario, and low enough that nothing derived from them overflows. */
#define RANGE_PTR         ((struct es_yrange){0.1, 1000.0, false, false})
#define RANGE_SLACK       ((struct es_yrange){0.0, 100.0, false, false})
#define RANGE_MONEY       ((struct es_yrange){0.0, 1e9, false, false})
#define RANGE_EXPONENT    ((struct es_yrange){0.0, 20.0, false, false})
#define RANGE_CHANGE      ((struct es_yrange){0.0, 1000.0, false, false})
#define RANGE_FERTILITY   ((struct es_yrange){0.0, 100.0, false, false})
#define RANGE_RANK_WEIGHT ((struct es_yrange){0.0, 1e6, false, false})
#define MIN_TEACHERS_MAX  1000000    /* per region and stage */
#define YEARLY_CAP_MAX    1000000000 /* hiring_cap, construction.cap */
/* The most children a projection may reach in one year, all regions and ages
 * together (docs/scenario-format.md "Value bounds"): China has some 300
 * million; teachers needed at the lowest ptr_standard (0.1) then stay below
 * 2^53 and every Poisson mean of the stochastic step below 2^50. */
#define CHILDREN_MAX           1e12
#define DEFAULT_REPLICATES     100
#define DEFAULT_SEED           1
#define DEFAULT_WARN_HORIZON   5
#define DEFAULT_WARN_THRESHOLD 0.15
#define DEFAULT_CURRENCY       "CNY"
#define DEFAULT_ATTRACTION     "adult_pop"

/* Most extra regions.csv columns one scenario can name: rate_multiplier,
 * attraction and one multiplier per strategy. */
#define MAX_COLUMNS (2 + ES_SCENARIO_MAX_STRATEGIES)

/* A regions.csv column named somewhere in the scenario. */
struct es__scenario_column {
  const char *name;         /* borrowed from the scenario */
  const struct fy_node *at; /* where the scenario names it */
  const char *path;         /* key path for messages (literal or buf) */
  char path_buf[ES_YAML_PATH_MAX];
};

/* Everything the passes share; lives for one es_scenario_load call. */
struct es__scenario_loader {
  struct es_scenario *sc;
  struct es_yaml y;
  struct es_diag_list *dl;
  struct es_error *err;
  char *dir; /* folder of the scenario file as typed, "" for the cwd */

  bool version_ok;
  bool stages_ok; /* every stage has valid, unique name and ages */
  bool ages_ok;   /* max_age known and consistent with the stages */
  bool rates_ok;  /* the per-age rates were read (for the MODEL 3.2 check) */
  bool regions_ok;

  const struct fy_node *years_key; /* the years mapping, or NULL */
  const struct fy_node *data_key[ES_DATA_COUNT]; /* key nodes, or NULL */
  const struct fy_node *pool_node[ES_SCENARIO_MAX_STAGES];
  const struct fy_node *migration_key;    /* demography.migration */
  const struct fy_node *destinations_key; /* ...destinations, or NULL */
  const struct fy_node *model_node;       /* ...destinations.model */
  const struct fy_node *rank_weights_key[ES_SCENARIO_MAX_STRATEGIES];
  const struct fy_node *blend_node[ES_SCENARIO_MAX_STRATEGIES][2];
  char *blend_name[ES_SCENARIO_MAX_STRATEGIES][2]; /* owned */

  size_t n_columns;
  struct es__scenario_column columns[MAX_COLUMNS];

  /* Paths a base in another folder wrote, rewritten for resolved_text. */
  struct fy_node *data_map;           /* the merged data mapping, or NULL */
  bool data_rewritten[ES_DATA_COUNT]; /* data[role].given was rewritten */
  struct fy_node *output_map;         /* the merged output mapping, or NULL */
  char *output_given; /* output.file rewritten, or NULL (owned) */
};

/** @brief The key of the data mapping for @p role ("regions", ...). A
 * function, not a shared table: no global object (STYLE 14). */
const char *es__scenario_data_key(enum es_data_role role);

/** @brief The node an alias points to, or @p node itself. */
static inline struct fy_node *es__scenario_resolved(struct fy_node *node) {
  if (node != NULL && fy_node_is_alias(node)) {
    return fy_node_resolve_alias(node);
  }
  return node;
}

/** @brief The folder part of @p path ("" when it has none; "/" for a root
 * file), as a new string (NULL when out of memory). */
char *es__scenario_folder_of(const char *path);

/** @brief Pass 1 and 2: read every key of the merged document into
 * ld->sc, with the checks of each key and across keys; problems go to the
 * diagnostics. */
void es__scenario_read_keys(struct es__scenario_loader *ld);

/** @brief Pass 3 and 4: read the data files, check them against the keys
 * and build the model parameters.
 * @return ES_OK (problems are diagnostics) or ES_ENOMEM */
int es__scenario_load_data(struct es__scenario_loader *ld);

/** @brief sc->resolved_text: the merged document, with the paths a base in
 * another folder wrote rewritten relative to the scenario's folder.
 * @return ES_OK or ES_ENOMEM */
int es__scenario_make_resolved_text(struct es__scenario_loader *ld);

#endif /* ES_SCENARIOS_SCENARIO_IMPL_H */
