/* results_write.c: the HDF5 file of a run's results (es_results_write).
 *
 * The file layout is DESIGN "Results file", written the way
 * notes/hdf5-recipe.md measured to work with every reader (xarray with the
 * h5netcdf and netcdf4 engines, netCDF4-python, h5py, R hdf5r, h5dump):
 *   - every group is self-contained: it holds one coordinate dataset per axis
 *     its variables use, made a dimension scale (H5DSset_scale) named after
 *     the axis, and every axis of every dataset has its scale attached
 *     (H5DSattach_scale) after the data are written (recipe 1, 3, 5);
 *   - groups that use the region axis also carry region_name, region_province,
 *     region_prefecture and region_rank along region; groups that use the
 *     stage axis carry stage_age_lo, stage_age_hi and stage_ptr_standard;
 *   - all text is variable-length UTF-8, never fixed-length (recipe 2, 4);
 *   - data variables are float64, chunked under 1 MiB with shuffle then
 *     deflate, with _FillValue NaN both as fill value and attribute (recipe 3);
 *   - every dataset has long_name and units attributes;
 *   - group "scenario" keeps the resolved scenario and every input file
 *     verbatim with its SHA-256, so that the file documents its own run; a
 *     file that is not valid UTF-8 text is kept as base64 text instead;
 *   - link and attribute creation order are tracked and indexed (recipe 5).
 * The file is built in memory with HDF5's core driver (no backing store),
 * closed under H5F_CLOSE_SEMI after checking that no handle leaked, and its
 * bytes are written by us to "<path>.tmp.<pid>" next to the target, which is
 * fsync'ed and renamed (or hard-linked, when replacing is not allowed) into
 * place, and the folder is fsync'ed (recipe 7): a crash never leaves a
 * half-written file under the final name. HDF5 itself never touches the
 * disk, because HDF5 1.10 cannot close a file whose flush failed (H5Fclose
 * frees it but keeps its id, and the library crashes at exit): every I/O
 * failure is a call of ours, reported with the system's reason, and the
 * temporary file is removed. Only a regular file is replaced; the old one is
 * kept as a hard link until the folder is synced, and put back if that
 * fails. Before the sync the file is signed: the SHA-256 of the bytes after
 * its 512-byte user block goes into the block (digest.h), so that readers
 * refuse a file damaged later. A stop signal is honoured between chunks.
 * Temporary files of writers that died are removed first. Putting the file
 * in place is publish.c's. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "models/strings.h"
#include "output/publish.h"
#include "output/results.h"
#include "output/results_impl.h"

#define ES_RESULTS_FORMAT_VERSION 1 /* root attribute format_version */
#define DEFAULT_DEFLATE_LEVEL     1 /* recipe 3: level 1 is nearly as small */
#define MAX_DEFLATE_LEVEL         9
/* Recipe 3: chunks at most the 1 MiB default chunk cache of readers. */
#define CHUNK_TARGET_BYTES ((size_t)1 << 20)
#define PID_TEXT_MAX       24 /* digits of a pid, generously */
/* The in-memory file grows by this much at a time (HDF5 core driver). */
#define CORE_INCREMENT_BYTES ((size_t)1 << 20)
/* Largest single write(2) of the finished file: a stop is checked between. */
#define WRITE_PIECE_BYTES ((size_t)4 << 20)

/* ---- HDF5 helpers ------------------------------------------------------ */

/* What the innermost HDF5 error said, gathered by H5Ewalk2. */
struct h5_error_text {
  char text[512];
};

static herr_t h5_error_walk(unsigned n, const H5E_error2_t *e, void *data) {
  struct h5_error_text *out = data;
  if (n == 0) {
    snprintf(out->text, sizeof out->text, "%s: %s",
             e->func_name != NULL ? e->func_name : "?",
             e->desc != NULL ? e->desc : "?");
  }
  return 0;
}

/* Records an HDF5 failure: "<what>: <innermost HDF5 message>" with @p code,
 * and clears the HDF5 error stack. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
h5_fail(struct es_error *err, int code, const char *fmt, ...) {
  char what[ES_ERROR_MESSAGE_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  struct h5_error_text detail = {.text = "no detail from HDF5"};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_error_walk, &detail);
  H5Eclear2(H5E_DEFAULT);
  return ES_FAIL(err, code, "%s: %s", what, detail.text);
}

/* Everything the group writers share. */
struct writer {
  const struct es_results *res;
  hid_t str_type;                      /* variable-length UTF-8 string */
  unsigned deflate_level;              /* 0 = no filters */
  const volatile sig_atomic_t *cancel; /* a stop signal's flag, or NULL */
  struct es_error *err;
};

/* True once a stop signal asked to abandon the write. Checked before every
 * dataset, between the chunks of a dataset and between the pieces written to
 * disk, so that a stop is honoured within a chunk's compression time. */
static bool stop_asked(const struct writer *w) {
  return w->cancel != NULL && *w->cancel != 0;
}

static int fail_stopped(const struct writer *w, const char *what) {
  return ES_FAIL(w->err, ES_EINTERRUPTED, "interrupted while writing %s", what);
}

/* One dataset to write: shape, data, attributes and scales. */
struct dataset_spec {
  const char *name;
  hid_t file_type;
  hid_t mem_type;
  size_t n_dims; /* 0 = scalar */
  hsize_t shape[ES_VARIABLE_MAX_DIMS];
  const void *data;       /* row-major values in mem_type */
  const char *long_name;  /* required */
  const char *units;      /* required */
  bool chunked;           /* chunk + shuffle + deflate */
  bool fill_nan;          /* float64 with _FillValue NaN */
  const char *scale_name; /* non-NULL: make it the scale of this axis */
  hid_t scales[ES_VARIABLE_MAX_DIMS]; /* scale of each axis to attach */
};

static int write_attr(hid_t obj, const char *name, hid_t file_type,
                      hid_t mem_type, const void *value, struct es_error *err) {
  int rc = ES_OK;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  space = H5Screate(H5S_SCALAR);
  if (space < 0) {
    rc = h5_fail(err, ES_EHDF5, "attribute '%s': dataspace", name);
    goto cleanup;
  }
  attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr < 0) {
    rc = h5_fail(err, ES_EHDF5, "creating attribute '%s'", name);
    goto cleanup;
  }
  const herr_t st = H5Awrite(attr, mem_type, value);
  if (st < 0) {
    rc = h5_fail(err, ES_EHDF5, "writing attribute '%s'", name);
    goto cleanup;
  }
cleanup:
  if (attr >= 0) {
    H5Aclose(attr);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  return rc;
}

/* A text attribute; @p value must be UTF-8 (NULL writes ""). */
static int write_attr_text(const struct writer *w, hid_t obj, const char *name,
                           const char *value) {
  const char *text = value != NULL ? value : "";
  return write_attr(obj, name, w->str_type, w->str_type, &text, w->err);
}

/* A text attribute from text that may not be UTF-8 (replaced by '?'). */
static int write_attr_any_text(const struct writer *w, hid_t obj,
                               const char *name, const char *value) {
  char *clean = es__results_utf8_sanitized(value);
  if (clean == NULL) {
    return ES_FAIL(w->err, ES_ENOMEM, "attribute '%s': out of memory", name);
  }
  const int rc = write_attr_text(w, obj, name, clean);
  free(clean);
  return rc;
}

/* Chunk shape for @p shape (recipe 3): the whole array when it fits in
 * CHUNK_TARGET_BYTES; otherwise strategy and statistic become 1, then the
 * region axis is split (a reader then gets one region across all years from
 * one chunk), then the largest axis is halved until it fits. */
static void chunk_shape(const enum es_dim *dims, size_t n_dims,
                        const hsize_t *shape, hsize_t *chunk) {
  const hsize_t target = CHUNK_TARGET_BYTES / sizeof(double);
  hsize_t n = 1;
  for (size_t k = 0; k < n_dims; k++) {
    chunk[k] = shape[k];
    n *= shape[k];
  }
  for (size_t k = 0; k < n_dims && n > target; k++) {
    if (dims[k] == ES_DIM_STRATEGY || dims[k] == ES_DIM_STATISTIC ||
        dims[k] == ES_DIM_INDICATOR_STATISTIC) {
      n = n / chunk[k];
      chunk[k] = 1;
    }
  }
  for (size_t k = 0; k < n_dims && n > target; k++) {
    if (dims[k] == ES_DIM_REGION) {
      const hsize_t rest = n / chunk[k];
      hsize_t c = target / rest;
      if (c < 1) {
        c = 1;
      }
      /* Equal pieces: ceil(len / ceil(len / c)) <= c. */
      const hsize_t n_pieces = (shape[k] + c - 1) / c;
      chunk[k] = (shape[k] + n_pieces - 1) / n_pieces;
      n = rest * chunk[k];
    }
  }
  while (n > target) {
    size_t k_max = 0;
    for (size_t k = 1; k < n_dims; k++) {
      if (chunk[k] > chunk[k_max]) {
        k_max = k;
      }
    }
    n = n / chunk[k_max];
    chunk[k_max] = (chunk[k_max] + 1) / 2;
    n *= chunk[k_max];
  }
}

/* The values of @p ds in one call. */
static int write_whole(const struct writer *w, hid_t ds,
                       const struct dataset_spec *spec) {
  const herr_t st =
      H5Dwrite(ds, spec->mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, spec->data);
  if (st < 0) {
    return h5_fail(w->err, ES_EHDF5, "writing dataset '%s'", spec->name);
  }
  return ES_OK;
}

/* The values of the chunked @p ds one chunk at a time, in row-major order of
 * the chunk grid, checking for a stop between chunks: each call compresses
 * at most one chunk (under CHUNK_TARGET_BYTES), so a stop is honoured within
 * milliseconds instead of after the whole array. Axes after the last one that
 * is split are written whole; each piece is whole chunks, so no chunk is
 * compressed twice. */
static int write_by_chunks(const struct writer *w, hid_t ds,
                           const struct dataset_spec *spec,
                           const hsize_t *chunk) {
  const size_t n_dims = spec->n_dims;
  size_t n_split = 0; /* axes 0..n_split-1 are walked chunk by chunk */
  for (size_t k = 0; k < n_dims; k++) {
    if (chunk[k] < spec->shape[k]) {
      n_split = k + 1;
    }
  }
  if (n_split == 0) {
    return write_whole(w, ds, spec);
  }
  int rc = ES_OK;
  hid_t mspace = H5Screate_simple((int)n_dims, spec->shape, NULL);
  hid_t fspace = H5Dget_space(ds);
  if (mspace < 0 || fspace < 0) {
    rc = h5_fail(w->err, ES_EHDF5, "dataset '%s': dataspace", spec->name);
    goto cleanup;
  }
  hsize_t start[ES_VARIABLE_MAX_DIMS] = {0};
  hsize_t count[ES_VARIABLE_MAX_DIMS];
  bool more = true;
  while (more) {
    if (stop_asked(w)) {
      rc = fail_stopped(w, spec->name);
      goto cleanup;
    }
    for (size_t k = 0; k < n_dims; k++) {
      count[k] = k < n_split && spec->shape[k] - start[k] < chunk[k]
                     ? spec->shape[k] - start[k]
                 : k < n_split ? chunk[k]
                               : spec->shape[k];
    }
    if (H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) <
            0 ||
        H5Sselect_hyperslab(mspace, H5S_SELECT_SET, start, NULL, count, NULL) <
            0 ||
        H5Dwrite(ds, spec->mem_type, mspace, fspace, H5P_DEFAULT, spec->data) <
            0) {
      rc = h5_fail(w->err, ES_EHDF5, "writing dataset '%s'", spec->name);
      goto cleanup;
    }
    /* Next chunk of the grid: the last split axis moves fastest. */
    more = false;
    for (size_t k = n_split; k-- > 0;) {
      start[k] += chunk[k];
      if (start[k] < spec->shape[k]) {
        more = true;
        break;
      }
      start[k] = 0;
    }
  }
cleanup:
  if (fspace >= 0) {
    H5Sclose(fspace);
  }
  if (mspace >= 0) {
    H5Sclose(mspace);
  }
  return rc;
}

/* Creates, fills and describes one dataset; returns it open in @p keep when
 * @p keep is not NULL (the caller closes it), else closes it. */
static int write_dataset(const struct writer *w, hid_t loc,
                         const struct dataset_spec *spec,
                         const enum es_dim *dims, hid_t *keep) {
  struct es_error *err = w->err;
  int rc = ES_OK;
  hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
  hid_t ds = H5I_INVALID_HID;
  herr_t st = 0;
  const double nan_value = NAN;

  if (stop_asked(w)) {
    return fail_stopped(w, spec->name);
  }
  hsize_t n_values = 1;
  for (size_t k = 0; k < spec->n_dims; k++) {
    n_values *= spec->shape[k];
  }
  space = spec->n_dims == 0
              ? H5Screate(H5S_SCALAR)
              : H5Screate_simple((int)spec->n_dims, spec->shape, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (space < 0 || dcpl < 0) {
    rc = h5_fail(err, ES_EHDF5, "dataset '%s': dataspace", spec->name);
    goto cleanup;
  }
  st = H5Pset_attr_creation_order(
      dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  if (st >= 0 && spec->fill_nan) {
    st = H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan_value);
  }
  /* A zero-length axis cannot be chunked: such a dataset stays contiguous. */
  hsize_t chunk[ES_VARIABLE_MAX_DIMS];
  const bool chunked = spec->chunked && n_values > 0;
  if (st >= 0 && chunked) {
    chunk_shape(dims, spec->n_dims, spec->shape, chunk);
    st = H5Pset_chunk(dcpl, (int)spec->n_dims, chunk);
    if (st >= 0 && w->deflate_level > 0) {
      /* Recipe 3: shuffle before deflate in the pipeline. */
      st = H5Pset_shuffle(dcpl);
      if (st >= 0) {
        st = H5Pset_deflate(dcpl, w->deflate_level);
      }
    }
  }
  if (st < 0) {
    rc =
        h5_fail(err, ES_EHDF5, "dataset '%s': creation properties", spec->name);
    goto cleanup;
  }
  ds = H5Dcreate2(loc, spec->name, spec->file_type, space, H5P_DEFAULT, dcpl,
                  H5P_DEFAULT);
  if (ds < 0) {
    rc = h5_fail(err, ES_EHDF5, "creating dataset '%s'", spec->name);
    goto cleanup;
  }
  if (n_values > 0) {
    rc = chunked ? write_by_chunks(w, ds, spec, chunk)
                 : write_whole(w, ds, spec);
    if (rc != ES_OK) {
      goto cleanup;
    }
  }
  /* Recipe 5: scales are attached after the data, so that a file cut short
   * fails loudly in readers instead of showing fill values. */
  if (spec->scale_name != NULL) {
    st = H5DSset_scale(ds, spec->scale_name);
    if (st < 0) {
      rc = h5_fail(err, ES_EHDF5, "making '%s' a dimension scale", spec->name);
      goto cleanup;
    }
  }
  for (size_t k = 0; k < spec->n_dims; k++) {
    if (spec->scales[k] >= 0) {
      st = H5DSattach_scale(ds, spec->scales[k], (unsigned)k);
      if (st < 0) {
        rc =
            h5_fail(err, ES_EHDF5, "attaching axis %zu of '%s'", k, spec->name);
        goto cleanup;
      }
    }
  }
  rc = write_attr_text(w, ds, "long_name", spec->long_name);
  if (rc == ES_OK) {
    rc = write_attr_text(w, ds, "units", spec->units);
  }
  if (rc == ES_OK && spec->fill_nan) {
    rc = write_attr(ds, "_FillValue", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                    &nan_value, err);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  if (keep != NULL) {
    *keep = ds;
    ds = H5I_INVALID_HID;
  }
cleanup:
  if (ds >= 0) {
    H5Dclose(ds);
  }
  if (dcpl >= 0) {
    H5Pclose(dcpl);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  return rc;
}

/* A 1-D dataset along @p dim with @p scale attached (a label variable). */
static int write_along(const struct writer *w, hid_t group, enum es_dim dim,
                       hid_t scale, const char *name, hid_t file_type,
                       hid_t mem_type, const void *data, const char *long_name,
                       const char *units, bool fill_nan) {
  struct dataset_spec spec = {
      .name = name,
      .file_type = file_type,
      .mem_type = mem_type,
      .n_dims = 1,
      .shape = {w->res->dim_len[dim]},
      .data = data,
      .long_name = long_name,
      .units = units,
      .fill_nan = fill_nan,
      .scales = {scale},
  };
  return write_dataset(w, group, &spec, &dim, NULL);
}

/* The coordinate dataset of @p dim in @p group, left open in @p scale. */
static int write_coordinate(const struct writer *w, hid_t group,
                            enum es_dim dim, hid_t *scale) {
  const struct es_results *res = w->res;
  struct dataset_spec spec = {
      .name = es_dim_name(dim),
      .n_dims = 1,
      .shape = {res->dim_len[dim]},
      .long_name = es__results_dim_long_name(dim),
      .units = es__results_dim_units(dim),
      .scale_name = es_dim_name(dim),
      .scales = {H5I_INVALID_HID},
  };
  if (dim == ES_DIM_YEAR || dim == ES_DIM_AGE || dim == ES_DIM_REPLICATE) {
    spec.file_type = H5T_STD_I32LE;
    spec.mem_type = H5T_NATIVE_INT32;
    spec.data = dim == ES_DIM_YEAR  ? (const void *)res->year
                : dim == ES_DIM_AGE ? (const void *)res->age
                                    : (const void *)res->replicate;
  } else {
    spec.file_type = w->str_type;
    spec.mem_type = w->str_type;
    switch (dim) {
      case ES_DIM_STRATEGY:
        spec.data = res->strategy;
        break;
      case ES_DIM_STATISTIC:
        spec.data = res->statistic;
        break;
      case ES_DIM_INDICATOR_STATISTIC:
        spec.data = res->indicator_statistic;
        break;
      case ES_DIM_REGION:
        spec.data = res->region;
        break;
      default:
        spec.data = res->stage;
        break;
    }
  }
  return write_dataset(w, group, &spec, &dim, scale);
}

/* The label variables along region and stage, in every group that uses the
 * axis, so that each group is self-contained (recipe 3). */
static int write_labels(const struct writer *w, hid_t group,
                        const hid_t *scale) {
  const struct es_results *res = w->res;
  int rc = ES_OK;
  const hid_t s = w->str_type;
  const hid_t reg = scale[ES_DIM_REGION];
  if (reg >= 0 && res->region_name != NULL) {
    rc = write_along(w, group, ES_DIM_REGION, reg, "region_name", s, s,
                     res->region_name, "region name", "1", false);
  }
  if (rc == ES_OK && reg >= 0 && res->region_province != NULL) {
    rc =
        write_along(w, group, ES_DIM_REGION, reg, "region_province", s, s,
                    res->region_province, "province of the region", "1", false);
  }
  if (rc == ES_OK && reg >= 0 && res->region_prefecture != NULL) {
    rc = write_along(w, group, ES_DIM_REGION, reg, "region_prefecture", s, s,
                     res->region_prefecture, "prefecture of the region", "1",
                     false);
  }
  if (rc == ES_OK && reg >= 0 && res->region_rank != NULL) {
    rc = write_along(w, group, ES_DIM_REGION, reg, "region_rank", H5T_STD_I32LE,
                     H5T_NATIVE_INT32, res->region_rank,
                     "administrative rank of the region", "1", false);
  }
  const hid_t stg = scale[ES_DIM_STAGE];
  if (rc == ES_OK && stg >= 0 && res->stage_age_lo != NULL) {
    rc = write_along(w, group, ES_DIM_STAGE, stg, "stage_age_lo", H5T_STD_I32LE,
                     H5T_NATIVE_INT32, res->stage_age_lo,
                     "first age of the stage", "year", false);
  }
  if (rc == ES_OK && stg >= 0 && res->stage_age_hi != NULL) {
    rc = write_along(w, group, ES_DIM_STAGE, stg, "stage_age_hi", H5T_STD_I32LE,
                     H5T_NATIVE_INT32, res->stage_age_hi,
                     "last age of the stage", "year", false);
  }
  if (rc == ES_OK && stg >= 0 && res->stage_ptr_standard != NULL) {
    rc = write_along(w, group, ES_DIM_STAGE, stg, "stage_ptr_standard",
                     H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, res->stage_ptr_standard,
                     "standard pupil-teacher ratio (pupils per teacher)", "1",
                     true);
  }
  return rc;
}

static hid_t create_group(hid_t loc, const char *name, struct es_error *err) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  hid_t group = H5I_INVALID_HID;
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  if (gcpl >= 0 && H5Pset_link_creation_order(gcpl, order) >= 0 &&
      H5Pset_attr_creation_order(gcpl, order) >= 0) {
    group = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  }
  if (group < 0) {
    h5_fail(err, ES_EHDF5, "creating group '%s'", name);
  }
  if (gcpl >= 0) {
    H5Pclose(gcpl);
  }
  return group;
}

/* Group @p name: its coordinates, label variables, then its variables. */
static int write_group(const struct writer *w, hid_t file, const char *name) {
  const struct es_results *res = w->res;
  int rc = ES_OK;
  hid_t group = H5I_INVALID_HID;
  hid_t scale[ES_DIM_COUNT];
  bool used[ES_DIM_COUNT] = {false};
  for (size_t d = 0; d < ES_DIM_COUNT; d++) {
    scale[d] = H5I_INVALID_HID;
  }
  for (size_t i = 0; i < res->n_variables; i++) {
    const struct es_variable *v = &res->variables[i];
    if (strcmp(v->group, name) == 0) {
      for (size_t k = 0; k < v->n_dims; k++) {
        used[v->dims[k]] = true;
      }
    }
  }

  if (used[ES_DIM_STATISTIC] && used[ES_DIM_INDICATOR_STATISTIC]) {
    /* Both are named "statistic" in the file: one group, one meaning. */
    rc = ES_FAIL(w->err, ES_EINVAL,
                 "group '%s' mixes the region-level and the indicator "
                 "statistic axes",
                 name);
    goto cleanup;
  }
  group = create_group(file, name, w->err);
  if (group < 0) {
    rc = w->err != NULL ? w->err->code : ES_EHDF5;
    goto cleanup;
  }
  for (size_t d = 0; d < ES_DIM_COUNT && rc == ES_OK; d++) {
    if (used[d]) {
      rc = write_coordinate(w, group, (enum es_dim)d, &scale[d]);
    }
  }
  if (rc == ES_OK) {
    rc = write_labels(w, group, scale);
  }
  for (size_t i = 0; i < res->n_variables && rc == ES_OK; i++) {
    const struct es_variable *v = &res->variables[i];
    if (strcmp(v->group, name) != 0) {
      continue;
    }
    struct dataset_spec spec = {
        .name = v->name,
        .file_type = H5T_IEEE_F64LE,
        .mem_type = H5T_NATIVE_DOUBLE,
        .n_dims = v->n_dims,
        .data = v->data,
        .long_name = v->long_name,
        .units = v->units,
        .chunked = true,
        .fill_nan = true,
    };
    for (size_t k = 0; k < v->n_dims; k++) {
      spec.shape[k] = res->dim_len[v->dims[k]];
      spec.scales[k] = scale[v->dims[k]];
    }
    rc = write_dataset(w, group, &spec, v->dims, NULL);
  }
  if (rc != ES_OK) {
    es_error_prefix(w->err, "group '%s'", name);
  }
cleanup:
  for (size_t d = 0; d < ES_DIM_COUNT; d++) {
    if (scale[d] >= 0) {
      H5Dclose(scale[d]);
    }
  }
  if (group >= 0) {
    H5Gclose(group);
  }
  return rc;
}

/* One scalar text dataset of group "scenario", with its attributes. */
static int write_text(const struct writer *w, hid_t group, const char *name,
                      const char *text, const char *long_name, hid_t *keep) {
  const char *value = text != NULL ? text : "";
  struct dataset_spec spec = {
      .name = name,
      .file_type = w->str_type,
      .mem_type = w->str_type,
      .n_dims = 0,
      .data = &value,
      .long_name = long_name,
      .units = "1",
  };
  return write_dataset(w, group, &spec, NULL, keep);
}

/* Group "scenario": the resolved scenario, then every input file verbatim
 * with its path and SHA-256 (DESIGN "Results file"). */
static int write_scenario_group(const struct writer *w, hid_t file) {
  const struct es_results *res = w->res;
  int rc = ES_OK;
  hid_t group = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  char *text = NULL;
  group = create_group(file, "scenario", w->err);
  if (group < 0) {
    rc = w->err != NULL ? w->err->code : ES_EHDF5;
    goto cleanup;
  }
  rc = write_text(w, group, "scenario_resolved", res->scenario_resolved,
                  "scenario text after extends is resolved", NULL);
  for (size_t i = 0; i < res->n_sources && rc == ES_OK; i++) {
    const struct es_source_file *src = &res->sources[i];
    const bool is_text = es__results_source_is_text(src);
    if (is_text) {
      text = malloc(src->size + 1);
      if (text != NULL && src->size > 0) {
        memcpy(text, src->bytes, src->size);
      }
      if (text != NULL) {
        text[src->size] = '\0';
      }
    } else {
      text = es__results_base64((const unsigned char *)src->bytes, src->size);
    }
    if (text == NULL) {
      rc = ES_FAIL(w->err, ES_ENOMEM, "source '%s': out of memory (%zu bytes)",
                   src->role, src->size);
      goto cleanup;
    }
    char name[ES__RESULTS_NAME_MAX + 16];
    es__results_source_dataset_name(src, name, sizeof name);
    char long_name[ES__RESULTS_NAME_MAX + 64];
    snprintf(long_name, sizeof long_name, "input file '%s' verbatim%s",
             src->role, is_text ? "" : " (base64)");
    rc = write_text(w, group, name, text, long_name, &ds);
    free(text);
    text = NULL;
    char hex[ES_DIGEST_HEX_SIZE];
    es_digest_sha256_hex(src->bytes, src->size, hex);
    const uint64_t size = src->size;
    if (rc == ES_OK) {
      rc = write_attr_any_text(w, ds, "path", src->path);
    }
    if (rc == ES_OK) {
      rc = write_attr_text(w, ds, "sha256", hex);
    }
    if (rc == ES_OK) {
      rc = write_attr(ds, "size_bytes", H5T_STD_U64LE, H5T_NATIVE_UINT64, &size,
                      w->err);
    }
    if (rc == ES_OK) {
      rc = write_attr_text(w, ds, "encoding", is_text ? "utf-8" : "base64");
    }
    if (ds >= 0) {
      H5Dclose(ds);
      ds = H5I_INVALID_HID;
    }
  }
  if (rc != ES_OK) {
    es_error_prefix(w->err, "%s", "group 'scenario'");
  }
cleanup:
  free(text);
  if (ds >= 0) {
    H5Dclose(ds);
  }
  if (group >= 0) {
    H5Gclose(group);
  }
  return rc;
}

/* Root attributes: the provenance of the run (DESIGN, STYLE 33). */
static int write_root_attributes(const struct writer *w, hid_t file) {
  const struct es_results *res = w->res;
  char created[32];
  const time_t now = time(NULL);
  struct tm utc;
  if (now == (time_t)-1 || gmtime_r(&now, &utc) == NULL ||
      strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) {
    return ES_FAIL(w->err, ES_EIO, "%s", "cannot read the clock");
  }
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  char hdf5_version[48];
  snprintf(hdf5_version, sizeof hdf5_version, "%u.%u.%u", major, minor,
           release);
  const int32_t format_version = ES_RESULTS_FORMAT_VERSION;

  int rc = write_attr_any_text(
      w, file, "title", res->title != NULL ? res->title : "edusim results");
  if (rc == ES_OK) {
    rc = write_attr_text(w, file, "Conventions", "CF-1.8");
  }
  if (rc == ES_OK) {
    rc = write_attr_text(w, file, "software", "edusim");
  }
  if (rc == ES_OK && res->software_version != NULL) {
    rc =
        write_attr_any_text(w, file, "software_version", res->software_version);
  }
  if (rc == ES_OK) {
    rc = write_attr_text(w, file, "hdf5_version", hdf5_version);
  }
  if (rc == ES_OK) {
    rc = write_attr_text(w, file, "created", created);
  }
  if (rc == ES_OK) {
    rc = write_attr_any_text(w, file, "command", res->command);
  }
  if (rc == ES_OK) {
    rc = write_attr_any_text(w, file, "mode", res->mode);
  }
  if (rc == ES_OK) {
    rc = write_attr_any_text(w, file, "scenario", res->scenario_name);
  }
  if (rc == ES_OK) {
    rc = write_attr(file, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &res->seed,
                    w->err);
  }
  if (rc == ES_OK) {
    rc = write_attr(file, "replicates", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                    &res->replicates, w->err);
  }
  if (rc == ES_OK && res->currency != NULL) {
    rc = write_attr_any_text(w, file, "currency", res->currency);
  }
  if (rc == ES_OK) {
    rc = write_attr(file, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32,
                    &format_version, w->err);
  }
  return rc;
}

/* Closes every object still open in @p file, then @p file. After a failure
 * part-way a group or dataset may still be open; under H5F_CLOSE_SEMI the
 * file would then stay open, and HDF5 would close it at exit instead. */
static void close_everything(hid_t file) {
  const unsigned types = H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE |
                         H5F_OBJ_ATTR | H5F_OBJ_LOCAL;
  const ssize_t n_open = H5Fget_obj_count(file, types);
  hid_t *ids = n_open > 0 ? malloc((size_t)n_open * sizeof *ids) : NULL;
  const ssize_t n_ids =
      ids != NULL ? H5Fget_obj_ids(file, types, (size_t)n_open, ids) : 0;
  for (ssize_t i = 0; i < n_ids; i++) {
    switch (H5Iget_type(ids[i])) {
      case H5I_DATASET:
        H5Dclose(ids[i]);
        break;
      case H5I_GROUP:
        H5Gclose(ids[i]);
        break;
      case H5I_DATATYPE:
        H5Tclose(ids[i]);
        break;
      case H5I_ATTR:
        H5Aclose(ids[i]);
        break;
      default:
        break;
    }
  }
  free(ids);
  H5Fclose(file);
  H5Eclear2(H5E_DEFAULT);
}

/* The bytes of a finished file, built in memory by write_file. */
struct image {
  unsigned char *bytes; /* the HDF5 file from its superblock on (owned) */
  size_t n_bytes;       /* length of bytes, bytes */
  size_t n_userblock;   /* bytes before the superblock (the user block),
                           written as zeros */
};

/* Builds the whole file in memory (HDF5's core driver, no backing store) and
 * returns its bytes in @p img. HDF5 itself never writes to disk: a full disk,
 * a quota or an I/O error can then only happen in store_image, where the
 * operating system's reason is known, instead of inside HDF5, whose close of
 * a file it failed to flush leaves the library in a state that crashes at
 * exit (HDF5 1.10). @p label names the file in HDF5's messages. */
static int write_file(const struct writer *w, const char *label,
                      struct image *img) {
  const struct es_results *res = w->res;
  int rc = ES_OK;
  hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
  hid_t file = H5I_INVALID_HID;
  herr_t st = 0;
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

  fcpl = H5Pcreate(H5P_FILE_CREATE);
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  st = fcpl < 0 || fapl < 0 ? -1 : 0;
  if (st >= 0) {
    st = H5Pset_link_creation_order(fcpl, order);
  }
  if (st >= 0) {
    st = H5Pset_attr_creation_order(fcpl, order);
  }
  /* The user block that es_digest_sign fills once the file is closed. */
  if (st >= 0) {
    st = H5Pset_userblock(fcpl, ES_DIGEST_BLOCK_SIZE);
  }
  /* Recipe 6: under SEMI a handle left open makes H5Fclose fail instead of
   * silently keeping the file open. */
  if (st >= 0) {
    st = H5Pset_fclose_degree(fapl, H5F_CLOSE_SEMI);
  }
  if (st >= 0) {
    st = H5Pset_fapl_core(fapl, CORE_INCREMENT_BYTES, /*backing_store=*/0);
  }
  if (st < 0) {
    rc = h5_fail(w->err, ES_EHDF5, "%s", "file properties");
    goto cleanup;
  }
  file = H5Fcreate(label, H5F_ACC_EXCL, fcpl, fapl);
  if (file < 0) {
    rc = h5_fail(w->err, ES_EHDF5, "cannot create '%s' in memory", label);
    goto cleanup;
  }
  rc = write_root_attributes(w, file);
  /* Groups in the order of their first variable. */
  for (size_t i = 0; i < res->n_variables && rc == ES_OK; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) {
      seen = strcmp(res->variables[j].group, res->variables[i].group) == 0;
    }
    if (!seen) {
      rc = write_group(w, file, res->variables[i].group);
    }
  }
  if (rc == ES_OK) {
    rc = write_scenario_group(w, file);
  }
  if (rc != ES_OK) {
    goto cleanup;
  }
  st = H5Fflush(file, H5F_SCOPE_GLOBAL);
  if (st < 0) {
    rc = h5_fail(w->err, ES_EHDF5, "flushing '%s'", label);
    goto cleanup;
  }
  /* STYLE 34: only the file itself may still be open. */
  const ssize_t n_open = H5Fget_obj_count(file, H5F_OBJ_ALL);
  if (n_open != 1) {
    rc = ES_FAIL(w->err, ES_EINTERNAL,
                 "'%s': %zd HDF5 objects open before close (expected 1: a "
                 "handle leaked)",
                 label, n_open);
    goto cleanup;
  }
  hsize_t n_userblock = 0;
  const ssize_t n_bytes = H5Fget_file_image(file, NULL, 0);
  if (n_bytes <= 0 || H5Pget_userblock(fcpl, &n_userblock) < 0) {
    rc = h5_fail(w->err, ES_EHDF5, "size of '%s'", label);
    goto cleanup;
  }
  img->bytes = malloc((size_t)n_bytes);
  if (img->bytes == NULL) {
    rc = ES_FAIL(w->err, ES_ENOMEM, "'%s': out of memory (%zd bytes)", label,
                 n_bytes);
    goto cleanup;
  }
  if (H5Fget_file_image(file, img->bytes, (size_t)n_bytes) != n_bytes) {
    rc = h5_fail(w->err, ES_EHDF5, "bytes of '%s'", label);
    goto cleanup;
  }
  img->n_bytes = (size_t)n_bytes;
  img->n_userblock = (size_t)n_userblock;
  st = H5Fclose(file);
  file = H5I_INVALID_HID;
  if (st < 0) {
    rc = h5_fail(w->err, ES_EHDF5, "closing '%s'", label);
    goto cleanup;
  }
cleanup:
  if (rc != ES_OK) {
    free(img->bytes);
    img->bytes = NULL;
    img->n_bytes = 0;
  }
  if (file >= 0) {
    close_everything(file);
  }
  if (fapl >= 0) {
    H5Pclose(fapl);
  }
  if (fcpl >= 0) {
    H5Pclose(fcpl);
  }
  return rc;
}

/* ---- files and folders ------------------------------------------------- */

/* Writes @p n bytes of @p bytes to @p fd, through short writes and
 * interrupted calls; a stop signal is checked between pieces. Returns 0, the
 * errno of the failing write, or -1 when stopped. */
static int write_all(const struct writer *w, const int fd, const void *bytes,
                     size_t n) {
  const unsigned char *p = bytes;
  while (n > 0) {
    if (stop_asked(w)) {
      return -1;
    }
    const size_t piece = n < WRITE_PIECE_BYTES ? n : WRITE_PIECE_BYTES;
    const ssize_t done = write(fd, p, piece);
    if (done < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    if (done == 0) {
      return EIO; /* no progress and no reason: do not spin */
    }
    p += done;
    n -= (size_t)done;
  }
  return 0;
}

/* Puts the bytes of @p img in the new file @p tmp (the temporary file of
 * @p path): the user block as zeros, then the HDF5 file. @p created tells
 * whether @p tmp was made, and so is ours to remove. */
static int store_image(const struct writer *w, const char *tmp,
                       const char *path, const struct image *img,
                       bool *created) {
  const int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
  if (fd < 0) {
    return ES_FAIL(w->err, ES_EIO,
                   "cannot create '%s' (temporary file of "
                   "'%s'): %s",
                   tmp, path, strerror(errno));
  }
  *created = true;
  unsigned char zeros[512];
  memset(zeros, 0, sizeof zeros);
  int e = 0;
  for (size_t left = img->n_userblock; left > 0 && e == 0;) {
    const size_t n = left < sizeof zeros ? left : sizeof zeros;
    e = write_all(w, fd, zeros, n);
    left -= n;
  }
  if (e == 0) {
    e = write_all(w, fd, img->bytes, img->n_bytes);
  }
  if (close(fd) != 0 && e == 0) {
    e = errno;
  }
  if (e < 0) {
    return fail_stopped(w, tmp);
  }
  if (e != 0) {
    return ES_FAIL(w->err, ES_EIO,
                   "cannot write '%s' (temporary file of '%s'): %s", tmp, path,
                   strerror(e));
  }
  return ES_OK;
}

int es_results_write(const struct es_results *res, const char *path,
                     const struct es_write_options *opts,
                     struct es_error *err) {
  int rc = ES_OK;
  char *folder = NULL, *tmp = NULL, *backup = NULL;
  bool tmp_exists = false;
  struct image img = {0};
  struct writer w = {.res = res, .str_type = H5I_INVALID_HID, .err = err};

  /* STYLE 20: errors are reported through our codes, never printed. */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

  if (res == NULL || path == NULL || path[0] == '\0') {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "es_results_write: no results or no path");
  }
  const bool force = opts != NULL && opts->force;
  const int level = opts != NULL ? opts->deflate_level : DEFAULT_DEFLATE_LEVEL;
  if (level < 0 || level > MAX_DEFLATE_LEVEL) {
    return ES_FAIL(err, ES_EINVAL, "deflate level %d (expected 0..%d)", level,
                   MAX_DEFLATE_LEVEL);
  }
  w.deflate_level = (unsigned)level;
  w.cancel = opts != NULL ? opts->cancel : NULL;
  const size_t n_path = strlen(path);
  if (path[n_path - 1] == '/') {
    return ES_FAIL(err, ES_EINVAL, "output '%s' names a folder, not a file",
                   path);
  }
  rc = es__results_check(res, err);
  if (rc != ES_OK) {
    return rc;
  }
  if (!force) {
    struct stat sb;
    if (lstat(path, &sb) == 0) {
      return ES_FAIL(err, ES_EEXIST, "'%s' exists (use --force to replace it)",
                     path);
    }
    if (errno != ENOENT) {
      return ES_FAIL(err, ES_EIO, "cannot check '%s': %s", path,
                     strerror(errno));
    }
  } else {
    bool exists = false;
    rc = es_publish_check_replaceable(path, &exists, err);
    if (rc != ES_OK) {
      return rc;
    }
  }

  /* The folder and the base name of the output. */
  const char *slash = strrchr(path, '/');
  const char *base = slash != NULL ? slash + 1 : path;
  const size_t n_folder = slash == NULL   ? 1
                          : slash == path ? 1
                                          : (size_t)(slash - path);
  const size_t n_tmp = n_path + sizeof ES_PUBLISH_TMP_INFIX + PID_TEXT_MAX;
  folder = malloc(n_folder + 1);
  tmp = malloc(n_tmp);
  backup = malloc(n_tmp + sizeof ES_PUBLISH_BACKUP_SUFFIX);
  if (folder == NULL || tmp == NULL || backup == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", "out of memory");
    goto cleanup;
  }
  if (slash == NULL) {
    memcpy(folder, ".", 2);
  } else {
    memcpy(folder, path, n_folder);
    folder[n_folder] = '\0';
  }
  snprintf(tmp, n_tmp, "%s%s%lld", path, ES_PUBLISH_TMP_INFIX,
           (long long)getpid());
  snprintf(backup, n_tmp + sizeof ES_PUBLISH_BACKUP_SUFFIX, "%s%s", tmp,
           ES_PUBLISH_BACKUP_SUFFIX);
  rc = es_publish_remove_stale(folder, base, err);
  if (rc != ES_OK) {
    goto cleanup;
  }

  w.str_type = H5Tcopy(H5T_C_S1);
  if (w.str_type < 0 || H5Tset_size(w.str_type, H5T_VARIABLE) < 0 ||
      H5Tset_cset(w.str_type, H5T_CSET_UTF8) < 0) {
    rc = h5_fail(err, ES_EHDF5, "%s", "string type");
    goto cleanup;
  }
  if (w.deflate_level > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) {
    rc = ES_FAIL(err, ES_EHDF5, "%s",
                 "this HDF5 library has no deflate filter (use level 0)");
    goto cleanup;
  }
  rc = write_file(&w, tmp, &img);
  if (rc != ES_OK) {
    goto cleanup;
  }
  rc = store_image(&w, tmp, path, &img, &tmp_exists);
  free(img.bytes);
  img.bytes = NULL;
  if (rc != ES_OK) {
    goto cleanup;
  }
  /* The digest of the closed file protects it from here on (digest.h). */
  rc = es_digest_sign(tmp, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  rc = es_publish_sync(tmp, /*is_folder=*/false, err);
  if (rc != ES_OK) {
    goto cleanup;
  }
  /* A stop asked for while syncing: the file is complete, but the user no
   * longer wants it; the temporary file goes and nothing is published. */
  if (stop_asked(&w)) {
    rc = ES_FAIL(err, ES_EINTERRUPTED, "%s", "interrupted before publishing");
    goto cleanup;
  }
  rc = es_publish(tmp, path, folder, backup, force, &tmp_exists, err);
cleanup:
  if (tmp_exists) {
    unlink(tmp);
  }
  if (w.str_type >= 0) {
    H5Tclose(w.str_type);
  }
  free(img.bytes);
  free(backup);
  free(tmp);
  free(folder);
  return rc;
}
