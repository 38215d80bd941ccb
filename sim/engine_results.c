/* engine_results.c: the layout of the results in memory (DESIGN "Output",
 * docs/output-format.md): their axes and coordinates, the provenance of the
 * run (scenario and data files, command, version, seed) and every variable
 * of the groups population, demand, schools, indicators and, in stochastic
 * mode, indicators_replicates, with its long name and units. In
 * deterministic mode the replicate buffer points straight into the results;
 * in stochastic mode the accumulator does. */
#include <stdlib.h>
#include <string.h>

#include "models/strings.h"
#include "sim/engine_impl.h"
#include "sim/version.h"

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

/* Set the axes and coordinates of @p res. */
int es__engine_fill_coordinates(const struct es_engine_plan *pl,
                                struct es_results *res, struct es_error *err) {
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

int es__engine_fill_provenance(const struct es_engine_plan *pl,
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
int es__engine_add_variables(const struct es_engine_plan *pl,
                             struct es_results *res, struct es_engine_buf *buf,
                             struct es_engine_acc *acc, double **indicator,
                             struct es_error *err) {
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
