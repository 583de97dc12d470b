import * as graphene from 'graphene-pk11'
import { KeywardError, type WrappingAlgorithm } from '@keyward/core'
import { wrappingPublicKeyTemplate } from './key-templates.js'
import { toKeywardError } from './pkcs11-errors.js'
import { rsaComponents } from './public-key.js'
import type { TokenContext } from './token-context.js'
import { wrapKeyAsync } from './token-ops.js'
import { unwrapMechanism } from './byok-import.js'

/**
 * C_WrapKey of token key `id` under an RSA public key given as SPKI DER: the key leaves the token only encrypted,
 * ready for another provider's ImportKeyMaterial. The public key becomes a session object for the call (gone
 * with it). Works only for keys created with `extractable: true`; the token refuses the others.
 */
export async function wrapTokenKey(
  ctx: TokenContext,
  id: Buffer,
  keyId: string,
  wrappingPublicKeyDer: Uint8Array,
  algorithm: WrappingAlgorithm,
): Promise<Uint8Array> {
  const { modulus, publicExponent, bits } = rsaComponents(wrappingPublicKeyDer, 'WrappingPublicKey')
  if (bits < 2048 || bits > 4096)
    throw new KeywardError('InvalidParameterValue', `WrappingPublicKey must be RSA 2048-4096 bits, got ${bits}.`)
  const mech = unwrapMechanism(algorithm)
  try {
    return await ctx.pool.use(async (session) => {
      const key = ctx.objects.find(session, 'secret', id, keyId)
      const extractable = key.getAttribute({ extractable: null }).extractable
      if (!extractable) {
        throw new KeywardError(
          'UnsupportedOperation',
          `Key ${keyId} was created non-extractable (the default); only keys created with extractable: true can be wrapped out of the token.`,
        )
      }
      const wrapping = session.create(wrappingPublicKeyTemplate(modulus, publicExponent)).toType<graphene.PublicKey>()
      try {
        return new Uint8Array(await wrapKeyAsync(session, mech, wrapping, key))
      } finally {
        try {
          session.destroy(wrapping)
        } catch {
          /* a session object dies with its session anyway */
        }
      }
    })
  } catch (e) {
    throw toKeywardError(e, 'Wrapping the key')
  }
}
