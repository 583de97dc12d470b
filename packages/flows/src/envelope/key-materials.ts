import { canonicalEncryptionContext, checkEncryptionContext, needs, zeroize, type CallOptions } from '@keyward/core'
import type { CacheMaterial, DataKeyCache } from './data-key-cache.js'
import type { OpenPlan } from './decrypt-message.js'
import { newMessageId, writeHeader, type HeaderPlan, type MessageWriter } from './encrypt-message.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import type { DecryptOptions, EncryptOptions } from './envelope-options.js'
import type { ParsedHeader } from './header-format.js'
import type { HeaderSigner } from './header-signer.js'
import { dataKeyMaterial, deriveKeys, type DerivedKeys } from './key-derivation.js'
import type { Keyring } from './keyring.js'
import { callSignerPolicy, type SignerPolicy } from './signer-policy.js'
import { checkAllowedSuites, type Suite, type SuiteName } from './suites.js'

/**
 * Where message keys come from: the keyring, through the data-key cache when it is on. The cache holds the
 * key material of each data key (its HKDF PRK and commitment), never the data key, and every message
 * derives its own cipher key from it.
 * Internal to the envelope; EnvelopeClient is the public face.
 */
export class KeyMaterials {
  readonly #keyringId: string

  constructor(
    readonly keyring: Keyring,
    readonly suite: Suite,
    readonly cache: DataKeyCache | undefined,
    readonly signer: HeaderSigner | undefined,
    readonly allowedSuites: ReadonlySet<SuiteName>,
    readonly signers: SignerPolicy,
  ) {
    this.#keyringId = keyring.id
  }

  /** How a reader checks and opens headers under these master keys. */
  openPlan(opts: DecryptOptions): OpenPlan {
    return {
      expectedContext: opts.encryptionContext,
      signers: callSignerPolicy(this.signers, opts),
      derive: (h) => this.#deriveForHeader(h, opts),
      onHeader: opts.onHeader,
      onProgress: opts.onProgress,
      signal: opts.signal,
      maxEncryptedDataKeys: this.keyring.maxEncryptedDataKeys,
      allowedSuites: opts.allowedSuites === undefined ? this.allowedSuites : narrowed(this.allowedSuites, opts.allowedSuites),
    }
  }

  /** A new message: data key (fresh or cached), derived keys, and the authenticated (signed) header. */
  async startMessage(opts: EncryptOptions, plaintextLength: number | undefined, frameLength: number): Promise<MessageWriter> {
    checkEncryptionContext(opts.encryptionContext)
    if (opts.partition !== undefined) needs(typeof opts.partition === 'string', 'InvalidParameterValue', 'partition must be a string.')
    const ctx = opts.encryptionContext ?? {}
    const contextBytes = canonicalEncryptionContext(ctx)
    const plan: HeaderPlan = { suite: this.suite, encryptionContext: ctx, contextBytes, frameLength, signer: this.signer }
    const messageId = newMessageId()
    const len = this.suite.dataKeyLength
    // The cache holds a data key's material (PRK ‖ commitment); the data key itself is zeroed at once.
    const create = async (): Promise<CacheMaterial> => {
      const m = await this.keyring.generate(len, ctx, opts)
      return { plaintext: dataKeyMaterial(this.suite, m.plaintext), encryptedDataKeys: m.encryptedDataKeys }
    }
    const derive = (material: Uint8Array, edks: readonly EncryptedDataKey[]) => ({ keys: deriveKeys(this.suite, material, messageId), edks })
    let r: { keys: DerivedKeys; edks: readonly EncryptedDataKey[] }
    if (this.cache && plaintextLength !== undefined) {
      // Partitioned by suite, master keys, the caller's partition and the context: a key never crosses them.
      // The caller's partition is length-prefixed so that no partition string can pose as another context.
      const p = opts.partition ?? ''
      const partition = `e|${this.suite.id}|${this.#keyringId}|${p.length}:${p}|${contextBytes.toString('latin1')}`
      r = await this.cache.use(partition, plaintextLength, create, derive)
    } else {
      const m = await create()
      r = derive(m.plaintext, m.encryptedDataKeys)
      zeroize(m.plaintext)
    }
    return writeHeader(plan, messageId, r.keys, r.edks)
  }

  async #deriveForHeader(h: ParsedHeader, opts: CallOptions): Promise<DerivedKeys> {
    const len = h.suite.dataKeyLength
    if (!this.cache) {
      const material = dataKeyMaterial(h.suite, await this.keyring.decrypt(h.encryptedDataKeys, h.encryptionContext, len, opts))
      try {
        return deriveKeys(h.suite, material, h.messageId)
      } finally {
        material.fill(0)
      }
    }
    // The stored context and EDK bytes name the data key exactly.
    const partition = `d|${h.suite.id}|${h.keyReference.toString('latin1')}`
    const create = async (): Promise<CacheMaterial> => ({
      plaintext: dataKeyMaterial(h.suite, await this.keyring.decrypt(h.encryptedDataKeys, h.encryptionContext, len, opts)),
      encryptedDataKeys: h.encryptedDataKeys,
    })
    return this.cache.use(partition, 0, create, (pt) => deriveKeys(h.suite, pt, h.messageId))
  }
}

/** A call's allowedSuites within the client's: a call can narrow the policy, never widen it. */
function narrowed(client: ReadonlySet<SuiteName>, call: readonly SuiteName[]): ReadonlySet<SuiteName> {
  return new Set([...checkAllowedSuites(call)].filter((s) => client.has(s)))
}
