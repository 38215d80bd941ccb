/* results_impl.h: what results.c (the in-memory results and their checks)
 * shares with results_write.c (the HDF5 writer). Not part of the API: only
 * the files of the results module include it (STYLE 2). */
#ifndef ES_OUTPUT_RESULTS_IMPL_H
#define ES_OUTPUT_RESULTS_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "models/error.h"
#include "output/results.h"

#define ES__RESULTS_NAME_MAX 256 /* longest group, variable or role name */

/** @brief The long_name attribute of axis @p dim's coordinate. */
const char *es__results_dim_long_name(enum es_dim dim);

/** @brief The units attribute of axis @p dim's coordinate. */
const char *es__results_dim_units(enum es_dim dim);

/**
 * @brief Checks that @p res can be written: names, UTF-8 text, labels of
 *        every axis in use, distinct source roles.
 * @return ES_OK, or ES_EINVAL with the first problem in @p err.
 */
int es__results_check(const struct es_results *res, struct es_error *err);

/** @brief A copy of @p text (NULL reads as "") with every byte outside a
 *         well-formed UTF-8 sequence replaced by '?'; NULL when out of
 *         memory. The caller frees it. */
char *es__results_utf8_sanitized(const char *text);

/** @brief Base64 (RFC 4648, padded) of @p n bytes, NUL-terminated; NULL when
 *         out of memory. The caller frees it. */
char *es__results_base64(const unsigned char *bytes, size_t n);

/** @brief True when source @p src is UTF-8 text (stored as text), false when
 *         it is stored as base64. */
bool es__results_source_is_text(const struct es_source_file *src);

/** @brief The dataset name of source @p src in group "scenario": its role,
 *         or "<role>_base64" when it is not UTF-8 text. */
void es__results_source_dataset_name(const struct es_source_file *src,
                                     char *out, size_t out_size);

#endif /* ES_OUTPUT_RESULTS_IMPL_H */
