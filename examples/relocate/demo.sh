#!/usr/bin/env bash
# The relocate demo (`npm run demo` should run this): test bed up, `pulumi up` of the root project (the
# relocate example) on cluster-a, change its placement, `ferry plan`, `pulumi up` again (live migration with
# progress lines and the report), print the `lastMigration` output. Re-runnable: it starts by destroying what
# an earlier run left. Local state under .ferry/demo-state; stack config in Pulumi.demo.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.ferry/demo-state}
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-ferry-demo}
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
stack=${FERRY_DEMO_STACK:-demo}
mkdir -p "$root/.ferry/demo-state"

say() { printf '\n=== %s\n' "$*"; }

say "build the package (the example imports @ferry/pulumi, which resolves to dist/)"
npm run --silent build

say "test bed (2 clusters, 50 ms / 100 Mbit/s between them)"
./bin/ferry testbed up

say "stack $stack: ferry:clusters from the test bed (private keys as secrets)"
pulumi stack select --create "$stack"
./bin/ferry stack-config --stack "$stack"
pulumi config set --stack "$stack" containerName relocate-counter-demo
pulumi destroy --yes --stack "$stack" >/dev/null

say "pulumi up: the counter starts on cluster-a"
pulumi config set --stack "$stack" cluster cluster-a
pulumi up --yes --stack "$stack"
sleep 5

say "placement := cluster-b; what would move (ferry plan)"
pulumi config set --stack "$stack" cluster cluster-b
./bin/ferry plan --stack "$stack"

say "pulumi up: live migration to cluster-b"
pulumi up --yes --stack "$stack"

say "lastMigration (predicted beside measured)"
pulumi stack output --stack "$stack" lastMigration --json
# The workload's own view of the pause: the dirtier prints gap_ms=<n> after its first late tick. Ferry's
# engine knows no workload, so the demo reads it from the container's log on the target cluster's engine.
clusters_file=${FERRY_TESTBED_DIR:-/var/lib/ferry/testbed}/clusters.json
target_cluster=$(pulumi stack output --stack "$stack" runsOn | cut -d/ -f1)
socket=$(node -e '
  const [file, cluster] = process.argv.slice(1);
  const c = JSON.parse(require("fs").readFileSync(file, "utf8")).clusters.find((x) => x.name === cluster);
  process.stdout.write(c?.hosts?.[0]?.dockerSocket ?? "");
' "$clusters_file" "$target_cluster")
gap=$( [ -z "$socket" ] || docker -H "unix://$socket" logs --tail 400 relocate-counter-demo 2>&1 | sed -n 's/^gap_ms=\([0-9]*\).*/\1/p' | head -n1)
# shellcheck disable=SC2016  # the single-quoted text is JavaScript for node: its ${...} are template literals
summary=$(pulumi stack output --stack "$stack" lastMigration --json | GAP_MS="$gap" node -e '
  const m = JSON.parse(require("fs").readFileSync(0, "utf8")).measured ?? {};
  const s = (x) => (typeof x === "number" ? `${x.toFixed(2)} s` : "unknown");
  const gap = process.env.GAP_MS ? Number(process.env.GAP_MS) / 1000 : undefined;
  process.stdout.write(`paused ${s(m.downtimeSeconds)} (the workload itself saw a gap of ${s(gap)}), move took ${s(m.totalTimeSeconds)}`);
')
say "the container now runs on $(pulumi stack output --stack "$stack" runsOn): $summary"
echo "remove it with: PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE=... pulumi destroy --stack $stack; tear the test bed down with: bin/ferry testbed down"
