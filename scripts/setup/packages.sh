#!/usr/bin/env bash
# Ferry host setup piece: the Debian (bookworm) packages Ferry and its test bed need.
#
# Installs only from the host's own release (lib.sh's apt_install), then probes every component
# with a real command and prints one ok/did line per component with its version.
#
# The Docker Engine from here is only a set of binaries: Ferry's test bed starts its own dockerd per
# network namespace (see docker.sh), so the package's init script must not leave a daemon on the
# default socket. There is no systemd on these machines; the postinst falls back to invoke-rc.d, which
# obeys /usr/sbin/policy-rc.d. When no policy exists we put a temporary one in place that denies
# docker, containerd and ssh (and allows everything else, which is what "no policy" means).
#
# CRIU is NOT installed from here: bookworm's criu 3.17 fails on these kernels; criu.sh provides 4.x.
source "$(dirname "$0")/lib.sh"

PIECE=packages

# Package -> why Ferry needs it.
#   docker.io containerd runc  the Docker Engine the test bed runs (one per network namespace)
#   tini                       docker-init (a dependency of docker.io; listed to probe it)
#   openssh-server/-client     Ferry reaches clusters over SSH; the test bed runs an sshd per cluster
#   iproute2                   ip netns / veth / tc (HTB rate limits between test clusters)
#   busybox-static             a 2 MB userland to `docker import` test images from (no registry here)
#   gcc libc6-dev              static test workloads (gcc -static)
#   iptables                   dockerd's dependency; criu calls iptables-save/-restore for dumped netns
#   procps psmisc              ps/pkill/fuser/killall for the test bed's process control
#   ca-certificates            TLS for the package registries
#   util-linux                 nsenter/unshare (essential on Debian; probed, never installed by hand)
#   redis-server redis-tools   the real workload (its binary goes into the ferry/redis image) and its
#                              clients (redis-cli, redis-benchmark); its service is never started here
#   curl                       HTTP clients of the test bed's services
PKGS=(docker.io containerd runc tini openssh-server openssh-client iproute2 busybox-static
      gcc libc6-dev iptables procps psmisc ca-certificates util-linux redis-server redis-tools curl)

POLICY=/usr/sbin/policy-rc.d
POLICY_MARK='# ferry-setup temporary policy'

remove_temp_policy() {
  if [ -f "$POLICY" ] && grep -qF "$POLICY_MARK" "$POLICY"; then rm -f "$POLICY"; fi
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ ! -e "$POLICY" ]; then
    trap remove_temp_policy EXIT
    cat >"$POLICY" <<EOF
#!/bin/sh
$POLICY_MARK: no service of these packages is started on install (see scripts/setup/packages.sh)
# called as: policy-rc.d [--quiet] <initscript-or-unit> <action> [runlevel]
for a in "\$@"; do
  case "\$a" in docker|docker.*|containerd|containerd.*|ssh|ssh.*|sshd|sshd.*|redis*) exit 101 ;; esac
done
exit 0
EOF
    chmod 0755 "$POLICY"
  fi
  apt_install "$PIECE" "${missing[@]}"
  remove_temp_policy
  trap - EXIT
  # Belt and braces: if a policy allowed the init script anyway, stop the default-socket daemon.
  if [ -s /var/run/docker.pid ] && grep -qx dockerd "/proc/$(cat /var/run/docker.pid)/comm" 2>/dev/null; then
    if [ -x /etc/init.d/docker ]; then /etc/init.d/docker stop >>"$FERRY_SETUP_LOG" 2>&1 || true; fi
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; fi
    did "$PIECE" "stopped the default dockerd the docker.io package started (the test bed runs its own)"
  fi
  # The same for the redis-server package's own service (the test bed runs Redis in containers).
  if pgrep -x redis-server >/dev/null 2>&1 && [ -x /etc/init.d/redis-server ]; then
    /etc/init.d/redis-server stop >>"$FERRY_SETUP_LOG" 2>&1 || true
    did "$PIECE" "stopped the redis-server service the package started (the test bed runs its own)"
  fi
fi

# --- probes: each prints one line with the version it really runs -----------------------------------
# first line of a command's output (stdout+stderr), or die naming the fix.
probe() {  # probe NAME FIX cmd...
  local name=$1 fix=$2; shift 2
  local out
  if ! out=$("$@" 2>&1); then die "$name" "'$*' failed: ${out%%$'\n'*} ($fix)"; fi
  printf '%s' "${out%%$'\n'*}"
}
fix="re-run scripts/setup/packages.sh; it installs ${PKGS[*]}"

v=$(probe dockerd "$fix" dockerd --version);            ok dockerd "$v"
v=$(probe containerd "$fix" containerd --version);      ok containerd "$v"
v=$(probe runc "$fix" runc --version);                  ok runc "$v"
v=$(probe docker-init "$fix" docker-init --version);    ok docker-init "$v"
# dockerd finds these helpers on PATH; a missing one only shows when a container starts.
for b in containerd-shim-runc-v2 docker-proxy; do
  command -v "$b" >/dev/null || die "$b" "not on PATH ($fix)"
done
# `sshd -V` gives the version; `sshd -t` with a throw-away config and host key proves the daemon
# starts far enough to load keys and parse a config (the test bed runs its own sshd per cluster).
v=$(probe sshd "$fix" /usr/sbin/sshd -V)
tmpd=$(mktemp -d); trap 'rm -rf "$tmpd"' EXIT
ssh-keygen -q -t ed25519 -N '' -f "$tmpd/hostkey" >/dev/null
printf 'HostKey %s\nPidFile none\n' "$tmpd/hostkey" >"$tmpd/sshd_config"
mkdir -p /run/sshd   # privilege separation directory sshd -t insists on
probe sshd "$fix" /usr/sbin/sshd -t -f "$tmpd/sshd_config" >/dev/null
ok sshd "$v"
v=$(probe ssh "$fix" ssh -V);                           ok ssh "$v"
v=$(probe busybox "$fix" busybox --help);               ok busybox "$v"
interp=$(LC_ALL=C readelf -l "$(command -v busybox)" 2>/dev/null | grep -c INTERP || true)
[ "$interp" = 0 ] || die busybox "$(command -v busybox) is not static: install busybox-static ($fix)"
v=$(probe gcc "$fix" gcc --version);                    ok gcc "$v"
# gcc -static needs libc6-dev's libc.a: compile and run a tiny static program.
printf 'int main(void){return 0;}\n' >"$tmpd/t.c"
probe gcc-static "$fix" gcc -static -o "$tmpd/t" "$tmpd/t.c" >/dev/null
probe gcc-static "$fix" "$tmpd/t" >/dev/null
ok gcc-static "libc.a $(dpkg-query -W -f='${Version}' libc6-dev)"
v=$(probe ip "$fix" ip -V);                             ok ip "$v"
v=$(probe tc "$fix" tc -V);                             ok tc "$v"
v=$(probe iptables "$fix" iptables --version);          ok iptables "$v"
# The test bed may filter traffic inside the network namespaces it creates: add a rule in a fresh one.
probe iptables-netns "kernel lacks nf_tables in network namespaces; the test bed cannot filter per cluster" \
  unshare --net sh -c 'iptables -A INPUT -p tcp --dport 9 -j REJECT && iptables -t nat -A POSTROUTING -j MASQUERADE && iptables -S INPUT | grep -q REJECT' >/dev/null
ok iptables-netns "rules load in a new network namespace ($(iptables --version | grep -o 'nf_tables\|legacy' || echo backend unknown) backend)"
v=$(probe nsenter "$fix" nsenter --version);            ok nsenter "$v"
v=$(probe ps "$fix" ps --version);                      ok procps "$v"
v=$(probe killall "$fix" killall --version);            ok psmisc "$v"
v=$(probe redis-server "$fix" redis-server --version);  ok redis-server "$v"
v=$(probe redis-cli "$fix" redis-cli --version);        ok redis-tools "$v"
command -v redis-benchmark >/dev/null || die redis-benchmark "not on PATH ($fix)"
v=$(probe curl "$fix" curl --version);                  ok curl "$v"
[ -s /etc/ssl/certs/ca-certificates.crt ] || die ca-certificates "no /etc/ssl/certs/ca-certificates.crt ($fix)"
ok ca-certificates "$(dpkg-query -W -f='${Version}' ca-certificates)"

# The default-socket engine must not be running (a stale one would hold /var/run/docker.sock).
if [ -S /var/run/docker.sock ] && [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  say "note: a dockerd is running on the default socket (pid $(cat /var/run/docker.pid)); Ferry does not need it"
fi
