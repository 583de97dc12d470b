/**
 * @packageDocumentation
 * Keyward's contracts: the KeyProvider interface every backend implements, the algorithm tables, the one
 * error class with stable codes, input checks, zeroing, encodings, retry with backoff and audit. No I/O.
 */
export * from './algorithms.js'
export * from './audit.js'
export * from './capabilities.js'
export * from './checks.js'
export * from './ciphertext-blob.js'
export * from './clock.js'
export * from './data-key.js'
export * from './encoding.js'
export * from './errors.js'
export * from './key-metadata.js'
export * from './key-provider.js'
export * from './key-store.js'
export * from './redact.js'
export * from './request-checks.js'
export * from './retry.js'
export * from './zeroize.js'
