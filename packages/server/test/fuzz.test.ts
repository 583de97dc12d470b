import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES } from '@keyward/core'
import { ACTIONS } from '@keyward/server'
import { codeOf } from '@keyward/test-support'
import { startTestServer, type TestServer } from './server-harness.js'
import { rawRequest, send } from './raw-request.js'

const ADMIN = { secretId: 'AKIDtestadmin0000000000000000001', secretKey: 'testadminsecretkey0000000000001' }
const TOTAL = 10_000
const CONCURRENCY = 32

/** mulberry32: a seeded PRNG so a failure can be replayed with the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('fuzz: 10 000 malformed or hostile requests', () => {
  let t: TestServer
  const keyIds: string[] = []
  beforeAll(async () => {
    t = await startTestServer({ memoryKeys: true, rateLimits: { default: 0 }, bodyLimit: 64 * 1024 })
    for (const usage of ['ENCRYPT_DECRYPT', 'ASYMMETRIC_DECRYPT_SM2', 'ASYMMETRIC_SIGN_VERIFY_ECC']) {
      keyIds.push((await t.admin.CreateKey({ Alias: `fuzz-${usage.toLowerCase()}`, KeyUsage: usage })).KeyId!)
    }
  })
  afterAll(async () => {
    await t.close()
  })

  it('answers every one with a Tencent error code, never InternalError, and stays healthy (< 30 s)', async () => {
    const seed = Number(process.env['KEYWARD_FUZZ_SEED'] ?? Date.now() % 1_000_000)
    const rnd = prng(seed)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
    const actions = Object.keys(ACTIONS)
    const fields = [
      'KeyId',
      'KeyIds',
      'Alias',
      'Plaintext',
      'CiphertextBlob',
      'EncryptionContext',
      'NumberOfBytes',
      'KeySpec',
      'KeyUsage',
      'Type',
      'Message',
      'MessageType',
      'Algorithm',
      'SignatureValue',
      'Ciphertext',
      'PendingWindowInDays',
      'RotateDays',
      'Limit',
      'Offset',
      'KeyState',
      'WrappingAlgorithm',
      'WrappingKeySpec',
      'ImportToken',
      'EncryptedKeyMaterial',
      'ValidTo',
      'DataKeyId',
      'DataKeyIds',
      'IsHostedByKms',
      'DataKeyName',
      'EncryptionPublicKey',
      'EncryptionAlgorithm',
      'DestinationKeyId',
      'SourceEncryptionContext',
      'GrantId',
      'GranteeAccountName',
      'Operations',
      'Policy',
      'AccountName',
      'Description',
    ]
    const value = (): unknown =>
      pick([
        () => pick(keyIds),
        () => 'x'.repeat(Math.floor(rnd() * 5000)),
        () => Math.floor(rnd() * 2 ** 40) - 2 ** 39,
        () => rnd(),
        () => null,
        () => true,
        () => [pick(keyIds), 5, null],
        () => ({ nested: { deep: [1, 2, 3] } }),
        () => Buffer.from(String(rnd())).toString('base64'),
        () => '!!!not-base64',
        () => '{"a":"b"}',
        () => '{"a":1}',
        () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        () => '',
        () => -1,
        () => 1e308,
        () => '\u0000\uffff\ud800',
        () => pick(['AES_256', 'SM4', 'SM2DSA', 'RAW', 'DIGEST', 'RSAES_OAEP_SHA_1', 'RSA_2048', 'ECC_P256_R1']),
      ])()
    const kinds = [
      // Signed requests with hostile parameters: exercise every Action's checks.
      async () => {
        const body: Record<string, unknown> = {}
        for (let i = Math.floor(rnd() * 6); i > 0; i--) body[pick(fields)] = value()
        return rawRequest(t.server.url, { ...ADMIN, action: pick(actions), body })
      },
      // Signed, but the body is not a JSON object.
      async () =>
        rawRequest(t.server.url, {
          ...ADMIN,
          action: pick(actions),
          body: pick([
            '[1,2]',
            'null',
            '"str"',
            '{',
            '{"a":',
            '\u0000\u0001',
            '['.repeat(5000) + ']'.repeat(5000),
            '{"__proto__":{"x":1}}',
          ]),
        }),
      // Unsigned garbage.
      async () => {
        const body = Buffer.from(Array.from({ length: Math.floor(rnd() * 512) }, () => Math.floor(rnd() * 256)))
        const headers: Record<string, string> = {
          'Content-Type': pick(['application/json', 'text/plain', 'application/octet-stream']),
        }
        if (rnd() < 0.5) headers['X-TC-Action'] = pick([...actions, 'Nope', '../../etc', ''])
        if (rnd() < 0.5) headers['X-TC-Version'] = pick(['2019-01-18', '1999-01-01', ''])
        if (rnd() < 0.5)
          headers['X-TC-Timestamp'] = pick([String(Math.floor(Date.now() / 1000)), '-1', '99999999999999', 'abc'])
        if (rnd() < 0.7)
          headers['Authorization'] = pick([
            '',
            'TC3-HMAC-SHA256',
            `TC3-HMAC-SHA256 Credential=${ADMIN.secretId}/2020-01-01/kms/tc3_request, SignedHeaders=content-type;host, Signature=${'ab'.repeat(32)}`,
            'x'.repeat(3000),
          ])
        return { ...(await send(t.server.url, headers, body)), json: undefined }
      },
      // Over the body limit (rarely: each costs 80 KB).
      async () =>
        rnd() < 0.05
          ? {
              ...(await send(
                t.server.url,
                { 'Content-Type': 'application/json', 'X-TC-Action': 'Encrypt' },
                Buffer.alloc(80 * 1024, 0x7b),
              )),
              json: undefined,
            }
          : rawRequest(t.server.url, {
              ...ADMIN,
              action: 'Encrypt',
              body: { KeyId: pick(keyIds), Plaintext: value() },
            }),
    ]
    const codes = new Map<string, number>()
    const problems: string[] = []
    let next = 0
    const started = Date.now()
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        next += 1
        const r = await pick(kinds)()
        let code = 'Success'
        try {
          const body = JSON.parse(r.text) as { Response?: { Error?: { Code?: string } } }
          if (!body.Response) throw new Error('no Response')
          code = body.Response.Error?.Code ?? 'Success'
        } catch {
          problems.push(`unparseable (${r.status}): ${r.text.slice(0, 100)}`)
          continue
        }
        codes.set(code, (codes.get(code) ?? 0) + 1)
        if (r.status !== 200) problems.push(`HTTP ${r.status} ${code}`)
        if (code !== 'Success' && !(code in ERROR_CODES)) problems.push(`unknown code ${code}`)
        if (code === 'InternalError') problems.push(`InternalError: ${r.text.slice(0, 200)}`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const seconds = (Date.now() - started) / 1000
    expect(problems.slice(0, 10), `seed ${seed}`).toEqual([])
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL)
    expect(seconds).toBeLessThan(30)
    // Still healthy and still correct.
    expect((await fetch(`${t.server.url}/healthz`)).status).toBe(200)
    // The fuzz may have disabled, archived or scheduled the key for deletion: Encrypt answers what its state says.
    const state = (await t.admin.DescribeKey({ KeyId: keyIds[0]! })).KeyMetadata!.KeyState!
    const expected: Record<string, string> = {
      Enabled: 'no error',
      Disabled: 'ResourceUnavailable.CmkDisabled',
      Archived: 'ResourceUnavailable.CmkArchived',
      PendingDelete: 'ResourceUnavailable.CmkStateNotSupport',
      PendingImport: 'ResourceUnavailable.CmkStateNotSupport',
    }
    expect(await codeOf(t.admin.Encrypt({ KeyId: keyIds[0]!, Plaintext: 'aGk=' })), `${keyIds[0]} is ${state}`).toBe(
      expected[state],
    )
    // A key the fuzz never saw still round-trips.
    const fresh = (await t.admin.CreateKey({ Alias: 'after-fuzz' })).KeyId!
    const { CiphertextBlob } = await t.admin.Encrypt({ KeyId: fresh, Plaintext: 'aGk=' })
    expect((await t.admin.Decrypt({ CiphertextBlob: CiphertextBlob! })).Plaintext).toBe('aGk=')
    expect((await t.admin.GetRegions()).Regions).toEqual(['ap-guangzhou'])
  }, 60_000)
})
