#!/usr/bin/env bash
# `npm start`: installs and builds when needed, then runs `keyward serve` on the embedded default (software keys,
# state and audit log in $KEYWARD_HOME, default ~/.keyward). It prints the endpoint and, on first start, the dev
# credentials, then `listening on http://H:P`. Extra arguments go to `keyward serve`:
#   npm start -- --port 9000 --home /tmp/keyward-demo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node.sh
# exec: SIGINT/SIGTERM reach the server itself, which closes cleanly.
exec node packages/cli/bin/keyward.js serve "$@"
