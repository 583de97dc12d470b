import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireBinary, run, tempDir, tryRun } from '@keyward/test-support'

/** GB/T 32918.5 curve parameters a, b, xG, yG: the fixed part of SM2's Z, written out so no Keyward code is used. */
const SM2_CURVE_HEX =
  'FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC' +
  '28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93' +
  '32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7' +
  'BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0'

/** The GM/T 0009 default user id Tencent and `-pkeyopt distid:` use. */
export const SM2_ID = '1234567812345678'

/**
 * The `openssl` command line in a temp directory: each call writes its inputs to files and runs openssl the
 * way Tencent's documentation shows, so the test checks exactly what a user of those docs would run.
 */
export class OpensslWorkspace {
  readonly openssl = requireBinary('openssl')
  readonly #tmp = tempDir('keyward-openssl-')
  #n = 0

  /** Writes `data` to a new file and returns its path. */
  file(name: string, data: Uint8Array | string): string {
    this.#n += 1
    const path = join(this.#tmp.dir, `${this.#n}-${name}`)
    writeFileSync(path, data)
    return path
  }

  /** Contents of a file in the workspace. */
  read(path: string): Buffer {
    return readFileSync(path)
  }

  /** `openssl dgst -verify pub.pem -sha256 [-sigopt ...] -signature sig msg`; true when openssl says Verified OK. */
  dgstVerify(publicKeyPem: string, message: Uint8Array, signature: Uint8Array, sigopts: string[] = []): boolean {
    const args = [
      'dgst',
      '-verify',
      this.file('pub.pem', publicKeyPem),
      '-sha256',
      ...sigopts.flatMap((o) => ['-sigopt', o]),
      '-signature',
      this.file('sig', signature),
      this.file('msg', message),
    ]
    const r = tryRun(this.openssl, args)
    return r.status === 0 && r.stdout.includes('Verified OK')
  }

  /**
   * `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey pub.pem -in msg -sigfile
   * sig`.
   */
  sm2Verify(publicKeyPem: string, message: Uint8Array, signature: Uint8Array): boolean {
    const r = tryRun(this.openssl, [
      'pkeyutl',
      '-verify',
      '-rawin',
      '-digest',
      'sm3',
      '-pkeyopt',
      `distid:${SM2_ID}`,
      '-pubin',
      '-inkey',
      this.file('pub.pem', publicKeyPem),
      '-in',
      this.file('msg', message),
      '-sigfile',
      this.file('sig', signature),
    ])
    return r.status === 0 && r.stdout.includes('Signature Verified Successfully')
  }

  /** `openssl pkeyutl -encrypt -pubin -inkey pub.pem [-pkeyopt ...]`: RSA-OAEP or SM2 (C1C3C2 DER) ciphertext. */
  encrypt(publicKeyPem: string, plaintext: Uint8Array, pkeyopts: string[] = []): Buffer {
    const out = this.file('ct', '')
    run(this.openssl, [
      'pkeyutl',
      '-encrypt',
      '-pubin',
      '-inkey',
      this.file('pub.pem', publicKeyPem),
      ...pkeyopts.flatMap((o) => ['-pkeyopt', o]),
      '-in',
      this.file('pt', plaintext),
      '-out',
      out,
    ])
    return this.read(out)
  }

  /** `openssl dgst -<md> -binary`. */
  digest(md: 'sha256' | 'sm3', data: Uint8Array): Buffer {
    return run(this.openssl, ['dgst', `-${md}`, '-binary', this.file('data', data)])
  }

  /** SM3(Z‖M) with Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA), every hash by openssl: the DIGEST Tencent takes for SM2DSA. */
  sm2Digest(spkiDer: Uint8Array, message: Uint8Array): Buffer {
    const point = Buffer.from(spkiDer).subarray(-64)
    const id = Buffer.from(SM2_ID, 'ascii')
    const entl = Buffer.alloc(2)
    entl.writeUInt16BE(id.length * 8)
    const z = this.digest('sm3', Buffer.concat([entl, id, Buffer.from(SM2_CURVE_HEX, 'hex'), point]))
    return this.digest('sm3', Buffer.concat([z, message]))
  }

  /** `openssl pkey -pubin -in pub.pem -noout -text`: openssl's description of a PEM public key. */
  pubkeyText(publicKeyPem: string): string {
    return run(this.openssl, ['pkey', '-pubin', '-in', this.file('pub.pem', publicKeyPem), '-noout', '-text']).toString(
      'utf8',
    )
  }

  /** `openssl pkey -pubin -inform DER -outform DER`: openssl's re-encoding of a DER public key. */
  pubkeyDer(spkiDer: Uint8Array): Buffer {
    return run(this.openssl, [
      'pkey',
      '-pubin',
      '-inform',
      'DER',
      '-in',
      this.file('pub.der', spkiDer),
      '-outform',
      'DER',
    ])
  }

  remove(): void {
    this.#tmp.remove()
  }
}
