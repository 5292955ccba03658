#!/usr/bin/env bash
# Shared helpers for Ferry's host setup pieces. Source it; do not run it.
# Every piece follows the same shape: probe -> (install -> probe again) -> report or fail with a named piece.
set -euo pipefail

# Where Ferry keeps host-level things it installs outside the package manager (CRIU prefix, Pulumi CLI cache).
FERRY_OPT=${FERRY_OPT:-/opt/ferry}
# Verbose logs of installs go here, so the console stays readable.
FERRY_SETUP_LOG=${FERRY_SETUP_LOG:-/var/log/ferry-setup.log}

# The tag of every line (scripts/test-fast.sh sets "fast").
FERRY_LOG_TAG=${FERRY_LOG_TAG:-setup}

say()  { printf '[%s] %s\n' "$FERRY_LOG_TAG" "$*"; }
ok()   { printf '[%s] ok    %-18s %s\n' "$FERRY_LOG_TAG" "$1" "${2:-}"; }
did()  { printf '[%s] did   %-18s %s\n' "$FERRY_LOG_TAG" "$1" "${2:-}"; }
die()  { printf '[%s] FAIL  %-18s %s\n' "$FERRY_LOG_TAG" "$1" "${2:-}" >&2; exit 1; }

# Run a command, sending its output to the setup log; on failure show the log's tail and fail naming the piece.
# usage: logged PIECE cmd args...
logged() {
  local piece=$1; shift
  printf '\n### %s: %s\n' "$piece" "$*" >>"$FERRY_SETUP_LOG"
  if ! "$@" >>"$FERRY_SETUP_LOG" 2>&1; then
    tail -n 30 "$FERRY_SETUP_LOG" >&2
    die "$piece" "command failed: $* (full log: $FERRY_SETUP_LOG)"
  fi
}

# apt-get update at most once per run of setup (and not at all when the lists are fresh, < 6 h).
apt_update_once() {
  if [ -n "${FERRY_APT_UPDATED:-}" ]; then return 0; fi
  local stamp=/var/lib/apt/periodic/ferry-update-stamp
  if [ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -360 2>/dev/null)" ]; then export FERRY_APT_UPDATED=1; return 0; fi
  logged apt apt-get -o DPkg::Lock::Timeout=600 update
  mkdir -p "$(dirname "$stamp")" && touch "$stamp"
  export FERRY_APT_UPDATED=1
}

# True when Debian package PKG is installed.
deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Install Debian packages (from the host's own release only) if any is missing.
# usage: apt_install PIECE pkg...
apt_install() {
  local piece=$1; shift
  local missing=() p
  for p in "$@"; do deb_installed "$p" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_update_once
  DEBIAN_FRONTEND=noninteractive logged "$piece" apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
  did "$piece" "apt-get install ${missing[*]}"
}

# The npm dependencies of the checkout DIR: `npm ci` when node_modules is missing or older than
# package-lock.json (needs no root). Used by setup.sh and by the fast CI stage (scripts/test-fast.sh).
# usage: ensure_node_modules DIR
ensure_node_modules() {
  local dir=$1
  if [ ! -d "$dir/node_modules/@pulumi/pulumi" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$dir" && logged npm npm ci --no-audit --no-fund)
    did npm "npm ci"
  else
    ok npm "node_modules up to date"
  fi
}
