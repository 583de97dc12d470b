import { describe, expect, it } from 'vitest'
import {
  ASYMMETRIC_ENCRYPTION_ALGORITHMS,
  KEY_USAGES,
  SIGN_ALGORITHM_TABLE,
  SIGN_ALGORITHMS,
  SYMMETRIC_KEY_SPECS,
  WRAPPING_ALGORITHMS,
  type KeywardErrorCode,
  type ProviderCapabilities,
} from '@keyward/core'
import { expectKeywardError, expectUnsupported } from './expect-error.js'
import type { ExpectedCapabilities, SuiteContext } from './harness.js'
import { rsaOaepEncrypt, parsePublicKey } from './local-crypto.js'

/** Capability lists as sorted sets, so that declaration order does not matter. */
function normalise(caps: ExpectedCapabilities | ProviderCapabilities): ExpectedCapabilities {
  return {
    keyUsages: [...caps.keyUsages].sort(),
    symmetricKeySpecs: [...caps.symmetricKeySpecs].sort(),
    signAlgorithms: [...caps.signAlgorithms].sort(),
    asymmetricDecryptAlgorithms: [...caps.asymmetricDecryptAlgorithms].sort(),
    wrappingAlgorithms: [...caps.wrappingAlgorithms].sort(),
    keyRotation: caps.keyRotation,
  }
}

/**
 * The provider declares exactly the expected capabilities, and everything outside them is refused with
 * UnsupportedOperation, never faked.
 */
export function capabilityCases(ctx: SuiteContext): void {
  const { expected } = ctx
  describe('capabilities', () => {
    it('declares exactly the expected capability map', () => {
      expect(normalise(ctx.provider.capabilities)).toEqual(normalise(expected))
    })

    const floor = ctx.floor
    if (floor) {
      it('the derived capabilities contain everything this backend is known to support', () => {
        const caps = normalise(ctx.provider.capabilities)
        const lists = [
          'keyUsages',
          'symmetricKeySpecs',
          'signAlgorithms',
          'asymmetricDecryptAlgorithms',
          'wrappingAlgorithms',
        ] as const
        for (const list of lists) expect(caps[list], list).toEqual(expect.arrayContaining([...floor[list]]))
        if (floor.keyRotation) expect(caps.keyRotation).toBe(true)
      })
    }

    for (const usage of KEY_USAGES.filter((u) => !expected.keyUsages.includes(u))) {
      it(`refuses CreateKey with unsupported usage ${usage}`, async () => {
        await expectUnsupported(() => ctx.createKey({ keyUsage: usage }))
      })
    }
    for (const spec of SYMMETRIC_KEY_SPECS.filter((s) => !expected.symmetricKeySpecs.includes(s))) {
      it(`refuses CreateKey with unsupported symmetric spec ${spec}`, async () => {
        await expectUnsupported(() => ctx.createKey({ keySpec: spec }))
      })
    }
    for (const algorithm of SIGN_ALGORITHMS.filter((a) => !expected.signAlgorithms.includes(a))) {
      const usage = SIGN_ALGORITHM_TABLE[algorithm].usage
      if (!expected.keyUsages.includes(usage)) continue // the usage itself is refused above
      it(`refuses SignByAsymmetricKey with unsupported algorithm ${algorithm}`, async () => {
        const key = await ctx.sharedKey(usage)
        await expectUnsupported(() =>
          ctx.provider.signByAsymmetricKey({ keyId: key.keyId, algorithm, message: Buffer.from('m') }),
        )
      })
    }
    for (const algorithm of ASYMMETRIC_ENCRYPTION_ALGORITHMS.filter(
      (a) => !expected.asymmetricDecryptAlgorithms.includes(a),
    )) {
      if (algorithm === 'SM2') continue // SM2 decryption exists only with the SM2 usage, refused above when missing
      if (!expected.keyUsages.includes('ASYMMETRIC_DECRYPT_RSA_2048')) continue
      it(`refuses AsymmetricRsaDecrypt with unsupported algorithm ${algorithm}`, async () => {
        const key = await ctx.sharedKey('ASYMMETRIC_DECRYPT_RSA_2048')
        const { key: pub } = parsePublicKey(await ctx.provider.getPublicKey(key.keyId))
        const ciphertext = rsaOaepEncrypt(pub, algorithm, Buffer.from('secret'))
        await expectUnsupported(() => ctx.provider.asymmetricRsaDecrypt({ keyId: key.keyId, algorithm, ciphertext }))
      })
    }
    if (expected.wrappingAlgorithms.length === 0) {
      it('refuses CreateKey Type=2 (EXTERNAL) when it cannot import key material', async () => {
        await expectUnsupported(() => ctx.createKey({ type: 2 }))
      })
    } else {
      for (const wrappingAlgorithm of WRAPPING_ALGORITHMS.filter((a) => !expected.wrappingAlgorithms.includes(a))) {
        it(`refuses GetParametersForImport with unsupported wrapping algorithm ${wrappingAlgorithm}`, async () => {
          const key = await ctx.createKey({ type: 2 })
          await expectUnsupported(() => ctx.provider.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm }))
        })
      }
    }
    if (!expected.keyRotation) {
      it('refuses key rotation when it cannot rotate', async () => {
        // Without symmetric keys there is nothing that rotates: any key is refused, for its usage or the provider's.
        const key = await ctx.sharedKey(ctx.defaultUsage)
        const codes: KeywardErrorCode[] = ctx.symmetric
          ? ['UnsupportedOperation']
          : ['UnsupportedOperation', 'UnsupportedOperation.UnsupportedKeyUsage']
        await expectKeywardError(() => ctx.provider.enableKeyRotation(key.keyId, 30), codes)
        await expectKeywardError(() => ctx.provider.rotateKey(key.keyId), codes)
      })
    }
  })
}
