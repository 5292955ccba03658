/*
 * apply-fuzz, part of the unit apply-fuzz.c: what pagedelta.c's calls are routed to (the macros are in
 * fuzz-harness.c, around its #include of pagedelta.c). Defined before the macros, so these use the real
 * calls. While an apply runs (fz_tracking), its allocations, descriptors and mappings are recorded, so
 * that what an aborted apply held can be released (fz_release_all) and a successful one can be checked
 * to hold nothing; read(0, ...) serves the input from memory (fz_in) in chunk sizes derived from it; and
 * exit() (pagedelta's die()) longjmp()s back to the harness (fz_jmp) with the exit code.
 */

static jmp_buf *fz_jmp;   /* set while an apply runs: die() comes back here */
static int fz_exit_code;  /* the code die() passed to exit() */
static int fz_tracking;   /* record allocations, descriptors and mappings */

typedef struct {
  void **p;
  size_t n, cap;
} fz_ptrs;
static fz_ptrs fz_mem;             /* live allocations of the running apply */
static int fz_fds[256];            /* its open descriptors */
static size_t fz_nfds;
static struct { void *p; size_t n; } fz_maps[256]; /* its mappings */
static size_t fz_nmaps;

/* The stream, served from memory to read(0, ...). */
static struct {
  const uint8_t *p;
  size_t n, pos;
  uint64_t rng;   /* 0: whole reads; else the state of the chunk-size generator */
  size_t max;     /* largest chunk */
  int active;
} fz_in;

__attribute__((noreturn)) static void fz_exit(int code) {
  if (fz_jmp) {
    fz_exit_code = code;
    longjmp(*fz_jmp, 1);
  }
  exit(code);
}

static void fz_track(void *p) {
  if (!fz_tracking || !p) return;
  if (fz_mem.n == fz_mem.cap) {
    size_t cap = fz_mem.cap ? fz_mem.cap * 2 : 64;
    void **q = realloc(fz_mem.p, cap * sizeof *q);
    if (!q) abort();
    fz_mem.p = q;
    fz_mem.cap = cap;
  }
  fz_mem.p[fz_mem.n++] = p;
}

static int fz_untrack(void *p) {
  for (size_t i = fz_mem.n; i-- > 0;)
    if (fz_mem.p[i] == p) {
      fz_mem.p[i] = fz_mem.p[--fz_mem.n];
      return 1;
    }
  return 0;
}

static void *fz_malloc(size_t n) {
  void *p = malloc(n);
  fz_track(p);
  return p;
}

static void *fz_calloc(size_t a, size_t b) {
  void *p = calloc(a, b);
  fz_track(p);
  return p;
}

static void *fz_realloc(void *p, size_t n) {
  int was = p && fz_untrack(p);
  void *q = realloc(p, n);
  if (q) {
    if (was || !p) fz_track(q);
  } else if (was) {
    fz_track(p); /* realloc failed: p is still live */
  }
  return q;
}

static void fz_free(void *p) {
  if (p) fz_untrack(p);
  free(p);
}

static int fz_vasprintf(char **s, const char *fmt, va_list ap) {
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (n < 0) return -1;
  *s = fz_malloc((size_t)n + 1);
  if (!*s) return -1;
  return vsnprintf(*s, (size_t)n + 1, fmt, ap);
}

static int fz_open(const char *path, int flags, ...) {
  mode_t mode = 0;
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, unsigned int);
    va_end(ap);
  }
  int fd = open(path, flags, mode);
  if (fd >= 0 && fz_tracking) {
    if (fz_nfds == sizeof fz_fds / sizeof *fz_fds) abort();
    fz_fds[fz_nfds++] = fd;
  }
  return fd;
}

static int fz_close(int fd) {
  for (size_t i = 0; i < fz_nfds; i++)
    if (fz_fds[i] == fd) {
      fz_fds[i] = fz_fds[--fz_nfds];
      break;
    }
  return close(fd);
}

static void *fz_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  void *p = mmap(addr, len, prot, flags, fd, off);
  if (p != MAP_FAILED && fz_tracking) {
    if (fz_nmaps == sizeof fz_maps / sizeof *fz_maps) abort();
    fz_maps[fz_nmaps].p = p;
    fz_maps[fz_nmaps++].n = len;
  }
  return p;
}

static int fz_munmap(void *p, size_t len) {
  for (size_t i = 0; i < fz_nmaps; i++)
    if (fz_maps[i].p == p) {
      fz_maps[i] = fz_maps[--fz_nmaps];
      break;
    }
  return munmap(p, len);
}

static ssize_t fz_read(int fd, void *buf, size_t n) {
  if (fd != 0 || !fz_in.active) return read(fd, buf, n);
  size_t k = fz_in.n - fz_in.pos;
  if (k > n) k = n;
  if (fz_in.rng) { /* xorshift64: chunks of 1..max bytes */
    fz_in.rng ^= fz_in.rng << 13;
    fz_in.rng ^= fz_in.rng >> 7;
    fz_in.rng ^= fz_in.rng << 17;
    size_t c = 1 + (size_t)(fz_in.rng % fz_in.max);
    if (k > c) k = c;
  }
  memcpy(buf, fz_in.p + fz_in.pos, k);
  fz_in.pos += k;
  return (ssize_t)k;
}

/* Frees, closes and unmaps what the last apply left; returns how many there were. */
static size_t fz_release_all(void) {
  size_t left = fz_mem.n + fz_nfds + fz_nmaps;
  for (size_t i = 0; i < fz_mem.n; i++) free(fz_mem.p[i]);
  fz_mem.n = 0;
  for (size_t i = 0; i < fz_nfds; i++) close(fz_fds[i]);
  fz_nfds = 0;
  for (size_t i = 0; i < fz_nmaps; i++) munmap(fz_maps[i].p, fz_maps[i].n);
  fz_nmaps = 0;
  return left;
}
