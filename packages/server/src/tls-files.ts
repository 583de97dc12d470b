import { readFileSync, statSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { KeywardError, needs } from '@keyward/core'

/** PEM files of the server's TLS: certificate chain, private key, and optionally the CA of client certificates. */
export interface TlsOptions {
  /** Server certificate (chain), PEM. */
  certFile: string
  /** Its private key, PEM; must not be readable by others (mode o-r). */
  keyFile: string
  /** CA certificate(s), PEM: when set, clients must present a certificate it issued (mutual TLS). */
  clientCaFile?: string
}

/** The contents of {@link TlsOptions}' files, checked to form a usable TLS context. */
export interface TlsMaterial {
  cert: Buffer
  key: Buffer
  clientCa?: Buffer
}

const MAX_PEM_BYTES = 1024 * 1024

function readPem(file: string, what: string, secret: boolean): Buffer {
  needs(typeof file === 'string' && file.length > 0, 'InvalidParameterValue', `${what}: a file path is required.`)
  let st
  try {
    st = statSync(file)
  } catch (e) {
    throw new KeywardError('InvalidParameterValue', `${what} ${file} cannot be read.`, { cause: e })
  }
  // A device or FIFO would block or stream forever; symbolic links to files (certbot's live/) are fine.
  needs(st.isFile(), 'InvalidParameterValue', `${what} ${file} is not a regular file.`)
  needs(
    st.size > 0 && st.size <= MAX_PEM_BYTES,
    'InvalidParameterValue',
    `${what} ${file} must be a PEM file of 1 B-1 MiB.`,
  )
  if (secret)
    needs(
      (st.mode & 0o004) === 0,
      'InvalidParameterValue',
      `${what} ${file} is readable by every user: chmod o-r (600 or 640).`,
    )
  const pem = readFileSync(file)
  needs(pem.includes('-----BEGIN'), 'InvalidParameterValue', `${what} ${file} is not PEM.`)
  return pem
}

/**
 * Reads and checks the TLS files: regular PEM files, the key not world-readable, and the certificate, key and
 * client CA forming a valid context (a key that does not match its certificate is refused here, not at the
 * first handshake).
 *
 * @example
 * ```ts
 * const tls = readTlsMaterial({ certFile: '/etc/keyward/tls.crt', keyFile: '/etc/keyward/tls.key' })
 * ```
 */
export function readTlsMaterial(o: TlsOptions): TlsMaterial {
  needs(o !== null && typeof o === 'object', 'InvalidParameterValue', 'tls needs certFile and keyFile.')
  const material: TlsMaterial = {
    cert: readPem(o.certFile, 'TLS certificate', false),
    key: readPem(o.keyFile, 'TLS private key', true),
    ...(o.clientCaFile ? { clientCa: readPem(o.clientCaFile, 'TLS client CA', false) } : {}),
  }
  try {
    createSecureContext({
      cert: material.cert,
      key: material.key,
      ...(material.clientCa ? { ca: material.clientCa } : {}),
    })
  } catch (e) {
    material.key.fill(0)
    throw new KeywardError(
      'InvalidParameterValue',
      `The TLS files do not form a usable context (${(e as Error).message}): check that the key matches the certificate.`,
      { cause: e },
    )
  }
  return material
}

/** True for addresses that only this machine can reach (plain HTTP is allowed there). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
