/* stage.c: names and defaults of school stages (MODEL 4-5, DESIGN "stages"). */
#include "models/stage.h"

#include <string.h>

static const char *const pool_names[] = {
    [ES_POOL_NONE] = "none",         [ES_POOL_PREFECTURE] = "prefecture",
    [ES_POOL_PROVINCE] = "province", [ES_POOL_ZONE] = "zone",
    [ES_POOL_ALL] = "all",
};

const char *es_pool_name(enum es_pool pool) {
  if ((size_t)pool < sizeof pool_names / sizeof pool_names[0]) {
    return pool_names[pool];
  }
  return "?";
}

bool es_pool_from_name(const char *name, enum es_pool *pool) {
  for (size_t i = 0; i < sizeof pool_names / sizeof pool_names[0]; i++) {
    if (strcmp(name, pool_names[i]) == 0) {
      *pool = (enum es_pool)i;
      return true;
    }
  }
  return false;
}

void es_stage_set_defaults(struct es_stage *stage) {
  memset(stage, 0, sizeof *stage);
  stage->enrollment = 1.0;
  stage->migrant_enrollment = 1.0;
  stage->ptr_standard = 0.0; /* required: the loader insists on a value */
  stage->transfer_pool = ES_POOL_NONE;
}
