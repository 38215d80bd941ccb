/* stage.h: a school stage (学段) and its staffing, building and cost rules.
 *
 * A stage is an age range (preschool 3-5, primary 6-11, ...) with the enrolment
 * rates of MODEL 4 and the supply rules of MODEL 5.2-5.3. The scenario loader
 * fills one struct es_stage per stage; the models only read it. */
#ifndef ES_MODELS_STAGE_H
#define ES_MODELS_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Mobility pool inside which teachers transfer (MODEL 5.2e). */
enum es_pool {
  ES_POOL_NONE,       /* no transfers */
  ES_POOL_PREFECTURE, /* regions of the same prefecture */
  ES_POOL_PROVINCE,   /* regions of the same province */
  ES_POOL_ZONE,       /* regions of the same zone (regions.csv column zone) */
  ES_POOL_ALL,        /* every region */
};

/** @brief The scenario name of @p pool ("none", "prefecture", ...). */
const char *es_pool_name(enum es_pool pool);
/** @brief Parse a pool name; false when @p name is not one. */
bool es_pool_from_name(const char *name, enum es_pool *pool);

/** One school stage with its rules (DESIGN "stages", MODEL 4-5). */
struct es_stage {
  char *name;                 /* unique, e.g. "primary" (owned) */
  size_t age_lo;              /* first age of the stage, years */
  size_t age_hi;              /* last age of the stage, years (inclusive) */
  double enrollment;          /* e_k: share of local children enrolled, 0..1 */
  double migrant_enrollment;  /* e^M_k: share of migrant children, 0..1 */
  double ptr_standard;        /* pupils per teacher allowed, > 0 */
  int64_t min_teachers;       /* f_k: floor for a region with pupils */
  double teacher_attrition;   /* alpha_k: share leaving per year, 0..1 */
  bool has_hiring_cap;        /* false = unlimited hiring */
  int64_t hiring_cap;         /* cap_k: teachers hired per year */
  double transfer_share;      /* tau_k: share of a region's teachers that may
                                 move per year, 0..1 */
  enum es_pool transfer_pool; /* where transfers may go */
  bool has_construction;      /* false = no seats are ever built */
  int64_t construction_cap;   /* seats built per year, whole system */
  int64_t lead_time_years;    /* years from decision to completion, >= 0 */
  double consolidation_share; /* chi: share of seats closable per year */
  double consolidation_slack; /* s: spare capacity kept before closing */
  double salary;              /* cost per teacher-year, scenario currency */
  double build_cost;          /* cost per seat built, scenario currency */
};

/** @brief Number of ages the stage spans (age_hi - age_lo + 1). */
static inline size_t es_stage_n_ages(const struct es_stage *stage) {
  return stage->age_hi - stage->age_lo + 1;
}

/** @brief Set every field of @p stage to the documented defaults
 * (enrollment 1, no hiring cap, no transfers, no construction, ...), with the
 * name and ages left empty. */
void es_stage_set_defaults(struct es_stage *stage);

#endif /* ES_MODELS_STAGE_H */
