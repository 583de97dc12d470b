#!/usr/bin/env bash
# The one test command: installs what a fresh machine lacks, builds, and runs every test.
#   npm test            (or: bash scripts/test.sh [vitest args...])
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node.sh
exec npx vitest run "$@"
