import { needs } from '@keyward/core'

/** The property that carries the encrypted data key header. */
export const KMS_ENCRYPT_KEY = 'kms_encrypt_key'
const MAX_FIELDS = 10_000

type Container = Record<string, unknown> | unknown[]

/** Splits `a.b.0.c` into segments; numeric segments index arrays. */
function segments(path: string): string[] {
  needs(
    typeof path === 'string' && path.length > 0 && path.length <= 1024,
    'InvalidParameterValue',
    'Each path must be a non-empty string of at most 1024 characters.',
  )
  const s = path.split('.')
  needs(
    s.every((x) => x.length > 0),
    'InvalidParameterValue',
    `Path ${JSON.stringify(path)} has an empty segment.`,
  )
  needs(s[0] !== KMS_ENCRYPT_KEY, 'InvalidParameterValue', `${KMS_ENCRYPT_KEY} cannot be encrypted.`)
  return s
}

/** The container holding `path`'s last segment, and that segment; throws when the path does not exist. */
export function locate(root: unknown, path: string): { parent: Container; key: string } {
  const segs = segments(path)
  let cur: unknown = root
  for (const seg of segs.slice(0, -1)) {
    needs(
      cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg),
      'InvalidParameterValue',
      `Path ${JSON.stringify(path)} does not exist.`,
    )
    cur = (cur as Record<string, unknown>)[seg]
  }
  const key = segs[segs.length - 1] as string
  needs(
    cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, key),
    'InvalidParameterValue',
    `Path ${JSON.stringify(path)} does not exist.`,
  )
  return { parent: cur as Container, key }
}

/** Sorted, unique, none a prefix of another (a field cannot be inside another encrypted field). */
export function checkPaths(paths: readonly string[]): string[] {
  needs(
    Array.isArray(paths) && paths.length > 0 && paths.length <= MAX_FIELDS,
    'InvalidParameterValue',
    `paths must list 1-${MAX_FIELDS} fields.`,
  )
  const all = new Set(paths)
  needs(all.size === paths.length, 'InvalidParameterValue', 'Paths must be unique.')
  for (const p of paths) {
    const segs = segments(p)
    for (let i = 1; i < segs.length; i++) {
      const outer = segs.slice(0, i).join('.')
      needs(
        !all.has(outer),
        'InvalidParameterValue',
        `Paths must not be nested: ${JSON.stringify(p)} is inside ${JSON.stringify(outer)}.`,
      )
    }
  }
  return [...paths].sort()
}
