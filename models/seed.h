/* seed.h: seeds of the random streams of replicates and strategies (MODEL 9,
 * STYLE 25).
 *
 * Replicate i draws from its own generator, seeded from (seed, i) only, and the
 * supply step of strategy s of replicate i from a generator seeded from
 * (seed, i, s), where s enters as a 64-bit hash of the strategy's name, so that
 * adding, removing or reordering strategies never changes another's stream.
 * The inputs are mixed through SplitMix64 steps (not base + i, which would give
 * neighbouring, correlated mt19937 seeds). GSL's mt19937 keeps only 32 bits of
 * its seed (and maps 0 to 4357), so a derived 64-bit seed is folded to 32 bits
 * by es_seed_for_gsl and the engine checks at setup, with
 * es_seed_check_distinct, that no two streams got the same generator seed. */
#ifndef ES_MODELS_SEED_H
#define ES_MODELS_SEED_H

#include <stddef.h>
#include <stdint.h>

/** The increment of SplitMix64's state (the golden ratio, 2^64 / phi). */
#define ES_SEED_GAMMA UINT64_C(0x9e3779b97f4a7c15)

/** The generator seed that stands in for a folded value of 0 (which GSL's
 * mt19937 would silently replace by 4357): the first 32 bits of the
 * fractional part of sqrt(2). */
#define ES_SEED_GSL_ZERO 0x6a09e667UL

/** @brief The SplitMix64 finaliser (Stafford's "Mix13"), a bijection of the
 * 64-bit integers: z = (x ^ x >> 30) * 0xbf58476d1ce4e5b9,
 * z = (z ^ z >> 27) * 0x94d049bb133111eb, z ^ z >> 31. The k-th output of
 * SplitMix64 seeded with s is es_seed_mix(s + k * ES_SEED_GAMMA), k >= 1. */
uint64_t es_seed_mix(uint64_t x);

/**
 * @brief The 64-bit seed of replicate @p i_replicate: the
 * (i_replicate + 1)-th output of SplitMix64 seeded with the first output of
 * SplitMix64 seeded with @p base_seed. For one base seed, distinct replicates
 * always get distinct 64-bit seeds (es_seed_mix is a bijection).
 * @param base_seed   the scenario's seed
 * @param i_replicate 0-based replicate index
 */
uint64_t es_seed_derive(uint64_t base_seed, uint64_t i_replicate);

/**
 * @brief The 64-bit seed of stream @p key of replicate @p i_replicate:
 * es_seed_mix(es_seed_derive(base_seed, i_replicate) ^ es_seed_mix(key +
 * ES_SEED_GAMMA)). For one (base_seed, i_replicate), distinct keys always give
 * distinct seeds.
 * @param key a 64-bit stream key, e.g. es_seed_hash_name(strategy name)
 */
uint64_t es_seed_derive2(uint64_t base_seed, uint64_t i_replicate,
                         uint64_t key);

/**
 * @brief A 64-bit key of @p name: FNV-1a 64 of its bytes (without the
 * terminating NUL), then es_seed_mix.
 * @param name NUL-terminated (borrowed); never NULL
 */
uint64_t es_seed_hash_name(const char *name);

/**
 * @brief The seed to give gsl_rng_set for a derived 64-bit seed: the xor of
 * its two 32-bit halves, with 0 replaced by ES_SEED_GSL_ZERO (GSL's mt19937
 * uses 32 bits and would turn 0 into 4357). Always in 1..2^32-1.
 */
unsigned long es_seed_for_gsl(uint64_t derived);

/**
 * @brief Check that the @p n generator seeds are pairwise distinct (sorts a
 * copy; run at setup, never in a yearly step).
 * @param seeds [n] (borrowed)
 * @param i_dup, j_dup out (may be NULL): on ES_EINVAL, the first collision in
 *        index order: j_dup is the smallest index whose seed equals that of an
 *        earlier index, i_dup the smallest index with that seed (i_dup <
 *        j_dup). Untouched otherwise.
 * @return ES_OK, ES_EINVAL (two seeds are equal) or ES_ENOMEM.
 */
int es_seed_check_distinct(const unsigned long *seeds, size_t n, size_t *i_dup,
                           size_t *j_dup);

#endif /* ES_MODELS_SEED_H */
