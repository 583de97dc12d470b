import { randomBytes } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import smCrypto from 'sm-crypto'
import { MemoryKeyStore, type KeyProvider } from '@keyward/core'
import { INDEX_KEY_CONTEXT, type IndexHash, type IndexKeyBlob } from '@keyward/flows/searchable'
import { RootKey, SoftwareKeyProvider } from '@keyward/provider-software'

/** A software provider with its keys in memory, and one AES CMK. */
export async function softwareWithCmk(alias = 'idx'): Promise<{ provider: SoftwareKeyProvider; cmkId: string }> {
  const provider = new SoftwareKeyProvider({ store: new MemoryKeyStore(), rootKey: RootKey.fromBytes(randomBytes(32)) })
  const cmkId = (await provider.createKey({ alias })).keyId
  return { provider, cmkId }
}

/** The plaintext of an index-key blob, read straight through the provider (what IndexKey keeps in memory). */
export async function rawIndexKey(provider: KeyProvider, blob: IndexKeyBlob): Promise<Buffer> {
  return Buffer.from(
    (await provider.decrypt({ ciphertextBlob: blob.ciphertextBlob, encryptionContext: INDEX_KEY_CONTEXT })).plaintext,
  )
}

const lp = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8')
  return Buffer.concat([Buffer.of(b.length >> 8, b.length & 0xff), b])
}

/** The HKDF info of (table, name), written from the documented layout. */
export const indexInfo = (table: string, name: string): Buffer =>
  Buffer.concat([Buffer.from('KEYWARD-BLIND-INDEX-V1'), lp(table), lp(name)])

const smHmac = (key: Uint8Array, data: Uint8Array): Buffer =>
  Buffer.from(
    (smCrypto.sm3 as unknown as (m: number[], o: { key: number[] }) => string)([...data], { key: [...key] }),
    'hex',
  )

/**
 * A blind index value computed by independent code — @noble/hashes for SHA-256, sm-crypto for SM3 (HKDF written
 * out from RFC 5869 over its HMAC) — from the raw index key, to hold Keyward's output to.
 */
export function independentIndex(
  hash: IndexHash,
  root: Uint8Array,
  table: string,
  name: string,
  input: Uint8Array,
  bits: number,
): string {
  let mac: Uint8Array
  if (hash === 'SHA-256') {
    const k = hkdf(sha256, root, undefined, indexInfo(table, name), 32)
    mac = hmac(sha256, k, input)
  } else {
    const prk = smHmac(Buffer.alloc(32), root)
    const k = smHmac(prk, Buffer.concat([indexInfo(table, name), Buffer.of(1)]))
    mac = smHmac(k, input)
  }
  // Truncation from the definition: the first `bits` bits as a bit string, in hex digits of 4 bits, zero-padded.
  const bitString = [...mac]
    .map((b) => b.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, bits)
    .padEnd(Math.ceil(bits / 4) * 4, '0')
  return bitString
    .match(/.{4}/g)!
    .map((n) => parseInt(n, 2).toString(16))
    .join('')
}
