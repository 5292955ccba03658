#!/usr/bin/env bash
# The README's test command, in two stages:
#   1. the fast stage (scripts/test-fast.sh): shellcheck, the C helpers with -Werror and under ASan/UBSan,
#      typecheck, lint, unit tests. No root and no test bed; it stops at the first failure, before the bed;
#   2. the root stage: set up the host (scripts/setup.sh), build the package (`npm run build`: the examples,
#      the Pulumi e2e tests and the package test import `@ferry/pulumi`, which resolves to dist/), then the
#      integration tests on the real test bed (brought up by the tests themselves, torn down at the end),
#      then a short seeded fault campaign on the same bed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/test-fast.sh

printf '\n== root stage: host setup\n'
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
teardown() { step "test bed down"; bin/ferry testbed down || true; }
trap teardown EXIT

step "build (npm run build)"; npm run --silent build
step "integration tests"; npx jest --selectProjects integration --runInBand
# A short seeded fault campaign (testbed/faults): one fault per trial, invariants checked; exit 1 on any
# violation. The full figure comes from 50 trials: npm run faults -- --trials 50 --seed S
step "fault campaign (8 trials, seed 7)"; npm run --silent faults -- --trials 8 --seed 7
