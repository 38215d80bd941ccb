/* main.c: the edusim program. Owns the stop signals and dispatches the
 * subcommands (sim/cli.h), whose status becomes the exit code: 0 success,
 * 1 runtime failure, 2 bad usage or bad input, 128 + signal when stopped
 * (DESIGN "Command line", STYLE 18).
 *
 * SIGINT and SIGTERM have their default action (the program ends at once),
 * also when the parent left them ignored, until a command that must clean up
 * asks to catch them (struct es_stop): then the first one sets the stop flag,
 * which the work polls, and puts the default action back, so that a second one
 * ends the program at once even if the work does not stop. The stop flag is the
 * program's one mutable global: a signal handler can reach nothing else. It
 * lives here, outside the libraries. */
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "sim/cli.h"

static volatile sig_atomic_t stop_signal = 0;

/* Set the action of both stop signals. */
static void set_stop_action(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* Async-signal-safe: stores the signal and restores the default actions
 * (sigaction is async-signal-safe), so a second stop ends the program. */
static void on_stop_signal(int sig) {
  stop_signal = (sig_atomic_t)sig;
  set_stop_action(SIG_DFL);
}

static void catch_stop_signals(void) {
  if (stop_signal == 0) {
    set_stop_action(on_stop_signal);
  }
}

int main(int argc, char **argv) {
  /* The default action even where the parent left the stop signals ignored
   * (a background job of a script ignores SIGINT): a stop is never lost. */
  set_stop_action(SIG_DFL);
  const struct es_stop stop = {.signal = &stop_signal,
                               .catch_signals = catch_stop_signals};
  return es_cli_main(argc, argv, &stop);
}
