import { needs } from '@keyward/core'
import type { Pkcs11CreateKeyRequest } from './pkcs11-key-provider.js'
import type { TokenContext } from './token-context.js'
import { requireDeclared, type CapabilityList } from './token-plan.js'

/*
 * The PKCS#11-specific preconditions: what the connected token can do (read from its mechanism list, see
 * token-plan.ts) and the one PKCS#11-only CreateKey option. The request checks every provider shares come from
 * @keyward/core and run first, at the provider's public method.
 */

/** UnsupportedOperation naming what the token lacks, unless it offers `value` in `list`. */
export function requireOnToken(
  ctx: TokenContext & { readonly name: string },
  list: CapabilityList,
  value: string,
): void {
  requireDeclared(ctx.plan(), ctx.name, list, value)
}

/**
 * CreateKey on this token: `extractable` is a boolean and only for ENCRYPT_DECRYPT keys; the usage and key spec are
 * ones the token offers; an EXTERNAL key needs an unwrap mechanism. Run after core's checkCreateKey.
 */
export function checkCreateKeyOnToken(
  ctx: TokenContext & { readonly name: string },
  req: Pkcs11CreateKeyRequest,
): void {
  if (req.extractable !== undefined)
    needs(typeof req.extractable === 'boolean', 'InvalidParameterValue', 'extractable must be a boolean.')
  const usage = req.keyUsage ?? 'ENCRYPT_DECRYPT'
  requireOnToken(ctx, 'keyUsages', usage)
  if (usage === 'ENCRYPT_DECRYPT') requireOnToken(ctx, 'symmetricKeySpecs', req.keySpec ?? 'AES_256')
  if (req.type === 2) {
    const plan = ctx.plan()
    const why = plan.gaps.get('RSAES_OAEP_SHA_1') ?? 'no unwrap mechanism'
    needs(
      plan.capabilities.wrappingAlgorithms.length > 0,
      'UnsupportedOperation',
      `The ${ctx.name} provider cannot import key material on this token: ${why}.`,
    )
  }
  needs(
    !req.extractable || usage === 'ENCRYPT_DECRYPT',
    'UnsupportedOperation',
    'Only ENCRYPT_DECRYPT keys can be created extractable.',
  )
}
