import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import * as graphene from 'graphene-pk11'
import pkcs11 from 'pkcs11js'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { expectCode, tempDir } from '@keyward/test-support'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { createSoftHsmToken } from '../../../test/support/softhsm.js'
import { providerOn } from './helpers.js'

const token = createSoftHsmToken()
const tmp = tempDir('keyward-pkcs11-faults-')
afterAll(() => {
  tmp.remove()
  token.remove()
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('configuration faults', () => {
  it('a missing module path is ProviderUnavailable naming the path', async () => {
    const e = await expectCode(
      () => providerOn(token, { modulePath: join(tmp.dir, 'no-such-module.so') }),
      'FailedOperation.ProviderUnavailable',
    )
    expect(e.message).toContain('no-such-module.so')
  })

  it('a file that is not a PKCS#11 module is ProviderUnavailable on first use', async () => {
    const bogus = join(tmp.dir, 'bogus.so')
    writeFileSync(bogus, 'not a shared object')
    const p = providerOn(token, { modulePath: bogus })
    const e = await expectCode(() => p.generateRandom(8), 'FailedOperation.ProviderUnavailable')
    expect(e.message).toContain('cannot be loaded')
    await p.close()
  })

  it('a token label that does not exist is ProviderUnavailable listing the tokens present', async () => {
    const p = providerOn(token, { tokenLabel: 'no-such-token' })
    const e = await expectCode(() => p.connect(), 'FailedOperation.ProviderUnavailable')
    expect(e.message).toContain('"no-such-token"')
    expect(e.message).toContain(JSON.stringify(token.label))
    await p.close()
  })

  it('without modulePath the SoftHSM module is discovered; slotIndex 0 picks the one token', async () => {
    const p = new Pkcs11KeyProvider({ slotIndex: 0, pin: token.pin })
    expect((await p.generateRandom(32)).length).toBe(32)
    expect(JSON.stringify(p)).toContain(token.modulePath)
    await p.close()
  })

  it('a slot index beyond the tokens present is ProviderUnavailable', async () => {
    const p = new Pkcs11KeyProvider({ modulePath: token.modulePath, slotIndex: 7, pin: token.pin })
    await expectCode(() => p.generateRandom(8), 'FailedOperation.ProviderUnavailable')
    await p.close()
  })

  it('the PIN comes from exactly one of pin, pinEnv, pinFile; an unset env var is ProviderUnavailable', async () => {
    await expectCode(() => providerOn(token, { pinEnv: 'KEYWARD_TEST_PIN' }), 'InvalidParameter')
    await expectCode(
      () =>
        new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pinEnv: 'KEYWARD_NO_SUCH_VAR' }),
      'FailedOperation.ProviderUnavailable',
    )
    process.env.KEYWARD_TEST_PIN = token.pin
    const fromEnv = new Pkcs11KeyProvider({
      modulePath: token.modulePath,
      tokenLabel: token.label,
      pinEnv: 'KEYWARD_TEST_PIN',
    })
    expect((await fromEnv.generateRandom(16)).length).toBe(16)
    await fromEnv.close()
    const pinFile = join(tmp.dir, 'pin')
    writeFileSync(pinFile, `${token.pin}\n`, { mode: 0o600 })
    const fromFile = new Pkcs11KeyProvider({ modulePath: token.modulePath, tokenLabel: token.label, pinFile })
    expect((await fromFile.generateRandom(16)).length).toBe(16)
    await fromFile.close()
  })

  it('the PIN never prints: toJSON, inspect and String() redact it', async () => {
    const p = providerOn(token)
    for (const text of [JSON.stringify(p), inspect(p, { depth: 5 }), String(p)]) expect(text).not.toContain(token.pin)
    expect(JSON.stringify(p)).toContain('[REDACTED]')
    await p.close()
  })
})

describe('login', () => {
  it('wrong PIN: LoginFailed, exactly one C_Login, and later calls do not try again (no lockout storm)', async () => {
    const login = vi.spyOn(graphene.Session.prototype, 'login')
    const p = providerOn(token, { pin: 'wrong-pin' })
    const e = await expectCode(() => p.generateRandom(8), 'FailedOperation.LoginFailed')
    expect(e.backendCode).toBe('CKR_PIN_INCORRECT')
    expect(e.message).not.toContain('wrong-pin')
    expect(login).toHaveBeenCalledTimes(1)
    // 10 concurrent calls after the failure: still the one C_Login attempt.
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => p.generateRandom(8)))
    expect(
      results.every(
        (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'FailedOperation.LoginFailed',
      ),
    ).toBe(true)
    expect(login).toHaveBeenCalledTimes(1)
    expect(p.stats().loginAttempts).toBe(1)
    await p.close()
  })

  it('logs in once per token for a pool of sessions; another provider on the same token tolerates CKR_USER_ALREADY_LOGGED_IN', async () => {
    const login = vi.spyOn(graphene.Session.prototype, 'login')
    const a = providerOn(token, { poolSize: 4 })
    const b = providerOn(token, { poolSize: 2 })
    await Promise.all(Array.from({ length: 16 }, () => a.generateRandom(32)))
    expect(a.stats().openSessions).toBe(4)
    expect(a.stats().loginAttempts).toBe(1)
    await b.generateRandom(8)
    expect(b.stats().loginAttempts).toBe(1)
    expect(login).toHaveBeenCalledTimes(2)
    await a.close()
    await b.close()
  })
})

describe('lost sessions and module', () => {
  /** A second handle on the same library: what another component of the process (or an admin tool) could do. */
  function sameModule(): graphene.Module {
    const m = graphene.Module.load(token.modulePath)
    m.initialize()
    return m
  }

  it('recovers when every session is closed behind its back (C_CloseAllSessions)', async () => {
    const p = providerOn(token, { poolSize: 2 })
    const key = await p.createKey({ alias: 'lost-sessions' })
    const { ciphertextBlob } = await p.encrypt({ keyId: key.keyId, plaintext: Buffer.from('before') })
    const attempts = p.stats().loginAttempts
    const other = sameModule()
    other.getSlots(0).closeAll()
    const { plaintext } = await p.decrypt({ ciphertextBlob })
    expect(Buffer.from(plaintext).toString()).toBe('before')
    expect(p.stats().loginAttempts).toBe(attempts + 1)
    await p.close()
  })

  it('recovers when the application is logged out behind its back (C_Logout): logs in again once', async () => {
    const p = providerOn(token, { poolSize: 2 })
    const key = await p.createKey({ alias: 'logged-out' })
    // One call first, so the key's handle is cached: the stale-handle path must recover too.
    await p.encrypt({ keyId: key.keyId, plaintext: Buffer.from('before logout') })
    const attempts = p.stats().loginAttempts
    const other = sameModule()
    const session = other.getSlots(0).open(graphene.SessionFlag.SERIAL_SESSION)
    session.logout()
    session.close()
    const { ciphertextBlob } = await p.encrypt({ keyId: key.keyId, plaintext: Buffer.from('after logout') })
    expect(Buffer.from((await p.decrypt({ ciphertextBlob })).plaintext).toString()).toBe('after logout')
    expect(p.stats().loginAttempts).toBe(attempts + 1)
    await p.close()
  })

  it('recovers when the module is finalized behind its back (C_Finalize, then re-initialise)', async () => {
    const p = providerOn(token, { poolSize: 2 })
    const key = await p.createKey({ alias: 'finalized', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' })
    const other = sameModule()
    other.finalize()
    const { signature } = await p.signByAsymmetricKey({
      keyId: key.keyId,
      algorithm: 'ECC_P256_R1',
      message: Buffer.from('after finalize'),
    })
    const { signatureValid } = await p.verifyByAsymmetricKey({
      keyId: key.keyId,
      algorithm: 'ECC_P256_R1',
      message: Buffer.from('after finalize'),
      signature,
    })
    expect(signatureValid).toBe(true)
    await p.close()
  })

  it('recovers when the module is finalized and re-initialised behind its back (all handles renumbered)', async () => {
    const p = providerOn(token, { poolSize: 2 })
    const key = await p.createKey({ alias: 'reopened', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    await p.signByAsymmetricKey({ keyId: key.keyId, algorithm: 'RSA_PSS_SHA_256', message: Buffer.from('before') })
    const other = sameModule()
    other.finalize()
    // Re-initialised the way the provider does it (OS locking), since the rest of this process shares the module.
    other.initialize({ flags: pkcs11.CKF_OS_LOCKING_OK })
    const { signature } = await p.signByAsymmetricKey({
      keyId: key.keyId,
      algorithm: 'RSA_PSS_SHA_256',
      message: Buffer.from('after reopen'),
    })
    expect(
      (
        await p.verifyByAsymmetricKey({
          keyId: key.keyId,
          algorithm: 'RSA_PSS_SHA_256',
          message: Buffer.from('after reopen'),
          signature,
        })
      ).signatureValid,
    ).toBe(true)
    await p.close()
  })

  it('close() while calls are in flight: the running ones finish, the queued ones fail, then the sessions close', async () => {
    const p = providerOn(token, { poolSize: 2 })
    const key = await p.createKey({ alias: 'close-in-flight', keyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' })
    const calls = Array.from({ length: 8 }, (_, i) =>
      p.signByAsymmetricKey({ keyId: key.keyId, algorithm: 'RSA_PKCS1_SHA_256', message: Buffer.from(`m${i}`) }),
    )
    const settled = Promise.allSettled(calls)
    await new Promise((r) => setImmediate(r))
    await p.close()
    const results = await settled
    const done = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected')
    expect(done.length + refused.length).toBe(8)
    for (const r of done)
      expect((r as PromiseFulfilledResult<{ signature: Uint8Array }>).value.signature.length).toBe(256)
    for (const r of refused)
      expect((r as PromiseRejectedResult).reason.code).toBe('FailedOperation.ProviderUnavailable')
    expect(p.stats().openSessions).toBe(0)
  })

  it('close() closes its sessions and later calls fail with ProviderUnavailable', async () => {
    const p = providerOn(token, { poolSize: 3 })
    await Promise.all([p.generateRandom(1), p.generateRandom(1), p.generateRandom(1)])
    expect(p.stats().openSessions).toBe(3)
    await p.close()
    expect(p.stats().openSessions).toBe(0)
    await expectCode(() => p.generateRandom(1), 'FailedOperation.ProviderUnavailable')
    await expectCode(() => p.listKeys(), 'FailedOperation.ProviderUnavailable')
  })
})
