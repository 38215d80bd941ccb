/* seed.c: derivation of the seeds of independent random streams (MODEL 9,
 * STYLE 25).
 *
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; Vigna's reference splitmix64.c) advances its state
 * by the golden-ratio constant and passes it through a bijective finaliser.
 * Its outputs are used here as a hash of (base seed, replicate, key):
 *
 *   s0 = mix(base + G)                      first output of SplitMix64(base)
 *   derive(base, i) = mix(s0 + (i + 1) G)   (i + 1)-th output of
 *                                           SplitMix64(s0)
 *   derive2(base, i, key) = mix(derive(base, i) ^ mix(key + G))
 *
 * Because mix is a bijection and i -> s0 + (i + 1) G is one modulo 2^64,
 * distinct replicates of one base seed never share a 64-bit seed, and likewise
 * distinct keys of one replicate. GSL's mt19937 keeps only 32 bits, so
 * 64-bit seeds are folded (xor of halves); folded seeds can collide (by the
 * birthday bound, with probability about n^2 / 2^33 for n streams: 1e-4 for
 * 1,000 replicates, 0.7 for 100,000), which es_seed_check_distinct detects
 * at setup. Strategy names are keyed by FNV-1a 64 (Fowler, Noll, Vo),
 * whitened by mix. */
#include "models/seed.h"

#include <stdbool.h>
#include <stdlib.h>

#include "models/error.h"

/* FNV-1a 64 parameters (the FNV specification, draft-eastlake-fnv). */
#define FNV64_OFFSET_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV64_PRIME        UINT64_C(0x100000001b3)

uint64_t es_seed_mix(uint64_t x) {
  x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

uint64_t es_seed_derive(const uint64_t base_seed, const uint64_t i_replicate) {
  /* Unsigned arithmetic wraps modulo 2^64, as SplitMix64's state does. */
  const uint64_t s0 = es_seed_mix(base_seed + ES_SEED_GAMMA);
  return es_seed_mix(s0 + (i_replicate + 1u) * ES_SEED_GAMMA);
}

uint64_t es_seed_derive2(const uint64_t base_seed, const uint64_t i_replicate,
                         const uint64_t key) {
  return es_seed_mix(es_seed_derive(base_seed, i_replicate) ^
                     es_seed_mix(key + ES_SEED_GAMMA));
}

uint64_t es_seed_hash_name(const char *name) {
  uint64_t h = FNV64_OFFSET_BASIS;
  for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++) {
    h ^= (uint64_t)*c;
    h *= FNV64_PRIME;
  }
  return es_seed_mix(h);
}

unsigned long es_seed_for_gsl(const uint64_t derived) {
  const uint64_t folded = (derived >> 32) ^ (derived & UINT64_C(0xffffffff));
  return folded != 0 ? (unsigned long)folded : ES_SEED_GSL_ZERO;
}

/* A seed and the index it came from, sorted by seed, then index. */
struct seed_at {
  unsigned long seed; /* generator seed */
  size_t index;       /* position in the caller's array */
};

static int compare_seed_at(const void *pa, const void *pb) {
  const struct seed_at *a = pa;
  const struct seed_at *b = pb;
  if (a->seed != b->seed) {
    return a->seed < b->seed ? -1 : 1;
  }
  return a->index < b->index ? -1 : (a->index > b->index ? 1 : 0);
}

int es_seed_check_distinct(const unsigned long *seeds, const size_t n,
                           size_t *i_dup, size_t *j_dup) {
  if (n < 2) {
    return ES_OK;
  }
  struct seed_at *sorted = malloc(n * sizeof *sorted);
  if (sorted == NULL) {
    return ES_ENOMEM;
  }
  for (size_t k = 0; k < n; k++) {
    sorted[k] = (struct seed_at){.seed = seeds[k], .index = k};
  }
  qsort(sorted, n, sizeof *sorted, compare_seed_at);
  /* In each run of equal seeds the first two entries hold the smallest index
   * and the smallest later index; the first collision in index order is the
   * run whose second index is smallest. */
  bool found = false;
  size_t best_i = 0;
  size_t best_j = 0;
  for (size_t k = 1; k < n; k++) {
    if (sorted[k].seed == sorted[k - 1].seed &&
        (k < 2 || sorted[k - 2].seed != sorted[k].seed) &&
        (!found || sorted[k].index < best_j)) {
      found = true;
      best_i = sorted[k - 1].index;
      best_j = sorted[k].index;
    }
  }
  free(sorted);
  if (!found) {
    return ES_OK;
  }
  if (i_dup != NULL) {
    *i_dup = best_i;
  }
  if (j_dup != NULL) {
    *j_dup = best_j;
  }
  return ES_EINVAL;
}
