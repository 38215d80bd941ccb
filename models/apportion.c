/* apportion.c: whole units shared out in proportion to weights (MODEL 6).
 *
 * N indivisible units (teachers, seats) go to n regions with weights w >= 0,
 * each region i getting at least its minimum m_i.
 *
 * Divisor methods. Start every region at its minimum, then hand out the
 * remaining K = N - sum m units one at a time, each to the region with the
 * largest priority w_i / d(n_i), ties to the lower index; d(n) is n + 1
 * (Jefferson, D'Hondt), n + 1/2 (Webster, Sainte-Lague), sqrt(n (n + 1))
 * (Huntington-Hill), n (Adams) or n (n + 1) / (n + 1/2) (Dean), and d(0) = 0
 * means an infinite priority for w > 0. Regions of weight 0 never take part.
 * Because each region's priorities fall as it grows, this greedy hands out
 * the K best "next unit" items of the total order (priority descending, then
 * index ascending): the result is the top K of that order. We find it fast:
 * a common threshold t gives every region the count of its items with
 * priority >= t (a closed-form rounding of the quota w_i / t, corrected with
 * the real priorities so it is exact), which is a prefix of the order; t
 * starts at the quota divisor W / N (Balinski & Young, "Fair Representation",
 * 2nd ed. 2001, ch. 5 and appendix A) and is refined by Newton steps on the
 * continuous relaxation when minimums bind; then a binary heap adds the best
 * missing items or removes the worst taken ones (smallest priority, ties to
 * the higher index: the one the greedy would have given last) until exactly
 * K are taken. Priorities are the doubles w / d(n) computed by priority()
 * below; the slow definition computed with the same doubles gives the same
 * answer, ties included.
 *
 * Hamilton (largest remainder). Regions of weight 0 are held at their
 * minimum. The others get quotas q_i = w_i R / W over the R units not held;
 * every region whose quota falls below its minimum is held at the minimum and
 * the quotas are recomputed over the rest, until none falls below (holding a
 * region only lowers the others' quotas, so the held set only grows). Each free
 * region then gets floor(q_i), and the units left go one each to the largest
 * remainders q_i - floor(q_i), ties to the lower index.
 *
 * Nothing is allocated here: the heap and the quotas live in the workspace
 * (STYLE 12). */
#include "models/apportion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest total accepted: up to 2^53 every count and divisor is exact in a
 * double, so priorities are computed from exact divisors. */
#define TOTAL_MAX INT64_C(9007199254740992)

/* At most this many refinements of the threshold (each is one pass over the
 * regions); Newton on the convex, piecewise linear relaxation converges in a
 * few, and the heap repairs whatever is left. */
#define REFINE_MAX 40

struct es_apportion_ws {
  size_t n_max;      /* regions the arrays below can hold */
  size_t *heap_unit; /* [n_max] region of each heap slot */
  double *heap_key;  /* [n_max] priority or remainder of each heap slot */
  double *quota;     /* [n_max] Hamilton quotas, in units */
  bool *held;        /* [n_max] Hamilton: region held at its minimum */
};

static const char *const method_names[] = {
    [ES_APPORTION_HAMILTON] = "hamilton",
    [ES_APPORTION_JEFFERSON] = "jefferson",
    [ES_APPORTION_WEBSTER] = "webster",
    [ES_APPORTION_HUNTINGTON_HILL] = "huntington-hill",
    [ES_APPORTION_ADAMS] = "adams",
    [ES_APPORTION_DEAN] = "dean",
};

const char *es_apportion_method_name(const enum es_apportion_method method) {
  if ((size_t)method < sizeof method_names / sizeof method_names[0]) {
    return method_names[method];
  }
  return "?";
}

bool es_apportion_method_from_name(const char *name,
                                   enum es_apportion_method *method) {
  for (size_t i = 0; i < sizeof method_names / sizeof method_names[0]; i++) {
    if (strcmp(name, method_names[i]) == 0) {
      *method = (enum es_apportion_method)i;
      return true;
    }
  }
  return false;
}

struct es_apportion_ws *es_apportion_ws_alloc(const size_t n_max,
                                              struct es_error *err) {
  /* Allocate at least one element so that n_max = 0 is not a special case. */
  size_t n_alloc = n_max > 0 ? n_max : 1;
  struct es_apportion_ws *ws = calloc(1, sizeof *ws);
  if (ws == NULL) {
    ES_FAIL(err, ES_ENOMEM, "%s", "out of memory for apportionment workspace");
    return NULL;
  }
  ws->n_max = n_max;
  ws->heap_unit = malloc(n_alloc * sizeof *ws->heap_unit);
  ws->heap_key = malloc(n_alloc * sizeof *ws->heap_key);
  ws->quota = malloc(n_alloc * sizeof *ws->quota);
  ws->held = malloc(n_alloc * sizeof *ws->held);
  if (ws->heap_unit == NULL || ws->heap_key == NULL || ws->quota == NULL ||
      ws->held == NULL) {
    es_apportion_ws_free(ws);
    ES_FAIL(err, ES_ENOMEM,
            "out of memory for an apportionment workspace of %zu regions",
            n_max);
    return NULL;
  }
  return ws;
}

void es_apportion_ws_free(struct es_apportion_ws *ws) {
  if (ws == NULL) {
    return;
  }
  free(ws->heap_unit);
  free(ws->heap_key);
  free(ws->quota);
  free(ws->held);
  free(ws);
}

/* ---- binary heap of regions -------------------------------------------- */

/* A heap of (key, region) pairs stored in the workspace. With max_first the
 * top is the largest key, ties to the lower region (the next unit a divisor
 * method gives, the largest Hamilton remainder); otherwise the smallest key,
 * ties to the higher region (the unit the greedy gave last). */
struct heap {
  size_t n;       /* slots in use */
  size_t *unit;   /* [n] region of each slot (borrowed from the workspace) */
  double *key;    /* [n] key of each slot (borrowed from the workspace) */
  bool max_first; /* order: see above */
};

static bool heap_before(const struct heap *h, const size_t a, const size_t b) {
  double ka = h->key[a];
  double kb = h->key[b];
  if (h->max_first) {
    return ka > kb || (ka == kb && h->unit[a] < h->unit[b]);
  }
  return ka < kb || (ka == kb && h->unit[a] > h->unit[b]);
}

static void heap_swap(struct heap *h, const size_t a, const size_t b) {
  size_t u = h->unit[a];
  double k = h->key[a];
  h->unit[a] = h->unit[b];
  h->key[a] = h->key[b];
  h->unit[b] = u;
  h->key[b] = k;
}

static void heap_sift_down(struct heap *h, size_t i) {
  for (;;) {
    size_t left = 2 * i + 1;
    if (left >= h->n) {
      return;
    }
    size_t best = left;
    if (left + 1 < h->n && heap_before(h, left + 1, left)) {
      best = left + 1;
    }
    if (!heap_before(h, best, i)) {
      return;
    }
    heap_swap(h, i, best);
    i = best;
  }
}

/* Turn the n filled slots into a heap (Floyd's bottom-up construction). */
static void heap_build(struct heap *h) {
  for (size_t i = h->n / 2; i-- > 0;) {
    heap_sift_down(h, i);
  }
}

/* Give the top a new key and restore the order. */
static void heap_replace_top_key(struct heap *h, const double key) {
  h->key[0] = key;
  heap_sift_down(h, 0);
}

/* Remove the top. */
static void heap_pop(struct heap *h) {
  h->n--;
  if (h->n > 0) {
    h->unit[0] = h->unit[h->n];
    h->key[0] = h->key[h->n];
    heap_sift_down(h, 0);
  }
}

/* ---- divisor methods (MODEL 6) ------------------------------------------ */

/* Priority w / d(n) of the (n+1)-th unit of a region of weight w > 0. d(0) = 0
 * (Adams, Huntington-Hill, Dean) is an infinite priority. Every divisor is
 * computed exactly or with one correctly rounded operation on exact counts,
 * and is non-decreasing in n, so priorities never rise as a region grows. */
static double priority(const enum es_apportion_method method, const double w,
                       const int64_t n) {
  double x = (double)n;
  switch (method) {
    case ES_APPORTION_JEFFERSON:
      return w / (x + 1.0);
    case ES_APPORTION_WEBSTER:
      return w / (x + 0.5);
    case ES_APPORTION_HUNTINGTON_HILL:
      return n == 0 ? INFINITY : w / sqrt(x * (x + 1.0));
    case ES_APPORTION_ADAMS:
      return n == 0 ? INFINITY : w / x;
    case ES_APPORTION_DEAN:
      return n == 0 ? INFINITY : w / (x * (x + 1.0) / (x + 0.5));
    case ES_APPORTION_HAMILTON:
    default:
      break;
  }
  ES_ASSERT(0 && "priority of a non-divisor method");
  return NAN;
}

/* Approximate number of units n >= 0 with d(n) <= q, i.e. the method's
 * rounding of the quota q (Jefferson down, Adams up, the others near the
 * half); fill_at corrects it to the exact count. */
static double rounded_quota(const enum es_apportion_method method,
                            const double q) {
  switch (method) {
    case ES_APPORTION_JEFFERSON:
      return floor(q);
    case ES_APPORTION_ADAMS:
      return floor(q) + 1.0;
    default:
      return floor(q + 0.5);
  }
}

/* Set out[i] = m_i + the number of items k >= m_i of region i with priority
 * w_i / d(k) >= t, capped at m_i + k_total, for every region of positive
 * weight. That set of items is a prefix of the total order of MODEL 6 (or,
 * when capped, contains the top k_total). Returns the number of units above
 * the minimums, saturating at INT64_MAX. */
static int64_t fill_at(const enum es_apportion_method method, const double t,
                       const int64_t k_total, const size_t n,
                       const double *weight, const int64_t *minimum,
                       int64_t *out) {
  int64_t extra = 0;
  for (size_t i = 0; i < n; i++) {
    double w = weight[i];
    if (!(w > 0.0)) {
      continue;
    }
    int64_t lo = minimum != NULL ? minimum[i] : 0;
    int64_t hi = lo + k_total;
    double c = rounded_quota(method, w / t);
    int64_t count;
    if (!(c > (double)lo)) {
      count = lo;
    } else if (c >= (double)hi) {
      count = hi;
    } else {
      count = (int64_t)c;
    }
    /* Exact correction: the closed form is off by at most a unit or two. */
    while (count > lo && priority(method, w, count - 1) < t) {
      count--;
    }
    while (count < hi && priority(method, w, count) >= t) {
      count++;
    }
    out[i] = count;
    int64_t above = count - lo;
    extra = extra > INT64_MAX - above ? INT64_MAX : extra + above;
  }
  return extra;
}

static int64_t abs_diff(const int64_t a, const int64_t b) {
  return a > b ? a - b : b - a;
}

/* Divisor methods: out[] already holds the minimums; k_total > 0 more units
 * go to the regions of positive weight, of total w_sum > 0. */
static void divisor_apportion(const enum es_apportion_method method,
                              const int64_t total, const int64_t k_total,
                              const size_t n, const double *weight,
                              const int64_t *minimum, const double w_sum,
                              int64_t *out, struct es_apportion_ws *ws) {
  /* Start at the quota divisor W / N: region i then gets about
   * max(m_i, round(w_i N / W)). */
  double t = w_sum / (double)total;
  int64_t extra = fill_at(method, t, k_total, n, weight, minimum, out);
  double best_t = t;
  int64_t best_gap = abs_diff(extra, k_total);
  /* Refine t while minimums or roundings leave it far off: Newton on the
   * relaxation sum_i max(m_i, w_i / t) = N over the regions above their
   * minimum (those at it do not move with t). */
  for (size_t iter = 0; iter < REFINE_MAX && best_gap > (int64_t)n; iter++) {
    double w_free = 0.0;
    double m_free = 0.0;
    for (size_t i = 0; i < n; i++) {
      int64_t lo = minimum != NULL ? minimum[i] : 0;
      if (weight[i] > 0.0 && out[i] > lo) {
        w_free += weight[i];
        m_free += (double)lo;
      }
    }
    if (w_free == 0.0) {
      /* Everyone sits at the minimum: t is far too high. */
      w_free = w_sum;
      m_free = 0.0;
    }
    double t_next = w_free / ((double)k_total + m_free);
    if (t_next == t || !(t_next >= 0.0)) {
      break;
    }
    t = t_next;
    extra = fill_at(method, t, k_total, n, weight, minimum, out);
    if (abs_diff(extra, k_total) < best_gap) {
      best_gap = abs_diff(extra, k_total);
      best_t = t;
    }
  }
  if (t != best_t) {
    t = best_t;
    extra = fill_at(method, t, k_total, n, weight, minimum, out);
  }

  struct heap h = {
      .n = 0, .unit = ws->heap_unit, .key = ws->heap_key, .max_first = true};
  if (extra < k_total) {
    /* Add the best items not yet taken: every region's next unit competes. */
    for (size_t i = 0; i < n; i++) {
      if (weight[i] > 0.0) {
        h.unit[h.n] = i;
        h.key[h.n] = priority(method, weight[i], out[i]);
        h.n++;
      }
    }
    heap_build(&h);
    for (; extra < k_total; extra++) {
      size_t i = h.unit[0];
      out[i]++;
      heap_replace_top_key(&h, priority(method, weight[i], out[i]));
    }
  } else if (extra > k_total) {
    /* Remove the worst items taken: each region's last unit above its
     * minimum competes, and the smallest priority (ties: the higher index)
     * goes first, the reverse of the order the greedy gave them. */
    h.max_first = false;
    for (size_t i = 0; i < n; i++) {
      int64_t lo = minimum != NULL ? minimum[i] : 0;
      if (weight[i] > 0.0 && out[i] > lo) {
        h.unit[h.n] = i;
        h.key[h.n] = priority(method, weight[i], out[i] - 1);
        h.n++;
      }
    }
    heap_build(&h);
    for (; extra > k_total; extra--) {
      size_t i = h.unit[0];
      out[i]--;
      int64_t lo = minimum != NULL ? minimum[i] : 0;
      if (out[i] > lo) {
        heap_replace_top_key(&h, priority(method, weight[i], out[i] - 1));
      } else {
        heap_pop(&h);
      }
    }
  }
}

/* ---- Hamilton (MODEL 6) ------------------------------------------------- */

static int hamilton_apportion(const int64_t total, const size_t n,
                              const double *weight, const int64_t *minimum,
                              int64_t *out, struct es_apportion_ws *ws,
                              struct es_error *err) {
  double *quota = ws->quota;
  bool *held = ws->held;
  int64_t rest = total; /* units not held at a minimum */
  size_t n_free = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t lo = minimum != NULL ? minimum[i] : 0;
    held[i] = !(weight[i] > 0.0);
    if (held[i]) {
      out[i] = lo;
      rest -= lo;
    } else {
      n_free++;
    }
  }

  /* Hold every region whose quota falls below its minimum, and repeat over
   * the rest until none does. */
  bool changed = true;
  while (changed && n_free > 0) {
    changed = false;
    double w_free = 0.0;
    for (size_t i = 0; i < n; i++) {
      if (!held[i]) {
        w_free += weight[i];
      }
    }
    for (size_t i = 0; i < n; i++) {
      if (!held[i]) {
        quota[i] = weight[i] * (double)rest / w_free;
      }
    }
    int64_t newly_held = 0;
    for (size_t i = 0; i < n; i++) {
      int64_t lo = minimum != NULL ? minimum[i] : 0;
      if (!held[i] && quota[i] < (double)lo) {
        held[i] = true;
        out[i] = lo;
        newly_held += lo;
        n_free--;
        changed = true;
      }
    }
    rest -= newly_held;
  }
  if (n_free == 0) {
    if (rest != 0) {
      return ES_FAIL(err, ES_EINTERNAL,
                     "hamilton: %lld units left after holding every region at "
                     "its minimum",
                     (long long)rest);
    }
    return ES_OK;
  }

  /* Lower quotas, then the remainders. */
  int64_t given = 0;
  struct heap h = {
      .n = 0, .unit = ws->heap_unit, .key = ws->heap_key, .max_first = true};
  for (size_t i = 0; i < n; i++) {
    if (!held[i]) {
      double f = floor(quota[i]);
      out[i] = (int64_t)f;
      given += out[i];
      h.unit[h.n] = i;
      h.key[h.n] = quota[i] - f;
      h.n++;
    }
  }
  int64_t left = rest - given;
  if (left >= 0) {
    /* Mathematically left < n_free; rounding could make it n_free or more,
     * and then the remainders are served again from the top. */
    while (left > 0) {
      heap_build(&h);
      while (left > 0 && h.n > 0) {
        out[h.unit[0]]++;
        heap_pop(&h);
        left--;
      }
      h.n = 0;
      for (size_t i = 0; i < n; i++) {
        if (!held[i]) {
          h.unit[h.n] = i;
          h.key[h.n] = quota[i] - floor(quota[i]);
          h.n++;
        }
      }
    }
  } else {
    /* Rounding gave more than rest in lower quotas (a quota computed a hair
     * above a whole number): take the excess from the smallest remainders,
     * never below a minimum. */
    h.max_first = false;
    size_t kept = 0;
    for (size_t s = 0; s < h.n; s++) {
      size_t i = h.unit[s];
      int64_t lo = minimum != NULL ? minimum[i] : 0;
      if (out[i] > lo) {
        h.unit[kept] = i;
        h.key[kept] = h.key[s];
        kept++;
      }
    }
    h.n = kept;
    heap_build(&h);
    while (left < 0 && h.n > 0) {
      out[h.unit[0]]--;
      heap_pop(&h);
      left++;
    }
    if (left < 0) {
      return ES_FAIL(err, ES_EINTERNAL,
                     "hamilton: %lld units too many after rounding",
                     (long long)-left);
    }
  }
  return ES_OK;
}

/* ---- entry point --------------------------------------------------------- */

int es_apportion(const enum es_apportion_method method, const int64_t total,
                 const size_t n, const double *weight, const int64_t *minimum,
                 int64_t *out, struct es_apportion_ws *ws,
                 struct es_error *err) {
  if ((size_t)method >= sizeof method_names / sizeof method_names[0]) {
    return ES_FAIL(err, ES_EINVAL, "unknown apportionment method %d",
                   (int)method);
  }
  if (ws == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "apportionment workspace is NULL");
  }
  if (n > ws->n_max) {
    return ES_FAIL(err, ES_EINVAL,
                   "%zu regions exceed the workspace's %zu (MODEL 6)", n,
                   ws->n_max);
  }
  if (total < 0) {
    return ES_FAIL(err, ES_EINVAL,
                   "total is %lld (expected a whole number >= 0)",
                   (long long)total);
  }
  if (total > TOTAL_MAX) {
    return ES_FAIL(err, ES_EINVAL,
                   "total is %lld (expected at most 2^53 = %lld)",
                   (long long)total, (long long)TOTAL_MAX);
  }
  double w_sum = 0.0;
  int64_t m_sum = 0; /* saturates at INT64_MAX */
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(weight[i]) || weight[i] < 0.0) {
      return ES_FAIL(err, ES_EINVAL,
                     "weight of region %zu is %g (expected a finite number "
                     ">= 0)",
                     i, weight[i]);
    }
    int64_t lo = minimum != NULL ? minimum[i] : 0;
    if (lo < 0) {
      return ES_FAIL(err, ES_EINVAL,
                     "minimum of region %zu is %lld (expected a whole number "
                     ">= 0)",
                     i, (long long)lo);
    }
    w_sum += weight[i];
    m_sum = m_sum > INT64_MAX - lo ? INT64_MAX : m_sum + lo;
  }
  if (!isfinite(w_sum)) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "weights sum to more than the largest double (expected "
                   "smaller weights)");
  }
  if (total < m_sum) {
    return ES_FAIL(err, ES_EINFEASIBLE,
                   "%lld units cannot cover the minimums, which sum to %lld",
                   (long long)total, (long long)m_sum);
  }
  int64_t k_total = total - m_sum;
  if (k_total > 0 && !(w_sum > 0.0)) {
    return ES_FAIL(err, ES_EINFEASIBLE,
                   "%lld units exceed the minimums (sum %lld) but every weight "
                   "is 0, so nothing says where the rest go",
                   (long long)total, (long long)m_sum);
  }

  if (method == ES_APPORTION_HAMILTON) {
    return hamilton_apportion(total, n, weight, minimum, out, ws, err);
  }
  for (size_t i = 0; i < n; i++) {
    out[i] = minimum != NULL ? minimum[i] : 0;
  }
  if (k_total > 0) {
    divisor_apportion(method, total, k_total, n, weight, minimum, w_sum, out,
                      ws);
  }
  return ES_OK;
}
