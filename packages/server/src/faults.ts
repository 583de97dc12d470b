import { KeywardError, needs } from '@keyward/core'

/** Kinds of injected fault. */
export const FAULT_KINDS = ['RequestLimitExceeded', 'InternalError', 'delay'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/**
 * Fault injection, off by default, so that clients' retry and backoff can be tested against a real server:
 * with probability `rate` a request fails with one of `kinds` (chosen uniformly) before it does any work, or is
 * delayed by `delayMs`.
 *
 * @example
 * ```ts
 * await startServer({ ..., faults: { rate: 0.3, kinds: ['RequestLimitExceeded', 'InternalError'] } })
 * ```
 */
export interface FaultOptions {
  /** 0..1. */
  rate: number
  kinds?: readonly FaultKind[]
  /** For `delay`; default 200 ms. */
  delayMs?: number
  /** Source of randomness in [0, 1); default Math.random (tests may pass a fixed sequence). */
  random?: () => number
}

/** Validates fault options. */
export function checkFaults(f: FaultOptions): void {
  needs(
    typeof f.rate === 'number' && f.rate >= 0 && f.rate <= 1,
    'InvalidParameterValue',
    'faults.rate must be from 0 to 1.',
  )
  for (const k of f.kinds ?? [])
    needs(
      (FAULT_KINDS as readonly string[]).includes(k),
      'InvalidParameterValue',
      `faults.kinds may hold ${FAULT_KINDS.join(', ')}.`,
    )
  needs(
    f.delayMs === undefined || (Number.isInteger(f.delayMs) && f.delayMs >= 0 && f.delayMs <= 60_000),
    'InvalidParameterValue',
    'faults.delayMs must be 0-60000.',
  )
}

/** Maybe injects a fault: throws the chosen error, or waits. Does nothing when `faults` is undefined. */
export async function injectFault(faults: FaultOptions | undefined): Promise<void> {
  if (!faults || faults.rate <= 0) return
  const random = faults.random ?? Math.random
  if (random() >= faults.rate) return
  const kinds = faults.kinds && faults.kinds.length > 0 ? faults.kinds : FAULT_KINDS
  const kind = kinds[Math.min(kinds.length - 1, Math.floor(random() * kinds.length))]
  if (kind === 'delay') {
    await new Promise((r) => setTimeout(r, faults.delayMs ?? 200))
    return
  }
  throw new KeywardError(
    kind === 'RequestLimitExceeded' ? 'RequestLimitExceeded' : 'InternalError',
    `Injected fault: ${kind}.`,
  )
}
