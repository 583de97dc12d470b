import { randomBytes } from 'node:crypto'
import type {
  CallOptions,
  CreateKeyRequest,
  KeyMetadata,
  KeyProvider,
  KeyUsage,
  ManualClock,
  ProviderCapabilities,
  ProviderRole,
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
 * The areas of the suite: first those of KeyProviderBase, then those of each role (`bad-input` has a part in
 * several roles), `close` last. See roles/ for which role each area belongs to.
 */
export const CASE_AREAS = [
  'capabilities',
  'roles',
  'random',
  'lifecycle',
  'list',
  'deletion',
  'rotation',
  'symmetric',
  'data-keys',
  'asymmetric',
  'signatures',
  'import',
  'import-expiry',
  'bad-input',
  'close',
] as const
export type CaseArea = (typeof CASE_AREAS)[number]

/**
 * For a backend that derives its capabilities from what it is connected to: run with the derived map, which must
 * contain `floor`; optionally only the named `areas` (a smaller default subset for a slow backend).
 */
export interface DerivedCapabilities {
  readonly floor: ExpectedCapabilities
  readonly areas?: readonly CaseArea[]
}

/**
 * Shared state of one suite run: the provider, the clock, unique aliases and keys that several cases may
 * reuse (RSA generation is slow). Shared keys are never disabled, deleted or rotated by a case; cases that
 * change a key's state create their own.
 */
export class SuiteContext {
  readonly provider: KeyProvider
  readonly clock: ManualClock | undefined
  readonly expected: ExpectedCapabilities
  /** What the backend must declare at least, when its capabilities are derived (PKCS#11 tokens). */
  readonly floor: ExpectedCapabilities | undefined
  /** Prefix of every alias this run creates, so runs against a persistent backend never collide. */
  readonly runId = `cf${randomBytes(4).toString('hex')}`
  #counter = 0
  readonly #shared = new Map<string, Promise<KeyMetadata>>()

  /**
   * The usage of keys the cases create when the case does not care which (lifecycle, lists, deletion):
   * ENCRYPT_DECRYPT where the backend has it, else its ECC (cheap to generate) or first usage. A token without
   * symmetric keys (tpm2-pkcs11) still runs every case that is not about encryption.
   */
  readonly defaultUsage: KeyUsage

  constructor(harness: ConformanceHarness, expected: ExpectedCapabilities, floor?: ExpectedCapabilities) {
    this.provider = harness.provider
    this.clock = harness.clock
    this.expected = expected
    this.floor = floor
    const usages = expected.keyUsages
    this.defaultUsage = usages.includes('ENCRYPT_DECRYPT')
      ? 'ENCRYPT_DECRYPT'
      : usages.includes('ASYMMETRIC_SIGN_VERIFY_ECC')
        ? 'ASYMMETRIC_SIGN_VERIFY_ECC'
        : (usages[0] ?? 'ENCRYPT_DECRYPT')
  }

  /** True when keys of the default usage encrypt (so a case can make a ciphertext with one). */
  get symmetric(): boolean {
    return this.defaultUsage === 'ENCRYPT_DECRYPT'
  }

  /** A fresh alias unique to this run; `tag` makes failures readable. */
  alias(tag = 'k'): string {
    this.#counter += 1
    return `${this.runId}-${tag}-${this.#counter}`
  }

  /**
   * Creates a key owned by the calling case; of {@link defaultUsage} unless the request names a usage, spec or type.
   */
  createKey(req: Omit<CreateKeyRequest, 'alias'> & { alias?: string } = {}, opts?: CallOptions): Promise<KeyMetadata> {
    const usage =
      req.keyUsage === undefined && req.keySpec === undefined && req.type === undefined && !this.symmetric
        ? { keyUsage: this.defaultUsage }
        : {}
    return this.provider.createKey({ ...usage, ...req, alias: req.alias ?? this.alias() }, opts)
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

/** The cases of what every provider offers (KeyProviderBase), by area. */
export interface BaseSuite {
  readonly title: string
  readonly areas: Partial<Record<CaseArea, CaseRegistrar>>
}

/** The cases of one role, by area, run for a provider that plays the role. */
export interface RoleSuite extends BaseSuite {
  readonly role: ProviderRole
}
