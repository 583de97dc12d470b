/**
 * @packageDocumentation
 * Keyward's contracts: the KeyProvider interface every backend implements (the union of four roles: key administration,
 * symmetric crypto, asymmetric crypto, key import), the algorithm tables, the one
 * error class with stable codes, input checks, zeroing, encodings, retry with backoff, audit, and the compliance
 * profiles (gm, fips) as data with the checks and the provider wrapper that enforce them. No I/O.
 */
export * from './algorithms.js'
export * from './audit.js'
export * from './capabilities.js'
export * from './checks.js'
export * from './ciphertext-blob.js'
export * from './clock.js'
export * from './compliance-checks.js'
export * from './compliance-findings.js'
export * from './compliance-gate.js'
export * from './compliance-profiles.js'
export * from './compliance-provider.js'
export * from './compliance-requirements.js'
export * from './compliance-scope.js'
export * from './data-key.js'
export * from './encoding.js'
export * from './errors.js'
export * from './key-metadata.js'
export * from './new-key-metadata.js'
export * from './key-provider.js'
export * from './key-store.js'
export * from './operation-checks.js'
export * from './provider-roles.js'
export * from './redact.js'
export * from './request-checks.js'
export * from './retry.js'
export * from './seal-box.js'
export * from './zeroize.js'
