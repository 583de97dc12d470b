/** Shown instead of a secret by toJSON / util.inspect. */
export const REDACTED = '[REDACTED]'

/** The symbol util.inspect looks for; declared here so core needs no node:util import. */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * A secret string (PIN, SecretKey, root key) that never prints: `String()`, JSON and inspect show
 * `[REDACTED]`; `reveal()` is the one explicit way to read it.
 */
export class SecretString {
  readonly #value: string
  constructor(value: string) {
    this.#value = value
  }
  reveal(): string {
    return this.#value
  }
  toString(): string {
    return REDACTED
  }
  toJSON(): string {
    return REDACTED
  }
  [INSPECT](): string {
    return `SecretString(${REDACTED})`
  }
}
