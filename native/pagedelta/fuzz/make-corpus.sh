#!/usr/bin/env bash
# Writes the seed corpus of apply-fuzz (native/pagedelta/fuzz/apply-fuzz.c): valid delta streams made by
# `pagedelta diff` / `diff-tracked` from the synthetic CRIU image directories that `apply-fuzz --make-images`
# writes (prev, cur, tracked; prev is byte for byte the PREV the fuzz target applies against, so the
# seeds' kept files and copy runs resolve). Each stream is checked with `pagedelta apply` before it is kept.
# A few streams of 0.3 to 50 KB; it takes well under a second.
#   bash native/pagedelta/fuzz/make-corpus.sh APPLY_FUZZ OUT_DIR [PAGEDELTA]
# APPLY_FUZZ: a driver build (-DFERRY_FUZZ_DRIVER). PAGEDELTA: a pagedelta binary; without it, one is built
# from native/pagedelta/pagedelta.c with gcc. OUT_DIR is created (it must not hold other files).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 APPLY_FUZZ OUT_DIR [PAGEDELTA]" >&2
  exit 2
fi
driver=$1 out=$2 pd=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-fuzz-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -z "$pd" ]; then
  gcc -O2 -Wall -Wextra -o "$tmp/pagedelta" "$here/../pagedelta.c"
  pd=$tmp/pagedelta
fi
"$driver" --make-images "$tmp/img"
img=$tmp/img
mkdir -p "$out"

# seed NAME PREV_FOR_APPLY COMMAND...: the stream COMMAND writes, kept once apply accepts it
seed() {
  local name=$1 prev=$2
  shift 2
  if ! "$@" >"$out/$name.pd" 2>"$tmp/diff.err"; then
    cat "$tmp/diff.err" >&2
    echo "make-corpus: $* failed" >&2
    exit 1
  fi
  if ! "$pd" apply "$prev" "$tmp/check" <"$out/$name.pd" 2>"$tmp/apply.err"; then
    cat "$tmp/apply.err" >&2
    echo "make-corpus: $name.pd: apply $prev refused it" >&2
    exit 1
  fi
  rm -rf "$tmp/check"
}
seed full-prev - "$pd" diff - "$img/prev"                   # first round: whole files, data and zero runs
seed full-cur - "$pd" diff - "$img/cur"
seed delta-cur "$img/prev" "$pd" diff "$img/prev" "$img/cur" # kept files, copy runs, renumbered pages
seed same "$img/prev" "$pd" diff "$img/prev" "$img/prev"     # everything kept or copied
seed tracked "$img/prev" "$pd" diff-tracked "$img/tracked"   # 'T' records, flattened pagemaps

n=0 bytes=0
for f in "$out"/*.pd; do n=$((n + 1)) bytes=$((bytes + $(stat -c %s "$f"))); done
echo "make-corpus: $n streams, $bytes bytes in $out"
