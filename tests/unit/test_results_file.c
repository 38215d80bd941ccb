/* test_results_file.c: the checked opener of results files
 * (output/results_file.h).
 *
 * A small results file is written with es_results_write; it must open, with
 * its digest verified and its root attributes read back. Then copies of it
 * are changed with the HDF5 C API the way a damaged, foreign or edited file
 * would be, and each change must be refused as an input error whose message
 * names the file and the problem: a root attribute that is an array, of the
 * wrong type or missing, software other than edusim, another format_version;
 * a dataset whose shape disagrees with its dimension scale, of a type the
 * format does not use, of too many dimensions, without a scale, with its
 * scale in another group; a coordinate or a variable of absurd size (the
 * bounds that come before any allocation); a scenario text that is not a
 * scalar string. Those files are opened with the digest check skipped
 * (--no-verify), since every change breaks the digest, which is checked on
 * its own: a changed file is refused, a file without a digest is read with
 * one notice, and a skipped check gives no notice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "es_test.h"
#include "models/strings.h"
#include "output/results.h"
#include "output/results_file.h"

/* ---- the fixture ----------------------------------------------------------
 */

static char *dup_text(const char *s) {
  char *d = malloc(strlen(s) + 1);
  ES_ASSERT(d != NULL);
  strcpy(d, s);
  return d;
}

static char **dup_texts(const char *a, const char *b) {
  char **out = calloc(2, sizeof *out);
  ES_ASSERT(out != NULL);
  out[0] = dup_text(a);
  out[1] = dup_text(b);
  return out;
}

static int32_t *dup_ints(const int32_t a, const int32_t b) {
  int32_t *out = malloc(2 * sizeof *out);
  ES_ASSERT(out != NULL);
  out[0] = a;
  out[1] = b;
  return out;
}

static const enum es_dim pop_dims[] = {ES_DIM_STATISTIC, ES_DIM_YEAR,
                                       ES_DIM_REGION, ES_DIM_AGE};
static const enum es_dim indicator_dims[] = {
    ES_DIM_STRATEGY, ES_DIM_INDICATOR_STATISTIC, ES_DIM_YEAR, ES_DIM_STAGE};

static void write_fixture(const char *path) {
  struct es_results res;
  struct es_error err;
  es_error_clear(&err);
  es_results_init(&res);
  for (size_t d = 0; d < ES_DIM_COUNT; d++) {
    res.dim_len[d] = 2;
  }
  res.strategy = dup_texts("rank", "resident");
  res.statistic = dup_texts("mean", "sd");
  res.indicator_statistic = dup_texts("mean", "p05");
  res.year = dup_ints(2020, 2021);
  res.region = dup_texts("500103", "510104");
  res.region_name = dup_texts("渝中区", "锦江区");
  res.region_rank = dup_ints(1, 2);
  res.age = dup_ints(0, 1);
  res.stage = dup_texts("primary", "junior");
  res.stage_age_lo = dup_ints(6, 12);
  res.stage_age_hi = dup_ints(11, 14);
  double *v = es_results_add(&res, "population", "local", "local", "persons", 4,
                             pop_dims, &err);
  ES_ASSERT(v != NULL);
  v[3] = 2.385;
  v = es_results_add(&res, "indicators", "gini", "gini", "1", 4, indicator_dims,
                     &err);
  ES_ASSERT(v != NULL);
  v[5] = 0.125;
  res.title = dup_text("test");
  res.scenario_name = dup_text("unit");
  res.command = dup_text("edusim run unit.yaml");
  res.mode = dup_text("deterministic");
  res.seed = 20201101;
  res.replicates = 1;
  res.currency = dup_text("CNY");
  res.scenario_resolved = dup_text("name: unit\n");
  const int rc = es_results_write(&res, path, NULL, &err);
  if (rc != ES_OK) {
    printf("cannot write the fixture: %s\n", err.message);
  }
  ES_ASSERT(rc == ES_OK);
  es_results_clear(&res);
}

/* A copy of @p from at @p to. */
static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  FILE *out = fopen(to, "wb");
  ES_ASSERT(in != NULL && out != NULL);
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    ES_ASSERT(fwrite(buf, 1, n, out) == n);
  }
  fclose(in);
  ES_ASSERT(fclose(out) == 0);
}

/* ---- changing a copy ---------------------------------------------------- */

/* Replace root attribute @p name by one of type @p type, shape @p n values
 * (0: scalar), from @p value. */
static void set_attr(const hid_t file, const char *name, const hid_t type,
                     const hsize_t n, const void *value) {
  if (H5Aexists(file, name) > 0) {
    ES_ASSERT(H5Adelete(file, name) >= 0);
  }
  const hid_t space = n == 0 ? H5Screate(H5S_SCALAR)
                             : H5Screate_simple(1, (hsize_t[]){n}, NULL);
  const hid_t attr =
      H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  ES_ASSERT(attr >= 0);
  ES_ASSERT(H5Awrite(attr, type, value) >= 0);
  H5Aclose(attr);
  H5Sclose(space);
}

static void set_text_attr(const hid_t file, const char *name,
                          const char *value) {
  const hid_t t = es_results_file_text_type();
  set_attr(file, name, t, 0, &value);
  H5Tclose(t);
}

/* A dataset @p name in @p loc of @p rank dims, type @p type, chunked and
 * never written (so that even an absurd shape costs nothing). */
static hid_t add_dataset(const hid_t loc, const char *name, const hid_t type,
                         const int rank, const hsize_t *dims) {
  const hid_t space = H5Screate_simple(rank, dims, NULL);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hsize_t chunk[16];
  for (int a = 0; a < rank; a++) {
    chunk[a] = dims[a] < 16 ? dims[a] : 16;
  }
  ES_ASSERT(H5Pset_chunk(dcpl, rank, chunk) >= 0);
  const hid_t ds =
      H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ES_ASSERT(ds >= 0);
  H5Pclose(dcpl);
  H5Sclose(space);
  return ds;
}

/* Attach the scale @p path of @p file to axis @p axis of @p ds. */
static void attach(const hid_t file, const hid_t ds, const char *path,
                   const unsigned axis) {
  const hid_t scale = H5Dopen2(file, path, H5P_DEFAULT);
  ES_ASSERT(scale >= 0);
  ES_ASSERT(H5DSattach_scale(ds, scale, axis) >= 0);
  H5Dclose(scale);
}

enum change {
  FORMAT_VERSION_ARRAY,
  SEED_ARRAY,
  FORMAT_VERSION_999,
  FORMAT_VERSION_TEXT,
  TITLE_INTEGER,
  SEED_FLOAT,
  CREATED_MISSING,
  SOFTWARE_OTHER,
  SHAPE_VS_SCALE,
  TYPE_COMPOUND,
  RANK_NINE,
  NO_SCALE,
  SCALE_ELSEWHERE,
  HUGE_AXIS,
  HUGE_CELLS,
  SCENARIO_ARRAY,
};

/* Make the copy @p path of the fixture with @p change. */
static void make_changed(const char *fixture, const char *path,
                         const enum change change) {
  copy_file(fixture, path);
  const hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  ES_ASSERT(file >= 0);
  const int64_t numbers[50] = {1, 2, 3};
  const int64_t v999 = 999;
  const int64_t one = 1;
  const double seed = 2.5;
  hid_t ds = H5I_INVALID_HID;
  switch (change) {
    case FORMAT_VERSION_ARRAY:
      set_attr(file, "format_version", H5T_NATIVE_INT64, 50, numbers);
      break;
    case SEED_ARRAY:
      set_attr(file, "seed", H5T_NATIVE_INT64, 50, numbers);
      break;
    case FORMAT_VERSION_999:
      set_attr(file, "format_version", H5T_NATIVE_INT64, 0, &v999);
      break;
    case FORMAT_VERSION_TEXT:
      set_text_attr(file, "format_version", "1");
      break;
    case TITLE_INTEGER:
      set_attr(file, "title", H5T_NATIVE_INT64, 0, &one);
      break;
    case SEED_FLOAT:
      set_attr(file, "seed", H5T_NATIVE_DOUBLE, 0, &seed);
      break;
    case CREATED_MISSING:
      ES_ASSERT(H5Adelete(file, "created") >= 0);
      break;
    case SOFTWARE_OTHER:
      set_text_attr(file, "software", "h5py");
      break;
    case SHAPE_VS_SCALE:
      ds = add_dataset(file, "/indicators/bad", H5T_IEEE_F64LE, 2,
                       (hsize_t[]){2, 3});
      attach(file, ds, "/indicators/strategy", 0);
      attach(file, ds, "/indicators/year", 1);
      break;
    case TYPE_COMPOUND: {
      const hid_t t = H5Tcreate(H5T_COMPOUND, 16);
      H5Tinsert(t, "a", 0, H5T_NATIVE_DOUBLE);
      H5Tinsert(t, "b", 8, H5T_NATIVE_DOUBLE);
      ds = add_dataset(file, "/indicators/bad", t, 1, (hsize_t[]){2});
      attach(file, ds, "/indicators/year", 0);
      H5Tclose(t);
      break;
    }
    case RANK_NINE:
      ds = add_dataset(file, "/indicators/bad", H5T_IEEE_F64LE, 9,
                       (hsize_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
      break;
    case NO_SCALE:
      ds = add_dataset(file, "/indicators/bad", H5T_IEEE_F64LE, 2,
                       (hsize_t[]){2, 2});
      attach(file, ds, "/indicators/strategy", 0);
      break;
    case SCALE_ELSEWHERE:
      ds = add_dataset(file, "/indicators/bad", H5T_IEEE_F64LE, 1,
                       (hsize_t[]){2});
      attach(file, ds, "/population/age", 0);
      break;
    case HUGE_AXIS:
      ds = add_dataset(file, "/indicators/huge", H5T_STD_I32LE, 1,
                       (hsize_t[]){(hsize_t)1 << 30});
      ES_ASSERT(H5DSset_scale(ds, "huge") >= 0);
      break;
    case HUGE_CELLS: {
      const hsize_t n = ES_RESULTS_FILE_MAX_AXIS;
      hid_t a = add_dataset(file, "/indicators/wide_a", H5T_STD_I32LE, 1, &n);
      hid_t b = add_dataset(file, "/indicators/wide_b", H5T_STD_I32LE, 1, &n);
      ES_ASSERT(H5DSset_scale(a, "wide_a") >= 0);
      ES_ASSERT(H5DSset_scale(b, "wide_b") >= 0);
      ds = add_dataset(file, "/indicators/wide", H5T_IEEE_F64LE, 2,
                       (hsize_t[]){n, n});
      ES_ASSERT(H5DSattach_scale(ds, a, 0) >= 0);
      ES_ASSERT(H5DSattach_scale(ds, b, 1) >= 0);
      H5Dclose(a);
      H5Dclose(b);
      break;
    }
    case SCENARIO_ARRAY:
      ds = add_dataset(file, "/scenario/extra", H5T_STD_I32LE, 1,
                       (hsize_t[]){2});
      break;
  }
  if (ds >= 0) {
    H5Dclose(ds);
  }
  ES_ASSERT(H5Fclose(file) >= 0);
}

/* Opening @p path with the digest check skipped must fail with ES_EINPUT
 * and a message holding "PATH: " and @p part. */
static void expect_refused(const char *path, const char *part) {
  struct es_results_file *rf = NULL;
  struct es_error err;
  es_error_clear(&err);
  const struct es_digest_policy skip = {.skip = true};
  const int rc = es_results_file_open(path, &skip, &rf, &err);
  ES_CHECK_INT_EQ(rc, ES_EINPUT);
  ES_CHECK(rf == NULL);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "%s: ", path);
  ES_CHECK(strncmp(err.message, prefix, strlen(prefix)) == 0);
  ES_CHECK_CONTAINS(err.message, part);
  es_results_file_free(rf);
}

/* ---- tests --------------------------------------------------------------- */

/* Counts the notices it is given. */
struct notices {
  size_t n;
  char last[512];
};

static void count_notice(const void *ctx, const char *path, const char *text) {
  struct notices *notes = (struct notices *)(uintptr_t)ctx;
  notes->n++;
  snprintf(notes->last, sizeof notes->last, "%s %s", path, text);
}

static void test_good(const char *fixture) {
  struct es_results_file *rf = NULL;
  struct es_error err;
  es_error_clear(&err);
  struct notices notes = {0};
  const struct es_digest_policy policy = {.notice = count_notice,
                                          .notice_ctx = &notes};
  ES_CHECK_INT_EQ(es_results_file_open(fixture, &policy, &rf, &err), ES_OK);
  ES_ASSERT(rf != NULL);
  ES_CHECK_INT_EQ(es_results_file_digest(rf), ES_DIGEST_VALID);
  ES_CHECK_INT_EQ(notes.n, 0);
  ES_CHECK_STR_EQ(es_results_file_path(rf), fixture);
  ES_CHECK(es_results_file_id(rf) >= 0);
  /* The version the writer writes is the one the opener reads. */
  char version[16];
  snprintf(version, sizeof version, "%d", ES_RESULTS_FILE_FORMAT_VERSION);
  ES_CHECK_STR_EQ(es_results_file_attribute(rf, "format_version"), version);
  ES_CHECK_STR_EQ(es_results_file_attribute(rf, "software"), "edusim");
  ES_CHECK_STR_EQ(es_results_file_attribute(rf, "seed"), "20201101");
  ES_CHECK_STR_EQ(es_results_file_attribute(rf, "scenario"), "unit");
  ES_CHECK_STR_EQ(es_results_file_attribute(rf, "currency"), "CNY");
  ES_CHECK(es_results_file_attribute(rf, "software_version") == NULL);
  ES_CHECK(es_results_file_attribute(rf, "no_such") == NULL);
  size_t n_names = 0;
  const char *const *names = es_results_file_attribute_names(&n_names);
  ES_CHECK_INT_EQ(n_names, 13);
  ES_CHECK_STR_EQ(names[n_names - 1], "format_version");

  /* Coordinates through the shared readers. */
  const hid_t group =
      H5Gopen2(es_results_file_id(rf), "indicators", H5P_DEFAULT);
  ES_ASSERT(group >= 0);
  char **labels = NULL;
  size_t n = 0;
  ES_CHECK_INT_EQ(es_results_file_read_text_coordinate(
                      group, fixture, "indicators", "stage", &labels, &n, &err),
                  ES_OK);
  ES_CHECK_INT_EQ(n, 2);
  if (n == 2) {
    ES_CHECK_STR_EQ(labels[1], "junior");
  }
  es_strings_free(labels, n);
  int32_t *years = NULL;
  ES_CHECK_INT_EQ(es_results_file_read_int32_coordinate(
                      group, fixture, "indicators", "year", &years, &n, &err),
                  ES_OK);
  ES_CHECK(n == 2 && years != NULL && years[1] == 2021);
  free(years);
  ES_CHECK_INT_EQ(es_results_file_read_text_coordinate(
                      group, fixture, "indicators", "year", &labels, &n, &err),
                  ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "indicators/year has the wrong type or shape");
  ES_CHECK_INT_EQ(es_results_file_read_text_coordinate(
                      group, fixture, "indicators", "nope", &labels, &n, &err),
                  ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "indicators/nope is missing");
  H5Gclose(group);
  es_results_file_free(rf);
  es_results_file_free(NULL);

  /* With the check skipped: read, no notice, status SKIPPED. */
  const struct es_digest_policy skip = {
      .skip = true, .notice = count_notice, .notice_ctx = &notes};
  ES_CHECK_INT_EQ(es_results_file_open(fixture, &skip, &rf, &err), ES_OK);
  ES_CHECK_INT_EQ(es_results_file_digest(rf), ES_DIGEST_SKIPPED);
  ES_CHECK_INT_EQ(notes.n, 0);
  es_results_file_free(rf);
}

static void test_digest(const char *fixture) {
  struct es_results_file *rf = NULL;
  struct es_error err;
  es_error_clear(&err);
  struct notices notes = {0};
  const struct es_digest_policy policy = {.notice = count_notice,
                                          .notice_ctx = &notes};
  /* Changed after it was written: refused, unless the check is skipped. */
  make_changed(fixture, "changed.h5", SOFTWARE_OTHER);
  ES_CHECK_INT_EQ(es_results_file_open("changed.h5", &policy, &rf, &err),
                  ES_EINPUT);
  ES_CHECK_CONTAINS(err.message,
                    "changed.h5: changed or damaged since edusim wrote it");
  ES_CHECK(rf == NULL);
  unlink("changed.h5");

  /* No digest (a user block without the header): one notice, then read. */
  copy_file(fixture, "unsigned.h5");
  FILE *f = fopen("unsigned.h5", "r+b");
  ES_ASSERT(f != NULL);
  const char zeros[ES_DIGEST_BLOCK_SIZE] = {0};
  ES_ASSERT(fwrite(zeros, 1, sizeof zeros, f) == sizeof zeros);
  ES_ASSERT(fclose(f) == 0);
  ES_CHECK_INT_EQ(es_results_file_open("unsigned.h5", &policy, &rf, &err),
                  ES_OK);
  ES_CHECK_INT_EQ(es_results_file_digest(rf), ES_DIGEST_ABSENT);
  ES_CHECK_INT_EQ(notes.n, 1);
  ES_CHECK_CONTAINS(notes.last, "unsigned.h5 has no digest to check");
  es_results_file_free(rf);
  /* No sink: read all the same. */
  ES_CHECK_INT_EQ(es_results_file_open("unsigned.h5", NULL, &rf, &err), ES_OK);
  es_results_file_free(rf);
  unlink("unsigned.h5");

  /* Not a results file at all: no notice, the error names the problem. */
  f = fopen("text.h5", "w");
  ES_ASSERT(f != NULL);
  fputs("year,students\n2020,1\n", f);
  fclose(f);
  notes.n = 0;
  ES_CHECK_INT_EQ(es_results_file_open("text.h5", &policy, &rf, &err),
                  ES_EINPUT);
  ES_CHECK_STR_EQ(err.message,
                  "text.h5: not an HDF5 file (expected a results file written "
                  "by edusim run)");
  ES_CHECK_INT_EQ(notes.n, 0);
  unlink("text.h5");
  ES_CHECK_INT_EQ(es_results_file_open("missing.h5", &policy, &rf, &err),
                  ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, "missing.h5: no such file");
  ES_CHECK_INT_EQ(es_results_file_open(".", &policy, &rf, &err), ES_EINPUT);
  ES_CHECK_CONTAINS(err.message, ".: is a folder");
  ES_CHECK_INT_EQ(es_results_file_open(NULL, &policy, &rf, &err), ES_EINVAL);
}

static void test_refused(const char *fixture) {
  static const struct {
    enum change change;
    const char *message;
  } cases[] = {
      {FORMAT_VERSION_ARRAY,
       "the root attribute 'format_version' is an array of 50 values "
       "(expected a scalar integer, as edusim writes it)"},
      {SEED_ARRAY, "the root attribute 'seed' is an array of 50 values"},
      {FORMAT_VERSION_999,
       "format_version 999 is not supported (this edusim reads "
       "format_version 1; use the edusim that wrote it)"},
      {FORMAT_VERSION_TEXT,
       "the root attribute 'format_version' is a string (expected a scalar "
       "integer"},
      {TITLE_INTEGER,
       "the root attribute 'title' is an integer (expected a scalar string"},
      {SEED_FLOAT,
       "the root attribute 'seed' is a floating-point number (expected a "
       "scalar integer"},
      {CREATED_MISSING,
       "the root attribute 'created' is missing (expected a scalar string"},
      {SOFTWARE_OTHER,
       "the root attribute software is 'h5py' (expected 'edusim'"},
      {SHAPE_VS_SCALE,
       "indicators/bad has length 3 along year (axis 2), but the coordinate "
       "year has length 2"},
      {TYPE_COMPOUND, "indicators/bad has an unexpected type"},
      {RANK_NINE, "indicators/bad has 9 dimensions (expected at most 8"},
      {NO_SCALE, "indicators/bad: axis 2 has no dimension scale"},
      {SCALE_ELSEWHERE,
       "indicators/bad: the coordinate 'age' of axis 1 is not in group "
       "indicators"},
      {HUGE_AXIS,
       "the coordinate indicators/huge has 1 dimension of length 1073741824 "
       "(expected one dimension of at most 16777216"},
      {HUGE_CELLS, "indicators/wide has more than 4294967296 values"},
      {SCENARIO_ARRAY, "scenario/extra is not a scalar string"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    make_changed(fixture, "changed.h5", cases[i].change);
    expect_refused("changed.h5", cases[i].message);
    unlink("changed.h5");
  }
}

int main(void) {
  char dir[] = "/tmp/es_test_results_file_XXXXXX";
  ES_ASSERT(mkdtemp(dir) != NULL);
  ES_ASSERT(chdir(dir) == 0);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  write_fixture("fixture.h5");
  test_good("fixture.h5");
  test_digest("fixture.h5");
  test_refused("fixture.h5");
  unlink("fixture.h5");
  ES_ASSERT(chdir("/") == 0);
  ES_CHECK_INT_EQ(rmdir(dir), 0);
  return es_test_summary();
}
