import { randomBytes } from 'node:crypto'
import {
  KeywardError,
  checkAlias,
  checkKeyId,
  isKeywardError,
  needs,
  zeroize,
  type CallOptions,
  type KeyAdministration,
  type KeyImport,
  type SymmetricCrypto,
  type WrappingAlgorithm,
} from '@keyward/core'
import { ByokImport } from './key-import.js'
import type { KeyMaterialSource } from './material-source.js'

/** How a key leaves its source provider, and what it is called in the target. */
export interface MigrateOptions extends CallOptions {
  /** The source key's material, wrapped by its holder (software export, HSM C_WrapKey). */
  material: KeyMaterialSource
  /** Alias in the target; default the source key's alias. */
  alias?: string
  /** Default RSAES_OAEP_SHA_256. */
  wrappingAlgorithm?: WrappingAlgorithm
}

/** What a migration did. */
export interface MigrationRecord {
  /** The same in both providers: old ciphertext blobs name it. */
  keyId: string
  sourceProvider: string
  targetProvider: string
  /** Unix seconds. */
  migratedAt: number
}

const CANARY_CONTEXT = { purpose: 'keyward-migration-check' }

/**
 * Moves a symmetric key's material from one provider to another through the BYOK wrapped path, so that ciphertexts
 * made before the move still decrypt after it. The target key is created EXTERNAL with the source's KeyId
 * (CreateKeyRequest.keyId): the shared ciphertext-blob format names the key by KeyId and binds it as AAD, so the
 * same id plus the same material is exactly what old blobs need. Before returning, a canary encrypted by the source
 * is decrypted by the target. A migration that failed half-way (target key created, import not done) is resumed by
 * calling migrate again. The source key is left as it was: disable it once clients use the target.
 *
 * Directions: software ⇄ PKCS#11, and software or PKCS#11 → `keyward serve` through TencentKmsKeyProvider (its
 * CreateKey takes a KeyId with Type=2 as a Keyward extension; the KeyId must be unused in the whole server). Software
 * keys must be created `exportable`, PKCS#11 keys `extractable` (the PKCS#11 side wraps with C_WrapKey inside the
 * token). Into real Tencent KMS is refused with UnsupportedOperation: its CreateKey takes no KeyId (and it could not
 * read Keyward blobs anyway); a target that silently assigns another KeyId is refused too, its stray key scheduled
 * for deletion. Out of real Tencent KMS is impossible: its material never leaves and its blobs are opaque. Rotated
 * keys are refused: only one version can be imported, so blobs of older versions would not decrypt. Envelope messages
 * name the provider that wrapped their data key: after the move, build the target's ProviderMasterKey with `name` set
 * to the source provider's name.
 *
 * @example
 * ```ts
 * const move = new KeyMigration(software, hsm)
 * const material = new KeyWrapperMaterialSource('software export', (t) =>
 *   software.exportWrappedKeyMaterial(keyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm),
 * )
 * await move.migrate(keyId, { wrappingAlgorithm: 'RSAES_OAEP_SHA_1', material })
 * await hsm.decrypt({ ciphertextBlob: oldBlob })   // works
 * // Same call with `new KeyMigration(software, serveKms)`, serveKms = TencentKmsKeyProvider on keyward serve.
 * ```
 */
export class KeyMigration {
  readonly #source: KeyAdministration & SymmetricCrypto
  readonly #target: KeyAdministration & SymmetricCrypto & KeyImport

  constructor(source: KeyAdministration & SymmetricCrypto, target: KeyAdministration & SymmetricCrypto & KeyImport) {
    needs(source && target && source !== target, 'InvalidParameterValue', 'KeyMigration needs two different providers.')
    this.#source = source
    this.#target = target
  }

  /** Copies the material of `keyId` into the target under the same KeyId; returns what was done. */
  async migrate(keyId: string, opts: MigrateOptions): Promise<MigrationRecord> {
    /* Precondition: a valid KeyId, a material source and, if given, a valid alias. */
    checkKeyId(keyId)
    needs(
      opts !== null && typeof opts === 'object' && typeof opts.material?.wrap === 'function',
      'MissingParameter',
      'A key material source is required.',
    )
    if (opts.alias !== undefined) checkAlias(opts.alias)
    return this.onMigrate(keyId, opts)
  }

  protected async onMigrate(keyId: string, opts: MigrateOptions): Promise<MigrationRecord> {
    const call = opts.signal ? { signal: opts.signal } : {}
    const meta = await this.#source.describeKey(keyId, call)
    needs(
      meta.keyUsage === 'ENCRYPT_DECRYPT',
      'UnsupportedOperation.UnsupportedKeyUsage',
      'Only ENCRYPT_DECRYPT keys can be migrated.',
    )
    needs(
      meta.keyVersionCount <= 1,
      'UnsupportedOperation',
      `Key ${keyId} has ${meta.keyVersionCount} versions; only one version can be imported, so older ciphertexts would not decrypt.`,
    )
    const canaryPlaintext = randomBytes(32)
    try {
      const canary = await this.#source.encrypt(
        { keyId, plaintext: canaryPlaintext, encryptionContext: CANARY_CONTEXT },
        call,
      )
      const importOptions = {
        source: opts.material,
        ...(opts.wrappingAlgorithm ? { wrappingAlgorithm: opts.wrappingAlgorithm } : {}),
        ...call,
      }
      const importer = new ByokImport(this.#target)
      if (await this.resumable(keyId, call)) {
        await importer.importInto(keyId, importOptions)
      } else {
        await importer.createAndImport({
          alias: opts.alias ?? meta.alias,
          keySpec: meta.keySpec === 'SM4' ? 'SM4' : 'AES_256',
          keyId,
          ...(meta.description ? { description: meta.description } : {}),
          ...importOptions,
        })
      }
      await this.checkCanary(keyId, canary.ciphertextBlob, canaryPlaintext, call)
    } finally {
      zeroize(canaryPlaintext)
    }
    return {
      keyId,
      sourceProvider: this.#source.name,
      targetProvider: this.#target.name,
      migratedAt: Math.floor(Date.now() / 1000),
    }
  }

  /**
   * True when an earlier, interrupted migration left the target key EXTERNAL and PendingImport: importing into it
   * again finishes the job. Any other key under this KeyId in the target is a conflict.
   */
  protected async resumable(keyId: string, call: CallOptions): Promise<boolean> {
    const existing = await this.#target.describeKey(keyId, call).catch((e: unknown) => {
      if (isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) return undefined
      throw e
    })
    if (!existing) return false
    needs(
      existing.origin === 'EXTERNAL' && existing.keyState === 'PendingImport',
      'InvalidParameterValue',
      `The ${this.#target.name} provider already has a key ${keyId} (${existing.keyState}); migration will not overwrite it.`,
    )
    return true
  }

  /** The target must decrypt what the source encrypted; otherwise the target key is disabled and we fail. */
  protected async checkCanary(
    keyId: string,
    ciphertextBlob: string,
    expected: Uint8Array,
    call: CallOptions,
  ): Promise<void> {
    let failure: unknown
    try {
      const { plaintext } = await this.#target.decrypt({ ciphertextBlob, encryptionContext: CANARY_CONTEXT }, call)
      const same = Buffer.compare(Buffer.from(plaintext), Buffer.from(expected)) === 0
      zeroize(plaintext)
      if (same) return
    } catch (cause) {
      failure = cause
    }
    await this.#target.disableKey(keyId, call).catch(() => undefined)
    throw new KeywardError(
      'InternalError',
      `The ${this.#target.name} copy of key ${keyId} does not decrypt ${this.#source.name}'s ciphertexts; it was disabled.`,
      { cause: failure },
    )
  }
}
