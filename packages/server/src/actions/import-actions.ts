import { WRAPPING_ALGORITHMS, WRAPPING_KEY_SPECS, checkBytes, needs, type KeyImport } from '@keyward/core'
import { bytes, oneOf, optInt, str, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'
import type { ActionTable } from './action-handler.js'

async function getParametersForImport(ctx: RequestContext<KeyImport>, p: Params) {
  const wrappingAlgorithm = oneOf(p, 'WrappingAlgorithm', WRAPPING_ALGORITHMS)
  const wrappingKeySpec = oneOf(p, 'WrappingKeySpec', WRAPPING_KEY_SPECS)
  const owner = await ctx.key(p['KeyId'])
  const r = await ctx.provider.getParametersForImport({ keyId: owner.keyId, wrappingAlgorithm, wrappingKeySpec })
  return { KeyId: r.keyId, ImportToken: r.importToken, PublicKey: r.publicKey, ParametersValidTo: r.parametersValidTo }
}

async function importKeyMaterial(ctx: RequestContext<KeyImport>, p: Params) {
  const encryptedKeyMaterial = bytes(p, 'EncryptedKeyMaterial', 4096)
  checkBytes('EncryptedKeyMaterial', encryptedKeyMaterial, 1, 1024)
  const importToken = str(p, 'ImportToken', 8192)
  const validTo = optInt(p, 'ValidTo')
  needs(
    validTo === undefined || validTo >= 0,
    'InvalidParameterValue',
    'ValidTo must be a Unix time in seconds, or 0 for never.',
  )
  const owner = await ctx.key(p['KeyId'])
  await ctx.provider.importKeyMaterial({
    keyId: owner.keyId,
    importToken,
    encryptedKeyMaterial,
    ...(validTo === undefined ? {} : { validTo }),
  })
  return {}
}

async function deleteImportedKeyMaterial(ctx: RequestContext<KeyImport>, p: Params) {
  const owner = await ctx.key(p['KeyId'])
  await ctx.provider.deleteImportedKeyMaterial(owner.keyId)
  return {}
}

/** BYOK: GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial. */
export const importActions: ActionTable<KeyImport> = {
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
}
