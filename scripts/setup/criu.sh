#!/usr/bin/env bash
# Ferry host setup piece: CRIU >= 4 that passes `criu check` on this kernel, without touching the host's
# libraries.
#
# Why: bookworm's criu 3.17 fails on recent kernels ("vdso: Unexpected rt vDSO area bounds"); trixie's
# 4.1.1 passes `criu check` but cannot dump any TCP or UDP socket on Linux >= 6.16 ("Can't get 1:16 opt:
# Operation not supported": the kernel restricted SO_PASSCRED/SO_PASSSEC to unix and netlink sockets;
# fixed in CRIU 4.2), so every networked container failed. forky's (Debian testing) 4.2.1 works. It needs
# forky's glibc, and installing it with apt would upgrade the host's glibc, so instead:
#   1. a PRIVATE apt configuration (APT_CONFIG, no apt.conf.d, own sources/lists/cache/status) that knows
#      only that suite is used for `apt-get download` of criu and its Depends closure; the host's own apt
#      never sees it;
#   2. the .debs are unpacked with `dpkg -x` into $FERRY_OPT/criu (dpkg's database is not touched);
#   3. /usr/local/sbin/criu is a wrapper that runs the prefix's criu through the prefix's own dynamic
#      loader (`ld.so --library-path`, not LD_LIBRARY_PATH, so programs criu starts, e.g. iptables-restore
#      or action scripts, run with the host's libraries as usual). `exec` keeps the PID and every open fd,
#      which runc needs: it runs `criu swrk 3` with the RPC socket on fd 3 and then reads /proc/PID/fd and
#      moves PID into cgroups.
#   4. runc (1.1.x: exec.Command("criu", "swrk", "3"), i.e. a PATH lookup of the name given by its
#      --criu flag, default "criu") and anything else finds `criu` on PATH. /usr/local/sbin precedes
#      /usr/sbin on Debian's root PATH (login shells, sshd), but daemons started with a shorter PATH would
#      find /usr/sbin/criu first, so a local dpkg diversion moves a bookworm criu (installed now or later,
#      e.g. as runc's Recommends) to /usr/sbin/criu.distrib and /usr/sbin/criu points at the wrapper.
#      Undo: rm /usr/sbin/criu && dpkg-divert --local --rename --remove /usr/sbin/criu
source "$(dirname "$0")/lib.sh"

PIECE=criu
CRIU_SUITE=${FERRY_CRIU_SUITE:-forky}
CRIU_MIRROR=${FERRY_CRIU_MIRROR:-http://deb.debian.org/debian}
CRIU_MIN_MAJOR=4
PREFIX=$FERRY_OPT/criu
WRAPPER=/usr/local/sbin/criu
APTDIR=/var/lib/ferry/criu-apt
LOADER=$PREFIX/usr/lib64/ld-linux-x86-64.so.2
LIBDIR=$PREFIX/usr/lib/x86_64-linux-gnu
# Anything that changes what gets installed goes into the recipe; a prefix made by another recipe is redone.
RECIPE="1 suite=$CRIU_SUITE root=criu closure=Depends+PreDepends"
STAMP=$PREFIX/.ferry-criu

[ "$(dpkg --print-architecture)" = amd64 ] || die "$PIECE" "only amd64 is handled (prefix layout and loader name)"

wrapper_text() {
  cat <<EOF
#!/bin/sh
# Installed by Ferry's scripts/setup/criu.sh: CRIU from Debian $CRIU_SUITE, unpacked in $PREFIX and run
# through that prefix's own loader so the host's glibc stays as it is. exec keeps PID and fds (criu swrk).
exec $LOADER --argv0 criu --library-path $LIBDIR $PREFIX/usr/sbin/criu "\$@"
EOF
}

# criu's version line "Version: 4.1.1" -> "4.1.1"
criu_version() { "$@" --version 2>/dev/null | sed -n 's/^Version: *//p' | head -n1; }

# Every library the prefix's criu loads must come from the prefix: the private loader would otherwise
# fall back to the host's ld.so.cache and silently mix bookworm libraries into a newer glibc process.
check_closure() {  # check_closure PREFIXDIR
  local p=$1 out bad
  out=$("$p/usr/lib64/ld-linux-x86-64.so.2" --library-path "$p/usr/lib/x86_64-linux-gnu" --list "$p/usr/sbin/criu" 2>&1) \
    || { printf '%s\n' "$out"; return 1; }
  bad=$(printf '%s\n' "$out" | grep '=>' | grep -v "=> $p/" || true)
  if [ -n "$bad" ]; then printf 'libraries not in the prefix:\n%s\n' "$bad"; return 1; fi
}

# ---------------------------------------------------------------------------------------------------
install_prefix() {
  local conf=$APTDIR/apt.conf stage=$PREFIX.new debs=$APTDIR/debs
  mkdir -p "$APTDIR"/{lists/partial,cache/archives/partial,state,sources.list.d,conf.d,preferences.d} "$debs"
  : >"$APTDIR/state/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $CRIU_MIRROR $CRIU_SUITE main" \
    >"$APTDIR/sources.list"
  # APT_CONFIG is read before apt.conf.d; pointing Dir::Etc::Parts at an empty directory keeps the host's
  # snippets (e.g. a Post-Invoke that empties /var/cache/apt while another apt run downloads) out of it.
  cat >"$conf" <<EOF
Dir::Etc::Parts "$APTDIR/conf.d";
Dir::Etc::Main "/dev/null";
Dir::Etc::SourceList "$APTDIR/sources.list";
Dir::Etc::SourceParts "$APTDIR/sources.list.d";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$APTDIR/preferences.d";
Dir::State "$APTDIR/state";
Dir::State::Lists "$APTDIR/lists";
Dir::State::status "$APTDIR/state/status";
Dir::Cache "$APTDIR/cache";
APT::Sandbox::User "root";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Acquire::Check-Valid-Until "false";
DPkg::Lock::Timeout "600";
EOF
  [ -s /usr/share/keyrings/debian-archive-keyring.gpg ] || apt_install "$PIECE" debian-archive-keyring
  printf '\n### %s: apt-get update (private %s configuration %s)\n' "$PIECE" "$CRIU_SUITE" "$conf" >>"$FERRY_SETUP_LOG"
  if ! APT_CONFIG="$conf" apt-get update >>"$FERRY_SETUP_LOG" 2>&1; then
    tail -n 15 "$FERRY_SETUP_LOG" >&2
    die "$PIECE" "cannot read Debian $CRIU_SUITE from $CRIU_MIRROR (NO_PUBKEY: apt-get install --only-upgrade debian-archive-keyring; other mirror: FERRY_CRIU_MIRROR=...)"
  fi
  # criu's Depends/Pre-Depends closure (libc6, libgcc-s1, gnutls, nftables libs, ...), nothing else.
  local closure pkgs
  closure=$(APT_CONFIG="$conf" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
           --no-breaks --no-replaces --no-enhances criu 2>>"$FERRY_SETUP_LOG" | grep -v '^ ' | grep -v '^<' | sort -u)
  mapfile -t pkgs <<<"$closure"   # one package name a line
  if ! printf '%s\n' "${pkgs[@]}" | grep -qx criu; then
    die "$PIECE" "criu not found in Debian $CRIU_SUITE at $CRIU_MIRROR (see $FERRY_SETUP_LOG)"
  fi
  rm -f "$debs"/*.deb
  (cd "$debs" && logged "$PIECE" env APT_CONFIG="$conf" apt-get download "${pkgs[@]}")
  rm -rf "$stage"; mkdir -p "$stage"
  local f manifest=""
  for f in "$debs"/*.deb; do
    logged "$PIECE" dpkg -x "$f" "$stage"
    manifest+="$(dpkg-deb -f "$f" Package)=$(dpkg-deb -f "$f" Version)"$'\n'
  done
  local why
  why=$(check_closure "$stage") || die "$PIECE" "$CRIU_SUITE criu closure incomplete: $why"
  local v
  v=$(criu_version "$stage/usr/lib64/ld-linux-x86-64.so.2" --library-path "$stage/usr/lib/x86_64-linux-gnu" "$stage/usr/sbin/criu")
  [ "${v%%.*}" -ge "$CRIU_MIN_MAJOR" ] 2>/dev/null || die "$PIECE" "downloaded criu reports '$v', need >= $CRIU_MIN_MAJOR"
  printf 'recipe=%s\n%s' "$RECIPE" "$manifest" >"$stage/.ferry-criu"
  # Swap in place (the loader path inside the wrapper is the final prefix).
  rm -rf "$PREFIX.old"
  [ -e "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
  mv "$stage" "$PREFIX"
  rm -rf "$PREFIX.old" "$debs" "$APTDIR/lists" "$APTDIR/cache"   # keep only the small config
  did "$PIECE" "criu $v from Debian $CRIU_SUITE unpacked into $PREFIX ($(printf '%s' "$manifest" | wc -l) packages)"
}

prefix_ok() {
  [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "recipe=$RECIPE" ] && [ -x "$LOADER" ] && [ -x "$PREFIX/usr/sbin/criu" ]
}

{ prefix_ok && check_closure "$PREFIX" >/dev/null; } || install_prefix

# Wrapper (rewritten only when it differs).
if [ "$(cat "$WRAPPER" 2>/dev/null)" != "$(wrapper_text)" ]; then
  mkdir -p "$(dirname "$WRAPPER")"
  wrapper_text >"$WRAPPER.tmp" && chmod 0755 "$WRAPPER.tmp" && mv "$WRAPPER.tmp" "$WRAPPER"
  did criu-wrapper "$WRAPPER -> $PREFIX"
fi

# Make /usr/sbin/criu the wrapper too, diverting a bookworm criu (now or when installed later).
if [ "$(dpkg-divert --truename /usr/sbin/criu)" = /usr/sbin/criu ]; then
  logged "$PIECE" dpkg-divert --local --rename --divert /usr/sbin/criu.distrib --add /usr/sbin/criu
  did criu-divert "/usr/sbin/criu -> /usr/sbin/criu.distrib (local diversion)"
fi
if [ "$(readlink /usr/sbin/criu 2>/dev/null)" != "$WRAPPER" ]; then
  ln -sfn "$WRAPPER" /usr/sbin/criu
  did criu-divert "/usr/sbin/criu -> $WRAPPER"
fi

# --- runc's CRIU configuration: tcp-close ------------------------------------------------------------
# runc names /etc/criu/runc.conf in every CRIU call, and CRIU applies it over runc's options, so this one
# line reaches the dumps Ferry runs through runc and the restores the Docker Engine runs. With it, a
# container with connected clients can be dumped (CRIU leaves its established TCP connections alone, and
# restores them closed): the clients see their connection reset and reconnect. A file of the user's own
# is kept; the line is appended to it.
RUNC_CONF=/etc/criu/runc.conf
has_tcp_close() { sed 's/#.*//' "$RUNC_CONF" 2>/dev/null | grep -Eq '^[[:space:]]*(--)?tcp-close[[:space:]]*$'; }
if ! has_tcp_close; then
  mkdir -p "$(dirname "$RUNC_CONF")"
  sep=""; [ -s "$RUNC_CONF" ] && sep=$'\n'
  printf '%s%s\n%s\n%s\n' "$sep" \
    "# Added by Ferry (scripts/setup/criu.sh): established TCP connections are closed on dump and restore," \
    "# so that containers with connected clients can move (the clients reconnect)." \
    "tcp-close" >>"$RUNC_CONF"
  did criu-runc-conf "$RUNC_CONF: tcp-close"
fi
has_tcp_close || die "$PIECE" "$RUNC_CONF lacks tcp-close after writing it"
ok criu-runc-conf "$RUNC_CONF says tcp-close (connected clients do not block a move)"

# --- probes ------------------------------------------------------------------------------------------
# What runc resolves: with Debian's root PATH and with a bare daemon PATH, `criu` must be the wrapper.
for path in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin:/usr/bin:/sbin:/bin "$PATH"; do
  v=$(PATH=$path criu_version criu)
  [ "${v%%.*}" -ge "$CRIU_MIN_MAJOR" ] 2>/dev/null \
    || die "$PIECE" "with PATH=$path, 'criu' is $(PATH=$path command -v criu || echo missing) reporting '$v'; need >= $CRIU_MIN_MAJOR (re-run scripts/setup/criu.sh)"
done
check_out=$(criu check 2>&1) || true
printf '%s\n' "$check_out" | grep -q '^Looks good' \
  || die "$PIECE" "criu check failed: $(printf '%s' "$check_out" | tail -n3 | tr '\n' ' ') (kernel lacks a feature CRIU needs)"
ok criu "$v (Debian $CRIU_SUITE $(sed -n 's/^criu=//p' "$STAMP"), $WRAPPER -> $PREFIX; criu check: Looks good)"

# Informative only: what iterative pre-copy / post-copy can use on this kernel.
feat() { if criu check --feature "$1" >/dev/null 2>&1; then echo yes; else echo no; fi; }
ok criu-features "mem_dirty_track=$(feat mem_dirty_track) uffd=$(feat uffd) uffd-noncoop=$(feat uffd-noncoop) (lazy pages need uffd+uffd-noncoop; pre-dump needs mem_dirty_track)"
