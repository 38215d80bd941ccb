/* test_args.c: the option helper shared by the subcommands. */
#include "es_test.h"
#include "models/error.h"
#include "sim/args.h"

int main(void) {
  /* argv as main receives it: writable strings. */
  char a0[] = "compare", a1[] = "a.h5", a2[] = "--year", a3[] = "2030",
       a4[] = "--stage=primary", a5[] = "--yearx", a6[] = "--format";
  char *argv[] = {a0, a1, a2, a3, a4, a5, a6};
  const int argc = 7;
  bool missing = false;
  int i = 1;
  ES_CHECK(es_args_option_value(argc, argv, &i, "--year", &missing) == NULL);
  i = 2;
  const char *v = es_args_option_value(argc, argv, &i, "--year", &missing);
  ES_CHECK_STR_EQ(v, "2030");
  ES_CHECK_INT_EQ(i, 3); /* moved past the value */
  ES_CHECK(!missing);
  i = 4;
  v = es_args_option_value(argc, argv, &i, "--stage", &missing);
  ES_CHECK_STR_EQ(v, "primary");
  ES_CHECK_INT_EQ(i, 4); /* "--opt=VALUE" is one argument */
  i = 5;                 /* a longer option is not this one */
  ES_CHECK(es_args_option_value(argc, argv, &i, "--year", &missing) == NULL);
  i = 6; /* the last argument, without its value */
  v = es_args_option_value(argc, argv, &i, "--format", &missing);
  ES_CHECK(missing);
  ES_CHECK_STR_EQ(v, "");
  ES_CHECK_INT_EQ(i, 6);

  /* A usage error: the message on stderr and exit status 2. */
  fflush(stderr);
  FILE *saved = stderr;
  char *text = NULL;
  size_t size = 0;
  FILE *mem = open_memstream(&text, &size);
  ES_ASSERT(mem != NULL);
  stderr = mem;
  int status = es_args_usage_error("compare", "usage: edusim compare ...\n",
                                   "--year %s is not a year", "20x");
  stderr = saved;
  fclose(mem);
  ES_CHECK_INT_EQ(status, 2);
  ES_CHECK_STR_EQ(text,
                  "edusim compare: error: --year 20x is not a year\n"
                  "usage: edusim compare ...\n");
  free(text);
  return es_test_summary();
}
