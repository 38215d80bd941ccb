/* bench_digest.c: the cost of signing and verifying a results file.
 *
 *   build/edusim_bench_digest RESULTS.h5 [REPEATS]
 *
 * Copies the file to RESULTS.h5.bench.PID with an empty user block, then
 * times es_digest_sign on the copy and es_digest_verify on it REPEATS times
 * (default 5) and prints the median of each, with the file's size and the
 * hashing rate. The first read warms the page cache, so the figures are the
 * hashing cost that `edusim run` (sign) and info, compare and export
 * (verify) add on a file that was just written or read; a cold read from disk
 * adds the disk's time. A benchmark, not a test: bench/README.md records its
 * figures with the machine they came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "models/error.h"
#include "output/digest.h"

#define MAX_REPEATS 101

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Copy @p from to @p to with its first ES_DIGEST_BLOCK_SIZE bytes zeroed;
 * the size copied, or 0 on failure. */
static long copy_unsigned(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  FILE *out = fopen(to, "wb");
  long n_total = 0;
  if (in != NULL && out != NULL) {
    char buf[1 << 16];
    size_t n = fread(buf, 1, ES_DIGEST_BLOCK_SIZE, in);
    memset(buf, 0, ES_DIGEST_BLOCK_SIZE);
    if (n == ES_DIGEST_BLOCK_SIZE &&
        fwrite(buf, 1, ES_DIGEST_BLOCK_SIZE, out) == ES_DIGEST_BLOCK_SIZE) {
      n_total = ES_DIGEST_BLOCK_SIZE;
      while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (fwrite(buf, 1, n, out) != n) {
          n_total = 0;
          break;
        }
        n_total += (long)n;
      }
    }
  }
  if (in != NULL) {
    fclose(in);
  }
  if (out != NULL && fclose(out) != 0) {
    n_total = 0;
  }
  return n_total;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: edusim_bench_digest RESULTS.h5 [REPEATS]\n");
    return 2;
  }
  const int repeats = argc > 2 ? atoi(argv[2]) : 5;
  if (repeats < 1 || repeats > MAX_REPEATS) {
    fprintf(stderr, "edusim_bench_digest: REPEATS is 1 to %d\n", MAX_REPEATS);
    return 2;
  }
  char copy[4096];
  snprintf(copy, sizeof copy, "%s.bench.%ld", argv[1], (long)getpid());
  double sign_s[MAX_REPEATS], verify_s[MAX_REPEATS];
  struct es_error err;
  es_error_clear(&err);
  long size = 0;
  int status = 0;
  for (int r = 0; r < repeats && status == 0; r++) {
    size = copy_unsigned(argv[1], copy);
    if (size == 0) {
      fprintf(stderr, "edusim_bench_digest: cannot copy '%s'\n", argv[1]);
      status = 1;
      break;
    }
    enum es_digest_status st = ES_DIGEST_ABSENT;
    const double t0 = now_seconds();
    int rc = es_digest_sign(copy, &err);
    const double t1 = now_seconds();
    if (rc == ES_OK) {
      rc = es_digest_verify(copy, &st, &err);
    }
    const double t2 = now_seconds();
    if (rc != ES_OK || st != ES_DIGEST_VALID) {
      fprintf(stderr, "edusim_bench_digest: %s\n", err.message);
      status = 1;
    }
    sign_s[r] = t1 - t0;
    verify_s[r] = t2 - t1;
  }
  unlink(copy);
  if (status != 0) {
    return status;
  }
  qsort(sign_s, (size_t)repeats, sizeof sign_s[0], compare_double);
  qsort(verify_s, (size_t)repeats, sizeof verify_s[0], compare_double);
  const double mib = (double)size / (1024.0 * 1024.0);
  const double sign = sign_s[repeats / 2], verify = verify_s[repeats / 2];
  printf(
      "file=%s size_mib=%.1f sign_s=%.4f verify_s=%.4f (median of %d) "
      "verify_mib_per_s=%.0f\n",
      argv[1], mib, sign, verify, repeats, verify > 0 ? mib / verify : 0.0);
  return 0;
}
