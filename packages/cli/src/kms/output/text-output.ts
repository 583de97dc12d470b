import { isObject, isScalar, pythonStr, sortedKeys } from './python-str.js'

/**
 * `--output text`: tccli's text format (tccli/text.py, itself the AWS CLI's): one line per object with its scalar
 * values tab-separated in key order, nested lists and objects on following lines prefixed by their key in capitals.
 *
 * @example
 * ```ts
 * formatText({ KeyId: 'k', RequestId: 'r' }) // 'k\tr\n'
 * ```
 */
export function formatText(value: unknown): string {
  const out: string[] = []
  formatItem(value, out, undefined, undefined)
  return out.join('')
}

function formatItem(
  item: unknown,
  out: string[],
  identifier: string | undefined,
  scalarKeys: readonly string[] | undefined,
): void {
  if (isObject(item)) formatDict(item, out, identifier, scalarKeys)
  else if (Array.isArray(item)) formatList(item, out, identifier)
  else out.push(`${pythonStr(item)}\n`)
}

function formatList(item: unknown[], out: string[], identifier: string | undefined): void {
  if (item.length === 0) return
  if (item.some(isObject)) {
    const keys = allScalarKeys(item)
    for (const element of item) formatItem(element, out, identifier, keys)
  } else if (item.some(Array.isArray)) {
    const scalars = item.filter(isScalar)
    if (scalars.length) formatScalarList(scalars, out, identifier)
    for (const nonScalar of item.filter((x) => !isScalar(x))) formatItem(nonScalar, out, identifier, undefined)
  } else {
    formatScalarList(item, out, identifier)
  }
}

function formatScalarList(elements: unknown[], out: string[], identifier: string | undefined): void {
  if (identifier !== undefined) for (const e of elements) out.push(`${identifier.toUpperCase()}\t${pythonStr(e)}\n`)
  else out.push(`${elements.map(pythonStr).join('\t')}\n`)
}

function formatDict(
  item: Record<string, unknown>,
  out: string[],
  identifier: string | undefined,
  scalarKeys: readonly string[] | undefined,
): void {
  const scalars: string[] = []
  const nonScalars: [string, unknown][] = []
  if (scalarKeys === undefined) {
    for (const key of sortedKeys(Object.keys(item))) {
      if (isScalar(item[key])) scalars.push(pythonStr(item[key]))
      else nonScalars.push([key, item[key]])
    }
  } else {
    for (const key of scalarKeys)
      scalars.push(Object.prototype.hasOwnProperty.call(item, key) ? pythonStr(item[key]) : '')
    for (const key of sortedKeys(Object.keys(item).filter((k) => !scalarKeys.includes(k))))
      nonScalars.push([key, item[key]])
  }
  if (scalars.length)
    out.push(`${[...(identifier !== undefined ? [identifier.toUpperCase()] : []), ...scalars].join('\t')}\n`)
  for (const [key, value] of nonScalars) formatItem(value, out, key, undefined)
}

function allScalarKeys(list: unknown[]): string[] {
  const seen = new Set<string>()
  for (const item of list) if (isObject(item)) for (const [k, v] of Object.entries(item)) if (isScalar(v)) seen.add(k)
  return sortedKeys(seen)
}
