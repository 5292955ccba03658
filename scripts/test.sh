#!/usr/bin/env bash
# The README's test command: set up the host, check types and style, run the unit tests, then the
# integration tests on the real test bed (brought up by the tests themselves, torn down at the end).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
teardown() { step "test bed down"; bin/ferry testbed down || true; }
trap teardown EXIT

step "typecheck"; npx tsc -p tsconfig.json --noEmit
step "lint (eslint, prettier)"; npm run --silent lint
step "unit tests"; npx jest --selectProjects unit
step "integration tests"; npx jest --selectProjects integration --runInBand
