/* test_digest.c: SHA-256 and the digest that protects a results file.
 *
 * es_digest_sha256_hex against the NIST FIPS 180-4 example vectors ("abc",
 * the empty string, the 448-bit two-block message, a million 'a') and the
 * padding boundaries (55, 56 and 64 bytes, where the length field does or
 * does not fit in the last block), whose digests come from GNU coreutils
 * sha256sum. Then es_digest_sign and es_digest_verify on files made here:
 * the exact block layout, a round trip, one flipped bit at many places after
 * the block, a damaged block, files without a digest, and the I/O errors. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "es_test.h"
#include "output/digest.h"

static void check_hex(const char *msg, size_t size, const char *want) {
  char hex[65];
  memset(hex, '?', sizeof hex);
  es_digest_sha256_hex(msg, size, hex);
  ES_CHECK_STR_EQ(hex, want);
}

static void test_nist_vectors(void) {
  check_hex("abc", 3,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  check_hex("", 0,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  check_hex(NULL, 0,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  ES_CHECK_INT_EQ(strlen(m448) * 8, 448);
  check_hex(m448, strlen(m448),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

  const size_t n_million = 1000000;
  char *million = malloc(n_million);
  ES_CHECK(million != NULL);
  if (million != NULL) {
    memset(million, 'a', n_million);
    check_hex(
        million, n_million,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
  free(million);
}

static void test_padding_boundaries(void) {
  char xs[64];
  memset(xs, 'x', sizeof xs);
  check_hex(xs, 55,
            "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  check_hex(xs, 56,
            "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  check_hex(xs, 64,
            "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

#define PAYLOAD_SIZE 3000 /* bytes after the block: more than one read */

/* Write @p size bytes of @p bytes to @p path. */
static void write_file(const char *path, const unsigned char *bytes,
                       const size_t size) {
  FILE *f = fopen(path, "wb");
  ES_ASSERT(f != NULL);
  ES_ASSERT(fwrite(bytes, 1, size, f) == size);
  ES_ASSERT(fclose(f) == 0);
}

/* The whole of @p path into @p bytes (room for @p cap); its size. */
static size_t read_file(const char *path, unsigned char *bytes,
                        const size_t cap) {
  FILE *f = fopen(path, "rb");
  ES_ASSERT(f != NULL);
  const size_t n = fread(bytes, 1, cap, f);
  fclose(f);
  return n;
}

/* A file with an empty user block and a payload of varied bytes. */
static void make_unsigned(const char *path, unsigned char *bytes) {
  memset(bytes, 0, ES_DIGEST_BLOCK_SIZE);
  for (size_t i = 0; i < PAYLOAD_SIZE; i++) {
    bytes[ES_DIGEST_BLOCK_SIZE + i] = (unsigned char)((i * 7919u) >> 3);
  }
  write_file(path, bytes, ES_DIGEST_BLOCK_SIZE + PAYLOAD_SIZE);
}

static enum es_digest_status verify(const char *path, int *rc,
                                    struct es_error *err) {
  enum es_digest_status status = ES_DIGEST_SKIPPED;
  es_error_clear(err);
  *rc = es_digest_verify(path, &status, err);
  return status;
}

static void test_sign_and_verify(void) {
  unsigned char bytes[ES_DIGEST_BLOCK_SIZE + PAYLOAD_SIZE];
  unsigned char back[sizeof bytes + 1];
  struct es_error err;
  int rc = ES_OK;
  make_unsigned("f.bin", bytes);
  ES_CHECK_INT_EQ(es_digest_sign("f.bin", &err), ES_OK);

  /* The block, exactly: header, the SHA-256 of the payload, LF, NULs. */
  ES_CHECK_INT_EQ(read_file("f.bin", back, sizeof back), sizeof bytes);
  char hex[ES_DIGEST_HEX_SIZE];
  es_digest_sha256_hex(bytes + ES_DIGEST_BLOCK_SIZE, PAYLOAD_SIZE, hex);
  char want[ES_DIGEST_BLOCK_SIZE] = {0};
  snprintf(want, sizeof want, "edusim-digest 1\nsha256 %s\n", hex);
  ES_CHECK(memcmp(back, want, ES_DIGEST_BLOCK_SIZE) == 0);
  ES_CHECK(memcmp(back + ES_DIGEST_BLOCK_SIZE, bytes + ES_DIGEST_BLOCK_SIZE,
                  PAYLOAD_SIZE) == 0);
  ES_CHECK_INT_EQ(strlen((const char *)back), 23 + 64 + 1);

  ES_CHECK_INT_EQ(verify("f.bin", &rc, &err), ES_DIGEST_VALID);
  ES_CHECK_INT_EQ(rc, ES_OK);

  /* One flipped bit anywhere after the block is a mismatch. */
  unsigned char signed_bytes[sizeof bytes];
  memcpy(signed_bytes, back, sizeof signed_bytes);
  size_t n_caught = 0, n_tried = 0;
  for (size_t off = ES_DIGEST_BLOCK_SIZE; off < sizeof bytes; off += 97) {
    unsigned char damaged[sizeof bytes];
    memcpy(damaged, signed_bytes, sizeof damaged);
    damaged[off] ^= (unsigned char)(1u << (off % 8));
    write_file("d.bin", damaged, sizeof damaged);
    n_tried++;
    if (verify("d.bin", &rc, &err) == ES_DIGEST_ABSENT && rc == ES_EINPUT &&
        strstr(err.message,
               "d.bin: changed or damaged since edusim wrote "
               "it") != NULL) {
      n_caught++;
    }
  }
  ES_CHECK(n_tried > 20);
  ES_CHECK_INT_EQ(n_caught, n_tried);
  ES_CHECK_CONTAINS(err.message, "--no-verify reads it anyway");

  /* A byte appended or cut off is a mismatch too. */
  write_file("d.bin", signed_bytes, sizeof signed_bytes - 1);
  verify("d.bin", &rc, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);

  /* A damaged digest block: a bad hex digit, a missing LF, stray bytes in
   * the padding. */
  const size_t at[] = {23 + 5, 23 + 64, 300};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    unsigned char damaged[sizeof bytes];
    memcpy(damaged, signed_bytes, sizeof damaged);
    damaged[at[i]] ^= 0x40;
    write_file("d.bin", damaged, sizeof damaged);
    verify("d.bin", &rc, &err);
    ES_CHECK_INT_EQ(rc, ES_EINPUT);
    ES_CHECK_CONTAINS(err.message, "digest block is malformed");
  }

  /* Signing a file whose block is not empty (signed already, or no block)
   * is a bug of the writer. */
  ES_CHECK_INT_EQ(es_digest_sign("f.bin", &err), ES_EINTERNAL);
  ES_CHECK_CONTAINS(err.message, "no empty 512-byte user block");
  write_file("short.bin", bytes, 100);
  ES_CHECK_INT_EQ(es_digest_sign("short.bin", &err), ES_EINTERNAL);
  ES_CHECK_INT_EQ(es_digest_sign("missing.bin", &err), ES_EIO);
  ES_CHECK_CONTAINS(err.message, "missing.bin: cannot open to sign it");
  unlink("f.bin");
  unlink("d.bin");
  unlink("short.bin");
}

static void test_absent(void) {
  unsigned char bytes[ES_DIGEST_BLOCK_SIZE + PAYLOAD_SIZE];
  struct es_error err;
  int rc = ES_EINTERNAL;
  /* HDF5's signature at offset 0: a file written without a user block. */
  make_unsigned("a.bin", bytes);
  memcpy(bytes, "\x89HDF\r\n\x1a\n", 8);
  write_file("a.bin", bytes, sizeof bytes);
  ES_CHECK_INT_EQ(verify("a.bin", &rc, &err), ES_DIGEST_ABSENT);
  ES_CHECK_INT_EQ(rc, ES_OK);
  /* A user block of another program, and an empty one. */
  memcpy(bytes, "written by someone else\n", 24);
  write_file("a.bin", bytes, sizeof bytes);
  ES_CHECK_INT_EQ(verify("a.bin", &rc, &err), ES_DIGEST_ABSENT);
  ES_CHECK_INT_EQ(rc, ES_OK);
  make_unsigned("a.bin", bytes);
  ES_CHECK_INT_EQ(verify("a.bin", &rc, &err), ES_DIGEST_ABSENT);
  ES_CHECK_INT_EQ(rc, ES_OK);
  /* Shorter than the block. */
  write_file("a.bin", bytes, 10);
  ES_CHECK_INT_EQ(verify("a.bin", &rc, &err), ES_DIGEST_ABSENT);
  ES_CHECK_INT_EQ(rc, ES_OK);
  unlink("a.bin");
  verify("missing.bin", &rc, &err);
  ES_CHECK_INT_EQ(rc, ES_EIO);
  ES_CHECK_CONTAINS(err.message, "missing.bin: cannot open");
}

int main(void) {
  char dir[] = "/tmp/es_test_digest_XXXXXX";
  ES_ASSERT(mkdtemp(dir) != NULL);
  ES_ASSERT(chdir(dir) == 0);
  test_nist_vectors();
  test_padding_boundaries();
  test_sign_and_verify();
  test_absent();
  ES_ASSERT(chdir("/") == 0);
  ES_CHECK_INT_EQ(rmdir(dir), 0);
  return es_test_summary();
}
