/* test_args.c: the option helper shared by the subcommands. */
#include "es_test.h"
#include "sim/args.h"

int main(void) {
  char *argv[] = {"compare",         "a.h5",    "--year",  "2030",
                  "--stage=primary", "--yearx", "--format"};
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
  return es_test_summary();
}
