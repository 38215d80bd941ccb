/* args.h: small helpers shared by the subcommands' argument parsers. */
#ifndef ES_SIM_ARGS_H
#define ES_SIM_ARGS_H

#include <stdbool.h>

/**
 * @brief The value of option @p name at argv[*i], given as "--opt VALUE" (then
 * *i moves past the value) or "--opt=VALUE"; NULL when argv[*i] is not that
 * option. When the option has no value (last argument), sets *missing and
 * returns "" so the caller can report it.
 */
const char *es_args_option_value(int argc, char **argv, int *i,
                                 const char *name, bool *missing);

/**
 * @brief Print "edusim COMMAND: error: MESSAGE" and the command's short usage
 * on stderr; returns the usage exit status (2).
 */
int es_args_usage_error(const char *command, const char *usage, const char *fmt,
                        ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* ES_SIM_ARGS_H */
