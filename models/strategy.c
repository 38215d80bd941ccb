/* strategy.c: names of the strategy bases and the strategy specification
 * (MODEL 5.1). The weights themselves are computed by the supply step. */
#include "models/strategy.h"

#include <stdlib.h>
#include <string.h>

static const char *const basis_names[] = {
    [ES_BASIS_RESIDENT] = "resident", [ES_BASIS_HUKOU] = "hukou",
    [ES_BASIS_RANK] = "rank",         [ES_BASIS_BASELINE] = "baseline",
    [ES_BASIS_FORECAST] = "forecast", [ES_BASIS_BLEND] = "blend",
};

const char *es_basis_name(enum es_basis basis) {
  if ((size_t)basis < sizeof basis_names / sizeof basis_names[0]) {
    return basis_names[basis];
  }
  return "?";
}

bool es_basis_from_name(const char *name, enum es_basis *basis) {
  for (size_t i = 0; i < sizeof basis_names / sizeof basis_names[0]; i++) {
    if (strcmp(name, basis_names[i]) == 0) {
      *basis = (enum es_basis)i;
      return true;
    }
  }
  return false;
}

bool es_strategy_rank_weight(const struct es_strategy_spec *spec, int64_t rank,
                             double *weight) {
  for (size_t i = 0; i < spec->n_rank_weights; i++) {
    if (spec->rank_weight_rank[i] == rank) {
      *weight = spec->rank_weight_value[i];
      return true;
    }
  }
  return false;
}

void es_strategy_spec_clear(struct es_strategy_spec *spec) {
  if (spec == NULL) {
    return;
  }
  free(spec->name);
  free(spec->rank_weight_rank);
  free(spec->rank_weight_value);
  free(spec->multiplier_column);
  memset(spec, 0, sizeof *spec);
}
