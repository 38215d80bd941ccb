/* publish.h: putting a finished file in place atomically, replacing only a
 * regular file, and cleaning up after writers that died (publish.c). */
#ifndef ES_OUTPUT_PUBLISH_H
#define ES_OUTPUT_PUBLISH_H

#include <stdbool.h>

#include "models/error.h"

#define ES_PUBLISH_TMP_INFIX     ".tmp." /* "<path>.tmp.<pid>" */
#define ES_PUBLISH_BACKUP_SUFFIX ".old"  /* "<tmp>.old": a replaced file */

/**
 * @brief fsync of the file or folder at @p path (a folder that refuses fsync
 *        with EINVAL is not an error).
 * @return ES_OK; ES_EIO with the system's reason.
 */
int es_publish_sync(const char *path, bool is_folder, struct es_error *err);

/**
 * @brief Removes "<base>.tmp.<pid>" files and "<base>.tmp.<pid>.old" links in
 *        @p folder whose process is gone.
 * @return ES_OK; ES_EIO (the folder cannot be read, a file not removed);
 *         ES_ENOMEM.
 */
int es_publish_remove_stale(const char *folder, const char *base,
                            struct es_error *err);

/**
 * @brief ES_OK when @p path is missing (*@p exists false) or a regular file
 *        (*@p exists true).
 * @return ES_OK; ES_EINVAL for anything else (folder, device, FIFO, socket,
 *         symbolic link), which is never replaced; ES_EIO when it cannot be
 *         checked.
 */
int es_publish_check_replaceable(const char *path, bool *exists,
                                 struct es_error *err);

/**
 * @brief Puts the synced file @p tmp in place as @p path and syncs
 *        @p folder. Without @p force it is hard-linked (ES_EEXIST if @p path
 *        appeared meanwhile; file systems without hard links fall back to
 *        rename) and @p tmp stays for the caller to remove. With @p force,
 *        @p path is checked once more (a regular file or nothing) and a
 *        replaced file is kept as @p backup until the folder is synced; if
 *        that sync fails the old file is put back.
 * @param tmp_exists set to false once @p tmp has been renamed away.
 * @return ES_OK; ES_EEXIST; ES_EINVAL (not a regular file); ES_EIO.
 */
int es_publish(const char *tmp, const char *path, const char *folder,
               const char *backup, bool force, bool *tmp_exists,
               struct es_error *err);

#endif /* ES_OUTPUT_PUBLISH_H */
