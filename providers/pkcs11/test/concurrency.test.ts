import { constants, createHash, createPublicKey, verify } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'

const token = createSoftHsmToken()
const provider = providerOn(token, { poolSize: 4 })
afterAll(async () => {
  await provider.close()
  token.remove()
})

/**
 * The session pool: 64 calls in flight over 4 sessions never share a session mid-operation (no
 * CKR_OPERATION_ACTIVE), and every result is right (each checked independently).
 */
describe('64 parallel calls over a pool of 4 sessions', () => {
  it('64 parallel Encrypt then 64 parallel Decrypt: every blob decrypts to its own plaintext', async () => {
    const { keyId } = await provider.createKey({ alias: 'parallel-aes' })
    const plaintexts = Array.from({ length: 64 }, (_, i) => Buffer.from(`message number ${i} `.repeat(1 + (i % 7))))
    const blobs = await Promise.all(
      plaintexts.map((plaintext, i) => provider.encrypt({ keyId, plaintext, encryptionContext: { i: String(i) } })),
    )
    expect(new Set(blobs.map((b) => b.ciphertextBlob)).size).toBe(64)
    expect(provider.stats().openSessions).toBeLessThanOrEqual(4)
    const back = await Promise.all(
      blobs.map((b, i) => provider.decrypt({ ciphertextBlob: b.ciphertextBlob, encryptionContext: { i: String(i) } })),
    )
    back.forEach((r, i) => expect(Buffer.from(r.plaintext).equals(plaintexts[i]!)).toBe(true))
  })

  it('64 parallel mixed calls (RSA-PSS sign, ECDSA sign, Encrypt, GenerateDataKey, GenerateRandom) all complete correctly', async () => {
    const rsa = await provider.createKey({ alias: 'parallel-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    const ec = await provider.createKey({ alias: 'parallel-ec', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const aes = await provider.createKey({ alias: 'parallel-mixed-aes' })
    const rsaPub = createPublicKey((await provider.getPublicKey(rsa.keyId)).publicKeyPem)
    const ecPub = createPublicKey((await provider.getPublicKey(ec.keyId)).publicKeyPem)
    const calls = Array.from({ length: 64 }, async (_, i) => {
      const message = Buffer.from(`payload ${i}`)
      switch (i % 5) {
        case 0: {
          const { signature } = await provider.signByAsymmetricKey({
            keyId: rsa.keyId,
            algorithm: 'RSA_PSS_SHA_256',
            message,
          })
          return verify(
            'sha256',
            message,
            { key: rsaPub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          )
        }
        case 1: {
          const { signature } = await provider.signByAsymmetricKey({
            keyId: ec.keyId,
            algorithm: 'ECC_P256_R1',
            message: createHash('sha256').update(message).digest(),
            messageType: 'DIGEST',
          })
          return verify('sha256', message, ecPub, signature)
        }
        case 2: {
          const { ciphertextBlob } = await provider.encrypt({ keyId: aes.keyId, plaintext: message })
          return Buffer.from((await provider.decrypt({ ciphertextBlob })).plaintext).equals(message)
        }
        case 3: {
          const dk = await provider.generateDataKey({ keyId: aes.keyId, keySpec: 'AES_256' })
          const ok = Buffer.from((await provider.decrypt({ ciphertextBlob: dk.ciphertextBlob })).plaintext).equals(
            Buffer.from(dk.plaintext),
          )
          dk.dispose()
          return ok && dk.plaintext.every((b) => b === 0)
        }
        default:
          return (await provider.generateRandom(64)).length === 64
      }
    })
    const results = await Promise.all(calls)
    expect(results.filter((ok) => !ok)).toEqual([])
    expect(provider.stats().openSessions).toBeLessThanOrEqual(4)
    expect(provider.stats().loginAttempts).toBe(1)
  })

  it('calls beyond the pool wait their turn in FIFO order (a released session goes to the first waiter)', async () => {
    const one = providerOn(token, { poolSize: 1 })
    const order: number[] = []
    await Promise.all(Array.from({ length: 24 }, (_, i) => one.generateRandom(16).then(() => order.push(i))))
    expect(order).toEqual(Array.from({ length: 24 }, (_, i) => i))
    expect(one.stats().openSessions).toBe(1)
    await one.close()
  })
})
