/**
 * File commands: envelope encrypt/decrypt of a multi-MiB file with an encryption context (tampering and a wrong
 * context leave no output), sign/verify of a file over 4096 bytes checked by openssl, and bad flags.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireBinary, run, tempDir } from '@keyward/test-support'
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import {
  BIN,
  cliEnv,
  expectFailure,
  keyward,
  kms,
  requireBuiltCli,
  requireScript,
  SLOW_TEST_MS,
  writingUnnamed,
} from './cli-harness.js'

describe.concurrent('keyward encrypt/decrypt/sign/verify', { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let openssl: string
  let aesKey: Promise<string>
  const file = (name: string): string => join(home, name)
  /** A directory of one test's own, so that its checks for leftovers see no other test's temp files. */
  const own = (name: string): ((file: string) => string) => {
    mkdirSync(join(home, name))
    return (f) => join(home, name, f)
  }
  const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

  beforeAll(async () => {
    requireBuiltCli()
    openssl = requireBinary('openssl')
    ;({ dir: home, remove } = tempDir('keyward-cli-files-'))
    aesKey = kms(home, 'CreateKey', { Alias: 'files' }).then((r) => r['KeyId'] as string)
    await aesKey // the first call creates the home (root key, stores, dev account) before the tests run side by side
  })
  afterAll(() => remove())

  it('(5) encrypts and decrypts a 5 MiB file with --context; tampering or a wrong context fails and writes nothing', async () => {
    const keyId = await aesKey
    const file = own('five')
    writeFileSync(file('big.bin'), randomBytes(5 * 1024 * 1024 + 123))
    const enc = await keyward(home, [
      'encrypt',
      '--key-id',
      keyId,
      '--in',
      file('big.bin'),
      '--out',
      file('big.kwe'),
      '--context',
      'tenant=acme',
      '--context',
      'purpose=test',
    ])
    expect(enc.code, enc.stderr).toBe(0)
    expect(enc.stdout + enc.stderr).toBe('') // no progress bar off a terminal
    expect(readFileSync(file('big.kwe')).includes(readFileSync(file('big.bin')).subarray(0, 64))).toBe(false)
    const dec = await keyward(home, [
      'decrypt',
      '--key-id',
      keyId,
      '--in',
      file('big.kwe'),
      '--out',
      file('big.out'),
      '--context',
      'purpose=test',
      '--context',
      'tenant=acme',
    ])
    expect(dec.code, dec.stderr).toBe(0)
    expect(sha(file('big.out'))).toBe(sha(file('big.bin')))

    const tampered = readFileSync(file('big.kwe'))
    tampered[3 * 1024 * 1024] = (tampered[3 * 1024 * 1024] as number) ^ 1
    writeFileSync(file('tampered.kwe'), tampered)
    writeFileSync(file('truncated.kwe'), readFileSync(file('big.kwe')).subarray(0, 4 * 1024 * 1024))
    const [bad, cut, wrongCtx, noCtx] = await Promise.all([
      keyward(home, [
        'decrypt',
        '--key-id',
        keyId,
        '--in',
        file('tampered.kwe'),
        '--out',
        file('tampered.out'),
        '--context',
        'tenant=acme',
        '--context',
        'purpose=test',
      ]),
      keyward(home, ['decrypt', '--key-id', keyId, '--in', file('truncated.kwe'), '--out', file('truncated.out')]),
      keyward(home, [
        'decrypt',
        '--key-id',
        keyId,
        '--in',
        file('big.kwe'),
        '--out',
        file('wrong.out'),
        '--context',
        'tenant=other',
        '--context',
        'purpose=test',
      ]),
      keyward(home, [
        'decrypt',
        '--key-id',
        keyId,
        '--in',
        file('big.kwe'),
        '--out',
        file('noctx.out'),
        '--context',
        'tenant=acme',
      ]),
    ])
    for (const r of [bad, wrongCtx, noCtx])
      expectFailure(r, /^error: InvalidParameterValue\.InvalidCiphertext: Decryption failed/)
    expectFailure(cut, /^error: FailedOperation\.InvalidMessage: The message is truncated/)
    for (const name of ['tampered.out', 'truncated.out', 'wrong.out', 'noctx.out'])
      expect(existsSync(file(name)), name).toBe(false)
    expect(readdirSync(file('.')).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('the SM4-GCM suite round trips; decrypt --key-id naming another CMK refuses the file', async () => {
    const [keyId, other] = await Promise.all([
      aesKey,
      kms(home, 'CreateKey', { Alias: 'files-other' }).then((r) => r['KeyId'] as string),
    ])
    const file = own('sm4')
    writeFileSync(file('gm.bin'), randomBytes(700_000))
    const enc = await keyward(home, [
      'encrypt',
      '--key-id',
      keyId,
      '--suite',
      'SM4_GCM_HKDF_SM3_COMMIT',
      '--in',
      file('gm.bin'),
      '--out',
      file('gm.kwe'),
    ])
    expect(enc.code, enc.stderr).toBe(0)
    const [ok, wrongKey] = await Promise.all([
      keyward(home, ['decrypt', '--key-id', keyId, '--in', file('gm.kwe'), '--out', file('gm.out')]),
      keyward(home, ['decrypt', '--key-id', other, '--in', file('gm.kwe'), '--out', file('gm.wrong')]),
    ])
    expect(ok.code, ok.stderr).toBe(0)
    expect(sha(file('gm.out'))).toBe(sha(file('gm.bin')))
    expectFailure(wrongKey, /^error: InvalidParameterValue\.InvalidCiphertext: Decryption failed/)
    expect(existsSync(file('gm.wrong'))).toBe(false)
  })

  it('(6) signs a 1 MiB file (DIGEST computed locally) with SM2 and RSA-PSS; openssl and keyward verify it, a changed file does not', async () => {
    const [sm2, rsa] = await Promise.all([
      kms(home, 'CreateKey', { Alias: 'files-sm2', KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }).then(
        (r) => r['KeyId'] as string,
      ),
      kms(home, 'CreateKey', { Alias: 'files-rsa', KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_RSA_2048' }).then(
        (r) => r['KeyId'] as string,
      ),
    ])
    writeFileSync(file('contract.pdf'), randomBytes(1024 * 1024))
    const [sm2Pub, rsaPub, sm2Sign, rsaSign] = await Promise.all([
      kms(home, 'GetPublicKey', { KeyId: sm2 }),
      kms(home, 'GetPublicKey', { KeyId: rsa }),
      keyward(home, [
        'sign',
        '--key-id',
        sm2,
        '--in',
        file('contract.pdf'),
        '--signature-out',
        file('contract.sm2.sig'),
      ]),
      keyward(home, [
        'sign',
        '--key-id',
        rsa,
        '--algorithm',
        'RSA_PSS_SHA_256',
        '--in',
        file('contract.pdf'),
        '--signature-out',
        file('contract.rsa.sig'),
      ]),
    ])
    expect(sm2Sign.code, sm2Sign.stderr).toBe(0)
    expect(sm2Sign.stderr).toMatch(/1048576 bytes, DIGEST, SM2DSA/)
    expect(rsaSign.code, rsaSign.stderr).toBe(0)
    writeFileSync(file('sm2.pem'), sm2Pub['PublicKeyPem'] as string)
    writeFileSync(file('rsa.pem'), rsaPub['PublicKeyPem'] as string)
    expect(
      run(openssl, [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        file('sm2.pem'),
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        'distid:1234567812345678',
        '-in',
        file('contract.pdf'),
        '-sigfile',
        file('contract.sm2.sig'),
      ]).toString(),
    ).toMatch(/Signature Verified Successfully/)
    expect(
      run(openssl, [
        'dgst',
        '-verify',
        file('rsa.pem'),
        '-sha256',
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        'rsa_pss_saltlen:-1',
        '-signature',
        file('contract.rsa.sig'),
        file('contract.pdf'),
      ]).toString(),
    ).toMatch(/Verified OK/)

    const changed = readFileSync(file('contract.pdf'))
    changed[500_000] = (changed[500_000] as number) ^ 0x80
    writeFileSync(file('changed.pdf'), changed)
    const [inKms, local, forged] = await Promise.all([
      keyward(home, ['verify', '--key-id', sm2, '--in', file('contract.pdf'), '--signature', file('contract.sm2.sig')]),
      keyward(home, [
        'verify',
        '--key-id',
        rsa,
        '--algorithm',
        'RSA_PSS_SHA_256',
        '--in',
        file('contract.pdf'),
        '--signature',
        file('contract.rsa.sig'),
        '--local',
      ]),
      keyward(home, ['verify', '--key-id', sm2, '--in', file('changed.pdf'), '--signature', file('contract.sm2.sig')]),
    ])
    expect([inKms.code, inKms.stdout, local.code, local.stdout]).toEqual([0, 'valid\n', 0, 'valid\n'])
    expectFailure(forged, /^invalid: the signature does not match/)
  })

  it('sign prints a base64 signature on stdout without --signature-out; a small file is signed RAW', async () => {
    const ecc = (await kms(home, 'CreateKey', { Alias: 'files-ecc', KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_ECC' }))[
      'KeyId'
    ] as string
    writeFileSync(file('small.txt'), 'hello')
    const [r, pub] = await Promise.all([
      keyward(home, ['sign', '--key-id', ecc, '--in', file('small.txt')]),
      kms(home, 'GetPublicKey', { KeyId: ecc }),
    ])
    expect(r.code, r.stderr).toBe(0)
    writeFileSync(file('small.sig'), Buffer.from(r.stdout.trim(), 'base64'))
    writeFileSync(file('ecc.pem'), pub['PublicKeyPem'] as string)
    expect(
      run(openssl, [
        'dgst',
        '-verify',
        file('ecc.pem'),
        '-sha256',
        '-signature',
        file('small.sig'),
        file('small.txt'),
      ]).toString(),
    ).toMatch(/Verified OK/)
  })

  it('shows a progress bar when stderr is a terminal (run under script(1) for a pty), and the output is complete', async () => {
    const script = requireScript()
    const keyId = await aesKey
    const file = own('tty')
    writeFileSync(file('in.bin'), randomBytes(8 * 1024 * 1024))
    const cmd = [process.execPath, BIN, 'encrypt', '--key-id', keyId, '--in', file('in.bin'), '--out', file('in.kwe')]
      .map((a) => `'${a}'`)
      .join(' ')
    const { stdout } = await promisify(execFile)(script, ['-qec', cmd, '/dev/null'], { env: cliEnv(home), cwd: home })
    expect(stdout).toMatch(/encrypt \[.*\] \d+% \| [\d.]+\/8\.0 MiB/)
    // Then one summary line: bytes, seconds, throughput.
    expect(stdout).toMatch(/encrypted 8\.0 MiB in \d+\.\d\d s \([\d.]+ MiB\/s\)\r?\n$/)
    const dec = await keyward(home, ['decrypt', '--key-id', keyId, '--in', file('in.kwe'), '--out', file('in.out')])
    expect(dec.code, dec.stderr).toBe(0)
    expect(sha(file('in.out'))).toBe(sha(file('in.bin')))
  })

  it('Ctrl-C during encrypt leaves no partial output and exits 130', async () => {
    const keyId = await aesKey
    const file = own('sigint')
    writeFileSync(file('huge.bin'), '')
    truncateSync(file('huge.bin'), 512 * 1024 * 1024) // sparse: cheap to make, slow enough to interrupt
    const child = spawn(
      process.execPath,
      [BIN, 'encrypt', '--key-id', keyId, '--in', file('huge.bin'), '--out', file('huge.kwe')],
      { env: cliEnv(home), cwd: home },
    )
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
    expect(await writingUnnamed(child.pid as number, file('.')), 'the unnamed output file is being written').toBe(true)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(readdirSync(file('.'))).toEqual(['huge.bin'])
  })

  it('bad flags and values fail with a clear message and write nothing', async () => {
    const keyId = await aesKey
    const file = own('bad')
    writeFileSync(file('in.txt'), 'data')
    const runs = await Promise.all([
      keyward(home, ['encrypt', '--key-id', keyId, '--in', file('in.txt')]),
      keyward(home, ['encrypt', '--key-id', keyId, '--in', file('missing.txt'), '--out', file('o1')]),
      keyward(home, [
        'encrypt',
        '--key-id',
        keyId,
        '--in',
        file('in.txt'),
        '--out',
        file('o2'),
        '--context',
        'novalue',
      ]),
      keyward(home, ['encrypt', '--key-id', 'not a key!', '--in', file('in.txt'), '--out', file('o3')]),
      keyward(home, ['encrypt', '--key-id', keyId, '--in', file('in.txt'), '--out', file('o4'), '--bogus']),
      keyward(home, ['encrypt', '--key-id', keyId, '--in', file('in.txt'), '--out', file('no-such-dir/o5')]),
      keyward(home, [
        'encrypt',
        '--key-id',
        '00000000-0000-0000-0000-000000000000',
        '--in',
        file('in.txt'),
        '--out',
        file('o6'),
      ]),
      keyward(home, ['decrypt', '--key-id', keyId, '--in', file('in.txt'), '--out', file('o7')]),
      keyward(home, ['encrypt', '--key-id', keyId, '--in', file('in.txt'), '--out', file('in.txt')]),
      keyward(home, ['sign', '--key-id', keyId, '--in', file('in.txt'), '--algorithm', 'MD5']),
    ])
    expectFailure(runs[0]!, /required option '--out <file>' not specified/)
    expectFailure(runs[1]!, /--in .*missing\.txt: no such file/)
    expectFailure(runs[2]!, /--context "novalue": expected key=value/)
    expectFailure(runs[3]!, /InvalidParameterValue\.InvalidKeyId: --key-id "not a key!" is not a valid KeyId/)
    expectFailure(runs[4]!, /unknown option '--bogus'/)
    expectFailure(runs[5]!, /output directory .*no-such-dir does not exist/)
    expectFailure(runs[6]!, /ResourceUnavailable\.CmkNotFound/)
    expectFailure(runs[7]!, /^error: FailedOperation\.InvalidMessage: /)
    expectFailure(runs[8]!, /--in and --out must name different files/)
    expectFailure(runs[9]!, /argument 'MD5' is invalid/)
    // 2: the command line does not parse (or can never work); 1: it ran and failed.
    expect(runs.map((r) => r.code)).toEqual([2, 1, 2, 2, 2, 1, 1, 1, 2, 2])
    expect(readdirSync(file('.')).filter((n) => /^o\d$|\.tmp$/.test(n))).toEqual([])
    expect(readFileSync(file('in.txt'), 'utf8')).toBe('data')
  })
})
