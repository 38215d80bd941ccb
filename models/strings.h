/* strings.h: the two string helpers every layer needs (copy, free an
 * array), so that no module keeps its own copy of them. */
#ifndef ES_MODELS_STRINGS_H
#define ES_MODELS_STRINGS_H

#include <stddef.h>

/** @brief A malloc'ed copy of @p s, or NULL when @p s is NULL or memory runs
 * out. */
char *es_strdup(const char *s);

/** @brief Free @p n strings of @p strings (NULL entries allowed) and the
 * array itself. Accepts NULL. */
void es_strings_free(char **strings, size_t n);

#endif /* ES_MODELS_STRINGS_H */
