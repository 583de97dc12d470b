import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { KeywardErrorCode } from '@keyward/core'
import { expectDecryptionFailed, expectKeywardError } from './expect-error.js'
import type { SuiteContext } from './harness.js'

/** Malformed-request codes: a wrong type or shape is one of these, never a TypeError. */
const MALFORMED: readonly KeywardErrorCode[] = ['InvalidParameter', 'InvalidParameterValue', 'MissingParameter']

/** Re-encodes `blob` after `edit` changes its bytes. */
function tamper(blob: string, edit: (b: Buffer) => Buffer): string {
  return edit(Buffer.from(blob, 'base64')).toString('base64')
}

function flipAt(offset: (b: Buffer) => number) {
  return (b: Buffer): Buffer => {
    const c = Buffer.from(b)
    c[offset(c)]! ^= 0x01
    return c
  }
}

/** Bad input to the administration role: unknown and malformed KeyIds, malformed requests. Never a crash. */
export function administrationBadInput(ctx: SuiteContext): void {
  const p = () => ctx.provider
  const unknownKeyId = randomUUID()

  describe('bad input', () => {
    it('an unknown KeyId is CmkNotFound for every key operation', async () => {
      await expectKeywardError(() => p().describeKey(unknownKeyId), 'ResourceUnavailable.CmkNotFound')
      await expectKeywardError(() => p().enableKey(unknownKeyId), 'ResourceUnavailable.CmkNotFound')
      await expectKeywardError(() => p().disableKey(unknownKeyId), 'ResourceUnavailable.CmkNotFound')
      await expectKeywardError(() => p().updateAlias(unknownKeyId, ctx.alias()), 'ResourceUnavailable.CmkNotFound')
      await expectKeywardError(() => p().scheduleKeyDeletion(unknownKeyId, 7), 'ResourceUnavailable.CmkNotFound')
    })

    it('a malformed KeyId is InvalidKeyId; an absent one is MissingParameter', async () => {
      for (const bad of MALFORMED_KEY_IDS)
        await expectKeywardError(() => p().describeKey(bad), 'InvalidParameterValue.InvalidKeyId')
      await expectKeywardError(() => p().describeKey(''), 'MissingParameter')
      await expectKeywardError(() => p().describeKey(undefined as never), 'MissingParameter')
    })

    malformedRequests([
      ['CreateKey(null)', () => p().createKey(null as never), MALFORMED],
      ['CreateKey({})', () => p().createKey({} as never), 'MissingParameter'],
      [
        'CreateKey with an unknown KeyUsage',
        () => p().createKey({ alias: ctx.alias(), keyUsage: 'ENCRYPT_ONLY' as never }),
        'InvalidParameterValue',
      ],
      ['CreateKey with Type 3', () => p().createKey({ alias: ctx.alias(), type: 3 as never }), 'InvalidParameterValue'],
      ['ListKeys with an unknown KeyState', () => p().listKeys({ keyState: 'Gone' as never }), 'InvalidParameterValue'],
      [
        'ScheduleKeyDeletion with a string window',
        () => p().scheduleKeyDeletion(unknownKeyId, '7' as never),
        'InvalidParameter.InvalidPendingWindowInDays',
      ],
    ])
  })
}

/** Bad input to the symmetric role: unknown and malformed KeyIds, sizes, contexts, tampered blobs, wrong shapes. */
export function symmetricBadInput(ctx: SuiteContext): void {
  const p = () => ctx.provider
  const unknownKeyId = randomUUID()

  describe('bad input', () => {
    it('an unknown KeyId is CmkNotFound for Encrypt and GenerateDataKey', async () => {
      await expectKeywardError(
        () => p().encrypt({ keyId: unknownKeyId, plaintext: Buffer.from('x') }),
        'ResourceUnavailable.CmkNotFound',
      )
      await expectKeywardError(() => p().generateDataKey({ keyId: unknownKeyId }), 'ResourceUnavailable.CmkNotFound')
    })

    it('a malformed KeyId is InvalidKeyId', async () => {
      for (const bad of MALFORMED_KEY_IDS) {
        await expectKeywardError(
          () => p().encrypt({ keyId: bad, plaintext: Buffer.from('x') }),
          'InvalidParameterValue.InvalidKeyId',
        )
      }
    })

    if (ctx.supportsUsage('ENCRYPT_DECRYPT')) blobCases(ctx)

    malformedRequests([
      ['Encrypt(null)', () => p().encrypt(null as never), MALFORMED],
      ['Decrypt(null)', () => p().decrypt(null as never), [...MALFORMED, 'InvalidParameterValue.InvalidCiphertext']],
      [
        'Decrypt with a numeric blob',
        () => p().decrypt({ ciphertextBlob: 42 as never }),
        [...MALFORMED, 'InvalidParameterValue.InvalidCiphertext'],
      ],
      ['GenerateDataKey(null)', () => p().generateDataKey(null as never), MALFORMED],
    ])
  })
}

/** Bad input to the asymmetric role: unknown KeyIds and malformed requests. */
export function asymmetricBadInput(ctx: SuiteContext): void {
  const p = () => ctx.provider
  const unknownKeyId = randomUUID()

  describe('bad input', () => {
    it('an unknown KeyId is CmkNotFound for GetPublicKey and SignByAsymmetricKey', async () => {
      await expectKeywardError(() => p().getPublicKey(unknownKeyId), 'ResourceUnavailable.CmkNotFound')
      await expectKeywardError(
        () => p().signByAsymmetricKey({ keyId: unknownKeyId, algorithm: 'ECC_P256_R1', message: Buffer.from('m') }),
        ['ResourceUnavailable.CmkNotFound', 'UnsupportedOperation'],
      )
    })

    malformedRequests([['SignByAsymmetricKey(null)', () => p().signByAsymmetricKey(null as never), MALFORMED]])
  })
}

const MALFORMED_KEY_IDS = ['has space', 'semi;colon', 'x'.repeat(129), '../etc/passwd']

type MalformedRequest = [string, () => Promise<unknown>, KeywardErrorCode | readonly KeywardErrorCode[]]

function malformedRequests(shapes: readonly MalformedRequest[]): void {
  for (const [what, call, code] of shapes) {
    it(`malformed request: ${what} is a KeywardError, not a crash`, async () => {
      await expectKeywardError(call, code)
    })
  }
}

function blobCases(ctx: SuiteContext): void {
  const p = () => ctx.provider

  it('plaintext of 0 or 4097 bytes is InvalidParameterValue; a string is InvalidParameter', async () => {
    const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT')
    await expectKeywardError(() => p().encrypt({ keyId, plaintext: Buffer.alloc(0) }), 'InvalidParameterValue')
    await expectKeywardError(() => p().encrypt({ keyId, plaintext: Buffer.alloc(4097) }), 'InvalidParameterValue')
    await expectKeywardError(() => p().encrypt({ keyId, plaintext: 'text' as never }), 'InvalidParameter')
  })

  it('a malformed EncryptionContext is InvalidParameterValue', async () => {
    const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT')
    const plaintext = Buffer.from('x')
    await expectKeywardError(
      () => p().encrypt({ keyId, plaintext, encryptionContext: { n: 1 } as never }),
      'InvalidParameterValue',
    )
    await expectKeywardError(
      () => p().encrypt({ keyId, plaintext, encryptionContext: ['a'] as never }),
      'InvalidParameterValue',
    )
    await expectKeywardError(
      () => p().encrypt({ keyId, plaintext, encryptionContext: { big: 'x'.repeat(1100) } }),
      'InvalidParameterValue',
    )
  })

  it('garbage, empty, truncated and bit-flipped blobs fail with the one fixed message', async () => {
    const { keyId } = await ctx.sharedKey('ENCRYPT_DECRYPT')
    const { ciphertextBlob } = await p().encrypt({ keyId, plaintext: Buffer.from('integrity matters') })
    const raw = Buffer.from(ciphertextBlob, 'base64')
    const bad = [
      'not base64 at all!',
      '',
      'AAAA',
      Buffer.from('garbage that is valid base64').toString('base64'),
      `${ciphertextBlob}\n`,
      ciphertextBlob.slice(0, -4),
      tamper(ciphertextBlob, (b) => b.subarray(0, b.length - 1)),
      tamper(ciphertextBlob, (b) => b.subarray(0, 20)),
      tamper(ciphertextBlob, (b) => Buffer.concat([b, Buffer.from([0])])),
      // Every byte position matters: header (magic, version, key id, key version), nonce, tag, body.
      ...[0, 2, 3, 6, Math.floor(raw.length / 2), raw.length - 17, raw.length - 1].map((i) =>
        tamper(
          ciphertextBlob,
          flipAt(() => i),
        ),
      ),
    ]
    for (const blob of bad) await expectDecryptionFailed(() => p().decrypt({ ciphertextBlob: blob }))
    await expectDecryptionFailed(() => p().reEncrypt({ ciphertextBlob: bad[6]! }))
    expect(Buffer.from((await p().decrypt({ ciphertextBlob })).plaintext).toString()).toBe('integrity matters')
  })

  it('a blob of one key does not decrypt as another key (the key reference is authenticated)', async () => {
    const a = await ctx.sharedKey('ENCRYPT_DECRYPT')
    const b = await ctx.createKey()
    const { ciphertextBlob } = await p().encrypt({ keyId: a.keyId, plaintext: Buffer.from('mine') })
    // Blobs name their key as a length-prefixed KeyId (core's ciphertext-blob format): point it at key b.
    const raw = Buffer.from(ciphertextBlob, 'base64')
    const at = raw.indexOf(Buffer.from(a.keyId, 'ascii'))
    expect(at).toBeGreaterThan(0)
    const idB = Buffer.from(b.keyId, 'ascii')
    const swapped = Buffer.concat([
      raw.subarray(0, at - 1),
      Buffer.from([idB.length]),
      idB,
      raw.subarray(at + a.keyId.length),
    ])
    await expectDecryptionFailed(() => p().decrypt({ ciphertextBlob: swapped.toString('base64') }))
  })
}
