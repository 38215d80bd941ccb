/* fuzz_apportion.c: libFuzzer target of `edusim apportion`'s reader of
 * name,weight CSV files (sim/cmd_apportion.c).
 *
 * The first four bytes of an input choose the options: byte 0 the method
 * (one of the six, or an unknown name), bytes 1-2 --seats (0..65535, so that
 * no input asks for a long apportionment) and byte 3 --min (0..3); the rest
 * is the CSV file. The command must print its table or its diagnostics and
 * return 0 or 2, never crash, leak or read out of bounds. Inputs shorter than
 * four bytes are refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "sim/cmd_apportion.h"

static const char *fuzz_folder(void) {
  static const char *folder = NULL;
  if (folder == NULL) {
    folder = es_fuzz_scratch_dir("apportion");
  }
  return folder;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const methods[] = {
      "hamilton", "jefferson", "webster", "huntington-hill",
      "adams",    "dean",      "nosuch"};
  if (size < 4) {
    return -1;
  }
  char path[1100];
  snprintf(path, sizeof path, "%s/weights.csv", fuzz_folder());
  es_fuzz_write_file(path, data + 4, size - 4);
  char seats[16], min[16];
  snprintf(seats, sizeof seats, "%u", (unsigned)data[1] << 8 | data[2]);
  snprintf(min, sizeof min, "%u", data[3] % 4u);
  char method[32];
  snprintf(method, sizeof method, "%s",
           methods[data[0] % (sizeof methods / sizeof methods[0])]);
  char cmd[] = "apportion", o_seats[] = "--seats", o_method[] = "--method",
       o_min[] = "--min";
  char *argv[] = {cmd,    path,  o_seats, seats, o_method,
                  method, o_min, min,     NULL};
  const int status = es_cmd_apportion(8, argv);
  if (status != 0 && status != 2) {
    fprintf(stderr, "fuzz_apportion: exit status %d (expected 0 or 2)\n",
            status);
    abort();
  }
  return 0;
}
