import { describe, expect, it } from 'vitest'
import { isKeywardError } from '@keyward/core'
import { EnvelopeClient, ProviderMasterKey, type EncryptOptions } from '@keyward/flows/envelope'
import { collect, rawClient, rawKey } from './helpers.js'

async function code(f: () => Promise<unknown> | unknown): Promise<string> {
  try {
    await f()
    return 'ok'
  } catch (e) {
    return isKeywardError(e) ? e.code : `not a KeywardError: ${String(e)}`
  }
}

const client = rawClient()

describe('envelope input checks', () => {
  it('Precondition: the client needs master keys, a known suite and a frame length in range', async () => {
    expect(await code(() => new EnvelopeClient({} as never))).toBe('MissingParameter')
    expect(await code(() => new EnvelopeClient({ keyring: rawKey(), suite: 'AES_128_ECB' as never }))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => new EnvelopeClient({ keyring: rawKey(), frameLength: 0 }))).toBe('InvalidParameterValue')
    expect(await code(() => new EnvelopeClient({ keyring: rawKey(), frameLength: 16 * 1024 * 1024 + 1 }))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => new EnvelopeClient({ keyring: rawKey(), cache: { maxBytes: 0 } }))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => new ProviderMasterKey({ provider: undefined as never, keyId: 'k' }))).toBe(
      'MissingParameter',
    )
  })

  it('Precondition: plaintext and message are bytes; context values are strings', async () => {
    expect(await code(() => client.encrypt('text' as never))).toBe('InvalidParameter')
    expect(await code(() => client.decrypt(null as never))).toBe('InvalidParameter')
    expect(await code(() => client.encrypt(Buffer.from('x'), { encryptionContext: { a: 1 } as never }))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => client.encrypt(Buffer.from('x'), { encryptionContext: { a: 'x'.repeat(2000) } }))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => client.encrypt(Buffer.from('x'), { partition: 7 } as unknown as EncryptOptions))).toBe(
      'InvalidParameterValue',
    )
  })

  it('Precondition: the source is iterable and yields bytes', async () => {
    expect(await code(() => collect(client.encryptStream(42 as never)))).toBe('InvalidParameter')
    expect(await code(() => collect(client.encryptStream(['text'] as never)))).toBe('InvalidParameter')
    expect(await code(() => collect(client.decryptStream(['text'] as never)))).toBe('InvalidParameter')
    expect(await code(() => collect(client.encryptStream([Buffer.from('x')], { plaintextLength: -1 })))).toBe(
      'InvalidParameterValue',
    )
    // The length hint is what the cache counts against maxBytes, so a stream must match it.
    expect(await code(() => collect(client.encryptStream([Buffer.alloc(10)], { plaintextLength: 9 })))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => collect(client.encryptStream([Buffer.alloc(10)], { plaintextLength: 11 })))).toBe(
      'InvalidParameterValue',
    )
    expect(await code(() => collect(client.encryptStream([Buffer.alloc(10)], { plaintextLength: 10 })))).toBe('ok')
  })

  it('rejects non-messages as FailedOperation.InvalidMessage, never a crash', async () => {
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from('KWE'),
      Buffer.from('hello world, not a message at all'),
      Buffer.alloc(200),
    ]) {
      expect(await code(() => client.decrypt(bad))).toBe('FailedOperation.InvalidMessage')
    }
    const m = await client.encrypt(Buffer.from('x'))
    const v2 = Buffer.from(m)
    v2[3] = 2
    expect(await code(() => client.decrypt(v2))).toBe('FailedOperation.InvalidMessage')
    const suite = Buffer.from(m)
    suite[5] = 9
    expect(await code(() => client.decrypt(suite))).toBe('FailedOperation.InvalidMessage')
  })
})
