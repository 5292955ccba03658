/*
 * dirtier: Ferry's test workload. It proves that no memory state is lost across a live migration.
 *
 * It allocates N MiB, split into 4 KiB "pages". Every page holds a header (magic, page index, version)
 * followed by content derived deterministically from (index, version) with an xorshift generator.
 * While running it rewrites ("dirties") pages at a given rate: it bumps a page's version and refills
 * the page. A verification pass recomputes every page from its header, so a page that came back
 * torn, zeroed or from another page shows up as bad; and since every dirtying adds exactly 1 to one
 * version, the sum of all versions must equal the number of pages dirtied so far, so a page that came
 * back whole but stale (an older version) shows up too.
 *
 * Output (stdout, one line per event, flushed at once):
 *   start pid=<pid> mib=<N> rate=<MiB/s> tick_ms=<T> ws_mib=<W> pages=<n> t=<CLOCK_REALTIME ns>
 *   tick=<counter> t=<CLOCK_REALTIME ns> dirtied=<pages so far> ok=<1 until a verification fails, then 0>
 *   gap_ms=<ms> tick=<counter>        wall-clock time between two ticks exceeded 2 ticks (e.g. downtime),
 *                                     or the process stood still that long inside a tick's own work
 *   verify=<ok|FAIL> pages=<n> bad=<n> vsum=<sum of versions> dirtied=<n> sum=<hex checksum> ms=<ms>
 *          max_gap_ms=<longest gap between two ticks so far: survives a lost gap_ms line>
 *   stop tick=<counter> dirtied=<n> ok=<1|0>                       on SIGTERM/SIGINT or after --ticks
 *
 * Made to survive a CRIU checkpoint/restore: one thread, no file descriptors besides stdin/stdout/stderr
 * (the --file marker is written and closed at start), no POSIX timers; only nanosleep and clock_gettime.
 * CLOCK_MONOTONIC may jump (either way) when restored on another host, so sleeps are relative and the
 * schedule re-synchronises instead of sleeping towards a deadline taken from the old clock.
 *
 * Build: gcc -static -O2 -o dirtier dirtier.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES 4096u
#define PAGE_WORDS (PAGE_BYTES / sizeof(uint64_t))
#define HEADER_WORDS 3u /* magic, index, version */
#define PAGE_MAGIC 0x4665727279506731ull /* "FerryPg1" */
#define MAX_SLICES 10u /* a tick's dirtying is spread over up to this many slices */

/* Options, with their defaults. */
struct options {
  unsigned long mib;          /* --mib: memory to allocate, MiB */
  double rate_mib_s;          /* --dirty-mib-s: dirtying rate, MiB/s; 0 = idle */
  unsigned long tick_ms;      /* --tick-ms: tick period, ms */
  const char *file;           /* --file: marker file written at start, or NULL */
  unsigned long ws_mib;       /* --working-set-mib: dirty only the first W MiB; 0 = all */
  unsigned long verify_every; /* --verify-every: verify every K ticks; 0 = only on SIGUSR1 */
  int sequential;             /* --sequential: choose pages round-robin instead of pseudo-randomly */
  unsigned long max_ticks;    /* --ticks: stop after this many ticks; 0 = run forever */
};

static volatile sig_atomic_t verify_requested; /* set by SIGUSR1 */
static int64_t max_gap_ns; /* longest wall-clock gap between two ticks so far (reported by verify lines) */
static volatile sig_atomic_t stop_requested;   /* set by SIGTERM / SIGINT */

static void on_usr1(int sig) { (void)sig; verify_requested = 1; }
static void on_stop(int sig) { (void)sig; stop_requested = 1; }

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Sleeps ns nanoseconds (relative); returns early if a signal arrives. */
static void sleep_ns(int64_t ns) {
  if (ns <= 0) return;
  struct timespec ts = {.tv_sec = ns / 1000000000ll, .tv_nsec = ns % 1000000000ll};
  nanosleep(&ts, NULL); /* EINTR (signal, or CRIU restore) is fine: the caller re-reads the clock */
}

/* splitmix64: turns (index, version) into a well-mixed, non-zero xorshift seed. */
static uint64_t seed_of(uint64_t index, uint64_t version) {
  uint64_t z = index * 0x9E3779B97F4A7C15ull ^ (version + 0xD1B54A32D192ED03ull) ^ PAGE_MAGIC;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z ? z : 1;
}

static uint64_t xorshift64(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

/* Writes page `index` at `version`: header, then the content derived from (index, version). */
static void fill_page(uint64_t *page, uint64_t index, uint64_t version) {
  uint64_t s = seed_of(index, version);
  page[0] = PAGE_MAGIC;
  page[1] = index;
  page[2] = version;
  for (size_t w = HEADER_WORDS; w < PAGE_WORDS; w++) page[w] = xorshift64(&s);
}

/* Checks one page against its own header; folds its words into *sum. Returns 1 if the page is intact. */
static int check_page(const uint64_t *page, uint64_t index, uint64_t *sum) {
  int good = page[0] == PAGE_MAGIC && page[1] == index;
  uint64_t s = seed_of(index, page[2]);
  for (size_t w = 0; w < PAGE_WORDS; w++) {
    if (w >= HEADER_WORDS && page[w] != xorshift64(&s)) good = 0;
    *sum = (*sum ^ page[w]) * 0x100000001B3ull; /* FNV-style fold over the whole memory */
  }
  return good;
}

static int64_t last_beat_ns;  /* CLOCK_REALTIME of the last heartbeat inside a tick's own work */
static int64_t work_stall_ns; /* longest step between two heartbeats since the last tick */

/* A heartbeat inside a tick's work (printing, verifying): a stop in the middle of that work (a checkpoint,
 * a move to another host) shows as one long step between two beats, although the tick gap, measured from
 * the end of the work, does not see it. */
static void beat(void) {
  const int64_t now = now_ns(CLOCK_REALTIME);
  if (now - last_beat_ns > work_stall_ns) work_stall_ns = now - last_beat_ns;
  last_beat_ns = now;
}

/* Verifies all pages and prints a verify= line. Returns 1 if everything matched. */
static int verify_all(uint64_t *mem, size_t pages, uint64_t dirtied) {
  int64_t t0 = now_ns(CLOCK_MONOTONIC);
  uint64_t bad = 0, vsum = 0, sum = 0xCBF29CE484222325ull;
  for (size_t i = 0; i < pages; i++) {
    if ((i & 255) == 0) beat(); /* every MiB */
    const uint64_t *page = mem + i * PAGE_WORDS;
    if (!check_page(page, i, &sum)) bad++;
    vsum += page[2];
  }
  int ok = bad == 0 && vsum == dirtied;
  printf("verify=%s pages=%zu bad=%llu vsum=%llu dirtied=%llu sum=%016llx ms=%lld max_gap_ms=%lld\n",
         ok ? "ok" : "FAIL", pages, (unsigned long long)bad, (unsigned long long)vsum,
         (unsigned long long)dirtied, (unsigned long long)sum,
         (long long)((now_ns(CLOCK_MONOTONIC) - t0) / 1000000), (long long)(max_gap_ns / 1000000));
  fflush(stdout);
  return ok;
}

/* Writes "start_ns=<ns> pid=<pid>" to path and closes it again (no fd stays open across a checkpoint). */
static void write_marker(const char *path, int64_t start_ns) {
  char line[96];
  int n = snprintf(line, sizeof line, "start_ns=%lld pid=%d\n", (long long)start_ns, (int)getpid());
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, line, (size_t)n) != n || close(fd) != 0) {
    fprintf(stderr, "dirtier: cannot write %s: %s\n", path, strerror(errno));
    exit(2);
  }
}

static void usage(void) {
  fprintf(stderr, "usage: dirtier [--mib N] [--dirty-mib-s R] [--tick-ms T] [--file PATH]\n"
                  "               [--working-set-mib W] [--verify-every K] [--sequential] [--ticks N]\n");
  exit(2);
}

static unsigned long parse_ulong(const char *s) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-') usage();
  return v;
}

static struct options parse_options(int argc, char **argv) {
  struct options o = {.mib = 64, .rate_mib_s = 0, .tick_ms = 100, .verify_every = 10};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--sequential")) { o.sequential = 1; continue; }
    if (!v) usage();
    i++;
    if (!strcmp(a, "--mib")) o.mib = parse_ulong(v);
    else if (!strcmp(a, "--dirty-mib-s")) {
      char *end;
      o.rate_mib_s = strtod(v, &end);
      if (end == v || *end || !(o.rate_mib_s >= 0)) usage();
    } else if (!strcmp(a, "--tick-ms")) o.tick_ms = parse_ulong(v);
    else if (!strcmp(a, "--file")) o.file = v;
    else if (!strcmp(a, "--working-set-mib")) o.ws_mib = parse_ulong(v);
    else if (!strcmp(a, "--verify-every")) o.verify_every = parse_ulong(v);
    else if (!strcmp(a, "--ticks")) o.max_ticks = parse_ulong(v);
    else usage();
  }
  if (o.mib == 0 || o.tick_ms == 0) usage();
  if (o.ws_mib == 0 || o.ws_mib > o.mib) o.ws_mib = o.mib;
  return o;
}

int main(int argc, char **argv) {
  struct options o = parse_options(argc, argv);
  setvbuf(stdout, NULL, _IOLBF, 0); /* line-buffered; every line is also flushed explicitly */

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_stop; /* as PID 1 in a container, SIGTERM is ignored unless handled */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  const size_t pages = o.mib * (1024 * 1024 / PAGE_BYTES);
  const size_t ws_pages = o.ws_mib * (1024 * 1024 / PAGE_BYTES);
  uint64_t *mem = mmap(NULL, pages * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    fprintf(stderr, "dirtier: cannot allocate %lu MiB: %s\n", o.mib, strerror(errno));
    return 2;
  }
  for (size_t i = 0; i < pages; i++) fill_page(mem + i * PAGE_WORDS, i, 0); /* touches every page */

  const int64_t start_rt = now_ns(CLOCK_REALTIME);
  if (o.file) write_marker(o.file, start_rt);
  printf("start pid=%d mib=%lu rate=%g tick_ms=%lu ws_mib=%lu pages=%zu t=%lld\n", (int)getpid(), o.mib,
         o.rate_mib_s, o.tick_ms, o.ws_mib, pages, (long long)start_rt);
  fflush(stdout);

  const int64_t tick_ns = (int64_t)o.tick_ms * 1000000ll;
  const unsigned slices = o.tick_ms < MAX_SLICES ? (unsigned)o.tick_ms : MAX_SLICES;
  const int64_t slice_ns = tick_ns / slices;
  const double pages_per_slice = o.rate_mib_s * (1024.0 * 1024.0 / PAGE_BYTES) * (double)slice_ns / 1e9;

  uint64_t tick = 0, dirtied = 0, slices_done = 0, rng = 0x2545F4914F6CDD1Dull, next_seq = 0;
  int all_ok = 1;
  int64_t last_rt = now_ns(CLOCK_REALTIME);
  int64_t deadline = now_ns(CLOCK_MONOTONIC);

  while (!stop_requested) {
    /* One tick: dirty this slice's share of pages, then sleep until the slice ends. */
    for (unsigned s = 0; s < slices && !stop_requested; s++) {
      /* Pages due after this many slices, computed afresh (no accumulated rounding): at 20 MiB/s and
       * 100 ms ticks exactly 512 pages per tick. Time spent stopped is not made up for afterwards. */
      const uint64_t due = (uint64_t)((double)++slices_done * pages_per_slice + 1e-6);
      while (dirtied < due) {
        uint64_t i = o.sequential ? next_seq++ % ws_pages : xorshift64(&rng) % ws_pages;
        uint64_t *page = mem + i * PAGE_WORDS;
        fill_page(page, i, page[2] + 1);
        dirtied++;
      }
      deadline += slice_ns;
      int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
      /* Far behind (stopped, restored, overloaded) or far ahead (monotonic clock went back after a
       * restore on another host): restart the schedule from now instead of bursting or hanging. */
      if (left < -2 * tick_ns || left > tick_ns) {
        deadline = now_ns(CLOCK_MONOTONIC) + slice_ns;
        left = slice_ns;
      }
      sleep_ns(left);
    }
    if (stop_requested) break;

    tick++;
    const int64_t rt = now_ns(CLOCK_REALTIME);
    /* the pause: since the end of the last tick's work, or a stop inside that work (see beat) */
    int64_t gap = rt - last_rt;
    if (work_stall_ns > gap) gap = work_stall_ns;
    work_stall_ns = 0;
    last_beat_ns = rt;
    if (gap > max_gap_ns) max_gap_ns = gap;
    if (gap > 2 * tick_ns) printf("gap_ms=%lld tick=%llu\n", (long long)(gap / 1000000), (unsigned long long)tick);
    printf("tick=%llu t=%lld dirtied=%llu ok=%d\n", (unsigned long long)tick, (long long)rt,
           (unsigned long long)dirtied, all_ok);
    fflush(stdout);

    if ((o.verify_every && tick % o.verify_every == 0) || verify_requested) {
      verify_requested = 0;
      if (!verify_all(mem, pages, dirtied)) all_ok = 0;
    }
    /* Measured from the end of this tick's work, so a long verification is not reported as a gap (a stop
     * inside it is: the beats). */
    beat();
    last_rt = last_beat_ns;
    if (o.max_ticks && tick >= o.max_ticks) break;
  }

  if (!verify_all(mem, pages, dirtied)) all_ok = 0;
  printf("stop tick=%llu dirtied=%llu ok=%d\n", (unsigned long long)tick, (unsigned long long)dirtied, all_ok);
  fflush(stdout);
  return all_ok ? 0 : 1;
}
