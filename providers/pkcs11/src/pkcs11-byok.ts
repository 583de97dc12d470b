import {
  LIMITS,
  needs,
  toBase64,
  type Clock,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
  type KeyMetadata,
  type KeyStore,
} from '@keyward/core'
import { generateRsaPair, readPublicKey } from './asymmetric-crypto.js'
import { checkImportRequest, newImportToken, unwrapMaterial } from './byok-import.js'
import { readImportRecord, writeImportRecord } from './import-record.js'
import { KeyAdmin } from './key-admin.js'
import { importKeyId } from './key-templates.js'
import { toKeywardError } from './pkcs11-errors.js'
import type { TokenContext } from './token-context.js'

/**
 * BYOK into the token, with the semantics every Keyward provider shares: an RSA-2048 wrapping pair generated in
 * the token per GetParametersForImport (only the newest valid, for 24 h), C_UnwrapKey into a sensitive,
 * non-extractable key, only identical material re-importable, ValidTo expiry and DeleteImportedKeyMaterial back
 * to PendingImport. Also the destruction of token objects when a key or its material goes.
 */
export abstract class Pkcs11Byok extends KeyAdmin {
  protected readonly ctx: TokenContext
  /** BYOK steps of one key run one at a time: two GetParametersForImport at once must not leave two wrapping pairs. */
  readonly #keyQueues = new Map<string, Promise<unknown>>()

  constructor(store: KeyStore, clock: Clock, ctx: TokenContext, metadataCacheMs = 0) {
    super(store, clock, metadataCacheMs)
    this.ctx = ctx
  }

  #needsExternal(meta: KeyMetadata): void {
    needs(meta.origin === 'EXTERNAL', 'UnsupportedOperation.NotUserCreatedCmk', `Key ${meta.keyId} was not created with Type=2 (EXTERNAL).`)
    needs(meta.keyState !== 'PendingDelete', 'ResourceUnavailable.CmkStateNotSupport', `Key ${meta.keyId} is pending deletion.`)
  }

  #serial<T>(keyId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#keyQueues.get(keyId) ?? Promise.resolve()).then(fn, fn)
    const tail = run.catch(() => undefined)
    this.#keyQueues.set(keyId, tail)
    void tail.then(() => { if (this.#keyQueues.get(keyId) === tail) this.#keyQueues.delete(keyId) })
    return run
  }

  protected onGetParametersForImport(req: GetParametersForImportRequest): Promise<ImportParameters> {
    return this.#serial(req.keyId, () => this.#getParametersForImport(req))
  }

  protected onImportKeyMaterial(req: ImportKeyMaterialRequest): Promise<void> {
    return this.#serial(req.keyId, () => this.#importKeyMaterial(req))
  }

  protected onDeleteImportedKeyMaterial(keyId: string): Promise<void> {
    return this.#serial(keyId, () => this.#deleteImportedKeyMaterial(keyId))
  }

  async #getParametersForImport(req: GetParametersForImportRequest): Promise<ImportParameters> {
    const meta = await this.loadKey(req.keyId)
    this.#needsExternal(meta)
    const id = importKeyId(meta.keyId)
    // A new token invalidates the old one: its wrapping pair is destroyed, so material wrapped for it cannot unwrap.
    await this.#destroyObjects(id)
    await generateRsaPair(this.ctx, id, 'unwrap')
    const publicKey = (await readPublicKey(this.ctx, id, meta.keyId)).export({ format: 'der', type: 'spki' })
    const parametersValidTo = this.now() + LIMITS.importTokenValiditySeconds
    const importToken = newImportToken()
    await writeImportRecord(this.store, meta.keyId, { token: importToken, algorithm: req.wrappingAlgorithm, validTo: parametersValidTo })
    return { keyId: meta.keyId, importToken, publicKey: toBase64(publicKey), parametersValidTo }
  }

  async #importKeyMaterial(req: ImportKeyMaterialRequest): Promise<void> {
    const now = this.now()
    checkImportRequest(req, now)
    const meta = await this.loadKey(req.keyId)
    this.#needsExternal(meta)
    const outcome = await unwrapMaterial(this.ctx, this.store, meta, req, now)
    const patch: Partial<KeyMetadata> = { validTo: req.validTo ?? 0 }
    if (outcome.kind === 'added') {
      const version = await this.store.addVersion(meta.keyId, outcome.id)
      patch.keyVersionCount = version
    }
    if (meta.keyState === 'PendingImport') patch.keyState = 'Enabled'
    await this.store.updateKey(meta.keyId, patch)
  }

  async #deleteImportedKeyMaterial(keyId: string): Promise<void> {
    const meta = await this.loadKey(keyId)
    this.#needsExternal(meta)
    await this.#destroyVersions(keyId)
    await this.store.deleteVersions(keyId)
    this.dropVersionRefs(keyId)
    await this.store.updateKey(keyId, { keyState: 'PendingImport', validTo: 0, keyVersionCount: 0 })
  }

  /** Destroys every token object of a key: all versions and the import pair. */
  protected async onDestroyMaterial(keyId: string): Promise<void> {
    await this.#destroyVersions(keyId)
    if (await readImportRecord(this.store, keyId)) await this.#destroyObjects(importKeyId(keyId))
  }

  async #destroyVersions(keyId: string): Promise<void> {
    const latest = await this.store.latestVersion(keyId)
    for (let v = 1; v <= latest; v++) {
      const ref = await this.store.getVersion(keyId, v)
      if (ref) await this.#destroyObjects(Buffer.from(ref))
    }
  }

  async #destroyObjects(id: Buffer): Promise<void> {
    await this.ctx.pool.use(async (session) => this.ctx.objects.destroy(session, id))
      .catch((e: unknown) => { throw toKeywardError(e, 'Destroying token objects') })
  }
}
