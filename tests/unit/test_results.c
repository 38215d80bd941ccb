/* test_results.c: the results container and its HDF5 writer.
 *
 * A small struct es_results is built by hand (2 strategies, 2 statistics, 3
 * years, 3 regions with Chinese names, 4 ages, 2 stages) with variables in
 * groups population, demand, schools (all five axes of a variable) and
 * indicators, written, and read back with the HDF5 C API: values bit for
 * bit, root and variable attributes, UTF-8 character sets, dimension scales
 * and their attachment per axis, creation order, chunking and filters, fill
 * value, the scenario group with SHA-256 digests computed independently
 * (coreutils sha256sum), and no HDF5 handle left open. Then the publishing
 * rules: ES_EEXIST without force leaves the old file byte-identical, force
 * replaces it, failures leave no temporary file, stale temporary files of
 * dead writers are removed and others are kept; every invalid input is
 * refused with its message. Last, tests/integration/check_results.py reads
 * the file with xarray (both engines) when /usr/bin/python3 exists. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "es_test.h"
#include "output/results.h"

#define N_STRATEGIES 2
#define N_STATISTICS 2
#define N_YEARS      3
#define N_REGIONS    3
#define N_AGES       4
#define N_STAGES     2
#define BIG_SEED     UINT64_C(18446744073709551557) /* 2^64 - 59 */

static const char scenario_text[] = "name: tiny\nregions: 渝中区\n";
/* sha256sum of scenario_text and of the bytes 00 ff 61. */
static const char scenario_sha[] =
    "589aade5ea7dff340d07ba0b0984340ce302b0de5153f673d37f89c4878ee3e4";
static const char binary_sha[] =
    "da8509555ad27dac0593c6952d947eff96058cb6e81376f852f54ef9caf7e652";

/* ---- building results by hand ------------------------------------------ */

static char *dup_text(const char *s) {
  char *d = malloc(strlen(s) + 1);
  ES_ASSERT(d != NULL);
  strcpy(d, s);
  return d;
}

static char **dup_texts(const char *const *src, size_t n) {
  char **out = calloc(n, sizeof *out);
  ES_ASSERT(out != NULL);
  for (size_t i = 0; i < n; i++) {
    out[i] = dup_text(src[i]);
  }
  return out;
}

static int32_t *dup_ints(const int32_t *src, size_t n) {
  int32_t *out = malloc(n * sizeof *out);
  ES_ASSERT(out != NULL);
  memcpy(out, src, n * sizeof *out);
  return out;
}

/* Value i of variable k: high-entropy, distinct everywhere. */
static double value_of(size_t k, size_t i) {
  return 1000.0 * (double)(k + 1) + 2.385 * (double)i - 0.001 * (double)(i % 7);
}

static const enum es_dim pop_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                       ES_DIM_REGION, ES_DIM_AGE};
static const enum es_dim demand_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                          ES_DIM_REGION, ES_DIM_STAGE};
static const enum es_dim school_dims[] = {ES_DIM_STRATEGY, ES_DIM_STATISTIC,
                                          ES_DIM_YEAR, ES_DIM_REGION,
                                          ES_DIM_STAGE};
static const enum es_dim indicator_dims[] = {ES_DIM_STRATEGY, ES_DIM_STATISTIC,
                                             ES_DIM_YEAR, ES_DIM_STAGE};

static void fill_variable(double *data, size_t k, size_t n) {
  for (size_t i = 0; i < n; i++) {
    data[i] = value_of(k, i);
  }
}

static void build_results(struct es_results *res) {
  static const char *const strategies[] = {"proportional", "need_weighted"};
  static const char *const statistics[] = {"mean", "sd"};
  static const int32_t years[] = {2024, 2025, 2026};
  static const int32_t ages[] = {0, 1, 2, 3};
  static const char *const stages[] = {"primary", "junior_secondary"};
  static const int32_t age_lo[] = {1, 3};
  static const int32_t age_hi[] = {2, 3};
  static const double ptr[] = {19.5, 13.5};
  static const char *const codes[] = {"500103", "500105", "510104"};
  static const char *const names[] = {"渝中区", "江北区", "锦江区"};
  static const char *const provinces[] = {"重庆市", "重庆市", "四川省"};
  static const char *const prefectures[] = {"重庆市", "重庆市", "成都市"};
  static const int32_t ranks[] = {3, 3, 3};
  struct es_error err;
  es_error_clear(&err);

  es_results_init(res);
  res->dim_len[ES_DIM_STRATEGY] = N_STRATEGIES;
  res->dim_len[ES_DIM_STATISTIC] = N_STATISTICS;
  res->dim_len[ES_DIM_YEAR] = N_YEARS;
  res->dim_len[ES_DIM_REGION] = N_REGIONS;
  res->dim_len[ES_DIM_AGE] = N_AGES;
  res->dim_len[ES_DIM_STAGE] = N_STAGES;
  res->strategy = dup_texts(strategies, N_STRATEGIES);
  res->statistic = dup_texts(statistics, N_STATISTICS);
  res->year = dup_ints(years, N_YEARS);
  res->age = dup_ints(ages, N_AGES);
  res->stage = dup_texts(stages, N_STAGES);
  res->stage_age_lo = dup_ints(age_lo, N_STAGES);
  res->stage_age_hi = dup_ints(age_hi, N_STAGES);
  res->stage_ptr_standard = malloc(sizeof ptr);
  ES_ASSERT(res->stage_ptr_standard != NULL);
  memcpy(res->stage_ptr_standard, ptr, sizeof ptr);
  res->region = dup_texts(codes, N_REGIONS);
  res->region_name = dup_texts(names, N_REGIONS);
  res->region_province = dup_texts(provinces, N_REGIONS);
  res->region_prefecture = dup_texts(prefectures, N_REGIONS);
  res->region_rank = dup_ints(ranks, N_REGIONS);

  double *local = es_results_add(res, "population", "local", "local children",
                                 "persons", 4, pop_dims, &err);
  double *migrant =
      es_results_add(res, "population", "migrant", "migrant children",
                     "persons", 4, pop_dims, &err);
  double *students = es_results_add(res, "demand", "students", "students",
                                    "pupils", 4, demand_dims, &err);
  double *teachers = es_results_add(res, "schools", "teachers", "teachers",
                                    "teachers", 5, school_dims, &err);
  double *gini = es_results_add(res, "indicators", "gini", "Gini index", "1", 4,
                                indicator_dims, &err);
  ES_ASSERT(local && migrant && students && teachers && gini);
  fill_variable(local, 0, 72);
  local[5] = NAN; /* a missing value stays missing */
  fill_variable(migrant, 1, 72);
  fill_variable(students, 2, 36);
  fill_variable(teachers, 3, 72);
  fill_variable(gini, 4, 24);

  res->title = dup_text("edusim results: tiny 𠮷");
  res->software_version = dup_text("0.1.0 (git 0123456789ab)");
  res->scenario_name = dup_text("tiny");
  res->command = dup_text("edusim run tiny.yaml -o out.h5 \xff");
  res->mode = dup_text("deterministic");
  res->seed = BIG_SEED;
  res->replicates = 1;
  res->currency = dup_text("CNY");
  res->scenario_resolved = dup_text("name: tiny\nresolved: true\n");
  res->n_sources = 2;
  res->sources = calloc(2, sizeof *res->sources);
  ES_ASSERT(res->sources != NULL);
  res->sources[0].role = dup_text("scenario");
  res->sources[0].path = dup_text("tiny.yaml");
  res->sources[0].bytes = dup_text(scenario_text);
  res->sources[0].size = strlen(scenario_text);
  res->sources[1].role = dup_text("weights");
  res->sources[1].path = dup_text("data/weights.bin");
  res->sources[1].bytes = malloc(3);
  ES_ASSERT(res->sources[1].bytes != NULL);
  memcpy(res->sources[1].bytes,
         "\x00\xff"
         "a",
         3);
  res->sources[1].size = 3;
}

/* ---- files ------------------------------------------------------------- */

static char *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 65536;
      char *grown = realloc(buf, cap);
      ES_ASSERT(grown != NULL);
      buf = grown;
    }
    const size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      break;
    }
  }
  fclose(f);
  *size = n;
  return buf;
}

static bool exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

/* Number of entries of @p dir whose name contains ".tmp.". */
static size_t count_temps(const char *dir) {
  size_t n = 0;
  DIR *d = opendir(dir);
  ES_ASSERT(d != NULL);
  for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
    n += strstr(e->d_name, ".tmp.") != NULL;
  }
  closedir(d);
  return n;
}

static void touch(const char *path) {
  FILE *f = fopen(path, "w");
  ES_ASSERT(f != NULL);
  fputs("stale", f);
  fclose(f);
}

/* ---- reading back ------------------------------------------------------ */

static hid_t vlen_utf8(void) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

/* Reads text attribute @p name of @p obj, checks it is vlen UTF-8, and
 * compares it with @p want (NULL: only returns it). Caller frees. */
static char *attr_text(hid_t obj, const char *name) {
  char *value = NULL;
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  ES_CHECK(a >= 0);
  if (a < 0) {
    return NULL;
  }
  hid_t ft = H5Aget_type(a);
  ES_CHECK(H5Tis_variable_str(ft) > 0);
  ES_CHECK_INT_EQ(H5Tget_cset(ft), H5T_CSET_UTF8);
  hid_t mt = vlen_utf8();
  char *raw = NULL;
  ES_CHECK(H5Aread(a, mt, &raw) >= 0);
  if (raw != NULL) {
    value = dup_text(raw);
    H5free_memory(raw);
  }
  H5Tclose(mt);
  H5Tclose(ft);
  H5Aclose(a);
  return value;
}

static void check_attr_text(hid_t obj, const char *name, const char *want) {
  char *got = attr_text(obj, name);
  ES_CHECK_STR_EQ(got, want);
  free(got);
}

/* Reads a 1-D vlen UTF-8 dataset of @p n strings and compares them. */
static void check_text_dataset(hid_t loc, const char *name,
                               const char *const *want, size_t n) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  ES_CHECK(d >= 0);
  if (d < 0) {
    return;
  }
  hid_t ft = H5Dget_type(d);
  ES_CHECK(H5Tis_variable_str(ft) > 0);
  ES_CHECK_INT_EQ(H5Tget_cset(ft), H5T_CSET_UTF8);
  hid_t space = H5Dget_space(d);
  ES_CHECK_INT_EQ(H5Sget_simple_extent_npoints(space), n);
  char *got[8] = {NULL};
  ES_ASSERT(n <= 8);
  hid_t mt = vlen_utf8();
  ES_CHECK(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >= 0);
  for (size_t i = 0; i < n; i++) {
    ES_CHECK_STR_EQ(got[i], want[i]);
  }
  H5Dvlen_reclaim(mt, space, H5P_DEFAULT, got);
  H5Tclose(mt);
  H5Sclose(space);
  H5Tclose(ft);
  H5Dclose(d);
}

/* Reads a scalar vlen UTF-8 dataset; caller frees. */
static char *scalar_text(hid_t loc, const char *name) {
  char *value = NULL;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  ES_CHECK(d >= 0);
  if (d < 0) {
    return NULL;
  }
  hid_t mt = vlen_utf8();
  char *raw = NULL;
  ES_CHECK(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &raw) >= 0);
  if (raw != NULL) {
    value = dup_text(raw);
    H5free_memory(raw);
  }
  H5Tclose(mt);
  H5Dclose(d);
  return value;
}

/* The links of @p group in creation order, joined by ','. */
static void link_order(hid_t group, char *out, size_t out_size) {
  out[0] = '\0';
  H5G_info_t info;
  ES_CHECK(H5Gget_info(group, &info) >= 0);
  for (hsize_t i = 0; i < info.nlinks; i++) {
    char name[128];
    if (H5Lget_name_by_idx(group, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name,
                           sizeof name, H5P_DEFAULT) < 0) {
      snprintf(name, sizeof name, "?");
    }
    const size_t used = strlen(out);
    snprintf(out + used, out_size - used, "%s%s", used ? "," : "", name);
  }
}

/* Checks variable @p name of @p group: values bit for bit, scales attached
 * on each axis, chunks, filters, fill value and attributes. */
static void check_variable(hid_t group, const char *name, const double *want,
                           size_t n, const char *const *axes, size_t n_dims,
                           unsigned deflate_level, const char *units) {
  hid_t d = H5Dopen2(group, name, H5P_DEFAULT);
  ES_CHECK(d >= 0);
  if (d < 0) {
    return;
  }
  double *got = malloc(n * sizeof *got);
  ES_ASSERT(got != NULL);
  ES_CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >=
           0);
  size_t n_same = 0;
  for (size_t i = 0; i < n; i++) {
    n_same += (isnan(got[i]) && isnan(want[i])) ||
              memcmp(&got[i], &want[i], sizeof *got) == 0;
  }
  ES_CHECK_INT_EQ(n_same, n);
  free(got);

  hid_t ft = H5Dget_type(d);
  ES_CHECK(H5Tequal(ft, H5T_IEEE_F64LE) > 0);
  H5Tclose(ft);
  hid_t space = H5Dget_space(d);
  ES_CHECK_INT_EQ(H5Sget_simple_extent_ndims(space), n_dims);
  H5Sclose(space);

  for (size_t k = 0; k < n_dims; k++) {
    hid_t s = H5Dopen2(group, axes[k], H5P_DEFAULT);
    ES_CHECK(s >= 0);
    ES_CHECK(H5DSis_scale(s) > 0);
    ES_CHECK(H5DSis_attached(d, s, (unsigned)k) > 0);
    /* and on no other axis */
    for (size_t j = 0; j < n_dims; j++) {
      if (j != k) {
        ES_CHECK(H5DSis_attached(d, s, (unsigned)j) == 0);
      }
    }
    char scale_name[32] = "";
    ES_CHECK(H5DSget_scale_name(s, scale_name, sizeof scale_name) > 0);
    ES_CHECK_STR_EQ(scale_name, axes[k]);
    H5Dclose(s);
  }

  hid_t dcpl = H5Dget_create_plist(d);
  ES_CHECK_INT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED);
  const int n_filters = H5Pget_nfilters(dcpl);
  ES_CHECK_INT_EQ(n_filters, deflate_level > 0 ? 2 : 0);
  if (n_filters == 2) {
    unsigned flags = 0, cd[4] = {0};
    size_t n_cd = 4;
    ES_CHECK_INT_EQ(H5Pget_filter2(dcpl, 0, &flags, &n_cd, cd, 0, NULL, NULL),
                    H5Z_FILTER_SHUFFLE);
    n_cd = 4;
    ES_CHECK_INT_EQ(H5Pget_filter2(dcpl, 1, &flags, &n_cd, cd, 0, NULL, NULL),
                    H5Z_FILTER_DEFLATE);
    ES_CHECK_INT_EQ(cd[0], deflate_level);
  }
  double fill = 0.0;
  ES_CHECK(H5Pget_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) >= 0);
  ES_CHECK(isnan(fill));
  H5Pclose(dcpl);

  check_attr_text(d, "units", units);
  char *long_name = attr_text(d, "long_name");
  ES_CHECK(long_name != NULL && long_name[0] != '\0');
  free(long_name);
  hid_t a = H5Aopen(d, "_FillValue", H5P_DEFAULT);
  ES_CHECK(a >= 0);
  hid_t at = H5Aget_type(a);
  ES_CHECK(H5Tequal(at, H5T_IEEE_F64LE) > 0);
  double fill_attr = 0.0;
  ES_CHECK(H5Aread(a, H5T_NATIVE_DOUBLE, &fill_attr) >= 0);
  ES_CHECK(isnan(fill_attr));
  H5Tclose(at);
  H5Aclose(a);
  H5Dclose(d);
}

static void check_file(const char *path, const struct es_results *res,
                       unsigned deflate_level) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ES_CHECK(f >= 0);
  if (f < 0) {
    return;
  }
  /* root attributes */
  check_attr_text(f, "title", "edusim results: tiny 𠮷");
  check_attr_text(f, "software", "edusim");
  check_attr_text(f, "software_version", "0.1.0 (git 0123456789ab)");
  check_attr_text(f, "Conventions", "CF-1.8");
  check_attr_text(f, "mode", "deterministic");
  check_attr_text(f, "scenario", "tiny");
  check_attr_text(f, "currency", "CNY");
  /* the invalid byte of the command line became '?' */
  check_attr_text(f, "command", "edusim run tiny.yaml -o out.h5 ?");
  char *created = attr_text(f, "created");
  ES_CHECK(created != NULL && strlen(created) == 20 && created[4] == '-' &&
           created[10] == 'T' && created[19] == 'Z');
  free(created);
  uint64_t seed = 0, replicates = 0;
  int32_t format_version = 0;
  ES_CHECK(H5LTget_attribute(f, ".", "seed", H5T_NATIVE_UINT64, &seed) >= 0);
  ES_CHECK(seed == BIG_SEED);
  ES_CHECK(H5LTget_attribute(f, ".", "replicates", H5T_NATIVE_UINT64,
                             &replicates) >= 0);
  ES_CHECK_INT_EQ(replicates, 1);
  ES_CHECK(H5LTget_attribute_int(f, ".", "format_version", &format_version) >=
           0);
  ES_CHECK_INT_EQ(format_version, 1);

  char order[400];
  link_order(f, order, sizeof order);
  ES_CHECK_STR_EQ(order, "population,demand,schools,indicators,scenario");

  /* population: coordinates, label variables, then variables */
  hid_t g = H5Gopen2(f, "population", H5P_DEFAULT);
  link_order(g, order, sizeof order);
  ES_CHECK_STR_EQ(order,
                  "statistic,year,region,age,region_name,region_province,"
                  "region_prefecture,region_rank,local,migrant");
  static const char *const codes[] = {"500103", "500105", "510104"};
  static const char *const names[] = {"渝中区", "江北区", "锦江区"};
  static const char *const statistics[] = {"mean", "sd"};
  check_text_dataset(g, "region", codes, N_REGIONS);
  check_text_dataset(g, "region_name", names, N_REGIONS);
  check_text_dataset(g, "statistic", statistics, N_STATISTICS);
  int32_t years[N_YEARS] = {0}, ranks[N_REGIONS] = {0};
  ES_CHECK(H5LTread_dataset(g, "year", H5T_NATIVE_INT32, years) >= 0);
  ES_CHECK_INT_EQ(years[0], 2024);
  ES_CHECK_INT_EQ(years[2], 2026);
  ES_CHECK(H5LTread_dataset(g, "region_rank", H5T_NATIVE_INT32, ranks) >= 0);
  ES_CHECK_INT_EQ(ranks[1], 3);
  hid_t region = H5Dopen2(g, "region", H5P_DEFAULT);
  hid_t region_name = H5Dopen2(g, "region_name", H5P_DEFAULT);
  ES_CHECK(H5DSis_attached(region_name, region, 0) > 0);
  ES_CHECK(H5DSis_scale(region_name) == 0);
  check_attr_text(region, "units", "1");
  check_attr_text(region, "long_name", "region code");
  H5Dclose(region_name);
  H5Dclose(region);
  static const char *const pop_axes[] = {"statistic", "year", "region", "age"};
  check_variable(g, "local", es_results_find(res, "population", "local")->data,
                 72, pop_axes, 4, deflate_level, "persons");
  check_variable(g, "migrant",
                 es_results_find(res, "population", "migrant")->data, 72,
                 pop_axes, 4, deflate_level, "persons");
  H5Gclose(g);

  /* demand: stage labels, no strategy, no age */
  g = H5Gopen2(f, "demand", H5P_DEFAULT);
  link_order(g, order, sizeof order);
  ES_CHECK_STR_EQ(order,
                  "statistic,year,region,stage,region_name,region_province,"
                  "region_prefecture,region_rank,stage_age_lo,stage_age_hi,"
                  "stage_ptr_standard,students");
  double ptr[N_STAGES] = {0};
  ES_CHECK(H5LTread_dataset(g, "stage_ptr_standard", H5T_NATIVE_DOUBLE, ptr) >=
           0);
  ES_CHECK_DOUBLE_EQ(ptr[0], 19.5);
  ES_CHECK_DOUBLE_EQ(ptr[1], 13.5);
  static const char *const demand_axes[] = {"statistic", "year", "region",
                                            "stage"};
  check_variable(g, "students",
                 es_results_find(res, "demand", "students")->data, 36,
                 demand_axes, 4, deflate_level, "pupils");
  H5Gclose(g);

  /* schools: all five axes */
  g = H5Gopen2(f, "schools", H5P_DEFAULT);
  static const char *const school_axes[] = {"strategy", "statistic", "year",
                                            "region", "stage"};
  static const char *const strategies[] = {"proportional", "need_weighted"};
  check_text_dataset(g, "strategy", strategies, N_STRATEGIES);
  check_variable(g, "teachers",
                 es_results_find(res, "schools", "teachers")->data, 72,
                 school_axes, 5, deflate_level, "teachers");
  H5Gclose(g);

  /* indicators: no region, so no region labels */
  g = H5Gopen2(f, "indicators", H5P_DEFAULT);
  link_order(g, order, sizeof order);
  ES_CHECK_STR_EQ(order,
                  "strategy,statistic,year,stage,stage_age_lo,stage_age_hi,"
                  "stage_ptr_standard,gini");
  H5Gclose(g);

  /* scenario: texts verbatim with path and sha256 */
  g = H5Gopen2(f, "scenario", H5P_DEFAULT);
  link_order(g, order, sizeof order);
  ES_CHECK_STR_EQ(order, "scenario_resolved,scenario,weights_base64");
  char *text = scalar_text(g, "scenario_resolved");
  ES_CHECK_STR_EQ(text, "name: tiny\nresolved: true\n");
  free(text);
  text = scalar_text(g, "scenario");
  ES_CHECK_STR_EQ(text, scenario_text);
  free(text);
  hid_t d = H5Dopen2(g, "scenario", H5P_DEFAULT);
  check_attr_text(d, "path", "tiny.yaml");
  check_attr_text(d, "sha256", scenario_sha);
  check_attr_text(d, "encoding", "utf-8");
  check_attr_text(d, "units", "1");
  H5Dclose(d);
  text = scalar_text(g, "weights_base64");
  ES_CHECK_STR_EQ(text, "AP9h"); /* base64 of 00 ff 61 */
  free(text);
  d = H5Dopen2(g, "weights_base64", H5P_DEFAULT);
  check_attr_text(d, "sha256", binary_sha);
  check_attr_text(d, "encoding", "base64");
  check_attr_text(d, "path", "data/weights.bin");
  uint64_t size = 0;
  ES_CHECK(H5LTget_attribute(g, "weights_base64", "size_bytes",
                             H5T_NATIVE_UINT64, &size) >= 0);
  ES_CHECK_INT_EQ(size, 3);
  H5Dclose(d);
  H5Gclose(g);

  ES_CHECK_INT_EQ(H5Fget_obj_count(f, H5F_OBJ_ALL), 1);
  H5Fclose(f);
}

/* ---- the checker ------------------------------------------------------- */

static const char *checker_path(char *buf, size_t size) {
  const char *src = getenv("ES_SOURCE_DIR");
  if (src != NULL) {
    snprintf(buf, size, "%s/tests/integration/check_results.py", src);
  } else {
    snprintf(buf, size, "integration/check_results.py");
  }
  return buf;
}

/* Exit status of the checker on @p path with @p options; -1 when it could
 * not run. */
static int run_checker(const char *path, const char *options) {
  char script[1024], cmd[4096];
  checker_path(script, sizeof script);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' %s", script, path,
           options);
  printf("running: %s\n", cmd);
  fflush(stdout);
  const int status = system(cmd);
  if (status == -1 || !WIFEXITED(status)) {
    return -1;
  }
  return WEXITSTATUS(status);
}

/* ---- tests ------------------------------------------------------------- */

static void test_add_find_clear(void) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  res.dim_len[ES_DIM_YEAR] = 3;
  res.dim_len[ES_DIM_REGION] = 2;
  const enum es_dim dims[] = {ES_DIM_YEAR, ES_DIM_REGION};
  double *x = es_results_add(&res, "g", "x", "x", "1", 2, dims, &err);
  ES_CHECK(x != NULL);
  ES_CHECK_DOUBLE_EQ(x[5], 0.0);
  ES_CHECK(es_results_find(&res, "g", "x") == &res.variables[0]);
  ES_CHECK(es_results_find(&res, "g", "y") == NULL);
  ES_CHECK(es_results_find(&res, "h", "x") == NULL);

  ES_CHECK(es_results_add(&res, "g", "x", "x", "1", 2, dims, &err) == NULL);
  ES_CHECK_INT_EQ(err.code, ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "variable g/x added twice");

  const enum es_dim twice[] = {ES_DIM_YEAR, ES_DIM_YEAR};
  ES_CHECK(es_results_add(&res, "g", "y", "y", "1", 2, twice, &err) == NULL);
  ES_CHECK_STR_EQ(err.message, "variable g/y: axis 'year' repeated");
  ES_CHECK(es_results_add(&res, "g", "y", "y", "1", 0, dims, &err) == NULL);
  ES_CHECK_STR_EQ(err.message, "variable g/y: 0 axes (expected 1..5)");
  const enum es_dim bad[] = {ES_DIM_COUNT};
  ES_CHECK(es_results_add(&res, "g", "y", "y", "1", 1, bad, &err) == NULL);
  char unknown_axis[64];
  snprintf(unknown_axis, sizeof unknown_axis,
           "variable g/y: axis 0 is %d (unknown)", (int)ES_DIM_COUNT);
  ES_CHECK_STR_EQ(err.message, unknown_axis);
  ES_CHECK_INT_EQ(res.n_variables, 1);

  ES_CHECK_STR_EQ(es_dim_name(ES_DIM_STAGE), "stage");
  ES_CHECK_STR_EQ(es_dim_name(ES_DIM_STRATEGY), "strategy");
  ES_CHECK_STR_EQ(es_dim_name(ES_DIM_COUNT), "unknown");

  es_results_clear(&res);
  ES_CHECK_INT_EQ(res.n_variables, 0);
  ES_CHECK(res.variables == NULL);
  es_results_clear(&res); /* twice is fine */
  es_results_clear(NULL);
}

static void test_write_and_read(const char *dir, char *main_path,
                                size_t main_size) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  build_results(&res);
  snprintf(main_path, main_size, "%s/results.h5", dir);
  /* NULL options: no force, deflate level 1 */
  const int rc = es_results_write(&res, main_path, NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  if (rc != ES_OK) {
    printf("  error: %s\n", err.message);
  }
  ES_CHECK_INT_EQ(H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL), 0);
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  check_file(main_path, &res, 1);

  /* the same results without compression */
  char plain[1024];
  snprintf(plain, sizeof plain, "%s/plain.h5", dir);
  const struct es_write_options no_deflate = {.force = false,
                                              .deflate_level = 0};
  ES_CHECK_INT_EQ(es_results_write(&res, plain, &no_deflate, &err), ES_OK);
  check_file(plain, &res, 0);
  es_results_clear(&res);
}

static void test_chunk_shape(const char *dir) {
  /* 2 statistics x 31 years x 200 regions x 26 ages = 322,400 doubles
   * (2.5 MiB): statistic goes to 1 (161,200 > 131,072 still), then region is
   * split in two equal pieces of 100: 31 x 100 x 26 x 8 B = 645 KB. */
  enum { n_stat = 2, n_year = 31, n_region = 200, n_age = 26 };
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  res.dim_len[ES_DIM_STATISTIC] = n_stat;
  res.dim_len[ES_DIM_YEAR] = n_year;
  res.dim_len[ES_DIM_REGION] = n_region;
  res.dim_len[ES_DIM_AGE] = n_age;
  static const char *const statistics[] = {"mean", "sd"};
  res.statistic = dup_texts(statistics, n_stat);
  res.year = calloc(n_year, sizeof *res.year);
  res.age = calloc(n_age, sizeof *res.age);
  res.region = calloc(n_region, sizeof *res.region);
  ES_ASSERT(res.year && res.age && res.region);
  for (size_t i = 0; i < n_year; i++) {
    res.year[i] = 2020 + (int32_t)i;
  }
  for (size_t i = 0; i < n_age; i++) {
    res.age[i] = (int32_t)i;
  }
  for (size_t i = 0; i < n_region; i++) {
    char code[16];
    snprintf(code, sizeof code, "R%03zu", i);
    res.region[i] = dup_text(code);
  }
  double *local = es_results_add(&res, "population", "local", "local",
                                 "persons", 4, pop_dims, &err);
  ES_ASSERT(local != NULL);
  fill_variable(local, 7, (size_t)n_stat * n_year * n_region * n_age);
  char path[1024];
  snprintf(path, sizeof path, "%s/chunks.h5", dir);
  const struct es_write_options opts = {.force = false, .deflate_level = 4};
  ES_CHECK_INT_EQ(es_results_write(&res, path, &opts, &err), ES_OK);

  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, "population/local", H5P_DEFAULT);
  hid_t dcpl = H5Dget_create_plist(d);
  hsize_t chunk[4] = {0};
  ES_CHECK_INT_EQ(H5Pget_chunk(dcpl, 4, chunk), 4);
  ES_CHECK_INT_EQ(chunk[0], 1);
  ES_CHECK_INT_EQ(chunk[1], n_year);
  ES_CHECK_INT_EQ(chunk[2], 100);
  ES_CHECK_INT_EQ(chunk[3], n_age);
  unsigned flags = 0, cd[4] = {0};
  size_t n_cd = 4;
  ES_CHECK_INT_EQ(H5Pget_filter2(dcpl, 1, &flags, &n_cd, cd, 0, NULL, NULL),
                  H5Z_FILTER_DEFLATE);
  ES_CHECK_INT_EQ(cd[0], 4);
  double *back = malloc(sizeof(double) * n_stat * n_year * n_region * n_age);
  ES_ASSERT(back != NULL);
  ES_CHECK(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >=
           0);
  /* Written chunk by chunk: every value in its place. */
  size_t n_wrong = 0;
  for (size_t i = 0; i < (size_t)n_stat * n_year * n_region * n_age; i++) {
    n_wrong += back[i] != value_of(7, i);
  }
  ES_CHECK_INT_EQ(n_wrong, 0);
  /* [statistic 1][year 30][region 199][age 25], the last value */
  const size_t last = (size_t)n_stat * n_year * n_region * n_age - 1;
  ES_CHECK_DOUBLE_EQ(back[last], value_of(7, last));
  ES_CHECK_DOUBLE_EQ(back[1 * 31 * 200 * 26 + 3 * 200 * 26 + 57 * 26 + 11],
                     value_of(7, 161200 + 15600 + 1482 + 11));
  free(back);
  H5Pclose(dcpl);
  H5Dclose(d);
  H5Fclose(f);
  es_results_clear(&res);
}

static void test_exists_and_force(const char *dir, const char *path) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  build_results(&res);
  size_t n_before = 0, n_after = 0;
  char *before = read_all(path, &n_before);
  ES_CHECK(before != NULL);

  int rc = es_results_write(&res, path, NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_EEXIST);
  ES_CHECK_CONTAINS(err.message, path);
  ES_CHECK_CONTAINS(err.message, "exists (use --force to replace it)");
  char *after = read_all(path, &n_after);
  ES_CHECK(after != NULL && n_before == n_after &&
           memcmp(before, after, n_before) == 0);
  free(after);
  ES_CHECK_INT_EQ(count_temps(dir), 0);

  /* force replaces, atomically: a new inode under the same name */
  struct stat old_sb, new_sb;
  ES_CHECK(stat(path, &old_sb) == 0);
  free(res.title);
  res.title = dup_text("replaced");
  const struct es_write_options force = {.force = true, .deflate_level = 1};
  rc = es_results_write(&res, path, &force, &err);
  ES_CHECK_INT_EQ(rc, ES_OK);
  ES_CHECK(stat(path, &new_sb) == 0);
  ES_CHECK(old_sb.st_ino != new_sb.st_ino);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ES_CHECK(f >= 0);
  check_attr_text(f, "title", "replaced");
  H5Fclose(f);
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  free(before);
  es_results_clear(&res);
}

static void test_failures_leave_no_temp(const char *dir) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  build_results(&res);
  const struct es_write_options force = {.force = true, .deflate_level = 1};

  /* The target is a folder: even with force only a regular file is ever
   * replaced; the folder stays and no temporary file is left. */
  char target[1024], inside[1100];
  snprintf(target, sizeof target, "%s/occupied", dir);
  snprintf(inside, sizeof inside, "%s/keep.txt", target);
  ES_CHECK(mkdir(target, 0700) == 0);
  touch(inside);
  int rc = es_results_write(&res, target, &force, &err);
  ES_CHECK_INT_EQ(rc, ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "is a folder (expected a regular file");
  ES_CHECK_CONTAINS(err.message, target);
  ES_CHECK(exists(inside));
  ES_CHECK_INT_EQ(count_temps(dir), 0);

  /* A FIFO and a symbolic link are not replaced either (a device the same:
   * tests/integration/test_write_faults.sh tries /dev/full as root). */
  char fifo[1024], link_path[1024], link_target[1024];
  snprintf(fifo, sizeof fifo, "%s/pipe.h5", dir);
  snprintf(link_path, sizeof link_path, "%s/link.h5", dir);
  snprintf(link_target, sizeof link_target, "%s/link_target.h5", dir);
  ES_CHECK(mkfifo(fifo, 0600) == 0);
  touch(link_target);
  ES_CHECK(symlink(link_target, link_path) == 0);
  rc = es_results_write(&res, fifo, &force, &err);
  ES_CHECK_INT_EQ(rc, ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "is a FIFO (named pipe)");
  struct stat sb;
  ES_CHECK(lstat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode));
  rc = es_results_write(&res, link_path, &force, &err);
  ES_CHECK_INT_EQ(rc, ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "is a symbolic link");
  ES_CHECK(lstat(link_path, &sb) == 0 && S_ISLNK(sb.st_mode));
  size_t n_target = 0;
  char *target_bytes = read_all(link_target, &n_target);
  ES_CHECK(target_bytes != NULL && n_target == 5 &&
           memcmp(target_bytes, "stale", 5) == 0);
  free(target_bytes);
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  unlink(fifo);
  unlink(link_path);
  unlink(link_target);

  /* Without force the folder is simply "exists". */
  rc = es_results_write(&res, target, NULL, &err);
  ES_CHECK_INT_EQ(rc, ES_EEXIST);

  /* A folder that does not exist. */
  char missing[1024];
  snprintf(missing, sizeof missing, "%s/no_such_folder/out.h5", dir);
  rc = es_results_write(&res, missing, &force, &err);
  ES_CHECK_INT_EQ(rc, ES_EIO);
  ES_CHECK_CONTAINS(err.message, "cannot open folder");
  ES_CHECK_CONTAINS(err.message, "no_such_folder");

  /* A folder we may not write to (root writes anywhere: skipped). */
  char locked[1024], locked_file[1100];
  snprintf(locked, sizeof locked, "%s/locked", dir);
  snprintf(locked_file, sizeof locked_file, "%s/out.h5", locked);
  ES_CHECK(mkdir(locked, 0500) == 0);
  if (geteuid() != 0) {
    rc = es_results_write(&res, locked_file, &force, &err);
    ES_CHECK_INT_EQ(rc, ES_EIO);
    ES_CHECK_CONTAINS(err.message, "cannot create");
    ES_CHECK_CONTAINS(err.message, "Permission denied");
    ES_CHECK(!exists(locked_file));
    ES_CHECK_INT_EQ(count_temps(locked), 0);
  } else {
    printf("note: running as root, the unwritable-folder case is skipped\n");
  }
  chmod(locked, 0700);

  /* A path that names a folder. */
  rc = es_results_write(&res, "some/folder/", &force, &err);
  ES_CHECK_INT_EQ(rc, ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "output 'some/folder/' names a folder, not a file");
  es_results_clear(&res);
}

static void test_stale_temps(const char *dir) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  build_results(&res);
  char path[1024], dead[1100], alive[1100], other[1100], odd[1100];
  snprintf(path, sizeof path, "%s/stale.h5", dir);
  /* 99999999 is above any Linux pid_max (at most 2^22) */
  snprintf(dead, sizeof dead, "%s.tmp.99999999", path);
  snprintf(alive, sizeof alive, "%s.tmp.%lld", path, (long long)getppid());
  snprintf(other, sizeof other, "%s/other.h5.tmp.99999999", dir);
  snprintf(odd, sizeof odd, "%s.tmp.12ab", path);
  /* A link to a replaced file kept by a writer that died while replacing. */
  char dead_backup[1100];
  snprintf(dead_backup, sizeof dead_backup, "%s.tmp.99999998.old", path);
  touch(dead_backup);
  touch(dead);
  touch(alive);
  touch(other);
  touch(odd);
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_OK);
  ES_CHECK(!exists(dead));
  ES_CHECK(!exists(dead_backup));
  ES_CHECK(exists(alive));
  ES_CHECK(exists(other));
  ES_CHECK(exists(odd));
  ES_CHECK(exists(path));
  unlink(alive);
  unlink(other);
  unlink(odd);
  es_results_clear(&res);
}

/* Each invalid input is refused before anything is written. */
static void test_invalid(const char *dir) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  char path[1024];
  snprintf(path, sizeof path, "%s/invalid.h5", dir);

  build_results(&res);
  struct es_write_options opts = {.force = false, .deflate_level = 10};
  ES_CHECK_INT_EQ(es_results_write(&res, path, &opts, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "deflate level 10 (expected 0..9)");
  opts.deflate_level = -1;
  ES_CHECK_INT_EQ(es_results_write(&res, path, &opts, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "deflate level -1 (expected 0..9)");
  ES_CHECK_INT_EQ(es_results_write(NULL, path, NULL, &err), ES_EINVAL);
  ES_CHECK_INT_EQ(es_results_write(&res, "", NULL, &err), ES_EINVAL);

  /* a label variable's name */
  res.variables[0].name = "region_name";
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "variable 0 of group population: name 'region_name' cannot "
                  "be used (expected a short name without '/', not an axis "
                  "or a label variable)");
  res.variables[0].name = "a/b";
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "name 'a/b' cannot be used");
  res.variables[0].name = "migrant"; /* same as variable 1 */
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "variable population/migrant appears twice");
  res.variables[0].name = "local";
  res.variables[0].group = "scenario";
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "variable 0: group 'scenario' cannot be used (expected a "
                  "short name without '/', not 'scenario')");
  res.variables[0].group = "population";
  res.variables[0].units = NULL;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "variable population/local: long_name and units must be "
                  "UTF-8 text");
  res.variables[0].units = "persons";
  double *data = res.variables[0].data;
  res.variables[0].data = NULL;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "variable population/local: no data");
  res.variables[0].data = data;
  res.variables[0].dims[1] = ES_DIM_STATISTIC;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "variable population/local: axis 'statistic' repeated");
  res.variables[0].dims[1] = ES_DIM_YEAR;

  /* labels: missing, NULL entry, invalid UTF-8 */
  char **stage = res.stage;
  res.stage = NULL;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "stage: labels missing (NULL)");
  res.stage = stage;
  char *name = res.region_name[1];
  res.region_name[1] = NULL;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "region_name[1] is NULL");
  char latin1[] = "Jiangbei \xe9";
  res.region_name[1] = latin1;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "region_name[1] is not valid UTF-8 text");
  char overlong[] = "\xc0\xaf";
  res.region_name[1] = overlong;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  char surrogate[] = "\xed\xa0\x80";
  res.region_name[1] = surrogate;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  res.region_name[1] = name;
  int32_t *year = res.year;
  res.year = NULL;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "year: labels missing (NULL)");
  res.year = year;

  /* sources: the second one is made text so that it stores under its role */
  char *role = res.sources[1].role;
  memcpy(res.sources[1].bytes, "abc", 3);
  res.sources[1].role = dup_text("scenario");
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "sources 0 and 1 both store as 'scenario' (roles must be "
                  "distinct)");
  free(res.sources[1].role);
  res.sources[1].role = dup_text("scenario_resolved");
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "source 1: role 'scenario_resolved' is reserved");
  free(res.sources[1].role);
  res.sources[1].role = dup_text("../x");
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message,
                  "source 1: role '../x' cannot name a dataset (expected a "
                  "short name without '/')");
  free(res.sources[1].role);
  res.sources[1].role = role;
  res.sources[1].size = 5;
  char *bytes = res.sources[1].bytes;
  res.sources[1].bytes = NULL;
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_STR_EQ(err.message, "source 'weights': 5 bytes but no data");
  res.sources[1].bytes = bytes;
  res.sources[1].size = 3;

  ES_CHECK(!exists(path));
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  es_results_clear(&res);
}

/* Groups whose axes have length 0 are written (contiguous, no chunks). */
static void test_empty_axis(const char *dir) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  res.dim_len[ES_DIM_YEAR] = 2;
  res.dim_len[ES_DIM_REGION] = 0;
  res.year = calloc(2, sizeof *res.year);
  res.region = calloc(1, sizeof *res.region);
  ES_ASSERT(res.year && res.region);
  res.year[0] = 2030;
  res.year[1] = 2031;
  const enum es_dim dims[] = {ES_DIM_YEAR, ES_DIM_REGION};
  ES_CHECK(es_results_add(&res, "demand", "x", "x", "1", 2, dims, &err) !=
           NULL);
  char path[1024];
  snprintf(path, sizeof path, "%s/empty.h5", dir);
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_OK);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, "demand/x", H5P_DEFAULT);
  hid_t space = H5Dget_space(d);
  ES_CHECK_INT_EQ(H5Sget_simple_extent_npoints(space), 0);
  check_attr_text(f, "title", "edusim results");
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  es_results_clear(&res);
}

static void test_checker(const char *path) {
  if (access("/usr/bin/python3", X_OK) != 0) {
    printf("note: no /usr/bin/python3, check_results.py not run\n");
    return;
  }
  ES_CHECK_INT_EQ(
      run_checker(path,
                  "--expect-region 渝中区 --expect-region 锦江区 "
                  "--expect-groups population,demand,schools,indicators,"
                  "scenario --expect-var schools/teachers --expect-attr "
                  "mode=deterministic --expect-attr format_version=1"),
      0);
  /* the checker can fail: a region and a group that are not there */
  ES_CHECK_INT_EQ(run_checker(path, "--expect-region 不存在区"), 1);
  ES_CHECK_INT_EQ(run_checker(path, "--expect-groups migration"), 1);
}

/* The indicators groups of a stochastic run have their own statistic axis
 * (it may list quantiles the region groups lack) and a replicate axis. */
static void test_indicator_axes(const char *dir) {
  static const char *const ind_stats[] = {"mean", "sd", "p05", "p95"};
  static const int32_t replicates[] = {0, 1, 2, 3, 4};
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  build_results(&res);
  res.dim_len[ES_DIM_INDICATOR_STATISTIC] = 4;
  res.dim_len[ES_DIM_REPLICATE] = 5;
  res.indicator_statistic = dup_texts(ind_stats, 4);
  res.replicate = dup_ints(replicates, 5);
  const enum es_dim ind_dims[] = {ES_DIM_STRATEGY, ES_DIM_INDICATOR_STATISTIC,
                                  ES_DIM_YEAR, ES_DIM_STAGE};
  const enum es_dim rep_dims[] = {ES_DIM_STRATEGY, ES_DIM_REPLICATE,
                                  ES_DIM_YEAR, ES_DIM_STAGE};
  double *q = es_results_add(&res, "indicators_q", "unmet_share", "unmet", "1",
                             4, ind_dims, &err);
  double *r = es_results_add(&res, "indicators_replicates", "unmet_share",
                             "unmet", "1", 4, rep_dims, &err);
  ES_ASSERT(q != NULL && r != NULL);
  fill_variable(q, 5, 2 * 4 * 3 * 2);
  fill_variable(r, 6, 2 * 5 * 3 * 2);
  char path[1024];
  snprintf(path, sizeof path, "%s/axes.h5", dir);
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_OK);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ES_CHECK(f >= 0);
  hid_t g = H5Gopen2(f, "indicators_q", H5P_DEFAULT);
  hid_t stat = H5Dopen2(g, "statistic", H5P_DEFAULT);
  hid_t space = H5Dget_space(stat);
  ES_CHECK_INT_EQ(H5Sget_simple_extent_npoints(space), 4);
  H5Sclose(space);
  H5Dclose(stat);
  H5Gclose(g);
  g = H5Gopen2(f, "indicators_replicates", H5P_DEFAULT);
  hid_t rep = H5Dopen2(g, "replicate", H5P_DEFAULT);
  int32_t got[5] = {0};
  ES_CHECK(H5Dread(rep, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) >=
           0);
  ES_CHECK(memcmp(got, replicates, sizeof got) == 0);
  H5Dclose(rep);
  H5Gclose(g);
  H5Fclose(f);
  ES_CHECK_INT_EQ(run_checker(path,
                              "--expect-groups indicators_q,"
                              "indicators_replicates"),
                  0);

  /* One group cannot carry both statistic axes: both are "statistic". */
  const enum es_dim region_stat[] = {ES_DIM_STRATEGY, ES_DIM_STATISTIC,
                                     ES_DIM_YEAR, ES_DIM_STAGE};
  ES_CHECK(es_results_add(&res, "indicators_q", "mixed", "mixed", "1", 4,
                          region_stat, &err) != NULL);
  snprintf(path, sizeof path, "%s/mixed.h5", dir);
  ES_CHECK_INT_EQ(es_results_write(&res, path, NULL, &err), ES_EINVAL);
  ES_CHECK_CONTAINS(err.message, "mixes the region-level and the indicator");
  ES_CHECK(!exists(path));
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  es_results_clear(&res);
}

/* A stop asked for (Ctrl-C) while writing: nothing is published, the old
 * file stays, no temporary file is left. */
static void test_cancel(const char *dir, const char *path) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  build_results(&res);
  size_t n_before = 0, n_after = 0;
  char *before = read_all(path, &n_before);
  volatile sig_atomic_t stop = 1;
  const struct es_write_options opts = {
      .force = true, .deflate_level = 1, .cancel = &stop};
  ES_CHECK_INT_EQ(es_results_write(&res, path, &opts, &err), ES_EINTERRUPTED);
  char *after = read_all(path, &n_after);
  ES_CHECK(before != NULL && after != NULL && n_before == n_after &&
           memcmp(before, after, n_before) == 0);
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  stop = 0;
  ES_CHECK_INT_EQ(es_results_write(&res, path, &opts, &err), ES_OK);
  free(before);
  free(after);
  es_results_clear(&res);
}

/* The stop flag of test_cancel_while_writing and when the timer set it. A
 * signal handler can reach only globals; this is a test, not the library. */
static volatile sig_atomic_t alarm_stop = 0;
static struct timespec alarm_at;

static void on_alarm(int sig) {
  clock_gettime(CLOCK_MONOTONIC, &alarm_at); /* async-signal-safe */
  alarm_stop = (sig_atomic_t)sig;
}

/* A stop that arrives while a large array is being compressed is honoured
 * within a fraction of a second (the writer checks between chunks), not
 * after the whole file. */
static void test_cancel_while_writing(const char *dir) {
  enum { n_stat = 2, n_year = 31, n_region = 4000, n_age = 26 };
  const size_t n = (size_t)n_stat * n_year * n_region * n_age; /* 51.6 MB */
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  res.dim_len[ES_DIM_STATISTIC] = n_stat;
  res.dim_len[ES_DIM_YEAR] = n_year;
  res.dim_len[ES_DIM_REGION] = n_region;
  res.dim_len[ES_DIM_AGE] = n_age;
  static const char *const statistics[] = {"mean", "sd"};
  res.statistic = dup_texts(statistics, n_stat);
  res.year = calloc(n_year, sizeof *res.year);
  res.age = calloc(n_age, sizeof *res.age);
  res.region = calloc(n_region, sizeof *res.region);
  ES_ASSERT(res.year && res.age && res.region);
  for (size_t i = 0; i < n_year; i++) {
    res.year[i] = 2020 + (int32_t)i;
  }
  for (size_t i = 0; i < n_age; i++) {
    res.age[i] = (int32_t)i;
  }
  for (size_t i = 0; i < n_region; i++) {
    char code[16];
    snprintf(code, sizeof code, "R%04zu", i);
    res.region[i] = dup_text(code);
  }
  double *data = es_results_add(&res, "population", "local", "local", "persons",
                                4, pop_dims, &err);
  ES_ASSERT(data != NULL);
  /* Noise, which compresses slowly (a linear ramp would not). */
  uint64_t x = UINT64_C(0x9E3779B97F4A7C15);
  for (size_t i = 0; i < n; i++) {
    x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    data[i] = (double)(x >> 11) * 0x1p-53 * 1000.0;
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/stopped.h5", dir);
  struct sigaction sa, old_sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  ES_ASSERT(sigaction(SIGALRM, &sa, &old_sa) == 0);
  const struct itimerval in_200_ms = {.it_value = {.tv_usec = 200000}};
  const struct es_write_options opts = {
      .force = false, .deflate_level = 1, .cancel = &alarm_stop};
  ES_ASSERT(setitimer(ITIMER_REAL, &in_200_ms, NULL) == 0);
  const int rc = es_results_write(&res, path, &opts, &err);
  struct timespec done;
  clock_gettime(CLOCK_MONOTONIC, &done);
  sigaction(SIGALRM, &old_sa, NULL);
  ES_CHECK_INT_EQ(rc, ES_EINTERRUPTED);
  ES_CHECK_CONTAINS(err.message, "interrupted while writing");
  ES_CHECK(alarm_stop == SIGALRM);
  const double latency_s = (double)(done.tv_sec - alarm_at.tv_sec) +
                           1e-9 * (double)(done.tv_nsec - alarm_at.tv_nsec);
  printf("note: the stop was honoured %.3f s after it was asked for\n",
         latency_s);
  ES_CHECK(latency_s < 1.0);
  ES_CHECK(!exists(path));
  ES_CHECK_INT_EQ(count_temps(dir), 0);
  es_results_clear(&res);
}

int main(void) {
  char dir[] = "/tmp/es_test_results_XXXXXX";
  ES_ASSERT(mkdtemp(dir) != NULL);
  char main_path[1024];

  test_add_find_clear();
  test_write_and_read(dir, main_path, sizeof main_path);
  test_chunk_shape(dir);
  test_checker(main_path);
  test_exists_and_force(dir, main_path);
  test_failures_leave_no_temp(dir);
  test_stale_temps(dir);
  test_invalid(dir);
  test_empty_axis(dir);
  test_indicator_axes(dir);
  test_cancel(dir, main_path);
  test_cancel_while_writing(dir);

  if (getenv("ES_TEST_KEEP") != NULL) {
    printf("files kept in %s\n", dir);
  } else {
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
      printf("note: could not remove %s\n", dir);
    }
  }
  return es_test_summary();
}
