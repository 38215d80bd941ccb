/* results.h: the results of a run, in memory, and their HDF5 file.
 *
 * The engine fills a struct es_results: the coordinates of every axis
 * (strategy, statistic, year, region, age, stage), a list of variables, each a
 * flat row-major double array over some of those axes and living in a group
 * (population, demand, schools, indicators), and the provenance of the run (the
 * scenario text and every data file verbatim). es_results_write turns that into
 * one HDF5 file that xarray (h5netcdf and netcdf4 engines), h5py, pandas and R
 * open directly, following notes/hdf5-recipe.md: a dimension scale on every
 * axis, coordinates inside every group, variable-length UTF-8 strings, units
 * and long_name on every variable, chunked with shuffle + deflate, written to a
 * temporary file that is fsync'ed and renamed into place only when complete. */
#ifndef ES_OUTPUT_RESULTS_H
#define ES_OUTPUT_RESULTS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"
#include "output/digest.h"

/** The axes of the results (DESIGN "Results file"). */
enum es_dim {
  ES_DIM_STRATEGY,
  ES_DIM_STATISTIC,
  ES_DIM_YEAR,
  ES_DIM_REGION,
  ES_DIM_AGE,
  ES_DIM_STAGE,
  ES_DIM_INDICATOR_STATISTIC, /* "statistic" of the indicators groups, which
                                 may list quantiles that region-level groups
                                 do not carry (MODEL 9) */
  ES_DIM_REPLICATE,           /* replicate number, 0..R-1 */
  ES_DIM_COUNT
};

/** @brief The dimension's name in the file ("strategy", "statistic", ...). */
const char *es_dim_name(enum es_dim dim);

#define ES_VARIABLE_MAX_DIMS 5

/** One data variable: a flat row-major array over n_dims axes. */
struct es_variable {
  const char *group;     /* "population", "demand", ... (static text) */
  const char *name;      /* e.g. "local" (static text) */
  const char *long_name; /* CF long_name (static text) */
  const char *units;     /* CF-style units, e.g. "persons" (static text) */
  size_t n_dims;         /* 1..ES_VARIABLE_MAX_DIMS */
  enum es_dim dims[ES_VARIABLE_MAX_DIMS]; /* axes, slowest first */
  double *data; /* product of the axes' lengths values (owned) */
};

/** One input file kept verbatim in the results. */
struct es_source_file {
  char *role;  /* "scenario", "regions", "population", ... (owned) */
  char *path;  /* path as given, relative to the scenario (owned) */
  char *bytes; /* the file's content (owned) */
  size_t size; /* bytes in @c bytes */
};

/** Everything one results file holds. Transparent: the engine fills it. */
struct es_results {
  size_t dim_len[ES_DIM_COUNT]; /* length of every axis */
  char **strategy;              /* [strategy] names (owned) */
  char **statistic;             /* [statistic] "mean", "sd", "p05", ... */
  char **indicator_statistic;   /* [indicator statistic] the same for the
                                   indicators groups */
  int32_t *replicate;           /* [replicate] 0..R-1 */
  int32_t *year;                /* [year] calendar years */
  int32_t *age;                 /* [age] 0..max_age, years */
  char **stage;                 /* [stage] names */
  int32_t *stage_age_lo;        /* [stage] first age */
  int32_t *stage_age_hi;        /* [stage] last age */
  double *stage_ptr_standard;   /* [stage] pupils per teacher */
  char **region;                /* [region] codes */
  char **region_name;           /* [region] names, UTF-8 */
  char **region_province;       /* [region] or NULL */
  char **region_prefecture;     /* [region] or NULL */
  int32_t *region_rank;         /* [region] administrative rank */

  size_t n_variables;
  struct es_variable *variables; /* [n_variables] (owned) */

  /* provenance, written as root attributes and in group "scenario" */
  char *title;             /* e.g. "edusim results: tiny" */
  char *software_version;  /* e.g. "0.1.0 (git 1a2b3c4d5e6f)", or NULL */
  char *scenario_name;     /* the scenario's name */
  char *command;           /* the command line that made the file */
  char *mode;              /* "deterministic" or "stochastic" */
  uint64_t seed;           /* base seed */
  uint64_t replicates;     /* 1 in deterministic mode */
  char *currency;          /* unit of costs, e.g. "CNY" */
  char *scenario_resolved; /* scenario text after extends is resolved */
  size_t n_sources;
  struct es_source_file *sources; /* [n_sources]: the scenario file first */
};

/** @brief Zero @p res so that es_results_clear may be called at any time. */
void es_results_init(struct es_results *res);
/** @brief Free everything @p res owns and zero it. Accepts NULL. */
void es_results_clear(struct es_results *res);

/**
 * @brief Add a variable of the given axes, zero-filled, and return its data
 * (owned by @p res), or NULL on out of memory (with @p err set). Lengths are
 * taken from res->dim_len, which must be set first.
 */
double *es_results_add(struct es_results *res, const char *group,
                       const char *name, const char *long_name,
                       const char *units, size_t n_dims,
                       const enum es_dim *dims, struct es_error *err);

/** @brief The variable @p group/@p name, or NULL. */
struct es_variable *es_results_find(const struct es_results *res,
                                    const char *group, const char *name);

/** Options of the writer. */
struct es_write_options {
  bool force;        /* replace an existing file (else ES_EEXIST) */
  int deflate_level; /* 0..9; 0 = no compression (default 1) */
  const volatile sig_atomic_t *cancel; /* when non-NULL and set (by a signal
                                          handler) before the file is put in
                                          place, the write stops (it is checked
                                          between datasets, between chunks of
                                          about 1 MiB and between written
                                          pieces), the temporary file is
                                          removed and ES_EINTERRUPTED
                                          returned */
};

/**
 * @brief Write @p res to @p path atomically: the file is built in memory,
 * written to a temporary file "<path>.tmp.<pid>" in the same folder, signed
 * with the SHA-256 digest of its contents in its 512-byte user block
 * (digest.h), fsync'ed,
 * renamed, and the folder fsync'ed. On any failure (every write, fsync, close
 * and rename is checked; the message names the file and the system's reason)
 * or stop the temporary file is removed and an existing @p path is left
 * byte-identical: a replaced file is kept as a hard link
 * "<path>.tmp.<pid>.old" until the folder is synced and put back if that
 * fails. Without opts->force an existing @p path is ES_EEXIST, checked before
 * anything is written (and again, race-free, when the file is put in place).
 * Only a regular file is ever replaced: a @p path that holds a folder,
 * device, FIFO, socket or symbolic link is ES_EINVAL, checked before writing
 * and again just before the rename, and left untouched. Temporary files
 * "<basename>.tmp.<pid>" (and ".old" links) of writers that are no longer
 * running are removed first.
 *
 * Layout: one group per variable group (in the order of their first
 * variable), each holding a coordinate dataset (dimension scale) for every
 * axis its variables use, region_name/region_province/region_prefecture/
 * region_rank along region and stage_age_lo/stage_age_hi/stage_ptr_standard
 * along stage (those that are not NULL), then its variables (float64,
 * chunked, shuffle + deflate, _FillValue NaN). Group "scenario" holds
 * scenario_resolved and each source as a scalar UTF-8 string named after its
 * role, or "<role>_base64" (base64 text) when the bytes are not UTF-8 text,
 * with attributes path, sha256, size_bytes and encoding. Root attributes:
 * title, Conventions, software ("edusim"), software_version (when set),
 * hdf5_version, created, command, mode, scenario, seed, replicates, currency
 * (when set), format_version. Text of title, command, mode, paths that is
 * not UTF-8 is written with '?' in place of the bad bytes.
 *
 * @param res the results (borrowed); labels of every axis a variable uses
 *        must be set and be UTF-8.
 * @param path the file to write (borrowed).
 * @param opts force and deflate level (borrowed); NULL means no force and
 *        deflate level 1.
 * @param err filled on failure.
 * @return ES_OK; ES_EINVAL for invalid results or options (names with '/',
 *         a variable named like an axis or label variable, missing labels,
 *         text that is not UTF-8, repeated names, deflate level outside
 *         0..9; @p path holds something other than a regular file);
 *         ES_EEXIST; ES_EIO (folder missing or not writable, a write, fsync,
 *         close, link or rename failed); ES_EINTERRUPTED (opts->cancel was
 *         set); ES_EHDF5; ES_ENOMEM; ES_EINTERNAL (an HDF5 handle leaked).
 */
int es_results_write(const struct es_results *res, const char *path,
                     const struct es_write_options *opts, struct es_error *err);

#endif /* ES_OUTPUT_RESULTS_H */
