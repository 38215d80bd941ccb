/* info.h: a readable description of a results file (`edusim info`). */
#ifndef ES_OUTPUT_INFO_H
#define ES_OUTPUT_INFO_H

#include <stdio.h>

#include "models/error.h"

/**
 * @brief Print what @p path holds: the root attributes (title, software,
 * created, command, mode, seed, replicates), then every group with its
 * variables, their dimensions and shapes, and the scenario's source files.
 * @return ES_OK, ES_EINPUT (no such file, a folder, not an HDF5 file),
 *         ES_EIO (cannot open it), ES_EHDF5
 */
int es_results_info(const char *path, FILE *out, struct es_error *err);

#endif /* ES_OUTPUT_INFO_H */
