/* test_rng.c: the 64-bit-seeded Mersenne Twister (models/rng.h).
 *
 * Reference values: the reference mt19937ar.c seeded by init_by_array with a
 * two-word key, as numpy's legacy RandomState(key) does; e.g. in Python
 * `numpy.random.RandomState([0xdeadbeef, 0x01234567]).randint(0, 2**32,
 * size=4, dtype=numpy.uint64)`. Our key is {low 32 bits, high 32 bits}. */
#include <stdint.h>

#include <gsl/gsl_randist.h>

#include "es_test.h"
#include "models/error.h"
#include "models/rng.h"

static void check_stream(uint64_t seed, const unsigned long *want, size_t n) {
  gsl_rng *r = gsl_rng_alloc(es_rng_mt19937_64());
  ES_ASSERT(r != NULL);
  gsl_rng_set(r, (unsigned long)seed);
  for (size_t i = 0; i < n; i++) {
    ES_CHECK_INT_EQ(gsl_rng_get(r), want[i]);
  }
  gsl_rng_free(r);
}

int main(void) {
  /* key {1, 0} */
  const unsigned long one[] = {577090037ul, 2444712010ul, 3639700191ul,
                               3445702192ul};
  check_stream(1u, one, 4);
  /* key {0, 1}: only the high half set; a 32-bit seeding would lose it */
  const unsigned long high[] = {485306839ul, 1508871100ul, 1794561286ul,
                                4014597330ul};
  check_stream(UINT64_C(1) << 32, high, 4);
  /* key {0xdeadbeef, 0x01234567} */
  const unsigned long mixed[] = {2955636142ul, 1691191308ul, 3303974145ul,
                                 2082084294ul};
  check_stream(UINT64_C(0x01234567deadbeef), mixed, 4);

  /* The 1000th output, past the first regeneration of the state. */
  gsl_rng *r = gsl_rng_alloc(es_rng_mt19937_64());
  gsl_rng_set(r, (unsigned long)UINT64_C(0x01234567deadbeef));
  unsigned long x = 0;
  for (size_t i = 0; i < 1000; i++) {
    x = gsl_rng_get(r);
  }
  ES_CHECK_INT_EQ(x, 2502743618ul);

  /* A batch of words is the same as word after word. */
  gsl_rng *r2 = gsl_rng_alloc(es_rng_mt19937_64());
  gsl_rng_set(r, 77ul);
  gsl_rng_set(r2, 77ul);
  uint32_t batch[700];
  es_rng_fill_u32(r, batch, 700); /* crosses a regeneration of the state */
  bool same = true;
  for (size_t i = 0; i < 700; i++) {
    same = same && batch[i] == es_rng_u32(r2);
  }
  ES_CHECK(same);
  ES_CHECK_INT_EQ(es_rng_u32(r), es_rng_u32(r2));
  gsl_rng_free(r2);
  /* Another generator type goes through GSL (32-bit words of mt19937). */
  gsl_rng *g1 = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng *g2 = gsl_rng_alloc(gsl_rng_mt19937);
  uint32_t words[3];
  es_rng_fill_u32(g1, words, 3);
  for (size_t i = 0; i < 3; i++) {
    ES_CHECK_INT_EQ(words[i], gsl_rng_get(g2));
  }
  gsl_rng_free(g1);
  gsl_rng_free(g2);

  /* GSL's distributions run on it: a binomial mean over many draws. */
  gsl_rng_set(r, 20261128ul);
  double sum = 0.0;
  const unsigned n_draws = 20000;
  for (unsigned i = 0; i < n_draws; i++) {
    sum += (double)gsl_ran_binomial(r, 0.3, 50);
  }
  /* mean 15, sd of the mean sqrt(50 0.3 0.7 / 20000) = 0.0229; 5 sd */
  ES_CHECK_NEAR(sum / n_draws, 15.0, 5 * 0.0229);
  ES_CHECK(gsl_rng_uniform(r) < 1.0);
  ES_CHECK_STR_EQ(gsl_rng_name(r), "edusim-mt19937-64");
  gsl_rng_free(r);
  return es_test_summary();
}
