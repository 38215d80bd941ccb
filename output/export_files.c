/* export_files.c: the folders and files `edusim export` writes.
 *
 * Every CSV file goes to a hidden temporary name "<folder>/.<name>.tmp.<pid>"
 * in its folder and is renamed into place only when all files are complete,
 * so that a failed export leaves no half-written CSV; the folders an export
 * made are removed again when it fails and they are left empty. Only a
 * regular file or a new name is ever replaced. Every write, sync, close and
 * rename is checked and reported with the system's reason; a replaced file is
 * kept as a hard link until the folders are synced, so that a failure at any
 * step leaves the folder's previous files as they were. The reading of the
 * results file and the tables are export.c's. */
#define _GNU_SOURCE /* fopencookie (glibc); other systems use fdopen */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/file_kind.h"
#include "models/strings.h"
#include "output/export_impl.h"

#define OUTPUT_BUFFER ((size_t)1 << 16) /* stdio buffer of a CSV file */
#define BACKUP_SUFFIX ".old"            /* "<tmp>.old": a replaced file, kept */

/* "a" + "b" + "c" in a new string (any of them may be ""). */
char *es__export_concat3(const char *a, const char *b, const char *c) {
  const size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
  char *s = malloc(na + nb + nc + 1);
  if (s != NULL) {
    memcpy(s, a, na);
    memcpy(s + na, b, nb);
    memcpy(s + na + nb, c, nc + 1);
  }
  return s;
}

/* Make room for @p n + 1 elements of @p size bytes in *@p array. */
bool es__export_grow(void **array, size_t *cap, const size_t n,
                     const size_t size) {
  if (n < *cap) {
    return true;
  }
  const size_t new_cap = *cap == 0 ? 8 : 2 * *cap;
  void *p = realloc(*array, new_cap * size);
  if (p == NULL) {
    return false;
  }
  *array = p;
  *cap = new_cap;
  return true;
}

/* mkdir of @p path unless it is a folder already; folders made are recorded
 * so that a failed export can remove them. */
int es__export_make_folder(struct es__export_files *fs, const char *path) {
  struct stat st;
  if (mkdir(path, 0777) == 0) {
    if (!es__export_grow((void **)&fs->created, &fs->cap_created, fs->n_created,
                         sizeof *fs->created) ||
        (fs->created[fs->n_created] = es_strdup(path)) == NULL) {
      rmdir(path);
      return ES_FAIL(fs->err, ES_ENOMEM, "folder '%s'", path);
    }
    fs->n_created++;
    return ES_OK;
  }
  const int e = errno;
  if (e == EEXIST && stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return ES_OK;
    }
    return ES_FAIL(fs->err, ES_EINPUT,
                   "'%s' exists and is not a folder (expected a folder for "
                   "the CSV files)",
                   path);
  }
  return ES_FAIL(fs->err, ES_EIO, "cannot create the folder '%s': %s", path,
                 strerror(e));
}

/* Check or create the output folder @p dir (mkdir -p). */
int es__export_prepare_folder(struct es__export_files *fs, const char *dir,
                              const bool force) {
  struct stat st;
  if (stat(dir, &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return ES_FAIL(fs->err, ES_EINPUT,
                     "'%s' exists and is not a folder (expected a folder for "
                     "the CSV files)",
                     dir);
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
      return ES_FAIL(fs->err, ES_EIO, "cannot read the folder '%s': %s", dir,
                     strerror(errno));
    }
    bool empty = true;
    const struct dirent *e = NULL;
    while (empty && (e = readdir(d)) != NULL) {
      empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    }
    closedir(d);
    if (!empty && !force) {
      return ES_FAIL(fs->err, ES_EEXIST,
                     "the folder '%s' is not empty (use --force to write into "
                     "it; files of the same names are replaced)",
                     dir);
    }
    return ES_OK;
  }
  char *path = es_strdup(dir);
  if (path == NULL) {
    return ES_FAIL(fs->err, ES_ENOMEM, "folder '%s'", dir);
  }
  int rc = ES_OK;
  for (char *p = path + 1; *p != '\0' && rc == ES_OK; p++) {
    if (*p == '/' && p[-1] != '/') {
      *p = '\0';
      rc = es__export_make_folder(fs, path);
      *p = '/';
    }
  }
  if (rc == ES_OK) {
    rc = es__export_make_folder(fs, path);
  }
  free(path);
  return rc;
}

/* fsync of a folder; folders on some file systems refuse it with EINVAL,
 * which is not an error. */
static int sync_folder(struct es__export_files *fs, const char *path) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    return ES_FAIL(fs->err, ES_EIO, "cannot open '%s' to sync it: %s", path,
                   strerror(errno));
  }
  int e = 0;
  if (fsync(fd) != 0 && errno != EINVAL) {
    e = errno;
  }
  if (close(fd) != 0 && e == 0) {
    e = errno;
  }
  if (e != 0) {
    return ES_FAIL(fs->err, ES_EIO, "cannot sync '%s': %s", path, strerror(e));
  }
  return ES_OK;
}

bool es__export_stopped(const struct es__export_files *fs) {
  return fs->cancel != NULL && *fs->cancel != 0;
}

int es__export_fail_stopped(struct es__export_files *fs, const char *what) {
  return ES_FAIL(fs->err, ES_EINTERRUPTED, "interrupted while writing %s",
                 what);
}

/* ES_OK when @p path is missing (*@p exists false) or a regular file;
 * ES_EINPUT for anything else, which an export never replaces: a device,
 * FIFO, folder or socket would be destroyed by the rename, and a symbolic
 * link would be replaced by a file instead of having its target written. */
static int check_target(struct es__export_files *fs, const char *path,
                        bool *exists) {
  struct stat sb;
  *exists = false;
  if (lstat(path, &sb) != 0) {
    if (errno == ENOENT) {
      return ES_OK;
    }
    return ES_FAIL(fs->err, ES_EIO, "cannot check '%s': %s", path,
                   strerror(errno));
  }
  if (!S_ISREG(sb.st_mode)) {
    return ES_FAIL(fs->err, ES_EINPUT,
                   "'%s' is %s (expected a regular file to replace, or a "
                   "new name); it is left untouched",
                   path, es_file_kind(sb.st_mode));
  }
  *exists = true;
  return ES_OK;
}

/* The descriptor behind a pending file's stream and the first error of a
 * write or close on it. The stream writes through sink_write
 * (fopencookie), so that the system's reason for a failed write is kept
 * rather than guessed from errno later, and every write is a write(2). */
struct es__export_sink {
  int fd;    /* the temporary file, or -1 once closed */
  int error; /* errno of the first failed write or close, or 0 */
};

#if defined(__GLIBC__)
static ssize_t sink_write(void *cookie, const char *buf, size_t n) {
  struct es__export_sink *sink = cookie;
  size_t done = 0;
  while (done < n) {
    const ssize_t w = write(sink->fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      if (sink->error == 0) {
        sink->error = w < 0 ? errno : EIO;
      }
      break; /* fewer bytes than asked: the stream's error flag is set */
    }
    done += (size_t)w;
  }
  return (ssize_t)done;
}

static int sink_close(void *cookie) {
  struct es__export_sink *sink = cookie;
  if (sink->fd >= 0 && close(sink->fd) != 0 && sink->error == 0) {
    sink->error = errno;
  }
  sink->fd = -1;
  return sink->error == 0 ? 0 : -1;
}
#endif

/* A stream that writes to @p sink's descriptor. */
static FILE *open_stream(struct es__export_sink *sink) {
#if defined(__GLIBC__)
  const cookie_io_functions_t io = {
      .read = NULL, .write = sink_write, .seek = NULL, .close = sink_close};
  return fopencookie(sink, "w", io);
#else
  return fdopen(sink->fd, "w"); /* errno then tells the reason */
#endif
}

/* Open "<folder>/.<name>.tmp.<pid>" for writing and record it as pending. */
int es__export_open(struct es__export_files *fs, const char *folder,
                    const char *name, FILE **out) {
  if (es__export_stopped(fs)) {
    return es__export_fail_stopped(fs, name);
  }
  char pid[32];
  snprintf(pid, sizeof pid, ".tmp.%ld", (long)getpid());
  char *final = NULL, *tmp = NULL, *hidden = NULL, *backup = NULL;
  struct es__export_sink *sink = NULL;
  int rc = ES_OK;
  final = es__export_concat3(folder, "/", name);
  hidden = es__export_concat3("/.", name, pid);
  tmp = hidden != NULL ? es__export_concat3(folder, hidden, "") : NULL;
  backup = tmp != NULL ? es__export_concat3(tmp, BACKUP_SUFFIX, "") : NULL;
  sink = malloc(sizeof *sink);
  free(hidden);
  if (final == NULL || tmp == NULL || backup == NULL || sink == NULL ||
      !es__export_grow((void **)&fs->pending, &fs->cap_pending, fs->n_pending,
                       sizeof *fs->pending)) {
    rc = ES_FAIL(fs->err, ES_ENOMEM, "file '%s'", name);
    goto fail;
  }
  bool exists = false;
  rc = check_target(fs, final, &exists);
  if (rc != ES_OK) {
    goto fail;
  }
  unlink(tmp); /* one left by a killed export of this very pid */
  sink->fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
  sink->error = 0;
  if (sink->fd < 0) {
    rc = ES_FAIL(fs->err, ES_EIO, "cannot create a file in '%s': %s", folder,
                 strerror(errno));
    goto fail;
  }
  FILE *f = open_stream(sink);
  if (f == NULL) {
    rc = ES_FAIL(fs->err, ES_EIO, "cannot write '%s': %s", final,
                 strerror(errno));
    close(sink->fd);
    unlink(tmp);
    goto fail;
  }
  fs->pending[fs->n_pending] = (struct es__export_pending){
      .tmp = tmp, .final = final, .backup = backup, .sink = sink};
  fs->n_pending++;
  setvbuf(f, NULL, _IOFBF, OUTPUT_BUFFER);
  *out = f;
  return ES_OK;
fail:
  free(sink);
  free(backup);
  free(final);
  free(tmp);
  return rc;
}

/* Flush, sync and close the last pending file. */
int es__export_close(struct es__export_files *fs, FILE *f) {
  const struct es__export_pending *p = &fs->pending[fs->n_pending - 1];
  int e = 0;
  if (fflush(f) != 0 || ferror(f)) {
    e = p->sink->error != 0 ? p->sink->error : errno != 0 ? errno : EIO;
  }
  if (e == 0 && fsync(p->sink->fd) != 0) {
    e = errno;
  }
  errno = 0;
  if (fclose(f) != 0 && e == 0) {
    e = p->sink->error != 0 ? p->sink->error : errno != 0 ? errno : EIO;
  }
  if (e != 0) {
    return ES_FAIL(fs->err, ES_EIO, "cannot write '%s': %s", p->final,
                   strerror(e));
  }
  return ES_OK;
}

/* True when link(2) failed because the file system has no hard links. */
static bool no_hard_links(const int e) {
  return e == EPERM || e == ENOTSUP || e == EOPNOTSUPP || e == EMLINK ||
         e == ENOSYS;
}

/* Puts back what the renames of a failed commit replaced: the kept link of a
 * replaced file under its name, or no file where there was none. */
static void undo_renames(struct es__export_files *fs) {
  for (size_t i = 0; i < fs->n_pending; i++) {
    struct es__export_pending *p = &fs->pending[i];
    if (!p->renamed) {
      continue;
    }
    if (p->has_backup ? rename(p->backup, p->final) == 0
                      : !p->replaced && unlink(p->final) == 0) {
      p->renamed = false;
      p->has_backup = false;
    }
  }
}

/* Rename every pending file into place, then sync the folders. Only regular
 * files are replaced (checked again here), and each replaced file is kept as
 * a hard link until the folders are synced: a failed rename or sync puts
 * every old file back, so that a failed export leaves the folder as it was. */
int es__export_commit(struct es__export_files *fs, const char *dir,
                      const char *subfolder) {
  if (es__export_stopped(fs)) {
    return es__export_fail_stopped(fs, dir);
  }
  int rc = ES_OK;
  for (size_t i = 0; i < fs->n_pending && rc == ES_OK; i++) {
    rc = check_target(fs, fs->pending[i].final, &fs->pending[i].replaced);
  }
  for (size_t i = 0; i < fs->n_pending && rc == ES_OK; i++) {
    struct es__export_pending *p = &fs->pending[i];
    if (!p->replaced) {
      continue;
    }
    unlink(p->backup); /* one left by a killed export of this very pid */
    if (link(p->final, p->backup) == 0) {
      p->has_backup = true;
    } else if (!no_hard_links(errno)) {
      rc = ES_FAIL(fs->err, ES_EIO, "cannot link '%s' to '%s': %s", p->final,
                   p->backup, strerror(errno));
    }
  }
  for (size_t i = 0; i < fs->n_pending && rc == ES_OK; i++) {
    struct es__export_pending *p = &fs->pending[i];
    if (rename(p->tmp, p->final) != 0) {
      rc = ES_FAIL(fs->err, ES_EIO, "cannot rename '%s' to '%s': %s", p->tmp,
                   p->final, strerror(errno));
    } else {
      p->renamed = true;
    }
  }
  if (rc == ES_OK) {
    rc = sync_folder(fs, dir);
  }
  if (rc == ES_OK && subfolder != NULL) {
    char *folder = es__export_concat3(dir, "/", subfolder);
    struct stat st;
    if (folder == NULL) {
      rc = ES_FAIL(fs->err, ES_ENOMEM, "%s", "folder name");
    } else if (stat(folder, &st) == 0) {
      rc = sync_folder(fs, folder);
    }
    free(folder);
  }
  if (rc != ES_OK) {
    undo_renames(fs);
    bool undone = true;
    for (size_t i = 0; i < fs->n_pending; i++) {
      undone = undone && !fs->pending[i].renamed;
    }
    es_error_prefix(
        fs->err, "%s",
        undone ? "nothing was replaced" : "some files were replaced");
  }
  return rc;
}

void es__export_files_clear(struct es__export_files *fs, const bool failed) {
  for (size_t i = 0; i < fs->n_pending; i++) {
    struct es__export_pending *p = &fs->pending[i];
    if (failed && !p->renamed) {
      unlink(p->tmp);
    }
    /* A kept link is dropped, unless a failed commit could not put it
     * back: then it is the only copy of the old file. */
    if (p->has_backup && !(failed && p->renamed)) {
      unlink(p->backup);
    }
    free(p->tmp);
    free(p->final);
    free(p->backup);
    free(p->sink);
  }
  if (failed) {
    for (size_t i = fs->n_created; i-- > 0;) {
      rmdir(fs->created[i]); /* only when left empty */
    }
  }
  free(fs->pending);
  es_strings_free(fs->created, fs->n_created);
  fs->pending = NULL;
  fs->created = NULL;
  fs->n_pending = fs->cap_pending = fs->n_created = fs->cap_created = 0;
}
