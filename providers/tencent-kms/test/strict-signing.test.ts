/**
 * The provider's own transport signs x-tc-action, x-tc-timestamp and a per-request x-tc-traceid, so it works
 * against `keyward serve --strict-signing`, where the stock SDK (content-type;host only) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeywardError } from '@keyward/core'
import { resolveCredentials, sdkClientSupplier } from '@keyward/provider-tencent-kms'
import { startServe, type ServeHarness } from './serve-harness.js'

describe('TencentKmsKeyProvider against a strict-mode keyward serve', () => {
  let serve: ServeHarness
  beforeAll(async () => {
    serve = await startServe({ strictSigning: true })
  })
  afterAll(async () => {
    await serve.close()
  })

  it('works: the Action is signed and every request, even two identical ones at once, has its own signature', async () => {
    const kms = serve.provider()
    try {
      const key = await kms.createKey({ alias: 'strict' })
      const blob = await kms.encrypt({ keyId: key.keyId, plaintext: Buffer.from('signed action') })
      expect(Buffer.from((await kms.decrypt({ ciphertextBlob: blob.ciphertextBlob })).plaintext).toString()).toBe(
        'signed action',
      )
      // Same Action, same body, same second: distinct trace ids keep the signatures apart.
      const twins = await Promise.all([
        kms.describeKey(key.keyId),
        kms.describeKey(key.keyId),
        kms.describeKey(key.keyId),
      ])
      expect(twins.map((m) => m.keyId)).toEqual([key.keyId, key.keyId, key.keyId])
    } finally {
      await kms.close()
    }
  })

  it('the stock SDK transport, which signs only content-type and host, is refused', async () => {
    const kms = serve.provider({
      clientSupplier: sdkClientSupplier({
        credentials: resolveCredentials(serve.credentials),
        endpoint: serve.endpoint,
        protocol: 'http',
        requestTimeoutMs: 5_000,
      }),
    })
    try {
      const e = await kms.listKeys().catch((x: unknown) => x)
      expect(e).toBeInstanceOf(KeywardError)
      expect((e as KeywardError).code).toBe('AuthFailure.InvalidAuthorization')
      expect((e as KeywardError).message).toMatch(/strict mode/)
    } finally {
      await kms.close()
    }
  })
})
