import { expect } from 'vitest'
import type { KeyMetadata, KeywardErrorCode, SymmetricKeySpec, WrappingAlgorithm } from '@keyward/core'
import { expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'
import { wrapMaterial } from './local-crypto.js'

/** Codes a refused import token may carry: only the newest token of a key is valid, and only for that key. */
export const TOKEN_REFUSED: readonly KeywardErrorCode[] = [
  'ResourceUnavailable.TokenExpired',
  'InvalidParameter',
  'InvalidParameter.DecryptMaterialError',
]
/** Codes for material that does not unwrap to a key of the right size. */
export const MATERIAL_REFUSED: readonly KeywardErrorCode[] = [
  'InvalidParameter.DecryptMaterialError',
  'InvalidParameterValue',
]

/** The steps of a BYOK import as a client performs them, for the import cases. */
export class ImportSteps {
  /** OAEP-SHA-256 when the backend offers it (Tencent's recommendation), else its first wrapping algorithm. */
  readonly defaultWrapping: WrappingAlgorithm

  constructor(private readonly ctx: SuiteContext) {
    const wrapping = ctx.expected.wrappingAlgorithms
    this.defaultWrapping = wrapping.includes('RSAES_OAEP_SHA_256') ? 'RSAES_OAEP_SHA_256' : wrapping[0]!
  }

  /** A new EXTERNAL (Type=2) key, in PendingImport. */
  external(spec: SymmetricKeySpec = 'AES_256'): Promise<KeyMetadata> {
    return this.ctx.createKey({ type: 2, keySpec: spec })
  }

  /** Fetches a fresh token, wraps `material` locally with its public key and imports it. */
  async importMaterial(
    keyId: string,
    material: Uint8Array,
    validTo?: number,
    algorithm: WrappingAlgorithm = this.defaultWrapping,
  ): Promise<void> {
    const p = this.ctx.provider
    const params = await p.getParametersForImport({ keyId, wrappingAlgorithm: algorithm, wrappingKeySpec: 'RSA_2048' })
    const encryptedKeyMaterial = wrapMaterial(params.publicKey, algorithm, material)
    await p.importKeyMaterial({
      keyId,
      importToken: params.importToken,
      encryptedKeyMaterial,
      ...(validTo ? { validTo } : {}),
    })
  }

  /** Runs an import that must be refused with `codes`, and asserts the key's metadata did not change. */
  async refusedUnchanged(
    key: KeyMetadata,
    call: () => Promise<unknown>,
    codes: KeywardErrorCode | readonly KeywardErrorCode[],
  ): Promise<void> {
    const before = await this.ctx.provider.describeKey(key.keyId)
    await expectKeywardError(call, codes)
    expect(await this.ctx.provider.describeKey(key.keyId)).toEqual(before)
  }
}
