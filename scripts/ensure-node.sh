#!/usr/bin/env bash
# Installs npm dependencies when package-lock.json, a package.json or the Node ABI changed since the last install
# (a stamp in node_modules records it), then builds. Quick when nothing changed: the second `npm start` / `npm test`
# on the same tree neither installs nor needs the registry.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.keyward-install-stamp
# What an install depends on. The Node ABI is part of it: better-sqlite3 and pkcs11js are native modules.
fingerprint() {
  { cat package-lock.json package.json packages/*/package.json providers/*/package.json; node -p 'process.versions.modules'; } |
    sha256sum | cut -d' ' -f1
}
# --check: only say whether an install is due (exit 1) or not (exit 0).
if [ "${1:-}" = "--check" ]; then [ "$(cat "$stamp" 2>/dev/null)" = "$(fingerprint)" ]; exit; fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$(fingerprint)" ]; then
  echo "Installing npm dependencies..." >&2
  # The committed lockfile is the one `npm install` writes on this registry (every platform's optional packages
  # included), so `npm ci` accepts it. Should a registry serve a different tree, npm install still honours the
  # lockfile's versions; the stamp is taken after the install, so a rewritten lockfile does not cause a reinstall.
  if ! npm ci --no-audit --no-fund >&2; then
    echo "npm ci failed; falling back to npm install (it may rewrite package-lock.json)" >&2
    npm install --no-audit --no-fund >&2
  fi
  fingerprint > "$stamp"
fi
echo "Building (tsc -b)..." >&2
npm run --silent build >&2
