/**
 * Throwaway X.509 material made with the openssl CLI at test time (never committed): a CA, server certificates
 * for 127.0.0.1/localhost, client certificates for mutual TLS. Keys are P-256, files mode 0600.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBinary, run } from '@keyward/test-support'

export interface PemPair {
  certFile: string
  keyFile: string
  cert: Buffer
  key: Buffer
}

function pair(certFile: string, keyFile: string): PemPair {
  chmodSync(keyFile, 0o600)
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) }
}

/** A self-signed CA in `dir` named `name`. */
export function makeCa(dir: string, name: string): PemPair {
  const openssl = requireBinary('openssl')
  const certFile = join(dir, `${name}.crt`)
  const keyFile = join(dir, `${name}.key`)
  run(openssl, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ])
  return pair(certFile, keyFile)
}

/** A certificate issued by `ca`: for a server on 127.0.0.1/localhost, or a client (mutual TLS). */
export function makeCert(dir: string, ca: PemPair, name: string, usage: 'server' | 'client'): PemPair {
  const openssl = requireBinary('openssl')
  const keyFile = join(dir, `${name}.key`)
  const csr = join(dir, `${name}.csr`)
  const certFile = join(dir, `${name}.crt`)
  const ext = join(dir, `${name}.ext`)
  writeFileSync(
    ext,
    usage === 'server'
      ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
      : 'extendedKeyUsage=clientAuth\n',
  )
  run(openssl, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ])
  run(openssl, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    ext,
  ])
  return pair(certFile, keyFile)
}
