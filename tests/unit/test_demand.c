/* test_demand.c: students and registered students (MODEL 4) and the early
 * warning flag (MODEL 8), against hand-computed values. */
#include <string.h>

#include "es_test.h"
#include "models/demand.h"
#include "models/population.h"
#include "models/stage.h"

#define N_REGIONS 2
#define N_AGES    7
#define N_STAGES  3

static const double local[N_REGIONS][N_AGES] = {
    {10.5, 11.25, 12.75, 20.5, 21.25, 22.75, 30.5},
    {40.5, 41.25, 42.75, 50.5, 51.25, 52.75, 60.5}};
static const double migrant[N_REGIONS][N_AGES] = {
    {3.5, 4.25, 5.75, 6.5, 7.25, 8.75, 9.5},
    {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5}};
static const double away[N_REGIONS][N_AGES] = {
    {1.5, 2.25, 2.75, 3.5, 4.25, 5.75, 6.5},
    {7.25, 7.25, 7.25, 7.25, 7.25, 7.25, 7.25}};

static void make_stages(struct es_stage *st) {
  for (size_t k = 0; k < N_STAGES; k++) {
    es_stage_set_defaults(&st[k]);
  }
  /* Nursery 0-2 (e 0.5), preschool 3-5 (e 0.85, e^M 0.7), primary 6-6
   * (e 1, e^M 0.95). */
  st[0].age_lo = 0;
  st[0].age_hi = 2;
  st[0].enrollment = 0.5;
  st[0].migrant_enrollment = 0.5;
  st[1].age_lo = 3;
  st[1].age_hi = 5;
  st[1].enrollment = 0.85;
  st[1].migrant_enrollment = 0.7;
  st[2].age_lo = 6;
  st[2].age_hi = 6;
  st[2].enrollment = 1.0;
  st[2].migrant_enrollment = 0.95;
}

static void test_demand(void) {
  struct es_population p;
  struct es_error err;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_population_init(&p, N_REGIONS, N_AGES, &err), ES_OK);
  for (size_t r = 0; r < N_REGIONS; r++) {
    for (size_t a = 0; a < N_AGES; a++) {
      const size_t i = es_population_idx(&p, r, a);
      p.local[i] = local[r][a];
      p.migrant[i] = migrant[r][a];
      p.away[i] = away[r][a];
    }
  }
  struct es_stage st[N_STAGES];
  make_stages(st);
  double students[N_REGIONS * N_STAGES];
  double registered[N_REGIONS * N_STAGES];
  es_demand_compute(&p, st, N_STAGES, students, registered);
  /* Region 0.
   * nursery: L 10.5 + 11.25 + 12.75 = 34.5, M 13.5, X 6.5:
   *   D = 0.5*34.5 + 0.5*13.5 = 24, H = 0.5*(34.5 + 6.5) = 20.5;
   * preschool: L 64.5, M 22.5, X 13.5:
   *   D = 0.85*64.5 + 0.7*22.5 = 54.825 + 15.75 = 70.575,
   *   H = 0.85*78 = 66.3;
   * primary: D = 30.5 + 0.95*9.5 = 39.525, H = 30.5 + 6.5 = 37. */
  ES_CHECK_NEAR(students[0], 24.0, 1e-12);
  ES_CHECK_NEAR(registered[0], 20.5, 1e-12);
  ES_CHECK_NEAR(students[1], 70.575, 1e-12);
  ES_CHECK_NEAR(registered[1], 66.3, 1e-12);
  ES_CHECK_NEAR(students[2], 39.525, 1e-12);
  ES_CHECK_NEAR(registered[2], 37.0, 1e-12);
  /* Region 1.
   * nursery: L 124.5, M 7.5, X 21.75: D = 0.5*132 = 66,
   *   H = 0.5*146.25 = 73.125;
   * preschool: L 154.5, M 7.5, X 21.75: D = 131.325 + 5.25 = 136.575,
   *   H = 0.85*176.25 = 149.8125;
   * primary: D = 60.5 + 0.95*2.5 = 62.875, H = 60.5 + 7.25 = 67.75. */
  ES_CHECK_NEAR(students[3], 66.0, 1e-12);
  ES_CHECK_NEAR(registered[3], 73.125, 1e-12);
  ES_CHECK_NEAR(students[4], 136.575, 1e-12);
  ES_CHECK_NEAR(registered[4], 149.8125, 1e-12);
  ES_CHECK_NEAR(students[5], 62.875, 1e-12);
  ES_CHECK_NEAR(registered[5], 67.75, 1e-12);

  /* Either output may be NULL; the other is still filled. */
  double only[N_REGIONS * N_STAGES];
  memset(only, 0, sizeof only);
  es_demand_compute(&p, st, N_STAGES, only, NULL);
  ES_CHECK(memcmp(only, students, sizeof only) == 0);
  memset(only, 0, sizeof only);
  es_demand_compute(&p, st, N_STAGES, NULL, only);
  ES_CHECK(memcmp(only, registered, sizeof only) == 0);

  /* One stage only, the last age: column layout follows n_stages. */
  es_demand_compute(&p, &st[2], 1, students, registered);
  ES_CHECK_NEAR(students[0], 39.525, 1e-12);
  ES_CHECK_NEAR(students[1], 62.875, 1e-12);
  ES_CHECK_NEAR(registered[1], 67.75, 1e-12);
  es_population_clear(&p);
}

static void test_warning(void) {
  /* Thresholds that are exact in binary, so the boundaries are exact too. */
  const struct es_warning_params wp = {
      .horizon_years = 5, .rise = 0.125, .fall = 0.25};
  /* 90/80 - 1 = 0.125: not above rise. 90.5/80 - 1 = 0.13125: rise. */
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 80.0, 90.0), 0);
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 80.0, 90.5), 1);
  /* 60/80 - 1 = -0.25: not below -fall. 59.5/80 - 1 = -0.25625: fall. */
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 80.0, 60.0), 0);
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 80.0, 59.5), -1);
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 80.0, 84.375), 0);
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 80.0, 0.0), -1);
  /* From zero pupils: any expected pupil is a rise, none is no change. */
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 0.0, 0.0), 0);
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 0.0, 0.001), 1);
  ES_CHECK_INT_EQ(es_warning_flag(&wp, 0.0, 2385.0), 1);
  /* Zero thresholds: any change is flagged. */
  const struct es_warning_params wp0 = {
      .horizon_years = 1, .rise = 0.0, .fall = 0.0};
  ES_CHECK_INT_EQ(es_warning_flag(&wp0, 12.5, 12.5), 0);
  ES_CHECK_INT_EQ(es_warning_flag(&wp0, 12.5, 12.75), 1);
  ES_CHECK_INT_EQ(es_warning_flag(&wp0, 12.5, 12.25), -1);
}

int main(void) {
  test_demand();
  test_warning();
  return es_test_summary();
}
