/* rng.h: the random generator of edusim's stochastic mode (MODEL 9).
 *
 * GSL's mt19937 keeps only 32 bits of its seed, so at most 2^32 distinct
 * streams exist and a run of 100,000 replicates x 6 streams would see dozens
 * of replicates share a stream (birthday bound). es_rng_mt19937_64 is the same
 * Mersenne Twister generator, used through GSL's interface (every gsl_ran_*
 * draw works with it), seeded with all 64 bits of a derived seed by the
 * reference init_by_array of Matsumoto and Nishimura (key = the two 32-bit
 * halves). The output stream for a seed below 2^32 differs from GSL's mt19937
 * seeded the same way; that is intended: edusim always seeds it with 64-bit
 * derived seeds (models/seed.h). */
#ifndef ES_MODELS_RNG_H
#define ES_MODELS_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

/** @brief The generator type: pass it to gsl_rng_alloc; seed it with
 * gsl_rng_set(r, seed) where seed uses all 64 bits of unsigned long. */
const gsl_rng_type *es_rng_mt19937_64(void);

/** @brief The next 32-bit output of @p rng: for es_rng_mt19937_64 the word
 * gsl_rng_get would return, without its indirect calls (for the model's hot
 * loops); for another generator of 32-bit range its next word, else a
 * uniform scaled to 32 bits. */
uint32_t es_rng_u32(gsl_rng *rng);

/** @brief The next @p n outputs of @p rng into @p out, as n calls of
 * es_rng_u32 would give them. */
void es_rng_fill_u32(gsl_rng *rng, uint32_t *out, size_t n);

#endif /* ES_MODELS_RNG_H */
