/* fuzz_cli.c: libFuzzer target of the command line (es_cli_main).
 *
 * An input is the arguments after "edusim", one per line (at most 16). They
 * run inside a scratch folder that holds, fresh for every input, the tiny
 * scenario (scenario.yaml, output file results.h5, replicates: 2), its CSV
 * files, weights.csv for apportion, and results.h5, a results file this
 * process made from the scenario at start-up. After the call the folder is
 * emptied and the working folder restored, so that no input sees what
 * another left behind.
 *
 * Inputs that would leave the folder or start long runs are refused (return
 * -1, not added to the corpus): an argument that starts with '/' or holds
 * "..", more than 2 replicates (-r) or threads (-j). Every command must end
 * with exit status 0, 1 or 2, never crash, leak or read out of bounds. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "sim/cli.h"

#define MAX_ARGS  16   /* arguments after "edusim" */
#define MAX_COUNT 2    /* largest -r / -j value let through */
#define MAX_INPUT 4096 /* bytes of the whole command line */

struct folders {
  const char *work;     /* where each input runs, emptied after it */
  char template_[1100]; /* the files copied into work before each input */
  char home[4096];      /* the working folder to return to */
};

static void enter(const char *dir) {
  if (chdir(dir) != 0) {
    fprintf(stderr, "fuzz_cli: cannot enter %s: %s\n", dir, strerror(errno));
    abort();
  }
}

static const struct folders *fuzz_folders(void) {
  static struct folders f;
  static bool made = false;
  if (made) {
    return &f;
  }
  if (getcwd(f.home, sizeof f.home) == NULL) {
    abort();
  }
  const char *root = es_fuzz_scratch_dir("cli");
  snprintf(f.template_, sizeof f.template_, "%s/template", root);
  static char work[1100];
  snprintf(work, sizeof work, "%s/work", root);
  f.work = work;
  static const char weights[] = "name,weight\n渝中区,3.25\n江北区,7.5\n";
  char path[1200];
  for (size_t i = 0; i < 2; i++) {
    const char *dir = i == 0 ? f.template_ : f.work;
    snprintf(path, sizeof path, "%s", dir);
    if (mkdir(path, 0700) != 0) {
      abort();
    }
  }
  es_fuzz_write_tiny(f.template_, ES_FUZZ_TINY_CLI);
  snprintf(path, sizeof path, "%s/weights.csv", f.template_);
  es_fuzz_write_file(path, weights, sizeof weights - 1);
  enter(f.template_);
  char a0[] = "edusim", a1[] = "run", a2[] = "scenario.yaml", a3[] = "--quiet";
  char *argv[] = {a0, a1, a2, a3, NULL};
  const int status = es_cli_main(4, argv, NULL);
  enter(f.home);
  if (status != 0) {
    fprintf(stderr, "fuzz_cli: the tiny scenario did not run (%d)\n", status);
    abort();
  }
  made = true;
  return &f;
}

/* Whether @p value, given to -r or -j, would ask for more than MAX_COUNT. */
static bool too_many(const char *value) {
  if (value == NULL || value[0] < '0' || value[0] > '9') {
    return false; /* refused by the command itself */
  }
  char *end = NULL;
  errno = 0;
  const unsigned long long n = strtoull(value, &end, 10);
  return errno != 0 || n > MAX_COUNT;
}

/* The harness never receives stop signals: catching them is a no-op. */
static void catch_no_signals(void) {
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > MAX_INPUT) {
    return -1;
  }
  char text[MAX_INPUT + 1];
  memcpy(text, data, size);
  text[size] = '\0';
  if (memchr(text, '\0', size) != NULL) {
    return -1; /* an argument cannot hold a NUL */
  }
  char name[] = "edusim";
  char *argv[MAX_ARGS + 2] = {name};
  int argc = 1;
  for (char *p = text; size > 0;) {
    if (argc == MAX_ARGS + 1) {
      return -1;
    }
    argv[argc++] = p;
    char *eol = strchr(p, '\n');
    if (eol == NULL) {
      break;
    }
    *eol = '\0';
    p = eol + 1;
  }
  argv[argc] = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] == '/' || strstr(a, "..") != NULL) {
      return -1;
    }
    const bool count = strcmp(a, "-r") == 0 || strcmp(a, "--replicates") == 0 ||
                       strcmp(a, "-j") == 0 || strcmp(a, "--threads") == 0;
    if (count && too_many(argv[i + 1])) {
      return -1;
    }
  }

  const struct folders *f = fuzz_folders();
  es_fuzz_copy_dir(f->template_, f->work);
  enter(f->work);
  const volatile sig_atomic_t signal_number = 0;
  const struct es_stop stop = {.signal = &signal_number,
                               .catch_signals = catch_no_signals};
  const int status = es_cli_main(argc, argv, &stop);
  fflush(stdout);
  enter(f->home);
  es_fuzz_empty_dir(f->work);
  if (status < 0 || status > 2) {
    fprintf(stderr, "fuzz_cli: exit status %d (expected 0, 1 or 2)\n", status);
    abort();
  }
  return 0;
}
