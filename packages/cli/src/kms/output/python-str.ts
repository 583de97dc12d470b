/**
 * `str(value)` as Python prints a JSON scalar, because tccli's text and table outputs are Python's `str()` of each
 * value: `True`/`False`/`None`, integers as digits. Scripts comparing tccli's text output keep matching.
 */
export function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloat(value)
  if (typeof value === 'object') return pythonRepr(value)
  return String(value)
}

/** `repr()` of a value inside a list or dict (`['a', 1]`, `{'k': True}`), as `str()` of a container prints it. */
function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
      .join(', ')}}`
  return pythonStr(value)
}

function pythonFloat(n: number): string {
  const s = String(n)
  return /[.e]/.test(s) || !Number.isFinite(n) ? s : `${s}.0`
}

/** True for a value that is neither a list nor an object (tccli's `_scalar_type`). */
export function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object'
}

/** A JSON object (not a list, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Python's `sorted()` of strings: by code point, as tccli sorts keys and headers. */
export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
