#!/usr/bin/env bash
# npm ci when node_modules is missing or older than package-lock.json, then build. Idempotent and quick when
# nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(node -e 'const l=require("./package-lock.json");delete l.name;console.log(JSON.stringify(l.packages))') <(node -e 'const l=require("./node_modules/.package-lock.json");console.log(JSON.stringify(l.packages))' 2>/dev/null); then
  echo "Installing npm dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund >&2
fi
echo "Building (tsc -b)..." >&2
npm run --silent build >&2
