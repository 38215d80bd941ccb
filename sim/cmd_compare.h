/* cmd_compare.h: the `edusim compare` subcommand (DESIGN "Command line",
 * docs/compare.md). */
#ifndef ES_SIM_CMD_COMPARE_H
#define ES_SIM_CMD_COMPARE_H

/**
 * @brief Run `edusim compare RESULTS.h5 [OTHER.h5...] [--year Y]
 * [--stage NAME] [--baseline STRATEGY] [--format table|csv|markdown|json]`:
 * read the indicators of every file and print one row per strategy with its
 * difference, ratio and percent change against the baseline (output/compare.h)
 * to stdout. Errors go to stderr as "edusim compare: error: ...".
 * @param argc number of arguments in @p argv
 * @param argv the arguments, argv[0] being "compare" (borrowed)
 * @return the exit code: 0 success, 1 runtime failure (I/O, out of memory),
 *         2 bad usage or bad input (a missing, non-HDF5 or too old file, a
 *         year, stage, baseline or format that is not in the files, files
 *         that do not match)
 */
int es_cmd_compare(int argc, char **argv);

#endif /* ES_SIM_CMD_COMPARE_H */
