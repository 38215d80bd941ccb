/* cli.h: the edusim command line (DESIGN "Command line"). */
#ifndef ES_SIM_CLI_H
#define ES_SIM_CLI_H

#include <signal.h>

/** Exit codes of the program. */
enum es_exit {
  ES_EXIT_OK = 0,      /* success */
  ES_EXIT_FAILURE = 1, /* runtime failure: I/O, out of memory */
  ES_EXIT_USAGE = 2,   /* bad usage or bad input */
};

/**
 * @brief Run the program with @p argc / @p argv; returns the exit code.
 * @param stop  set to a signal number by the program's signal handler when
 *              the user asks to stop (SIGINT, SIGTERM); a run then stops
 *              between replicates, writes nothing, and returns 128 + signal.
 *              May be NULL.
 */
int es_cli_main(int argc, char **argv, const volatile sig_atomic_t *stop);

#endif /* ES_SIM_CLI_H */
