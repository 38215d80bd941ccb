/* apportion.h: whole teachers and seats shared out in proportion to weights
 * (MODEL 6).
 *
 * N indivisible units go to n regions in proportion to weights w, each region
 * getting at least its minimum m: Hamilton's largest remainder method and the
 * five classical divisor methods (Jefferson/D'Hondt, Webster/Sainte-Lague,
 * Huntington-Hill, Adams, Dean). Divisor methods start from rounded quotas and
 * correct with a heap, so N = 10^6 over thousands of regions takes
 * milliseconds. Ties go to the lower index; regions of zero weight get their
 * minimum only. */
#ifndef ES_MODELS_APPORTION_H
#define ES_MODELS_APPORTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"

/** Apportionment methods of MODEL 6. */
enum es_apportion_method {
  ES_APPORTION_HAMILTON,        /* largest remainder */
  ES_APPORTION_JEFFERSON,       /* d(n) = n + 1 (D'Hondt) */
  ES_APPORTION_WEBSTER,         /* d(n) = n + 1/2 (Sainte-Lague) */
  ES_APPORTION_HUNTINGTON_HILL, /* d(n) = sqrt(n (n + 1)) */
  ES_APPORTION_ADAMS,           /* d(n) = n */
  ES_APPORTION_DEAN,            /* d(n) = n (n + 1) / (n + 1/2) */
};

/** @brief The scenario name of @p method ("hamilton", "webster", ...). */
const char *es_apportion_method_name(enum es_apportion_method method);
/** @brief Parse a method name; false when @p name is not one. */
bool es_apportion_method_from_name(const char *name,
                                   enum es_apportion_method *method);

/** Scratch space for problems of up to n_max regions (STYLE 12). Opaque. */
struct es_apportion_ws;

/** @brief Allocate a workspace for up to @p n_max regions; NULL on failure. */
struct es_apportion_ws *es_apportion_ws_alloc(size_t n_max,
                                              struct es_error *err);
/** @brief Free a workspace. Accepts NULL. */
void es_apportion_ws_free(struct es_apportion_ws *ws);

/**
 * @brief Apportion @p total units to @p n regions (MODEL 6).
 *
 * Divisor methods give the result of the one-unit-at-a-time definition
 * exactly: every region starts at its minimum and each further unit goes to
 * the largest priority w / d(n), computed as a double, ties to the lower
 * index. Hamilton holds the regions whose quota falls below their minimum at
 * the minimum, recomputes the quotas of the rest, and gives the units left
 * after the lower quotas to the largest remainders, ties to the lower index.
 * Regions of weight 0 get their minimum only. Allocates nothing.
 * @param method   the method
 * @param total    units to share, 0 <= total <= 2^53
 * @param n        number of regions
 * @param weight   [n] finite weights >= 0 (borrowed)
 * @param minimum  [n] minimum units >= 0 per region (borrowed), or NULL for
 *                 none
 * @param out      [n] units given to each region; sums to @p total (written;
 *                 undefined after an error)
 * @param ws       workspace for at least @p n regions (used as scratch)
 * @param err      details of a failure (may be NULL)
 * @return ES_OK; ES_EINFEASIBLE when total < sum of minimums or total > sum of
 *         minimums with every weight 0; ES_EINVAL for a negative total or one
 *         above 2^53, a negative or non-finite weight, weights whose sum
 *         overflows, a negative minimum, an unknown method, a NULL @p ws or
 *         n above the workspace's
 */
int es_apportion(enum es_apportion_method method, int64_t total, size_t n,
                 const double *weight, const int64_t *minimum, int64_t *out,
                 struct es_apportion_ws *ws, struct es_error *err);

#endif /* ES_MODELS_APPORTION_H */
