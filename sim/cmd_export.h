/* cmd_export.h: the `edusim export` subcommand (DESIGN "Command line",
 * docs/export.md). */
#ifndef ES_SIM_CMD_EXPORT_H
#define ES_SIM_CMD_EXPORT_H

#include <signal.h>

/**
 * @brief Run `edusim export RESULTS.h5 --csv DIR [--group NAME]...
 * [--statistic NAME] [--force]`: write the tidy CSV files, the scenario texts
 * and metadata.csv of a results file into DIR (output/export.h), and print
 * what was written to stdout. Errors go to stderr as
 * "edusim export: error: ...".
 * @param argc number of arguments in @p argv
 * @param argv the arguments, argv[0] being "export" (borrowed)
 * @param stop set to a signal number by the program's signal handler when the
 *             user asks to stop; the export then stops, replaces nothing and
 *             returns 128 + that number (may be NULL)
 * @return the exit code: 0 success, 1 runtime failure (a folder or file that
 *         cannot be created, written, synced or renamed, out of memory, an
 *         HDF5 read error), 2 bad usage or bad input (a missing, non-HDF5 or
 *         non-edusim file, no --csv, an unknown option, group or statistic, a
 *         DIR that is not empty without --force or is a file, an output name
 *         that holds something other than a regular file), 128 + signal when
 *         stopped
 */
int es_cmd_export(int argc, char **argv, const volatile sig_atomic_t *stop);

#endif /* ES_SIM_CMD_EXPORT_H */
