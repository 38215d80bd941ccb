/* export.c: a results file as tidy CSV files for spreadsheets, R and pandas.
 *
 * `edusim export RESULTS.h5 --csv DIR` turns the arrays of a results file
 * (docs/output-format.md) into long ("tidy") tables: every cell of a group's
 * arrays becomes one row, with one column per dimension (strategy, statistic,
 * year, region, age or stage, in the order of the variables' axes), the
 * region's name, province and prefecture right after region, and one column
 * per data variable, so that a spreadsheet filter or R's dplyr::filter picks
 * any slice without reshaping. Nothing is computed: every number is the
 * file's float64 printed with %.17g, which reads back to the same double, and
 * a missing value (NaN) is an empty field, which R (read.csv, readr) and
 * pandas read as NA. Text is RFC 4180: quoted when it holds a comma, a quote,
 * CR or LF, or is empty (so that an empty name is not read as NA).
 *
 * The file is opened through results_file.h, which checks its digest, its
 * root attributes and every dataset against its dimension scales (and bounds
 * their sizes) before anything here reads it; the reading helpers shared
 * with info and compare live there too. It is read with the HDF5 C API the
 * way every reader of the format does: a group's dimensions are the names of
 * the dimension scales attached to its variables' axes, and their labels are
 * the coordinate datasets of the same names inside the group (each group is
 * self-contained). Variables are read in blocks of whole trailing axes, so the
 * memory used does not grow with the size of the file. The texts of the
 * scenario group are written back as the files they were read from, and the
 * root attributes (the provenance) as metadata.csv.
 *
 * Every file goes to a hidden temporary name in its folder and is renamed
 * into place only when all files are complete, so a failed export leaves no
 * half-written CSV; the file and the options are checked before the folder is
 * touched. */
#include "output/export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "models/strings.h"
#include "output/csv_out.h"
#include "output/export_impl.h"
#include "output/results_file.h"

#define MAX_RANK       8                 /* axes of a data variable exported */
#define SCALE_NAME_MAX 256               /* longest dimension name */
#define BLOCK_VALUES   ((size_t)1 << 16) /* values of a variable per read */

#define METADATA_FILE   "metadata.csv"
#define SCENARIO_FOLDER "scenario"
#define SCENARIO_GROUP  "scenario"

/* Labels along region written next to it, in this order (output-format.md). */
static const char *const region_label_names[] = {
    "region_name", "region_province", "region_prefecture"};
#define N_REGION_LABELS \
  (sizeof region_label_names / sizeof region_label_names[0])

/* Label variables of the format: along an axis, not data variables. */
static const char *const label_names[] = {
    "region_name",  "region_province", "region_prefecture", "region_rank",
    "stage_age_lo", "stage_age_hi",    "stage_ptr_standard"};

/* What every malformed-file error says was expected. */
static const char expected_file[] =
    "expected a results file written by edusim run";

/* ---- small helpers ------------------------------------------------------- */

/* Append ", name" (or "name" first) to @p buf of @p size bytes, ending in
 * "..." when it does not fit. */
static void join_name(char *buf, const size_t size, const char *name) {
  const size_t used = strlen(buf);
  if (used >= 3 && strcmp(buf + used - 3, "...") == 0) {
    return;
  }
  const int w =
      snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", name);
  if (w < 0 || (size_t)w >= size - used) {
    if (size >= 4) {
      memcpy(buf + size - 4, "...", 4);
    }
  }
}

/* True when @p name is one of the names join_name put in @p buf. */
static bool joined_has(const char *buf, const char *name) {
  const size_t n = strlen(name);
  if (n == 0) {
    return false;
  }
  for (const char *p = buf; (p = strstr(p, name)) != NULL; p++) {
    const bool starts = p == buf || (p >= buf + 2 && p[-2] == ',');
    const bool ends = p[n] == '\0' || p[n] == ',';
    if (starts && ends) {
      return true;
    }
  }
  return false;
}

/* True when @p name is in @p list of @p n names. */
static bool in_list(const char *name, const char *const *list, const size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (strcmp(name, list[i]) == 0) {
      return true;
    }
  }
  return false;
}

/* One CSV field of a value: text quoted per RFC 4180 (also when empty, so
 * that readers tell it from a missing number), numbers as they are. */
static void put_value(FILE *out, const char *s, const bool is_text) {
  if (is_text) {
    es_csv_put_field(out, s, /*quote_empty=*/true);
  } else {
    fputs(s, out);
  }
}

/* ---- the file as tables -------------------------------------------------- */

/* The labels of one axis, or one label variable along it. */
struct column {
  char *name;   /* dataset name, e.g. "region" or "region_name" (owned) */
  size_t n;     /* labels, the axis length */
  char **text;  /* [n] cell text, unquoted (owned) */
  bool is_text; /* strings (quoted when needed) rather than numbers */
};

static void column_clear(struct column *col) {
  free(col->name);
  es_strings_free(col->text, col->n);
  memset(col, 0, sizeof *col);
}

/* The variables of a group that share one tuple of dimensions: one CSV. */
struct table {
  char *group;                   /* group name (owned) */
  char *file_name;               /* "<group>.csv" or "<group>__<dims>.csv" */
  size_t rank;                   /* dimensions, 1..MAX_RANK */
  struct column coord[MAX_RANK]; /* each dimension's name and labels */
  size_t region_axis;            /* axis named "region", or SIZE_MAX */
  size_t n_labels;               /* region labels present */
  struct column labels[N_REGION_LABELS]; /* region_name, ... (owned) */
  size_t statistic_axis; /* axis named "statistic", or SIZE_MAX */
  size_t n_vars;         /* data variables */
  char **var;            /* [n_vars] names (owned) */
  bool selected;         /* to be written */
  size_t i_statistic;    /* the one statistic kept, when filtered */
  bool filtered;         /* only i_statistic along statistic_axis */
};

static void table_clear(struct table *t) {
  free(t->group);
  free(t->file_name);
  for (size_t a = 0; a < MAX_RANK; a++) {
    column_clear(&t->coord[a]);
  }
  for (size_t k = 0; k < N_REGION_LABELS; k++) {
    column_clear(&t->labels[k]);
  }
  es_strings_free(t->var, t->n_vars);
  memset(t, 0, sizeof *t);
}

/* Everything one export holds. */
struct exporter {
  const char *path;           /* the results file (borrowed) */
  struct es_results_file *rf; /* it, opened and checked (owned) */
  hid_t file;                 /* its HDF5 file (owned by rf) */
  size_t n_tables, cap_tables;
  struct table *tables;
  size_t n_groups, cap_groups;
  char **groups; /* data groups of the file, in file order (owned) */
  bool has_scenario;
  struct es__export_files files; /* temporary files and folders made */
  struct es_error *err;
};

/* Names of the members of @p loc, in creation order when the file tracks it
 * (edusim files do), else by name. */
struct name_list {
  size_t n, cap;
  char **name; /* (owned) */
  bool failed; /* out of memory */
};

static herr_t collect_name(hid_t loc, const char *name, const H5L_info_t *info,
                           void *data) {
  (void)loc;
  (void)info;
  struct name_list *list = data;
  if (!es__export_grow((void **)&list->name, &list->cap, list->n,
                       sizeof *list->name) ||
      (list->name[list->n] = es_strdup(name)) == NULL) {
    list->failed = true;
    return -1;
  }
  list->n++;
  return 0;
}

static int list_members(const hid_t loc, const char *what,
                        struct name_list *list, struct es_error *err) {
  memset(list, 0, sizeof *list);
  hsize_t idx = 0;
  herr_t st = H5Literate(loc, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx,
                         collect_name, list);
  if (st < 0 && !list->failed) {
    es_strings_free(list->name, list->n);
    memset(list, 0, sizeof *list);
    idx = 0;
    st = H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, list);
  }
  if (st < 0) {
    const bool oom = list->failed;
    es_strings_free(list->name, list->n);
    memset(list, 0, sizeof *list);
    return oom ? ES_FAIL(err, ES_ENOMEM, "listing %s", what)
               : ES_FAIL(err, ES_EHDF5, "cannot list %s", what);
  }
  return ES_OK;
}

/* H5Iget_type of member @p name of @p loc (H5I_BADID when it cannot be
 * opened, e.g. a dangling link). */
static H5I_type_t member_type(const hid_t loc, const char *name) {
  const hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
  if (obj < 0) {
    return H5I_BADID;
  }
  const H5I_type_t type = H5Iget_type(obj);
  H5Oclose(obj);
  return type;
}

/* H5DSiterate_scales callback: the first scale's name, and stop. */
static herr_t first_scale_name(hid_t ds, unsigned axis, hid_t scale,
                               void *data) {
  (void)ds;
  (void)axis;
  char *name = data;
  if (H5DSget_scale_name(scale, name, SCALE_NAME_MAX) <= 0) {
    /* A scale without a NAME attribute: the dataset's own name. */
    char path[SCALE_NAME_MAX * 2];
    if (H5Iget_name(scale, path, sizeof path) > 0) {
      const char *base = strrchr(path, '/');
      const char *src = base != NULL ? base + 1 : path;
      size_t len = strlen(src);
      len = len < SCALE_NAME_MAX ? len : SCALE_NAME_MAX - 1;
      memcpy(name, src, len);
      name[len] = '\0';
    }
  }
  return 1;
}

/* Read the coordinate @p name of @p group (one axis of length @p len) into
 * @p col. */
static int read_column(struct exporter *ex, const hid_t group,
                       const char *gname, const char *name, const size_t len,
                       struct column *col) {
  char what[SCALE_NAME_MAX * 3];
  snprintf(what, sizeof what, "%s: %s/%s", ex->path, gname, name);
  if (H5Lexists(group, name, H5P_DEFAULT) <= 0 ||
      member_type(group, name) != H5I_DATASET) {
    return ES_FAIL(ex->err, ES_EINPUT,
                   "%s is missing (expected the coordinate of dimension '%s' "
                   "in the group; %s)",
                   what, name, expected_file);
  }
  const hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
  if (ds < 0) {
    return ES_FAIL(ex->err, ES_EHDF5, "cannot open %s", what);
  }
  int rc = ES_OK;
  const hid_t space = H5Dget_space(ds);
  if (space < 0 || H5Sget_simple_extent_ndims(space) != 1) {
    rc = ES_FAIL(ex->err, ES_EINPUT, "%s is not one-dimensional (%s)", what,
                 expected_file);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  if (rc == ES_OK) {
    rc = es_results_file_read_cells(ds, /*is_attr=*/false, what, &col->text,
                                    &col->n, &col->is_text, ex->err);
  }
  H5Dclose(ds);
  if (rc == ES_OK && col->n != len) {
    rc = ES_FAIL(ex->err, ES_EINPUT,
                 "%s has %zu labels but the axis has length %zu (%s)", what,
                 col->n, len, expected_file);
  }
  if (rc == ES_OK) {
    col->name = es_strdup(name);
    if (col->name == NULL) {
      rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
    }
  }
  if (rc != ES_OK) {
    column_clear(col);
  }
  return rc;
}

/* Add data variable @p name of @p group to the table of its dimensions
 * (a new one when no variable before it had them). */
static int add_variable(struct exporter *ex, const hid_t group,
                        const char *gname, const char *name) {
  char what[SCALE_NAME_MAX * 3];
  snprintf(what, sizeof what, "%s: %s/%s", ex->path, gname, name);
  int rc = ES_OK;
  hid_t space = H5I_INVALID_HID;
  hid_t type = H5I_INVALID_HID;
  const hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
  if (ds < 0) {
    return ES_FAIL(ex->err, ES_EHDF5, "cannot open %s", what);
  }
  if (H5DSis_scale(ds) > 0) {
    goto cleanup; /* a coordinate */
  }
  type = H5Dget_type(ds);
  space = H5Dget_space(ds);
  const int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  const H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (rank == 0 || (cls != H5T_FLOAT && cls != H5T_INTEGER)) {
    goto cleanup; /* neither an array nor numbers: not a data variable */
  }
  if (rank < 0 || rank > MAX_RANK) {
    rc = ES_FAIL(ex->err, ES_EINPUT,
                 "%s has %d dimensions (expected 1 to %d; %s)", what, rank,
                 MAX_RANK, expected_file);
    goto cleanup;
  }
  hsize_t shape[MAX_RANK] = {0};
  char dims[MAX_RANK][SCALE_NAME_MAX];
  H5Sget_simple_extent_dims(space, shape, NULL);
  for (int a = 0; a < rank; a++) {
    dims[a][0] = '\0';
    int idx = 0;
    if (H5DSget_num_scales(ds, (unsigned)a) <= 0 ||
        H5DSiterate_scales(ds, (unsigned)a, &idx, first_scale_name, dims[a]) <
            0 ||
        dims[a][0] == '\0') {
      rc =
          ES_FAIL(ex->err, ES_EINPUT, "%s: axis %d has no dimension scale (%s)",
                  what, a + 1, expected_file);
      goto cleanup;
    }
  }
  /* The table of this group with the same dimensions, else a new one. */
  struct table *t = NULL;
  for (size_t i = 0; i < ex->n_tables && t == NULL; i++) {
    struct table *c = &ex->tables[i];
    bool same = strcmp(c->group, gname) == 0 && c->rank == (size_t)rank;
    for (size_t a = 0; same && a < c->rank; a++) {
      same = strcmp(c->coord[a].name, dims[a]) == 0;
    }
    if (same) {
      t = c;
    }
  }
  if (t == NULL) {
    if (!es__export_grow((void **)&ex->tables, &ex->cap_tables, ex->n_tables,
                         sizeof *ex->tables)) {
      rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
      goto cleanup;
    }
    t = &ex->tables[ex->n_tables++];
    memset(t, 0, sizeof *t);
    t->region_axis = SIZE_MAX;
    t->statistic_axis = SIZE_MAX;
    t->rank = (size_t)rank;
    t->group = es_strdup(gname);
    if (t->group == NULL) {
      rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
      goto cleanup;
    }
    for (size_t a = 0; a < t->rank && rc == ES_OK; a++) {
      rc = read_column(ex, group, gname, dims[a], (size_t)shape[a],
                       &t->coord[a]);
      if (rc == ES_OK && strcmp(dims[a], "region") == 0) {
        t->region_axis = a;
      }
      if (rc == ES_OK && strcmp(dims[a], "statistic") == 0) {
        t->statistic_axis = a;
      }
    }
    for (size_t k = 0; k < N_REGION_LABELS && rc == ES_OK; k++) {
      const char *label = region_label_names[k];
      if (t->region_axis != SIZE_MAX &&
          H5Lexists(group, label, H5P_DEFAULT) > 0) {
        rc = read_column(ex, group, gname, label, (size_t)shape[t->region_axis],
                         &t->labels[t->n_labels]);
        if (rc == ES_OK) {
          t->n_labels++;
        }
      }
    }
    if (rc != ES_OK) {
      goto cleanup;
    }
  } else {
    for (size_t a = 0; a < t->rank; a++) {
      if (t->coord[a].n != (size_t)shape[a]) {
        rc = ES_FAIL(ex->err, ES_EINPUT,
                     "%s: axis %s has length %llu, not %zu as the "
                     "coordinate (%s)",
                     what, dims[a], (unsigned long long)shape[a], t->coord[a].n,
                     expected_file);
        goto cleanup;
      }
    }
  }
  char *copy = es_strdup(name);
  char **vars =
      copy != NULL ? realloc(t->var, (t->n_vars + 1) * sizeof *vars) : NULL;
  if (vars == NULL) {
    free(copy);
    rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
    goto cleanup;
  }
  t->var = vars;
  t->var[t->n_vars++] = copy;
cleanup:
  if (type >= 0) {
    H5Tclose(type);
  }
  if (space >= 0) {
    H5Sclose(space);
  }
  H5Dclose(ds);
  return rc;
}

/* Read the structure of data group @p gname: its tables and their labels. */
static int scan_group(struct exporter *ex, const char *gname) {
  struct name_list members = {0};
  char what[SCALE_NAME_MAX * 2];
  snprintf(what, sizeof what, "%s: group '%s'", ex->path, gname);
  const hid_t group = H5Gopen2(ex->file, gname, H5P_DEFAULT);
  if (group < 0) {
    return ES_FAIL(ex->err, ES_EHDF5, "cannot open %s", what);
  }
  const size_t first_table = ex->n_tables;
  int rc = list_members(group, what, &members, ex->err);
  for (size_t i = 0; i < members.n && rc == ES_OK; i++) {
    const char *name = members.name[i];
    if (in_list(name, label_names,
                sizeof label_names / sizeof label_names[0]) ||
        member_type(group, name) != H5I_DATASET) {
      continue;
    }
    rc = add_variable(ex, group, gname, name);
  }
  if (rc == ES_OK && ex->n_tables > first_table) {
    if (!es__export_grow((void **)&ex->groups, &ex->cap_groups, ex->n_groups,
                         sizeof *ex->groups) ||
        (ex->groups[ex->n_groups] = es_strdup(gname)) == NULL) {
      rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
    } else {
      ex->n_groups++;
    }
  }
  es_strings_free(members.name, members.n);
  H5Gclose(group);
  return rc;
}

/* Open the results file (checked by es_results_file_open) and read the
 * structure of every data group. */
static int scan_file(struct exporter *ex,
                     const struct es_digest_policy *policy) {
  int rc = es_results_file_open(ex->path, policy, &ex->rf, ex->err);
  if (rc != ES_OK) {
    return rc;
  }
  ex->file = es_results_file_id(ex->rf);
  struct name_list members = {0};
  rc = list_members(ex->file, ex->path, &members, ex->err);
  for (size_t i = 0; i < members.n && rc == ES_OK; i++) {
    const char *name = members.name[i];
    if (member_type(ex->file, name) != H5I_GROUP) {
      continue;
    }
    if (strcmp(name, SCENARIO_GROUP) == 0) {
      ex->has_scenario = true;
    } else {
      rc = scan_group(ex, name);
    }
  }
  es_strings_free(members.name, members.n);
  return rc;
}

/* ---- what to write ------------------------------------------------------- */

/* Mark the tables of the requested groups, and check the statistic. */
static int select_tables(struct exporter *ex,
                         const struct es_export_options *opts,
                         bool *with_scenario,
                         struct es_export_summary *summary) {
  char expected[ES_ERROR_MESSAGE_MAX / 2] = "";
  for (size_t g = 0; g < ex->n_groups; g++) {
    join_name(expected, sizeof expected, ex->groups[g]);
  }
  if (ex->has_scenario) {
    join_name(expected, sizeof expected, SCENARIO_GROUP);
  }
  for (size_t k = 0; k < opts->n_groups; k++) {
    const char *name = opts->groups[k];
    const bool known =
        in_list(name, (const char *const *)ex->groups, ex->n_groups) ||
        (ex->has_scenario && strcmp(name, SCENARIO_GROUP) == 0);
    if (!known) {
      return ES_FAIL(ex->err, ES_EINPUT,
                     "%s: unknown group '%s' (expected: %s)", ex->path, name,
                     expected[0] != '\0' ? expected : "none in the file");
    }
  }
  const bool all = opts->n_groups == 0;
  *with_scenario =
      ex->has_scenario &&
      (all || in_list(SCENARIO_GROUP, opts->groups, opts->n_groups));
  for (size_t i = 0; i < ex->n_tables; i++) {
    struct table *t = &ex->tables[i];
    t->selected = all || in_list(t->group, opts->groups, opts->n_groups);
  }
  if (opts->statistic == NULL) {
    return ES_OK;
  }
  /* Keep one statistic: tables whose statistic axis lacks it are left out,
   * tables without a statistic axis are written whole. */
  char statistics[ES_ERROR_MESSAGE_MAX / 2] = "";
  size_t n_found = 0, n_with_axis = 0;
  for (size_t i = 0; i < ex->n_tables; i++) {
    struct table *t = &ex->tables[i];
    if (!t->selected || t->statistic_axis == SIZE_MAX) {
      continue;
    }
    n_with_axis++;
    const struct column *col = &t->coord[t->statistic_axis];
    for (size_t s = 0; s < col->n; s++) {
      if (!joined_has(statistics, col->text[s])) {
        join_name(statistics, sizeof statistics, col->text[s]);
      }
      if (strcmp(col->text[s], opts->statistic) == 0 && !t->filtered) {
        t->filtered = true;
        t->i_statistic = s;
      }
    }
    if (t->filtered) {
      n_found++;
    }
  }
  if (n_with_axis == 0) {
    return ES_FAIL(ex->err, ES_EINPUT,
                   "%s: statistic '%s': no group exported has a statistic "
                   "axis",
                   ex->path, opts->statistic);
  }
  if (n_found == 0) {
    return ES_FAIL(ex->err, ES_EINPUT,
                   "%s: unknown statistic '%s' (expected: %s)", ex->path,
                   opts->statistic, statistics);
  }
  for (size_t i = 0; i < ex->n_tables; i++) {
    struct table *t = &ex->tables[i];
    if (t->selected && t->statistic_axis != SIZE_MAX && !t->filtered) {
      t->selected = false;
      if (summary != NULL) {
        bool listed = false;
        for (size_t j = 0; j < i && !listed; j++) {
          listed = !ex->tables[j].selected &&
                   strcmp(ex->tables[j].group, t->group) == 0;
        }
        if (!listed) {
          join_name(summary->skipped, sizeof summary->skipped, t->group);
        }
      }
    }
  }
  return ES_OK;
}

/* Name the CSV file of every table, and check that no two names meet. */
static int name_tables(struct exporter *ex) {
  for (size_t i = 0; i < ex->n_tables; i++) {
    struct table *t = &ex->tables[i];
    size_t n_same = 0;
    for (size_t j = 0; j < ex->n_tables; j++) {
      n_same += strcmp(ex->tables[j].group, t->group) == 0;
    }
    if (n_same == 1) {
      t->file_name = es__export_concat3(t->group, ".csv", "");
    } else {
      size_t len = strlen(t->group) + sizeof "__.csv";
      for (size_t a = 0; a < t->rank; a++) {
        len += strlen(t->coord[a].name) + 1;
      }
      t->file_name = malloc(len);
      if (t->file_name != NULL) {
        strcpy(t->file_name, t->group);
        strcat(t->file_name, "__");
        for (size_t a = 0; a < t->rank; a++) {
          strcat(t->file_name, a > 0 ? "_" : "");
          strcat(t->file_name, t->coord[a].name);
        }
        strcat(t->file_name, ".csv");
      }
    }
    if (t->file_name == NULL) {
      return ES_FAIL(ex->err, ES_ENOMEM, "group '%s'", t->group);
    }
  }
  for (size_t i = 0; i < ex->n_tables; i++) {
    const struct table *t = &ex->tables[i];
    if (!t->selected) {
      continue;
    }
    bool clash = strcmp(t->file_name, METADATA_FILE) == 0;
    for (size_t j = 0; j < i && !clash; j++) {
      clash = ex->tables[j].selected &&
              strcmp(ex->tables[j].file_name, t->file_name) == 0;
    }
    if (clash) {
      return ES_FAIL(ex->err, ES_EINPUT,
                     "%s: group '%s' would be written to %s, which another "
                     "file of the export takes",
                     ex->path, t->group, t->file_name);
    }
  }
  return ES_OK;
}

/* ---- folders and files --------------------------------------------------- */

/* The folders and the temporary files are output/export_files.c's. */
static int make_folder(struct exporter *ex, const char *path) {
  return es__export_make_folder(&ex->files, path);
}

static int prepare_folder(struct exporter *ex, const char *dir,
                          const bool force) {
  return es__export_prepare_folder(&ex->files, dir, force);
}

static int open_pending(struct exporter *ex, const char *folder,
                        const char *name, FILE **out) {
  return es__export_open(&ex->files, folder, name, out);
}

static int close_pending(struct exporter *ex, FILE *f) {
  return es__export_close(&ex->files, f);
}

/* ---- writing ------------------------------------------------------------- */

/* Write the CSV of table @p t. */
static int write_table(struct exporter *ex, const char *dir,
                       const struct table *t, size_t *n_rows) {
  FILE *out = NULL;
  hid_t group = H5I_INVALID_HID;
  hid_t *ds = NULL;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  double *buf = NULL;
  int rc = ES_OK;
  /* The hyperslab of each axis: all of it, or the one statistic kept. */
  hsize_t first[MAX_RANK], count[MAX_RANK];
  for (size_t a = 0; a < t->rank; a++) {
    const bool one = t->filtered && a == t->statistic_axis;
    first[a] = one ? t->i_statistic : 0;
    count[a] = one ? 1 : t->coord[a].n;
  }
  /* Read whole trailing axes at a time: axes k.. form one block. */
  size_t k = 0, block = 1;
  for (size_t a = 0; a < t->rank; a++) {
    block *= (size_t)count[a];
  }
  while (k + 1 < t->rank && block > BLOCK_VALUES) {
    block /= count[k] > 0 ? (size_t)count[k] : 1;
    k++;
  }
  bool empty = false;
  for (size_t a = 0; a < t->rank; a++) {
    empty = empty || count[a] == 0;
  }

  group = H5Gopen2(ex->file, t->group, H5P_DEFAULT);
  ds = malloc(t->n_vars * sizeof *ds);
  buf = malloc((t->n_vars * block > 0 ? t->n_vars * block : 1) * sizeof *buf);
  if (ds == NULL || buf == NULL) {
    free(ds);
    ds = NULL;
    rc = ES_FAIL(ex->err, ES_ENOMEM, "group '%s': %zu values", t->group,
                 t->n_vars * block);
    goto cleanup;
  }
  for (size_t v = 0; v < t->n_vars; v++) {
    ds[v] = H5I_INVALID_HID;
  }
  if (group < 0) {
    rc = ES_FAIL(ex->err, ES_EHDF5, "%s: cannot open group '%s'", ex->path,
                 t->group);
    goto cleanup;
  }
  for (size_t v = 0; v < t->n_vars; v++) {
    ds[v] = H5Dopen2(group, t->var[v], H5P_DEFAULT);
    if (ds[v] < 0) {
      rc = ES_FAIL(ex->err, ES_EHDF5, "%s: cannot open %s/%s", ex->path,
                   t->group, t->var[v]);
      goto cleanup;
    }
  }
  hsize_t mdims[1] = {block > 0 ? block : 1};
  mspace = H5Screate_simple(1, mdims, NULL);
  if (mspace < 0) {
    rc = ES_FAIL(ex->err, ES_EHDF5, "%s", "memory dataspace");
    goto cleanup;
  }

  rc = open_pending(ex, dir, t->file_name, &out);
  if (rc != ES_OK) {
    goto cleanup;
  }
  /* Header: dimensions, region labels after region, variables. */
  for (size_t a = 0; a < t->rank; a++) {
    if (a > 0) {
      putc(',', out);
    }
    es_csv_put_field(out, t->coord[a].name, /*quote_empty=*/true);
    if (a == t->region_axis) {
      for (size_t l = 0; l < t->n_labels; l++) {
        putc(',', out);
        es_csv_put_field(out, t->labels[l].name, /*quote_empty=*/true);
      }
    }
  }
  for (size_t v = 0; v < t->n_vars; v++) {
    putc(',', out);
    es_csv_put_field(out, t->var[v], /*quote_empty=*/true);
  }
  putc('\n', out);

  size_t outer[MAX_RANK] = {0}; /* index of axes 0..k-1 within count */
  bool more = !empty;
  while (more) {
    if (es__export_stopped(&ex->files)) {
      rc = es__export_fail_stopped(&ex->files, t->file_name);
      goto cleanup;
    }
    hsize_t start[MAX_RANK], cnt[MAX_RANK];
    for (size_t a = 0; a < t->rank; a++) {
      start[a] = first[a] + (a < k ? outer[a] : 0);
      cnt[a] = a < k ? 1 : count[a];
    }
    for (size_t v = 0; v < t->n_vars; v++) {
      fspace = H5Dget_space(ds[v]);
      if (fspace < 0 ||
          H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, cnt, NULL) <
              0 ||
          H5Dread(ds[v], H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT,
                  buf + v * block) < 0) {
        rc = ES_FAIL(ex->err, ES_EHDF5, "%s: cannot read %s/%s", ex->path,
                     t->group, t->var[v]);
        goto cleanup;
      }
      H5Sclose(fspace);
      fspace = H5I_INVALID_HID;
    }
    /* One row per value of the block, in row-major order. */
    size_t inner[MAX_RANK] = {0};
    for (size_t j = 0; j < block; j++) {
      for (size_t a = 0; a < t->rank; a++) {
        const size_t i = (size_t)first[a] + (a < k ? outer[a] : inner[a]);
        if (a > 0) {
          putc(',', out);
        }
        put_value(out, t->coord[a].text[i], t->coord[a].is_text);
        if (a == t->region_axis) {
          for (size_t l = 0; l < t->n_labels; l++) {
            putc(',', out);
            put_value(out, t->labels[l].text[i], t->labels[l].is_text);
          }
        }
      }
      for (size_t v = 0; v < t->n_vars; v++) {
        char text[ES_RESULTS_FILE_NUMBER_TEXT];
        es_results_file_double_text(buf[v * block + j], text);
        putc(',', out);
        fputs(text, out);
      }
      putc('\n', out);
      (*n_rows)++;
      for (size_t a = t->rank; a-- > k;) {
        if (++inner[a] < count[a]) {
          break;
        }
        inner[a] = 0;
      }
    }
    if (ferror(out)) {
      break; /* reported by close_pending */
    }
    more = false;
    for (size_t a = k; a-- > 0;) {
      if (++outer[a] < count[a]) {
        more = true;
        break;
      }
      outer[a] = 0;
    }
  }
  rc = close_pending(ex, out);
  out = NULL;
cleanup:
  if (out != NULL) {
    fclose(out);
  }
  if (fspace >= 0) {
    H5Sclose(fspace);
  }
  if (mspace >= 0) {
    H5Sclose(mspace);
  }
  for (size_t v = 0; ds != NULL && v < t->n_vars; v++) {
    if (ds[v] >= 0) {
      H5Dclose(ds[v]);
    }
  }
  free(ds);
  free(buf);
  if (group >= 0) {
    H5Gclose(group);
  }
  return rc;
}

/* Decode base64 (RFC 4648, padded) @p text into *@p out of *@p size bytes;
 * false when it is not base64. */
static bool base64_decode(const char *text, char **out, size_t *size) {
  const size_t n = strlen(text);
  unsigned char *bytes = malloc(n / 4 * 3 + 3);
  if (bytes == NULL) {
    return false;
  }
  size_t o = 0, n_sextets = 0, n_pad = 0;
  uint32_t acc = 0;
  for (size_t i = 0; i < n; i++) {
    const char c = text[i];
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else if (c == '=') {
      n_pad++;
      v = 0;
    } else if (c == '\n' || c == '\r') {
      continue;
    }
    if (v < 0 || (n_pad > 0 && c != '=') || n_pad > 2) {
      free(bytes);
      return false;
    }
    acc = acc << 6 | (uint32_t)v;
    if (++n_sextets == 4) {
      bytes[o++] = (unsigned char)(acc >> 16);
      bytes[o++] = (unsigned char)(acc >> 8);
      bytes[o++] = (unsigned char)acc;
      n_sextets = 0;
      acc = 0;
    }
  }
  if (n_sextets != 0) {
    free(bytes);
    return false;
  }
  *out = (char *)bytes;
  *size = o - n_pad;
  return true;
}

/* The file name of a scenario text: the base name of its path attribute,
 * or "<name>.txt" when it has none that can name a file. */
static char *scenario_file_name(const char *name, const char *path) {
  const char *base = NULL;
  if (path != NULL) {
    const char *slash = strrchr(path, '/');
    base = slash != NULL ? slash + 1 : path;
    bool ok = base[0] != '\0' && strcmp(base, ".") != 0 &&
              strcmp(base, "..") != 0 && strcmp(base, METADATA_FILE) != 0;
    for (const char *p = base; ok && *p != '\0'; p++) {
      ok = (unsigned char)*p >= 0x20 && *p != '\\';
    }
    if (!ok) {
      base = NULL;
    }
  }
  return base != NULL ? es_strdup(base) : es__export_concat3(name, ".txt", "");
}

/* DIR/scenario/: every text of group "scenario", verbatim. */
static int write_scenario(struct exporter *ex, const char *dir,
                          size_t *n_files) {
  struct name_list members = {0};
  char **used = NULL; /* file names taken */
  size_t n_used = 0;
  char *folder = NULL;
  char what[SCALE_NAME_MAX * 3];
  snprintf(what, sizeof what, "%s: group '%s'", ex->path, SCENARIO_GROUP);
  const hid_t group = H5Gopen2(ex->file, SCENARIO_GROUP, H5P_DEFAULT);
  if (group < 0) {
    return ES_FAIL(ex->err, ES_EHDF5, "cannot open %s", what);
  }
  int rc = list_members(group, what, &members, ex->err);
  used = calloc(members.n > 0 ? members.n : 1, sizeof *used);
  folder = es__export_concat3(dir, "/", SCENARIO_FOLDER);
  if (rc == ES_OK && (used == NULL || folder == NULL)) {
    rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
  }
  bool have_folder = false;
  for (size_t i = 0; i < members.n && rc == ES_OK; i++) {
    const char *name = members.name[i];
    if (member_type(group, name) != H5I_DATASET) {
      continue;
    }
    snprintf(what, sizeof what, "%s: %s/%s", ex->path, SCENARIO_GROUP, name);
    const hid_t ds = H5Dopen2(group, name, H5P_DEFAULT);
    if (ds < 0) {
      rc = ES_FAIL(ex->err, ES_EHDF5, "cannot open %s", what);
      break;
    }
    char **cells = NULL, *path = NULL, *encoding = NULL, *decoded = NULL;
    char *file_name = NULL;
    size_t n_cells = 0, size = 0;
    bool is_text = false;
    rc = es_results_file_read_cells(ds, /*is_attr=*/false, what, &cells,
                                    &n_cells, &is_text, ex->err);
    if (rc == ES_OK) {
      rc = es_results_file_read_text_attr(ds, "path", what, &path, ex->err);
    }
    if (rc == ES_OK) {
      rc = es_results_file_read_text_attr(ds, "encoding", what, &encoding,
                                          ex->err);
    }
    H5Dclose(ds);
    if (rc == ES_OK && (!is_text || n_cells != 1)) {
      rc = ES_FAIL(ex->err, ES_EINPUT, "%s is not one text (%s)", what,
                   expected_file);
    }
    const char *bytes = rc == ES_OK ? cells[0] : NULL;
    size = bytes != NULL ? strlen(bytes) : 0;
    if (rc == ES_OK && encoding != NULL && strcmp(encoding, "base64") == 0) {
      if (!base64_decode(bytes, &decoded, &size)) {
        rc = ES_FAIL(ex->err, ES_EINPUT,
                     "%s has encoding base64 but is not base64 text (%s)", what,
                     expected_file);
      }
      bytes = decoded;
    }
    if (rc == ES_OK) {
      file_name = scenario_file_name(name, path);
      if (file_name != NULL &&
          in_list(file_name, (const char *const *)used, n_used)) {
        char *other = es__export_concat3(name, "__", file_name);
        free(file_name);
        file_name = other;
      }
      if (file_name == NULL) {
        rc = ES_FAIL(ex->err, ES_ENOMEM, "%s", what);
      }
    }
    if (rc == ES_OK && in_list(file_name, (const char *const *)used, n_used)) {
      rc = ES_FAIL(ex->err, ES_EINPUT,
                   "%s would be written to scenario/%s, which another text "
                   "takes",
                   what, file_name);
    }
    if (rc == ES_OK && !have_folder) {
      rc = make_folder(ex, folder);
      have_folder = rc == ES_OK;
    }
    FILE *out = NULL;
    if (rc == ES_OK) {
      rc = open_pending(ex, folder, file_name, &out);
    }
    if (rc == ES_OK) {
      if (size > 0) {
        fwrite(bytes, 1, size, out);
      }
      rc = close_pending(ex, out);
    }
    if (rc == ES_OK) {
      used[n_used++] = file_name;
      file_name = NULL;
      (*n_files)++;
    }
    free(file_name);
    free(decoded);
    free(encoding);
    free(path);
    es_strings_free(cells, n_cells);
  }
  es_strings_free(used, n_used);
  free(folder);
  es_strings_free(members.name, members.n);
  H5Gclose(group);
  return rc;
}

/* The root attributes, in creation order, as name,value rows. */
struct metadata {
  struct exporter *ex;
  FILE *out;
  int rc;
};

static herr_t write_attribute_row(hid_t loc, const char *name,
                                  const H5A_info_t *info, void *data) {
  (void)info;
  struct metadata *md = data;
  char what[SCALE_NAME_MAX * 2];
  snprintf(what, sizeof what, "%s: root attribute '%s'", md->ex->path, name);
  const hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  if (attr < 0) {
    md->rc = ES_FAIL(md->ex->err, ES_EHDF5, "cannot open %s", what);
    return -1;
  }
  const hid_t type = H5Aget_type(attr);
  const H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (type >= 0) {
    H5Tclose(type);
  }
  if (cls != H5T_STRING && cls != H5T_INTEGER && cls != H5T_FLOAT) {
    H5Aclose(attr);
    return 0; /* other types are left out (an edusim file has none) */
  }
  char **cells = NULL;
  size_t n = 0;
  bool is_text = false;
  md->rc = es_results_file_read_cells(attr, /*is_attr=*/true, what, &cells, &n,
                                      &is_text, md->ex->err);
  H5Aclose(attr);
  if (md->rc != ES_OK) {
    return -1;
  }
  es_csv_put_field(md->out, name, /*quote_empty=*/true);
  putc(',', md->out);
  /* An array is one field, its elements separated by spaces. */
  size_t len = 1;
  for (size_t i = 0; i < n; i++) {
    len += strlen(cells[i]) + 1;
  }
  char *value = malloc(len);
  if (value == NULL) {
    es_strings_free(cells, n);
    md->rc = ES_FAIL(md->ex->err, ES_ENOMEM, "%s", what);
    return -1;
  }
  value[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    strcat(value, i > 0 ? " " : "");
    strcat(value, cells[i]);
  }
  put_value(md->out, value, is_text);
  putc('\n', md->out);
  free(value);
  es_strings_free(cells, n);
  return 0;
}

static int write_metadata(struct exporter *ex, const char *dir) {
  FILE *out = NULL;
  int rc = open_pending(ex, dir, METADATA_FILE, &out);
  if (rc != ES_OK) {
    return rc;
  }
  fputs("name,value\n", out);
  struct metadata md = {.ex = ex, .out = out, .rc = ES_OK};
  hsize_t idx = 0;
  herr_t st = -1;
  /* Creation order when the file tracks it (edusim files do). */
  const hid_t root = H5Gopen2(ex->file, "/", H5P_DEFAULT);
  if (root >= 0) {
    const hid_t gcpl = H5Gget_create_plist(root);
    unsigned flags = 0;
    const bool tracked = gcpl >= 0 &&
                         H5Pget_attr_creation_order(gcpl, &flags) >= 0 &&
                         (flags & H5P_CRT_ORDER_TRACKED) != 0;
    if (gcpl >= 0) {
      H5Pclose(gcpl);
    }
    st = H5Aiterate2(root, tracked ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME,
                     H5_ITER_INC, &idx, write_attribute_row, &md);
    H5Gclose(root);
  }
  if (st < 0) {
    rc = md.rc != ES_OK
             ? md.rc
             : ES_FAIL(ex->err, ES_EHDF5, "%s: cannot list the root attributes",
                       ex->path);
    fclose(out);
    return rc;
  }
  return close_pending(ex, out);
}

int es_export_csv(const char *results_path, const char *dir,
                  const struct es_export_options *opts,
                  struct es_export_summary *summary, struct es_error *err) {
  const struct es_export_options defaults = {0};
  if (opts == NULL) {
    opts = &defaults;
  }
  if (results_path == NULL || dir == NULL || dir[0] == '\0' ||
      (opts->n_groups > 0 && opts->groups == NULL)) {
    return ES_FAIL(err, ES_EINVAL, "%s",
                   "export needs a results file and a folder");
  }
  if (summary != NULL) {
    memset(summary, 0, sizeof *summary);
  }
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  struct exporter ex = {.path = results_path,
                        .file = H5I_INVALID_HID,
                        .files = {.cancel = opts->cancel, .err = err},
                        .err = err};
  struct es_export_summary local;
  memset(&local, 0, sizeof local);
  bool with_scenario = false;
  int rc = scan_file(&ex, &opts->digest);
  if (rc == ES_OK) {
    rc = select_tables(&ex, opts, &with_scenario, &local);
  }
  if (rc == ES_OK) {
    rc = name_tables(&ex);
  }
  if (rc == ES_OK) {
    rc = prepare_folder(&ex, dir, opts->force);
  }
  for (size_t i = 0; i < ex.n_tables && rc == ES_OK; i++) {
    if (ex.tables[i].selected) {
      rc = write_table(&ex, dir, &ex.tables[i], &local.n_rows);
      local.n_csv_files += rc == ES_OK;
    }
  }
  if (rc == ES_OK && with_scenario) {
    rc = write_scenario(&ex, dir, &local.n_scenario_files);
  }
  if (rc == ES_OK) {
    rc = write_metadata(&ex, dir);
  }
  if (rc == ES_OK) {
    rc = es__export_commit(&ex.files, dir,
                           with_scenario ? SCENARIO_FOLDER : NULL);
  }
  if (rc == ES_OK && summary != NULL) {
    *summary = local;
  }
  es__export_files_clear(&ex.files, /*failed=*/rc != ES_OK);
  for (size_t i = 0; i < ex.n_tables; i++) {
    table_clear(&ex.tables[i]);
  }
  free(ex.tables);
  es_strings_free(ex.groups, ex.n_groups);
  es_results_file_free(ex.rf);
  return rc;
}
