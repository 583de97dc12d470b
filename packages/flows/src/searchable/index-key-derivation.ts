import type { CallOptions } from '@keyward/core'
import { hkdfExpand, hkdfExtract } from '../envelope/hkdf.js'
import { derivedKey, type IndexKey } from './index-key.js'

/** Hashes an index can use; SM3 under the `gm` compliance profile. */
export type IndexHash = 'SHA-256' | 'SM3'

const NODE_HASH: Readonly<Record<IndexHash, 'sha256' | 'sm3'>> = { 'SHA-256': 'sha256', SM3: 'sm3' }
const LABEL = Buffer.from('KEYWARD-BLIND-INDEX-V1', 'ascii')

function lengthPrefixed(s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  const out = Buffer.allocUnsafe(2 + b.length)
  out.writeUInt16BE(b.length, 0)
  b.copy(out, 2)
  return out
}

/**
 * The HMAC key of one index: HKDF(hash, IKM = index key, salt = empty, info = "KEYWARD-BLIND-INDEX-V1" ‖ len ‖ table
 * ‖ len ‖ index name), 32 bytes, with lengths as 2-byte big-endian byte counts of the UTF-8. Every index over the same
 * (hash, table, name) gets the same Buffer; close() of the index key zeroes it. Internal to the searchable module.
 */
export function deriveIndexKey(
  key: IndexKey,
  hash: IndexHash,
  table: string,
  name: string,
  opts: CallOptions = {},
): Promise<Buffer> {
  const info = Buffer.concat([LABEL, lengthPrefixed(table), lengthPrefixed(name)])
  return derivedKey(
    key,
    `${hash}|${info.toString('base64')}`,
    (root) => {
      const h = NODE_HASH[hash]
      const prk = hkdfExtract(h, root)
      try {
        return hkdfExpand(h, prk, info, 32)
      } finally {
        prk.fill(0)
      }
    },
    opts,
  )
}
