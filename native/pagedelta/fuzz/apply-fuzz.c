/*
 * apply-fuzz: a fuzz target for the stream reader of `pagedelta apply` (../pagedelta.c), the code that
 * parses bytes from across the network while running as root on the target host.
 *
 * It includes pagedelta.c itself (no copy of its code): before the #include, a few macros route its
 * malloc/free, open/close, mmap/munmap, read and exit through fuzz-shim.c, so that
 *   - the stream comes from memory instead of fd 0 (served in chunks whose sizes are derived from the
 *     input, to exercise the reader's buffer boundaries);
 *   - die() (exit(1)) returns to the harness with longjmp, and whatever the aborted apply still held
 *     (memory, descriptors, mappings) is released, so that one process can run any number of inputs;
 *   - its main() becomes pagedelta_main(), unused. pagedelta.c needs no change.
 *
 * Every input is applied three ways ("modes"):
 *   0  `apply - OUT`         no PREV_DIR
 *   1  `apply PREV OUT`      PREV: a small synthetic CRIU image directory written by fuzz-images.c
 *                            (`--make-images` writes the same one, for the seed corpus: make-corpus.sh)
 *   2  as 1, with the stream's last 8 bytes replaced by the checksum of the bytes before them, so that
 *      a mutated stream also reaches the checks made after the checksum (counts, trailing data, rename)
 * and after each one it checks apply's promises: a refused stream leaves nothing (no OUT_DIR, no
 * OUT_DIR.pagedelta-tmp.*), an accepted one leaves OUT_DIR and no temporary directory, and on success no
 * descriptor, mapping or allocation is left. A broken promise abort()s (reported as a crash).
 *
 * Two builds:
 *   libFuzzer (clang):  LLVMFuzzerTestOneInput() runs the three modes in-process (its PREV and output
 *       directory in a temporary directory made at the first input, removed at exit). Not verified here:
 *       this repository's machines have gcc only (the in-process path was run from a plain main()).
 *       clang -g -O1 -fsanitize=fuzzer,address,undefined native/pagedelta/fuzz/apply-fuzz.c -o apply-fuzz-lf
 *   -DFERRY_FUZZ_DRIVER (gcc, no libFuzzer): its own main(), a seeded mutation fuzzer. Each input runs in
 *       a forked child (one mode per input, chosen by the PRNG); exit 0 (applied), 1 (refused) or 2 is
 *       fine; a signal, a time-out, the sanitizers' exit code 86, any other code, or exit 0 in mode 0 or 1
 *       for a stream that is none of the seeds (its checksum should have refused it) is a crash: the
 *       input is saved to the crash directory with the child's stderr. Mutations: bit flips, bytes set
 *       to 0/0xff/0x7f/0x80/..., truncation, chunks duplicated, deleted or inserted, 4/8-byte fields and
 *       the stream's varints (lengths, modes, counts, runs) set to interesting or nearby values, the u32
 *       sizes and varints inside embedded CRIU images ('F' contents, the record size kept right), whole
 *       records duplicated, dropped or swapped, two inputs spliced; half of the byte-level ones aim at
 *       the stream's fields rather than at page data (a walker finds them). Built with
 *       -fsanitize-coverage=trace-pc it also keeps the inputs that reach new code (edge coverage,
 *       AFL-style hit-count buckets) as new parents. Everything is deterministic from --seed for a given
 *       binary: inputs are made in batches of FZ_BATCH, whatever --jobs is.
 *         apply-fuzz [--seed N] [--iterations N] [--jobs N] [--timeout-ms N] [--max-len N]
 *                    [--crash-dir DIR] CORPUS...          files, or directories of files
 *         apply-fuzz --run FILE...                          each file in the three modes; exit codes
 *         apply-fuzz --make-images DIR                      DIR/prev, DIR/cur, DIR/tracked
 *
 * The files: this one is the translation unit both builds compile. It only includes the others, which
 * are split by role but make ONE unit, in this order, and are not compiled on their own: every part
 * uses pagedelta.c's own static helpers and constants (ld32/st32, varint_put/varint_get, fh64, PE_*,
 * STREAM_MAGIC, remove_tree_flat), which only the unit that includes pagedelta.c can see; and one unit
 * keeps the machine code, and with it the driver's edge coverage (keyed on code addresses, see
 * fuzz-cov.c), the same for the same sources, so that a seed replays the same inputs.
 *   fuzz.h            the system headers, the shared constants and types, declarations across parts
 *   fuzz-shim.c       what pagedelta.c's allocations, descriptors, mappings, read(0) and exit() go to
 *   fuzz-harness.c    #includes ../pagedelta.c behind the macros; an input applied in memory in one of
 *                     the three modes, apply's promises checked; the libFuzzer entry
 *   fuzz-images.c     the synthetic CRIU image directories: PREV, and --make-images for the seeds
 *   with -DFERRY_FUZZ_DRIVER:
 *   fuzz-cov.c        edge coverage: the trace-pc hook and the hit-count map
 *   fuzz-walk.c       the stream walker: where the fields of a stream are
 *   fuzz-mutate.c     the PRNG (PCG32) and the mutations
 *   fuzz-corpus.c     the corpus: the seeds, loaded from files and directories, and the inputs kept
 *   fuzz-run.c        inputs run in forked children, exit codes classified, crash files written
 *   fuzz-driver.c     main: options, the work directory, --run, --make-images, the seeds and then the
 *                     mutated inputs in batches, the summary and the exit-code histogram
 *
 * See docs/engine.md, "Fuzzing pagedelta".
 */
#include "fuzz.h"

#include "fuzz-shim.c"
#include "fuzz-harness.c"
#include "fuzz-images.c"

#ifdef FERRY_FUZZ_DRIVER
#include "fuzz-cov.c"
#include "fuzz-walk.c"
#include "fuzz-mutate.c"
#include "fuzz-corpus.c"
#include "fuzz-run.c"
#include "fuzz-driver.c"
#endif /* FERRY_FUZZ_DRIVER */
