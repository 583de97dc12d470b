import { isKeywardError } from './errors.js'
import { PROVIDER_ACTIONS, type KeyProvider, type ProviderMethod } from './key-provider.js'

/** One audited call: who did what to which key, and how it ended. Never payloads, keys or signatures. */
export interface AuditEvent {
  /** Unix ms. */
  time: number
  /** Tencent Action name, e.g. `Encrypt`. */
  action: string
  keyId?: string
  /** `Success` or the KeywardError code (`InternalError` for anything else). */
  result: string
  durationMs: number
  provider: string
  principal?: string
  requestId?: string
  sourceIp?: string
}

/** Where audit events go. The server writes a hash-chained log; apps can plug their own. */
export interface AuditSink {
  record(event: AuditEvent): void | Promise<void>
}

/** A sink that keeps events in memory (tests, small tools). */
export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = []
  record(event: AuditEvent): void {
    this.events.push(event)
  }
}

function keyIdOf(args: unknown[], result: unknown): string | undefined {
  const [first] = args
  if (typeof first === 'string') return first
  if (first && typeof first === 'object' && typeof (first as { keyId?: unknown }).keyId === 'string') return (first as { keyId: string }).keyId
  if (result && typeof result === 'object' && typeof (result as { keyId?: unknown }).keyId === 'string') return (result as { keyId: string }).keyId
  return undefined
}

/**
 * Wraps a provider so that every KMS action is recorded in `sink`. A failing sink does not fail the call
 * (it is reported through `onSinkError`).
 *
 * @example
 * ```ts
 * const audited = withAudit(provider, new MemoryAuditSink(), { principal: 'svc-orders' })
 * ```
 */
export function withAudit(
  provider: KeyProvider,
  sink: AuditSink,
  options: { principal?: string; onSinkError?: (e: unknown) => void } = {},
): KeyProvider {
  const wrapped: Record<string, unknown> = {}
  for (const method of Object.keys(PROVIDER_ACTIONS) as ProviderMethod[]) {
    const original = provider[method] as (...a: unknown[]) => Promise<unknown>
    wrapped[method] = async (...args: unknown[]): Promise<unknown> => {
      const started = Date.now()
      let result: unknown
      let code = 'Success'
      try {
        result = await original.apply(provider, args)
        return result
      } catch (e) {
        code = isKeywardError(e) ? e.code : 'InternalError'
        throw e
      } finally {
        const keyId = keyIdOf(args, result)
        const event: AuditEvent = {
          time: started,
          action: PROVIDER_ACTIONS[method],
          result: code,
          durationMs: Date.now() - started,
          provider: provider.name,
          ...(keyId === undefined ? {} : { keyId }),
          ...(options.principal === undefined ? {} : { principal: options.principal }),
        }
        try {
          await sink.record(event)
        } catch (e) {
          options.onSinkError?.(e)
        }
      }
    }
  }
  return Object.assign(Object.create(provider) as KeyProvider, wrapped, {
    name: provider.name,
    capabilities: provider.capabilities,
    close: () => provider.close(),
  })
}
