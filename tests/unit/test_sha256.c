/* test_sha256.c: SHA-256 against the NIST FIPS 180-4 example vectors
 * ("abc", the empty string, the 448-bit two-block message, a million 'a')
 * and the padding boundaries (55, 56 and 64 bytes, where the length field
 * does or does not fit in the last block), whose digests come from GNU
 * coreutils sha256sum. */
#include <stdlib.h>
#include <string.h>

#include "es_test.h"
#include "output/sha256.h"

static void check_hex(const char *msg, size_t size, const char *want) {
  char hex[65];
  memset(hex, '?', sizeof hex);
  es_sha256_hex(msg, size, hex);
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

static void test_raw_digest(void) {
  uint8_t d[ES_SHA256_DIGEST_SIZE];
  es_sha256("abc", 3, d);
  ES_CHECK_INT_EQ(d[0], 0xba);
  ES_CHECK_INT_EQ(d[1], 0x78);
  ES_CHECK_INT_EQ(d[31], 0xad);
}

int main(void) {
  test_nist_vectors();
  test_padding_boundaries();
  test_raw_digest();
  return es_test_summary();
}
