/* test_publish.c: putting a finished file in place (output/publish.h): what
 * may be replaced, a hard link that refuses a name that appeared, a forced
 * replacement that leaves no backup behind, and the removal of temporary
 * files whose writer is gone (and only those). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "es_test.h"
#include "models/error.h"
#include "output/publish.h"

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f != NULL) {
    fputs(text, f);
    fclose(f);
  }
}

/* The first line of @p path, or "" when it cannot be read. */
static const char *line_of(const char *path, char *buf, size_t n) {
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (f != NULL) {
    if (fgets(buf, (int)n, f) == NULL) {
      buf[0] = '\0';
    }
    fclose(f);
  }
  return buf;
}

static bool exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

int main(void) {
  char dir[] = "/tmp/es-publish-XXXXXX";
  ES_CHECK(mkdtemp(dir) != NULL);
  char path[128], tmp[128], backup[160], sub[128], lnk[128], buf[64];
  snprintf(path, sizeof path, "%s/out.h5", dir);
  snprintf(tmp, sizeof tmp, "%s/out.h5.tmp.%ld", dir, (long)getpid());
  snprintf(backup, sizeof backup, "%s.old", tmp);
  snprintf(sub, sizeof sub, "%s/folder", dir);
  snprintf(lnk, sizeof lnk, "%s/link", dir);
  struct es_error err;
  bool there = true;

  /* What may be replaced. */
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_publish_check_replaceable(path, &there, &err), ES_OK);
  ES_CHECK(!there);
  put(path, "old\n");
  ES_CHECK_INT_EQ(es_publish_check_replaceable(path, &there, &err), ES_OK);
  ES_CHECK(there);
  ES_CHECK(mkdir(sub, 0700) == 0);
  ES_CHECK_INT_EQ(es_publish_check_replaceable(sub, &there, &err), ES_EINVAL);
  ES_CHECK(strstr(err.message, "is a folder") != NULL);
  ES_CHECK(symlink(path, lnk) == 0);
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_publish_check_replaceable(lnk, &there, &err), ES_EINVAL);
  ES_CHECK(strstr(err.message, "symbolic link") != NULL);

  /* Without force, a name that exists is never replaced. */
  put(tmp, "new\n");
  bool tmp_exists = true;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(
      es_publish(tmp, path, dir, backup, /*force=*/false, &tmp_exists, &err),
      ES_EEXIST);
  ES_CHECK_STR_EQ(line_of(path, buf, sizeof buf), "old\n");
  ES_CHECK(tmp_exists);

  /* With force, the old file is replaced and no backup stays. */
  es_error_clear(&err);
  ES_CHECK_INT_EQ(
      es_publish(tmp, path, dir, backup, /*force=*/true, &tmp_exists, &err),
      ES_OK);
  ES_CHECK_STR_EQ(line_of(path, buf, sizeof buf), "new\n");
  ES_CHECK(!tmp_exists);
  ES_CHECK(!exists(tmp));
  ES_CHECK(!exists(backup));

  /* A forced publish over a folder is refused and the folder stays. */
  put(tmp, "newer\n");
  tmp_exists = true;
  es_error_clear(&err);
  ES_CHECK_INT_EQ(
      es_publish(tmp, sub, dir, backup, /*force=*/true, &tmp_exists, &err),
      ES_EINVAL);
  struct stat sb;
  ES_CHECK(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode));
  unlink(tmp);

  /* Stale temporary files: a dead writer's go, a live one's (ours) stays. */
  const pid_t child = fork();
  if (child == 0) {
    _exit(0);
  }
  ES_CHECK(child > 0);
  waitpid(child, NULL, 0);
  char dead[128], dead_old[160], mine[128], other[128];
  snprintf(dead, sizeof dead, "%s/out.h5.tmp.%ld", dir, (long)child);
  snprintf(dead_old, sizeof dead_old, "%s.old", dead);
  snprintf(mine, sizeof mine, "%s/out.h5.tmp.%ld", dir, (long)getpid());
  snprintf(other, sizeof other, "%s/other.h5.tmp.%ld", dir, (long)child);
  put(dead, "x");
  put(dead_old, "x");
  put(mine, "x");
  put(other, "x");
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_publish_remove_stale(dir, "out.h5", &err), ES_OK);
  ES_CHECK(!exists(dead));
  ES_CHECK(!exists(dead_old));
  ES_CHECK(exists(mine));
  ES_CHECK(exists(other)); /* another file's temporaries are not ours */
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_publish_remove_stale(sub, "x", &err), ES_OK);
  char missing[160];
  snprintf(missing, sizeof missing, "%s/none", dir);
  ES_CHECK_INT_EQ(es_publish_remove_stale(missing, "x", &err), ES_EIO);

  /* Syncing a file and a folder; a missing path is an error. */
  ES_CHECK_INT_EQ(es_publish_sync(path, /*is_folder=*/false, &err), ES_OK);
  ES_CHECK_INT_EQ(es_publish_sync(dir, /*is_folder=*/true, &err), ES_OK);
  es_error_clear(&err);
  ES_CHECK_INT_EQ(es_publish_sync(missing, /*is_folder=*/false, &err), ES_EIO);
  ES_CHECK(strstr(err.message, "No such file") != NULL);

  unlink(mine);
  unlink(other);
  unlink(lnk);
  unlink(path);
  rmdir(sub);
  rmdir(dir);
  return es_test_summary();
}
