#!/usr/bin/env bash
# `npm run bench -- [options]`: the benchmark in one command from a clean clone. It sets up the host
# (scripts/setup.sh: packages, CRIU, the Pulumi CLI; idempotent), brings the test bed up (a no-op when it is
# up), builds and loads the Redis image (bench/setup.sh; a no-op when every engine has it), then runs
# bench/main.ts with the options given. The bed is left up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
case " $* " in
  *" --dry-run "* | *" --report "*) ;; # nothing runs on the bed
  *)
    bash scripts/setup.sh
    bin/ferry testbed up
    bash bench/setup.sh
    ;;
esac
exec npx ts-node --transpile-only bench/main.ts "$@"
