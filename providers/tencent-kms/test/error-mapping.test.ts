import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DECRYPTION_FAILED_MESSAGE, KeywardError, type KeywardErrorCode } from '@keyward/core'
import type { AttemptEvent } from '@keyward/provider-tencent-kms'
import { apiError, ok, startStubKms, stubProvider, type StubKms, type StubReply } from './stub-kms-server.js'

// Real SDK client → loopback server answering Tencent-format errors: the mapping sees exactly what it
// would see from Tencent KMS.
let stub: StubKms
beforeAll(async () => {
  stub = await startStubKms(() => ok())
})
afterAll(() => stub.close())

interface Case {
  reply: StubReply
  code: KeywardErrorCode
  backendCode?: string
  requestId?: string
}

const NOT_RETRIED: Record<string, Case> = {
  'InvalidParameterValue.InvalidKeyId (one of ours, kept as is)': {
    reply: apiError('InvalidParameterValue.InvalidKeyId'),
    code: 'InvalidParameterValue.InvalidKeyId',
    requestId: 'req-InvalidParameterValue.InvalidKeyId',
  },
  InvalidParameter: { reply: apiError('InvalidParameter'), code: 'InvalidParameter' },
  'InvalidParameterValue.TagKeysDuplicated (not ours)': {
    reply: apiError('InvalidParameterValue.TagKeysDuplicated'),
    code: 'InvalidParameterValue',
    backendCode: 'InvalidParameterValue.TagKeysDuplicated',
  },
  'AuthFailure.SignatureFailure': {
    reply: apiError('AuthFailure.SignatureFailure'),
    code: 'AuthFailure.SignatureFailure',
  },
  'AuthFailure.TokenFailure (not ours)': {
    reply: apiError('AuthFailure.TokenFailure'),
    code: 'AuthFailure.InvalidAuthorization',
    backendCode: 'AuthFailure.TokenFailure',
  },
  'AuthFailure.UnauthorizedOperation': {
    reply: apiError('AuthFailure.UnauthorizedOperation'),
    code: 'UnauthorizedOperation',
    backendCode: 'AuthFailure.UnauthorizedOperation',
  },
  'ResourceUnavailable.CmkNotFound': {
    reply: apiError('ResourceUnavailable.CmkNotFound'),
    code: 'ResourceUnavailable.CmkNotFound',
  },
  'ResourceUnavailable.CmkDisabled': {
    reply: apiError('ResourceUnavailable.CmkDisabled'),
    code: 'ResourceUnavailable.CmkDisabled',
  },
  'ResourceUnavailable.KeyPendingDelete (not ours)': {
    reply: apiError('ResourceUnavailable.KeyPendingDelete'),
    code: 'ResourceUnavailable.CmkStateNotSupport',
    backendCode: 'ResourceUnavailable.KeyPendingDelete',
  },
  'ResourceUnavailable.NotPurchased': {
    reply: apiError('ResourceUnavailable.NotPurchased'),
    code: 'FailedOperation.ProviderUnavailable',
    backendCode: 'ResourceUnavailable.NotPurchased',
  },
  'UnsupportedOperation.UnsupportedKeyUsageInCurrentRegion': {
    reply: apiError('UnsupportedOperation.UnsupportedKeyUsageInCurrentRegion'),
    code: 'UnsupportedOperation.UnsupportedKeyUsage',
    backendCode: 'UnsupportedOperation.UnsupportedKeyUsageInCurrentRegion',
  },
  'LimitExceeded.KeyLimitExceeded': {
    reply: apiError('LimitExceeded.KeyLimitExceeded'),
    code: 'LimitExceeded.CmkLimitExceeded',
    backendCode: 'LimitExceeded.KeyLimitExceeded',
  },
  'an unknown code (not retried: only known transient faults are)': {
    reply: apiError('FailedOperation.SomethingNew'),
    code: 'InternalError',
    backendCode: 'FailedOperation.SomethingNew',
  },
  'HTTP 403': { reply: { status: 403, json: {} }, code: 'AuthFailure.InvalidAuthorization', backendCode: 'HTTP 403' },
  'HTTP 400': { reply: { status: 400, json: {} }, code: 'InvalidParameter', backendCode: 'HTTP 400' },
}

const RETRIED: Record<string, Case> = {
  RequestLimitExceeded: {
    reply: apiError('RequestLimitExceeded'),
    code: 'RequestLimitExceeded',
    requestId: 'req-RequestLimitExceeded',
  },
  'RequestLimitExceeded.UinLimitExceeded': {
    reply: apiError('RequestLimitExceeded.UinLimitExceeded'),
    code: 'RequestLimitExceeded',
    backendCode: 'RequestLimitExceeded.UinLimitExceeded',
  },
  InternalError: { reply: apiError('InternalError'), code: 'InternalError' },
  'InternalError.CallbackError': {
    reply: apiError('InternalError.CallbackError'),
    code: 'InternalError',
    backendCode: 'InternalError.CallbackError',
  },
  ServiceUnavailable: {
    reply: apiError('ServiceUnavailable'),
    code: 'InternalError',
    backendCode: 'ServiceUnavailable',
  },
  'HTTP 502': { reply: { status: 502, json: {} }, code: 'InternalError', backendCode: 'HTTP 502' },
  'HTTP 503': { reply: { status: 503, json: {} }, code: 'InternalError', backendCode: 'HTTP 503' },
  'HTTP 429': { reply: { status: 429, json: {} }, code: 'RequestLimitExceeded', backendCode: 'HTTP 429' },
  'connection reset': {
    reply: { reset: true },
    code: 'FailedOperation.NetworkError',
    backendCode: 'connection-failed',
  },
  'a 200 that is not the KMS envelope': {
    reply: { json: { unexpected: true } },
    code: 'InternalError',
    backendCode: 'bad-response',
  },
}

async function failure(c: Case, attempts: number): Promise<{ error: KeywardError; events: AttemptEvent[] }> {
  stub.setHandler(() => c.reply)
  const events: AttemptEvent[] = []
  const kms = stubProvider(stub, { retry: { maxAttempts: attempts }, onAttempt: (e) => events.push(e) })
  const error = await kms.describeKey('key-1').then(
    () => expect.unreachable('the call should fail'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeywardError)
  return { error: error as KeywardError, events }
}

function expectMapped(error: KeywardError, c: Case): void {
  expect(error.code).toBe(c.code)
  expect(error.backendCode).toBe(c.backendCode)
  if (c.requestId) expect(error.requestId).toBe(c.requestId)
}

describe('Tencent errors → KeywardError (through the real SDK)', () => {
  for (const [name, c] of Object.entries(NOT_RETRIED)) {
    it(`${name} → ${c.code}, after exactly one attempt`, async () => {
      const { error, events } = await failure(c, 5)
      expectMapped(error, c)
      expect(events).toHaveLength(1)
    })
  }
  for (const [name, c] of Object.entries(RETRIED)) {
    it(`${name} → ${c.code}, retried up to maxAttempts`, async () => {
      const { error, events } = await failure(c, 3)
      expectMapped(error, c)
      expect(events.map((e) => e.attempt)).toEqual([1, 2, 3])
      expect(events.every((e) => e.result === c.code)).toBe(true)
    })
  }

  it('keeps the RequestId of an API error', async () => {
    const { error } = await failure(
      {
        reply: apiError('ResourceUnavailable.CmkDisabled', 'disabled', 'rid-42'),
        code: 'ResourceUnavailable.CmkDisabled',
      },
      3,
    )
    expect(error.requestId).toBe('rid-42')
    expect(error.message).toContain('disabled')
  })

  it('a decryption failure carries the one fixed message, whatever Tencent said', async () => {
    stub.setHandler(() => apiError('InvalidParameterValue.InvalidCiphertext', 'tag mismatch at byte 17', 'rid-dec'))
    const kms = stubProvider(stub)
    const error = (await kms.decrypt({ ciphertextBlob: 'AAAA' }).catch((e: unknown) => e)) as KeywardError
    expect(error.code).toBe('InvalidParameterValue.InvalidCiphertext')
    expect(error.message).toBe(DECRYPTION_FAILED_MESSAGE)
    expect(error.requestId).toBe('rid-dec')
  })

  it('Decrypt names no key: CmkNotFound for the key a blob names is a decryption failure too', async () => {
    stub.setHandler(() => apiError('ResourceUnavailable.CmkNotFound', 'Key 1b00 does not exist.', 'rid-nf'))
    const kms = stubProvider(stub)
    const error = (await kms.decrypt({ ciphertextBlob: 'AAAA' }).catch((e: unknown) => e)) as KeywardError
    expect(error.code).toBe('InvalidParameterValue.InvalidCiphertext')
    expect(error.message).toBe(DECRYPTION_FAILED_MESSAGE)
    expect([error.backendCode, error.requestId]).toEqual(['ResourceUnavailable.CmkNotFound', 'rid-nf'])
    const named = (await kms
      .encrypt({ keyId: 'k1', plaintext: Buffer.from('x') })
      .catch((e: unknown) => e)) as KeywardError
    expect(named.code).toBe('ResourceUnavailable.CmkNotFound')
  })

  it('a refused connection → FailedOperation.NetworkError', async () => {
    const dead = await startStubKms(() => ok())
    const endpoint = dead.endpoint
    await dead.close()
    const kms = stubProvider({ ...dead, endpoint }, { retry: { maxAttempts: 2 } })
    const error = (await kms.describeKey('key-1').catch((e: unknown) => e)) as KeywardError
    expect(error.code).toBe('FailedOperation.NetworkError')
    expect(error.backendCode).toBe('connection-refused')
  })
})
