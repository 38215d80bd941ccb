/* main.c: the edusim program. Installs the stop signals and dispatches the
 * subcommands (sim/cli.h), whose status becomes the exit code: 0 success,
 * 1 runtime failure, 2 bad usage or bad input, 128 + signal when stopped
 * (DESIGN "Command line", STYLE 18).
 *
 * The stop flag is the program's one mutable global: a signal handler can
 * reach nothing else. It lives here, outside the libraries. */
#include <signal.h>
#include <string.h>

#include "sim/cli.h"

static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) {
  stop_signal = (sig_atomic_t)sig;
}

int main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return es_cli_main(argc, argv, &stop_signal);
}
