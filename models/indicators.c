/* indicators.c: the records and system indicators of one year (MODEL 7).
 *
 * Region records, per region r and stage k, from students D, teachers T and
 * seats C: ptr = D/T (NaN when T = 0), teacher_gap = D/ptr_k - T,
 * unmet_seats = max(0, D - C), idle_seats = max(0, C - D), over_capacity =
 * [D > C], over_standard = [D > 0 and (T = 0 or D/T > ptr_k)].
 *
 * System indicators, per stage: totals of the above and of the year's flows,
 * unmet_share = sum unmet / sum D, over_standard_share = (sum of D over the
 * regions over standard) / sum D, cost = salary_k sum T + build_cost_k sum
 * built, and two inequality indices of teachers per student x_i = T_i/D_i over
 * the n regions with D_i > 0, weighted by W_i = D_i, with W = sum D and mean
 * mu = sum T / W (the teachers of regions without students do not serve
 * anyone and are left out of mu, so that mu is the weighted mean of the x_i).
 *
 * Gini. G = sum_i sum_j D_i D_j |x_i - x_j| / (2 W^2 mu). With the regions
 * sorted by x (x_(1) <= ... <= x_(n)), weights w_(i) and cumulative weights
 * C_m = w_(1) + ... + w_(m), each unordered pair i < j contributes
 * w_i w_j (x_j - x_i), and x_j - x_i is the sum of the gaps x_(m+1) - x_(m)
 * for i <= m < j; the pairs that span gap m weigh C_m (W - C_m) in all, so
 *   sum_i sum_j D_i D_j |x_i - x_j| = 2 sum_{m=1}^{n-1} (x_(m+1) - x_(m))
 *                                            C_m (W - C_m),
 * and, as W^2 mu = W sum T, G = sum_m (x_(m+1) - x_(m)) C_m (W - C_m) /
 * (W sum T). This is the textbook sorted form sum_i w_i x_i (2 C_i - w_i - W)
 * / (W sum T) summed by parts, but every term is >= 0: nothing cancels, so a
 * nearly equal distribution (what allocation by residents produces) still
 * gets an accurate small Gini. W - C_m is summed from the top (suffix sums),
 * not subtracted. Ties need no care (their gap is 0); the sort is stable on
 * regions taken in file order, i.e. by (x, region index), so the sums run in
 * one fixed order. Cost O(n log n): a merge sort in the workspace.
 *
 * Theil. T = sum_i (D_i/W) r_i ln r_i with r_i = x_i/mu and 0 ln 0 = 0. As
 * sum_i (D_i/W)(r_i - 1) = 0, T = sum_i (D_i/W) f(r_i) with f(r) = r ln r -
 * r + 1 >= 0, which we sum: every term is >= 0, so T >= 0 in floating point
 * too. With provinces g (D_g, T_g and mu_g = T_g/D_g over the regions with
 * D > 0), T = between + within exactly, where between = sum_g (D_g/W)
 * (mu_g/mu) ln(mu_g/mu) = sum_g (D_g/W) f(mu_g/mu) and within = sum_g (D_g/W)
 * (mu_g/mu) T_g with T_g = sum_{i in g} (D_i/D_g) f(x_i/mu_g), i.e. within =
 * sum_i (D_i/W)(mu_g(i)/mu) f(x_i/mu_g(i)) (a province without teachers adds
 * 0). Shorrocks (1980), Econometrica 48(3), 613-625; Theil (1967), "Economics
 * and Information Theory". When mu = 0 (no teacher where the students are)
 * every index is 0; when W = 0 every index and share is NaN.
 *
 * Sums over regions run in ascending region order, so results are the same
 * bit for bit from run to run. Nothing is allocated per call (STYLE 12). */
#include "models/indicators.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Runs of this many items are insertion-sorted before merging. */
#define SORT_RUN 16

/* One region with students: its teachers per student and its weight. */
struct item {
  double x; /* T/D, teachers per student */
  double w; /* D, students */
};

struct es_indicators_ws {
  size_t n_regions_max; /* regions the item arrays can hold */
  size_t n_groups_max;  /* provinces the group arrays can hold */
  struct item *items;   /* [n_regions_max] regions with D > 0 */
  struct item *scratch; /* [n_regions_max] merge buffer */
  double *prefix;       /* [n_regions_max] cumulative weights C_m */
  double *group_d;      /* [n_groups_max] D_g, students */
  int64_t *group_t;     /* [n_groups_max] T_g, teachers */
};

struct es_indicators_ws *es_indicators_ws_alloc(const size_t n_regions_max,
                                                const size_t n_groups_max,
                                                struct es_error *err) {
  /* At least one of each, so that empty problems are not special cases and
   * a caller without provinces has its one group. */
  const size_t n_r = n_regions_max > 0 ? n_regions_max : 1;
  const size_t n_g = n_groups_max > 0 ? n_groups_max : 1;
  if (n_r > SIZE_MAX / sizeof(struct item) || n_g > SIZE_MAX / sizeof(double)) {
    ES_FAIL(err, ES_ENOMEM,
            "indicators workspace of %zu regions and %zu provinces is too "
            "large",
            n_regions_max, n_groups_max);
    return NULL;
  }
  struct es_indicators_ws *ws = calloc(1, sizeof *ws);
  if (ws == NULL) {
    ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for indicators workspace");
    return NULL;
  }
  ws->n_regions_max = n_r;
  ws->n_groups_max = n_g;
  ws->items = malloc(n_r * sizeof *ws->items);
  ws->scratch = malloc(n_r * sizeof *ws->scratch);
  ws->prefix = malloc(n_r * sizeof *ws->prefix);
  ws->group_d = malloc(n_g * sizeof *ws->group_d);
  ws->group_t = malloc(n_g * sizeof *ws->group_t);
  if (ws->items == NULL || ws->scratch == NULL || ws->prefix == NULL ||
      ws->group_d == NULL || ws->group_t == NULL) {
    es_indicators_ws_free(ws);
    ES_FAIL(err, ES_ENOMEM,
            "out of memory for an indicators workspace of %zu regions and "
            "%zu provinces",
            n_regions_max, n_groups_max);
    return NULL;
  }
  return ws;
}

void es_indicators_ws_free(struct es_indicators_ws *ws) {
  if (ws == NULL) {
    return;
  }
  free(ws->items);
  free(ws->scratch);
  free(ws->prefix);
  free(ws->group_d);
  free(ws->group_t);
  free(ws);
}

/* ---- checks -------------------------------------------------------------- */

static int check_input(const struct es_indicators_input *in,
                       struct es_error *err) {
  if (in == NULL || in->students == NULL || in->teachers == NULL ||
      in->seats == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "indicators: students, teachers and seats are required");
  }
  return ES_OK;
}

static int check_stage(const struct es_stage *stage, const size_t i_stage,
                       struct es_error *err) {
  if (!(isfinite(stage->ptr_standard) && stage->ptr_standard > 0.0)) {
    return ES_FAIL(err, ES_EINVAL,
                   "indicators: stage %zu: ptr_standard is %g (expected a "
                   "positive number)",
                   i_stage, stage->ptr_standard);
  }
  return ES_OK;
}

/* The students, teachers and seats of region r, stage k. */
static int check_cell(const struct es_indicators_input *in, const size_t r,
                      const size_t k, struct es_error *err) {
  const size_t i = r * in->n_stages + k;
  if (!(isfinite(in->students[i]) && in->students[i] >= 0.0)) {
    return ES_FAIL(err, ES_EINVAL,
                   "indicators: region %zu, stage %zu: students is %g "
                   "(expected a finite number >= 0)",
                   r, k, in->students[i]);
  }
  if (in->teachers[i] < 0 || in->seats[i] < 0) {
    return ES_FAIL(err, ES_EINVAL,
                   "indicators: region %zu, stage %zu: teachers %lld, seats "
                   "%lld (expected counts >= 0)",
                   r, k, (long long)in->teachers[i], (long long)in->seats[i]);
  }
  return ES_OK;
}

static int check_flow(const int64_t *flow, const char *name,
                      const struct es_indicators_input *in, const size_t k,
                      struct es_error *err) {
  if (flow == NULL) {
    return ES_OK;
  }
  for (size_t r = 0; r < in->n_regions; r++) {
    const int64_t v = flow[r * in->n_stages + k];
    if (v < 0) {
      return ES_FAIL(err, ES_EINVAL,
                     "indicators: region %zu, stage %zu: %s is %lld "
                     "(expected a count >= 0)",
                     r, k, name, (long long)v);
    }
  }
  return ES_OK;
}

/* ---- region records ------------------------------------------------------ */

/* MODEL 7: over the PTR standard when it has students and no teacher, or more
 * students per teacher than the standard allows. */
static inline bool over_standard(const double d, const int64_t t,
                                 const double ptr_standard) {
  return d > 0.0 && (t == 0 || d / (double)t > ptr_standard);
}

int es_indicators_records(const struct es_indicators_input *in,
                          const struct es_stage *stages,
                          const struct es_indicators_records *out,
                          struct es_error *err) {
  int rc = check_input(in, err);
  if (rc != ES_OK) {
    return rc;
  }
  if (stages == NULL || out == NULL || out->ptr == NULL ||
      out->teacher_gap == NULL || out->unmet_seats == NULL ||
      out->idle_seats == NULL || out->over_capacity == NULL ||
      out->over_standard == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "indicators: stages and every output array are required");
  }
  /* Check everything first so that a failure leaves the outputs untouched. */
  for (size_t k = 0; k < in->n_stages; k++) {
    rc = check_stage(&stages[k], k, err);
    if (rc != ES_OK) {
      return rc;
    }
  }
  for (size_t r = 0; r < in->n_regions; r++) {
    for (size_t k = 0; k < in->n_stages; k++) {
      rc = check_cell(in, r, k, err);
      if (rc != ES_OK) {
        return rc;
      }
    }
  }
  for (size_t r = 0; r < in->n_regions; r++) {
    for (size_t k = 0; k < in->n_stages; k++) {
      const size_t i = r * in->n_stages + k;
      const double d = in->students[i];
      const int64_t t = in->teachers[i];
      const double c = (double)in->seats[i];
      const double ptr_k = stages[k].ptr_standard;
      out->ptr[i] = t > 0 ? d / (double)t : NAN;
      out->teacher_gap[i] = d / ptr_k - (double)t;
      out->unmet_seats[i] = d > c ? d - c : 0.0;
      out->idle_seats[i] = c > d ? c - d : 0.0;
      out->over_capacity[i] = d > c ? 1.0 : 0.0;
      out->over_standard[i] = over_standard(d, t, ptr_k) ? 1.0 : 0.0;
    }
  }
  return ES_OK;
}

/* ---- sorting ------------------------------------------------------------- */

/* Stable sort of a[0..n) by x, with b[0..n) as the merge buffer. Stability on
 * items taken in region order makes the order that of (x, region index), so
 * the Gini's sums always run the same way. Returns the array that holds the
 * sorted items (a or b). */
static struct item *sort_items(struct item *a, struct item *b, const size_t n) {
  for (size_t lo = 0; lo < n; lo += SORT_RUN) {
    const size_t hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
    for (size_t i = lo + 1; i < hi; i++) {
      const struct item v = a[i];
      size_t j = i;
      while (j > lo && a[j - 1].x > v.x) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = v;
    }
  }
  struct item *src = a;
  struct item *dst = b;
  for (size_t width = SORT_RUN; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = lo + width < n ? lo + width : n;
      const size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo;
      size_t j = mid;
      size_t o = lo;
      while (i < mid && j < hi) {
        /* <= keeps equal keys in their order: the sort is stable. */
        dst[o++] = src[i].x <= src[j].x ? src[i++] : src[j++];
      }
      while (i < mid) {
        dst[o++] = src[i++];
      }
      while (j < hi) {
        dst[o++] = src[j++];
      }
    }
    struct item *swap = src;
    src = dst;
    dst = swap;
  }
  return src;
}

/* ---- inequality ---------------------------------------------------------- */

/* f(r) = r ln r - r + 1 >= 0, with f(0) = 1 (0 ln 0 = 0). For r near 1 the
 * difference r - 1 is exact (Sterbenz) and log1p keeps the logarithm's
 * accuracy; the clamp removes a rounding below the true value, which is >= 0.
 */
static double theil_term(const double r) {
  if (r == 0.0) {
    return 1.0;
  }
  const double e = r - 1.0;
  const double f = r * log1p(e) - e;
  return f > 0.0 ? f : 0.0;
}

/* Gini of the n items (x, w) with total weight w_sum and sum of w x equal to
 * t_sum (the teachers), via the gap form in the paragraph atop this file. */
static double gini_sorted(const struct item *s, const size_t n, double *prefix,
                          const double w_sum, const double t_sum) {
  double c = 0.0;
  for (size_t m = 0; m < n; m++) {
    c += s[m].w;
    prefix[m] = c;
  }
  /* Walk down from the top, so that W - C_m is the suffix sum of the weights
   * above gap m rather than a difference of two large numbers. */
  double suffix = 0.0;
  double acc = 0.0;
  for (size_t m = n; m-- > 1;) {
    suffix += s[m].w;
    acc += (s[m].x - s[m - 1].x) * prefix[m - 1] * suffix;
  }
  return acc / (w_sum * t_sum);
}

/* ---- system indicators --------------------------------------------------- */

static double flow_total(const int64_t *flow,
                         const struct es_indicators_input *in, const size_t k) {
  if (flow == NULL) {
    return 0.0;
  }
  int64_t sum = 0;
  for (size_t r = 0; r < in->n_regions; r++) {
    sum += flow[r * in->n_stages + k];
  }
  return (double)sum;
}

int es_indicators_stage(const struct es_indicators_input *in,
                        const struct es_stage *stages, const size_t i_stage,
                        struct es_indicators *out, struct es_indicators_ws *ws,
                        struct es_error *err) {
  int rc = check_input(in, err);
  if (rc != ES_OK) {
    return rc;
  }
  if (stages == NULL || out == NULL || ws == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "indicators: stages, output and workspace are required");
  }
  if (i_stage >= in->n_stages) {
    return ES_FAIL(err, ES_EINVAL, "indicators: stage %zu of %zu", i_stage,
                   in->n_stages);
  }
  const size_t n_groups = in->group != NULL ? in->n_groups : 1;
  if (in->n_regions > ws->n_regions_max || n_groups > ws->n_groups_max) {
    return ES_FAIL(err, ES_EINVAL,
                   "indicators: %zu regions in %zu provinces exceed the "
                   "workspace (%zu regions, %zu provinces)",
                   in->n_regions, n_groups, ws->n_regions_max,
                   ws->n_groups_max);
  }
  const struct es_stage *stage = &stages[i_stage];
  rc = check_stage(stage, i_stage, err);
  if (rc != ES_OK) {
    return rc;
  }
  if (!isfinite(stage->salary) || !isfinite(stage->build_cost)) {
    return ES_FAIL(err, ES_EINVAL,
                   "indicators: stage %zu: salary %g, build_cost %g (expected "
                   "finite numbers)",
                   i_stage, stage->salary, stage->build_cost);
  }
  for (size_t r = 0; r < in->n_regions; r++) {
    rc = check_cell(in, r, i_stage, err);
    if (rc != ES_OK) {
      return rc;
    }
    if (in->group != NULL && in->group[r] >= n_groups) {
      return ES_FAIL(err, ES_EINVAL,
                     "indicators: region %zu: province %zu (expected < %zu)", r,
                     in->group[r], n_groups);
    }
  }
  rc = check_flow(in->hires, "hires", in, i_stage, err);
  if (rc == ES_OK) {
    rc = check_flow(in->transfers_in, "transfers_in", in, i_stage, err);
  }
  if (rc == ES_OK) {
    rc = check_flow(in->seats_built, "seats_built", in, i_stage, err);
  }
  if (rc == ES_OK) {
    rc = check_flow(in->seats_closed, "seats_closed", in, i_stage, err);
  }
  if (rc != ES_OK) {
    return rc;
  }

  /* Totals and the regions with students, in region order (MODEL 7). */
  const double ptr_k = stage->ptr_standard;
  double d_sum = 0.0;
  double unmet = 0.0;
  double idle = 0.0;
  double d_over = 0.0;
  int64_t t_all = 0;
  int64_t t_served = 0; /* teachers of the regions with D > 0 */
  int64_t c_sum = 0;
  size_t n_items = 0;
  for (size_t g = 0; g < n_groups; g++) {
    ws->group_d[g] = 0.0;
    ws->group_t[g] = 0;
  }
  for (size_t r = 0; r < in->n_regions; r++) {
    const size_t i = r * in->n_stages + i_stage;
    const double d = in->students[i];
    const int64_t t = in->teachers[i];
    const double c = (double)in->seats[i];
    d_sum += d;
    t_all += t;
    c_sum += in->seats[i];
    if (d > c) {
      unmet += d - c;
    } else {
      idle += c - d;
    }
    if (over_standard(d, t, ptr_k)) {
      d_over += d;
    }
    if (d > 0.0) {
      const size_t g = in->group != NULL ? in->group[r] : 0;
      t_served += t;
      ws->group_d[g] += d;
      ws->group_t[g] += t;
      ws->items[n_items].x = (double)t / d;
      ws->items[n_items].w = d;
      n_items++;
    }
  }

  out->students = d_sum;
  out->teachers = (double)t_all;
  out->seats = (double)c_sum;
  out->unmet_seats = unmet;
  out->idle_seats = idle;
  out->hires = flow_total(in->hires, in, i_stage);
  out->transfers = flow_total(in->transfers_in, in, i_stage);
  out->seats_built = flow_total(in->seats_built, in, i_stage);
  out->seats_closed = flow_total(in->seats_closed, in, i_stage);
  out->cost =
      stage->salary * out->teachers + stage->build_cost * out->seats_built;

  if (!(d_sum > 0.0)) {
    out->unmet_share = NAN;
    out->over_standard_share = NAN;
    out->gini = NAN;
    out->theil = NAN;
    out->theil_between = NAN;
    out->theil_within = NAN;
    return ES_OK;
  }
  out->unmet_share = unmet / d_sum;
  out->over_standard_share = d_over / d_sum;
  if (t_served == 0) {
    /* mu = 0: nobody with students has a teacher; equal (at zero). */
    out->gini = 0.0;
    out->theil = 0.0;
    out->theil_between = 0.0;
    out->theil_within = 0.0;
    return ES_OK;
  }

  const double t_sum = (double)t_served;
  const double mu = t_sum / d_sum;

  /* Theil and its split, in region order (the items are still in it). */
  double theil = 0.0;
  double within = 0.0;
  {
    size_t j = 0;
    for (size_t r = 0; r < in->n_regions; r++) {
      const size_t i = r * in->n_stages + i_stage;
      if (!(in->students[i] > 0.0)) {
        continue;
      }
      const struct item it = ws->items[j++];
      theil += it.w * theil_term(it.x / mu);
      const size_t g = in->group != NULL ? in->group[r] : 0;
      if (ws->group_t[g] > 0) {
        const double mu_g = (double)ws->group_t[g] / ws->group_d[g];
        within += it.w * (mu_g / mu) * theil_term(it.x / mu_g);
      }
    }
  }
  double between = 0.0;
  for (size_t g = 0; g < n_groups; g++) {
    if (ws->group_d[g] > 0.0) {
      const double mu_g = (double)ws->group_t[g] / ws->group_d[g];
      between += ws->group_d[g] * theil_term(mu_g / mu);
    }
  }
  out->theil = theil / d_sum;
  out->theil_between = between / d_sum;
  out->theil_within = within / d_sum;

  const struct item *sorted = sort_items(ws->items, ws->scratch, n_items);
  out->gini = gini_sorted(sorted, n_items, ws->prefix, d_sum, t_sum);
  return ES_OK;
}

int es_indicators_system(const struct es_indicators_input *in,
                         const struct es_stage *stages,
                         struct es_indicators *out, struct es_indicators_ws *ws,
                         struct es_error *err) {
  int rc = check_input(in, err);
  if (rc != ES_OK) {
    return rc;
  }
  if (out == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "indicators: output is required");
  }
  for (size_t k = 0; k < in->n_stages; k++) {
    rc = es_indicators_stage(in, stages, k, &out[k], ws, err);
    if (rc != ES_OK) {
      return rc;
    }
  }
  return ES_OK;
}
