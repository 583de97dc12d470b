#!/usr/bin/env bash
# npm run bench: every benchmark, each printing ratios against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
bash scripts/ensure-node.sh
for b in bench/*.bench.ts; do
  [ -e "$b" ] || continue
  if [ $# -gt 0 ] && [[ "$b" != *"$1"* ]]; then continue; fi
  echo "== $b"
  npx tsx "$b"
done
