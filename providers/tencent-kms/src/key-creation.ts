import {
  KeywardError,
  LIMITS,
  isKeywardError,
  type CallOptions,
  type CreateKeyRequest,
  type KeyMetadata,
  type SymmetricKeySpec,
} from '@keyward/core'
import type { KmsCaller } from './kms-caller.js'
import { toKeyMetadata } from './metadata-mapping.js'

/** What a Tencent-API endpoint that cannot take CreateKey's KeyId (real Tencent KMS) makes us say. */
function chosenKeyIdRefused(cause?: unknown): KeywardError {
  return new KeywardError(
    'UnsupportedOperation',
    'CreateKey: this endpoint does not accept a chosen KeyId (real Tencent KMS assigns its own); keyward serve does.',
    cause === undefined ? {} : { cause },
  )
}

/**
 * CreateKey. Tencent's CreateKey has no KeySpec (the region decides); only an endpoint offering both AES_256 and SM4
 * takes one. A chosen KeyId (Type=2 only) is sent as `KeyId`: keyward serve takes it; real Tencent KMS answers
 * UnknownParameter, which becomes UnsupportedOperation. `specs`: what the endpoint makes (the capabilities).
 */
export async function createKey(
  kms: KmsCaller,
  specs: readonly SymmetricKeySpec[],
  req: CreateKeyRequest,
  opts?: CallOptions,
): Promise<KeyMetadata> {
  const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
  const spec: SymmetricKeySpec = req.keySpec ?? (specs.includes('AES_256') ? 'AES_256' : specs[0]!)
  const sendSpec = usage === 'ENCRYPT_DECRYPT' && specs.length > 1
  const res = await kms
    .call(
      'CreateKey',
      {
        Alias: req.alias,
        KeyUsage: usage,
        Type: req.type ?? 1,
        ...(req.description === undefined ? {} : { Description: req.description }),
        ...(sendSpec ? { KeySpec: spec } : {}),
        ...(req.keyId === undefined ? {} : { KeyId: req.keyId }),
      },
      opts,
    )
    .catch((e: unknown) => {
      throw req.keyId !== undefined &&
        isKeywardError(e) &&
        (e.code === 'UnknownParameter' || /^UnknownParameter/.test(e.backendCode ?? ''))
        ? chosenKeyIdRefused(e)
        : e
    })
  if (req.keyId !== undefined && res.KeyId !== req.keyId) await refuseOtherKeyId(kms, res.KeyId, opts)
  return toKeyMetadata({
    KeySpec: spec,
    Origin: req.type === 2 ? 'EXTERNAL' : 'TENCENT_KMS',
    KeyState: req.type === 2 ? 'PendingImport' : 'Enabled',
    ...res,
  })
}

/**
 * An endpoint that took CreateKey but assigned its own KeyId (it ignores unknown parameters): the new key is of no
 * use to the caller, so it is scheduled for deletion (best effort) and the call fails rather than silently
 * returning another KeyId.
 */
async function refuseOtherKeyId(kms: KmsCaller, made: unknown, opts?: CallOptions): Promise<never> {
  if (typeof made === 'string' && made)
    await kms
      .call('ScheduleKeyDeletion', { KeyId: made, PendingWindowInDays: LIMITS.minPendingWindowDays }, opts)
      .catch(() => undefined)
  throw chosenKeyIdRefused()
}
