/* resources.h: what a run will need, known before it starts: its peak
 * resident memory and the size of its results file (docs/methods.md
 * "Resource estimate"), and what the machine has to give. */
#ifndef ES_SIM_RESOURCES_H
#define ES_SIM_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "models/error.h"
#include "scenarios/scenario.h"
#include "sim/engine.h"

/** The environment variable that sets the memory available to the check, in
 * bytes with an optional K, M, G or T suffix (powers of 1024). */
#define ES_RESOURCES_ENV_MEMORY "EDUSIM_MEMORY_AVAILABLE"

/** The environment variable that sets the disk space available to the
 * results file, in the same form. */
#define ES_RESOURCES_ENV_DISK "EDUSIM_DISK_AVAILABLE"

/** The estimate of one run, in bytes. */
struct es_resources {
  double loaded_bytes;    /* resident now: program, libraries, scenario */
  double results_bytes;   /* the results in memory */
  double buffers_bytes;   /* replicate buffers and thread workspaces */
  double quantiles_bytes; /* P2 estimators (region_quantiles) */
  double writer_bytes;    /* the HDF5 library and the file image in memory while
                             writing */
  double memory_bytes;    /* peak resident memory: the sum of the above */
  double output_bytes;    /* the results file, at most (uncompressed) */
};

/**
 * @brief Estimate the peak memory and the results file of a run.
 * @param sc     the scenario (borrowed): its data files go into the results
 * @param shape  the sizes of the run (es_engine_shape; borrowed)
 * @param loaded_bytes memory resident before the run (es_resources_resident)
 * @param est    filled (borrowed)
 */
void es_resources_estimate(const struct es_scenario *sc,
                           const struct es_engine_shape *shape,
                           double loaded_bytes, struct es_resources *est);

/**
 * @brief The resident memory of this process now, in bytes (from
 * /proc/self/statm); 0 where it cannot be read.
 */
double es_resources_resident(void);

/** What the machine has for a run, and where that figure comes from. */
struct es_resources_available {
  double memory_bytes;  /* memory the run may hold, including what the
                           process holds now */
  char memory_from[96]; /* "MemAvailable", "RLIMIT_AS", or the variable */
  double disk_bytes;    /* free space for the results file */
  char disk_from[96];   /* the folder checked, or the variable */
  bool has_memory;      /* memory_bytes is known */
  bool has_disk;        /* disk_bytes is known */
};

/**
 * @brief What is available to a run writing @p output_path: memory from
 * ES_RESOURCES_ENV_MEMORY, else MemAvailable of /proc/meminfo plus what the
 * process holds now, lowered to RLIMIT_AS when that is set; disk from
 * ES_RESOURCES_ENV_DISK, else statvfs of the output's nearest existing
 * folder.
 * @param output_path the results file (borrowed)
 * @param avail filled (borrowed); a figure that cannot be found is marked
 *              unknown and not checked
 * @return ES_OK, or ES_EINPUT when an environment variable is not a size
 *         (message in @p err)
 */
int es_resources_available(const char *output_path,
                           struct es_resources_available *avail,
                           struct es_error *err);

/**
 * @brief Parse a size such as "512M", "2G" or "1048576" (bytes; K, M, G, T
 * are powers of 1024). Returns false when @p text is not one.
 */
bool es_resources_parse_size(const char *text, double *bytes);

/**
 * @brief Write @p bytes as a short human figure ("52.4 MiB") into @p out.
 */
void es_resources_format(double bytes, char *out, size_t n_out);

#endif /* ES_SIM_RESOURCES_H */
