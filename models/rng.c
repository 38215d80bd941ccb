/* rng.c: the Mersenne Twister MT19937 behind GSL's interface, seeded with 64
 * bits (see rng.h for why).
 *
 * The state, seeding and output follow the reference mt19937ar.c (Matsumoto
 * and Nishimura, 2002): init_by_array with the key {low 32 bits, high 32 bits}
 * of the seed, genrand_int32 for the output, and GSL's conversion to doubles
 * (x / 2^32, as gsl_rng_mt19937). GSL reaches the state only through the
 * functions of the type, so its layout is ours; es_rng_u32 gives the hot loops
 * of the model the next word without the two indirect calls of gsl_rng_get. */
#include "models/rng.h"

#include <stdint.h>

#define MT_N 624
#define MT_M 397

/* gsl_rng_set passes the seed as unsigned long: 64 bits are needed. */
_Static_assert(sizeof(unsigned long) >= 8,
               "edusim's stochastic mode needs a 64-bit unsigned long (LP64)");

struct mt_state {
  uint32_t mt[MT_N]; /* the generator's 624 words */
  size_t mti;        /* next word to temper; MT_N = regenerate first */
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
    st->mt[i] = (uint32_t)((st->mt[i] ^ ((prev ^ (prev >> 30)) * 1566083941u)) -
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

/* genrand_int32 of mt19937ar.c: the next tempered word. */
static uint32_t mt_next(struct mt_state *st) {
  static const uint32_t mag01[2] = {0x0u, 0x9908b0dfu};
  const uint32_t upper = 0x80000000u;
  const uint32_t lower = 0x7fffffffu;
  if (st->mti >= MT_N) {
    size_t kk = 0;
    for (; kk < MT_N - MT_M; kk++) {
      const uint32_t y =
          ((uint32_t)st->mt[kk] & upper) | ((uint32_t)st->mt[kk + 1] & lower);
      st->mt[kk] = (uint32_t)st->mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1u];
    }
    for (; kk < MT_N - 1; kk++) {
      const uint32_t y =
          ((uint32_t)st->mt[kk] & upper) | ((uint32_t)st->mt[kk + 1] & lower);
      st->mt[kk] =
          (uint32_t)st->mt[kk + MT_M - MT_N] ^ (y >> 1) ^ mag01[y & 0x1u];
    }
    const uint32_t y =
        ((uint32_t)st->mt[MT_N - 1] & upper) | ((uint32_t)st->mt[0] & lower);
    st->mt[MT_N - 1] = (uint32_t)st->mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1u];
    st->mti = 0;
  }
  uint32_t y = (uint32_t)st->mt[st->mti++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= (y >> 18);
  return y;
}

static unsigned long mt64_get(void *vstate) {
  return mt_next(vstate);
}

static double mt64_get_double(void *vstate) {
  return (double)mt_next(vstate) / 4294967296.0;
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
  return &mt19937_64_type;
}

uint32_t es_rng_u32(gsl_rng *rng) {
  if (rng->type == &mt19937_64_type) {
    return mt_next(rng->state);
  }
  /* Any other generator: its own words, scaled to 32 bits. */
  const unsigned long range = rng->type->max - rng->type->min;
  const unsigned long x = gsl_rng_get(rng) - rng->type->min;
  return range == 0xffffffffUL ? (uint32_t)x
                               : (uint32_t)(gsl_rng_uniform(rng) * 0x1p32);
}

void es_rng_fill_u32(gsl_rng *rng, uint32_t *out, size_t n) {
  if (rng->type == &mt19937_64_type) {
    struct mt_state *st = rng->state;
    for (size_t i = 0; i < n; i++) {
      out[i] = mt_next(st);
    }
    return;
  }
  for (size_t i = 0; i < n; i++) {
    out[i] = es_rng_u32(rng);
  }
}
