import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto'
import * as graphene from 'graphene-pk11'
import { afterAll, describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { parseVendorMechanisms } from '@keyward/provider-pkcs11'
import { expectCode, withTokenSession } from '@keyward/test-support'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'

const token = createSoftHsmToken()
afterAll(() => token.remove())

/**
 * SoftHSM has no SM4, so the plumbing of the per-instance vendor map is tested by mapping standard mechanisms
 * under the vendor names: SM4_KEY_GEN → CKM_AES_KEY_GEN (CKK_AES, 16 bytes) and SM4_GCM → CKM_AES_GCM. The
 * "SM4" key of this test is therefore really AES-128-GCM in the token; what is tested is that the map, not
 * graphene's global enum, decides the mechanism, and that the instance offers SM4 only because of its map.
 */
const MAP = JSON.stringify({
  SM4_KEY_GEN: { mechanism: 'AES_KEY_GEN', keyType: '0x1f', valueLen: 16 },
  SM4_GCM: { mechanism: `0x${graphene.MechanismEnum.AES_GCM.toString(16)}`, params: 'gcm' },
})

describe('vendor mechanism map', () => {
  it('an instance with the map offers SM4 and runs it through the mapped mechanisms; another instance without it does not', async () => {
    const enumBefore = JSON.stringify(graphene.MechanismEnum)
    const mapped = providerOn(token, { vendorMechanisms: MAP })
    const plain = providerOn(token)
    expect(mapped.capabilities.symmetricKeySpecs).toEqual(['AES_256', 'SM4'])
    expect(plain.capabilities.symmetricKeySpecs).toEqual(['AES_256'])
    const key = await mapped.createKey({ alias: 'vendor-sm4', keySpec: 'SM4' })
    expect(key.keySpec).toBe('SM4')
    const { ciphertextBlob } = await mapped.encrypt({
      keyId: key.keyId,
      plaintext: Buffer.from('国密 via vendor map'),
      encryptionContext: { a: 'b' },
    })
    // Blob cipher byte (after magic + version) says SM4-GCM.
    expect(Buffer.from(ciphertextBlob, 'base64')[3]).toBe(0x02)
    expect(
      Buffer.from((await mapped.decrypt({ ciphertextBlob, encryptionContext: { a: 'b' } })).plaintext).toString(),
    ).toBe('国密 via vendor map')
    const dk = await mapped.generateDataKey({ keyId: key.keyId, numberOfBytes: 16 })
    expect(
      Buffer.from((await mapped.decrypt({ ciphertextBlob: dk.ciphertextBlob })).plaintext).equals(
        Buffer.from(dk.plaintext),
      ),
    ).toBe(true)
    dk.dispose()
    await expectCode(() => plain.createKey({ alias: 'no-sm4-here', keySpec: 'SM4' }), 'UnsupportedOperation')
    // graphene's global enum is untouched: no SM4 names were added to it.
    expect(JSON.stringify(graphene.MechanismEnum)).toBe(enumBefore)
    expect(Object.keys(graphene.MechanismEnum).some((k) => k.includes('SM4'))).toBe(false)
    await mapped.close()
    await plain.close()
  })

  it('a vendor SM4 key made from the mapped key type is a token object with the mapped key type and length', async () => {
    const mapped = providerOn(token, { vendorMechanisms: MAP })
    const key = await mapped.createKey({ alias: 'vendor-sm4-attrs', keySpec: 'SM4' })
    const attrs = withTokenSession(
      token,
      (session) => {
        const found = session.find({ class: graphene.ObjectClass.SECRET_KEY, id: Buffer.from(`${key.keyId}/v1`) })
        expect(found.length).toBe(1)
        return found
          .items(0)
          .toType<graphene.SecretKey>()
          .getAttribute({ keyType: null, valueLen: null, sensitive: null, extractable: null, token: null })
      },
      { alongside: true },
    )
    expect(attrs).toEqual({
      keyType: graphene.KeyType.AES,
      valueLen: 16,
      sensitive: true,
      extractable: false,
      token: true,
    })
    await mapped.close()
  })

  it('SoftHSM measures imported material; a mechanism refused while checking it is UnsupportedOperation, not "must be 16 bytes" (issue 13, item 6)', async () => {
    // "SM4_GCM" mapped to CKM_AES_CTR: SoftHSM answers GCM parameters for CTR with CKR_ARGUMENTS_BAD. The material
    // is the right 16 bytes; before, every failure of the key check value was reported as the wrong length.
    const mapped = providerOn(token, {
      vendorMechanisms: {
        SM4_KEY_GEN: { mechanism: 'AES_KEY_GEN', keyType: 'AES', valueLen: 16 },
        SM4_GCM: { mechanism: 'AES_CTR', params: 'gcm' },
      },
    })
    const key = await mapped.createKey({ alias: 'vendor-ctr-import', type: 2, keySpec: 'SM4' })
    const params = await mapped.getParametersForImport({ keyId: key.keyId, wrappingAlgorithm: 'RSAES_OAEP_SHA_1' })
    const pub = createPublicKey({ key: Buffer.from(params.publicKey, 'base64'), format: 'der', type: 'spki' })
    const encryptedKeyMaterial = publicEncrypt(
      { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      randomBytes(16),
    )
    const e = await expectCode(
      () => mapped.importKeyMaterial({ keyId: key.keyId, importToken: params.importToken, encryptedKeyMaterial }),
      'UnsupportedOperation',
    )
    expect(e.backendCode).toBe('CKR_ARGUMENTS_BAD')
    expect((await mapped.describeKey(key.keyId)).keyState).toBe('PendingImport')
    await mapped.close()
  })

  it('rejects malformed maps with InvalidParameterValue naming the problem', () => {
    const bad: Array<[unknown, string]> = [
      ['{not json', 'not valid JSON'],
      [{ SM9_MAGIC: { mechanism: 1 } }, 'unknown name SM9_MAGIC'],
      [{ SM4_GCM: { mechanism: '0xZZ', params: 'gcm' } }, 'SM4_GCM.mechanism'],
      [{ SM4_GCM: { mechanism: 0x1087 } }, 'SM4_GCM must use params "gcm"'],
      [{ SM4_GCM: { mechanism: 0x1087, params: 'cbc' } }, 'params must be'],
      [{ SM4_KEY_GEN: { mechanism: 'AES_KEY_GEN' } }, 'SM4_KEY_GEN needs keyType'],
      [{ SM4_KEY_GEN: { mechanism: 'AES_KEY_GEN', keyType: 'AES', valueLen: 0 } }, 'valueLen'],
      [[1, 2], 'must be an object'],
    ]
    for (const [input, words] of bad) {
      let error: unknown
      try {
        parseVendorMechanisms(input as never)
      } catch (e) {
        error = e
      }
      expect(isKeywardError(error, 'InvalidParameterValue'), String(input)).toBe(true)
      expect((error as Error).message).toContain(words)
    }
    const ok = parseVendorMechanisms({
      SM4_KEY_GEN: { mechanism: '0x80000101', keyType: 'AES', valueLen: 16 },
      SM4_GCM: { mechanism: 0x80000108, params: 'gcm' },
    })
    expect(ok.get('SM4_KEY_GEN')).toEqual({
      mechanism: 0x80000101,
      params: 'none',
      keyType: graphene.KeyType.AES,
      valueLen: 16,
    })
    expect(ok.get('SM4_GCM')?.mechanism).toBe(0x80000108)
  })
})
