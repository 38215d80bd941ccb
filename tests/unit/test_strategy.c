/* test_strategy.c: strategy bases and their weights (MODEL 5.1, 5.3b). */
#include <math.h>
#include <string.h>

#include "es_test.h"
#include "models/error.h"
#include "models/strategy.h"

#define N_REGIONS 3
#define N_STAGES  2
#define N_CELLS   (N_REGIONS * N_STAGES)

/* One small world: 3 regions x 2 stages, row-major [region][stage]. */
static const double students[N_CELLS] = {120.5, 40.25, 60.0, 0.0, 19.5, 10.0};
static const double registered[N_CELLS] = {100.0, 30.0, 80.0, 20.0, 20.0, 2.5};
static const int64_t ranks[N_REGIONS] = {1, 2, 3};
static const int64_t teachers_t0[N_CELLS] = {7, 3, 5, 0, 2, 1};
static const int64_t seats_t0[N_CELLS] = {150, 45, 70, 0, 25, 12};
static const double expected_h2[N_CELLS] = {110.0, 44.0, 66.0, 1.5, 24.0, 9.0};
static const double multiplier[N_REGIONS] = {2.0, 0.5, 1.25};
static const double negative_multiplier[N_REGIONS] = {1.0, -0.5, 1.0};

/* Strategy indices of the test scenario. */
enum {
  S_RESIDENT,
  S_HUKOU,
  S_RANK,
  S_BASELINE,
  S_FORECAST,
  S_BLEND,          /* resident -> hukou, 2030, 4 years */
  S_NEED,           /* resident x multiplier */
  S_BLEND_MULT,     /* baseline -> forecast, x multiplier */
  S_BLEND_OF_MULT,  /* need -> hukou */
  S_FORECAST_FAR,   /* horizon 5: not supplied */
  S_BLEND_OF_BLEND, /* invalid */
  S_NEGATIVE,       /* resident x negative multiplier */
  N_STRATEGIES
};

struct world {
  char names[N_STRATEGIES][32];
  char column[16];
  int64_t rank_rank[3];
  double rank_value[3];
  struct es_strategy_spec specs[N_STRATEGIES];
  const double *expected[3];
  struct es_strategy_context ctx;
};

static void world_init(struct world *w, const int year) {
  memset(w, 0, sizeof *w);
  static const char *const names[N_STRATEGIES] = {
      "resident", "hukou",      "rank",        "baseline",
      "forecast", "transition", "need",        "blend_mult",
      "blend_of", "forecast5",  "blend_blend", "negative"};
  for (size_t s = 0; s < N_STRATEGIES; s++) {
    strcpy(w->names[s], names[s]);
    w->specs[s].name = w->names[s];
    w->specs[s].basis = ES_BASIS_RESIDENT;
  }
  strcpy(w->column, "need_weight");
  w->specs[S_HUKOU].basis = ES_BASIS_HUKOU;
  w->rank_rank[0] = 1;
  w->rank_rank[1] = 2;
  w->rank_rank[2] = 3;
  w->rank_value[0] = 1.5;
  w->rank_value[1] = 1.0;
  w->rank_value[2] = 0.5;
  w->specs[S_RANK].basis = ES_BASIS_RANK;
  w->specs[S_RANK].n_rank_weights = 3;
  w->specs[S_RANK].rank_weight_rank = w->rank_rank;
  w->specs[S_RANK].rank_weight_value = w->rank_value;
  w->specs[S_BASELINE].basis = ES_BASIS_BASELINE;
  w->specs[S_FORECAST].basis = ES_BASIS_FORECAST;
  w->specs[S_FORECAST].horizon_years = 2;
  w->specs[S_BLEND].basis = ES_BASIS_BLEND;
  w->specs[S_BLEND].blend_from = S_RESIDENT;
  w->specs[S_BLEND].blend_to = S_HUKOU;
  w->specs[S_BLEND].blend_start_year = 2030;
  w->specs[S_BLEND].blend_years = 4;
  w->specs[S_NEED].multiplier_column = w->column;
  w->specs[S_NEED].multiplier = multiplier;
  w->specs[S_BLEND_MULT] = w->specs[S_BLEND];
  w->specs[S_BLEND_MULT].name = w->names[S_BLEND_MULT];
  w->specs[S_BLEND_MULT].blend_from = S_BASELINE;
  w->specs[S_BLEND_MULT].blend_to = S_FORECAST;
  w->specs[S_BLEND_MULT].multiplier_column = w->column;
  w->specs[S_BLEND_MULT].multiplier = multiplier;
  w->specs[S_BLEND_OF_MULT] = w->specs[S_BLEND];
  w->specs[S_BLEND_OF_MULT].name = w->names[S_BLEND_OF_MULT];
  w->specs[S_BLEND_OF_MULT].blend_from = S_NEED;
  w->specs[S_FORECAST_FAR].basis = ES_BASIS_FORECAST;
  w->specs[S_FORECAST_FAR].horizon_years = 5;
  w->specs[S_BLEND_OF_BLEND] = w->specs[S_BLEND];
  w->specs[S_BLEND_OF_BLEND].name = w->names[S_BLEND_OF_BLEND];
  w->specs[S_BLEND_OF_BLEND].blend_to = S_BLEND;
  w->specs[S_NEGATIVE].multiplier_column = w->column;
  w->specs[S_NEGATIVE].multiplier = negative_multiplier;

  w->expected[0] = students;
  w->expected[1] = NULL;
  w->expected[2] = expected_h2;
  w->ctx.n_regions = N_REGIONS;
  w->ctx.n_stages = N_STAGES;
  w->ctx.year = year;
  w->ctx.students = students;
  w->ctx.registered = registered;
  w->ctx.rank = ranks;
  w->ctx.teachers_t0 = teachers_t0;
  w->ctx.seats_t0 = seats_t0;
  w->ctx.n_horizons = 3;
  w->ctx.expected = w->expected;
  w->ctx.n_strategies = N_STRATEGIES;
  w->ctx.strategies = w->specs;
}

struct weights {
  double t[N_CELLS];
  double s[N_CELLS];
  double need[N_STAGES];
};

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

static int compute(const struct world *w, const size_t i, struct weights *out,
                   struct es_error *err) {
  for (size_t c = 0; c < N_CELLS; c++) {
    out->t[c] = -1.0;
    out->s[c] = -1.0;
  }
  out->need[0] = out->need[1] = -1.0;
  es_error_clear(err);
  return es_strategy_weights(&w->ctx, i, out->t, out->s, out->need, err);
}

static void test_names(void) {
  ES_CHECK_STR_EQ(es_basis_name(ES_BASIS_BLEND), "blend");
  enum es_basis b = ES_BASIS_RESIDENT;
  ES_CHECK(es_basis_from_name("forecast", &b));
  ES_CHECK_INT_EQ(b, ES_BASIS_FORECAST);
  ES_CHECK(!es_basis_from_name("greedy", &b));
}

static void test_plain_bases(void) {
  struct world w;
  world_init(&w, 2031);
  struct weights out;
  struct es_error err;

  ES_CHECK_INT_EQ(compute(&w, S_RESIDENT, &out, &err), ES_OK);
  for (size_t c = 0; c < N_CELLS; c++) {
    ES_CHECK_DOUBLE_EQ(out.t[c], students[c]);
    ES_CHECK_DOUBLE_EQ(out.s[c], students[c]);
  }
  ES_CHECK_NEAR(out.need[0], 200.0, 1e-12);
  ES_CHECK_NEAR(out.need[1], 50.25, 1e-12);

  ES_CHECK_INT_EQ(compute(&w, S_HUKOU, &out, &err), ES_OK);
  for (size_t c = 0; c < N_CELLS; c++) {
    ES_CHECK_DOUBLE_EQ(out.t[c], registered[c]);
    ES_CHECK_DOUBLE_EQ(out.s[c], registered[c]);
  }
  /* S_k is the students' total whatever the basis (MODEL 5.3b). */
  ES_CHECK_NEAR(out.need[0], 200.0, 1e-12);
  ES_CHECK_NEAR(out.need[1], 50.25, 1e-12);

  /* rank: rank_weight[rank] * H = 1.5*100, 1.5*30, 1*80, 1*20, .5*20, .5*2.5 */
  ES_CHECK_INT_EQ(compute(&w, S_RANK, &out, &err), ES_OK);
  const double rank_w[N_CELLS] = {150.0, 45.0, 80.0, 20.0, 10.0, 1.25};
  for (size_t c = 0; c < N_CELLS; c++) {
    ES_CHECK_NEAR(out.t[c], rank_w[c], 1e-12);
    ES_CHECK_NEAR(out.s[c], rank_w[c], 1e-12);
  }

  /* baseline: teachers at t0 for teachers, seats at t0 for seats. */
  ES_CHECK_INT_EQ(compute(&w, S_BASELINE, &out, &err), ES_OK);
  for (size_t c = 0; c < N_CELLS; c++) {
    ES_CHECK_DOUBLE_EQ(out.t[c], (double)teachers_t0[c]);
    ES_CHECK_DOUBLE_EQ(out.s[c], (double)seats_t0[c]);
  }
  ES_CHECK_NEAR(out.need[1], 50.25, 1e-12);

  /* forecast h = 2: expected students, and S_k their total. */
  ES_CHECK_INT_EQ(compute(&w, S_FORECAST, &out, &err), ES_OK);
  for (size_t c = 0; c < N_CELLS; c++) {
    ES_CHECK_DOUBLE_EQ(out.t[c], expected_h2[c]);
    ES_CHECK_DOUBLE_EQ(out.s[c], expected_h2[c]);
  }
  ES_CHECK_NEAR(out.need[0], 200.0, 1e-12);
  ES_CHECK_NEAR(out.need[1], 54.5, 1e-12);

  /* multiplier: D * m. */
  ES_CHECK_INT_EQ(compute(&w, S_NEED, &out, &err), ES_OK);
  const double need_w[N_CELLS] = {241.0, 80.5, 30.0, 0.0, 24.375, 12.5};
  for (size_t c = 0; c < N_CELLS; c++) {
    ES_CHECK_NEAR(out.t[c], need_w[c], 1e-12);
    ES_CHECK_NEAR(out.s[c], need_w[c], 1e-12);
  }
  ES_CHECK_NEAR(out.need[0], 200.0, 1e-12);
}

static void test_blend_lambda(void) {
  struct world w;
  world_init(&w, 2031);
  const struct es_strategy_spec *b = &w.specs[S_BLEND];
  ES_CHECK_DOUBLE_EQ(es_strategy_blend_lambda(b, 2020), 0.0);
  ES_CHECK_DOUBLE_EQ(es_strategy_blend_lambda(b, 2030), 0.0);
  ES_CHECK_DOUBLE_EQ(es_strategy_blend_lambda(b, 2031), 0.25);
  ES_CHECK_DOUBLE_EQ(es_strategy_blend_lambda(b, 2033), 0.75);
  ES_CHECK_DOUBLE_EQ(es_strategy_blend_lambda(b, 2034), 1.0);
  ES_CHECK_DOUBLE_EQ(es_strategy_blend_lambda(b, 2050), 1.0);
}

static void test_blend(void) {
  struct world w;
  struct weights out;
  struct es_error err;
  /* Before and at the window's start: resident shares D / sum D. */
  const int before_years[2] = {2025, 2030};
  for (size_t y = 0; y < 2; y++) {
    world_init(&w, before_years[y]);
    ES_CHECK_INT_EQ(compute(&w, S_BLEND, &out, &err), ES_OK);
    ES_CHECK_NEAR(out.t[0], 120.5 / 200.0, 1e-15);
    ES_CHECK_NEAR(out.t[2], 60.0 / 200.0, 1e-15);
    ES_CHECK_NEAR(out.t[4], 19.5 / 200.0, 1e-15);
    ES_CHECK_NEAR(out.t[1], 40.25 / 50.25, 1e-15);
    ES_CHECK_NEAR(out.t[3], 0.0, 1e-15);
    ES_CHECK_NEAR(out.s[5], 10.0 / 50.25, 1e-15);
    ES_CHECK_NEAR(out.need[0], 200.0, 1e-12);
  }
  /* Inside: lambda = 0.25. Stage 0 region 0: 0.75 * 0.6025 + 0.25 * 0.5. */
  world_init(&w, 2031);
  ES_CHECK_INT_EQ(compute(&w, S_BLEND, &out, &err), ES_OK);
  ES_CHECK_NEAR(out.t[0], 0.576875, 1e-15);
  ES_CHECK_NEAR(out.s[0], 0.576875, 1e-15);
  /* Stage 1 region 1: 0.75 * 0 + 0.25 * 20 / 52.5. */
  ES_CHECK_NEAR(out.t[3], 0.25 * 20.0 / 52.5, 1e-15);
  /* Shares of a blend sum to 1 per stage when both sums are positive. */
  ES_CHECK_NEAR(out.t[0] + out.t[2] + out.t[4], 1.0, 1e-14);
  ES_CHECK_NEAR(out.t[1] + out.t[3] + out.t[5], 1.0, 1e-14);
  /* After: hukou shares H / sum H. */
  const int after_years[2] = {2034, 2041};
  for (size_t y = 0; y < 2; y++) {
    world_init(&w, after_years[y]);
    ES_CHECK_INT_EQ(compute(&w, S_BLEND, &out, &err), ES_OK);
    ES_CHECK_NEAR(out.t[0], 0.5, 1e-15);
    ES_CHECK_NEAR(out.t[2], 0.4, 1e-15);
    ES_CHECK_NEAR(out.t[5], 2.5 / 52.5, 1e-15);
  }
}

static void test_blend_multiplier_baseline_forecast(void) {
  struct world w;
  struct weights out;
  struct es_error err;
  world_init(&w, 2032); /* lambda = 0.5 */
  ES_CHECK_INT_EQ(compute(&w, S_BLEND_MULT, &out, &err), ES_OK);
  /* Teachers, stage 0, region 0: (0.5 * 7/14 + 0.5 * 110/200) * 2. */
  ES_CHECK_NEAR(out.t[0], (0.5 * 0.5 + 0.5 * 0.55) * 2.0, 1e-14);
  /* Seats use seats at t0: (0.5 * 150/245 + 0.5 * 110/200) * 2. */
  ES_CHECK_NEAR(out.s[0], (0.5 * 150.0 / 245.0 + 0.5 * 0.55) * 2.0, 1e-14);
  /* Stage 1, region 1: teachers (0.5 * 0/4 + 0.5 * 1.5/54.5) * 0.5. */
  ES_CHECK_NEAR(out.t[3], 0.5 * 1.5 / 54.5 * 0.5, 1e-15);
  /* S_k = 0.5 * S_baseline + 0.5 * S_forecast. */
  ES_CHECK_NEAR(out.need[0], 200.0, 1e-12);
  ES_CHECK_NEAR(out.need[1], 0.5 * 50.25 + 0.5 * 54.5, 1e-12);

  /* Components apply their own multiplier: need -> hukou at lambda 0.25.
   * Stage 0: need weights 241, 30, 24.375 (sum 295.375). */
  world_init(&w, 2031);
  ES_CHECK_INT_EQ(compute(&w, S_BLEND_OF_MULT, &out, &err), ES_OK);
  ES_CHECK_NEAR(out.t[0], 0.75 * 241.0 / 295.375 + 0.25 * 0.5, 1e-15);
  ES_CHECK_NEAR(out.t[2], 0.75 * 30.0 / 295.375 + 0.25 * 0.4, 1e-15);
}

static void test_blend_zero_sum(void) {
  /* Baseline teachers all 0 in stage 1: that component counts as 0. */
  struct world w;
  struct weights out;
  struct es_error err;
  world_init(&w, 2031); /* lambda = 0.25 */
  const int64_t no_teachers[N_CELLS] = {7, 0, 5, 0, 2, 0};
  w.ctx.teachers_t0 = no_teachers;
  w.specs[S_BLEND].blend_from = S_BASELINE;
  w.specs[S_BLEND].blend_to = S_RESIDENT;
  ES_CHECK_INT_EQ(compute(&w, S_BLEND, &out, &err), ES_OK);
  ES_CHECK_NEAR(out.t[1], 0.25 * 40.25 / 50.25, 1e-15);
  ES_CHECK_NEAR(out.t[3], 0.0, 1e-15);
  ES_CHECK_NEAR(out.t[5], 0.25 * 10.0 / 50.25, 1e-15);
  /* Seats at t0 are not all 0 in stage 1: 0.75 * 45/57 + 0.25 * 40.25/50.25 */
  ES_CHECK_NEAR(out.s[1], 0.75 * 45.0 / 57.0 + 0.25 * 40.25 / 50.25, 1e-15);
  /* Stage 0 is normal: 0.75 * 7/14 + 0.25 * 120.5/200. */
  ES_CHECK_NEAR(out.t[0], 0.75 * 0.5 + 0.25 * 0.6025, 1e-15);
}

static void test_errors(void) {
  struct world w;
  struct weights out;
  struct es_error err;
  world_init(&w, 2031);

  ES_CHECK_INT_EQ(compute(&w, N_STRATEGIES, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err, "strategy index 12 is out of range (12 strategies)");

  ES_CHECK_INT_EQ(compute(&w, S_FORECAST_FAR, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "strategy 'forecast5': no expected students for horizon 5 "
                "years in year 2031 (the caller must supply them)");

  /* A horizon inside the table whose entry is NULL. */
  w.specs[S_FORECAST_FAR].horizon_years = 1;
  ES_CHECK_INT_EQ(compute(&w, S_FORECAST_FAR, &out, &err), ES_EINVAL);
  CHECK_MESSAGE_HAS(&err, "no expected students for horizon 1 years");

  /* No table at all. */
  w.ctx.expected = NULL;
  w.ctx.n_horizons = 0;
  ES_CHECK_INT_EQ(compute(&w, S_FORECAST, &out, &err), ES_EINVAL);
  CHECK_MESSAGE_HAS(&err, "strategy 'forecast': no expected students");
  /* ... which a blend with a forecast component reports with its name. */
  ES_CHECK_INT_EQ(compute(&w, S_BLEND_MULT, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "strategy 'blend_mult': strategy 'forecast': no expected "
                "students for horizon 2 years in year 2031 (the caller "
                "must supply them)");
  /* ... while the other bases need none. */
  ES_CHECK_INT_EQ(compute(&w, S_RESIDENT, &out, &err), ES_OK);

  world_init(&w, 2031);
  ES_CHECK_INT_EQ(compute(&w, S_BLEND_OF_BLEND, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "strategy 'blend_blend': a blend must go from one "
                "non-blend strategy to another (indices 0 and 5 of 12)");

  w.specs[S_BLEND_OF_BLEND].blend_to = 99;
  ES_CHECK_INT_EQ(compute(&w, S_BLEND_OF_BLEND, &out, &err), ES_EINVAL);
  CHECK_MESSAGE_HAS(&err, "(indices 0 and 99 of 12)");

  ES_CHECK_INT_EQ(compute(&w, S_NEGATIVE, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "strategy 'negative': weight of region 1, stage 0 is -30 "
                "in year 2031 (expected a finite number >= 0; check "
                "multiplier column 'need_weight')");

  /* A negative component inside a blend is reported too. */
  w.specs[S_BLEND].blend_from = S_NEGATIVE;
  ES_CHECK_INT_EQ(compute(&w, S_BLEND, &out, &err), ES_EINVAL);
  CHECK_MESSAGE_HAS(&err, "strategy 'negative': weight of region 1");

  /* A NaN weight without a multiplier column. */
  world_init(&w, 2031);
  double bad[N_CELLS];
  memcpy(bad, students, sizeof bad);
  bad[5] = NAN;
  w.ctx.students = bad;
  ES_CHECK_INT_EQ(compute(&w, S_RESIDENT, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "strategy 'resident': weight of region 2, stage 1 is nan "
                "in year 2031 (expected a finite number >= 0)");

  world_init(&w, 2031);
  w.specs[S_BLEND].blend_years = 0;
  ES_CHECK_INT_EQ(compute(&w, S_BLEND, &out, &err), ES_EINVAL);
  CHECK_MESSAGE(&err,
                "strategy 'transition': blend years is 0 (expected >= 1)");
}

int main(void) {
  test_names();
  test_plain_bases();
  test_blend_lambda();
  test_blend();
  test_blend_multiplier_baseline_forecast();
  test_blend_zero_sum();
  test_errors();
  return es_test_summary();
}
