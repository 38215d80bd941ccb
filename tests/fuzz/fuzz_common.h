/* fuzz_common.h: what the fuzz targets of tests/fuzz share.
 *
 * Every target writes its input as one file into a scratch folder that holds
 * the tiny example scenario, calls one input surface of edusim, and leaves
 * the folder as it found it. These helpers make the folders (once per
 * process, removed at exit), copy the tiny scenario into them, remove what a
 * call left behind, and re-sign results files. They abort on any failure of
 * their own: a harness that cannot set up must not report a clean run.
 *
 * This is test code, not library code: a target is a program, so the scratch
 * folders live in function statics (lint_globals checks the libraries only).
 */
#ifndef ES_TESTS_FUZZ_FUZZ_COMMON_H
#define ES_TESTS_FUZZ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** The entry point of every target (libFuzzer's name). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Bytes of the user block that carries a results file's digest. */
#define ES_FUZZ_USER_BLOCK 512

/** How the tiny scenario's text is changed for a target. */
enum es_fuzz_tiny_variant {
  ES_FUZZ_TINY_PLAIN,  /* the example, output file results.h5 in its folder */
  ES_FUZZ_TINY_MATRIX, /* destinations model matrix reading od.csv */
  ES_FUZZ_TINY_CLI,    /* plain, plus replicates: 2 for --mode stochastic */
};

/**
 * @brief A new empty folder under $TMPDIR (or /tmp), removed with all it
 * holds when the process exits normally; the first call also removes the
 * folders that processes which have ended (crashed) left behind.
 * @return the folder's path (owned by the harness, never freed).
 */
const char *es_fuzz_scratch_dir(const char *tag);

/**
 * @brief Write the tiny example scenario into @p dir: scenario.yaml (the
 * text of @p variant), regions.csv, population.csv, teachers.csv, seats.csv
 * and, for ES_FUZZ_TINY_MATRIX, od.csv (a valid table of the five regions).
 */
void es_fuzz_write_tiny(const char *dir, enum es_fuzz_tiny_variant variant);

/** @brief Write @p size bytes to @p path (created or truncated). */
void es_fuzz_write_file(const char *path, const void *data, size_t size);

/**
 * @brief Read the whole of @p path.
 * @return the bytes (owned by the caller, free()), NUL-terminated; *size
 * excludes the NUL.
 */
char *es_fuzz_read_file(const char *path, size_t *size);

/** @brief Remove @p path and, when it is a folder, everything under it. */
void es_fuzz_remove_tree(const char *path);

/** @brief Remove everything inside folder @p dir, keeping the folder. */
void es_fuzz_empty_dir(const char *dir);

/** @brief Copy every regular file of folder @p from into folder @p to. */
void es_fuzz_copy_dir(const char *from, const char *to);

/**
 * @brief Load the scenario @p path as `edusim validate` does (diagnostics
 * printed when ES_FUZZ_VERBOSE is set) and free it: the loader must succeed or
 * report, never crash, leak or read out of bounds.
 */
void es_fuzz_load_scenario(const char *path);

/**
 * @brief Overwrite the first ES_FUZZ_USER_BLOCK bytes of @p bytes with a
 * valid digest block for the bytes after it ("edusim-digest 1\nsha256 ",
 * 64 lowercase hex digits of the SHA-256 of bytes 512.., "\n", NULs).
 * Does nothing when @p size is at most ES_FUZZ_USER_BLOCK.
 */
void es_fuzz_sign(uint8_t *bytes, size_t size);

/**
 * @brief "/dev/null" opened for writing once per process, for the text the
 * readers print (the harness checks that they run, not what they say).
 */
FILE *es_fuzz_devnull(void);

#endif /* ES_TESTS_FUZZ_FUZZ_COMMON_H */
