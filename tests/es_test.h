/* es_test.h: the small check library every edusim test uses (STYLE 36).
 *
 * Each check prints FAIL with file:line, both expressions and both values, and
 * counts itself; es_test_summary() prints "N passed, N failed" (the closing
 * line ctest logs are read for) and returns the process exit status. Quiet on
 * PASS unless ES_TEST_VERBOSE is set, so a failing suite shows only what
 * failed. */
#ifndef ES_TESTS_ES_TEST_H
#define ES_TESTS_ES_TEST_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct es_test_counts {
  long passed;
  long failed;
};

/* One counter per test program; tests are single-threaded, so this is the one
 * mutable global the project allows, and only in tests. */
static struct es_test_counts es_test_counts_;

static inline void es_test_report_(bool ok, const char *file, int line,
                                   const char *what) {
  if (ok) {
    es_test_counts_.passed++;
    if (getenv("ES_TEST_VERBOSE") != NULL) {
      printf("PASS %s:%d: %s\n", file, line, what);
    }
  } else {
    es_test_counts_.failed++;
    printf("FAIL %s:%d: %s\n", file, line, what);
  }
}

#define ES_CHECK(cond)                                  \
  do {                                                  \
    bool es_ok_ = (cond);                               \
    es_test_report_(es_ok_, __FILE__, __LINE__, #cond); \
  } while (0)

#define ES_CHECK_INT_EQ(a, b)                                               \
  do {                                                                      \
    long long es_a_ = (long long)(a), es_b_ = (long long)(b);               \
    char es_w_[512];                                                        \
    snprintf(es_w_, sizeof es_w_, "%s == %s (%lld vs %lld)", #a, #b, es_a_, \
             es_b_);                                                        \
    es_test_report_(es_a_ == es_b_, __FILE__, __LINE__, es_w_);             \
  } while (0)

/* |a - b| <= tol (absolute); NaN equals NaN. */
#define ES_CHECK_NEAR(a, b, tol)                                              \
  do {                                                                        \
    double es_a_ = (double)(a), es_b_ = (double)(b);                          \
    bool es_ok_ = (isnan(es_a_) && isnan(es_b_)) ||                           \
                  fabs(es_a_ - es_b_) <= (double)(tol);                       \
    char es_w_[512];                                                          \
    snprintf(es_w_, sizeof es_w_, "%s ~ %s (%.17g vs %.17g, tol %g)", #a, #b, \
             es_a_, es_b_, (double)(tol));                                    \
    es_test_report_(es_ok_, __FILE__, __LINE__, es_w_);                       \
  } while (0)

/* Bit-for-bit equality of doubles (NaN equals NaN). */
#define ES_CHECK_DOUBLE_EQ(a, b)                                              \
  do {                                                                        \
    double es_a_ = (double)(a), es_b_ = (double)(b);                          \
    bool es_ok_ = (isnan(es_a_) && isnan(es_b_)) ||                           \
                  memcmp(&es_a_, &es_b_, sizeof es_a_) == 0;                  \
    char es_w_[512];                                                          \
    snprintf(es_w_, sizeof es_w_, "%s == %s (%.17g vs %.17g)", #a, #b, es_a_, \
             es_b_);                                                          \
    es_test_report_(es_ok_, __FILE__, __LINE__, es_w_);                       \
  } while (0)

#define ES_CHECK_STR_EQ(a, b)                                                  \
  do {                                                                         \
    const char *es_a_ = (a), *es_b_ = (b);                                     \
    bool es_ok_ = es_a_ != NULL && es_b_ != NULL && strcmp(es_a_, es_b_) == 0; \
    char es_w_[4096];                                                          \
    snprintf(es_w_, sizeof es_w_, "%s == %s (\"%s\" vs \"%s\")", #a, #b,       \
             es_a_ ? es_a_ : "(null)", es_b_ ? es_b_ : "(null)");              \
    es_test_report_(es_ok_, __FILE__, __LINE__, es_w_);                        \
  } while (0)

/* strstr(haystack, needle) != NULL */
#define ES_CHECK_CONTAINS(haystack, needle)                               \
  do {                                                                    \
    const char *es_h_ = (haystack), *es_n_ = (needle);                    \
    bool es_ok_ = es_h_ != NULL && es_n_ != NULL && strstr(es_h_, es_n_); \
    char es_w_[8192];                                                     \
    snprintf(es_w_, sizeof es_w_, "%s contains %s (\"%s\" in \"%s\")",    \
             #haystack, #needle, es_n_ ? es_n_ : "(null)",                \
             es_h_ ? es_h_ : "(null)");                                   \
    es_test_report_(es_ok_, __FILE__, __LINE__, es_w_);                   \
  } while (0)

/* Print "N passed, N failed" and return the exit status for main(). */
static inline int es_test_summary(void) {
  printf("%ld passed, %ld failed\n", es_test_counts_.passed,
         es_test_counts_.failed);
  return es_test_counts_.failed == 0 && es_test_counts_.passed > 0 ? 0 : 1;
}

#endif /* ES_TESTS_ES_TEST_H */
