import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { describe, expect, it } from 'vitest'
import { withCompliance } from '@keyward/core'
import type { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { expectCode, objectsWithIdPrefix, type TestToken, withTokenSession } from '@keyward/test-support'

/** The objects with CKA_ID exactly `id`, read through a second handle on the module (as another application). */
export function objectsWithId<T>(token: TestToken, id: string, read: (objects: graphene.SessionObject[]) => T): T {
  return withTokenSession(
    token,
    (session) =>
      read(
        objectsWithIdPrefix(session, id).filter(
          (o) => (o.getAttribute({ id: null }).id as Buffer).toString('latin1') === id,
        ),
      ),
    { alongside: true },
  )
}

/** Attributes that decide whether key material can leave the token. */
export function secretAttributes(o: graphene.SessionObject): {
  token: boolean
  sensitive: boolean
  extractable: boolean
  keyType: number
} {
  return o
    .toType<graphene.SecretKey>()
    .getAttribute({ token: null, sensitive: null, extractable: null, keyType: null }) as never
}

function wrap(publicKeyB64: string, material: Buffer, oaep: boolean): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' })
  return oaep
    ? publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, material)
    : publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, material)
}

/**
 * BYOK into a token and what the token holds afterwards, read back independently: one wrapping pair per key
 * whatever the races, imported and generated keys sensitive and non-extractable (even on tokens that ignore
 * CKA_EXTRACTABLE=FALSE in a template), no probe objects left behind.
 */
export function byokCases(token: TestToken, provider: () => Pkcs11KeyProvider): void {
  const etm = () => provider().tokenPlan().symmetric === 'AES-256-CBC-HMAC-SHA256'
  /** The CKA_IDs a version of a symmetric key occupies: its AES key, plus the two working keys on EtM tokens. */
  const versionIds = (keyId: string) => [`${keyId}/v1`, ...(etm() ? [`${keyId}/v1/enc`, `${keyId}/v1/mac`] : [])]

  describe(`BYOK into ${token.kind}`, () => {
    it('concurrent GetParametersForImport leave one wrapping pair in the token; only the newest token imports', async () => {
      const key = await provider().createKey({ alias: `byok-race-${Date.now()}`, type: 2 })
      const all = await Promise.all(
        Array.from({ length: 4 }, () =>
          provider().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' }),
        ),
      )
      const classes = objectsWithId(token, `${key.keyId}/import`, (objects) => objects.map((o) => o.class))
      expect(classes.sort()).toEqual([graphene.ObjectClass.PUBLIC_KEY, graphene.ObjectClass.PRIVATE_KEY].sort())
      const material = randomBytes(32)
      for (const stale of all.slice(0, 3)) {
        await expectCode(
          () =>
            provider().importKeyMaterial({
              keyId: key.keyId,
              importToken: stale.importToken,
              encryptedKeyMaterial: wrap(stale.publicKey, material, true),
            }),
          'ResourceUnavailable.TokenExpired',
        )
      }
      const newest = all[3]!
      await provider().importKeyMaterial({
        keyId: key.keyId,
        importToken: newest.importToken,
        encryptedKeyMaterial: wrap(newest.publicKey, material, true),
      })
      expect((await provider().describeKey(key.keyId)).keyState).toBe('Enabled')
    })

    it('imported material becomes sensitive, non-extractable token keys; no probe object is left', async () => {
      const key = await provider().createKey({ alias: `byok-attrs-${Date.now()}`, type: 2 })
      const params = await provider().getParametersForImport({
        keyId: key.keyId,
        wrappingAlgorithm: 'RSAES_PKCS1_V1_5',
      })
      await provider().importKeyMaterial({
        keyId: key.keyId,
        importToken: params.importToken,
        encryptedKeyMaterial: wrap(params.publicKey, randomBytes(32), false),
      })
      for (const id of versionIds(key.keyId)) {
        const attrs = objectsWithId(token, id, (objects) => {
          expect(objects, id).toHaveLength(1)
          return secretAttributes(objects[0]!)
        })
        expect(attrs, id).toMatchObject({ token: true, sensitive: true, extractable: false })
      }
      expect(objectsWithId(token, `${key.keyId}/v2/probe`, (o) => o.length)).toBe(0)
      withTokenSession(token, (s) => expect(objectsWithIdPrefix(s, `${key.keyId}/v2`)).toHaveLength(0), {
        alongside: true,
      })
      const { ciphertextBlob } = await provider().encrypt({ keyId: key.keyId, plaintext: Buffer.from('imported') })
      expect(Buffer.from((await provider().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('imported')
    })

    it('under the fips profile, a PKCS#1 v1.5 import token issued before the profile does not import; an OAEP one does', async () => {
      const key = await provider().createKey({ alias: `byok-fips-${Date.now()}`, type: 2 })
      const old = await provider().getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_PKCS1_V1_5' })
      const fips = withCompliance(provider(), 'fips')
      const material = randomBytes(32)
      await expectCode(
        () =>
          fips.importKeyMaterial({
            keyId: key.keyId,
            importToken: old.importToken,
            encryptedKeyMaterial: wrap(old.publicKey, material, false),
          }),
        'UnsupportedOperation.ComplianceProfile',
      )
      expect((await provider().describeKey(key.keyId)).keyState).toBe('PendingImport')
      const fresh = await fips.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
      await fips.importKeyMaterial({
        keyId: key.keyId,
        importToken: fresh.importToken,
        encryptedKeyMaterial: wrap(fresh.publicKey, material, true),
      })
      expect((await provider().describeKey(key.keyId)).keyState).toBe('Enabled')
    })

    it('generated keys are sensitive and non-extractable whatever the token defaults to', async () => {
      const key = await provider().createKey({ alias: `gen-attrs-${Date.now()}` })
      for (const id of versionIds(key.keyId)) {
        const attrs = objectsWithId(token, id, (objects) => secretAttributes(objects[0]!))
        expect(attrs, id).toMatchObject({ token: true, sensitive: true, extractable: false })
      }
    })
  })
}
