#!/usr/bin/env bash
# Installs the system packages the tests and the PKCS#11 provider need, when they are missing:
# openssl (interop, test certificates), postgresql (multi-instance server), curl (TLS of keyward serve, checked with
# an independent client), and the four PKCS#11 tokens the provider is proven on:
#   SoftHSM2 (softhsm2, opensc for pkcs11-tool), NSS softokn (libnss3 + libnss3-tools for certutil),
#   openCryptoki swtok (opencryptoki: pkcsslotd, pkcsconf), tpm2-pkcs11 on a swtpm simulator (swtpm,
#   libtpm2-pkcs11-1, and tpm2-abrmd on a private dbus-daemon as its resource manager: libtss2-tcti-swtpm0 / -tabrmd0).
# The tokens themselves are initialised by test/support (scripts/init-opencryptoki.sh for the one system-wide token).
set -euo pipefail
need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
command -v openssl >/dev/null || need+=(openssl)
command -v softhsm2-util >/dev/null || need+=(softhsm2)
command -v pkcs11-tool >/dev/null || need+=(opensc)
command -v curl >/dev/null || need+=(curl)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then need+=(postgresql); fi
command -v certutil >/dev/null || need+=(libnss3-tools)
have_pkg libnss3 || need+=(libnss3)
command -v pkcsslotd >/dev/null || need+=(opencryptoki)
command -v swtpm >/dev/null || need+=(swtpm)
have_pkg libtpm2-pkcs11-1 || need+=(libtpm2-pkcs11-1)
command -v tpm2-abrmd >/dev/null || need+=(tpm2-abrmd)
command -v dbus-daemon >/dev/null || need+=(dbus-daemon)
have_pkg libtss2-tcti-swtpm0 || need+=(libtss2-tcti-swtpm0)
have_pkg libtss2-tcti-tabrmd0 || need+=(libtss2-tcti-tabrmd0)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "Installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
