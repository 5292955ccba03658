#!/usr/bin/env bash
# The README's main command: set up the host, then run the Redis demo on the test bed
# (examples/redis/demo.sh: Redis with 64 MiB on cluster-a and a client writing, change placement, pulumi up
# moves it live; the client's view beside Ferry's report). `npm run demo:relocate` runs the older one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
exec bash "$root/examples/${FERRY_DEMO:-redis}/demo.sh"
