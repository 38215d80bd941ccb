/* cli.c: subcommand dispatch of the edusim program. */
#include "sim/cli.h"

#include <stdio.h>
#include <string.h>

#include "sim/version.h"

int es_cli_main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("edusim %s (%s)\n", ES_VERSION, ES_GIT_REVISION);
    return ES_EXIT_OK;
  }
  fprintf(stderr, "usage: edusim COMMAND ...\n");
  return ES_EXIT_USAGE;
}
