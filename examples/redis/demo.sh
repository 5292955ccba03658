#!/usr/bin/env bash
# The Redis demo (`npm run demo`): test bed up, `pulumi up` of examples/redis (Redis on cluster-a, 64 MiB of
# data), a client that keeps incrementing a counter through the published port, then placement :=
# cluster-b and `pulumi up` again: Redis moves live while the client writes. At the end the client's own
# view (longest gap between two replies, errors, whether every acknowledged write is there) is printed
# beside Ferry's report. Re-runnable: it starts by destroying what an earlier run left. Local state under
# .ferry/demo-state; stack config in examples/redis/Pulumi.demo.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.ferry/demo-state}
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-ferry-demo}
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
stack=${FERRY_DEMO_STACK:-demo}
work=$root/.ferry/demo-redis
mkdir -p "$root/.ferry/demo-state" "$work"
project=(--cwd "$root/examples/redis" --stack "$stack")

say() { printf '\n=== %s\n' "$*"; }
endpoint() {  # host:port of the first endpoint in the stack outputs
  pulumi stack output "${project[@]}" endpoints --json | node -e '
    const e = JSON.parse(require("fs").readFileSync(0, "utf8"))[0];
    process.stdout.write(e ? e.host + ":" + e.port : "");'
}

say "build the package (the example imports @ferry/pulumi, which resolves to dist/)"
npm run --silent build

say "test bed (2 clusters, 50 ms / 100 Mbit/s between them; images ferry/dirtier and ferry/redis)"
./bin/ferry testbed up

say "stack $stack of examples/redis: ferry:clusters from the test bed (private keys as secrets)"
(cd examples/redis && pulumi stack select --create "$stack" && ../../bin/ferry stack-config --stack "$stack")
pulumi config set "${project[@]}" containerName redis-demo
pulumi config set "${project[@]}" endpointsFile "$work/endpoints.json"
pulumi destroy --yes "${project[@]}" >/dev/null
rm -f "$work/endpoints.json"

say "pulumi up: Redis starts on cluster-a"
pulumi config set "${project[@]}" cluster cluster-a
pulumi up --yes "${project[@]}"
ep=$(endpoint)
host=${ep%:*}
for _ in $(seq 50); do [ "$(redis-cli -h "$host" PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done
say "64 MiB of data (DEBUG POPULATE 65536 keys of 1 KiB), then a client at $ep: INCR every 10 ms"
redis-cli -h "$host" DEBUG POPULATE 65536 key 1024
redis-cli -h "$host" INFO memory | grep '^used_memory_human'
node dist/testbed/clients/incr-main.js --endpoints-file "$work/endpoints.json" --initial "$ep" \
  --summary "$work/client.json" >"$work/client.out" 2>&1 &
client=$!
sleep 3

say "placement := cluster-b; what would move (ferry plan)"
pulumi config set "${project[@]}" cluster cluster-b
(cd examples/redis && ../../bin/ferry plan --stack "$stack") || true

say "pulumi up: Redis moves live to cluster-b while the client writes"
pulumi up --yes "${project[@]}"
sleep 3
kill -TERM "$client"
wait "$client" || true

say "where clients reach it now"
pulumi stack output "${project[@]}" endpoints --json
say "the client's view"
cat "$work/client.out"
# shellcheck disable=SC2016  # JavaScript for node: its ${...} are template literals
summary=$(pulumi stack output "${project[@]}" lastMigration --json | node -e '
  const m = JSON.parse(require("fs").readFileSync(0, "utf8")).measured ?? {};
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const s = (x) => (typeof x === "number" ? `${x.toFixed(2)} s` : "unknown");
  process.stdout.write(`Ferry paused Redis ${s(m.downtimeSeconds)} (move took ${s(m.totalTimeSeconds)}); the client saw a gap of ${s(c.longestGapMs / 1000)}, ${c.acknowledged} acknowledged writes checked, ${c.lost ? "SOME LOST" : "none lost"}`);
' "$work/client.json")
say "Redis now runs on $(pulumi stack output "${project[@]}" runsOn): $summary"
if [ "${FERRY_DEMO_KEEP:-}" = 1 ]; then
  echo "kept (FERRY_DEMO_KEEP=1); remove it with: PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=... pulumi destroy --cwd examples/redis --stack $stack"
else
  # it holds port 6379 on cluster-b, which the tests' own Redis needs: FERRY_DEMO_KEEP=1 keeps it
  pulumi destroy --yes "${project[@]}" >/dev/null
  echo "removed (pulumi destroy); FERRY_DEMO_KEEP=1 keeps it running"
fi
echo "tear the test bed down with: bin/ferry testbed down"
