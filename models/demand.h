/* demand.h: pupils per region and stage, and the early-warning flag
 * (MODEL 4 and 8).
 *
 * Students of stage k in region r are the enrolled residents of its ages:
 * D[r][k] = e_k * sum L + e^M_k * sum M. Registered students count the children
 * whose hukou is here, wherever they live: H[r][k] = e_k * sum (L + X). The
 * early warning compares the expected students W years ahead with today's. */
#ifndef ES_MODELS_DEMAND_H
#define ES_MODELS_DEMAND_H

#include <stddef.h>

#include "models/population.h"
#include "models/stage.h"

/**
 * @brief Students and registered students of every region and stage (MODEL 4).
 * @param students    out [n_regions * n_stages], row-major [region][stage],
 *                    pupils; may be NULL
 * @param registered  out [n_regions * n_stages], pupils; may be NULL
 * Every stage's ages must lie inside 0..p->n_ages-1 (checked by the loader).
 */
void es_demand_compute(const struct es_population *p,
                       const struct es_stage *stages, size_t n_stages,
                       double *students, double *registered);

/** Early-warning thresholds (MODEL 8). */
struct es_warning_params {
  int horizon_years; /* W: how far ahead the projection looks, years >= 1 */
  double rise;       /* flag +1 when D(t+W)/D(t) - 1 > rise, >= 0 */
  double fall;       /* flag -1 when D(t+W)/D(t) - 1 < -fall, >= 0 */
};

/** @brief The warning flag of MODEL 8: +1, -1 or 0 for pupils now and the
 * expected pupils W years ahead (when now is 0: +1 if ahead > 0, else 0). */
int es_warning_flag(const struct es_warning_params *wp, double students_now,
                    double students_ahead);

#endif /* ES_MODELS_DEMAND_H */
