import { checkString, needs, type CallOptions } from '@keyward/core'
import type { KeyMaterialSource, WrapTarget } from './material-source.js'

/** Wraps key material held elsewhere for `target`; returns the wrapped bytes only. */
export type WrapFunction = (target: WrapTarget, opts: CallOptions) => Promise<Uint8Array>

/**
 * Material that stays inside its holder and leaves it only wrapped: a PKCS#11 token (C_WrapKey with the import
 * public key, so the plaintext never reaches the host) or a provider's export for migration (software
 * `exportWrappedKeyMaterial`). Flows import no provider, so the holder is plugged in as a function.
 *
 * @example
 * ```ts
 * const source = new KeyWrapperMaterialSource('HSM key orders-master', (t) =>
 *   hsm.wrapKeyMaterialFor(hsmKeyId, Buffer.from(t.publicKey, 'base64'), t.wrappingAlgorithm))
 * await new ByokImport(software).createAndImport({ alias: 'orders', wrappingAlgorithm: 'RSAES_OAEP_SHA_1', source })
 * ```
 */
export class KeyWrapperMaterialSource implements KeyMaterialSource {
  readonly description: string
  readonly #wrap: WrapFunction

  constructor(description: string, wrap: WrapFunction) {
    checkString('Description', description, 200)
    needs(typeof wrap === 'function', 'InvalidParameter', 'KeyWrapperMaterialSource needs a wrap function.')
    this.description = description
    this.#wrap = wrap
  }

  async wrap(target: WrapTarget, opts: CallOptions = {}): Promise<Uint8Array> {
    const wrapped = await this.#wrap(target, opts)
    needs(
      wrapped instanceof Uint8Array && wrapped.byteLength > 0,
      'InvalidParameterValue',
      `${this.description} returned no wrapped material.`,
    )
    return wrapped
  }
}
