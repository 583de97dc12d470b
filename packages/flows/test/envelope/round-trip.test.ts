import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { EnvelopeClient, Keyring, SUITE_NAMES, type MessageInfo } from '@keyward/flows/envelope'
import { chunks, collect, rawClient, rawKey } from './helpers.js'

const FRAME = 1024

for (const suite of SUITE_NAMES)
  describe(`envelope round trips, ${suite} (raw AES keyring)`, () => {
    const client = rawClient({ frameLength: FRAME, suite })
    const sizes = [0, 1, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, 3 * FRAME + 7]

    for (const size of sizes) {
      it(`round-trips ${size} bytes in one shot and as a stream`, async () => {
        const pt = randomBytes(size)
        const ctx = { user: 'u1', purpose: 'test' }
        const msg = await client.encrypt(pt, { encryptionContext: ctx })
        const r = await client.decrypt(msg, { encryptionContext: ctx })
        expect(r.plaintext.equals(pt)).toBe(true)
        expect(r.info.encryptionContext).toEqual(ctx)
        const streamed = await collect(client.encryptStream(chunks(pt, 100), { encryptionContext: ctx }))
        const back = await collect(client.decryptStream(chunks(streamed, 333), { encryptionContext: ctx }))
        expect(back.equals(pt)).toBe(true)
      })
    }

    it('makes a different message each time (random message id and data key)', async () => {
      const pt = Buffer.from('same')
      const a = await client.encrypt(pt)
      const b = await client.encrypt(pt)
      expect(a.equals(b)).toBe(false)
    })

    it('returns the context and reports the header before plaintext', async () => {
      const msg = await client.encrypt(Buffer.from('x'), { encryptionContext: { b: '2', a: '1' } })
      let info: MessageInfo | undefined
      const r = await client.decrypt(msg, { onHeader: (i) => (info = i) })
      expect(info?.encryptionContext).toEqual({ a: '1', b: '2' })
      expect(info?.suite).toBe(suite)
      expect(r.info.frameLength).toBe(FRAME)
    })

    it('reports progress in plaintext bytes both ways', async () => {
      const pt = randomBytes(5 * FRAME + 3)
      const enc: number[] = []
      const msg = await collect(client.encryptStream(chunks(pt, 500), { onProgress: (n) => enc.push(n) }))
      const dec: number[] = []
      await collect(client.decryptStream([msg], { onProgress: (n) => dec.push(n) }))
      expect(enc.at(-1)).toBe(pt.length)
      expect(dec.at(-1)).toBe(pt.length)
      expect(dec.length).toBe(6)
    })

    it('stops between frames with FailedOperation.Aborted when the signal fires', async () => {
      const pt = randomBytes(10 * FRAME)
      const ac = new AbortController()
      const seen: number[] = []
      const enc = collect(
        client.encryptStream(chunks(pt, 100), {
          signal: ac.signal,
          onProgress: (n) => {
            seen.push(n)
            if (n >= 3 * FRAME) ac.abort()
          },
        }),
      )
      await expect(enc).rejects.toMatchObject({ code: 'FailedOperation.Aborted' })
      expect(seen.at(-1)).toBe(3 * FRAME)
      const msg = await client.encrypt(pt)
      const ac2 = new AbortController()
      const dec = collect(
        client.decryptStream([msg], { signal: ac2.signal, onProgress: (n) => n >= 2 * FRAME && ac2.abort() }),
      )
      await expect(dec).rejects.toMatchObject({ code: 'FailedOperation.Aborted' })
    })

    it('works through Node stream pipelines (Duplex)', async () => {
      const pt = randomBytes(10 * FRAME + 5)
      const out: Buffer[] = []
      await pipeline(
        Readable.from(chunks(pt, 4096)),
        client.createEncryptStream(),
        client.createDecryptStream(),
        async function (src: AsyncIterable<Buffer>) {
          for await (const c of src) out.push(c)
        },
      )
      expect(Buffer.concat(out).equals(pt)).toBe(true)
    })

    it('decrypts with any one of several master keys (multi-CMK)', async () => {
      const a = rawKey('a')
      const b = rawKey('b')
      const both = new EnvelopeClient({ keyring: new Keyring([a, b]), suite })
      const msg = await both.encrypt(Buffer.from('dr copy'))
      for (const only of [a, b]) {
        const r = await new EnvelopeClient({ keyring: only }).decrypt(msg)
        expect(r.plaintext.toString()).toBe('dr copy')
        expect(r.info.encryptedDataKeys.map((e) => e.keyId)).toEqual(['a', 'b'])
      }
    })
  })
