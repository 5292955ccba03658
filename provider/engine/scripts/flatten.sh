#!/bin/sh
# Ferry: makes CRIU image dir DIR complete in place when it is a tracked dump with a parent link
# (provider/engine/precopy/rounds.ts, flattenImagesArgv, documents it). Runs on the source host as
#   sh -c "<this text>" sh PAGEDELTA DIR
# The engine drops this leading comment block before it sends the text; from a checkout it also runs as
#   sh provider/engine/scripts/flatten.sh PAGEDELTA DIR
bin=$1; dir=${2%/}; [ -L "$dir/parent" ] || exit 0
out=$dir.flat; rm -rf -- "$out" "$out"-[0-9]*
[ ! -e "$dir.chain" ] || { echo "$dir.chain already exists" >&2; exit 1; }
shift 2; d=$dir
while :; do set -- "$d" "$@"; [ -L "$d/parent" ] || break; d=$d/parent
  [ $# -lt 500 ] || { echo "$dir: parent chain too long" >&2; exit 1; }; done
prev=-; i=0
for d in "$@"; do
  i=$((i+1)); next="$out-$i"
  "$bin" diff-tracked "$d" | "$bin" apply "$prev" "$next" || { [ "$prev" = - ] || rm -rf -- "$prev"; exit 1; }
  [ "$prev" = - ] || rm -rf -- "$prev"; prev=$next
done
mv -- "$prev" "$out" && mv -- "$dir" "$dir.chain" && mv -- "$out" "$dir" && rm -rf -- "$dir.chain"
