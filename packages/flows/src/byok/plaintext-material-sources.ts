import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import {
  INSPECT,
  KeywardError,
  REDACTED,
  checkBytes,
  checkString,
  needs,
  zeroize,
  type CallOptions,
  type KeyProviderBase,
} from '@keyward/core'
import type { KeyMaterialSource, WrapTarget } from './material-source.js'
import { wrapKeyMaterial } from './wrap-key-material.js'

/** Wraps `material` for `target` after checking its length; zeroes `material` whatever happens. */
function wrapOnce(material: Uint8Array, target: WrapTarget): Uint8Array {
  try {
    needs(
      material.byteLength === target.materialBytes,
      'InvalidParameterValue',
      `Key material must be ${target.materialBytes} bytes for this key, got ${material.byteLength}.`,
    )
    return wrapKeyMaterial(target.publicKey, target.wrappingAlgorithm, material)
  } finally {
    zeroize(material)
  }
}

/**
 * Material you already hold in memory. The source takes ownership: the bytes are zeroed after the first wrap, so a
 * second wrap (or reuse of the buffer) is refused rather than importing zeros.
 */
export class BytesMaterialSource implements KeyMaterialSource {
  readonly description = 'bytes in memory'
  #material: Uint8Array | undefined

  constructor(material: Uint8Array) {
    checkBytes('KeyMaterial', material, 1, 64)
    this.#material = material
  }

  async wrap(target: WrapTarget): Promise<Uint8Array> {
    const material = this.#material
    needs(material, 'InvalidParameterValue', 'This material source was already used (its bytes were zeroed).')
    this.#material = undefined
    return wrapOnce(material, target)
  }

  toJSON(): { description: string; material: string } {
    return { description: this.description, material: REDACTED }
  }

  [INSPECT](): string {
    return `BytesMaterialSource(${REDACTED})`
  }
}

/** Raw material in a file (e.g. made with `openssl rand -out key_material.bin 32`); read per wrap, then zeroed. */
export class FileMaterialSource implements KeyMaterialSource {
  readonly description: string
  readonly #path: string

  constructor(path: string) {
    checkString('Path', path, 4096)
    this.#path = path
    this.description = `file ${path}`
  }

  async wrap(target: WrapTarget): Promise<Uint8Array> {
    let material: Buffer
    try {
      material = await readFile(this.#path)
    } catch (cause) {
      throw new KeywardError('InvalidParameterValue', `Key material file ${this.#path} cannot be read.`, { cause })
    }
    return wrapOnce(material, target)
  }
}

/**
 * Fresh random material: from a provider's GenerateRandom (e.g. Tencent KMS, or an HSM's RNG) or, without one, from
 * node:crypto's CSPRNG. Keep the wrapped result if you need to re-import the same material later.
 */
export class RandomMaterialSource implements KeyMaterialSource {
  readonly description: string
  readonly #provider: Pick<KeyProviderBase, 'name' | 'generateRandom'> | undefined

  constructor(provider?: Pick<KeyProviderBase, 'name' | 'generateRandom'>) {
    this.#provider = provider
    this.description = provider ? `GenerateRandom of ${provider.name}` : 'node:crypto randomBytes'
  }

  async wrap(target: WrapTarget, opts: CallOptions = {}): Promise<Uint8Array> {
    const material = this.#provider
      ? await this.#provider.generateRandom(target.materialBytes, opts.signal ? { signal: opts.signal } : {})
      : randomBytes(target.materialBytes)
    return wrapOnce(material, target)
  }
}
