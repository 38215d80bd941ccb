/* fuzz_scenario.c: libFuzzer target of the scenario loader.
 *
 * Each input is written as scenario.yaml into a folder that holds the tiny
 * example's CSV files (regions.csv, population.csv, ...), and loaded: the
 * loader must either succeed or report diagnostics, never crash, leak or read
 * out of bounds (the sanitizers watch); with ES_FUZZ_VERBOSE set, the outcome
 * and the diagnostics are printed. The file is rewritten by every input,
 * and the folder is removed when the process exits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"

static const char *fuzz_folder(void) {
  static const char *folder = NULL;
  if (folder == NULL) {
    folder = es_fuzz_scratch_dir("scenario");
    es_fuzz_write_tiny(folder, ES_FUZZ_TINY_PLAIN);
  }
  return folder;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[1100];
  snprintf(path, sizeof path, "%s/scenario.yaml", fuzz_folder());
  es_fuzz_write_file(path, data, size);
  es_fuzz_load_scenario(path);
  return 0;
}
