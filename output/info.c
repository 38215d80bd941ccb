/* info.c: describe a results file for a person at a terminal.
 *
 * Opens the file through results_file.h, which checks its digest, its root
 * attributes (types, shapes, format_version) and every dataset against its
 * dimension scales first, so that nothing printed here comes from a file
 * that failed a check. Prints its provenance (the root attributes the opener
 * read), whether its digest was verified, then each group's variables with
 * their dimension names (from the attached dimension scales, as xarray sees
 * them), shapes and units. */
#include "output/info.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "output/results_file.h"

/* H5DSiterate_scales callback: copy the first scale's name and stop. */
static herr_t first_scale_name(hid_t ds, unsigned axis, hid_t scale,
                               void *data) {
  (void)ds;
  (void)axis;
  H5DSget_scale_name(scale, data, 64);
  return 1;
}

/* Print a data variable: name(dim, dim, ...) [shape] units. */
static void print_variable(hid_t group, const char *name, FILE *out) {
  hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
  hid_t space = H5I_INVALID_HID;
  if (ds < 0) {
    return;
  }
  if (H5DSis_scale(ds) > 0) {
    goto cleanup; /* coordinates are listed with the dimensions */
  }
  space = H5Dget_space(ds);
  int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (rank < 0 || rank > 8) {
    goto cleanup;
  }
  hsize_t shape[8] = {0};
  H5Sget_simple_extent_dims(space, shape, NULL);
  fprintf(out, "    %s(", name);
  for (int d = 0; d < rank; d++) {
    char dim_name[64] = "?";
    /* The first scale attached to axis d names the dimension. */
    H5DSiterate_scales(ds, (unsigned)d, NULL, first_scale_name, dim_name);
    fprintf(out, "%s%s", d > 0 ? ", " : "", dim_name);
  }
  fprintf(out, ") [");
  for (int d = 0; d < rank; d++) {
    fprintf(out, "%s%llu", d > 0 ? " x " : "", (unsigned long long)shape[d]);
  }
  fprintf(out, "]");
  char *units = NULL;
  if (es_results_file_read_text_attr(ds, "units", name, &units, NULL) ==
          ES_OK &&
      units != NULL) {
    fprintf(out, " %s", units);
  }
  free(units);
  fprintf(out, "\n");
cleanup:
  if (space >= 0) {
    H5Sclose(space);
  }
  H5Dclose(ds);
}

struct walk {
  FILE *out;
  bool datasets_only;
};

static herr_t visit_member(hid_t group, const char *name,
                           const H5L_info_t *info, void *data) {
  (void)info;
  struct walk *w = data;
  H5O_info_t oi;
  if (H5Oget_info_by_name(group, name, &oi, H5P_DEFAULT) < 0) {
    return 0;
  }
  if (oi.type == H5O_TYPE_DATASET && w->datasets_only) {
    print_variable(group, name, w->out);
  } else if (oi.type == H5O_TYPE_GROUP && !w->datasets_only) {
    fprintf(w->out, "  %s/\n", name);
    hid_t g = H5Gopen2(group, name, H5P_DEFAULT);
    if (g >= 0) {
      struct walk inner = {.out = w->out, .datasets_only = true};
      hsize_t idx = 0;
      H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_member, &inner);
      H5Gclose(g);
    }
  }
  return 0;
}

/* How the digest was found, for the line "digest" of the description. */
static const char *digest_text(const enum es_digest_status status) {
  switch (status) {
    case ES_DIGEST_VALID:
      return "sha256 verified";
    case ES_DIGEST_ABSENT:
      return "none (not checked)";
    case ES_DIGEST_SKIPPED:
    default:
      return "not checked (--no-verify)";
  }
}

int es_results_info(const char *path, const struct es_digest_policy *policy,
                    FILE *out, struct es_error *err) {
  struct es_results_file *rf = NULL;
  int rc = es_results_file_open(path, policy, &rf, err);
  if (rc != ES_OK) {
    return rc;
  }
  fprintf(out, "%s\n", path);
  size_t n_names = 0;
  const char *const *names = es_results_file_attribute_names(&n_names);
  for (size_t i = 0; i < n_names; i++) {
    const char *value = es_results_file_attribute(rf, names[i]);
    if (value != NULL) {
      fprintf(out, "  %-16s %s\n", names[i], value);
    }
  }
  fprintf(out, "  %-16s %s\n", "digest",
          digest_text(es_results_file_digest(rf)));
  fprintf(out, "groups:\n");
  struct walk w = {.out = out, .datasets_only = false};
  hsize_t idx = 0;
  const herr_t status = H5Literate(es_results_file_id(rf), H5_INDEX_NAME,
                                   H5_ITER_INC, &idx, visit_member, &w);
  if (status < 0) {
    rc = ES_FAIL(err, ES_EHDF5, "cannot list the groups of '%s'", path);
  }
  es_results_file_free(rf);
  return rc;
}
