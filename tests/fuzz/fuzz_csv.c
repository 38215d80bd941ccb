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
#include "models/error.h"
#include "scenarios/scenario.h"

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
  struct es_diag_list dl;
  struct es_error err;
  struct es_scenario *sc = NULL;
  es_diag_list_init(&dl);
  es_error_clear(&err);
  const int rc = es_scenario_load(path, &sc, &dl, &err);
  if (getenv("ES_FUZZ_VERBOSE") != NULL) {
    fprintf(stderr, "load: %s\n", rc == ES_OK ? "ok" : es_strerror(rc));
    es_diag_print(&dl, stderr, /*show_notices=*/true);
  }
  if (rc == ES_OK) {
    es_scenario_free(sc);
  }
  es_diag_list_clear(&dl);
  return 0;
}
