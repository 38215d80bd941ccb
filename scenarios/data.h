/* data.h: the scenario's CSV data files, checked and turned into arrays.
 *
 * regions.csv describes every region (code, name, administrative rank, births
 * at t0, and optional province, prefecture, zone, coordinates, adult
 * population and growth, migrant birth share, and numeric columns the scenario
 * names); population.csv gives the local / migrant / away children of every
 * region and age at t0; teachers.csv and seats.csv the supply of every region
 * and stage at t0; od.csv the destination shares of movers. Every rule of
 * DESIGN "CSV data" is checked here and every violation becomes a diagnostic
 * with file:line:column and what was expected. */
#ifndef ES_SCENARIOS_DATA_H
#define ES_SCENARIOS_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"
#include "models/population.h"
#include "models/stage.h"

/* Bounds of the numbers of the data files (docs/scenario-format.md "Value
 * bounds"): far beyond any real scenario (a Chinese county has at most some
 * 200,000 births a year, the country some 18 million teachers), and low
 * enough that nothing a projection derives from them leaves the whole
 * numbers a double holds exactly (2^53, about 9.0e15) or overflows. */

/** Largest value of one cell: children of one region and age
 * (population.csv), births of one region per year (regions.csv births),
 * teachers or seats of one region and stage (teachers.csv, seats.csv). */
#define ES_DATA_COUNT_MAX 1e9

/** Largest total of teachers.csv or of seats.csv, all cells together. */
#define ES_DATA_TOTAL_MAX 1e12

/** Largest magnitude of adult_pop and of the extra numeric columns a scenario
 * names (attraction, multipliers): raised to a gravity exponent of at most
 * 20 it stays below 1e240. */
#define ES_DATA_COLUMN_MAX 1e12

/** Largest adult_growth, per year (100 %). */
#define ES_DATA_GROWTH_MAX 1.0

/** Regions in file order (the order of every region axis in edusim). */
struct es_region_table {
  size_t n_regions;
  char **code;          /* [n_regions] unique codes (owned) */
  char **name;          /* [n_regions] names, UTF-8 (owned) */
  int64_t *rank;        /* [n_regions] administrative rank, 1 = highest */
  double *births;       /* [n_regions] births in year t0, persons per year */
  char **province;      /* [n_regions] or NULL when the column is absent */
  char **prefecture;    /* [n_regions] or NULL */
  char **zone;          /* [n_regions] or NULL */
  double *lat;          /* [n_regions] latitude, decimal degrees, or NULL */
  double *lon;          /* [n_regions] longitude, decimal degrees, or NULL */
  double *adult_pop;    /* [n_regions] adults, persons, or NULL */
  double *adult_growth; /* [n_regions] growth per year, or NULL (= 0) */
  double *migrant_birth_share; /* [n_regions] 0..1, or NULL (= default) */
  size_t n_extra;    /* further numeric columns named by the scenario */
  char **extra_name; /* [n_extra] their names (owned) */
  double **extra;    /* [n_extra][n_regions] their values (owned) */
  size_t *sorted;    /* [n_regions] indices sorted by code (for lookup) */
};

/** @brief Free what @p t owns and zero it. Accepts NULL and zeroed. */
void es_region_table_clear(struct es_region_table *t);

/** @brief Index of the region with @p code, or SIZE_MAX. O(log n). */
size_t es_region_table_find(const struct es_region_table *t, const char *code);

/** @brief The values of numeric column @p name: a standard one (adult_pop,
 * births, lat, lon, adult_growth, migrant_birth_share, rank is not numeric
 * here) or an extra one; NULL when absent. */
const double *es_region_table_column(const struct es_region_table *t,
                                     const char *name);

/**
 * @brief Read regions.csv. Required columns: code, name, rank, births.
 * Optional: province, prefecture, zone, lat, lon, adult_pop, adult_growth,
 * migrant_birth_share. @p extra_columns (n_extra names, already free of
 * duplicates) are further numeric columns the scenario uses as attraction,
 * multiplier or rate_multiplier: each must be present; any other column is an
 * error. Checks: codes unique and non-empty, rank integer >= 1, births in
 * [0, ES_DATA_COUNT_MAX], lat in [-90, 90], lon in [-180, 180], adult_pop in
 * [0, ES_DATA_COLUMN_MAX], adult_growth in (-1, ES_DATA_GROWTH_MAX],
 * migrant_birth_share in [0, 1], extra columns in [-ES_DATA_COLUMN_MAX,
 * ES_DATA_COLUMN_MAX] (the scenario checks their sign); lat and lon come
 * together; at least one region. Whole numbers are an optional sign and
 * digits only ("3.0" is rejected). An extra column that is also a standard
 * numeric one (attraction: adult_pop) becomes required, is checked by its
 * standard rule, and its values are repeated in extra[]; extra_name[k] is
 * always extra_columns[k]. Every problem found is added to @p dl (the loader
 * goes on after an error); on any failure @p out is left zeroed.
 * @param display_path the path shown in diagnostics
 * @param bytes the file's content, @p size bytes
 * @param out filled on success (owned by the caller; free with
 *            es_region_table_clear)
 * @return ES_OK, ES_EINPUT (see @p dl), ES_ENOMEM
 */
int es_data_load_regions(const char *display_path, const char *bytes,
                         size_t size, const char *const *extra_columns,
                         size_t n_extra, struct es_region_table *out,
                         struct es_diag_list *dl, struct es_error *err);

/**
 * @brief Read population.csv (region,age,local,migrant,away) into @p out,
 * which must be initialised for regions->n_regions x (max_age + 1).
 * Every region x age 0..max_age exactly once; rows above max_age are ignored
 * with one notice; values in [0, ES_DATA_COUNT_MAX]; unknown regions, ages
 * that are not
 * whole numbers >= 0, missing and duplicated pairs are errors (a missing
 * pair is a file-level error, line 0, one per pair; a duplicate names the
 * line of the first). A file with a header and no rows is one error. On
 * ES_EINPUT the stocks hold what could be read (others 0).
 * @return ES_OK, ES_EINPUT, ES_ENOMEM, ES_EINVAL (@p out of another shape)
 */
int es_data_load_population(const char *display_path, const char *bytes,
                            size_t size, const struct es_region_table *regions,
                            size_t max_age, struct es_population *out,
                            struct es_diag_list *dl, struct es_error *err);

/**
 * @brief Read teachers.csv or seats.csv: columns region,stage,@p value_column
 * with whole numbers in [0, ES_DATA_COUNT_MAX] (sign and digits only) adding
 * up to at most ES_DATA_TOTAL_MAX (the error is at the value where the total
 * passes it), every region x stage exactly once; an unknown stage lists the
 * stages' names.
 * @param out [n_regions * n_stages], row-major [region][stage]; set to 0
 *            first, so absent pairs read 0 even on ES_EINPUT
 * @return ES_OK, ES_EINPUT, ES_ENOMEM
 */
int es_data_load_stage_table(const char *display_path, const char *bytes,
                             size_t size, const char *value_column,
                             const struct es_region_table *regions,
                             const struct es_stage *stages, size_t n_stages,
                             int64_t *out, struct es_diag_list *dl,
                             struct es_error *err);

/** Origin-destination entries as read from od.csv. */
struct es_od_table {
  size_t n_entries;
  size_t *origin;      /* [n_entries] region index */
  size_t *destination; /* [n_entries] region index */
  double *share;       /* [n_entries] share of the origin's movers, 0..1 */
};

/** @brief Free what @p od owns and zero it. Accepts NULL and zeroed. */
void es_od_table_clear(struct es_od_table *od);

/**
 * @brief Read od.csv (origin,destination,share): known regions, no self-flows,
 * each pair at most once, shares in [0, 1] and summing to at most 1 per
 * origin (tolerance 1e-9; the error, at the share of the origin's first
 * row, names the origin and the sum). Entries keep the file's order; a file
 * with a header and no rows gives no entries. On failure @p out is zeroed.
 * @return ES_OK, ES_EINPUT, ES_ENOMEM
 */
int es_data_load_od(const char *display_path, const char *bytes, size_t size,
                    const struct es_region_table *regions,
                    struct es_od_table *out, struct es_diag_list *dl,
                    struct es_error *err);

#endif /* ES_SCENARIOS_DATA_H */
