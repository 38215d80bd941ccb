/* scenario.h: one scenario, read from its YAML file and CSV data, checked and
 * immutable afterwards.
 *
 * es_scenario_load parses the YAML file (format version 1, DESIGN "Scenario
 * file") with libfyaml, follows its `extends` chain and merges the files
 * (mappings key by key, lists and scalars replaced), reads every key through
 * a getter that marks it used, reports unknown keys, resolves data paths
 * relative to the file that wrote them,
 * loads the CSV data (data.h), checks every cross-reference (stage ages inside
 * max_age, strategy names, columns named by the scenario) and builds the model
 * parameters (destinations, population parameters). Every problem becomes a
 * diagnostic with file:line:column; up to ES_DIAG_MAX are reported at once. */
#ifndef ES_SCENARIOS_SCENARIO_H
#define ES_SCENARIOS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/apportion.h"
#include "models/demand.h"
#include "models/error.h"
#include "models/migration.h"
#include "models/population.h"
#include "models/stage.h"
#include "models/strategy.h"
#include "scenarios/data.h"

/** Start of the notice given for `replicates` in a deterministic scenario
 * (the command line may still run it in stochastic mode with --mode). */
#define ES_SCENARIO_NOTICE_REPLICATES "replicates: used only in stochastic mode"

/** Scenario format version this build reads. */
#define ES_SCENARIO_FORMAT_VERSION 1
/** Limits of DESIGN "Scenario file". */
#define ES_SCENARIO_MAX_STAGES     16
#define ES_SCENARIO_MAX_STRATEGIES 32
#define ES_SCENARIO_MAX_STATISTICS 32
/** Most replicates of a stochastic run (the command line's -r too). */
#define ES_SCENARIO_MAX_REPLICATES 1000000

enum es_mode { ES_MODE_DETERMINISTIC, ES_MODE_STOCHASTIC };

/** @brief "deterministic" or "stochastic". */
const char *es_mode_name(enum es_mode mode);

/** How movers choose destinations (MODEL 3.5). */
enum es_destination_model {
  ES_DESTINATIONS_NONE,    /* every mover leaves the system */
  ES_DESTINATIONS_MATRIX,  /* od.csv */
  ES_DESTINATIONS_GRAVITY, /* gravity model over lat/lon */
};

/** The data files of a scenario, in this order in sources[]. */
enum es_data_role {
  ES_DATA_REGIONS,
  ES_DATA_POPULATION,
  ES_DATA_TEACHERS,
  ES_DATA_SEATS,
  ES_DATA_MIGRATION,
  ES_DATA_COUNT
};

/** A file the scenario was read from, kept verbatim for the results. */
struct es_scenario_file {
  bool present; /* false for an optional file the scenario omits */
  char *given;  /* path as written (owned): for the scenario, as passed to
                   es_scenario_load; for a base, its `extends` value; for a
                   data file, relative to the scenario file's folder as in
                   resolved_text (a path a base in another folder wrote is
                   rewritten, see docs/scenario-format.md) */
  char *path;   /* path used to open it (relative to the cwd) (owned) */
  char *bytes;  /* content (owned), NUL-terminated */
  size_t size;  /* bytes, without the NUL */
};

struct es_scenario {
  /* the files themselves */
  struct es_scenario_file file;   /* the YAML file given */
  size_t n_bases;                 /* files of its extends chain, 0..15 */
  struct es_scenario_file *bases; /* [n_bases] from the base the file extends
                                     to the root of the chain (owned) */
  char *resolved_text; /* the scenario with extends resolved: the merged
                          document as YAML (block style, no comments, no
                          extends, aliases expanded), data paths and
                          output.file relative to file's folder; loading it
                          from that folder gives the same scenario (owned) */
  struct es_scenario_file data[ES_DATA_COUNT]; /* by enum es_data_role */

  /* identity and run control */
  int format_version;  /* "edusim", 1 */
  char *name;          /* letters, digits, . _ - */
  char *description;   /* free text, or NULL */
  int year_start;      /* t0 */
  int year_end;        /* t1 >= t0 */
  enum es_mode mode;   /* default deterministic */
  uint64_t replicates; /* stochastic mode, default 100, >= 1 */
  uint64_t seed;       /* default 1 */
  size_t max_age;      /* A, default the oldest stage age */
  enum es_apportion_method apportionment; /* default webster */
  char *currency;                         /* default "CNY" */

  /* data */
  struct es_region_table regions;
  struct es_population initial; /* L, M, X at t0 */
  int64_t *teachers;            /* [n_regions * n_stages] at t0 */
  int64_t *seats;               /* [n_regions * n_stages] at t0 */

  /* stages */
  size_t n_stages;
  struct es_stage *stages;  /* [n_stages] (owned) */
  bool has_cross_stage;     /* MODEL 5.2d */
  double cross_stage_share; /* sigma, 0..1 */
  size_t n_cross_from;
  size_t *cross_from; /* stage indices, in list order (owned) */
  size_t n_cross_to;
  size_t *cross_to; /* stage indices, in list order (owned) */

  /* demography (MODEL 3) */
  double *mortality;            /* [n_ages] q */
  double *local_out_rate;       /* [n_ages] mL base */
  double *migrant_out_rate;     /* [n_ages] mM base */
  double *return_rate;          /* [n_ages] rho */
  double *external_in_rate;     /* [n_ages] eps */
  char *rate_multiplier_column; /* or NULL (owned) */
  size_t n_fertility_points;
  int *fertility_year;     /* [n_fertility_points] ascending (owned) */
  double *fertility_index; /* [n_fertility_points] (owned) */
  enum es_destination_model destination_model;
  struct es_gravity_params gravity;    /* gravity model parameters */
  char *attraction_column;             /* gravity: regions.csv column (owned) */
  struct es_destinations destinations; /* built D */
  double *migrant_birth_share;         /* [n_regions] mu (column or default) */
  struct es_population_params population_params; /* points into the above */

  /* strategies (MODEL 5.1) */
  size_t n_strategies;
  struct es_strategy_spec *strategies; /* [n_strategies] (owned) */

  /* early warning (MODEL 8) */
  struct es_warning_params warning;

  /* output */
  char *output_file; /* as resolved (relative to the file that wrote it),
                        or NULL: default results/<name>.h5 */
  size_t n_statistics;
  char **statistics;     /* requested statistics (owned) */
  bool region_quantiles; /* default false */
};

/**
 * @brief Load and check the scenario at @p path.
 * @param sc  out: a scenario to free with es_scenario_free, or NULL when the
 *            input has errors (then @p dl lists them) or on a runtime failure
 * @return ES_OK, ES_EINPUT (see @p dl; an unreadable base file is an input
 *         error at its `extends`; a scenario file that is not a regular file
 *         or is over ES_FILE_MAX_YAML is an error at its line 1, column 1),
 *         ES_EIO (a scenario file that cannot be opened or read), ES_ENOMEM
 */
int es_scenario_load(const char *path, struct es_scenario **sc,
                     struct es_diag_list *dl, struct es_error *err);

/**
 * @brief An upper bound of the children (local + migrant + away, all regions
 * and ages) any year of a projection of @p sc can hold, in expectation:
 * 2 x G x (P0 + T x B), with G the product over ages of (1 +
 * external_in_rate), P0 the children at t0, T the years projected plus the
 * look-ahead of the warning and of forecasts (the longest horizon) and B the
 * births of all regions in a year at the largest fertility index and the
 * largest adult growth factor reached. The loader refuses a scenario whose
 * bound exceeds 1e12 (docs/scenario-format.md "Value bounds").
 * @param sc a loaded scenario (borrowed)
 * @return the bound, persons (may be +inf)
 */
double es_scenario_children_bound(const struct es_scenario *sc);

/** @brief Free a scenario and everything it owns. Accepts NULL. */
void es_scenario_free(struct es_scenario *sc);

/**
 * @brief @p given relative to the folder @p dir, as the user would type it
 * from the current directory (not API; used by the loader and its tests).
 * Absolute paths are kept; "." components and "name/.." pairs are removed
 * lexically, so dir "scenarios/x" and given "../../results/a.h5" give
 * "results/a.h5" (a symbolic link to a folder is not followed). An empty
 * @p dir is the current directory.
 * @return a new string (owned by the caller), or NULL when out of memory
 */
char *es__scenario_resolve_path(const char *dir, const char *given);

/**
 * @brief @p target (a path relative to the cwd, or absolute) written relative
 * to the folder @p dir, so that es__scenario_resolve_path(dir, result) names
 * the same file (not API; used for the resolved text of a scenario whose base
 * is in another folder, and by its tests): dir "a/b" and target "a/c/d.csv"
 * give "../c/d.csv". When the text alone cannot say it (dir climbs out of a
 * folder whose name only the cwd knows, or dir is absolute and target not)
 * the result is absolute, from getcwd().
 * @return a new string (owned by the caller), or NULL when out of memory
 */
char *es__scenario_relative_path(const char *dir, const char *target);

/** @brief Number of ages tracked (max_age + 1). */
static inline size_t es_scenario_n_ages(const struct es_scenario *sc) {
  return sc->max_age + 1;
}

/** @brief Number of years recorded (t1 - t0 + 1). */
static inline size_t es_scenario_n_years(const struct es_scenario *sc) {
  return (size_t)(sc->year_end - sc->year_start) + 1;
}

#endif /* ES_SCENARIOS_SCENARIO_H */
