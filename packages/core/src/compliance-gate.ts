import type { BlobCipher } from './ciphertext-blob.js'
import { BLOB_CIPHERS } from './ciphertext-blob.js'
import { complianceRefusal, isCompliant, requireCompliant } from './compliance-checks.js'
import type { ComplianceProfile, ComplianceSubject } from './compliance-profiles.js'
import type { LegacyDecryptEvent } from './compliance-scope.js'
import type { KeyMetadata } from './key-metadata.js'
import type { CallOptions, CreateKeyRequest, GenerateDataKeyRequest } from './key-provider.js'

/** What the gate needs to know of a key: fixed for the key's whole life, so it is cached. */
export type KeyFacts = Pick<KeyMetadata, 'keyId' | 'keySpec' | 'keyUsage'>

/**
 * Keys remembered per gate; a key's spec and usage never change and KeyIds are never reused, so entries never go stale.
 */
const MAX_CACHED_KEYS = 10_000

/**
 * The checks of a compliance profile on KMS requests, shared by every boundary that applies a profile (the provider
 * wrapper, the CLI's guard on raw Actions to a remote KMS): defaults for what the caller left out, the algorithm
 * named in the request, and the material of the key it uses — which catches keys made before the profile was on.
 */
export class ComplianceGate {
  readonly #keys = new Map<string, KeyFacts>()

  constructor(
    readonly profile: ComplianceProfile,
    private readonly describe: (keyId: string, opts?: CallOptions) => Promise<KeyFacts>,
  ) {}

  /** CreateKey with the profile's default KeySpec, refused when usage, spec or an EXTERNAL origin is not allowed. */
  createKey(req: CreateKeyRequest): CreateKeyRequest {
    if (req === null || typeof req !== 'object') return req
    const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
    requireCompliant(this.profile, 'keyUsage', usage, 'CreateKey')
    let out = req
    if (usage === 'ENCRYPT_DECRYPT') {
      if (req.keySpec === undefined && this.profile.name !== 'none')
        out = { ...req, keySpec: this.profile.defaults.symmetricKeySpec }
      requireCompliant(this.profile, 'keySpec', out.keySpec, 'CreateKey')
    }
    if (req.type === 2 && this.profile.allowed.wrappingAlgorithm.length === 0) {
      throw complianceRefusal(
        this.profile,
        'wrappingAlgorithm',
        'RSAES_*',
        'CreateKey Type=2 makes a key that can only be imported',
      )
    }
    return out
  }

  /** GenerateDataKey with the profile's default size, refused when KeySpec is not allowed. */
  dataKey(req: GenerateDataKeyRequest): GenerateDataKeyRequest {
    if (req === null || typeof req !== 'object') return req
    if (req.numberOfBytes !== undefined) return req
    if (req.keySpec === undefined)
      return this.profile.name === 'none' ? req : { ...req, keySpec: this.profile.defaults.dataKeySpec }
    requireCompliant(this.profile, 'dataKeySpec', req.keySpec, 'GenerateDataKey')
    return req
  }

  /** What the key is (cached); `facts` seeds the cache from a DescribeKey/ListKeys answer the caller already has. */
  async key(keyId: string, opts?: CallOptions): Promise<KeyFacts> {
    const hit = this.#keys.get(keyId)
    if (hit) return hit
    return this.remember(await this.describe(keyId, opts))
  }

  /** Caches `facts` and returns them. */
  remember(facts: KeyFacts): KeyFacts {
    if (this.#keys.size >= MAX_CACHED_KEYS) this.#keys.delete(this.#keys.keys().next().value as string)
    const f = { keyId: facts.keyId, keySpec: facts.keySpec, keyUsage: facts.keyUsage }
    this.#keys.set(f.keyId, f)
    return f
  }

  /** True when the key's material is allowed. */
  async keyAllowed(keyId: string, opts?: CallOptions): Promise<boolean> {
    const k = await this.key(keyId, opts)
    return isCompliant(this.profile, 'keySpec', k.keySpec) && isCompliant(this.profile, 'keyUsage', k.keyUsage)
  }

  /**
   * A decryption of data made with `value` of `subject`, which the profile refuses: refused unless `allowed`
   * (allowLegacyDecrypt), else the event to record once it succeeded.
   */
  legacy(
    allowed: boolean,
    action: string,
    keyId: string,
    subject: ComplianceSubject,
    value: string,
  ): LegacyDecryptEvent {
    if (!allowed) throw complianceRefusal(this.profile, subject, value, `${action}; allowLegacyDecrypt is off`)
    return { action, keyId, algorithm: value, profile: this.profile.name }
  }

  /** Refuses use of a key whose material the profile does not allow (e.g. an AES key made before `gm` was on). */
  async requireKey(keyId: string, where: string, opts?: CallOptions): Promise<void> {
    if (typeof keyId !== 'string' || keyId.length === 0) return
    const k = await this.key(keyId, opts)
    requireCompliant(this.profile, 'keyUsage', k.keyUsage, `${where}, key ${keyId}`)
    requireCompliant(this.profile, 'keySpec', k.keySpec, `${where}, key ${keyId}`)
  }
}

/**
 * The cipher a Keyward ciphertext blob names (byte 3 after the `KW` magic and version), or undefined for blobs of
 * another format (Tencent's are opaque: their key is known only once decrypted).
 */
export function blobCipherOf(blob: unknown): BlobCipher | undefined {
  if (typeof blob !== 'string' || blob.length < 8 || blob.length > 16_384) return undefined
  let head: Buffer
  try {
    head = Buffer.from(blob.slice(0, 8), 'base64')
  } catch {
    return undefined
  }
  if (head.length < 4 || head[0] !== 0x4b || head[1] !== 0x57 || head[2] !== 1) return undefined
  return (Object.keys(BLOB_CIPHERS) as BlobCipher[]).find((c) => BLOB_CIPHERS[c] === head[3])
}

/** The KeyId a Keyward ciphertext blob names, or undefined. */
export function blobKeyIdOf(blob: unknown): string | undefined {
  if (blobCipherOf(blob) === undefined) return undefined
  const b = Buffer.from((blob as string).slice(0, 240), 'base64')
  const n = b[4] ?? 0
  if (n === 0 || b.length < 5 + n) return undefined
  const id = b.subarray(5, 5 + n).toString('ascii')
  return /^[A-Za-z0-9-]+$/.test(id) ? id : undefined
}
