/* results_file.h: the one checked way to open a results file for reading.
 *
 * Every reader of results files (edusim info, compare, export) opens them
 * here. es_results_file_open checks, before any value is read: the digest in
 * the user block (digest.h), then that the file is HDF5, that the root
 * attributes an edusim file has are there with their types and shapes, that
 * format_version is the one this edusim writes, and that every dataset of
 * every group agrees with the dimension scales attached to it (rank, shape,
 * type), with sizes bounded. A file that fails is an input error naming the
 * file and what is wrong. The helpers below read coordinates, attributes and
 * cells of an opened file with the same care.
 *
 * This header includes hdf5.h, so only output/ includes it (STYLE 3). */
#ifndef ES_OUTPUT_RESULTS_FILE_H
#define ES_OUTPUT_RESULTS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "models/error.h"
#include "output/digest.h"

/** The format_version this edusim writes and reads (results_write.c). */
#define ES_RESULTS_FILE_FORMAT_VERSION 1
/** Most dimensions of a dataset in a results file. */
#define ES_RESULTS_FILE_MAX_RANK 8
/** Longest axis (coordinate) of a results file: far above the 3,000 regions
 * or 100 ages of a real scenario, far below what memory could not hold. */
#define ES_RESULTS_FILE_MAX_AXIS ((size_t)1 << 24)
/** Most values of one dataset. */
#define ES_RESULTS_FILE_MAX_CELLS ((size_t)1 << 32)
/** Longest fixed-length text value read, in bytes. */
#define ES_RESULTS_FILE_MAX_TEXT ((size_t)1 << 26)
/** Room for a double as text ("%.17g", "Inf") and its NUL. */
#define ES_RESULTS_FILE_NUMBER_TEXT 40

/** An open, checked results file (opaque). */
struct es_results_file;

/**
 * @brief Open @p path for reading after checking it (see the top of this
 * header): digest, HDF5, root attributes, format_version, and every dataset
 * against its dimension scales.
 * @param path the file (borrowed; copied).
 * @param policy whether to check the digest, and where notices go (borrowed;
 *        NULL checks the digest and gives no notices).
 * @param out the opened file (owned by the caller: es_results_file_free).
 * @param err filled on failure; the message starts with @p path.
 * @return ES_OK; ES_EINPUT (no such file, a folder, a digest that does not
 *         match, not HDF5, a missing or malformed root attribute, another
 *         format_version, a dataset that disagrees with its scales or is too
 *         large); ES_EIO (the file cannot be read); ES_ENOMEM.
 */
int es_results_file_open(const char *path,
                         const struct es_digest_policy *policy,
                         struct es_results_file **out, struct es_error *err);

/** @brief Close the file and free @p rf (accepts NULL). */
void es_results_file_free(struct es_results_file *rf);

/** @brief The HDF5 file (owned by @p rf: do not close it). */
hid_t es_results_file_id(const struct es_results_file *rf);

/** @brief The path the file was opened with. */
const char *es_results_file_path(const struct es_results_file *rf);

/** @brief Whether the digest was checked, absent, or skipped. */
enum es_digest_status es_results_file_digest(const struct es_results_file *rf);

/**
 * @brief Root attribute @p name as text, as checked by the opener (text
 * as it is, integers in decimal), or NULL when the file lacks it or it is
 * not one of those the opener knows (title, Conventions, software,
 * software_version, hdf5_version, created, command, mode, scenario, seed,
 * replicates, currency, format_version).
 */
const char *es_results_file_attribute(const struct es_results_file *rf,
                                      const char *name);

/** @brief The names of the root attributes es_results_file_attribute knows,
 * in the order edusim writes them; *@p n gets their count. */
const char *const *es_results_file_attribute_names(size_t *n);

/**
 * @brief A memory type for variable-length UTF-8 text.
 * @return the type (the caller closes it), or H5I_INVALID_HID.
 */
hid_t es_results_file_text_type(void);

/**
 * @brief A double as CSV text: "%.17g", which reads back to the same double;
 * NaN as "" (NA in R and pandas); infinities as "Inf" and "-Inf".
 */
void es_results_file_double_text(double v,
                                 char out[ES_RESULTS_FILE_NUMBER_TEXT]);

/**
 * @brief The values of a dataset or attribute as text, one owned string per
 * element: strings as they are (fixed-length ones without their padding),
 * integers exactly, floats by es_results_file_double_text.
 * @param id the dataset or attribute (borrowed).
 * @param is_attr whether @p id is an attribute.
 * @param what names it in messages ("a.h5: indicators/year").
 * @param out the strings (owned by the caller: es_strings_free).
 * @param n_out their number.
 * @param is_text whether they are strings.
 * @return ES_OK; ES_EINPUT (neither text nor numbers, or more than
 *         ES_RESULTS_FILE_MAX_AXIS values); ES_EHDF5; ES_ENOMEM.
 */
int es_results_file_read_cells(hid_t id, bool is_attr, const char *what,
                               char ***out, size_t *n_out, bool *is_text,
                               struct es_error *err);

/**
 * @brief Text attribute @p name of @p obj, one value, in *@p out (owned by
 * the caller), or NULL when absent or not a single text.
 * @return ES_OK; ES_EHDF5; ES_ENOMEM.
 */
int es_results_file_read_text_attr(hid_t obj, const char *name,
                                   const char *what, char **out,
                                   struct es_error *err);

/**
 * @brief The text coordinate @p name of group @p group (named @p gname in
 * messages, which start with @p path): variable-length strings, one
 * dimension, not empty.
 * @param out the labels (owned by the caller: es_strings_free).
 * @return ES_OK; ES_EINPUT (missing, wrong type or shape, empty); ES_EHDF5;
 *         ES_ENOMEM.
 */
int es_results_file_read_text_coordinate(hid_t group, const char *path,
                                         const char *gname, const char *name,
                                         char ***out, size_t *n,
                                         struct es_error *err);

/**
 * @brief The integer coordinate @p name of group @p group (e.g. year) as
 * int32 values; as es_results_file_read_text_coordinate otherwise.
 * @param out the values (owned by the caller: free).
 */
int es_results_file_read_int32_coordinate(hid_t group, const char *path,
                                          const char *gname, const char *name,
                                          int32_t **out, size_t *n,
                                          struct es_error *err);

#endif /* ES_OUTPUT_RESULTS_FILE_H */
