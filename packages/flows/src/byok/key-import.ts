import {
  IMPORT_MATERIAL_BYTES,
  KeywardError,
  LIMITS,
  SYMMETRIC_KEY_SPECS,
  WRAPPING_ALGORITHMS,
  checkAlias,
  checkDescription,
  checkInt,
  checkKeyId,
  checkOneOf,
  needs,
  type CallOptions,
  type KeyMetadata,
  type KeyAdministration,
  type KeyImport,
  type SymmetricKeySpec,
  type WrappingAlgorithm,
} from '@keyward/core'
import type { KeyMaterialSource } from './material-source.js'

/** How to import: where the material comes from, how it is wrapped, until when it is valid. */
export interface ImportOptions extends CallOptions {
  source: KeyMaterialSource
  /** Default RSAES_OAEP_SHA_256. */
  wrappingAlgorithm?: WrappingAlgorithm
  /** Unix seconds when the material expires (the key goes back to PendingImport); 0 / absent = never. */
  validTo?: number
}

/** CreateKey parameters of a new EXTERNAL key. */
export interface NewExternalKey extends ImportOptions {
  alias: string
  description?: string
  /** AES_256 (default, 32 bytes of material) or SM4 (16 bytes). */
  keySpec?: SymmetricKeySpec
  /** Ask the provider for this KeyId (migration keeps the source's); see CreateKeyRequest.keyId. */
  keyId?: string
}

/**
 * BYOK (seed 004 "外部密钥导入") against any provider: CreateKey Type=2 (PendingImport) → GetParametersForImport →
 * wrap the material (file, GenerateRandom, or inside an HSM) → ImportKeyMaterial (optional ValidTo) → Enabled.
 * If wrapping or import fails the key stays as it was (PendingImport for a new key) and the error propagates.
 *
 * @example
 * ```ts
 * const byok = new ByokImport(provider)
 * const key = await byok.createAndImport({ alias: 'orders-byok', source: new FileMaterialSource('key_material.bin') })
 * key.keyState // 'Enabled'
 * ```
 */
export class ByokImport {
  readonly #provider: KeyAdministration & KeyImport

  constructor(provider: KeyAdministration & KeyImport) {
    needs(provider !== null && typeof provider === 'object', 'MissingParameter', 'ByokImport needs a KeyProvider.')
    this.#provider = provider
  }

  /** Creates an EXTERNAL key and imports material into it; returns its metadata (Enabled). */
  async createAndImport(req: NewExternalKey): Promise<KeyMetadata> {
    /* Precondition: a valid alias, description, key spec and import options. */
    needs(req !== null && typeof req === 'object', 'MissingParameter', 'createAndImport needs a request object.')
    checkAlias(req.alias)
    if (req.description !== undefined) checkDescription(req.description)
    if (req.keySpec !== undefined) checkOneOf('KeySpec', req.keySpec, SYMMETRIC_KEY_SPECS)
    if (req.keyId !== undefined) checkKeyId(req.keyId)
    checkImportOptions(req)
    return this.onCreateAndImport(req)
  }

  /** Imports (or re-imports the same) material into an existing EXTERNAL key; returns its metadata. */
  async importInto(keyId: string, opts: ImportOptions): Promise<KeyMetadata> {
    /* Precondition: a valid KeyId and import options. */
    checkKeyId(keyId)
    checkImportOptions(opts)
    return this.onImport(keyId, opts)
  }

  protected async onCreateAndImport(req: NewExternalKey): Promise<KeyMetadata> {
    const created = await this.#provider.createKey(
      {
        alias: req.alias,
        type: 2,
        keySpec: req.keySpec ?? 'AES_256',
        ...(req.description !== undefined ? { description: req.description } : {}),
        ...(req.keyId !== undefined ? { keyId: req.keyId } : {}),
      },
      signalOf(req),
    )
    if (req.keyId !== undefined && created.keyId !== req.keyId) {
      // A provider that cannot choose KeyIds (Tencent's API has no such parameter) made a key nobody asked for.
      await this.#provider
        .scheduleKeyDeletion(created.keyId, LIMITS.minPendingWindowDays, signalOf(req))
        .catch(() => undefined)
      throw new KeywardError(
        'UnsupportedOperation',
        `The ${this.#provider.name} provider cannot create a key with a chosen KeyId (it made ${created.keyId}, now scheduled for deletion).`,
      )
    }
    return this.onImport(created.keyId, req)
  }

  protected async onImport(keyId: string, opts: ImportOptions): Promise<KeyMetadata> {
    const p = this.#provider
    const before = await p.describeKey(keyId, signalOf(opts))
    needs(
      before.origin === 'EXTERNAL',
      'UnsupportedOperation.NotUserCreatedCmk',
      `Key ${keyId} is not EXTERNAL; only EXTERNAL keys take imported material.`,
    )
    const wrappingAlgorithm = opts.wrappingAlgorithm ?? 'RSAES_OAEP_SHA_256'
    const params = await p.getParametersForImport(
      { keyId, wrappingAlgorithm, wrappingKeySpec: 'RSA_2048' },
      signalOf(opts),
    )
    const materialBytes = IMPORT_MATERIAL_BYTES[before.keySpec as SymmetricKeySpec]
    needs(
      materialBytes !== undefined,
      'UnsupportedOperation',
      `Key ${keyId} has KeySpec ${before.keySpec}; only AES_256 and SM4 keys take imported material.`,
    )
    const encryptedKeyMaterial = await opts.source.wrap(
      { keyId, publicKey: params.publicKey, wrappingAlgorithm, materialBytes },
      signalOf(opts),
    )
    await p.importKeyMaterial(
      {
        keyId,
        importToken: params.importToken,
        encryptedKeyMaterial,
        ...(opts.validTo ? { validTo: opts.validTo } : {}),
      },
      signalOf(opts),
    )
    return p.describeKey(keyId, signalOf(opts))
  }
}

function checkImportOptions(opts: ImportOptions): void {
  needs(opts !== null && typeof opts === 'object', 'MissingParameter', 'Import options are required.')
  needs(
    opts.source !== null && typeof opts.source === 'object' && typeof opts.source.wrap === 'function',
    'MissingParameter',
    'A key material source (KeyMaterialSource) is required.',
  )
  if (opts.wrappingAlgorithm !== undefined) checkOneOf('WrappingAlgorithm', opts.wrappingAlgorithm, WRAPPING_ALGORITHMS)
  if (opts.validTo !== undefined && opts.validTo !== 0) checkInt('ValidTo', opts.validTo, 1, 2 ** 32 - 1)
}

function signalOf(opts: CallOptions): CallOptions {
  return opts.signal ? { signal: opts.signal } : {}
}
