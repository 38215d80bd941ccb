/* sha256.h: the SHA-256 digest (FIPS 180-4) of a byte string.
 *
 * The results file stores every input file verbatim with its SHA-256, so that
 * a results file proves which data made it (DESIGN "Results file"). Written
 * here rather than taken from a crypto library to keep the dependency list
 * short; it is checked against the NIST test vectors. */
#ifndef ES_OUTPUT_SHA256_H
#define ES_OUTPUT_SHA256_H

#include <stddef.h>
#include <stdint.h>

/** Bytes in a SHA-256 digest. */
#define ES_SHA256_DIGEST_SIZE 32

/**
 * @brief SHA-256 of @p size bytes.
 * @param bytes the message (borrowed; may be NULL when @p size is 0).
 * @param size length of the message in bytes.
 * @param digest out: the 32-byte digest.
 */
void es_sha256(const void *bytes, size_t size,
               uint8_t digest[ES_SHA256_DIGEST_SIZE]);

/**
 * @brief SHA-256 of @p size bytes as 64 lower-case hex digits + NUL.
 * @param bytes the message (borrowed; may be NULL when @p size is 0).
 * @param size length of the message in bytes.
 * @param hex out: 65 chars, NUL-terminated.
 */
void es_sha256_hex(const void *bytes, size_t size, char hex[65]);

#endif /* ES_OUTPUT_SHA256_H */
