import { checkChosenKeyId, isKeywardError, needs, type KeyAdministration } from '@keyward/core'
import { optStr, type Params } from '../protocol/params.js'
import type { RequestContext } from '../request-context.js'

/**
 * CreateKey's optional `KeyId` (a Keyward extension, Type=2 only): BYOK migration recreates a key under the KeyId
 * that old ciphertext blobs name. Returns undefined when none is given.
 */
export function chosenKeyIdOf(p: Params, type: number | undefined): string | undefined {
  const keyId = optStr(p, 'KeyId', 128)
  if (keyId === undefined) return undefined
  checkChosenKeyId(keyId)
  needs(type === 2, 'InvalidParameterValue', 'KeyId can be chosen only for EXTERNAL (Type=2) keys.')
  return keyId
}

/**
 * Refuses a chosen KeyId that any account owns or ever owned (tombstone: a KeyId is never reused), or that the
 * provider holds (even unowned, e.g. left by a crash; the provider also refuses KeyIds it deleted). One error for
 * every case, so that a caller cannot learn whether, or by whom, a KeyId is used.
 */
export async function checkKeyIdUnused(ctx: RequestContext<KeyAdministration>, keyId: string): Promise<void> {
  let used = await ctx.store.owners.used(keyId)
  if (!used) {
    used = await ctx.provider.describeKey(keyId).then(
      () => true,
      (e: unknown) => {
        if (isKeywardError(e, 'ResourceUnavailable.CmkNotFound')) return false
        throw e
      },
    )
  }
  needs(!used, 'InvalidParameterValue', `KeyId ${keyId} cannot be used for a new key.`)
}
