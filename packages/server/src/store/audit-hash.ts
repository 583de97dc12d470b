import { createHash, createHmac, hkdfSync } from 'node:crypto'
import { KeywardError, needs, type ComplianceProfileName } from '@keyward/core'

/**
 * The hashes an audit log can be chained and MAC'd with: SHA-256 / HMAC-SHA-256, or SM3 / HMAC-SM3 when the server
 * runs under the `gm` compliance profile. Each entry records its own, so one log may hold both (a server switched to
 * gm keeps its earlier entries) and `keyward audit verify` needs no setting to know which applies.
 */
export const AUDIT_HASHES = ['sha256', 'sm3'] as const
export type AuditHash = (typeof AUDIT_HASHES)[number]

/** The hash a server under `profile` chains new entries with. */
export function auditHashOf(profile: ComplianceProfileName): AuditHash {
  return profile === 'gm' ? 'sm3' : 'sha256'
}

/** The keys that MAC audit entries, heads and checkpoints: HKDF of the root key with each hash, under its own label. */
export interface AuditMacKeys {
  readonly sha256: Buffer
  /** Undefined when this process cannot compute SM3 (Node's OpenSSL in FIPS mode). */
  readonly sm3: Buffer | undefined
}

/**
 * The audit MAC keys of a server root key, so that write access to the database is not enough to forge or re-chain
 * entries. Zero them with {@link disposeAuditMacKeys}.
 *
 * @example
 * ```ts
 * const keys = auditMacKey(rootKey)
 * try { await verifyAuditChain(store, { macKey: keys }) } finally { disposeAuditMacKeys(keys) }
 * ```
 */
export function auditMacKey(rootKey: Uint8Array): AuditMacKeys {
  needs(
    rootKey instanceof Uint8Array && rootKey.byteLength === 32,
    'InvalidParameterValue',
    'The server root key must be 32 bytes.',
  )
  const sha256 = Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), 'keyward audit-log MAC v1', 32))
  let sm3: Buffer | undefined
  try {
    sm3 = Buffer.from(hkdfSync('sm3', rootKey, Buffer.alloc(0), 'keyward audit-log MAC v1 (SM3)', 32))
  } catch {
    sm3 = undefined
  }
  return { sha256, sm3 }
}

/** Zeroes both MAC keys. */
export function disposeAuditMacKeys(keys: AuditMacKeys | undefined): void {
  keys?.sha256.fill(0)
  keys?.sm3?.fill(0)
}

function macKeyFor(keys: AuditMacKeys, hash: AuditHash): Buffer {
  const k = keys[hash]
  if (!k)
    throw new KeywardError(
      'UnsupportedOperation',
      'This process cannot compute SM3 (FIPS mode?): SM3 audit entries can be neither written nor checked here.',
    )
  return k
}

/** HMAC (hex) with `hash` of a domain-separated message under the audit MAC key of that hash. */
export function auditMac(
  keys: AuditMacKeys,
  hash: AuditHash,
  domain: 'entry' | 'head' | 'checkpoint',
  ...parts: Array<string | number>
): string {
  return createHmac(hash, macKeyFor(keys, hash))
    .update(JSON.stringify([domain, ...parts]))
    .digest('hex')
}

/** The digest (hex) of `text` with `hash`. */
export function auditDigest(hash: AuditHash, text: string): string {
  return createHash(hash).update(text).digest('hex')
}

/** A stored hash name, where an empty or missing one is the SHA-256 of logs written before hashes were recorded. */
export function storedAuditHash(value: unknown): AuditHash {
  return value === 'sm3' ? 'sm3' : 'sha256'
}
