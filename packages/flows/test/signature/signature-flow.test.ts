import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, type KeyProvider, type SignRequest } from '@keyward/core'
import { sm2MessageDigest, sm2VerifyDigest } from '@keyward/gm'
import { SignatureFlow, prepareMessage, verifySignatureLocally } from '@keyward/flows/signature'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { codeOf } from '@keyward/test-support'

async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield new Uint8Array(data.subarray(i, i + size))
}

describe('SignatureFlow (software provider)', () => {
  let provider: SoftwareKeyProvider
  let flow: SignatureFlow
  let sm2Key = ''
  let rsaKey = ''
  const sent: Array<Pick<SignRequest, 'messageType'> & { length: number }> = []
  beforeAll(async () => {
    provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
    // Record what reaches the provider, without changing it: the flow must send RAW ≤ 4096 and a 32-byte DIGEST beyond.
    const watched = new Proxy(provider, {
      get(t, prop, receiver) {
        const v = Reflect.get(t, prop, receiver) as unknown
        if (prop === 'signByAsymmetricKey') {
          return (req: SignRequest) => {
            sent.push({ messageType: req.messageType, length: req.message.length })
            return t.signByAsymmetricKey(req)
          }
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v
      },
    }) as KeyProvider
    flow = new SignatureFlow(watched)
    sm2Key = (await provider.createKey({ alias: 'flow-sm2', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })).keyId
    rsaKey = (await provider.createKey({ alias: 'flow-rsa', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })).keyId
  })
  afterAll(() => provider.close())

  it('sends RAW up to 4096 bytes and a 32-byte DIGEST beyond, whatever the chunking', async () => {
    sent.length = 0
    const big = randomBytes(4097)
    await flow.sign({ keyId: rsaKey, algorithm: 'RSA_PKCS1_SHA_256', message: randomBytes(4096) })
    await flow.sign({ keyId: rsaKey, algorithm: 'RSA_PKCS1_SHA_256', message: chunks(big, 1000) })
    await flow.sign({
      keyId: rsaKey,
      algorithm: 'RSA_PKCS1_SHA_256',
      message: Readable.from(chunks(randomBytes(4096), 7)),
    })
    expect(sent).toEqual([
      { messageType: 'RAW', length: 4096 },
      { messageType: 'DIGEST', length: 32 },
      { messageType: 'RAW', length: 4096 },
    ])
  })

  it('the SM2 DIGEST is SM3(Z‖M) with the default user id: the same signature verifies over the whole message in gm', async () => {
    const message = randomBytes(10_000)
    const { signature, messageType } = await flow.sign({
      keyId: sm2Key,
      algorithm: 'SM2DSA',
      message: chunks(message, 333),
    })
    expect(messageType).toBe('DIGEST')
    const point = (await flow.publicKey(sm2Key)).point
    expect(sm2VerifyDigest(point, sm2MessageDigest(point, message), signature)).toBe(true)
  })

  it('prepareMessage hashes exactly the bytes of a long message', async () => {
    const message = randomBytes(9000)
    const prepared = await prepareMessage(chunks(message, 4096), 4096, () => createHash('sha256'))
    expect(prepared).toEqual({ kind: 'DIGEST', digest: createHash('sha256').update(message).digest(), length: 9000 })
  })

  it('GetPublicKey is called once per key (cached)', async () => {
    let calls = 0
    const counting = new Proxy(provider, {
      get(t, prop, receiver) {
        const v = Reflect.get(t, prop, receiver) as unknown
        if (prop === 'getPublicKey')
          return (id: string) => {
            calls++
            return t.getPublicKey(id)
          }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v
      },
    }) as KeyProvider
    const f = new SignatureFlow(counting)
    for (let i = 0; i < 3; i++) await f.sign({ keyId: sm2Key, algorithm: 'SM2DSA', message: randomBytes(5000) })
    expect(calls).toBe(1)
  })

  it('verify: provider and local agree; malformed or foreign signatures are false, not errors', async () => {
    const message = randomBytes(6000)
    const { signature } = await flow.sign({ keyId: sm2Key, algorithm: 'SM2DSA', message })
    for (const local of [false, true]) {
      expect(await flow.verify({ keyId: sm2Key, algorithm: 'SM2DSA', message, signature, local })).toBe(true)
      expect(
        await flow.verify({ keyId: sm2Key, algorithm: 'SM2DSA', message, signature: Buffer.from('garbage'), local }),
      ).toBe(false)
      const other = await flow.sign({ keyId: sm2Key, algorithm: 'SM2DSA', message: randomBytes(6000) })
      expect(
        await flow.verify({ keyId: sm2Key, algorithm: 'SM2DSA', message, signature: other.signature, local }),
      ).toBe(false)
    }
    const rsaSig = (await flow.sign({ keyId: rsaKey, algorithm: 'RSA_PSS_SHA_256', message })).signature
    expect(
      await verifySignatureLocally(await flow.publicKey(rsaKey), 'RSA_PSS_SHA_256', message, rsaSig.subarray(1)),
    ).toBe(false)
  })

  it('local verify: an RSA signature with its leading zero octet stripped is invalid (RFC 8017: exactly k octets; OpenSSL checks this for PKCS#1 v1.5 but not for PSS)', async () => {
    // About 1 in 256 signatures starts with 0x00; OpenSSL alone accepts it without that octet (the same integer).
    const publicKey = await flow.publicKey(rsaKey)
    let found: { message: Buffer; signature: Uint8Array } | undefined
    for (let i = 0; i < 4000 && !found; i++) {
      const message = Buffer.from(`leading-zero-${i}`)
      const { signature } = await flow.sign({ keyId: rsaKey, algorithm: 'RSA_PSS_SHA_256', message })
      if (signature[0] === 0) found = { message, signature }
    }
    expect(found, 'no signature with a leading zero octet in 4000 tries').toBeDefined()
    expect(await verifySignatureLocally(publicKey, 'RSA_PSS_SHA_256', found!.message, found!.signature)).toBe(true)
    expect(
      await verifySignatureLocally(publicKey, 'RSA_PSS_SHA_256', found!.message, found!.signature.subarray(1)),
    ).toBe(false)
  })

  it('bad input: empty message, string chunks, wrong algorithm for the key, unknown algorithm, bad KeyId, missing file', async () => {
    expect(
      await codeOf(() => flow.sign({ keyId: rsaKey, algorithm: 'RSA_PSS_SHA_256', message: Buffer.alloc(0) })),
    ).toBe('InvalidParameterValue')
    async function* strings(): AsyncGenerator<unknown> {
      yield 'text'
    }
    expect(
      await codeOf(() =>
        flow.sign({ keyId: rsaKey, algorithm: 'RSA_PSS_SHA_256', message: strings() as AsyncIterable<Uint8Array> }),
      ),
    ).toBe('InvalidParameter')
    expect(
      await codeOf(() => flow.sign({ keyId: rsaKey, algorithm: 'RSA_PSS_SHA_256', message: 'text' as never })),
    ).toBe('InvalidParameter')
    expect(await codeOf(() => flow.sign({ keyId: rsaKey, algorithm: 'SM2DSA', message: Buffer.from('x') }))).toBe(
      'UnsupportedOperation.UnsupportedKeyUsage',
    )
    expect(
      await codeOf(() => flow.sign({ keyId: sm2Key, algorithm: 'ECC_P256_R1', message: Buffer.from('x') })),
    ).toMatch(/^UnsupportedOperation/)
    expect(await codeOf(() => flow.sign({ keyId: rsaKey, algorithm: 'MD5' as never, message: Buffer.from('x') }))).toBe(
      'InvalidParameterValue',
    )
    expect(
      await codeOf(() => flow.sign({ keyId: 'no such key!', algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('x') })),
    ).toBe('InvalidParameterValue.InvalidKeyId')
    expect(
      await codeOf(() =>
        flow.sign({ keyId: rsaKey, algorithm: 'RSA_PSS_SHA_256', message: { path: '/nonexistent/file' } }),
      ),
    ).toBe('InvalidParameterValue')
    expect(
      await codeOf(() =>
        flow.verify({
          keyId: rsaKey,
          algorithm: 'RSA_PSS_SHA_256',
          message: Buffer.from('x'),
          signature: 'sig' as never,
        }),
      ),
    ).toBe('InvalidParameter')
  })
})
