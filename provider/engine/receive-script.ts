/**
 * The receiver that the per-migration SSH key is bound to on the target (`command="sh <dir>/receive.sh"`).
 * It reads `SSH_ORIGINAL_COMMAND`, accepts only a fixed grammar and writes only inside the migration's
 * directory:
 * - `echo`: copies stdin to stdout (round-trip probe);
 * - `sink`: reads and discards stdin (bandwidth probe);
 * - `full N`: `pagedelta apply - <dir>/rounds/N` (the first round sent: complete images);
 * - `apply N`: `pagedelta apply <dir>/rounds/N-1 <dir>/rounds/N` (a delta against the previous round);
 * - `image`: stdin (a `docker save` tar) into `<dir>/.image.tar.partial`, renamed to `<dir>/image.tar`;
 *   refused when `<dir>/image.tar` exists. Nothing else is done with it (`docker load` is run separately).
 * N is a round number without leading zeros, 0..999. A round is built in `rounds/.N.partial` and renamed
 * into place, so `rounds/N` is always a complete, valid image directory.
 */
import { InvalidInput } from '../errors';

/** Paths are embedded in the script in single quotes: only these characters are allowed in them. */
const SAFE_PATH = /^\/[A-Za-z0-9_./-]*$/;

/** Checks a path for embedding into the script and into an authorized_keys `command="..."`. */
export function safeScriptPath(field: string, value: string): string {
  if (!SAFE_PATH.test(value) || value.includes('..')) {
    throw new InvalidInput(field, value, 'an absolute path of letters, digits and _ . / - (no "..")');
  }
  return value;
}

/** The text of `receive.sh` for migration directory `dir` and the pagedelta binary at `pagedelta`. */
export function receiveScript(dir: string, pagedelta: string): string {
  const d = safeScriptPath('dir', dir);
  const pd = safeScriptPath('pagedelta', pagedelta);
  return `#!/bin/sh
# Ferry: receiver of one migration (generated; removed with the migration directory).
set -eu
umask 077
dir='${d}'
pd='${pd}'
cmd=\${SSH_ORIGINAL_COMMAND-}
refuse() { echo "ferry receive: refused: $1" >&2; exit 64; }
case $cmd in
  echo) exec cat ;;
  sink) exec cat >/dev/null ;;
  image)
    [ ! -e "$dir/image.tar" ] || refuse "image exists"
    rm -f "$dir/.image.tar.partial"
    cat > "$dir/.image.tar.partial"
    exec mv "$dir/.image.tar.partial" "$dir/image.tar" ;;
  'full '*) mode=full; n=\${cmd#full } ;;
  'apply '*) mode=apply; n=\${cmd#apply } ;;
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
`;
}

/**
 * The SSH_ORIGINAL_COMMAND words of a receiver command: a round (`full N` for the first round sent, else
 * `apply N`; `round` 0..999) or one of the word-only commands `echo`, `sink` and `image`.
 */
export function receiveCommand(kind: 'full' | 'apply' | 'echo' | 'sink' | 'image', round?: number): string[] {
  if (kind === 'echo' || kind === 'sink' || kind === 'image') return [kind];
  if (round === undefined || !Number.isInteger(round) || round < 0 || round > 999) {
    throw new InvalidInput('round', round, 'an integer 0..999');
  }
  if (kind === 'apply' && round === 0) throw new InvalidInput('round', round, 'at least 1 for apply');
  return [kind, String(round)];
}
