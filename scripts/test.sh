#!/usr/bin/env bash
# The one test command: installs what a fresh machine lacks, builds, lints, and runs every test.
#   npm test            (or: bash scripts/test.sh [vitest args...] to run some tests; lint runs with the full suite)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node.sh
if [ $# -eq 0 ]; then
  echo "Linting (eslint, prettier --check)..." >&2
  npm run --silent lint >&2
fi
exec npx vitest run "$@"
