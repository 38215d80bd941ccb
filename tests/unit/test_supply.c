/* test_supply.c: the yearly supply step of teachers and seats (MODEL 5.2-5.3).
 *
 * Every rule has a one-year case computed by hand (the arithmetic is in the
 * comments), then invariants are checked on random inputs. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "es_test.h"
#include "models/apportion.h"
#include "models/error.h"
#include "models/stage.h"
#include "models/supply.h"

#define MAX_REGIONS 16
#define MAX_STAGES  4
#define MAX_CELLS   (MAX_REGIONS * MAX_STAGES)
#define YEAR        2026

/* Error messages are checked with strcmp/strstr and printed on mismatch:
 * ES_CHECK_STR_EQ on the 1024-byte message trips gcc 12's
 * -Wformat-truncation inside es_test.h. */
static bool message_is(const struct es_error *err, const char *expected,
                       const bool whole) {
  const bool ok = whole ? strcmp(err->message, expected) == 0
                        : strstr(err->message, expected) != NULL;
  if (!ok) {
    printf("  message: \"%s\"\n  expected%s: \"%s\"\n", err->message,
           whole ? "" : " to contain", expected);
  }
  return ok;
}
#define CHECK_MESSAGE(err, expected) \
  ES_CHECK(message_is((err), (expected), /*whole=*/true))
#define CHECK_MESSAGE_HAS(err, expected) \
  ES_CHECK(message_is((err), (expected), /*whole=*/false))

/* A small world: stages with neutral rules (no attrition, unlimited hiring,
 * no transfers, no construction, no consolidation), Hamilton targets. */
struct fixture {
  size_t n_regions;
  size_t n_stages;
  char names[MAX_STAGES][16];
  struct es_stage stages[MAX_STAGES];
  size_t groups[ES_SUPPLY_N_POOLS][MAX_REGIONS];
  struct es_supply_params params;
  struct es_supply_state state;
  struct es_supply_flows flows;
  struct es_supply_ws *ws;
  double students[MAX_CELLS];
  double w_teachers[MAX_CELLS];
  double w_seats[MAX_CELLS];
  double need_totals[MAX_STAGES];
  struct es_error err;
};

static void fx_setup(struct fixture *fx, const size_t n_regions,
                     const size_t n_stages) {
  memset(fx, 0, sizeof *fx);
  fx->n_regions = n_regions;
  fx->n_stages = n_stages;
  static const char *const names[MAX_STAGES] = {"primary", "junior", "senior",
                                                "preschool"};
  for (size_t k = 0; k < n_stages; k++) {
    strcpy(fx->names[k], names[k]);
    es_stage_set_defaults(&fx->stages[k]);
    fx->stages[k].name = fx->names[k];
    fx->stages[k].ptr_standard = 10.0;
  }
  fx->params.n_regions = n_regions;
  fx->params.n_stages = n_stages;
  fx->params.stages = fx->stages;
  fx->params.method = ES_APPORTION_HAMILTON;
  es_error_clear(&fx->err);
}

/* Allocate state, flows and workspace once the rules are set. */
static int fx_start(struct fixture *fx, const int64_t *teachers,
                    const int64_t *seats) {
  int rc =
      es_supply_state_init(&fx->state, &fx->params, teachers, seats, &fx->err);
  if (rc == ES_OK) {
    rc = es_supply_flows_init(&fx->flows, &fx->params, &fx->err);
  }
  if (rc == ES_OK) {
    fx->ws = es_supply_ws_alloc(&fx->params, &fx->err);
    rc = fx->ws != NULL ? ES_OK : fx->err.code;
  }
  return rc;
}

static int fx_step(struct fixture *fx, const int year, gsl_rng *rng) {
  es_error_clear(&fx->err);
  return es_supply_step(&fx->params, year, fx->students, fx->w_teachers,
                        fx->w_seats, fx->need_totals, &fx->state, &fx->flows,
                        fx->ws, rng, &fx->err);
}

static void fx_free(struct fixture *fx) {
  es_supply_ws_free(fx->ws);
  fx->ws = NULL;
  es_supply_flows_clear(&fx->flows);
  es_supply_state_clear(&fx->state);
}

static size_t ix(const struct fixture *fx, const size_t r, const size_t k) {
  return r * fx->n_stages + k;
}

/* ---- 5.2a attrition ----------------------------------------------------- */

static void test_attrition(void) {
  struct fixture fx;
  fx_setup(&fx, 5, 1);
  fx.stages[0].teacher_attrition = 0.25;
  /* round(0.25 T) = floor(0.25 T + 0.5): 2 -> 1 (0.5), 6 -> 2 (1.5),
   * 10 -> 3 (2.5), 5 -> 1 (1.25), 3 -> 1 (0.75). */
  const int64_t t0[5] = {2, 6, 10, 5, 3};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  /* All weights 0: T* = T, no hires (and no students: Hk = 0). */
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  const int64_t left[5] = {1, 2, 3, 1, 1};
  for (size_t r = 0; r < 5; r++) {
    ES_CHECK_INT_EQ(fx.flows.attrition[r], left[r]);
    ES_CHECK_INT_EQ(fx.state.teachers[r], t0[r] - left[r]);
    ES_CHECK_INT_EQ(fx.flows.target[r], t0[r] - left[r]);
    ES_CHECK_INT_EQ(fx.flows.hires[r], 0);
  }
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 0);
  fx_free(&fx);
}

static void test_attrition_stochastic(void) {
  struct fixture fx;
  fx_setup(&fx, 2, 1);
  fx.stages[0].teacher_attrition = 0.3;
  const int64_t t0[2] = {1000, 0};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  struct es_supply_state start = {0};
  ES_CHECK_INT_EQ(es_supply_state_init(&start, &fx.params, t0, NULL, &fx.err),
                  ES_OK);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 20261125);
  double sum = 0.0;
  bool varies = false;
  bool in_range = true;
  const int n_draws = 400;
  int64_t first = -1;
  for (int i = 0; i < n_draws; i++) {
    ES_CHECK_INT_EQ(es_supply_state_copy(&fx.state, &start, &fx.err), ES_OK);
    if (fx_step(&fx, YEAR, rng) != ES_OK) {
      ES_CHECK(false);
      break;
    }
    const int64_t a = fx.flows.attrition[0];
    in_range = in_range && a >= 0 && a <= 1000 && fx.flows.attrition[1] == 0 &&
               fx.state.teachers[0] == 1000 - a;
    varies = varies || (first >= 0 && a != first);
    first = a;
    sum += (double)a;
  }
  ES_CHECK(in_range);
  ES_CHECK(varies);
  /* Binomial(1000, 0.3): mean 300, sd 14.5; the mean of 400 draws has sd
   * 0.72, so 4 sd is 2.9. */
  ES_CHECK_NEAR(sum / n_draws, 300.0, 2.9);
  /* alpha = 1: everybody leaves, even when drawn. */
  fx.stages[0].teacher_attrition = 1.0;
  ES_CHECK_INT_EQ(es_supply_state_copy(&fx.state, &start, &fx.err), ES_OK);
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, rng), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.attrition[0], 1000);
  ES_CHECK_INT_EQ(fx.state.teachers[0], 0);
  gsl_rng_free(rng);
  es_supply_state_clear(&start);
  fx_free(&fx);
}

/* ---- 5.2b hiring capacity -------------------------------------------------
 */

static void test_hiring_capacity(void) {
  struct fixture fx;
  fx_setup(&fx, 3, 1);
  fx.stages[0].ptr_standard = 19.0;
  const int64_t t0[3] = {1, 2, 0};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  /* sum D = 95.3, 95.3 / 19 = 5.0158, minus 3 teachers: ceil(2.0158) = 3. */
  fx.students[0] = 40.1;
  fx.students[1] = 30.2;
  fx.students[2] = 25.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 3);
  fx_free(&fx);

  /* The same with a cap of 2. */
  fx_setup(&fx, 3, 1);
  fx.stages[0].ptr_standard = 19.0;
  fx.stages[0].has_hiring_cap = true;
  fx.stages[0].hiring_cap = 2;
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  fx.students[0] = 40.1;
  fx.students[1] = 30.2;
  fx.students[2] = 25.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 2);
  fx_free(&fx);

  /* A whole number up to float noise: 19.1 + 19.2 + 18.7 = 57 (in doubles
   * maybe 57 +- 1 ulp), 57 / 19 - 1 = 2 exactly in real numbers: ceil(x -
   * 1e-9) gives 2, never 3. */
  fx_setup(&fx, 3, 1);
  fx.stages[0].ptr_standard = 19.0;
  const int64_t one[3] = {1, 0, 0};
  ES_CHECK_INT_EQ(fx_start(&fx, one, NULL), ES_OK);
  fx.students[0] = 19.1;
  fx.students[1] = 19.2;
  fx.students[2] = 18.7;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 2);
  fx_free(&fx);

  /* More teachers than the standard asks for: no hiring. */
  fx_setup(&fx, 1, 1);
  const int64_t many[1] = {50};
  ES_CHECK_INT_EQ(fx_start(&fx, many, NULL), ES_OK);
  fx.students[0] = 123.4;
  fx.w_teachers[0] = 1.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 0);
  ES_CHECK_INT_EQ(fx.state.teachers[0], 50);
  fx_free(&fx);
}

/* ---- 5.2c targets ---------------------------------------------------------
 */

static void test_targets(void) {
  struct fixture fx;
  /* Minimum 2 for regions with students. D = {1, 0, 9}, weights D, 10
   * teachers, ptr 1: Hk = ceil(10 - 10) = 0. Region 0's quota 1 < 2: held
   * at 2; region 1 has no students: no minimum, weight 0, gets 0; region 2
   * gets the other 8. */
  fx_setup(&fx, 3, 1);
  fx.stages[0].ptr_standard = 1.0;
  fx.stages[0].min_teachers = 2;
  const int64_t t0[3] = {0, 0, 10};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  const double d[3] = {1.0, 0.0, 9.0};
  for (size_t r = 0; r < 3; r++) {
    fx.students[r] = fx.w_teachers[r] = d[r];
  }
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 0);
  ES_CHECK_INT_EQ(fx.flows.target[0], 2);
  ES_CHECK_INT_EQ(fx.flows.target[1], 0);
  ES_CHECK_INT_EQ(fx.flows.target[2], 8);
  /* Without transfers nothing moves: region 2 keeps its 10. */
  ES_CHECK_INT_EQ(fx.state.teachers[2], 10);
  fx_free(&fx);

  /* Minimums that do not fit are dropped: minimum 4 x 3 regions = 12 > 10
   * teachers; targets are the plain quotas of D = {1, 2, 7}. */
  fx_setup(&fx, 3, 1);
  fx.stages[0].ptr_standard = 1.0;
  fx.stages[0].min_teachers = 4;
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  const double d2[3] = {1.0, 2.0, 7.0};
  for (size_t r = 0; r < 3; r++) {
    fx.students[r] = fx.w_teachers[r] = d2[r];
  }
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.target[0], 1);
  ES_CHECK_INT_EQ(fx.flows.target[1], 2);
  ES_CHECK_INT_EQ(fx.flows.target[2], 7);
  fx_free(&fx);

  /* Every weight 0 (but students and a minimum): T* = T, and nothing moves
   * even with full transfers and hiring. */
  fx_setup(&fx, 3, 1);
  fx.stages[0].min_teachers = 5;
  fx.stages[0].transfer_share = 1.0;
  fx.stages[0].transfer_pool = ES_POOL_ALL;
  const int64_t t3[3] = {4, 0, 9};
  ES_CHECK_INT_EQ(fx_start(&fx, t3, NULL), ES_OK);
  fx.students[0] = 300.0;
  fx.students[1] = 200.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  /* Hk = ceil(50 - 13) = 37, but no deficit to fill: hires capped at 0. */
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], 37);
  for (size_t r = 0; r < 3; r++) {
    ES_CHECK_INT_EQ(fx.flows.target[r], t3[r]);
    ES_CHECK_INT_EQ(fx.state.teachers[r], t3[r]);
    ES_CHECK_INT_EQ(fx.flows.hires[r], 0);
    ES_CHECK_INT_EQ(fx.flows.transfers_in[r], 0);
  }
  fx_free(&fx);

  /* The scenario's method is used for targets: 10 teachers over weights
   * {1, 1.6, 7.4}. Hamilton: quotas 1, 1.6, 7.4 -> 1, 2, 7. Jefferson
   * (D'Hondt, next unit to the largest w / (n + 1)) favours the large: the
   * units go to regions 2, 2, 2, 2, 1, 2, 2, 2, 0, 2 (priorities 7.4, 3.7,
   * 2.47, 1.85, 1.6, 1.48, 1.23, 1.06, 1, 0.925): {1, 1, 8}. */
  const enum es_apportion_method methods[2] = {ES_APPORTION_HAMILTON,
                                               ES_APPORTION_JEFFERSON};
  const int64_t expect[2][3] = {{1, 2, 7}, {1, 1, 8}};
  for (size_t m = 0; m < 2; m++) {
    fx_setup(&fx, 3, 1);
    fx.stages[0].ptr_standard = 1.0;
    fx.params.method = methods[m];
    ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
    const double w[3] = {1.0, 1.6, 7.4};
    for (size_t r = 0; r < 3; r++) {
      fx.w_teachers[r] = w[r];
    }
    fx.students[2] = 10.0;
    ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
    for (size_t r = 0; r < 3; r++) {
      ES_CHECK_INT_EQ(fx.flows.target[r], expect[m][r]);
    }
    fx_free(&fx);
  }
}

/* ---- 5.2d cross-stage reassignment ----------------------------------------
 */

/* Two regions, three stages. Stage 0: T = {10, 0}, weights {0, 1}: T* =
 * {0, 10}, so region 0 has a surplus of 10, of which floor(0.5 * 10) = 5 may
 * move. Stage 1: T = {0, 4}, weights {1, 0}: T* = {4, 0}, region 0 short 4.
 * Stage 2: T = {0, 3}, weights {1, 0}: T* = {3, 0}, region 0 short 3.
 * Hiring is capped at 0 everywhere. */
static void cross_stage_case(const size_t *to, int64_t *t_out,
                             int64_t *reassigned) {
  struct fixture fx;
  fx_setup(&fx, 2, 3);
  for (size_t k = 0; k < 3; k++) {
    fx.stages[k].has_hiring_cap = true;
    fx.stages[k].hiring_cap = 0;
  }
  const size_t from[1] = {0};
  fx.params.cross_stage_share = 0.5;
  fx.params.n_cross_from = 1;
  fx.params.cross_from = from;
  fx.params.n_cross_to = 2;
  fx.params.cross_to = to;
  const int64_t t0[6] = {10, 0, 0, 0, 4, 3};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  const double w[6] = {0.0, 1.0, 1.0, 1.0, 0.0, 0.0};
  memcpy(fx.w_teachers, w, sizeof w);
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.target[ix(&fx, 0, 0)], 0);
  ES_CHECK_INT_EQ(fx.flows.target[ix(&fx, 1, 0)], 10);
  ES_CHECK_INT_EQ(fx.flows.target[ix(&fx, 0, 1)], 4);
  ES_CHECK_INT_EQ(fx.flows.target[ix(&fx, 0, 2)], 3);
  memcpy(t_out, fx.state.teachers, 6 * sizeof *t_out);
  memcpy(reassigned, fx.flows.reassigned, 6 * sizeof *reassigned);
  fx_free(&fx);
}

static void test_cross_stage(void) {
  int64_t t[6];
  int64_t re[6];
  /* to = [2, 1]: stage 2 gets its 3 first, stage 1 the remaining 2. */
  const size_t to_21[2] = {2, 1};
  cross_stage_case(to_21, t, re);
  const int64_t t_21[6] = {5, 2, 3, 0, 4, 3};
  const int64_t re_21[6] = {-5, 2, 3, 0, 0, 0};
  for (size_t i = 0; i < 6; i++) {
    ES_CHECK_INT_EQ(t[i], t_21[i]);
    ES_CHECK_INT_EQ(re[i], re_21[i]);
  }
  /* to = [1, 2]: stage 1 gets its 4, stage 2 the remaining 1. */
  const size_t to_12[2] = {1, 2};
  cross_stage_case(to_12, t, re);
  const int64_t t_12[6] = {5, 4, 1, 0, 4, 3};
  const int64_t re_12[6] = {-5, 4, 1, 0, 0, 0};
  for (size_t i = 0; i < 6; i++) {
    ES_CHECK_INT_EQ(t[i], t_12[i]);
    ES_CHECK_INT_EQ(re[i], re_12[i]);
  }
}

/* Reassignment fills part of a stage's deficits before hiring: hires are
 * then capped by the remaining deficits, not by Hk. Two regions. Stage 0:
 * T = {8, 0}, weights {0, 1}, T* = {0, 8}; region 0 may give floor(0.25 * 8)
 * = 2 to stage 1. Stage 1: T = {0, 0}, D = {30, 0}, ptr 10: Hk = 3, weights
 * {1, 0}, T* = {3, 0}. Region 0 of stage 1 gets 2 reassigned; its deficit is
 * then 1, so 1 hire although Hk = 3. */
static void test_hires_capped_by_deficits(void) {
  struct fixture fx;
  fx_setup(&fx, 2, 2);
  fx.stages[0].has_hiring_cap = true;
  fx.stages[0].hiring_cap = 0;
  const size_t from[1] = {0};
  const size_t to[1] = {1};
  fx.params.cross_stage_share = 0.25;
  fx.params.n_cross_from = 1;
  fx.params.cross_from = from;
  fx.params.n_cross_to = 1;
  fx.params.cross_to = to;
  const int64_t t0[4] = {8, 0, 0, 0};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  fx.students[ix(&fx, 0, 1)] = 30.0;
  fx.w_teachers[ix(&fx, 1, 0)] = 1.0;
  fx.w_teachers[ix(&fx, 0, 1)] = 1.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.hiring_capacity[1], 3);
  ES_CHECK_INT_EQ(fx.flows.reassigned[ix(&fx, 0, 0)], -2);
  ES_CHECK_INT_EQ(fx.flows.reassigned[ix(&fx, 0, 1)], 2);
  ES_CHECK_INT_EQ(fx.flows.hires[ix(&fx, 0, 1)], 1);
  ES_CHECK_INT_EQ(fx.state.teachers[ix(&fx, 0, 1)], 3);
  ES_CHECK_INT_EQ(fx.state.teachers[ix(&fx, 0, 0)], 6);
  fx_free(&fx);
}

/* ---- 5.2e transfers ---------------------------------------------------------
 */

/* Four regions, pool all, tau 0.5, no hiring. T = {20, 0, 0, 6}, weights =
 * T* = {8, 7, 5, 6}. Region 0 offers min(12, floor(10)) = 10; deficits
 * {7, 5} sum 12 >= 10: every offer moves, arrivals split 10 in proportion
 * to {7, 5}: quotas 5.833, 4.167 -> 5 + 4, the last to the larger remainder
 * (region 1): {6, 4}. */
static void test_transfers_offers_short(void) {
  struct fixture fx;
  fx_setup(&fx, 4, 1);
  fx.stages[0].has_hiring_cap = true;
  fx.stages[0].hiring_cap = 0;
  fx.stages[0].transfer_share = 0.5;
  fx.stages[0].transfer_pool = ES_POOL_ALL;
  const int64_t t0[4] = {20, 0, 0, 6};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  const double w[4] = {8.0, 7.0, 5.0, 6.0};
  memcpy(fx.w_teachers, w, sizeof w);
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  const int64_t t_end[4] = {10, 6, 4, 6};
  const int64_t t_in[4] = {0, 6, 4, 0};
  const int64_t t_out[4] = {10, 0, 0, 0};
  for (size_t r = 0; r < 4; r++) {
    ES_CHECK_INT_EQ(fx.flows.target[r], (int64_t)w[r]);
    ES_CHECK_INT_EQ(fx.state.teachers[r], t_end[r]);
    ES_CHECK_INT_EQ(fx.flows.transfers_in[r], t_in[r]);
    ES_CHECK_INT_EQ(fx.flows.transfers_out[r], t_out[r]);
    ES_CHECK_INT_EQ(fx.flows.hires[r], 0);
  }
  fx_free(&fx);
}

/* Five regions; regions 0-2 form one prefecture (id 7), regions 3-4 another
 * (id 3). tau 0.5, no hiring. T = {20, 12, 0, 0, 10}, weights = T* =
 * {15, 5, 3, 9, 10}.
 * Prefecture 7: offers {min(5, 10), min(7, 6)} = {5, 6}, sum 11 > deficit
 * 3 of region 2: region 2 gets 3; departures split 3 in proportion to
 * {5, 6}: quotas 1.364, 1.636 -> 1 + 1, the last to region 1: {1, 2}.
 * Prefecture 3: region 3 is short 9 but nobody there has a surplus, and
 * prefecture 7's surplus may not cross: region 3 stays at 0.
 * With pool all instead: offers 11 <= deficits 3 + 9 = 12: all offers move,
 * arrivals 11 split over {3, 9}: 2.75, 8.25 -> 2 + 8, the last to region 2:
 * {3, 8}. */
static void test_transfers_pools(void) {
  const enum es_pool pools[2] = {ES_POOL_PREFECTURE, ES_POOL_ALL};
  const int64_t t_end[2][5] = {{19, 10, 3, 0, 10}, {15, 6, 3, 8, 10}};
  const int64_t t_in[2][5] = {{0, 0, 3, 0, 0}, {0, 0, 3, 8, 0}};
  const int64_t t_out[2][5] = {{1, 2, 0, 0, 0}, {5, 6, 0, 0, 0}};
  for (size_t p = 0; p < 2; p++) {
    struct fixture fx;
    fx_setup(&fx, 5, 1);
    fx.stages[0].has_hiring_cap = true;
    fx.stages[0].hiring_cap = 0;
    fx.stages[0].transfer_share = 0.5;
    fx.stages[0].transfer_pool = pools[p];
    const size_t prefecture[5] = {7, 7, 7, 3, 3};
    memcpy(fx.groups[ES_POOL_PREFECTURE], prefecture, sizeof prefecture);
    fx.params.pool_group[ES_POOL_PREFECTURE] = fx.groups[ES_POOL_PREFECTURE];
    const int64_t t0[5] = {20, 12, 0, 0, 10};
    ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
    const double w[5] = {15.0, 5.0, 3.0, 9.0, 10.0};
    memcpy(fx.w_teachers, w, sizeof w);
    ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
    for (size_t r = 0; r < 5; r++) {
      ES_CHECK_INT_EQ(fx.state.teachers[r], t_end[p][r]);
      ES_CHECK_INT_EQ(fx.flows.transfers_in[r], t_in[p][r]);
      ES_CHECK_INT_EQ(fx.flows.transfers_out[r], t_out[p][r]);
    }
    fx_free(&fx);
  }

  /* Pool none: nothing moves, whatever the share. */
  struct fixture fx;
  fx_setup(&fx, 2, 1);
  fx.stages[0].has_hiring_cap = true;
  fx.stages[0].hiring_cap = 0;
  fx.stages[0].transfer_share = 1.0;
  fx.stages[0].transfer_pool = ES_POOL_NONE;
  const int64_t t0[2] = {9, 0};
  ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
  fx.w_teachers[0] = fx.w_teachers[1] = 1.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.state.teachers[0], 9);
  ES_CHECK_INT_EQ(fx.state.teachers[1], 0);
  ES_CHECK_INT_EQ(fx.flows.transfers_out[0], 0);
  fx_free(&fx);
}

/* ---- 5.2f hires ------------------------------------------------------------
 */

/* Three regions, no transfers. T = {6, 0, 0}, D = {0, 30, 50}, ptr 10:
 * Hk = ceil(8 - 6) = 2; targets of 8 over D: {0, 3, 5}. Region 0's surplus
 * stays (pool none). Deficits {3, 5}; hires min(2, 8) = 2 split over {3, 5}:
 * 0.75, 1.25 -> 0 + 1, the last to region 1: {1, 1}.
 * With a cap of 1: Hk = 1, targets of 7: 2.625, 4.375 -> {3, 4}; the hire
 * goes to the larger remainder of 1 x {3, 4} / 7 = 0.43, 0.57: region 2. */
static void test_hires(void) {
  const bool capped[2] = {false, true};
  const int64_t hires[2][3] = {{0, 1, 1}, {0, 0, 1}};
  const int64_t target[2][3] = {{0, 3, 5}, {0, 3, 4}};
  for (size_t c = 0; c < 2; c++) {
    struct fixture fx;
    fx_setup(&fx, 3, 1);
    fx.stages[0].has_hiring_cap = capped[c];
    fx.stages[0].hiring_cap = 1;
    const int64_t t0[3] = {6, 0, 0};
    ES_CHECK_INT_EQ(fx_start(&fx, t0, NULL), ES_OK);
    const double d[3] = {0.0, 30.0, 50.0};
    memcpy(fx.students, d, sizeof d);
    memcpy(fx.w_teachers, d, sizeof d);
    ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
    ES_CHECK_INT_EQ(fx.flows.hiring_capacity[0], capped[c] ? 1 : 2);
    for (size_t r = 0; r < 3; r++) {
      ES_CHECK_INT_EQ(fx.flows.target[r], target[c][r]);
      ES_CHECK_INT_EQ(fx.flows.hires[r], hires[c][r]);
      ES_CHECK_INT_EQ(fx.state.teachers[r], t0[r] + hires[c][r]);
    }
    fx_free(&fx);
  }
}

/* ---- 5.3 seats -------------------------------------------------------------
 */

/* Completions after a lead time of 2 years. Two regions, S = 40, seat
 * weights {1, 3}: need {10, 30}; C = {10, 0}: gap {0, 30}, 30 built in
 * 2026, due 2028. In 2027 they count as pipeline: gap 0. In 2028 they
 * complete. */
static void test_seats_lead_time(void) {
  const int64_t leads[2] = {2, 0};
  for (size_t l = 0; l < 2; l++) {
    struct fixture fx;
    fx_setup(&fx, 2, 1);
    fx.stages[0].has_construction = true;
    fx.stages[0].construction_cap = 100;
    fx.stages[0].lead_time_years = leads[l];
    const int64_t c0[2] = {10, 0};
    ES_CHECK_INT_EQ(fx_start(&fx, NULL, c0), ES_OK);
    ES_CHECK_INT_EQ(fx.state.n_pipeline_years, (size_t)leads[l] + 1);
    fx.need_totals[0] = 40.0;
    fx.w_seats[0] = 1.0;
    fx.w_seats[1] = 3.0;
    ES_CHECK_INT_EQ(fx_step(&fx, 2026, NULL), ES_OK);
    ES_CHECK_NEAR(fx.flows.need[0], 10.0, 1e-12);
    ES_CHECK_NEAR(fx.flows.need[1], 30.0, 1e-12);
    ES_CHECK_INT_EQ(fx.flows.seats_built[0], 0);
    ES_CHECK_INT_EQ(fx.flows.seats_built[1], 30);
    if (leads[l] == 0) {
      /* At once. */
      ES_CHECK_INT_EQ(fx.state.seats[1], 30);
      ES_CHECK_INT_EQ(fx.flows.seats_completed[1], 30);
      ES_CHECK_INT_EQ(es_supply_state_pipeline_total(&fx.state, 1, 0), 0);
    } else {
      ES_CHECK_INT_EQ(fx.state.seats[1], 0);
      ES_CHECK_INT_EQ(fx.flows.seats_completed[1], 0);
      ES_CHECK_INT_EQ(es_supply_state_pipeline_total(&fx.state, 1, 0), 30);
      ES_CHECK_INT_EQ(fx_step(&fx, 2027, NULL), ES_OK);
      ES_CHECK_INT_EQ(fx.flows.seats_built[1], 0);
      ES_CHECK_INT_EQ(fx.state.seats[1], 0);
      ES_CHECK_INT_EQ(es_supply_state_pipeline_total(&fx.state, 1, 0), 30);
      ES_CHECK_INT_EQ(fx_step(&fx, 2028, NULL), ES_OK);
      ES_CHECK_INT_EQ(fx.flows.seats_completed[1], 30);
      ES_CHECK_INT_EQ(fx.flows.seats_built[1], 0);
      ES_CHECK_INT_EQ(fx.state.seats[1], 30);
      ES_CHECK_INT_EQ(fx.state.seats[0], 10);
      ES_CHECK_INT_EQ(es_supply_state_pipeline_total(&fx.state, 1, 0), 0);
    }
    fx_free(&fx);
  }
}

/* Construction cap and split: S = 60, weights {1, 2, 3}: need {10, 20, 30};
 * C = {3, 0, 12}: gaps {7, 20, 18} = 45 > cap 25. Split 25 over the gaps:
 * 3.889, 11.111, 10 -> 3 + 11 + 10 = 24, the last to region 0: {4, 11, 10}.
 * Lead time 0: C = {7, 11, 22}. */
static void test_seats_cap_split(void) {
  struct fixture fx;
  fx_setup(&fx, 3, 1);
  fx.stages[0].has_construction = true;
  fx.stages[0].construction_cap = 25;
  const int64_t c0[3] = {3, 0, 12};
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, c0), ES_OK);
  fx.need_totals[0] = 60.0;
  const double w[3] = {1.0, 2.0, 3.0};
  memcpy(fx.w_seats, w, sizeof w);
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  const int64_t built[3] = {4, 11, 10};
  for (size_t r = 0; r < 3; r++) {
    ES_CHECK_INT_EQ(fx.flows.seats_built[r], built[r]);
    ES_CHECK_INT_EQ(fx.state.seats[r], c0[r] + built[r]);
  }
  fx_free(&fx);
}

/* Perceived need and the gap's rounding: S = 50.25, weights {1, 3}: need
 * {12.5625, 37.6875}, gap ceil -> {13, 38}. Weights all 0: need 0, nothing
 * built. No construction key: nothing built whatever the gap. */
static void test_seats_need(void) {
  struct fixture fx;
  fx_setup(&fx, 2, 1);
  fx.stages[0].has_construction = true;
  fx.stages[0].construction_cap = 1000;
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, NULL), ES_OK);
  fx.need_totals[0] = 50.25;
  fx.w_seats[0] = 1.0;
  fx.w_seats[1] = 3.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_DOUBLE_EQ(fx.flows.need[0], 12.5625);
  ES_CHECK_DOUBLE_EQ(fx.flows.need[1], 37.6875);
  ES_CHECK_INT_EQ(fx.flows.seats_built[0], 13);
  ES_CHECK_INT_EQ(fx.flows.seats_built[1], 38);
  /* Next year, S = 3 * 17.1 with weights {1, 2}: need {17.1, 34.2}; the
   * seats already there (13, 38) leave gaps ceil(4.1) = 5 and 0. */
  fx.need_totals[0] = 3.0 * 17.1;
  fx.w_seats[0] = 1.0;
  fx.w_seats[1] = 2.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR + 1, NULL), ES_OK);
  ES_CHECK_NEAR(fx.flows.need[0], 17.1, 1e-12);
  ES_CHECK_INT_EQ(fx.flows.seats_built[0], 5);
  ES_CHECK_INT_EQ(fx.flows.seats_built[1], 0);
  fx.w_seats[0] = fx.w_seats[1] = 0.0;
  fx.need_totals[0] = 1000.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR + 2, NULL), ES_OK);
  ES_CHECK_DOUBLE_EQ(fx.flows.need[0], 0.0);
  ES_CHECK_INT_EQ(fx.flows.seats_built[0] + fx.flows.seats_built[1], 0);
  fx_free(&fx);

  /* A need that is whole up to float noise builds no extra seat:
   * (0.1 + 0.2) * 10 = 3.0000000000000004 in doubles; ceil(x - 1e-9) = 3. */
  fx_setup(&fx, 1, 1);
  fx.stages[0].has_construction = true;
  fx.stages[0].construction_cap = 1000;
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, NULL), ES_OK);
  volatile double tenth = 0.1;
  fx.need_totals[0] = (tenth + 0.2) * 10.0;
  ES_CHECK(fx.need_totals[0] > 3.0);
  fx.w_seats[0] = 2.5;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.seats_built[0], 3);
  fx_free(&fx);

  /* No construction key: nothing is built whatever the gap. */
  fx_setup(&fx, 2, 1);
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, NULL), ES_OK);
  fx.need_totals[0] = 50.25;
  fx.w_seats[0] = 1.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  ES_CHECK_NEAR(fx.flows.need[0], 50.25, 1e-12);
  ES_CHECK_INT_EQ(fx.flows.seats_built[0], 0);
  ES_CHECK_INT_EQ(fx.state.seats[0], 0);
  fx_free(&fx);
}

/* Consolidation, chi = 0.1, slack 0.2. S = 30, weights {1, 2, 0}: need
 * {10, 20, 0}; C = {100, 25, 5}.
 * Region 0: 100 > 12: close min(100 - 12, floor(10)) = 10 -> 90.
 * Region 1: 25 > 24: close min(25 - 24, floor(2.5)) = 1 -> 24.
 * Region 2: 5 > 0: close min(5 - 0, floor(0.5)) = 0. */
static void test_consolidation(void) {
  struct fixture fx;
  fx_setup(&fx, 3, 1);
  fx.stages[0].consolidation_share = 0.1;
  fx.stages[0].consolidation_slack = 0.2;
  const int64_t c0[3] = {100, 25, 5};
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, c0), ES_OK);
  fx.need_totals[0] = 30.0;
  const double w[3] = {1.0, 2.0, 0.0};
  memcpy(fx.w_seats, w, sizeof w);
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_OK);
  const int64_t closed[3] = {10, 1, 0};
  for (size_t r = 0; r < 3; r++) {
    ES_CHECK_INT_EQ(fx.flows.seats_closed[r], closed[r]);
    ES_CHECK_INT_EQ(fx.state.seats[r], c0[r] - closed[r]);
  }
  /* Share 0: nothing closes. */
  fx.stages[0].consolidation_share = 0.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR + 1, NULL), ES_OK);
  ES_CHECK_INT_EQ(fx.flows.seats_closed[0], 0);
  ES_CHECK_INT_EQ(fx.state.seats[0], 90);
  fx_free(&fx);
}

/* ---- errors
 * ------------------------------------------------------------------ */

static void test_errors(void) {
  struct fixture fx;
  struct es_error err;

  fx_setup(&fx, 2, 1);
  fx.stages[0].ptr_standard = 0.0;
  es_error_clear(&err);
  ES_CHECK(es_supply_ws_alloc(&fx.params, &err) == NULL);
  ES_CHECK_INT_EQ(err.code, ES_EINVAL);
  CHECK_MESSAGE(&err, "stage 'primary': ptr_standard is 0 (expected > 0)");

  fx_setup(&fx, 2, 1);
  fx.stages[0].transfer_pool = ES_POOL_PROVINCE;
  fx.stages[0].transfer_share = 0.1;
  ES_CHECK_INT_EQ(es_supply_params_check(&fx.params, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "stage 'primary': transfer pool province needs a group id "
                "per region (regions.csv column province)");

  fx_setup(&fx, 2, 1);
  fx.stages[0].teacher_attrition = 1.5;
  ES_CHECK_INT_EQ(es_supply_params_check(&fx.params, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "stage 'primary': teacher_attrition is 1.5 (expected 0..1)");

  fx_setup(&fx, 2, 1);
  fx.stages[0].has_construction = true;
  fx.stages[0].lead_time_years = -1;
  ES_CHECK_INT_EQ(es_supply_params_check(&fx.params, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "stage 'primary': construction cap 0 and lead time -1 "
                "(expected cap >= 0 and lead time 0..1000 years)");

  fx_setup(&fx, 2, 2);
  const size_t from[1] = {0};
  const size_t to[1] = {2};
  fx.params.cross_stage_share = 0.1;
  fx.params.n_cross_from = 1;
  fx.params.cross_from = from;
  fx.params.n_cross_to = 1;
  fx.params.cross_to = to;
  ES_CHECK_INT_EQ(es_supply_params_check(&fx.params, &err), ES_EINVAL);
  CHECK_MESSAGE(&err, "cross_stage: to[0] is stage 2 of 2");
  fx.params.cross_stage_share = 1.25;
  ES_CHECK_INT_EQ(es_supply_params_check(&fx.params, &err), ES_EINVAL);
  CHECK_MESSAGE(&err, "cross_stage: share is 1.25 (expected 0..1)");

  /* State with a negative stock. */
  fx_setup(&fx, 2, 1);
  const int64_t negative[2] = {3, -1};
  struct es_supply_state st = {0};
  ES_CHECK_INT_EQ(es_supply_state_init(&st, &fx.params, negative, NULL, &err),
                  ES_EINVAL);
  CHECK_MESSAGE(&err,
                "supply state: region 1, stage 0 has -1 teachers and 0 seats "
                "(expected 0..2^53)");

  /* Copy between states of different shapes. */
  struct es_supply_state a = {0};
  struct es_supply_state b = {0};
  ES_CHECK_INT_EQ(es_supply_state_init(&a, &fx.params, NULL, NULL, &err),
                  ES_OK);
  fx.stages[0].has_construction = true;
  fx.stages[0].lead_time_years = 3;
  ES_CHECK_INT_EQ(es_supply_state_init(&b, &fx.params, NULL, NULL, &err),
                  ES_OK);
  ES_CHECK_INT_EQ(es_supply_state_copy(&a, &b, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "supply state copy: shapes differ (2 x 1 x 1 vs 2 x 1 x 4)");
  es_supply_state_clear(&a);
  es_supply_state_clear(&b);

  /* A step with a state made for other params (a longer lead time). */
  fx_setup(&fx, 2, 1);
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, NULL), ES_OK);
  fx.stages[0].has_construction = true;
  fx.stages[0].lead_time_years = 2;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_EINVAL);
  CHECK_MESSAGE(&fx.err,
                "year 2026: supply workspace, state or flows were made for "
                "other parameters");
  fx_free(&fx);

  /* Bad inputs to the step. */
  fx_setup(&fx, 2, 1);
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, NULL), ES_OK);
  fx.students[1] = -2.5;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_EINVAL);
  CHECK_MESSAGE(&fx.err,
                "year 2026, stage 'primary', region 1: students is -2.5 "
                "(expected a finite number >= 0)");
  fx.students[1] = 0.0;
  fx.w_seats[0] = NAN;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_EINVAL);
  CHECK_MESSAGE(&fx.err,
                "year 2026, stage 'primary', region 0: seat weight is nan "
                "(expected a finite number >= 0)");
  fx.w_seats[0] = 0.0;
  fx.need_totals[0] = INFINITY;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_EINVAL);
  CHECK_MESSAGE(&fx.err,
                "year 2026, stage 'primary': perceived-need total is inf "
                "(expected a finite number >= 0)");
  fx_free(&fx);

  /* Too many teachers for a binomial draw. */
  fx_setup(&fx, 1, 1);
  fx.stages[0].teacher_attrition = 0.01;
  const int64_t huge[1] = {(int64_t)UINT_MAX + 1};
  ES_CHECK_INT_EQ(fx_start(&fx, huge, NULL), ES_OK);
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, rng), ES_ERANGE);
  CHECK_MESSAGE(&fx.err,
                "year 2026, stage 'primary', region 0: 4294967296 teachers "
                "are too many for a binomial draw (at most 4294967295)");
  gsl_rng_free(rng);
  fx_free(&fx);

  /* A hiring need beyond 2^53. */
  fx_setup(&fx, 1, 1);
  fx.stages[0].ptr_standard = 1.0;
  ES_CHECK_INT_EQ(fx_start(&fx, NULL, NULL), ES_OK);
  fx.students[0] = 1e17;
  fx.w_teachers[0] = 1.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_ERANGE);
  CHECK_MESSAGE(&fx.err,
                "year 2026, stage 'primary': hiring need is 1e+17 (expected "
                "0..2^53)");
  fx_free(&fx);

  /* An apportionment failure comes back with the year and stage: 2^53 - 10
   * teachers plus 100 hires exceed what es_apportion accepts. */
  fx_setup(&fx, 1, 1);
  fx.stages[0].ptr_standard = 1.0;
  fx.stages[0].has_hiring_cap = true;
  fx.stages[0].hiring_cap = 100;
  const int64_t near_max[1] = {INT64_C(9007199254740982)};
  ES_CHECK_INT_EQ(fx_start(&fx, near_max, NULL), ES_OK);
  fx.students[0] = 1e17;
  fx.w_teachers[0] = 1.0;
  ES_CHECK_INT_EQ(fx_step(&fx, YEAR, NULL), ES_EINVAL);
  CHECK_MESSAGE_HAS(&fx.err,
                    "year 2026, stage 'primary': teacher targets: total is "
                    "9007199254741082");
  fx_free(&fx);
}

/* ---- invariants on random inputs
 * --------------------------------------------- */

static double uniform(gsl_rng *rng, const double lo, const double hi) {
  return lo + (hi - lo) * gsl_rng_uniform(rng);
}

static int64_t uniform_int(gsl_rng *rng, const int64_t lo, const int64_t hi) {
  return lo + (int64_t)gsl_rng_uniform_int(rng, (unsigned long)(hi - lo + 1));
}

/* Random stage rules, stocks, students and weights; several years; the
 * invariants of MODEL 5 checked after every step. Returns the cases run. */
static int random_invariants(gsl_rng *rng) {
  int n_cases = 0;
  long bad = 0;
  /* What the cases exercised, so the invariants are not checked vacuously. */
  int64_t n_moved = 0, n_hired = 0, n_reassigned = 0, n_built = 0;
  int64_t n_closed = 0, n_completed = 0, n_left = 0;
  for (int c = 0; c < 240; c++) {
    struct fixture fx;
    const size_t n_regions = (size_t)uniform_int(rng, 1, MAX_REGIONS);
    const size_t n_stages = (size_t)uniform_int(rng, 1, 3);
    fx_setup(&fx, n_regions, n_stages);
    fx.params.method = (enum es_apportion_method)uniform_int(rng, 0, 5);
    for (size_t p = 1; p < ES_POOL_ALL; p++) {
      for (size_t r = 0; r < n_regions; r++) {
        fx.groups[p][r] = (size_t)uniform_int(rng, 0, 2) * 11;
      }
      fx.params.pool_group[p] = fx.groups[p];
    }
    for (size_t k = 0; k < n_stages; k++) {
      struct es_stage *st = &fx.stages[k];
      st->ptr_standard = uniform(rng, 8.0, 25.0);
      st->min_teachers = uniform_int(rng, 0, 3);
      st->teacher_attrition = uniform(rng, 0.0, 0.2);
      st->has_hiring_cap = gsl_rng_uniform(rng) < 0.5;
      st->hiring_cap = uniform_int(rng, 0, 40);
      st->transfer_share =
          gsl_rng_uniform(rng) < 0.2 ? 1.0 : uniform(rng, 0, 1);
      st->transfer_pool = (enum es_pool)uniform_int(rng, 0, 4);
      st->has_construction = gsl_rng_uniform(rng) < 0.7;
      st->construction_cap = uniform_int(rng, 0, 500);
      st->lead_time_years = uniform_int(rng, 0, 3);
      st->consolidation_share = gsl_rng_uniform(rng) < 0.5 ? 0.0 : 0.1;
      st->consolidation_slack = uniform(rng, 0.0, 0.3);
    }
    size_t from[2] = {0, 0};
    size_t to[2] = {0, 0};
    if (n_stages > 1 && gsl_rng_uniform(rng) < 0.5) {
      from[0] = 0;
      to[0] = 1;
      to[1] = n_stages - 1;
      fx.params.cross_stage_share = uniform(rng, 0.0, 0.5);
      fx.params.n_cross_from = 1;
      fx.params.cross_from = from;
      fx.params.n_cross_to = n_stages > 2 ? 2 : 1;
      fx.params.cross_to = to;
    }
    int64_t t0[MAX_CELLS];
    int64_t c0[MAX_CELLS];
    const size_t n_cells = n_regions * n_stages;
    for (size_t i = 0; i < n_cells; i++) {
      t0[i] = uniform_int(rng, 0, 60);
      c0[i] = uniform_int(rng, 0, 900);
    }
    if (fx_start(&fx, t0, c0) != ES_OK) {
      ES_CHECK(false);
      fx_free(&fx);
      continue;
    }
    const bool stochastic = c % 4 == 3;
    for (int year = YEAR; year < YEAR + 4; year++) {
      for (size_t i = 0; i < n_cells; i++) {
        fx.students[i] =
            gsl_rng_uniform(rng) < 0.15 ? 0.0 : uniform(rng, 0.0, 800.0);
        /* Weights: resident-like with noise, sometimes all 0 in a cell. */
        fx.w_teachers[i] = fx.students[i] * uniform(rng, 0.5, 1.5);
        fx.w_seats[i] = gsl_rng_uniform(rng) < 0.1 ? 0.0 : fx.students[i];
      }
      if (gsl_rng_uniform(rng) < 0.1) {
        for (size_t r = 0; r < n_regions; r++) {
          fx.w_teachers[ix(&fx, r, 0)] = 0.0;
        }
      }
      for (size_t k = 0; k < n_stages; k++) {
        double s = 0.0;
        for (size_t r = 0; r < n_regions; r++) {
          s += fx.students[ix(&fx, r, k)];
        }
        fx.need_totals[k] = s * uniform(rng, 0.8, 1.2);
      }
      int64_t t_before[MAX_CELLS];
      int64_t c_before[MAX_CELLS];
      memcpy(t_before, fx.state.teachers, n_cells * sizeof *t_before);
      memcpy(c_before, fx.state.seats, n_cells * sizeof *c_before);
      if (fx_step(&fx, year, stochastic ? rng : NULL) != ES_OK) {
        printf("case %d year %d: %s\n", c, year, fx.err.message);
        ES_CHECK(false);
        break;
      }
      const struct es_supply_flows *f = &fx.flows;
      for (size_t k = 0; k < n_stages; k++) {
        const struct es_stage *st = &fx.stages[k];
        int64_t sum_after_attrition = 0;
        int64_t sum_target = 0;
        int64_t sum_hires = 0;
        int64_t sum_built = 0;
        bool any_weight = false;
        for (size_t r = 0; r < n_regions; r++) {
          const size_t i = ix(&fx, r, k);
          sum_after_attrition += t_before[i] - f->attrition[i];
          sum_target += f->target[i];
          sum_hires += f->hires[i];
          sum_built += f->seats_built[i];
          n_moved += f->transfers_out[i];
          n_hired += f->hires[i];
          n_reassigned += f->reassigned[i] > 0 ? f->reassigned[i] : 0;
          n_built += f->seats_built[i];
          n_closed += f->seats_closed[i];
          n_completed += f->seats_completed[i];
          n_left += f->attrition[i];
          any_weight = any_weight || fx.w_teachers[i] > 0.0;
          /* No negative stock or flow. */
          bad += fx.state.teachers[i] < 0 || fx.state.seats[i] < 0 ||
                 f->attrition[i] < 0 || f->transfers_in[i] < 0 ||
                 f->transfers_out[i] < 0 || f->hires[i] < 0 ||
                 f->seats_built[i] < 0 || f->seats_closed[i] < 0 ||
                 es_supply_state_pipeline_total(&fx.state, r, k) < 0;
          /* Teachers and seats add up. */
          bad += fx.state.teachers[i] !=
                 t_before[i] - f->attrition[i] + f->reassigned[i] +
                     f->transfers_in[i] - f->transfers_out[i] + f->hires[i];
          bad += fx.state.seats[i] !=
                 c_before[i] + f->seats_completed[i] - f->seats_closed[i];
          /* Transfers never exceed floor(tau T) of the teachers then. */
          const int64_t t_e = t_before[i] - f->attrition[i] + f->reassigned[i];
          bad += f->transfers_out[i] >
                 (int64_t)floor(st->transfer_share * (double)t_e);
          bad += f->transfers_in[i] > 0 && f->transfers_out[i] > 0;
          bad += st->transfer_pool == ES_POOL_NONE &&
                 (f->transfers_in[i] > 0 || f->transfers_out[i] > 0);
          /* Hires never exceed the deficit left after transfers. */
          const int64_t t_f = t_e + f->transfers_in[i] - f->transfers_out[i];
          bad += f->hires[i] > 0 && f->hires[i] > f->target[i] - t_f;
          /* Arrivals never overshoot the target. */
          bad +=
              f->transfers_in[i] > 0 && t_e + f->transfers_in[i] > f->target[i];
        }
        /* Targets share out the pool sum T + Hk (or keep T). */
        bad += any_weight
                   ? sum_target != sum_after_attrition + f->hiring_capacity[k]
                   : sum_target != sum_after_attrition;
        bad += sum_hires > f->hiring_capacity[k];
        bad += st->has_hiring_cap && f->hiring_capacity[k] > st->hiring_cap;
        bad += st->has_construction ? sum_built > st->construction_cap
                                    : sum_built != 0;
        /* Transfers conserve teachers within each group of the pool. */
        if (st->transfer_pool != ES_POOL_NONE) {
          for (size_t g = 0; g <= 22; g += 11) {
            int64_t net = 0;
            for (size_t r = 0; r < n_regions; r++) {
              const bool in_group = st->transfer_pool == ES_POOL_ALL ||
                                    fx.groups[st->transfer_pool][r] == g;
              if (in_group) {
                const size_t i = ix(&fx, r, k);
                net += f->transfers_in[i] - f->transfers_out[i];
              }
            }
            bad += net != 0;
          }
        }
      }
      /* Reassignment stays inside each region. */
      for (size_t r = 0; r < n_regions; r++) {
        int64_t net = 0;
        for (size_t k = 0; k < n_stages; k++) {
          net += f->reassigned[ix(&fx, r, k)];
        }
        bad += net != 0;
      }
    }
    fx_free(&fx);
    n_cases++;
  }
  ES_CHECK_INT_EQ(bad, 0);
  ES_CHECK(n_moved > 0 && n_hired > 0 && n_reassigned > 0 && n_built > 0 &&
           n_closed > 0 && n_completed > 0 && n_left > 0);
  return n_cases;
}

/* A resident strategy with unlimited hiring and full transfers (tau = 1,
 * pool all) brings every region to its target in one step, and the targets
 * meet the standard up to apportionment rounding. */
static int random_resident_reaches_standard(gsl_rng *rng) {
  int n_cases = 0;
  long bad = 0;
  for (int c = 0; c < 200; c++) {
    struct fixture fx;
    const size_t n_regions = (size_t)uniform_int(rng, 1, MAX_REGIONS);
    fx_setup(&fx, n_regions, 1);
    const bool hamilton = c % 2 == 0;
    fx.params.method = hamilton
                           ? ES_APPORTION_HAMILTON
                           : (enum es_apportion_method)uniform_int(rng, 1, 5);
    struct es_stage *st = &fx.stages[0];
    st->ptr_standard = uniform(rng, 9.0, 20.0);
    st->teacher_attrition = uniform(rng, 0.0, 0.1);
    st->transfer_share = 1.0;
    st->transfer_pool = ES_POOL_ALL;
    int64_t t0[MAX_REGIONS];
    for (size_t r = 0; r < n_regions; r++) {
      t0[r] = uniform_int(rng, 0, 80);
      fx.students[r] =
          gsl_rng_uniform(rng) < 0.2 ? 0.0 : uniform(rng, 0.0, 1500.0);
      fx.w_teachers[r] = fx.w_seats[r] = fx.students[r];
    }
    if (fx_start(&fx, t0, NULL) != ES_OK) {
      ES_CHECK(false);
      fx_free(&fx);
      continue;
    }
    const int rc = fx_step(&fx, YEAR, NULL);
    if (rc != ES_OK) {
      ES_CHECK_INT_EQ(rc, ES_OK);
      fx_free(&fx);
      continue;
    }
    double sum_d = 0.0;
    int64_t sum_t = 0;
    for (size_t r = 0; r < n_regions; r++) {
      sum_d += fx.students[r];
      sum_t += fx.state.teachers[r];
    }
    bool any = sum_d > 0.0;
    for (size_t r = 0; r < n_regions && any; r++) {
      bad += fx.state.teachers[r] != fx.flows.target[r];
    }
    if (any) {
      /* The standard is met in total (ceil with MODEL's tolerance)... */
      bad += (double)sum_t < ceil(sum_d / st->ptr_standard - 1e-9);
      /* ... and, for Hamilton, every region is within one teacher of its
       * quota of sum T, which is at least D / ptr. */
      for (size_t r = 0; r < n_regions && hamilton; r++) {
        const double quota = fx.students[r] * (double)sum_t / sum_d;
        bad += fabs((double)fx.state.teachers[r] - quota) >= 1.0;
        bad += (double)fx.state.teachers[r] + 1.0 <=
               fx.students[r] / st->ptr_standard;
      }
    }
    fx_free(&fx);
    n_cases++;
  }
  ES_CHECK_INT_EQ(bad, 0);
  return n_cases;
}

static void test_random(void) {
  gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(rng, 20261125);
  ES_CHECK(random_invariants(rng) >= 200);
  ES_CHECK(random_resident_reaches_standard(rng) >= 200);
  gsl_rng_free(rng);
}

int main(void) {
  test_attrition();
  test_attrition_stochastic();
  test_hiring_capacity();
  test_targets();
  test_cross_stage();
  test_hires_capped_by_deficits();
  test_transfers_offers_short();
  test_transfers_pools();
  test_hires();
  test_seats_lead_time();
  test_seats_cap_split();
  test_seats_need();
  test_consolidation();
  test_errors();
  test_random();
  return es_test_summary();
}
