import { needs } from '@keyward/core'
import { KMS_ENCRYPT_KEY } from './json-paths.js'

/**
 * What computes a field's blind-index properties from its plaintext: `BlindIndex` of `@keyward/flows/searchable`
 * (declared here as an interface so that the envelope does not depend on the searchable module).
 */
export interface JsonFieldIndexer {
  /** Index values by property name (`{ phone_bidx: '2c5f' }`); throws on a value it cannot index. */
  values(value: unknown): Readonly<Record<string, string>>
}

type Target = { parent: Record<string, unknown> | unknown[]; key: string }

/**
 * Computes the blind indexes of the fields that have one, from their plaintext, and adds each index property beside
 * its field (in the same object). Runs before anything is encrypted or sent to a KMS, so a value that cannot be
 * indexed fails the whole call. An index property may not overwrite anything, nor be an encrypted path.
 */
export function addFieldIndexes(
  paths: readonly string[],
  targets: readonly Target[],
  indexes: Readonly<Record<string, JsonFieldIndexer>> | undefined,
): void {
  if (indexes === undefined) return
  /* Precondition: an object of indexers, each for one of the encrypted paths, whose field lives in an object. */
  needs(
    indexes !== null && typeof indexes === 'object' && !Array.isArray(indexes),
    'InvalidParameterValue',
    'blindIndexes must map encrypted paths to blind indexes.',
  )
  const byPath = new Map(paths.map((p, i) => [p, targets[i] as Target]))
  const adds: Array<[Record<string, unknown>, string, string]> = []
  for (const [path, indexer] of Object.entries(indexes)) {
    const t = byPath.get(path)
    needs(
      t,
      'InvalidParameterValue',
      `blindIndexes names ${JSON.stringify(path)}, which is not one of the encrypted paths.`,
    )
    needs(
      indexer !== null && typeof indexer === 'object' && typeof indexer.values === 'function',
      'InvalidParameterValue',
      `blindIndexes[${JSON.stringify(path)}] is not a blind index.`,
    )
    needs(
      !Array.isArray(t.parent),
      'InvalidParameterValue',
      `The field ${JSON.stringify(path)} is an array element; a blind index needs a field of an object.`,
    )
    const parent = t.parent as Record<string, unknown>
    for (const [name, value] of Object.entries(indexer.values(parent[t.key]))) {
      const where = path.includes('.') ? `${path.slice(0, path.lastIndexOf('.'))}.${name}` : name
      needs(
        !Object.prototype.hasOwnProperty.call(parent, name) &&
          !byPath.has(where) &&
          !adds.some(([p, n]) => p === parent && n === name),
        'InvalidParameterValue',
        `The blind index property ${JSON.stringify(where)} would overwrite a field.`,
      )
      needs(where !== KMS_ENCRYPT_KEY, 'InvalidParameterValue', `A blind index cannot be named ${KMS_ENCRYPT_KEY}.`)
      adds.push([parent, name, value])
    }
  }
  // defineProperty: a custom indexer's property name is data, never a way to reach a prototype setter.
  for (const [parent, name, value] of adds)
    Object.defineProperty(parent, name, { value, enumerable: true, writable: true, configurable: true })
}
