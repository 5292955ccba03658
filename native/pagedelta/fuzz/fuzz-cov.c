/*
 * apply-fuzz, part of the unit apply-fuzz.c (driver build): edge coverage. Built with
 * -fsanitize-coverage=trace-pc, every basic block calls __sanitizer_cov_trace_pc(); while a child runs
 * its apply, the hook counts AFL-style edges (the hashes of two consecutive blocks' addresses, relative
 * to fz_anchor) into the child's shared map, and the parent merges the maps into g_virgin by hit-count
 * bucket. Edges are keyed on code addresses: a change of the code's layout changes which inputs are
 * kept, and so the rest of a run, even for the same seed.
 */

#define FZ_MAP (1u << 16)
static uint8_t *fz_cov;     /* the running child's map; NULL in the parent */
static uintptr_t fz_cov_prev;

#if defined(__has_attribute)
#if __has_attribute(no_sanitize_coverage)
static void fz_anchor(void) {}
void __sanitizer_cov_trace_pc(void);
__attribute__((no_sanitize_coverage)) void __sanitizer_cov_trace_pc(void) {
  if (!fz_cov) return;
  /* relative to a function of this binary: the same in every run despite ASLR */
  uintptr_t pc = (uintptr_t)__builtin_return_address(0) - (uintptr_t)&fz_anchor;
  uintptr_t cur = (uintptr_t)((pc * 0x9E3779B97F4A7C15ull) >> 48) & (FZ_MAP - 1);
  fz_cov[cur ^ fz_cov_prev]++;
  fz_cov_prev = cur >> 1;
}
#endif
#endif

static uint8_t g_virgin[FZ_MAP]; /* the hit-count buckets seen so far, per edge */
static size_t g_edges;

static uint8_t bucket(uint8_t c) {
  if (c <= 3) return c == 3 ? 4 : c;
  if (c < 8) return 8;
  if (c < 16) return 16;
  if (c < 32) return 32;
  if (c < 128) return 64;
  return 128;
}

/* Merges a child's map; returns 1 when it saw something new. */
static int cov_merge(const uint8_t *map) {
  int fresh = 0;
  for (size_t i = 0; i < FZ_MAP / 8; i++) {
    uint64_t w;
    memcpy(&w, map + i * 8, 8);
    if (!w) continue;
    for (size_t k = i * 8; k < i * 8 + 8; k++) {
      if (!map[k]) continue;
      uint8_t b = bucket(map[k]);
      if (b & ~g_virgin[k]) {
        if (!g_virgin[k]) g_edges++;
        g_virgin[k] |= b;
        fresh = 1;
      }
    }
  }
  return fresh;
}
