/*
 * apply-fuzz, part of the unit apply-fuzz.c: the harness. It includes ../pagedelta.c (no copy of its
 * code) with its calls routed to fuzz-shim.c and its main() renamed, and applies an input in memory in
 * one of the three modes (see apply-fuzz.c), in the slot directory fz_slot, checking apply's promises
 * afterwards (a broken one abort()s); LLVMFuzzerTestOneInput runs the three modes for libFuzzer. Also
 * two helpers every part uses: fz_fmt() and remove_tree2().
 */

#define malloc(n) fz_malloc(n)
#define calloc(a, b) fz_calloc(a, b)
#define realloc(p, n) fz_realloc(p, n)
#define free(p) fz_free(p)
#define vasprintf(s, f, a) fz_vasprintf(s, f, a)
#define open(...) fz_open(__VA_ARGS__)
#define close(fd) fz_close(fd)
#define mmap(a, l, p, f, d, o) fz_mmap(a, l, p, f, d, o)
#define munmap(a, l) fz_munmap(a, l)
#define read(fd, b, n) fz_read(fd, b, n)
#define exit(c) fz_exit(c)
#define main pagedelta_main
#include "../pagedelta.c"
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef vasprintf
#undef open
#undef close
#undef mmap
#undef munmap
#undef read
#undef exit
#undef main

/* snprintf that refuses to truncate (paths): a too long one ends the program. */
__attribute__((format(printf, 3, 4))) static void fz_fmt(char *dst, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(dst, cap, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= cap) {
    fprintf(stderr, "apply-fuzz: path too long: %s...\n", dst);
    abort();
  }
}

/* Removes a directory holding files and directories of files (apply's OUT_DIR and temporary dirs). */
static void remove_tree2(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (unlinkat(dirfd(d), e->d_name, 0) && errno == EISDIR) {
        char path[PATH_MAX];
        fz_fmt(path, sizeof path, "%s/%s", dir, e->d_name);
        remove_tree_flat(path);
      }
    }
    closedir(d);
  }
  rmdir(dir);
}

/* ------------------------------------------------------------------------------------------------ */
/* The target                                                                                       */

static char fz_prev[PATH_MAX]; /* PREV of modes 1 and 2 */
static char fz_slot[PATH_MAX]; /* where OUT_DIR goes: must be empty before and after a run */

__attribute__((noreturn, format(printf, 1, 2))) static void fz_broken(const char *fmt, ...) {
  va_list ap;
  fputs("apply-fuzz: broken promise: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

/* Entries of fz_slot: whether "out" is there, and how many others (leftovers). */
static size_t slot_scan(int *has_out, char *other, size_t other_len) {
  DIR *d = opendir(fz_slot);
  size_t n = 0;
  *has_out = 0;
  if (!d) fz_broken("%s: %s", fz_slot, strerror(errno));
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (!strcmp(e->d_name, "out")) {
      *has_out = 1;
      continue;
    }
    if (!n) snprintf(other, other_len, "%s", e->d_name);
    n++;
  }
  closedir(d);
  return n;
}

/* cmd_apply(), with die() returning here: its exit code. */
static int apply_catching(const char *prev, const char *out) {
  jmp_buf jb;
  int rc;
  fz_tracking = 1;
  fz_jmp = &jb;
  if (!setjmp(jb)) rc = cmd_apply(prev, out);
  else rc = fz_exit_code;
  fz_jmp = NULL;
  fz_tracking = 0;
  return rc;
}

/* Applies `data` in `mode` (see the top of this file) in fz_slot; returns apply's exit code (0 or 1).
 * abort()s when apply breaks one of its promises. */
static int fuzz_apply(const uint8_t *data, size_t size, int mode) {
  uint8_t *fixed = NULL;
  if (mode == 2 && size >= 8) {
    fixed = malloc(size);
    if (!fixed) abort();
    memcpy(fixed, data, size);
    fh64 h;
    fh_init(&h);
    fh_update(&h, fixed, size - 8);
    st64(fixed + size - 8, fh_final(&h));
    data = fixed;
  }
  /* pagedelta's globals, as a fresh process has them */
  memset(&R, 0, sizeof R);
  g_mismatch = NULL;
  g_cleanup_dir = NULL;
  g_signal = 0;
  clock_gettime(CLOCK_MONOTONIC, &g_start);
  /* chunked reads: an input's own hash says how (so that it replays the same way) */
  fh64 h;
  fh_init(&h);
  fh_update(&h, data, size);
  uint64_t hv = fh_final(&h);
  fz_in.p = data;
  fz_in.n = size;
  fz_in.pos = 0;
  fz_in.rng = (hv & 3) < 2 ? 0 : hv | 1;
  fz_in.max = (hv & 3) == 2 ? 61 : 8191;
  fz_in.active = 1;

  char out[PATH_MAX + 8];
  fz_fmt(out, sizeof out, "%s/out", fz_slot);
  int rc = apply_catching(mode == 0 ? "-" : fz_prev, out);
  fz_in.active = 0;
  size_t left = fz_release_all();

  int has_out;
  char other[NAME_MAX + 1] = "";
  size_t others = slot_scan(&has_out, other, sizeof other);
  if (others) fz_broken("apply exited %d and left %s (and %zu more) next to OUT_DIR", rc, other, others - 1);
  if (rc == 0 && !has_out) fz_broken("apply exited 0 without OUT_DIR");
  if (rc != 0 && has_out) fz_broken("apply exited %d and left OUT_DIR", rc);
  if (rc == 0 && left) fz_broken("apply succeeded and left %zu allocations, descriptors or mappings", left);
  if (has_out) remove_tree_flat(out);
  free(fixed);
  return rc;
}

static char fz_lf_dir[PATH_MAX / 2]; /* libFuzzer mode: its temporary directory (PREV and the slot) */

static void fz_lf_fini(void) {
  if (fz_lf_dir[0]) {
    remove_tree2(fz_slot);
    remove_tree_flat(fz_prev);
    rmdir(fz_lf_dir);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!fz_lf_dir[0]) {
    const char *t = getenv("TMPDIR");
    fz_fmt(fz_lf_dir, sizeof fz_lf_dir, "%s/ferry-apply-fuzz.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(fz_lf_dir)) {
      perror("apply-fuzz: mkdtemp");
      abort();
    }
    fz_fmt(fz_prev, sizeof fz_prev, "%s/prev", fz_lf_dir);
    fz_fmt(fz_slot, sizeof fz_slot, "%s/run", fz_lf_dir);
    if (write_prev(fz_prev, (uint64_t)sysconf(_SC_PAGESIZE)) || mkdir(fz_slot, 0700)) {
      perror("apply-fuzz: writing PREV");
      abort();
    }
    atexit(fz_lf_fini);
  }
  for (int mode = 0; mode < FZ_MODES; mode++) fuzz_apply(data, size, mode);
  return 0;
}
