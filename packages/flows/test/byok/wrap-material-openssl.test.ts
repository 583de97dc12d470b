import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WRAPPING_ALGORITHMS } from '@keyward/core'
import {
  BytesMaterialSource,
  FileMaterialSource,
  RandomMaterialSource,
  wrapKeyMaterial,
  type WrapTarget,
} from '@keyward/flows/byok'
import { codeOf, requireBinary, run, tempDir } from '@keyward/test-support'

const OPENSSL_PADDING = {
  RSAES_PKCS1_V1_5: ['-pkeyopt', 'rsa_padding_mode:pkcs1'],
  RSAES_OAEP_SHA_1: ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha1'],
  RSAES_OAEP_SHA_256: [
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    'rsa_oaep_md:sha256',
    '-pkeyopt',
    'rsa_mgf1_md:sha256',
  ],
} as const

describe('BYOK key-material wrapping, unwrapped by openssl', () => {
  const openssl = requireBinary('openssl')
  const tmp = tempDir('kw-byok-wrap-')
  const priv = join(tmp.dir, 'wrapping.pem')
  let publicKey = ''
  beforeAll(() => {
    run(openssl, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', priv])
    publicKey = run(openssl, ['pkey', '-in', priv, '-pubout', '-outform', 'DER']).toString('base64')
  })
  afterAll(() => tmp.remove())

  function unwrap(wrapped: Uint8Array, algorithm: keyof typeof OPENSSL_PADDING): Buffer {
    const file = join(tmp.dir, 'wrapped.bin')
    writeFileSync(file, wrapped)
    return run(openssl, ['pkeyutl', '-decrypt', '-inkey', priv, '-in', file, ...OPENSSL_PADDING[algorithm]])
  }

  for (const algorithm of WRAPPING_ALGORITHMS) {
    it(`${algorithm}: wrapKeyMaterial output unwraps to the material`, () => {
      const material = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex')
      expect(unwrap(wrapKeyMaterial(publicKey, algorithm, material), algorithm)).toEqual(material)
    })
  }

  it('a file source (openssl rand -out key_material.bin 32) wraps the file and zeroes what it read', async () => {
    const file = join(tmp.dir, 'key_material.bin')
    run(openssl, ['rand', '-out', file, '32'])
    const target: WrapTarget = { keyId: 'k-1', publicKey, wrappingAlgorithm: 'RSAES_OAEP_SHA_1', materialBytes: 32 }
    const wrapped = await new FileMaterialSource(file).wrap(target)
    expect(unwrap(wrapped, 'RSAES_OAEP_SHA_1')).toEqual(readFileSync(file))
  })

  it('a bytes source wraps once, zeroes the caller buffer and never prints the material', async () => {
    const material = Buffer.alloc(16, 0x5a)
    const source = new BytesMaterialSource(material)
    expect(JSON.stringify(source)).not.toContain('5a5a')
    expect(inspect(source)).toContain('REDACTED')
    const target: WrapTarget = { keyId: 'k-1', publicKey, wrappingAlgorithm: 'RSAES_PKCS1_V1_5', materialBytes: 16 }
    const wrapped = await source.wrap(target)
    expect(material.every((b) => b === 0)).toBe(true)
    expect(unwrap(wrapped, 'RSAES_PKCS1_V1_5')).toEqual(Buffer.alloc(16, 0x5a))
    expect(await codeOf(() => source.wrap(target))).toBe('InvalidParameterValue')
  })

  it('material of the wrong length is refused before wrapping, and still zeroed', async () => {
    const material = Buffer.alloc(31, 1)
    const target: WrapTarget = { keyId: 'k-1', publicKey, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', materialBytes: 32 }
    expect(await codeOf(() => new BytesMaterialSource(material).wrap(target))).toBe('InvalidParameterValue')
    expect(material.every((b) => b === 0)).toBe(true)
  })

  it('random material (node CSPRNG) has the length the key needs', async () => {
    const target: WrapTarget = { keyId: 'k-1', publicKey, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', materialBytes: 16 }
    expect(unwrap(await new RandomMaterialSource().wrap(target), 'RSAES_OAEP_SHA_256')).toHaveLength(16)
  })

  it('bad inputs: unknown algorithm, non-RSA key, missing file', async () => {
    expect(await codeOf(() => wrapKeyMaterial(publicKey, 'RSA_RAW' as never, Buffer.alloc(32)))).toBe(
      'InvalidParameterValue',
    )
    const ec = run(openssl, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'])
    const ecPub = run(openssl, ['pkey', '-pubout', '-outform', 'DER'], ec).toString('base64')
    expect(await codeOf(() => wrapKeyMaterial(ecPub, 'RSAES_OAEP_SHA_1', Buffer.alloc(32)))).toBe(
      'InvalidParameterValue',
    )
    const target: WrapTarget = { keyId: 'k-1', publicKey, wrappingAlgorithm: 'RSAES_OAEP_SHA_1', materialBytes: 32 }
    expect(await codeOf(() => new FileMaterialSource(join(tmp.dir, 'absent.bin')).wrap(target))).toBe(
      'InvalidParameterValue',
    )
  })
})
