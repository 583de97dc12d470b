import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KeyProvider } from '@keyward/core'
import {
  BlindIndex,
  CompoundIndex,
  IndexKey,
  idCardBirthDate,
  lastDigits,
  normalizeMobileCN,
  type IndexHash,
  type IndexKeyBlob,
} from '@keyward/flows/searchable'
import { Pkcs11KeyProvider } from '@keyward/provider-pkcs11'
import { RootKey, SoftwareKeyProvider, SqliteKeyStore } from '@keyward/provider-software'
import type { TencentKmsKeyProvider } from '@keyward/provider-tencent-kms'
import { createTestToken, tempDir, type TestToken } from '@keyward/test-support'
import { startServe, type ServeHarness } from '../../../../providers/tencent-kms/test/serve-harness.js'
import { independentIndex, rawIndexKey } from './helpers.js'

// Determinism across processes and providers: an index key opened in another process (the built packages, as an
// application loads them), through each provider — software keys in SQLite, a SoftHSM2 token, Tencent KMS (the
// provider and the real SDK protocol against keyward serve) — gives exactly the indexes this process computes, and
// the same key copied under each provider's CMK gives the same indexes everywhere.
const WORKER = resolve(import.meta.dirname, 'index-worker.mjs')
const BITS = 32
const phones = ['13800138000', '+86 139 1234 5678', '１８６-００００-１１１１', '008615012345678']
const records = [
  { id_number: '11010519491231002x', phone: '13800138000' },
  { id_number: '440524188001010014', phone: '+86 150 1234 5678' },
]

type Indexes = Record<IndexHash, { phone: string[]; compound: string[] }>
interface Backend {
  name: string
  provider: KeyProvider
  cmkId: string
  child: Record<string, unknown>
}

const tmp = tempDir('keyward-bidx-determinism-')
let token: TestToken
let serve: ServeHarness
let tencent: TencentKmsKeyProvider
const backends: Backend[] = []

beforeAll(async () => {
  token = createTestToken('softhsm2') // before the first PKCS#11 module load of this process
  const rootKey = randomBytes(32)
  const software = new SoftwareKeyProvider({
    store: SqliteKeyStore.open(join(tmp.dir, 'keys.db')),
    rootKey: RootKey.fromBytes(rootKey),
  })
  const hsm = new Pkcs11KeyProvider({ ...token.options, store: SqliteKeyStore.open(join(tmp.dir, 'pkcs11-meta.db')) })
  serve = await startServe()
  tencent = serve.provider()
  backends.push(
    {
      name: 'software (SQLite key store)',
      provider: software,
      cmkId: (await software.createKey({ alias: 'bidx' })).keyId,
      child: { kind: 'software', store: join(tmp.dir, 'keys.db'), rootKeyHex: rootKey.toString('hex') },
    },
    {
      name: 'PKCS#11 (SoftHSM2)',
      provider: hsm,
      cmkId: (await hsm.createKey({ alias: 'bidx' })).keyId,
      child: {
        kind: 'pkcs11',
        modulePath: token.options.modulePath,
        tokenLabel: token.options.tokenLabel,
        pin: token.pin,
        store: join(tmp.dir, 'pkcs11-meta.db'),
      },
    },
    {
      name: 'Tencent KMS → keyward serve',
      provider: tencent,
      cmkId: (await tencent.createKey({ alias: 'bidx' })).keyId,
      child: { kind: 'tencent', endpoint: serve.endpoint, credentials: serve.credentials },
    },
  )
})
afterAll(async () => {
  for (const b of backends) await b.provider.close()
  await serve?.close()
  await token?.remove()
  tmp.remove()
})

/** The indexes this process computes from a blob. */
async function here(provider: KeyProvider, blob: IndexKeyBlob): Promise<Indexes> {
  const key = new IndexKey({ provider, ...blob })
  const out = {} as Indexes
  for (const hash of ['SHA-256', 'SM3'] as const) {
    const phone = await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: BITS,
      hash,
    })
    const compound = await CompoundIndex.create({
      key,
      table: 'customers',
      name: 'birth_phone4',
      bits: BITS,
      hash,
      parts: [
        { field: 'id_number', normalize: idCardBirthDate },
        { field: 'phone', normalize: lastDigits(4, normalizeMobileCN) },
      ],
    })
    out[hash] = { phone: phones.map((p) => phone.index(p)), compound: records.map((r) => compound.index(r)) }
  }
  key.close()
  return out
}

/** The indexes another Node process computes from the blob, through `child`'s provider. */
function elsewhere(b: Backend, blob: IndexKeyBlob): Promise<Indexes> {
  const job = JSON.stringify({ provider: b.child, blob, bits: BITS, phones, records })
  return new Promise((res, rej) => {
    execFile(
      process.execPath,
      [WORKER, job],
      { env: { ...process.env, ...token.env }, timeout: 60_000 },
      (e, stdout, stderr) => (e ? rej(new Error(`${e.message}\n${stderr}`)) : res(JSON.parse(stdout) as Indexes)),
    )
  })
}

describe('blind indexes are deterministic across processes and providers', () => {
  for (const i of [0, 1, 2]) {
    it(`provider ${['software', 'SoftHSM2', 'Tencent → keyward serve'][i]}: a key generated under its CMK gives the same indexes in another process, as independent code computes them`, async () => {
      const b = backends[i] as Backend
      const blob = await IndexKey.generate(b.provider, b.cmkId)
      const mine = await here(b.provider, blob)
      expect(await elsewhere(b, blob)).toEqual(mine)
      const root = await rawIndexKey(b.provider, blob)
      for (const hash of ['SHA-256', 'SM3'] as const) {
        expect(mine[hash].phone).toEqual(
          phones.map((p) =>
            independentIndex(hash, root, 'customers', 'phone', Buffer.from(normalizeMobileCN(p)), BITS),
          ),
        )
      }
      expect(new Set(mine['SHA-256'].phone).size).toBe(phones.length)
      expect(mine['SHA-256'].phone).not.toEqual(mine.SM3.phone)
    })
  }

  it('one index key copied under a CMK of each provider (wrapFor): every provider, in every process, gives the same indexes', async () => {
    const [software, hsm, kms] = backends as [Backend, Backend, Backend]
    const original = await IndexKey.generate(software.provider, software.cmkId)
    const key = new IndexKey({ provider: software.provider, ...original })
    const copies = [original, await key.wrapFor(hsm.provider, hsm.cmkId), await key.wrapFor(kms.provider, kms.cmkId)]
    key.close()
    expect(copies.map((c) => c.keyId)).toEqual([software.cmkId, hsm.cmkId, kms.cmkId])
    const expected = await here(software.provider, original)
    const results = await Promise.all(backends.map((b, i) => elsewhere(b, copies[i] as IndexKeyBlob)))
    for (const [i, r] of results.entries()) expect(r, backends[i]?.name).toEqual(expected)
    for (const [i, b] of backends.entries())
      expect(await here(b.provider, copies[i] as IndexKeyBlob), b.name).toEqual(expected)
  })
})
