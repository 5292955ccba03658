#!/bin/sh
# Ferry: the receiver of one migration, on the target host (provider/engine/data-path/receive-script.ts documents
# its grammar). The engine writes it to <dir>/receive.sh with this leading comment block replaced by a
# line that sets the two arguments, `set -- '<dir>' '<pagedelta>'`; the per-migration SSH key then runs it
# as `sh <dir>/receive.sh` with the request in SSH_ORIGINAL_COMMAND. From a checkout it also runs as
#   SSH_ORIGINAL_COMMAND='<request>' sh provider/engine/scripts/receive.sh DIR PAGEDELTA
set -eu
umask 077
[ $# -eq 2 ] || { echo "usage: receive.sh DIR PAGEDELTA (request in SSH_ORIGINAL_COMMAND)" >&2; exit 64; }
dir=$1
pd=$2
cmd=${SSH_ORIGINAL_COMMAND-}
refuse() { echo "ferry receive: refused: $1" >&2; exit 64; }
case $cmd in
  echo) exec cat ;;
  sink) exec cat >/dev/null ;;
  peer) c=${SSH_CONNECTION-}; [ -n "$c" ] || refuse "no SSH_CONNECTION"; echo "${c%% *}"; exit 0 ;;
  image)
    [ ! -e "$dir/image.tar" ] || refuse "image exists"
    rm -f "$dir/.image.tar.partial"
    cat > "$dir/.image.tar.partial"
    exec mv "$dir/.image.tar.partial" "$dir/image.tar" ;;
  'full '*) mode=full; n=${cmd#full } ;;
  'apply '*) mode=apply; n=${cmd#apply } ;;
  *) refuse "$cmd" ;;
esac
case $n in
  [0-9] | [1-9][0-9] | [1-9][0-9][0-9]) ;;
  *) refuse "round $n" ;;
esac
out="$dir/rounds/$n"
tmp="$dir/rounds/.$n.partial"
[ ! -e "$out" ] || refuse "round $n exists"
if [ "$mode" = full ]; then
  prev=-
else
  [ "$n" -gt 0 ] || refuse "apply 0"
  prev="$dir/rounds/$((n - 1))"
  [ -d "$prev" ] || refuse "no round $((n - 1))"
fi
mkdir -p "$dir/rounds"
rm -rf "$tmp"
"$pd" apply "$prev" "$tmp"
mv "$tmp" "$out"
