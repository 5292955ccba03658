#!/usr/bin/env bash
# The README's test command: set up the host, then run every test (unit, then integration on the test bed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
npx tsc -p tsconfig.json --noEmit
npx eslint provider test examples
npx jest --selectProjects unit
npx jest --selectProjects integration --runInBand
