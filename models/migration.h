/* migration.h: where internal migrants go (MODEL 3.2 destinations, 3.5 D).
 *
 * The destination matrix D[r][j] gives the share of movers leaving origin r who
 * arrive in region j; each row sums to delta[r] <= 1 and the rest leaves the
 * modelled system. D is sparse (an OD file lists few pairs; the gravity model
 * may keep only the top N destinations), so it is held twice: by origin (CSR,
 * for drawing each origin's movers) and by destination (CSC, so that arrivals
 * are a gather: each destination sums its arrivals in ascending origin order,
 * with no atomics and the same rounding for any thread count). */
#ifndef ES_MODELS_MIGRATION_H
#define ES_MODELS_MIGRATION_H

#include <stddef.h>

#include "models/error.h"

/** Destination shares, sparse, in both orientations. */
struct es_destinations {
  size_t n_regions;  /* rows and columns of D */
  size_t n_entries;  /* non-zero shares kept */
  size_t *out_start; /* [n_regions + 1]: origin r's entries are
                        out_start[r] .. out_start[r+1]-1 */
  size_t *out_dest;  /* [n_entries]: destination index, ascending per row */
  double *out_share; /* [n_entries]: D[r][j], share of movers, 0..1 */
  size_t *in_start;  /* [n_regions + 1]: destination j's entries */
  size_t *in_origin; /* [n_entries]: origin index, ascending per column */
  double *in_share;  /* [n_entries]: D[r][j] again, by destination */
  double *internal_share; /* [n_regions]: delta[r] = sum_j D[r][j] */
};

/** Parameters of the gravity model of MODEL 3.5. */
struct es_gravity_params {
  double internal_share; /* delta: share of movers staying in the system */
  double beta;           /* exponent of attraction */
  double gamma;          /* exponent of distance (km) */
  size_t top;            /* keep the top N destinations; 0 = keep all */
};

/** Earth radius of the haversine distance, km (MODEL 3.5). */
#define ES_EARTH_RADIUS_KM 6371.0
/** Distances below this are raised to it, km (MODEL 3.5). */
#define ES_MIN_DISTANCE_KM 1.0

/** @brief Great-circle distance in km between two points in decimal degrees
 * (haversine, radius ES_EARTH_RADIUS_KM, not floored). */
double es_haversine_km(double lat1_deg, double lon1_deg, double lat2_deg,
                       double lon2_deg);

/**
 * @brief Build D from origin-destination entries (od.csv, already checked:
 * indices valid, no self-flows, no duplicates, shares >= 0 summing to <= 1 per
 * origin). Entries may come in any order; zero shares are dropped.
 * @param d       out: initialised destinations (clear with
 * es_destinations_clear)
 * @param origin  [n_entries] origin region indices (borrowed)
 * @param dest    [n_entries] destination region indices (borrowed)
 * @param share   [n_entries] shares (borrowed)
 * @return ES_OK, ES_EINVAL (a broken precondition), ES_ENOMEM
 */
int es_destinations_init_od(struct es_destinations *d, size_t n_regions,
                            size_t n_entries, const size_t *origin,
                            const size_t *dest, const double *share,
                            struct es_error *err);

/**
 * @brief Build D with the gravity model of MODEL 3.5:
 * D[r][j] = delta * w[j] / sum_{j' != r} w[j'], w[j] = attraction[j]^beta /
 * max(1 km, dist(r,j))^gamma; with top > 0 only the top N of each row are kept
 * (largest first, ties to the lower index) and the row renormalised to delta.
 * A row whose weights are all 0 is empty.
 * @param lat_deg, lon_deg  [n_regions] coordinates (borrowed)
 * @param attraction        [n_regions] >= 0 (borrowed)
 * @return ES_OK, ES_EINVAL, ES_ENOMEM
 */
int es_destinations_init_gravity(struct es_destinations *d, size_t n_regions,
                                 const double *lat_deg, const double *lon_deg,
                                 const double *attraction,
                                 const struct es_gravity_params *params,
                                 struct es_error *err);

/** @brief An empty D: every mover leaves the system (delta = 0). */
int es_destinations_init_none(struct es_destinations *d, size_t n_regions,
                              struct es_error *err);

/** @brief Free what @p d owns and zero it. Accepts NULL and zeroed structs. */
void es_destinations_clear(struct es_destinations *d);

#endif /* ES_MODELS_MIGRATION_H */
