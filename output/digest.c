/* digest.c: SHA-256 with nettle, and the digest in a results file's user
 * block.
 *
 * HDF5 checks none of the bytes of its global heap, where every
 * variable-length string of a results file lives: a flipped bit there makes
 * libhdf5 crash inside H5HG_read or return wrong text without an error
 * (notes/hdf5-recipe.md section 8, measured on 300 damaged copies). The file
 * therefore protects itself: its first ES_DIGEST_BLOCK_SIZE bytes are an HDF5
 * user block, which HDF5 reserves and never interprets, and once the file is
 * complete and closed es_digest_sign writes there the SHA-256 of every byte
 * after the block. A reader calls es_digest_verify before HDF5 opens the
 * file, so a damaged file is an input error rather than a crash. h5py,
 * xarray (h5netcdf and netCDF-C), h5dump and R open such files unchanged,
 * since every HDF5 reader looks for the superblock at 0, 512, 1024, ...
 *
 * The digest covers the bytes after the block only, because the block holds
 * it; the block's own text is checked for its exact layout instead. Files
 * are read in blocks of READ_CHUNK bytes, so the memory used does not grow
 * with the file. The digests of the input files kept in a results file (its
 * scenario group) use the same function, es_digest_sha256_hex. */
#include "output/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The text that opens a signed block, before the hex digits. */
static const char block_header[] = "edusim-digest 1\nsha256 ";
/* What identifies a block as ours, whatever its version. */
static const char block_magic[] = "edusim-digest ";
/* The 8 bytes of HDF5's format signature (its superblock starts with it). */
static const unsigned char hdf5_signature[8] = {0x89, 'H',  'D',  'F',
                                                '\r', '\n', 0x1a, '\n'};

#define HEX_DIGITS (2 * SHA256_DIGEST_SIZE)
#define READ_CHUNK ((size_t)1 << 20) /* bytes hashed per read */

/* Lower-case hex digits, as sha256sum prints them. */
static const char hex_digits[] = "0123456789abcdef";

static void to_hex(const uint8_t digest[SHA256_DIGEST_SIZE],
                   char hex[ES_DIGEST_HEX_SIZE]) {
  for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
    hex[2 * i] = hex_digits[digest[i] >> 4];
    hex[2 * i + 1] = hex_digits[digest[i] & 0x0f];
  }
  hex[HEX_DIGITS] = '\0';
}

void es_digest_sha256_hex(const void *bytes, const size_t size,
                          char hex[ES_DIGEST_HEX_SIZE]) {
  struct sha256_ctx ctx;
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_init(&ctx);
  if (size > 0) {
    sha256_update(&ctx, size, bytes);
  }
  sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
  to_hex(digest, hex);
}

/* Read exactly @p size bytes at @p offset of @p fd (fewer only at the end of
 * the file); *@p got says how many. */
static int read_at(const int fd, void *buf, const size_t size, off_t offset,
                   size_t *got, const char *path, struct es_error *err) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, (char *)buf + done, size - done, offset);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return ES_FAIL(err, ES_EIO, "%s: cannot read: %s", path, strerror(errno));
    }
    if (n == 0) {
      break;
    }
    done += (size_t)n;
    offset += (off_t)n;
  }
  *got = done;
  return ES_OK;
}

/* SHA-256 in hex of the bytes of @p fd from ES_DIGEST_BLOCK_SIZE to its
 * end. */
static int hash_after_block(const int fd, const char *path,
                            char hex[ES_DIGEST_HEX_SIZE],
                            struct es_error *err) {
  unsigned char *buf = malloc(READ_CHUNK);
  if (buf == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s: digest buffer", path);
  }
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  off_t offset = ES_DIGEST_BLOCK_SIZE;
  int rc = ES_OK;
  for (;;) {
    size_t got = 0;
    rc = read_at(fd, buf, READ_CHUNK, offset, &got, path, err);
    if (rc != ES_OK || got == 0) {
      break;
    }
    sha256_update(&ctx, got, buf);
    offset += (off_t)got;
    if (got < READ_CHUNK) {
      break;
    }
  }
  free(buf);
  if (rc == ES_OK) {
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    to_hex(digest, hex);
  }
  return rc;
}

int es_digest_sign(const char *path, struct es_error *err) {
  const int fd = open(path, O_RDWR);
  if (fd < 0) {
    return ES_FAIL(err, ES_EIO, "%s: cannot open to sign it: %s", path,
                   strerror(errno));
  }
  unsigned char block[ES_DIGEST_BLOCK_SIZE];
  char hex[ES_DIGEST_HEX_SIZE];
  size_t got = 0;
  int rc = read_at(fd, block, sizeof block, 0, &got, path, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  bool empty = got == sizeof block;
  for (size_t i = 0; i < got && empty; i++) {
    empty = block[i] == 0;
  }
  if (!empty) {
    rc = ES_FAIL(err, ES_EINTERNAL,
                 "%s: no empty %d-byte user block to hold the digest", path,
                 ES_DIGEST_BLOCK_SIZE);
    goto cleanup;
  }
  rc = hash_after_block(fd, path, hex, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  const size_t n_header = sizeof block_header - 1;
  memcpy(block, block_header, n_header);
  memcpy(block + n_header, hex, HEX_DIGITS);
  block[n_header + HEX_DIGITS] = '\n';
  const ssize_t n = pwrite(fd, block, sizeof block, 0);
  if (n != (ssize_t)sizeof block) {
    rc = ES_FAIL(err, ES_EIO, "%s: cannot write the digest: %s", path,
                 n < 0 ? strerror(errno) : "short write");
  }
cleanup:
  if (close(fd) != 0 && rc == ES_OK) {
    rc = ES_FAIL(err, ES_EIO, "%s: cannot close after signing: %s", path,
                 strerror(errno));
  }
  return rc;
}

/* The digest written in @p block, or false when the block does not have the
 * exact layout of a signed block. */
static bool parse_block(const unsigned char block[ES_DIGEST_BLOCK_SIZE],
                        char hex[ES_DIGEST_HEX_SIZE]) {
  const size_t n_header = sizeof block_header - 1;
  if (memcmp(block, block_header, n_header) != 0) {
    return false;
  }
  for (size_t i = 0; i < HEX_DIGITS; i++) {
    const unsigned char c = block[n_header + i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
    hex[i] = (char)c;
  }
  hex[HEX_DIGITS] = '\0';
  if (block[n_header + HEX_DIGITS] != '\n') {
    return false;
  }
  for (size_t i = n_header + HEX_DIGITS + 1; i < ES_DIGEST_BLOCK_SIZE; i++) {
    if (block[i] != 0) {
      return false;
    }
  }
  return true;
}

int es_digest_verify(const char *path, enum es_digest_status *status,
                     struct es_error *err) {
  *status = ES_DIGEST_ABSENT;
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    return ES_FAIL(err, ES_EIO, "%s: cannot open: %s", path, strerror(errno));
  }
  unsigned char block[ES_DIGEST_BLOCK_SIZE];
  char want[ES_DIGEST_HEX_SIZE];
  char have[ES_DIGEST_HEX_SIZE];
  size_t got = 0;
  int rc = read_at(fd, block, sizeof block, 0, &got, path, err);
  if (rc != ES_OK || got < sizeof block ||
      memcmp(block, hdf5_signature, sizeof hdf5_signature) == 0 ||
      memcmp(block, block_magic, sizeof block_magic - 1) != 0) {
    goto cleanup; /* no digest: the caller says so and reads the file */
  }
  if (!parse_block(block, want)) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: changed or damaged since edusim wrote it (its digest "
                 "block is malformed; expected \"edusim-digest 1\", sha256 "
                 "and 64 hex digits; --no-verify reads it anyway)",
                 path);
    goto cleanup;
  }
  rc = hash_after_block(fd, path, have, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  if (strcmp(want, have) != 0) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: changed or damaged since edusim wrote it (its SHA-256 "
                 "is %.12s..., expected %.12s... as recorded in the file; "
                 "--no-verify reads it anyway)",
                 path, have, want);
    goto cleanup;
  }
  *status = ES_DIGEST_VALID;
cleanup:
  close(fd);
  return rc;
}
