/* args.c: helpers shared by the subcommands' argument parsers. */
#include "sim/args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli.h"

const char *es_args_option_value(const int argc, char **argv, int *i,
                                 const char *name, bool *missing) {
  const char *a = argv[*i];
  size_t len = strlen(name);
  if (strncmp(a, name, len) != 0) {
    return NULL;
  }
  if (a[len] == '=') {
    return a + len + 1;
  }
  if (a[len] != '\0') {
    return NULL;
  }
  if (*i + 1 >= argc) {
    *missing = true;
    return a + len; /* "": reported as missing by the caller */
  }
  (*i)++;
  return argv[*i];
}

int es_args_usage_error(const char *command, const char *usage, const char *fmt,
                        ...) {
  fprintf(stderr, "edusim %s: error: ", command);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fputs(usage, stderr);
  return ES_EXIT_USAGE;
}

void es_args_digest_notice(const void *ctx, const char *path,
                           const char *text) {
  fprintf(stderr, "edusim %s: note: %s %s\n", (const char *)ctx, path, text);
}
