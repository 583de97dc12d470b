#!/usr/bin/env bash
# Installs npm dependencies when package-lock.json or a package.json changed since the last install (a stamp in
# node_modules records it), then builds. Quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.keyward-install-stamp
want=$(cat package-lock.json package.json packages/*/package.json providers/*/package.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "Installing npm dependencies..." >&2
  # npm ci is preferred; this registry's lockfiles omit other platforms' optional packages, which npm ci rejects
  # as "out of sync", so fall back to npm install, which honours the same lockfile.
  npm ci --no-audit --no-fund >&2 2>/dev/null || npm install --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi
echo "Building (tsc -b)..." >&2
npm run --silent build >&2
