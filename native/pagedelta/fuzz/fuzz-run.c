/*
 * apply-fuzz, part of the unit apply-fuzz.c (driver build): running inputs. A batch of jobs runs in forked
 * children (at most --jobs at a time), each applying one input in one mode under a time-out with its
 * stderr in a file; their exit statuses are classified and counted per mode, and a crash (a signal, a
 * time-out, the sanitizers' 86, any other code, or a changed stream accepted without the checksum fix)
 * is written to the crash directory with the child's stderr. Inputs that reached new edges join the
 * corpus.
 */

static const char *const fz_mode_name[FZ_MODES] = {"prev=-", "prev=PREV", "prev=PREV+checksum"};

/* K_ACCEPTED: exit 0 in mode 0 or 1 for a stream that is none of the seeds: its checksum should have
 * refused it (the chance of an fh64 collision is 2^-64). A crash too. */
enum { K_EXIT0, K_EXIT1, K_EXIT2, K_SAN, K_OTHER_EXIT, K_SIGNAL, K_TIMEOUT, K_ABORT, K_ACCEPTED, K_KINDS };
static const char *const kind_name[K_KINDS] = {"exit0", "exit1", "exit2", "sanitizer(86)", "other-exit",
                                               "signal", "timeout", "abort", "accepted-changed"};

typedef struct {
  input in;
  int mode;
  int seed;       /* an input of the corpus as given */
  uint64_t iter;
  pid_t pid;
  int status;
  double ms;
  struct timespec t0;
} job;

static char g_work[PATH_MAX / 2];
static char g_slots[FZ_BATCH][PATH_MAX];
static char g_errs[FZ_BATCH][PATH_MAX];
static uint8_t *g_maps; /* FZ_BATCH shared coverage maps */
static unsigned g_timeout_ms = 10000;
static volatile sig_atomic_t g_stop;

static void on_stop(int sig) { g_stop = sig; }

static double ms_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void child(job *j, size_t slot) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGXFSZ, SIG_IGN); /* a write past RLIMIT_FSIZE fails (EFBIG) instead of killing */
  struct rlimit fs = {1u << 30, 1u << 30}, core = {0, 0};
  setrlimit(RLIMIT_FSIZE, &fs);
  setrlimit(RLIMIT_CORE, &core);
  int fd = open(g_errs[slot], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0 || null < 0 || dup2(fd, 2) < 0 || dup2(null, 1) < 0 || dup2(null, 0) < 0) _exit(99);
  close(fd);
  close(null);
  struct itimerval it = {{0, 0}, {g_timeout_ms / 1000, (long)(g_timeout_ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
  fz_fmt(fz_slot, sizeof fz_slot, "%s", g_slots[slot]);
  if (g_maps) {
    fz_cov = g_maps + slot * FZ_MAP;
    fz_cov_prev = 0;
  }
  int rc = fuzz_apply(j->in.d, j->in.n, j->mode);
  fz_cov = NULL;
  fflush(NULL);
  _exit(rc);
}

/* Runs jobs[0..n) with at most `jobs` children at a time; fills in status and ms. */
static void run_batch(job *jobs, size_t n, unsigned par) {
  size_t next = 0, running = 0;
  if (g_maps) memset(g_maps, 0, (size_t)FZ_BATCH * FZ_MAP);
  while (next < n || running) {
    while (next < n && running < par && !g_stop) {
      job *j = &jobs[next];
      clock_gettime(CLOCK_MONOTONIC, &j->t0);
      fflush(NULL);
      j->pid = fork();
      if (j->pid < 0) {
        perror("apply-fuzz: fork");
        cleanup_work();
        exit(2);
      }
      if (j->pid == 0) child(j, next);
      next++;
      running++;
    }
    if (!running) break;
    int st;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      perror("apply-fuzz: waitpid");
      cleanup_work();
      exit(2);
    }
    for (size_t i = 0; i < n; i++)
      if (jobs[i].pid == pid) {
        jobs[i].status = st;
        jobs[i].ms = ms_since(&jobs[i].t0);
        jobs[i].pid = 0;
        running--;
      }
  }
}

static int classify(int st) {
  if (WIFEXITED(st)) {
    int c = WEXITSTATUS(st);
    return c == 0 ? K_EXIT0 : c == 1 ? K_EXIT1 : c == 2 ? K_EXIT2 : c == 86 ? K_SAN : K_OTHER_EXIT;
  }
  if (WIFSIGNALED(st)) {
    int s = WTERMSIG(st);
    return s == SIGALRM ? K_TIMEOUT : s == SIGABRT ? K_ABORT : K_SIGNAL;
  }
  return K_OTHER_EXIT;
}

/* --- results -------------------------------------------------------------------------------------- */

static uint64_t g_hist[FZ_MODES][K_KINDS];
static uint64_t g_crashes, g_saved, g_added;
static double g_slowest_ms;
static const char *g_crash_dir = ".";

static int copy_file(const char *from, const char *to) {
  int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  char buf[65536];
  ssize_t r = 0;
  if (in >= 0 && out >= 0)
    while ((r = read(in, buf, sizeof buf)) > 0)
      if (write(out, buf, (size_t)r) != r) r = -1;
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  return in < 0 || out < 0 || r < 0 ? -1 : 0;
}

/* The line of a child's stderr that best says what happened. */
static void headline(const char *path, char *line, size_t len) {
  FILE *f = fopen(path, "r");
  char buf[1024];
  snprintf(line, len, "(no stderr)");
  if (!f) return;
  int best = 0;
  while (fgets(buf, sizeof buf, f)) {
    buf[strcspn(buf, "\n")] = 0;
    int score = strstr(buf, "ERROR: ") || strstr(buf, "runtime error") ? 3
                : strstr(buf, "broken promise") ? 3
                : strstr(buf, "SUMMARY:") ? 2 : buf[0] ? 1 : 0;
    if (score > best) {
      size_t k = strlen(buf) < len ? strlen(buf) : len - 1;
      best = score;
      memcpy(line, buf, k);
      line[k] = 0;
    }
  }
  fclose(f);
}

static void report_crash(const job *j, size_t slot, int kind) {
  g_crashes++;
  char line[512];
  headline(g_errs[slot], line, sizeof line);
  if (g_saved >= 20) {
    fprintf(stderr, "apply-fuzz: crash (%s, %s) at iteration %" PRIu64 ", not saved (20 already): %s\n",
            kind_name[kind], fz_mode_name[j->mode], j->iter, line);
    return;
  }
  char path[PATH_MAX], err[PATH_MAX + 8];
  fz_fmt(path, sizeof path, "%s/crash-%s%" PRIu64 "-%s-mode%d.bin", g_crash_dir, j->seed ? "seed" : "",
           j->iter, kind == K_SAN ? "sanitizer" : kind_name[kind], j->mode);
  fz_fmt(err, sizeof err, "%.*s.stderr", (int)(strlen(path) - 4), path);
  if (write_file(g_crash_dir, strrchr(path, '/') + 1, j->in.d, j->in.n, 0644) || copy_file(g_errs[slot], err))
    fprintf(stderr, "apply-fuzz: cannot save %s: %s\n", path, strerror(errno));
  g_saved++;
  fprintf(stderr, "apply-fuzz: CRASH (%s, mode %d %s, %zu bytes, %.0f ms) at %s %" PRIu64 ": %s\n"
                  "apply-fuzz:   input %s, its stderr %s; replay: apply-fuzz --run %s\n",
          kind_name[kind], j->mode, fz_mode_name[j->mode], j->in.n, j->ms, j->seed ? "seed" : "iteration",
          j->iter, line, path, err, path);
}

/* Records the results of a batch in order; returns how many were crashes. */
static size_t process_batch(job *jobs, size_t n) {
  size_t crashes = 0;
  for (size_t i = 0; i < n; i++) {
    job *j = &jobs[i];
    int kind = classify(j->status);
    if (kind == K_EXIT0 && j->mode < 2 && !is_seed(&j->in)) kind = K_ACCEPTED;
    g_hist[j->mode][kind]++;
    if (j->ms > g_slowest_ms) g_slowest_ms = j->ms;
    int bad = kind >= K_SAN;
    if (bad) {
      report_crash(j, i, kind);
      crashes++;
    }
    if (bad) { /* what a crashed child left (the others leave nothing: the parent allocates little, as
                * the cost of fork() grows with the memory it has touched, ASan's quarantine included) */
      remove_tree2(g_slots[i]);
      mkdir(g_slots[i], 0700);
    }
    if (g_maps && cov_merge(g_maps + i * FZ_MAP) && !bad && !j->seed && g_ncorpus < 8192) {
      corpus_add(j->in.d, j->in.n, NULL);
      g_added++;
    }
  }
  return crashes;
}
