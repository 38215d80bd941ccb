/* scenario_data.c: passes 3 and 4 of the scenario loader (scenario.c): the
 * data files are read, relative to the file that names them; regions.csv
 * first, so that every column the scenario names (transfer pools, lat/lon for
 * the gravity model, multipliers, attraction) is checked at the YAML place
 * that names it and every rank of the regions has a weight in each rank
 * strategy; then population, teachers, seats and od.csv (data.c reads each).
 * Then the model parameters are built: the destination matrix D of MODEL 3.5,
 * the migrant birth share mu of MODEL 3.4 and the population parameters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "models/strings.h"
#include "scenarios/csv.h"
#include "scenarios/data.h"
#include "scenarios/scenario.h"
#include "scenarios/scenario_impl.h"
#include "scenarios/yaml_reader.h"

/* regions.csv columns that hold numbers (data.h) and those that do not. */
static const char *const numeric_standard_columns[] = {
    "births", "lat", "lon", "adult_pop", "adult_growth", "migrant_birth_share"};
static const char *const text_standard_columns[] = {
    "code", "name", "rank", "province", "prefecture", "zone"};

static bool in_list(const char *const *names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(names[i], name) == 0) {
      return true;
    }
  }
  return false;
}

/* ---- pass 3: the data files --------------------------------------------- */

/* Read every data file named by the scenario. @return ES_OK or ES_ENOMEM. */
static int read_data_files(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  for (size_t role = 0; role < ES_DATA_COUNT; role++) {
    struct es_scenario_file *f = &sc->data[role];
    if (!f->present) {
      continue;
    }
    struct es_error ferr;
    es_error_clear(&ferr);
    int rc = es_file_read(f->path, &f->bytes, &f->size, &ferr);
    if (rc == ES_ENOMEM) {
      return ES_FAIL(ld->err, ES_ENOMEM, "%s", ferr.message);
    }
    if (rc != ES_OK) {
      es_yaml_error(&ld->y, ld->data_key[role], "data.%s: %s",
                    es__scenario_data_key((enum es_data_role)role),
                    ferr.message);
      f->bytes = NULL;
      f->size = 0;
    }
  }
  return ES_OK;
}

/* Check every column the scenario names against regions.csv's header, at the
 * YAML place that names it, and list the extra (non-standard) ones. */
static int check_named_columns(struct es__scenario_loader *ld,
                               const char **extra, size_t *n_extra) {
  struct es_scenario *sc = ld->sc;
  const struct es_scenario_file *f = &sc->data[ES_DATA_REGIONS];
  struct es_csv csv;
  memset(&csv, 0, sizeof csv);
  struct es_diag_list scratch; /* the loader proper reports CSV problems */
  es_diag_list_init(&scratch);
  struct es_error cerr;
  es_error_clear(&cerr);
  int rc = es_csv_parse(&csv, f->path, f->bytes, f->size, &scratch, &cerr);
  es_diag_list_clear(&scratch);
  *n_extra = 0;
  if (rc == ES_ENOMEM) {
    es_csv_clear(&csv);
    return ES_FAIL(ld->err, ES_ENOMEM, "%s", cerr.message);
  }
  if (rc != ES_OK || csv.header.n_fields == 0) {
    /* An unreadable or empty file: the regions loader reports it, and
     * naming every column as missing would only bury that error. */
    es_csv_clear(&csv);
    return ES_OK;
  }
  for (size_t i = 0; i < ld->n_columns; i++) {
    const struct es__scenario_column *c = &ld->columns[i];
    size_t n_text =
        sizeof text_standard_columns / sizeof *text_standard_columns;
    size_t n_num =
        sizeof numeric_standard_columns / sizeof *numeric_standard_columns;
    if (in_list(text_standard_columns, n_text, c->name)) {
      es_yaml_error(&ld->y, c->at,
                    "%s: column '%s' of regions.csv is not numeric (expected "
                    "a numeric column)",
                    c->path, c->name);
      continue;
    }
    if (es_csv_column(&csv, c->name) == ES_CSV_NO_COLUMN) {
      es_yaml_error(&ld->y, c->at, "%s: %s has no column '%s'", c->path,
                    f->path, c->name);
      continue;
    }
    if (!in_list(numeric_standard_columns, n_num, c->name) &&
        !in_list(extra, *n_extra, c->name)) {
      extra[(*n_extra)++] = c->name;
    }
  }
  es_csv_clear(&csv);
  return ES_OK;
}

/* The first region where @p values is negative, or SIZE_MAX. */
static size_t first_negative(const double *values, size_t n) {
  for (size_t r = 0; r < n; r++) {
    if (!(values[r] >= 0.0)) {
      return r;
    }
  }
  return SIZE_MAX;
}

/* Checks that need the region table (pass 3, after regions.csv). */
static void check_against_regions(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_yaml *y = &ld->y;
  const struct es_region_table *t = &sc->regions;

  /* Transfer pools need their column (MODEL 5.2e). */
  for (size_t k = 0; k < sc->n_stages; k++) {
    enum es_pool pool = sc->stages[k].transfer_pool;
    bool missing = (pool == ES_POOL_PREFECTURE && t->prefecture == NULL) ||
                   (pool == ES_POOL_PROVINCE && t->province == NULL) ||
                   (pool == ES_POOL_ZONE && t->zone == NULL);
    if (missing && ld->pool_node[k] != NULL) {
      es_yaml_error(y, ld->pool_node[k],
                    "stages[%zu].transfer.pool: pool %s needs column %s in "
                    "%s",
                    k, es_pool_name(pool), es_pool_name(pool),
                    sc->data[ES_DATA_REGIONS].path);
    }
  }

  /* Named columns: values >= 0, and point the strategies at theirs. */
  for (size_t i = 0; i < ld->n_columns; i++) {
    const struct es__scenario_column *c = &ld->columns[i];
    const double *values = es_region_table_column(t, c->name);
    if (values == NULL) {
      continue; /* reported by check_named_columns */
    }
    size_t r = first_negative(values, t->n_regions);
    if (r != SIZE_MAX) {
      es_yaml_error(y, c->at,
                    "%s: column '%s' is %g for region %s (expected values >= "
                    "0)",
                    c->path, c->name, values[r], t->code[r]);
    }
  }
  for (size_t s = 0; s < sc->n_strategies; s++) {
    struct es_strategy_spec *spec = &sc->strategies[s];
    if (spec->multiplier_column != NULL) {
      spec->multiplier = es_region_table_column(t, spec->multiplier_column);
    }
  }

  /* Gravity needs coordinates (MODEL 3.5). */
  if (sc->destination_model == ES_DESTINATIONS_GRAVITY &&
      (t->lat == NULL || t->lon == NULL)) {
    es_yaml_error(y, ld->destinations_key,
                  "demography.migration.destinations: model gravity needs "
                  "columns lat and lon in %s",
                  sc->data[ES_DATA_REGIONS].path);
  }

  /* Every rank present needs a weight in every rank strategy. */
  for (size_t s = 0; s < sc->n_strategies; s++) {
    const struct es_strategy_spec *spec = &sc->strategies[s];
    if (spec->basis != ES_BASIS_RANK || ld->rank_weights_key[s] == NULL ||
        spec->rank_weight_rank == NULL) {
      continue;
    }
    for (size_t r = 0; r < t->n_regions; r++) {
      double w = 0.0;
      bool seen = false;
      for (size_t q = 0; q < r && !seen; q++) {
        seen = t->rank[q] == t->rank[r];
      }
      if (!seen && !es_strategy_rank_weight(spec, t->rank[r], &w)) {
        es_yaml_error(y, ld->rank_weights_key[s],
                      "strategies[%zu].rank_weights: no weight for rank "
                      "%lld (region %s has rank %lld)",
                      s, (long long)t->rank[r], t->code[r],
                      (long long)t->rank[r]);
      }
    }
  }

  /* MODEL 3.2: migrants return or move on with probabilities that sum to at
   * most 1, and local out-moves are probabilities, after the multiplier. */
  if (!ld->rates_ok) {
    return;
  }
  const double *mult =
      sc->rate_multiplier_column != NULL
          ? es_region_table_column(t, sc->rate_multiplier_column)
          : NULL;
  if (sc->rate_multiplier_column != NULL && mult == NULL) {
    return;
  }
  bool reported_migrant = false, reported_local = false;
  for (size_t r = 0; r < t->n_regions; r++) {
    double f = mult != NULL ? mult[r] : 1.0;
    for (size_t a = 0; a <= sc->max_age; a++) {
      double migrant = sc->return_rate[a] + sc->migrant_out_rate[a] * f;
      if (migrant > 1.0 && !reported_migrant) {
        es_yaml_error(y, ld->migration_key,
                      "demography.migration: return_rate + migrant_out_rate "
                      "x rate_multiplier is %g for region %s at age %zu "
                      "(expected <= 1, MODEL 3.2)",
                      migrant, t->code[r], a);
        reported_migrant = true;
      }
      double local = sc->local_out_rate[a] * f;
      if (local > 1.0 && !reported_local) {
        es_yaml_error(y, ld->migration_key,
                      "demography.migration: local_out_rate x rate_multiplier "
                      "is %g for region %s at age %zu (expected <= 1)",
                      local, t->code[r], a);
        reported_local = true;
      }
    }
  }
}

/* The parts of es_scenario_children_bound, for its error message. */
struct children_bound {
  double growth;   /* G: product over ages of 1 + external_in_rate */
  double n_steps;  /* T: years projected, look-ahead included */
  double children; /* P0: children at t0, persons */
  double births;   /* B: births a year, all regions, at their largest */
  double bound;    /* 2 G (P0 + T B), persons */
};

static struct children_bound children_bound_of(const struct es_scenario *sc) {
  struct children_bound b = {.growth = 1.0};
  /* The look-ahead of the warning and of forecasts projects past year_end
   * (sim/engine.c). */
  int ahead = sc->warning.horizon_years;
  for (size_t s = 0; s < sc->n_strategies; s++) {
    if (sc->strategies[s].basis == ES_BASIS_FORECAST &&
        sc->strategies[s].horizon_years > ahead) {
      ahead = sc->strategies[s].horizon_years;
    }
  }
  b.n_steps = (double)(sc->year_end - sc->year_start + ahead);
  /* External arrivals multiply a cohort's residents by at most 1 + eps[a] a
   * year, over the ages it lives through. */
  for (size_t a = 0; a <= sc->max_age && sc->external_in_rate != NULL; a++) {
    b.growth *= 1.0 + sc->external_in_rate[a];
  }
  double f_max = sc->n_fertility_points > 0 ? 0.0 : 1.0;
  for (size_t i = 0; i < sc->n_fertility_points; i++) {
    f_max = fmax(f_max, sc->fertility_index[i]);
  }
  /* Births of year t are births F(t-1) (1 + g)^(t-1-t0): the largest factor
   * is at the last step for g > 0, at t0 otherwise. */
  const struct es_region_table *t = &sc->regions;
  for (size_t r = 0; r < t->n_regions; r++) {
    const double g = t->adult_growth != NULL ? t->adult_growth[r] : 0.0;
    const double trend =
        g > 0.0 && b.n_steps > 1.0 ? pow(1.0 + g, b.n_steps - 1.0) : 1.0;
    b.births += t->births[r] > 0.0 ? t->births[r] * f_max * trend : 0.0;
  }
  const size_t n_cells = sc->initial.n_regions * sc->initial.n_ages;
  for (size_t i = 0; i < n_cells; i++) {
    b.children +=
        sc->initial.local[i] + sc->initial.migrant[i] + sc->initial.away[i];
  }
  /* Residents (local + migrant) of a cohort grow by at most G; registered
   * children (local + away) never grow after birth; so every child counts at
   * most twice. */
  b.bound = 2.0 * b.growth * (b.children + b.n_steps * b.births);
  return b;
}

double es_scenario_children_bound(const struct es_scenario *sc) {
  return children_bound_of(sc).bound;
}

/* A projection must stay within CHILDREN_MAX children a year, whatever the
 * draws (docs/scenario-format.md "Value bounds"): a bound from the inputs,
 * reported at the years key. */
static void check_projection_size(struct es__scenario_loader *ld) {
  const struct es_scenario *sc = ld->sc;
  const struct children_bound b = children_bound_of(sc);
  if (b.bound <= CHILDREN_MAX) {
    return;
  }
  es_yaml_error(&ld->y, ld->years_key,
                "years: the projection could reach %.3g children in a year, "
                "more than %.3g (expected fewer children or births, a lower "
                "fertility_index, adult_growth or external_in_rate, or fewer "
                "years: the bound is 2 x %.3g (growth by external arrivals) x "
                "(%.3g children at %d + %.0f years x %.3g births a year))",
                b.bound, CHILDREN_MAX, b.growth, b.children, sc->year_start,
                b.n_steps, b.births);
}

int es__scenario_load_data(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  struct es_error *err = ld->err;
  int rc = read_data_files(ld);
  if (rc != ES_OK) {
    return rc;
  }
  const struct es_scenario_file *reg = &sc->data[ES_DATA_REGIONS];
  if (reg->bytes == NULL) {
    return ES_OK;
  }
  const char *extra[MAX_COLUMNS];
  size_t n_extra = 0;
  rc = check_named_columns(ld, extra, &n_extra);
  if (rc != ES_OK) {
    return rc;
  }
  rc = es_data_load_regions(reg->path, reg->bytes, reg->size, extra, n_extra,
                            &sc->regions, ld->dl, err);
  if (rc == ES_ENOMEM) {
    return rc;
  }
  if (rc != ES_OK) {
    return ES_OK;
  }
  ld->regions_ok = true;
  check_against_regions(ld);

  size_t n_regions = sc->regions.n_regions;
  const struct es_scenario_file *pop = &sc->data[ES_DATA_POPULATION];
  if (ld->ages_ok && pop->bytes != NULL) {
    rc = es_population_init(&sc->initial, n_regions, sc->max_age + 1, err);
    if (rc != ES_OK) {
      return rc;
    }
    rc = es_data_load_population(pop->path, pop->bytes, pop->size, &sc->regions,
                                 sc->max_age, &sc->initial, ld->dl, err);
    if (rc == ES_ENOMEM) {
      return rc;
    }
  }
  if (ld->stages_ok) {
    sc->teachers = calloc(n_regions * sc->n_stages, sizeof *sc->teachers);
    sc->seats = calloc(n_regions * sc->n_stages, sizeof *sc->seats);
    if (sc->teachers == NULL || sc->seats == NULL) {
      return ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for supply tables");
    }
    const struct es_scenario_file *tf = &sc->data[ES_DATA_TEACHERS];
    if (tf->bytes != NULL) {
      rc = es_data_load_stage_table(tf->path, tf->bytes, tf->size, "teachers",
                                    &sc->regions, sc->stages, sc->n_stages,
                                    sc->teachers, ld->dl, err);
      if (rc == ES_ENOMEM) {
        return rc;
      }
    }
    const struct es_scenario_file *sf = &sc->data[ES_DATA_SEATS];
    if (sf->bytes != NULL) {
      rc = es_data_load_stage_table(sf->path, sf->bytes, sf->size, "seats",
                                    &sc->regions, sc->stages, sc->n_stages,
                                    sc->seats, ld->dl, err);
      if (rc == ES_ENOMEM) {
        return rc;
      }
    }
  }

  /* pass 4: model parameters, only for a scenario without errors */
  struct es_od_table od;
  memset(&od, 0, sizeof od);
  const struct es_scenario_file *mf = &sc->data[ES_DATA_MIGRATION];
  if (sc->destination_model == ES_DESTINATIONS_MATRIX && mf->bytes != NULL) {
    rc = es_data_load_od(mf->path, mf->bytes, mf->size, &sc->regions, &od,
                         ld->dl, err);
    if (rc == ES_ENOMEM) {
      goto cleanup;
    }
    rc = ES_OK;
  }
  if (!es_diag_ok(ld->dl) || ld->y.nomem) {
    goto cleanup;
  }
  check_projection_size(ld);
  if (!es_diag_ok(ld->dl)) {
    goto cleanup;
  }
  switch (sc->destination_model) {
    case ES_DESTINATIONS_MATRIX:
      rc = es_destinations_init_od(&sc->destinations, n_regions, od.n_entries,
                                   od.origin, od.destination, od.share, err);
      break;
    case ES_DESTINATIONS_GRAVITY:
      rc = es_destinations_init_gravity(
          &sc->destinations, n_regions, sc->regions.lat, sc->regions.lon,
          es_region_table_column(&sc->regions, sc->attraction_column),
          &sc->gravity, err);
      break;
    default:
      rc = es_destinations_init_none(&sc->destinations, n_regions, err);
      break;
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  sc->migrant_birth_share = calloc(n_regions, sizeof *sc->migrant_birth_share);
  if (sc->migrant_birth_share == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for birth shares");
    goto cleanup;
  }
  if (sc->regions.migrant_birth_share != NULL) {
    memcpy(sc->migrant_birth_share, sc->regions.migrant_birth_share,
           n_regions * sizeof *sc->migrant_birth_share);
  } else {
    es_population_default_birth_share(&sc->initial, sc->migrant_birth_share);
  }
  struct es_population_params *pp = &sc->population_params;
  pp->n_regions = n_regions;
  pp->n_ages = sc->max_age + 1;
  pp->year_start = sc->year_start;
  pp->mortality = sc->mortality;
  pp->local_out_rate = sc->local_out_rate;
  pp->migrant_out_rate = sc->migrant_out_rate;
  pp->return_rate = sc->return_rate;
  pp->external_in_rate = sc->external_in_rate;
  pp->rate_multiplier =
      sc->rate_multiplier_column != NULL
          ? es_region_table_column(&sc->regions, sc->rate_multiplier_column)
          : NULL;
  pp->destinations = &sc->destinations;
  pp->births = sc->regions.births;
  pp->adult_growth = sc->regions.adult_growth;
  pp->migrant_birth_share = sc->migrant_birth_share;
  pp->n_fertility_points = sc->n_fertility_points;
  pp->fertility_year = sc->fertility_year;
  pp->fertility_index = sc->fertility_index;

cleanup:
  es_od_table_clear(&od);
  return rc;
}

/* sc->resolved_text: the merged document, with the paths a base in another
 * folder wrote rewritten relative to the scenario's folder. */
int es__scenario_make_resolved_text(struct es__scenario_loader *ld) {
  struct es_scenario *sc = ld->sc;
  int rc = ES_OK;
  for (size_t role = 0; role < ES_DATA_COUNT && rc == ES_OK; role++) {
    if (ld->data_rewritten[role]) {
      rc = es_yaml_set_string(&ld->y, ld->data_map,
                              es__scenario_data_key((enum es_data_role)role),
                              sc->data[role].given);
    }
  }
  if (rc == ES_OK && ld->output_given != NULL) {
    rc = es_yaml_set_string(&ld->y, ld->output_map, "file", ld->output_given);
  }
  ES_ASSERT(rc != ES_EINVAL); /* the keys were read from these mappings */
  if (rc == ES_OK) {
    sc->resolved_text = es_yaml_emit(&ld->y);
    if (sc->resolved_text == NULL) {
      rc = ES_ENOMEM;
    }
  }
  if (rc != ES_OK) {
    return ES_FAIL(ld->err, rc, "%s", "out of memory for the resolved text");
  }
  return ES_OK;
}
