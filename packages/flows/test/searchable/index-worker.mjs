// A separate process for the determinism test: opens an index-key blob through a provider (software store file,
// SoftHSM2 token, or TencentKmsKeyProvider → keyward serve), computes blind indexes, prints them as JSON. It loads
// the built packages (dist), as an application would. Input: one JSON argument (see determinism.test.ts).
import {
  BlindIndex,
  CompoundIndex,
  IndexKey,
  idCardBirthDate,
  lastDigits,
  normalizeMobileCN,
} from '@keyward/flows/searchable'

const job = JSON.parse(process.argv[2])

async function providerOf(p) {
  if (p.kind === 'software') {
    const { RootKey, SoftwareKeyProvider, SqliteKeyStore } = await import('@keyward/provider-software')
    return new SoftwareKeyProvider({
      store: SqliteKeyStore.open(p.store),
      rootKey: RootKey.fromBytes(Buffer.from(p.rootKeyHex, 'hex')),
    })
  }
  if (p.kind === 'pkcs11') {
    const { Pkcs11KeyProvider } = await import('@keyward/provider-pkcs11')
    const { SqliteKeyStore } = await import('@keyward/provider-software')
    return new Pkcs11KeyProvider({
      modulePath: p.modulePath,
      tokenLabel: p.tokenLabel,
      pin: p.pin,
      store: SqliteKeyStore.open(p.store),
    })
  }
  const { TencentKmsKeyProvider } = await import('@keyward/provider-tencent-kms')
  return new TencentKmsKeyProvider({
    region: 'ap-guangzhou',
    endpoint: p.endpoint,
    protocol: 'http',
    credentials: p.credentials,
  })
}

const provider = await providerOf(job.provider)
const key = new IndexKey({ provider, ...job.blob })
try {
  const out = {}
  for (const hash of ['SHA-256', 'SM3']) {
    const phone = await BlindIndex.create({
      key,
      table: 'customers',
      field: 'phone',
      normalize: normalizeMobileCN,
      bits: job.bits,
      hash,
      onWarning: () => {},
    })
    const birthPhone4 = await CompoundIndex.create({
      key,
      table: 'customers',
      name: 'birth_phone4',
      bits: job.bits,
      hash,
      onWarning: () => {},
      parts: [
        { field: 'id_number', normalize: idCardBirthDate },
        { field: 'phone', normalize: lastDigits(4, normalizeMobileCN) },
      ],
    })
    out[hash] = { phone: job.phones.map((v) => phone.index(v)), compound: job.records.map((r) => birthPhone4.index(r)) }
  }
  process.stdout.write(JSON.stringify(out))
} finally {
  key.close()
  await provider.close()
}
