#!/usr/bin/env bash
# Ferry host setup: installs and probes everything the demo and the tests need, on a new Debian bookworm
# machine or an already prepared one. Idempotent; quick when everything is present.
#   bash scripts/setup.sh            # all pieces
#   FERRY_SETUP_PROBE_DOCKER=1 ...   # also run the (slow) Docker checkpoint/restore probe
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export FERRY_ROOT=${FERRY_ROOT:-$(cd "$here/.." && pwd)}
source "$here/setup/lib.sh"

if [ "$(id -u)" != 0 ]; then die setup "must run as root (it installs packages, creates network namespaces and starts daemons)"; fi
start=$(date +%s%N)
say "Ferry host setup (log: $FERRY_SETUP_LOG)"

# Node dependencies first: later pieces (Pulumi's dynamic provider host) live in node_modules.
ensure_node_modules "$FERRY_ROOT"

bash "$here/setup/packages.sh"
bash "$here/setup/criu.sh"
bash "$here/setup/docker.sh"
bash "$here/setup/pulumi-cli.sh"

elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
say "setup finished in $((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000))) s"
