/* export.h: a results file as tidy CSV files (`edusim export RESULTS.h5 --csv
 * DIR`, DESIGN "Command line", docs/export.md).
 *
 * Every group of data variables becomes one long ("tidy") CSV file: one
 * column per dimension, the region labels right after region, then one column
 * per variable, one row per cell of the group's arrays. The texts of the
 * scenario group are written back as the files they were read from, and the
 * root attributes as metadata.csv. */
#ifndef ES_OUTPUT_EXPORT_H
#define ES_OUTPUT_EXPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "models/error.h"
#include "output/digest.h"

/** Room for the names of the groups left out by a statistic filter. */
#define ES_EXPORT_SKIPPED_MAX 512

/** What to export. Zero-initialised means: every group, every statistic, and
 * refuse a folder that is not empty. */
struct es_export_options {
  const char *const *groups; /* [n_groups] group names to export ("scenario"
                                names the scenario texts), or NULL for all
                                (borrowed) */
  size_t n_groups;           /* 0 for all groups */
  const char *statistic;     /* keep only rows of this statistic, or NULL for
                                all rows (borrowed) */
  bool force;                /* write into a folder that is not empty,
                                replacing files of the same names */
  struct es_digest_policy digest;      /* digest check of the results file */
  const volatile sig_atomic_t *cancel; /* when non-NULL and set (by a signal
                                          handler), the export stops between
                                          blocks of rows or files: nothing is
                                          replaced, ES_EINTERRUPTED */
};

/** What an export wrote. Transparent; filled by es_export_csv. */
struct es_export_summary {
  size_t n_csv_files;      /* data CSV files written (metadata.csv aside) */
  size_t n_rows;           /* data rows in them, headers aside */
  size_t n_scenario_files; /* files written under DIR/scenario/ */
  char skipped[ES_EXPORT_SKIPPED_MAX]; /* "population, demand": groups with
                                          a statistic axis that lacks
                                          opts->statistic, so not written;
                                          "" when none */
};

/**
 * @brief Export the results file @p results_path into the folder @p dir:
 * DIR/<group>.csv for every group of data variables (DIR/<group>__<dims>.csv,
 * dimension names joined by '_', for each set of variables of a group that
 * do not share the same dimensions), DIR/scenario/ with every text of the
 * scenario group, verbatim (base64 texts decoded), named after the base name
 * of its path attribute (or <name>.txt; "<name>__<base name>" when two share
 * a base name), and DIR/metadata.csv with the root attributes (name,value).
 * CSV: a header row, LF line ends, UTF-8 without BOM, numbers in %.17g,
 * NaN as an empty field, infinities as Inf and -Inf, text quoted per RFC
 * 4180 when it holds a comma, a quote, CR or LF, or is empty.
 *
 * The file and the options are checked before anything is written. @p dir
 * and its parents are created when missing; an existing @p dir that is not
 * empty is refused without opts->force. Only a regular file or a new name
 * is ever replaced: a name that holds a folder, device, FIFO, socket or
 * symbolic link is ES_EINPUT and left untouched. Every file is written to a
 * hidden temporary name in its folder and renamed into place only after all
 * files are complete; a replaced file is kept as a hard link until the
 * folders are synced. On any failure (a write, sync, close or rename, with
 * the system's reason in the message) or a stop, the temporary files are
 * removed, the files already renamed are put back, and the folders this call
 * created are removed when left empty: the folder's previous files stay as
 * they were.
 * @param results_path a results file written by `edusim run` (borrowed).
 * @param dir the folder to write (borrowed).
 * @param opts groups, statistic and force (borrowed); NULL for the defaults.
 * @param summary filled on success (may be NULL).
 * @param err filled on failure; the message names the file or folder.
 * @return ES_OK; ES_EINPUT (no such file, a digest that does not match,
 *         not HDF5, not an edusim results file or another format_version, a
 *         malformed group (es_results_file_open lists the checks), an unknown
 *         group or statistic, @p dir a file, an output name that is not a
 *         regular file); ES_EEXIST (@p dir not empty without force);
 *         ES_EINVAL (NULL paths); ES_EIO (a folder or file cannot be created,
 *         written, synced or renamed); ES_EHDF5 (a read failed);
 *         ES_EINTERRUPTED (opts->cancel was set); ES_ENOMEM.
 */
int es_export_csv(const char *results_path, const char *dir,
                  const struct es_export_options *opts,
                  struct es_export_summary *summary, struct es_error *err);

#endif /* ES_OUTPUT_EXPORT_H */
