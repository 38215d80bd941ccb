/* export_files.c: the folders and files `edusim export` writes.
 *
 * Every CSV file goes to a hidden temporary name "<folder>/.<name>.tmp.<pid>"
 * in its folder and is renamed into place only when all files are complete,
 * so that a failed export leaves no half-written CSV; the folders an export
 * made are removed again when it fails and they are left empty. The reading
 * of the results file and the tables are export.c's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/strings.h"
#include "output/export_impl.h"

#define OUTPUT_BUFFER ((size_t)1 << 16) /* stdio buffer of a CSV file */

/* "a" + "b" + "c" in a new string (any of them may be ""). */
static char *concat3(const char *a, const char *b, const char *c) {
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
static bool grow(void **array, size_t *cap, const size_t n, const size_t size) {
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
    if (!grow((void **)&fs->created, &fs->cap_created, fs->n_created,
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

/* fsync of an open file or of a folder; folders on some file systems refuse
 * it with EINVAL, which is not an error. */
static int sync_folder(struct es__export_files *fs, const char *path) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) {
    return ES_FAIL(fs->err, ES_EIO, "cannot open '%s' to sync it: %s", path,
                   strerror(errno));
  }
  int rc = ES_OK;
  if (fsync(fd) != 0 && errno != EINVAL) {
    rc =
        ES_FAIL(fs->err, ES_EIO, "cannot sync '%s': %s", path, strerror(errno));
  }
  close(fd);
  return rc;
}

/* Open "<folder>/.<name>.tmp.<pid>" for writing and record it as pending. */
int es__export_open(struct es__export_files *fs, const char *folder,
                    const char *name, FILE **out) {
  char pid[32];
  snprintf(pid, sizeof pid, ".tmp.%ld", (long)getpid());
  char *final = NULL, *tmp = NULL, *hidden = NULL;
  final = concat3(folder, "/", name);
  hidden = concat3("/.", name, pid);
  tmp = hidden != NULL ? concat3(folder, hidden, "") : NULL;
  free(hidden);
  if (final == NULL || tmp == NULL ||
      !grow((void **)&fs->pending, &fs->cap_pending, fs->n_pending,
            sizeof *fs->pending)) {
    free(final);
    free(tmp);
    return ES_FAIL(fs->err, ES_ENOMEM, "file '%s'", name);
  }
  unlink(tmp); /* one left by a killed export of this very pid */
  FILE *f = fopen(tmp, "wx");
  if (f == NULL) {
    const int e = errno;
    free(final);
    free(tmp);
    return ES_FAIL(fs->err, ES_EIO, "cannot create a file in '%s': %s", folder,
                   strerror(e));
  }
  fs->pending[fs->n_pending].tmp = tmp;
  fs->pending[fs->n_pending].final = final;
  fs->n_pending++;
  setvbuf(f, NULL, _IOFBF, OUTPUT_BUFFER);
  *out = f;
  return ES_OK;
}

/* Flush, sync and close the last pending file. */
int es__export_close(struct es__export_files *fs, FILE *f) {
  const char *name = fs->pending[fs->n_pending - 1].final;
  int e = 0;
  if (ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
    e = errno != 0 ? errno : EIO;
  }
  if (fclose(f) != 0 && e == 0) {
    e = errno != 0 ? errno : EIO;
  }
  if (e != 0) {
    return ES_FAIL(fs->err, ES_EIO, "cannot write '%s': %s", name, strerror(e));
  }
  return ES_OK;
}

/* Rename every pending file into place, then sync the folders. */
int es__export_commit(struct es__export_files *fs, const char *dir,
                      const char *subfolder) {
  for (size_t i = 0; i < fs->n_pending; i++) {
    if (rename(fs->pending[i].tmp, fs->pending[i].final) != 0) {
      return ES_FAIL(fs->err, ES_EIO, "cannot rename '%s' to '%s': %s",
                     fs->pending[i].tmp, fs->pending[i].final, strerror(errno));
    }
  }
  int rc = sync_folder(fs, dir);
  if (rc == ES_OK && subfolder != NULL) {
    char *folder = concat3(dir, "/", subfolder);
    if (folder == NULL) {
      return ES_FAIL(fs->err, ES_ENOMEM, "%s", "folder name");
    }
    struct stat st;
    if (stat(folder, &st) == 0) {
      rc = sync_folder(fs, folder);
    }
    free(folder);
  }
  return rc;
}

void es__export_files_clear(struct es__export_files *fs, const bool failed) {
  if (failed) {
    for (size_t i = 0; i < fs->n_pending; i++) {
      unlink(fs->pending[i].tmp);
    }
    for (size_t i = fs->n_created; i-- > 0;) {
      rmdir(fs->created[i]); /* only when left empty */
    }
  }
  for (size_t i = 0; i < fs->n_pending; i++) {
    free(fs->pending[i].tmp);
    free(fs->pending[i].final);
  }
  free(fs->pending);
  es_strings_free(fs->created, fs->n_created);
  fs->pending = NULL;
  fs->created = NULL;
  fs->n_pending = fs->cap_pending = fs->n_created = fs->cap_created = 0;
}
