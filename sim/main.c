/* main.c: the edusim program. Dispatches subcommands (sim/cli.h) and turns
 * their status into the exit code: 0 success, 1 runtime failure, 2 bad usage
 * or bad input (DESIGN "Command line", STYLE 18). */
#include "sim/cli.h"

int main(int argc, char **argv) {
  return es_cli_main(argc, argv);
}
