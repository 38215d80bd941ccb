/* results_file.c: open a results file for reading, after checking it.
 *
 * A results file reaches its readers (edusim info, compare, export) from
 * disks, mail and shared folders; it may be damaged, older or newer than this
 * edusim, or edited by another program. HDF5 trusts what it reads: a flipped
 * bit in the global heap, where variable-length strings live, crashes it or
 * returns wrong text silently (notes/hdf5-recipe.md section 8), and a reader
 * that sizes a buffer by a dataspace it did not check allocates what the
 * file says. So every reader opens files here, and the checks run in an
 * order where each one protects the next:
 *   1. the path is a file (not a folder);
 *   2. the SHA-256 digest in the 512-byte user block matches the bytes after
 *      it (digest.c), before HDF5 reads a byte; a file without a digest gets
 *      a notice through the caller's sink and is read; --no-verify skips it;
 *   3. the file is HDF5, and opens;
 *   4. the root attributes: software = "edusim", then format_version equal
 *      to the one this edusim writes (another version is refused with both
 *      numbers), then every attribute an edusim file has, each a scalar
 *      string or a scalar integer as the writer makes it;
 *   5. every dataset of every group: a coordinate (dimension scale) is one
 *      dimension of at most ES_RESULTS_FILE_MAX_AXIS numbers or texts; a
 *      variable has 1..ES_RESULTS_FILE_MAX_RANK dimensions, numbers (at most
 *      8 bytes) or variable-length text, a dimension scale on every axis that
 *      lives in the same group, and along each axis exactly the length of
 *      that scale, so at most ES_RESULTS_FILE_MAX_CELLS values; the texts of
 *      the scenario group are scalar strings.
 * After that a reader may size its buffers by what the file says. The
 * reading helpers that info, compare and export share (coordinates, text
 * attributes, cells as text) live here too. */
#include "output/results_file.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "models/strings.h"

#define SCALE_NAME_MAX 256  /* longest dimension name, with its NUL */
#define MEMBERS_MAX    4096 /* most members of a group */
#define SCENARIO_GROUP "scenario"

/* What every malformed-file error says was expected. */
static const char expected_file[] =
    "expected a results file written by edusim run";

/* What a root attribute holds. */
enum kind {
  KIND_TEXT,    /* a scalar string */
  KIND_INTEGER, /* a scalar integer */
};

/* A root attribute of the format (docs/output-format.md). */
struct root_spec {
  const char *name;
  enum kind kind;
  bool required; /* every file edusim writes has it */
};

/* In the order the writer writes them (results_write.c). */
static const struct root_spec root_specs[] = {
    {"title", KIND_TEXT, true},
    {"Conventions", KIND_TEXT, true},
    {"software", KIND_TEXT, true},
    {"software_version", KIND_TEXT, false},
    {"hdf5_version", KIND_TEXT, false},
    {"created", KIND_TEXT, true},
    {"command", KIND_TEXT, true},
    {"mode", KIND_TEXT, true},
    {"scenario", KIND_TEXT, true},
    {"seed", KIND_INTEGER, true},
    {"replicates", KIND_INTEGER, true},
    {"currency", KIND_TEXT, false},
    {"format_version", KIND_INTEGER, true},
};
#define N_ROOT (sizeof root_specs / sizeof root_specs[0])

/* The same names, for es_results_file_attribute_names. */
static const char *const root_names[N_ROOT] = {
    "title",         "Conventions", "software",   "software_version",
    "hdf5_version",  "created",     "command",    "mode",
    "scenario",      "seed",        "replicates", "currency",
    "format_version"};

struct es_results_file {
  char *path;                   /* as given (owned) */
  hid_t file;                   /* open read-only */
  enum es_digest_status digest; /* what the digest check found */
  char *root[N_ROOT];           /* root_specs[i] as text, or NULL (owned) */
};

/* ---- small helpers ------------------------------------------------------- */

hid_t es_results_file_text_type(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) {
    return H5I_INVALID_HID;
  }
  if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

void es_results_file_double_text(const double v,
                                 char out[ES_RESULTS_FILE_NUMBER_TEXT]) {
  if (isnan(v)) {
    out[0] = '\0';
  } else if (isinf(v)) {
    snprintf(out, ES_RESULTS_FILE_NUMBER_TEXT, "%s", v > 0 ? "Inf" : "-Inf");
  } else {
    snprintf(out, ES_RESULTS_FILE_NUMBER_TEXT, "%.17g", v);
  }
}

/* Names of the members of a group, by name. */
struct name_list {
  size_t n;
  char *name[MEMBERS_MAX]; /* (owned) */
  bool too_many;           /* more than MEMBERS_MAX */
  bool failed;             /* out of memory */
};

static herr_t collect_name(hid_t loc, const char *name, const H5L_info_t *info,
                           void *data) {
  (void)loc;
  (void)info;
  struct name_list *list = data;
  if (list->n == MEMBERS_MAX) {
    list->too_many = true;
    return 1;
  }
  list->name[list->n] = es_strdup(name);
  if (list->name[list->n] == NULL) {
    list->failed = true;
    return -1;
  }
  list->n++;
  return 0;
}

static void name_list_free(struct name_list *list) {
  if (list != NULL) {
    for (size_t i = 0; i < list->n; i++) {
      free(list->name[i]);
    }
    free(list);
  }
}

/* The members of @p loc (named @p what in messages), in *@p out (owned). */
static int list_members(const hid_t loc, const char *what,
                        struct name_list **out, struct es_error *err) {
  struct name_list *list = calloc(1, sizeof *list);
  *out = NULL;
  if (list == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "listing %s", what);
  }
  hsize_t idx = 0;
  const herr_t st =
      H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, list);
  int rc = ES_OK;
  if (list->failed) {
    rc = ES_FAIL(err, ES_ENOMEM, "listing %s", what);
  } else if (st < 0) {
    rc = ES_FAIL(err, ES_EINPUT, "%s cannot be listed (%s)", what,
                 expected_file);
  } else if (list->too_many) {
    rc = ES_FAIL(err, ES_EINPUT, "%s has more than %d members (%s)", what,
                 MEMBERS_MAX, expected_file);
  }
  if (rc != ES_OK) {
    name_list_free(list);
    return rc;
  }
  *out = list;
  return ES_OK;
}

/* ---- root attributes ------------------------------------------------------
 */

static const char *kind_text(const enum kind kind) {
  return kind == KIND_TEXT ? "a scalar string" : "a scalar integer";
}

/* Read root attribute @p spec of @p file into *@p out (owned; NULL when an
 * optional one is absent), checking its type and shape. */
static int read_root(const hid_t file, const char *path,
                     const struct root_spec *spec, char **out,
                     struct es_error *err) {
  hid_t attr = H5I_INVALID_HID;
  hid_t space = H5I_INVALID_HID;
  hid_t type = H5I_INVALID_HID;
  hid_t mem = H5I_INVALID_HID;
  char *vlen = NULL;
  char *text = NULL;
  int rc = ES_OK;
  *out = NULL;
  const htri_t exists = H5Aexists(file, spec->name);
  if (exists == 0) {
    if (spec->required) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: the root attribute '%s' is missing (expected %s, as "
                   "edusim writes it)",
                   path, spec->name, kind_text(spec->kind));
    }
    goto cleanup;
  }
  if (exists > 0) {
    attr = H5Aopen(file, spec->name, H5P_DEFAULT);
  }
  if (attr >= 0) {
    space = H5Aget_space(attr);
    type = H5Aget_type(attr);
  }
  if (space < 0 || type < 0) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: the root attribute '%s' cannot be read (expected %s, "
                 "as edusim writes it)",
                 path, spec->name, kind_text(spec->kind));
    goto cleanup;
  }
  const H5S_class_t shape = H5Sget_simple_extent_type(space);
  if (shape != H5S_SCALAR) {
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: the root attribute '%s' is %s%lld value%s (expected %s, "
                 "as edusim writes it)",
                 path, spec->name, shape == H5S_SIMPLE ? "an array of " : "",
                 (long long)(shape == H5S_SIMPLE ? n : 0),
                 shape == H5S_SIMPLE && n == 1 ? "" : "s",
                 kind_text(spec->kind));
    goto cleanup;
  }
  const H5T_class_t cls = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  if (spec->kind == KIND_TEXT && cls == H5T_STRING &&
      H5Tis_variable_str(type) > 0) {
    mem = es_results_file_text_type();
    if (mem < 0 || H5Aread(attr, mem, &vlen) < 0) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: the root attribute '%s' cannot be read (%s)", path,
                   spec->name, expected_file);
      goto cleanup;
    }
    text = es_strdup(vlen != NULL ? vlen : "");
  } else if (spec->kind == KIND_TEXT && cls == H5T_STRING && size > 0 &&
             size <= ES_RESULTS_FILE_MAX_TEXT) {
    char *fixed = calloc(size + 1, 1);
    mem = H5Tcopy(type);
    if (fixed == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s: root attribute '%s'", path, spec->name);
      goto cleanup;
    }
    if (mem < 0 || H5Tset_size(mem, size + 1) < 0 ||
        H5Tset_strpad(mem, H5T_STR_NULLTERM) < 0 ||
        H5Aread(attr, mem, fixed) < 0) {
      free(fixed);
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: the root attribute '%s' cannot be read (%s)", path,
                   spec->name, expected_file);
      goto cleanup;
    }
    text = fixed;
  } else if (spec->kind == KIND_INTEGER && cls == H5T_INTEGER && size <= 8) {
    char number[ES_RESULTS_FILE_NUMBER_TEXT];
    herr_t st = -1;
    if (H5Tget_sign(type) == H5T_SGN_NONE) {
      uint64_t v = 0;
      st = H5Aread(attr, H5T_NATIVE_UINT64, &v);
      snprintf(number, sizeof number, "%" PRIu64, v);
    } else {
      int64_t v = 0;
      st = H5Aread(attr, H5T_NATIVE_INT64, &v);
      snprintf(number, sizeof number, "%" PRId64, v);
    }
    if (st < 0) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: the root attribute '%s' cannot be read (%s)", path,
                   spec->name, expected_file);
      goto cleanup;
    }
    text = es_strdup(number);
  } else {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: the root attribute '%s' is %s (expected %s, as edusim "
                 "writes it)",
                 path, spec->name,
                 cls == H5T_STRING    ? "a string"
                 : cls == H5T_INTEGER ? "an integer"
                 : cls == H5T_FLOAT   ? "a floating-point number"
                                      : "of another type",
                 kind_text(spec->kind));
    goto cleanup;
  }
  if (text == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s: root attribute '%s'", path, spec->name);
    goto cleanup;
  }
  *out = text;
cleanup:
  if (vlen != NULL) {
    H5free_memory(vlen);
  }
  if (mem >= 0) {
    H5Tclose(mem);
  }
  if (type >= 0) {
    H5Tclose(type);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  if (attr >= 0) {
    H5Aclose(attr);
  }
  return rc;
}

static size_t root_index(const char *name) {
  for (size_t i = 0; i < N_ROOT; i++) {
    if (strcmp(root_specs[i].name, name) == 0) {
      return i;
    }
  }
  return N_ROOT;
}

/* software and format_version first: a file of another program or another
 * format is named as such, not by the first attribute it lacks. */
static int check_root(struct es_results_file *rf, struct es_error *err) {
  const size_t i_software = root_index("software");
  const size_t i_version = root_index("format_version");
  int rc = read_root(rf->file, rf->path, &root_specs[i_software],
                     &rf->root[i_software], err);
  if (rc != ES_OK) {
    return rc;
  }
  if (strcmp(rf->root[i_software], "edusim") != 0) {
    return ES_FAIL(err, ES_EINPUT,
                   "%s: the root attribute software is '%s' (expected "
                   "'edusim'; %s)",
                   rf->path, rf->root[i_software], expected_file);
  }
  rc = read_root(rf->file, rf->path, &root_specs[i_version],
                 &rf->root[i_version], err);
  if (rc != ES_OK) {
    return rc;
  }
  char supported[ES_RESULTS_FILE_NUMBER_TEXT];
  snprintf(supported, sizeof supported, "%d", ES_RESULTS_FILE_FORMAT_VERSION);
  if (strcmp(rf->root[i_version], supported) != 0) {
    return ES_FAIL(err, ES_EINPUT,
                   "%s: format_version %s is not supported (this edusim "
                   "reads format_version %s; use the edusim that wrote it)",
                   rf->path, rf->root[i_version], supported);
  }
  for (size_t i = 0; i < N_ROOT && rc == ES_OK; i++) {
    if (i != i_software && i != i_version) {
      rc = read_root(rf->file, rf->path, &root_specs[i], &rf->root[i], err);
    }
  }
  return rc;
}

/* ---- datasets against their scales ----------------------------------------
 */

/* What H5DSiterate_scales found on one axis. */
struct scale_info {
  char name[SCALE_NAME_MAX]; /* the dimension's name */
  int rank;                  /* the scale's dimensions */
  hsize_t length;            /* its length when rank is 1 */
};

/* H5DSiterate_scales callback: the first scale's name and length, and stop. */
static herr_t first_scale(hid_t ds, unsigned axis, hid_t scale, void *data) {
  (void)ds;
  (void)axis;
  struct scale_info *info = data;
  const ssize_t n = H5DSget_scale_name(scale, info->name, sizeof info->name);
  if (n <= 0 || (size_t)n >= sizeof info->name) {
    /* A scale without a NAME attribute: the dataset's own name. */
    char path[2 * SCALE_NAME_MAX];
    info->name[0] = '\0';
    const ssize_t m = H5Iget_name(scale, path, sizeof path);
    if (m > 0 && (size_t)m < sizeof path) {
      const char *base = strrchr(path, '/');
      base = base != NULL ? base + 1 : path;
      if (strlen(base) < sizeof info->name) {
        memcpy(info->name, base, strlen(base) + 1);
      }
    }
  }
  const hid_t space = H5Dget_space(scale);
  info->rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (info->rank == 1) {
    H5Sget_simple_extent_dims(space, &info->length, NULL);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  return 1;
}

/* Numbers of at most 8 bytes, or variable-length text. */
static bool plain_type(const hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
    return H5Tget_size(type) <= 8;
  }
  return cls == H5T_STRING && H5Tis_variable_str(type) > 0;
}

/* Check dataset @p name of group @p group (named @p gname). */
static int check_dataset(const struct es_results_file *rf, const hid_t group,
                         const char *gname, const char *name,
                         struct es_error *err) {
  hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
  hid_t space = ds >= 0 ? H5Dget_space(ds) : H5I_INVALID_HID;
  hid_t type = ds >= 0 ? H5Dget_type(ds) : H5I_INVALID_HID;
  int rc = ES_OK;
  const char *path = rf->path;
  const int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  hsize_t dims[ES_RESULTS_FILE_MAX_RANK] = {0};
  if (type < 0 || rank < 0) {
    rc = ES_FAIL(err, ES_EINPUT, "%s: %s/%s cannot be opened (%s)", path, gname,
                 name, expected_file);
    goto cleanup;
  }
  if (rank > ES_RESULTS_FILE_MAX_RANK) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: %s/%s has %d dimensions (expected at most %d; %s)", path,
                 gname, name, rank, ES_RESULTS_FILE_MAX_RANK, expected_file);
    goto cleanup;
  }
  H5Sget_simple_extent_dims(space, dims, NULL);
  if (!plain_type(type)) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: %s/%s has an unexpected type (expected numbers of at "
                 "most 8 bytes or variable-length text; %s)",
                 path, gname, name, expected_file);
    goto cleanup;
  }
  if (strcmp(gname, SCENARIO_GROUP) == 0) {
    if (rank != 0 || H5Tget_class(type) != H5T_STRING) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: %s/%s is not a scalar string (expected the text of "
                   "an input file; %s)",
                   path, gname, name, expected_file);
    }
    goto cleanup;
  }
  if (H5DSis_scale(ds) > 0) {
    if (rank != 1 || dims[0] > ES_RESULTS_FILE_MAX_AXIS) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: the coordinate %s/%s has %d dimension%s of length "
                   "%llu (expected one dimension of at most %zu; %s)",
                   path, gname, name, rank, rank == 1 ? "" : "s",
                   (unsigned long long)dims[0], ES_RESULTS_FILE_MAX_AXIS,
                   expected_file);
    }
    goto cleanup;
  }
  if (rank == 0) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: %s/%s has no dimensions (expected an array along "
                 "coordinates of its group; %s)",
                 path, gname, name, expected_file);
    goto cleanup;
  }
  size_t n_cells = 1;
  for (int a = 0; a < rank; a++) {
    struct scale_info info = {.name = "", .rank = -1, .length = 0};
    int idx = 0;
    if (H5DSget_num_scales(ds, (unsigned)a) <= 0 ||
        H5DSiterate_scales(ds, (unsigned)a, &idx, first_scale, &info) < 0 ||
        info.name[0] == '\0') {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: %s/%s: axis %d has no dimension scale (expected a "
                   "coordinate on every axis; %s)",
                   path, gname, name, a + 1, expected_file);
      goto cleanup;
    }
    if (H5Lexists(group, info.name, H5P_DEFAULT) <= 0) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: %s/%s: the coordinate '%s' of axis %d is not in "
                   "group %s (expected every group to hold its coordinates; "
                   "%s)",
                   path, gname, name, info.name, a + 1, gname, expected_file);
      goto cleanup;
    }
    if (info.rank != 1 || info.length > ES_RESULTS_FILE_MAX_AXIS ||
        info.length != dims[a]) {
      rc = ES_FAIL(err, ES_EINPUT,
                   "%s: %s/%s has length %llu along %s (axis %d), but the "
                   "coordinate %s has length %llu (expected the same; %s)",
                   path, gname, name, (unsigned long long)dims[a], info.name,
                   a + 1, info.name, (unsigned long long)info.length,
                   expected_file);
      goto cleanup;
    }
    n_cells *= (size_t)dims[a];
    if (n_cells > ES_RESULTS_FILE_MAX_CELLS) {
      rc = ES_FAIL(err, ES_EINPUT, "%s: %s/%s has more than %zu values (%s)",
                   path, gname, name, ES_RESULTS_FILE_MAX_CELLS, expected_file);
      goto cleanup;
    }
  }
cleanup:
  if (type >= 0) {
    H5Tclose(type);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  if (ds >= 0) {
    H5Dclose(ds);
  }
  return rc;
}

/* H5O_TYPE_... of member @p name of @p loc, or H5O_TYPE_UNKNOWN. */
static H5O_type_t member_type(const hid_t loc, const char *name) {
  H5O_info_t oi;
  if (H5Oget_info_by_name2(loc, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
    return H5O_TYPE_UNKNOWN;
  }
  return oi.type;
}

/* Check every dataset of group @p gname of the root. */
static int check_group(const struct es_results_file *rf, const char *gname,
                       struct es_error *err) {
  char what[2 * SCALE_NAME_MAX];
  snprintf(what, sizeof what, "%s: group %s", rf->path, gname);
  const hid_t group = H5Gopen2(rf->file, gname, H5P_DEFAULT);
  if (group < 0) {
    return ES_FAIL(err, ES_EINPUT, "%s cannot be opened (%s)", what,
                   expected_file);
  }
  struct name_list *members = NULL;
  int rc = list_members(group, what, &members, err);
  for (size_t i = 0; rc == ES_OK && i < members->n; i++) {
    const char *name = members->name[i];
    const H5O_type_t t = member_type(group, name);
    if (t == H5O_TYPE_DATASET) {
      rc = check_dataset(rf, group, gname, name, err);
    } else if (t == H5O_TYPE_UNKNOWN) {
      rc = ES_FAIL(err, ES_EINPUT, "%s: %s/%s cannot be opened (%s)", rf->path,
                   gname, name, expected_file);
    }
  }
  name_list_free(members);
  H5Gclose(group);
  return rc;
}

static int check_groups(const struct es_results_file *rf,
                        struct es_error *err) {
  struct name_list *members = NULL;
  int rc = list_members(rf->file, rf->path, &members, err);
  for (size_t i = 0; rc == ES_OK && i < members->n; i++) {
    const char *name = members->name[i];
    const H5O_type_t t = member_type(rf->file, name);
    if (t == H5O_TYPE_GROUP) {
      rc = check_group(rf, name, err);
    } else if (t == H5O_TYPE_UNKNOWN) {
      rc = ES_FAIL(err, ES_EINPUT, "%s: /%s cannot be opened (%s)", rf->path,
                   name, expected_file);
    }
  }
  name_list_free(members);
  return rc;
}

/* ---- opening ----------------------------------------------------------- */

int es_results_file_open(const char *path,
                         const struct es_digest_policy *policy,
                         struct es_results_file **out, struct es_error *err) {
  struct es_results_file *rf = NULL;
  enum es_digest_status digest = ES_DIGEST_SKIPPED;
  int rc = ES_OK;
  *out = NULL;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (path == NULL) {
    return ES_FAIL(err, ES_EINVAL, "%s", "es_results_file_open: no path");
  }
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return ES_FAIL(err, ES_EINPUT, "%s: no such file (%s)", path,
                     expected_file);
    }
    return ES_FAIL(err, ES_EIO, "%s: %s", path, strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return ES_FAIL(err, ES_EINPUT, "%s: is a folder (%s)", path, expected_file);
  }
  if (policy == NULL || !policy->skip) {
    rc = es_digest_verify(path, &digest, err);
    if (rc != ES_OK) {
      return rc;
    }
  }
  if (H5Fis_hdf5(path) <= 0) {
    return ES_FAIL(err, ES_EINPUT, "%s: not an HDF5 file (%s)", path,
                   expected_file);
  }
  if (digest == ES_DIGEST_ABSENT && policy != NULL && policy->notice != NULL) {
    policy->notice(policy->notice_ctx, path,
                   "has no digest to check (written by an older edusim or "
                   "changed by another program); read without verification");
  }
  rf = calloc(1, sizeof *rf);
  if (rf == NULL) {
    return ES_FAIL(err, ES_ENOMEM, "%s", path);
  }
  rf->file = H5I_INVALID_HID;
  rf->digest = digest;
  rf->path = es_strdup(path);
  if (rf->path == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s", path);
    goto cleanup;
  }
  rf->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (rf->file < 0) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: cannot be opened as HDF5 (damaged, or still being "
                 "written; %s)",
                 path, expected_file);
    goto cleanup;
  }
  rc = check_root(rf, err);
  if (rc == ES_OK) {
    rc = check_groups(rf, err);
  }
cleanup:
  if (rc != ES_OK) {
    es_results_file_free(rf);
    return rc;
  }
  *out = rf;
  return ES_OK;
}

void es_results_file_free(struct es_results_file *rf) {
  if (rf == NULL) {
    return;
  }
  if (rf->file >= 0) {
    H5Fclose(rf->file);
  }
  for (size_t i = 0; i < N_ROOT; i++) {
    free(rf->root[i]);
  }
  free(rf->path);
  free(rf);
}

hid_t es_results_file_id(const struct es_results_file *rf) {
  return rf->file;
}

const char *es_results_file_path(const struct es_results_file *rf) {
  return rf->path;
}

enum es_digest_status es_results_file_digest(const struct es_results_file *rf) {
  return rf->digest;
}

const char *es_results_file_attribute(const struct es_results_file *rf,
                                      const char *name) {
  const size_t i = root_index(name);
  return i < N_ROOT ? rf->root[i] : NULL;
}

const char *const *es_results_file_attribute_names(size_t *n) {
  *n = N_ROOT;
  return root_names;
}

/* ---- reading ------------------------------------------------------------- */

static herr_t read_whole(const hid_t id, const bool is_attr, const hid_t mem,
                         void *buf) {
  return is_attr ? H5Aread(id, mem, buf)
                 : H5Dread(id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
}

int es_results_file_read_cells(const hid_t id, const bool is_attr,
                               const char *what, char ***out, size_t *n_out,
                               bool *is_text, struct es_error *err) {
  hid_t type = is_attr ? H5Aget_type(id) : H5Dget_type(id);
  hid_t space = is_attr ? H5Aget_space(id) : H5Dget_space(id);
  hid_t mem = H5I_INVALID_HID;
  char **cells = NULL;
  void *raw = NULL;
  bool reclaim = false;
  size_t n = 0;
  int rc = ES_OK;
  const hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (type < 0 || np < 0) {
    rc = ES_FAIL(err, ES_EHDF5, "cannot read %s", what);
    goto cleanup;
  }
  if ((size_t)np > ES_RESULTS_FILE_MAX_AXIS) {
    rc =
        ES_FAIL(err, ES_EINPUT, "%s has %lld values (expected at most %zu; %s)",
                what, (long long)np, ES_RESULTS_FILE_MAX_AXIS, expected_file);
    goto cleanup;
  }
  n = (size_t)np;
  cells = calloc(n > 0 ? n : 1, sizeof *cells);
  if (cells == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
    goto cleanup;
  }
  const H5T_class_t cls = H5Tget_class(type);
  *is_text = cls == H5T_STRING;
  if (cls == H5T_STRING && H5Tis_variable_str(type) > 0) {
    mem = es_results_file_text_type();
    raw = calloc(n > 0 ? n : 1, sizeof(char *));
    if (raw == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
      goto cleanup;
    }
    if (mem < 0 || read_whole(id, is_attr, mem, raw) < 0) {
      rc = ES_FAIL(err, ES_EHDF5, "cannot read %s", what);
      goto cleanup;
    }
    reclaim = true;
    char **texts = raw;
    for (size_t i = 0; i < n && rc == ES_OK; i++) {
      cells[i] = es_strdup(texts[i] != NULL ? texts[i] : "");
      if (cells[i] == NULL) {
        rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
      }
    }
  } else if (cls == H5T_STRING) {
    /* Fixed-length text: read with one more byte, always NUL-terminated. */
    const size_t size = H5Tget_size(type);
    if (size == 0 || size > ES_RESULTS_FILE_MAX_TEXT ||
        (n > 0 && size + 1 > ES_RESULTS_FILE_MAX_TEXT / n)) {
      rc = ES_FAIL(err, ES_EINPUT, "%s: texts of %zu bytes (%s)", what, size,
                   expected_file);
      goto cleanup;
    }
    mem = H5Tcopy(type);
    raw = calloc(n > 0 ? n : 1, size + 1);
    if (raw == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
      goto cleanup;
    }
    if (mem < 0 || H5Tset_size(mem, size + 1) < 0 ||
        H5Tset_strpad(mem, H5T_STR_NULLTERM) < 0 ||
        read_whole(id, is_attr, mem, raw) < 0) {
      rc = ES_FAIL(err, ES_EHDF5, "cannot read %s", what);
      goto cleanup;
    }
    for (size_t i = 0; i < n && rc == ES_OK; i++) {
      char *t = (char *)raw + i * (size + 1);
      size_t len = strlen(t);
      while (len > 0 && t[len - 1] == ' ') {
        len--; /* space padding, as h5py and Fortran write it */
      }
      t[len] = '\0';
      cells[i] = es_strdup(t);
      if (cells[i] == NULL) {
        rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
      }
    }
  } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
    const bool is_unsigned =
        cls == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE;
    const hid_t native = cls == H5T_FLOAT ? H5T_NATIVE_DOUBLE
                         : is_unsigned    ? H5T_NATIVE_ULLONG
                                          : H5T_NATIVE_LLONG;
    raw = calloc(n > 0 ? n : 1, sizeof(double) > sizeof(long long)
                                    ? sizeof(double)
                                    : sizeof(long long));
    if (raw == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
      goto cleanup;
    }
    if (read_whole(id, is_attr, native, raw) < 0) {
      rc = ES_FAIL(err, ES_EHDF5, "cannot read %s", what);
      goto cleanup;
    }
    for (size_t i = 0; i < n && rc == ES_OK; i++) {
      char text[ES_RESULTS_FILE_NUMBER_TEXT];
      if (cls == H5T_FLOAT) {
        es_results_file_double_text(((const double *)raw)[i], text);
      } else if (is_unsigned) {
        snprintf(text, sizeof text, "%llu",
                 ((const unsigned long long *)raw)[i]);
      } else {
        snprintf(text, sizeof text, "%lld", ((const long long *)raw)[i]);
      }
      cells[i] = es_strdup(text);
      if (cells[i] == NULL) {
        rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values", what, n);
      }
    }
  } else {
    rc = ES_FAIL(err, ES_EINPUT, "%s is neither text nor numbers (%s)", what,
                 expected_file);
  }
cleanup:
  if (reclaim) {
    H5Dvlen_reclaim(mem, space, H5P_DEFAULT, raw);
  }
  free(raw);
  if (mem >= 0) {
    H5Tclose(mem);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  if (type >= 0) {
    H5Tclose(type);
  }
  if (rc == ES_OK) {
    *out = cells;
    *n_out = n;
  } else {
    es_strings_free(cells, n);
  }
  return rc;
}

int es_results_file_read_text_attr(const hid_t obj, const char *name,
                                   const char *what, char **out,
                                   struct es_error *err) {
  *out = NULL;
  if (H5Aexists(obj, name) <= 0) {
    return ES_OK;
  }
  const hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) {
    return ES_FAIL(err, ES_EHDF5, "cannot open %s", what);
  }
  char **cells = NULL;
  size_t n = 0;
  bool is_text = false;
  int rc = es_results_file_read_cells(attr, /*is_attr=*/true, what, &cells, &n,
                                      &is_text, err);
  H5Aclose(attr);
  if (rc == ES_EINPUT) {
    es_error_clear(err); /* not text: as if absent */
    return ES_OK;
  }
  if (rc != ES_OK) {
    return rc;
  }
  if (is_text && n == 1) {
    *out = cells[0];
    cells[0] = NULL;
  }
  es_strings_free(cells, n);
  return ES_OK;
}

/* Open the one-dimensional coordinate @p gname/@p name of class @p cls and
 * give its length; the caller closes *@p ds. */
static int open_coordinate(const hid_t group, const char *path,
                           const char *gname, const char *name,
                           const H5T_class_t cls, const char *what, hid_t *ds,
                           size_t *n, struct es_error *err) {
  hid_t space = H5I_INVALID_HID;
  hid_t type = H5I_INVALID_HID;
  int rc = ES_OK;
  *ds = H5I_INVALID_HID;
  if (H5Lexists(group, name, H5P_DEFAULT) <= 0) {
    return ES_FAIL(err, ES_EINPUT,
                   "%s: %s/%s is missing (expected the coordinate %s: %s)",
                   path, gname, name, name, what);
  }
  *ds = H5Dopen2(group, name, H5P_DEFAULT);
  if (*ds < 0) {
    return ES_FAIL(err, ES_EINPUT,
                   "%s: %s/%s is not a dataset (expected the coordinate %s: "
                   "%s)",
                   path, gname, name, name, what);
  }
  space = H5Dget_space(*ds);
  type = H5Dget_type(*ds);
  hsize_t dims[1] = {0};
  if (space < 0 || type < 0 || H5Sget_simple_extent_ndims(space) != 1 ||
      H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
      H5Tget_class(type) != cls ||
      (cls == H5T_STRING && H5Tis_variable_str(type) <= 0) ||
      (cls == H5T_INTEGER && H5Tget_size(type) > 8)) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: %s/%s has the wrong type or shape (expected the "
                 "coordinate %s: %s)",
                 path, gname, name, name, what);
    goto cleanup;
  }
  if (dims[0] == 0 || dims[0] > ES_RESULTS_FILE_MAX_AXIS) {
    rc = ES_FAIL(err, ES_EINPUT,
                 "%s: %s/%s has length %llu (expected the coordinate %s: %s, "
                 "1 to %zu of them)",
                 path, gname, name, (unsigned long long)dims[0], name, what,
                 ES_RESULTS_FILE_MAX_AXIS);
    goto cleanup;
  }
  *n = (size_t)dims[0];
cleanup:
  if (type >= 0) {
    H5Tclose(type);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  if (rc != ES_OK && *ds >= 0) {
    H5Dclose(*ds);
    *ds = H5I_INVALID_HID;
  }
  return rc;
}

int es_results_file_read_text_coordinate(const hid_t group, const char *path,
                                         const char *gname, const char *name,
                                         char ***out, size_t *n,
                                         struct es_error *err) {
  hid_t ds = H5I_INVALID_HID;
  hid_t mem = H5I_INVALID_HID;
  hid_t space = H5I_INVALID_HID;
  char **raw = NULL;
  char **texts = NULL;
  size_t count = 0;
  int rc = open_coordinate(group, path, gname, name, H5T_STRING,
                           "variable-length strings", &ds, &count, err);
  if (rc != ES_OK) {
    return rc;
  }
  raw = calloc(count, sizeof *raw);
  texts = calloc(count, sizeof *texts);
  mem = es_results_file_text_type();
  space = H5Dget_space(ds);
  if (raw == NULL || texts == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu %s labels", path, count, name);
    goto cleanup;
  }
  if (mem < 0 || space < 0 ||
      H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
    rc = ES_FAIL(err, ES_EHDF5, "%s: cannot read %s/%s", path, gname, name);
    goto cleanup;
  }
  for (size_t i = 0; i < count; i++) {
    texts[i] = es_strdup(raw[i] != NULL ? raw[i] : "");
    if (texts[i] == NULL) {
      rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu %s labels", path, count, name);
      break;
    }
  }
  H5Dvlen_reclaim(mem, space, H5P_DEFAULT, raw);
cleanup:
  if (rc == ES_OK) {
    *out = texts;
    *n = count;
  } else {
    es_strings_free(texts, count);
  }
  free(raw);
  if (space >= 0) {
    H5Sclose(space);
  }
  if (mem >= 0) {
    H5Tclose(mem);
  }
  H5Dclose(ds);
  return rc;
}

int es_results_file_read_int32_coordinate(const hid_t group, const char *path,
                                          const char *gname, const char *name,
                                          int32_t **out, size_t *n,
                                          struct es_error *err) {
  hid_t ds = H5I_INVALID_HID;
  size_t count = 0;
  int rc = open_coordinate(group, path, gname, name, H5T_INTEGER, "integers",
                           &ds, &count, err);
  if (rc != ES_OK) {
    return rc;
  }
  int32_t *values = malloc(count * sizeof *values);
  if (values == NULL) {
    rc = ES_FAIL(err, ES_ENOMEM, "%s: %zu values of %s/%s", path, count, gname,
                 name);
  } else if (H5Dread(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     values) < 0) {
    rc = ES_FAIL(err, ES_EHDF5, "%s: cannot read %s/%s", path, gname, name);
  }
  H5Dclose(ds);
  if (rc != ES_OK) {
    free(values);
    return rc;
  }
  *out = values;
  *n = count;
  return ES_OK;
}
