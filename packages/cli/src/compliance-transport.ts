import {
  ComplianceGate,
  blobCipherOf,
  blobKeyIdOf,
  complianceProfile,
  isCompliant,
  isKeywardError,
  requireCompliant,
  type ComplianceSubject,
  type KeyUsage,
  type LegacyDecryptEvent,
  type SymmetricKeySpec,
} from '@keyward/core'
import type { KeywardConfig } from '@keyward/container'
import { toKeyMetadata } from '@keyward/provider-tencent-kms'
import type { KmsEnvelope, KmsTransport } from './kms-transport.js'
import { responseError } from './kms-transport.js'

type Params = Record<string, unknown>

/** Actions that use the key named by `KeyId`: its material must be allowed (keys made before the profile too). */
const KEY_USING = new Set([
  'Encrypt',
  'GenerateDataKey',
  'GetPublicKey',
  'RotateKey',
  'EnableKeyRotation',
  'GetParametersForImport',
  'ImportKeyMaterial',
  'SignByAsymmetricKey',
  'VerifyByAsymmetricKey',
  'AsymmetricRsaDecrypt',
  'AsymmetricSm2Decrypt',
])

const str = (p: Params, name: string): string | undefined =>
  typeof p[name] === 'string' && p[name] !== '' ? (p[name] as string) : undefined

/**
 * The compliance profile on raw Actions to a remote KMS (Tencent Cloud, or a `keyward serve` whatever its own
 * profile): `keyward kms` sends Tencent-shaped parameters no provider sees, so they are checked here with the same
 * gate the provider wrapper uses — the algorithm each parameter names, the material of the key each Action uses
 * (one DescribeKey per key), defaults the profile switches (KeySpec on endpoints that take it, EncryptionAlgorithm),
 * and legacy ciphertexts. A refusal answers in Tencent's error shape without sending anything.
 */
export class ComplianceTransport implements KmsTransport {
  readonly #gate: ComplianceGate

  constructor(
    private readonly inner: KmsTransport,
    private readonly config: KeywardConfig,
    /** The region's symmetric specs; an endpoint listing both (keyward serve) takes a KeySpec parameter. */
    private readonly specs: readonly SymmetricKeySpec[],
    private readonly onLegacy: (e: LegacyDecryptEvent) => void,
  ) {
    this.#gate = new ComplianceGate(complianceProfile(config.compliance), async (keyId) => {
      const r = await inner.call('DescribeKey', { KeyId: keyId })
      const err = responseError(r)
      if (err) throw Object.assign(new Error(err.message), { envelope: r })
      const meta = toKeyMetadata((r.Response['KeyMetadata'] ?? {}) as Params)
      return {
        keyId: meta.keyId,
        keySpec: meta.keySpec === 'AES_256' && this.specs.length === 1 ? this.specs[0]! : meta.keySpec,
        keyUsage: meta.keyUsage,
      }
    })
  }

  async call(action: string, params: Readonly<Params>): Promise<KmsEnvelope> {
    let legacy: LegacyDecryptEvent | undefined
    let request: Params
    try {
      ;({ request, legacy } = await this.#before(action, { ...params }))
    } catch (e) {
      return refusalEnvelope(e)
    }
    const r = await this.inner.call(action, request)
    if (responseError(r)) return r
    try {
      legacy ??= await this.#after(action, request, r)
    } catch (e) {
      return refusalEnvelope(e)
    }
    if (legacy) this.onLegacy(legacy)
    return r
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  get #allowLegacy(): boolean {
    return this.config.allowLegacyDecrypt
  }

  async #before(action: string, p: Params): Promise<{ request: Params; legacy: LegacyDecryptEvent | undefined }> {
    const profile = this.#gate.profile
    let legacy: LegacyDecryptEvent | undefined
    if (action === 'CreateKey') this.#createKey(p)
    if (KEY_USING.has(action)) await this.#gate.requireKey(str(p, 'KeyId') ?? '', action)
    if (action === 'SignByAsymmetricKey' || action === 'VerifyByAsymmetricKey')
      requireCompliant(profile, 'signAlgorithm', p['Algorithm'], action)
    if (action === 'GetParametersForImport')
      requireCompliant(profile, 'wrappingAlgorithm', p['WrappingAlgorithm'], action)
    if (action === 'ImportKeyMaterial' && profile.allowed.wrappingAlgorithm.length === 0)
      requireCompliant(profile, 'wrappingAlgorithm', 'RSAES_OAEP_SHA_256', action)
    if (action === 'GenerateDataKey' && p['NumberOfBytes'] === undefined)
      requireCompliant(profile, 'dataKeySpec', p['KeySpec'], action)
    if (action === 'AsymmetricRsaDecrypt' || action === 'AsymmetricSm2Decrypt') {
      const algorithm = action === 'AsymmetricSm2Decrypt' ? 'SM2' : p['Algorithm']
      if (typeof algorithm === 'string' && !isCompliant(profile, 'encryptionAlgorithm', algorithm as never)) {
        legacy = this.#gate.legacy(this.#allowLegacy, action, str(p, 'KeyId') ?? '', 'encryptionAlgorithm', algorithm)
      }
    }
    if (str(p, 'EncryptionPublicKey') !== undefined) {
      p['EncryptionAlgorithm'] ??= profile.defaults.sealAlgorithm
      requireCompliant(profile, 'sealAlgorithm', p['EncryptionAlgorithm'], action)
    }
    if (action === 'Decrypt' || action === 'ReEncrypt') legacy = this.#blobLegacy(action, str(p, 'CiphertextBlob'))
    if (action === 'ReEncrypt') {
      const dest = str(p, 'DestinationKeyId')
      if (dest !== undefined) await this.#gate.requireKey(dest, 'ReEncrypt destination')
      else if (legacy)
        this.#refuse('blobCipher', legacy.algorithm, 'ReEncrypt back under the same key; name a DestinationKeyId')
    }
    if (action === 'GetDataKeyPlaintext') legacy = await this.#hostedLegacy(str(p, 'DataKeyId'))
    return { request: p, legacy }
  }

  #createKey(p: Params): void {
    const usage = (str(p, 'KeyUsage') ?? 'ENCRYPT_DECRYPT') as KeyUsage
    const spec = str(p, 'KeySpec') as SymmetricKeySpec | undefined
    const checked = this.#gate.createKey({
      alias: 'checked',
      keyUsage: usage,
      ...(spec ? { keySpec: spec } : {}),
      ...(p['Type'] === 2 ? { type: 2 } : {}),
    })
    if (usage !== 'ENCRYPT_DECRYPT' || !checked.keySpec) return
    // keyward serve takes KeySpec; a Tencent region makes its own spec, which must then be an allowed one.
    if (this.specs.length > 1) p['KeySpec'] = checked.keySpec
    else if (spec === undefined)
      requireCompliant(
        this.#gate.profile,
        'keySpec',
        this.specs[0],
        'CreateKey in this region (tencent.symmetricKeySpecs)',
      )
  }

  #blobLegacy(action: string, blob: string | undefined): LegacyDecryptEvent | undefined {
    const cipher = blobCipherOf(blob)
    if (!cipher || isCompliant(this.#gate.profile, 'blobCipher', cipher)) return undefined
    return this.#gate.legacy(this.#allowLegacy, action, blobKeyIdOf(blob) ?? '', 'blobCipher', cipher)
  }

  async #hostedLegacy(dataKeyId: string | undefined): Promise<LegacyDecryptEvent | undefined> {
    if (dataKeyId === undefined) return undefined
    const r = await this.inner.call('DescribeDataKey', { DataKeyId: dataKeyId })
    const keyId = (r.Response['DataKeyMetadata'] as Params | undefined)?.['KeyId']
    if (typeof keyId !== 'string' || (await this.#gate.keyAllowed(keyId))) return undefined
    return this.#gate.legacy(
      this.#allowLegacy,
      'GetDataKeyPlaintext',
      keyId,
      'keySpec',
      (await this.#gate.key(keyId)).keySpec,
    )
  }

  /** Opaque (Tencent) blobs name their key only in the answer: a refused key withholds it. */
  async #after(action: string, request: Params, r: KmsEnvelope): Promise<LegacyDecryptEvent | undefined> {
    if ((action !== 'Decrypt' && action !== 'ReEncrypt') || blobCipherOf(request['CiphertextBlob']) !== undefined)
      return undefined
    if (action === 'ReEncrypt' && request['DestinationKeyId'] === undefined)
      await this.#gate.requireKey(String(r.Response['KeyId']), 'ReEncrypt destination')
    const source = String(r.Response[action === 'Decrypt' ? 'KeyId' : 'SourceKeyId'] ?? '')
    if (!source || (await this.#gate.keyAllowed(source))) return undefined
    return this.#gate.legacy(this.#allowLegacy, action, source, 'keySpec', (await this.#gate.key(source)).keySpec)
  }

  #refuse(subject: ComplianceSubject, value: string, where: string): never {
    requireCompliant(this.#gate.profile, subject, value, where)
    throw new Error('unreachable: the value is refused')
  }
}

/** A refusal (or the remote's own error during a check) as the KMS answer `keyward kms` prints. */
function refusalEnvelope(e: unknown): KmsEnvelope {
  const envelope = (e as { envelope?: KmsEnvelope } | undefined)?.envelope
  if (envelope) return envelope
  if (!isKeywardError(e)) throw e
  return { Response: { Error: { Code: e.code, Message: e.message }, RequestId: '' } }
}
