#!/usr/bin/env bash
# Ferry host setup piece: the Pulumi CLI, on a machine whose only way out is the package registries.
#
# Provides, on PATH (symlinks in /usr/local/bin to the cache dir below):
#   pulumi                         the CLI, built from source through the Go module proxy (no installer, no
#                                  download from get.pulumi.com), version-stamped v$PULUMI_VERSION
#   pulumi-language-nodejs         the Node.js language host (the CLI starts it for `runtime: nodejs`). Built
#                                  at the pseudo-version of the v$PULUMI_VERSION commit when the module proxy
#                                  serves it; the proxy reachable here does not, so it falls back to the host of
#                                  sdk/v3@v$FALLBACK_SDK_VERSION (see build_langhost_fallback for what that lacks)
#   pulumi-resource-pulumi-nodejs  the dynamic-provider host: a small sh script at the root of the @pulumi/pulumi
#                                  npm package, copied from $FERRY_ROOT/node_modules (run npm install first, or
#                                  run this piece again after it). It resolves @pulumi/pulumi from the current
#                                  directory, which the CLI sets to the program's directory, so any program with
#                                  @pulumi/pulumi installed works. Automation API inline programs run in a temp
#                                  dir unless LocalWorkspace gets a workDir under such a directory (or NODE_PATH
#                                  points to a node_modules holding @pulumi/pulumi).
#   pulumi-analyzer-policy         likewise, only if that file exists in the installed @pulumi/pulumi
# The binaries are cached in ${PULUMI_HOME:-$HOME/.pulumi}/versions/$PULUMI_VERSION/bin, so a later run (or a
# run on a machine handed back as it was) only probes: well under a second.
#
# Paths this piece reports: "existing CLI" (a working pulumi and language host were already on PATH),
# "cached build" (our own earlier build), "built from source".
#
# Inputs (all optional):
#   FERRY_ROOT              project root whose node_modules holds @pulumi/pulumi (default: two dirs up)
#   PULUMI_HOME             Pulumi's home; the cache lives in its versions/<version>/bin (default ~/.pulumi)
#   FERRY_PULUMI_BUILD_DIR  scratch wrapper modules for the build (default /var/cache/ferry/pulumi-build)
#   FERRY_PULUMI_LINK_DIR   where the symlinks go (default /usr/local/bin)
#   FERRY_PULUMI_REBUILD=1  ignore what is there and build again
#
# Nothing is exported to the caller. For offline use of the CLI, the caller (tests, Ferry's automation) sets:
#   PULUMI_SKIP_UPDATE_CHECK=true                  no "is there a newer CLI" request to the Pulumi service
#   PULUMI_BACKEND_URL=file://<dir>                local state, no Pulumi Cloud login
#   PULUMI_CONFIG_PASSPHRASE=<pw> (or _FILE)        secrets provider of the local backend
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true  Automation API: skip its CLI version check
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true  never try to download a missing plugin
# With these, `pulumi stack init/up/destroy` of a Node program with a dynamic provider made no connection
# other than to 127.0.0.1 (checked with strace, and inside `unshare -n` with only loopback up).
source "$(dirname "$0")/lib.sh"

PIECE=pulumi-cli
PULUMI_VERSION=3.248.0
# The Node.js language host is its own Go module without tags; its pseudo-version is derived from the commit of
# the pkg/v$PULUMI_VERSION tag. If the module proxy does not serve it, fall back to the last sdk release that
# still carried the language host as a package of the sdk module (see build_langhost_fallback).
LANGHOST_MODULE=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
FALLBACK_SDK_VERSION=3.68.0

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
FERRY_ROOT=${FERRY_ROOT:-$(cd "$SCRIPT_DIR/../.." && pwd)}
PULUMI_HOME_DIR=${PULUMI_HOME:-${HOME:-/root}/.pulumi}
CACHE_BIN=$PULUMI_HOME_DIR/versions/$PULUMI_VERSION/bin
BUILD_INFO=$PULUMI_HOME_DIR/versions/$PULUMI_VERSION/ferry-build.txt
BUILD_DIR=${FERRY_PULUMI_BUILD_DIR:-/var/cache/ferry/pulumi-build}
LINK_DIR=${FERRY_PULUMI_LINK_DIR:-/usr/local/bin}
NPM_PULUMI=$FERRY_ROOT/node_modules/@pulumi/pulumi

# --- probe ------------------------------------------------------------------------------------------------

# Prints the version of a working pulumi binary, or fails.
cli_version() {
  local v
  v=$(PULUMI_SKIP_UPDATE_CHECK=true timeout 20 "$1" version 2>/dev/null | head -n 1) || return 1
  [[ $v == v3.* ]] || return 1
  printf '%s\n' "$v"
}

# Link $2 -> $1 unless $2 is a real file that is not ours (then leave it and say so).
link_into() {
  local target=$1 link=$2
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$target" ]; then return 0; fi
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    say "note: $link exists and is not a symlink; leaving it (ours is $target)"
    return 0
  fi
  mkdir -p "$(dirname "$link")"
  ln -sfn "$target" "$link"
}

# Make the dynamic-provider host (and the policy analyzer, if the package has one) findable. These npm scripts
# are small and generic: each resolves @pulumi/pulumi from the current directory, which the CLI sets to the
# program's directory. Keep a copy next to our pulumi and link that copy onto PATH: the CLI takes a plugin from
# PATH first but warns ("using ... from $PATH at ... expected ...") unless the PATH entry resolves to the very
# file next to the running pulumi, so a PATH link straight into node_modules would warn on every run. A copy
# also keeps working when node_modules is reinstalled or removed; it is refreshed whenever the package's differs.
# With an existing CLI (arg "keep"), a plugin already on PATH that resolves to a file is left as it is.
install_npm_plugins() {
  local keep=${1:-} name
  for name in pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
    if [ -f "$NPM_PULUMI/$name" ] && { [ -L "$CACHE_BIN/$name" ] || ! cmp -s "$NPM_PULUMI/$name" "$CACHE_BIN/$name"; }; then
      mkdir -p "$CACHE_BIN"
      install -m 0755 "$NPM_PULUMI/$name" "$CACHE_BIN/.$name.new"
      mv -f "$CACHE_BIN/.$name.new" "$CACHE_BIN/$name"
    fi
    if [ "$keep" = keep ] && [ -e "$LINK_DIR/$name" ]; then
      :
    elif [ -f "$CACHE_BIN/$name" ]; then
      link_into "$CACHE_BIN/$name" "$LINK_DIR/$name"
    elif [ -L "$LINK_DIR/$name" ] && [ ! -e "$LINK_DIR/$name" ]; then
      rm -f "$LINK_DIR/$name"  # a dangling link left by someone else's install
    fi
  done
  if [ ! -f "$CACHE_BIN/pulumi-resource-pulumi-nodejs" ] && [ ! -e "$LINK_DIR/pulumi-resource-pulumi-nodejs" ]; then
    say "note: $NPM_PULUMI/pulumi-resource-pulumi-nodejs not found (npm install not run yet?):"
    say "      dynamic providers will not run until this piece runs again after npm install"
  fi
}

report_ok() { # how version path
  local how=$1 version=$2 path=$3
  if [ "$how" = "existing CLI" ]; then install_npm_plugins keep; else install_npm_plugins; fi
  ok "$PIECE" "$version ($path)"
  say "$PIECE: $how"
  if [ -f "$BUILD_INFO" ] && [ "$how" != "existing CLI" ]; then
    say "$PIECE: $(grep '^language host:' "$BUILD_INFO" || true)"
  fi
}

probe_cache() {
  local v
  [ -x "$CACHE_BIN/pulumi" ] && [ -x "$CACHE_BIN/pulumi-language-nodejs" ] || return 1
  v=$(cli_version "$CACHE_BIN/pulumi") || return 1
  link_into "$CACHE_BIN/pulumi" "$LINK_DIR/pulumi"
  link_into "$CACHE_BIN/pulumi-language-nodejs" "$LINK_DIR/pulumi-language-nodejs"
  PROBED_VERSION=$v
}

probe_path() {
  local p v
  p=$(command -v pulumi 2>/dev/null) || return 1
  command -v pulumi-language-nodejs >/dev/null 2>&1 ||
    [ -x "$(dirname "$(readlink -f "$p")")/pulumi-language-nodejs" ] || return 1
  v=$(cli_version "$p") || return 1
  PROBED_VERSION=$v
  PROBED_PATH=$p
}

if [ "${FERRY_PULUMI_REBUILD:-}" != 1 ]; then
  if probe_cache; then
    report_ok "cached build" "$PROBED_VERSION" "$CACHE_BIN/pulumi"
    exit 0
  fi
  if probe_path; then
    if [ "$(readlink -f "$PROBED_PATH")" = "$(readlink -f "$CACHE_BIN/pulumi" 2>/dev/null)" ]; then
      report_ok "cached build" "$PROBED_VERSION" "$CACHE_BIN/pulumi"
    else
      [ "$PROBED_VERSION" = "v$PULUMI_VERSION" ] ||
        say "note: the existing CLI is $PROBED_VERSION; Ferry pins @pulumi/pulumi $PULUMI_VERSION"
      report_ok "existing CLI" "$PROBED_VERSION" "$PROBED_PATH"
    fi
    exit 0
  fi
fi

# --- build from source through the Go module proxy -----------------------------------------------------------

GO=$(command -v go 2>/dev/null || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; } || die "$PIECE" "no Go toolchain (go on PATH or /usr/local/go/bin/go)"
command -v node >/dev/null 2>&1 || die "$PIECE" "node is needed (it reads the module proxy's JSON answers)"

mkdir -p "$BUILD_DIR" "$(dirname "$FERRY_SETUP_LOG")"
# One build at a time; a second run waits, then finds the cache filled.
exec 9>"$BUILD_DIR/.lock"
if ! flock -n 9; then
  say "another pulumi-cli build is running; waiting for it..."
  flock 9
  if [ "${FERRY_PULUMI_REBUILD:-}" != 1 ] && probe_cache; then
    report_ok "cached build" "$PROBED_VERSION" "$CACHE_BIN/pulumi"
    exit 0
  fi
fi

START=$SECONDS
say "building pulumi CLI v$PULUMI_VERSION from source via the Go module proxy (takes several minutes; log: $FERRY_SETUP_LOG)..."

# The module proxy used here serves pkg/v3 at this version but its checksum database has no entry for it (nor
# for the language host's pseudo-version): skip the checksum database for pulumi's own modules only. The
# downloads still come from the proxy over HTTPS and are pinned in the wrapper module's go.sum.
gonosumdb=$("$GO" env GONOSUMDB)
export GONOSUMDB="${gonosumdb:+$gonosumdb,}github.com/pulumi/pulumi"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

# json FILE-or-STDIN EXPR: evaluate a JS expression over the parsed JSON `j` and print it (empty if undefined).
json() {
  local src=$1 expr=$2
  node -e '
    const fs = require("fs");
    let j;
    try { j = JSON.parse(fs.readFileSync(process.argv[1] === "STDIN" ? 0 : process.argv[1], "utf8")); }
    catch (e) { process.exit(1); }
    const v = (function () { return eval(process.argv[2]); })();
    if (v !== undefined && v !== null) process.stdout.write(Array.isArray(v) ? v.join("\n") : String(v));
  ' "$src" "$expr"
}

# Replace directives of a go.mod that point to other modules (not to local directories), as go.mod lines.
module_replaces() {
  "$GO" mod edit -json "$1" | json STDIN '(j.Replace || []).filter(r => r.New.Version).map(r =>
    "replace " + r.Old.Path + (r.Old.Version ? " " + r.Old.Version : "") + " => " + r.New.Path + " " + r.New.Version)'
}

# go mod download -json MODULE@VERSION, run inside a wrapper module dir; prints the JSON (fails on Error).
mod_download() {
  local dir=$1 mv=$2 out
  out=$(cd "$dir" && "$GO" mod download -json "$mv" 2>>"$FERRY_SETUP_LOG") || true
  [ -n "$out" ] || return 1
  if [ -n "$(printf '%s' "$out" | json STDIN 'j.Error')" ]; then
    printf '%s\n' "$out" | json STDIN 'j.Error' >>"$FERRY_SETUP_LOG"; echo >>"$FERRY_SETUP_LOG"
    return 1
  fi
  printf '%s\n' "$out"
}

# gobuild DIR STAMP OUTPUT PACKAGE: go build in a wrapper module with the version stamp, output to the log.
# Unlike `logged` it returns the build's status, for builds whose failure has a fallback.
gobuild() {
  local dir=$1 stamp=$2 out=$3 pkg=$4
  printf '\n### %s: (in %s) go build %s\n' "$PIECE" "$dir" "$pkg" >>"$FERRY_SETUP_LOG"
  (cd "$dir" && "$GO" build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$stamp" \
    -o "$out" "$pkg") >>"$FERRY_SETUP_LOG" 2>&1
}

# write_wrapper DIR GO_DIRECTIVE REQUIRES... (each "path version"); replace lines come on stdin.
write_wrapper() {
  local dir=$1 godir=$2; shift 2
  mkdir -p "$dir"
  rm -f "$dir/go.mod" "$dir/go.sum"
  {
    printf 'module ferry.invalid/%s\n\ngo %s\n\nrequire (\n' "$(basename "$dir")" "$godir"
    local r; for r in "$@"; do printf '\t%s\n' "$r"; done
    printf ')\n\n'
    cat
  } >"$dir/go.mod"
}

CLI_DIR=$BUILD_DIR/cli
LANG_DIR=$BUILD_DIR/langhost
OUT=$BUILD_DIR/out
mkdir -p "$CLI_DIR" "$OUT"
rm -f "$OUT/pulumi" "$OUT/pulumi-language-nodejs"
printf 'module ferry.invalid/probe\n\ngo 1.21\n' >"$CLI_DIR/go.mod"

# 1. pkg/v3 at the pinned version: its go.mod (go directive, replace directives) and the commit it was tagged on.
say "reading github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION from the module proxy..."
pkg_json=$(mod_download "$CLI_DIR" "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION") ||
  die "$PIECE" "the Go module proxy did not give github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION (see $FERRY_SETUP_LOG)"
pkg_mod=$(printf '%s' "$pkg_json" | json STDIN 'j.GoMod')
pkg_info=$(printf '%s' "$pkg_json" | json STDIN 'j.Info')
pkg_commit=$(printf '%s' "$pkg_json" | json STDIN 'j.Origin && j.Origin.Hash')
[ -n "$pkg_commit" ] || pkg_commit=$(json "$pkg_info" 'j.Origin && j.Origin.Hash')
pkg_time=$(json "$pkg_info" 'j.Time')
pkg_go=$("$GO" mod edit -json "$pkg_mod" | json STDIN 'j.Go')
pkg_replaces=$(module_replaces "$pkg_mod")
printf '\n### %s: pkg/v3@v%s commit=%s time=%s go=%s replaces:\n%s\n' "$PIECE" "$PULUMI_VERSION" \
  "$pkg_commit" "$pkg_time" "$pkg_go" "$pkg_replaces" >>"$FERRY_SETUP_LOG"

# 2. The CLI: a wrapper module requiring pkg and sdk at the same version, repeating pkg's replaces to other
# modules (its replace of sdk points to ../sdk, which the sdk requirement stands in for).
printf '%s\n' "$pkg_replaces" | write_wrapper "$CLI_DIR" "$pkg_go" \
  "github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION"
say "compiling pulumi (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)..."
(cd "$CLI_DIR" && logged "$PIECE" "$GO" build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
  -o "$OUT/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
say "pulumi compiled ($((SECONDS - START)) s so far)"

# 3. The Node.js language host at the commit of the release.
build_langhost_matching() {
  local pv="" lj mod replaces godir
  [ -n "$pkg_commit" ] || return 1
  # The proxy resolves a commit hash to the module's canonical pseudo-version...
  pv=$(cd "$CLI_DIR" && "$GO" list -m -json "$LANGHOST_MODULE@$pkg_commit" 2>>"$FERRY_SETUP_LOG" | json STDIN 'j.Version') || pv=""
  if [ -z "$pv" ] && [ -n "$pkg_time" ]; then
    # ...or, where it does not answer commit queries, ask for that pseudo-version by name: the module has no
    # tags, so it is v3.0.0-<commit time, UTC>-<12-hex commit prefix>.
    pv="v3.0.0-$(date -u -d "$pkg_time" +%Y%m%d%H%M%S)-${pkg_commit:0:12}"
  fi
  [ -n "$pv" ] || return 1
  lj=$(mod_download "$CLI_DIR" "$LANGHOST_MODULE@$pv") || return 1
  mod=$(printf '%s' "$lj" | json STDIN 'j.GoMod')
  replaces=$(module_replaces "$mod")
  godir=$("$GO" mod edit -json "$mod" | json STDIN 'j.Go')
  printf '%s\n' "$replaces" | write_wrapper "$LANG_DIR" "$godir" "$LANGHOST_MODULE $pv" \
    "github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION"
  say "compiling pulumi-language-nodejs ($LANGHOST_MODULE@$pv)..."
  gobuild "$LANG_DIR" "v$PULUMI_VERSION" "$OUT/pulumi-language-nodejs" "$LANGHOST_MODULE" || { say "note: that build failed (see $FERRY_SETUP_LOG)"; return 1; }
  LANGHOST_DESC="$LANGHOST_MODULE@$pv (matches the CLI)"
}

# Fallback: until sdk v3.69 the language host was the package sdk/v3/nodejs/cmd/pulumi-language-nodejs of the
# sdk module, which the proxy serves at its release tags. It speaks the same gRPC protocol; the CLI falls back
# for the RPCs it lacks (Handshake, GetRequiredPackages). It does not read runtime options from Pulumi.yaml
# (typescript, tsconfig, nodeargs); it defaults to typescript=true like the current host. Enough for
# preview/up/refresh/destroy of a Node program; not for codegen (`pulumi convert`, `pulumi package`).
build_langhost_fallback() {
  local sj mod replaces godir
  sj=$(mod_download "$CLI_DIR" "github.com/pulumi/pulumi/sdk/v3@v$FALLBACK_SDK_VERSION") || return 1
  mod=$(printf '%s' "$sj" | json STDIN 'j.GoMod')
  replaces=$(module_replaces "$mod")
  godir=$("$GO" mod edit -json "$mod" | json STDIN 'j.Go')
  printf '%s\n' "$replaces" | write_wrapper "$LANG_DIR" "$godir" "github.com/pulumi/pulumi/sdk/v3 v$FALLBACK_SDK_VERSION"
  say "compiling pulumi-language-nodejs from github.com/pulumi/pulumi/sdk/v3@v$FALLBACK_SDK_VERSION..."
  gobuild "$LANG_DIR" "v$FALLBACK_SDK_VERSION" "$OUT/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs || return 1
  LANGHOST_DESC="github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@v$FALLBACK_SDK_VERSION (fallback: the proxy does not serve $LANGHOST_MODULE at the v$PULUMI_VERSION commit)"
}

LANGHOST_DESC=""
say "looking up $LANGHOST_MODULE at commit ${pkg_commit:-?} (pkg/v$PULUMI_VERSION)..."
if ! build_langhost_matching; then
  say "note: the Go module proxy does not serve $LANGHOST_MODULE at the commit of v$PULUMI_VERSION;"
  say "      building the Node language host from sdk/v3@v$FALLBACK_SDK_VERSION instead (same protocol, older features)"
  if ! build_langhost_fallback; then
    tail -n 30 "$FERRY_SETUP_LOG" >&2
    die "$PIECE" "could not build a Node language host from the Go module proxy (full log: $FERRY_SETUP_LOG)"
  fi
fi

# 4. Install into the cache, link onto PATH, probe again.
mkdir -p "$CACHE_BIN"
for b in pulumi pulumi-language-nodejs; do
  install -m 0755 "$OUT/$b" "$CACHE_BIN/.$b.new"
  mv -f "$CACHE_BIN/.$b.new" "$CACHE_BIN/$b"
done
rm -rf "$OUT"  # the cache has them now; the wrapper modules (go.mod, go.sum) stay for reference
{
  printf 'built: %s by scripts/setup/pulumi-cli.sh in %s s with %s\n' "$(date -u +%FT%TZ)" "$((SECONDS - START))" "$("$GO" version)"
  printf 'cli: github.com/pulumi/pulumi/pkg/v3@v%s (commit %s)\n' "$PULUMI_VERSION" "${pkg_commit:-?}"
  printf 'language host: %s\n' "$LANGHOST_DESC"
} >"$BUILD_INFO"

probe_cache || die "$PIECE" "the built CLI in $CACHE_BIN does not run (see $FERRY_SETUP_LOG)"
did "$PIECE" "built pulumi $PROBED_VERSION and pulumi-language-nodejs in $((SECONDS - START)) s"
report_ok "built from source" "$PROBED_VERSION" "$CACHE_BIN/pulumi"
