import { checkEncryptionContext, type EncryptionContext } from '@keyward/core'
import { UsageError, checkingArgs } from './cli-error.js'

/** commander collector for a repeatable `--context k=v`. */
export function collectPair(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/**
 * `k=v` pairs → an encryption context (checked with core's rules); undefined when none were given. Bad pairs are usage
 * errors (exit 2).
 */
export function encryptionContextOf(pairs: readonly string[] | undefined): EncryptionContext | undefined {
  if (!pairs || pairs.length === 0) return undefined
  const ctx: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError('InvalidParameterValue', `--context ${JSON.stringify(pair)}: expected key=value.`)
    const key = pair.slice(0, eq)
    if (Object.prototype.hasOwnProperty.call(ctx, key))
      throw new UsageError('InvalidParameterValue', `--context ${key} is given twice.`)
    ctx[key] = pair.slice(eq + 1)
  }
  checkingArgs(() => checkEncryptionContext(ctx))
  return ctx
}

/** `--valid-to`: Unix seconds, or an ISO 8601 date/time in the future; anything else is a usage error (exit 2). */
export function validToOf(value: string | undefined, nowSeconds: number): number | undefined {
  if (value === undefined) return undefined
  const seconds = /^\d{1,12}$/.test(value) ? Number(value) : Math.floor(Date.parse(value) / 1000)
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new UsageError(
      'InvalidParameterValue',
      `--valid-to ${JSON.stringify(value)}: expected Unix seconds or an ISO 8601 date.`,
    )
  }
  if (seconds <= nowSeconds) throw new UsageError('InvalidParameterValue', `--valid-to ${value} is in the past.`)
  return seconds
}
