/* publish.c: putting a finished file in place without ever destroying what
 * was there (docs/output-format.md, "Writing"; notes/hdf5-recipe.md 7).
 *
 * A writer builds its file under "<path>.tmp.<pid>" in the target's folder,
 * syncs it, and publishes it here: a hard link when nothing may be replaced
 * (which fails if the name appeared meanwhile), otherwise a rename over a
 * regular file only, the replaced file kept as "<tmp>.old" until the folder
 * is synced and put back if that sync fails. Temporary files of writers that
 * died are removed before a new write. Every call is checked and reported
 * with the system's reason. */
#include "output/publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/file_kind.h"

/* fsync of the file or folder at @p path. Folders on some file systems
 * refuse fsync with EINVAL; that is not an error. */
int es_publish_sync(const char *path, bool is_folder, struct es_error *err) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    return ES_FAIL(err, ES_EIO, "cannot open '%s' to sync it: %s", path,
                   strerror(errno));
  }
  int e = 0;
  if (fsync(fd) != 0 && !(is_folder && errno == EINVAL)) {
    e = errno;
  }
  if (close(fd) != 0 && e == 0) {
    e = errno;
  }
  if (e != 0) {
    return ES_FAIL(err, ES_EIO, "cannot sync '%s': %s", path, strerror(e));
  }
  return ES_OK;
}

/* True for "<digits>" or "<digits>.old" (@p n_digits set to the digits). */
static bool is_temp_suffix(const char *s, size_t *n_digits) {
  *n_digits = strspn(s, "0123456789");
  return *n_digits > 0 && *n_digits <= 18 &&
         (s[*n_digits] == '\0' ||
          strcmp(s + *n_digits, ES_PUBLISH_BACKUP_SUFFIX) == 0);
}

/* Removes "<base>.tmp.<pid>" files in @p folder whose writer process is gone
 * (recipe 7: a crashed run leaves its temporary file behind), and the
 * "<base>.tmp.<pid>.old" links to a replaced file that es_publish() keeps while
 * it replaces it. */
int es_publish_remove_stale(const char *folder, const char *base,
                            struct es_error *err) {
  DIR *dir = opendir(folder);
  if (dir == NULL) {
    return ES_FAIL(err, ES_EIO, "cannot open folder '%s': %s", folder,
                   strerror(errno));
  }
  const size_t n_base = strlen(base);
  const size_t n_infix = strlen(ES_PUBLISH_TMP_INFIX);
  const pid_t self = getpid();
  int rc = ES_OK;
  for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
    const char *name = e->d_name;
    if (strncmp(name, base, n_base) != 0 ||
        strncmp(name + n_base, ES_PUBLISH_TMP_INFIX, n_infix) != 0) {
      continue;
    }
    const char *digits = name + n_base + n_infix;
    size_t n_digits = 0;
    if (!is_temp_suffix(digits, &n_digits)) {
      continue;
    }
    const long long pid_value = strtoll(digits, NULL, 10);
    const pid_t pid = (pid_t)pid_value;
    if (pid_value <= 0 || (long long)pid != pid_value || pid == self) {
      continue;
    }
    if (kill(pid, 0) == 0 || errno != ESRCH) {
      continue; /* alive, or not ours to judge (EPERM) */
    }
    const size_t n_path = strlen(folder) + 1 + strlen(name) + 1;
    char *stale = malloc(n_path);
    if (stale == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory");
      break;
    }
    snprintf(stale, n_path, "%s/%s", folder, name);
    if (unlink(stale) != 0 && errno != ENOENT) {
      rc = ES_FAIL(err, ES_EIO, "cannot remove stale '%s': %s", stale,
                   strerror(errno));
    }
    free(stale);
    if (rc != ES_OK) {
      break;
    }
  }
  closedir(dir);
  return rc;
}

/* Checks what @p path is: ES_OK when it is missing (*@p exists false) or a
 * regular file; ES_EINVAL for anything else, which is never replaced: a
 * device, FIFO, folder or socket would be destroyed by the rename, and a
 * symbolic link would be replaced by a file instead of having its target
 * written. */
int es_publish_check_replaceable(const char *path, bool *exists,
                                 struct es_error *err) {
  struct stat sb;
  *exists = false;
  if (lstat(path, &sb) != 0) {
    if (errno == ENOENT) {
      return ES_OK;
    }
    return ES_FAIL(err, ES_EIO, "cannot check '%s': %s", path, strerror(errno));
  }
  if (!S_ISREG(sb.st_mode)) {
    return ES_FAIL(err, ES_EINVAL,
                   "'%s' is %s (expected a regular file to replace, or a "
                   "new name); it is left untouched",
                   path, es_file_kind(sb.st_mode));
  }
  *exists = true;
  return ES_OK;
}

/* Puts @p tmp in place as @p path and syncs @p folder. Without @p force the
 * file is hard-linked, which fails if @p path appeared meanwhile, and the
 * temporary name stays for the caller to remove (*@p tmp_exists); file
 * systems without hard links fall back to rename. With @p force, what
 * @p path is gets checked once more, and a replaced file is kept as
 * @p backup (a hard link) until the folder is synced: if that sync fails the
 * old file is put back, so that a failure never leaves the new file in place.
 */
int es_publish(const char *tmp, const char *path, const char *folder,
               const char *backup, bool force, bool *tmp_exists,
               struct es_error *err) {
  bool linked = false; /* path is a new link to tmp */
  bool has_backup = false;
  int rc = ES_OK;
  if (!force) {
    if (link(tmp, path) == 0) {
      linked = true;
    } else if (errno == EEXIST) {
      return ES_FAIL(err, ES_EEXIST,
                     "'%s' exists (appeared while writing; use --force to "
                     "replace it)",
                     path);
    } else if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP &&
               errno != EMLINK && errno != ENOSYS) {
      return ES_FAIL(err, ES_EIO, "cannot link '%s' to '%s': %s", tmp, path,
                     strerror(errno));
    } else {
      struct stat sb;
      if (lstat(path, &sb) == 0) {
        return ES_FAIL(err, ES_EEXIST,
                       "'%s' exists (appeared while writing; use --force to "
                       "replace it)",
                       path);
      }
    }
  } else {
    bool exists = false;
    rc = es_publish_check_replaceable(path, &exists, err);
    if (rc != ES_OK) {
      return rc;
    }
    if (exists) {
      if (link(path, backup) == 0) {
        has_backup = true;
      } else if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP &&
                 errno != EMLINK && errno != ENOSYS) {
        return ES_FAIL(err, ES_EIO, "cannot link '%s' to '%s': %s", path,
                       backup, strerror(errno));
      }
    }
  }
  if (!linked) {
    if (rename(tmp, path) != 0) {
      rc = ES_FAIL(err, ES_EIO, "cannot rename '%s' to '%s': %s", tmp, path,
                   strerror(errno));
      goto cleanup;
    }
    *tmp_exists = false;
  }
  rc = es_publish_sync(folder, /*is_folder=*/true, err);
  if (rc != ES_OK) {
    /* Undo: the old file back under its name, or no file. */
    if (has_backup && rename(backup, path) == 0) {
      has_backup = false;
      es_error_prefix(err, "'%s' was not replaced", path);
    } else if (!has_backup && (linked || !force) && unlink(path) == 0) {
      es_error_prefix(err, "'%s' was not written", path);
    } else {
      es_error_prefix(err, "'%s' was written but may not survive a crash",
                      path);
    }
  }
cleanup:
  if (has_backup) {
    unlink(backup);
  }
  return rc;
}
