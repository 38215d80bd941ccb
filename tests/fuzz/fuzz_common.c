/* fuzz_common.c: scratch folders, the tiny scenario and digest signing for
 * the fuzz targets (fuzz_common.h).
 *
 * The tiny example (scenarios/examples/tiny) is the fixture of every target:
 * its CSV files are copied, never linked, so that a target that writes (the
 * command line, export) cannot reach the source tree. Its scenario text is
 * changed line by line (output file inside the folder, the matrix model of
 * migration, replicates for the command line); each change must match
 * exactly one line, so that a change of the example that breaks the fixture
 * stops every target at once instead of quietly fuzzing something else.
 *
 * es_fuzz_sign writes the digest block of DESIGN's results files with its
 * own SHA-256 (FIPS 180-4), so that the harness does not depend on the
 * readers' code it is meant to test. */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ES_SOURCE_DIR
#error "ES_SOURCE_DIR (the source tree) must be defined by the build"
#endif

/* Scratch folders made by this process, removed at exit. */
#define MAX_SCRATCH 8

struct scratch_list {
  size_t n;
  char path[MAX_SCRATCH][512];
};

static struct scratch_list *scratch_list(void) {
  static struct scratch_list list;
  return &list;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "fuzz harness: %s %s: %s\n", what, path, strerror(errno));
  abort();
}

static void remove_scratch(void) {
  struct scratch_list *list = scratch_list();
  for (size_t i = 0; i < list->n; i++) {
    es_fuzz_remove_tree(list->path[i]);
  }
  list->n = 0;
}

/* Remove the scratch folders of processes that are gone: a process that
 * crashed (libFuzzer's fork mode goes on after crashes) could not remove its
 * own. The folders are named edusim-fuzz-<pid>-<tag>-XXXXXX. */
static void remove_stale(const char *tmp) {
  static const char prefix[] = "edusim-fuzz-";
  DIR *d = opendir(tmp);
  if (d == NULL) {
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, prefix, sizeof prefix - 1) != 0) {
      continue;
    }
    char *end = NULL;
    const long pid = strtol(e->d_name + sizeof prefix - 1, &end, 10);
    if (pid <= 0 || end == NULL || *end != '-' || kill((pid_t)pid, 0) == 0 ||
        errno != ESRCH) {
      continue;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
    es_fuzz_remove_tree(path);
  }
  closedir(d);
}

const char *es_fuzz_scratch_dir(const char *tag) {
  struct scratch_list *list = scratch_list();
  if (list->n == MAX_SCRATCH) {
    errno = EMFILE;
    die("too many scratch folders for", tag);
  }
  const char *tmp = getenv("TMPDIR");
  if (tmp == NULL || tmp[0] == '\0') {
    tmp = "/tmp";
  }
  if (list->n == 0) {
    remove_stale(tmp);
    if (atexit(remove_scratch) != 0) {
      die("atexit for", tag);
    }
  }
  char *path = list->path[list->n];
  snprintf(path, sizeof list->path[0], "%s/edusim-fuzz-%ld-%s-XXXXXX", tmp,
           (long)getpid(), tag);
  if (mkdtemp(path) == NULL) {
    die("cannot make", path);
  }
  list->n++;
  return path;
}

void es_fuzz_write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    die("cannot write", path);
  }
  if ((size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    die("cannot write", path);
  }
}

char *es_fuzz_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    die("cannot read", path);
  }
  size_t cap = 4096, n = 0;
  char *bytes = malloc(cap);
  if (bytes == NULL) {
    die("out of memory reading", path);
  }
  for (;;) {
    n += fread(bytes + n, 1, cap - n - 1, f);
    if (ferror(f)) {
      die("cannot read", path);
    }
    if (feof(f)) {
      break;
    }
    cap *= 2;
    char *more = realloc(bytes, cap);
    if (more == NULL) {
      die("out of memory reading", path);
    }
    bytes = more;
  }
  fclose(f);
  bytes[n] = '\0';
  *size = n;
  return bytes;
}

static void remove_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    die("cannot list", dir);
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      continue;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    es_fuzz_remove_tree(path);
  }
  closedir(d);
}

void es_fuzz_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) {
      return;
    }
    die("cannot stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    /* A folder made without write permission could not be emptied. */
    chmod(path, 0700);
    remove_entries(path);
    if (rmdir(path) != 0) {
      die("cannot remove", path);
    }
  } else if (unlink(path) != 0) {
    die("cannot remove", path);
  }
}

void es_fuzz_empty_dir(const char *dir) {
  remove_entries(dir);
}

void es_fuzz_copy_dir(const char *from, const char *to) {
  DIR *d = opendir(from);
  if (d == NULL) {
    die("cannot list", from);
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/%s", from, e->d_name);
    snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
    struct stat st;
    if (lstat(src, &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    size_t size = 0;
    char *bytes = es_fuzz_read_file(src, &size);
    es_fuzz_write_file(dst, bytes, size);
    free(bytes);
  }
  closedir(d);
}

/* Replace the one line of @p text that starts with @p prefix by @p line
 * (without its newline), or insert @p line after it when @p after is true.
 * Aborts unless exactly one line starts with @p prefix. */
static char *edit_line(char *text, const char *prefix, const char *line,
                       const bool after) {
  const size_t n_prefix = strlen(prefix);
  char *hit = NULL;
  for (char *p = text; p != NULL && *p != '\0';) {
    if (strncmp(p, prefix, n_prefix) == 0) {
      if (hit != NULL) {
        errno = EINVAL;
        die("two lines of the tiny scenario start with", prefix);
      }
      hit = p;
    }
    p = strchr(p, '\n');
    p = p != NULL ? p + 1 : NULL;
  }
  if (hit == NULL) {
    errno = ENOENT;
    die("no line of the tiny scenario starts with", prefix);
  }
  char *eol = strchr(hit, '\n');
  char *rest = eol != NULL ? eol + 1 : hit + strlen(hit);
  const size_t n_head = after ? (size_t)(rest - text) : (size_t)(hit - text);
  const size_t n_out = strlen(text) + strlen(line) + 2;
  char *out = malloc(n_out);
  if (out == NULL) {
    die("out of memory editing", prefix);
  }
  snprintf(out, n_out, "%.*s%s\n%s", (int)n_head, text, line, rest);
  free(text);
  return out;
}

void es_fuzz_write_tiny(const char *dir, enum es_fuzz_tiny_variant variant) {
  static const char *const csv_files[] = {"regions.csv", "population.csv",
                                          "teachers.csv", "seats.csv"};
  const char *tiny = ES_SOURCE_DIR "/scenarios/examples/tiny";
  char src[4096], dst[4096];
  for (size_t i = 0; i < sizeof csv_files / sizeof csv_files[0]; i++) {
    snprintf(src, sizeof src, "%s/%s", tiny, csv_files[i]);
    snprintf(dst, sizeof dst, "%s/%s", dir, csv_files[i]);
    size_t size = 0;
    char *bytes = es_fuzz_read_file(src, &size);
    es_fuzz_write_file(dst, bytes, size);
    free(bytes);
  }
  snprintf(src, sizeof src, "%s/scenario.yaml", tiny);
  size_t size = 0;
  char *text = es_fuzz_read_file(src, &size);
  text = edit_line(text,
                   "output:", "output: {file: results.h5, statistics: [mean]}",
                   /*after=*/false);
  if (variant == ES_FUZZ_TINY_MATRIX) {
    text = edit_line(text,
                     "    destinations:", "    destinations: {model: matrix}",
                     /*after=*/false);
    text = edit_line(text, "  seats:", "  migration: od.csv", /*after=*/true);
    static const char od_csv[] =
        "origin,destination,share\n"
        "500103,500105,0.3\n"
        "500105,500103,0.25\n"
        "500101,500103,0.2\n"
        "500101,510104,0.15\n"
        "500229,500101,0.6\n"
        "510104,500103,0.05\n";
    snprintf(dst, sizeof dst, "%s/od.csv", dir);
    es_fuzz_write_file(dst, od_csv, sizeof od_csv - 1);
  }
  if (variant == ES_FUZZ_TINY_CLI) {
    text = edit_line(text, "mode:", "replicates: 2", /*after=*/true);
  }
  snprintf(dst, sizeof dst, "%s/scenario.yaml", dir);
  es_fuzz_write_file(dst, text, strlen(text));
  free(text);
}

/* ---- SHA-256 (FIPS 180-4, section 6.2) ---------------------------------- */

static const uint32_t sha256_k[64] = {
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

static uint32_t rotr(const uint32_t x, const unsigned n) {
  return (x >> n) | (x << (32u - n));
}

static void sha256_block(uint32_t h[8], const uint8_t *block) {
  uint32_t w[64];
  for (size_t i = 0; i < 16; i++) {
    w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
           (uint32_t)block[4 * i + 2] << 8 | (uint32_t)block[4 * i + 3];
  }
  for (size_t i = 16; i < 64; i++) {
    const uint32_t s0 =
        rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 =
        rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
  for (size_t i = 0; i < 64; i++) {
    const uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                        ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
    const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                        ((a & b) ^ (a & c) ^ (b & c));
    k = g;
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
  h[7] += k;
}

static void sha256(const uint8_t *bytes, const size_t size, uint8_t out[32]) {
  uint32_t h[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  size_t done = 0;
  for (; size - done >= 64; done += 64) {
    sha256_block(h, bytes + done);
  }
  uint8_t tail[128] = {0};
  const size_t n_rest = size - done;
  memcpy(tail, bytes + done, n_rest);
  tail[n_rest] = 0x80;
  const size_t n_tail = n_rest + 1 + 8 <= 64 ? 64 : 128;
  const uint64_t bits = (uint64_t)size * 8u;
  for (size_t i = 0; i < 8; i++) {
    tail[n_tail - 1 - i] = (uint8_t)(bits >> (8 * i));
  }
  for (size_t off = 0; off < n_tail; off += 64) {
    sha256_block(h, tail + off);
  }
  for (size_t i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(h[i] >> 8);
    out[4 * i + 3] = (uint8_t)h[i];
  }
}

void es_fuzz_sign(uint8_t *bytes, const size_t size) {
  if (size <= ES_FUZZ_USER_BLOCK) {
    return;
  }
  static const char header[] = "edusim-digest 1\nsha256 ";
  static const char digits[] = "0123456789abcdef";
  uint8_t digest[32];
  sha256(bytes + ES_FUZZ_USER_BLOCK, size - ES_FUZZ_USER_BLOCK, digest);
  memset(bytes, 0, ES_FUZZ_USER_BLOCK);
  memcpy(bytes, header, sizeof header - 1);
  uint8_t *hex = bytes + sizeof header - 1;
  for (size_t i = 0; i < 32; i++) {
    hex[2 * i] = (uint8_t)digits[digest[i] >> 4];
    hex[2 * i + 1] = (uint8_t)digits[digest[i] & 0x0fu];
  }
  hex[64] = '\n';
}

FILE *es_fuzz_devnull(void) {
  static FILE *devnull = NULL;
  if (devnull == NULL) {
    devnull = fopen("/dev/null", "w");
    if (devnull == NULL) {
      die("cannot open", "/dev/null");
    }
  }
  return devnull;
}
