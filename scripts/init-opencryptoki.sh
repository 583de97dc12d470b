#!/usr/bin/env bash
# Makes openCryptoki's software token (swtok) ready for the tests: its lock/state directories exist, pkcsslotd
# runs, and the token is initialised with the test label and PINs. swtok is one system-wide token, so this is
# idempotent and serialised (flock): every test process that needs it runs this, several at once.
#   bash scripts/init-opencryptoki.sh        prints "<slot> <label>" of the ready token
# A swtok already initialised under another label belongs to someone else and is never re-initialised.
set -euo pipefail
LABEL="${KEYWARD_OCK_LABEL:-keyward-test}"
SO_PIN="${KEYWARD_OCK_SO_PIN:-76543210}"
USER_PIN="${KEYWARD_OCK_USER_PIN:-12345678}"
FACTORY_SO_PIN=87654321

for bin in pkcsslotd pkcsconf; do
  if ! command -v "$bin" >/dev/null; then
    echo "$bin is missing. Install it with: sudo apt-get install -y opencryptoki (or run npm test, which does)." >&2
    exit 1
  fi
done

exec 9>"${TMPDIR:-/tmp}/keyward-opencryptoki.lock"
flock -w 180 9

# tmpfiles.d creates these at boot on systemd machines; containers have no boot.
group=pkcs11; getent group "$group" >/dev/null || group=root
for d in /var/lock/opencryptoki /var/lock/opencryptoki/swtok /var/lib/opencryptoki /var/lib/opencryptoki/swtok /var/lib/opencryptoki/swtok/TOK_OBJ; do
  [ -d "$d" ] || install -d -m 0770 -g "$group" "$d"
done

# A live pkcsslotd (a killed one can linger as a zombie, which pgrep still lists).
slotd_running() { ps -o stat= -C pkcsslotd 2>/dev/null | grep -qv '^Z'; }
if ! slotd_running; then
  # A pkcsslotd that died leaves its pid file and socket behind; a new one refuses to start over them.
  rm -f /var/run/pkcsslotd.pid /run/pkcsslotd.pid /var/run/pkcsslotd.socket /run/pkcsslotd.socket
  # Without the lock's descriptor (a daemon holding it would block every later run) and detached from our output.
  pkcsslotd 9>&- </dev/null >/dev/null 2>&1
  for _ in $(seq 1 50); do slotd_running && break; sleep 0.1; done
  slotd_running || { echo "pkcsslotd did not start" >&2; exit 1; }
fi

# The slot whose token is the software token ("IBM SoftTok").
slot=""
for _ in $(seq 1 50); do
  slot=$(pkcsconf -t 2>/dev/null | awk '/^Token #[0-9]+ Info:/ { gsub(/[^0-9]/, "", $2); s = $2 } /Model: *IBM SoftTok/ { print s }' | head -n 1 || true)
  [ -n "$slot" ] && break
  sleep 0.1
done
[ -n "$slot" ] || { echo "pkcsslotd runs but lists no openCryptoki software token (check /etc/opencryptoki/opencryptoki.conf)" >&2; exit 1; }

# Read whole, then matched: grep -q on a pipe could SIGPIPE the writer, which pipefail would count as a failure.
info() { pkcsconf -t -c "$slot"; }
label() { local t; t=$(info); sed -n 's/^[[:space:]]*Label: \(.*\)$/\1/p' <<<"$t" | sed 's/[[:space:]]*$//'; }
has_flag() { local t; t=$(info); [[ "$t" == *"$1"* ]]; }

if ! has_flag 'TOKEN_INITIALIZED'; then
  printf '%s\n' "$LABEL" | pkcsconf -c "$slot" -I -S "$FACTORY_SO_PIN" >/dev/null
  pkcsconf -c "$slot" -P -S "$FACTORY_SO_PIN" -n "$SO_PIN" >/dev/null
fi
current=$(label)
if [ "$current" != "$LABEL" ]; then
  echo "The openCryptoki software token (slot $slot) is initialised as \"$current\", not \"$LABEL\": it belongs to someone else and is left alone. Set KEYWARD_OCK_LABEL/KEYWARD_OCK_SO_PIN/KEYWARD_OCK_USER_PIN to its values to test on it." >&2
  exit 1
fi
if ! has_flag 'USER_PIN_INITIALIZED'; then
  pkcsconf -c "$slot" -u -S "$SO_PIN" -n "$USER_PIN" >/dev/null
fi
has_flag 'USER_PIN_INITIALIZED' || { echo "could not set the user PIN of the openCryptoki software token" >&2; exit 1; }
echo "$slot $LABEL"
