/* sha256.c: SHA-256 (FIPS 180-4, section 6.2) of a byte string in memory.
 *
 * The message is padded with a 1 bit, zeros and its length in bits (64-bit
 * big-endian, FIPS 180-4 5.1.1) and processed in 512-bit blocks by the
 * compression function of 6.2.2 with the constants of 4.2.2 and the initial
 * hash of 5.3.3. Used to fingerprint the input files kept in a results file;
 * nothing here is secret, so no care is taken against timing channels. */
#include "output/sha256.h"

#include <string.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t k_round[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
    0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u,
    0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u,
    0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u,
    0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
    0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u, 0x1e376c08u,
    0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu,
    0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

/* FIPS 180-4 5.3.3: the initial hash value H(0). */
static const uint32_t h_initial[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                      0xa54ff53au, 0x510e527fu, 0x9b05688cu,
                                      0x1f83d9abu, 0x5be0cd19u};

#define SHA256_BLOCK_SIZE 64 /* bytes in one message block (512 bits) */

static uint32_t rotr(uint32_t x, unsigned n) {
  return (x >> n) | (x << (32u - n));
}

/* FIPS 180-4 6.2.2: fold one 64-byte block into the hash state h. */
static void compress(uint32_t h[8], const uint8_t block[SHA256_BLOCK_SIZE]) {
  uint32_t w[64];
  for (size_t t = 0; t < 16; t++) {
    w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
           (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];
  }
  for (size_t t = 16; t < 64; t++) {
    const uint32_t s0 =
        rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 =
        rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
  for (size_t t = 0; t < 64; t++) {
    const uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const uint32_t ch = (e & f) ^ (~e & g);
    const uint32_t t1 = hh + big_s1 + ch + k_round[t] + w[t];
    const uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const uint32_t t2 = big_s0 + maj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
}

void es_sha256(const void *bytes, size_t size,
               uint8_t digest[ES_SHA256_DIGEST_SIZE]) {
  const uint8_t *msg = bytes;
  uint32_t h[8];
  memcpy(h, h_initial, sizeof h);

  size_t done = 0;
  for (; size - done >= SHA256_BLOCK_SIZE; done += SHA256_BLOCK_SIZE) {
    compress(h, msg + done);
  }

  /* FIPS 180-4 5.1.1: the tail, a 1 bit, zeros, and the length in bits as a
   * 64-bit big-endian number; one or two blocks. */
  uint8_t tail[2 * SHA256_BLOCK_SIZE] = {0};
  const size_t n_rest = size - done;
  if (n_rest > 0) {
    memcpy(tail, msg + done, n_rest);
  }
  tail[n_rest] = 0x80u;
  const size_t n_tail = n_rest + 1 + 8 <= SHA256_BLOCK_SIZE
                            ? SHA256_BLOCK_SIZE
                            : 2 * SHA256_BLOCK_SIZE;
  const uint64_t n_bits = (uint64_t)size * 8u;
  for (size_t i = 0; i < 8; i++) {
    tail[n_tail - 1 - i] = (uint8_t)(n_bits >> (8 * i));
  }
  for (size_t off = 0; off < n_tail; off += SHA256_BLOCK_SIZE) {
    compress(h, tail + off);
  }

  for (size_t i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(h[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(h[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(h[i] >> 8);
    digest[4 * i + 3] = (uint8_t)h[i];
  }
}

void es_sha256_hex(const void *bytes, size_t size, char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  uint8_t digest[ES_SHA256_DIGEST_SIZE];
  es_sha256(bytes, size, digest);
  for (size_t i = 0; i < ES_SHA256_DIGEST_SIZE; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 0x0fu];
  }
  hex[64] = '\0';
}
