/* migration.c: destination shares of internal movers (MODEL 3.2, 3.5).
 *
 * Movers leaving origin r (locals who leave and migrants who move on) are sent
 * to the other regions j with shares D[r][j]; a row sums to delta[r] <= 1 and
 * the rest 1 - delta[r] leaves the modelled system (MODEL 3.2). D comes either
 * from an origin-destination file or from a gravity model (MODEL 3.5):
 *
 *   w[j]    = attraction[j]^beta / max(1 km, dist(r, j))^gamma,   j != r,
 *   D[r][j] = delta * w[j] / sum_{j' != r} w[j'],
 *
 * where dist is the great-circle (haversine) distance on a sphere of radius
 * 6371 km. Optionally only the top N destinations of each origin are kept
 * (largest weight first, ties to the lower index) and the kept row is
 * renormalised to delta. A row whose weights are all 0 sends nobody inside
 * the system (delta[r] = 0 then).
 *
 * D is held by origin (CSR) and by destination (CSC). Both are built in linear
 * time by bucket passes instead of sorts: bucketing entries by destination and
 * then reading the buckets in ascending destination order yields rows whose
 * destinations ascend, and bucketing those rows by destination in ascending
 * origin order yields columns whose origins ascend. The top-N selection uses a
 * quickselect for the N-th best weight per row (expected O(n)), then one
 * ascending scan keeps everything at least as good, so a row never needs a
 * sort. */
#include "models/migration.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An origin's OD shares may exceed 1 by this much (float noise in a file
 * written as shares that sum to 1); larger sums are a broken precondition. */
#define ES_OD_ROW_SUM_SLACK 1e-9

/* pi, spelled out: M_PI is not ISO C. */
#define ES_PI 3.14159265358979323846

/* A point on the sphere, prepared for the haversine: the sines and cosines
 * of half its latitude and longitude, and the cosine of its latitude. With
 * them, sin((phi2 - phi1)/2) = sin(phi2/2)cos(phi1/2) - cos(phi2/2)sin(phi1/2)
 * costs no trigonometric call per pair, which is what makes n^2 distances
 * cheap; the difference of products keeps its absolute error near 1e-16, so
 * short distances stay accurate (unlike the law of cosines). */
struct sphere_point {
  double s_phi;   /* sin(latitude / 2) */
  double c_phi;   /* cos(latitude / 2) */
  double s_lam;   /* sin(longitude / 2) */
  double c_lam;   /* cos(longitude / 2) */
  double cos_phi; /* cos(latitude) */
};

static struct sphere_point sphere_point_of(const double lat_deg,
                                           const double lon_deg) {
  const double half_rad = 0.5 * ES_PI / 180.0;
  const double half_phi = lat_deg * half_rad;
  const double half_lam = lon_deg * half_rad;
  const struct sphere_point p = {
      .s_phi = sin(half_phi),
      .c_phi = cos(half_phi),
      .s_lam = sin(half_lam),
      .c_lam = cos(half_lam),
      .cos_phi = cos(2.0 * half_phi),
  };
  return p;
}

/* Haversine distance in km (MODEL 3.5): h = sin^2(dphi/2) + cos phi1 cos phi2
 * sin^2(dlambda/2), d = 2 R asin(sqrt h). es_haversine_km and the gravity
 * model share this kernel, so their distances agree bit for bit. */
static double sphere_distance_km(const struct sphere_point *a,
                                 const struct sphere_point *b) {
  const double s_dphi = b->s_phi * a->c_phi - b->c_phi * a->s_phi;
  const double s_dlam = b->s_lam * a->c_lam - b->c_lam * a->s_lam;
  double h = s_dphi * s_dphi + a->cos_phi * b->cos_phi * (s_dlam * s_dlam);
  /* Rounding may push h a hair outside [0, 1] for antipodal points. */
  h = fmin(1.0, fmax(0.0, h));
  return 2.0 * ES_EARTH_RADIUS_KM * asin(sqrt(h));
}

double es_haversine_km(const double lat1_deg, const double lon1_deg,
                       const double lat2_deg, const double lon2_deg) {
  const struct sphere_point a = sphere_point_of(lat1_deg, lon1_deg);
  const struct sphere_point b = sphere_point_of(lat2_deg, lon2_deg);
  return sphere_distance_km(&a, &b);
}

void es_destinations_clear(struct es_destinations *d) {
  if (d == NULL) {
    return;
  }
  free(d->out_start);
  free(d->out_dest);
  free(d->out_share);
  free(d->in_start);
  free(d->in_origin);
  free(d->in_share);
  free(d->internal_share);
  memset(d, 0, sizeof *d);
}

/* Allocates the per-region arrays (zeroed) and the entry arrays for
 * @p capacity entries; on failure everything is released. */
static int destinations_alloc(struct es_destinations *d, const size_t n_regions,
                              const size_t capacity, struct es_error *err) {
  memset(d, 0, sizeof *d);
  d->n_regions = n_regions;
  d->out_start = calloc(n_regions + 1, sizeof *d->out_start);
  d->in_start = calloc(n_regions + 1, sizeof *d->in_start);
  d->internal_share = calloc(n_regions, sizeof *d->internal_share);
  bool ok =
      d->out_start != NULL && d->in_start != NULL && d->internal_share != NULL;
  if (ok && capacity > 0) {
    if (capacity > SIZE_MAX / sizeof(double)) {
      ok = false;
    } else {
      d->out_dest = malloc(capacity * sizeof *d->out_dest);
      d->out_share = malloc(capacity * sizeof *d->out_share);
      d->in_origin = malloc(capacity * sizeof *d->in_origin);
      d->in_share = malloc(capacity * sizeof *d->in_share);
      ok = d->out_dest != NULL && d->out_share != NULL &&
           d->in_origin != NULL && d->in_share != NULL;
    }
  }
  if (!ok) {
    es_destinations_clear(d);
    return ES_FAIL(err, ES_ENOMEM,
                   "out of memory for destinations of %zu regions (%zu "
                   "entries)",
                   n_regions, capacity);
  }
  return ES_OK;
}

/* Gives back the unused tail of the entry arrays once the final count is
 * known (the gravity model reserves the most a row may keep). A failed shrink
 * keeps the larger block, which is harmless. */
static void destinations_shrink(struct es_destinations *d) {
  if (d->n_entries == 0) {
    free(d->out_dest);
    free(d->out_share);
    free(d->in_origin);
    free(d->in_share);
    d->out_dest = NULL;
    d->out_share = NULL;
    d->in_origin = NULL;
    d->in_share = NULL;
    return;
  }
  size_t *p_size = realloc(d->out_dest, d->n_entries * sizeof *d->out_dest);
  if (p_size != NULL) {
    d->out_dest = p_size;
  }
  double *p_double = realloc(d->out_share, d->n_entries * sizeof *d->out_share);
  if (p_double != NULL) {
    d->out_share = p_double;
  }
  p_size = realloc(d->in_origin, d->n_entries * sizeof *d->in_origin);
  if (p_size != NULL) {
    d->in_origin = p_size;
  }
  p_double = realloc(d->in_share, d->n_entries * sizeof *d->in_share);
  if (p_double != NULL) {
    d->in_share = p_double;
  }
}

/* With the CSR complete (rows ascending by destination), fills the CSC by one
 * bucket pass in ascending origin order, so every column lists its origins in
 * ascending order, and sums each row into internal_share in ascending
 * destination order. */
static void destinations_finish(struct es_destinations *d) {
  const size_t n = d->n_regions;
  memset(d->in_start, 0, (n + 1) * sizeof *d->in_start);
  for (size_t e = 0; e < d->n_entries; e++) {
    d->in_start[d->out_dest[e] + 1]++;
  }
  for (size_t j = 0; j < n; j++) {
    d->in_start[j + 1] += d->in_start[j];
  }
  /* in_start[j] serves as the fill cursor of column j, then is restored. */
  for (size_t r = 0; r < n; r++) {
    double row_sum = 0.0;
    for (size_t e = d->out_start[r]; e < d->out_start[r + 1]; e++) {
      const size_t j = d->out_dest[e];
      const size_t slot = d->in_start[j]++;
      d->in_origin[slot] = r;
      d->in_share[slot] = d->out_share[e];
      row_sum += d->out_share[e];
    }
    d->internal_share[r] = row_sum;
  }
  for (size_t j = n; j > 0; j--) {
    d->in_start[j] = d->in_start[j - 1];
  }
  d->in_start[0] = 0;
}

int es_destinations_init_none(struct es_destinations *d, const size_t n_regions,
                              struct es_error *err) {
  if (n_regions == 0) {
    memset(d, 0, sizeof *d);
    return ES_FAIL(err, ES_EINVAL, "%s", "destinations need at least 1 region");
  }
  return destinations_alloc(d, n_regions, /*capacity=*/0, err);
}

int es_destinations_init_od(struct es_destinations *d, const size_t n_regions,
                            const size_t n_entries, const size_t *origin,
                            const size_t *dest, const double *share,
                            struct es_error *err) {
  size_t *by_dest = NULL; /* entry numbers bucketed by destination */
  size_t *cursor = NULL;  /* [n_regions + 1] bucket fill positions */
  int rc = ES_OK;
  memset(d, 0, sizeof *d);
  if (n_regions == 0) {
    return ES_FAIL(err, ES_EINVAL, "%s", "destinations need at least 1 region");
  }
  /* The preconditions the loader promises; checked again because a broken
   * one would corrupt the arrays below. */
  size_t n_kept = 0;
  for (size_t e = 0; e < n_entries; e++) {
    if (origin[e] >= n_regions || dest[e] >= n_regions) {
      return ES_FAIL(err, ES_EINVAL,
                     "OD entry %zu: region index %zu -> %zu out of range "
                     "(%zu regions)",
                     e, origin[e], dest[e], n_regions);
    }
    if (origin[e] == dest[e]) {
      return ES_FAIL(err, ES_EINVAL, "OD entry %zu: self-flow of region %zu", e,
                     origin[e]);
    }
    if (!isfinite(share[e]) || share[e] < 0.0 || share[e] > 1.0) {
      return ES_FAIL(err, ES_EINVAL,
                     "OD entry %zu: share %g outside 0..1 (origin %zu)", e,
                     share[e], origin[e]);
    }
    if (share[e] > 0.0) {
      n_kept++;
    }
  }
  rc = destinations_alloc(d, n_regions, n_kept, err);
  if (rc != ES_OK) {
    return rc;
  }
  by_dest = malloc((n_kept > 0 ? n_kept : 1) * sizeof *by_dest);
  cursor = calloc(n_regions + 1, sizeof *cursor);
  if (by_dest == NULL || cursor == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "out of memory for %zu OD entries", n_kept);
    goto cleanup;
  }
  /* Pass 1: bucket the kept entries by destination. */
  for (size_t e = 0; e < n_entries; e++) {
    if (share[e] > 0.0) {
      cursor[dest[e] + 1]++;
      d->out_start[origin[e] + 1]++;
    }
  }
  for (size_t j = 0; j < n_regions; j++) {
    cursor[j + 1] += cursor[j];
    d->out_start[j + 1] += d->out_start[j];
  }
  for (size_t e = 0; e < n_entries; e++) {
    if (share[e] > 0.0) {
      by_dest[cursor[dest[e]]++] = e;
    }
  }
  /* Pass 2: read the buckets in ascending destination order into the rows,
   * so each row's destinations ascend. cursor now reuses as the row cursor. */
  memcpy(cursor, d->out_start, (n_regions + 1) * sizeof *cursor);
  for (size_t k = 0; k < n_kept; k++) {
    const size_t e = by_dest[k];
    const size_t slot = cursor[origin[e]]++;
    d->out_dest[slot] = dest[e];
    d->out_share[slot] = share[e];
  }
  d->n_entries = n_kept;
  for (size_t r = 0; r < n_regions; r++) {
    double row_sum = 0.0;
    for (size_t e = d->out_start[r]; e < d->out_start[r + 1]; e++) {
      if (e > d->out_start[r] && d->out_dest[e] == d->out_dest[e - 1]) {
        rc = ES_FAIL(err, ES_EINVAL, "OD entries: pair %zu -> %zu listed twice",
                     r, d->out_dest[e]);
        goto cleanup;
      }
      row_sum += d->out_share[e];
    }
    if (row_sum > 1.0 + ES_OD_ROW_SUM_SLACK) {
      rc = ES_FAIL(err, ES_EINVAL,
                   "OD entries: shares of origin %zu sum to %.17g (at most 1)",
                   r, row_sum);
      goto cleanup;
    }
  }
  destinations_finish(d);
cleanup:
  free(cursor);
  free(by_dest);
  if (rc != ES_OK) {
    es_destinations_clear(d);
  }
  return rc;
}

/* dist^gamma. The usual gamma = 2 (and 1) skip pow, which would otherwise
 * be half the time of a 3,000-region build; d * d is correctly rounded,
 * as pow is to within an ulp, so the weights are the same up to that ulp. */
static double distance_power(const double dist, const double gamma) {
  if (gamma == 2.0) {
    return dist * dist;
  }
  if (gamma == 1.0) {
    return dist;
  }
  return pow(dist, gamma);
}

/* True when candidate a ranks before candidate b: larger weight first, ties
 * to the lower index (MODEL 3.5). A strict total order, as indices differ. */
static bool ranks_before(const double *w, const size_t a, const size_t b) {
  return w[a] > w[b] || (w[a] == w[b] && a < b);
}

static void swap_size(size_t *x, size_t *y) {
  const size_t t = *x;
  *x = *y;
  *y = t;
}

/* Quickselect: reorders idx[0..n) so that idx[k] is the candidate of rank k
 * (0 = best) under ranks_before. Median-of-three pivots keep sorted and
 * reverse-sorted inputs linear. */
static void select_rank(size_t *idx, size_t n, size_t k, const double *w) {
  size_t lo = 0;
  size_t hi = n - 1; /* inclusive */
  while (hi > lo) {
    const size_t mid = lo + (hi - lo) / 2;
    /* Order idx[lo], idx[mid], idx[hi]; the median goes to hi as pivot. */
    if (ranks_before(w, idx[mid], idx[lo])) {
      swap_size(&idx[mid], &idx[lo]);
    }
    if (ranks_before(w, idx[hi], idx[lo])) {
      swap_size(&idx[hi], &idx[lo]);
    }
    if (ranks_before(w, idx[mid], idx[hi])) {
      swap_size(&idx[mid], &idx[hi]);
    }
    const size_t pivot = idx[hi];
    size_t store = lo;
    for (size_t i = lo; i < hi; i++) {
      if (ranks_before(w, idx[i], pivot)) {
        swap_size(&idx[i], &idx[store]);
        store++;
      }
    }
    swap_size(&idx[store], &idx[hi]);
    if (store == k) {
      return;
    }
    if (k < store) {
      hi = store - 1;
    } else {
      lo = store + 1;
    }
  }
}

int es_destinations_init_gravity(struct es_destinations *d,
                                 const size_t n_regions, const double *lat_deg,
                                 const double *lon_deg,
                                 const double *attraction,
                                 const struct es_gravity_params *params,
                                 struct es_error *err) {
  double *attr_pow = NULL;        /* [n] attraction[j]^beta */
  struct sphere_point *pt = NULL; /* [n] prepared coordinates */
  double *w = NULL;               /* [n] weights of the current row */
  size_t *cand = NULL;            /* [n] candidates with w > 0 */
  int rc = ES_OK;
  memset(d, 0, sizeof *d);
  if (n_regions == 0) {
    return ES_FAIL(err, ES_EINVAL, "%s", "destinations need at least 1 region");
  }
  const double delta = params->internal_share;
  if (!(delta >= 0.0 && delta <= 1.0)) {
    return ES_FAIL(err, ES_EINVAL, "gravity: internal_share %g outside 0..1",
                   delta);
  }
  if (!isfinite(params->beta) || !isfinite(params->gamma)) {
    return ES_FAIL(err, ES_EINVAL,
                   "gravity: beta %g and gamma %g must be finite", params->beta,
                   params->gamma);
  }
  for (size_t j = 0; j < n_regions; j++) {
    if (!isfinite(lat_deg[j]) || !isfinite(lon_deg[j]) ||
        fabs(lat_deg[j]) > 90.0) {
      return ES_FAIL(err, ES_EINVAL, "gravity: region %zu has lat/lon %g, %g",
                     j, lat_deg[j], lon_deg[j]);
    }
    if (!isfinite(attraction[j]) || attraction[j] < 0.0) {
      return ES_FAIL(err, ES_EINVAL,
                     "gravity: region %zu has attraction %g (expected >= 0)", j,
                     attraction[j]);
    }
  }
  /* Each row keeps at most min(top, n - 1) entries; reserve that much and
   * give back the rest at the end. */
  const size_t per_row = params->top > 0 && params->top < n_regions - 1
                             ? params->top
                             : n_regions - 1;
  if (per_row > 0 && n_regions > SIZE_MAX / sizeof(double) / per_row) {
    return ES_FAIL(err, ES_ENOMEM, "gravity: %zu regions are too many",
                   n_regions);
  }
  rc = destinations_alloc(d, n_regions, n_regions * per_row, err);
  if (rc != ES_OK) {
    return rc;
  }
  attr_pow = malloc(n_regions * sizeof *attr_pow);
  w = malloc(n_regions * sizeof *w);
  cand = malloc(n_regions * sizeof *cand);
  pt = malloc(n_regions * sizeof *pt);
  if (attr_pow == NULL || w == NULL || cand == NULL || pt == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "gravity: out of memory for %zu regions",
                 n_regions);
    goto cleanup;
  }
  /* pow(0, 0) is 1: with beta = 0 attraction plays no part, even a zero. */
  for (size_t j = 0; j < n_regions; j++) {
    attr_pow[j] = pow(attraction[j], params->beta);
    pt[j] = sphere_point_of(lat_deg[j], lon_deg[j]);
  }
  size_t n_out = 0;
  for (size_t r = 0; r < n_regions; r++) {
    d->out_start[r] = n_out;
    size_t n_cand = 0;
    for (size_t j = 0; j < n_regions; j++) {
      w[j] = 0.0;
      if (j == r || attr_pow[j] == 0.0) {
        continue;
      }
      const double dist =
          fmax(ES_MIN_DISTANCE_KM, sphere_distance_km(&pt[r], &pt[j]));
      w[j] = attr_pow[j] / distance_power(dist, params->gamma);
      if (!isfinite(w[j])) {
        rc = ES_FAIL(err, ES_EINVAL,
                     "gravity: weight of %zu -> %zu is not finite (attraction "
                     "%g, beta %g, gamma %g)",
                     r, j, attraction[j], params->beta, params->gamma);
        goto cleanup;
      }
      if (w[j] > 0.0) {
        cand[n_cand++] = j;
      }
    }
    if (params->top > 0 && n_cand > params->top) {
      /* Keep the candidates ranking no worse than the top-th one. */
      select_rank(cand, n_cand, params->top - 1, w);
      const size_t last = cand[params->top - 1];
      n_cand = 0;
      for (size_t j = 0; j < n_regions; j++) {
        if (w[j] > 0.0 && (j == last || ranks_before(w, j, last))) {
          cand[n_cand++] = j;
        }
      }
    }
    /* cand lists the kept destinations in ascending order either way. */
    double w_sum = 0.0;
    for (size_t c = 0; c < n_cand; c++) {
      w_sum += w[cand[c]];
    }
    if (!isfinite(w_sum)) {
      rc =
          ES_FAIL(err, ES_EINVAL,
                  "gravity: weights of origin %zu overflow (beta %g, gamma %g)",
                  r, params->beta, params->gamma);
      goto cleanup;
    }
    if (w_sum > 0.0 && delta > 0.0) {
      for (size_t c = 0; c < n_cand; c++) {
        const double s = delta * w[cand[c]] / w_sum;
        if (s > 0.0) { /* an underflowed share is dropped like a zero */
          d->out_dest[n_out] = cand[c];
          d->out_share[n_out] = s;
          n_out++;
        }
      }
    }
  }
  d->out_start[n_regions] = n_out;
  d->n_entries = n_out;
  destinations_shrink(d);
  destinations_finish(d);
cleanup:
  free(pt);
  free(cand);
  free(w);
  free(attr_pow);
  if (rc != ES_OK) {
    es_destinations_clear(d);
  }
  return rc;
}
