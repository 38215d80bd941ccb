/* digest.h: SHA-256 digests, and the digest that protects a results file.
 *
 * A results file begins with a 512-byte HDF5 user block, which HDF5 itself
 * never reads. After the file is closed, the writer puts in it a SHA-256
 * digest of every byte after the block (es_digest_sign); readers check it
 * (es_digest_verify) before HDF5 parses a byte of the file, because HDF5
 * cannot detect damage to its global heap, where variable-length strings
 * live, and crashes or reads wrong text silently when it is damaged
 * (notes/hdf5-recipe.md section 8). The block reads, exactly:
 *
 *     "edusim-digest 1\nsha256 " + 64 lower-case hex digits + "\n"
 *
 * followed by NUL bytes up to offset 512 (docs/output-format.md). SHA-256 is
 * Debian's nettle, which uses the CPU's SHA instructions where it has them. */
#ifndef ES_OUTPUT_DIGEST_H
#define ES_OUTPUT_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "models/error.h"

/** Bytes of the HDF5 user block that holds the digest (a power of 2 >= 512,
 * as HDF5 requires). */
#define ES_DIGEST_BLOCK_SIZE 512

/** Characters of a SHA-256 digest in hex, with its NUL. */
#define ES_DIGEST_HEX_SIZE 65

/** What a user block held, as es_digest_verify found it. */
enum es_digest_status {
  ES_DIGEST_VALID,   /* a digest that matches the bytes after the block */
  ES_DIGEST_ABSENT,  /* no digest: no user block, or one without the header */
  ES_DIGEST_SKIPPED, /* not checked (the reader was asked not to) */
};

/** How a reader treats the digests of the results files it opens. */
struct es_digest_policy {
  bool skip; /* read without checking the digest (--no-verify), for a file
                changed on purpose */
  /* Called once for each file opened without a digest to check (an older
   * file, or one rewritten by another program), with its path and a
   * sentence saying so; NULL to say nothing. The library prints nothing
   * itself (STYLE 18). */
  void (*notice)(const void *ctx, const char *path, const char *text);
  const void *notice_ctx; /* passed to notice (borrowed) */
};

/**
 * @brief SHA-256 of @p size bytes as 64 lower-case hex digits and a NUL.
 * @param bytes the message (borrowed; may be NULL when @p size is 0).
 * @param size length of the message in bytes.
 * @param hex out: ES_DIGEST_HEX_SIZE characters, NUL-terminated.
 */
void es_digest_sha256_hex(const void *bytes, size_t size,
                          char hex[ES_DIGEST_HEX_SIZE]);

/**
 * @brief Write the digest of the bytes after offset ES_DIGEST_BLOCK_SIZE of
 * the closed file @p path into its user block, which must be all NUL bytes
 * (as HDF5 leaves a reserved block).
 * @param path the file (borrowed); written in place, not synced.
 * @param err filled on failure.
 * @return ES_OK; ES_EINTERNAL (the file has no empty 512-byte user block);
 *         ES_EIO (it cannot be read or written).
 */
int es_digest_sign(const char *path, struct es_error *err);

/**
 * @brief Check the digest in the user block of @p path against the bytes
 * after it.
 * @param path the file (borrowed).
 * @param status out: ES_DIGEST_VALID, or ES_DIGEST_ABSENT when the file has
 *        no digest (HDF5's signature at offset 0, a file shorter than the
 *        block, or a user block without the header).
 * @param err filled on failure; the message names the file.
 * @return ES_OK; ES_EINPUT (the digest does not match: the file changed or
 *         was damaged since it was signed; or the digest block itself is
 *         damaged); ES_EIO (the file cannot be read).
 */
int es_digest_verify(const char *path, enum es_digest_status *status,
                     struct es_error *err);

#endif /* ES_OUTPUT_DIGEST_H */
