/**
 * @packageDocumentation
 * Flows over any KeyProvider. Each flow is also a subpath export: `@keyward/flows/envelope`,
 * `@keyward/flows/asymmetric`, `@keyward/flows/signature`, `@keyward/flows/byok`, `@keyward/flows/sensitive`,
 * `@keyward/flows/searchable`.
 */
export * from './envelope/index.js'
export * from './asymmetric/index.js'
export * from './signature/index.js'
export * from './byok/index.js'
export * from './sensitive/index.js'
export * from './searchable/index.js'
