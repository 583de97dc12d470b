import {
  toBase64,
  type CallOptions,
  type GetParametersForImportRequest,
  type ImportKeyMaterialRequest,
  type ImportParameters,
} from '@keyward/core'
import type { KmsCaller } from './kms-caller.js'
import { requiredNumber, requiredString } from './response-fields.js'

/**
 * BYOK Actions of the Tencent provider (DeleteImportedKeyMaterial takes only the KeyId and is sent from the provider
 * class).
 */

/** GetParametersForImport: the wrapping key spec defaults to RSA_2048, sent explicitly. */
export async function getParametersForImport(
  kms: KmsCaller,
  req: GetParametersForImportRequest,
  opts?: CallOptions,
): Promise<ImportParameters> {
  const res = await kms.call(
    'GetParametersForImport',
    { KeyId: req.keyId, WrappingAlgorithm: req.wrappingAlgorithm, WrappingKeySpec: req.wrappingKeySpec ?? 'RSA_2048' },
    opts,
  )
  return {
    keyId: requiredString(res, 'KeyId'),
    importToken: requiredString(res, 'ImportToken'),
    publicKey: requiredString(res, 'PublicKey'),
    parametersValidTo: requiredNumber(res, 'ParametersValidTo'),
  }
}

/** ImportKeyMaterial: ValidTo 0 (never) is not sent, which Tencent reads the same way. */
export async function importKeyMaterial(
  kms: KmsCaller,
  req: ImportKeyMaterialRequest,
  opts?: CallOptions,
): Promise<void> {
  await kms.call(
    'ImportKeyMaterial',
    {
      KeyId: req.keyId,
      ImportToken: req.importToken,
      EncryptedKeyMaterial: toBase64(req.encryptedKeyMaterial),
      ...(req.validTo ? { ValidTo: req.validTo } : {}),
    },
    opts,
  )
}
