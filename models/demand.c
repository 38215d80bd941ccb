/* demand.c: pupils per region and stage, and the early-warning flag (MODEL 4,
 * 8).
 *
 * Students of stage k (ages a_lo..a_hi) in region r are the enrolled residents
 * (MODEL 4): D[r][k] = e_k * sum_a L[r][a] + e^M_k * sum_a M[r][a], where e_k
 * is the enrolment of local children and e^M_k that of migrant children
 * (随迁子女). Registered students count the children whose hukou is here,
 * wherever they live: H[r][k] = e_k * sum_a (L + X)[r][a]. The early warning
 * (学龄人口变化监测预警, MODEL 8) flags a region whose expected students W
 * years ahead rise or fall by more than the scenario's thresholds. */
#include "models/demand.h"

void es_demand_compute(const struct es_population *p,
                       const struct es_stage *stages, const size_t n_stages,
                       double *students, double *registered) {
  for (size_t r = 0; r < p->n_regions; r++) {
    for (size_t k = 0; k < n_stages; k++) {
      const struct es_stage *st = &stages[k];
      double sum_l = 0.0;
      double sum_m = 0.0;
      double sum_lx = 0.0;
      for (size_t a = st->age_lo; a <= st->age_hi; a++) {
        const size_t i = es_population_idx(p, r, a);
        sum_l += p->local[i];
        sum_m += p->migrant[i];
        sum_lx += p->local[i] + p->away[i];
      }
      if (students != NULL) {
        students[r * n_stages + k] =
            st->enrollment * sum_l + st->migrant_enrollment * sum_m;
      }
      if (registered != NULL) {
        registered[r * n_stages + k] = st->enrollment * sum_lx;
      }
    }
  }
}

int es_warning_flag(const struct es_warning_params *wp,
                    const double students_now, const double students_ahead) {
  /* MODEL 8: from nothing, any expected pupil is a rise. */
  if (students_now == 0.0) {
    return students_ahead > 0.0 ? 1 : 0;
  }
  const double change = students_ahead / students_now - 1.0;
  if (change > wp->rise) {
    return 1;
  }
  if (change < -wp->fall) {
    return -1;
  }
  return 0;
}
