/* info.h: a readable description of a results file (`edusim info`). */
#ifndef ES_OUTPUT_INFO_H
#define ES_OUTPUT_INFO_H

#include <stdio.h>

#include "models/error.h"
#include "output/digest.h"

/**
 * @brief Print what @p path holds: the root attributes (title, software,
 * created, command, mode, seed, replicates, ...), whether its digest was
 * verified, then every group with its variables, their dimensions, shapes
 * and units.
 * @param path the results file (borrowed).
 * @param policy digest check and notices (borrowed; NULL: check, no notice).
 * @param out where the description goes.
 * @param err filled on failure; the message names @p path.
 * @return ES_OK; the codes of es_results_file_open (ES_EINPUT for a missing,
 *         damaged or malformed file, another format_version; ES_EIO);
 *         ES_EHDF5 (listing the groups failed).
 */
int es_results_info(const char *path, const struct es_digest_policy *policy,
                    FILE *out, struct es_error *err);

#endif /* ES_OUTPUT_INFO_H */
