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
 * es_fuzz_sign writes the digest block of the results files with nettle's
 * SHA-256 directly, not through output/digest.c, so that the harness does
 * not depend on the readers' code it is meant to test. */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/error.h"
#include "scenarios/scenario.h"

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

void es_fuzz_load_scenario(const char *path) {
  struct es_diag_list dl;
  struct es_error err;
  struct es_scenario *sc = NULL;
  es_diag_list_init(&dl);
  es_error_clear(&err);
  const int rc = es_scenario_load(path, &sc, &dl, &err);
  if (getenv("ES_FUZZ_VERBOSE") != NULL) {
    fprintf(stderr, "load: %s\n", rc == ES_OK ? "ok" : es_strerror(rc));
    es_diag_print(&dl, stderr, /*show_notices=*/true);
  }
  if (rc == ES_OK) {
    es_scenario_free(sc);
  }
  es_diag_list_clear(&dl);
}

void es_fuzz_sign(uint8_t *bytes, const size_t size) {
  if (size <= ES_FUZZ_USER_BLOCK) {
    return;
  }
  static const char header[] = "edusim-digest 1\nsha256 ";
  static const char digits[] = "0123456789abcdef";
  uint8_t digest[SHA256_DIGEST_SIZE];
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, size - ES_FUZZ_USER_BLOCK, bytes + ES_FUZZ_USER_BLOCK);
  sha256_digest(&ctx, sizeof digest, digest);
  memset(bytes, 0, ES_FUZZ_USER_BLOCK);
  memcpy(bytes, header, sizeof header - 1);
  uint8_t *hex = bytes + sizeof header - 1;
  for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
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
