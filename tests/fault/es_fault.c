/* es_fault.c: an LD_PRELOAD library that makes one chosen I/O call fail, in
 * the manner of SQLite's I/O-error tests, so that the tests can walk every
 * write, sync, close and rename of `edusim run` and `edusim export` and check
 * what a failure at each of them leaves behind.
 *
 * It wraps write, pwrite, pwrite64, writev, fsync, fdatasync, close, rename
 * and link. Only calls on a descriptor whose file lies in the folder
 * ES_FAULT_DIR (or is that folder), or on a path in it, are counted, so that
 * stderr, the scenario and the results file being read are never touched.
 * The ES_FAULT_N-th counted call fails with ES_FAULT_ERRNO (ENOSPC, EIO,
 * EFBIG, EDQUOT or a number; ENOSPC by default) without doing anything,
 * except close, which closes the descriptor and then reports the error as
 * Linux does. With ES_FAULT_SIGNAL set to INT or TERM the call is not failed:
 * that signal is raised just before it and the call then proceeds, which
 * tests how soon a stop is honoured. Every other call passes through.
 *
 * With ES_FAULT_CALL set to one of those names, only calls of that name are
 * counted (ES_FAULT_CALL=link ES_FAULT_ERRNO=EPERM ES_FAULT_N=1: a file
 * system without hard links; ES_FAULT_CALL=write ES_FAULT_ERRNO=EINTR: an
 * interrupted write).
 *
 * ES_FAULT_REPORT names a file outside ES_FAULT_DIR that receives one line
 * "fired CALL PATH" when the fault fires and "calls N" at exit, so that a
 * test knows whether the run still reached the N-th call. Descriptors are
 * mapped to paths through /proc/self/fd (Linux). The library keeps its state
 * in globals: it is test code loaded into a process, not part of edusim. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* What the environment asked for, read once at load. */
struct fault_config {
  bool active;           /* ES_FAULT_DIR and ES_FAULT_N are set */
  char dir[PATH_MAX];    /* ES_FAULT_DIR, resolved */
  size_t n_dir;          /* length of dir */
  long target;           /* ES_FAULT_N: the counted call that fails */
  int error;             /* ES_FAULT_ERRNO */
  int signal;            /* ES_FAULT_SIGNAL: raise it instead, or 0 */
  char report[PATH_MAX]; /* ES_FAULT_REPORT, or "" */
  char call[16];         /* ES_FAULT_CALL: count only this call, or "" */
  long n_calls;          /* counted calls so far */
};

static struct fault_config cfg;

static int parse_errno(const char *s) {
  static const struct {
    const char *name;
    int value;
  } names[] = {{"ENOSPC", ENOSPC}, {"EIO", EIO},     {"EFBIG", EFBIG},
               {"EDQUOT", EDQUOT}, {"EROFS", EROFS}, {"EINTR", EINTR},
               {"EPERM", EPERM}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(s, names[i].name) == 0) {
      return names[i].value;
    }
  }
  const int n = atoi(s);
  return n > 0 ? n : ENOSPC;
}

static void report_line(const char *fmt, const char *a, const char *b, long n) {
  if (cfg.report[0] == '\0') {
    return;
  }
  FILE *f = fopen(cfg.report, "a"); /* stdio's own writes are not wrapped */
  if (f != NULL) {
    if (a != NULL) {
      fprintf(f, fmt, a, b);
    } else {
      fprintf(f, fmt, n);
    }
    fclose(f);
  }
}

__attribute__((constructor)) static void fault_init(void) {
  const char *dir = getenv("ES_FAULT_DIR");
  const char *n = getenv("ES_FAULT_N");
  const char *e = getenv("ES_FAULT_ERRNO");
  const char *sig = getenv("ES_FAULT_SIGNAL");
  const char *report = getenv("ES_FAULT_REPORT");
  if (dir == NULL || n == NULL || realpath(dir, cfg.dir) == NULL) {
    return;
  }
  cfg.n_dir = strlen(cfg.dir);
  cfg.target = atol(n);
  cfg.error = e != NULL ? parse_errno(e) : ENOSPC;
  cfg.signal = sig == NULL                ? 0
               : strcmp(sig, "INT") == 0  ? SIGINT
               : strcmp(sig, "TERM") == 0 ? SIGTERM
                                          : 0;
  if (report != NULL) {
    snprintf(cfg.report, sizeof cfg.report, "%s", report);
  }
  const char *call = getenv("ES_FAULT_CALL");
  if (call != NULL) {
    snprintf(cfg.call, sizeof cfg.call, "%s", call);
  }
  cfg.active = cfg.target > 0;
}

__attribute__((destructor)) static void fault_fini(void) {
  if (cfg.active) {
    report_line("calls %ld\n", NULL, NULL, cfg.n_calls);
  }
}

/* True when the absolute path @p p is the folder or lies in it. */
static bool in_dir(const char *p) {
  return strncmp(p, cfg.dir, cfg.n_dir) == 0 &&
         (p[cfg.n_dir] == '\0' || p[cfg.n_dir] == '/');
}

static bool fd_path(int fd, char *out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const int saved = errno;
  const ssize_t n = readlink(link, out, size - 1);
  errno = saved;
  if (n <= 0) {
    return false;
  }
  out[n] = '\0';
  return true;
}

static bool path_abs(const char *p, char *out, size_t size) {
  if (p[0] == '/') {
    snprintf(out, size, "%s", p);
    return true;
  }
  char cwd[PATH_MAX];
  const int saved = errno;
  const bool ok = getcwd(cwd, sizeof cwd) != NULL;
  errno = saved;
  if (ok) {
    snprintf(out, size, "%s/%s", cwd, p);
  }
  return ok;
}

/* Counts a call on @p what when it is in the folder; true when it must
 * fail (errno is then set). */
static bool hit(const char *call, const char *what) {
  if (!cfg.active || !in_dir(what) ||
      (cfg.call[0] != '\0' && strcmp(call, cfg.call) != 0)) {
    return false;
  }
  if (++cfg.n_calls != cfg.target) {
    return false;
  }
  report_line("fired %s %s\n", call, what, 0);
  if (cfg.signal != 0) {
    raise(cfg.signal);
    return false;
  }
  errno = cfg.error;
  return true;
}

static bool hit_fd(const char *call, int fd) {
  char p[PATH_MAX];
  return cfg.active && fd_path(fd, p, sizeof p) && hit(call, p);
}

static bool hit_path(const char *call, const char *path) {
  char p[PATH_MAX];
  return cfg.active && path != NULL && path_abs(path, p, sizeof p) &&
         hit(call, p);
}

/* The wrapped function of the next library (libc). The POSIX idiom for a
 * function pointer from dlsym: assign through a void pointer. */
#define NEXT(var, name) (*(void **)(&(var)) = dlsym(RTLD_NEXT, name))

ssize_t write(int fd, const void *buf, size_t n) {
  ssize_t (*next)(int, const void *, size_t);
  NEXT(next, "write");
  return hit_fd("write", fd) ? -1 : next(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  ssize_t (*next)(int, const void *, size_t, off_t);
  NEXT(next, "pwrite");
  return hit_fd("pwrite", fd) ? -1 : next(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
  ssize_t (*next)(int, const void *, size_t, off64_t);
  NEXT(next, "pwrite64");
  return hit_fd("pwrite64", fd) ? -1 : next(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n_iov) {
  ssize_t (*next)(int, const struct iovec *, int);
  NEXT(next, "writev");
  return hit_fd("writev", fd) ? -1 : next(fd, iov, n_iov);
}

int fsync(int fd) {
  int (*next)(int);
  NEXT(next, "fsync");
  return hit_fd("fsync", fd) ? -1 : next(fd);
}

int fdatasync(int fd) {
  int (*next)(int);
  NEXT(next, "fdatasync");
  return hit_fd("fdatasync", fd) ? -1 : next(fd);
}

int close(int fd) {
  int (*next)(int);
  NEXT(next, "close");
  if (hit_fd("close", fd)) {
    const int e = errno;
    next(fd); /* Linux frees the descriptor even when close fails */
    errno = e;
    return -1;
  }
  return next(fd);
}

/* The path of a two-path call that is counted: @p to when it is in the
 * folder, else @p from. */
static const char *counted_path(const char *from, const char *to) {
  char p[PATH_MAX];
  return cfg.active && to != NULL && path_abs(to, p, sizeof p) && in_dir(p)
             ? to
             : from;
}

int rename(const char *from, const char *to) {
  int (*next)(const char *, const char *);
  NEXT(next, "rename");
  return hit_path("rename", counted_path(from, to)) ? -1 : next(from, to);
}

int link(const char *from, const char *to) {
  int (*next)(const char *, const char *);
  NEXT(next, "link");
  return hit_path("link", counted_path(from, to)) ? -1 : next(from, to);
}
