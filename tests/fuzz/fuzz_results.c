/* fuzz_results.c: libFuzzer target of the results-file readers, what
 * `edusim info`, `compare` and `export` call.
 *
 * Each input is written as a results file and read by es_results_info,
 * es_compare_file_read + es_compare_build + es_compare_print (every format)
 * and es_export_csv (into a folder emptied after each input). The readers
 * must read the file or report an error, never crash, leak or read out of
 * bounds. The seed corpus holds real results files of the tiny scenario
 * (tests/fuzz/make_seeds.sh), which the mutations damage.
 *
 * Built twice. fuzz_results writes the input as it is: a results file that
 * carries a digest in its user block is then rejected before HDF5 reads it,
 * so this build mostly exercises the digest check. fuzz_results_signed
 * (ES_FUZZ_SIGN=1) first rewrites the 512-byte user block with the digest of
 * the bytes after it (es_fuzz_sign), so every mutation of the HDF5 part
 * passes the check and reaches libhdf5 and edusim's readers behind it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "models/error.h"
#include "output/compare.h"
#include "output/digest.h"
#include "output/export.h"
#include "output/info.h"

#ifndef ES_FUZZ_SIGN
#error "ES_FUZZ_SIGN (0 or 1) must be defined by the build"
#endif

static const char *fuzz_folder(void) {
  static const char *folder = NULL;
  if (folder == NULL) {
    folder = es_fuzz_scratch_dir(ES_FUZZ_SIGN ? "results-signed" : "results");
  }
  return folder;
}

/* Digests are checked as the commands check them; files without one are read
 * without a notice. */
static const struct es_digest_policy policy = {.skip = false, .notice = NULL};

static void read_compare(const char *path) {
  struct es_compare_file file;
  struct es_compare_table table;
  struct es_error err;
  es_compare_file_init(&file);
  es_compare_table_init(&table);
  es_error_clear(&err);
  if (es_compare_file_read(&file, path, &policy, &err) != ES_OK) {
    goto cleanup;
  }
  const struct es_compare_options opts = {.have_year = false};
  if (es_compare_build(&table, &file, 1, &opts, &err) != ES_OK) {
    goto cleanup;
  }
  static const enum es_compare_format formats[] = {
      ES_COMPARE_FORMAT_TABLE, ES_COMPARE_FORMAT_CSV,
      ES_COMPARE_FORMAT_MARKDOWN, ES_COMPARE_FORMAT_JSON};
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
    es_error_clear(&err);
    es_compare_print(&table, formats[i], es_fuzz_devnull(), &err);
  }
cleanup:
  es_compare_table_clear(&table);
  es_compare_file_clear(&file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *folder = fuzz_folder();
  char path[1100], dir[1100];
  snprintf(path, sizeof path, "%s/results.h5", folder);
  snprintf(dir, sizeof dir, "%s/export", folder);
  if (ES_FUZZ_SIGN) {
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL) {
      abort();
    }
    if (size > 0) {
      memcpy(copy, data, size);
    }
    es_fuzz_sign(copy, size);
    es_fuzz_write_file(path, copy, size);
    free(copy);
  } else {
    es_fuzz_write_file(path, data, size);
  }

  struct es_error err;
  es_error_clear(&err);
  es_results_info(path, &policy, es_fuzz_devnull(), &err);
  read_compare(path);
  struct es_export_options opts = {.groups = NULL, .digest = policy};
  struct es_export_summary summary;
  es_error_clear(&err);
  es_export_csv(path, dir, &opts, &summary, &err);
  es_fuzz_empty_dir(folder);
  return 0;
}
