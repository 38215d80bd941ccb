/* export_impl.h: what export.c (reading a results file into tables) shares
 * with export_files.c (the folders and files an export writes). Not part of
 * the API: only the files of the export module include it (STYLE 2). */
#ifndef ES_OUTPUT_EXPORT_IMPL_H
#define ES_OUTPUT_EXPORT_IMPL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "models/error.h"

struct es__export_sink; /* the descriptor behind a stream (export_files.c) */

/* A file written to a temporary name, renamed at the end. */
struct es__export_pending {
  char *tmp;    /* "<folder>/.<name>.tmp.<pid>" (owned) */
  char *final;  /* "<folder>/<name>" (owned) */
  char *backup; /* "<tmp>.old": a link to the file final replaces (owned) */
  struct es__export_sink *sink; /* the stream's descriptor (owned) */
  bool replaced;   /* final held a regular file before the commit */
  bool has_backup; /* backup exists */
  bool renamed;    /* tmp is now final */
};

/* The files and folders of one export. Zero-initialised, with err set. */
struct es__export_files {
  size_t n_pending, cap_pending;
  struct es__export_pending *pending; /* files written so far (owned) */
  size_t n_created, cap_created;
  char **created; /* folders this export made, parents first (owned) */
  const volatile sig_atomic_t *cancel; /* a stop signal's flag, or NULL */
  struct es_error *err; /* where failures are recorded (borrowed) */
};

/** @brief True once a stop signal asked to abandon the export. */
bool es__export_stopped(const struct es__export_files *fs);

/** @brief Record ES_EINTERRUPTED ("interrupted while writing @p what"). */
int es__export_fail_stopped(struct es__export_files *fs, const char *what);

/** @brief mkdir of @p path unless it is a folder already; folders made are
 * recorded so that a failed export can remove them. @return ES_OK, ES_EINPUT
 * (a file is in the way), ES_EIO, ES_ENOMEM. */
int es__export_make_folder(struct es__export_files *fs, const char *path);

/** @brief Check or create the output folder @p dir (mkdir -p); a folder that
 * is not empty needs @p force. @return ES_OK, ES_EINPUT, ES_EEXIST, ES_EIO,
 * ES_ENOMEM. */
int es__export_prepare_folder(struct es__export_files *fs, const char *dir,
                              bool force);

/** @brief Open "<folder>/.<name>.tmp.<pid>" for writing into *@p out and
 * record it as pending. @return ES_OK, ES_EINPUT ("<folder>/<name>" is not a
 * regular file), ES_EIO, ES_ENOMEM, ES_EINTERRUPTED. */
int es__export_open(struct es__export_files *fs, const char *folder,
                    const char *name, FILE **out);

/** @brief Flush, sync and close @p f, the last pending file. @return ES_OK or
 * ES_EIO with the system's reason. */
int es__export_close(struct es__export_files *fs, FILE *f);

/** @brief Rename every pending file into place, then sync @p dir and, when
 * not NULL and present, its @p subfolder; on failure every replaced file is
 * put back. @return ES_OK, ES_EINPUT (a name holds something other than a
 * regular file), ES_EIO, ES_ENOMEM, ES_EINTERRUPTED. */
int es__export_commit(struct es__export_files *fs, const char *dir,
                      const char *subfolder);

/** @brief Free what @p fs holds and remove the links the commit kept; when
 * @p failed, first remove the temporary files and the folders made that are
 * left empty. */
void es__export_files_clear(struct es__export_files *fs, bool failed);

/** @brief "a" + "b" + "c" in a new string (any of them may be ""); NULL
 *         when out of memory. The caller frees it. */
char *es__export_concat3(const char *a, const char *b, const char *c);

/** @brief Makes room for @p n + 1 elements of @p size bytes in *@p array of
 *         capacity *@p cap (doubling it); false when out of memory. */
bool es__export_grow(void **array, size_t *cap, size_t n, size_t size);

#endif /* ES_OUTPUT_EXPORT_IMPL_H */
