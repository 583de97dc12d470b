import { expect } from 'vitest'
import {
  KeywardError,
  PROVIDER_ROLES,
  ROLE_METHODS,
  checkDecryptRequest,
  checkImportKeyMaterialRequest,
  checkListKeysRequest,
  checkVerifyRequest,
  type KeyProvider,
} from '@keyward/core'

/**
 * Checks of the shape issue 17 asks of a provider: one class that lists every method itself (no parent class to
 * look in, no `on*` hooks), whose public methods refuse bad input exactly as core's one request check does.
 */

/** Every method of core's KeyProvider (each role's, from core's own table), plus generateRandom and close. */
export const KEY_PROVIDER_METHODS: readonly string[] = [
  ...PROVIDER_ROLES.flatMap((role) => ROLE_METHODS[role]),
  'generateRandom',
  'close',
]

/** The class extends nothing, has every KeyProvider method (and `extra`) on its own prototype, and no `on*` hook. */
export function expectOneClassProvider(cls: { prototype: object }, extra: readonly string[] = []): void {
  expect(Object.getPrototypeOf(cls.prototype)).toBe(Object.prototype)
  const own = Object.getOwnPropertyNames(cls.prototype)
  for (const m of [...KEY_PROVIDER_METHODS, ...extra]) expect(own, m).toContain(m)
  expect(own.filter((m) => /^on[A-Z]/.test(m))).toEqual([])
}

function thrown(check: () => void): KeywardError {
  try {
    check()
  } catch (e) {
    return e as KeywardError
  }
  return expect.unreachable('the core check should have thrown')
}

/**
 * Bad requests (null and array requests, an Offset past 2³¹, numeric and empty blobs, a string signature, an empty
 * import token) that `provider` must refuse with the very code and message of core's request check.
 */
export async function expectRefusedAsCoreChecks(provider: KeyProvider): Promise<void> {
  const sig = { keyId: 'k', algorithm: 'SM2DSA', message: Buffer.from('m'), signature: 's' as never } as const
  const imp = { keyId: 'k', importToken: '', encryptedKeyMaterial: Buffer.alloc(256) }
  const cases: Array<[string, () => Promise<unknown>, () => void]> = [
    ['ListKeys(null)', () => provider.listKeys(null as never), () => checkListKeysRequest(null as never)],
    ['ListKeys([])', () => provider.listKeys([] as never), () => checkListKeysRequest([] as never)],
    [
      'ListKeys with an Offset past 2³¹',
      () => provider.listKeys({ offset: 2 ** 31 }),
      () => checkListKeysRequest({ offset: 2 ** 31 }),
    ],
    [
      'Decrypt with a numeric blob',
      () => provider.decrypt({ ciphertextBlob: 42 as never }),
      () => checkDecryptRequest({ ciphertextBlob: 42 as never }),
    ],
    [
      'Decrypt with an empty blob',
      () => provider.decrypt({ ciphertextBlob: '' }),
      () => checkDecryptRequest({ ciphertextBlob: '' }),
    ],
    ['Verify with a string signature', () => provider.verifyByAsymmetricKey(sig), () => checkVerifyRequest(sig)],
    [
      'ImportKeyMaterial with an empty token',
      () => provider.importKeyMaterial(imp),
      () => checkImportKeyMaterialRequest(imp),
    ],
  ]
  for (const [name, call, check] of cases) {
    const expected = thrown(check)
    const got = await call().then(
      () => expect.unreachable(`${name} should be refused`),
      (x: unknown) => x,
    )
    expect(got, name).toBeInstanceOf(KeywardError)
    expect([(got as KeywardError).code, (got as KeywardError).message], name).toEqual([expected.code, expected.message])
  }
}
