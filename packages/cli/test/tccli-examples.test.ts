/**
 * Every KMS example of tencentcloud-cli (`tccli/examples/kms/v20190118`, copied in fixtures/ with attribution) that
 * the embedded KMS serves, run with `keyward` in place of `tccli`: the example's own command line — its Action,
 * `--cli-unfold-argument`, its parameters, values and list syntax — with KeyIds, ciphertexts and tokens made in this
 * home substituted for the example's. Each must succeed, print the response model without the `Response` wrapper,
 * and return the fields the example documents (except the few named here that Keyward does not produce).
 *
 * The examples are documentation, not shell scripts (`--EncryptionContext {"key1":"value1"}` is meant as that JSON,
 * the GenerateDataKey PEM spans lines): they are read as argument lists — the words after each `--Name`, one layer
 * of enclosing double quotes removed — exactly what a user types once the shell has done its quoting.
 */
import { createPublicKey, publicEncrypt, constants, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLocalKms, type LocalKms } from '@keyward/server/local'
import { requireBinary, run, tempDir } from '@keyward/test-support'
import { keyward, requireBuiltCli, SLOW_TEST_MS } from './cli-harness.js'

const EXAMPLES = join(import.meta.dirname, 'fixtures', 'tencentcloud-cli', 'examples', 'kms', 'v20190118')

interface Example {
  action: string
  params: [string, string[]][]
  documented: Record<string, unknown>
}

/** The first example of a file: its Input command and the Response of its Output. */
function parseExample(text: string): Example {
  const input = /Input:\s*\n+```\n([\s\S]*?)```/.exec(text)?.[1] ?? /Input:\s*\n+```\n(tccli[^\n]*)/.exec(text)?.[1]
  const output = /Output:\s*\n+```\n([\s\S]*?)\n```/.exec(text)?.[1]
  if (!input || !output) throw new Error('example without Input/Output')
  const [head, ...rest] = input
    .trimEnd()
    .replace(/```$/, '')
    .split(/ \\\n\s+(?=--[A-Z])/)
  const action = /^tccli kms (\w+)/.exec(head as string)?.[1] as string
  const params = rest.map((seg): [string, string[]] => {
    const m = /^--([A-Za-z0-9.]+) ([\s\S]*?)(?: \\)?\s*$/.exec(seg) as RegExpExecArray
    const raw = (m[2] as string).replace(/^"([\s\S]*)"$/, '$1')
    return [m[1] as string, raw.includes('\n') ? [raw] : raw.split(/\s+/)]
  })
  return { action, params, documented: (JSON.parse(output) as { Response: Record<string, unknown> }).Response }
}

/**
 * Parameters of the examples that only Tencent's KMS exclusive edition serves: Keyward refuses them
 * (UnsupportedOperation naming them) instead of ignoring them; the example then runs without them.
 */
const EXCLUSIVE_EDITION_PARAMS: ReadonlySet<string> = new Set(['HsmClusterId'])

/**
 * Fields of Tencent's documented responses that Keyward does not return, per Action: HSM-cluster and tagging
 * service fields, the billing of Tencent's exclusive edition, and RotateKey's asynchronous task id (rotation is
 * synchronous here). None carries key state or a security decision.
 */
const NOT_RETURNED: Readonly<Record<string, readonly string[]>> = {
  CreateKey: ['HsmClusterId'],
  GetServiceStatus: ['InvalidType', 'ProResourceId', 'ProRenewFlag', 'ProExpireTime', 'SubscriptionInfo'],
  RotateKey: ['TaskId'],
}

describe("tencentcloud-cli's KMS examples, with keyward in place of tccli", { timeout: SLOW_TEST_MS }, () => {
  let home: string
  let remove = (): void => undefined
  let local: LocalKms
  let openssl: string
  const file = (name: string): string => join(home, name)

  beforeAll(async () => {
    requireBuiltCli()
    openssl = requireBinary('openssl')
    ;({ dir: home, remove } = tempDir('keyward-tccli-examples-'))
    // Setup (keys, ciphertexts, tokens) in process, on the same stores and account as the CLI: quick.
    local = await openLocalKms({ home })
  })
  afterAll(async () => {
    await local?.close()
    remove()
  })

  async function call(action: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const { Response } = await local.call(action, params)
    expect(Response['Error'], `${action} ${JSON.stringify(Response['Error'])}`).toBeUndefined()
    return Response
  }
  let n = 0
  /** The SM2 key GenerateDataKey's EncryptionPublicKey belongs to. */
  let sealedTo = ''
  const newKey = async (extra: Record<string, unknown> = {}): Promise<string> =>
    (await call('CreateKey', { Alias: `ex-${++n}`, ...extra }))['KeyId'] as string
  const pem = async (keyId: string, name: string): Promise<string> => {
    writeFileSync(file(name), (await call('GetPublicKey', { KeyId: keyId }))['PublicKeyPem'] as string)
    return file(name)
  }
  const hostedDataKey = async (): Promise<string> =>
    (
      await call('GenerateDataKey', {
        KeyId: await newKey(),
        NumberOfBytes: 32,
        IsHostedByKms: 1,
        DataKeyName: `dk-${++n}`,
      })
    )['DataKeyId'] as string
  const importParams = async (keyId: string): Promise<{ ImportToken: string; EncryptedKeyMaterial: string }> => {
    const p = await call('GetParametersForImport', {
      KeyId: keyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    })
    const wrapping = createPublicKey({
      key: Buffer.from(p['PublicKey'] as string, 'base64'),
      format: 'der',
      type: 'spki',
    })
    const wrapped = publicEncrypt(
      { key: wrapping, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      randomBytes(32),
    )
    return { ImportToken: p['ImportToken'] as string, EncryptedKeyMaterial: wrapped.toString('base64') }
  }

  /** Values of this home for the example's parameters, after whatever state the Action needs. */
  const SETUPS: Record<string, () => Promise<Record<string, string | string[]>>> = {
    ArchiveKey: async () => ({ KeyId: await newKey() }),
    CancelKeyArchive: async () => {
      const k = await newKey()
      await call('ArchiveKey', { KeyId: k })
      return { KeyId: k }
    },
    CancelKeyDeletion: async () => {
      const k = await newKey()
      await call('DisableKey', { KeyId: k })
      await call('ScheduleKeyDeletion', { KeyId: k, PendingWindowInDays: 7 })
      return { KeyId: k }
    },
    ScheduleKeyDeletion: async () => {
      const k = await newKey()
      await call('DisableKey', { KeyId: k })
      return { KeyId: k }
    },
    DisableKey: async () => ({ KeyId: await newKey() }),
    EnableKey: async () => {
      const k = await newKey()
      await call('DisableKey', { KeyId: k })
      return { KeyId: k }
    },
    DisableKeys: async () => ({ KeyIds: [await newKey(), await newKey()] }),
    EnableKeys: async () => ({ KeyIds: [await newKey(), await newKey()] }),
    DescribeKey: async () => ({ KeyId: await newKey() }),
    DescribeKeys: async () => ({ KeyIds: [await newKey(), await newKey()] }),
    EnableKeyRotation: async () => ({ KeyId: await newKey() }),
    DisableKeyRotation: async () => ({ KeyId: await newKey() }),
    GetKeyRotationStatus: async () => ({ KeyId: await newKey() }),
    RotateKey: async () => ({ KeyId: await newKey() }),
    UpdateAlias: async () => ({ KeyId: await newKey() }),
    UpdateKeyDescription: async () => ({ KeyId: await newKey() }),
    Encrypt: async () => ({ KeyId: await newKey() }),
    Decrypt: async () => ({
      CiphertextBlob: (
        await call('Encrypt', { KeyId: await newKey(), Plaintext: 'dGVzdAo=', EncryptionContext: '{"key1":"value1"}' })
      )['CiphertextBlob'] as string,
    }),
    ReEncrypt: async () => ({
      CiphertextBlob: (await call('Encrypt', { KeyId: await newKey(), Plaintext: 'dGVzdAo=' }))[
        'CiphertextBlob'
      ] as string,
      DestinationKeyId: await newKey(),
    }),
    GenerateDataKey: async () => {
      sealedTo = await newKey({ KeyUsage: 'ASYMMETRIC_DECRYPT_SM2' })
      return {
        KeyId: await newKey(),
        EncryptionPublicKey: readFileSync(await pem(sealedTo, 'gdk-sm2.pem'), 'utf8').trimEnd(),
      }
    },
    GetPublicKey: async () => ({ KeyId: await newKey({ KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }) }),
    SignByAsymmetricKey: async () => ({ KeyId: await newKey({ KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' }) }),
    VerifyByAsymmetricKey: async () => {
      const k = await newKey({ KeyUsage: 'ASYMMETRIC_SIGN_VERIFY_SM2' })
      const s = await call('SignByAsymmetricKey', {
        KeyId: k,
        Algorithm: 'SM2DSA',
        Message: 'dGVzdAo=',
        MessageType: 'RAW',
      })
      return { KeyId: k, SignatureValue: s['Signature'] as string }
    },
    AsymmetricRsaDecrypt: async () => {
      const k = await newKey({ KeyUsage: 'ASYMMETRIC_DECRYPT_RSA_2048' })
      const ct = run(
        openssl,
        [
          'pkeyutl',
          '-encrypt',
          '-pubin',
          '-inkey',
          await pem(k, 'rsa.pem'),
          '-pkeyopt',
          'rsa_padding_mode:oaep',
          '-pkeyopt',
          'rsa_oaep_md:sha256',
        ],
        'test rsa',
      )
      return { KeyId: k, Ciphertext: ct.toString('base64') }
    },
    AsymmetricSm2Decrypt: async () => {
      const k = await newKey({ KeyUsage: 'ASYMMETRIC_DECRYPT_SM2' })
      // openssl writes SM2 ciphertexts as ASN.1 C1C3C2, the form Tencent's AsymmetricSm2Decrypt takes.
      const ct = run(openssl, ['pkeyutl', '-encrypt', '-pubin', '-inkey', await pem(k, 'sm2.pem')], 'test sm2')
      return { KeyId: k, Ciphertext: ct.toString('base64') }
    },
    GetParametersForImport: async () => ({ KeyId: await newKey({ Type: 2 }) }),
    ImportKeyMaterial: async () => {
      const k = await newKey({ Type: 2 })
      return { KeyId: k, ...(await importParams(k)) }
    },
    DeleteImportedKeyMaterial: async () => {
      const k = await newKey({ Type: 2 })
      await call('ImportKeyMaterial', { KeyId: k, ...(await importParams(k)) })
      return { KeyId: k }
    },
    DescribeDataKey: async () => ({ DataKeyId: await hostedDataKey() }),
    DescribeDataKeys: async () => ({ DataKeyIds: [await hostedDataKey(), await hostedDataKey()] }),
    DisableDataKey: async () => ({ DataKeyId: await hostedDataKey() }),
    DisableDataKeys: async () => ({ DataKeyIds: [await hostedDataKey(), await hostedDataKey()] }),
    EnableDataKey: async () => {
      const d = await hostedDataKey()
      await call('DisableDataKey', { DataKeyId: d })
      return { DataKeyId: d }
    },
    EnableDataKeys: async () => {
      const d = await hostedDataKey()
      await call('DisableDataKey', { DataKeyId: d })
      return { DataKeyIds: [d] }
    },
    GetDataKeyCiphertextBlob: async () => ({ DataKeyId: await hostedDataKey() }),
    GetDataKeyPlaintext: async () => ({ DataKeyId: await hostedDataKey() }),
    UpdateDataKeyDescription: async () => ({ DataKeyId: await hostedDataKey() }),
    UpdateDataKeyName: async () => ({ DataKeyId: await hostedDataKey() }),
    ScheduleDataKeyDeletion: async () => ({ DataKeyId: await hostedDataKey() }),
    CancelDataKeyDeletion: async () => {
      const d = await hostedDataKey()
      await call('ScheduleDataKeyDeletion', { DataKeyId: d, PendingWindowInDays: 7 })
      return { DataKeyId: d }
    },
  }

  it('runs all 49 examples; each succeeds with the documented response fields (HsmClusterId, exclusive edition only, refused)', async () => {
    const files = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.md'))
      .sort()
    expect(files).toHaveLength(49)
    const examples = files.map((f) => parseExample(readFileSync(join(EXAMPLES, f), 'utf8')))
    // Setups one after another (each makes its own keys), then the keyward runs side by side.
    const argvs: string[][] = []
    const refusedArgvs: string[][] = []
    for (const ex of examples) {
      const values = (await SETUPS[ex.action]?.()) ?? {}
      const args = ['kms', ex.action, '--cli-unfold-argument']
      const exclusive: string[] = []
      for (const [name, words] of ex.params) {
        const v = values[name]
        const words2 = [`--${name}`, ...(v === undefined ? words : Array.isArray(v) ? v : [v])]
        if (EXCLUSIVE_EDITION_PARAMS.has(name)) exclusive.push(...words2)
        else args.push(...words2)
      }
      if (exclusive.length) refusedArgvs.push([...args, ...exclusive])
      argvs.push(args)
    }
    // As printed, with the exclusive edition's HsmClusterId: refused, naming it, and nothing listed.
    expect(refusedArgvs.map((a) => a[1])).toEqual(['ListKeyDetail', 'ListKeys'])
    for (const args of refusedArgvs) {
      const r = await keyward(home, args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(/code:UnsupportedOperation message:\w+: the parameter HsmClusterId/)
      expect(r.stdout).toBe('')
    }
    const runs: Awaited<ReturnType<typeof keyward>>[] = []
    for (let i = 0; i < argvs.length; i += 4)
      runs.push(...(await Promise.all(argvs.slice(i, i + 4).map((a) => keyward(home, a)))))
    const problems: string[] = []
    for (const [i, ex] of examples.entries()) {
      const r = runs[i] as Awaited<ReturnType<typeof keyward>>
      if (r.code !== 0) {
        problems.push(`${ex.action}: exit ${r.code}: ${r.stderr.trim()}`)
        continue
      }
      const body = JSON.parse(r.stdout) as Record<string, unknown>
      const missing = Object.keys(ex.documented).filter(
        (k) => !(k in body) && !(NOT_RETURNED[ex.action] ?? []).includes(k),
      )
      if ('Response' in body || missing.length)
        problems.push(`${ex.action}: ${'Response' in body ? 'wrapped; ' : ''}missing ${missing.join(', ')}`)
    }
    expect(problems).toEqual([])

    // Not only well-formed: the answers are right.
    const out = (action: string): Record<string, unknown> =>
      JSON.parse((runs[examples.findIndex((e) => e.action === action)] as { stdout: string }).stdout) as Record<
        string,
        unknown
      >
    expect(out('VerifyByAsymmetricKey')['SignatureValid']).toBe(true)
    expect(out('Decrypt')['Plaintext']).toBe('dGVzdAo=')
    expect(Buffer.from(out('GenerateRandom')['Plaintext'] as string, 'base64')).toHaveLength(16)
    expect(Buffer.from(out('AsymmetricRsaDecrypt')['Plaintext'] as string, 'base64').toString()).toBe('test rsa')
    expect(Buffer.from(out('AsymmetricSm2Decrypt')['Plaintext'] as string, 'base64').toString()).toBe('test sm2')
    // GenerateDataKey with EncryptionPublicKey (an SM2 key of this KMS): the data key comes sealed to that key, and
    // unsealing it gives the key that Decrypt of the CiphertextBlob gives.
    const gdk = out('GenerateDataKey')
    const plain = (
      await call('Decrypt', { CiphertextBlob: gdk['CiphertextBlob'], EncryptionContext: '{"key1":"value1"}' })
    )['Plaintext'] as string
    expect(Buffer.from(plain, 'base64')).toHaveLength(32)
    expect(gdk['Plaintext']).not.toBe(plain)
    expect((await call('AsymmetricSm2Decrypt', { KeyId: sealedTo, Ciphertext: gdk['Plaintext'] }))['Plaintext']).toBe(
      plain,
    )
  })
})
