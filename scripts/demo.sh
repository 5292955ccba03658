#!/usr/bin/env bash
# The README's main command: set up the host, then run the relocate demo on the test bed
# (examples/relocate/demo.sh: pulumi up on cluster-a, change placement, pulumi up migrates live).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
exec bash "$root/examples/relocate/demo.sh"
