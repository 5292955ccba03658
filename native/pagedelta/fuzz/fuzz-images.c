/*
 * apply-fuzz, part of the unit apply-fuzz.c: synthetic CRIU image directories, written with pagedelta's
 * own encoders. prev is the PREV_DIR of modes 1 and 2 (write_prev); with -DFERRY_FUZZ_DRIVER also cur
 * (the next round) and tracked (a pre-dump whose parent is prev), which --make-images writes for
 * make-corpus.sh, the seed corpus: prev there is byte for byte the harness's PREV, so that the seeds'
 * kept files and copy runs resolve.
 */

typedef struct {
  uint8_t *p;
  size_t n, cap;
} fz_buf;

static void b_put(fz_buf *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
    if (!b->p) abort();
  }
  if (n) memcpy(b->p + b->n, p, n);
  b->n += n;
}

static void b_u32(fz_buf *b, uint32_t v) {
  uint8_t x[4];
  st32(x, v);
  b_put(b, x, 4);
}

static void b_varint(fz_buf *b, uint64_t v) {
  uint8_t x[10];
  b_put(b, x, varint_put(x, v));
}

static void b_field(fz_buf *b, uint32_t num, uint64_t v) {
  b_varint(b, (uint64_t)num << 3);
  b_varint(b, v);
}

#define FZ_BASE 0x7f0000000000ull

typedef struct {
  int64_t page;   /* first page: vaddr = FZ_BASE + page * page_size */
  unsigned pages; /* nr_pages */
  int flags;      /* PE_* flags; -1: no flags field (images of CRIU before 3.x's flags) */
  int in_parent;  /* -1: no in_parent field, else its value */
  int nr64;       /* nr_pages as field 5 (CRIU 4.2+), compat_nr_pages = 0 */
  int extra;      /* unknown fields appended: 1 a varint and a length-delimited one, 2 fixed64, fixed32 */
  int ver;        /* content version of its pages */
  unsigned zero;  /* bit i: page i is a zero page */
} fz_ent;

typedef struct {
  const char *name;
  int pages_id; /* -1: no pagemap_head (an empty pagemap) */
  int no_pages_file; /* do not write pages-<id>.img (diff-tracked reads a missing one as empty) */
  const fz_ent *e;
  size_t n;
} fz_pm;

typedef struct {
  const char *name;
  const char *data;
  size_t len;
  unsigned mode;
} fz_file;

#define F(name, s, mode) {name, s, sizeof(s) - 1, mode}

static const fz_ent prev_pm1[] = {
    {.page = 0, .pages = 4, .flags = PE_PRESENT | PE_LAZY, .in_parent = -1, .zero = 0x2},
    {.page = 8, .pages = 2, .flags = PE_PRESENT, .in_parent = -1, .nr64 = 1},
    {.page = 16, .pages = 2, .flags = PE_LAZY, .in_parent = -1},
    {.page = 20, .pages = 1, .flags = -1, .in_parent = -1},     /* old image: present */
    {.page = 24, .pages = 1, .flags = -1, .in_parent = 1},      /* old image: in the parent */
    {.page = 28, .pages = 1, .flags = PE_PRESENT, .in_parent = 0, .extra = 1},
};
/* not in address order (apply sorts its index): the pages image holds page 104, then 100 and 101 */
static const fz_ent prev_pm2[] = {
    {.page = 104, .pages = 1, .flags = PE_PRESENT, .in_parent = -1, .extra = 2},
    {.page = 100, .pages = 2, .flags = PE_PRESENT, .in_parent = -1},
};
static const fz_ent prev_pm3[] = {{.page = 200, .pages = 3, .flags = PE_LAZY, .in_parent = -1}};
static const fz_pm prev_pms[] = {
    {"pagemap-1.img", 1, 0, prev_pm1, N(prev_pm1)},
    {"pagemap-2.img", 2, 0, prev_pm2, N(prev_pm2)},
    {"pagemap-3.img", 4, 0, prev_pm3, N(prev_pm3)}, /* a head, no pages: an empty pages-4.img */
    {"pagemap-shmem-7.img", -1, 0, NULL, 0},        /* magics only */
};
static const fz_file prev_files[] = {
    F("core-1.img", "core v0\n", 0644), F("inventory.img", "\x19\x43\x56\x54inv", 0644),
    F("mm-1.img", "mm", 0600), F("empty.img", "", 0644),
};

#ifdef FERRY_FUZZ_DRIVER /* the seeds' sources (--make-images) */
/* The next round: pages renumbered, an entry split, pages changed and zeroed, a new process. */
static const fz_ent cur_pm1[] = {
    {.page = -2, .pages = 1, .flags = PE_PRESENT, .in_parent = -1, .ver = 1},
    {.page = 0, .pages = 2, .flags = PE_PRESENT | PE_LAZY, .in_parent = -1, .zero = 0x2},
    {.page = 2, .pages = 2, .flags = PE_PRESENT | PE_LAZY, .in_parent = -1, .ver = 1},
    {.page = 8, .pages = 2, .flags = PE_PRESENT, .in_parent = -1, .nr64 = 1},
    {.page = 16, .pages = 2, .flags = PE_LAZY, .in_parent = -1},
    {.page = 20, .pages = 1, .flags = -1, .in_parent = -1},
    {.page = 28, .pages = 1, .flags = PE_PRESENT, .in_parent = 0, .extra = 1, .zero = 0x1},
};
/* one copy run over pages 100, 101, 104: not contiguous in PREV's pages image */
static const fz_ent cur_pm2[] = {
    {.page = 100, .pages = 2, .flags = PE_PRESENT, .in_parent = -1},
    {.page = 104, .pages = 1, .flags = PE_PRESENT, .in_parent = -1, .extra = 2},
    {.page = 106, .pages = 1, .flags = PE_PRESENT, .in_parent = -1, .ver = 1},
};
static const fz_ent cur_pm9[] = {{.page = 0, .pages = 1, .flags = PE_PRESENT, .in_parent = -1, .ver = 3}};
static const fz_pm cur_pms[] = {
    {"pagemap-1.img", 3, 0, cur_pm1, N(cur_pm1)},
    {"pagemap-2.img", 1, 0, cur_pm2, N(cur_pm2)},
    {"pagemap-3.img", 4, 0, prev_pm3, N(prev_pm3)},
    {"pagemap-9.img", 5, 0, cur_pm9, N(cur_pm9)},
    {"pagemap-shmem-7.img", -1, 0, NULL, 0},
};
static const fz_file cur_files[] = {
    F("core-1.img", "core v1\n", 0644), F("inventory.img", "\x19\x43\x56\x54inv", 0644),
    F("mm-1.img", "mm", 0600), F("empty.img", "", 0644), F("new.img", "new file", 0640),
};

/* A CRIU pre-dump with PREV as its parent (for diff-tracked): parent entries, own pages, a zero page. */
static const fz_ent trk_pm1[] = {
    {.page = 0, .pages = 4, .flags = PE_PARENT, .in_parent = -1},
    {.page = 8, .pages = 2, .flags = PE_PRESENT, .in_parent = -1, .ver = 2},
    {.page = 20, .pages = 1, .flags = PE_PARENT | PE_LAZY, .in_parent = -1},
    {.page = 28, .pages = 1, .flags = PE_PRESENT, .in_parent = -1, .zero = 0x1},
};
static const fz_ent trk_pm2[] = {{.page = 100, .pages = 2, .flags = PE_PARENT, .in_parent = -1, .nr64 = 1}};
static const fz_pm trk_pms[] = {
    {"pagemap-1.img", 1, 0, trk_pm1, N(trk_pm1)},
    {"pagemap-2.img", 2, 1, trk_pm2, N(trk_pm2)},
};
static const fz_file trk_files[] = {F("core-1.img", "core v2\n", 0644), F("mm-1.img", "mm", 0600)};
#endif

static int ent_has_data(const fz_ent *e) {
  if (e->flags < 0) return e->in_parent != 1;
  return (e->flags & PE_PRESENT) != 0;
}

static void page_fill(uint8_t *p, size_t ps, uint64_t vaddr, int ver) {
  uint64_t x = vaddr ^ ((uint64_t)(ver + 1) * K1) ^ 0x2545F4914F6CDD1Dull;
  if (!x) x = 1;
  for (size_t i = 0; i < ps; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    st64(p + i, x);
  }
}


static int write_file(const char *dir, const char *name, const void *p, size_t n, unsigned mode) {
  char path[PATH_MAX];
  fz_fmt(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  const uint8_t *b = p;
  while (n) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return -1;
    }
    b += w;
    n -= (size_t)w;
  }
  if (fchmod(fd, mode)) {
    close(fd);
    return -1;
  }
  return close(fd);
}

static int write_images(const char *dir, const fz_pm *pms, size_t npm, const fz_file *files, size_t nf,
                        uint64_t ps) {
  if (mkdir(dir, 0700) && errno != EEXIST) return -1;
  uint8_t *page = malloc(ps);
  if (!page) abort();
  int rc = 0;
  for (size_t i = 0; i < npm && !rc; i++) {
    const fz_pm *pm = &pms[i];
    fz_buf img = {0}, pages = {0}, obj = {0};
    b_u32(&img, IMG_COMMON_MAGIC);
    b_u32(&img, PAGEMAP_MAGIC);
    if (pm->pages_id >= 0) {
      b_field(&obj, 1, (uint64_t)pm->pages_id);
      b_u32(&img, (uint32_t)obj.n);
      b_put(&img, obj.p, obj.n);
    }
    for (size_t j = 0; j < pm->n; j++) {
      const fz_ent *e = &pm->e[j];
      uint64_t va = FZ_BASE + (uint64_t)(e->page * (int64_t)ps);
      obj.n = 0;
      b_field(&obj, 1, va);
      b_field(&obj, 2, e->nr64 ? 0 : e->pages);
      if (e->nr64) b_field(&obj, 5, e->pages);
      if (e->in_parent >= 0) b_field(&obj, 3, (uint64_t)e->in_parent);
      if (e->flags >= 0) b_field(&obj, 4, (uint64_t)e->flags);
      if (e->extra == 1) {
        b_field(&obj, 9, 77);
        b_varint(&obj, 10 << 3 | 2);
        b_varint(&obj, 3);
        b_put(&obj, "xyz", 3);
      } else if (e->extra == 2) {
        b_varint(&obj, 11 << 3 | 1);
        b_put(&obj, "fixed-64", 8);
        b_varint(&obj, 12 << 3 | 5);
        b_put(&obj, "f-32", 4);
      }
      b_u32(&img, (uint32_t)obj.n);
      b_put(&img, obj.p, obj.n);
      if (!ent_has_data(e)) continue;
      for (unsigned k = 0; k < e->pages; k++) {
        if (e->zero >> k & 1) memset(page, 0, ps);
        else page_fill(page, ps, va + k * ps, e->ver);
        b_put(&pages, page, ps);
      }
    }
    rc = write_file(dir, pm->name, img.p, img.n, 0600);
    if (!rc && pm->pages_id >= 0 && !pm->no_pages_file) {
      char name[32];
      fz_fmt(name, sizeof name, "pages-%d.img", pm->pages_id);
      rc = write_file(dir, name, pages.p, pages.n, 0600);
    }
    free(img.p);
    free(pages.p);
    free(obj.p);
  }
  for (size_t i = 0; i < nf && !rc; i++)
    rc = write_file(dir, files[i].name, files[i].data, files[i].len, files[i].mode);
  free(page);
  return rc;
}

static int write_prev(const char *dir, uint64_t ps) {
  return write_images(dir, prev_pms, N(prev_pms), prev_files, N(prev_files), ps);
}

#ifdef FERRY_FUZZ_DRIVER
/* --make-images DIR: DIR/prev, DIR/cur and DIR/tracked (with DIR/tracked/parent -> ../prev). */
static int make_images(const char *dir, uint64_t ps) {
  char p[PATH_MAX];
  if (mkdir(dir, 0700) && errno != EEXIST) return -1;
  fz_fmt(p, sizeof p, "%s/prev", dir);
  if (write_prev(p, ps)) return -1;
  fz_fmt(p, sizeof p, "%s/cur", dir);
  if (write_images(p, cur_pms, N(cur_pms), cur_files, N(cur_files), ps)) return -1;
  fz_fmt(p, sizeof p, "%s/tracked", dir);
  if (write_images(p, trk_pms, N(trk_pms), trk_files, N(trk_files), ps)) return -1;
  fz_fmt(p, sizeof p, "%s/tracked/parent", dir);
  unlink(p);
  return symlink("../prev", p);
}
#endif /* FERRY_FUZZ_DRIVER */
