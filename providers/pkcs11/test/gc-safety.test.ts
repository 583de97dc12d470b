import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createHash, createPublicKey, verify } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'

// pkcs11js's async workers read input buffers through raw pointers without holding them; the provider must keep
// them alive itself. Forcing full garbage collections while calls are in flight shows whether it does: a freed
// input would crash the process or encrypt/sign the wrong bytes.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const token = createSoftHsmToken()
const provider = providerOn(token, { poolSize: 4 })
afterAll(async () => {
  await provider.close()
  token.remove()
})

describe('inputs of async token calls survive garbage collection', () => {
  it('300 encrypts and 100 ECDSA signs in flight with forced GCs: every result is right', async () => {
    const aes = await provider.createKey({ alias: 'gc-aes' })
    const ec = await provider.createKey({ alias: 'gc-ec', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const ecPub = createPublicKey((await provider.getPublicKey(ec.keyId)).publicKeyPem)
    let collecting = true
    const collector = (async () => {
      while (collecting) {
        gc()
        // Churn: fresh buffers that would reuse freed memory.
        for (let i = 0; i < 200; i++) Buffer.alloc(2048, 0xee)
        await new Promise((r) => setImmediate(r))
      }
    })()
    const encrypts = Array.from({ length: 300 }, async (_, i) => {
      const plaintext = Buffer.from(`secret ${i} `.repeat(50))
      const { ciphertextBlob } = await provider.encrypt({ keyId: aes.keyId, plaintext })
      return Buffer.from((await provider.decrypt({ ciphertextBlob })).plaintext).equals(plaintext)
    })
    const signs = Array.from({ length: 100 }, async (_, i) => {
      const message = Buffer.from(`sign me ${i}`)
      const digest = createHash('sha256').update(message).digest()
      const { signature } = await provider.signByAsymmetricKey({
        keyId: ec.keyId,
        algorithm: 'ECC_P256_R1',
        message: digest,
        messageType: 'DIGEST',
      })
      return verify('sha256', message, ecPub, signature)
    })
    const results = await Promise.all([...encrypts, ...signs])
    collecting = false
    await collector
    expect(results.filter((ok) => !ok).length).toBe(0)
  })
})
