/* yaml_reader.h: typed, position-aware getters over a libfyaml document.
 *
 * The scenario loader reads every mapping key through a getter of this module
 * (STYLE 22): a required or optional getter for an int, uint64, double, bool,
 * string, name from a list, scalar-or-per-age list, mapping or sequence. Each
 * call records the key as known to the mapping; es_ymap_finish then reports
 * every key of the mapping that no getter asked for as
 * "unknown key 'trnasfer' (expected one of: name, ages, ...)". Every problem
 * becomes a diagnostic at the file:line:column of the offending node, with a
 * message that starts with the key path ("stages[1].transfer.pool: ...").
 *
 * libfyaml 0.7 does not export the start mark of mapping and sequence nodes,
 * so es_yaml_add walks the parser's events once more and records the mark of
 * every node in document order (the order of a pre-order walk of the tree).
 *
 * Several files (a scenario and the bases it extends, DESIGN "Scenario file")
 * are read into one struct es_yaml: es_yaml_add parses each into its own
 * document, and es_yaml_merge builds a new, merged document from them
 * (mappings merge key by key, anything else is replaced by the file nearer
 * the one given). Every node of every document, parsed or merged, has an
 * entry in one table from node pointer to (file, line, column), so a value
 * inherited from a base is reported at base.yaml:line:column and its folder
 * is known (relative paths resolve against the file that wrote them). */
#ifndef ES_SCENARIOS_YAML_READER_H
#define ES_SCENARIOS_YAML_READER_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/error.h"

struct fy_document;
struct fy_node;

/** Longest key path kept for messages ("stages[12].construction.cap"). */
#define ES_YAML_PATH_MAX 160
/** Most distinct keys one mapping may be asked for. */
#define ES_YAML_MAX_KEYS 40

/** Most files one struct es_yaml may hold (a scenario and its bases). */
#define ES_YAML_MAX_SOURCES 16
/** Most nodes a merged document may have once aliases are expanded; more is
 * refused (a "billion laughs" file must not exhaust memory). */
#define ES_YAML_MAX_NODES 100000

/** Where a node starts, 1-based (0 when unknown). */
struct es_yaml_mark {
  const char *file; /* the file that wrote the node (borrowed), or NULL */
  size_t line;      /* 1-based line */
  size_t column;    /* 1-based column, in characters */
};

/** One node's start, for the sorted lookup table (private). */
struct es_yaml_node_mark {
  const struct fy_node *node; /* a node of the document (borrowed) */
  struct es_yaml_mark mark;   /* where it starts */
};

/** One parsed file (private). */
struct es_yaml_source {
  const char *file;        /* path shown in diagnostics (borrowed) */
  struct fy_document *doc; /* its document as parsed (owned) */
};

/**
 * Parsed YAML files and their merged document, with the place of every node.
 * The getters read the merged document (es_yaml_root); the documents of the
 * files stay alive beside it so that errors about them (es_yaml_source_root)
 * can still be placed.
 */
struct es_yaml {
  const char *file;                /* the first file added: diagnostics
                                      without a place go there (borrowed) */
  struct es_diag_list *dl;         /* where diagnostics go (borrowed) */
  size_t n_sources;                /* files added */
  struct es_yaml_source *sources;  /* [n_sources] in the order added: the
                                      file given, then each one's base
                                      (owned) */
  struct fy_document *doc;         /* merged document (owned), NULL before
                                      es_yaml_merge */
  size_t n_marks;                  /* entries of marks */
  struct es_yaml_node_mark *marks; /* [n_marks] sorted by node, for the nodes
                                      of every document (owned) */
  bool nomem;                      /* a getter ran out of memory */
};

/** @brief An empty @p y whose diagnostics go to @p dl (borrowed). */
void es_yaml_init(struct es_yaml *y, struct es_diag_list *dl);

/**
 * @brief Parse one more file into @p y: the first is the file given, each
 * next one the base of the one before. The bytes are first checked to be
 * UTF-8 text without NUL bytes (es_text_check: one error at the first bad
 * byte, and libfyaml never sees them). Syntax errors, duplicate keys and a
 * document that is empty or has more than one document are added to the
 * diagnostics with their place (the file is then not added); libfyaml itself
 * prints nothing.
 * @param file   path shown in diagnostics (borrowed; must outlive @p y)
 * @param bytes  the text, @p size bytes (borrowed; must outlive @p y: the
 *               documents, the merged one too, point into it)
 * @return ES_OK, ES_EINPUT (see the diagnostics), ES_ENOMEM, ES_EINVAL (more
 *         than ES_YAML_MAX_SOURCES files)
 */
int es_yaml_add(struct es_yaml *y, const char *file, const char *bytes,
                size_t size, struct es_error *err);

/** @brief The root node of file @p i_source as parsed (NULL when out of
 * range). Its nodes can be given to es_yaml_error and the node getters. */
struct fy_node *es_yaml_source_root(const struct es_yaml *y, size_t i_source);

/**
 * @brief Build the merged document from every file added, the last added
 * (the base of all others) at the bottom and the first added on top. Where
 * two files have a mapping at the same place, the mappings merge key by key,
 * recursively, keys in the order of the bottom file and new keys after them;
 * anything else (a scalar, a sequence, a mapping over a non-mapping) is taken
 * whole from the upper file. In a file that has a base (every file but the
 * last added) a null value (`~`, `null` or nothing) removes the key it
 * inherits; a null with nothing to remove is an error ("path: null removes a
 * key inherited from a base, but no base sets it"). Aliases are expanded, so
 * the merged document has no anchors and no aliases (an alias to an unknown
 * anchor stays one). Every merged node keeps the place of the node it was
 * copied from; a merged mapping takes the place of its upper-most file.
 * @param skip_key a top-level key left out of every file (e.g. "extends"), or
 *                 NULL
 * @return ES_OK, ES_EINPUT (see the diagnostics; the document is still
 *         built, except past ES_YAML_MAX_NODES, when es_yaml_root gives
 *         NULL), ES_ENOMEM, ES_EINVAL (no file added, or merged already)
 */
int es_yaml_merge(struct es_yaml *y, const char *skip_key,
                  struct es_error *err);

/**
 * @brief Parse one file and make it the merged document: es_yaml_init,
 * es_yaml_add and es_yaml_merge without a skipped key.
 * @return ES_OK, ES_EINPUT (see @p dl), ES_ENOMEM
 */
int es_yaml_parse(struct es_yaml *y, const char *file, const char *bytes,
                  size_t size, struct es_diag_list *dl, struct es_error *err);

/** @brief Free what @p y owns and zero it. Accepts NULL and zeroed. */
void es_yaml_clear(struct es_yaml *y);

/** @brief The root node of the merged document (NULL before es_yaml_merge).
 */
struct fy_node *es_yaml_root(const struct es_yaml *y);

/**
 * @brief Replace the value of @p key in the merged mapping @p map by the
 * string @p text (written double-quoted, so that it reads back as the same
 * string). The new value keeps the old one's place.
 * @return ES_OK, ES_EINVAL (@p map has no @p key), ES_ENOMEM
 */
int es_yaml_set_string(struct es_yaml *y, struct fy_node *map, const char *key,
                       const char *text);

/**
 * @brief The merged document as YAML text: block style, two-space indent,
 * keys in merged order, no comments (they are not part of the document).
 * @return a NUL-terminated string (owned by the caller, free()), or NULL when
 *         out of memory or before es_yaml_merge
 */
char *es_yaml_emit(const struct es_yaml *y);

/** @brief Where @p node starts, in which file ({NULL, 0, 0} when unknown or
 * NULL). @p node may belong to any document of @p y. */
struct es_yaml_mark es_yaml_node_mark(const struct es_yaml *y,
                                      const struct fy_node *node);

/** @brief Add an error at @p node's place, in the file that wrote it (the
 * first file added when the place is unknown); message: "path: what
 * (expected)". */
void es_yaml_error(const struct es_yaml *y, const struct fy_node *node,
                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** @brief Add a notice at @p node's place, as es_yaml_error. */
void es_yaml_notice(const struct es_yaml *y, const struct fy_node *node,
                    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** @brief A short description of what @p node is, for "got ..." texts:
 * "a mapping", "a sequence", "nothing" or the scalar quoted ('abc'), written
 * into @p buf. */
const char *es_yaml_describe(const struct fy_node *node, char *buf,
                             size_t size);

/** Result of a getter. */
enum es_yget {
  ES_YGET_ABSENT, /* the key is not there (an error too if it was required) */
  ES_YGET_OK,     /* the value was read into *out */
  ES_YGET_BAD,    /* the value is there but wrong (an error was added) */
};

/** A closed or open interval for real values; hi = INFINITY for none. */
struct es_yrange {
  double lo;    /* lower bound */
  double hi;    /* upper bound, or INFINITY */
  bool lo_open; /* true: lo itself is excluded */
  bool hi_open; /* true: hi itself is excluded */
};

/** [0, 1], the range of shares and probabilities. */
#define ES_YRANGE_UNIT ((struct es_yrange){0.0, 1.0, false, false})
/** [0, inf). */
#define ES_YRANGE_NONNEG ((struct es_yrange){0.0, INFINITY, false, false})
/** (0, inf). */
#define ES_YRANGE_POSITIVE ((struct es_yrange){0.0, INFINITY, true, false})
/** Any finite number. */
#define ES_YRANGE_ANY ((struct es_yrange){-INFINITY, INFINITY, false, false})

/** @brief "a number in [0, 1]", "a number >= 0", ... into @p buf. */
const char *es_yrange_describe(struct es_yrange range, char *buf, size_t size);

/** A mapping being read key by key; lives on the stack, owns nothing. */
struct es_ymap {
  struct es_yaml *y;                   /* the document (borrowed) */
  struct fy_node *node;                /* the mapping, or NULL if absent */
  const struct fy_node *at;            /* where "missing key" errors go */
  char path[ES_YAML_PATH_MAX];         /* key path, "" for the root */
  size_t n_known;                      /* keys asked for */
  const char *known[ES_YAML_MAX_KEYS]; /* their names (string literals) */
  size_t n_quiet;                      /* keys handled another way */
  const char *quiet[ES_YAML_MAX_KEYS]; /* their names (string literals) */
};

/**
 * @brief Start reading @p node as a mapping named @p path.
 * @param at where errors about the mapping as a whole go (NULL: @p node)
 * @return ES_YGET_OK; ES_YGET_BAD (an error "path: expected a mapping, got
 *         ..." was added and the mapping reads as empty)
 */
enum es_yget es_ymap_init(struct es_ymap *m, struct es_yaml *y,
                          struct fy_node *node, const struct fy_node *at,
                          const char *path);

/** @brief Report every key of @p m that no getter asked for, at its place,
 * and keys that are not plain scalars. */
void es_ymap_finish(struct es_ymap *m);

/** @brief "path.key" (or "key" at the root) into @p buf. */
const char *es_ymap_key_path(const struct es_ymap *m, const char *key,
                             char *buf, size_t size);

/** @brief True when @p m has @p key; does not mark it known. */
bool es_ymap_has(const struct es_ymap *m, const char *key);

/** @brief The key node of @p key, or NULL; does not mark it known. */
struct fy_node *es_ymap_key_node(const struct es_ymap *m, const char *key);

/** @brief Accept @p key without listing it among the expected keys (it has
 * been reported another way). */
void es_ymap_quiet(struct es_ymap *m, const char *key);

/** @brief The value node of @p key, marking it known; NULL when absent (an
 * error "path: missing required key 'key'" when @p required). */
struct fy_node *es_ymap_value(struct es_ymap *m, const char *key,
                              bool required);

/** @brief An integer in lo..hi. @p out is left alone unless OK. */
enum es_yget es_ymap_int(struct es_ymap *m, const char *key, bool required,
                         int64_t lo, int64_t hi, int64_t *out);

/** @brief A whole number in lo..hi of 0..2^64-1. */
enum es_yget es_ymap_uint64(struct es_ymap *m, const char *key, bool required,
                            uint64_t lo, uint64_t hi, uint64_t *out);

/** @brief A finite number inside @p range. */
enum es_yget es_ymap_double(struct es_ymap *m, const char *key, bool required,
                            struct es_yrange range, double *out);

/** @brief true or false. */
enum es_yget es_ymap_bool(struct es_ymap *m, const char *key, bool required,
                          bool *out);

/** @brief A non-empty scalar, copied into *@p out (owned by the caller; a
 * previous value is freed). */
enum es_yget es_ymap_string(struct es_ymap *m, const char *key, bool required,
                            char **out);

/** @brief One of @p names (n_names entries); *@p out is its index. The error
 * lists them: "path: unknown 'county' (expected: none, prefecture, ...)". */
enum es_yget es_ymap_choice(struct es_ymap *m, const char *key, bool required,
                            const char *const *names, size_t n_names,
                            size_t *out);

/**
 * @brief A number, or a list of exactly @p n_ages numbers (one per age
 * 0..n_ages-1), each inside @p range. A scalar fills every entry of @p out.
 * @param out [n_ages] (caller's); left alone unless OK
 */
enum es_yget es_ymap_per_age(struct es_ymap *m, const char *key, bool required,
                             size_t n_ages, struct es_yrange range,
                             double *out);

/** @brief A nested mapping: @p child is initialised in every case (with a
 * NULL node when absent or bad) and must be finished by the caller. */
enum es_yget es_ymap_map(struct es_ymap *m, const char *key, bool required,
                         struct es_ymap *child);

/** @brief A sequence; *@p seq is its node when OK. */
enum es_yget es_ymap_seq(struct es_ymap *m, const char *key, bool required,
                         struct fy_node **seq);

/* Conversions of single nodes (sequence items, keys of free mappings), with
 * the same messages. @p path names the node in the message. */

/** @brief @p node as an integer in lo..hi. */
bool es_yaml_node_int(struct es_yaml *y, const struct fy_node *node,
                      const char *path, int64_t lo, int64_t hi, int64_t *out);
/** @brief @p node as a finite number inside @p range. */
bool es_yaml_node_double(struct es_yaml *y, const struct fy_node *node,
                         const char *path, struct es_yrange range, double *out);
/** @brief @p node as a non-empty string; *@p out is a copy (owned; a
 * previous value is freed). */
bool es_yaml_node_string(struct es_yaml *y, const struct fy_node *node,
                         const char *path, char **out);

#endif /* ES_SCENARIOS_YAML_READER_H */
