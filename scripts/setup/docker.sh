#!/usr/bin/env bash
# Ferry host setup piece: prove the Docker Engine can checkpoint and restore a container on this host.
#
# Installs nothing (packages.sh brings the engine, criu.sh brings CRIU 4). It starts a throw-away dockerd
# the way Ferry's test bed does (one engine per network namespace, entered with nsenter; `ip netns exec`
# remounts /sys and dockerd then fails with "Devices cgroup isn't mounted"), imports a busybox image,
# and on two counting containers checks:
#   A  docker checkpoint create  ->  docker start --checkpoint  ->  the count goes on where it stopped;
#   B  runc checkpoint --leave-running vs docker checkpoint create --leave-running (timed), then a
#      runc checkpoint placed in <data-root>/containers/<id>/checkpoints/<name> and restored with
#      docker start --checkpoint (the path that skips containerd's content store on checkpoint).
# Then it removes everything: containers, dockerd, its containerd and shims, mounts, dirs, the netns.
#
# The probe takes several seconds, so it runs only when FERRY_SETUP_PROBE_DOCKER=1 or when the versions
# of kernel, dockerd, containerd, runc or criu differ from the last successful probe (stamp below).
#
# Known engine defect (bookworm's docker 20.10 + containerd 1.6, also trixie's 26.1 + 1.7): two engine
# checkpoints of the same container, or a checkpoint and a restore, within containerd's garbage-collection
# interval (sub-second when idle, longer under load) can fail with "content sha256:...: already exists";
# for a checkpoint without --leave-running the container is already dumped and killed when that error
# comes, and the images are gone. The probe therefore gives each engine checkpoint its own container.
# A restore on the engine that took the checkpoint re-uploads a byte-identical tar and hits the same error
# (2 of 5 tries under I/O load); a unique file added to the checkpoint directory first (criu ignores it)
# makes the tar unique (0 of 5 tries failed), so the probe does that, with retries as a fallback.
#
# CRIU needs loopback up in the engine's network namespace: without it every dump fails in kerndat
# ("Unable to connect a socket: Network is unreachable").
source "$(dirname "$0")/lib.sh"

PIECE=docker
RECIPE=1
STAMP_DIR=/var/lib/ferry
STAMP=$STAMP_DIR/docker-probe.stamp
DAEMON_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin   # Debian's root PATH

for c in dockerd containerd containerd-shim-runc-v2 runc docker busybox nsenter ip; do
  command -v "$c" >/dev/null || die "$PIECE" "'$c' not on PATH: run scripts/setup/packages.sh"
done
command -v criu >/dev/null || die "$PIECE" "'criu' not on PATH: run scripts/setup/criu.sh"

first_line() { "$@" 2>&1 | head -n1; }
v_dockerd=$(first_line dockerd --version | sed 's/^Docker version //; s/,.*//')
v_containerd=$(first_line containerd --version | awk '{print $3}')
v_runc=$(first_line runc --version | awk '{print $3}')
v_criu=$(PATH=$DAEMON_PATH criu --version 2>/dev/null | sed -n 's/^Version: *//p')
[ "${v_criu%%.*}" -ge 4 ] 2>/dev/null || die "$PIECE" "criu on the daemon's PATH is '${v_criu:-missing}', need >= 4: run scripts/setup/criu.sh"
versions="recipe=$RECIPE kernel=$(uname -r) dockerd=$v_dockerd containerd=$v_containerd runc=$v_runc criu=$v_criu"
summary="dockerd $v_dockerd, containerd $v_containerd, runc $v_runc, criu $v_criu"

if [ "${FERRY_SETUP_PROBE_DOCKER:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(head -n1 "$STAMP")" = "$versions" ]; then
  ok docker "$summary: checkpoint/restore probed $(sed -n 2p "$STAMP") ($(sed -n 3p "$STAMP"); FERRY_SETUP_PROBE_DOCKER=1 re-runs)"
  exit 0
fi

# --- the probe ---------------------------------------------------------------------------------------
mkdir -p "$STAMP_DIR"
rm -f "$STAMP"   # a failed probe must not leave an older success standing
WORK=$(mktemp -d "$STAMP_DIR/dprobe.XXXXXX")
NS=ferry-probe-$$
SOCK=$WORK/d.sock
RUNC_ROOT=$WORK/exec/runtime-runc/moby
dk() { timeout 60 docker -H "unix://$SOCK" "$@"; }

now_us() { echo "${EPOCHREALTIME/./}"; }
secs() { local d=$(( $(now_us) - $1 )); printf '%d.%02d s' $((d / 1000000)) $(((d % 1000000) / 10000)); }

# pids of processes whose command line mentions a probe directory (dockerd, containerd, shims).
probe_pids() {  # probe_pids DIR
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [ "$pid" = "$$" ] && continue
    grep -qaF "$1" "$f" 2>/dev/null && echo "$pid"
  done
  return 0
}
probe_mounts() { awk -v w="$1/" 'index($5 "/", w) == 1 {print $5}' /proc/self/mountinfo | sort -r; }

# Stop one probe's engine and remove everything it made. Also used on probes a killed run left behind.
teardown() {  # teardown DIR NETNS [DOCKERD_PID]
  local w=$1 ns=$2 i pids ids id m dpid sock=$1/d.sock
  dpid=${3:-$(cat "$w/dockerd.pid" 2>/dev/null || true)}
  if [ -n "$dpid" ] && grep -qaF "$w" "/proc/$dpid/cmdline" 2>/dev/null; then
    mapfile -t ids < <(timeout 20 docker -H "unix://$sock" ps -aq 2>/dev/null)
    [ ${#ids[@]} -eq 0 ] || timeout 60 docker -H "unix://$sock" rm -f "${ids[@]}" >/dev/null 2>&1
    kill -TERM "$dpid" 2>/dev/null
    for i in $(seq 150); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
  fi
  # Containers dockerd could not remove (e.g. it died): delete them through runc, which kills them.
  for id in $(runc --root "$w/exec/runtime-runc/moby" list -q 2>/dev/null); do
    runc --root "$w/exec/runtime-runc/moby" delete -f "$id" >/dev/null 2>&1
  done
  # dockerd stops its containerd, and shims exit with their containers; anything left is the probe's.
  for i in $(seq 50); do
    mapfile -t pids < <(probe_pids "$w"); [ ${#pids[@]} -eq 0 ] && break
    [ "$i" = 20 ] && kill -TERM "${pids[@]}" 2>/dev/null
    sleep 0.1
  done
  mapfile -t pids < <(probe_pids "$w"); [ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null && sleep 0.2
  for m in $(probe_mounts "$w"); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  rm -rf "$w"
  ip netns del "$ns" 2>/dev/null
  return 0
}
DPID=
cleanup() { set +e; teardown "$WORK" "$NS" "$DPID"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers of a probe whose script was killed (its owner pid is gone).
echo $$ >"$WORK/owner"
for d in "$STAMP_DIR"/dprobe.*; do
  if [ ! -d "$d" ] || [ "$d" = "$WORK" ]; then continue; fi
  [ -f "$d/owner" ] || [ -n "$(find "$d" -maxdepth 0 -mmin +1)" ] || continue   # another run just made it
  owner=$(cat "$d/owner" 2>/dev/null || echo 0)
  if [ "$owner" = 0 ] || ! kill -0 "$owner" 2>/dev/null; then
    ( set +e; teardown "$d" "ferry-probe-$owner" ); say "removed a stale probe $d"
  fi
done

fail() {  # fail "what" : show the daemon log's tail, then die (cleanup runs on exit)
  [ -f "$WORK/dockerd.log" ] && { echo "--- dockerd log (tail) ---"; tail -n 15 "$WORK/dockerd.log"; } >&2
  die "$PIECE" "$1"
}

last_count() { dk logs "$1" 2>/dev/null | tail -n1; }
wait_count() {  # wait_count NAME MIN -> waits (<= 10 s) until the container has printed MIN
  local i c
  for i in $(seq 100); do c=$(last_count "$1"); [ -n "$c" ] && [ "$c" -ge "$2" ] && return 0; sleep 0.1; done
  fail "container $1 did not count to $2 (last: ${c:-nothing})"
}
# The log must read 1, 2, 3, ... with no restart and no gap across checkpoint and restore.
continuous() { dk logs "$1" 2>/dev/null | awk 'NR != $1 {bad = 1; exit} END {exit bad}'; }
wait_stopped() {
  local i
  for i in $(seq 100); do [ "$(dk inspect -f '{{.State.Running}}' "$1")" = false ] && return 0; sleep 0.1; done
  fail "container $1 still running after its checkpoint"
}
# docker start --checkpoint with a nonce file in the checkpoint directory, retried while containerd still
# holds identical content (see the defect above). The checkpoint directory survives a failed try.
# Sets RETRIES to the number of extra tries.
start_checkpoint() {  # start_checkpoint NAME CHECKPOINT
  local d
  RETRIES=0
  date +%s%N >"$WORK/data/containers/$(dk inspect -f '{{.Id}}' "$1")/checkpoints/$2/ferry-restore-nonce"
  for d in 0.25 0.5 1 1 2 2 3 3 5 5 5 0; do
    dk start --checkpoint "$2" "$1" >/dev/null 2>"$WORK/err" && return 0
    if ! grep -q 'already exists' "$WORK/err" || [ "$d" = 0 ]; then
      fail "docker start --checkpoint $2 $1 failed: $(cat "$WORK/err")"
    fi
    RETRIES=$((RETRIES + 1)); sleep "$d"
  done
}
retried() { [ "$RETRIES" = 0 ] || printf ' (after %s "already exists" retries)' "$RETRIES"; }
# shellcheck disable=SC2016  # shell code for the container's sh: it expands $i there, not here
COUNTER='i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done'

t_all=$(now_us)
# 1. engine in its own network namespace
t=$(now_us)
ip netns add "$NS" || fail "ip netns add failed (run as root; iproute2 from packages.sh)"
ip -n "$NS" link set lo up   # CRIU's kerndat check fails without loopback
echo '{}' >"$WORK/daemon.json"   # the host's /etc/docker/daemon.json must not leak into the probe
nsenter --net="/var/run/netns/$NS" env PATH="$DAEMON_PATH" \
  dockerd --experimental --config-file "$WORK/daemon.json" --data-root "$WORK/data" --exec-root "$WORK/exec" \
    --pidfile "$WORK/dockerd.pid" -H "unix://$SOCK" --bridge none --iptables=false --ip6tables=false \
    >"$WORK/dockerd.log" 2>&1 &
DPID=$!   # nsenter and env exec, so this is dockerd's pid (it also writes $WORK/dockerd.pid)
up=
for i in $(seq 300); do
  kill -0 "$DPID" 2>/dev/null || fail "dockerd exited while starting"
  if [ -S "$SOCK" ] && dk version >/dev/null 2>&1; then up=1; break; fi
  sleep 0.1
done
[ -n "$up" ] || fail "dockerd did not answer on $SOCK within 30 s"
[ "$(dk info --format '{{.ExperimentalBuild}}')" = true ] || fail "dockerd does not report experimental mode (checkpoint needs --experimental)"
t_start=$(secs "$t")

# 2. image from busybox-static (no registry here)
t=$(now_us)
mkdir -p "$WORK/rootfs/bin"
cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
for a in sh sleep echo cat ls ps; do ln -s busybox "$WORK/rootfs/bin/$a"; done
tar -C "$WORK/rootfs" -c . | dk import --change 'ENV PATH=/bin' - ferry-probe:busybox >/dev/null \
  || fail "docker import of a busybox root filesystem failed"
t_import=$(secs "$t")

# 3. A: engine checkpoint, engine restore
t=$(now_us)
dk run -d --name ferry-probe-a ferry-probe:busybox sh -c "$COUNTER" >/dev/null || fail "docker run failed"
t_run=$(secs "$t")
wait_count ferry-probe-a 5
t=$(now_us)
dk checkpoint create ferry-probe-a cp1 >/dev/null 2>"$WORK/err" || fail "docker checkpoint create failed: $(cat "$WORK/err")"
t_cp=$(secs "$t")
wait_stopped ferry-probe-a
a_at=$(last_count ferry-probe-a)
t=$(now_us)
start_checkpoint ferry-probe-a cp1
t_rs="$(secs "$t")$(retried)"
wait_count ferry-probe-a $((a_at + 5))
continuous ferry-probe-a || fail "after restore the count did not continue from $a_at: $(dk logs ferry-probe-a 2>&1 | tr '\n' ' ' | cut -c1-200)"
ok docker-checkpoint "dockerd $v_dockerd in netns up in $t_start; import $t_import, run $t_run; checkpoint create $t_cp, start --checkpoint $t_rs; count went on from $a_at"

# 4. B: runc vs engine --leave-running, then a runc image restored by the engine
dk run -d --name ferry-probe-b ferry-probe:busybox sh -c "$COUNTER" >/dev/null || fail "docker run failed"
b_id=$(dk inspect -f '{{.Id}}' ferry-probe-b)
wait_count ferry-probe-b 5
t=$(now_us)
runc --root "$RUNC_ROOT" checkpoint --leave-running --image-path "$WORK/runc-lr" --work-path "$WORK/runc-lr.work" "$b_id" \
  2>"$WORK/err" || fail "runc checkpoint --leave-running failed: $(cat "$WORK/err"); log $WORK/runc-lr.work/dump.log"
t_runc_lr=$(secs "$t")
grep -q 'Version: [4-9]' "$WORK/runc-lr.work/dump.log" || fail "runc did not run CRIU >= 4 (dump.log: $(grep -m1 Version "$WORK/runc-lr.work/dump.log"))"
t=$(now_us)
dk checkpoint create --leave-running ferry-probe-b lr >/dev/null 2>"$WORK/err" || fail "docker checkpoint create --leave-running failed: $(cat "$WORK/err")"
t_dk_lr=$(secs "$t")
[ "$(dk inspect -f '{{.State.Running}}' ferry-probe-b)" = true ] || fail "container stopped after --leave-running checkpoints"
b_lr=$(last_count ferry-probe-b)
wait_count ferry-probe-b $((b_lr + 3))
ok runc-checkpoint "--leave-running: runc $t_runc_lr vs docker checkpoint create $t_dk_lr (busybox counter, $(du -sk "$WORK/runc-lr" | cut -f1) KiB image)"
cpdir=$WORK/data/containers/$b_id/checkpoints/rc
mkdir -p "$(dirname "$cpdir")"
t=$(now_us)
runc --root "$RUNC_ROOT" checkpoint --image-path "$cpdir" --work-path "$WORK/runc-rc.work" "$b_id" \
  2>"$WORK/err" || fail "runc checkpoint failed: $(cat "$WORK/err")"
t_runc=$(secs "$t")
wait_stopped ferry-probe-b
b_at=$(last_count ferry-probe-b)
t=$(now_us)
start_checkpoint ferry-probe-b rc
t_rs2="$(secs "$t")$(retried)"
wait_count ferry-probe-b $((b_at + 5))
continuous ferry-probe-b || fail "restore of the runc image did not continue from $b_at"
ok runc-restore "runc checkpoint $t_runc into <data-root>/containers/<id>/checkpoints/rc, docker start --checkpoint $t_rs2; count went on from $b_at"

# 5. tear down and prove nothing is left
t=$(now_us)
cleanup
trap - EXIT
set -e
left=$(probe_pids "$WORK"; probe_mounts "$WORK"; [ -e "$WORK" ] && echo "$WORK"; ip netns list | grep -w "$NS" || true)
[ -z "$left" ] || die "$PIECE" "teardown left: ${left//$'\n'/ }"
t_down=$(secs "$t")

printf '%s\n%s\n%s\n' "$versions" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "start $t_start, checkpoint $t_cp, restore $t_rs, runc-lr $t_runc_lr, docker-lr $t_dk_lr" >"$STAMP"
ok docker "$summary: checkpoint/restore works; teardown $t_down, nothing left; probe $(secs "$t_all")"
