/* file_kind.h: what a path is, in words, for the messages that refuse
 * anything but a regular file (an input read, an output replaced). One text
 * for every layer, so that the loader, the writers and the command line
 * name a FIFO or a device the same way. */
#ifndef ES_MODELS_FILE_KIND_H
#define ES_MODELS_FILE_KIND_H

#include <sys/types.h>

/**
 * @brief What kind of file @p mode (st_mode of stat or lstat) describes:
 *        "a regular file", "a folder", "a symbolic link", "a character
 *        device", "a block device", "a FIFO (named pipe)", "a socket", or
 *        "a special file".
 * @return a static string, never NULL.
 */
const char *es_file_kind(mode_t mode);

#endif /* ES_MODELS_FILE_KIND_H */
