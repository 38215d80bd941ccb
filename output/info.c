/* info.c: describe a results file for a person at a terminal.
 *
 * Reads the file back with the HDF5 C API and prints its provenance (root
 * attributes), then each group's variables with their dimension names (from
 * the attached dimension scales, as xarray sees them) and shapes. */
#include "output/info.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>
#include <hdf5_hl.h>

/* Print one scalar attribute of @p obj, string or integer, if present. */
static void print_attribute(hid_t obj, const char *name, FILE *out) {
  if (H5Aexists(obj, name) <= 0) {
    return;
  }
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  hid_t type = H5I_INVALID_HID;
  if (attr < 0) {
    return;
  }
  type = H5Aget_type(attr);
  if (type < 0) {
    goto cleanup;
  }
  if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
    char *value = NULL;
    hid_t mem = H5Tcopy(H5T_C_S1);
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5T_CSET_UTF8);
    if (H5Aread(attr, mem, &value) >= 0 && value != NULL) {
      fprintf(out, "  %-12s %s\n", name, value);
      H5free_memory(value);
    }
    H5Tclose(mem);
  } else if (H5Tget_class(type) == H5T_INTEGER) {
    if (H5Tget_sign(type) == H5T_SGN_NONE) {
      uint64_t value = 0;
      if (H5Aread(attr, H5T_NATIVE_UINT64, &value) >= 0) {
        fprintf(out, "  %-12s %" PRIu64 "\n", name, value);
      }
    } else {
      int64_t value = 0;
      if (H5Aread(attr, H5T_NATIVE_INT64, &value) >= 0) {
        fprintf(out, "  %-12s %" PRId64 "\n", name, value);
      }
    }
  }
cleanup:
  if (type >= 0) {
    H5Tclose(type);
  }
  H5Aclose(attr);
}

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
  if (H5Aexists(ds, "units") > 0) {
    hid_t attr = H5Aopen(ds, "units", H5P_DEFAULT);
    hid_t mem = H5Tcopy(H5T_C_S1);
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5T_CSET_UTF8);
    char *units = NULL;
    if (attr >= 0 && H5Aread(attr, mem, &units) >= 0 && units != NULL) {
      fprintf(out, " %s", units);
      H5free_memory(units);
    }
    H5Tclose(mem);
    if (attr >= 0) {
      H5Aclose(attr);
    }
  }
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

int es_results_info(const char *path, FILE *out, struct es_error *err) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  struct stat st;
  if (stat(path, &st) != 0) {
    return ES_FAIL(err, ES_EINPUT, "cannot open '%s': %s", path,
                   strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return ES_FAIL(err, ES_EINPUT, "'%s' is a folder (expected a results file)",
                   path);
  }
  if (H5Fis_hdf5(path) <= 0) {
    return ES_FAIL(err, ES_EINPUT,
                   "'%s' is not an HDF5 file (expected an edusim results "
                   "file)",
                   path);
  }
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) {
    return ES_FAIL(err, ES_EIO, "cannot open '%s'", path);
  }
  fprintf(out, "%s\n", path);
  static const char *const root_attributes[] = {
      "title",       "software",      "software_version",
      "created",     "command",       "mode",
      "seed",        "replicates",    "currency",
      "Conventions", "format_version"};
  for (size_t i = 0; i < sizeof root_attributes / sizeof root_attributes[0];
       i++) {
    print_attribute(file, root_attributes[i], out);
  }
  fprintf(out, "groups:\n");
  struct walk w = {.out = out, .datasets_only = false};
  hsize_t idx = 0;
  herr_t status =
      H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, visit_member, &w);
  H5Fclose(file);
  if (status < 0) {
    return ES_FAIL(err, ES_EHDF5, "cannot list the groups of '%s'", path);
  }
  return ES_OK;
}
