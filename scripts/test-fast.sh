#!/usr/bin/env bash
# The fast CI stage (the first half of `npm test`): checks that need neither root nor the test bed, failing
# at the first step that fails. Cheapest first, so that a failure shows as early as possible:
#   1. shellcheck   every shell script: git's *.sh files (tracked or new, so the engine's scripts in
#                   provider/engine/scripts too) and .ci/run
#   2. c            the C helpers (native/pagedelta, workloads/dirtier) built -static -O2 -Wall -Wextra -Werror
#   3. sanitizers   both built with ASan+UBSan (dynamically linked) and tested: pagedelta with the synthetic
#                   native suites (jest, FERRY_PAGEDELTA_BIN), the dirtier with short runs checking its
#                   verify= lines; any sanitizer report fails the step
#   4. fuzz         pagedelta apply's stream reader fuzzed (native/pagedelta/fuzz/apply-fuzz.c, the driver
#                   built with ASan+UBSan and edge coverage): seeds from make-corpus.sh, then a fixed seed
#                   for a fixed number of mutated streams (about 30 s on 2 cores); any crash fails the step
#   5. typecheck    tsc --noEmit
#   6. lint         eslint and prettier (npm run lint)
#   7. unit         jest's unit project
# Before the checks it installs what they need when it is missing: the npm dependencies (npm ci, as
# scripts/setup.sh does) and Debian's shellcheck, gcc and libc6-dev (scripts/setup/lib.sh's apt_install,
# which needs root; the checks themselves do not).
#   bash scripts/test-fast.sh                  # all steps
#   bash scripts/test-fast.sh shellcheck c     # only these steps (same order)
set -euo pipefail

# Internal mode of the sanitizers step: `--run-sanitized BINARY ARGS...` runs BINARY with its stdin, stdout
# and stderr as they are; when it exits with 86 (a sanitizer report), a copy of its stderr is kept in
# $FERRY_FAST_SAN_REPORTS. The exit code is BINARY's.
if [ "${1:-}" = --run-sanitized ]; then
  shift
  report=$FERRY_FAST_SAN_REPORTS/exit86.$$.$RANDOM
  # stdout straight through (fd 3), stderr through tee; the pipeline ends when tee has written everything
  { "$@" 2>&1 1>&3 3>&- | tee "$report.tmp" >&2; } 3>&1 && rc=0 || rc=${PIPESTATUS[0]}
  if [ "$rc" = 86 ]; then
    { printf '%s exited 86; its stderr:\n' "$*"; cat "$report.tmp"; } >"$report"
  fi
  rm -f "$report.tmp"
  exit "$rc"
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export FERRY_ROOT=$root
is_root() { [ "$(id -u)" = 0 ]; }
# Without root the host's setup log is not writable; the npm ci log goes to a temporary one instead.
is_root || export FERRY_SETUP_LOG=${FERRY_SETUP_LOG:-${TMPDIR:-/tmp}/ferry-test-fast-$(id -u).log}
FERRY_LOG_TAG=fast
source scripts/setup/lib.sh

ALL_STEPS=(shellcheck c sanitizers fuzz typecheck lint unit)
if [ $# -gt 0 ]; then
  for s in "$@"; do
    case " ${ALL_STEPS[*]} " in *" $s "*) ;; *) die fast "unknown step '$s' (steps: ${ALL_STEPS[*]})" ;; esac
  done
  steps=("$@")
else
  steps=("${ALL_STEPS[@]}")
fi
wanted() { case " ${steps[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
fmt_ms() { printf '%d.%01d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }
t_stage=$(now_ms)
t_step=
step_end() { if [ -n "$t_step" ]; then printf '   (%s)\n' "$(fmt_ms $(($(now_ms) - t_step)))"; fi; }
step() { step_end; printf '\n== fast: %s\n' "$*"; t_step=$(now_ms); }
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test-fast.XXXXXX")
trap 'rc=$?; rm -rf "$work"; [ $rc = 0 ] || printf "\n== fast stage FAILED (exit %s) in the step above\n" "$rc" >&2' EXIT

# --- what the checks need --------------------------------------------------------------------------------
step "prerequisites"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then die node "node and npm (Node 20) must be on PATH"; fi
ensure_node_modules "$root"
debs=(shellcheck gcc libc6-dev)
missing_debs=()
for p in "${debs[@]}"; do deb_installed "$p" || missing_debs+=("$p"); done
if [ ${#missing_debs[@]} -gt 0 ]; then
  is_root || die fast "missing Debian packages: ${missing_debs[*]} (run this script once as root, or apt-get install ${missing_debs[*]})"
  apt_install fast "${missing_debs[@]}"
fi
ok fast "$(shellcheck --version | sed -n 's/^version: /shellcheck /p'), $(gcc --version | head -n1)"

# --- shellcheck ---------------------------------------------------------------------------------------------
if wanted shellcheck; then
  step "shellcheck"
  # git's *.sh files (tracked, and new ones not ignored), plus the shell scripts without the suffix; the
  # engine's scripts (provider/engine/scripts, read by the TypeScript at run time) are among the *.sh files.
  mapfile -t scripts < <({ git ls-files --cached --others --exclude-standard -- '*.sh'; echo .ci/run; } | sort -u)
  present=()
  for f in "${scripts[@]}"; do [ -f "$f" ] && present+=("$f"); done
  # -x -P SCRIPTDIR: follow `source "$(dirname "$0")/lib.sh"` relative to each script.
  shellcheck -x -P SCRIPTDIR "${present[@]}"
  ok shellcheck "${#present[@]} scripts clean"
fi

# --- the C helpers --------------------------------------------------------------------------------------------
C_SOURCES=(native/pagedelta/pagedelta.c workloads/dirtier.c)
WERROR=(-Wall -Wextra -Werror)
if wanted c; then
  step "C helpers: -static -O2 ${WERROR[*]}"
  for src in "${C_SOURCES[@]}"; do
    gcc -static -O2 "${WERROR[@]}" -o "$work/$(basename "$src" .c)" "$src"
    ok gcc "$src"
  done
fi

if wanted sanitizers; then
  step "C helpers: ASan+UBSan build and tests"
  SANFLAGS=(-O1 -g '-fsanitize=address,undefined' -fno-sanitize-recover=all -fno-omit-frame-pointer)
  for src in "${C_SOURCES[@]}"; do
    gcc "${SANFLAGS[@]}" "${WERROR[@]}" -o "$work/$(basename "$src" .c)-san" "$src"
    ok gcc-sanitizers "$src"
  done
  # Either sanitizer's report stops the program (halt_on_error) with exit code 86, which no helper uses, so
  # every test that expects an exit code sees it. Tests also run pagedelta where a failure is expected
  # (e.g. inside the flatten script's pipeline), so pagedelta runs under `--run-sanitized` (top of this
  # file): an exit 86 keeps that command's stderr, the report, in $san, and any file there fails the step.
  # (log_path would do the same without a wrapper, but gcc's UBSan ignores it when linked with ASan.)
  san=$work/sanitizer-reports
  mkdir -p "$san"
  export ASAN_OPTIONS="halt_on_error=1:exitcode=86"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86"
  export FERRY_FAST_SAN_REPORTS=$san
  printf '#!/usr/bin/env bash\nexec bash %q --run-sanitized %q "$@"\n' "$root/scripts/test-fast.sh" \
    "$work/pagedelta-san" >"$work/pagedelta-san-run"
  chmod +x "$work/pagedelta-san-run"
  san_reports() {  # san_reports WHAT: fails, showing them, when sanitizer reports exist
    local reports=("$san"/*) r
    [ -e "${reports[0]}" ] || return 0
    for r in "${reports[@]}"; do printf -- '--- %s\n' "$(head -n1 "$r")"; tail -n +2 "$r"; done >&2
    die sanitizers "$1: ${#reports[@]} sanitizer report(s) above"
  }

  # pagedelta: the synthetic native suites (need gcc, not root or CRIU) against the sanitizer build.
  # CI=true: a missing prerequisite fails them instead of skipping them.
  rc=0
  CI=true FERRY_PAGEDELTA_BIN="$work/pagedelta-san-run" npx jest --selectProjects integration --silent \
    --runTestsByPath test/native/pagedelta-synthetic.it.test.ts test/native/pagedelta-tracked.it.test.ts || rc=$?
  san_reports "pagedelta under the synthetic native suites"   # shown first: they explain a failed test
  [ "$rc" = 0 ] || die pagedelta-san "the synthetic native suites failed against the sanitizer build"
  ok pagedelta-san "synthetic native suites pass, no sanitizer report"

  # dirtier: a run of a fixed number of ticks (verify every 5 ticks and at the end), then a run stopped by
  # signals (SIGUSR1 asks for a verify, SIGTERM stops it). Every verify= line must say ok.
  check_dirtier() {  # check_dirtier NAME RC VERIFIES (output in $work/dirtier.out, .err)
    local name=$1 rc=$2 want=$3 out=$work/dirtier.out n bad
    if [ "$rc" != 0 ]; then
      cat "$out" "$work/dirtier.err" >&2
      die dirtier "$name: exit $rc$([ "$rc" != 86 ] || echo ': a sanitizer report, above')"
    fi
    n=$(grep -c '^verify=' "$out" || true)
    bad=$(grep '^verify=' "$out" | grep -cv '^verify=ok ' || true)
    if [ "$n" -lt "$want" ] || [ "$bad" != 0 ]; then
      cat "$out" >&2; die dirtier "$name: $n verify lines ($bad not ok), want >= $want, all ok"
    fi
    grep -q '^stop .* ok=1$' "$out" || { cat "$out" >&2; die dirtier "$name: no 'stop ... ok=1' line"; }
    ok dirtier-san "$name: $n verify lines ok, stop ok=1"
  }
  d=$work/dirtier-san
  rc=0
  timeout 60 "$d" --mib 8 --dirty-mib-s 40 --tick-ms 20 --verify-every 5 --ticks 20 \
    >"$work/dirtier.out" 2>"$work/dirtier.err" || rc=$?
  check_dirtier "20 ticks" "$rc" 5
  "$d" --mib 4 --dirty-mib-s 20 --tick-ms 10 --working-set-mib 2 --verify-every 0 --sequential \
    >"$work/dirtier.out" 2>"$work/dirtier.err" &
  pid=$!
  for _ in $(seq 200); do grep -q '^tick=3 ' "$work/dirtier.out" && break; sleep 0.05; done
  kill -USR1 "$pid"
  for _ in $(seq 200); do grep -q '^verify=' "$work/dirtier.out" && break; sleep 0.05; done
  kill -TERM "$pid"
  rc=0; wait "$pid" || rc=$?
  check_dirtier "SIGUSR1 then SIGTERM" "$rc" 2
fi

# --- fuzzing pagedelta apply -----------------------------------------------------------------------------------
if wanted fuzz; then
  step "fuzz: pagedelta apply's stream reader (ASan+UBSan, seeded mutations)"
  # Deterministic: the same seed and iteration count run the same inputs (whatever the number of cores).
  # FERRY_FUZZ_ITERATIONS / FERRY_FUZZ_SEED change them for a longer or different run.
  fz=$work/fuzz
  fuzz_src=native/pagedelta/fuzz
  mkdir -p "$fz"
  gcc -O1 -g '-fsanitize=address,undefined' -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -fsanitize-coverage=trace-pc "${WERROR[@]}" -DFERRY_FUZZ_DRIVER -o "$fz/apply-fuzz" "$fuzz_src/apply-fuzz.c"
  ok gcc-fuzz "$fuzz_src/apply-fuzz.c (driver, ASan+UBSan, trace-pc)"
  if ! bash "$fuzz_src/make-corpus.sh" "$fz/apply-fuzz" "$fz/corpus" >"$fz/corpus.log" 2>&1; then
    cat "$fz/corpus.log" >&2
    die fuzz-corpus "make-corpus.sh failed"
  fi
  ok fuzz-corpus "$(tail -n 1 "$fz/corpus.log")"
  corpus=("$fz/corpus")
  [ ! -d "$fuzz_src/corpus" ] || corpus+=("$fuzz_src/corpus")   # committed regression inputs
  rc=0
  ASAN_OPTIONS="halt_on_error=1:exitcode=86" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86" \
    "$fz/apply-fuzz" --seed "${FERRY_FUZZ_SEED:-1}" --iterations "${FERRY_FUZZ_ITERATIONS:-14000}" \
    --crash-dir "$fz/crashes" "${corpus[@]}" || rc=$?
  crashes=()
  [ ! -d "$fz/crashes" ] || mapfile -t crashes < <(find "$fz/crashes" -name 'crash-*.bin' | sort)
  for c in "${crashes[@]}"; do
    printf -- '--- %s (%s bytes), first 256 bytes:\n' "${c##*/}" "$(stat -c %s "$c")" >&2
    od -A x -t x1z -v -N 256 "$c" >&2
    printf -- '--- its stderr:\n' >&2
    cat "${c%.bin}.stderr" >&2
  done
  if [ "$rc" != 0 ]; then
    kept=
    if [ ${#crashes[@]} -gt 0 ]; then  # $work goes at exit: the inputs are kept for a replay
      kept=$(mktemp -d "${TMPDIR:-/tmp}/ferry-fuzz-crashes.XXXXXX")
      cp "$fz"/crashes/crash-* "$kept"/
      kept=", kept in $kept (replay: build the driver as above, then apply-fuzz --run FILE)"
    fi
    die fuzz "apply-fuzz exited $rc: ${#crashes[@]} crash input(s) above$kept"
  fi
  ok fuzz "no crash"
fi

# --- TypeScript ------------------------------------------------------------------------------------------------
if wanted typecheck; then step "typecheck (tsc --noEmit)"; npx tsc -p tsconfig.json --noEmit; fi
if wanted lint; then step "lint (eslint, prettier)"; npm run --silent lint; fi
if wanted unit; then step "unit tests"; npx jest --selectProjects unit; fi

step_end
printf '\n== fast stage passed in %s (%s)\n' "$(fmt_ms $(($(now_ms) - t_stage)))" "${steps[*]}"
