/* fuzz_csv.c: libFuzzer target of one CSV file the scenario loader reads.
 *
 * Built once per kind of file (tests/fuzz/CMakeLists.txt): ES_FUZZ_CSV_FILE
 * names the file (regions.csv, population.csv, teachers.csv, seats.csv,
 * od.csv) and ES_FUZZ_CSV_MATRIX says whether the scenario reads od.csv
 * (destinations model matrix). Each input becomes that file inside a folder
 * holding the tiny example's other files and a scenario that uses it, and
 * the scenario is loaded: the loader must either succeed or report
 * diagnostics, never crash, leak or read out of bounds. With ES_FUZZ_VERBOSE
 * set, the outcome and the diagnostics are printed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

#if !defined(ES_FUZZ_CSV_FILE) || !defined(ES_FUZZ_CSV_MATRIX)
#error "ES_FUZZ_CSV_FILE and ES_FUZZ_CSV_MATRIX must be defined by the build"
#endif

static const char *fuzz_folder(void) {
  static const char *folder = NULL;
  if (folder == NULL) {
    folder = es_fuzz_scratch_dir("csv");
    es_fuzz_write_tiny(
        folder, ES_FUZZ_CSV_MATRIX ? ES_FUZZ_TINY_MATRIX : ES_FUZZ_TINY_PLAIN);
  }
  return folder;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *folder = fuzz_folder();
  char path[1100];
  snprintf(path, sizeof path, "%s/%s", folder, ES_FUZZ_CSV_FILE);
  es_fuzz_write_file(path, data, size);
  snprintf(path, sizeof path, "%s/scenario.yaml", folder);
  es_fuzz_load_scenario(path);
  return 0;
}
