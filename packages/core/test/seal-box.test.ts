import { createDecipheriv, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { codeOf, hexField, loadWycheproof } from '@keyward/test-support'
import { openBox, sealBox, SEAL_OVERHEAD } from '@keyward/core'

describe('sealBox / openBox (the one root-key seal, label first)', () => {
  const key = randomBytes(32)

  it('is AES-256-GCM laid out nonce ‖ tag ‖ ciphertext with the label as AAD (read back with node:crypto alone)', () => {
    const sealed = sealBox(key, 'material\0k1\0\u0001', Buffer.from('secret'))
    expect(sealed).toHaveLength(SEAL_OVERHEAD + 6)
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 })
    d.setAAD(Buffer.from('material\0k1\0\u0001'))
    d.setAuthTag(sealed.subarray(12, 28))
    expect(Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString()).toBe('secret')
    expect(openBox(key, 'material\0k1\0\u0001', sealed).toString()).toBe('secret')
  })

  it('opens every Wycheproof AES-256-GCM case (96-bit nonce, 128-bit tag, UTF-8 AAD) exactly as the vectors say', async () => {
    let valid = 0
    let invalid = 0
    for (const group of loadWycheproof('aes_gcm_test.json').testGroups) {
      if (group.keySize !== 256 || group.ivSize !== 96 || group.tagSize !== 128) continue
      for (const t of group.tests) {
        const aad = hexField(t, 'aad')
        const label = aad.toString('utf8')
        if (!Buffer.from(label, 'utf8').equals(aad)) continue
        const sealed = Buffer.concat([hexField(t, 'iv'), hexField(t, 'tag'), hexField(t, 'ct')])
        if (t.result === 'valid') {
          expect(openBox(hexField(t, 'key'), label, sealed).equals(hexField(t, 'msg')), `tcId ${t.tcId}`).toBe(true)
          valid++
        } else {
          expect(await codeOf(() => openBox(hexField(t, 'key'), label, sealed)), `tcId ${t.tcId}`).toBe(
            'FailedOperation.StoreError',
          )
          invalid++
        }
      }
    }
    expect(valid).toBeGreaterThan(5)
    expect(invalid).toBeGreaterThan(5)
  })

  it("a value moved to another label, another key, cut or altered is a StoreError with the caller's message", async () => {
    const sealed = sealBox(key, 'a', Buffer.from('x'))
    expect(await codeOf(() => openBox(key, 'b', sealed))).toBe('FailedOperation.StoreError')
    expect(await codeOf(() => openBox(randomBytes(32), 'a', sealed))).toBe('FailedOperation.StoreError')
    expect(await codeOf(() => openBox(key, 'a', sealed.subarray(0, SEAL_OVERHEAD - 1)))).toBe(
      'FailedOperation.StoreError',
    )
    expect(await codeOf(() => openBox(key, 'a', sealed.subarray(0, 20)))).toBe('FailedOperation.StoreError')
    const flipped = Buffer.from(sealed)
    flipped[flipped.length - 1]! ^= 1
    expect(await codeOf(() => openBox(key, 'a', flipped, 'store altered'), { withMessage: true })).toBe(
      'FailedOperation.StoreError: store altered',
    )
  })

  it('a key that is not 32 bytes (destroyed, never loaded) is ProviderUnavailable, for sealing and opening', async () => {
    expect(await codeOf(() => sealBox(Buffer.alloc(0), 'a', Buffer.from('x')))).toBe(
      'FailedOperation.ProviderUnavailable',
    )
    expect(await codeOf(() => openBox(Buffer.alloc(16), 'a', Buffer.alloc(40)))).toBe(
      'FailedOperation.ProviderUnavailable',
    )
  })
})
