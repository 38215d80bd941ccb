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

/** The program's stop signals (SIGINT, SIGTERM), as main.c installs them.
 * Until a command calls catch_signals, a stop signal ends the program at once
 * (its default action): commands that write nothing, and run until it has
 * checked its output path, leave nothing behind. After catch_signals the
 * first stop signal only sets *signal, which the work polls at least about
 * once a second; it also restores the default action, so a second stop
 * signal ends the program at once. */
struct es_stop {
  const volatile sig_atomic_t *signal; /* the signal number once one came,
                                          else 0 */
  void (*catch_signals)(void);         /* from now on, a first stop signal
                                          sets *signal */
};

/**
 * @brief Run the program with @p argc / @p argv; returns the exit code.
 * @param stop  the stop signals (borrowed); a run that catches one stops,
 *              writes nothing, and returns 128 + signal. May be NULL: then
 *              the signals keep their default action.
 */
int es_cli_main(int argc, char **argv, const struct es_stop *stop);

#endif /* ES_SIM_CLI_H */
