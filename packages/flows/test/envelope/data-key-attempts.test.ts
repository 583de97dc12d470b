/**
 * Issue 16 item 6: a forged message cannot make the reader call its KMS once per encrypted data key. The keyring
 * stops at the first copy whose data key the header commits to, gives up after `maxFailedDecryptAttempts`, and
 * counts every attempt. The provider is the real software provider; a Proxy only counts its Decrypt calls.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryKeyStore, type KeyProvider } from '@keyward/core'
import {
  EnvelopeClient,
  Keyring,
  ProviderMasterKey,
  type EncryptedDataKey,
  type FailedDecryptAttempt,
} from '@keyward/flows/envelope'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'
import { parseHeader, writeHeader } from './hostile-headers.js'
import { codeOf } from '@keyward/test-support'

let software: SoftwareKeyProvider
let calls = 0
/** The software provider, with its Decrypt calls counted. */
let provider: KeyProvider
let appKey = ''
let otherKey = ''
const pt = Buffer.from('salary slip, March')

beforeAll(async () => {
  software = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
  provider = new Proxy(software, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (prop === 'decrypt')
        return (...args: unknown[]) => {
          calls++
          return (v as (...a: unknown[]) => unknown).apply(target, args)
        }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
  appKey = (await software.createKey({ alias: 'app' })).keyId
  otherKey = (await software.createKey({ alias: 'app-dr' })).keyId
})
afterAll(() => software.close())

/** An EDK naming `keyId` whose blob is a real CiphertextBlob of a random 32-byte key (the attacker may Encrypt). */
async function wrongKeyEdk(keyId: string): Promise<EncryptedDataKey> {
  const r = await software.encrypt({ keyId, plaintext: randomBytes(32) })
  return { providerName: software.name, keyId, blob: Buffer.from(r.ciphertextBlob) }
}

/** A forged header listing `n` data keys under the app's own KeyId: junk blobs, or real blobs of other keys. */
async function forged(n: number, kind: 'junk' | 'wrong-key'): Promise<Buffer> {
  const edks = await Promise.all(
    Array.from({ length: n }, async () =>
      kind === 'junk'
        ? { providerName: software.name, keyId: appKey, blob: Buffer.from(randomBytes(90).toString('base64')) }
        : wrongKeyEdk(appKey),
    ),
  )
  return Buffer.concat([
    writeHeader({ suiteId: 1, messageId: randomBytes(32), context: Buffer.alloc(0), edks, frameLength: 4096 }),
    randomBytes(64),
  ])
}

async function decryptCalls(client: EnvelopeClient, message: Buffer): Promise<{ code: string; calls: number }> {
  const before = calls
  const code = await codeOf(client.decrypt(message))
  return { code, calls: calls - before }
}

describe('data-key attempts per message', () => {
  it('a forged message with 10 data keys under the app’s KeyId costs 2 KMS calls, not 10, and is counted', async () => {
    const failures: FailedDecryptAttempt[] = []
    const keyring = new Keyring([new ProviderMasterKey({ provider, keyId: appKey })], {
      onFailedDecryptAttempt: (f) => failures.push(f),
    })
    const client = new EnvelopeClient({ keyring })
    for (const kind of ['junk', 'wrong-key'] as const) {
      expect(await decryptCalls(client, await forged(10, kind))).toEqual({
        code: 'InvalidParameterValue.InvalidCiphertext',
        calls: 2,
      })
    }
    expect(keyring.counters).toEqual({ decryptAttempts: 4, failedDecryptAttempts: 4, attemptCapsReached: 2 })
    expect(failures.map((f) => [f.keyId, f.code])).toEqual(
      Array(4).fill([appKey, 'InvalidParameterValue.InvalidCiphertext']),
    )
  })

  it('with maxEncryptedDataKeys raised to 255, 255 forged data keys still cost maxFailedDecryptAttempts calls', async () => {
    const mk = new ProviderMasterKey({ provider, keyId: appKey })
    const client = new EnvelopeClient({ keyring: new Keyring([mk], { maxEncryptedDataKeys: 255 }) })
    expect(await decryptCalls(client, await forged(255, 'junk'))).toEqual({
      code: 'InvalidParameterValue.InvalidCiphertext',
      calls: 2,
    })
    const one = new EnvelopeClient({
      keyring: new Keyring([mk], { maxEncryptedDataKeys: 255, maxFailedDecryptAttempts: 1 }),
    })
    expect(await decryptCalls(one, await forged(255, 'wrong-key'))).toEqual({
      code: 'InvalidParameterValue.InvalidCiphertext',
      calls: 1,
    })
  })

  it('skips a copy whose data key the header does not commit to, and decrypts with the next (reporting which key did)', async () => {
    // A recipient holding the data key writes a valid header whose first EDK opens under the app's CMK to another key.
    const a = new ProviderMasterKey({ provider, keyId: appKey })
    const dr = new ProviderMasterKey({ provider, keyId: otherKey })
    const real = await new EnvelopeClient({ keyring: dr }).encrypt(pt)
    const h = parseHeader(real)
    const dataKey = Buffer.from(
      (await software.decrypt({ ciphertextBlob: Buffer.from(h.edks[0]!.blob).toString() })).plaintext,
    )
    const header = writeHeader({ ...h, edks: [await wrongKeyEdk(appKey), h.edks[0]!] }, dataKey)
    const message = Buffer.concat([header, real.subarray(h.end)])
    const keyring = new Keyring([a, dr])
    const before = calls
    const r = await new EnvelopeClient({ keyring }).decrypt(message)
    expect(r.plaintext.equals(pt)).toBe(true)
    expect(r.info.decryptedWith).toEqual({ providerName: software.name, keyId: otherKey })
    expect(calls - before).toBe(2)
    expect(keyring.counters).toEqual({ decryptAttempts: 2, failedDecryptAttempts: 1, attemptCapsReached: 0 })
    // The same with the data-key cache on (the cache entry remembers which copy opened it).
    const cached = new EnvelopeClient({ keyring: new Keyring([a, dr]), cache: true })
    for (let i = 0; i < 3; i++) expect((await cached.decrypt(message)).info.decryptedWith.keyId).toBe(otherKey)
  })

  it('a legitimate fail-over keyring still reaches its last master key by default', async () => {
    const keys = [appKey, otherKey, (await software.createKey({ alias: 'app-dr2' })).keyId]
    const writer = new EnvelopeClient({
      keyring: new Keyring(keys.map((keyId) => new ProviderMasterKey({ provider, keyId }))),
    })
    const m = await writer.encrypt(pt)
    await software.disableKey(keys[0]!)
    await software.disableKey(keys[1]!)
    try {
      const keyring = new Keyring(keys.map((keyId) => new ProviderMasterKey({ provider, keyId })))
      expect(keyring.maxFailedDecryptAttempts).toBe(3)
      const r = await new EnvelopeClient({ keyring }).decrypt(m)
      expect(r.info.decryptedWith.keyId).toBe(keys[2])
      expect(keyring.counters.failedDecryptAttempts).toBe(2)
    } finally {
      await software.enableKey(keys[0]!)
      await software.enableKey(keys[1]!)
    }
  })

  it('Precondition: maxFailedDecryptAttempts is 1..255 and the hook a function; a throwing hook never breaks decryption', async () => {
    const mk = new ProviderMasterKey({ provider, keyId: appKey })
    for (const bad of [0, 256, 1.5, '2'])
      expect(await codeOf(() => new Keyring([mk], { maxFailedDecryptAttempts: bad as number }))).toBe(
        'InvalidParameterValue',
      )
    expect(await codeOf(() => new Keyring([mk], { onFailedDecryptAttempt: 'log' as never }))).toBe(
      'InvalidParameterValue',
    )
    const client = new EnvelopeClient({
      keyring: new Keyring([mk], {
        onFailedDecryptAttempt: () => {
          throw new Error('metrics down')
        },
      }),
    })
    expect(await codeOf(client.decrypt(await forged(3, 'junk')))).toBe('InvalidParameterValue.InvalidCiphertext')
  })
})
