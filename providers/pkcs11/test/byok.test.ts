import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { afterAll, describe, expect, it } from 'vitest'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { expectCode, providerOn } from './helpers.js'

const token = createSoftHsmToken()
const provider = providerOn(token)
afterAll(async () => {
  await provider.close()
  token.remove()
})

/** Reads the objects with CKA_ID `id` as the provider's application sees them (a second handle on the same module). */
function withObjects<T>(id: string, read: (objects: graphene.SessionObject[]) => T): T {
  const module = graphene.Module.load(token.modulePath)
  module.initialize()
  const session = module.getSlots(0).open(graphene.SessionFlag.SERIAL_SESSION)
  try {
    const found = session.find({ id: Buffer.from(id) })
    return read(Array.from({ length: found.length }, (_, i) => found.items(i)))
  } finally {
    session.close()
  }
}

function wrap(publicKeyB64: string, material: Buffer): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' })
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, material)
}

describe('BYOK into the token', () => {
  it('concurrent GetParametersForImport leave one wrapping pair in the token; only the newest token imports', async () => {
    const key = await provider.createKey({ alias: 'byok-race', type: 2 })
    const all = await Promise.all(Array.from({ length: 4 }, () => provider.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })))
    const classes = withObjects(`${key.keyId}/import`, (objects) => objects.map((o) => o.class))
    expect(classes.sort()).toEqual([graphene.ObjectClass.PUBLIC_KEY, graphene.ObjectClass.PRIVATE_KEY].sort())
    const material = randomBytes(32)
    for (const stale of all.slice(0, 3)) {
      await expectCode(() => provider.importKeyMaterial({ keyId: key.keyId, importToken: stale.importToken, encryptedKeyMaterial: wrap(stale.publicKey, material) }), 'ResourceUnavailable.TokenExpired')
    }
    const newest = all[3]!
    await provider.importKeyMaterial({ keyId: key.keyId, importToken: newest.importToken, encryptedKeyMaterial: wrap(newest.publicKey, material) })
    expect((await provider.describeKey(key.keyId)).keyState).toBe('Enabled')
  })

  it('imported material becomes a sensitive, non-extractable token key; the probe objects are gone', async () => {
    const key = await provider.createKey({ alias: 'byok-attrs', type: 2 })
    const params = await provider.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_PKCS1_V1_5' })
    const wrapped = publicEncrypt({ key: createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_PADDING }, randomBytes(32))
    await provider.importKeyMaterial({ keyId: key.keyId, importToken: params.importToken, encryptedKeyMaterial: wrapped })
    const attrs = withObjects(`${key.keyId}/v1`, (objects) => {
      expect(objects).toHaveLength(1)
      return objects[0]!.toType<graphene.SecretKey>().getAttribute({ token: null, sensitive: null, extractable: null, keyType: null })
    })
    expect(attrs).toEqual({ token: true, sensitive: true, extractable: false, keyType: graphene.KeyType.AES })
    const { ciphertextBlob } = await provider.encrypt({ keyId: key.keyId, plaintext: Buffer.from('imported') })
    expect(Buffer.from((await provider.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('imported')
  })
})
