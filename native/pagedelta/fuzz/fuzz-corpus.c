/*
 * apply-fuzz, part of the unit apply-fuzz.c (driver build): the corpus. The seeds (files, or the regular
 * files of directories, in name order: the order is part of determinism) come first; the driver appends
 * the inputs that reached new coverage, the parents of later mutations.
 */

static input *g_corpus;
static const char **g_names; /* the seeds' file names */
static size_t g_ncorpus, g_corpus_cap, g_nseeds;

static const input *g_corpus_pick(void) { return &g_corpus[rnd(g_ncorpus)]; }

static void corpus_add(const uint8_t *d, size_t n, const char *name) {
  if (g_ncorpus == g_corpus_cap) {
    g_corpus_cap = g_corpus_cap ? g_corpus_cap * 2 : 64;
    g_corpus = realloc(g_corpus, g_corpus_cap * sizeof *g_corpus);
    g_names = realloc(g_names, g_corpus_cap * sizeof *g_names);
    if (!g_corpus || !g_names) abort();
  }
  g_names[g_ncorpus] = name ? strdup(name) : NULL;
  uint8_t *c = malloc(n ? n : 1);
  if (!c) abort();
  memcpy(c, d, n);
  g_corpus[g_ncorpus++] = (input){c, n};
}

static int load_file(const char *path) {
  struct stat st;
  if (stat(path, &st)) return -1;
  if (!S_ISREG(st.st_mode)) {
    errno = EINVAL;
    return -1;
  }
  if ((uint64_t)st.st_size > g_maxlen) {
    fprintf(stderr, "apply-fuzz: %s: %lld bytes, larger than --max-len %zu: left out\n", path,
            (long long)st.st_size, g_maxlen);
    return 0;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  uint8_t *b = malloc(st.st_size ? (size_t)st.st_size : 1);
  if (!b) abort();
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  corpus_add(b, got, path);
  free(b);
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A file, or the regular files of a directory (sorted: the corpus order is part of determinism). */
static int load_corpus(const char *path) {
  struct stat st;
  if (stat(path, &st)) return -1;
  if (!S_ISDIR(st.st_mode)) return load_file(path);
  DIR *d = opendir(path);
  if (!d) return -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      names = realloc(names, cap * sizeof *names);
      if (!names) abort();
    }
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    char p[PATH_MAX];
    fz_fmt(p, sizeof p, "%s/%s", path, names[i]);
    struct stat fst;
    if (!rc && !stat(p, &fst) && S_ISREG(fst.st_mode)) rc = load_file(p);
    free(names[i]);
  }
  free(names);
  return rc;
}

static int is_seed(const input *in) {
  for (size_t k = 0; k < g_nseeds; k++)
    if (g_corpus[k].n == in->n && !memcmp(g_corpus[k].d, in->d, in->n)) return 1;
  return 0;
}
