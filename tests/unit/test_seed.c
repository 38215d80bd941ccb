/* test_seed.c: seeds of the replicate and strategy streams (MODEL 9, STYLE 25).
 *
 * The SplitMix64 finaliser against the published reference sequence (checked
 * first against an independent implementation written here), FNV-1a 64
 * against its specification's test vectors, the derivation formulas, 64-bit
 * distinctness of 100,001 replicate seeds for several base seeds, the 32-bit
 * folding for mt19937 (0 replaced), and the collision check: on crafted arrays
 * and on the real collision the default seed 1 produces among its first
 * 100,001 replicates (which shows that collisions of folded seeds do happen
 * and that the check catches them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "es_test.h"
#include "models/error.h"
#include "models/seed.h"

/* ---- an independent SplitMix64 (Vigna's splitmix64.c, transcribed) ---- */

struct ref_splitmix {
  uint64_t x; /* state */
};

static uint64_t ref_next(struct ref_splitmix *g) {
  uint64_t z = (g->x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* FNV-1a 64 written from the specification, for the name hash. */
static uint64_t ref_fnv1a(const char *s) {
  uint64_t h = 14695981039346656037ULL;
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

static void test_mix_reference(void) {
  /* The reference sequence of SplitMix64 seeded with 1234567. */
  const uint64_t want[5] = {6457827717110365317ULL, 3203168211198807973ULL,
                            9817491932198370423ULL, 4593380528125082431ULL,
                            16408922859458223821ULL};
  struct ref_splitmix g = {1234567u};
  for (size_t k = 0; k < 5; k++) {
    /* First the independent implementation agrees with the published
     * values, then es_seed_mix reproduces them: output k (1-based) is
     * mix(seed + k * gamma). */
    ES_CHECK(ref_next(&g) == want[k]);
    ES_CHECK(es_seed_mix(1234567u + (uint64_t)(k + 1) * ES_SEED_GAMMA) ==
             want[k]);
  }
  /* mix(0) = 0 (a fixed point: the reason SplitMix64 adds gamma first). */
  ES_CHECK(es_seed_mix(0) == 0);
  /* Random-looking agreement of the two implementations on other states. */
  struct ref_splitmix h = {0xdeadbeefcafef00dULL};
  size_t n_diff = 0;
  uint64_t state = 0xdeadbeefcafef00dULL;
  for (size_t k = 0; k < 1000; k++) {
    state += ES_SEED_GAMMA;
    if (ref_next(&h) != es_seed_mix(state)) {
      n_diff++;
    }
  }
  ES_CHECK_INT_EQ(n_diff, 0);
}

static void test_derive_formulas(void) {
  /* derive(b, i) is the (i+1)-th output of SplitMix64 seeded with the first
   * output of SplitMix64 seeded with b. */
  const uint64_t bases[3] = {1u, 20261125u, 0xffffffffffffffffULL};
  for (size_t b = 0; b < 3; b++) {
    struct ref_splitmix outer = {bases[b]};
    struct ref_splitmix inner = {ref_next(&outer)};
    size_t n_diff = 0;
    for (uint64_t i = 0; i < 50; i++) {
      if (es_seed_derive(bases[b], i) != ref_next(&inner)) {
        n_diff++;
      }
    }
    ES_CHECK_INT_EQ(n_diff, 0);
  }
  /* Values computed with an independent Python transcription. */
  ES_CHECK(es_seed_derive(1u, 0u) == 6791897765849424158ULL);
  ES_CHECK(es_seed_derive(1u, 1u) == 17405687883870564846ULL);
  ES_CHECK(es_seed_derive(1u, 2u) == 834844254806117752ULL);
  ES_CHECK_INT_EQ(es_seed_for_gsl(es_seed_derive(1u, 0u)), 712559126);
  /* Not base + i: neighbouring base seeds do not give shifted streams. */
  ES_CHECK(es_seed_derive(2u, 0u) != es_seed_derive(1u, 1u));
  ES_CHECK(es_seed_derive(1u, 0u) != es_seed_derive(0u, 1u));
  /* Deterministic. */
  ES_CHECK(es_seed_derive(987654321u, 17u) == es_seed_derive(987654321u, 17u));

  /* derive2 = mix(derive(b, i) ^ mix(key + gamma)). */
  const uint64_t key = es_seed_hash_name("resident");
  struct ref_splitmix kg = {key};
  const uint64_t want =
      es_seed_mix(es_seed_derive(20261125u, 3u) ^ ref_next(&kg));
  ES_CHECK(es_seed_derive2(20261125u, 3u, key) == want);
  ES_CHECK(es_seed_derive2(20261125u, 3u, key) !=
           es_seed_derive(20261125u, 3u));
  /* Keys of one replicate are distinct and do not depend on each other:
   * the stream of "resident" is the same whatever other strategies exist. */
  const uint64_t k_rank = es_seed_hash_name("rank");
  const uint64_t k_hukou = es_seed_hash_name("hukou");
  ES_CHECK(es_seed_derive2(5u, 9u, k_rank) != es_seed_derive2(5u, 9u, k_hukou));
  ES_CHECK(es_seed_derive2(5u, 9u, k_rank) != es_seed_derive2(5u, 8u, k_rank));
  ES_CHECK(es_seed_derive2(5u, 9u, k_rank) != es_seed_derive2(6u, 9u, k_rank));
}

static void test_hash_name(void) {
  /* FNV-1a 64 test vectors of the specification. */
  ES_CHECK(ref_fnv1a("") == 0xcbf29ce484222325ULL);
  ES_CHECK(ref_fnv1a("a") == 0xaf63dc4c8601ec8cULL);
  ES_CHECK(ref_fnv1a("foobar") == 0x85944171f73967e8ULL);
  /* es_seed_hash_name = mix(FNV-1a 64). */
  ES_CHECK(es_seed_hash_name("") == es_seed_mix(0xcbf29ce484222325ULL));
  ES_CHECK(es_seed_hash_name("a") == es_seed_mix(0xaf63dc4c8601ec8cULL));
  ES_CHECK(es_seed_hash_name("foobar") == 4633546387131234498ULL);
  ES_CHECK(es_seed_hash_name("a") == 198367012849983736ULL);
  ES_CHECK(es_seed_hash_name("resident") == 16500264590660015588ULL);
  /* Bytes above 127 are taken as unsigned (UTF-8 names). */
  ES_CHECK(es_seed_hash_name("按常住人口") ==
           es_seed_mix(ref_fnv1a("按常住人口")));
  ES_CHECK(es_seed_hash_name("resident") != es_seed_hash_name("residenT"));
}

static void test_for_gsl(void) {
  /* The xor of the halves. */
  ES_CHECK_INT_EQ(es_seed_for_gsl(0x0000000100000002ULL), 3);
  ES_CHECK_INT_EQ(es_seed_for_gsl(0xffffffff00000000ULL), 0xffffffffUL);
  ES_CHECK_INT_EQ(es_seed_for_gsl(0x12345678abcdef01ULL),
                  0x12345678UL ^ 0xabcdef01UL);
  /* 0 is replaced by the fixed constant, never left to GSL's 4357. */
  ES_CHECK_INT_EQ(es_seed_for_gsl(0), ES_SEED_GSL_ZERO);
  ES_CHECK_INT_EQ(es_seed_for_gsl(0xdeadbeefdeadbeefULL), ES_SEED_GSL_ZERO);
  ES_CHECK(ES_SEED_GSL_ZERO != 0 && ES_SEED_GSL_ZERO != 4357);
  /* mt19937 uses the value as given: two generators seeded alike agree,
   * and the folded seed differs from what 0 would give. */
  gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng *b = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(a, es_seed_for_gsl(0));
  gsl_rng_set(b, 4357);
  ES_CHECK(gsl_rng_get(a) != gsl_rng_get(b));
  gsl_rng_set(a, es_seed_for_gsl(es_seed_derive(7u, 3u)));
  gsl_rng_set(b, es_seed_for_gsl(es_seed_derive(7u, 3u)));
  ES_CHECK(gsl_rng_get(a) == gsl_rng_get(b));
  gsl_rng_free(a);
  gsl_rng_free(b);
}

static int compare_u64(const void *pa, const void *pb) {
  const uint64_t a = *(const uint64_t *)pa;
  const uint64_t b = *(const uint64_t *)pb;
  return a < b ? -1 : (a > b ? 1 : 0);
}

#define N_REPLICATES 100001

/* 64-bit seeds of replicates 0..100000 are distinct for every base seed (a
 * theorem: mix is a bijection); the folded 32-bit seeds may collide, and do
 * for base seed 1: replicates 30926 and 35179 both get 1837300838 (found by
 * an independent Python search). The check reports exactly that pair. */
static void test_distinct_replicates(void) {
  uint64_t *full = malloc(N_REPLICATES * sizeof *full);
  unsigned long *folded = malloc(N_REPLICATES * sizeof *folded);
  ES_ASSERT(full != NULL && folded != NULL);
  const uint64_t bases[4] = {1u, 42u, 20261125u, 0x0123456789abcdefULL};
  for (size_t b = 0; b < 4; b++) {
    for (size_t i = 0; i < N_REPLICATES; i++) {
      full[i] = es_seed_derive(bases[b], i);
      folded[i] = es_seed_for_gsl(full[i]);
    }
    qsort(full, N_REPLICATES, sizeof *full, compare_u64);
    size_t n_same = 0;
    for (size_t i = 1; i < N_REPLICATES; i++) {
      if (full[i] == full[i - 1]) {
        n_same++;
      }
    }
    ES_CHECK_INT_EQ(n_same, 0);
    size_t i_dup = 999, j_dup = 999;
    const int rc = es_seed_check_distinct(folded, N_REPLICATES, &i_dup, &j_dup);
    if (bases[b] == 1u) {
      ES_CHECK_INT_EQ(rc, ES_EINVAL);
      ES_CHECK_INT_EQ(i_dup, 30926);
      ES_CHECK_INT_EQ(j_dup, 35179);
      ES_CHECK_INT_EQ(folded[30926], 1837300838UL);
      ES_CHECK_INT_EQ(folded[35179], 1837300838UL);
      /* Below the colliding replicate, seed 1 is fine. */
      ES_CHECK_INT_EQ(es_seed_check_distinct(folded, 35179, NULL, NULL), ES_OK);
    } else if (bases[b] == 42u) {
      ES_CHECK_INT_EQ(rc, ES_OK);
      ES_CHECK_INT_EQ(i_dup, 999); /* untouched */
    } else if (bases[b] == 20261125u) {
      ES_CHECK_INT_EQ(rc, ES_EINVAL);
      ES_CHECK_INT_EQ(i_dup, 16300);
      ES_CHECK_INT_EQ(j_dup, 54831);
    }
    /* Whatever the check says, it says the truth: a brute-force count of
     * equal folded pairs among the sorted values. */
    if (rc == ES_EINVAL) {
      ES_CHECK(i_dup < j_dup && folded[i_dup] == folded[j_dup]);
      for (size_t k = 0; k < j_dup; k++) {
        if (k != i_dup && folded[k] == folded[j_dup]) {
          ES_CHECK(k > i_dup); /* i_dup is the first with that seed */
        }
      }
    }
  }
  free(full);
  free(folded);
}

static void test_check_distinct_crafted(void) {
  size_t i_dup = 77, j_dup = 77;
  ES_CHECK_INT_EQ(es_seed_check_distinct(NULL, 0, &i_dup, &j_dup), ES_OK);
  const unsigned long one[1] = {5};
  ES_CHECK_INT_EQ(es_seed_check_distinct(one, 1, &i_dup, &j_dup), ES_OK);
  const unsigned long ok[6] = {9, 3, 12, 4, 7, 1};
  ES_CHECK_INT_EQ(es_seed_check_distinct(ok, 6, &i_dup, &j_dup), ES_OK);
  ES_CHECK_INT_EQ(i_dup, 77);
  ES_CHECK_INT_EQ(j_dup, 77);
  /* Two collisions: 4 at 1 and 5, 8 at 2 and 4 (and 6). The first in index
   * order is the one completed earliest: (2, 4). */
  const unsigned long two[7] = {11, 4, 8, 13, 8, 4, 8};
  ES_CHECK_INT_EQ(es_seed_check_distinct(two, 7, &i_dup, &j_dup), ES_EINVAL);
  ES_CHECK_INT_EQ(i_dup, 2);
  ES_CHECK_INT_EQ(j_dup, 4);
  /* Adjacent, at the ends. */
  const unsigned long ends[4] = {6, 1, 2, 6};
  ES_CHECK_INT_EQ(es_seed_check_distinct(ends, 4, &i_dup, &j_dup), ES_EINVAL);
  ES_CHECK_INT_EQ(i_dup, 0);
  ES_CHECK_INT_EQ(j_dup, 3);
  /* A run of three equal seeds reports its first two. */
  const unsigned long run[5] = {2, 2, 2, 1, 0};
  ES_CHECK_INT_EQ(es_seed_check_distinct(run, 5, NULL, &j_dup), ES_EINVAL);
  ES_CHECK_INT_EQ(j_dup, 1);
  /* The input is not reordered. */
  ES_CHECK_INT_EQ(two[0], 11);
  ES_CHECK_INT_EQ(two[6], 8);
}

int main(void) {
  test_mix_reference();
  test_derive_formulas();
  test_hash_name();
  test_for_gsl();
  test_distinct_replicates();
  test_check_distinct_crafted();
  return es_test_summary();
}
