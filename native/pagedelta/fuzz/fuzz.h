/*
 * apply-fuzz: what the parts of the unit share (see apply-fuzz.c, which includes this first and then
 * the parts): the system headers, the constants and types used by more than one part, and declarations
 * of the functions a part calls before the part that defines them is included. Everything is static:
 * there is one translation unit, apply-fuzz.c.
 */
#ifndef FERRY_APPLY_FUZZ_H
#define FERRY_APPLY_FUZZ_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N(a) (sizeof(a) / sizeof *(a))
#define FZ_MODES 3 /* the ways an input is applied: fuzz-harness.c's fuzz_apply() */

/* fuzz-images.c */
static int write_prev(const char *dir, uint64_t ps);

#ifdef FERRY_FUZZ_DRIVER
#define FZ_BATCH 8 /* inputs made before any of them runs: the results do not depend on --jobs */

/* An input: its bytes (a corpus entry, or a mutated copy of one in a buffer of g_maxlen bytes). */
typedef struct {
  uint8_t *d;
  size_t n;
} input;

/* fuzz-corpus.c */
static const input *g_corpus_pick(void);
/* fuzz-driver.c */
static void cleanup_work(void);
#endif /* FERRY_FUZZ_DRIVER */

#endif /* FERRY_APPLY_FUZZ_H */
