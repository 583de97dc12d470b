/**
 * Finding 3 (protocol part): TC3 as the stock SDKs use it signs only content-type and host, so a request captured
 * on the wire can be re-sent for 300 s or under another Action that takes the same body. Default mode keeps
 * accepting that (stock SDKs sign nothing more; documented, and TLS is what keeps requests off the wire). Strict
 * mode requires a signed x-tc-action and accepts each signature once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { ADMIN, capture, resend, startAttackServer, type AttackServer, type KmsClient } from './attack-harness.js'
import { codeOf } from '@keyward/test-support'

describe('attack 3: captured requests re-sent', () => {
  describe('default mode (what stock SDKs sign): documented behaviour', () => {
    let t: AttackServer
    beforeAll(async () => {
      t = await startAttackServer()
      await t.account('bob')
    })
    afterAll(async () => {
      await t.close()
    })

    it('a signed DescribeKey re-sent as DisableKey or ArchiveKey is accepted: the Action is not signed', async () => {
      const k = (await t.admin.CreateKey({ Alias: 'swap' })).KeyId!
      const c = capture(t.url, ADMIN, 'DescribeKey', { KeyId: k })
      expect((await resend(t.url, c)).code).toBeUndefined()
      expect((await resend(t.url, c, { 'X-TC-Action': 'DisableKey' })).code).toBeUndefined()
      expect((await t.admin.DescribeKey({ KeyId: k })).KeyMetadata!.KeyState).toBe('Disabled')
      expect((await resend(t.url, c, { 'X-TC-Action': 'ArchiveKey' })).code).toBeUndefined()
    })

    it('a replayed CreateGrant undoes a revocation within the 300 s window, and is refused after it', async () => {
      const k = (await t.admin.CreateKey({ Alias: 'grant-replay' })).KeyId!
      // Signed at the server clock's second, so that advancing it 301 s leaves the window whatever time has passed.
      const c = capture(
        t.url,
        ADMIN,
        'CreateGrant',
        { KeyId: k, GranteeAccountName: 'bob', Operations: ['Decrypt'] },
        { timestamp: Math.floor(t.clock.now() / 1000) },
      )
      const first = await resend(t.url, c)
      await t.admin.request('RevokeGrant', { GrantId: first.response['GrantId'] })
      expect((await resend(t.url, c)).code).toBeUndefined()
      expect(((await t.admin.request('ListGrants', { KeyId: k })) as { Grants: unknown[] }).Grants).toHaveLength(1)
      t.clock.advance(301_000)
      try {
        expect((await resend(t.url, c)).code).toBe('AuthFailure.SignatureExpire')
      } finally {
        t.clock.set(Date.now())
      }
    })
  })

  describe('strict mode (--strict-signing)', () => {
    let t: AttackServer
    let k: string
    beforeAll(async () => {
      t = await startAttackServer({ strictSigning: true })
      await t.account('bob')
      k = (await resend(t.url, capture(t.url, ADMIN, 'CreateKey', { Alias: 'strict' }, { signAction: true }))).response[
        'KeyId'
      ] as string
    })
    afterAll(async () => {
      await t.close()
    })

    it('refuses a stock SDK request, whose signature does not cover the Action', async () => {
      expect(await codeOf((t.admin as KmsClient).DescribeKey({ KeyId: k }))).toBe('AuthFailure.InvalidAuthorization')
      expect((await resend(t.url, capture(t.url, ADMIN, 'DescribeKey', { KeyId: k }))).code).toBe(
        'AuthFailure.InvalidAuthorization',
      )
    })

    it("Keyward's own Tencent provider works unchanged against it", async () => {
      const kms = new TencentKmsKeyProvider({
        endpoint: t.url.replace('http://', ''),
        protocol: 'http',
        credentials: ADMIN,
      })
      try {
        expect((await kms.describeKey(k)).keyState).toBe('Enabled')
      } finally {
        await kms.close()
      }
    })

    it('a signed DescribeKey re-sent as DisableKey fails the signature; re-sent as it was, it is a replay', async () => {
      const c = capture(t.url, ADMIN, 'DescribeKey', { KeyId: k }, { signAction: true })
      expect((await resend(t.url, c)).code).toBeUndefined()
      const swapped = await resend(t.url, c, { 'X-TC-Action': 'DisableKey' })
      expect(swapped.code).toBe('AuthFailure.SignatureFailure')
      expect((await resend(t.url, c)).code).toBe('AuthFailure.SignatureFailure')
      const fresh = await resend(t.url, capture(t.url, ADMIN, 'DescribeKey', { KeyId: k }, { signAction: true }))
      expect((fresh.response['KeyMetadata'] as { KeyState: string }).KeyState).toBe('Enabled')
    })

    it('a replayed CreateGrant cannot undo a revocation; after the window it is expired as well', async () => {
      const c = capture(
        t.url,
        ADMIN,
        'CreateGrant',
        { KeyId: k, GranteeAccountName: 'bob', Operations: ['Decrypt'] },
        { signAction: true, timestamp: Math.floor(t.clock.now() / 1000) },
      )
      const { response } = await resend(t.url, c)
      await resend(t.url, capture(t.url, ADMIN, 'RevokeGrant', { GrantId: response['GrantId'] }, { signAction: true }))
      const replay = await resend(t.url, c)
      expect(replay.code).toBe('AuthFailure.SignatureFailure')
      expect(replay.response['Error']).toMatchObject({ Message: expect.stringMatching(/already used/) })
      const grants = await resend(t.url, capture(t.url, ADMIN, 'ListGrants', { KeyId: k }, { signAction: true }))
      expect(grants.response['Grants']).toEqual([])
      t.clock.advance(301_000)
      try {
        expect((await resend(t.url, c)).code).toBe('AuthFailure.SignatureExpire')
      } finally {
        t.clock.set(Date.now())
      }
    })
  })
})
