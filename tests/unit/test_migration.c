/* test_migration.c: destination shares (MODEL 3.2, 3.5).
 *
 * The OD builder against hand-written CSR and CSC arrays; the gravity model
 * against weights computed here with an independent distance formula (the
 * spherical law of cosines); the top-N selection with ties against a
 * brute-force sort; haversine against a known distance; every error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "es_test.h"
#include "models/migration.h"

#define PI 3.14159265358979323846

/* The whole message equals want: it contains want and is as long. (Messages
 * are char[1024]; ES_CHECK_STR_EQ's report buffer would be too small for
 * gcc's -Wformat-truncation, ES_CHECK_CONTAINS's is not.) */
#define CHECK_MSG(msg, want)                   \
  do {                                         \
    ES_CHECK_CONTAINS((msg), (want));          \
    ES_CHECK(strlen((msg)) == strlen((want))); \
  } while (0)

/* Great-circle distance by the spherical law of cosines: a different formula
 * from the haversine under test, well conditioned for the distances used. */
static double cosines_km(const double lat1, const double lon1,
                         const double lat2, const double lon2) {
  const double k = PI / 180.0;
  const double c = sin(lat1 * k) * sin(lat2 * k) +
                   cos(lat1 * k) * cos(lat2 * k) * cos((lon2 - lon1) * k);
  return 6371.0 * acos(fmin(1.0, fmax(-1.0, c)));
}

/* Checks that CSR and CSC hold the same entries, rows and columns ascending,
 * no self-flows, positive shares, internal_share = row sums; returns the
 * number of problems. */
static size_t consistency_problems(const struct es_destinations *d) {
  const size_t n = d->n_regions;
  size_t bad = 0;
  if (d->out_start == NULL || d->in_start == NULL) {
    return 1; /* a failed build */
  }
  if (d->out_start[0] != 0 || d->out_start[n] != d->n_entries ||
      d->in_start[0] != 0 || d->in_start[n] != d->n_entries) {
    return 1;
  }
  for (size_t r = 0; r < n; r++) {
    double sum = 0.0;
    for (size_t e = d->out_start[r]; e < d->out_start[r + 1]; e++) {
      const size_t j = d->out_dest[e];
      if (j >= n || j == r || !(d->out_share[e] > 0.0) ||
          (e > d->out_start[r] && j <= d->out_dest[e - 1])) {
        bad++;
        continue;
      }
      sum += d->out_share[e];
      /* The same entry, once, in column j. */
      size_t found = 0;
      for (size_t f = d->in_start[j]; f < d->in_start[j + 1]; f++) {
        if (d->in_origin[f] == r && d->in_share[f] == d->out_share[e]) {
          found++;
        }
      }
      bad += found == 1 ? 0 : 1;
    }
    if (memcmp(&sum, &d->internal_share[r], sizeof sum) != 0) {
      bad++;
    }
  }
  for (size_t j = 0; j < n; j++) {
    for (size_t f = d->in_start[j]; f < d->in_start[j + 1]; f++) {
      if (f > d->in_start[j] && d->in_origin[f] <= d->in_origin[f - 1]) {
        bad++;
      }
    }
  }
  return bad;
}

/* D[r][j] from the CSR, 0 when absent. */
static double share_of(const struct es_destinations *d, const size_t r,
                       const size_t j) {
  if (d->out_start == NULL || r >= d->n_regions) {
    return -1.0; /* a failed build: never a valid share */
  }
  for (size_t e = d->out_start[r]; e < d->out_start[r + 1]; e++) {
    if (d->out_dest[e] == j) {
      return d->out_share[e];
    }
  }
  return 0.0;
}

/* The k-th destination of row r, SIZE_MAX when there is none. */
static size_t dest_at(const struct es_destinations *d, const size_t r,
                      const size_t k) {
  if (d->out_start == NULL || r >= d->n_regions ||
      k >= d->out_start[r + 1] - d->out_start[r]) {
    return SIZE_MAX;
  }
  return d->out_dest[d->out_start[r] + k];
}

/* delta[r], NaN after a failed build. */
static double delta_of(const struct es_destinations *d, const size_t r) {
  if (d->internal_share == NULL || r >= d->n_regions) {
    return NAN;
  }
  return d->internal_share[r];
}

static size_t row_len(const struct es_destinations *d, const size_t r) {
  if (d->out_start == NULL || r >= d->n_regions) {
    return SIZE_MAX; /* a failed build */
  }
  return d->out_start[r + 1] - d->out_start[r];
}

static void test_od(void) {
  struct es_error err;
  es_error_clear(&err);
  /* Scrambled entries; 3 -> 2 has share 0 and is dropped. */
  const size_t o[8] = {2, 0, 0, 3, 1, 2, 0, 3};
  const size_t j[8] = {0, 3, 1, 2, 0, 3, 2, 1};
  const double s[8] = {0.15, 0.35, 0.4, 0.0, 0.5, 0.25, 0.125, 0.675};
  struct es_destinations d;
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 4, 8, o, j, s, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_regions, 4);
  ES_CHECK_INT_EQ(d.n_entries, 7);
  /* By origin: r0 -> 1 (0.4), 2 (0.125), 3 (0.35); r1 -> 0 (0.5);
   * r2 -> 0 (0.15), 3 (0.25); r3 -> 1 (0.675). */
  const size_t out_start[5] = {0, 3, 4, 6, 7};
  const size_t out_dest[7] = {1, 2, 3, 0, 0, 3, 1};
  const double out_share[7] = {0.4, 0.125, 0.35, 0.5, 0.15, 0.25, 0.675};
  /* By destination: j0 <- 1 (0.5), 2 (0.15); j1 <- 0 (0.4), 3 (0.675);
   * j2 <- 0 (0.125); j3 <- 0 (0.35), 2 (0.25). */
  const size_t in_start[5] = {0, 2, 4, 5, 7};
  const size_t in_origin[7] = {1, 2, 0, 3, 0, 0, 2};
  const double in_share[7] = {0.5, 0.15, 0.4, 0.675, 0.125, 0.35, 0.25};
  for (size_t i = 0; i < 5; i++) {
    ES_CHECK_INT_EQ(d.out_start[i], out_start[i]);
    ES_CHECK_INT_EQ(d.in_start[i], in_start[i]);
  }
  for (size_t e = 0; e < 7; e++) {
    ES_CHECK_INT_EQ(d.out_dest[e], out_dest[e]);
    ES_CHECK_DOUBLE_EQ(d.out_share[e], out_share[e]);
    ES_CHECK_INT_EQ(d.in_origin[e], in_origin[e]);
    ES_CHECK_DOUBLE_EQ(d.in_share[e], in_share[e]);
  }
  /* delta: 0.4 + 0.125 + 0.35 = 0.875, 0.5, 0.15 + 0.25 = 0.4, 0.675. */
  ES_CHECK_NEAR(delta_of(&d, 0), 0.875, 1e-15);
  ES_CHECK_NEAR(delta_of(&d, 1), 0.5, 1e-15);
  ES_CHECK_NEAR(delta_of(&d, 2), 0.4, 1e-15);
  ES_CHECK_NEAR(delta_of(&d, 3), 0.675, 1e-15);
  ES_CHECK_INT_EQ(consistency_problems(&d), 0);
  es_destinations_clear(&d);
  ES_CHECK(d.out_start == NULL && d.n_entries == 0);
  es_destinations_clear(&d); /* twice is fine */
  es_destinations_clear(NULL);

  /* No entries at all: a valid, empty D. */
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 3, 0, NULL, NULL, NULL, &err),
                  ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 0);
  ES_CHECK_INT_EQ(d.out_start[3], 0);
  ES_CHECK_DOUBLE_EQ(delta_of(&d, 2), 0.0);
  es_destinations_clear(&d);

  /* A row summing to 1 up to float noise is accepted. */
  const size_t o1[3] = {0, 0, 0}, j1[3] = {1, 2, 3};
  const double s1[3] = {0.1, 0.2, 0.7};
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 4, 3, o1, j1, s1, &err), ES_OK);
  ES_CHECK_NEAR(delta_of(&d, 0), 1.0, 1e-15);
  es_destinations_clear(&d);
}

static void test_od_errors(void) {
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  const size_t o[3] = {0, 1, 2};
  const size_t j[3] = {1, 2, 0};
  double s[3] = {0.25, 0.5, 0.75};
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 0, 0, o, j, s, &err), ES_EINVAL);
  CHECK_MSG(err.message, "destinations need at least 1 region");

  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 2, 3, o, j, s, &err), ES_EINVAL);
  CHECK_MSG(err.message,
            "OD entry 1: region index 1 -> 2 out of range (2 regions)");
  ES_CHECK(d.out_start == NULL);

  const size_t j_self[3] = {1, 1, 0};
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 3, 3, o, j_self, s, &err),
                  ES_EINVAL);
  CHECK_MSG(err.message, "OD entry 1: self-flow of region 1");

  s[2] = -0.125;
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 3, 3, o, j, s, &err), ES_EINVAL);
  CHECK_MSG(err.message, "OD entry 2: share -0.125 outside 0..1 (origin 2)");
  s[2] = NAN;
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 3, 3, o, j, s, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "OD entry 2: share");
  s[2] = 0.75;

  const size_t o_dup[3] = {2, 0, 2};
  const size_t j_dup[3] = {1, 1, 1};
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 3, 3, o_dup, j_dup, s, &err),
                  ES_EINVAL);
  CHECK_MSG(err.message, "OD entries: pair 2 -> 1 listed twice");
  ES_CHECK(d.out_start == NULL && d.n_entries == 0);

  const size_t o_sum[3] = {1, 1, 0};
  const size_t j_sum[3] = {0, 2, 1};
  const double s_sum[3] = {0.625, 0.5, 0.25};
  ES_CHECK_INT_EQ(es_destinations_init_od(&d, 3, 3, o_sum, j_sum, s_sum, &err),
                  ES_EINVAL);
  CHECK_MSG(err.message,
            "OD entries: shares of origin 1 sum to 1.125 (at most 1)");

  ES_CHECK_INT_EQ(es_destinations_init_none(&d, 0, &err), ES_EINVAL);
  CHECK_MSG(err.message, "destinations need at least 1 region");
}

static void test_none(void) {
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  ES_CHECK_INT_EQ(es_destinations_init_none(&d, 5, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_regions, 5);
  ES_CHECK_INT_EQ(d.n_entries, 0);
  for (size_t r = 0; r < 5; r++) {
    ES_CHECK_INT_EQ(row_len(&d, r), 0);
    ES_CHECK_INT_EQ(d.in_start[r + 1], 0);
    ES_CHECK_DOUBLE_EQ(delta_of(&d, r), 0.0);
  }
  es_destinations_clear(&d);
}

static void test_haversine(void) {
  /* Beijing (Tiananmen) and Shanghai (People's Square): about 1067 km. */
  const double bj_lat = 39.9042, bj_lon = 116.4074;
  const double sh_lat = 31.2304, sh_lon = 121.4737;
  const double h = es_haversine_km(bj_lat, bj_lon, sh_lat, sh_lon);
  ES_CHECK_NEAR(h, cosines_km(bj_lat, bj_lon, sh_lat, sh_lon), 1e-6);
  ES_CHECK_NEAR(h, 1067.0, 2.0);
  ES_CHECK_DOUBLE_EQ(es_haversine_km(bj_lat, bj_lon, bj_lat, bj_lon), 0.0);
  /* Symmetric, and half the circumference between antipodes. */
  ES_CHECK_NEAR(es_haversine_km(sh_lat, sh_lon, bj_lat, bj_lon), h, 1e-9);
  ES_CHECK_NEAR(es_haversine_km(0.0, 0.0, 0.0, 180.0), PI * 6371.0, 1e-9);
  ES_CHECK_NEAR(es_haversine_km(90.0, 0.0, -90.0, 0.0), PI * 6371.0, 1e-9);
  /* One degree of longitude on the equator: 6371 * pi / 180 km. */
  ES_CHECK_NEAR(es_haversine_km(0.0, 104.0, 0.0, 105.0), 6371.0 * PI / 180.0,
                1e-9);
}

static void test_gravity_by_hand(void) {
  /* Yuzhong (Chongqing), Jinjiang (Chengdu), Wanzhou. */
  const double lat[3] = {29.5569, 30.6570, 30.8079};
  const double lon[3] = {106.5774, 104.0830, 108.4089};
  const double attr[3] = {2.385, 1.72, 0.6};
  const struct es_gravity_params gp = {
      .internal_share = 0.8, .beta = 1.3, .gamma = 2.0, .top = 0};
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 3, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 6);
  ES_CHECK_INT_EQ(consistency_problems(&d), 0);
  /* w[j] = attr^1.3 / dist^2, D = 0.8 w / sum over j != r. */
  for (size_t r = 0; r < 3; r++) {
    double w[3] = {0, 0, 0}, sum = 0.0;
    for (size_t j = 0; j < 3; j++) {
      if (j != r) {
        const double dist = cosines_km(lat[r], lon[r], lat[j], lon[j]);
        w[j] = pow(attr[j], 1.3) / (dist * dist);
        sum += w[j];
      }
    }
    for (size_t j = 0; j < 3; j++) {
      ES_CHECK_NEAR(share_of(&d, r, j), 0.8 * w[j] / sum, 1e-12);
    }
    ES_CHECK_NEAR(delta_of(&d, r), 0.8, 1e-15);
  }
  /* Distances by the law of cosines: Yuzhong-Jinjiang ~267 km,
   * Yuzhong-Wanzhou ~228 km; a sanity check on the coordinates. */
  ES_CHECK_NEAR(cosines_km(lat[0], lon[0], lat[1], lon[1]), 267.0, 5.0);
  ES_CHECK_NEAR(cosines_km(lat[0], lon[0], lat[2], lon[2]), 228.0, 5.0);
  es_destinations_clear(&d);

  /* top = 1: each origin keeps its best destination, renormalised to 0.8. */
  const struct es_gravity_params gp1 = {
      .internal_share = 0.8, .beta = 1.3, .gamma = 2.0, .top = 1};
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 3, lat, lon, attr, &gp1, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 3);
  for (size_t r = 0; r < 3; r++) {
    ES_CHECK_INT_EQ(row_len(&d, r), 1);
    ES_CHECK_DOUBLE_EQ(share_of(&d, r, dest_at(&d, r, 0)), 0.8);
  }
  /* From Jinjiang: Yuzhong weighs 2.385^1.3/267^2, Wanzhou 0.6^1.3/415^2:
   * Yuzhong. From Wanzhou: Yuzhong (2.385^1.3/228^2) over Jinjiang. From
   * Yuzhong: Jinjiang 1.72^1.3/267^2 = 2.9e-5 over Wanzhou 0.6^1.3/228^2
   * = 1.0e-5. */
  ES_CHECK_INT_EQ(dest_at(&d, 0, 0), 1);
  ES_CHECK_INT_EQ(dest_at(&d, 1, 0), 0);
  ES_CHECK_INT_EQ(dest_at(&d, 2, 0), 0);
  ES_CHECK_INT_EQ(consistency_problems(&d), 0);
  es_destinations_clear(&d);
}

static void test_gravity_floor_and_ties(void) {
  /* Five regions at one point: every distance is 0 km, floored to 1, so
   * w[j] = attraction[j] (beta 1) and gamma plays no part. */
  const double lat[5] = {30.5, 30.5, 30.5, 30.5, 30.5};
  const double lon[5] = {104.25, 104.25, 104.25, 104.25, 104.25};
  const double attr[5] = {3.1, 2.4, 3.1, 2.4, 2.4};
  struct es_gravity_params gp = {
      .internal_share = 0.9, .beta = 1.0, .gamma = 2.7, .top = 0};
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 5, lat, lon, attr, &gp, &err), ES_OK);
  /* Origin 0: 2.4 + 3.1 + 2.4 + 2.4 = 10.3; D[0][2] = 0.9*3.1/10.3. */
  ES_CHECK_NEAR(share_of(&d, 0, 2), 0.9 * 3.1 / 10.3, 1e-15);
  ES_CHECK_NEAR(share_of(&d, 0, 1), 0.9 * 2.4 / 10.3, 1e-15);
  es_destinations_clear(&d);

  /* top 2, ties to the lower index. Origin 0 sees {1: 2.4, 2: 3.1, 3: 2.4,
   * 4: 2.4}: keeps 2 and 1, D = 0.9*3.1/5.5 and 0.9*2.4/5.5. Origin 4 sees
   * {0: 3.1, 1: 2.4, 2: 3.1, 3: 2.4}: keeps 0 and 2, 0.45 each. Origin 2
   * sees {0: 3.1, 1: 2.4, 3: 2.4, 4: 2.4}: keeps 0 and 1. Origin 1 sees
   * {0: 3.1, 2: 3.1, ...}: keeps 0 and 2. */
  gp.top = 2;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 5, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 10);
  ES_CHECK_INT_EQ(dest_at(&d, 0, 0), 1);
  ES_CHECK_INT_EQ(dest_at(&d, 0, 1), 2);
  ES_CHECK_NEAR(share_of(&d, 0, 1), 0.9 * 2.4 / 5.5, 1e-15);
  ES_CHECK_NEAR(share_of(&d, 0, 2), 0.9 * 3.1 / 5.5, 1e-15);
  ES_CHECK_NEAR(share_of(&d, 4, 0), 0.45, 1e-15);
  ES_CHECK_NEAR(share_of(&d, 4, 2), 0.45, 1e-15);
  ES_CHECK_INT_EQ(row_len(&d, 4), 2);
  ES_CHECK(share_of(&d, 2, 0) > 0.0 && share_of(&d, 2, 1) > 0.0);
  ES_CHECK(share_of(&d, 2, 3) == 0.0 && share_of(&d, 2, 4) == 0.0);
  ES_CHECK(share_of(&d, 1, 0) > 0.0 && share_of(&d, 1, 2) > 0.0);
  ES_CHECK(share_of(&d, 3, 0) > 0.0 && share_of(&d, 3, 2) > 0.0);
  for (size_t r = 0; r < 5; r++) {
    ES_CHECK_NEAR(delta_of(&d, r), 0.9, 1e-15);
  }
  ES_CHECK_INT_EQ(consistency_problems(&d), 0);
  es_destinations_clear(&d);

  /* top 3 from origin 0: 2 (3.1), then the tie 1, 3 (2.4) before 4. */
  gp.top = 3;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 5, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(row_len(&d, 0), 3);
  ES_CHECK_NEAR(share_of(&d, 0, 3), 0.9 * 2.4 / 7.9, 1e-15);
  ES_CHECK_DOUBLE_EQ(share_of(&d, 0, 4), 0.0);
  es_destinations_clear(&d);

  /* top >= n - 1 keeps every destination. */
  gp.top = 4;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 5, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 20);
  es_destinations_clear(&d);
  gp.top = 17;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 5, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 20);
  es_destinations_clear(&d);
}

static void test_gravity_zero_weights(void) {
  /* Only region 0 attracts anyone. Origin 0's weights are all 0: it sends
   * nobody inside (delta 0). Origins 1 and 2 send all of delta to 0; their
   * zero-weight destinations are not listed. */
  const double lat[3] = {29.5, 30.5, 31.25};
  const double lon[3] = {106.5, 104.0, 108.75};
  const double attr[3] = {5.25, 0.0, 0.0};
  struct es_gravity_params gp = {
      .internal_share = 0.85, .beta = 0.7, .gamma = 1.5, .top = 0};
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 3, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 2);
  ES_CHECK_INT_EQ(row_len(&d, 0), 0);
  ES_CHECK_DOUBLE_EQ(delta_of(&d, 0), 0.0);
  ES_CHECK_DOUBLE_EQ(share_of(&d, 1, 0), 0.85);
  ES_CHECK_DOUBLE_EQ(share_of(&d, 2, 0), 0.85);
  ES_CHECK_INT_EQ(consistency_problems(&d), 0);
  es_destinations_clear(&d);
  /* delta = 0: nobody stays in the system. */
  gp.internal_share = 0.0;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 3, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 0);
  es_destinations_clear(&d);
  /* One region: nowhere to go. */
  gp.internal_share = 1.0;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 1, lat, lon, attr, &gp, &err), ES_OK);
  ES_CHECK_INT_EQ(d.n_entries, 0);
  ES_CHECK_DOUBLE_EQ(delta_of(&d, 0), 0.0);
  es_destinations_clear(&d);
}

static void test_gravity_errors(void) {
  const double lat[2] = {29.5, 30.5};
  const double lon[2] = {106.5, 104.0};
  double attr[2] = {5.25, 1.5};
  struct es_gravity_params gp = {
      .internal_share = 1.25, .beta = 1.0, .gamma = 2.0, .top = 0};
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 2, lat, lon, attr, &gp, &err),
      ES_EINVAL);
  CHECK_MSG(err.message, "gravity: internal_share 1.25 outside 0..1");
  ES_CHECK(d.out_start == NULL);
  gp.internal_share = 0.5;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 0, lat, lon, attr, &gp, &err),
      ES_EINVAL);
  CHECK_MSG(err.message, "destinations need at least 1 region");
  gp.gamma = INFINITY;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 2, lat, lon, attr, &gp, &err),
      ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "must be finite");
  gp.gamma = 2.0;
  attr[1] = -1.5;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 2, lat, lon, attr, &gp, &err),
      ES_EINVAL);
  CHECK_MSG(err.message,
            "gravity: region 1 has attraction -1.5 (expected >= 0)");
  attr[1] = 1.5;
  const double bad_lat[2] = {29.5, 95.0};
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 2, bad_lat, lon, attr, &gp, &err),
      ES_EINVAL);
  CHECK_MSG(err.message, "gravity: region 1 has lat/lon 95, 104");
  /* attraction^beta overflows to infinity. */
  attr[1] = 1e300;
  gp.beta = 2.0;
  ES_CHECK_INT_EQ(
      es_destinations_init_gravity(&d, 2, lat, lon, attr, &gp, &err),
      ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "gravity: weight of 0 -> 1 is not finite");
  ES_CHECK(d.out_start == NULL && d.n_entries == 0);
}

/* ---- random checks against a brute-force top-N ----------------------- */

struct lcg {
  uint64_t state;
};

static double lcg_uniform(struct lcg *g) {
  g->state = g->state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(g->state >> 11) * (1.0 / 9007199254740992.0);
}

static size_t lcg_size(struct lcg *g, const size_t lo, const size_t hi) {
  size_t v = lo + (size_t)(lcg_uniform(g) * (double)(hi - lo + 1));
  return v > hi ? hi : v;
}

struct cand {
  double w;
  size_t j;
};

/* Larger weight first, ties to the lower index. */
static int cand_cmp(const void *a, const void *b) {
  const struct cand *x = a, *y = b;
  if (x->w != y->w) {
    return x->w > y->w ? -1 : 1;
  }
  return x->j < y->j ? -1 : (x->j > y->j ? 1 : 0);
}

static void test_gravity_random_oracle(void) {
  struct lcg g = {31337u};
  struct es_error err;
  es_error_clear(&err);
  for (size_t set = 0; set < 30; set++) {
    const size_t n = lcg_size(&g, 1, 60);
    double *lat = malloc(n * sizeof *lat);
    double *lon = malloc(n * sizeof *lon);
    double *attr = malloc(n * sizeof *attr);
    struct cand *c = malloc(n * sizeof *c);
    bool *kept = malloc(n * sizeof *kept);
    /* Few distinct points and attractions, so that weights tie often; some
     * attractions are 0. */
    for (size_t i = 0; i < n; i++) {
      lat[i] = 28.0 + 0.5 * (double)lcg_size(&g, 0, 3);
      lon[i] = 103.0 + 0.75 * (double)lcg_size(&g, 0, 3);
      attr[i] = 0.75 * (double)lcg_size(&g, 0, 4);
    }
    const struct es_gravity_params gp = {
        .internal_share = 0.25 + 0.75 * lcg_uniform(&g),
        .beta = 0.5 + lcg_uniform(&g),
        .gamma = 1.0 + 1.5 * lcg_uniform(&g),
        .top = lcg_size(&g, 0, 8),
    };
    struct es_destinations d;
    const int rc =
        es_destinations_init_gravity(&d, n, lat, lon, attr, &gp, &err);
    ES_CHECK_INT_EQ(rc, ES_OK);
    ES_CHECK_INT_EQ(consistency_problems(&d), 0);
    size_t n_bad = 0;
    for (size_t r = 0; r < n && rc == ES_OK; r++) {
      size_t n_c = 0;
      for (size_t j = 0; j < n; j++) {
        if (j == r) {
          continue;
        }
        const double dist =
            fmax(1.0, es_haversine_km(lat[r], lon[r], lat[j], lon[j]));
        const double w = pow(attr[j], gp.beta) / pow(dist, gp.gamma);
        if (w > 0.0) {
          c[n_c].w = w;
          c[n_c].j = j;
          n_c++;
        }
      }
      qsort(c, n_c, sizeof *c, cand_cmp);
      const size_t n_keep = gp.top > 0 && gp.top < n_c ? gp.top : n_c;
      double sum = 0.0;
      memset(kept, 0, n * sizeof *kept);
      for (size_t k = 0; k < n_keep; k++) {
        sum += c[k].w;
        kept[c[k].j] = true;
      }
      if (row_len(&d, r) != n_keep) {
        n_bad++;
      }
      for (size_t k = 0; k < n_keep; k++) {
        const double want = gp.internal_share * c[k].w / sum;
        if (fabs(share_of(&d, r, c[k].j) - want) > 1e-12) {
          n_bad++;
        }
      }
      for (size_t e = d.out_start[r]; e < d.out_start[r + 1]; e++) {
        if (!kept[d.out_dest[e]]) {
          n_bad++;
        }
      }
    }
    ES_CHECK_INT_EQ(n_bad, 0);
    es_destinations_clear(&d);
    free(kept);
    free(c);
    free(attr);
    free(lon);
    free(lat);
  }
}

static void test_od_random_consistency(void) {
  struct lcg g = {2718u};
  struct es_error err;
  es_error_clear(&err);
  for (size_t set = 0; set < 20; set++) {
    const size_t n = lcg_size(&g, 1, 50);
    /* Each origin lists a random subset of the others, entries shuffled. */
    size_t *o = malloc(n * n * sizeof *o);
    size_t *j = malloc(n * n * sizeof *j);
    double *s = malloc(n * n * sizeof *s);
    size_t n_e = 0;
    for (size_t r = 0; r < n; r++) {
      for (size_t k = 0; k < n; k++) {
        if (k != r && lcg_uniform(&g) < 0.3) {
          o[n_e] = r;
          j[n_e] = k;
          s[n_e] = lcg_uniform(&g) < 0.1 ? 0.0 : 0.03 * lcg_uniform(&g);
          n_e++;
        }
      }
    }
    for (size_t e = n_e; e > 1; e--) {
      const size_t f = lcg_size(&g, 0, e - 1);
      size_t t = o[e - 1];
      o[e - 1] = o[f];
      o[f] = t;
      t = j[e - 1];
      j[e - 1] = j[f];
      j[f] = t;
      const double u = s[e - 1];
      s[e - 1] = s[f];
      s[f] = u;
    }
    struct es_destinations d;
    ES_CHECK_INT_EQ(es_destinations_init_od(&d, n, n_e, o, j, s, &err), ES_OK);
    ES_CHECK_INT_EQ(consistency_problems(&d), 0);
    /* Every non-zero input entry is found with its share. */
    size_t n_kept = 0, n_bad = 0;
    for (size_t e = 0; e < n_e; e++) {
      if (s[e] > 0.0) {
        n_kept++;
        if (share_of(&d, o[e], j[e]) != s[e]) {
          n_bad++;
        }
      }
    }
    ES_CHECK_INT_EQ(d.n_entries, n_kept);
    ES_CHECK_INT_EQ(n_bad, 0);
    es_destinations_clear(&d);
    free(s);
    free(j);
    free(o);
  }
}

static void test_gravity_large(void) {
  /* 3,000 regions over China, top 50: n^2 distances, built in well under a
   * second in an optimised build (this test also runs under sanitizers, so
   * it only reports the time). */
  const size_t n = 3000;
  double *lat = malloc(n * sizeof *lat);
  double *lon = malloc(n * sizeof *lon);
  double *attr = malloc(n * sizeof *attr);
  struct lcg g = {5u};
  for (size_t i = 0; i < n; i++) {
    lat[i] = 20.0 + 25.0 * lcg_uniform(&g);
    lon[i] = 98.0 + 25.0 * lcg_uniform(&g);
    attr[i] = 1000.0 * lcg_uniform(&g);
  }
  const struct es_gravity_params gp = {
      .internal_share = 0.8, .beta = 1.0, .gamma = 2.0, .top = 50};
  struct es_error err;
  es_error_clear(&err);
  struct es_destinations d;
  const clock_t t0 = clock();
  const int rc = es_destinations_init_gravity(&d, n, lat, lon, attr, &gp, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  const double seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("gravity, %zu regions, top %zu: %.3f s\n", n, gp.top, seconds);
  ES_CHECK_INT_EQ(d.n_entries, n * 50);
  size_t n_bad = 0;
  for (size_t r = 0; r < n && rc == ES_OK; r++) {
    if (fabs(delta_of(&d, r) - 0.8) > 1e-12) {
      n_bad++;
    }
  }
  ES_CHECK_INT_EQ(n_bad, 0);
  ES_CHECK_INT_EQ(consistency_problems(&d), 0);
  es_destinations_clear(&d);
  free(attr);
  free(lon);
  free(lat);
}

int main(void) {
  test_od();
  test_od_errors();
  test_none();
  test_haversine();
  test_gravity_by_hand();
  test_gravity_floor_and_ties();
  test_gravity_zero_weights();
  test_gravity_errors();
  test_gravity_random_oracle();
  test_od_random_consistency();
  test_gravity_large();
  return es_test_summary();
}
