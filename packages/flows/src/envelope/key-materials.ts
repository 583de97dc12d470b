import {
  canonicalEncryptionContext,
  checkEncryptionContext,
  decryptionFailed,
  needs,
  zeroize,
  type CallOptions,
} from '@keyward/core'
import type { CacheMaterial, DataKeyCache } from './data-key-cache.js'
import type { OpenPlan, OpenedKeys } from './decrypt-message.js'
import { newMessageId, writeHeader, type HeaderPlan, type MessageWriter } from './encrypt-message.js'
import type { EncryptedDataKey } from './encrypted-data-key.js'
import type { DecryptOptions, EncryptOptions } from './envelope-options.js'
import type { ParsedHeader } from './header-format.js'
import type { HeaderSigner } from './header-signer.js'
import { dataKeyMaterial, deriveKeys, matchesCommitment, type DerivedKeys } from './key-derivation.js'
import type { Keyring, OpenedDataKey } from './keyring.js'
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
    /** A compliance profile's header checks (compliance-policy.ts). */
    readonly profileChecks: Pick<OpenPlan, 'checkSuite' | 'beforeKeys'> = {},
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
      allowedSuites:
        opts.allowedSuites === undefined ? this.allowedSuites : narrowed(this.allowedSuites, opts.allowedSuites),
      ...this.profileChecks,
    }
  }

  /** A new message: data key (fresh or cached), derived keys, and the authenticated (signed) header. */
  async startMessage(
    opts: EncryptOptions,
    plaintextLength: number | undefined,
    frameLength: number,
  ): Promise<MessageWriter> {
    checkEncryptionContext(opts.encryptionContext)
    if (opts.partition !== undefined)
      needs(typeof opts.partition === 'string', 'InvalidParameterValue', 'partition must be a string.')
    const ctx = opts.encryptionContext ?? {}
    const contextBytes = canonicalEncryptionContext(ctx)
    const plan: HeaderPlan = {
      suite: this.suite,
      encryptionContext: ctx,
      contextBytes,
      frameLength,
      signer: this.signer,
    }
    const messageId = newMessageId()
    const len = this.suite.dataKeyLength
    // The cache holds a data key's material (PRK ‖ commitment); the data key itself is zeroed at once.
    const create = async (signal?: AbortSignal): Promise<CacheMaterial> => {
      const m = await this.keyring.generate(len, ctx, signal ? { signal } : {})
      return { plaintext: dataKeyMaterial(this.suite, m.plaintext), encryptedDataKeys: m.encryptedDataKeys }
    }
    const derive = (material: Uint8Array, edks: readonly EncryptedDataKey[]) => ({
      keys: deriveKeys(this.suite, material, messageId),
      edks,
    })
    let r: { keys: DerivedKeys; edks: readonly EncryptedDataKey[] }
    if (this.cache && plaintextLength !== undefined) {
      // Partitioned by suite, master keys, the caller's partition and the context: a key never crosses them.
      // The caller's partition is length-prefixed so that no partition string can pose as another context.
      const p = opts.partition ?? ''
      const partition = `e|${this.suite.id}|${this.#keyringId}|${p.length}:${p}|${contextBytes.toString('latin1')}`
      r = await this.cache.use(partition, plaintextLength, create, derive, opts.signal)
    } else {
      const m = await create(opts.signal)
      r = derive(m.plaintext, m.encryptedDataKeys)
      zeroize(m.plaintext)
    }
    return writeHeader(plan, messageId, r.keys, r.edks)
  }

  /**
   * The keys of a header's message, and the encrypted data key that opened it. The keyring stops at the first
   * copy whose data key the header commits to (a key matching the commitment is the message's data key, so if the
   * header tag then fails, no other copy could do better); cached by the stored context, EDK bytes and commitment.
   */
  async #deriveForHeader(h: ParsedHeader, opts: CallOptions): Promise<OpenedKeys> {
    const open = (signal: AbortSignal | undefined): Promise<OpenedDataKey<Buffer>> =>
      this.keyring.open(
        h.encryptedDataKeys,
        h.encryptionContext,
        h.suite.dataKeyLength,
        (dataKey) => {
          const material = dataKeyMaterial(h.suite, dataKey)
          if (matchesCommitment(material, h.commitment)) return material
          material.fill(0)
          throw decryptionFailed(new Error('the header does not commit to this data key'))
        },
        signal ? { signal } : {},
      )
    if (!this.cache) {
      const { value: material, encryptedDataKey } = await open(opts.signal)
      try {
        return { keys: deriveKeys(h.suite, material, h.messageId), encryptedDataKey }
      } finally {
        material.fill(0)
      }
    }
    const partition = `d|${h.suite.id}|${h.keyReference.toString('latin1')}|${h.commitment.toString('latin1')}`
    // A decrypt entry's EDK list is the one copy that opened it.
    const create = async (signal?: AbortSignal): Promise<CacheMaterial> => {
      const o = await open(signal)
      return { plaintext: o.value, encryptedDataKeys: [o.encryptedDataKey] }
    }
    return this.cache.use(
      partition,
      0,
      create,
      (pt, edks) => ({ keys: deriveKeys(h.suite, pt, h.messageId), encryptedDataKey: edks[0] as EncryptedDataKey }),
      opts.signal,
    )
  }
}

/** A call's allowedSuites within the client's: a call can narrow the policy, never widen it. */
function narrowed(client: ReadonlySet<SuiteName>, call: readonly SuiteName[]): ReadonlySet<SuiteName> {
  return new Set([...checkAllowedSuites(call)].filter((s) => client.has(s)))
}
