/* fuzz_scenario.c: libFuzzer target of the scenario loader.
 *
 * Each input is written as a scenario file into a folder where the tiny
 * example's CSV files are linked (regions.csv, population.csv, ...), and
 * loaded: the loader must either succeed or report diagnostics, never crash,
 * leak or read out of bounds (the sanitizers watch). The folder is made once
 * per process; this harness is a program, not library code, so it may keep
 * it in a static. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/error.h"
#include "scenarios/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_folder(void) {
  static char folder[] = "/tmp/edusim-fuzz-XXXXXX";
  static int made = 0;
  if (!made) {
    if (mkdtemp(folder) == NULL) {
      abort();
    }
    static const char *const files[] = {"regions.csv", "population.csv",
                                        "teachers.csv", "seats.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
      char from[1024], to[1024];
      snprintf(from, sizeof from, "%s/%s", ES_TINY_DIR, files[i]);
      snprintf(to, sizeof to, "%s/%s", folder, files[i]);
      if (symlink(from, to) != 0) {
        abort();
      }
    }
    made = 1;
  }
  return folder;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[1100];
  snprintf(path, sizeof path, "%s/scenario.yaml", fuzz_folder());
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    return 0;
  }
  fwrite(data, 1, size, f);
  fclose(f);
  struct es_diag_list dl;
  struct es_error err;
  struct es_scenario *sc = NULL;
  es_diag_list_init(&dl);
  es_error_clear(&err);
  if (es_scenario_load(path, &sc, &dl, &err) == ES_OK) {
    es_scenario_free(sc);
  }
  es_diag_list_clear(&dl);
  unlink(path);
  return 0;
}
