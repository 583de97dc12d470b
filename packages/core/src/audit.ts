import { isKeywardError } from './errors.js'
import { INSPECT } from './redact.js'
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
  if (first && typeof first === 'object' && typeof (first as { keyId?: unknown }).keyId === 'string')
    return (first as { keyId: string }).keyId
  if (result && typeof result === 'object' && typeof (result as { keyId?: unknown }).keyId === 'string')
    return (result as { keyId: string }).keyId
  return undefined
}

/**
 * Wraps a provider so that every KMS action is recorded in `sink`. A failing sink does not fail the call
 * (it is reported through `onSinkError`).
 *
 * The wrapper is a Proxy over a small shell holding the audited methods; every other member (name, capabilities,
 * close, toJSON, a PKCS#11 provider's `connect`…) is read from the real provider and, when it is a function,
 * bound to it — never called with the wrapper as `this`, which `#private` fields would refuse. `util.inspect`
 * (which calls the custom inspector on the Proxy itself) prints the provider's own redacted view.
 *
 * @example
 * ```ts
 * const audited = withAudit(provider, new MemoryAuditSink(), { principal: 'svc-orders' })
 * ```
 */
export function withAudit<P extends KeyProvider>(
  provider: P,
  sink: AuditSink,
  options: { principal?: string; onSinkError?: (e: unknown) => void } = {},
): P {
  const shell: Record<PropertyKey, unknown> = {}
  for (const method of Object.keys(PROVIDER_ACTIONS) as ProviderMethod[]) {
    if (typeof provider[method] === 'function') shell[method] = audited(provider, method, sink, options)
  }
  // Node's inspect bypasses Proxy traps and calls the shell's inspector with the Proxy as `this`.
  shell[INSPECT] = (depth: number, opts: object, inspect?: (v: unknown, o?: object) => string): string =>
    inspect ? inspect(provider, opts) : `${provider.name} (audited)`
  const bound = new WeakMap<object, unknown>()
  return new Proxy(shell, {
    get(target, prop) {
      if (Object.hasOwn(target, prop)) return target[prop]
      const v: unknown = Reflect.get(provider, prop, provider)
      if (typeof v !== 'function') return v
      if (!bound.has(v)) bound.set(v, (v as (...a: unknown[]) => unknown).bind(provider))
      return bound.get(v)
    },
    has: (target, prop) => prop in target || prop in provider,
    getPrototypeOf: () => Reflect.getPrototypeOf(provider),
  }) as unknown as P
}

/** `provider[method]`, recording one AuditEvent per call. */
function audited(
  provider: KeyProvider,
  method: ProviderMethod,
  sink: AuditSink,
  options: { principal?: string; onSinkError?: (e: unknown) => void },
) {
  const original = provider[method] as (...a: unknown[]) => Promise<unknown>
  return async (...args: unknown[]): Promise<unknown> => {
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
