#!/usr/bin/env bash
# Prepares the benchmark's real-program workload: installs Redis from Debian's packages, builds a local image
# `ferry/bench-redis:latest` from redis-server, redis-cli and their shared libraries (ldd) on a busybox-static
# base (no registry), and imports it into every Docker Engine of the running test bed.
# Usage: bash bench/setup.sh   (root; the test bed must be up: bin/ferry testbed up)
set -euo pipefail

IMAGE=ferry/bench-redis:latest
STATE_DIR=${FERRY_TESTBED_DIR:-/var/lib/ferry/testbed}
CLUSTERS=$STATE_DIR/clusters.json

# the host setup's installer: apt-get update first when the lists are stale, output to the setup log
source "$(dirname "$0")/../scripts/setup/lib.sh"
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null || [ ! -x /bin/busybox ]; then
  apt_install bench-redis redis-server redis-tools busybox-static
  # the package starts a system redis; the bench does not use it
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
[ -f "$CLUSTERS" ] || { echo "no test bed at $STATE_DIR (bin/ferry testbed up)" >&2; exit 1; }

socks=$(node -e 'for (const c of require(process.argv[1]).clusters) for (const h of c.hosts) console.log(h.dockerSocket)' "$CLUSTERS")
# already there: every engine holds the image under one id
ids=$(for sock in $socks; do docker -H "unix://$sock" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || echo missing; done | sort -u)
if [ -n "$ids" ] && [ "$(echo "$ids" | wc -l)" -eq 1 ] && [ "$ids" != missing ]; then
  echo "$IMAGE $ids in every engine of the test bed"
  exit 0
fi

root=$(mktemp -d /tmp/ferry-bench-redis.XXXXXX)
trap 'rm -rf -- "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc"
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
for bin in "$(command -v redis-server)" "$(command -v redis-cli)"; do
  real=$(readlink -f -- "$bin")
  cp -- "$real" "$root/bin/$(basename -- "$bin")"
  # every shared library and the loader, at the same path as on this host
  for lib in $(ldd "$real" | grep -o '/[^ ]*'); do
    mkdir -p -- "$root$(dirname -- "$lib")"
    cp -L -- "$lib" "$root$lib"
  done
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
"$root/bin/redis-server" --version

# import once, then save/load so that every engine holds the same image id (Ferry checks the target by id)
first=
for sock in $socks; do
  if [ -z "$first" ]; then
    first=$sock
    tar -C "$root" -cf - . | docker -H "unix://$sock" import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  else
    docker -H "unix://$first" save "$IMAGE" | docker -H "unix://$sock" load >/dev/null
  fi
  echo "$IMAGE $(docker -H "unix://$sock" image inspect --format '{{.Id}}' "$IMAGE") in $sock"
done
