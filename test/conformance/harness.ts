import { randomBytes } from 'node:crypto'
import type {
  CreateKeyRequest,
  KeyMetadata,
  KeyProvider,
  KeyUsage,
  ManualClock,
  ProviderCapabilities,
  SymmetricKeySpec,
} from '@keyward/core'

/** What a provider's factory hands the suite: the provider, optionally the clock it reads, and how to tear it down. */
export interface ConformanceHarness {
  provider: KeyProvider
  /** The clock the provider reads. Without one, the time-travel cases (deletion window, rotation dates,
   * import-token expiry, ValidTo) are not registered, and the suite's title says so. */
  clock?: ManualClock
  close(): Promise<void>
}

/** Builds a fresh provider for one run of the suite. */
export type ProviderFactory = () => Promise<ConformanceHarness>

/** The capability map a backend is expected to declare (ProviderCapabilities without the free-form notes). */
export type ExpectedCapabilities = Omit<ProviderCapabilities, 'notes'>

/**
 * Shared state of one suite run: the provider, the clock, unique aliases and keys that several cases may
 * reuse (RSA generation is slow). Shared keys are never disabled, deleted or rotated by a case; cases that
 * change a key's state create their own.
 */
export class SuiteContext {
  readonly provider: KeyProvider
  readonly clock: ManualClock | undefined
  readonly expected: ExpectedCapabilities
  /** Prefix of every alias this run creates, so runs against a persistent backend never collide. */
  readonly runId = `cf${randomBytes(4).toString('hex')}`
  #counter = 0
  readonly #shared = new Map<string, Promise<KeyMetadata>>()

  constructor(harness: ConformanceHarness, expected: ExpectedCapabilities) {
    this.provider = harness.provider
    this.clock = harness.clock
    this.expected = expected
  }

  /** A fresh alias unique to this run; `tag` makes failures readable. */
  alias(tag = 'k'): string {
    this.#counter += 1
    return `${this.runId}-${tag}-${this.#counter}`
  }

  /** Creates a key owned by the calling case. */
  createKey(req: Omit<CreateKeyRequest, 'alias'> & { alias?: string } = {}): Promise<KeyMetadata> {
    return this.provider.createKey({ ...req, alias: req.alias ?? this.alias() })
  }

  /** A key of `usage` (and symmetric `spec`) shared by read-only cases; created once per run. */
  sharedKey(usage: KeyUsage, spec?: SymmetricKeySpec): Promise<KeyMetadata> {
    const id = `${usage}/${spec ?? ''}`
    let key = this.#shared.get(id)
    if (!key) {
      key = this.createKey({ keyUsage: usage, ...(spec ? { keySpec: spec } : {}), alias: this.alias('shared') })
      this.#shared.set(id, key)
    }
    return key
  }

  supportsUsage(usage: KeyUsage): boolean {
    return this.expected.keyUsages.includes(usage)
  }

  /** Now in Unix seconds, by the provider's clock when there is one. */
  nowSeconds(): number {
    return Math.floor((this.clock ? this.clock.now() : Date.now()) / 1000)
  }
}

/** Registers the cases of one area against a context created when the suite starts. */
export type CaseRegistrar = (ctx: SuiteContext) => void
