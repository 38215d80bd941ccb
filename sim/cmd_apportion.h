/* cmd_apportion.h: the `edusim apportion` subcommand (DESIGN "Command line",
 * MODEL 6). */
#ifndef ES_SIM_CMD_APPORTION_H
#define ES_SIM_CMD_APPORTION_H

/**
 * @brief Run `edusim apportion FILE.csv --seats N [--method M] [--min K]`:
 * read the name and weight columns of FILE.csv (other columns ignored),
 * apportion N seats with method M (default webster) giving at least K to
 * every row of positive weight (default 0), and print CSV name,weight,seats
 * to stdout. Errors go to stderr, input errors as file:line:column: error:.
 * @param argc number of arguments in @p argv
 * @param argv the arguments, argv[0] being "apportion" (borrowed)
 * @return the exit code: 0 success, 1 runtime failure (out of memory),
 *         2 bad usage or bad input (including a file that cannot be read and
 *         minimums that do not fit)
 */
int es_cmd_apportion(int argc, char **argv);

#endif /* ES_SIM_CMD_APPORTION_H */
