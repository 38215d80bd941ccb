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

/**
 * @brief The notice sink of struct es_digest_policy for the commands that
 * read results files: prints "edusim COMMAND: note: PATH TEXT" on stderr.
 * @param ctx the command's name, e.g. "info" (a const char *).
 */
void es_args_digest_notice(const void *ctx, const char *path, const char *text);

#endif /* ES_SIM_ARGS_H */
