/**
 * openCryptoki's software token (swtok) for the tests. It is one system-wide token, not a throwaway one:
 * scripts/init-opencryptoki.sh starts pkcsslotd when it is not running and initialises the token once (under a
 * lock, so concurrent test processes are safe). Tests share it, so each removes the objects it made
 * (`remove(keyIds)`), and never depends on the token being empty.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { execFileSync } from 'node:child_process'
import { requireBinary } from './binaries.js'
import { destroyObjectsOf } from './token-session.js'
import type { CapabilityFloor, TestToken } from './test-token.js'

const ROOT = resolve(import.meta.dirname, '../..')

/** Where Debian and other layouts install openCryptoki's PKCS#11 API library. */
export const OPENCRYPTOKI_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/pkcs11/libopencryptoki.so',
  '/usr/lib/aarch64-linux-gnu/pkcs11/libopencryptoki.so',
  '/usr/lib64/opencryptoki/libopencryptoki.so',
  '/usr/lib/opencryptoki/libopencryptoki.so',
]

/** The user PIN the init script gives the token (swtok PINs are 4-8 characters). */
export const OPENCRYPTOKI_USER_PIN = process.env['KEYWARD_OCK_USER_PIN'] ?? '12345678'

/**
 * openCryptoki 3.8 swtok through the provider: no CKM_AES_GCM (ENCRYPT_DECRYPT by AES-CBC + HMAC-SHA256), no
 * EC mechanisms in Debian's build, no CKM_SHA256_RSA_PKCS (RAW PKCS#1 signatures take the digest path).
 */
export const OPENCRYPTOKI_FLOOR: CapabilityFloor = {
  keyUsages: ['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_RSA_2048', 'ASYMMETRIC_SIGN_VERIFY_RSA_2048'],
  symmetricKeySpecs: ['AES_256'],
  signAlgorithms: ['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256'],
  asymmetricDecryptAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  wrappingAlgorithms: ['RSAES_PKCS1_V1_5', 'RSAES_OAEP_SHA_1'],
  keyRotation: true,
}

/** Makes the swtok ready (pkcsslotd, token, PINs) and returns it; fails naming the install command when missing. */
export function openCryptokiTestToken(): TestToken {
  requireBinary('pkcsslotd')
  const modulePath = OPENCRYPTOKI_CANDIDATES.find((p) => existsSync(p))
  if (!modulePath)
    throw new Error(
      'openCryptoki (libopencryptoki.so) is required by this test and is missing. Install it with: sudo apt-get install -y opencryptoki (or run npm test, which does).',
    )
  const out = execFileSync('bash', [join(ROOT, 'scripts/init-opencryptoki.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim()
  const label = out.split(' ').slice(1).join(' ')
  const pin = OPENCRYPTOKI_USER_PIN
  const token = { modulePath, label, pin }
  return {
    kind: 'opencryptoki',
    modulePath,
    label,
    pin,
    env: { ...process.env },
    floor: OPENCRYPTOKI_FLOOR,
    options: { modulePath, tokenLabel: label, pin },
    remove: async (keyIds) => {
      if (keyIds) destroyObjectsOf(token, keyIds)
    },
  }
}
