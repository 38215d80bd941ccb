/* test_file_kind.c: what a path is, in words, for real files of each kind
 * made in a scratch folder (regular file, folder, symbolic link, FIFO) and
 * for the character device /dev/null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "es_test.h"
#include "models/file_kind.h"

/* es_file_kind of what lstat says @p path is; "" when lstat fails. */
static const char *kind_of(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0 ? es_file_kind(sb.st_mode) : "";
}

int main(void) {
  char dir[] = "/tmp/es-file-kind-XXXXXX";
  ES_CHECK(mkdtemp(dir) != NULL);
  char reg[64], lnk[64], fifo[64];
  snprintf(reg, sizeof reg, "%s/file", dir);
  snprintf(lnk, sizeof lnk, "%s/link", dir);
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  FILE *f = fopen(reg, "w");
  ES_CHECK(f != NULL);
  if (f != NULL) {
    fclose(f);
  }
  ES_CHECK(symlink(reg, lnk) == 0);
  ES_CHECK(mkfifo(fifo, 0600) == 0);

  ES_CHECK_STR_EQ(kind_of(reg), "a regular file");
  ES_CHECK_STR_EQ(kind_of(dir), "a folder");
  ES_CHECK_STR_EQ(kind_of(lnk), "a symbolic link");
  ES_CHECK_STR_EQ(kind_of(fifo), "a FIFO (named pipe)");
  ES_CHECK_STR_EQ(kind_of("/dev/null"), "a character device");
  /* Bits of no known type. */
  ES_CHECK_STR_EQ(es_file_kind(0), "a special file");

  unlink(fifo);
  unlink(lnk);
  unlink(reg);
  rmdir(dir);
  return es_test_summary();
}
