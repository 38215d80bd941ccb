/* compare.h: strategies side by side from the indicators of results files
 * (`edusim compare`, DESIGN "Command line", docs/compare.md).
 *
 * Three steps, each usable on its own: es_compare_file_read reads the
 * indicators group of one results file (statistic "mean") into plain arrays;
 * es_compare_build picks a year and a stage (or all stages), aggregates the
 * indicators of MODEL 7 into one row per strategy and compares every row with
 * a baseline row; es_compare_print writes the rows as an aligned table, a
 * markdown table, CSV or JSON. es_compare does all three. */
#ifndef ES_OUTPUT_COMPARE_H
#define ES_OUTPUT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "models/error.h"
#include "output/digest.h"

/** The indicator variables the comparison reads from group "indicators". */
enum es_compare_var {
  ES_COMPARE_VAR_STUDENTS,            /* pupils */
  ES_COMPARE_VAR_UNMET_SEATS,         /* seats */
  ES_COMPARE_VAR_IDLE_SEATS,          /* seats */
  ES_COMPARE_VAR_OVER_STANDARD_SHARE, /* 1 */
  ES_COMPARE_VAR_GINI,                /* 1 */
  ES_COMPARE_VAR_TRANSFERS,           /* teachers per year */
  ES_COMPARE_VAR_HIRES,               /* teachers per year */
  ES_COMPARE_VAR_SEATS_BUILT,         /* seats per year */
  ES_COMPARE_VAR_COST,                /* currency per year */
  ES_COMPARE_N_VARS
};

/** @brief The variable's name in the file ("students", "unmet_seats", ...). */
const char *es_compare_var_name(enum es_compare_var var);

/** The columns of the comparison, in the order they are printed. */
enum es_compare_metric {
  ES_COMPARE_UNMET_SEATS,         /* seats short at the year */
  ES_COMPARE_IDLE_SEATS,          /* seats unused at the year */
  ES_COMPARE_OVER_STANDARD_SHARE, /* share of pupils over the PTR standard */
  ES_COMPARE_GINI,                /* gini of teachers per pupil */
  ES_COMPARE_TRANSFERS,           /* teachers moved, summed t0+1..year */
  ES_COMPARE_HIRES,               /* teachers hired, summed t0+1..year */
  ES_COMPARE_SEATS_BUILT,         /* seats built, summed t0+1..year */
  ES_COMPARE_COST,                /* cost, summed t0+1..year (currency) */
  ES_COMPARE_N_METRICS
};

/** @brief The metric's name in CSV and JSON ("unmet_seats", ...). */
const char *es_compare_metric_name(enum es_compare_metric metric);

/** Output formats of es_compare_print. */
enum es_compare_format {
  ES_COMPARE_FORMAT_TABLE,    /* aligned text for a terminal (default) */
  ES_COMPARE_FORMAT_CSV,      /* one row per strategy, exact (%.17g) */
  ES_COMPARE_FORMAT_MARKDOWN, /* pipe tables */
  ES_COMPARE_FORMAT_JSON,     /* metadata and rows, exact, NaN as null */
};

/**
 * @brief The format named @p name ("table", "csv", "markdown", "json").
 * @return true and *@p format set, or false for an unknown name.
 */
bool es_compare_format_from_name(const char *name,
                                 enum es_compare_format *format);

/** The indicators of one results file, statistic "mean". Transparent. */
struct es_compare_file {
  char *path;          /* the file as given (owned) */
  char *scenario;      /* root attribute scenario, "" when absent (owned) */
  char *currency;      /* root attribute currency, "" when absent (owned) */
  size_t n_strategies; /* length of the strategy axis (>= 1) */
  size_t n_years;      /* length of the year axis (>= 1) */
  size_t n_stages;     /* length of the stage axis (>= 1) */
  char **strategy;     /* [n_strategies] names (owned) */
  int32_t *year;       /* [n_years] calendar years, t0 first (owned) */
  char **stage;        /* [n_stages] names (owned) */
  double *values[ES_COMPARE_N_VARS]; /* each [strategy][year][stage], row
                                        major, units of the variable (owned) */
};

/** @brief Zero @p file so that es_compare_file_clear may be called. */
void es_compare_file_init(struct es_compare_file *file);
/** @brief Free everything @p file owns and zero it. Accepts NULL. */
void es_compare_file_clear(struct es_compare_file *file);

/** @brief Index of (strategy, year, stage) in every values array. */
static inline size_t es_compare_file_idx(const struct es_compare_file *file,
                                         const size_t i_strategy,
                                         const size_t i_year,
                                         const size_t i_stage) {
  return (i_strategy * file->n_years + i_year) * file->n_stages + i_stage;
}

/**
 * @brief Read the indicators of @p path (statistic "mean") into @p file,
 * which must be initialised (and is cleared first).
 * @param file filled on success; left cleared on failure.
 * @param path a results file written by `edusim run` (borrowed).
 * @param policy whether its digest is checked, and where a notice goes when
 *        it has none (borrowed; NULL checks it and gives no notice).
 * @param err filled on failure; the message names @p path.
 * @return ES_OK; ES_EINPUT (no such file, a digest that does not match, not
 *         a results file that es_results_file_open accepts, no group
 *         "indicators",
 *         a coordinate or variable missing or of the wrong type or shape, no
 *         statistic "mean", an empty axis); ES_EIO (the file exists but
 *         cannot be read); ES_EHDF5 (a read failed); ES_ENOMEM.
 */
int es_compare_file_read(struct es_compare_file *file, const char *path,
                         const struct es_digest_policy *policy,
                         struct es_error *err);

/** What to compare. Zero-initialised means: last year, all stages, the first
 * strategy as baseline, table format. */
struct es_compare_options {
  bool have_year;       /* false: the last year of the files */
  int32_t year;         /* calendar year Y, when have_year */
  const char *stage;    /* a stage name, or NULL for all stages (borrowed) */
  const char *baseline; /* a row label or a strategy name that names one row
                           only, or NULL for the first row (borrowed) */
  enum es_compare_format format;  /* used by es_compare only */
  struct es_digest_policy digest; /* digest check of every file (es_compare
                                     only) */
};

/** One strategy of one file, and how it compares with the baseline. */
struct es_compare_row {
  char *label;       /* "strategy", or "scenario/strategy" with several files
                        (owned) */
  char *strategy;    /* the strategy's name in its file (owned) */
  size_t i_file;     /* index of the file among those compared */
  size_t i_strategy; /* index of the strategy in its file */
  double value[ES_COMPARE_N_METRICS]; /* units of each metric */
  double diff[ES_COMPARE_N_METRICS];  /* value - baseline value */
  double ratio[ES_COMPARE_N_METRICS]; /* value / baseline value; NaN when the
                                         baseline value is 0 */
  double pct[ES_COMPARE_N_METRICS];   /* 100 (value - baseline) / baseline, %;
                                         NaN when the baseline value is 0 */
};

/** The comparison: its settings and one row per strategy. Transparent. */
struct es_compare_table {
  size_t n_files;     /* files compared */
  char **path;        /* [n_files] (owned) */
  char **scenario;    /* [n_files] scenario names (owned) */
  char *currency;     /* unit of cost, "" when the files do not say (owned) */
  int32_t year;       /* the year Y compared */
  int32_t first_year; /* t0, the observed year; flows are summed after it */
  char *stage;        /* the stage compared, or NULL for all stages (owned) */
  size_t i_baseline;  /* the row the others are compared with */
  size_t n_rows;      /* one per strategy of every file, files in order */
  struct es_compare_row *rows; /* [n_rows] (owned) */
};

/** @brief Zero @p table so that es_compare_table_clear may be called. */
void es_compare_table_init(struct es_compare_table *table);
/** @brief Free everything @p table owns and zero it. Accepts NULL. */
void es_compare_table_clear(struct es_compare_table *table);

/**
 * @brief Build the comparison of @p files at year Y (opts->year, else the
 * last year). Per row: unmet_seats, idle_seats, over_standard_share and gini
 * at Y; transfers, hires, seats_built and cost summed over the years after
 * the first (t0 + 1 .. Y; 0 when Y = t0). With opts->stage NULL, counts are
 * summed over the stages, and over_standard_share and gini are the means of
 * the stages' values weighted by their students at Y (stages without students
 * left out; NaN when no stage has students). Several files must have the
 * same years, stages and currency; each row is then labelled
 * "scenario/strategy" (the file's path in place of the scenario when two
 * files share a scenario name).
 * @param table initialised; cleared first, filled on success.
 * @param files the files, each read by es_compare_file_read (borrowed).
 * @param n_files at least 1.
 * @param opts year, stage, baseline (borrowed).
 * @return ES_OK; ES_EINPUT (year outside the files' years, unknown stage or
 *         baseline, an ambiguous baseline, files whose years, stages or
 *         currencies differ; the message lists what was expected);
 *         ES_EINVAL (no file); ES_ENOMEM.
 */
int es_compare_build(struct es_compare_table *table,
                     const struct es_compare_file *files, size_t n_files,
                     const struct es_compare_options *opts,
                     struct es_error *err);

/**
 * @brief Write @p table to @p out in @p format (docs/compare.md shows each).
 * @return ES_OK; ES_EIO when writing fails; ES_ENOMEM.
 */
int es_compare_print(const struct es_compare_table *table,
                     enum es_compare_format format, FILE *out,
                     struct es_error *err);

/**
 * @brief Read @p paths, build the comparison and print it to @p out in
 * opts->format: `edusim compare` without the argument parsing.
 * @param paths [n_paths] results files (borrowed).
 * @return the codes of es_compare_file_read, es_compare_build and
 *         es_compare_print.
 */
int es_compare(const char *const *paths, size_t n_paths,
               const struct es_compare_options *opts, FILE *out,
               struct es_error *err);

#endif /* ES_OUTPUT_COMPARE_H */
