/* cli.h: the edusim command line (DESIGN "Command line"). */
#ifndef ES_SIM_CLI_H
#define ES_SIM_CLI_H

/** Exit codes of the program. */
enum es_exit {
  ES_EXIT_OK = 0,      /* success */
  ES_EXIT_FAILURE = 1, /* runtime failure: I/O, out of memory */
  ES_EXIT_USAGE = 2,   /* bad usage or bad input */
};

/** @brief Run the program with @p argc / @p argv; returns the exit code. */
int es_cli_main(int argc, char **argv);

#endif /* ES_SIM_CLI_H */
