/* rng.c: the Mersenne Twister MT19937 behind GSL's interface, seeded with 64
 * bits (see rng.h for why).
 *
 * The generator's state, its output function and its double conversion are
 * GSL's own mt19937 (gsl_rng_mt19937->get and ->get_double): only seeding
 * differs. GSL keeps the state as { unsigned long mt[624]; int mti; }; the
 * state below must have exactly that layout, which es_rng_mt19937_64 checks
 * against gsl_rng_mt19937->size before handing the type out. Seeding follows
 * init_genrand and init_by_array of the reference mt19937ar.c (Matsumoto and
 * Nishimura, 2002), with the key {low 32 bits, high 32 bits} of the seed. */
#include "models/rng.h"

#include <stdint.h>

#include "models/error.h"

#define MT_N 624

/* gsl_rng_set passes the seed as unsigned long: 64 bits are needed. */
_Static_assert(sizeof(unsigned long) >= 8,
               "edusim's stochastic mode needs a 64-bit unsigned long (LP64)");

struct mt_state {
  unsigned long mt[MT_N]; /* 32-bit words in unsigned long, as GSL keeps them */
  int mti;                /* next word to temper; MT_N = regenerate first */
};

/* init_genrand of mt19937ar.c */
static void init_genrand(struct mt_state *st, uint32_t s) {
  st->mt[0] = s;
  for (size_t i = 1; i < MT_N; i++) {
    const uint32_t prev = (uint32_t)st->mt[i - 1];
    st->mt[i] = (uint32_t)(1812433253u * (prev ^ (prev >> 30)) + (uint32_t)i);
  }
  st->mti = MT_N;
}

/* init_by_array of mt19937ar.c with a key of two words. */
static void mt64_set(void *vstate, unsigned long seed) {
  struct mt_state *st = vstate;
  const uint64_t s = (uint64_t)seed;
  const uint32_t key[2] = {(uint32_t)(s & 0xffffffffu), (uint32_t)(s >> 32)};
  const size_t key_length = 2;
  init_genrand(st, 19650218u);
  size_t i = 1, j = 0;
  for (size_t k = MT_N; k > 0; k--) {
    const uint32_t prev = (uint32_t)st->mt[i - 1];
    st->mt[i] =
        (uint32_t)(((uint32_t)st->mt[i] ^ ((prev ^ (prev >> 30)) * 1664525u)) +
                   key[j] + (uint32_t)j);
    i++;
    j++;
    if (i >= MT_N) {
      st->mt[0] = st->mt[MT_N - 1];
      i = 1;
    }
    if (j >= key_length) {
      j = 0;
    }
  }
  for (size_t k = MT_N - 1; k > 0; k--) {
    const uint32_t prev = (uint32_t)st->mt[i - 1];
    st->mt[i] = (uint32_t)(((uint32_t)st->mt[i] ^
                            ((prev ^ (prev >> 30)) * 1566083941u)) -
                           (uint32_t)i);
    i++;
    if (i >= MT_N) {
      st->mt[0] = st->mt[MT_N - 1];
      i = 1;
    }
  }
  st->mt[0] = 0x80000000u; /* MSB is 1, assuring a non-zero initial array */
  st->mti = MT_N;
}

static unsigned long mt64_get(void *vstate) {
  return gsl_rng_mt19937->get(vstate);
}

static double mt64_get_double(void *vstate) {
  return gsl_rng_mt19937->get_double(vstate);
}

static const gsl_rng_type mt19937_64_type = {
    "edusim-mt19937-64", /* name */
    0xffffffffUL,        /* RAND_MAX */
    0,                   /* RAND_MIN */
    sizeof(struct mt_state),
    &mt64_set,
    &mt64_get,
    &mt64_get_double,
};

const gsl_rng_type *es_rng_mt19937_64(void) {
  /* The state must be GSL's mt19937 state, since GSL's functions run on it. */
  ES_ASSERT(gsl_rng_mt19937->size == sizeof(struct mt_state));
  return &mt19937_64_type;
}
