/* replay_main.c: runs a fuzz target on saved inputs, without libFuzzer.
 *
 * `replay_<target> DIR...` feeds every regular file of every DIR (sorted by
 * name, so runs are reproducible) to the target's LLVMFuzzerTestOneInput, one
 * at a time, in one process, as libFuzzer would. The normal build registers
 * one such test per target on its seed corpus tests/fuzz/corpus/<target> and
 * its regression inputs tests/fuzz/regress/<target> (label fuzz), so every
 * seed and every input that once crashed is replayed by `make test` and, with
 * the sanitizers, by `make asan`. A crash ends the process with the file's
 * name printed just before; a missing folder is an error, an empty one is not.
 *
 * What the targets print (tables, CSV, usage texts) goes to /dev/null unless
 * ES_FUZZ_VERBOSE is set; the driver's own lines go to stderr. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replay every regular file of @p dir. @return the number replayed, or -1
 * when @p dir cannot be listed. */
static long replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "replay: cannot list %s\n", dir);
    return -1;
  }
  size_t n = 0, cap = 16;
  char **names = malloc(cap * sizeof *names);
  struct dirent *e;
  while (names != NULL && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') {
      continue; /* ., .., and hidden files such as .gitkeep */
    }
    if (n == cap) {
      cap *= 2;
      char **more = realloc(names, cap * sizeof *names);
      if (more == NULL) {
        break;
      }
      names = more;
    }
    names[n] = strdup(e->d_name);
    if (names[n] == NULL) {
      break;
    }
    n++;
  }
  closedir(d);
  if (names == NULL) {
    fprintf(stderr, "replay: out of memory listing %s\n", dir);
    return -1;
  }
  qsort(names, n, sizeof *names, by_name);
  long replayed = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      fprintf(stderr, "replay: %s\n", path);
      size_t size = 0;
      char *bytes = es_fuzz_read_file(path, &size);
      LLVMFuzzerTestOneInput((const uint8_t *)bytes, size);
      free(bytes);
      replayed++;
    }
    free(names[i]);
  }
  free(names);
  return replayed;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DIR...\n", argv[0]);
    return 2;
  }
  if (getenv("ES_FUZZ_VERBOSE") == NULL &&
      freopen("/dev/null", "w", stdout) == NULL) {
    fprintf(stderr, "replay: cannot send stdout to /dev/null\n");
    return 1;
  }
  long total = 0;
  for (int i = 1; i < argc; i++) {
    const long n = replay_dir(argv[i]);
    if (n < 0) {
      return 1;
    }
    total += n;
  }
  fprintf(stderr, "replay: %ld inputs replayed without a crash\n", total);
  return total > 0 ? 0 : 1;
}
