/* yaml_reader_impl.h: what yaml_reader.c (parsing, marks, merging) shares
 * with yaml_reader_get.c (the typed getters). Not part of the API: only the
 * files of the yaml_reader module include it (STYLE 2). */
#ifndef ES_SCENARIOS_YAML_READER_IMPL_H
#define ES_SCENARIOS_YAML_READER_IMPL_H

#include <stdbool.h>

#include <libfyaml.h>

/* Longest scalar text quoted in a message, bytes. */
#define ES__YAML_QUOTE_MAX 60

/** @brief The node an alias stands for (the node itself otherwise; NULL if
 * the alias points nowhere). */
struct fy_node *es__yaml_deref(struct fy_node *node);

/** @brief True for a missing node and for a plain scalar meaning "no value":
 * empty, ~ or null (YAML 1.2 core). */
bool es__yaml_is_null(const struct fy_node *node);

#endif /* ES_SCENARIOS_YAML_READER_IMPL_H */
