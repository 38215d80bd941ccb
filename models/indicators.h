/* indicators.h: what a year of supply looks like, region by region and for
 * the whole system (MODEL 7).
 *
 * Region records: pupils per teacher, the teacher gap to the staffing
 * standard, students without a seat and seats without a student, and the two
 * exceedance flags (seats short, PTR over the standard) whose mean over
 * replicates is the probability planners ask for. System indicators, per
 * stage: totals, the shares of students without a seat and in regions over the
 * standard, the Gini and Theil indices of teachers per student weighted by
 * students (Theil split into between- and within-province parts), and the
 * year's cost. Everything here is a pure function of one year's arrays; the
 * workspace for the sorting is allocated once (STYLE 12). */
#ifndef ES_MODELS_INDICATORS_H
#define ES_MODELS_INDICATORS_H

#include <stddef.h>
#include <stdint.h>

#include "models/error.h"
#include "models/stage.h"

/** One year's state and flows of every region and stage (borrowed arrays,
 * row-major [region][stage], index r * n_stages + k). */
struct es_indicators_input {
  size_t n_regions;            /* regions, in file order */
  size_t n_stages;             /* stages */
  const double *students;      /* [r][k] D: students, finite, >= 0 */
  const int64_t *teachers;     /* [r][k] T: teachers, >= 0 */
  const int64_t *seats;        /* [r][k] C: seats, >= 0 */
  const int64_t *hires;        /* [r][k] teachers hired this year, or NULL
                                  (none, as at t0) */
  const int64_t *transfers_in; /* [r][k] teachers arrived by transfer this
                                  year, or NULL (none) */
  const int64_t *seats_built;  /* [r][k] seats built this year, or NULL */
  const int64_t *seats_closed; /* [r][k] seats closed this year, or NULL */
  const size_t *group;         /* [r] province of each region, 0..n_groups-1,
                                  or NULL: all regions form one group */
  size_t n_groups;             /* provinces (ignored when group is NULL) */
};

/** Caller-owned outputs of the region records, each [r][k] (MODEL 7). */
struct es_indicators_records {
  double *ptr;           /* D/T, students per teacher; NaN when T = 0 */
  double *teacher_gap;   /* D/ptr_k - T, teachers short (< 0: surplus) */
  double *unmet_seats;   /* max(0, D - C), students without a seat */
  double *idle_seats;    /* max(0, C - D), seats without a student */
  double *over_capacity; /* 1 if D > C else 0 */
  double *over_standard; /* 1 if D > 0 and (T = 0 or D/T > ptr_k) else 0 */
};

/** The system indicators of one stage in one year (MODEL 7). */
struct es_indicators {
  double students;     /* sum D over regions, students */
  double teachers;     /* sum T over regions, teachers */
  double seats;        /* sum C over regions, seats */
  double unmet_seats;  /* sum max(0, D - C), students without a seat */
  double idle_seats;   /* sum max(0, C - D), empty seats */
  double hires;        /* teachers hired this year */
  double transfers;    /* teachers moved between regions this year (sum of
                          transfers_in) */
  double seats_built;  /* seats built this year */
  double seats_closed; /* seats closed this year */
  double unmet_share;  /* unmet_seats / students, 0..1; NaN when no student */
  double over_standard_share; /* share of students in regions over the PTR
                                 standard (T = 0 counts as over), 0..1; NaN
                                 when no student */
  double gini;                /* Gini of teachers per student over regions with
                                 D > 0, weighted by D, 0..1 (dimensionless); 0 when
                                 no teacher serves them, NaN when no student */
  double theil;               /* Theil T index of the same, >= 0 (nats) */
  double theil_between;       /* between-province part of theil, >= 0 (nats) */
  double theil_within; /* within-province part; between + within = theil */
  double cost;         /* salary_k * teachers + build_cost_k * seats_built,
                          scenario currency per year */
};

/** Scratch space for up to n_regions_max regions and n_groups_max provinces
 * (STYLE 12). Opaque. */
struct es_indicators_ws;

/**
 * @brief Allocate a workspace for up to @p n_regions_max regions in up to
 * @p n_groups_max provinces (at least one is always available).
 * @return the workspace, or NULL with @p err set to ES_ENOMEM
 */
struct es_indicators_ws *es_indicators_ws_alloc(size_t n_regions_max,
                                                size_t n_groups_max,
                                                struct es_error *err);
/** @brief Free a workspace. Accepts NULL. */
void es_indicators_ws_free(struct es_indicators_ws *ws);

/**
 * @brief The region records of every region and stage for one year
 * (MODEL 7). Allocates nothing.
 * @param in      the year's arrays (borrowed); the flows, group and n_groups
 *                are not read
 * @param stages  [in->n_stages] stages (borrowed); ptr_standard is read
 * @param out     caller-owned arrays of in->n_regions * in->n_stages values,
 *                each written in full
 * @return ES_OK; ES_EINVAL (nothing written) for a NULL array, a negative or
 *         non-finite student count, a negative teacher or seat count, or a
 *         PTR standard that is not a positive finite number
 */
int es_indicators_records(const struct es_indicators_input *in,
                          const struct es_stage *stages,
                          const struct es_indicators_records *out,
                          struct es_error *err);

/**
 * @brief The system indicators of stage @p i_stage for one year (MODEL 7).
 * Sums run in ascending region order, so the result is the same bit for bit
 * from run to run. O(n log n) in the regions (the Gini sorts them). Allocates
 * nothing.
 * @param in       the year's arrays (borrowed)
 * @param stages   [in->n_stages] stages (borrowed); ptr_standard, salary and
 *                 build_cost are read
 * @param i_stage  the stage, < in->n_stages
 * @param out      the indicators (written in full on ES_OK)
 * @param ws       workspace for at least in->n_regions regions and
 *                 in->n_groups provinces
 * @return ES_OK; ES_EINVAL for any input es_indicators_records rejects, a
 *         negative flow, i_stage out of range, a group id >= n_groups, or a
 *         problem larger than the workspace
 */
int es_indicators_stage(const struct es_indicators_input *in,
                        const struct es_stage *stages, size_t i_stage,
                        struct es_indicators *out, struct es_indicators_ws *ws,
                        struct es_error *err);

/**
 * @brief es_indicators_stage for every stage: @p out[k] for stage k.
 * @param out  [in->n_stages] indicators (caller-owned)
 * @return as es_indicators_stage (stops at the first failure)
 */
int es_indicators_system(const struct es_indicators_input *in,
                         const struct es_stage *stages,
                         struct es_indicators *out, struct es_indicators_ws *ws,
                         struct es_error *err);

#endif /* ES_MODELS_INDICATORS_H */
