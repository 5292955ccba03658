/*
 * apply-fuzz, part of the unit apply-fuzz.c (driver build): main. The options, the work directory (PREV,
 * one slot and one stderr file per job, the shared coverage maps), --make-images, --run (each input in
 * the three modes, its exit codes), and the fuzzing run: the seeds as they are in every mode, then
 * --iterations mutated inputs in batches of FZ_BATCH, progress lines, the summary and the exit codes
 * per mode. Exit 1 if anything crashed, 2 for a usage or setup error or when stopped by a signal.
 */

static void fz_usage(FILE *f) {
  fputs("usage: apply-fuzz [--seed N] [--iterations N] [--jobs N] [--timeout-ms N] [--max-len N]\n"
        "                  [--crash-dir DIR] CORPUS...        fuzz pagedelta apply from seed streams\n"
        "       apply-fuzz --run FILE...                       run inputs in the three modes\n"
        "       apply-fuzz --make-images DIR                   write DIR/prev, DIR/cur, DIR/tracked\n",
        f);
}

static uint64_t num_arg(const char *opt, const char *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(v ? v : "", &end, 10);
  if (!v || !*v || *end || errno) {
    fprintf(stderr, "apply-fuzz: %s needs a number\n", opt);
    exit(2);
  }
  return (uint64_t)x;
}

static void cleanup_work(void) {
  if (!g_work[0]) return;
  for (size_t i = 0; i < FZ_BATCH; i++) {
    if (g_slots[i][0]) remove_tree2(g_slots[i]);
    if (g_errs[i][0]) unlink(g_errs[i]);
  }
  remove_tree_flat(fz_prev);
  rmdir(g_work);
  g_work[0] = 0;
}

static void setup_work(uint64_t ps) {
  const char *t = getenv("TMPDIR");
  fz_fmt(g_work, sizeof g_work, "%s/ferry-apply-fuzz.XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(g_work)) {
    perror("apply-fuzz: mkdtemp");
    exit(2);
  }
  fz_fmt(fz_prev, sizeof fz_prev, "%s/prev", g_work);
  int bad = write_prev(fz_prev, ps) != 0;
  for (size_t i = 0; i < FZ_BATCH && !bad; i++) {
    fz_fmt(g_slots[i], sizeof g_slots[i], "%s/run-%zu", g_work, i);
    fz_fmt(g_errs[i], sizeof g_errs[i], "%s/stderr-%zu", g_work, i);
    bad = mkdir(g_slots[i], 0700) != 0;
  }
  if (bad) {
    perror("apply-fuzz: setting up the work directory");
    cleanup_work();
    exit(2);
  }
  void *m = mmap(NULL, (size_t)FZ_BATCH * FZ_MAP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  g_maps = m == MAP_FAILED ? NULL : m;
}

static void print_hist(void) {
  uint64_t tot[K_KINDS] = {0};
  for (int m = 0; m < FZ_MODES; m++)
    for (int k = 0; k < K_KINDS; k++) tot[k] += g_hist[m][k];
  for (int m = -1; m < FZ_MODES; m++) {
    const uint64_t *h = m < 0 ? tot : g_hist[m];
    fprintf(stderr, "apply-fuzz:   %-20s", m < 0 ? "exit codes (all):" : fz_mode_name[m]);
    for (int k = 0; k < K_KINDS; k++)
      if (h[k] || k <= K_EXIT2 || k == K_SAN) fprintf(stderr, " %s=%" PRIu64, kind_name[k], h[k]);
    fputc('\n', stderr);
  }
}

static void free_all(uint8_t **bufs) {
  for (size_t k = 0; k < FZ_BATCH; k++) free(bufs[k]);
  for (size_t k = 0; k < g_ncorpus; k++) {
    free(g_corpus[k].d);
    free((void *)g_names[k]);
  }
  free(g_corpus);
  free(g_names);
  if (g_maps) munmap(g_maps, (size_t)FZ_BATCH * FZ_MAP);
}

int main(int argc, char **argv) {
  uint64_t seed = 1, iterations = 10000, ps = (uint64_t)sysconf(_SC_PAGESIZE);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  unsigned par = ncpu > 0 ? (unsigned)ncpu : 1;
  int run_only = 0;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      i++;
      break;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fz_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--make-images")) {
      if (!v || i + 2 != argc) {
        fz_usage(stderr);
        return 2;
      }
      if (make_images(v, ps)) {
        fprintf(stderr, "apply-fuzz: --make-images %s: %s\n", v, strerror(errno));
        return 1;
      }
      return 0;
    } else if (!strcmp(a, "--run")) {
      run_only = 1;
    } else if (!strcmp(a, "--seed")) {
      seed = num_arg(a, v), i++;
    } else if (!strcmp(a, "--iterations")) {
      iterations = num_arg(a, v), i++;
    } else if (!strcmp(a, "--jobs")) {
      par = (unsigned)num_arg(a, v), i++;
    } else if (!strcmp(a, "--timeout-ms")) {
      g_timeout_ms = (unsigned)num_arg(a, v), i++;
    } else if (!strcmp(a, "--max-len")) {
      g_maxlen = (size_t)num_arg(a, v), i++;
    } else if (!strcmp(a, "--crash-dir")) {
      if (!v) {
        fz_usage(stderr);
        return 2;
      }
      g_crash_dir = v, i++;
    } else {
      fprintf(stderr, "apply-fuzz: unknown option %s\n", a);
      fz_usage(stderr);
      return 2;
    }
  }
  if (par < 1) par = 1;
  if (par > FZ_BATCH) par = FZ_BATCH;
  if (g_timeout_ms < 1) g_timeout_ms = 1;
  if (g_maxlen < 64) g_maxlen = 64;
  if (i >= argc) {
    fz_usage(stderr);
    return 2;
  }
  for (; i < argc; i++)
    if (load_corpus(argv[i])) {
      fprintf(stderr, "apply-fuzz: %s: %s\n", argv[i], strerror(errno));
      return 2;
    }
  g_nseeds = g_ncorpus;
  if (!g_nseeds) {
    fprintf(stderr, "apply-fuzz: the corpus is empty\n");
    return 2;
  }
  if (!run_only) {
    struct stat st;
    if (mkdir(g_crash_dir, 0755) && (errno != EEXIST || stat(g_crash_dir, &st) || !S_ISDIR(st.st_mode))) {
      fprintf(stderr, "apply-fuzz: --crash-dir %s: %s\n", g_crash_dir, strerror(errno));
      return 2;
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  setup_work(ps);
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);

  job jobs[FZ_BATCH];
  uint8_t *bufs[FZ_BATCH];
  for (size_t k = 0; k < FZ_BATCH; k++) {
    bufs[k] = malloc(g_maxlen);
    if (!bufs[k]) abort();
  }
  uint64_t bytes = 0;
  for (size_t k = 0; k < g_nseeds; k++) bytes += g_corpus[k].n;

  if (run_only) { /* each input in each mode, in children; the exit codes */
    size_t bad = 0;
    for (size_t k = 0; k < g_nseeds && !g_stop; k++) {
      for (int m = 0; m < FZ_MODES; m++)
        jobs[m] = (job){.in = g_corpus[k], .mode = m, .seed = 1, .iter = k};
      run_batch(jobs, FZ_MODES, par);
      for (int m = 0; m < FZ_MODES; m++) {
        int kind = classify(jobs[m].status);
        char line[512];
        headline(g_errs[m], line, sizeof line);
        fprintf(stderr, "apply-fuzz: %s %s: %s (%.0f ms): %s\n", g_names[k],
                fz_mode_name[m], kind_name[kind], jobs[m].ms, line);
        if (kind >= K_SAN) {
          bad++;
          FILE *f = fopen(g_errs[m], "r");
          char buf[1024];
          while (f && fgets(buf, sizeof buf, f)) fprintf(stderr, "    %s", buf);
          if (f) fclose(f);
        }
        remove_tree2(g_slots[m]);
        mkdir(g_slots[m], 0700);
      }
    }
    cleanup_work();
    free_all(bufs);
    return bad ? 1 : 0;
  }

  rnd_seed(seed);
  fprintf(stderr,
          "apply-fuzz: seed=%" PRIu64 " iterations=%" PRIu64 " jobs=%u corpus=%zu inputs (%" PRIu64
          " bytes) page_size=%" PRIu64 " timeout=%u ms coverage=%s\n",
          seed, iterations, par, g_nseeds, bytes, ps, g_timeout_ms, g_maps ? "map" : "off");
  /* the seeds as they are, in every mode */
  size_t nj = 0;
  for (size_t k = 0; k < g_nseeds && !g_stop; k++)
    for (int m = 0; m < FZ_MODES; m++) {
      jobs[nj++] = (job){.in = g_corpus[k], .mode = m, .seed = 1, .iter = k};
      if (nj == FZ_BATCH || (k + 1 == g_nseeds && m + 1 == FZ_MODES)) {
        run_batch(jobs, nj, par);
        if (!g_stop) process_batch(jobs, nj);
        nj = 0;
      }
    }
  uint64_t seed_ok = g_hist[1][K_EXIT0] + g_hist[2][K_EXIT0];
  fprintf(stderr, "apply-fuzz: seeds: %zu runs; applied with PREV: %" PRIu64 " of %zu; edges=%zu\n",
          g_nseeds * FZ_MODES, seed_ok, g_nseeds * 2, g_edges);
  if (g_maps && !g_edges)
    fprintf(stderr, "apply-fuzz: no coverage seen (build with -fsanitize-coverage=trace-pc for it)\n");
  memset(g_hist, 0, sizeof g_hist);
  uint64_t seed_crashes = g_crashes;

  uint64_t done = 0, report_every = iterations / 10 ? iterations / 10 : 1;
  while (done < iterations && !g_stop) {
    size_t n = iterations - done < FZ_BATCH ? (size_t)(iterations - done) : FZ_BATCH;
    for (size_t k = 0; k < n; k++) {
      const input *parent = g_corpus_pick();
      input in = {bufs[k], parent->n};
      memcpy(in.d, parent->d, parent->n);
      mutate(&in);
      jobs[k] = (job){.in = in, .mode = (int)rnd(FZ_MODES), .iter = done + k};
    }
    run_batch(jobs, n, par);
    if (g_stop) break;
    process_batch(jobs, n);
    uint64_t before = done;
    done += n;
    if (done / report_every != before / report_every || done == iterations)
      fprintf(stderr, "apply-fuzz: %" PRIu64 "/%" PRIu64 " corpus=%zu edges=%zu crashes=%" PRIu64 " (%.1f s)\n",
              done, iterations, g_ncorpus, g_edges, g_crashes, ms_since(&t0) / 1e3);
  }
  double secs = ms_since(&t0) / 1e3;
  cleanup_work();
  if (g_stop) fprintf(stderr, "apply-fuzz: stopped by signal %d\n", (int)g_stop);
  fprintf(stderr,
          "apply-fuzz: done: iterations=%" PRIu64 " crashes=%" PRIu64 " (seeds: %" PRIu64 ") elapsed=%.1f s "
          "(%.0f/s) slowest=%.0f ms corpus=%zu (+%" PRIu64 ") edges=%zu\n",
          done, g_crashes, seed_crashes, secs, secs > 0 ? (double)done / secs : 0.0, g_slowest_ms, g_ncorpus,
          g_added, g_edges);
  print_hist();
  free_all(bufs);
  return g_crashes ? 1 : g_stop ? 2 : 0;
}
