/** PEM armour (RFC 7468) around DER, strict on the way in. */
import { fromBase64, KeywardError } from '@keyward/core'

const PEM = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\r?\n?$/

/**
 * PEM text of `der` under `label` (e.g. 'PUBLIC KEY', 'PRIVATE KEY'), 64 base64 characters per line.
 *
 * @example
 * ```ts
 * derToPem(sm2PublicKeyToSpki(publicKey), 'PUBLIC KEY') // openssl pkey -pubin reads it
 * ```
 */
export function derToPem(der: Uint8Array, label: string): string {
  if (!(der instanceof Uint8Array)) throw new KeywardError('InvalidParameter', 'der must be bytes (Uint8Array/Buffer).')
  if (typeof label !== 'string' || !/^[A-Z0-9 ]{1,64}$/.test(label))
    throw new KeywardError('InvalidParameterValue', 'label must be 1-64 characters of A-Z, 0-9 and space.')
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}

/**
 * The DER inside one PEM block (surrounding whitespace allowed). When `label` is given the block must carry it.
 * Invalid armour or base64 → KeywardError('InvalidParameterValue').
 */
export function pemToDer(pem: string, label?: string): Buffer {
  if (typeof pem !== 'string') throw new KeywardError('InvalidParameter', 'pem must be a string.')
  const m = PEM.exec(pem.trim() + '\n')
  if (!m) throw new KeywardError('InvalidParameterValue', 'pem is not a single PEM block.')
  if (label !== undefined && m[1] !== label)
    throw new KeywardError('InvalidParameterValue', `pem holds "${m[1]}", expected "${label}".`)
  return fromBase64(m[2]!.replace(/\r?\n/g, ''), 'pem body')
}
