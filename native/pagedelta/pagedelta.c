/*
 * pagedelta: page-level deltas between two CRIU image directories, for Ferry's pre-copy rounds.
 *
 * Ferry cannot use CRIU's iterative pre-dump on kernels without soft-dirty tracking, so every pre-copy
 * round is a FULL `criu dump --leave-running`. This tool sends only what changed since the previous
 * round: for each pages image it compares every page with the page at the same virtual address in the
 * previous round's images and streams only the new or changed ones; all other files go whole (or as a
 * "same as before" note when byte-identical). The receiver rebuilds a complete, valid image directory.
 *
 * Where the kernel tracks dirty pages, Ferry uses CRIU's own iterative pre-dump instead (`runc checkpoint
 * --pre-dump --parent-path ../N-1`, then the final dump with a parent too): CRIU itself writes only the
 * pages dirtied since the parent and flags the others PE_PARENT. `diff-tracked` sends such a directory
 * without reading any previous image: its own pages as data, the PE_PARENT pages as copies from the
 * previous round, and its pagemaps FLATTENED (PE_PARENT entries made PE_PRESENT, PE_LAZY kept; the
 * in_parent field dropped) so that the receiver's usual `apply PREV_DIR OUT_DIR`, given the complete
 * previous round, rebuilds a complete image directory without parent images (restorable on its own).
 * Only CUR_DIR's files are sent (all whole, no 'K'); its "parent" symlink is left out.
 *
 *   pagedelta diff  PREV_DIR CUR_DIR   > delta     PREV_DIR may be absent, empty or "-" (first round)
 *   pagedelta diff-tracked CUR_DIR     > delta     CUR_DIR a CRIU (pre-)dump, possibly with a parent
 *   pagedelta apply PREV_DIR OUT_DIR   < delta     OUT_DIR must not exist; it appears only when complete
 *   pagedelta stat  DIR                            pages and bytes per pagemap (memory size M)
 *
 * The CRIU image format, as read here (images of CRIU 3.x to 4.2; learned from CRIU's sources):
 *   - Image files start with u32 magics (little-endian): IMG_COMMON_MAGIC then the image's own magic
 *     (inventory.img has only its own; pages-*.img is raw and has none).
 *   - Protobuf objects follow, each as a u32 size then the encoded message.
 *   - pagemap-<id>.img (and pagemap-shmem-<id>.img): a pagemap_head {pages_id = 1} then pagemap_entry
 *     {vaddr = 1 (uint64), nr_pages = 2 (uint32; since 4.2 kept as compat_nr_pages), in_parent = 3 (bool),
 *     flags = 4 (uint32), nr_pages = 5 (uint64, 4.2+)} objects in ascending vaddr order.
 *   - pages-<pages_id>.img holds the data of the entries flagged PE_PRESENT, one page after the other,
 *     in the order of the pagemap. Entries without PE_PRESENT (in the parent, or lazy without data)
 *     have no data. Entries without `flags` (old images) are PE_PRESENT unless in_parent.
 *   - Observed with CRIU 4.1.1: private anonymous memory is flagged PE_PRESENT|PE_LAZY (6) even without
 *     lazy pages, and a mapping is split into entries of at most 256 pages (1 MiB, one pipe's worth).
 *   - Page numbers in file names are not stable: pages_id comes from a counter of the dump, so the same
 *     process may use pages-1.img in one round and pages-3.img in the next. Pages are matched by the
 *     pagemap's file name (pagemap-<pid>.img) and the virtual address, never by pages_id.
 *
 * Delta stream, version 1 (all integers little-endian; "varint" is an unsigned LEB128 as in protobuf):
 *   header   "FERRYPD\n" (8 bytes), u32 version = 1, u32 page_size, u32 mode of CUR_DIR
 *   records, each starting with one type byte; a name is a varint length then the bytes:
 *     'F' whole file:    name, varint mode, varint size, size bytes
 *     'K' kept file:     name, varint mode, varint size, u64 content hash; identical to PREV_DIR/name
 *     'P' pages image:   name, pagemap name, varint mode, varint pages, runs, u64 content hash of the
 *                        complete pages image; a run is varint (count << 2 | kind) with kind
 *                        0 = count pages copied from PREV_DIR at the same virtual addresses,
 *                        1 = count pages of data follow (count * page_size bytes),
 *                        2 = count zero pages; runs cover exactly `pages` pages
 *                        Its pagemap comes earlier in the stream ('F' or 'K').
 *     'T' tracked pages: as 'P' (written by diff-tracked), but its hash covers only the pages the record
 *                        carries (data and zero runs, in order), i.e. the sender's own pages image: the
 *                        sender never reads the pages it copies. An older apply refuses 'T' records.
 *                        A PREV_DIR lacking a copied page is refused; the content of copied pages
 *                        cannot be checked (the round's order is the receiver's guarantee).
 *     'E' end:           varint records (F + K + P + T), varint pages total, sent, unchanged, zero;
 *                        then u64 checksum over every stream byte before the checksum
 *   Content hashes and the checksum use fh64 (below). The receiver checks every hash, the record
 *   counts and that nothing follows the checksum; a truncated or damaged stream, or a PREV_DIR that is
 *   not the one the delta was made against, is refused and nothing is left at OUT_DIR. The pages records of
 *   one stream may claim no more pages in all than the host's memory and swap hold (PAGEDELTA_MAX_BYTES
 *   overrides), which bounds the work a crafted stream can cause. A refused stream leaves nothing at
 *   OUT_DIR (apply writes into OUT_DIR.pagedelta-tmp.<pid> and renames it at the very end). Zero pages are
 *   left as holes.
 *
 * Summary on stderr (diff and apply), last line, machine-readable:
 *   pagedelta: total=N sent=N unchanged=N bytes=N zero=N files=N kept=N file_bytes=N page_size=N \
 *              ms=N cpu_ms=N   (one line)
 *   pagedelta: applied total=N ...same keys...
 * sent counts changed or new pages (zero pages included), bytes is the size of the stream, ms the wall
 * time and cpu_ms the CPU time (user + system) of the command, in milliseconds. With diff-tracked,
 * sent counts the pages CRIU wrote (dirtied since the parent) and unchanged the PE_PARENT ones.
 *
 * Build: gcc -static -O2 -o pagedelta pagedelta.c   (no dependencies besides libc)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include <unistd.h>

#define STREAM_MAGIC "FERRYPD\n"
#define STREAM_VERSION 1u

#define IMG_COMMON_MAGIC 0x54564319u
#define PAGEMAP_MAGIC 0x56084025u

#define PE_PARENT (1u << 0)
#define PE_LAZY (1u << 1)
#define PE_PRESENT (1u << 2)

#define RUN_COPY 0u
#define RUN_DATA 1u
#define RUN_ZERO 2u

#define IO_BUF (1u << 20)
#define MAX_NAME 255u

/* ------------------------------------------------------------------------------------------------ */
/* Errors and cleanup                                                                               */

static char *g_cleanup_dir; /* apply's temporary directory, removed on failure */
static volatile sig_atomic_t g_signal;

static void remove_tree_flat(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      unlinkat(dfd, e->d_name, 0);
    }
    closedir(d);
  }
  rmdir(dir);
}

static void cleanup(void) {
  if (g_cleanup_dir) {
    remove_tree_flat(g_cleanup_dir);
    g_cleanup_dir = NULL;
  }
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fputs("pagedelta: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  cleanup();
  exit(1);
}

static void on_signal(int sig) { g_signal = sig; }

/* The first content mismatch found by apply. Reported only once the stream checksum has been checked,
 * so that a damaged stream is reported as such rather than as a wrong PREV_DIR. */
static char *g_mismatch;

__attribute__((format(printf, 1, 2))) static void mismatch(const char *fmt, ...) {
  static char fallback[] = "content mismatch";
  va_list ap;
  if (g_mismatch) return;
  va_start(ap, fmt);
  if (vasprintf(&g_mismatch, fmt, ap) < 0) g_mismatch = fallback;
  va_end(ap);
}

static void check_signal(void) {
  if (g_signal) die("interrupted by signal %d", (int)g_signal);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  if (a + b + 2 > PATH_MAX) die("path too long: %s/%s", dir, name);
  char *p = xmalloc(a + b + 2);
  memcpy(p, dir, a);
  p[a] = '/';
  memcpy(p + a + 1, name, b + 1);
  return p;
}

/* ------------------------------------------------------------------------------------------------ */
/* Little-endian helpers                                                                            */

static inline uint64_t ld64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline uint32_t ld32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void st32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void st64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ------------------------------------------------------------------------------------------------ */
/* fh64: a fast streaming 64-bit hash (four independent multiply-rotate lanes over 32-byte stripes).  */
/* Not cryptographic: it detects damage, not tampering. Every step of a lane is a bijection of the  */
/* lane state, so any change confined to one stripe always changes that lane.                       */

#define K1 0x9E3779B97F4A7C15ull
#define K2 0xBF58476D1CE4E5B9ull
#define K3 0x94D049BB133111EBull
#define K4 0xD6E8FEB86659FD93ull

typedef struct {
  uint64_t v[4];
  uint8_t tail[32];
  size_t ntail;
  uint64_t len;
} fh64;

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t lane(uint64_t acc, uint64_t w) { return rotl64(acc + w * K2, 29) * K1; }

static void fh_init(fh64 *h) {
  h->v[0] = K1;
  h->v[1] = K2;
  h->v[2] = K3;
  h->v[3] = K4;
  h->ntail = 0;
  h->len = 0;
}

static void fh_stripes(fh64 *h, const uint8_t *p, size_t n) {
  uint64_t a = h->v[0], b = h->v[1], c = h->v[2], d = h->v[3];
  for (; n >= 32; n -= 32, p += 32) {
    a = lane(a, ld64(p));
    b = lane(b, ld64(p + 8));
    c = lane(c, ld64(p + 16));
    d = lane(d, ld64(p + 24));
  }
  h->v[0] = a;
  h->v[1] = b;
  h->v[2] = c;
  h->v[3] = d;
}

static void fh_update(fh64 *h, const void *data, size_t n) {
  const uint8_t *p = data;
  h->len += n;
  if (h->ntail) {
    size_t take = 32 - h->ntail < n ? 32 - h->ntail : n;
    memcpy(h->tail + h->ntail, p, take);
    h->ntail += take;
    p += take;
    n -= take;
    if (h->ntail < 32) return;
    fh_stripes(h, h->tail, 32);
    h->ntail = 0;
  }
  size_t whole = n & ~(size_t)31;
  fh_stripes(h, p, whole);
  memcpy(h->tail, p + whole, n - whole);
  h->ntail = n - whole;
}

static uint64_t fh_final(const fh64 *h) {
  uint64_t r = rotl64(h->v[0], 1) + rotl64(h->v[1], 7) + rotl64(h->v[2], 12) + rotl64(h->v[3], 18);
  for (int i = 0; i < 4; i++) r = (r ^ lane(0, h->v[i])) * K1 + K4;
  r += h->len;
  size_t i = 0;
  for (; i + 8 <= h->ntail; i += 8) r = rotl64(r ^ lane(0, ld64(h->tail + i)), 27) * K1 + K4;
  for (; i < h->ntail; i++) r = rotl64(r ^ (h->tail[i] * K3), 11) * K1;
  r ^= r >> 31;
  r *= K2;
  r ^= r >> 29;
  r *= K3;
  r ^= r >> 32;
  return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Varints (protobuf base-128)                                                                      */

static size_t varint_put(uint8_t *b, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b[n++] = (uint8_t)v;
  return n;
}

/* Decodes one varint from [*p, end); returns 0 on success, -1 if truncated or longer than 64 bits. */
static int varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return -1;
    uint8_t byte = *(*p)++;
    if (shift == 63 && byte > 1) return -1;
    v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

/* One field of a protobuf message: its number, wire type and value (varint/fixed) or bytes. */
typedef struct {
  uint32_t num;
  unsigned wt;
  uint64_t v;
} pb_field;

/* Reads the next field of a message in [*p, end): 1 = got one, 0 = end of message, -1 = malformed. */
static int pb_next(const uint8_t **p, const uint8_t *end, pb_field *f) {
  uint64_t key, len;
  if (*p == end) return 0;
  if (varint_get(p, end, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX) return -1;
  f->num = (uint32_t)(key >> 3);
  f->wt = (unsigned)(key & 7);
  switch (f->wt) {
  case 0:
    return varint_get(p, end, &f->v) ? -1 : 1;
  case 1:
    if (end - *p < 8) return -1;
    f->v = ld64(*p);
    *p += 8;
    return 1;
  case 2:
    if (varint_get(p, end, &len) || len > (uint64_t)(end - *p)) return -1;
    f->v = len;
    *p += len; /* no length-delimited field is used here: skipped */
    return 1;
  case 5:
    if (end - *p < 4) return -1;
    f->v = ld32(*p);
    *p += 4;
    return 1;
  default:
    return -1;
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Pagemap images                                                                                   */

typedef struct {
  uint64_t vaddr;  /* first virtual address (bytes; an offset for shmem pagemaps) */
  uint64_t npages; /* number of pages */
  uint64_t first;  /* index of its first page in the pages image (present entries only) */
  uint32_t flags;  /* effective PE_* flags */
} pm_entry;

typedef struct {
  int has_head;     /* 0: empty pagemap (no head, no entries) */
  uint32_t pages_id; /* pages-<pages_id>.img */
  pm_entry *e;
  size_t n;
  uint64_t present; /* pages with data in the pages image */
  uint64_t lazy;    /* pages flagged PE_LAZY */
  uint64_t parent;  /* pages in a parent image */
} pagemap;

static void pagemap_free(pagemap *pm) {
  free(pm->e);
  memset(pm, 0, sizeof *pm);
}

/* Parses a pagemap image held in memory. `what` names it in errors. Dies when malformed. */
static void pagemap_parse(const uint8_t *b, size_t n, const char *what, pagemap *pm) {
  size_t off = 0, cap = 0;
  memset(pm, 0, sizeof *pm);
  if (n < 4) die("%s: too short for a CRIU image (%zu bytes)", what, n);
  uint32_t m = ld32(b);
  off = 4;
  if (m == IMG_COMMON_MAGIC) {
    if (n < 8) die("%s: truncated after the common magic", what);
    m = ld32(b + 4);
    off = 8;
  }
  if (m != PAGEMAP_MAGIC) die("%s: not a pagemap image (magic 0x%08x)", what, m);
  for (int first = 1; off < n; first = 0) {
    if (n - off < 4) die("%s: truncated object size at offset %zu", what, off);
    uint32_t sz = ld32(b + off);
    off += 4;
    if (sz > n - off) die("%s: object of %u bytes at offset %zu runs past the end", what, sz, off - 4);
    const uint8_t *p = b + off, *end = b + off + sz;
    off += sz;
    pb_field f;
    int r;
    if (first) {
      int got = 0;
      while ((r = pb_next(&p, end, &f)) > 0) {
        if (f.num == 1 && f.wt == 0) {
          if (f.v > UINT32_MAX) die("%s: pages_id %" PRIu64 " out of range", what, f.v);
          pm->pages_id = (uint32_t)f.v;
          got = 1;
        }
      }
      if (r < 0 || !got) die("%s: malformed pagemap_head", what);
      pm->has_head = 1;
      continue;
    }
    uint64_t vaddr = 0, compat = 0, nr = 0, in_parent = 0, flags = 0;
    int has_vaddr = 0, has_compat = 0, has_nr = 0, has_in_parent = 0, has_flags = 0;
    while ((r = pb_next(&p, end, &f)) > 0) {
      if (f.wt != 0) continue; /* every field read here is a varint; others are unknown: skipped */
      switch (f.num) {
      case 1: vaddr = f.v; has_vaddr = 1; break;
      case 2: compat = f.v; has_compat = 1; break;
      case 3: in_parent = f.v; has_in_parent = 1; break;
      case 4: flags = f.v; has_flags = 1; break;
      case 5: nr = f.v; has_nr = 1; break;
      default: break;
      }
    }
    if (r < 0 || !has_vaddr || !(has_compat || has_nr))
      die("%s: malformed pagemap_entry at offset %zu", what, off - sz - 4);
    if (flags > UINT32_MAX) die("%s: flags out of range at offset %zu", what, off - sz - 4);
    /* The same rule as CRIU's reader: old images have no flags; in_parent means PE_PARENT. */
    uint32_t eff = has_flags ? (uint32_t)flags : 0;
    if (has_in_parent && in_parent) eff |= PE_PARENT;
    else if (!has_flags) eff = PE_PRESENT;
    if (pm->n == cap) {
      cap = cap ? cap * 2 : 64;
      pm->e = xrealloc(pm->e, cap * sizeof *pm->e);
    }
    pm_entry *e = &pm->e[pm->n++];
    e->vaddr = vaddr;
    e->npages = has_nr ? nr : compat;
    e->flags = eff;
    e->first = pm->present;
    if (e->npages > (UINT64_MAX >> 20) - pm->present - pm->parent) die("%s: page count overflows", what);
    if (eff & PE_PRESENT) pm->present += e->npages;
    if (eff & PE_LAZY) pm->lazy += e->npages;
    if (eff & PE_PARENT) pm->parent += e->npages;
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Files                                                                                            */

typedef struct {
  int fd;
  uint8_t *p; /* NULL when the file is empty */
  size_t size;
  mode_t mode;
} mfile;

#define ACCESS_RANDOM 0      /* random access */
#define ACCESS_SEQUENTIAL 1 /* read front to back by this process: more readahead */
#define ACCESS_PREFAULT 2   /* read mostly front to back, also by the kernel (write() from the mapping) */

/* Maps `path` read-only. Returns 0, or -1 with errno set when it cannot be opened (ENOENT...).
 * ACCESS_PREFAULT populates the whole mapping at once (measured: apply spends half the CPU time otherwise,
 * faulting pages one by one inside write()), unless the file is larger than a quarter of RAM. Reads by
 * the process itself are fast without it thanks to the kernel's fault-around. */
static int mfile_open(const char *path, int how, mfile *m) {
  struct stat st;
  memset(m, 0, sizeof *m);
  m->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (m->fd < 0) return -1;
  if (fstat(m->fd, &st)) die("%s: fstat: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode)) die("%s: not a regular file", path);
  m->size = (size_t)st.st_size;
  m->mode = st.st_mode & 0777;
  if (m->size) {
    int flags = MAP_PRIVATE;
    if (how == ACCESS_PREFAULT) {
      long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
      if (pages > 0 && psz > 0 && (uint64_t)m->size <= (uint64_t)pages * (uint64_t)psz / 4)
        flags |= MAP_POPULATE;
    }
    m->p = mmap(NULL, m->size, PROT_READ, flags, m->fd, 0);
    if (m->p == MAP_FAILED) die("%s: mmap: %s", path, strerror(errno));
    if (how != ACCESS_RANDOM && !(flags & MAP_POPULATE)) madvise(m->p, m->size, MADV_SEQUENTIAL);
  }
  return 0;
}

static void mfile_close(mfile *m) {
  if (m->p) munmap(m->p, m->size);
  if (m->fd >= 0) close(m->fd);
  memset(m, 0, sizeof *m);
  m->fd = -1;
}

/* Reads a whole (small) file into memory; dies on errors. */
static uint8_t *slurp(const char *path, size_t *len) {
  mfile m;
  if (mfile_open(path, ACCESS_RANDOM, &m)) die("%s: %s", path, strerror(errno));
  uint8_t *b = xmalloc(m.size);
  if (m.size) memcpy(b, m.p, m.size);
  *len = m.size;
  mfile_close(&m);
  return b;
}

static void load_pagemap(const char *path, pagemap *pm) {
  size_t len;
  uint8_t *b = slurp(path, &len);
  pagemap_parse(b, len, path, pm);
  free(b);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names of the entries of `dir`, sorted. Dies if one is not a regular file, except a symlink named
 * "parent" (CRIU's link to the parent images) when `skip_parent` is set: it is left out. *n = 0 if absent. */
static char **list_dir(const char *dir, size_t *n, int must_exist, int skip_parent) {
  DIR *d = opendir(dir);
  *n = 0;
  if (!d) {
    if (!must_exist && errno == ENOENT) return NULL;
    die("%s: %s", dir, strerror(errno));
  }
  size_t cap = 0;
  char **names = NULL;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
      die("%s/%s: %s", dir, e->d_name, strerror(errno));
    if (skip_parent && S_ISLNK(st.st_mode) && !strcmp(e->d_name, "parent")) continue;
    if (!S_ISREG(st.st_mode))
      die("%s/%s: not a regular file (an image directory holds only regular files; remove it or use "
          "a CRIU image directory without a parent link)", dir, e->d_name);
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      names = xrealloc(names, cap * sizeof *names);
    }
    names[(*n)++] = xstrdup(e->d_name);
  }
  closedir(d);
  qsort(names, *n, sizeof *names, cmp_names);
  return names;
}

/* ------------------------------------------------------------------------------------------------ */
/* Where a page of the previous round lives: present entries of its pagemap, sorted by address.     */

typedef struct {
  pm_entry *e;
  size_t n;
  size_t hint; /* the entry that answered last: lookups mostly walk forward */
} pindex;

static int cmp_vaddr(const void *a, const void *b) {
  const pm_entry *x = a, *y = b;
  return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static void pindex_build(const pagemap *pm, uint64_t ps, const char *what, pindex *x) {
  int sorted = 1;
  x->e = xmalloc(pm->n * sizeof *x->e);
  x->n = 0;
  x->hint = 0;
  for (size_t i = 0; i < pm->n; i++) {
    const pm_entry *e = &pm->e[i];
    if (!(e->flags & PE_PRESENT) || !e->npages) continue;
    if (e->vaddr % ps) die("%s: entry at 0x%" PRIx64 " is not page-aligned", what, e->vaddr);
    if (x->n && e->vaddr < x->e[x->n - 1].vaddr) sorted = 0;
    x->e[x->n++] = *e;
  }
  if (!sorted) qsort(x->e, x->n, sizeof *x->e, cmp_vaddr);
}

static inline int contains(const pm_entry *e, uint64_t va, uint64_t ps) {
  return va >= e->vaddr && (va - e->vaddr) / ps < e->npages;
}

/* Index (in pages) of the page at address `va` in the previous pages image, or -1 if it has none. */
static int64_t pindex_find(pindex *x, uint64_t va, uint64_t ps) {
  if (x->hint < x->n) {
    const pm_entry *e = &x->e[x->hint];
    if (contains(e, va, ps)) return (int64_t)(e->first + (va - e->vaddr) / ps);
    if (x->hint + 1 < x->n && contains(e + 1, va, ps)) {
      x->hint++;
      return (int64_t)(e[1].first + (va - e[1].vaddr) / ps);
    }
  }
  size_t lo = 0, hi = x->n; /* find the last entry starting at or below va */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->e[mid].vaddr <= va) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0 || !contains(&x->e[lo - 1], va, ps)) return -1;
  x->hint = lo - 1;
  return (int64_t)(x->e[lo - 1].first + (va - x->e[lo - 1].vaddr) / ps);
}

/* A previous round's pages for one pagemap name: its pagemap, pages image and address index. */
typedef struct {
  int loaded; /* 1 = looked for; `ok` tells whether it exists */
  int ok;
  pagemap pm;
  mfile pages;
  pindex idx;
} prev_pages;

/* Loads PREV_DIR/<pmname> and its pages image. Absent pagemap: ok = 0. Inconsistent: dies. */
static void prev_load(const char *prev_dir, const char *pmname, uint64_t ps, int how, prev_pages *pv) {
  memset(pv, 0, sizeof *pv);
  pv->pages.fd = -1;
  pv->loaded = 1;
  if (!prev_dir) return;
  char *path = join(prev_dir, pmname);
  if (access(path, F_OK)) {
    free(path);
    return;
  }
  load_pagemap(path, &pv->pm);
  free(path);
  if (!pv->pm.has_head) return;
  char pname[32];
  snprintf(pname, sizeof pname, "pages-%u.img", pv->pm.pages_id);
  path = join(prev_dir, pname);
  if (mfile_open(path, how, &pv->pages)) {
    if (pv->pm.present) die("%s: %s (listed by %s/%s)", path, strerror(errno), prev_dir, pmname);
  } else if (pv->pages.size / ps != pv->pm.present || pv->pages.size % ps) {
    die("%s: %zu bytes, but %s/%s lists %" PRIu64 " pages of %" PRIu64 " bytes", path, pv->pages.size,
        prev_dir, pmname, pv->pm.present, ps);
  }
  pindex_build(&pv->pm, ps, path, &pv->idx);
  free(path);
  pv->ok = 1;
}

static void prev_free(prev_pages *pv) {
  if (!pv->loaded) return;
  pagemap_free(&pv->pm);
  if (pv->pages.fd >= 0) mfile_close(&pv->pages);
  free(pv->idx.e);
  memset(pv, 0, sizeof *pv);
}

/* ------------------------------------------------------------------------------------------------ */
/* Buffered writer (diff) and reader (apply); both keep the stream checksum.                        */

static void write_all(int fd, const uint8_t *p, size_t n, const char *what) {
  while (n) {
    check_signal();
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write to %s: %s", what, strerror(errno));
    }
    p += w;
    n -= (size_t)w;
  }
}

static void pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off, const char *what) {
  while (n) {
    check_signal();
    ssize_t w = pwrite(fd, p, n, (off_t)off);
    if (w < 0) {
      if (errno == EINTR) continue;
      die("write to %s: %s", what, strerror(errno));
    }
    p += w;
    n -= (size_t)w;
    off += (uint64_t)w;
  }
}

typedef struct {
  uint8_t *buf;
  size_t n;
  fh64 h;
  uint64_t total;
} writer;

static writer W;

static void w_flush(void) {
  write_all(1, W.buf, W.n, "stdout");
  W.n = 0;
}

static void w_raw(const void *p, size_t n) {
  W.total += n;
  if (n > IO_BUF - W.n) {
    w_flush();
    if (n >= IO_BUF / 2) {
      write_all(1, p, n, "stdout");
      return;
    }
  }
  memcpy(W.buf + W.n, p, n);
  W.n += n;
}

static void w_bytes(const void *p, size_t n) {
  fh_update(&W.h, p, n);
  w_raw(p, n);
}

static void w_byte(uint8_t b) { w_bytes(&b, 1); }

static void w_varint(uint64_t v) {
  uint8_t b[10];
  w_bytes(b, varint_put(b, v));
}

static void w_u32(uint32_t v) {
  uint8_t b[4];
  st32(b, v);
  w_bytes(b, 4);
}

static void w_u64(uint64_t v) {
  uint8_t b[8];
  st64(b, v);
  w_bytes(b, 8);
}

static void w_name(const char *s) {
  size_t n = strlen(s);
  w_varint(n);
  w_bytes(s, n);
}

typedef struct {
  uint8_t *buf;
  size_t pos, len;
  fh64 h;
  uint64_t off; /* bytes consumed so far */
} reader;

static reader R;

/* Bytes available in the buffer, reading more if it is empty; 0 at end of input. */
static size_t r_avail(void) {
  while (R.pos == R.len) {
    check_signal();
    ssize_t n = read(0, R.buf, IO_BUF);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("read from stdin: %s", strerror(errno));
    }
    if (n == 0) return 0;
    R.pos = 0;
    R.len = (size_t)n;
  }
  return R.len - R.pos;
}

/* Up to `want` (> 0) bytes of the stream, without copying; dies at end of input. */
static const uint8_t *r_take(size_t want, size_t *got, int hash) {
  size_t a = r_avail();
  if (!a)
    die("truncated stream: input ended after %" PRIu64 " bytes (the sender stopped or the link was cut)",
        R.off);
  *got = a < want ? a : want;
  const uint8_t *p = R.buf + R.pos;
  R.pos += *got;
  R.off += *got;
  if (hash) fh_update(&R.h, p, *got);
  return p;
}

static void r_read(void *dst, size_t n, int hash) {
  uint8_t *d = dst;
  while (n) {
    size_t got;
    const uint8_t *p = r_take(n, &got, hash);
    memcpy(d, p, got);
    d += got;
    n -= got;
  }
}

/* Reads and hashes n bytes without keeping them. */
static void r_skip(uint64_t n) {
  while (n) {
    size_t got;
    r_take(n < IO_BUF ? (size_t)n : IO_BUF, &got, 1);
    n -= got;
  }
}

static uint8_t r_byte(void) {
  uint8_t b;
  r_read(&b, 1, 1);
  return b;
}

static uint64_t r_varint(void) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    uint8_t b = r_byte();
    if (shift == 63 && b > 1) break;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  die("corrupt stream: bad varint before offset %" PRIu64, R.off);
}

static uint32_t r_u32(void) {
  uint8_t b[4];
  r_read(b, 4, 1);
  return ld32(b);
}

static uint64_t r_u64(int hash) {
  uint8_t b[8];
  r_read(b, 8, hash);
  return ld64(b);
}

/* A file name from the stream: 1..255 bytes, no '/' or NUL, not "." or "..". */
static char *r_name(void) {
  uint64_t n = r_varint();
  if (n == 0 || n > MAX_NAME) die("corrupt stream: name length %" PRIu64 " at offset %" PRIu64, n, R.off);
  char *s = xmalloc((size_t)n + 1);
  r_read(s, (size_t)n, 1);
  s[n] = 0;
  if (memchr(s, '/', (size_t)n) || strlen(s) != n || !strcmp(s, ".") || !strcmp(s, "..")) {
    free(s);
    die("corrupt stream: bad file name at offset %" PRIu64, R.off);
  }
  return s;
}

static uint32_t r_mode(void) {
  uint64_t m = r_varint();
  if (m > 0777) die("corrupt stream: file mode 0%" PRIo64 " at offset %" PRIu64, m, R.off);
  return (uint32_t)m;
}

/* ------------------------------------------------------------------------------------------------ */
/* Counters and summary                                                                             */

typedef struct {
  uint64_t total, sent, unchanged, zero; /* pages */
  uint64_t files, kept, file_bytes;      /* records; whole files sent; their bytes */
} tally;

static struct timespec g_start; /* when main started (CLOCK_MONOTONIC) */

static uint64_t elapsed_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)((now.tv_sec - g_start.tv_sec) * 1000 + (now.tv_nsec - g_start.tv_nsec) / 1000000);
}

static uint64_t cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
         (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static void print_summary(const char *what, const tally *t, uint64_t bytes, uint64_t ps) {
  fprintf(stderr,
          "pagedelta: %stotal=%" PRIu64 " sent=%" PRIu64 " unchanged=%" PRIu64 " bytes=%" PRIu64
          " zero=%" PRIu64 " files=%" PRIu64 " kept=%" PRIu64 " file_bytes=%" PRIu64 " page_size=%" PRIu64
          " ms=%" PRIu64 " cpu_ms=%" PRIu64 "\n",
          what, t->total, t->sent, t->unchanged, bytes, t->zero, t->files, t->kept, t->file_bytes, ps,
          elapsed_ms(), cpu_ms());
}

static int is_zero(const uint8_t *p, size_t n) {
  uint64_t acc = 0;
  for (size_t i = 0; i < n; i += 8) acc |= ld64(p + i);
  return acc == 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* diff                                                                                             */

/* An 'F' record: the whole file from memory (the caller counts it in t->files). */
static void w_file(const char *name, uint32_t mode, const uint8_t *p, size_t size, tally *t) {
  w_byte('F');
  w_name(name);
  w_varint(mode);
  w_varint(size);
  if (size) w_bytes(p, size);
  t->file_bytes += size;
}

/* A pagemap_entry's flags field (number 4, varint). */
static size_t put_flags(uint8_t *dst, uint32_t flags) {
  size_t k = varint_put(dst, 4 << 3);
  return k + varint_put(dst + k, flags);
}

/* diff-tracked: pagemap image `b` (parsed as `pm`) with every entry in the parent (PE_PARENT) made
 * PE_PRESENT, PE_LAZY kept: its in_parent (3) and flags (4) fields are dropped and flags is written again
 * before the first field numbered above 4. Magics, the head, other entries and fields are copied as they
 * are. The result is malloc'ed; *len is its size. */
static uint8_t *pagemap_flatten(const uint8_t *b, size_t n, const pagemap *pm, const char *what, size_t *len) {
  uint8_t *out = xmalloc(n + pm->n * 6 + 8); /* a rewritten entry grows by at most a key and a varint */
  size_t off = ld32(b) == IMG_COMMON_MAGIC ? 8 : 4, o = off;
  memcpy(out, b, off);
  for (size_t obj = 0; off < n; obj++) {
    uint32_t sz = ld32(b + off);
    const uint8_t *p = b + off + 4, *end = p + sz;
    const pm_entry *e = obj ? &pm->e[obj - 1] : NULL; /* object 0 is the head */
    off += 4 + (size_t)sz;
    if (!e || !(e->flags & PE_PARENT)) {
      memcpy(out + o, p - 4, 4 + (size_t)sz);
      o += 4 + (size_t)sz;
      continue;
    }
    if (e->flags & PE_PRESENT)
      die("%s: entry at 0x%" PRIx64 " is flagged both in the parent and present", what, e->vaddr);
    uint32_t flags = (e->flags & ~PE_PARENT) | PE_PRESENT;
    size_t at = o;
    int put = 0;
    pb_field f;
    o += 4;
    for (const uint8_t *q = p; pb_next(&p, end, &f) > 0; q = p) {
      if (f.num == 3 || f.num == 4) continue;
      if (f.num > 4 && !put) {
        o += put_flags(out + o, flags);
        put = 1;
      }
      memcpy(out + o, q, (size_t)(p - q));
      o += (size_t)(p - q);
    }
    if (!put) o += put_flags(out + o, flags);
    st32(out + at, (uint32_t)(o - at - 4));
  }
  *len = o;
  return out;
}

static void diff_whole(const char *prev_dir, const char *cur_dir, const char *name, tally *t) {
  char *cp = join(cur_dir, name);
  mfile c, p;
  if (mfile_open(cp, ACCESS_RANDOM, &c)) die("%s: %s", cp, strerror(errno));
  int same = 0;
  if (prev_dir) {
    char *pp = join(prev_dir, name);
    struct stat st;
    if (!lstat(pp, &st) && S_ISREG(st.st_mode) && (size_t)st.st_size == c.size) {
      if (mfile_open(pp, ACCESS_RANDOM, &p)) die("%s: %s", pp, strerror(errno));
      same = p.size == c.size && (!c.size || !memcmp(p.p, c.p, c.size));
      mfile_close(&p);
    }
    free(pp);
  }
  t->files++;
  if (same) {
    fh64 h;
    fh_init(&h);
    if (c.size) fh_update(&h, c.p, c.size);
    w_byte('K');
    w_name(name);
    w_varint(c.mode);
    w_varint(c.size);
    w_u64(fh_final(&h));
    t->kept++;
  } else {
    w_file(name, c.mode, c.p, c.size, t);
  }
  mfile_close(&c);
  free(cp);
}

typedef struct {
  unsigned kind;
  uint64_t start, count;
} run;

static void flush_run(run *r, const uint8_t *cur, uint64_t ps, tally *t) {
  if (!r->count) return;
  w_varint(r->count << 2 | r->kind);
  if (r->kind == RUN_DATA) w_bytes(cur + r->start * ps, r->count * ps);
  if (r->kind == RUN_COPY) t->unchanged += r->count;
  else t->sent += r->count;
  if (r->kind == RUN_ZERO) t->zero += r->count;
  r->count = 0;
}

/* The 'P' record of a pages image, or with `tracked` (diff-tracked, no PREV_DIR) the 'T' record, where
 * the pages of PE_PARENT entries are copy runs too. A missing pages image (tracked only) reads as empty. */
static void diff_pages(const char *prev_dir, const char *cur_dir, const char *pmname, const pagemap *pm,
                       const char *pname, uint64_t ps, int tracked, tally *t) {
  char fallback[32];
  snprintf(fallback, sizeof fallback, "pages-%u.img", pm->pages_id);
  char *path = join(cur_dir, pname ? pname : fallback);
  mfile cur = {-1, NULL, 0, 0600};
  if (pname && mfile_open(path, ACCESS_SEQUENTIAL, &cur)) die("%s: %s", path, strerror(errno));
  if (cur.size / ps != pm->present || cur.size % ps)
    die("%s: %zu bytes, but %s lists %" PRIu64 " pages of %" PRIu64 " bytes", path, cur.size, pmname,
        pm->present, ps);
  prev_pages pv;
  prev_load(prev_dir, pmname, ps, ACCESS_SEQUENTIAL, &pv);
  tally before = *t;
  uint64_t npages = pm->present + (tracked ? pm->parent : 0);

  w_byte(tracked ? 'T' : 'P');
  w_name(pname ? pname : fallback);
  w_name(pmname);
  w_varint(cur.mode);
  w_varint(npages);
  fh64 h;
  fh_init(&h);
  run r = {0, 0, 0};
  uint64_t idx = 0;
  for (size_t i = 0; i < pm->n; i++) {
    const pm_entry *e = &pm->e[i];
    if (tracked && (e->flags & PE_PARENT) && e->npages) {
      if (e->vaddr % ps) die("%s: entry at 0x%" PRIx64 " is not page-aligned", pmname, e->vaddr);
      if (!(r.count && r.kind == RUN_COPY)) {
        flush_run(&r, cur.p, ps, t);
        r.kind = RUN_COPY;
      }
      r.count += e->npages;
      continue;
    }
    if (!(e->flags & PE_PRESENT)) continue;
    if (e->vaddr % ps) die("%s: entry at 0x%" PRIx64 " is not page-aligned", pmname, e->vaddr);
    for (uint64_t j = 0; j < e->npages; j++, idx++) {
      const uint8_t *c = cur.p + idx * ps;
      fh_update(&h, c, ps);
      unsigned kind;
      int64_t at = pv.ok ? pindex_find(&pv.idx, e->vaddr + j * ps, ps) : -1;
      if (at >= 0 && !memcmp(pv.pages.p + (uint64_t)at * ps, c, ps)) kind = RUN_COPY;
      else if (is_zero(c, ps)) kind = RUN_ZERO;
      else kind = RUN_DATA;
      if (r.count && r.kind == kind) {
        r.count++;
      } else {
        flush_run(&r, cur.p, ps, t);
        r.kind = kind;
        r.start = idx;
        r.count = 1;
      }
    }
    if ((i & 255) == 0) check_signal();
  }
  flush_run(&r, cur.p, ps, t);
  w_u64(fh_final(&h));
  t->total += npages;
  t->files++;
  fprintf(stderr, "pagedelta: %s (%s): pages=%" PRIu64 " sent=%" PRIu64 " unchanged=%" PRIu64 " zero=%" PRIu64
          "%s\n", pname ? pname : fallback, pmname, npages, t->sent - before.sent,
          t->unchanged - before.unchanged, t->zero - before.zero,
          tracked ? " (tracked: unchanged = in the parent)" : pv.ok ? "" : " (no previous pages)");
  prev_free(&pv);
  mfile_close(&cur);
  free(path);
}

static int is_pagemap_name(const char *n) {
  size_t l = strlen(n);
  return !strncmp(n, "pagemap-", 8) && l > 12 && !strcmp(n + l - 4, ".img");
}

/* A pagemap of an image directory, with the index of the pages image it references (or -1). */
typedef struct {
  size_t name; /* index into the directory's names */
  pagemap pm;
  long pages; /* index of pages-<pages_id>.img in the names, or -1 */
} dir_pagemap;

/* Parses every pagemap of `dir` and finds the pages image of each; marks those in is_pages[]. */
static dir_pagemap *scan_pagemaps(const char *dir, char **names, size_t n, char *is_pages, size_t *npm) {
  dir_pagemap *out = xmalloc(n * sizeof *out);
  *npm = 0;
  for (size_t i = 0; i < n; i++) {
    if (!is_pagemap_name(names[i])) continue;
    dir_pagemap *d = &out[(*npm)++];
    char *path = join(dir, names[i]);
    d->name = i;
    d->pages = -1;
    load_pagemap(path, &d->pm);
    free(path);
    if (!d->pm.has_head) continue;
    char pname[32];
    snprintf(pname, sizeof pname, "pages-%u.img", d->pm.pages_id);
    const char *key = pname;
    char **hit = bsearch(&key, names, n, sizeof *names, cmp_names);
    if (!hit) {
      if (d->pm.present) die("%s/%s lists %" PRIu64 " pages, but %s/%s is missing", dir, names[i],
                             d->pm.present, dir, pname);
      continue;
    }
    d->pages = hit - names;
    if (is_pages[d->pages]) die("%s/%s: two pagemaps use the same %s", dir, names[i], pname);
    is_pages[d->pages] = 1;
  }
  return out;
}

static const char *prev_or_null(const char *prev) {
  struct stat st;
  if (!prev[0] || !strcmp(prev, "-")) return NULL;
  if (stat(prev, &st)) {
    if (errno == ENOENT) return NULL;
    die("%s: %s", prev, strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) die("%s: not a directory", prev);
  return prev;
}

/* A pagemap sent flattened (diff-tracked): its entries in the parent become present. */
static void send_flat_pagemap(const char *dir, const char *name, const pagemap *pm, tally *t) {
  char *path = join(dir, name);
  mfile m;
  if (mfile_open(path, ACCESS_RANDOM, &m)) die("%s: %s", path, strerror(errno));
  size_t len;
  uint8_t *flat = m.size ? pagemap_flatten(m.p, m.size, pm, path, &len) : NULL;
  w_file(name, m.mode, flat, m.size ? len : 0, t);
  t->files++;
  free(flat);
  mfile_close(&m);
  free(path);
}

/* diff (tracked = 0) and diff-tracked (tracked = 1, prev_arg "-"). */
static int cmd_diff(const char *prev_arg, const char *cur_dir, int tracked) {
  const char *prev = prev_or_null(prev_arg);
  uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
  struct stat st;
  if (stat(cur_dir, &st)) die("%s: %s", cur_dir, strerror(errno));
  if (!S_ISDIR(st.st_mode)) die("%s: not a directory", cur_dir);
  size_t n, npm;
  char **names = list_dir(cur_dir, &n, 1, tracked);
  char *is_pages = calloc(n ? n : 1, 1);
  dir_pagemap *pms = scan_pagemaps(cur_dir, names, n, is_pages, &npm);

  W.buf = xmalloc(IO_BUF);
  fh_init(&W.h);
  w_bytes(STREAM_MAGIC, 8);
  w_u32(STREAM_VERSION);
  w_u32((uint32_t)ps);
  w_u32(st.st_mode & 0777);
  tally t = {0};
  for (size_t i = 0; i < n; i++)
    if (!is_pages[i] && !(tracked && is_pagemap_name(names[i]))) diff_whole(prev, cur_dir, names[i], &t);
  for (size_t i = 0; i < npm; i++)
    if (tracked) send_flat_pagemap(cur_dir, names[pms[i].name], &pms[i].pm, &t);
  for (size_t i = 0; i < npm; i++)
    if (pms[i].pages >= 0 || (tracked && pms[i].pm.parent))
      diff_pages(prev, cur_dir, names[pms[i].name], &pms[i].pm,
                 pms[i].pages >= 0 ? names[pms[i].pages] : NULL, ps, tracked, &t);
  w_byte('E');
  w_varint(t.files);
  w_varint(t.total);
  w_varint(t.sent);
  w_varint(t.unchanged);
  w_varint(t.zero);
  uint8_t sum[8];
  st64(sum, fh_final(&W.h));
  w_raw(sum, 8);
  w_flush();
  print_summary("", &t, W.total, ps);
  for (size_t i = 0; i < npm; i++) pagemap_free(&pms[i].pm);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(pms);
  free(names);
  free(is_pages);
  free(W.buf);
  return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* apply                                                                                            */

static int create_out(const char *tmp, const char *name, char **path_out) {
  char *path = join(tmp, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) die("corrupt stream: %s sent twice", name);
    die("%s: %s", path, strerror(errno));
  }
  *path_out = path;
  return fd;
}

static void finish_out(int fd, const char *path, uint32_t mode) {
  if (fchmod(fd, mode)) die("%s: chmod: %s", path, strerror(errno));
  if (close(fd)) die("%s: close: %s", path, strerror(errno));
}

static void apply_whole(const char *tmp, tally *t) {
  char *name = r_name(), *path;
  uint32_t mode = r_mode();
  uint64_t size = r_varint();
  int fd = create_out(tmp, name, &path);
  for (uint64_t left = size; left;) {
    size_t got;
    const uint8_t *p = r_take(left < IO_BUF ? (size_t)left : IO_BUF, &got, 1);
    write_all(fd, p, got, path);
    left -= got;
  }
  finish_out(fd, path, mode);
  t->files++;
  t->file_bytes += size;
  free(path);
  free(name);
}

/* A file kept from the previous round. Problems with PREV_DIR are recorded with mismatch() and reported
 * after the stream checksum: a damaged name or size must read as damage, not as a wrong PREV_DIR. */
static void apply_kept(const char *prev, const char *tmp, tally *t) {
  char *name = r_name(), *path;
  uint32_t mode = r_mode();
  uint64_t size = r_varint();
  uint64_t want = r_u64(1);
  t->files++;
  t->kept++;
  if (!prev) {
    mismatch("the stream keeps %s from the previous round, but there is no PREV_DIR", name);
    free(name);
    return;
  }
  char *pp = join(prev, name);
  mfile m;
  if (mfile_open(pp, ACCESS_PREFAULT, &m)) {
    mismatch("%s: %s (the stream keeps it from the previous round)", pp, strerror(errno));
    free(pp);
    free(name);
    return;
  }
  fh64 h;
  fh_init(&h);
  if (m.size) fh_update(&h, m.p, m.size);
  if (m.size != size || fh_final(&h) != want)
    mismatch("%s: differs from the sender's copy (%zu bytes, sender: %" PRIu64 "): PREV_DIR does not match "
             "the delta", pp, m.size, size);
  int fd = create_out(tmp, name, &path);
  if (m.size) write_all(fd, m.p, m.size, path);
  finish_out(fd, path, mode);
  mfile_close(&m);
  free(pp);
  free(path);
  free(name);
}

/* Walks the present pages of a pagemap in pages-image order, yielding each one's address. */
typedef struct {
  const pagemap *pm;
  size_t ei;
  uint64_t ej;
} page_cursor;

static uint64_t cursor_next(page_cursor *c, uint64_t ps) {
  const pagemap *pm = c->pm;
  while (c->ei < pm->n && (!(pm->e[c->ei].flags & PE_PRESENT) || c->ej >= pm->e[c->ei].npages)) {
    c->ei++;
    c->ej = 0;
  }
  if (c->ei >= pm->n) die("internal error: page cursor past the end of the pagemap");
  return pm->e[c->ei].vaddr + c->ej++ * ps;
}

static void cursor_skip(page_cursor *c, uint64_t count) {
  const pagemap *pm = c->pm;
  while (count) {
    while (c->ei < pm->n && (!(pm->e[c->ei].flags & PE_PRESENT) || c->ej >= pm->e[c->ei].npages)) {
      c->ei++;
      c->ej = 0;
    }
    if (c->ei >= pm->n) die("internal error: page cursor past the end of the pagemap");
    uint64_t left = pm->e[c->ei].npages - c->ej, step = left < count ? left : count;
    c->ej += step;
    count -= step;
  }
}

/*
 * The pages one apply still accepts, over all its pages records. The work a record causes (hashing zero
 * runs, copying pages, the size of the holes it leaves) follows the page count it claims, not the bytes
 * it carries, so a crafted stream could keep apply busy for a long time on a few bytes. The budget is what
 * this host's memory and swap hold (no process needs more pages restored than that), or
 * PAGEDELTA_MAX_BYTES (a byte count) when set.
 */
static uint64_t g_page_budget;

static uint64_t page_budget(uint64_t ps) {
  const char *env = getenv("PAGEDELTA_MAX_BYTES");
  uint64_t bytes;
  if (env && *env) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(env, &end, 10);
    if (errno || *end || *env == '-') die("PAGEDELTA_MAX_BYTES: not a byte count: %s", env);
    bytes = (uint64_t)v;
  } else {
    struct sysinfo si;
    if (sysinfo(&si)) die("sysinfo: %s", strerror(errno));
    bytes = ((uint64_t)si.totalram + (uint64_t)si.totalswap) * (uint64_t)si.mem_unit;
  }
  return bytes / ps;
}

/* Takes `npages` from the budget, or refuses the stream naming the record. */
static void spend_pages(uint64_t npages, const char *name, uint64_t ps) {
  if (npages > g_page_budget)
    die("corrupt stream: %s claims %" PRIu64 " pages (%" PRIu64 " MiB); this apply accepts %" PRIu64
        " more (the host's memory and swap, or PAGEDELTA_MAX_BYTES)",
        name, npages, (npages * ps) >> 20, g_page_budget);
  g_page_budget -= npages;
}

/* A 'P' record, or with `tracked` a 'T' record (its hash covers only the pages it carries). */
static void apply_pages(const char *prev, const char *tmp, uint64_t ps, const uint8_t *zero, int tracked,
                        tally *t) {
  char *name = r_name(), *pmname = r_name(), *path;
  uint32_t mode = r_mode();
  uint64_t npages = r_varint();
  if (npages > UINT64_MAX / ps / 2) die("corrupt stream: %" PRIu64 " pages", npages);
  spend_pages(npages, name, ps);
  char *pmpath = join(tmp, pmname);
  if (access(pmpath, F_OK)) {
    if (!g_mismatch) die("corrupt stream: %s comes before its pagemap %s", name, pmname);
    /* Its pagemap was not rebuilt (already a mismatch): read past the record, keeping the checksum. */
    for (uint64_t idx = 0, v, count; idx < npages; idx += count) {
      v = r_varint();
      count = v >> 2;
      if (!count || count > npages - idx || (v & 3) > RUN_ZERO) die("corrupt stream: bad run in %s", name);
      if ((v & 3) == RUN_DATA) r_skip(count * ps);
    }
    r_u64(1);
    free(pmpath);
    free(pmname);
    free(name);
    return;
  }
  pagemap pm;
  load_pagemap(pmpath, &pm);
  char expect[32];
  snprintf(expect, sizeof expect, "pages-%u.img", pm.pages_id);
  if (!pm.has_head || strcmp(expect, name))
    die("corrupt stream: %s does not belong to %s (which uses %s)", name, pmname,
        pm.has_head ? expect : "none");
  if (pm.present != npages)
    die("corrupt stream: %s has %" PRIu64 " pages, %s lists %" PRIu64, name, npages, pmname, pm.present);
  for (size_t i = 0; i < pm.n; i++)
    if ((pm.e[i].flags & PE_PRESENT) && pm.e[i].vaddr % ps)
      die("%s: entry at 0x%" PRIx64 " is not page-aligned", pmname, pm.e[i].vaddr);

  int fd = create_out(tmp, name, &path);
  prev_pages pv = {0};
  page_cursor cur = {&pm, 0, 0};
  fh64 h;
  fh_init(&h);
  uint64_t idx = 0;
  tally before = *t;
  while (idx < npages) {
    uint64_t v = r_varint(), count = v >> 2;
    unsigned kind = (unsigned)(v & 3);
    if (!count || count > npages - idx || kind > RUN_ZERO)
      die("corrupt stream: bad run (kind %u, %" PRIu64 " pages) in %s at offset %" PRIu64, kind, count, name,
          R.off);
    uint64_t off = idx * ps;
    if (kind == RUN_COPY) {
      if (!pv.loaded) {
        prev_load(prev, pmname, ps, ACCESS_PREFAULT, &pv);
        if (!pv.ok)
          mismatch("the stream copies pages of %s from the previous round, but %s/%s is missing", name,
                   prev ? prev : "(no PREV_DIR)", pmname);
      }
      const uint8_t *span = NULL; /* pending contiguous source range */
      uint64_t span_len = 0, span_off = off;
      for (uint64_t i = 0; i < count; i++) {
        uint64_t va = cursor_next(&cur, ps);
        int64_t at = pv.ok ? pindex_find(&pv.idx, va, ps) : -1;
        const uint8_t *src = at >= 0 ? pv.pages.p + (uint64_t)at * ps : NULL;
        if (span && src == span + span_len) {
          span_len += ps;
          continue;
        }
        if (span) {
          pwrite_all(fd, span, span_len, span_off, path);
          if (!tracked) fh_update(&h, span, span_len);
        }
        if (!src && pv.ok)
          mismatch("%s: page at 0x%" PRIx64 " is not in %s/%s%s: PREV_DIR does not match the delta", name, va,
                   prev, pmname, tracked ? " (the sender's image has it in its parent)" : "");
        span = src; /* a missing page stays a hole; the mismatch fails the apply at the end */
        span_len = src ? ps : 0;
        span_off = off + i * ps;
      }
      if (span) {
        pwrite_all(fd, span, span_len, span_off, path);
        if (!tracked) fh_update(&h, span, span_len);
      }
      t->unchanged += count;
    } else if (kind == RUN_DATA) {
      cursor_skip(&cur, count);
      for (uint64_t left = count * ps; left;) {
        size_t got;
        const uint8_t *p = r_take(left < IO_BUF ? (size_t)left : IO_BUF, &got, 1);
        pwrite_all(fd, p, got, off, path);
        fh_update(&h, p, got);
        off += got;
        left -= got;
      }
      t->sent += count;
    } else {
      cursor_skip(&cur, count);
      for (uint64_t i = 0; i < count; i++) fh_update(&h, zero, ps); /* left as a hole: reads as zeros */
      t->sent += count;
      t->zero += count;
    }
    idx += count;
  }
  if (ftruncate(fd, (off_t)(npages * ps))) die("%s: truncate: %s", path, strerror(errno));
  uint64_t want = r_u64(1);
  if (fh_final(&h) != want)
    mismatch("%s: rebuilt content differs from the sender's (hash mismatch): %s", name,
             t->unchanged > before.unchanged && !tracked ? "PREV_DIR does not match the delta"
                                                         : "the stream is damaged");
  finish_out(fd, path, mode);
  t->total += npages;
  t->files++;
  prev_free(&pv);
  pagemap_free(&pm);
  free(pmpath);
  free(path);
  free(pmname);
  free(name);
}

static char *strip_slashes(const char *p) {
  char *s = xstrdup(p);
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/') s[--n] = 0;
  return s;
}

static int cmd_apply(const char *prev_arg, const char *out_arg) {
  const char *prev = prev_or_null(prev_arg);
  char *out = strip_slashes(out_arg);
  struct stat st;
  if (!lstat(out, &st)) die("%s already exists; remove it first (apply never overwrites)", out);
  if (errno != ENOENT) die("%s: %s", out, strerror(errno));
  size_t tl = strlen(out) + 64;
  char *tmp = xmalloc(tl);
  snprintf(tmp, tl, "%s.pagedelta-tmp.%ld", out, (long)getpid());
  if (mkdir(tmp, 0700)) die("%s: mkdir: %s", tmp, strerror(errno));
  g_cleanup_dir = tmp;

  R.buf = xmalloc(IO_BUF);
  fh_init(&R.h);
  uint8_t magic[8];
  r_read(magic, 8, 1);
  if (memcmp(magic, STREAM_MAGIC, 8)) die("not a pagedelta stream (bad magic)");
  uint32_t version = r_u32();
  if (version != STREAM_VERSION)
    die("unsupported stream version %u (this pagedelta reads version %u)", version, STREAM_VERSION);
  uint32_t ps = r_u32(), dir_mode = r_u32();
  if (ps < 512 || ps > (1u << 20) || (ps & (ps - 1))) die("corrupt stream: page size %u", ps);
  if (dir_mode > 0777) die("corrupt stream: directory mode 0%o", dir_mode);
  g_page_budget = page_budget(ps);
  uint8_t *zero = calloc(1, ps);
  if (!zero) die("out of memory");

  tally t = {0};
  for (;;) {
    uint8_t type = r_byte();
    if (type == 'F') apply_whole(tmp, &t);
    else if (type == 'K') apply_kept(prev, tmp, &t);
    else if (type == 'P' || type == 'T') apply_pages(prev, tmp, ps, zero, type == 'T', &t);
    else if (type == 'E') break;
    else die("corrupt stream: unknown record type 0x%02x at offset %" PRIu64, type, R.off - 1);
  }
  uint64_t files = r_varint(), total = r_varint(), sent = r_varint();
  uint64_t unchanged = r_varint(), zeros = r_varint();
  uint64_t digest = fh_final(&R.h);
  uint64_t sum = r_u64(0);
  if (sum != digest) die("checksum mismatch: the stream was damaged in transit");
  if (g_mismatch) die("%s", g_mismatch);
  if (files != t.files || total != t.total || sent != t.sent || unchanged != t.unchanged || zeros != t.zero)
    die("corrupt stream: the end record's counts do not match the records");
  if (r_avail()) die("corrupt stream: data after the end record");

  if (chmod(tmp, dir_mode)) die("%s: chmod: %s", tmp, strerror(errno));
  if (rename(tmp, out)) die("rename %s to %s: %s", tmp, out, strerror(errno));
  g_cleanup_dir = NULL;
  print_summary("applied ", &t, R.off, ps);
  free(zero);
  free(R.buf);
  free(tmp);
  free(out);
  return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* stat                                                                                             */

static int cmd_stat(const char *dir) {
  uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
  size_t n, npm;
  char **names = list_dir(dir, &n, 1, 1);
  char *is_pages = calloc(n ? n : 1, 1);
  dir_pagemap *pms = scan_pagemaps(dir, names, n, is_pages, &npm);
  uint64_t pages = 0, files = 0, file_bytes = 0;
  for (size_t i = 0; i < npm; i++) {
    const pagemap *pm = &pms[i].pm;
    const char *pname = pms[i].pages >= 0 ? names[pms[i].pages] : "-";
    if (pms[i].pages >= 0) {
      char *path = join(dir, pname);
      struct stat st;
      if (stat(path, &st)) die("%s: %s", path, strerror(errno));
      if ((uint64_t)st.st_size != pm->present * ps)
        die("%s: %" PRIu64 " bytes, but %s lists %" PRIu64 " pages of %" PRIu64 " bytes", path,
            (uint64_t)st.st_size, names[pms[i].name], pm->present, ps);
      free(path);
    }
    printf("%s %s entries=%zu pages=%" PRIu64 " lazy=%" PRIu64 " parent=%" PRIu64 " bytes=%" PRIu64 "\n",
           names[pms[i].name], pname, pm->n, pm->present, pm->lazy, pm->parent, pm->present * ps);
    pages += pm->present;
  }
  for (size_t i = 0; i < n; i++) {
    if (is_pages[i]) continue;
    char *path = join(dir, names[i]);
    struct stat st;
    if (stat(path, &st)) die("%s: %s", path, strerror(errno));
    files++;
    file_bytes += (uint64_t)st.st_size;
    free(path);
  }
  printf("pagedelta: pagemaps=%zu pages=%" PRIu64 " bytes=%" PRIu64 " files=%" PRIu64 " file_bytes=%" PRIu64
         " page_size=%" PRIu64 "\n", npm, pages, pages * ps, files, file_bytes, ps);
  if (fflush(stdout) || ferror(stdout)) die("write to stdout: %s", strerror(errno));
  for (size_t i = 0; i < npm; i++) pagemap_free(&pms[i].pm);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(pms);
  free(names);
  free(is_pages);
  return 0;
}

/* ------------------------------------------------------------------------------------------------ */

static void usage(FILE *f) {
  fputs("usage: pagedelta diff PREV_DIR CUR_DIR > DELTA     delta of CUR_DIR against PREV_DIR\n"
        "                                                   (PREV_DIR absent, empty or \"-\": send all)\n"
        "       pagedelta diff-tracked CUR_DIR > DELTA      delta of a CRIU (pre-)dump made with a parent:\n"
        "                                                   only its own pages, the parent's by reference\n"
        "       pagedelta apply PREV_DIR OUT_DIR < DELTA    rebuild CUR_DIR as OUT_DIR (must not exist)\n"
        "       pagedelta stat DIR                          pages and bytes per pagemap of an image dir\n"
        "       pagedelta version\n",
        f);
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &g_start);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns EINTR and the loop notices */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN); /* a vanished reader is reported as EPIPE */
  /* Larger pipe buffers (when stdin/stdout are pipes) mean fewer switches between diff, ssh and apply. */
  fcntl(0, F_SETPIPE_SZ, (int)IO_BUF);
  fcntl(1, F_SETPIPE_SZ, (int)IO_BUF);

  if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
    usage(stdout);
    return 0;
  }
  if (argc == 2 && (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version"))) {
    printf("pagedelta 1 (stream version %u)\n", STREAM_VERSION);
    return 0;
  }
  if (argc == 4 && !strcmp(argv[1], "diff")) return cmd_diff(argv[2], argv[3], 0);
  if (argc == 3 && !strcmp(argv[1], "diff-tracked")) return cmd_diff("-", argv[2], 1);
  if (argc == 4 && !strcmp(argv[1], "apply")) return cmd_apply(argv[2], argv[3]);
  if (argc == 3 && !strcmp(argv[1], "stat")) return cmd_stat(argv[2]);
  usage(stderr);
  return 2;
}
